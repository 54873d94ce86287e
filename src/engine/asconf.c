/*
 * asconf.c: dynamic address reconfiguration through the ALG (RFC 5061).
 *
 * ASCONF (Add IP / Delete IP / Set Primary) changes an association's
 * address sets, so the ALG follows it: a peer's Add IP becomes a peer
 * address that matches the association, an inside host's Add IP a new
 * binding.  Only the two endpoints can accept such a change, and the box
 * sees one side's request long before it knows whether the other side
 * took it, so nothing an ASCONF asks for touches the mapping when the
 * ASCONF passes.  Each ASCONF chunk becomes a pending request, kept per
 * association and direction under its Serial Number with the Correlation
 * ID of each of its parameters; the ASCONF-ACK with that Serial Number,
 * coming back the other way, applies the parameters it reports
 * successful and the request is forgotten.  RFC 5061 4.1 A7 says which
 * those are: a Success Indication, or no answer at all for a parameter
 * before the first one reported with an Error Cause Indication; every
 * parameter after that one failed unless reported successful.
 *
 * Bounds and the corner cases, all from RFC 5061 5.1 and 5.2: one ASCONF
 * is in flight per sender (C1), retransmitted with the same Serial
 * Number, so a retransmission refreshes its request and adds nothing
 * (bindings are not taken twice); a lost ASCONF-ACK makes the sender
 * retransmit and the receiver answer again from its cache, which then
 * applies the request (applying twice changes nothing: an address already
 * present is not added again); a newer Serial Number means the sender saw
 * the older request answered, so the older one is forgotten; an
 * ASCONF-ACK with no pending request (reordered ahead of its ASCONF, a
 * forgery, or an answer to a request already timed out) applies nothing.
 * A request is known by its Serial Number and the address it came from,
 * and an ASCONF-ACK answers the request from the address it is sent to
 * (RFC 5061 5.2: the ASCONF-ACK goes to the ASCONF's source), or else one
 * with its serial from inside the association; so an ASCONF forged from
 * outside the association with a guessed serial neither stands in for
 * the real request nor gets confirmed by the answer to it, and it never
 * supersedes or displaces a request from inside the association.
 * At most two requests per association and direction (a packet may carry
 * two ASCONF chunks) and one per eight associations in all (at least 16,
 * at most 1024) are held; a request is forgotten after the setup timeout,
 * which each retransmission restarts.  An ASCONF that finds no room is
 * dropped (asconf-pending-full): its sender retransmits it.
 *
 * Addresses from outside the association.  A host behind a NAT adds an
 * address by sending the ASCONF through the new path, from the new
 * address, with the wildcard address 0.0.0.0 / :: in Add IP standing for
 * the packet's source (RFC 5061 4.2.1; draft-ietf-tsvwg-natsupp-23 7,
 * "Multi Point Traversal Considerations for Endpoints").  Its receiver
 * finds the association from the ASCONF's own Address Parameter (RFC
 * 5061 5.2) and must see the chunk to decide, so:
 *   - inbound, from an address that is not (yet) the peer's: only a
 *     packet made of an AUTH chunk and the ASCONF chunks it covers
 *     passes, and only if an ASCONF in it adds that very source
 *     address.  Nothing else from that address reaches the inside host
 *     -- no DATA, ABORT or SHUTDOWN bundled with it, nothing sent after
 *     it -- until the inside host's ASCONF-ACK accepts the address.  An
 *     ASCONF without AUTH is not passed: RFC 5061 4.1.1 has its
 *     receiver discard it silently (RFC 4895 6.3), so the host has
 *     nothing to decide.  One with an AUTH chunk must pass, as the box
 *     cannot check the HMAC; a host that follows RFC 4895 discards a
 *     forged one, never acknowledges it, and the forged address never
 *     becomes a peer.  The inside host's ASCONF-ACK back to that
 *     address (RFC 5061 5.2: it goes to the ASCONF's source) is let
 *     through for the pending request.
 *   - outbound, from an inside address whose public address the peer
 *     was never told: the packet must carry an ASCONF adding its own
 *     source (wildcard, or the address itself where it is not
 *     translated); the binding is taken then, since every address the
 *     ALG advertises has a working binding before the packet that
 *     advertises it leaves, but joins the association only on the
 *     peer's successful ASCONF-ACK, which is the one packet let in to
 *     that public address before.  A request that fails, times out or
 *     is superseded gives the binding back.
 * A wildcard Delete IP deletes every address of its sender but the
 * packet's source (RFC 5061 4.2.2): the box does the same on success,
 * except that an association's first inside address keeps its place
 * (it owns the port bindings).  Set Primary changes nothing here.
 *
 * AUTH: RFC 5061 requires ASCONF to be authenticated (RFC 4895), and the
 * AUTH HMAC covers every chunk after the AUTH chunk, so the ALG never
 * rewrites an address inside a covered ASCONF.  The wildcard address is
 * translated in the IP header like any other packet: that is how a host
 * behind a NAT adds addresses.  An explicit inside address under AUTH
 * cannot be translated: the packet is dropped and counted
 * (asconf-authenticated-private-address).  Outside an AUTH chunk's cover
 * (a stack configured without AUTH), inside addresses are rewritten to
 * their public mapping like INIT's.  The box cannot check an HMAC, so an
 * ASCONF-ACK from an address of the association with its tag is believed;
 * one from anywhere else is dropped like any packet from outside.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr_map.h"
#include "engine_impl.h"
#include "sctp_wire.h"

#define ASCONF_LOOKUP_ADDR	0	/* the ASCONF's Address Parameter */
#define ASCONF_MAX_OPS		16	/* as struct xlate_ctx's asconf_ops */
#define ASCONF_MAX_CHUNKS	2	/* as struct xlate_ctx's asconf_serial */
#define ASCONF_PER_DIR		2	/* requests per association, direction */
#define ASCONF_TABLE_MIN	16
#define ASCONF_TABLE_MAX	1024

