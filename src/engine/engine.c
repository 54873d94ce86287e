/*
 * engine.c: the engine's entry points -- creation, the per-packet
 * dispatch, timers, uplink state, reconfiguration and the read-only views
 * sctpalgctl shows.  The translation itself lives in the files named for
 * what they rewrite (handshake.c, addr_list.c, asconf.c, icmp_xlate.c...).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "addr_map.h"
#include "batch_warm.h"
#include "crc32c.h"
#include "engine_impl.h"
#include "handshake_budget.h"
#include "sctp_wire.h"

static const char *const state_names[ASSOC__STATE_COUNT] = {
	[ASSOC_COOKIE_WAIT] = "COOKIE-WAIT",
	[ASSOC_COOKIE_ECHOED] = "COOKIE-ECHOED",
	[ASSOC_ESTABLISHED] = "ESTABLISHED",
	[ASSOC_SHUTDOWN] = "SHUTDOWN",
	[ASSOC_CLOSED] = "CLOSED",
};

const char *assoc_state_name(enum assoc_state s)
{
	return (unsigned int)s < ASSOC__STATE_COUNT ? state_names[s] : "?";
}

uint64_t engine_conf_timeout_ns(const struct engine_config *c,
				enum assoc_state s)
{
	uint32_t secs;

	switch (s) {
	case ASSOC_ESTABLISHED:
		secs = c->timeout_established;
		break;
	case ASSOC_SHUTDOWN:
		secs = c->timeout_shutdown;
		break;
	case ASSOC_CLOSED:
		secs = c->timeout_closed;
		break;
	default:
		secs = c->timeout_setup;
		break;
	}
	return (uint64_t)secs * NSEC_PER_SEC;
}

/* engine_timeout_ns's table, after conf changed. */
static void cache_timeouts(struct engine *e)
{
	for (unsigned int s = 0; s < ASSOC__STATE_COUNT; s++)
		e->timeout_ns[s] =
			engine_conf_timeout_ns(&e->conf, (enum assoc_state)s);
}

/* What every change of state ends with: the fast entries of one going
 * into or out of ESTABLISHED, the state, the timer. */
static inline void state_and_timer(struct engine *e, struct assoc *a,
				   enum assoc_state s, uint64_t now)
{
	if (a->state != s &&
	    (a->state == ASSOC_ESTABLISHED || s == ASSOC_ESTABLISHED))
		engine_fast_mark(e, a);
	a->state = (uint8_t)s;
	assoc_set_expiry(e->table, a, now + engine_timeout_ns(e, s));
}

/*
 * A state below ESTABLISHED of an association in its handshake: the
 * budget tracks it (hs_budget_track takes it in at the first such state
 * and finds it there after).  The tracking is inlined here, and the
 * registers it takes are saved here alone: not on a DATA refresh, nor
 * at the handshake's end.
 */
static __attribute__((noinline)) void handshake_state(struct engine *e,
						      struct assoc *a,
						      enum assoc_state s,
						      uint64_t now)
{
	hs_budget_track(e, a, now);
	state_and_timer(e, a, s, now);
}

/* Any other change: the end of a handshake leaves the budget. */
static __attribute__((noinline)) void change_state(struct engine *e,
						   struct assoc *a,
						   enum assoc_state s,
						   uint64_t now)
{
	if (a->flags & ASSOC_F_HANDSHAKE) {
		a->flags &= (uint8_t)~ASSOC_F_HANDSHAKE;
		e->stats.handshakes_live--;
		hs_budget_untrack(e, a);
	}
	state_and_timer(e, a, s, now);
}

void engine_set_state(struct engine *e, struct assoc *a, enum assoc_state s,
		      uint64_t now)
{
	if (a->flags & ASSOC_F_HANDSHAKE) {
		if (s < ASSOC_ESTABLISHED)
			handshake_state(e, a, s, now);
		else
			change_state(e, a, s, now);
	} else if (a->state != s) {
		change_state(e, a, s, now);
	} else {
		/* The common case, DATA refreshing an established
		 * association. */
		assoc_set_expiry(e->table, a, now + engine_timeout_ns(e, s));
	}
}

void engine_end_assoc(struct engine *e, struct assoc *a,
		      enum engine_event_reason why, uint64_t now)
{
	if (a->state == ASSOC_CLOSED)
		return;
	e->stats.assocs_ended++;
	engine_fast_sync(e, a);
	engine_event_down(e, a, why, now);
}

static const char *const adc_names[ENGINE_ADC__COUNT] = {
#define ENGINE_ADC_NAME(n, s) [ENGINE_ADC_##n] = s,
	ENGINE_ASSOC_DROP_CLASSES(ENGINE_ADC_NAME)
#undef ENGINE_ADC_NAME
};

const char *engine_assoc_drop_class_name(enum engine_assoc_drop_class c)
{
	return (unsigned int)c < ENGINE_ADC__COUNT ? adc_names[c] : "?";
}

