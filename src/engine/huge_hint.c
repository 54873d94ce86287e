/*
 * huge_hint.c: see huge_hint.h.
 */
#include <stdint.h>
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