struct asconf_pend_op {
	uint32_t corr;
	uint16_t type;
	bool bound;		/* holds a port reference on public_ */
	int8_t uplink;
	struct nat_addr addr;	/* inside (outbound) or peer address */
	struct nat_addr public_;	/* outbound: family 0 when not ours */
};

struct asconf_pend {
	uint32_t assoc;		/* association id; ASSOC_NONE: free */
	uint8_t dir;		/* enum engine_dir of the ASCONF */
	uint8_t n_ops;
	bool untrusted;		/* sent from outside the association */
	uint16_t port;		/* the association's public port */
	uint32_t serial;
	uint64_t deadline;
	struct nat_addr src;	/* the ASCONF's source, as its receiver saw */
	struct nat_addr src_inside;	/* outbound: the host's own source */
	struct asconf_pend_op ops[ASCONF_MAX_OPS];
};

struct asconf_table {
	uint32_t size, live;
	struct asconf_pend p[];
};

int asconf_table_create(const struct engine_config *c,
			struct asconf_table **out)
{
	uint32_t n = c->max_assocs / 8;
	struct asconf_table *t;

	if (n < ASCONF_TABLE_MIN)
		n = ASCONF_TABLE_MIN;
	if (n > ASCONF_TABLE_MAX)
		n = ASCONF_TABLE_MAX;
	t = calloc(1, sizeof(*t) + n * sizeof(t->p[0]));
	if (!t)
		return -ENOMEM;
	t->size = n;
	for (uint32_t i = 0; i < n; i++)
		t->p[i].assoc = ASSOC_NONE;
	*out = t;
	return 0;
}

void asconf_table_destroy(struct asconf_table *t)
{
	free(t);
}

/* RFC 5061 uses serial number arithmetic (RFC 1982) for Serial Numbers. */
static bool serial_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool pend_live(const struct asconf_pend *p, uint64_t now)
{
	return p->assoc != ASSOC_NONE && p->deadline > now;
}

static void pend_release(struct engine *e, struct asconf_pend *p)
{
	if (p->assoc == ASSOC_NONE)
		return;
	for (uint8_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].bound)
			port_alloc_unref(e->ports, &p->ops[i].public_, p->port);
	p->assoc = ASSOC_NONE;
	e->asconf->live--;
}