enum engine_assoc_drop_class engine_assoc_drop_class(enum drop_reason r)
{
	switch (r) {
	case DROP_VTAG_MISMATCH:
	case DROP_INIT_BAD_VTAG:
	case DROP_VTAG_PORT_COLLISION:
		return ENGINE_ADC_VTAG;
	case DROP_PEER_ADDR_UNKNOWN:
	case DROP_INSIDE_ADDR_UNKNOWN:
	case DROP_TOO_MANY_ADDRS:
	case DROP_ASCONF_AUTH_PRIVATE:
	case DROP_ASCONF_BAD:
	case DROP_HOST_NAME_ADDR:
		return ENGINE_ADC_ADDRESS;
	case DROP_PPID_DENIED:
	case DROP_MUST_STAND_ALONE:
		return ENGINE_ADC_POLICY;
	default:
		return ENGINE_ADC_OTHER;
	}
}

_Static_assert(ASSOC_DROP_CLASSES == ENGINE_ADC__COUNT,
	       "the table keeps one counter per class");

/* Counts a drop on the association the packet was matched to. */
static void engine_drop_on(struct assoc_table *t, struct assoc *a,
			   enum drop_reason r)
{
	uint32_t *n = &assoc_drops_w(t, a)[engine_assoc_drop_class(r)];

	if (*n != UINT32_MAX)
		(*n)++;
}

void engine_drop(struct xlate_ctx *x, enum drop_reason r)
{
	if (x->a && x->a->in_use)
		engine_drop_on(x->e->table, x->a, r);
	x->v->action = ENGINE_DROP;
	x->v->reason = (uint8_t)r;
	x->v->len = x->pkt->len;
	x->e->stats.drops[r]++;
	/* Read raw: the drop may precede (or be) the header check. */
	if (x->pkt->len >= 20 && (x->pkt->data[0] >> 4) == 4)
		nat_addr_from_v4(&x->e->stats.last_drop_src[r],
				 x->pkt->data + 12);
	else if (x->pkt->len >= 40 && (x->pkt->data[0] >> 4) == 6)
		nat_addr_from_v6(&x->e->stats.last_drop_src[r],
				 x->pkt->data + 8);
}

bool token_bucket_take(struct token_bucket *b, uint32_t rate,
		       uint32_t burst, uint64_t now_ns)
{
	uint64_t cap = (uint64_t)(burst ? burst : 1) * 1000;

	if (rate == 0)
		return true;
	if (now_ns > b->last_ns) {
		uint64_t dt = now_ns - b->last_ns;

		/* Cap dt so the product cannot overflow: a full bucket
		 * is reached long before. */
		if (dt > 3600 * NSEC_PER_SEC)
			dt = 3600 * NSEC_PER_SEC;
		b->tokens_milli += dt * rate / (NSEC_PER_SEC / 1000);
		if (b->tokens_milli > cap)
			b->tokens_milli = cap;
		b->last_ns = now_ns;
	}
	if (b->tokens_milli < 1000)
		return false;
	b->tokens_milli -= 1000;
	return true;
}

/* Give back everything an association holds and free its slot. */
void engine_release_assoc(struct engine *e, struct assoc *a,
			  enum engine_event_reason why, uint64_t now)
{
	/* A CLOSED one was reported when ABORT / SHUTDOWN COMPLETE passed. */
	if (a->state != ASSOC_CLOSED) {
		engine_fast_sync(e, a);
		engine_event_down(e, a, why, now);
	}
	engine_fast_mark(e, a);
	for (int i = 0; i < a->n_locals; i++)
		port_alloc_unref(e->ports, local_public(e, &a->locals[i]),
				 a->port_public);
	if (a->n_locals)
		assoc_host_del(e->table, &a->locals[0].inside);
	local_truncate(e, a, 0);
	if (a->flags & ASSOC_F_HANDSHAKE) {
		e->stats.handshakes_live--;
		hs_budget_untrack(e, a);
	}
	asconf_forget(e, a);
	assoc_free(e->table, a);
	e->stats.assocs_live = assoc_table_live(e->table);
}

/*
 * [forward] rules own their public port on each of their public addresses
 * for as long as they exist, so outbound associations never take it.  A
 * port already held by a live association (after a reload) stays with it;
 * fwd_held remembers which references are ours to give back.
 */
static void reserve_forwards(struct engine *e, bool take)
{
	for (int f = 0; f < e->conf.n_forwards; f++) {
		const struct engine_forward *fw = &e->conf.forwards[f];

		for (int i = 0; i < fw->n_public; i++) {
			uint16_t bit = (uint16_t)(1u << i);

			if (!take) {
				if (e->fwd_held[f] & bit)
					port_alloc_unref(e->ports,
							 &fw->public_addrs[i],
							 fw->public_port);
				continue;
			}
			if (!port_alloc_ref(e->ports, &fw->public_addrs[i],
					    fw->public_port, &fw->inside_addr,
					    fw->inside_port))
				e->fwd_held[f] |= bit;
		}
		if (!take)
			e->fwd_held[f] = 0;
	}
}

int engine_create(const struct engine_config *conf, uint64_t seed,
		  struct engine **out)
{
	struct engine *e;
	const char *why;
	uint8_t max_locals;
	int err;

