/*
 * addr_list.c: where an outbound INIT or INIT ACK gets its address list
 * rewritten (RFC 9260 3.3.2 and 5.1.2; sctpalgd.conf(5),
 * multihome).
 *
 * Every IPv4 / IPv6 Address parameter names an inside address.  Those in
 * an inside network become the public address they map to; those that
 * cannot be mapped (other private ranges, link-local, loopback) are
 * removed, so the peer never learns an address it cannot reach.  With
 * proxy multihoming the public addresses of the other uplinks are added,
 * so the peer sees a multihomed endpoint although the inside host listed
 * none.  An address is only advertised once its binding exists (collect
 * adds it to the association before emit writes it).
 *
 * The chunk is rebuilt in the engine's scratch buffer: every parameter
 * that is not an address is copied in order, then the address list.
 * INIT and INIT ACK stand alone in their packet, so the chunk may grow or
 * shrink freely; xlate_commit fixes the IP and SCTP lengths.
 */
#include <errno.h>
#include <string.h>

#include "addr_map.h"
#include "engine_impl.h"
#include "sctp_wire.h"

static bool is_addr_param(uint16_t type)
{
	return type == SCTP_PARAM_IPV4_ADDR || type == SCTP_PARAM_IPV6_ADDR;
}

static void param_addr(const uint8_t *param, struct nat_addr *out)
{
	if (sctp_get16(param) == SCTP_PARAM_IPV4_ADDR)
		nat_addr_from_v4(out, param + 4);
	else
		nat_addr_from_v6(out, param + 4);
}

static unsigned int distinct_inside(const struct assoc *a)
{
	unsigned int n = 0;

	for (int i = 0; i < a->n_locals; i++)
		if (assoc_find_local_inside(a, &a->locals[i].inside) == i)
			n++;
	return n;
}

/* Add a binding unless it exists; false when it cannot be had. */
static bool add_local(struct xlate_ctx *x, const struct assoc_bind *l,
		      bool check_port)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;
	/* One pass tells both whether the binding exists and whether its
	 * inside address is new (assoc_find_local_inside). */
	bool inside_known = false;

	for (int i = 0; i < a->n_locals; i++) {
		if (!nat_addr_eq(&a->locals[i].inside, &l->inside))
			continue;
		if (nat_addr_eq(local_public(e, &a->locals[i]), &l->public_))
			return true;
		inside_known = true;
	}
	if (!assoc_room_locals(e->table, a, a->n_locals + 1u))
		return false;
	if (!inside_known && distinct_inside(a) >= e->conf.max_addrs)
		return false;
	if (check_port &&
	    !port_alloc_can_ref(e->ports, &l->public_, a->port_public,
				a->n_locals ? &a->locals[0].inside : &l->inside,
				a->port_inside))
		return false;
	local_add(e, a, &l->inside, &l->public_, l->uplink);
	return true;
}

/*
 * The binding an inside address gets.  A [forward] rule that names the
 * server's other inside addresses pairs each with a public address of
 * the rule (sctpalgd.conf(5), `inside`); any other address maps by its
 * inside network.  Either way the INIT ACK advertises the public address
 * for it, and inbound packets to that address come back to it
 * (xlate_inbound_local).
 */
static int map_local(struct xlate_ctx *x, const struct nat_addr *inside,
		     struct assoc_bind *l)
{
	const struct engine_config *c = &x->e->conf;
	const struct assoc *a = x->a;

	l->inside = *inside;
	if ((a->flags & ASSOC_F_INBOUND) && a->forward >= 0 &&
	    a->forward < c->n_forwards) {
		const struct engine_forward *fw = &c->forwards[a->forward];
		int k = addr_map_forward_public(fw, inside);

		if (k > 0) {
			l->public_ = fw->public_addrs[k];
			l->uplink = (int8_t)addr_map_public_uplink(c,
								   &l->public_);
			return 0;
		}
	}
	if (inside == &x->src)
		return addr_list_map_src(x, &l->public_, &l->uplink);
	return addr_map_inside(c, inside, &l->public_, &l->uplink);
}

