/*
 * assoc_warm.c: the association table's lookups started ahead of time,
 * a batch at a time (assoc_prefetch_*, assoc_warm_*; the design is in
 * assoc_table.h, above struct assoc_warm).  Reads only: what a packet
 * later changes makes a warming miss, never a lookup wrong.
 */
#include <stddef.h>

#include "assoc_table_impl.h"

static void prefetch_ports(const struct assoc_table *t, unsigned int d,
			   uint16_t port_a, uint16_t port_b, uint32_t ph,
			   uint32_t peer_h, uint32_t tag)
{
	__builtin_prefetch(
		&t->peer_buckets[side_bucket(peer_h, t->peer_mask, d)]);
	__builtin_prefetch(&t->cand_buckets[side_bucket(ph, t->cand_mask, d)]);
	__builtin_prefetch(key_bucket(t,
				      d ? ASSOC_KEY_OUT_TAG : ASSOC_KEY_IN_TAG,
				      port_a, port_b, tag));
}

void assoc_prefetch_ports(const struct assoc_table *t, enum assoc_key k,
			  uint16_t port_a, uint16_t port_b,
			  const struct nat_addr *peer, uint32_t tag)
{
	uint32_t ph = ports_hash(t, port_a, port_b);

	prefetch_ports(t, side_of(k), port_a, port_b, ph,
		       peer_hash(t, ph, peer), tag);
}

void assoc_prefetch_ports_h(const struct assoc_table *t, enum assoc_key k,
			    const struct assoc_pair_hash *h, uint32_t tag)
{
	prefetch_ports(t, side_of(k), h->port_a, h->port_b, h->ports, h->peer_h,
		       tag);
}

/* ---- warming a batch's lookups (assoc_table.h, assoc_warm_*) ---- */

/*
 * A walk is warmed node by node along its chain, as the lookup will
 * walk it (a lookup for a new association's key walks the whole chain,
 * about one node on average in a full table, often two), up to
 * WARM_DEPTH nodes.  w->state says what kind of walk it is and what it
 * asked for last, so what its next step reads: one switch per step.
 */
#define WARM_DEPTH 4

/* The CAND_BLOCKS walks' lookups read the blocks but not their
 * associations (an INIT's: port_conflict, cands_index; an INIT ACK's
 * collision test on the other side, warm_then). */
enum {
	WARM_DONE,
	TAG_BUCKET,
	TAG_NODE,
	PEER_BUCKET,
	PEER_NODE,
	PEER_ENTRY,
	CANDS_BUCKET,
	CANDS_NODE,
	/* A node on the key was read: its association's addresses, then
	 * the next node (or nothing more). */
	CANDS_OWNER_NODE,
	CANDS_OWNER,
	CAND_BLOCKS_BUCKET,
	CAND_BLOCKS_NODE
};

static struct assoc_warm *warm_start(struct assoc_warm_list *l,
				     const uint32_t *head, uint8_t bucket,
				     unsigned int d, uint16_t pa, uint16_t pb)
{
	struct assoc_warm *w = &l->w[l->n++];

	l->live[l->n_live++] = w;
	w->head = head;
	w->state = bucket;
	w->depth = 0;
	w->d = (uint8_t)d;
	w->port_a = pa;
	w->port_b = pb;
	w->port_other = 0;
	w->tag_other = 0;
	w->then = ASSOC_WARM_THEN_NONE;
	__builtin_prefetch(head);
	return w;
}

void assoc_warm_tag(const struct assoc_table *t, struct assoc_warm_list *l,
		    enum assoc_key k, uint16_t port_a, uint16_t port_b,
		    uint32_t tag)
{
	struct assoc_warm *w;

	w = warm_start(l, key_bucket(t, k, port_a, port_b, tag), TAG_BUCKET, 0,
		       port_a, port_b);
	w->tag = tag;
	w->key = (uint8_t)k;
}

