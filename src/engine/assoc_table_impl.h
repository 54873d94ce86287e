/*
 * assoc_table_impl.h: the association table's layout, shared by the
 * files that make up the table: assoc_table.c (storage, keys, indexes,
 * lookups, allocation), assoc_warm.c (loading a batch's lookups ahead),
 * assoc_wheel.c (the timer wheel) and assoc_hosts.c (associations per
 * host).  Nothing outside them includes it: the rest of the engine sees
 * assoc_table.h alone.
 */
#ifndef SCTPALG_ASSOC_TABLE_IMPL_H
#define SCTPALG_ASSOC_TABLE_IMPL_H

#include "assoc_table.h"
#include "class_pool.h"

/* The tags of the dead pairs (assoc_tag_gone) per slot: inside, peer. */
#define GONE_TAGS (ASSOC_GONE__COUNT * 2)

/* Wheel of one-second slots: 1024 s covers every default timeout. */
#define WHEEL_SLOTS 1024u

/*
 * A chain node is an association id and the key it is linked by, in 3
 * bits: a shift, not a division, between a bucket's load and the slot's
 * (ids are below 1 << 24, assoc_table_create).
 */
#define NODE_KEY_BITS 3
#define NODE(id, k)   ((id) << NODE_KEY_BITS | (uint32_t)(k))
#define NODE_ID(n)    ((n) >> NODE_KEY_BITS)
#define NODE_KEY(n)   ((n) & ((1u << NODE_KEY_BITS) - 1))
_Static_assert(ASSOC_KEY__COUNT <= 1 << NODE_KEY_BITS,
	       "a chain node's key fits its bits");

/*
 * The secondary indexes (src/engine/assoc_table.h, assoc_lookup_peer and
 * assoc_lookup_cands), each with buckets of its own; d is 0 for the
 * inbound side (public port), 1 for the outbound one (inside port).
 * A peer index node is an association id, a peers[] index and d; a
 * candidate index node a candidate block (its index in the pool) and d,
 * with links, key and owner in the block's header, so that a walk
 * reads only the headers of the nodes it passes.
 */
#define LINK_PEERS	(1u << ASSOC_KEY__COUNT)
#define LINK_CANDS	(1u << (ASSOC_KEY__COUNT + 1))
#define PNODE(id, i, d) ((id) << 5 | (uint32_t)(i) << 1 | (d))
#define PNODE_ID(n)	((n) >> 5)
#define PNODE_IDX(n)	(((n) >> 1) & 15u)
#define PNODE_D(n)	((n)&1u)
#define CNODE(blk, d)	((blk) << 1 | (d))
#define CNODE_BLK(n)	((n) >> 1)
#define CNODE_D(n)	((n)&1u)

struct cand_hdr {
	/* 8-aligned: the candidates follow it. */
	_Alignas(8) uint32_t next[2], prev[2]; /* prev: ASSOC_NONE at head */
	/* The node's key (side_port() by side, port_peer), copied when it
	 * is linked: a walk passes other nodes without touching their
	 * slots.  Ports never change while an association is linked. */
	uint16_t port[2], port_peer;
	uint32_t id; /* the association */
};

/*
 * Host chains (buckets and next) hold an entry's index complemented, so
 * that 0 ends a chain: the buckets come zeroed from calloc, and only
 * those of hosts in use are ever touched.  The free list holds plain
 * indexes, ASSOC_NONE at its end.
 */
#define HOST_LINK(i) (~(uint32_t)(i))
#define HOST_END     0u

struct host_entry {
	struct nat_addr addr;
	uint32_t count;
	uint32_t next; /* chain (HOST_LINK), or free list */
};

struct assoc_table {
	uint32_t capacity, live;
	uint8_t max_locals, max_peers;
	uint32_t seed;
	struct assoc *slots;
	/* Address lists sized to what each association uses (class_pool.h). */
	struct class_pool local_pool, peer_pool;
	/* Handshake candidates, a block per association that has some
	 * (CANDS_SMALL or ASSOC_CANDS of them, cands_pool), and their peer
	 * lists, each sized to what it holds. */
	struct class_pool cand_pool[2], cand_peer_pool;
	/* Drop counters (assoc_drops), by slot: calloc's pages are touched
	 * only by associations that drop something (ASSOC_F_DROPS). */
	uint32_t (*drops)[ASSOC_DROP_CLASSES];
	uint32_t free_head; /* free list through wnext */