/* The source's mapping, made once per packet. */
static const struct src_map *src_map_of(struct xlate_ctx *x)
{
	struct src_map *m = &x->src_map;

	if (!x->src_mapped) {
		m->public_ = (struct nat_addr){ 0 };
		m->uplink = -1;
		m->err = addr_map_inside_how(&x->e->conf, &x->src, &m->public_,
					     &m->uplink, &m->on_uplink);
		m->pair = NULL;
		m->pair_bucket = PORT_ALLOC_NO_BUCKET;
		x->src_mapped = true;
	}
	return m;
}

int addr_list_map_src(struct xlate_ctx *x, struct nat_addr *pub, int8_t *uplink)
{
	const struct src_map *m = src_map_of(x);

	if (!m->err) {
		*pub = m->public_;
		*uplink = m->uplink;
	}
	return m->err;
}

static bool source_translated(struct xlate_ctx *x)
{
	const struct src_map *m = src_map_of(x);

	return !m->err && m->uplink >= 0;
}

/*
 * The source's own binding and, with proxy multihoming, one per uplink
 * besides the one it was mapped to (addr_list_collect below; an uplink
 * without an address of the source's family adds none, hence "at
 * most").  The addresses its INIT lists may add more: they are rare, and
 * the list grows for them.  Sizing the list once from this spares every
 * multihomed association a move to a larger block (assoc_alloc_for).
 */
unsigned int addr_list_src_bindings(struct xlate_ctx *x)
{
	const struct engine_config *c = &x->e->conf;

	if (c->multihome != MULTIHOME_UPLINKS || !source_translated(x))
		return 1;
	return x->src_map.on_uplink ? c->n_uplinks : c->n_uplinks + 1u;
}

enum drop_reason addr_list_collect(struct xlate_ctx *x, const uint8_t *chunk,
				   bool check_port, bool bind_listed)
{
	const struct engine_config *c = &x->e->conf;
	struct assoc *a = x->a;
	struct assoc_bind l;
	struct nat_addr in;
	/* The source was bound here, to its mapping (map_local). */
	bool src_bound = false;
	uint32_t off;
	int err;

	x->locals_before = a->n_locals;
	if (assoc_find_local_inside(a, &x->src) < 0) {
		err = map_local(x, &x->src, &l);
		if (err)
			return err == -ENOENT ? DROP_INSIDE_ADDR_UNKNOWN :
						DROP_NO_MAPPING;
		if (!add_local(x, &l, check_port))
			return DROP_PORTS_EXHAUSTED;
		src_bound = true;
	}
	for (off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		uint16_t type = sctp_get16(chunk + off);

		/* RFC 9260 5.1.2: a host name cannot be translated, and
		 * the peer would abort on it anyway. */
		if (type == SCTP_PARAM_HOST_NAME)
			return DROP_HOST_NAME_ADDR;
		if (!is_addr_param(type))
			continue;
		param_addr(chunk + off, &in);
		if (nat_addr_is_any(&in) ||
		    assoc_find_local_inside(a, &in) >= 0 ||
		    map_local(x, &in, &l))
			continue;	/* kept, or unmappable: removed */
		if (bind_listed)
			add_local(x, &l, check_port);
	}
	/*
	 * Proxy multihoming lends the uplinks' addresses to a translated
	 * source only.  An IPv6 host without NAT66 keeps its own address
	 * (it is listed, and its packets come from it): giving it the
	 * uplinks' IPv6 addresses too would make its packets leave from an
	 * address other than the one its INIT names.
	 */
	if (bind_listed && c->multihome == MULTIHOME_UPLINKS &&
	    !(a->flags & ASSOC_F_INBOUND) && source_translated(x)) {
		for (unsigned int u = 0; u < c->n_uplinks; u++) {
			/* The source's own uplink's address for it is what
			 * it was mapped to: bound above, and add_local
			 * would find it so. */
			if (src_bound && x->src_map.on_uplink &&
			    u == (unsigned int)x->src_map.uplink)
				continue;
			l.inside = x->src;
			l.uplink = (int8_t)u;
			if (addr_map_on_uplink(c, u, &x->src, &l.public_))
				continue;
			add_local(x, &l, check_port);
		}
	}
	return DROP_NONE;
}

/* Does the chunk list this inside address? */
static bool listed_in_chunk(const uint8_t *chunk, const struct nat_addr *inside)
{
	struct nat_addr l;
	uint32_t off;

	for (off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		if (!is_addr_param(sctp_get16(chunk + off)))
			continue;
		param_addr(chunk + off, &l);
		if (nat_addr_eq(&l, inside))
			return true;
	}
	return false;
}

