/*
 * class_pool: blocks of 1, 2, 4, ... entries of one size, for lists that
 * are short for almost every owner and long for a few (an association's
 * addresses: one or two for nearly all, up to max-addresses for some).
 *
 * Each size class is one anonymous mapping with room for `owners` blocks
 * of that class, reserved but not committed (MAP_NORESERVE): pages are
 * touched only as blocks are first used, so resident memory follows the
 * lists in use, not the largest list allowed.  An owner holds at most one
 * block of each pool at a time, so a class can never run out and getting
 * a block cannot fail once the pool exists: the packet path never
 * allocates and never meets an out-of-memory case.
 */
#ifndef SCTPALG_CLASS_POOL_H
#define SCTPALG_CLASS_POOL_H

#include <stddef.h>
#include <stdint.h>

#define CLASS_POOL_MAX_CLASSES	8	/* blocks up to 128 entries */

struct class_pool {
	size_t entry_size;
	/*
	 * entry_size is entry_odd << entry_shift; entry_inv is entry_odd's
	 * inverse modulo 2^64.  A block's offset is an exact multiple of its
	 * size, so shifting out the power of two and multiplying by the
	 * inverse gives its index without a division (Hacker's Delight,
	 * 10-16, "Exact Division by Constants").
	 */
	uint64_t entry_inv;
	uint32_t owners;
	uint8_t entry_shift;
	uint8_t n_classes;	/* class k holds 1 << k entries */
	struct class_pool_class {
		uint8_t *base;
		size_t bytes;		/* mapping length */
		uint32_t fresh;		/* blocks never handed out yet */
		uint32_t free_head;	/* freed blocks, chained */
	} cls[CLASS_POOL_MAX_CLASSES];
};

/* Room for `owners` lists of up to max_entries entries of entry_size
 * bytes (entry_size >= 4).  0 or -errno. */
int class_pool_init(struct class_pool *p, size_t entry_size,
		    unsigned int max_entries, uint32_t owners);
void class_pool_fini(struct class_pool *p);

/* The smallest class holding n entries (n >= 1), or -1 over the max. */
int class_pool_class_for(const struct class_pool *p, unsigned int n);
static inline unsigned int class_pool_entries(unsigned int cls)
{
	return 1u << cls;
}

/* A zeroed block of class cls; NULL only if an owner broke the rule of
 * one block per pool. */
void *class_pool_get(struct class_pool *p, unsigned int cls);
void class_pool_put(struct class_pool *p, unsigned int cls, void *block);
/* The same, but a block given back keeps what its last owner wrote
 * (beyond the pool's first 4 bytes): for owners that clear what they
 * read, rather than the whole block. */
void *class_pool_get_dirty(struct class_pool *p, unsigned int cls);

/* Block i of class cls, and back: a 32-bit name for a block. */
static inline void *class_pool_block(const struct class_pool *p,
				     unsigned int cls, uint32_t i)
{
	return p->cls[cls].base + (size_t)i * (p->entry_size << cls);
}

static inline uint32_t class_pool_index(const struct class_pool *p,
					unsigned int cls, const void *block)
{
	uint64_t off = (uint64_t)((const uint8_t *)block - p->cls[cls].base);

	/* off / (entry_size << cls), exactly (see entry_inv). */
	return (uint32_t)((off >> (p->entry_shift + cls)) * p->entry_inv);
}

/* Bytes of the pool's mappings ever touched (resident at most). */
size_t class_pool_touched(const struct class_pool *p);

#endif