	uint32_t bucket_mask, port_mask;
	uint32_t *buckets, *port_buckets;
	/* Previous-tag keys linked (state files of older versions only):
	 * while none is, their lookups need not touch the buckets.  Their
	 * chain links are here, two per slot, not in every slot: calloc's
	 * pages are touched only by associations that have them. */
	uint32_t prev_linked;
	uint32_t *prev_next;
	/* The previous tags themselves, two per slot, and how many slots
	 * have any (none: nothing to read). */
	uint32_t prev_set;
	uint32_t *prev_tags;
	/* Pairs dead for both endpoints, GONE_TAGS per slot
	 * (assoc_tag_gone), and how many slots have any: pages are read
	 * and written only once an association restarted (a read of an
	 * untouched page can cost a page too). */
	uint32_t gone_set;
	uint32_t *gone_tags;
	uint32_t peer_mask, cand_mask;
	uint32_t *peer_buckets, *cand_buckets;
	/* Where each candidate pool's blocks are and how big (its one
	 * class, as class_pool_block computes): every candidate walk and
	 * warming step turns a block's name into its address, and these
	 * sit by the index rather than in two pool descriptors a few
	 * hundred bytes apart. */
	struct {
		uint8_t *base;
		size_t size;
	} cand_blocks[2];

	uint32_t wheel[WHEEL_SLOTS];
	uint64_t wheel_now; /* last second processed */
	bool wheel_started;

	uint32_t host_mask;
	uint32_t *host_buckets;
	struct host_entry *hosts;
	uint32_t host_free; /* freed entries, then fresh ones untouched */
	uint32_t host_fresh;
};

/*
 * A handshake needs one candidate; restarts, collisions and copies of an
 * INIT answered twice need more.  A block starts with room for one and
 * grows to ASSOC_CANDS when a second is wanted (assoc_cands_grow), so
 * the handshakes in flight hold a third of the memory.  a->cands names
 * the block and, in CANDS_BIG, which pool it is from.
 */
#define CANDS_SMALL 1
#define CANDS_BIG   (1u << 30)

static inline unsigned int cands_pool(uint32_t blk)
{
	return !!(blk & CANDS_BIG);
}

static inline unsigned int cands_room(uint32_t blk)
{
	return blk & CANDS_BIG ? ASSOC_CANDS : CANDS_SMALL;
}

/* A slot's index is the association's id: the slot need not hold it. */
static inline uint32_t slot_id(const struct assoc_table *t,
			       const struct assoc *a)
{
	return (uint32_t)(a - t->slots);
}

/* ---- hashing ---- */

static inline uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

/*
 * The bucket of a key.  The port-pair keys have buckets of their own:
 * their chains hold every association of a port pair, and the tag keys,
 * which every packet with a tag is looked up by, would otherwise share
 * buckets with them.
 *
 * One round of a 64-bit finaliser (MurmurHash3's fmix64) over the whole
 * key, ports and tag side by side: a bijection, so every key bit reaches
 * every bucket bit, at half the latency of two dependent 32-bit rounds
 * (every packet with a tag waits for it).  The seed is secret, so the
 * endpoints, who choose the tags, cannot aim at one bucket.
 */
