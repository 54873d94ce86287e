/*
 * assoc_table.c: association storage, the lookup hash and its indexes, and
 * the lookups.  See assoc_table.h for the design, assoc_table_impl.h for
 * the layout; the warming, the timer wheel and the per-host counts have
 * files of their own (assoc_warm.c, assoc_wheel.c, assoc_hosts.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assoc_table_impl.h"
#include "huge_hint.h"
#include "time_ns.h"

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/*
 * What assoc_cands gives while the association has no candidates:
 * nothing in it is live, and a candidate is made only in a block of its
 * own (assoc_cands_take), so nobody writes here.  It is const, in
 * read-only memory: a write would fault at once rather than leak one
 * association's candidate into every other.
 */
static const struct assoc_cand cands_none[ASSOC_CANDS];
#define CANDS_NONE	((struct assoc_cand *)(uintptr_t)cands_none)
/* A candidate's peer list before its first peer: empty, read-only. */
static const struct nat_addr cand_peers_none[1];
#define CAND_PEERS_NONE ((struct nat_addr *)(uintptr_t)cand_peers_none)

/* The index links, then n candidates (their peer lists are blocks of
 * cand_peer_pool), 8-byte aligned. */
static size_t cands_block_size(unsigned int n)
{
	size_t b = sizeof(struct cand_hdr) + n * sizeof(struct assoc_cand);

	return (b + 7) & ~(size_t)7;
}

int assoc_table_create(uint32_t capacity, uint8_t max_locals,
		       uint8_t max_peers, uint64_t seed,
		       struct assoc_table **out)
{
	struct assoc_table *t;
	uint32_t i, nbuckets;

	if (capacity == 0 || capacity > (1u << 24) || max_locals == 0 ||
	    max_peers == 0 || max_peers > 16)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->capacity = capacity;
	t->max_locals = max_locals;
	t->max_peers = max_peers;
	t->seed = (uint32_t)(seed ^ (seed >> 32));
	/* About two keys per association are linked at any time. */
	/* Two tag keys per association (and previous tags, rarely); the
	 * two port-pair keys in buckets of their own. */
	nbuckets = pow2_at_least(capacity * 2);
	t->bucket_mask = nbuckets - 1;
	t->port_mask = pow2_at_least(capacity) - 1;
	t->host_mask = pow2_at_least(capacity) - 1;
	/*
	 * Two nodes per peer address, one bucket each: a lookup walks its
	 * whole chain (to tell a lone match from several), so chains are
	 * kept short.  Candidates are held only while handshaking.
	 */
	t->peer_mask = pow2_at_least(capacity * 2) - 1;
	t->cand_mask = pow2_at_least(capacity / 2 + 64) - 1;
	/* The slots and every bucket array are read at random: in huge
	 * pages from their first byte (huge_hint.h), and each filled below.
	 * 96-byte slots from a cache line boundary at least: keys and
	 * ports are in a slot's first 32 bytes, so in one line. */
	t->peer_buckets =
		huge_table_alloc((t->peer_mask + 1) * sizeof(uint32_t));
	t->cand_buckets =
		huge_table_alloc((t->cand_mask + 1) * sizeof(uint32_t));
	t->slots = huge_table_alloc((size_t)capacity * sizeof(*t->slots));
	t->prev_next = calloc((size_t)capacity * 2, sizeof(uint32_t));
	t->prev_tags = calloc((size_t)capacity * 2, sizeof(uint32_t));
	t->gone_tags = calloc((size_t)capacity * GONE_TAGS, sizeof(uint32_t));
	t->drops = calloc(capacity, sizeof(*t->drops));
	t->buckets = huge_table_alloc(nbuckets * sizeof(*t->buckets));
	t->port_buckets =
		huge_table_alloc((t->port_mask + 1) * sizeof(uint32_t));
	t->host_buckets = calloc(t->host_mask + 1, sizeof(*t->host_buckets));
	t->hosts = calloc(capacity, sizeof(*t->hosts));
	if (class_pool_init(&t->local_pool, sizeof(struct assoc_local),
			    max_locals, capacity) ||
	    class_pool_init(&t->peer_pool, sizeof(struct assoc_peer), max_peers,
			    capacity) ||
	    class_pool_init(&t->cand_pool[0], cands_block_size(CANDS_SMALL), 1,
			    capacity) ||
	    class_pool_init(&t->cand_pool[1], cands_block_size(ASSOC_CANDS), 1,
			    capacity) ||
	    class_pool_init(&t->cand_peer_pool, sizeof(struct nat_addr),
			    max_peers, capacity * ASSOC_CANDS))
		goto fail;
	if (!t->slots || !t->prev_next || !t->prev_tags || !t->gone_tags ||
	    !t->drops ||
	    !t->buckets || !t->port_buckets || !t->host_buckets || !t->hosts ||
	    !t->peer_buckets || !t->cand_buckets)
		goto fail;
	for (unsigned int p = 0; p < 2; p++) {
		t->cand_blocks[p].base =
			class_pool_block(&t->cand_pool[p], 0, 0);
		t->cand_blocks[p].size = (const uint8_t *)class_pool_block(
						 &t->cand_pool[p], 0, 1) -
					 t->cand_blocks[p].base;
	}
	memset(t->peer_buckets, 0xff, (t->peer_mask + 1) * sizeof(uint32_t));
	memset(t->cand_buckets, 0xff, (t->cand_mask + 1) * sizeof(uint32_t));

	memset(t->slots, 0, (size_t)capacity * sizeof(*t->slots));
	memset(t->buckets, 0xff, nbuckets * sizeof(*t->buckets));
	memset(t->port_buckets, 0xff, (t->port_mask + 1) * sizeof(uint32_t));
	for (i = 0; i < WHEEL_SLOTS; i++)
		t->wheel[i] = ASSOC_NONE;
	for (i = 0; i < capacity; i++) {
		struct assoc *a = &t->slots[i];

		a->cands = ASSOC_NONE;
		a->wnext = i + 1 < capacity ? i + 1 : ASSOC_NONE;
	}
	t->free_head = 0;
	t->host_free = ASSOC_NONE;
	*out = t;
	return 0;
fail:
	assoc_table_destroy(t);
	return -ENOMEM;
}