void asconf_forget(struct engine *e, const struct assoc *a)
{
	struct asconf_table *t = e->asconf;

	for (uint32_t i = 0; i < t->size && t->live; i++)
		if (t->p[i].assoc == assoc_id(e->table, a))
			pend_release(e, &t->p[i]);
}

void asconf_expire(struct engine *e, uint64_t now)
{
	struct asconf_table *t = e->asconf;

	for (uint32_t i = 0; i < t->size && t->live; i++)
		if (t->p[i].assoc != ASSOC_NONE && t->p[i].deadline <= now)
			pend_release(e, &t->p[i]);
}

/*
 * The request this packet's ASCONF chunk repeats: same serial, same
 * source.  Matching the source too keeps a forged ASCONF that guessed
 * the next serial from standing in for the real one.
 */
static int find_request(const struct xlate_ctx *x, uint32_t serial)
{
	const struct asconf_table *t = x->e->asconf;
	const struct nat_addr *src = x->dir == ENGINE_INBOUND ? &x->src :
							       &x->new_src;

	if (!t->live)
		return -1;
	for (uint32_t i = 0; i < t->size; i++) {
		const struct asconf_pend *p = &t->p[i];

		if (pend_live(p, x->now) &&
		    p->assoc == assoc_id(x->e->table, x->a) &&
		    p->dir == x->dir && p->serial == serial &&
		    nat_addr_eq(&p->src, src))
			return (int)i;
	}
	return -1;
}

/*
 * The request an ASCONF-ACK of this packet answers.  An ASCONF-ACK goes
 * to the source of its ASCONF (RFC 5061 5.2), so the request from this
 * packet's destination first; failing that, one with the serial sent
 * from inside the association.  A request from outside it (untrusted)
 * is answered only by an ASCONF-ACK sent back to that very address.
 */
static int find_answered(const struct xlate_ctx *x, uint8_t dir,
			 uint32_t serial)
{
	const struct asconf_table *t = x->e->asconf;
	int other = -1;

	if (!t->live)
		return -1;
	for (uint32_t i = 0; i < t->size; i++) {
		const struct asconf_pend *p = &t->p[i];

		if (!pend_live(p, x->now) ||
		    p->assoc != assoc_id(x->e->table, x->a) || p->dir != dir ||
		    p->serial != serial)
			continue;
		if (nat_addr_eq(&p->src, &x->dst))
			return (int)i;
		if (!p->untrusted && other < 0)
			other = (int)i;
	}
	return other;
}

/* ---- planning ---- */

static bool read_addr(const uint8_t *param, struct nat_addr *out)
{
	uint16_t type = sctp_get16(param);

	if (type == SCTP_PARAM_IPV4_ADDR)
		nat_addr_from_v4(out, param + 4);
	else if (type == SCTP_PARAM_IPV6_ADDR)
		nat_addr_from_v6(out, param + 4);
	else
		return false;
	return true;
}

/* Record the address-carrying parameters of one ASCONF chunk. */
static enum drop_reason collect_ops(struct xlate_ctx *x, uint32_t coff)
{
	const uint8_t *chunk = x->sv.sctp + coff;
	bool first = true;

	for (uint32_t off = sctp_param_first(chunk, SCTP_ASCONF_MIN_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		const uint8_t *p = chunk + off;
		uint16_t type = sctp_get16(p);
		struct asconf_op *op;
		uint32_t aoff;

		if (first) {
			type = ASCONF_LOOKUP_ADDR;
			aoff = off;
			first = false;
		} else if (type == SCTP_PARAM_ADD_IP ||
			   type == SCTP_PARAM_DEL_IP ||
			   type == SCTP_PARAM_SET_PRIMARY) {
			aoff = off + 8;	/* header, correlation id */
		} else {
			continue;
		}
		if (x->n_asconf_ops >= sizeof(x->asconf_ops) /
				       sizeof(x->asconf_ops[0]))
			return DROP_ASCONF_BAD;
		op = &x->asconf_ops[x->n_asconf_ops++];
		memset(op, 0, sizeof(*op));
		op->type = type;
		op->chunk = x->n_asconf;
		op->uplink = -1;
		if (type != ASCONF_LOOKUP_ADDR)
			op->corr = sctp_get32(p + 4);
		if (!read_addr(chunk + aoff, &op->addr))
			return DROP_ASCONF_BAD;
		op->addr_off = (uint16_t)(coff + aoff + 4);
	}
	return DROP_NONE;
}

/* Does a already bind inside to pub? */
static bool has_local(const struct engine *e, const struct assoc *a,
		      const struct nat_addr *inside, const struct nat_addr *pub)
{
	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&a->locals[i].inside, inside) &&
		    nat_addr_eq(local_public(e, &a->locals[i]), pub))
			return true;
	return false;
}

