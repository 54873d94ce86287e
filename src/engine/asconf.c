/*
 * asconf.c: dynamic address reconfiguration through the ALG (RFC 5061,
 * SPEC 2).
 *
 * ASCONF (Add IP / Delete IP / Set Primary) changes an association's
 * address sets, so the ALG follows it: a peer's Add IP becomes a peer
 * address that matches the association, an inside host's Add IP a new
 * binding.  RFC 5061 requires ASCONF to be authenticated (RFC 4895), and
 * the AUTH HMAC covers every chunk after the AUTH chunk, so the ALG never
 * rewrites an address inside a covered ASCONF.  The wildcard address
 * (0.0.0.0 / ::) means "the source address of this packet", which the
 * ALG translates in the IP header like any other packet: that is how a
 * host behind a NAT adds addresses (draft-ietf-tsvwg-natsupp).  An
 * explicit inside address under AUTH cannot be translated: the packet is
 * dropped and counted (asconf-authenticated-private-address).  Outside an
 * AUTH chunk's cover (a peer that does not authenticate), inside
 * addresses are rewritten to their public mapping like INIT's.
 */
#include <string.h>

#include "addr_map.h"
#include "engine_impl.h"
#include "sctp_wire.h"

#define ASCONF_LOOKUP_ADDR	0	/* the ASCONF's Address Parameter */

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
		if (!read_addr(chunk + aoff, &op->addr))
			return DROP_ASCONF_BAD;
		op->addr_off = (uint16_t)(coff + aoff + 4);
	}
	return DROP_NONE;
}

static enum drop_reason plan_outbound(struct xlate_ctx *x, bool covered,
				      uint8_t from)
{
	const struct engine_config *c = &x->e->conf;

	for (uint8_t i = from; i < x->n_asconf_ops; i++) {
		struct asconf_op *op = &x->asconf_ops[i];
		struct nat_addr pub;
		int8_t up;

		if (nat_addr_is_any(&op->addr) ||
		    addr_map_inside(c, &op->addr, &pub, &up))
			continue;	/* wildcard, or not ours to map */
		if (nat_addr_eq(&pub, &op->addr))
			continue;	/* untranslated IPv6 */
		if (covered)
			return DROP_ASCONF_AUTH_PRIVATE;
		op->rewrite = pub;
	}
	return DROP_NONE;
}

enum drop_reason asconf_plan(struct xlate_ctx *x)
{
	uint16_t auth = x->sv.first_off[ENGINE_CS_AUTH];
	uint32_t off = x->sv.first_off[ENGINE_CS_ASCONF];
	bool adds_source = false;
	enum drop_reason r;

	/* Walk every ASCONF chunk of the bundle. */
	while (off && off + SCTP_CHUNK_HDR_LEN <= x->sv.len) {
		const uint8_t *ch = x->sv.sctp + off;
		uint8_t from = x->n_asconf_ops;

		if (ch[0] == SCTP_CID_ASCONF) {
			r = collect_ops(x, off);
			if (r == DROP_NONE && x->dir == ENGINE_OUTBOUND)
				r = plan_outbound(x, auth && auth < off, from);
			if (r != DROP_NONE)
				return r;
		}
		off += sctp_pad4(sctp_get16(ch + 2));
	}
	if (x->dir == ENGINE_OUTBOUND || !x->defer_peer_check)
		return DROP_NONE;
	/* A peer adding the address it sends from (natsupp wildcard). */
	for (uint8_t i = 0; i < x->n_asconf_ops; i++) {
		const struct asconf_op *op = &x->asconf_ops[i];

		if (op->type == SCTP_PARAM_ADD_IP &&
		    (nat_addr_is_any(&op->addr) ||
		     nat_addr_eq(&op->addr, &x->src)))
			adds_source = true;
	}
	return adds_source ? DROP_NONE : DROP_PEER_ADDR_UNKNOWN;
}

static void remove_peer(struct engine *e, struct assoc *a,
			const struct nat_addr *addr)
{
	int i = assoc_find_peer(a, addr);

	if (i < 0 || a->n_peers <= 1)
		return;
	memmove(&a->peers[i], &a->peers[i + 1],
		(size_t)(a->n_peers - i - 1) * sizeof(a->peers[0]));
	a->n_peers--;
	for (unsigned int j = 0; j < a->n_peers; j++)
		a->peers[j].uplink = xlate_pin_uplink(e, a, j);
}

static void remove_local(struct engine *e, struct assoc *a,
			 const struct nat_addr *inside)
{
	int i = assoc_find_local_inside(a, inside);

	/* locals[0] owns the port bindings: it stays. */
	if (i <= 0)
		return;
	port_alloc_unref(e->ports, &a->locals[i].public_, a->port_public);
	memmove(&a->locals[i], &a->locals[i + 1],
		(size_t)(a->n_locals - i - 1) * sizeof(a->locals[0]));
	a->n_locals--;
}

static void add_local(struct engine *e, struct assoc *a,
		      const struct nat_addr *inside)
{
	struct assoc_local l = { .inside = *inside };

	if (assoc_find_local_inside(a, inside) >= 0 ||
	    a->n_locals >= assoc_table_max_locals(e->table) ||
	    addr_map_inside(&e->conf, inside, &l.public_, &l.uplink) ||
	    port_alloc_ref(e->ports, &l.public_, a->port_public,
			   &a->locals[0].inside, a->port_inside))
		return;
	a->locals[a->n_locals++] = l;
}

void asconf_commit(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;

	for (uint8_t i = 0; i < x->n_asconf_ops; i++) {
		const struct asconf_op *op = &x->asconf_ops[i];
		const struct nat_addr *addr = &op->addr;

		if (op->rewrite.family) {
			memcpy(x->sv.sctp + op->addr_off, op->rewrite.bytes,
			       nat_addr_len(&op->rewrite));
			x->chunks_changed = true;
		}
		if (nat_addr_is_any(addr))
			addr = &x->src;	/* natsupp: "this packet's source" */
		if (x->dir == ENGINE_INBOUND) {
			if (op->type == SCTP_PARAM_ADD_IP)
				xlate_add_peer(e, a, addr);
			else if (op->type == SCTP_PARAM_DEL_IP &&
				 !nat_addr_eq(addr, &x->src))
				remove_peer(e, a, addr);
			continue;
		}
		if (op->type == SCTP_PARAM_ADD_IP)
			add_local(e, a, addr);
		else if (op->type == SCTP_PARAM_DEL_IP &&
			 !nat_addr_eq(addr, &x->src))
			remove_local(e, a, addr);
	}
	if (x->dir == ENGINE_INBOUND)
		x->peer_idx = (int8_t)assoc_find_peer(a, &x->src);
	else
		x->local_idx = -1;	/* indices may have moved */
}