void assoc_table_destroy(struct assoc_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->prev_next);
	free(t->prev_tags);
	free(t->gone_tags);
	free(t->drops);
	class_pool_fini(&t->local_pool);
	class_pool_fini(&t->peer_pool);
	class_pool_fini(&t->cand_pool[0]);
	class_pool_fini(&t->cand_pool[1]);
	class_pool_fini(&t->cand_peer_pool);
	free(t->buckets);
	free(t->port_buckets);
	free(t->peer_buckets);
	free(t->cand_buckets);
	free(t->host_buckets);
	free(t->hosts);
	free(t);
}

uint32_t assoc_table_capacity(const struct assoc_table *t)
{
	return t->capacity;
}

uint32_t assoc_table_live(const struct assoc_table *t)
{
	return t->live;
}

uint8_t assoc_table_max_locals(const struct assoc_table *t)
{
	return t->max_locals;
}

uint8_t assoc_table_max_peers(const struct assoc_table *t)
{
	return t->max_peers;
}

uint32_t assoc_id(const struct assoc_table *t, const struct assoc *a)
{
	return slot_id(t, a);
}

struct assoc *assoc_by_id(const struct assoc_table *t, uint32_t id)
{
	if (id >= t->capacity || !t->slots[id].in_use)
		return NULL;
	return &t->slots[id];
}

/* Link key k, not linked yet, at the head of b, its bucket (key_bucket). */
static void link_at(struct assoc_table *t, struct assoc *a, enum assoc_key k,
		    uint32_t *b)
{
	*hnext_of(t, slot_id(t, a), k) = *b;
	*b = NODE(slot_id(t, a), k);
	a->linked |= (uint8_t)(1u << k);
	t->prev_linked += is_prev(k);
}

static uint32_t *bucket_of_key(const struct assoc_table *t,
			       const struct assoc *a, enum assoc_key k)
{
	uint16_t pa, pb;
	uint32_t tag;

	key_of(t, a, k, &pa, &pb, &tag);
	return key_bucket(t, k, pa, pb, tag);
}

void assoc_link(struct assoc_table *t, struct assoc *a, enum assoc_key k)
{
	if (a->linked & (1u << k))
		return;
	link_at(t, a, k, bucket_of_key(t, a, k));
}

/*
 * One call for both tag keys, in assoc_link's order (so the chains are
 * as two assoc_link calls leave them): the key fields known without
 * key_of's switch, the slot's id worked out once.  Every handshake
 * completes with it (promote, handshake_cand.c).
 */
void assoc_link_tags(struct assoc_table *t, struct assoc *a)
{
	static const enum assoc_key keys[2] = { ASSOC_KEY_IN_TAG,
						ASSOC_KEY_OUT_TAG };

	for (int i = 0; i < 2; i++) {
		enum assoc_key k = keys[i];
		uint16_t pa = i ? a->port_inside : a->port_public;
		uint32_t tag = i ? a->tag_peer : a->tag_inside;

		if (a->linked & (1u << k))
			continue;
		link_at(t, a, k,
			&t->buckets[key_hash(t, k, pa, a->port_peer, tag) &
				    t->bucket_mask]);
	}
}

void assoc_unlink(struct assoc_table *t, struct assoc *a, enum assoc_key k)
{
	uint16_t pa, pb;
	uint32_t tag, *pp, node = NODE(slot_id(t, a), k);

	if (!(a->linked & (1u << k)))
		return;
	key_of(t, a, k, &pa, &pb, &tag);
	for (pp = key_bucket(t, k, pa, pb, tag); *pp != ASSOC_NONE;
	     pp = hnext_of(t, NODE_ID(*pp), NODE_KEY(*pp))) {
		if (*pp == node) {
			*pp = *hnext_of(t, slot_id(t, a), k);
			break;
		}
	}
	a->linked &= (uint8_t)~(1u << k);
	t->prev_linked -= is_prev(k);
}

/* ---- secondary indexes ---- */
/* Peer i's node of side d at the head of bucket b (peer_bucket). */
static void peer_link_at(struct assoc_table *t, struct assoc *a, unsigned int i,
			 unsigned int d, uint32_t b)
{
	a->peers[i].pnext[d] = t->peer_buckets[b];
	t->peer_buckets[b] = PNODE(slot_id(t, a), i, d);
}

void assoc_index_new_peer(struct assoc_table *t, struct assoc *a)
{
	unsigned int i = a->n_peers - 1u;

	if (!(a->linked & LINK_PEERS) || !a->n_peers)
		return;
	for (unsigned int d = 0; d < 2; d++)
		peer_link_at(t, a, i, d,
			     peer_bucket(t, d, side_port(a, d), a->port_peer,
					 &a->peers[i].addr));
}

void assoc_index_peers(struct assoc_table *t, struct assoc *a)
{
	uint8_t n = a->n_peers;

	if (a->linked & LINK_PEERS)
		return;
	a->linked |= LINK_PEERS;
	for (a->n_peers = 1; a->n_peers <= n; a->n_peers++)
		assoc_index_new_peer(t, a);
	a->n_peers = n;
}

bool assoc_unindex_peers(struct assoc_table *t, struct assoc *a)
{
	if (!(a->linked & LINK_PEERS))
		return false;
	for (unsigned int i = 0; i < a->n_peers; i++) {
		for (unsigned int d = 0; d < 2; d++) {
			uint32_t node = PNODE(slot_id(t, a), i, d), *pp;

			pp = &t->peer_buckets[peer_bucket(
				t, d, side_port(a, d), a->port_peer,
				&a->peers[i].addr)];
			while (*pp != ASSOC_NONE && *pp != node)
				pp = peer_next(t, *pp);
			if (*pp == node)
				*pp = a->peers[i].pnext[d];
		}
	}
	a->linked &= (uint8_t)~LINK_PEERS;
	return true;
}

