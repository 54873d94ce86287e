/*
 * handshake.c: INIT and INIT ACK, in both directions (RFC 9260 5.1, 5.2).
 *
 * Every INIT goes through here, whatever state exists (RFC 9260 5.2):
 *   - outbound INIT, no state: a new association (limits, public port,
 *     address list rewrite);
 *   - outbound INIT on an association of the same inside and peer
 *     endpoints: rewritten the same way; a retransmission (same Initiate
 *     Tag) refreshes no timer, so retransmissions cannot keep a dead
 *     entry alive;
 *   - inbound INIT on an existing association (a peer restart, crossed
 *     INITs, or a blind forgery from the peer's address): goes to the
 *     inside host, which answers or ABORTs it (5.2.2);
 *   - inbound INIT otherwise: only through a [forward] rule.
 * Nothing the box learns from one side becomes part of the mapping until
 * the other side has accepted it: an INIT's Initiate Tag and the INIT
 * ACKs answering it only make handshake candidates (handshake_cand.c),
 * which replace the live tags and peer addresses when the COOKIE ECHO /
 * COOKIE ACK exchange using them is seen.  Until then a live association
 * works unchanged; after its handshake an INIT ACK changes nothing.
 * The inside host's own addresses are bound at once, as every address
 * the box advertises must be.  State is only touched from an INIT whose
 * CRC32c verified.
 */
#include <errno.h>
#include <string.h>

#include "addr_map.h"
#include "crc32c.h"
#include "engine_impl.h"
#include "handshake_budget.h"
#include "sctp_wire.h"

/* How long the inside host's answer to the peer's INIT has to come back
 * before the mapping may expire (handshake_init). */
#define INIT_ANSWER_GRACE_NS NSEC_PER_SEC

static bool out_match(const struct assoc *a, void *arg)
{
	const struct xlate_ctx *x = arg;

	return assoc_find_local_inside(a, &x->src) >= 0 &&
	       assoc_find_peer(a, &x->dst) >= 0;
}

struct out_tag_arg {
	struct xlate_ctx *x;
	/* An association of the INIT's endpoints (out_match) was seen. */
	bool saw_endpoints;
};

/* The association this INIT is a retransmission for. */
static bool out_match_tag(const struct assoc *a, void *arg)
{
	struct out_tag_arg *ota = arg;
	const struct xlate_ctx *x = ota->x;
	uint32_t itag = sctp_get32(x->sv.sctp + SCTP_HDR_LEN +
				   SCTP_INIT_OFF_ITAG);

	if (!out_match(a, ota->x))
		return false;
	ota->saw_endpoints = true;
	return a->tag_inside == itag ||
	       handshake_cand_has_tag(x->e, a, itag, true, x->now);
}

static bool in_match(const struct assoc *a, void *arg)
{
	const struct xlate_ctx *x = arg;

	return assoc_find_local_public(&x->e->pubs, a, &x->dst) >= 0 &&
	       assoc_find_peer(a, &x->src) >= 0;
}

/*
 * A slot for a new association of `host`, with room for `locals`
 * bindings (assoc_alloc_for), once the table, per-host, rate and slot
 * limits (shared fairly under floods, handshake_budget.c) admit it; NULL
 * when refused, the packet dropped with the reason.
 */
struct assoc *handshake_new_assoc(struct xlate_ctx *x,
				  const struct nat_addr *host,
				  unsigned int locals)
{
	enum drop_reason r = hs_budget_admit(x, host);
	struct assoc *a = NULL;

	if (r == DROP_NONE &&
	    !(a = assoc_alloc_for(x->e->table, x->now, locals)))
		r = DROP_TABLE_FULL;
	if (r != DROP_NONE)
		engine_drop(x, r);
	return a;
}

/*
 * Take port references for the bindings this packet added; `buckets`,
 * if not NULL, holds each one's port_alloc_bucket (buckets[i] for
 * locals[i]).
 */