	if (engine_config_check(conf, &why))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->conf = *conf;
	cache_timeouts(e);
	e->rng = seed | 1;
	/* Each inside address may show one public address per uplink. */
	max_locals = (uint8_t)(conf->max_addrs * 2);
	err = assoc_table_create(conf->max_assocs, max_locals,
				 conf->max_addrs, seed, &e->table);
	if (err)
		goto fail;
	err = port_alloc_create(conf->max_assocs * 4u + 1024u, seed,
				&e->ports);
	if (err)
		goto fail;
	/* Distinct public addresses and uplinks: at most one per binding. */
	err = pub_table_init(&e->pubs, conf->max_assocs * max_locals, seed);
	if (err)
		goto fail;
	err = hs_budget_create(conf, seed, &e->budget);
	if (err)
		goto fail;
	err = asconf_table_create(conf, &e->asconf);
	if (err)
		goto fail;
	reserve_forwards(e, true);
	e->ootb_bucket.tokens_milli = (uint64_t)conf->ootb_reply_rate * 1000;
	*out = e;
	return 0;
fail:
	engine_destroy(e);
	return err;
}

void engine_destroy(struct engine *e)
{
	if (!e)
		return;
	assoc_table_destroy(e->table);
	port_alloc_destroy(e->ports);
	pub_table_fini(&e->pubs);
	hs_budget_destroy(e->budget);
	asconf_table_destroy(e->asconf);
	free(e);
}

/* ---- the packet path ---- */

struct tbit_match {
	const struct xlate_ctx *x;
};

/*
 * T-bit ABORT / SHUTDOWN COMPLETE carry the sender's own tag (RFC 9260
 * 8.5.1), so they are found by ports and checked by address and that tag.
 * So does a T-bit ERROR (draft-ietf-tsvwg-natsupp-23 5.1.2): a NAT
 * further out that lost its state answers the inside host's packet with
 * an M+T Missing State ERROR reflecting that packet's tag, the peer's
 * (6.4.1), and with NATs in series that answer must get through this one
 * to the host, which alone can rebuild the state.
 */
static bool tbit_matches(const struct assoc *a, void *arg)
{
	const struct xlate_ctx *x = ((struct tbit_match *)arg)->x;
	uint32_t vtag = x->sv.vtag;

	/* A handshake not completed has no live tag (0): a T-bit packet
	 * with tag 0 (or any guess) must not match it. */
	if (!handshake_assoc_live(a))
		return false;
	if (x->dir == ENGINE_OUTBOUND)
		return (vtag == a->tag_inside ||
			(vtag &&
			 vtag == assoc_prev_tag_inside(x->e->table, a))) &&
		       assoc_find_peer(a, &x->dst) >= 0;
	return (vtag == a->tag_peer ||
		(vtag && vtag == assoc_prev_tag_peer(x->e->table, a))) &&
	       assoc_find_peer(a, &x->src) >= 0;
}

static bool peer_matches(const struct assoc *a, void *arg)
{
	const struct xlate_ctx *x = arg;

	return assoc_find_peer(a, x->dir == ENGINE_OUTBOUND ? &x->dst :
			       &x->src) >= 0;
}

/*
 * The association of tag key k whose addresses are the packet's (both
 * ends), or NULL.  The peer address found is kept for xlate_plan:
 * lookup() returns the association found, and nothing changes its peers
 * before the plan.
 */
static struct assoc *lookup_ends(struct xlate_ctx *x, enum assoc_key k,
				 uint16_t here, uint16_t peer,
				 struct assoc **alone)
{
	bool out = x->dir == ENGINE_OUTBOUND;
	struct assoc *a;
	int p, li;

	a = assoc_lookup_tag_ends(x->e->table, &x->e->pubs, k, here, peer,
				  x->sv.vtag, out ? &x->src : &x->dst,
				  out ? &x->dst : &x->src, &p, &li, alone);
	if (a) {
		x->hint_a = a;
		x->hint_peer = (int8_t)p;
		x->hint_local = (int8_t)li;
	}
	return a;
}

/*
 * The live association a tag names.  Tags are chosen by the endpoints,
 * so two associations may share one key (found by tag, told apart
 * by address): the one whose addresses the packet has wins.  Otherwise
 * (a new inside address joining, an unknown peer address xlate_plan
 * refuses) only an association alone with its tag is taken, so one
 * host's packets are never attached to another's association.  One
 * walk of the tag's chain finds both (a second walk of the same chain
 * cost a set-up's COOKIE ACK one more pass).
 */
static struct assoc *lookup_live(struct xlate_ctx *x, enum assoc_key k,
				 uint16_t here, uint16_t peer)
{
	struct assoc *a, *alone;

	a = lookup_ends(x, k, here, peer, &alone);
	return a ? a : alone;
}

static struct assoc *lookup(struct xlate_ctx *x)
{
	const struct assoc_table *t = x->e->table;
	bool out = x->dir == ENGINE_OUTBOUND;
	uint16_t here = out ? x->sv.sport : x->sv.dport;
	uint16_t peer = out ? x->sv.dport : x->sv.sport;
	uint8_t type = x->sv.first_type;
	struct assoc *a;

