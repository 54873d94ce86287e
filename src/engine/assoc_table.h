/*
 * assoc_table: the association table of the engine.
 *
 * Every association lives in one fixed-size slot of an arena allocated at
 * creation (sized from the config), so the packet path never allocates.
 * Lookups go through one open hash of intrusive chains; an association sits
 * in up to ASSOC_KEY__COUNT chains at once, and each chain's key is derived
 * from the association's own fields, so a key can never disagree with the
 * association it names.  Code that changes a field a key is derived from
 * must unlink that key first and link it again after (assoc_unlink() and
 * assoc_link()).
 *
 * The keys follow RFC 9260 8.5 (README, How a packet goes through): a packet
 * carries the tag of its receiver, so inbound packets are found by (public
 * port, peer port, inside tag) and outbound ones by (inside port, peer port,
 * peer tag).  Packets that carry no usable tag (INIT, T-bit ABORT / SHUTDOWN
 * COMPLETE, ICMP quotes) are found by the port pair alone and then checked
 * against the address lists and tags.  The peer address is a check, not part of
 * a key: a multihomed peer may send from any address it listed.
 *
 * Expiry uses a lazy timer wheel: refreshing an association only moves its
 * deadline forward; the wheel notices when it reaches the slot.  A deadline
 * that moves earlier (a state change to SHUTDOWN / CLOSED) refiles it.
 */
#ifndef SCTPALG_ASSOC_TABLE_H
#define SCTPALG_ASSOC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine_config.h"
#include "nat_addr.h"
#include "pub_table.h"
#include "time_ns.h"

#define ASSOC_NONE	UINT32_MAX

enum assoc_key {
	ASSOC_KEY_IN_TAG = 0,	/* public port, peer port, tag_inside */
	ASSOC_KEY_OUT_TAG,	/* inside port, peer port, tag_peer */
	ASSOC_KEY_IN_PORTS,	/* public port, peer port */
	ASSOC_KEY_OUT_PORTS,	/* inside port, peer port */
	/* Keys whose links live outside the slot (assoc_table.c): */
	ASSOC_KEY_IN_PREV, /* ... previous tag_inside (older state files) */
	ASSOC_KEY_OUT_PREV, /* ... previous tag_peer */
	ASSOC_KEY__COUNT
};
#define ASSOC_KEY__IN_SLOT	ASSOC_KEY_IN_PREV

/* One inside address and the public address it shows on one uplink,
 * before it is bound (struct assoc_local holds it once bound). */
struct assoc_bind {
	struct nat_addr inside;
	struct nat_addr public_;
	int8_t uplink;		/* -1: not bound to an uplink (no NAT66) */
};

/*
 * A binding: one inside address, its uplink, and its public address as
 * an index into the engine's table of them (pub_table.h), on which it
 * holds a reference: 21 bytes, not 35 (README, Performance).  The index
 * and the uplink share 32 bits: the table never holds more addresses
 * than there can be bindings (PUB_TABLE_MAX), nor the config more than
 * ENGINE_MAX_UPLINKS uplinks.  Packed: an association's list is an
 * array of them (its block in a class_pool).
 * Read the public address with local_public (the entry with
 * assoc_local_pub); add and drop bindings only
 * through local_add, local_remove and local_truncate (engine_impl.h),
 * which keep the references.  The table (assoc_table.c) moves them
 * whole, references and all, when a list grows.
 */
struct assoc_local {
	struct nat_addr inside;
	uint32_t pub : PUB_TABLE_BITS;
	int32_t uplink : 32 - PUB_TABLE_BITS; /* -1: none (no NAT66) */
} __attribute__((packed));
_Static_assert(sizeof(struct assoc_local) == 21, "a binding is 21 bytes");
_Static_assert(ENGINE_MAX_UPLINKS <= 1 << (31 - PUB_TABLE_BITS),
	       "an uplink index fits beside the address index");

/*
 * l->pub, in one load.  GCC reads a bit field of a packed struct a byte
 * at a time, a dozen instructions, and the INIT path reads this one a
 * few dozen times.  Little-endian psABIs (x86-64, AArch64) allocate bit
 * fields from the low bits of their storage unit, here the 32 bits
 * after the address: pub is their low PUB_TABLE_BITS.  test_assoc_table.c
 * checks that this reads what l->pub does.
 */
static inline uint32_t assoc_local_pub(const struct assoc_local *l)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t w;

	memcpy(&w, (const uint8_t *)l + sizeof(l->inside), sizeof(w));
	return w & (PUB_TABLE_MAX - 1u);
