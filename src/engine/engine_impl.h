/*
 * engine_impl.h: the engine's private state and the per-packet context
 * shared by the files of src/engine/ (not part of the public API).
 *
 * A packet goes through three phases, and only the last one writes:
 *   1. parse and look up (ip_parse, sctp_parse_header, the table);
 *   2. validate the whole packet and plan every change (sctp_parse_chunks,
 *      address checks, the new INIT / INIT ACK address list built in the
 *      scratch buffer, limits) -- any failure here is a clean drop;
 *   3. commit: state changes, then the bytes (xlate_commit).
 */
#ifndef SCTPALG_ENGINE_IMPL_H
#define SCTPALG_ENGINE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "assoc_table.h"
#include "engine.h"
#include "engine_fast.h"
#include "ip_parse.h"
#include "port_alloc.h"
#include "sctp_parse.h"
#include "time_ns.h"

/* Largest packet the engine rewrites (jumbo frames). */
#define ENGINE_MAX_PKT	9216u
/* Changed associations remembered for the fast path before "all". */
#define ENGINE_FAST_QUEUE	1024

struct token_bucket {
	uint64_t tokens_milli;	/* thousandths of a token */
	uint64_t last_ns;
};

struct engine {
	struct engine_config conf;
	struct assoc_table *table;
	struct hs_budget *budget;	/* handshake_budget.h */
	/* engine_timeout_ns per state, from conf ([timeouts]): filled by
	 * engine_create and engine_reconfigure, the only writers of conf.
	 * Next to table, which every state change loads too. */
	uint64_t timeout_ns[ASSOC__STATE_COUNT];
	struct port_alloc *ports;
	struct engine_stats stats;
	uint64_t rng;
	bool uplink_down[ENGINE_MAX_UPLINKS];
	struct token_bucket ootb_bucket;	/* natsupp replies (mbit_reply.c) */
	/* Association events (assoc_event.c). */
	engine_event_fn *event_fn;
	void *event_arg;
	/* Latest time handed in: events from calls that take no time
	 * (flush, uplink state) are stamped with it. */
	uint64_t last_now;
	/* Which public addresses of each [forward] rule hold their port. */
	uint16_t fwd_held[ENGINE_MAX_FORWARDS];
	/* Inside addresses of each [forward] rule the daemon found
	 * unusable (forward_inside.c): bit k = the k-th `inside` line. */
	uint16_t fwd_inside_down[ENGINE_MAX_FORWARDS];
	/* INIT copies seen, counted: the order candidates go in when one
	 * must make room (handshake_cand.c; time may tie). */
	uint64_t inits_heard;
	/* ASCONF changes waiting for their ASCONF-ACK (asconf.c). */
	struct asconf_table *asconf;
	/* The fast path's change tracking (fast_entries.c). */
	bool fast_on;
	bool fast_all;		/* lost count: everything changed */
	uint16_t fast_n;
	uint32_t fast_ids[ENGINE_FAST_QUEUE];
	engine_fast_sync_fn *fast_sync;
	void *fast_sync_arg;
	uint64_t fast_folded;
	/* The bindings' public addresses (local_bind.c). */
	struct pub_table pubs;
	/* Where a rewritten INIT / INIT ACK chunk is assembled. */
	uint8_t scratch[ENGINE_MAX_PKT];
};

/* addr_map_inside of a packet's source: err, else its public address and
 * uplink, and whether that is the uplink's address for it
 * (addr_map_inside_how; addr_list_map_src). */
struct src_map {
	int err;
	int8_t uplink;
	bool on_uplink;
	struct nat_addr public_;
	/* The batch's warming's hashes of an INIT's ports and destination
	 * (batch_warm.h), or NULL: handshake_init checks they are its. */
	const struct assoc_pair_hash *pair;
	/* With pair, the bucket of the port binding of public_ on
	 * pair->port_a (port_alloc_bucket), or PORT_ALLOC_NO_BUCKET. */
	uint32_t pair_bucket;
};

