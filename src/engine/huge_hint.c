/*
 * huge_hint.c: see huge_hint.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "huge_hint.h"

#define HUGE_PAGE	((uintptr_t)2 << 20)

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