#else
	return l->pub;
#endif
}

/* A counter 4-byte aligned (the compiler emits accesses fit for that):
 * struct assoc_peer is then 60 bytes, not 64. */
typedef uint64_t assoc_counter __attribute__((aligned(4)));

/* One peer address (a path), the uplink it is pinned to, and counters. */
struct assoc_peer {
	struct nat_addr addr;
	int8_t uplink;		/* -1: leave by routing */
	/* The peer index's chains (assoc_lookup_peer), inbound and
	 * outbound; the table's business. */
	uint32_t pnext[2];
	assoc_counter pkts_out, bytes_out, pkts_in, bytes_in;
};

#define ASSOC_F_INBOUND		0x01	/* created by a [forward] rule */
#define ASSOC_F_HANDSHAKE	0x02	/* counted in handshakes_live */
#define ASSOC_F_UP		0x04	/* an UP event was reported */
/* natsupp Disable Restart (0xC007) seen in the INIT / INIT ACK of the
 * inside host, of the peer; both: restart is disabled (natsupp 6.2). */
#define ASSOC_F_DR_INSIDE	0x08
#define ASSOC_F_DR_PEER		0x10
#define ASSOC_F_NO_RESTART	(ASSOC_F_DR_INSIDE | ASSOC_F_DR_PEER)
/* Queued for the fast path: its entries may have changed (engine_fast.h). */
#define ASSOC_F_FAST_DIRTY	0x20
/* The peer's SHUTDOWN ACK passed: it is in SHUTDOWN-ACK-SENT or closed,
 * and sends no INIT for this association (RFC 9260 9.2). */
#define ASSOC_F_PEER_SHUT_ACK	0x40
/* Its drop counters are in use (assoc_drops_w): the table's business. */
#define ASSOC_F_DROPS		0x80

/* struct assoc shut_by: whose SHUTDOWN passed. */
#define ASSOC_SHUT_INSIDE 0x01
#define ASSOC_SHUT_PEER	  0x02

/*
 * A handshake candidate (handshake_cand.c): the tags and peer addresses
 * one INIT and its INIT ACK offered, not yet accepted by both ends.  It
 * becomes the live tag pair and peer list only when the COOKIE ECHO /
 * COOKIE ACK exchange that uses it is seen.  Not persisted.
 */
/*
 * Per association; the INIT heard longest ago goes.  Room for a peer's
 * restart and the inside host's own INIT (both ends restarting, RFC 9260
 * 5.2.1), the selected candidates waiting for their COOKIE ACK, and a
 * few blind INITs past them: with 4, blind INITs arriving between the
 * copies of a restart's INIT pushed it out in schedules the adversarial
 * fuzzer found within minutes.  The block is held only while a
 * handshake is in progress.
 */
#define ASSOC_CANDS		6
#define ASSOC_CAND_F_USED	0x01
#define ASSOC_CAND_F_INBOUND	0x02	/* the peer sent the INIT */
#define ASSOC_CAND_F_ECHOED	0x04	/* a COOKIE ECHO selected it */
#define ASSOC_CAND_F_DR_INSIDE	0x08	/* Disable Restart, as ASSOC_F_* */
#define ASSOC_CAND_F_DR_PEER	0x10
/* The box passed an answer to this INIT it had no room to keep. */
#define ASSOC_CAND_F_OVERFLOW	0x20
/* Which side's COOKIE ECHO selected it: the other side answers it. */
#define ASSOC_CAND_F_ECHO_IN	0x40
#define ASSOC_CAND_F_ECHO_OUT	0x80
#define ASSOC_CAND_F_ECHO_ANY \
	(ASSOC_CAND_F_ECHOED | ASSOC_CAND_F_ECHO_IN | ASSOC_CAND_F_ECHO_OUT)
/*
 * An INIT from the peer, retransmitted, is answered by the inside host
 * with a new tag each time when it has no state for it (RFC 9260 5.1.3,
 * 5.2.2), and the peer uses whichever INIT ACK reaches it first (5.2.3):
 * the first answer stays in tag_inside, the later ones in a ring of the
 * newest ASSOC_CAND_MORE.  Max.Init.Retransmits (RFC 9260 16) is 8, so
 * a peer that keeps to it has all its answers held.
 */
