/*
 * class_pool: blocks by size class, zeroed, reused, never exhausted while
 * each owner holds one block.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "class_pool.h"

Test(class_pool, classes_cover_the_maximum)
{
	struct class_pool p;

	cr_assert_eq(class_pool_init(&p, 40, 16, 8), 0);
	cr_expect_eq(class_pool_class_for(&p, 1), 0);
	cr_expect_eq(class_pool_class_for(&p, 2), 1);
	cr_expect_eq(class_pool_class_for(&p, 3), 2);
	cr_expect_eq(class_pool_class_for(&p, 16), 4);
	cr_expect_eq(class_pool_class_for(&p, 17), -1);
	class_pool_fini(&p);
	cr_expect_neq(class_pool_init(&p, 2, 16, 8), 0, "entry < 4 bytes");
	cr_expect_neq(class_pool_init(&p, 40, 0, 8), 0);
	cr_expect_neq(class_pool_init(&p, 40, 1024, 8), 0, "too many classes");
}

Test(class_pool, one_block_per_owner_never_runs_out_and_comes_back_zeroed)
{
	struct class_pool p;
	uint8_t *b[4];

	cr_assert_eq(class_pool_init(&p, 32, 4, 4), 0);
	for (int i = 0; i < 4; i++) {
		b[i] = class_pool_get(&p, 2);
		cr_assert_not_null(b[i]);
		for (int j = 0; j < 4 * 32; j++)
			cr_assert_eq(b[i][j], 0);
		memset(b[i], 0xa5, 4 * 32);
	}
	cr_expect_eq(class_pool_touched(&p), 4 * 4 * 32);
	/* A fifth owner is a broken rule, not an overrun. */
	cr_expect_null(class_pool_get(&p, 2));
	class_pool_put(&p, 2, b[1]);
	class_pool_put(&p, 2, b[3]);
	cr_expect_eq(class_pool_get(&p, 2), b[3], "last freed first");
	uint8_t *again = class_pool_get(&p, 2);

	cr_expect_eq(again, b[1]);
	for (int j = 0; j < 4 * 32; j++)
		cr_assert_eq(again[j], 0, "a reused block is zeroed");
	cr_expect_eq(class_pool_touched(&p), 4 * 4 * 32, "no new pages");
	class_pool_fini(&p);
}

Test(class_pool, index_by_inverse_matches_division)
{
	/* Entry sizes odd, even and with large powers of two, every class
	 * each allows, and indices from the first to the last block. */
	static const size_t sizes[] = { 4,   5,	  6,   7,   12,	  20,  24,  40,
					48,  56,  60,  64,  72,	  96,  100, 136,
					192, 255, 256, 384, 1000, 4096 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct class_pool p;
		uint32_t owners = 5000;

		cr_assert_eq(class_pool_init(&p, sizes[s], 128, owners), 0);
		for (unsigned int k = 0; k < p.n_classes; k++) {
			size_t bb = sizes[s] << k;

			for (uint32_t i = 0; i < owners; i++) {
				const uint8_t *b = class_pool_block(&p, k, i);
				size_t off = (size_t)(b - p.cls[k].base);

				cr_assert_eq(off / bb, i);
				cr_assert_eq(class_pool_index(&p, k, b), i,
					     "size %zu class %u index %u",
					     sizes[s], k, i);
			}
		}
		class_pool_fini(&p);
	}
}
