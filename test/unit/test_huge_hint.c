/*
 * huge_hint: the engine's large tables start on a 2 MiB boundary, so
 * that transparent huge pages can back all of them (madvise(2)
 * MADV_HUGEPAGE covers only whole, aligned huge pages).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "huge_hint.h"

#define HUGE_PAGE ((size_t)2 << 20)

Test(huge_hint, a_table_of_a_huge_page_or_more_starts_on_one)
{
	/* Sizes below, at and above a boundary, and not a multiple. */
	static const size_t sizes[] = { HUGE_PAGE, HUGE_PAGE + 4,
					3 * HUGE_PAGE - 64, 8 * HUGE_PAGE };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *t = huge_table_alloc(sizes[i]);

		cr_assert_not_null(t);
		cr_expect_eq((uintptr_t)t % HUGE_PAGE, 0, "size %zu", sizes[i]);
		/* All of it is the caller's, to the last byte. */
		memset(t, 0xa5, sizes[i]);
		free(t);
	}
}

Test(huge_hint, a_small_table_starts_on_a_cache_line)
{
	uint8_t *t = huge_table_alloc(96 * 3);

	cr_assert_not_null(t);
	cr_expect_eq((uintptr_t)t % 64, 0);
	free(t);
}

Test(huge_hint, a_pool_reservation_is_aligned_and_zeroed)
{
	static const size_t sizes[] = { 4096, 100000, HUGE_PAGE,
					5 * HUGE_PAGE + 21 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *m = huge_map(sizes[i]);

		cr_assert_not_null(m);
		if (sizes[i] >= HUGE_PAGE)
			cr_expect_eq((uintptr_t)m % HUGE_PAGE, 0, "size %zu",
				     sizes[i]);
		cr_expect_eq(m[0], 0);
		cr_expect_eq(m[sizes[i] - 1], 0);
		m[sizes[i] - 1] = 1;
		cr_expect_eq(munmap(m, sizes[i]), 0);
	}
}