	if ((type == SCTP_CID_ABORT || type == SCTP_CID_SHUTDOWN_COMPLETE ||
	     type == SCTP_CID_ERROR) &&
	    (x->sv.first_flags & SCTP_FLAG_T)) {
		struct tbit_match m = { .x = x };

		a = assoc_lookup_ports(
			t, out ? ASSOC_KEY_OUT_PORTS : ASSOC_KEY_IN_PORTS, here,
			peer, tbit_matches, &m);
		return a ? a : handshake_cand_lookup(x);
	}
	if (x->sv.vtag == 0)
		return NULL;
	/*
	 * INIT ACK and COOKIE ECHO belong to a handshake, never to the live
	 * pair: they are looked for among the candidates first.
	 */
	if (type != SCTP_CID_INIT_ACK && type != SCTP_CID_COOKIE_ECHO) {
		a = lookup_live(x, out ? ASSOC_KEY_OUT_TAG : ASSOC_KEY_IN_TAG,
				here, peer);
		/* Not found by its tag (a COOKIE ACK, for one): by the
		 * previous one, if any association still has one. */
		if (!a && assoc_prev_tags_linked(t))
			a = lookup_live(
				x, out ? ASSOC_KEY_OUT_PREV : ASSOC_KEY_IN_PREV,
				here, peer);
		if (a)
			return a;
	}
	a = handshake_cand_lookup(x);
	if (a || type != SCTP_CID_COOKIE_ECHO)
		return a;
	/* A COOKIE ECHO sent again after its handshake completed, by its
	 * own endpoints: the peer answers it (RFC 9260 5.2.4 D); it changes
	 * nothing here. */
	a = lookup_ends(x, out ? ASSOC_KEY_OUT_TAG : ASSOC_KEY_IN_TAG, here,
			peer, NULL);
	/*
	 * Not once the association has ended (ABORT, SHUTDOWN COMPLETE):
	 * its sender left COOKIE-ECHOED before, and a new attempt draws new
	 * tags and a new cookie (RFC 9260 5.1).  A copy the network kept
	 * would make a listening receiver, closed too, set the association
	 * up again alone (5.1.5 checks only the cookie's lifetime): out of
	 * the blue.  Nor once the peer's SHUTDOWN ACK has passed: the inside
	 * host sent SHUTDOWN and the peer answered it, both from ESTABLISHED
	 * or later (9.2), so neither is in COOKIE-ECHOED, which alone sends
	 * COOKIE ECHO (5.1 C, E).  A copy then finds the peer in
	 * SHUTDOWN-ACK-SENT, where its COOKIE ACK is of no use (5.2.4 D),
	 * or already closed, where it revives the association alone.  Nor
	 * from an end whose own SHUTDOWN has passed, for the same reason:
	 * the other end's SHUTDOWN ACKs may be late in the network while
	 * it gives them up and closes (9.2); the copy would set the
	 * association up again there while the sender, answered at last,
	 * closes too.  The other end's copy still passes: after an INIT
	 * collision it may still be in COOKIE-ECHOED (5.2.4 D).
	 */
	if (!a || a->state == ASSOC_CLOSED ||
	    (a->flags & ASSOC_F_PEER_SHUT_ACK) ||
	    (a->shut_by & (out ? ASSOC_SHUT_INSIDE : ASSOC_SHUT_PEER)))
		return NULL;
	return a;
}

/*
 * The end of a closed association whose mapping a new one has taken
 * (handshake.c, remember_closed_pair): the inside host reconnects from
 * the same port after its SHUTDOWN COMPLETE, which the box passed, was
 * lost beyond it.  The peer, still in SHUTDOWN-ACK-SENT, answers the new
 * INIT with its SHUTDOWN ACK again (RFC 9260 9.2), which the inside host,
 * in COOKIE-WAIT, answers with a SHUTDOWN COMPLETE with the T bit (8.4
 * (5), 8.5.1 C); until that reaches the peer, the peer discards every
 * INIT of the new attempt.  So a packet holding nothing but a SHUTDOWN
 * ACK or SHUTDOWN COMPLETE, with a tag of the pair the association
 * remembers as dead (the receiver's, or with the T bit the sender's,
 * 8.5.1), between the association's own addresses, is translated as the
 * closed one would have been, and changes nothing (x->closed_pair,
 * assoc_state_update): neither chunk sets anything up, and the receiver
 * checks the tag.
 */
static bool closed_pair_matches(const struct assoc *a, void *arg)
{
	const struct xlate_ctx *x = arg;
	bool out = x->dir == ENGINE_OUTBOUND;
	bool tbit = x->sv.first_flags & SCTP_FLAG_T;

	return assoc_tag_gone(x->e->table, a, x->sv.vtag, out == tbit) &&
	       peer_matches(a, arg) &&
	       (out ? assoc_find_local_inside(a, &x->src) :
		      assoc_find_local_public(&x->e->pubs, a, &x->dst)) >= 0;
}