struct xlate_ctx {
	struct engine *e;
	struct engine_pkt *pkt;
	struct engine_verdict *v;
	enum engine_dir dir;
	uint64_t now;
	/*
	 * Filled by the parsers before anything reads them, so not cleared
	 * per packet: ip by ip_parse, src and dst from it, sv by
	 * sctp_parse_header (count[] and first_off[] only by
	 * sctp_parse_chunks, which every reader of them runs first).
	 */
	struct ip_view ip;
	struct sctp_view sv;
	struct nat_addr src, dst;
	/* engine_process clears from here up to asconf_ops. */
	struct assoc *a;
	/* The association the lookup matched by both ends, and the
	 * peers[] and locals[] entries it found (engine.c lookup_ends):
	 * the first binding of the packet's local address. */
	const struct assoc *hint_a;
	int8_t hint_peer, hint_local;

	/* The plan (phase 2), applied by xlate_commit (phase 3). */
	struct nat_addr new_src, new_dst;
	uint16_t new_sport, new_dport;
	int8_t local_idx;	/* locals[] entry of the inside side */
	int8_t peer_idx;	/* peers[] entry of the outside side */
	bool join_local;	/* outbound src joins the association */
	uint32_t new_chunk_len;	/* > 0: scratch replaces the first chunk */
	bool chunks_changed;	/* bytes inside chunks were rewritten */
	bool defer_peer_check;	/* INIT ACK / ASCONF may name a new source */
	/* The handshake candidate (assoc_cands) the packet belongs to, -1:
	 * the live tag pair; what it does to it (enum cand_op). */
	int8_t cand;
	uint8_t cand_op;
	bool cand_copy; /* CAND_ACK: a new pair from the INIT's */
	/* The end of the closed pair the association remembers as dead
	 * (engine.c, lookup_closed_pair): translated, changes nothing. */
	bool closed_pair;
	uint32_t cand_itag; /* CAND_ACK: the INIT ACK's Initiate Tag */
	/* Looking for the INIT ACK's candidate by its INIT's source only
	 * (handshake_cand_lookup). */
	bool cand_strict;
	uint8_t locals_before;	/* locals[] added by this packet start here */
	bool src_mapped;	/* src_map holds addr_map_inside of src */
	/*
	 * ASCONF / ASCONF-ACK, planned by asconf_plan, applied by
	 * asconf_commit.  The ops of the packet's ASCONF chunks become
	 * pending requests; an ASCONF-ACK applies those of a pending
	 * request it reports successful (RFC 5061 4.1 A7, 5.2).
	 */
	uint8_t n_asconf_ops;
	uint8_t n_asconf;		/* ASCONF chunks (at most 2 kept) */
	uint32_t asconf_serial[2];
	uint8_t n_asconf_acks;		/* ASCONF-ACK chunks that resolve */
	struct asconf_ack_plan {
		int32_t rec;		/* pending request they answer */
		uint16_t ok;		/* bit per op: reported successful */
	} asconf_acks[2];
	bool asconf_new_src;	/* outbound src bound only by its ASCONF */
	bool asconf_new_dst;	/* inbound dst: an Add IP this ACK confirms */
	/*
	 * Not cleared per packet (engine_process clears what precedes
	 * asconf_ops): each op is written whole as it is added, and DATA
	 * should not pay for zeroing 16 of them.
	 */
	struct asconf_op {
		uint16_t type;		/* SCTP_PARAM_ADD_IP / DEL_IP / ... */
		uint16_t addr_off;	/* address bytes, from sv.sctp; 0 none */
		uint32_t corr;		/* ASCONF-Request Correlation ID */
		uint8_t chunk;		/* index into asconf_serial[] */
		bool bind;		/* outbound Add IP: take a binding */
		bool rewrite;		/* write public_ over the address */
		int8_t uplink;		/* outbound: public_'s uplink */
		struct nat_addr addr;	/* as found (wildcard resolved) */
		struct nat_addr public_;	/* outbound: what the peer sees */
	} asconf_ops[16];
	/* Not cleared either: plan_join fills it whole before it sets
	 * join_local or asconf_new_src, and nothing reads it otherwise. */
	struct assoc_bind join;
	/* Not cleared either: addr_list_map_src, or the batch's warming of
	 * an INIT (engine_process_batch), fills it whole before src_mapped
	 * is set.  An INIT from inside needs it up to three times. */
	struct src_map src_map;
};

/* engine.c */
void engine_drop(struct xlate_ctx *x, enum drop_reason r);
/* The timeout of state s from conf: [timeouts] setup for the handshake's
 * states (and any other value), else the state's own. */
