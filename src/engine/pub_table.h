/*
 * pub_table: the public addresses an association's bindings show, each
 * held once however many bindings use it (README, Performance).  An
 * inside-address binding (struct assoc_local) names its public address
 * by an index into this table and holds one reference on it; the entry
 * goes when the last binding using it goes.
 *
 * They are few in most configurations (the uplinks' public addresses)
 * and many in some (one per inside host of a `network` with `map`,
 * sctpalgd.conf(5)), so the table grows with the distinct addresses in
 * use.  Its room (entries and hash buckets) is reserved when it is
 * created for as many addresses as there can be bindings, not
 * committed: pages are touched only as entries are first used, so
 * taking a reference never allocates and never fails, and resident
 * memory follows the addresses in use.  A freed entry's index is used
 * again for the next new address.
 */
#ifndef SCTPALG_PUB_TABLE_H
#define SCTPALG_PUB_TABLE_H

#include <stdint.h>

#include "nat_addr.h"

/* Indexes fit in PUB_TABLE_BITS bits (struct assoc_local): room for
 * every binding of the largest table (ENGINE_ADDRS_MAX * 2 bindings
 * for each of 1 << 22 associations, engine_config.c). */
#define PUB_TABLE_BITS 27
#define PUB_TABLE_MAX  (1u << PUB_TABLE_BITS)

struct pub_entry {
	struct nat_addr addr;
	/* The table's business. */
	uint32_t refs, next;
};

struct pub_table {
	uint32_t capacity; /* addresses there can be at once */
	uint32_t live; /* entries with references */
	uint32_t mask; /* buckets in use - 1 */
	uint32_t max_buckets;
	uint32_t seed;
	/* Freed entries, chained; then those never used, from `fresh` on. */
	uint32_t free_head, fresh;
	/*
	 * The entry last referenced for an address in each of a few
	 * slots (recent_slot), found without hashing or walking a chain
	 * if it still holds that address: most bindings name one of the
	 * few uplink addresses, a new association two or more of them.
	 * May name an entry since freed or reused (the entry says).
	 */
	uint32_t recent[8];
	uint32_t *buckets;
	struct pub_entry *pool;
	size_t pool_bytes, bucket_bytes; /* the mappings */
};

/* Room for `capacity` distinct addresses, at most PUB_TABLE_MAX.  0 or
 * -errno. */
int pub_table_init(struct pub_table *pt, uint32_t capacity, uint64_t seed);
void pub_table_fini(struct pub_table *pt);

/* A reference on addr: the index of its entry, added if new.  Cannot
 * fail while the references held are at most `capacity`. */
uint32_t pub_table_ref(struct pub_table *pt, const struct nat_addr *addr);
/* Drops a reference from pub_table_ref; the entry goes at zero. */
void pub_table_unref(struct pub_table *pt, uint32_t i);

/* Entry i, valid while a reference is held (pointers stay valid). */
static inline const struct pub_entry *pub_table_get(const struct pub_table *pt,
						    uint32_t i)
{
	return &pt->pool[i];
}

/* Distinct addresses in use; references on entry i. */
uint32_t pub_table_live(const struct pub_table *pt);
uint32_t pub_table_refs(const struct pub_table *pt, uint32_t i);
/* Buckets in use (grows with the addresses, for tests). */
uint32_t pub_table_buckets(const struct pub_table *pt);

#endif