/*
 * The inside host's requests: which binding each Add IP needs (taken when
 * the request is recorded) and which bytes are rewritten.
 */
static enum drop_reason plan_outbound(struct xlate_ctx *x, bool covered,
				      uint8_t from)
{
	struct engine *e = x->e;
	const struct assoc *a = x->a;

	for (uint8_t i = from; i < x->n_asconf_ops; i++) {
		struct asconf_op *op = &x->asconf_ops[i];
		struct nat_addr pub;
		int8_t up;

		if (nat_addr_is_any(&op->addr)) {
			/* natsupp: "this packet's source", as translated. */
			if (op->type != SCTP_PARAM_ADD_IP)
				continue;
			op->addr = x->src;
			pub = x->new_src;
			up = x->v->uplink;
		} else if (addr_map_inside(&e->conf, &op->addr, &pub, &up)) {
			continue;	/* not ours to map: left alone */
		} else if (!nat_addr_eq(&pub, &op->addr)) {
			if (covered)
				return DROP_ASCONF_AUTH_PRIVATE;
			op->rewrite = true;
		}
		op->public_ = pub;
		op->uplink = up;
		if (op->type != SCTP_PARAM_ADD_IP ||
		    has_local(e, a, &op->addr, &pub))
			continue;
		if (!port_alloc_can_ref(e->ports, &pub, a->port_public,
					&a->locals[0].inside, a->port_inside))
			return DROP_PORTS_EXHAUSTED;
		op->bind = true;
	}
	return DROP_NONE;
}

static void plan_inbound(struct xlate_ctx *x, uint8_t from)
{
	for (uint8_t i = from; i < x->n_asconf_ops; i++) {
		struct asconf_op *op = &x->asconf_ops[i];

		/* RFC 5061 4.2.1, 4.2.4: the wildcard is the source; for
		 * Delete IP (4.2.2) it stays: "all but the source". */
		if (nat_addr_is_any(&op->addr) &&
		    op->type != SCTP_PARAM_DEL_IP &&
		    op->type != ASCONF_LOOKUP_ADDR)
			op->addr = x->src;
	}
}

/* Is every chunk of the packet of one of the two types? */
static bool only_chunks(const struct xlate_ctx *x, enum engine_chunk_stat cs)
{
	return x->sv.n_chunks ==
	       x->sv.count[ENGINE_CS_AUTH] + x->sv.count[cs];
}

/* Does an ASCONF of this packet add its own source address? */
static bool adds_source(const struct xlate_ctx *x)
{
	for (uint8_t i = 0; i < x->n_asconf_ops; i++) {
		const struct asconf_op *op = &x->asconf_ops[i];

		if (op->type == SCTP_PARAM_ADD_IP &&
		    nat_addr_eq(&op->addr, &x->src))
			return true;
	}
	return false;
}

/*
 * RFC 5061 4.1 A7: the parameters an ASCONF-ACK reports successful, as a
 * bit per op of request p.
 */
