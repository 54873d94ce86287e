/*
 * port_alloc.c: public port bindings (see port_alloc.h).
 * One open hash of reference-counted bindings from a fixed pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "huge_hint.h"
#include "port_alloc.h"

#define NONE UINT32_MAX

struct binding {
	struct nat_addr pub;
	struct nat_addr owner;
	uint16_t port, owner_port;
	uint32_t refs;
	uint32_t next;
};

struct port_alloc {
	uint32_t capacity, in_use, mask, seed;
	/* Freed bindings, chained; then those never used, from `fresh` on
	 * (untouched, so memory follows the bindings in use). */
	uint32_t free_head, fresh;
	uint32_t *buckets;
	struct binding *pool;
};

int port_alloc_create(uint32_t capacity, uint64_t seed,
		      struct port_alloc **out)
{
	struct port_alloc *pa;
	uint32_t nb = 1;

	if (capacity == 0 || capacity > (1u << 26))
		return -EINVAL;
	/* Bindings are per public address and port, far fewer than the
	 * pool's room for most configurations: a bucket per four. */
	while (nb < capacity / 4)
		nb <<= 1;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	/* Neither table needs zeroing: the buckets are filled here, and a
	 * binding is read only once port_alloc_ref_at wrote it. */
	pa->buckets = huge_table_alloc(nb * sizeof(*pa->buckets));
	pa->pool = huge_table_alloc((size_t)capacity * sizeof(*pa->pool));
	if (!pa->buckets || !pa->pool) {
		port_alloc_destroy(pa);
		return -ENOMEM;
	}
	memset(pa->buckets, 0xff, nb * sizeof(*pa->buckets));
	pa->free_head = NONE;
	pa->capacity = capacity;
	pa->mask = nb - 1;
	pa->seed = (uint32_t)(seed >> 7);
	*out = pa;
	return 0;
}

void port_alloc_destroy(struct port_alloc *pa)
{
	if (!pa)
		return;
	free(pa->buckets);
	free(pa->pool);
	free(pa);
}

uint32_t port_alloc_in_use(const struct port_alloc *pa)
{
	return pa->in_use;
}

uint32_t port_alloc_bucket(const struct port_alloc *pa,
			   const struct nat_addr *pub, uint16_t port)
{
	return nat_addr_hash(pub, pa->seed ^ port) & pa->mask;
}

/* The bucket of (pub, port): find() walks it, port_alloc_warm() loads it. */
static uint32_t *bucket_of(const struct port_alloc *pa,
			   const struct nat_addr *pub, uint16_t port)
{
	return &pa->buckets[port_alloc_bucket(pa, pub, port)];
}

/* The link to (pub, port)'s binding in its bucket's chain, or to the
 * chain's end (NONE) when there is none. */
static uint32_t *find_at(const struct port_alloc *pa, uint32_t bucket,
			 const struct nat_addr *pub, uint16_t port)
{
	uint32_t *pp = &pa->buckets[bucket];

	while (*pp != NONE) {
		const struct binding *b = &pa->pool[*pp];

		if (b->port == port && nat_addr_eq(&b->pub, pub))
			break;
		pp = &pa->pool[*pp].next;
	}
	return pp;
}

static uint32_t *find(const struct port_alloc *pa, const struct nat_addr *pub,
		      uint16_t port)
{
	return find_at(pa, port_alloc_bucket(pa, pub, port), pub, port);
}

const uint32_t *port_alloc_warm(const struct port_alloc *pa,
				const struct nat_addr *pub, uint16_t port)
{
	const uint32_t *b = bucket_of(pa, pub, port);

	__builtin_prefetch(b);
	return b;
}

void port_alloc_warm_step(const struct port_alloc *pa, const uint32_t *bucket)
{
	if (*bucket != NONE)
		__builtin_prefetch(&pa->pool[*bucket]);
}

static bool usable_at(const struct port_alloc *pa, uint32_t bucket,
		      const struct nat_addr *pub, uint16_t port,
		      const struct nat_addr *owner, uint16_t owner_port)
{
	uint32_t i = *find_at(pa, bucket, pub, port);
	const struct binding *b;

	if (i == NONE)
		return true;
	b = &pa->pool[i];
	return b->owner_port == owner_port && nat_addr_eq(&b->owner, owner);
}

bool port_alloc_usable(const struct port_alloc *pa, const struct nat_addr *pub,
		       uint16_t port, const struct nat_addr *owner,
		       uint16_t owner_port)
{
	return usable_at(pa, port_alloc_bucket(pa, pub, port), pub, port, owner,
			 owner_port);
}

