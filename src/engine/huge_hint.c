/*
 * huge_hint.c: see huge_hint.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "huge_hint.h"

#define HUGE_PAGE	((uintptr_t)2 << 20)
#define SMALL_PAGE	((uintptr_t)4096)

void huge_hint(void *p, size_t bytes)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);

	if (p && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

void *huge_table_alloc(size_t bytes)
{
	size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
	void *p;

	/* Whole huge pages: the last one is backed whole anyway. */
	bytes = (bytes + align - 1) & ~(align - 1);
	if (posix_memalign(&p, align, bytes))
		return NULL;
	if (align == HUGE_PAGE)
		huge_hint(p, bytes);
	return p;
}

void *huge_map(size_t bytes)
{
	const int prot = PROT_READ | PROT_WRITE;
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t len = (bytes + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1);
	uintptr_t m, p;

	if (len < HUGE_PAGE) {
		void *small = mmap(NULL, len, prot, flags, -1, 0);

		return small == MAP_FAILED ? NULL : small;
	}
	/* A huge page more, then the unaligned ends given back. */
	m = (uintptr_t)mmap(NULL, len + HUGE_PAGE, prot, flags, -1, 0);
	if ((void *)m == MAP_FAILED)
		return NULL;
	p = (m + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (p > m)
		(void)munmap((void *)m, p - m);
	if (m + HUGE_PAGE > p)
		(void)munmap((void *)(p + len), m + HUGE_PAGE - p);
	huge_hint((void *)p, len);
	return (void *)p;
}