uint64_t engine_conf_timeout_ns(const struct engine_config *c,
				enum assoc_state s);
/* engine_conf_timeout_ns of the engine's conf, read from its table. */
static inline uint64_t engine_timeout_ns(const struct engine *e,
					 enum assoc_state s)
{
	return e->timeout_ns[(unsigned int)s < ASSOC__STATE_COUNT ?
				     s :
				     ASSOC_COOKIE_WAIT];
}
void engine_set_state(struct engine *e, struct assoc *a,
		      enum assoc_state s, uint64_t now);
/* ABORT / SHUTDOWN COMPLETE passed: count it and report DOWN (once). */
void engine_end_assoc(struct engine *e, struct assoc *a,
		      enum engine_event_reason why, uint64_t now);
/*
 * Give back ports, host count and slot.  An association not yet ended
 * (not CLOSED) is reported DOWN with `why` first.
 */
void engine_release_assoc(struct engine *e, struct assoc *a,
			  enum engine_event_reason why, uint64_t now);
void engine_fill_view(const struct engine *e, const struct assoc *a,
		      struct engine_assoc_view *v);
bool engine_assoc_allowed(const struct engine *e, const struct engine_config *c,
			  const struct assoc *a);
bool token_bucket_take(struct token_bucket *b, uint32_t rate,
		       uint32_t burst, uint64_t now_ns);

/* xlate.c: address checks, planning and committing a rewrite. */
enum drop_reason xlate_plan(struct xlate_ctx *x);
void xlate_commit(struct xlate_ctx *x);
void xlate_count(struct xlate_ctx *x);
int xlate_pick_public(const struct engine *e, const struct assoc *a,
		      const struct nat_addr *inside, int peer_idx);
/* The locals[] entry an inbound packet to public address pub goes to. */
int xlate_inbound_local(const struct engine *e, const struct assoc *a,
			const struct nat_addr *pub);
int8_t xlate_pin_uplink(const struct engine *e, const struct assoc *a,
			unsigned int peer_idx);
void xlate_add_peer(struct engine *e, struct assoc *a,
		    const struct nat_addr *addr);
void xlate_remove_local(struct engine *e, struct assoc *a, int i);

/*
 * Bindings (local_bind.c): the public address of a->locals[i] is an
 * entry of e->pubs the binding holds a reference on; these are
 * the only writers of a binding, and keep the references (a binding
 * moved within locals[] keeps its own).
 *   local_add:      append one (room already made, assoc_room_locals);
 *   local_remove:   drop locals[i], the later ones moving down;
 *   local_truncate: drop every binding from locals[n] on.
 * Port references (port_alloc.h) stay the callers' business.
 */
static inline const struct nat_addr *local_public(const struct engine *e,
						  const struct assoc_local *l)
{
	return &pub_table_get(&e->pubs, assoc_local_pub(l))->addr;
}

void local_add(struct engine *e, struct assoc *a, const struct nat_addr *inside,
	       const struct nat_addr *public_, int8_t uplink);
void local_remove(struct engine *e, struct assoc *a, int i);
void local_truncate(struct engine *e, struct assoc *a, int n);

/* handshake.c: INIT and INIT ACK in both directions. */
void handshake_init(struct xlate_ctx *x);
enum drop_reason handshake_init_ack(struct xlate_ctx *x);
void handshake_clear_prev_tags(struct engine *e, struct assoc *a);

/*
 * handshake_cand.c: handshake candidates (see the file's top comment).
 * lookup() finds the association and candidate a packet carrying no live
 * tag belongs to (x->cand, x->cand_op); plan() refuses an INIT ACK whose
 * tag another association already uses; commit() applies the op.
 */
enum cand_op {
	CAND_NONE = 0,
	CAND_PASS, /* translate, no change (ERROR) */
	CAND_ACK, /* INIT ACK: the other tag of the pair */
	CAND_SELECT, /* COOKIE ECHO: this pair */
	CAND_CONFIRM, /* the answer to the COOKIE ECHO: make it live */
	CAND_END, /* ABORT: forget the candidate */
};
bool handshake_assoc_live(const struct assoc *a);
/* Both ends disabled restart (natsupp 6.2): in the live association, or
 * in a handshake of one not yet live. */