bool port_alloc_can_ref(const struct port_alloc *pa,
			const struct nat_addr *pub, uint16_t port,
			const struct nat_addr *owner, uint16_t owner_port)
{
	/* One walk: port_alloc_usable's, then room for a new one. */
	uint32_t i = *find(pa, pub, port);
	const struct binding *b;

	if (i == NONE)
		return pa->free_head != NONE || pa->fresh < pa->capacity;
	b = &pa->pool[i];
	return b->owner_port == owner_port && nat_addr_eq(&b->owner, owner);
}

int port_alloc_ref(struct port_alloc *pa, const struct nat_addr *pub,
		   uint16_t port, const struct nat_addr *owner,
		   uint16_t owner_port)
{
	return port_alloc_ref_at(pa, port_alloc_bucket(pa, pub, port), pub,
				 port, owner, owner_port);
}

int port_alloc_ref_at(struct port_alloc *pa, uint32_t bucket,
		      const struct nat_addr *pub, uint16_t port,
		      const struct nat_addr *owner, uint16_t owner_port)
{
	uint32_t *pp = find_at(pa, bucket, pub, port), i = *pp;
	struct binding *b;

	if (i != NONE) {
		b = &pa->pool[i];
		if (b->owner_port != owner_port ||
		    !nat_addr_eq(&b->owner, owner))
			return -EADDRINUSE;
		b->refs++;
		return 0;
	}
	i = pa->free_head;
	if (i != NONE) {
		pa->free_head = pa->pool[i].next;
	} else {
		if (pa->fresh >= pa->capacity)
			return -ENOSPC;
		i = pa->fresh++;
	}
	b = &pa->pool[i];
	b->pub = *pub;
	b->owner = *owner;
	b->port = port;
	b->owner_port = owner_port;
	b->refs = 1;
	b->next = NONE;
	*pp = i;
	pa->in_use++;
	return 0;
}

void port_alloc_unref(struct port_alloc *pa, const struct nat_addr *pub,
		      uint16_t port)
{
	uint32_t *pp = find(pa, pub, port), i = *pp;
	struct binding *b;

	if (i == NONE)
		return;
	b = &pa->pool[i];
	if (--b->refs)
		return;
	*pp = b->next;
	b->next = pa->free_head;
	pa->free_head = i;
	pa->in_use--;
}

/*
 * Each public address's bucket for port goes to buckets[] (if not NULL).
 * With several addresses all their buckets are asked for before any is
 * walked: a new association's are mostly out of the cache by its turn
 * (the batch's warming loaded them tens of packets before), and walked
 * in turn each address's miss would wait for the one before.
 */
static bool usable_everywhere(const struct port_alloc *pa,
			      const struct nat_addr *pubs, unsigned int n,
			      const struct nat_addr *owner, uint16_t owner_port,
			      uint16_t port, uint32_t *buckets)
{
	if (buckets && n > 1)
		for (unsigned int i = 0; i < n; i++) {
			buckets[i] = port_alloc_bucket(pa, &pubs[i], port);
			__builtin_prefetch(&pa->buckets[buckets[i]]);
		}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t bucket = buckets && n > 1 ?
					  buckets[i] :
					  port_alloc_bucket(pa, &pubs[i], port);

		if (buckets)
			buckets[i] = bucket;
		if (!usable_at(pa, bucket, &pubs[i], port, owner, owner_port))
			return false;
	}
	return true;
}

static uint64_t next_random(uint64_t *s)
{
	/* xorshift64*: cheap, and the engine owns its state (no globals). */
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

int port_alloc_pick(const struct port_alloc *pa, const struct nat_addr *pubs,
		    unsigned int n, const struct nat_addr *owner,
		    uint16_t owner_port, uint16_t min, uint16_t max,
		    uint16_t preferred, uint64_t *rng,
		    bool (*conflict)(uint16_t port, void *arg), void *arg,
		    uint32_t *buckets)
{
	uint32_t range, start, i;

	if (min == 0 || min > max)
		return -1;
	if (preferred >= min && preferred <= max &&
	    usable_everywhere(pa, pubs, n, owner, owner_port, preferred,
			      buckets) &&
	    !(conflict && conflict(preferred, arg)))
		return preferred;
	/*
	 * Random start so that public ports do not reveal how many
	 * associations the box carries (RFC 6056 spirit), then a linear
	 * probe so a free port is always found if one exists.
	 */
	range = (uint32_t)max - min + 1;
	start = (uint32_t)(next_random(rng) % range);
	for (i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(min + (start + i) % range);

		if (usable_everywhere(pa, pubs, n, owner, owner_port, port,
				      buckets) &&
		    !(conflict && conflict(port, arg)))
			return port;
	}
	return -1;
}