static int ref_new_locals(struct xlate_ctx *x, const uint32_t *buckets)
{
	struct assoc *a = x->a;
	const struct nat_addr *owner = &a->locals[0].inside;

	for (int i = x->locals_before; i < a->n_locals; i++) {
		const struct nat_addr *pub = local_public(x->e, &a->locals[i]);
		uint32_t bucket = buckets ? buckets[i] :
					    port_alloc_bucket(x->e->ports, pub,
							      a->port_public);

		if (port_alloc_ref_at(x->e->ports, bucket, pub, a->port_public,
				      owner, a->port_inside)) {
			while (--i >= x->locals_before)
				port_alloc_unref(x->e->ports,
						 local_public(x->e,
							      &a->locals[i]),
						 a->port_public);
			return -EADDRINUSE;
		}
	}
	/* New uplinks may change which uplink each peer address uses. */
	for (unsigned int i = 0; i < a->n_peers; i++)
		a->peers[i].uplink = xlate_pin_uplink(x->e, a, i);
	return 0;
}

int handshake_ref_new_locals(struct xlate_ctx *x)
{
	return ref_new_locals(x, NULL);
}

static void plan_outbound_addrs(struct xlate_ctx *x)
{
	struct assoc *a = x->a;
	int li;

	x->peer_idx = (int8_t)assoc_find_peer(a, &x->dst);
	li = xlate_pick_public(x->e, a, &x->src, x->peer_idx);
	x->local_idx = (int8_t)li;
	x->new_src = *local_public(x->e, &a->locals[li]);
	x->v->uplink = a->locals[li].uplink;
	x->new_dst = x->dst;
	x->new_sport = a->port_public;
	x->new_dport = x->sv.dport;
}

static void plan_inbound_addrs(struct xlate_ctx *x)
{
	struct assoc *a = x->a;
	int li = xlate_inbound_local(x->e, a, &x->dst);

	x->local_idx = (int8_t)li;
	x->peer_idx = (int8_t)assoc_find_peer(a, &x->src);
	x->new_src = x->src;
	x->new_sport = x->sv.sport;
	x->new_dst = a->locals[li].inside;
	x->new_dport = a->port_inside;
}

struct conflict_arg {
	struct xlate_ctx *x;
	struct assoc *self;
	uint32_t itag;		/* the inside host's tag */
	bool no_restart;	/* the INIT carries Disable Restart */
	/* A port whose buckets the caller has started loading already. */
	uint16_t warmed_port;
	/* The hashes of (pair->port_a, peer port) and the peer, or NULL. */
	const struct assoc_pair_hash *pair;
	/* Why free ports were refused (natsupp collision causes). */
	bool saw_transport, saw_vtag;
};

/* Another association o already uses this transport address pair. */
static bool transport_taken(const struct assoc *o, void *arg)
{
	const struct conflict_arg *ca = arg;

	/*
	 * Both ends of o disabled restart and so does this INIT: the peer
	 * tells the two associations apart by their tags, not as a restart
	 * (draft-ietf-tsvwg-natsupp-23 6.2.1, 6.2.2).
	 */
	if (ca->no_restart && handshake_no_restart(ca->x->e, o, ca->x->now))
		return false;
	return assoc_shares_transport(&ca->x->e->pubs, o, ca->self,
				      &ca->x->dst);
}

/* A handshake of another association offers the same inside tag. */
static bool cand_tag_taken(const struct assoc *o,
			   const struct assoc_cand *cands, int nc, void *arg)
{
	const struct conflict_arg *ca = arg;

	return o != ca->self &&
	       handshake_cands_have_tag(ca->x->e, cands, nc, ca->itag, true,
					ca->x->now);
}

/*
 * No two live associations may show the same public transport address to
 * the same peer transport address (port_alloc.h): the peer could not tell them
 * apart.  Nor may two share (public port, peer port, inside tag), the key
 * the peer's packets are found by: that is natsupp's "VTag and Port
 * Number Collision" (draft-ietf-tsvwg-natsupp-23 6.3), which a NAPT can
 * avoid by choosing another public port.  What was refused is noted so
 * that, when no port is left, the host is told which cause applies.
 * Only associations with the peer address can share its transport
 * address, and only those with candidates have a candidate's tag: the
 * table's indexes find them without walking the port's chain.
 * Inlined into port_alloc_pick, itself inlined into init_outbound_new:
 * a call through the pointer cost every INIT its saved registers.
 */
