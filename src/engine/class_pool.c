/*
 * class_pool.c: size-class blocks on reserved mappings (class_pool.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "class_pool.h"
#include "huge_hint.h"

#define NONE UINT32_MAX

static size_t block_bytes(const struct class_pool *p, unsigned int cls)
{
	return p->entry_size << cls;
}

/* x with odd * x == 1 modulo 2^64: Newton's iteration doubles the bits
 * right each step, from the 3 that odd * odd == 1 modulo 8 gives. */
static uint64_t odd_inverse(uint64_t odd)
{
	uint64_t x = odd;

	for (int i = 0; i < 5; i++)
		x *= 2 - odd * x;
	return x;
}

int class_pool_init(struct class_pool *p, size_t entry_size,
		    unsigned int max_entries, uint32_t owners)
{
	unsigned int n = 0;

	memset(p, 0, sizeof(*p));
	if (entry_size < sizeof(uint32_t) || max_entries == 0 || owners == 0)
		return -EINVAL;
	while ((1u << n) < max_entries)
		n++;
	if (n + 1 > CLASS_POOL_MAX_CLASSES)
		return -EINVAL;
	p->entry_size = entry_size;
	p->entry_shift = (uint8_t)__builtin_ctzll(entry_size);
	p->entry_inv = odd_inverse(entry_size >> p->entry_shift);
	p->owners = owners;
	p->n_classes = (uint8_t)(n + 1);
	for (unsigned int k = 0; k < p->n_classes; k++) {
		struct class_pool_class *c = &p->cls[k];
		void *m;

		c->bytes = block_bytes(p, k) * owners;
		m = huge_map(c->bytes);
		if (!m) {
			c->bytes = 0;
			class_pool_fini(p);
			return -ENOMEM;
		}
		c->base = m;
		c->free_head = NONE;
	}
	return 0;
}

void class_pool_fini(struct class_pool *p)
{
	for (unsigned int k = 0; k < CLASS_POOL_MAX_CLASSES; k++)
		if (p->cls[k].base)
			munmap(p->cls[k].base, p->cls[k].bytes);
	memset(p, 0, sizeof(*p));
}

int class_pool_class_for(const struct class_pool *p, unsigned int n)
{
	/* The smallest k with n <= 1 << k: the bits of n - 1. */
	unsigned int k = n <= 1 ? 0 : 32u - (unsigned int)__builtin_clz(n - 1);

	return k < p->n_classes ? (int)k : -1;
}

void *class_pool_get_dirty(struct class_pool *p, unsigned int cls)
{
	struct class_pool_class *c = &p->cls[cls];
	size_t bb = block_bytes(p, cls);
	uint8_t *b;

	if (c->free_head != NONE) {
		b = c->base + (size_t)c->free_head * bb;
		memcpy(&c->free_head, b, sizeof(c->free_head));
		return b;
	}
	/* Never while each owner holds at most one block per pool. */
	if (c->fresh >= p->owners)
		return NULL;
	/* Fresh pages of an anonymous mapping are already zero. */
	b = c->base + (size_t)c->fresh * bb;
	c->fresh++;
	return b;
}

void *class_pool_get(struct class_pool *p, unsigned int cls)
{
	struct class_pool_class *c = &p->cls[cls];
	bool reused = c->free_head != NONE;
	void *b = class_pool_get_dirty(p, cls);

	/* Fresh pages of an anonymous mapping are already zero. */
	if (b && reused)
		memset(b, 0, block_bytes(p, cls));
	return b;
}

void class_pool_put(struct class_pool *p, unsigned int cls, void *block)
{
	struct class_pool_class *c = &p->cls[cls];
	uint32_t i = class_pool_index(p, cls, block);

	memcpy(block, &c->free_head, sizeof(c->free_head));
	c->free_head = i;
}

size_t class_pool_touched(const struct class_pool *p)
{
	size_t n = 0;

	for (unsigned int k = 0; k < p->n_classes; k++)
		n += (size_t)p->cls[k].fresh * block_bytes(p, k);
	return n;
}