#define ASSOC_CAND_MORE 8
struct assoc_cand {
	uint32_t tag_inside, tag_peer;	/* 0: not offered yet */
	uint32_t more[ASSOC_CAND_MORE]; /* inbound INIT: later answers */
	/* Bit i: the inside host's INIT / INIT ACK of this pair passed
	 * without locals[i] in its list (the binding existed and it left
	 * it out, or an Add IP bound it afterwards).  Each answer has its
	 * own: the peer learns the list of the one it takes. */
	uint32_t left_out;
	uint32_t more_left_out[ASSOC_CAND_MORE];
	uint8_t n_more, more_next;
	uint8_t flags;			/* ASSOC_CAND_F_* */
	uint8_t n_peers;
	uint8_t n_init_peers;		/* peers[] named by the INIT itself */
	uint8_t peers_class; /* the table's business */
	/* Both ends answered each other's INIT with this pair (an INIT
	 * collision, RFC 9260 5.2.1), so the COOKIE ECHO of the end
	 * that did not send this candidate's INIT may name it too.  In
	 * the padding. */
	bool collided;
	/* The peer's INIT, not answered yet with this tag: the peer
	 * answered the inside host's INIT of this tag with its own
	 * (collided once the inside host's answer carries it).  0: none.
	 * In the padding too. */
	uint32_t peer_answered;
	uint64_t since; /* INIT / INIT ACK / COOKIE ECHO */
	uint64_t born; /* its INIT */
	uint64_t heard; /* its INIT's latest copy, as engine inits_heard */
	/* Grown on demand: assoc_cand_room_peers before writing. */
	struct nat_addr *peers;
};

/* Fields are public: the engine's fast path reads them inline. */
struct assoc {
	/* Its id is its index in the table (assoc_id). */
	uint32_t hnext[ASSOC_KEY__IN_SLOT];
	/* bit per enum assoc_key, then the two indexes (assoc_table.c) */
	uint8_t linked;
	uint8_t state;		/* enum assoc_state */
	uint8_t flags;
	uint8_t n_locals, n_peers;
	int8_t forward;		/* [forward] rule index or -1 */
	uint16_t port_inside, port_public, port_peer;
	uint32_t tag_inside, tag_peer;
	/* Handshake candidates (handshake_cand.c), a block of ASSOC_CANDS
	 * read through assoc_cands; restarts and collisions wait there
	 * until they complete.  A 32-bit name for the block, not a
	 * pointer: it fills the room before the 64-bit fields. */
	uint32_t cands;
	/* Previous tags: the table's (assoc_prev_tag_inside). */
	uint64_t created, last_seen, expires;
	/* Timer wheel. */
	uint32_t wnext, wprev;
	/* The second (WHEEL_TICK_NS) the wheel slot was chosen for: 32
	 * bits of seconds last 136 years of the engine's clock. */
	uint32_t filed;
	bool in_use;
	/* Address lists, grown on demand (assoc_room_*); the size class of
	 * each block is the table's business. */
	uint8_t locals_class, peers_class;
	/* Which ends' SHUTDOWN with the live tags passed (ASSOC_SHUT_*,
	 * assoc_state.c): each is past COOKIE-ECHOED for them.  In the
	 * padding before the pointers. */
	uint8_t shut_by;
	struct assoc_local *locals;
	struct assoc_peer *peers;
	/* Its drop counters are the table's (assoc_drops). */
};

/* Packets matched to an association but dropped, by enum
 * engine_assoc_drop_class (sctpalgctl associations). */
#define ASSOC_DROP_CLASSES 4

struct assoc_table;

/* Sizes: capacity associations, each with max_locals / max_peers slots. */
int assoc_table_create(uint32_t capacity, uint8_t max_locals,
		       uint8_t max_peers, uint64_t seed,
		       struct assoc_table **out);
void assoc_table_destroy(struct assoc_table *t);

uint32_t assoc_table_capacity(const struct assoc_table *t);
uint32_t assoc_table_live(const struct assoc_table *t);
uint8_t assoc_table_max_locals(const struct assoc_table *t);
uint8_t assoc_table_max_peers(const struct assoc_table *t);

/* A zeroed association, not linked anywhere; NULL when full. */
struct assoc *assoc_alloc(struct assoc_table *t, uint64_t now_ns);
/*
 * The same, with room for `locals` bindings (at least one; at most the
 * table's max_locals) from the start: a caller that knows how many it
 * adds at once spares the list a move to a larger block
 * (assoc_room_locals still grows it past that).
 */