static inline __attribute__((always_inline)) bool port_conflict(uint16_t port,
								void *arg)
{
	struct conflict_arg *ca = arg;
	const struct assoc_table *t = ca->x->e->table;
	uint16_t peer = ca->x->sv.dport;

	const struct assoc_pair_hash *h =
		ca->pair && ca->pair->port_a == port ? ca->pair : NULL;
	bool h_tag = h && h->tag == ca->itag;

	if (port != ca->warmed_port)
		assoc_prefetch_ports(t, ASSOC_KEY_IN_PORTS, port, peer,
				     &ca->x->dst, ca->itag);
	if (h ? assoc_any_peer_h(t, ASSOC_KEY_IN_PORTS, h, transport_taken,
				 ca) :
		assoc_any_peer(t, ASSOC_KEY_IN_PORTS, port, peer, &ca->x->dst,
			       transport_taken, ca)) {
		ca->saw_transport = true;
		return true;
	}
	if ((h ? assoc_any_cands_of_h(t, ASSOC_KEY_IN_PORTS, h, cand_tag_taken,
				      ca) :
		 assoc_any_cands_of(t, ASSOC_KEY_IN_PORTS, port, peer,
				    cand_tag_taken, ca)) ||
	    (h_tag ? assoc_lookup_in_tag_h(t, h) :
		     assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, port, peer,
				      ca->itag)) ||
	    assoc_lookup_tag(t, ASSOC_KEY_IN_PREV, port, peer, ca->itag)) {
		ca->saw_vtag = true;
		return true;
	}
	return false;
}

void handshake_finish_new(struct xlate_ctx *x, const struct nat_addr *host,
			  const struct assoc_pair_hash *pair)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;

	assoc_link_all_h(e->table, a, pair);
	assoc_host_add(e->table, host);
	a->flags |= ASSOC_F_HANDSHAKE;
	e->stats.handshakes_live++;
	e->stats.assocs_created++;
	e->stats.assocs_live = assoc_table_live(e->table);
	engine_set_state(e, a, ASSOC_COOKIE_WAIT, x->now);
}

static void abandon_new(struct xlate_ctx *x, enum drop_reason r)
{
	/* No port references were taken. */
	local_truncate(x->e, x->a, 0);
	assoc_free(x->e->table, x->a);
	x->a = NULL;
	engine_drop(x, r);
}

/*
 * Can an association of x's inside endpoint (locals already collected in
 * x->a) toward x's peer port use exactly `port` with inside tag itag?
 * DROP_NONE, or which natsupp collision it would be.
 */
enum drop_reason handshake_port_check(struct xlate_ctx *x, uint16_t port,
				      uint32_t itag)
{
	const struct assoc *a = x->a;
	struct conflict_arg ca = {
		.x = x, .self = x->a, .itag = itag,
		.no_restart = (a->flags & ASSOC_F_NO_RESTART) ==
			      ASSOC_F_NO_RESTART,
	};

	for (int i = 0; i < a->n_locals; i++)
		if (!port_alloc_can_ref(x->e->ports,
					local_public(x->e, &a->locals[i]), port,
					&a->locals[0].inside, a->port_inside))
			return DROP_PORT_COLLISION;
	if (port_conflict(port, &ca))
		return ca.saw_vtag ? DROP_VTAG_PORT_COLLISION :
				     DROP_PORT_COLLISION;
	return DROP_NONE;
}

/*
 * No public port for this INIT because of live associations: tell the
 * host (draft-ietf-tsvwg-natsupp-23 6.2.1, 6.3.1) with an ABORT with the
 * M bit and the INIT chunk quoted (5.2.1, 5.2.3); tag and T bit as for
 * any ABORT answering an INIT (RFC 9260 8.4 item 3): the Initiate Tag, T
 * bit clear, which is what a host in COOKIE-WAIT accepts (8.5.1 B).  So
 * it retries with a new tag (0x00B0) or another port (0x00B2)
 * instead of timing out.  A stack without natsupp ignores the M bit and
 * takes it as an ABORT of its association attempt, which is what
 * happened anyway.  Rate-limited with the Missing State answers.
 */
