/*
 * xlate.c: the translation every SCTP packet of a known association gets
 * -- which inside / public / peer address it concerns, which public
 * address and uplink it leaves by, and the final rewrite of addresses,
 * ports and checksums.
 *
 * Checksums: SCTP has no pseudo-header, so when only ports change the
 * CRC32c is patched incrementally (the cost does not grow with the
 * packet); when chunk bytes change it is recomputed.  A zero checksum
 * (RFC 9653) stays zero when only ports change and becomes a full correct
 * CRC otherwise, never an incremental patch of zero.
 */
#include <netinet/in.h>
#include <string.h>

#include "addr_map.h"
#include "crc32c.h"
#include "engine_impl.h"
#include "inet_csum.h"
#include "sctp_wire.h"

/*
 * Proxy multihoming pins each peer address to an uplink: the n-th peer
 * address goes by the n-th live uplink of the association (in the order
 * its public addresses were bound, the primary first), so when the inside
 * host fails over to its next peer address, its traffic also moves to the
 * next ISP.  Without multihoming the uplink follows the public address.
 */
int8_t xlate_pin_uplink(const struct engine *e, const struct assoc *a,
			unsigned int peer_idx)
{
	int8_t cand[ENGINE_MAX_UPLINKS];
	unsigned int n = 0;
	uint8_t family = a->peers[peer_idx].addr.family;

	if (e->conf.multihome != MULTIHOME_UPLINKS)
		return -1;
	for (int i = 0; i < a->n_locals; i++) {
		int8_t u = a->locals[i].uplink;
		bool seen = false;

		if (u < 0 || local_public(e, &a->locals[i])->family != family ||
		    e->uplink_down[u])
			continue;
		for (unsigned int j = 0; j < n; j++)
			seen |= cand[j] == u;
		if (!seen && n < ENGINE_MAX_UPLINKS)
			cand[n++] = u;
	}
	return n ? cand[peer_idx % n] : -1;
}

static bool uplink_dead(const struct engine *e, int8_t u)
{
	return u >= 0 && e->uplink_down[u];
}

/*
 * A binding of the association on the uplink a peer address is pinned
 * to, whichever inside address it was made for; -1 when none.
 */
static int pinned_local(const struct engine *e, const struct assoc *a,
			int peer_idx, uint8_t family)
{
	int8_t want = peer_idx >= 0 ? a->peers[peer_idx].uplink : -1;

	if (want < 0)
		return -1;
	for (int i = 0; i < a->n_locals; i++)
		if (a->locals[i].uplink == want &&
		    local_public(e, &a->locals[i])->family == family)
			return i;
	return -1;
}

int xlate_pick_public(const struct engine *e, const struct assoc *a,
		      const struct nat_addr *inside, int peer_idx)
{
	int8_t want = peer_idx >= 0 ? a->peers[peer_idx].uplink : -1;
	int best = -1, pin;

	for (int i = 0; i < a->n_locals; i++) {
		const struct assoc_local *l = &a->locals[i];

		if (!nat_addr_eq(&l->inside, inside))
			continue;
		if (want >= 0 && l->uplink == want)
			return i;
		/* Otherwise the first binding on a live uplink. */
		if (best < 0 || (uplink_dead(e, a->locals[best].uplink) &&
				 !uplink_dead(e, l->uplink)))
			best = i;
	}
	/*
	 * A multihomed host sends each path from the address its routes
	 * pick (Linux does, RFC 9260 6.4 leaves it to the host), so its
	 * second address may reach a peer address pinned to an uplink on
	 * which only the first address has a binding.  Any binding there
	 * stands for the association: the peer sees one endpoint and one
	 * port, and the pin must hold or the path leaves by an uplink that
	 * cannot reach that peer address (or is down).
	 */
	if (best >= 0 &&
	    (pin = pinned_local(e, a, peer_idx, inside->family)) >= 0)
		return pin;
	return best;
}

/*
 * Which inside address a packet to public address `pub` goes to.  A
 * [forward] association binds every public address of its rule to the
 * server's first inside address when the INIT comes in; the server's
 * INIT ACK may then list other inside addresses, and the rewrite tells
 * the peer that each is one of the public addresses.  Packets to that
 * public address must reach the inside address it was advertised for,
 * or a multihomed server loses every inbound path when its first inside
 * link fails (sctpalgd.conf(5), `inside`).  So: the inside address the
 * rule names for `pub`, if bound; else, for a public address the rule
 * names none for, the first inside address the server listed for it;
 * else the first binding, as for any outbound association.  While that
 * inside address is unusable (forward_inside.c), the first binding of
 * `pub` to a usable one instead: where a new association went while the
 * address paired with `pub` was down.
 */