static uint32_t *cand_head(const struct assoc_table *t,
			   const struct assoc *a, unsigned int d)
{
	return &t->cand_buckets[cand_bucket(t, d, side_port(a, d),
					    a->port_peer)];
}

/* A's candidate block, not indexed yet; heads: each side's bucket
 * (cand_head). */
static void cands_index_at(struct assoc_table *t, struct assoc *a,
			   uint32_t *const heads[2])
{
	struct cand_hdr *h = cand_hdr_of(t, a);

	h->id = slot_id(t, a);
	h->port_peer = a->port_peer;
	for (unsigned int d = 0; d < 2; d++) {
		uint32_t *head = heads[d];

		h->port[d] = side_port(a, d);
		h->next[d] = *head;
		h->prev[d] = ASSOC_NONE;
		if (*head != ASSOC_NONE)
			*cand_prev(t, *head) = cand_node(a, d);
		*head = cand_node(a, d);
	}
	a->linked |= LINK_CANDS;
}

static void cands_index(struct assoc_table *t, struct assoc *a)
{
	uint32_t *heads[2];

	if ((a->linked & LINK_CANDS) || a->cands == ASSOC_NONE)
		return;
	heads[0] = cand_head(t, a, 0);
	heads[1] = cand_head(t, a, 1);
	cands_index_at(t, a, heads);
}

/* Doubly linked: a handshake's end unlinks it without a walk. */
static void cands_unindex(struct assoc_table *t, struct assoc *a)
{
	struct cand_hdr *h;

	if (!(a->linked & LINK_CANDS))
		return;
	h = cand_hdr_of(t, a);
	for (unsigned int d = 0; d < 2; d++) {
		if (h->prev[d] == ASSOC_NONE)
			*cand_head(t, a, d) = h->next[d];
		else
			*cand_next(t, h->prev[d]) = h->next[d];
		if (h->next[d] != ASSOC_NONE)
			*cand_prev(t, h->next[d]) = h->prev[d];
	}
	a->linked &= (uint8_t)~LINK_CANDS;
}

/*
 * What the lookup_ / any_ variants keep while they walk an index: how
 * many matched, the first, and whether match() was last called on it.
 */
struct pick {
	struct assoc *first;
	unsigned int n;
	bool first_last;
};

/* a matched (m) or not. */
static void pick_note(struct pick *p, struct assoc *a, bool m)
{
	if (m && !p->n++)
		p->first = a;
	p->first_last = m && p->first == a;
}

static bool pick_add(struct pick *p, struct assoc *a, bool any,
		     bool (*match)(const struct assoc *, void *), void *arg)
{
	bool m = match(a, arg);

	pick_note(p, a, m);
	return any && m;
}

static struct assoc *pick_result(const struct assoc_table *t,
				 const struct pick *p, enum assoc_key k,
				 uint16_t pa, uint16_t pb, bool any,
				 bool (*match)(const struct assoc *, void *),
				 void *arg)
{
	if (!p->n || any)
		return p->first;
	if (p->n > 1)
		return assoc_lookup_ports(t, k, pa, pb, match, arg);
	if (!p->first_last)
		match(p->first, arg);
	return p->first;
}

/* peer_h: peer_hash of (pa, pb) and peer. */
static struct assoc *
walk_peer(const struct assoc_table *t, enum assoc_key k, uint16_t pa,
	  uint16_t pb, const struct nat_addr *peer, uint32_t peer_h, bool any,
	  bool (*match)(const struct assoc *, void *), void *arg)
{
	unsigned int d = side_of(k);
	uint32_t n = t->peer_buckets[side_bucket(peer_h, t->peer_mask, d)];
	struct pick p = { 0 };

	for (; n != ASSOC_NONE; n = *peer_next(t, n)) {
		struct assoc *a = &t->slots[PNODE_ID(n)];

		if (PNODE_D(n) != d || side_port(a, d) != pa ||
		    a->port_peer != pb ||
		    !nat_addr_eq(&a->peers[PNODE_IDX(n)].addr, peer))
			continue;
		if (pick_add(&p, a, any, match, arg))
			break;
	}
	return pick_result(t, &p, k, pa, pb, any, match, arg);
}

/*
 * The (side d, port pair)'s candidate chain, from node *n on: the next
 * node of that key (ASSOC_NONE at the chain's end), *n moved past it.
 * Other keys share a chain when their buckets collide, of side d only:
 * a side's buckets are its own (side_bucket's low bit), so each node
 * links on by next[d].
 */
static inline uint32_t cand_chain_next(const struct assoc_table *t, uint32_t *n,
				       unsigned int d, uint16_t pa, uint16_t pb)
{
	while (*n != ASSOC_NONE) {
		uint32_t node = *n;
		const struct cand_hdr *h = cand_hdr_at(t, node);

		*n = h->next[d];
		if (h->port[d] == pa && h->port_peer == pb)
			return node;
	}
	return ASSOC_NONE;
}

/*
 * Inline into each lookup: its match() is then a direct call.  The
 * handshake's INIT ACK, COOKIE ECHO and COOKIE ACK each walk a chain
 * (handshake_cand_lookup), and the call through the pointer kept the
 * walk and pick_result out of line, with their own frames.
 */
static inline __attribute__((always_inline)) struct assoc *
walk_cands(const struct assoc_table *t, enum assoc_key k, uint16_t pa,
	   uint16_t pb, bool any, bool (*match)(const struct assoc *, void *),
	   void *arg)
{
	unsigned int d = side_of(k);
	uint32_t n = t->cand_buckets[cand_bucket(t, d, pa, pb)];
	uint32_t node;
	struct pick p = { 0 };

	while ((node = cand_chain_next(t, &n, d, pa, pb)) != ASSOC_NONE)
		if (pick_add(&p, &t->slots[cand_hdr_at(t, node)->id], any,
			     match, arg))
			break;
	return pick_result(t, &p, k, pa, pb, any, match, arg);
}