static enum drop_reason ack_results(const uint8_t *ack,
				    const struct asconf_pend *p, uint16_t *ok)
{
	int8_t resp[ASCONF_MAX_OPS] = { 0 };	/* 1 success, -1 error */
	unsigned int first_err = p->n_ops;

	for (uint32_t off = sctp_param_first(ack, SCTP_ASCONF_MIN_LEN); off;
	     off = sctp_param_next(ack, off)) {
		uint16_t type = sctp_get16(ack + off);
		uint32_t corr;

		if (type != SCTP_PARAM_SUCCESS_REPORT &&
		    type != SCTP_PARAM_ERR_CAUSE)
			continue;
		if (sctp_get16(ack + off + 2) < 8)
			return DROP_ASCONF_BAD;
		corr = sctp_get32(ack + off + 4);
		for (uint8_t i = 0; i < p->n_ops; i++)
			if (p->ops[i].corr == corr && !resp[i])
				resp[i] = type == SCTP_PARAM_SUCCESS_REPORT ?
					  1 : -1;
	}
	for (uint8_t i = 0; i < p->n_ops; i++) {
		if (resp[i] < 0) {
			first_err = i;
			break;
		}
	}
	*ok = 0;
	for (uint8_t i = 0; i < p->n_ops; i++)
		if (resp[i] > 0 || (!resp[i] && i < first_err))
			*ok |= (uint16_t)(1u << i);
	return DROP_NONE;
}

/* ASCONF-ACK chunks of this packet that answer a pending request. */
static enum drop_reason plan_acks(struct xlate_ctx *x)
{
	uint8_t req_dir = x->dir == ENGINE_OUTBOUND ? ENGINE_INBOUND :
						       ENGINE_OUTBOUND;
	uint32_t off = x->sv.first_off[ENGINE_CS_ASCONF_ACK];

	while (off && off + SCTP_CHUNK_HDR_LEN <= x->sv.len) {
		const uint8_t *ch = x->sv.sctp + off;
		struct asconf_ack_plan *ap;
		enum drop_reason r;
		int rec;

		off += sctp_pad4(sctp_get16(ch + 2));
		if (ch[0] != SCTP_CID_ASCONF_ACK)
			continue;
		rec = find_answered(x, req_dir, sctp_get32(ch + 4));
		if (rec < 0 || x->n_asconf_acks >= ASCONF_MAX_CHUNKS)
			continue;	/* answers nothing held: applies nothing */
		for (uint8_t i = 0; i < x->n_asconf_acks; i++)
			if (x->asconf_acks[i].rec == rec)
				rec = -1;	/* the same answer twice */
		if (rec < 0)
			continue;
		ap = &x->asconf_acks[x->n_asconf_acks++];
		ap->rec = rec;
		r = ack_results(ch, &x->e->asconf->p[rec], &ap->ok);
		if (r != DROP_NONE)
			return r;
	}
	return DROP_NONE;
}

/* Is this packet's ASCONF sent from outside the association? */
static bool untrusted(const struct xlate_ctx *x)
{
	return x->dir == ENGINE_INBOUND && x->defer_peer_check;
}

/*
 * May a new request of this packet take the place of p, a live request
 * of the same sender?  One from outside the association never displaces
 * one from inside it.
 */
static bool may_replace(const struct xlate_ctx *x, const struct asconf_pend *p)
{
	return p->assoc == assoc_id(x->e->table, x->a) && p->dir == x->dir &&
	       (!untrusted(x) || p->untrusted);
}

/* Room for the requests this packet makes (retransmissions need none)? */
static bool room_for(const struct xlate_ctx *x)
{
	const struct asconf_table *t = x->e->asconf;
	unsigned int need = 0, avail = 0;

	for (uint8_t c = 0; c < x->n_asconf; c++)
		if (find_request(x, x->asconf_serial[c]) < 0)
			need++;
	if (!need)
		return true;
	for (uint32_t i = 0; i < t->size && avail < need; i++) {
		const struct asconf_pend *p = &t->p[i];

		/* Free, timed out, or an older request of the same sender,
		 * which a newer one replaces. */
		if (!pend_live(p, x->now) || may_replace(x, p))
			avail++;
	}
	return avail >= need;
}

/*
 * An address outside the association in this packet (x->defer_peer_check,
 * x->asconf_new_src, x->asconf_new_dst from xlate_plan): let it through
 * only as the comment at the top of this file says.
 */