int xlate_inbound_local(const struct engine *e, const struct assoc *a,
			const struct nat_addr *pub)
{
	const struct engine_forward *fw = NULL;
	const struct nat_addr *named = NULL;
	int first = -1, learned = -1, hit = -1, pick;

	if ((a->flags & ASSOC_F_INBOUND) && a->forward >= 0 &&
	    a->forward < e->conf.n_forwards) {
		fw = &e->conf.forwards[a->forward];
		named = addr_map_forward_inside(fw, pub);
	}
	for (int i = 0; i < a->n_locals && hit < 0; i++) {
		const struct assoc_local *l = &a->locals[i];

		/* Bindings of one public address name one entry of the
		 * table: once one is found, the index tells the others. */
		if (first >= 0 ? assoc_local_pub(l) !=
					 assoc_local_pub(&a->locals[first]) :
				 !nat_addr_eq(local_public(e, l), pub))
			continue;
		if (first < 0)
			first = i;
		if (!fw)
			break; /* the first is the pick */
		if (named && nat_addr_eq(&l->inside, named))
			hit = i;
		if (fw && !named && learned < 0 &&
		    !nat_addr_eq(&l->inside, &a->locals[0].inside))
			learned = i;
	}
	pick = hit >= 0 ? hit : learned >= 0 ? learned : first;
	if (pick < 0 || !fw ||
	    forward_inside_usable(e, a->forward, &a->locals[pick].inside))
		return pick;
	for (int i = 0; i < a->n_locals; i++)
		if (assoc_local_pub(&a->locals[i]) ==
			    assoc_local_pub(&a->locals[pick]) &&
		    forward_inside_usable(e, a->forward, &a->locals[i].inside))
			return i;
	return pick;
}

void xlate_add_peer(struct engine *e, struct assoc *a,
		    const struct nat_addr *addr)
{
	struct assoc_peer *p;

	if (assoc_find_peer(a, addr) >= 0 || nat_addr_is_any(addr) ||
	    !assoc_room_peers(e->table, a, a->n_peers + 1u))
		return;
	p = &a->peers[a->n_peers];
	memset(p, 0, sizeof(*p));
	p->addr = *addr;
	p->uplink = -1;
	a->n_peers++;
	assoc_index_new_peer(e->table, a);
	p->uplink = xlate_pin_uplink(e, a, a->n_peers - 1u);
}

/*
 * An inside binding leaves the association: an accepted Delete IP
 * (asconf.c), or an address a completed restart's INIT / INIT ACK left
 * out (handshake_cand.c).  Callers keep locals[0], which owns the port
 * bindings.
 */
void xlate_remove_local(struct engine *e, struct assoc *a, int i)
{
	port_alloc_unref(e->ports, local_public(e, &a->locals[i]),
			 a->port_public);
	local_remove(e, a, i);
	handshake_cand_local_gone(e, a, i);
}

/*
 * An inside address the INIT never listed joins by vtag (stacks leave
 * private addresses out of an INIT to a public peer, then send from
 * them), as long as the public address it maps to is one the peer was
 * told of: the usual case, several inside addresses behind one uplink
 * address.  A public address the peer never heard of (the host's IPv6
 * address on an association its INIT began over IPv4, a 1:1 mapping) is
 * refused.  RFC 9260 8.4 has the peer treat a packet from an address
 * outside the association as out of the blue and answer it with an ABORT
 * carrying the T bit and the peer's own tag, which the host must accept
 * (8.5.1 B): one such packet would end the whole association.  Dropped
 * (inside-address-unadvertised), it costs the host only that path, and
 * the association goes on over the addresses the peer knows.  The box
 * cannot advertise the address itself: only the endpoint can send the
 * ASCONF that does (RFC 5061), so such a packet passes when it is that
 * ASCONF (asconf.c).
 */
static enum drop_reason plan_join(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;
	struct assoc_bind *j = &x->join;

	if (!assoc_room_locals(e->table, a, a->n_locals + 1u))
		return DROP_TOO_MANY_ADDRS;
	j->inside = x->src;
	if (addr_map_inside(&e->conf, &x->src, &j->public_, &j->uplink))
		return DROP_INSIDE_ADDR_UNKNOWN;
	if (!port_alloc_can_ref(e->ports, &j->public_, a->port_public,
				&a->locals[0].inside, a->port_inside))
		return DROP_PORTS_EXHAUSTED;
	/* An INIT ACK advertises its own addresses (handshake.c). */
	if (assoc_find_local_public(&e->pubs, a, &j->public_) < 0 &&
	    x->sv.first_type != SCTP_CID_INIT_ACK) {
		if (!x->sv.count[ENGINE_CS_ASCONF])
			return DROP_INSIDE_ADDR_UNADVERTISED;
		x->asconf_new_src = true;
		return DROP_NONE;
	}
	x->join_local = true;
	return DROP_NONE;
}