static void abandon_collision(struct xlate_ctx *x, const uint8_t *chunk,
			      uint32_t itag, bool vtag)
{
	enum drop_reason r = vtag ? DROP_VTAG_PORT_COLLISION :
				    DROP_PORT_COLLISION;

	/* No port references were taken. */
	local_truncate(x->e, x->a, 0);
	assoc_free(x->e->table, x->a);
	x->a = NULL;
	if (!mbit_reply(x, SCTP_CID_ABORT, itag, false,
			vtag ? SCTP_CAUSE_VTAG_PORT_COLLISION :
			       SCTP_CAUSE_PORT_COLLISION,
			chunk, x->sv.len - SCTP_HDR_LEN, r))
		engine_drop(x, r);
}

/*
 * `sibling`: a live association of the same endpoints with restart
 * disabled on both ends, whose public port this one shares.  `pair`: the
 * hashes of (the INIT's source port, its destination port) and its
 * destination.
 */
static void init_outbound_new(struct xlate_ctx *x, const uint8_t *chunk,
			      uint32_t itag, const struct assoc *sibling,
			      const struct assoc_pair_hash *pair)
{
	struct engine *e = x->e;
	const struct engine_config *c = &e->conf;
	const struct nat_addr *pubs[ENGINE_ADDRS_MAX * 2];
	struct nat_addr probe;
	/* The port bindings' buckets: of pubs[k] for the preferred port
	 * where known, then for the port picked (port_alloc_pick), then of
	 * each local's public address (ref_new_locals). */
	uint32_t pub_buckets[ENGINE_ADDRS_MAX * 2];
	uint32_t local_buckets[ENGINE_ADDRS_MAX * 2];
	uint8_t pub_of[ENGINE_ADDRS_MAX * 2];
	struct conflict_arg ca = {
		.x = x,
		.itag = itag,
		.no_restart = natsupp_disable_restart(chunk),
		.pair = pair,
	};
	uint16_t preferred = c->port_preserve ? x->sv.sport : 0;
	unsigned int n = 0;
	enum drop_reason r;
	int8_t up;
	int port, err;
	struct assoc *a;

	err = addr_list_map_src(x, &probe, &up);
	if (err) {
		engine_drop(x, err == -ENOENT ? DROP_INSIDE_ADDR_UNKNOWN :
						DROP_NO_MAPPING);
		return;
	}
	a = handshake_new_assoc(x, &x->src, addr_list_src_bindings(x));
	if (!a)
		return;
	x->a = ca.self = a;
	a->port_inside = x->sv.sport;
	a->port_peer = x->sv.dport;
	if (sibling)
		preferred = sibling->port_public;
	r = addr_list_collect(x, chunk, false, true);
	if (r != DROP_NONE) {
		abandon_new(x, r);
		return;
	}
	for (int i = 0; i < a->n_locals; i++) {
		int first = assoc_first_same_public(a, i);

		if (first == i) {
			pub_of[i] = (uint8_t)n;
			pub_buckets[n] = PORT_ALLOC_NO_BUCKET;
			pubs[n++] = local_public(e, &a->locals[i]);
		} else {
			pub_of[i] = pub_of[first];
		}
	}
	/*
	 * Keeping its port, the source's binding was warmed for it
	 * (batch_warm.h): its bucket saves hashing it again.  Taken only
	 * with the hashes handshake_init took as this INIT's (of its
	 * source port), and for the address it was worked out for.
	 */
	if (n && x->src_map.pair == pair && preferred == pair->port_a &&
	    nat_addr_eq(pubs[0], &x->src_map.public_))
		pub_buckets[0] = x->src_map.pair_bucket;
	/* Its buckets load while the port bindings are looked at: the
	 * batch's warming (batch_warm.c) loaded the INIT's own port's, but
	 * the chunk's other packets may have pushed them out to L2 since. */
	if (preferred == pair->port_a)
		assoc_prefetch_ports_h(e->table, ASSOC_KEY_IN_PORTS, pair,
				       itag);
	else if (preferred)
		assoc_prefetch_ports(e->table, ASSOC_KEY_IN_PORTS, preferred,
				     x->sv.dport, &x->dst, itag);
	ca.warmed_port = preferred;
	port = port_alloc_pick(e->ports, pubs, n, &x->src, x->sv.sport,
			       c->port_min, c->port_max, preferred, &e->rng,
			       port_conflict, &ca, pub_buckets);
	if (port < 0 && (ca.saw_vtag || ca.saw_transport)) {
		/* A new tag would have fitted: say so first. */
		abandon_collision(x, chunk, itag, ca.saw_vtag);
		return;
	}
	if (port < 0) {
		abandon_new(x, DROP_PORTS_EXHAUSTED);
		return;
	}
	a->port_public = (uint16_t)port;
	r = addr_list_emit(x, chunk);
	if (r != DROP_NONE) {
		abandon_new(x, r);
		return;
	}
	/* References first: with no peer yet, the peer is pinned to its
	 * uplink once, by xlate_add_peer, over the complete bindings. */
	for (int i = 0; i < a->n_locals; i++)
		local_buckets[i] = pub_buckets[pub_of[i]];
	if (ref_new_locals(x, local_buckets)) {
		abandon_new(x, DROP_PORTS_EXHAUSTED);
		return;
	}
	xlate_add_peer(e, a, &x->dst);
	handshake_finish_new(x, &x->src, pair);
	handshake_cand_init(x, a, itag, chunk);
	plan_outbound_addrs(x);
	xlate_commit(x);
	xlate_count(x);
}