bool handshake_no_restart(const struct engine *e, const struct assoc *a,
			  uint64_t now);
void handshake_cand_init(struct xlate_ctx *x, struct assoc *a, uint32_t itag,
			 const uint8_t *chunk);
bool handshake_cand_has_tag(const struct engine *e, const struct assoc *a,
			    uint32_t tag, bool inside, uint64_t now);
/* The same over nc candidates (assoc_cands, assoc_cands_n). */
bool handshake_cands_have_tag(const struct engine *e,
			      const struct assoc_cand *cands, int nc,
			      uint32_t tag, bool inside, uint64_t now);
/* A handshake of the inside host's own INIT is in progress. */
bool handshake_cand_outbound(const struct engine *e, const struct assoc *a,
			     uint64_t now);
struct assoc *handshake_cand_lookup(struct xlate_ctx *x);
bool handshake_cand_peer_ok(const struct xlate_ctx *x,
			    const struct nat_addr *peer);
enum drop_reason handshake_cand_plan(struct xlate_ctx *x);
void handshake_cand_commit(struct xlate_ctx *x);
void handshake_cand_view_tags(const struct engine *e, const struct assoc *a,
			      uint64_t now, uint32_t *tag_inside,
			      uint32_t *tag_peer);
uint8_t handshake_cand_view_dr(const struct engine *e, const struct assoc *a,
			       uint64_t now);
void handshake_cand_restore(const struct engine *e, struct assoc *a,
			    uint64_t now);
/* locals[i] is gone: the candidates' bits above it move down. */
void handshake_cand_local_gone(const struct engine *e, struct assoc *a, int i);
/* locals[i] joined by an Add IP: no answer that passed listed it. */
void handshake_cand_local_added(const struct engine *e, struct assoc *a, int i);
/* Pieces of a new association, shared with vtags_restore.c. */
struct assoc *handshake_new_assoc(struct xlate_ctx *x,
				  const struct nat_addr *host,
				  unsigned int locals);
int handshake_ref_new_locals(struct xlate_ctx *x);
/* pair: hashes of the new association's port pair and peer, or NULL
 * (assoc_link_all_h). */
void handshake_finish_new(struct xlate_ctx *x, const struct nat_addr *host,
			  const struct assoc_pair_hash *pair);
enum drop_reason handshake_port_check(struct xlate_ctx *x, uint16_t port,
				      uint32_t itag);

/*
 * forward_inside.c: which inside address of [forward] rule f a new
 * association arriving at public address pub goes to (an index: 0 the
 * first `inside` line); that address; whether an inside address is
 * usable (an address the rule does not name counts as usable).
 * bind_new() makes the bindings of a new association of rule f from the
 * INIT in x (no port references taken); join() those a retransmitted
 * INIT of its handshake needs at another public address (handshake.c).
 */
unsigned int forward_inside_pick(const struct engine *e, int f,
				 const struct nat_addr *pub);
const struct nat_addr *forward_inside_addr(const struct engine_forward *fw,
					   unsigned int k);
bool forward_inside_usable(const struct engine *e, int f,
			   const struct nat_addr *inside);
void forward_inside_bind_new(struct xlate_ctx *x, int f);
void forward_inside_join(struct xlate_ctx *x, uint32_t itag);

/*
 * vtags_restore.c: an outbound packet with no state carrying an ASCONF
 * with the natsupp VTags parameter.  Returns true when it set the
 * verdict (a collision answer or a drop); otherwise x->a is the rebuilt
 * association (or NULL: not such a packet) and translation goes on.
 */
bool vtags_restore(struct xlate_ctx *x);

/*
 * addr_list.c: the address parameters of an outbound INIT / INIT ACK.
 * collect() adds the inside addresses it lists (and, with proxy
 * multihoming, the other uplinks) to x->a->locals from x->locals_before
 * on, or with bind_listed false only the source, when it has none;
 * emit() writes the rewritten chunk into e->scratch, advertising only
 * bound addresses.
 */
enum drop_reason addr_list_collect(struct xlate_ctx *x, const uint8_t *chunk,
				   bool check_port, bool bind_listed);