enum drop_reason xlate_plan(struct xlate_ctx *x)
{
	struct assoc *a = x->a;
	int li;

	if (x->dir == ENGINE_OUTBOUND) {
		x->peer_idx = x->hint_a == a ? x->hint_peer :
			      (int8_t)assoc_find_peer(a, &x->dst);
		/* A handshake's packets may use the addresses it offers;
		 * an ASCONF-ACK the address a pending ASCONF came from
		 * (asconf.c). */
		if (x->peer_idx < 0 && !handshake_cand_peer_ok(x, &x->dst) &&
		    !x->sv.count[ENGINE_CS_ASCONF_ACK])
			return DROP_PEER_ADDR_UNKNOWN;
		x->defer_peer_check = x->peer_idx < 0 &&
				      x->sv.count[ENGINE_CS_ASCONF_ACK];
		li = xlate_pick_public(x->e, a, &x->src, x->peer_idx);
		if (li < 0) {
			enum drop_reason r = plan_join(x);

			if (r != DROP_NONE)
				return r;
			x->new_src = x->join.public_;
			x->v->uplink = x->join.uplink;
			/* As in xlate_pick_public: the pin holds. */
			li = pinned_local(x->e, a, x->peer_idx, x->src.family);
			if (li >= 0) {
				x->new_src =
					*local_public(x->e, &a->locals[li]);
				x->v->uplink = a->locals[li].uplink;
				li = -1;
			}
		} else {
			x->new_src = *local_public(x->e, &a->locals[li]);
			x->v->uplink = a->locals[li].uplink;
		}
		x->local_idx = (int8_t)li;
		x->new_dst = x->dst;
		x->new_sport = a->port_public;
		x->new_dport = x->sv.dport;
		return DROP_NONE;
	}

	/* Without a [forward] rule's pairing, the lookup's first binding
	 * of the destination is xlate_inbound_local's answer. */
	if (x->hint_a == a && !(a->flags & ASSOC_F_INBOUND))
		li = x->hint_local;
	else
		li = xlate_inbound_local(x->e, a, &x->dst);
	if (li < 0) {
		/* The ASCONF-ACK confirming an Add IP of the inside host
		 * (asconf.c sets new_dst). */
		if (!x->sv.count[ENGINE_CS_ASCONF_ACK])
			return DROP_NO_MAPPING;
		x->asconf_new_dst = true;
	}
	x->local_idx = (int8_t)li;
	x->peer_idx = x->hint_a == a ? x->hint_peer :
		      (int8_t)assoc_find_peer(a, &x->src);
	if (x->peer_idx < 0 && !handshake_cand_peer_ok(x, &x->src)) {
		/* An ASCONF adding its source may legitimise it; checked
		 * once learned. */
		if (!x->sv.count[ENGINE_CS_ASCONF])
			return DROP_PEER_ADDR_UNKNOWN;
		x->defer_peer_check = true;
	}
	x->new_src = x->src;
	if (li >= 0)
		x->new_dst = a->locals[li].inside;
	x->new_sport = x->sv.sport;
	x->new_dport = a->port_inside;
	return DROP_NONE;
}

static void commit_join(struct xlate_ctx *x)
{
	struct assoc *a = x->a;

	if (!x->join_local)
		return;
	x->join_local = false;
	/* An ASCONF of this packet may have bound it already. */
	if (assoc_find_local_inside(a, &x->join.inside) >= 0)
		return;
	/* The plan made room, but an Add IP of the same packet may have
	 * taken it. */
	if (!assoc_room_locals(x->e->table, a, a->n_locals + 1u))
		return;
	port_alloc_ref(x->e->ports, &x->join.public_, a->port_public,
		       &a->locals[0].inside, a->port_inside);
	local_add(x->e, a, &x->join.inside, &x->join.public_, x->join.uplink);
	x->local_idx = (int8_t)(a->n_locals - 1);
}

/*
 * The new source and destination of an IPv4 header and its TTL one less
 * (forwarded: checked > 1 before the plan), the header checksum patched
 * once for all three (RFC 1624 eqn. 3 with the terms of each changed
 * word: the same value as three updates in a row, or a recompute).
 */