void assoc_warm_peer(const struct assoc_table *t, struct assoc_warm_list *l,
		     enum assoc_key k, uint16_t port_a, uint16_t port_b,
		     const struct nat_addr *peer)
{
	warm_start(l,
		   &t->peer_buckets[peer_bucket(t, side_of(k), port_a, port_b,
						peer)],
		   PEER_BUCKET, side_of(k), port_a, port_b);
}

void assoc_warm_cands(const struct assoc_table *t, struct assoc_warm_list *l,
		      enum assoc_key k, uint16_t port_a, uint16_t port_b)
{
	warm_start(l,
		   &t->cand_buckets[cand_bucket(t, side_of(k), port_a, port_b)],
		   CANDS_BUCKET, side_of(k), port_a, port_b);
}

void assoc_warm_cands_then(const struct assoc_table *t,
			   struct assoc_warm_list *l, enum assoc_key k,
			   uint16_t port_a, uint16_t port_b, unsigned int then,
			   uint32_t tag)
{
	struct assoc_warm *w;

	w = warm_start(
		l, &t->cand_buckets[cand_bucket(t, side_of(k), port_a, port_b)],
		CANDS_BUCKET, side_of(k), port_a, port_b);
	w->then = (uint8_t)then;
	w->tag = tag;
}

void assoc_warm_key_bucket(const struct assoc_table *t, enum assoc_key k,
			   uint16_t port_a, uint16_t port_b, uint32_t tag)
{
	if (is_prev(k) && !t->prev_linked)
		return;
	__builtin_prefetch(key_bucket(t, k, port_a, port_b, tag));
}

void assoc_warm_port_key(const struct assoc_table *t, enum assoc_key k,
			 uint16_t port_a, uint16_t port_b)
{
	__builtin_prefetch(key_bucket(t, k, port_a, port_b, 0), 1);
}

void assoc_warm_port_pair(const struct assoc_table *t,
			  struct assoc_warm_list *l,
			  const struct assoc_pair_hash *h)
{
	/* The buckets of the two sides differ in the side bit only
	 * (side_bucket): each index's hash once, for both, and one line
	 * holds both buckets. */
	uint16_t port_a = h->port_a, port_b = h->port_b;
	uint32_t ch = h->ports, ph = h->peer_h, kh = h->port_key;

	/*
	 * One walk per index, side 0's (the inbound side port_conflict
	 * walks in full).  With the same ports on both sides the two
	 * sides' chains are a bucket pair, and an association that kept
	 * its port, as with port-preserve most do, has its nodes on both
	 * chains or on neither: its entry (peer index) or block (candidate
	 * index) is the same memory whichever side it is reached from.
	 * Walking side 1 as well loaded those lines a second time, for
	 * the few that did not keep their port only.
	 */
	warm_start(l, &t->peer_buckets[side_bucket(ph, t->peer_mask, 0)],
		   PEER_BUCKET, 0, port_a, port_b);
	warm_start(l, &t->cand_buckets[side_bucket(ch, t->cand_mask, 0)],
		   CAND_BLOCKS_BUCKET, 0, port_a, port_b);
	__builtin_prefetch(&t->port_buckets[side_bucket(kh, t->port_mask, 0)],
			   1);
}

/* Where a block's first candidate's tags end, from the block's start. */
#define CAND_TAGS_END                                                      \
	(sizeof(struct cand_hdr) + offsetof(struct assoc_cand, tag_peer) + \
	 sizeof(uint32_t))

/* Ask for node n's memory; the walk's next step is `at_node`, which
 * reads it.  Every caller knows which, and so the load to ask for. */