enum drop_reason addr_list_emit(struct xlate_ctx *x, const uint8_t *chunk);
/* Bit i: the chunk (x->src's INIT / INIT ACK) leaves a->locals[i] out. */
uint32_t addr_list_left_out(const struct xlate_ctx *x, const struct assoc *a,
			     const uint8_t *chunk);
/* addr_map_inside() of the packet's source, worked out once a packet. */
int addr_list_map_src(struct xlate_ctx *x, struct nat_addr *pub,
		      int8_t *uplink);
/* How many bindings collect() gives a new association of the packet's
 * source whose INIT lists no other address, at most. */
unsigned int addr_list_src_bindings(struct xlate_ctx *x);

/*
 * assoc_event.c: report an association event to the callback, if any.
 * engine_event_up() also marks the association ASSOC_F_UP (with or
 * without a callback), so DOWN knows whether it ever came up.
 */
void engine_event_emit_up(struct engine *e, const struct assoc *a,
			  enum engine_event_reason why, uint64_t now);
/* Inline: with no callback (the engine alone, as its tests and
 * benchmarks run it; sctpalgd always sets one) an UP is one flag. */
static inline void engine_event_up(struct engine *e, struct assoc *a,
				   enum engine_event_reason why, uint64_t now)
{
	a->flags |= ASSOC_F_UP;
	if (e->event_fn)
		engine_event_emit_up(e, a, why, now);
}
void engine_event_down(struct engine *e, const struct assoc *a,
		       enum engine_event_reason why, uint64_t now);
void engine_event_moved(struct engine *e, const struct assoc *a,
			uint16_t moved_paths, unsigned int uplink, bool up);

/* assoc_state.c: state transitions from the chunks of a packet. */
void assoc_state_update(struct xlate_ctx *x);

/*
 * asconf.c: RFC 5061 address changes under the RFC 4895 AUTH rule, held
 * until the other endpoint's ASCONF-ACK accepts them.  The pending
 * requests live in a table of their own, sized from the config.
 */
int asconf_table_create(const struct engine_config *c,
			struct asconf_table **out);
void asconf_table_destroy(struct asconf_table *t);
enum drop_reason asconf_plan(struct xlate_ctx *x);
void asconf_commit(struct xlate_ctx *x);
/* Forget (and give back the bindings of) a's pending requests. */
void asconf_forget(struct engine *e, const struct assoc *a);
/* Forget pending requests whose time is up. */
void asconf_expire(struct engine *e, uint64_t now);

/* icmp_xlate.c */
void icmp_process(struct xlate_ctx *x);

/* ootb.c: natsupp Missing State reply. */
bool ootb_reply(struct xlate_ctx *x);

/*
 * mbit_reply.c: replace the packet with a natsupp M-bit `chunk_type`
 * (ABORT or ERROR) back to its sender, tag `vtag`, the T bit if `t_bit`
 * (the tag is reflected), one error cause quoting `quote`, counted under
 * `why`.  False (nothing written) when the shared rate limit says no or
 * the buffer is too small.
 */
bool mbit_reply(struct xlate_ctx *x, uint8_t chunk_type, uint32_t vtag,
		bool t_bit, uint16_t cause, const uint8_t *quote,
		uint32_t qlen, enum drop_reason why);

/*
 * natsupp_param.c: does an INIT / INIT ACK (or ASCONF) chunk carry
 * Disable Restart;
 * the tags of an ASCONF chunk's VTags parameter (false if none).
 */
bool natsupp_disable_restart(const uint8_t *init_chunk);
bool natsupp_asconf_disable_restart(const uint8_t *asconf_chunk);
bool natsupp_vtags(const uint8_t *asconf_chunk, uint32_t *tag_inside,
		   uint32_t *tag_peer);

/*
 * fast_entries.c: remember that a's fast-path entries may have changed;
 * a fingerprint of what they depend on, to notice a change made by a
 * packet; the sync before an established association expires.
 */
void engine_fast_mark(struct engine *e, struct assoc *a);
uint64_t engine_fast_print(const struct engine *e, const struct assoc *a);
bool engine_fast_sync_expiry(struct engine *e, struct assoc *a);
/* Fold what the fast path saw (before a DOWN event counts packets). */
void engine_fast_sync(struct engine *e, struct assoc *a);

/* ppid_filter.c */
enum drop_reason ppid_filter(const struct xlate_ctx *x);

#endif