/* Does the chunk list this inside address, or is it the source?  The
 * source, nearly always: told without walking the chunk. */
static inline bool listed_here(const struct xlate_ctx *x, const uint8_t *chunk,
			       const struct nat_addr *inside)
{
	return nat_addr_eq(inside, &x->src) || listed_in_chunk(chunk, inside);
}

uint32_t addr_list_left_out(const struct xlate_ctx *x, const struct assoc *a,
			     const uint8_t *chunk)
{
	uint32_t m = 0;

	for (int i = 0; i < a->n_locals && i < 32; i++)
		if (!listed_here(x, chunk, &a->locals[i].inside))
			m |= 1u << i;
	return m;
}

/*
 * Bit i set when locals[i] is the first binding with its public address
 * (assoc_first_same_public): the bindings advertised, one per address.
 */
static uint32_t first_publics(const struct assoc *a)
{
	uint32_t m = 0;

	_Static_assert(ENGINE_ADDRS_MAX * 2 <= 32,
		       "an association's bindings fit a 32-bit mask");
	for (int i = 0; i < a->n_locals; i++)
		if (assoc_first_same_public(a, i) == i)
			m |= 1u << i;
	return m;
}

enum drop_reason addr_list_emit(struct xlate_ctx *x, const uint8_t *chunk)
{
	uint8_t *out = x->e->scratch;
	const struct assoc *a = x->a;
	uint32_t off, pos = SCTP_INIT_FIXED_LEN, end = SCTP_INIT_FIXED_LEN;
	uint32_t room = x->pkt->cap < ENGINE_MAX_PKT ? x->pkt->cap :
						       ENGINE_MAX_PKT;
	uint32_t firsts = first_publics(a);
	bool had_addrs = false;

	for (off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off))
		had_addrs |= is_addr_param(sctp_get16(chunk + off));
	/* Nothing to say beyond the source address: leave it untouched.
	 * (At most one bit set, without a popcount the target may lack:
	 * libgcc's takes twenty instructions.) */
	if (!had_addrs && (firsts & (firsts - 1)) == 0) {
		x->new_chunk_len = 0;
		return DROP_NONE;
	}
	/* Room left for the chunk in the caller's buffer. */
	room -= x->ip.l4_off + SCTP_HDR_LEN;
	if (room > sizeof(x->e->scratch))
		room = sizeof(x->e->scratch);

	memcpy(out, chunk, SCTP_INIT_FIXED_LEN);
	for (off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		uint16_t plen = sctp_get16(chunk + off + 2);

		if (is_addr_param(sctp_get16(chunk + off)))
			continue;
		if (pos + sctp_pad4(plen) > room)
			return DROP_NO_ROOM;
		memcpy(out + pos, chunk + off, plen);
		memset(out + pos + plen, 0, sctp_pad4(plen) - plen);
		end = pos + plen;
		pos += sctp_pad4(plen);
	}
	for (int i = 0; i < a->n_locals; i++) {
		const struct nat_addr *p = local_public(x->e, &a->locals[i]);
		bool v4 = p->family == AF_INET;
		uint16_t plen = v4 ? SCTP_PARAM_IPV4_LEN : SCTP_PARAM_IPV6_LEN;

		if (!(firsts >> i & 1))
			continue;	/* advertised once */
		/* An INIT / INIT ACK on an existing association (restart,
		 * collision, RFC 9260 5.2.2) speaks for what the host lists
		 * now, not for every address the association ever had. */
		if (!listed_here(x, chunk, &a->locals[i].inside))
			continue;
		if (pos + plen > room)
			return DROP_NO_ROOM;
		sctp_put16(out + pos,
			   v4 ? SCTP_PARAM_IPV4_ADDR : SCTP_PARAM_IPV6_ADDR);
		sctp_put16(out + pos + 2, plen);
		/* Constant lengths: a load and a store each, not a copy
		 * loop over a length computed at run time. */
		if (v4)
			memcpy(out + pos + 4, p->bytes, 4);
		else
			memcpy(out + pos + 4, p->bytes, 16);
		pos += plen;
		end = pos;
	}
	/* RFC 9260 3.2: the chunk length excludes the last padding. */
	sctp_put16(out + 2, (uint16_t)end);
	x->new_chunk_len = end;
	return DROP_NONE;
}