static bool lookup_closed_pair(struct xlate_ctx *x)
{
	const uint32_t ends = 1u << ENGINE_CS_SHUTDOWN_ACK |
			      1u << ENGINE_CS_SHUTDOWN_COMPLETE;
	bool out = x->dir == ENGINE_OUTBOUND;
	struct assoc *a;

	if (!x->sv.vtag ||
	    sctp_parse_chunks(&x->sv, x->e->conf.max_chunks) != DROP_NONE ||
	    (x->sv.cats & ~ends))
		return false;
	a = assoc_lookup_ports(x->e->table,
			       out ? ASSOC_KEY_OUT_PORTS : ASSOC_KEY_IN_PORTS,
			       out ? x->sv.sport : x->sv.dport,
			       out ? x->sv.dport : x->sv.sport,
			       closed_pair_matches, x);
	if (!a)
		return false;
	x->a = a;
	x->closed_pair = true;
	return true;
}

static void no_state(struct xlate_ctx *x)
{
	uint16_t here = x->dir == ENGINE_OUTBOUND ? x->sv.sport : x->sv.dport;
	uint16_t peer = x->dir == ENGINE_OUTBOUND ? x->sv.dport : x->sv.sport;
	struct assoc *on_ports;

	/*
	 * Never answer a middlebox's own message, whichever chunk of the
	 * packet it is (draft-ietf-tsvwg-natsupp-23 6.4.1).
	 */
	if (((x->sv.first_type == SCTP_CID_ERROR ||
	      x->sv.first_type == SCTP_CID_ABORT) &&
	     (x->sv.first_flags & SCTP_FLAG_M)) ||
	    (sctp_parse_chunks(&x->sv, x->e->conf.max_chunks) == DROP_NONE &&
	     x->sv.m_bit)) {
		engine_drop(x, DROP_M_BIT_NO_STATE);
		return;
	}
	/* After the handshake an INIT ACK is discarded by its receiver
	 * (RFC 9260 5.2.3): it changes nothing here either. */
	if (x->sv.first_type == SCTP_CID_INIT_ACK && x->sv.vtag &&
	    assoc_lookup_tag(x->e->table,
			     x->dir == ENGINE_OUTBOUND ? ASSOC_KEY_OUT_TAG :
							 ASSOC_KEY_IN_TAG,
			     here, peer, x->sv.vtag)) {
		engine_drop(x, DROP_INIT_ACK_LATE);
		return;
	}
	/*
	 * A natsupp host rebuilding the mapping (VTags, natsupp 6.4);
	 * first, as another host's association on the same ports is a
	 * collision it must be told about, not a tag mismatch.
	 */
	if (vtags_restore(x) || x->a)
		return;
	if ((x->sv.first_type == SCTP_CID_SHUTDOWN_ACK ||
	     x->sv.first_type == SCTP_CID_SHUTDOWN_COMPLETE) &&
	    lookup_closed_pair(x))
		return;
	on_ports = assoc_lookup_ports(x->e->table,
				      x->dir == ENGINE_OUTBOUND ?
					      ASSOC_KEY_OUT_PORTS :
					      ASSOC_KEY_IN_PORTS,
				      here, peer, peer_matches, x);
	if (on_ports) {
		/* Its ports, not its tag: the association's drop. */
		engine_drop_on(x->e->table, on_ports, DROP_VTAG_MISMATCH);
		engine_drop(x, DROP_VTAG_MISMATCH);
		return;
	}
	if (x->dir == ENGINE_OUTBOUND && x->e->conf.ootb_reply &&
	    ootb_reply(x))
		return;
	engine_drop(x, DROP_OUT_OF_THE_BLUE);
}

/*
 * Would the packet change state or have chunk bytes rewritten?  Those are
 * the packets whose CRC32c must verify first (RFC 9260 6.8): corruption
 * must neither change the mapping nor be laundered by a full recomputation.
 * Other packets keep their checksum, patched for the ports only, so an
 * error stays detectable at the receiver.
 */
#define CS_BIT(c)	(1u << ENGINE_CS_##c)
#define CS_CHANGE_STATE							\
	(CS_BIT(ABORT) | CS_BIT(SHUTDOWN) | CS_BIT(SHUTDOWN_ACK) |	\
	 CS_BIT(SHUTDOWN_COMPLETE) | CS_BIT(COOKIE_ECHO) |		\
	 CS_BIT(COOKIE_ACK) | CS_BIT(ASCONF) | CS_BIT(ASCONF_ACK))
#define CS_ASCONF_ANY	(CS_BIT(ASCONF) | CS_BIT(ASCONF_ACK))

static bool changes_state(const struct xlate_ctx *x)
{
	return (x->cand >= 0 && x->cand_op != CAND_PASS) || x->join_local ||
	       x->sv.first_type == SCTP_CID_INIT_ACK ||
	       (x->sv.cats & CS_CHANGE_STATE);
}

/*
 * A zero checksum (RFC 9653) is the endpoints' own choice of another
 * error detection, which the box cannot check; it is taken as it is,
 * except on COOKIE ECHO, which RFC 9653 5.2 requires to carry a CRC32c.
 */
static bool csum_ok(const struct xlate_ctx *x)
{
	if (sctp_csum_get(x->sv.sctp) == 0 &&
	    !x->sv.count[ENGINE_CS_COOKIE_ECHO])
		return true;
	return sctp_csum_verify(x->sv.sctp, x->sv.len);
}