static inline __attribute__((always_inline)) void
warm_node(const struct assoc_table *t, struct assoc_warm *w, uint32_t n,
	  uint8_t at_node)
{
	const char *at;

	if (n == ASSOC_NONE || w->depth++ == WARM_DEPTH) {
		w->state = WARM_DONE;
		return;
	}
	w->node = n;
	w->state = at_node;
	switch (at_node) {
	case TAG_NODE:
		__builtin_prefetch(&t->slots[NODE_ID(n)]);
		break;
	case PEER_NODE:
		__builtin_prefetch(&t->slots[PNODE_ID(n)]);
		break;
	case CAND_BLOCKS_NODE: /* the header and the candidate after it */
		at = (const char *)cand_hdr_at(t, n);
		w->blk = at; /* for warm_read_cand: the bucket is read */
		__builtin_prefetch(at);
		__builtin_prefetch(at + 64);
		break;
	default:
		/* The header and its candidate's tags (warm_read_cand): the
		 * rest only once it is on the key, as most nodes are
		 * passed. */
		at = (const char *)cand_hdr_at(t, n);
		w->blk = at;
		__builtin_prefetch(at);
		__builtin_prefetch(at + CAND_TAGS_END - 1);
		break;
	}
}

/*
 * A candidate walk has read its first block on its key, from the
 * association's other side's port and tag: its follow-up (struct
 * assoc_warm, then), into l.  The walks it starts are on the other
 * side: key !d of the tag keys, candidate index side !d.  The INIT ACK's
 * collision test (handshake_cand_plan) reads the other side's chain
 * for associations other than the one the walk just found: the blocks
 * on it, not that association again (its slot is asked for already).
 */
static void warm_then(const struct assoc_table *t, struct assoc_warm_list *l,
		      const struct assoc_warm *w)
{
	unsigned int other = !w->d;

	if (w->then == ASSOC_WARM_THEN_ACK_TAG) {
		assoc_warm_tag(t, l, (enum assoc_key)other, w->port_other,
			       w->port_b, w->tag);
		/* An association that kept its port: the other side's chain
		 * is the other bucket of this walk's pair, and the blocks
		 * of the associations that kept theirs, the ones on the
		 * key among them, are on both (assoc_warm_port_pair): this
		 * walk loads them. */
		if (w->port_other != w->port_a)
			warm_start(l,
				   &t->cand_buckets[cand_bucket(
					   t, other, w->port_other, w->port_b)],
				   CAND_BLOCKS_BUCKET, other, w->port_other,
				   w->port_b);
	} else if (w->tag_other) {
		__builtin_prefetch(key_bucket(t, (enum assoc_key)other,
					      w->port_other, w->port_b,
					      w->tag_other));
		/* The block leaves the candidate index on both sides; the
		 * other side's bucket, if the association kept its port,
		 * shares a line with the one this walk read first. */
		if (w->port_other != w->port_a)
			__builtin_prefetch(
				&t->cand_buckets[cand_bucket(
					t, other, w->port_other, w->port_b)],
				1);
	}
}

/* TAG_NODE: the node's slot was asked for; read it. */
static void warm_read_tag(const struct assoc_table *t, struct assoc_warm *w)
{
	uint32_t n = w->node;
	const struct assoc *a = &t->slots[NODE_ID(n)];

	/* The lists of the one that matches (lookup_tag_ends reads them);
	 * the chain's other associations, the only ones a handshake's new
	 * tag meets, are only passed through. */
	if (NODE_KEY(n) == w->key) {
		uint16_t pa, pb;
		uint32_t tag;

		key_of(t, a, w->key, &pa, &pb, &tag);
		if (pa == w->port_a && pb == w->port_b && tag == w->tag) {
			__builtin_prefetch(a->locals);
			__builtin_prefetch(a->peers);
		}
	}
	warm_node(t, w, *hnext_of(t, NODE_ID(n), NODE_KEY(n)), TAG_NODE);
}

/* CANDS_NODE: the node's block was asked for; read it. */
static void warm_read_cand(const struct assoc_table *t,
			   struct assoc_warm_list *l, struct assoc_warm *w)
{
	uint32_t n = w->node;
	const struct cand_hdr *h = w->blk;
	const struct assoc_cand *c;