struct assoc *assoc_alloc_for(struct assoc_table *t, uint64_t now_ns,
			      unsigned int locals);
/* Unlinks every key and the timer, then frees the slot. */
void assoc_free(struct assoc_table *t, struct assoc *a);
struct assoc *assoc_by_id(const struct assoc_table *t, uint32_t id);
/* Its index in the table, what assoc_by_id takes. */
uint32_t assoc_id(const struct assoc_table *t, const struct assoc *a);

void assoc_link(struct assoc_table *t, struct assoc *a, enum assoc_key k);
void assoc_unlink(struct assoc_table *t, struct assoc *a, enum assoc_key k);
/* assoc_link of ASSOC_KEY_IN_TAG, then of ASSOC_KEY_OUT_TAG: a completed
 * handshake's new pair. */
void assoc_link_tags(struct assoc_table *t, struct assoc *a);
/* Link every key whose fields are set (tags non-zero). */
void assoc_link_all(struct assoc_table *t, struct assoc *a);

/*
 * The hashes of one port pair (port_a on side 0's ports, port_b the
 * peer's) in the indexes keyed by it, and of a peer address with it in
 * the peer index: the same for both sides (side_bucket); and of the
 * ASSOC_KEY_IN_TAG key (port_a, port_b, tag).  An INIT from inside looks
 * its pair up, checks it and links the new association by it, some
 * twelve hashings of the same fields; assoc_pair_hash works them out
 * once for the _h variants below.
 */
struct assoc_pair_hash {
	struct nat_addr peer;
	uint16_t port_a, port_b;
	uint32_t ports; /* the candidate index's */
	uint32_t peer_h; /* the peer index's, with peer */
	uint32_t port_key; /* the port keys' */
	uint32_t tag, tag_key; /* the inbound tag key's */
};
void assoc_pair_hash(const struct assoc_table *t, uint16_t port_a,
		     uint16_t port_b, const struct nat_addr *peer, uint32_t tag,
		     struct assoc_pair_hash *h);
/* assoc_link_all, taking from h (NULL: none) the hashes of whichever
 * of a's keys are h's pair. */
void assoc_link_all_h(struct assoc_table *t, struct assoc *a,
		      const struct assoc_pair_hash *h);
void assoc_unlink_all(struct assoc_table *t, struct assoc *a);

/*
 * Lookup by key.  For the tag keys, tag must be non-zero.  The port keys
 * may match several associations (one inside endpoint talking to several
 * peers on the same port); assoc_lookup_ports walks them and returns the
 * first for which match(a, arg) is true.
 */
struct assoc *assoc_lookup_tag(const struct assoc_table *t,
			       enum assoc_key k, uint16_t port_a,
			       uint16_t port_b, uint32_t tag);
/* The same for ASSOC_KEY_IN_TAG (h->port_a, h->port_b, h->tag). */
struct assoc *assoc_lookup_in_tag_h(const struct assoc_table *t,
				    const struct assoc_pair_hash *h);
/* The same, walking every association with that tag for match(). */
struct assoc *assoc_lookup_tag_match(const struct assoc_table *t,
				     enum assoc_key k, uint16_t port_a,
				     uint16_t port_b, uint32_t tag,
				     bool (*match)(const struct assoc *,
						   void *),
				     void *arg);
/*
 * The live association a tag key names for a packet (k: a tag key, its
 * previous-tag key too): the first on the key whose own addresses are
 * the packet's, a local one (public for an ASSOC_KEY_IN_* key, inside
 * for an ASSOC_KEY_OUT_* one) and a peer one, whose peers[] index is
 * then in *peer_idx, and the first locals[] entry of that local address
 * in *local_idx.  None: NULL, and *alone (when not NULL) is the
 * association on the key when it is the only one, else NULL.  The
 * addresses are compared in the walk, not through a callback: every
 * packet with a tag is looked up this way.  pt: the engine's public
 * addresses, which the bindings name (pub_table.h).
 */
struct assoc *assoc_lookup_tag_ends(const struct assoc_table *t,
				    const struct pub_table *pt,
				    enum assoc_key k, uint16_t port_a,
				    uint16_t port_b, uint32_t tag,
				    const struct nat_addr *local,
				    const struct nat_addr *peer, int *peer_idx,
				    int *local_idx, struct assoc **alone);
/*
 * Whether any previous-tag key (ASSOC_KEY_*_PREV, state files of older
 * versions only) is linked: while none is, their lookups find nothing.
 */