static void load_addrs(struct xlate_ctx *x)
{
	const uint8_t *d = x->pkt->data;

	if (x->ip.family == AF_INET) {
		nat_addr_from_v4(&x->src, d + x->ip.src_off);
		nat_addr_from_v4(&x->dst, d + x->ip.dst_off);
	} else {
		nat_addr_from_v6(&x->src, d + x->ip.src_off);
		nat_addr_from_v6(&x->dst, d + x->ip.dst_off);
	}
}

/*
 * Zero the per-packet plan (struct xlate_ctx from a up to asconf_ops) in
 * straight 16-byte stores: a memset of this size compiles to rep stos,
 * whose start-up costs more than the whole clear.
 */
#define PLAN_OFF	offsetof(struct xlate_ctx, a)
#define PLAN_LEN	(offsetof(struct xlate_ctx, asconf_ops) - PLAN_OFF)

static inline void clear_plan(struct xlate_ctx *x)
{
	typedef uint8_t v16 __attribute__((vector_size(16)));
	const v16 z = { 0 };
	uint8_t *p = (uint8_t *)x + PLAN_OFF;
	size_t i;

#pragma GCC unroll 16
	for (i = 0; i + 16 <= PLAN_LEN; i += 16)
		memcpy(p + i, &z, 16);
	if (i < PLAN_LEN)	/* the rest, overlapping what is cleared */
		memcpy(p + PLAN_LEN - 16, &z, 16);
}

/* `warm`: the source mapping the batch's warming made, or NULL. */
static void process(struct engine *e, struct engine_pkt *pkt,
		    enum engine_dir dir, uint64_t now_ns,
		    struct engine_verdict *v, const struct batch_warm_src *warm)
{
	struct xlate_ctx x;
	enum drop_reason r;
	uint64_t print;

	clear_plan(&x);
	x.e = e;
	x.pkt = pkt;
	x.v = v;
	x.dir = dir;
	x.now = now_ns;
	x.local_idx = -1;
	x.peer_idx = -1;
	x.cand = -1;

	v->action = ENGINE_DROP;
	v->reason = DROP_NONE;
	v->uplink = -1;
	v->len = pkt->len;
	e->stats.packets[dir & 1]++;
	e->last_now = now_ns;

	if (pkt->len > pkt->cap || pkt->len > ENGINE_MAX_PKT) {
		engine_drop(&x, DROP_IP_BAD_HEADER);
		return;
	}
	r = ip_parse(pkt->data, pkt->len, &x.ip);
	if (r != DROP_NONE) {
		engine_drop(&x, r);
		return;
	}
	/*
	 * A router forwards no packet whose TTL / Hop Limit would reach 0
	 * (RFC 1812 5.3.1, RFC 8200 3), SCTP or ICMP error: dropped before
	 * it can change any state, as its receiver will never see it.  The
	 * daemon answers the sender (ICMP Time Exceeded); never about an
	 * ICMP error (RFC 1812 4.3.2.7).
	 */
	if (__builtin_expect(ip_hop_limit(pkt->data) <= 1, 0)) {
		engine_drop(&x, DROP_TTL_EXCEEDED);
		return;
	}
	load_addrs(&x);
	/* The warming mapped an INIT's source already: the same packet's,
	 * unless its header reads otherwise now. */
	if (warm && nat_addr_eq(&warm->src, &x.src)) {
		x.src_map = warm->map;
		x.src_mapped = true;
	}
	/* proto alone first: SCTP is the common case. */
	if (x.ip.proto != IPPROTO_SCTP_NUM) {
		if ((x.ip.family == AF_INET && x.ip.proto == IPPROTO_ICMP) ||
		    (x.ip.family == AF_INET6 &&
		     x.ip.proto == IPPROTO_ICMPV6))
			icmp_process(&x);
		else
			engine_drop(&x, DROP_NOT_SCTP);
		return;
	}
	r = sctp_parse_header(&x.sv, pkt->data + x.ip.l4_off,
			      x.ip.total_len - x.ip.l4_off);
	if (r != DROP_NONE) {
		engine_drop(&x, r);
		return;
	}
	if (x.sv.first_type == SCTP_CID_INIT) {
		handshake_init(&x);
		return;
	}

	x.a = lookup(&x);
	if (!x.a) {
		no_state(&x);
		if (!x.a)
			return;
	}
	/* Phase 2: validate everything and plan. */
	r = sctp_parse_chunks(&x.sv, e->conf.max_chunks);
	if (r == DROP_NONE)
		r = xlate_plan(&x);
	if (r == DROP_NONE && changes_state(&x) && !csum_ok(&x))
		r = DROP_BAD_CHECKSUM;
	if (r == DROP_NONE && x.sv.first_type == SCTP_CID_INIT_ACK)
		r = handshake_init_ack(&x);
	else if (r == DROP_NONE && x.cand >= 0 && x.cand_op == CAND_SELECT)
		r = handshake_cand_plan(&x);
	if (r == DROP_NONE && (x.sv.cats & CS_ASCONF_ANY))
		r = asconf_plan(&x);
	if (r == DROP_NONE && (e->conf.n_ppid_rules ||
			       e->conf.ppid_default_deny))
		r = ppid_filter(&x);
	if (r != DROP_NONE) {
		engine_drop(&x, r);
		return;
	}
	/* Phase 3: commit. */
	print = e->fast_on ? engine_fast_print(e, x.a) : 0;
	if (x.cand >= 0)
		handshake_cand_commit(&x);
	if (x.sv.cats & CS_ASCONF_ANY)
		asconf_commit(&x);
	/* A candidate's packets leave the live association as it is. */
	if (x.cand < 0 || x.cand_op == CAND_CONFIRM)
		assoc_state_update(&x);
	xlate_commit(&x);
	xlate_count(&x);
	/* Addresses, tags or paths changed: so may the fast path's entries. */
	if (e->fast_on && engine_fast_print(e, x.a) != print)
		engine_fast_mark(e, x.a);
}