struct assoc *assoc_lookup_peer(const struct assoc_table *t,
				enum assoc_key k, uint16_t port_a,
				uint16_t port_b, const struct nat_addr *peer,
				bool (*match)(const struct assoc *, void *),
				void *arg)
{
	return walk_peer(t, k, port_a, port_b, peer,
			 peer_hash(t, ports_hash(t, port_a, port_b), peer),
			 false, match, arg);
}

bool assoc_any_peer(const struct assoc_table *t, enum assoc_key k,
		    uint16_t port_a, uint16_t port_b,
		    const struct nat_addr *peer,
		    bool (*match)(const struct assoc *, void *), void *arg)
{
	return walk_peer(t, k, port_a, port_b, peer,
			 peer_hash(t, ports_hash(t, port_a, port_b), peer),
			 true, match, arg);
}

struct assoc *assoc_lookup_peer_h(const struct assoc_table *t, enum assoc_key k,
				  const struct assoc_pair_hash *h,
				  bool (*match)(const struct assoc *, void *),
				  void *arg)
{
	return walk_peer(t, k, h->port_a, h->port_b, &h->peer, h->peer_h, false,
			 match, arg);
}

bool assoc_any_peer_h(const struct assoc_table *t, enum assoc_key k,
		      const struct assoc_pair_hash *h,
		      bool (*match)(const struct assoc *, void *), void *arg)
{
	return walk_peer(t, k, h->port_a, h->port_b, &h->peer, h->peer_h, true,
			 match, arg);
}

struct assoc *assoc_lookup_cands(const struct assoc_table *t,
				 enum assoc_key k, uint16_t port_a,
				 uint16_t port_b,
				 bool (*match)(const struct assoc *, void *),
				 void *arg)
{
	return walk_cands(t, k, port_a, port_b, false, match, arg);
}

bool assoc_any_cands(const struct assoc_table *t, enum assoc_key k,
		     uint16_t port_a, uint16_t port_b,
		     bool (*match)(const struct assoc *, void *), void *arg)
{
	return walk_cands(t, k, port_a, port_b, true, match, arg);
}

/* A match of assoc_lookup_cands_of where no block is at hand: the
 * port-pair walk behind several matches. */
struct match_of_arg {
	const struct assoc_table *t;
	bool (*match)(const struct assoc *, const struct assoc_cand *, int,
		      void *);
	void *arg;
};

static bool match_of_slot(const struct assoc *a, void *arg)
{
	const struct match_of_arg *m = arg;

	return m->match(a, assoc_cands(m->t, a), assoc_cands_n(a), m->arg);
}

struct assoc *
assoc_lookup_cands_of(const struct assoc_table *t, enum assoc_key k,
		      uint16_t port_a, uint16_t port_b,
		      bool (*match)(const struct assoc *,
				    const struct assoc_cand *, int, void *),
		      void *arg)
{
	unsigned int d = side_of(k);
	uint32_t n = t->cand_buckets[cand_bucket(t, d, port_a, port_b)];
	uint32_t node;
	struct pick p = { 0 };

	while ((node = cand_chain_next(t, &n, d, port_a, port_b)) !=
	       ASSOC_NONE) {
		const struct cand_hdr *h = cand_hdr_at(t, node);
		struct assoc *a = &t->slots[h->id];

		/* The node's block is its association's a->cands. */
		pick_note(
			&p, a,
			match(a,
			      (const struct assoc_cand *)(const void *)(h + 1),
			      (int)cands_room(CNODE_BLK(node)), arg));
	}
	/* As pick_result. */
	if (p.n > 1) {
		struct match_of_arg m = { .t = t, .match = match, .arg = arg };

		return assoc_lookup_ports(t, k, port_a, port_b, match_of_slot,
					  &m);
	}
	if (p.n && !p.first_last)
		match(p.first, assoc_cands(t, p.first), assoc_cands_n(p.first),
		      arg);
	return p.first;
}

/* ph: ports_hash of (port_a, port_b). */
static bool any_cands_of(const struct assoc_table *t, enum assoc_key k,
			 uint16_t port_a, uint16_t port_b, uint32_t ph,
			 bool (*match)(const struct assoc *,
				       const struct assoc_cand *, int, void *),
			 void *arg)
{
	unsigned int d = side_of(k);
	uint32_t n = t->cand_buckets[side_bucket(ph, t->cand_mask, d)];
	uint32_t node;

	while ((node = cand_chain_next(t, &n, d, port_a, port_b)) !=
	       ASSOC_NONE) {
		const struct cand_hdr *h = cand_hdr_at(t, node);

		/* The node's block is its association's a->cands. */
		if (match(&t->slots[h->id],
			  (const struct assoc_cand *)(const void *)(h + 1),
			  (int)cands_room(CNODE_BLK(node)), arg))
			return true;
	}
	return false;
}

bool assoc_any_cands_of(const struct assoc_table *t, enum assoc_key k,
			uint16_t port_a, uint16_t port_b,
			bool (*match)(const struct assoc *,
				      const struct assoc_cand *, int, void *),
			void *arg)
{
	return any_cands_of(t, k, port_a, port_b, ports_hash(t, port_a, port_b),
			    match, arg);
}

bool assoc_any_cands_of_h(const struct assoc_table *t, enum assoc_key k,
			  const struct assoc_pair_hash *h,
			  bool (*match)(const struct assoc *,
					const struct assoc_cand *, int, void *),
			  void *arg)
{
	return any_cands_of(t, k, h->port_a, h->port_b, h->ports, match, arg);
}

