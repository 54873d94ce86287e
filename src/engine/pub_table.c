/*
 * pub_table.c: reference-counted public addresses of the bindings
 * (pub_table.h).  One chained hash over a pool of entries, both on
 * reserved mappings; the buckets in use double (and the chains are
 * rebuilt from the pool) when the addresses outnumber them.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "pub_table.h"

#define NONE	    UINT32_MAX
#define MIN_BUCKETS 64u

static void *reserve(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

int pub_table_init(struct pub_table *pt, uint32_t capacity, uint64_t seed)
{
	uint32_t nb = MIN_BUCKETS;

	memset(pt, 0, sizeof(*pt));
	if (capacity == 0 || capacity > PUB_TABLE_MAX)
		return -EINVAL;
	while (nb < capacity)
		nb <<= 1;
	pt->pool_bytes = (size_t)capacity * sizeof(*pt->pool);
	pt->bucket_bytes = (size_t)nb * sizeof(*pt->buckets);
	pt->pool = reserve(pt->pool_bytes);
	pt->buckets = reserve(pt->bucket_bytes);
	if (!pt->pool || !pt->buckets) {
		pub_table_fini(pt);
		return -ENOMEM;
	}
	pt->capacity = capacity;
	pt->max_buckets = nb;
	pt->mask = MIN_BUCKETS - 1;
	memset(pt->buckets, 0xff, MIN_BUCKETS * sizeof(*pt->buckets));
	pt->free_head = NONE;
	pt->seed = (uint32_t)(seed >> 11);
	for (unsigned int i = 0; i < sizeof(pt->recent) / sizeof(pt->recent[0]);
	     i++)
		pt->recent[i] = NONE;
	return 0;
}

void pub_table_fini(struct pub_table *pt)
{
	if (pt->pool)
		munmap(pt->pool, pt->pool_bytes);
	if (pt->buckets)
		munmap(pt->buckets, pt->bucket_bytes);
	memset(pt, 0, sizeof(*pt));
}

static uint32_t bucket_of(const struct pub_table *pt,
			  const struct nat_addr *addr)
{
	return nat_addr_hash(addr, pt->seed) & pt->mask;
}

/* Twice the buckets, every live entry chained again. */
static void grow(struct pub_table *pt)
{
	uint32_t nb = (pt->mask + 1) * 2;

	pt->mask = nb - 1;
	memset(pt->buckets, 0xff, nb * sizeof(*pt->buckets));
	for (uint32_t i = 0; i < pt->fresh; i++) {
		struct pub_entry *p = &pt->pool[i];
		uint32_t b;

		if (!p->refs)
			continue;
		b = bucket_of(pt, &p->addr);
		p->next = pt->buckets[b];
		pt->buckets[b] = i;
	}
}

/* An address's slot in pt->recent: the bytes of an IPv4 address, the
 * first and last four of an IPv6 one, folded, which tells apart the few
 * addresses of most configurations (uplinks' addresses often end alike:
 * the last byte alone would not). */
static uint32_t *recent_slot(struct pub_table *pt, const struct nat_addr *addr)
{
	uint32_t w0, w3;

	memcpy(&w0, addr->bytes, 4);
	memcpy(&w3, addr->bytes + 12, 4);
	w0 ^= w3;
	w0 ^= w0 >> 16;
	w0 ^= w0 >> 8;
	return &pt->recent[w0 % (sizeof(pt->recent) / sizeof(pt->recent[0]))];
}

uint32_t pub_table_ref(struct pub_table *pt, const struct nat_addr *addr)
{
	uint32_t *r = recent_slot(pt, addr), b, i = *r;
	struct pub_entry *p;

	/* Live entries hold distinct addresses: a live one with addr is
	 * its only entry. */
	if (i != NONE && pt->pool[i].refs &&
	    nat_addr_eq(&pt->pool[i].addr, addr)) {
		pt->pool[i].refs++;
		return i;
	}
	b = bucket_of(pt, addr);
	for (i = pt->buckets[b]; i != NONE; i = pt->pool[i].next) {
		p = &pt->pool[i];
		if (nat_addr_eq(&p->addr, addr)) {
			p->refs++;
			*r = i;
			return i;
		}
	}
	if (pt->free_head != NONE) {
		i = pt->free_head;
		pt->free_head = pt->pool[i].next;
	} else {
		/* Never past capacity: each entry is held by a binding. */
		i = pt->fresh++;
	}
	p = &pt->pool[i];
	p->addr = *addr;
	p->refs = 1;
	pt->live++;
	*r = i;
	if (pt->live > pt->mask + 1 && pt->mask + 1 < pt->max_buckets) {
		grow(pt); /* chains p too */
		return i;
	}
	p->next = pt->buckets[b];
	pt->buckets[b] = i;
	return i;
}

void pub_table_unref(struct pub_table *pt, uint32_t i)
{
	struct pub_entry *p = &pt->pool[i];
	uint32_t *pp;

	if (--p->refs)
		return;
	pp = &pt->buckets[bucket_of(pt, &p->addr)];
	while (*pp != i)
		pp = &pt->pool[*pp].next;
	*pp = p->next;
	p->next = pt->free_head;
	pt->free_head = i;
	pt->live--;
}

uint32_t pub_table_live(const struct pub_table *pt)
{
	return pt->live;
}

uint32_t pub_table_refs(const struct pub_table *pt, uint32_t i)
{
	return i < pt->fresh ? pt->pool[i].refs : 0;
}

uint32_t pub_table_buckets(const struct pub_table *pt)
{
	return pt->mask + 1;
}