bool assoc_prev_tags_linked(const struct assoc_table *t);
/*
 * Start loading the buckets a new association's public port is checked
 * against (handshake.c, port_conflict): on side k (ASSOC_KEY_IN_PORTS or
 * ASSOC_KEY_OUT_PORTS), the peer index's for peer, the candidate
 * index's and the tag key's for tag.  In a table bigger than the caches
 * each is a miss; loaded together, they cost about one.  Changes nothing.
 */
void assoc_prefetch_ports(const struct assoc_table *t, enum assoc_key k,
			  uint16_t port_a, uint16_t port_b,
			  const struct nat_addr *peer, uint32_t tag);
void assoc_prefetch_ports_h(const struct assoc_table *t, enum assoc_key k,
			    const struct assoc_pair_hash *h, uint32_t tag);
struct assoc *assoc_lookup_ports(const struct assoc_table *t,
				 enum assoc_key k, uint16_t port_a,
				 uint16_t port_b,
				 bool (*match)(const struct assoc *, void *),
				 void *arg);

/*
 * Warming a lookup before it is made (engine_process_batch, batch_warm.c):
 * in a table bigger than the caches every step of a chain walk is a
 * miss, one waiting for the other.  The loads of different packets'
 * walks do not wait for each other, so the batch loop starts the walks
 * of all the packets of a chunk with assoc_warm_*, into one list, then
 * steps the list with assoc_warm_round, round after round: every step
 * reads what the one before had asked for (a bucket, then the node it
 * names, then the next node) and asks for the next load, as DPDK's
 * rte_hash does for its bulk lookups.  Reads only, before any packet of
 * the chunk is processed: a packet that then changes a chain makes the
 * warming of the ones after it miss, never their lookups wrong.
 */
struct assoc_warm {
	/* The table's business (assoc_warm.c, warm_node). */
	union {
		const uint32_t *head; /* the bucket, until its node */
		const void *blk; /* the candidate node's header */
	};
	uint32_t node;		/* the node last asked for */
	uint32_t owner;		/* a candidate's association, to read */
	uint16_t port_a, port_b;
	uint16_t port_other; /* a candidate's other side's port */
	uint8_t state, depth, d;
	uint32_t tag_other; /* ... and that side's tag */
	/* A tag key's walk: its tag, and the key; a candidate walk's
	 * follow-up (assoc_warm_cands_then): an INIT ACK's tag. */
	uint32_t tag;
	uint8_t key;
	uint8_t then; /* the follow-up, once port_other is read */
};

/*
 * A chunk's walks: w[0..n) started, live[0..n_live) those with a step
 * left.  The caller provides room for every walk its packets start,
 * follow-ups (assoc_warm_cands_then) included.
 */
struct assoc_warm_list {
	struct assoc_warm *w;
	struct assoc_warm **live;
	unsigned int n, n_live;
};

/* The tag key k's chain for (port_a, port_b, tag): assoc_lookup_tag_ends. */
void assoc_warm_tag(const struct assoc_table *t, struct assoc_warm_list *l,
		    enum assoc_key k, uint16_t port_a, uint16_t port_b,
		    uint32_t tag);
/* The peer index's for peer on side k (a port key): assoc_lookup_peer. */
void assoc_warm_peer(const struct assoc_table *t, struct assoc_warm_list *l,
		     enum assoc_key k, uint16_t port_a, uint16_t port_b,
		     const struct nat_addr *peer);
/* The candidate index's on side k: assoc_lookup_cands, and the node a
 * new block is linked before (cands_index writes it). */
void assoc_warm_cands(const struct assoc_table *t, struct assoc_warm_list *l,
		      enum assoc_key k, uint16_t port_a, uint16_t port_b);
/*
 * The same, and once the walk has read a block on its key, the keys of
 * that association's other side its packet's handling goes on to:
 * ASSOC_WARM_THEN_ACK_TAG, an INIT ACK's (handshake_cand.c,
 * handshake_cand_plan), the walks of tag `tag` on the other side's tag
 * key and, unless the association kept its port (then this walk loads
 * them), of its candidates: one or two more walks in l;
 * ASSOC_WARM_THEN_CONFIRM, a COOKIE ACK's that completes the handshake
 * (handshake_cand.c, promote), the buckets of the other side's tag key
 * (by that side's tag of the block's first candidate) and candidate
 * index, which it writes.
 */