static enum drop_reason check_new_addrs(struct xlate_ctx *x)
{
	const struct asconf_table *t = x->e->asconf;
	bool in = x->dir == ENGINE_INBOUND;
	uint16_t auth = x->sv.first_off[ENGINE_CS_AUTH];

	/* Only to an established association: one closing, or closed and
	 * lingering for the stray packets of its close, has no path to
	 * add, and its tag must open nothing for an address outside it. */
	if (in && x->defer_peer_check &&
	    (x->a->state != ASSOC_ESTABLISHED || !auth ||
	     auth > x->sv.first_off[ENGINE_CS_ASCONF] ||
	     !only_chunks(x, ENGINE_CS_ASCONF) || !adds_source(x)))
		return DROP_PEER_ADDR_UNKNOWN;
	if (!in && x->asconf_new_src && !adds_source(x))
		return DROP_INSIDE_ADDR_UNADVERTISED;
	if (!(!in && x->defer_peer_check) && !x->asconf_new_dst)
		return DROP_NONE;
	/* An ASCONF-ACK to the source of the request it answers. */
	for (uint8_t k = 0; k < x->n_asconf_acks; k++) {
		const struct asconf_ack_plan *ap = &x->asconf_acks[k];
		const struct asconf_pend *p = &t->p[ap->rec];
		bool confirms = false;

		if (!nat_addr_eq(&p->src, &x->dst))
			continue;
		for (uint8_t i = 0; i < p->n_ops; i++) {
			const struct asconf_pend_op *op = &p->ops[i];

			if (!(ap->ok & (1u << i)) ||
			    op->type != SCTP_PARAM_ADD_IP)
				continue;
			if (nat_addr_eq(in ? &op->public_ : &op->addr,
					&x->dst))
				confirms = true;
		}
		/* Anything else to it waits until it is confirmed. */
		if (!confirms && !only_chunks(x, ENGINE_CS_ASCONF_ACK))
			continue;
		if (in)
			x->new_dst = p->src_inside;
		return DROP_NONE;
	}
	return in ? DROP_NO_MAPPING : DROP_PEER_ADDR_UNKNOWN;
}

enum drop_reason asconf_plan(struct xlate_ctx *x)
{
	uint16_t auth = x->sv.first_off[ENGINE_CS_AUTH];
	uint32_t off = x->sv.first_off[ENGINE_CS_ASCONF];
	enum drop_reason r;

	/* Walk every ASCONF chunk of the bundle. */
	while (off && off + SCTP_CHUNK_HDR_LEN <= x->sv.len) {
		const uint8_t *ch = x->sv.sctp + off;
		uint8_t from = x->n_asconf_ops;

		off += sctp_pad4(sctp_get16(ch + 2));
		if (ch[0] != SCTP_CID_ASCONF)
			continue;
		if (x->n_asconf >= ASCONF_MAX_CHUNKS)
			return DROP_ASCONF_PENDING_FULL;
		r = collect_ops(x, (uint32_t)(ch - x->sv.sctp));
		if (r != DROP_NONE)
			return r;
		x->asconf_serial[x->n_asconf++] = sctp_get32(ch + 4);
		if (x->dir == ENGINE_OUTBOUND) {
			r = plan_outbound(x, auth &&
					  auth < (uint32_t)(ch - x->sv.sctp),
					  from);
			if (r != DROP_NONE)
				return r;
		} else {
			plan_inbound(x, from);
		}
	}
	r = plan_acks(x);
	if (r == DROP_NONE)
		r = check_new_addrs(x);
	if (r == DROP_NONE && x->n_asconf && !room_for(x))
		r = DROP_ASCONF_PENDING_FULL;
	return r;
}

/* ---- commit ---- */

static void repin(struct engine *e, struct assoc *a)
{
	for (unsigned int j = 0; j < a->n_peers; j++)
		a->peers[j].uplink = xlate_pin_uplink(e, a, j);
}

static void remove_peer_at(struct engine *e, struct assoc *a, int i)
{
	bool indexed = assoc_unindex_peers(e->table, a);

	memmove(&a->peers[i], &a->peers[i + 1],
		(size_t)(a->n_peers - i - 1) * sizeof(a->peers[0]));
	a->n_peers--;
	if (indexed)
		assoc_index_peers(e->table, a);
}