	/* The association of a node on the key, then its inside addresses
	 * (cand_matches reads both). */
	if (CNODE_D(n) != w->d || h->port[w->d] != w->port_a ||
	    h->port_peer != w->port_b) {
		warm_node(t, w, h->next[CNODE_D(n)], CANDS_NODE);
		return;
	}
	/* The block's first candidate follows its header: cand_matches
	 * reads all of it. */
	c = (const void *)(h + 1);
	__builtin_prefetch(c);
	__builtin_prefetch((const char *)c + 64);
	__builtin_prefetch((const char *)(c + 1) - 1);
	w->owner = h->id;
	if (!w->port_other) {
		w->port_other = h->port[!w->d];
		w->tag_other = w->d ? c->tag_inside : c->tag_peer;
		if (w->then && w->port_other)
			warm_then(t, l, w);
	}
	/* 96 bytes: the slot spans two lines, its lists' pointers in the
	 * second. */
	__builtin_prefetch(&t->slots[h->id]);
	__builtin_prefetch(&t->slots[h->id].peers);
	warm_node(t, w, h->next[CNODE_D(n)], CANDS_OWNER_NODE);
	if (w->state == WARM_DONE)
		w->state = CANDS_OWNER;
}

static inline bool warm_step(const struct assoc_table *t,
			     struct assoc_warm_list *l, struct assoc_warm *w)
{
	const struct cand_hdr *h;
	const struct assoc_cand *cand;

	switch (w->state) {
	case TAG_BUCKET:
		warm_node(t, w, *w->head, TAG_NODE);
		break;
	case TAG_NODE:
		warm_read_tag(t, w);
		break;
	case PEER_BUCKET:
		warm_node(t, w, *w->head, PEER_NODE);
		break;
	case PEER_NODE:
		__builtin_prefetch(
			&t->slots[PNODE_ID(w->node)].peers[PNODE_IDX(w->node)]);
		w->state = PEER_ENTRY;
		break;
	case PEER_ENTRY:
		warm_node(t, w,
			  t->slots[PNODE_ID(w->node)]
				  .peers[PNODE_IDX(w->node)]
				  .pnext[PNODE_D(w->node)],
			  PEER_NODE);
		break;
	case CANDS_BUCKET:
		warm_node(t, w, *w->head, CANDS_NODE);
		break;
	case CANDS_OWNER_NODE:
		__builtin_prefetch(t->slots[w->owner].locals);
		__builtin_prefetch(t->slots[w->owner].peers);
		/* fall through */
	case CANDS_NODE:
		warm_read_cand(t, l, w);
		break;
	case CANDS_OWNER:
		__builtin_prefetch(t->slots[w->owner].locals);
		__builtin_prefetch(t->slots[w->owner].peers);
		/* The walk stopped at the node found: its block is still the
		 * walk's, and its candidate was asked for.  Its peers (an
		 * INIT ACK's test, a COOKIE ACK's promotion read them). */
		cand = (const void *)((const struct cand_hdr *)w->blk + 1);
		__builtin_prefetch(cand->peers);
		w->state = WARM_DONE;
		break;
	case CAND_BLOCKS_BUCKET:
		warm_node(t, w, *w->head, CAND_BLOCKS_NODE);
		break;
	case CAND_BLOCKS_NODE:
		h = w->blk;
		warm_node(t, w, h->next[CNODE_D(w->node)], CAND_BLOCKS_NODE);
		break;
	default:
		break;
	}
	return w->state != WARM_DONE;
}

bool assoc_warm_round(const struct assoc_table *t, struct assoc_warm_list *l)
{
	/* The array never moves: a local the steps' stores cannot alias. */
	struct assoc_warm **live = l->live;
	unsigned int n = l->n_live, left = 0;

	/* A step's follow-up walks are listed after the round's (warm_then
	 * appends them at l->n_live), then moved down behind the walks
	 * with a step left. */
	for (unsigned int i = 0; i < n; i++) {
		struct assoc_warm *w = live[i];

		if (warm_step(t, l, w))
			live[left++] = w;
	}
	for (unsigned int i = n; i < l->n_live; i++)
		live[left++] = live[i];
	l->n_live = left;
	return left != 0;
}