static void init_outbound_existing(struct xlate_ctx *x, const uint8_t *chunk,
				   uint32_t itag)
{
	struct assoc *a = x->a;
	enum drop_reason r;

	r = addr_list_collect(x, chunk, true, true);
	if (r == DROP_NONE)
		r = addr_list_emit(x, chunk);
	if (r == DROP_NONE && handshake_ref_new_locals(x))
		r = DROP_PORTS_EXHAUSTED;
	if (r != DROP_NONE) {
		local_truncate(x->e, a, x->locals_before);
		engine_drop(x, r);
		return;
	}
	/*
	 * A new attempt of a handshake that never completed starts the
	 * setup timer again; a restart of a live association waits aside
	 * (handshake_cand.c) and changes nothing until it completes.
	 */
	if (!handshake_assoc_live(a) &&
	    !handshake_cand_has_tag(x->e, a, itag, true, x->now))
		engine_set_state(x->e, a, ASSOC_COOKIE_WAIT, x->now);
	handshake_cand_init(x, a, itag, chunk);
	plan_outbound_addrs(x);
	xlate_commit(x);
	xlate_count(x);
}

static void init_inbound_forward(struct xlate_ctx *x, const uint8_t *chunk,
				 uint32_t itag)
{
	struct engine *e = x->e;
	const struct engine_forward *fw;
	struct assoc *a;
	int f;

	f = addr_map_forward(&e->conf, &x->dst, x->sv.dport);
	if (f < 0) {
		engine_drop(x, DROP_NO_FORWARD_RULE);
		return;
	}
	fw = &e->conf.forwards[f];
	a = handshake_new_assoc(x, &fw->inside_addr, 1);
	if (!a)
		return;
	x->a = a;
	a->flags = ASSOC_F_INBOUND;
	a->forward = (int8_t)f;
	a->port_inside = fw->inside_port;
	a->port_public = fw->public_port;
	a->port_peer = x->sv.sport;
	x->locals_before = 0;
	forward_inside_bind_new(x, f);
	if (handshake_ref_new_locals(x)) {
		abandon_new(x, DROP_PORTS_EXHAUSTED);
		return;
	}
	/* The INIT's source; what it lists waits with the candidate. */
	xlate_add_peer(e, a, &x->src);
	handshake_finish_new(x, &fw->inside_addr, NULL);
	handshake_cand_init(x, a, itag, chunk);
	plan_inbound_addrs(x);
	xlate_commit(x);
	xlate_count(x);
}