void assoc_pair_hash(const struct assoc_table *t, uint16_t port_a,
		     uint16_t port_b, const struct nat_addr *peer, uint32_t tag,
		     struct assoc_pair_hash *h)
{
	h->peer = *peer;
	h->port_a = port_a;
	h->port_b = port_b;
	h->ports = ports_hash(t, port_a, port_b);
	h->peer_h = peer_hash(t, h->ports, peer);
	h->port_key = key_hash(t, ASSOC_KEY_IN_PORTS, port_a, port_b, 0);
	h->tag = tag;
	h->tag_key = key_hash(t, ASSOC_KEY_IN_TAG, port_a, port_b, tag);
}

/*
 * Every bucket assoc_link_all writes is found first and its load
 * started, then each is written: far apart in tables bigger than the
 * caches, they were one miss after another.  Each bucket's hash is
 * computed once (a new association's INIT links some eight).
 */
void assoc_link_all(struct assoc_table *t, struct assoc *a)
{
	assoc_link_all_h(t, a, NULL);
}

void assoc_link_all_h(struct assoc_table *t, struct assoc *a,
		      const struct assoc_pair_hash *h)
{
	uint32_t *kb[ASSOC_KEY__IN_SLOT] = { NULL };
	/* n_peers <= max-addresses <= ENGINE_ADDRS_MAX (engine_config.h) */
	uint32_t pb[ENGINE_ADDRS_MAX][2], *heads[2] = { NULL, NULL };
	bool peers = !(a->linked & LINK_PEERS), cands = false;
	unsigned int np = a->n_peers;
	/* Which sides' ports are h's pair (bit d: side_port(a, d)). */
	unsigned int on_h = 0;

	if (h && a->port_peer == h->port_b)
		on_h = (a->port_public == h->port_a) |
		       (a->port_inside == h->port_a) << 1;
	for (int k = 0; k < ASSOC_KEY__IN_SLOT; k++) {
		if ((a->linked & (1u << k)) ||
		    (k == ASSOC_KEY_IN_TAG && !a->tag_inside) ||
		    (k == ASSOC_KEY_OUT_TAG && !a->tag_peer))
			continue;
		/* With the same port on both sides (port preservation) the
		 * two port keys' buckets differ in the side bit only
		 * (side_bucket): one hash for both. */
		if (k == ASSOC_KEY_OUT_PORTS && kb[ASSOC_KEY_IN_PORTS] &&
		    a->port_inside == a->port_public)
			kb[k] = kb[ASSOC_KEY_IN_PORTS] + (t->port_mask & 1);
		else if (k == ASSOC_KEY_IN_TAG && (on_h & 1) &&
			 a->tag_inside == h->tag)
			kb[k] = &t->buckets[h->tag_key & t->bucket_mask];
		else if ((k == ASSOC_KEY_IN_PORTS ||
			  k == ASSOC_KEY_OUT_PORTS) &&
			 (on_h >> side_of((enum assoc_key)k) & 1))
			kb[k] = &t->port_buckets[side_bucket(
				h->port_key, t->port_mask,
				side_of((enum assoc_key)k))];
		else
			kb[k] = bucket_of_key(t, a, (enum assoc_key)k);
		__builtin_prefetch(kb[k], 1);
	}
	for (unsigned int i = 0; peers && i < np; i++) {
		/* peer_bucket's, its address hashed once at most for both
		 * sides */
		const struct nat_addr *addr = &a->peers[i].addr;
		bool h_peer = on_h && nat_addr_eq(addr, &h->peer);
		bool hashed = false;
		uint32_t ah = 0, ph;

		if (h_peer && (on_h & 1)) {
			ph = h->peer_h;
		} else {
			ah = nat_addr_hash(addr, t->seed);
			hashed = true;
			ph = mix32(ports_hash(t, a->port_public, a->port_peer) ^
				   ah);
		}
		pb[i][0] = side_bucket(ph, t->peer_mask, 0);
		if (a->port_inside != a->port_public) {
			if (h_peer && (on_h & 2)) {
				ph = h->peer_h;
			} else {
				if (!hashed)
					ah = nat_addr_hash(addr, t->seed);
				ph = mix32(ports_hash(t, a->port_inside,
						      a->port_peer) ^
					   ah);
			}
		}
		pb[i][1] = side_bucket(ph, t->peer_mask, 1);
		for (unsigned int d = 0; d < 2; d++)
			__builtin_prefetch(&t->peer_buckets[pb[i][d]], 1);
	}
	if (!(a->linked & LINK_CANDS) && a->cands != ASSOC_NONE) {
		cands = true;
		for (unsigned int d = 0; d < 2; d++) {
			heads[d] = on_h >> d & 1 ?
					   &t->cand_buckets[side_bucket(
						   h->ports, t->cand_mask, d)] :
					   cand_head(t, a, d);
			__builtin_prefetch(heads[d], 1);
		}
	}
	/* The tag keys, the previous tags', then the port keys: the
	 * order the chains have always been built in. */
	for (int k = ASSOC_KEY_IN_TAG; k <= ASSOC_KEY_OUT_TAG; k++)
		if (kb[k])
			link_at(t, a, (enum assoc_key)k, kb[k]);
	if (assoc_prev_tag_inside(t, a))
		assoc_link(t, a, ASSOC_KEY_IN_PREV);
	if (assoc_prev_tag_peer(t, a))
		assoc_link(t, a, ASSOC_KEY_OUT_PREV);
	for (int k = ASSOC_KEY_IN_PORTS; k <= ASSOC_KEY_OUT_PORTS; k++)
		if (kb[k])
			link_at(t, a, (enum assoc_key)k, kb[k]);
	if (peers) {
		/* In the order assoc_index_peers links them. */
		a->linked |= LINK_PEERS;
		for (unsigned int i = 0; i < np; i++)
			for (unsigned int d = 0; d < 2; d++)
				peer_link_at(t, a, i, d, pb[i][d]);
	}
	if (cands)
		cands_index_at(t, a, heads);
}