enum {
	ASSOC_WARM_THEN_NONE,
	ASSOC_WARM_THEN_ACK_TAG,
	ASSOC_WARM_THEN_CONFIRM
};
void assoc_warm_cands_then(const struct assoc_table *t,
			   struct assoc_warm_list *l, enum assoc_key k,
			   uint16_t port_a, uint16_t port_b, unsigned int then,
			   uint32_t tag);
/*
 * The bucket of key k for (port_a, port_b, tag), to be read or written
 * soon; nothing for a previous-tag key while none is linked (its
 * lookups then skip the buckets, assoc_lookup_tag_ends).
 */
void assoc_warm_key_bucket(const struct assoc_table *t, enum assoc_key k,
			   uint16_t port_a, uint16_t port_b, uint32_t tag);
/* The bucket a new association's port key k will be linked into. */
void assoc_warm_port_key(const struct assoc_table *t, enum assoc_key k,
			 uint16_t port_a, uint16_t port_b);
/*
 * The same ports on both sides (an INIT from inside that keeps its port),
 * h being assoc_pair_hash of them and the peer: assoc_warm_peer and assoc_warm_cands, walked on side 0 only (what
 * associations that kept their ports have on side 1 is the same
 * memory: assoc_warm.c says why), and assoc_warm_port_key on both.
 * The candidate walk loads the blocks only: an INIT reads no
 * association of them (assoc_any_cands_of).
 */
void assoc_warm_port_pair(const struct assoc_table *t,
			  struct assoc_warm_list *l,
			  const struct assoc_pair_hash *h);
/* One step further along each walk with a step left (the next node's
 * memory, or what a node holds); the walks a step starts are stepped
 * from the next round.  False once no walk has a step left. */
bool assoc_warm_round(const struct assoc_table *t, struct assoc_warm_list *l);

/*
 * Two indexes narrow a port-pair walk (k: ASSOC_KEY_IN_PORTS or
 * ASSOC_KEY_OUT_PORTS, ports as for assoc_lookup_ports) to the
 * associations that can match, so that many associations sharing a
 * peer's port (one server, many clients) cost nothing to a lookup:
 *   - _peer: those with `peer` among their peer addresses, for a match()
 *     that is false for any other association;
 *   - _cands: those holding handshake candidates (assoc_cands_take), for
 *     a match() that is false for an association without any.
 * The lookup_ variants return what assoc_lookup_ports would: the
 * match, if it is the only one (match() is called on it last, so what
 * it records in arg is its own); with several, the port-pair walk
 * decides which comes first.  The any_ variants only say whether one
 * matches (in no particular order).
 */
struct assoc *assoc_lookup_peer(const struct assoc_table *t,
				enum assoc_key k, uint16_t port_a,
				uint16_t port_b, const struct nat_addr *peer,
				bool (*match)(const struct assoc *, void *),
				void *arg);
bool assoc_any_peer(const struct assoc_table *t, enum assoc_key k,
		    uint16_t port_a, uint16_t port_b,
		    const struct nat_addr *peer,
		    bool (*match)(const struct assoc *, void *), void *arg);
/* The same for h's pair and peer (assoc_pair_hash). */
struct assoc *assoc_lookup_peer_h(const struct assoc_table *t, enum assoc_key k,
				  const struct assoc_pair_hash *h,
				  bool (*match)(const struct assoc *, void *),
				  void *arg);
bool assoc_any_peer_h(const struct assoc_table *t, enum assoc_key k,
		      const struct assoc_pair_hash *h,
		      bool (*match)(const struct assoc *, void *), void *arg);
struct assoc *assoc_lookup_cands(const struct assoc_table *t,
				 enum assoc_key k, uint16_t port_a,
				 uint16_t port_b,
				 bool (*match)(const struct assoc *, void *),
				 void *arg);
bool assoc_any_cands(const struct assoc_table *t, enum assoc_key k,
		     uint16_t port_a, uint16_t port_b,
		     bool (*match)(const struct assoc *, void *), void *arg);
/*
 * assoc_lookup_cands with match given each association's candidates and
 * their number, as assoc_cands and assoc_cands_n give them: taken from
 * the block the walk has just read, where it has one (a handshake's
 * INIT ACK, COOKIE ECHO and COOKIE ACK each look theirs up).
 */
struct assoc *
assoc_lookup_cands_of(const struct assoc_table *t, enum assoc_key k,
		      uint16_t port_a, uint16_t port_b,
		      bool (*match)(const struct assoc *,
				    const struct assoc_cand *, int, void *),
		      void *arg);