/*
 * The peer has acknowledged the inside host's SHUTDOWN (RFC 9260 9.2):
 * it is in SHUTDOWN-ACK-SENT, where it discards an INIT and sends none,
 * or closed.  An INIT from its address is then no restart of this
 * association: it is the peer's new association, or a blind forgery,
 * and the inside host, closed or reconnecting from the same port (its
 * SHUTDOWN COMPLETE lost before the box), would take it for one of its
 * own.  Like an INIT to a closed association it needs a [forward] rule
 * -- unless the inside host's own INIT is already on this mapping: then
 * it is an INIT collision of that new handshake (5.2.1) and goes in as
 * one.
 */
static bool peer_shut_down(const struct xlate_ctx *x)
{
	const struct assoc *a = x->a;

	return a->state == ASSOC_SHUTDOWN &&
	       (a->flags & ASSOC_F_PEER_SHUT_ACK) &&
	       !handshake_cand_outbound(x->e, a, x->now);
}

/*
 * The new association on a closed one's mapping remembers the closed
 * one's pair as a completed restart remembers the pair it replaced
 * (assoc_tag_gone): late copies of the closed one's handshake must not
 * set the mapping up again.  Its INIT copies then take no candidate, so
 * the peer's answers to them and their COOKIE ECHO find none; a copy of
 * that COOKIE ECHO passing would set the closed association up again at
 * a peer that is listening (RFC 9260 5.1 D), alone.
 */
static void remember_closed_pair(struct xlate_ctx *x, const uint32_t gone[2])
{
	if (x->a && (gone[0] || gone[1]))
		assoc_set_gone_tags(x->e->table, x->a, ASSOC_GONE_REPLACED,
				    gone[0], gone[1]);
}