static void set_ip4_addrs(struct xlate_ctx *x)
{
	uint8_t *d = x->pkt->data;
	uint8_t *so = d + x->ip.src_off, *dof = d + x->ip.dst_off;
	uint32_t os = sctp_get32(so), od = sctp_get32(dof);
	uint32_t ns = sctp_get32(x->new_src.bytes);
	uint32_t nd = sctp_get32(x->new_dst.bytes);
	uint16_t ottl = sctp_get16(d + 8);
	uint64_t sum;

	/* TTL is the high byte of the word it shares with the protocol. */
	sum = (uint16_t)~sctp_get16(d + 10);
	sum += (uint16_t)~ottl + (uint16_t)(ottl - 0x100);
	d[8]--;
	if (os != ns) {
		sum += (uint16_t)~(os >> 16) + (uint16_t)~os;
		sum += (ns >> 16) + (ns & 0xffff);
		memcpy(so, x->new_src.bytes, 4);
	}
	if (od != nd) {
		sum += (uint16_t)~(od >> 16) + (uint16_t)~od;
		sum += (nd >> 16) + (nd & 0xffff);
		memcpy(dof, x->new_dst.bytes, 4);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sctp_put16(d + 10, (uint16_t)~sum);
}

static void set_ip6_addr(struct xlate_ctx *x, uint16_t off,
			 const struct nat_addr *na)
{
	uint8_t *d = x->pkt->data;

	if (memcmp(d + off, na->bytes, nat_addr_len(na)) != 0)
		memcpy(d + off, na->bytes, nat_addr_len(na));
}

/* Replace the first chunk by the scratch copy and fix every length. */
static void commit_chunk(struct xlate_ctx *x)
{
	uint8_t *d = x->pkt->data;
	uint8_t *chunk = x->sv.sctp + SCTP_HDR_LEN;
	uint32_t sctp_len = SCTP_HDR_LEN + sctp_pad4(x->new_chunk_len);
	uint32_t new_total = x->ip.l4_off + sctp_len;

	memcpy(chunk, x->e->scratch, sctp_pad4(x->new_chunk_len));
	if (x->ip.family == AF_INET) {
		uint16_t old = sctp_get16(d + 2);

		sctp_put16(d + 2, (uint16_t)new_total);
		sctp_put16(d + 10, inet_csum_update16(sctp_get16(d + 10), old,
						      (uint16_t)new_total));
	} else {
		sctp_put16(d + 4, (uint16_t)(new_total - 40));
	}
	x->sv.len = sctp_len;
	x->ip.total_len = new_total;
	x->pkt->len = new_total;
	x->chunks_changed = true;
}

void xlate_commit(struct xlate_ctx *x)
{
	uint8_t *s = x->sv.sctp;
	uint32_t old_ports = sctp_get32(s), new_ports, csum;

	commit_join(x);
	if (x->new_chunk_len)
		commit_chunk(x);
	else if (x->pkt->len > x->ip.total_len)
		x->pkt->len = x->ip.total_len; /* drop link padding */
	if (x->ip.family == AF_INET) {
		set_ip4_addrs(x);
	} else {
		/* Forwarded: one hop less (checked > 1 before the plan). */
		ip_hop_limit_dec(x->pkt->data);
		set_ip6_addr(x, x->ip.src_off, &x->new_src);
		set_ip6_addr(x, x->ip.dst_off, &x->new_dst);
	}

	sctp_put16(s + SCTP_OFF_SPORT, x->new_sport);
	sctp_put16(s + SCTP_OFF_DPORT, x->new_dport);
	/* From the plan, not read back: a 32-bit load of two 16-bit
	 * stores just made waits for them (no store forwarding). */
	new_ports = (uint32_t)x->new_sport << 16 | x->new_dport;
	csum = sctp_csum_get(s);
	if (x->chunks_changed) {
		sctp_csum_fill(s, x->sv.len);
		x->e->stats.csum_full++;
	} else if (new_ports != old_ports && csum != 0) {
		sctp_csum_set(s, sctp_csum_update_ports(csum, old_ports,
							new_ports, x->sv.len));
		x->e->stats.csum_incremental++;
	}
	x->v->action = ENGINE_FORWARD;
	x->v->reason = DROP_NONE;
	x->v->len = x->pkt->len;
}

void xlate_count(struct xlate_ctx *x)
{
	struct engine_stats *st = &x->e->stats;
	struct assoc *a = x->a;

	st->forwarded[x->dir & 1]++;
	for (uint32_t m = x->sv.cats; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctz(m);

		st->chunks[i] += x->sv.count[i];
	}
	if (!a)
		return;
	a->last_seen = x->now;
	if (x->peer_idx < 0)
		x->peer_idx = (int8_t)assoc_find_peer(a, x->dir ==
						      ENGINE_OUTBOUND ?
						      &x->dst : &x->src);
	if (x->peer_idx >= 0) {
		struct assoc_peer *p = &a->peers[x->peer_idx];

		if (x->dir == ENGINE_OUTBOUND) {
			p->pkts_out++;
			p->bytes_out += x->pkt->len;
		} else {
			p->pkts_in++;
			p->bytes_in += x->pkt->len;
		}
	}
}