/*
 * assoc_any_cands for a test of the candidates alone: match gets each
 * association (its address only: its slot need not be loaded) with its
 * candidates and their number as assoc_cands and assoc_cands_n give
 * them, taken from the block the walk has just read.
 */
bool assoc_any_cands_of(const struct assoc_table *t, enum assoc_key k,
			uint16_t port_a, uint16_t port_b,
			bool (*match)(const struct assoc *,
				      const struct assoc_cand *, int, void *),
			void *arg);
bool assoc_any_cands_of_h(const struct assoc_table *t, enum assoc_key k,
			  const struct assoc_pair_hash *h,
			  bool (*match)(const struct assoc *,
					const struct assoc_cand *, int, void *),
			  void *arg);

/*
 * Code that changes a linked association's peer list (addresses or
 * order) unindexes it first and indexes it again after:
 *	bool idx = assoc_unindex_peers(t, a);
 *	... change a->peers / a->n_peers ...
 *	if (idx) assoc_index_peers(t, a);
 * Appending one peer needs only assoc_index_new_peer(t, a) after it.
 * assoc_link_all / assoc_unlink_all index and unindex them too.
 */
bool assoc_unindex_peers(struct assoc_table *t, struct assoc *a);
void assoc_index_peers(struct assoc_table *t, struct assoc *a);
void assoc_index_new_peer(struct assoc_table *t, struct assoc *a);

/*
 * Room for n locals / peers: grows the association's list if needed
 * (pointers into it move).  False only when n is over max_locals /
 * max_peers; growing never fails otherwise (class_pool.h).
 */
bool assoc_room_locals(struct assoc_table *t, struct assoc *a,
		       unsigned int n);
bool assoc_room_peers(struct assoc_table *t, struct assoc *a, unsigned int n);

/*
 * Handshake candidates take memory only while an association has some:
 * assoc_cands_take gives it a block with room for one candidate,
 * assoc_cands_grow one with room for ASSOC_CANDS, the first kept (both
 * cannot fail, as growing lists cannot), assoc_cands_drop gives the
 * block back once none is live (handshake_cand.c decides).
 * assoc_cands gives the candidates, assoc_cands_n how many there are
 * room for; without a block, 0, and assoc_cands a shared array of
 * ASSOC_CANDS in which nothing is live, only to be read (an index kept
 * from before the block was dropped still reads within it).  Pointers
 * into a block stay valid until it grows or is dropped.
 */
bool assoc_cands_take(struct assoc_table *t, struct assoc *a);
bool assoc_cands_grow(struct assoc_table *t, struct assoc *a);
void assoc_cands_drop(struct assoc_table *t, struct assoc *a);
struct assoc_cand *assoc_cands(const struct assoc_table *t,
			       const struct assoc *a);
int assoc_cands_n(const struct assoc *a);
/*
 * Room for n peers in candidate c of a block assoc_cands_take gave: its
 * list grows from nothing as peers are added (pointers into it move).
 * False only when n is over max_peers.
 */
bool assoc_cand_room_peers(struct assoc_table *t, struct assoc_cand *c,
			   unsigned int n);

/*
 * Drop counters, ASSOC_DROP_CLASSES of them, outside the slot: only
 * associations that have dropped something take room for them.
 * assoc_drops reads them (zeros for one that has none); assoc_drops_w
 * gives them to be counted in.  A new association starts at zero.
 */
/*
 * Previous tags, 0 for none: restarts now wait in cands[]; these come only
 * from state files of older versions and go when a handshake completes.
 * Kept outside the slot, for the few associations that have them.  Their
 * keys (ASSOC_KEY_*_PREV) are derived from them: unlink those before
 * setting them on a linked association.
 */
uint32_t assoc_prev_tag_inside(const struct assoc_table *t,
			       const struct assoc *a);
uint32_t assoc_prev_tag_peer(const struct assoc_table *t,
			     const struct assoc *a);
void assoc_set_prev_tags(struct assoc_table *t, const struct assoc *a,
			 uint32_t inside, uint32_t peer);

/*
 * Pairs dead for both endpoints, whose handshakes' late copies (INIT,
 * INIT ACK, COOKIE ECHO, COOKIE ACK) must not set the association up
 * again (handshake_cand.c): the one a completed restart replaced (RFC
 * 9260 5.2.4), and the furthest of the handshakes it left unfinished,
 * older than it and already answered by a COOKIE ECHO (an endpoint that
 * took the new pair discards its cookie, 5.2.4 A, C).  Outside the
 * slot, written only for associations that restarted; not saved in
 * the state file.  assoc_tag_gone: is tag (non-zero) the inside
 * (inside) or peer tag of one of them?
 */