void handshake_init(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	uint32_t gone[2] = { 0, 0 }; /* a released closed association's */
	/* The port pair hashes of an INIT from inside: the batch's
	 * warming's (batch_warm.h) if they are of its ports, destination
	 * and tag, else its own. */
	struct assoc_pair_hash own;
	const struct assoc_pair_hash *pair = &own;
	const uint8_t *chunk;
	enum drop_reason r;
	uint32_t itag;

	r = sctp_parse_chunks(&x->sv, e->conf.max_chunks);
	if (r == DROP_NONE && !sctp_csum_verify(x->sv.sctp, x->sv.len))
		r = DROP_BAD_CHECKSUM;
	if (r != DROP_NONE) {
		engine_drop(x, r);
		return;
	}
	chunk = x->sv.sctp + SCTP_HDR_LEN;
	itag = sctp_get32(chunk + SCTP_INIT_OFF_ITAG);

	if (x->dir == ENGINE_OUTBOUND) {
		struct out_tag_arg ota = { .x = x };

		const struct assoc_pair_hash *warm =
			x->src_mapped ? x->src_map.pair : NULL;

		if (warm && warm->port_a == x->sv.sport &&
		    warm->port_b == x->sv.dport && warm->tag == itag &&
		    nat_addr_eq(&warm->peer, &x->dst))
			pair = warm;
		else
			assoc_pair_hash(e->table, x->sv.sport, x->sv.dport,
					&x->dst, itag, &own);
		/* A retransmission first: with restart disabled, one
		 * endpoint pair may have several associations.  The walk
		 * asks about every association on the chain, so when none
		 * had the INIT's endpoints a second would find none. */
		x->a = assoc_lookup_peer_h(e->table, ASSOC_KEY_OUT_PORTS, pair,
					   out_match_tag, &ota);
		if (!x->a && ota.saw_endpoints)
			x->a = assoc_lookup_peer_h(e->table,
						   ASSOC_KEY_OUT_PORTS, pair,
						   out_match, x);
	} else {
		x->a = assoc_lookup_peer(e->table, ASSOC_KEY_IN_PORTS,
					 x->sv.dport, x->sv.sport, &x->src,
					 in_match, x);
	}
	/*
	 * A closed association's endpoints start afresh.  It lingers so
	 * that stray packets of its close still translate (a SHUTDOWN
	 * COMPLETE the peer retransmits its SHUTDOWN ACK for, RFC 9260
	 * 9.2): an inbound INIT no forward rule takes, perhaps a blind one
	 * from the peer's address, is dropped without ending that.  So is
	 * one reaching a mapping the peer has acknowledged the shutdown of
	 * (peer_shut_down()), which still translates its close.
	 */
	if (x->a && x->dir == ENGINE_INBOUND &&
	    (x->a->state == ASSOC_CLOSED || peer_shut_down(x)) &&
	    addr_map_forward(&e->conf, &x->dst, x->sv.dport) < 0) {
		x->a = NULL;
		engine_drop(x, DROP_NO_FORWARD_RULE);
		return;
	}
	/*
	 * A copy of the INIT that set up the closed association, late from
	 * the network, is not a new attempt: its sender left COOKIE-WAIT
	 * with that tag for good when the association came up (RFC 9260
	 * 5.1: only COOKIE-WAIT retransmits the INIT), and a new attempt
	 * draws a new tag.  Taken as new, it would hold the mapping in a
	 * handshake nobody is making, which lets an INIT from the peer's
	 * address in as a collision (5.2.1) while the inside host is not
	 * even trying.  Before the association came up (the peer's ABORT
	 * lost after the box), the same tag may be a genuine retransmission
	 * and starts afresh: the tags were still its candidate's then, and
	 * the association's own are 0, which no INIT carries (5.1 A).  So
	 * is a copy of the INIT of a pair the closed one remembers as dead
	 * (assoc_tag_gone: one a restart replaced, 5.2.4 A): its release
	 * would forget that pair, and the late answer and COOKIE ECHO of it
	 * would set it up again at a listening peer (5.1 D).
	 */
	if (x->a && x->a->state == ASSOC_CLOSED &&
	    (itag == (x->dir == ENGINE_OUTBOUND ? x->a->tag_inside :
						  x->a->tag_peer) ||
	     assoc_tag_gone(e->table, x->a, itag, x->dir == ENGINE_OUTBOUND))) {
		x->a = NULL;
		engine_drop(x, DROP_INIT_LATE);
		return;
	}
	/*
	 * Unless the inside host's new attempt is already on it: its INIT
	 * passed before the old association's close did (the inside host
	 * reconnecting from the same port, the SHUTDOWN COMPLETE of the old
	 * one late), and the answers to it live in its candidate only.
	 * Releasing the mapping on the INIT's retransmission would forget
	 * the tag the peer answered with, and the COOKIE ECHO naming it
	 * would find nothing (RFC 9260 5.1: the INIT is retransmitted until
	 * an INIT ACK arrives, and the network may deliver a copy after it).
	 */
	if (x->a && x->a->state == ASSOC_CLOSED &&
	    !(x->dir == ENGINE_OUTBOUND &&
	      handshake_cand_has_tag(e, x->a, itag, true, x->now))) {
		if (x->a->flags & ASSOC_F_UP) {
			gone[0] = x->a->tag_inside;
			gone[1] = x->a->tag_peer;
		}
		/* Its DOWN was reported when it closed. */
		engine_release_assoc(e, x->a, ENGINE_EVR_NEW, x->now);
		x->a = NULL;
	}

	if (x->dir == ENGINE_OUTBOUND) {
		/*
		 * A new tag on a live association whose ends both disabled
		 * restart, from an INIT that disables it too, is not a
		 * restart: the peer will keep the old association and set
		 * up a second one (draft-ietf-tsvwg-natsupp-23 6.2.2), so
		 * the ALG does the same instead of replacing the tags.
		 */
		if (x->a && itag != x->a->tag_inside &&
		    !handshake_cand_has_tag(e, x->a, itag, true, x->now) &&
		    handshake_no_restart(e, x->a, x->now) &&
		    natsupp_disable_restart(chunk))
			init_outbound_new(x, chunk, itag, x->a, pair);
		else if (x->a)
			init_outbound_existing(x, chunk, itag);
		else
			init_outbound_new(x, chunk, itag, NULL, pair);
		remember_closed_pair(x, gone);
		return;
	}
	if (!x->a) {
		init_inbound_forward(x, chunk, itag);
		remember_closed_pair(x, gone);
		return;
	}
	/*
	 * A handshake past its setup timeout is over, though the tick that
	 * releases it may not have run yet: an INIT finding it, a blind one
	 * as readily as the peer's, must not take it back (nor keep it for
	 * a second more, below).  Dropped as for no association; the
	 * peer's next copy finds the port free.
	 */
	if ((x->a->state == ASSOC_COOKIE_WAIT ||
	     x->a->state == ASSOC_COOKIE_ECHOED) &&
	    x->a->expires <= x->now) {
		x->a = NULL;
		engine_drop(x, DROP_OUT_OF_THE_BLUE);
		return;
	}
	/*
	 * The peer restarts, our INITs crossed (RFC 9260 5.2), or someone
	 * who knows the addresses and ports but no tag sends an INIT: the
	 * inside host tells (it answers or ABORTs, 5.2.2), so it goes in,
	 * but its tag and addresses wait aside as a candidate.  During a
	 * handshake too: an INIT then is an INIT collision candidate (RFC
	 * 9260 5.2.1, 5.2.4), which must not take the association back
	 * from COOKIE-ECHOED, nor restart its setup timer, before the
	 * other side accepted it.
	 */
	forward_inside_join(x, itag);
	handshake_cand_init(x, x->a, itag, chunk);
	plan_inbound_addrs(x);
	xlate_commit(x);
	xlate_count(x);
	/*
	 * Its answer must still find the mapping: the inside host's answer
	 * starts the setup timer again (handshake_cand_commit), and the
	 * host answers at once (RFC 9260 5.1), but an INIT passing in the
	 * timer's last moments would see the mapping expire before the
	 * answer came back.  A second for it, no more: the answer starts
	 * the timer itself, and an INIT the inside host leaves unanswered
	 * (it ABORTs, or is gone) keeps the mapping no longer than that.
	 * A blind INIT the host answers keeps the handshake as that answer
	 * would anyway; how many such mappings a host holds is its
	 * handshake budget's (handshake_budget.c).
	 */
	if (x->v->action == ENGINE_FORWARD &&
	    (x->a->state == ASSOC_COOKIE_WAIT ||
	     x->a->state == ASSOC_COOKIE_ECHOED) &&
	    x->a->expires < x->now + INIT_ANSWER_GRACE_NS)
		assoc_set_expiry(e->table, x->a, x->now + INIT_ANSWER_GRACE_NS);
}