void assoc_unlink_all(struct assoc_table *t, struct assoc *a)
{
	int k;

	for (k = 0; k < ASSOC_KEY__COUNT; k++)
		assoc_unlink(t, a, (enum assoc_key)k);
	assoc_unindex_peers(t, a);
	cands_unindex(t, a);
}

/*
 * The chain walk behind every lookup by key: the first association whose
 * key k is (port_a, port_b, tag) and for which match(a, arg) is true (no
 * match: the first).  The port keys' tag is 0 (key_of()).
 */
static struct assoc *key_walk_from(const struct assoc_table *t,
				   enum assoc_key k, uint16_t port_a,
				   uint16_t port_b, uint32_t tag, uint32_t n,
				   bool (*match)(const struct assoc *, void *),
				   void *arg)
{
	while (n != ASSOC_NONE) {
		struct assoc *a = &t->slots[NODE_ID(n)];
		uint16_t pa, pb;
		uint32_t at;

		if (NODE_KEY(n) == (uint32_t)k) {
			key_of(t, a, k, &pa, &pb, &at);
			if (pa == port_a && pb == port_b && at == tag &&
			    (!match || match(a, arg)))
				return a;
		}
		n = *hnext_of(t, NODE_ID(n), NODE_KEY(n));
	}
	return NULL;
}

static struct assoc *key_walk(const struct assoc_table *t, enum assoc_key k,
			      uint16_t port_a, uint16_t port_b, uint32_t tag,
			      bool (*match)(const struct assoc *, void *),
			      void *arg)
{
	if (is_prev(k) && !t->prev_linked)
		return NULL;
	return key_walk_from(t, k, port_a, port_b, tag,
			     *key_bucket(t, k, port_a, port_b, tag), match,
			     arg);
}

struct assoc *assoc_lookup_tag(const struct assoc_table *t, enum assoc_key k,
			       uint16_t port_a, uint16_t port_b, uint32_t tag)
{
	return key_walk(t, k, port_a, port_b, tag, NULL, NULL);
}

struct assoc *assoc_lookup_in_tag_h(const struct assoc_table *t,
				    const struct assoc_pair_hash *h)
{
	return key_walk_from(t, ASSOC_KEY_IN_TAG, h->port_a, h->port_b, h->tag,
			     t->buckets[h->tag_key & t->bucket_mask], NULL,
			     NULL);
}

struct assoc *
assoc_lookup_tag_match(const struct assoc_table *t, enum assoc_key k,
		       uint16_t port_a, uint16_t port_b, uint32_t tag,
		       bool (*match)(const struct assoc *, void *), void *arg)
{
	return key_walk(t, k, port_a, port_b, tag, match, arg);
}

struct assoc *assoc_lookup_ports(const struct assoc_table *t,
				 enum assoc_key k, uint16_t port_a,
				 uint16_t port_b,
				 bool (*match)(const struct assoc *, void *),
				 void *arg)
{
	return key_walk(t, k, port_a, port_b, 0, match, arg);
}

bool assoc_prev_tags_linked(const struct assoc_table *t)
{
	return t->prev_linked != 0;
}

struct assoc *assoc_lookup_tag_ends(const struct assoc_table *t,
				    const struct pub_table *pt,
				    enum assoc_key k, uint16_t port_a,
				    uint16_t port_b, uint32_t tag,
				    const struct nat_addr *local,
				    const struct nat_addr *peer, int *peer_idx,
				    int *local_idx, struct assoc **alone)
{
	bool in = k == ASSOC_KEY_IN_TAG || k == ASSOC_KEY_IN_PREV;
	struct assoc *first = NULL;
	unsigned int on_key = 0;
	uint32_t n;

	if (alone)
		*alone = NULL;
	if (is_prev(k) && !t->prev_linked)
		return NULL;
	for (n = *key_bucket(t, k, port_a, port_b, tag); n != ASSOC_NONE;
	     n = *hnext_of(t, NODE_ID(n), NODE_KEY(n))) {
		struct assoc *a = &t->slots[NODE_ID(n)];
		uint16_t pa, pb;
		uint32_t at;
		int p, li;

		if (NODE_KEY(n) != (uint32_t)k)
			continue;
		key_of(t, a, k, &pa, &pb, &at);
		if (pa != port_a || pb != port_b || at != tag)
			continue;
		if ((li = in ? assoc_find_local_public(pt, a, local) :
			       assoc_find_local_inside(a, local)) >= 0 &&
		    (p = assoc_find_peer(a, peer)) >= 0) {
			*peer_idx = p;
			*local_idx = li;
			return a;
		}
		if (!on_key++)
			first = a;
	}
	if (alone && on_key == 1)
		*alone = first;
	return NULL;
}

/* ---- address lists ---- */

int assoc_find_peer(const struct assoc *a, const struct nat_addr *addr)
{
	for (int i = 0; i < a->n_peers; i++)
		if (nat_addr_eq(&a->peers[i].addr, addr))
			return i;
	return -1;
}

int assoc_find_local_inside(const struct assoc *a,
			    const struct nat_addr *inside)
{
	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&a->locals[i].inside, inside))
			return i;
	return -1;
}

int assoc_find_local_public(const struct pub_table *pt, const struct assoc *a,
			    const struct nat_addr *public_)
{
	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&pub_table_get(pt,
					       assoc_local_pub(&a->locals[i]))
					 ->addr,
				public_))
			return i;
	return -1;
}

bool assoc_shares_transport(const struct pub_table *pt, const struct assoc *o,
			    const struct assoc *a, const struct nat_addr *peer)
{
	if (o == a || assoc_find_peer(o, peer) < 0)
		return false;
	for (int i = 0; i < a->n_locals; i++)
		if (assoc_find_local_public(
			    pt, o,
			    &pub_table_get(pt, assoc_local_pub(&a->locals[i]))
				     ->addr) >= 0)
			return true;
	return false;
}

/* ---- allocation ---- */