void engine_process(struct engine *e, struct engine_pkt *pkt,
		    enum engine_dir dir, uint64_t now_ns,
		    struct engine_verdict *v)
{
	process(e, pkt, dir, now_ns, v, NULL);
}

/*
 * A batch is taken in chunks of BATCH_WARM_CHUNK packets: every packet's
 * lookups are started (batch_warm.c), then all the chunk's walks are
 * taken a step further, round after round, until no walk has a step
 * left (at most WARM_ROUNDS rounds), then the packets are processed in
 * order.  Loads started one after the other overlap, their TLB walks
 * too (each of the table's arrays spans many pages); one started among
 * a packet's own work mostly waits alone.  A chunk's loads, a few lines
 * per packet, fit the L2 cache many times over.
 */
#define WARM_ROUNDS 8

void engine_process_batch(struct engine *e, struct engine_pkt *pkts,
			  struct engine_verdict *vs, unsigned int n,
			  enum engine_dir dir, uint64_t now_ns)
{
	struct batch_warm warm;
	/* Each packet's source mapping, NULL if the warming made none. */
	const struct batch_warm_src *src_of[BATCH_WARM_CHUNK];

	for (unsigned int at = 0; at < n; at += BATCH_WARM_CHUNK) {
		unsigned int m = n - at < BATCH_WARM_CHUNK ? n - at :
							     BATCH_WARM_CHUNK;

		batch_warm_begin(&warm);
		for (unsigned int i = 0; i < m; i++)
			src_of[i] =
				batch_warm_plan(e, &pkts[at + i], dir, &warm);
		batch_warm_run(e, &warm, WARM_ROUNDS);
		for (unsigned int i = 0; i < m; i++)
			process(e, &pkts[at + i], dir, now_ns, &vs[at + i],
				src_of[i]);
	}
}

/* ---- timers and control ---- */

static void expire_one(struct assoc *a, void *arg)
{
	struct engine *e = arg;
	enum engine_event_reason why;

	switch (a->state) {
	case ASSOC_ESTABLISHED:
		why = ENGINE_EVR_TIMEOUT_ESTABLISHED;
		break;
	case ASSOC_SHUTDOWN:
		why = ENGINE_EVR_TIMEOUT_SHUTDOWN;
		break;
	default:	/* CLOSED ones say nothing more */
		why = ENGINE_EVR_TIMEOUT_SETUP;
		break;
	}
	/* The fast path may have kept it busy (engine_fast.h). */
	if (engine_fast_sync_expiry(e, a))
		return;
	e->stats.assocs_expired++;
	engine_release_assoc(e, a, why, e->last_now);
}

unsigned int engine_tick(struct engine *e, uint64_t now_ns)
{
	e->last_now = now_ns;
	asconf_expire(e, now_ns);
	return assoc_table_expire(e->table, now_ns, expire_one, e);
}

/*
 * Pin every peer address to an uplink again.  When an uplink's state
 * changed (uplink >= 0), associations with paths that moved are reported.
 */
static void repin_all(struct engine *e, int uplink, bool up)
{
	struct assoc *a = NULL;

	while ((a = assoc_table_next(e->table, a))) {
		uint16_t moved = 0;

		for (unsigned int i = 0; i < a->n_peers; i++) {
			int8_t was = a->peers[i].uplink;

			a->peers[i].uplink = xlate_pin_uplink(e, a, i);
			if (a->peers[i].uplink != was)
				moved |= (uint16_t)(1u << i);
		}
		if (moved)
			engine_fast_mark(e, a);
		if (moved && uplink >= 0)
			engine_event_moved(e, a, moved, (unsigned int)uplink,
					   up);
	}
}

void engine_set_uplink_up(struct engine *e, unsigned int uplink, bool up)
{
	if (uplink >= ENGINE_MAX_UPLINKS || e->uplink_down[uplink] == !up)
		return;
	e->uplink_down[uplink] = !up;
	repin_all(e, (int)uplink, up);
}

/*
 * Is every address binding of a still what config c would make?  Shared
 * by reload and by restoring a saved table (engine_persist.c).
 */