/* An inside host's Add IP, accepted: its binding joins the association. */
static void add_local(struct engine *e, struct assoc *a,
		      struct asconf_pend_op *op)
{
	struct nat_addr pub;
	int8_t up;

	if (!op->public_.family || has_local(e, a, &op->addr, &op->public_) ||
	    !assoc_room_locals(e->table, a, a->n_locals + 1u))
		return;
	/* A reload since the request may have taken the mapping away. */
	if (!op->bound &&
	    (addr_map_inside(&e->conf, &op->addr, &pub, &up) ||
	     !nat_addr_eq(&pub, &op->public_) ||
	     port_alloc_ref(e->ports, &op->public_, a->port_public,
			    &a->locals[0].inside, a->port_inside)))
		return;
	op->bound = false;	/* the reference moves to locals[] */
	local_add(e, a, &op->addr, &op->public_, op->uplink);
	handshake_cand_local_added(e, a, a->n_locals - 1);
}

static void apply_op(struct engine *e, struct assoc *a,
		     const struct asconf_pend *p, struct asconf_pend_op *op)
{
	bool any = nat_addr_is_any(&op->addr);

	if (p->dir == ENGINE_INBOUND) {
		/* The peer's request, accepted by the inside host. */
		if (op->type == SCTP_PARAM_ADD_IP) {
			if (!nat_addr_is_unroutable(&op->addr))
				xlate_add_peer(e, a, &op->addr);
		} else if (op->type == SCTP_PARAM_DEL_IP) {
			for (int i = a->n_peers - 1; i >= 0 && a->n_peers > 1;
			     i--) {
				const struct nat_addr *pa = &a->peers[i].addr;

				/* 4.2.2 and 5.3 F8: never the source. */
				if (!nat_addr_eq(pa, &p->src) &&
				    (any || nat_addr_eq(pa, &op->addr)))
					remove_peer_at(e, a, i);
			}
		}
		return;
	}
	/* The inside host's request, accepted by the peer. */
	if (op->type == SCTP_PARAM_ADD_IP) {
		add_local(e, a, op);
	} else if (op->type == SCTP_PARAM_DEL_IP) {
		/* locals[0] owns the port bindings: it stays. */
		for (int i = a->n_locals - 1; i > 0; i--) {
			const struct assoc_local *l = &a->locals[i];

			if (any ? !nat_addr_eq(local_public(e, l), &p->src) :
				  (nat_addr_eq(&l->inside, &op->addr) &&
				   !nat_addr_eq(&l->inside, &p->src_inside)))
				xlate_remove_local(e, a, i);
		}
	}
}

/* A request of a's sender older than serial is answered or abandoned. */
static void forget_older(struct engine *e, const struct assoc *a,
			 uint8_t dir, uint32_t serial)
{
	struct asconf_table *t = e->asconf;

	for (uint32_t i = 0; i < t->size && t->live; i++) {
		struct asconf_pend *p = &t->p[i];

		if (p->assoc == assoc_id(e->table, a) && p->dir == dir &&
		    serial_before(p->serial, serial))
			pend_release(e, p);
	}
}

static void commit_acks(struct xlate_ctx *x)
{
	struct asconf_table *t = x->e->asconf;

	for (uint8_t k = 0; k < x->n_asconf_acks; k++) {
		struct asconf_pend *p = &t->p[x->asconf_acks[k].rec];

		for (uint8_t i = 0; i < p->n_ops; i++)
			if (x->asconf_acks[k].ok & (1u << i))
				apply_op(x->e, x->a, p, &p->ops[i]);
		repin(x->e, x->a);
		forget_older(x->e, x->a, p->dir, p->serial);
		pend_release(x->e, p);
	}
}

/* A free slot, or the oldest request of the same sender it may replace. */
static struct asconf_pend *take_slot(struct xlate_ctx *x)
{
	struct asconf_table *t = x->e->asconf;
	struct asconf_pend *own = NULL;
	unsigned int n_own = 0;