/* A cleared block of pool p (cands_pool), its name in blk. */
static struct assoc_cand *cands_get(struct assoc_table *t, unsigned int p,
				    uint32_t *blk)
{
	unsigned int n = p ? ASSOC_CANDS : CANDS_SMALL;
	struct cand_hdr *h = class_pool_get_dirty(&t->cand_pool[p], 0);
	struct assoc_cand *c;

	if (!h)
		return NULL; /* never: one block of each per slot */
	c = (struct assoc_cand *)(void *)(h + 1);
	memset(h, 0, sizeof(*h) + n * sizeof(*c));
	/* Peer lists come as peers are added (assoc_cand_room_peers). */
	for (unsigned int i = 0; i < n; i++)
		c[i].peers = CAND_PEERS_NONE;
	*blk = class_pool_index(&t->cand_pool[p], 0, h) | (p ? CANDS_BIG : 0);
	return c;
}

bool assoc_cands_take(struct assoc_table *t, struct assoc *a)
{
	uint32_t blk;

	if (a->cands != ASSOC_NONE)
		return true;
	if (!cands_get(t, 0, &blk))
		return false;
	a->cands = blk;
	/* Indexed with the association's keys (assoc_link_all). */
	if (a->linked & (1u << ASSOC_KEY_IN_PORTS))
		cands_index(t, a);
	return true;
}

bool assoc_cands_grow(struct assoc_table *t, struct assoc *a)
{
	struct assoc_cand *c;
	bool idx;
	uint32_t blk;

	if (a->cands == ASSOC_NONE || (a->cands & CANDS_BIG))
		return a->cands != ASSOC_NONE;
	c = cands_get(t, 1, &blk);
	if (!c)
		return false;
	/* The node's name changes with the block: out of the index and
	 * back. */
	idx = a->linked & LINK_CANDS;
	cands_unindex(t, a);
	memcpy(c, assoc_cands(t, a), CANDS_SMALL * sizeof(*c));
	class_pool_put(&t->cand_pool[0], 0, cand_hdr_of(t, a));
	a->cands = blk;
	if (idx)
		cands_index(t, a);
	return true;
}

/* None without a block: every loop over the candidates (an INIT's for a
 * new association, for one) then ends at once, where it would look at
 * ASSOC_CANDS of them only to find none live. */
int assoc_cands_n(const struct assoc *a)
{
	return a->cands == ASSOC_NONE ? 0 : (int)cands_room(a->cands);
}

void assoc_cands_drop(struct assoc_table *t, struct assoc *a)
{
	struct assoc_cand *c = assoc_cands(t, a);

	if (a->cands == ASSOC_NONE)
		return;
	cands_unindex(t, a);
	for (unsigned int i = 0; i < cands_room(a->cands); i++)
		if (c[i].peers != CAND_PEERS_NONE)
			class_pool_put(&t->cand_peer_pool, c[i].peers_class,
				       c[i].peers);
	class_pool_put(&t->cand_pool[cands_pool(a->cands)], 0,
		       cand_hdr_of(t, a));
	a->cands = ASSOC_NONE;
}

struct assoc_cand *assoc_cands(const struct assoc_table *t,
			       const struct assoc *a)
{
	if (a->cands == ASSOC_NONE)
		return CANDS_NONE;
	return (struct assoc_cand *)(void *)(cand_hdr_of(t, a) + 1);
}

bool assoc_cand_room_peers(struct assoc_table *t, struct assoc_cand *c,
			   unsigned int n)
{
	int want = class_pool_class_for(&t->cand_peer_pool, n ? n : 1);
	struct nat_addr *p;

	if (n > t->max_peers || want < 0)
		return false;
	if (c->peers != CAND_PEERS_NONE && want <= c->peers_class)
		return true;
	p = class_pool_get_dirty(&t->cand_peer_pool, (unsigned int)want);
	if (!p)
		return false; /* never: one list per candidate */
	if (c->peers != CAND_PEERS_NONE) {
		memcpy(p, c->peers, c->n_peers * sizeof(*p));
		class_pool_put(&t->cand_peer_pool, c->peers_class, c->peers);
	}
	c->peers = p;
	c->peers_class = (uint8_t)want;
	return true;
}

uint32_t assoc_prev_tag_inside(const struct assoc_table *t,
			       const struct assoc *a)
{
	return t->prev_set ? t->prev_tags[(size_t)slot_id(t, a) * 2] : 0;
}

uint32_t assoc_prev_tag_peer(const struct assoc_table *t, const struct assoc *a)
{
	return t->prev_set ? t->prev_tags[(size_t)slot_id(t, a) * 2 + 1] : 0;
}

void assoc_set_prev_tags(struct assoc_table *t, const struct assoc *a,
			 uint32_t inside, uint32_t peer)
{
	uint32_t *p = &t->prev_tags[(size_t)slot_id(t, a) * 2];
	bool had = t->prev_set && (p[0] || p[1]);

	if (!had && !inside && !peer)
		return; /* the common case: nothing touched */
	p[0] = inside;
	p[1] = peer;
	t->prev_set += (uint32_t)(inside || peer) - (uint32_t)had;
}

bool assoc_tag_gone(const struct assoc_table *t, const struct assoc *a,
		    uint32_t tag, bool inside)
{
	const uint32_t *p;

	if (!t->gone_set || !tag)
		return false;
	p = &t->gone_tags[(size_t)slot_id(t, a) * GONE_TAGS + (inside ? 0 : 1)];
	for (int k = 0; k < ASSOC_GONE__COUNT; k++)
		if (p[k * 2] == tag)
			return true;
	return false;
}

static bool any_gone(const uint32_t *p)
{
	for (int k = 0; k < GONE_TAGS; k++)
		if (p[k])
			return true;
	return false;
}

void assoc_set_gone_tags(struct assoc_table *t, const struct assoc *a,
			 enum assoc_gone which, uint32_t inside, uint32_t peer)
{
	uint32_t *p = &t->gone_tags[(size_t)slot_id(t, a) * GONE_TAGS];
	bool had = t->gone_set && any_gone(p);