bool engine_assoc_allowed(const struct engine *e, const struct engine_config *c,
			  const struct assoc *a)
{
	if (a->flags & ASSOC_F_INBOUND) {
		const struct engine_forward *fw;

		if (a->forward < 0 || a->forward >= c->n_forwards)
			return false;
		fw = &c->forwards[a->forward];
		if (fw->public_port != a->port_public ||
		    fw->inside_port != a->port_inside ||
		    !nat_addr_eq(&fw->inside_addr, &a->locals[0].inside))
			return false;
		for (int i = 0; i < a->n_locals; i++)
			if (addr_map_forward(c, local_public(e, &a->locals[i]),
					     a->port_public) != a->forward)
				return false;
		return true;
	}
	for (int i = 0; i < a->n_locals; i++) {
		const struct assoc_local *l = &a->locals[i];
		const struct pub_entry *pe =
			pub_table_get(&e->pubs, assoc_local_pub(l));
		struct nat_addr pub;
		int8_t up;

		if (addr_map_inside(c, &l->inside, &pub, &up))
			return false;
		if (nat_addr_eq(&pub, &pe->addr))
			continue;
		/* A proxy-multihoming extra: still that uplink's address? */
		if (l->uplink < 0 || c->multihome != MULTIHOME_UPLINKS ||
		    addr_map_on_uplink(c, (unsigned int)l->uplink, &l->inside,
				       &pub) ||
		    !nat_addr_eq(&pub, &pe->addr))
			return false;
	}
	return true;
}

int engine_reconfigure(struct engine *e, const struct engine_config *conf,
		       uint64_t now_ns)
{
	struct assoc *a = NULL, *next;
	const char *why;

	if (engine_config_check(conf, &why))
		return -EINVAL;
	if (conf->max_assocs != e->conf.max_assocs ||
	    conf->max_addrs != e->conf.max_addrs)
		return -EBUSY;
	e->last_now = now_ns;
	/* max-chunks, PPID rules, mappings: every entry is looked at. */
	e->fast_all = e->fast_on;
	reserve_forwards(e, false);
	e->conf = *conf;
	cache_timeouts(e);
	/* Rules may have moved: the daemon tells again (forward_link.c). */
	memset(e->fwd_inside_down, 0, sizeof(e->fwd_inside_down));
	hs_budget_reconfigure(e->budget, conf);
	for (a = assoc_table_next(e->table, NULL); a; a = next) {
		next = assoc_table_next(e->table, a);
		if (!engine_assoc_allowed(e, conf, a)) {
			e->stats.assocs_removed++;
			engine_release_assoc(e, a, ENGINE_EVR_CONFIG,
					     now_ns);
		}
	}
	/* A forward port now held by an outbound association stays
	 * unusable for the rule until that association ends. */
	reserve_forwards(e, true);
	repin_all(e, -1, false);
	return 0;
}

unsigned int engine_flush(struct engine *e)
{
	struct assoc *a, *next;
	unsigned int n = 0;

	for (a = assoc_table_next(e->table, NULL); a; a = next) {
		next = assoc_table_next(e->table, a);
		engine_release_assoc(e, a, ENGINE_EVR_FLUSH, e->last_now);
		n++;
	}
	e->stats.assocs_removed += n;
	return n;
}

const struct engine_stats *engine_stats(const struct engine *e)
{
	return &e->stats;
}

void engine_fill_view(const struct engine *e, const struct assoc *a,
		      struct engine_assoc_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = assoc_id(e->table, a);
	v->state = a->state;
	v->inbound = a->flags & ASSOC_F_INBOUND;
	v->inside_port = a->port_inside;
	v->public_port = a->port_public;
	v->peer_port = a->port_peer;
	v->tag_inside = a->tag_inside;
	v->tag_peer = a->tag_peer;
	/* Not live yet: the handshake in progress. */
	if (!v->tag_inside && !v->tag_peer)
		handshake_cand_view_tags(e, a, e->last_now, &v->tag_inside,
					 &v->tag_peer);
	memcpy(v->drops, assoc_drops(e->table, a), sizeof(v->drops));
	v->created_ns = a->created;
	v->last_seen_ns = a->last_seen;
	v->expires_ns = a->expires;
	v->n_locals = a->n_locals;
	for (int i = 0; i < a->n_locals; i++) {
		v->locals[i].inside = a->locals[i].inside;
		v->locals[i].public_ = *local_public(e, &a->locals[i]);
		v->locals[i].uplink = a->locals[i].uplink;
	}
	v->n_paths = a->n_peers;
	for (int i = 0; i < a->n_peers; i++) {
		const struct assoc_peer *p = &a->peers[i];

		v->paths[i].peer = p->addr;
		v->paths[i].uplink = p->uplink;
		v->paths[i].pkts_out = p->pkts_out;
		v->paths[i].bytes_out = p->bytes_out;
		v->paths[i].pkts_in = p->pkts_in;
		v->paths[i].bytes_in = p->bytes_in;
	}
}

int engine_foreach_assoc(const struct engine *e,
			 int (*fn)(const struct engine_assoc_view *, void *),
			 void *arg)
{
	struct engine_assoc_view view;
	const struct assoc *a = NULL;
	int r;

	while ((a = assoc_table_next(e->table, a))) {
		engine_fill_view(e, a, &view);
		r = fn(&view, arg);
		if (r)
			return r;
	}
	return 0;
}