/*
 * An INIT ACK answering a handshake candidate (handshake_cand.c found
 * it, and refused a tag that would collide).  The peer's addresses go
 * to the candidate at commit; the inside host's are rewritten here and
 * bound now, as every advertised address must be (addr_list.c).
 *
 * On a live association the INIT it answers may be a blind forgery (a
 * restart or collision candidate, RFC 9260 5.2): the inside host
 * answers every INIT (5.2.2), and a binding made for its answer would
 * change the live mapping before the peer's COOKIE ECHO accepted
 * anything.  So it binds no inside address the association does not
 * have: an address it lists without a binding is left out of the list
 * the peer gets, which costs a genuine restart only that address
 * (packets from it are then unadvertised, as xlate.c tells, and an
 * ASCONF of the host can add it).
 */
enum drop_reason handshake_init_ack(struct xlate_ctx *x)
{
	const uint8_t *chunk = x->sv.sctp + SCTP_HDR_LEN;
	struct assoc *a = x->a;
	enum drop_reason r;

	r = handshake_cand_plan(x);
	if (r != DROP_NONE || x->dir == ENGINE_INBOUND)
		return r;
	r = addr_list_collect(x, chunk, true, !handshake_assoc_live(a));
	if (r == DROP_NONE)
		r = addr_list_emit(x, chunk);
	if (r == DROP_NONE && handshake_ref_new_locals(x))
		r = DROP_PORTS_EXHAUSTED;
	if (r != DROP_NONE) {
		local_truncate(x->e, a, x->locals_before);
		return r;
	}
	x->join_local = false; /* collect bound the source already */
	plan_outbound_addrs(x);
	return DROP_NONE;
}

void handshake_clear_prev_tags(struct engine *e, struct assoc *a)
{
	assoc_unlink(e->table, a, ASSOC_KEY_IN_PREV);
	assoc_unlink(e->table, a, ASSOC_KEY_OUT_PREV);
	assoc_set_prev_tags(e->table, a, 0, 0);
}