	if (!had && !inside && !peer)
		return; /* the common case: the page stays untouched */
	p[which * 2] = inside;
	p[which * 2 + 1] = peer;
	t->gone_set += (uint32_t)any_gone(p) - (uint32_t)had;
}

void assoc_clear_gone_tags(struct assoc_table *t, const struct assoc *a)
{
	for (int k = 0; k < ASSOC_GONE__COUNT; k++)
		assoc_set_gone_tags(t, a, (enum assoc_gone)k, 0, 0);
}

const uint32_t *assoc_drops(const struct assoc_table *t, const struct assoc *a)
{
	static const uint32_t none[ASSOC_DROP_CLASSES];

	return a->flags & ASSOC_F_DROPS ? t->drops[slot_id(t, a)] : none;
}

uint32_t *assoc_drops_w(struct assoc_table *t, struct assoc *a)
{
	a->flags |= ASSOC_F_DROPS;
	return t->drops[slot_id(t, a)];
}

/*
 * A slot keeps its lists' blocks while free (a late reader of a freed
 * association sees its old addresses, not a pool's free chain).  When
 * the slot is taken again a block of the class wanted is cleared and
 * kept; any other goes back, for a block of that class.
 */
static void *fresh_list(struct class_pool *pool, void *block, uint8_t cls,
			uint8_t want, size_t entry_size)
{
	if (block && cls == want) {
		memset(block, 0, entry_size << want);
		return block;
	}
	if (block)
		class_pool_put(pool, cls, block);
	return class_pool_get(pool, want);
}

struct assoc *assoc_alloc(struct assoc_table *t, uint64_t now_ns)
{
	return assoc_alloc_for(t, now_ns, 1);
}

struct assoc *assoc_alloc_for(struct assoc_table *t, uint64_t now_ns,
			      unsigned int locals)
{
	struct assoc *a;
	struct assoc_local *locals_block;
	struct assoc_peer *peers;
	uint32_t id = t->free_head;
	/* Within the pool's classes: assoc_room_locals refuses more. */
	uint8_t locals_class = (uint8_t)class_pool_class_for(
		&t->local_pool,
		locals < t->max_locals ? locals : t->max_locals);

	if (id == ASSOC_NONE)
		return NULL;
	a = &t->slots[id];
	locals_block = fresh_list(&t->local_pool, a->locals, a->locals_class,
				  locals_class, sizeof(*locals_block));
	peers = fresh_list(&t->peer_pool, a->peers, a->peers_class, 0,
			   sizeof(*peers));
	if (!locals_block || !peers)
		return NULL;	/* never: one block per slot and pool */
	t->free_head = a->wnext;
	assoc_cands_drop(t, a);
	if (a->flags & ASSOC_F_DROPS)
		memset(t->drops[id], 0, sizeof(t->drops[id]));
	assoc_set_prev_tags(t, a, 0, 0);
	assoc_clear_gone_tags(t, a);
	memset(a, 0, sizeof(*a));
	a->locals = locals_block;
	a->locals_class = locals_class;
	a->peers = peers;
	a->cands = ASSOC_NONE;
	a->forward = -1;
	a->wnext = a->wprev = ASSOC_NONE;
	for (int k = 0; k < ASSOC_KEY__IN_SLOT; k++)
		a->hnext[k] = ASSOC_NONE;
	a->created = a->last_seen = now_ns;
	a->in_use = true;
	/* The wheel's clock starts with the first association it files. */
	if (!t->wheel_started) {
		t->wheel_now = now_ns / WHEEL_TICK_NS;
		t->wheel_started = true;
	}
	t->live++;
	return a;
}

void assoc_free(struct assoc_table *t, struct assoc *a)
{
	if (!a->in_use)
		return;
	assoc_unlink_all(t, a);
	if (a->expires)
		assoc_wheel_remove(t, a);
	a->expires = 0;
	a->in_use = false;
	a->wnext = t->free_head;
	t->free_head = slot_id(t, a);
	t->live--;
}

/* Moves a list to a block of class cls (larger than its own). */
static void *grow_list(struct class_pool *pool, void *block, uint8_t *cls,
		       unsigned int used, size_t entry_size, unsigned int n)
{
	int want = class_pool_class_for(pool, n);
	void *b;

	if (want < 0)
		return NULL;
	if (want <= *cls)
		return block;
	b = class_pool_get(pool, (unsigned int)want);
	if (!b)
		return NULL;
	memcpy(b, block, used * entry_size);
	class_pool_put(pool, *cls, block);
	*cls = (uint8_t)want;
	return b;
}

bool assoc_room_locals(struct assoc_table *t, struct assoc *a,
		       unsigned int n)
{
	struct assoc_local *l;

	if (n > t->max_locals)
		return false;
	/* The block holds them already: the common case, nothing moves. */
	if (n <= class_pool_entries(a->locals_class))
		return true;
	l = grow_list(&t->local_pool, a->locals, &a->locals_class,
		      a->n_locals, sizeof(*l), n);
	if (!l)
		return false;
	a->locals = l;
	return true;
}

bool assoc_room_peers(struct assoc_table *t, struct assoc *a, unsigned int n)
{
	struct assoc_peer *p;

	if (n > t->max_peers)
		return false;
	if (n <= class_pool_entries(a->peers_class))
		return true;
	p = grow_list(&t->peer_pool, a->peers, &a->peers_class, a->n_peers,
		      sizeof(*p), n);
	if (!p)
		return false;
	a->peers = p;
	return true;
}

struct assoc *assoc_table_next(const struct assoc_table *t,
			       const struct assoc *prev)
{
	uint32_t i = prev ? slot_id(t, prev) + 1 : 0;

	for (; i < t->capacity; i++)
		if (t->slots[i].in_use)
			return &t->slots[i];
	return NULL;
}