enum assoc_gone {
	ASSOC_GONE_REPLACED,
	ASSOC_GONE_ABANDONED,
	ASSOC_GONE__COUNT
};
bool assoc_tag_gone(const struct assoc_table *t, const struct assoc *a,
		    uint32_t tag, bool inside);
void assoc_set_gone_tags(struct assoc_table *t, const struct assoc *a,
			 enum assoc_gone which, uint32_t inside, uint32_t peer);
void assoc_clear_gone_tags(struct assoc_table *t, const struct assoc *a);

const uint32_t *assoc_drops(const struct assoc_table *t, const struct assoc *a);
uint32_t *assoc_drops_w(struct assoc_table *t, struct assoc *a);

/* Address list helpers. */
int assoc_find_peer(const struct assoc *a, const struct nat_addr *addr);
int assoc_find_local_inside(const struct assoc *a,
			    const struct nat_addr *inside);
int assoc_find_local_public(const struct pub_table *pt, const struct assoc *a,
			    const struct nat_addr *public_);
/*
 * The first of a's bindings with the public address of locals[i]
 * (assoc_find_local_public of it), told by the entry the bindings name:
 * a live address has one entry in the pub_table.  Only the bindings
 * before i are compared, each entry read once: nearly every binding is
 * the first of its address.
 */
static inline int assoc_first_same_public(const struct assoc *a, int i)
{
	uint32_t pub = assoc_local_pub(&a->locals[i]);

	for (int j = 0; j < i; j++)
		if (assoc_local_pub(&a->locals[j]) == pub)
			return j;
	return i;
}
/*
 * o is another association that has peer among its peer addresses and one
 * of a's public addresses among its own: on the same ports, that peer would
 * see one transport address for both.
 */
bool assoc_shares_transport(const struct pub_table *pt, const struct assoc *o,
			    const struct assoc *a, const struct nat_addr *peer);

/* The timer wheel's slots are seconds of the engine's clock. */
#define WHEEL_TICK_NS NSEC_PER_SEC

/*
 * Does a deadline of expires_ns fall in the second an association was
 * filed for (filed, struct assoc) or after it?  Then the wheel keeps it
 * where it is and refiles it when it gets there.  The same as
 * expires_ns / WHEEL_TICK_NS >= filed without the division: filed is
 * 32 bits, so filed * WHEEL_TICK_NS fits in 64.
 */
static inline bool assoc_wheel_keeps(uint32_t filed, uint64_t expires_ns)
{
	return expires_ns >= (uint64_t)filed * WHEEL_TICK_NS;
}

/* assoc_wheel.c: file a at its deadline (remove it first if it had one). */
void assoc_wheel_refile(struct assoc_table *t, struct assoc *a, bool was_filed);

/*
 * Timer wheel: set the deadline; the wheel refiles only when needed.
 * Inline: every DATA chunk's refresh of an established association
 * comes here and, its deadline only moving later, stops at the check.
 */
static inline void assoc_set_expiry(struct assoc_table *t, struct assoc *a,
				    uint64_t expires_ns)
{
	uint64_t old = a->expires;

	a->expires = expires_ns;
	if (old && assoc_wheel_keeps(a->filed, expires_ns))
		return;
	assoc_wheel_refile(t, a, old != 0);
}
/*
 * Calls expire(a, arg) for every association whose deadline is <= now;
 * the callback must free it (assoc_free).  Returns the count.
 */
unsigned int assoc_table_expire(struct assoc_table *t, uint64_t now_ns,
				void (*expire)(struct assoc *, void *),
				void *arg);

/* Iterate over live associations (stable while nothing is freed). */
struct assoc *assoc_table_next(const struct assoc_table *t,
			       const struct assoc *prev);

/*
 * Per inside host association counts (sctpalgd.conf(5), [limits]
 * per-host).
 * assoc_host_add returns the new count, or 0 when the host table is full.
 */
uint32_t assoc_host_count(const struct assoc_table *t,
			  const struct nat_addr *host);
uint32_t assoc_host_add(struct assoc_table *t, const struct nat_addr *host);
void assoc_host_del(struct assoc_table *t, const struct nat_addr *host);

#endif