static inline uint32_t key_hash(const struct assoc_table *t, enum assoc_key k,
				uint16_t pa, uint16_t pb, uint32_t tag)
{
	uint32_t hi = t->seed ^ (uint32_t)k << 29 ^ ((uint32_t)pa << 16 | pb);
	uint64_t h = (uint64_t)hi << 32 | (tag ^ t->seed);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/*
 * The two sides' buckets of a port pair, in the indexes keyed by ports
 * (port keys, peer addresses, candidates), are neighbours: the side is
 * the index's lowest bit, not part of the hash.  A new association is
 * linked on both sides at once, and with port preservation its public
 * and inside ports are the same: its two buckets in each index are one
 * cache line, not two (in a big table each is a miss).
 */
static inline uint32_t side_bucket(uint32_t h, uint32_t mask, unsigned int d)
{
	return (h & mask & ~1u) | (d & mask);
}

static inline uint32_t *key_bucket(const struct assoc_table *t,
				   enum assoc_key k, uint16_t pa, uint16_t pb,
				   uint32_t tag)
{
	if (k == ASSOC_KEY_IN_PORTS || k == ASSOC_KEY_OUT_PORTS)
		return &t->port_buckets[side_bucket(
			key_hash(t, ASSOC_KEY_IN_PORTS, pa, pb, tag),
			t->port_mask, k == ASSOC_KEY_OUT_PORTS)];
	return &t->buckets[key_hash(t, k, pa, pb, tag) & t->bucket_mask];
}

/* The key fields of association a for key k. */
static inline void key_of(const struct assoc_table *t, const struct assoc *a,
			  enum assoc_key k, uint16_t *pa, uint16_t *pb,
			  uint32_t *tag)
{
	*pb = a->port_peer;
	switch (k) {
	case ASSOC_KEY_IN_TAG:
		*pa = a->port_public;
		*tag = a->tag_inside;
		break;
	case ASSOC_KEY_OUT_TAG:
		*pa = a->port_inside;
		*tag = a->tag_peer;
		break;
	case ASSOC_KEY_IN_PREV:
		*pa = a->port_public;
		*tag = t->prev_tags[(size_t)slot_id(t, a) * 2];
		break;
	case ASSOC_KEY_OUT_PREV:
		*pa = a->port_inside;
		*tag = t->prev_tags[(size_t)slot_id(t, a) * 2 + 1];
		break;
	case ASSOC_KEY_IN_PORTS:
		*pa = a->port_public;
		*tag = 0;
		break;
	case ASSOC_KEY_OUT_PORTS:
	default:
		*pa = a->port_inside;
		*tag = 0;
		break;
	}
}

static inline bool is_prev(enum assoc_key k)
{
	return k == ASSOC_KEY_IN_PREV || k == ASSOC_KEY_OUT_PREV;
}

/* The chain link of association id for key k. */
static inline uint32_t *hnext_of(const struct assoc_table *t, uint32_t id,
				 uint32_t k)
{
	if (k < ASSOC_KEY__IN_SLOT)
		return &t->slots[id].hnext[k];
	return &t->prev_next[(size_t)id * 2 + (k - ASSOC_KEY__IN_SLOT)];
}

/* ---- secondary indexes ---- */

static inline unsigned int side_of(enum assoc_key k)
{
	return k == ASSOC_KEY_OUT_PORTS ? 1u : 0u;
}

static inline uint16_t side_port(const struct assoc *a, unsigned int d)
{
	return d ? a->port_inside : a->port_public;
}

/* A port pair's hash, either side's (side_bucket). */
static inline uint32_t ports_hash(const struct assoc_table *t, uint16_t pa,
				  uint16_t pb)
{
	return mix32(t->seed ^ 0x9e3779b9u ^ ((uint32_t)pa << 16 | pb));
}

/* A peer address's hash with its port pair's, either side's. */
static inline uint32_t peer_hash(const struct assoc_table *t, uint32_t ph,
				 const struct nat_addr *peer)
{
	return mix32(ph ^ nat_addr_hash(peer, t->seed));
}

static inline uint32_t peer_bucket(const struct assoc_table *t, unsigned int d,
				   uint16_t pa, uint16_t pb,
				   const struct nat_addr *peer)
{
	return side_bucket(peer_hash(t, ports_hash(t, pa, pb), peer),
			   t->peer_mask, d);
}

static inline uint32_t cand_bucket(const struct assoc_table *t, unsigned int d,
				   uint16_t pa, uint16_t pb)
{
	return side_bucket(ports_hash(t, pa, pb), t->cand_mask, d);
}

static inline uint32_t *peer_next(const struct assoc_table *t, uint32_t n)
{
	return &t->slots[PNODE_ID(n)].peers[PNODE_IDX(n)].pnext[PNODE_D(n)];
}

static inline struct cand_hdr *cand_block(const struct assoc_table *t,
					  uint32_t blk)
{
	unsigned int p = cands_pool(blk);

	return (struct cand_hdr *)(void *)(t->cand_blocks[p].base +
					   (size_t)(blk & ~CANDS_BIG) *
						   t->cand_blocks[p].size);
}

static inline struct cand_hdr *cand_hdr_of(const struct assoc_table *t,
					   const struct assoc *a)
{
	return cand_block(t, a->cands);
}

static inline struct cand_hdr *cand_hdr_at(const struct assoc_table *t,
					   uint32_t n)
{
	return cand_block(t, CNODE_BLK(n));
}

/* The block's index names the node: a->cands is that index. */
static inline uint32_t cand_node(const struct assoc *a, unsigned int d)
{
	return CNODE(a->cands, d);
}

static inline uint32_t *cand_next(const struct assoc_table *t, uint32_t n)
{
	return &cand_hdr_at(t, n)->next[CNODE_D(n)];
}

/* A chain mixes both sides' nodes: each node's own side says which
 * of its links it uses. */
static inline uint32_t *cand_prev(const struct assoc_table *t, uint32_t n)
{
	return &cand_hdr_at(t, n)->prev[CNODE_D(n)];
}

/* Takes a, filed (a->expires set), off the wheel (assoc_wheel.c). */
void assoc_wheel_remove(struct assoc_table *t, struct assoc *a);

#endif