	for (uint32_t i = 0; i < t->size; i++) {
		struct asconf_pend *p = &t->p[i];

		if (!pend_live(p, x->now) ||
		    p->assoc != assoc_id(x->e->table, x->a) || p->dir != x->dir)
			continue;
		n_own++;
		if (may_replace(x, p) &&
		    (!own || serial_before(p->serial, own->serial)))
			own = p;
	}
	if (n_own < ASCONF_PER_DIR) {
		for (uint32_t i = 0; i < t->size; i++) {
			struct asconf_pend *p = &t->p[i];

			if (!pend_live(p, x->now)) {
				pend_release(x->e, p);	/* timed out */
				return p;
			}
		}
	}
	if (own)
		pend_release(x->e, own);
	return own;
}

static void commit_request(struct xlate_ctx *x, uint8_t c)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;
	uint32_t serial = x->asconf_serial[c];
	struct asconf_pend *p;
	int i = find_request(x, serial);

	if (i >= 0) {
		/* A retransmission: the same request, held longer. */
		e->asconf->p[i].deadline = x->now +
					   engine_timeout_ns(e, ASSOC_COOKIE_WAIT);
		return;
	}
	p = take_slot(x);
	if (!p)
		return;	/* none it may replace: the sender retransmits */
	memset(p, 0, sizeof(*p));
	e->asconf->live++;
	p->assoc = assoc_id(e->table, a);
	p->dir = (uint8_t)x->dir;
	p->untrusted = untrusted(x);
	p->port = a->port_public;
	p->serial = serial;
	p->deadline = x->now + engine_timeout_ns(e, ASSOC_COOKIE_WAIT);
	if (x->dir == ENGINE_INBOUND) {
		p->src = x->src;
	} else {
		p->src = x->new_src;
		p->src_inside = x->src;
	}
	for (uint8_t k = 0; k < x->n_asconf_ops; k++) {
		const struct asconf_op *op = &x->asconf_ops[k];
		struct asconf_pend_op *po;

		if (op->chunk != c || op->type == ASCONF_LOOKUP_ADDR)
			continue;
		po = &p->ops[p->n_ops++];
		po->corr = op->corr;
		po->type = op->type;
		po->addr = op->addr;
		po->public_ = op->public_;
		po->uplink = op->uplink;
		po->bound = op->bind &&
			    !port_alloc_ref(e->ports, &op->public_,
					    a->port_public,
					    &a->locals[0].inside,
					    a->port_inside);
	}
}

void asconf_commit(struct xlate_ctx *x)
{
	struct assoc *a = x->a;

	for (uint8_t i = 0; i < x->n_asconf_ops; i++) {
		const struct asconf_op *op = &x->asconf_ops[i];

		if (op->rewrite) {
			memcpy(x->sv.sctp + op->addr_off, op->public_.bytes,
			       nat_addr_len(&op->public_));
			x->chunks_changed = true;
		}
	}
	/* Answers first: they free the slots new requests may take. */
	commit_acks(x);
	if (x->n_asconf) {
		uint32_t oldest = x->asconf_serial[0];

		for (uint8_t c = 1; c < x->n_asconf; c++)
			if (serial_before(x->asconf_serial[c], oldest))
				oldest = x->asconf_serial[c];
		/* A newer Serial Number supersedes older requests: the
		 * sender saw them answered (RFC 5061 5.1.1 C1).  Not when
		 * sent from outside the association, which may be forged. */
		if (!untrusted(x))
			forget_older(x->e, a, (uint8_t)x->dir, oldest);
		for (uint8_t c = 0; c < x->n_asconf; c++)
			commit_request(x, c);
	}
	/* Indices may have moved. */
	if (x->dir == ENGINE_INBOUND) {
		x->peer_idx = (int8_t)assoc_find_peer(a, &x->src);
		x->local_idx = (int8_t)assoc_find_local_public(&x->e->pubs, a,
							       &x->dst);
	} else {
		x->peer_idx = (int8_t)assoc_find_peer(a, &x->dst);
		x->local_idx = -1;
	}
}
