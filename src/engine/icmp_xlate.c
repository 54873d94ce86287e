/*
 * icmp_xlate.c: ICMP and ICMPv6 errors that quote an SCTP packet of a
 * translated association (RFC 5508 4.1 for NAT behaviour, RFC
 * 9260 10 for how SCTP uses them).
 *
 * The quoted packet is the one the box sent, so it shows the translated
 * side: an error arriving from outside quotes (public -> peer) and must
 * reach the inside host quoting (inside -> peer), or the host cannot match
 * it to its association and path MTU discovery and fast failover break.
 * Both the outer and the quoted headers are translated; the quoted SCTP
 * checksum is patched only when the whole packet is quoted (otherwise no
 * one can verify it anyway).  The association is found by ports and
 * checked by addresses and by the quoted verification tag (RFC 9260
 * 8.5.1 / appendix C: ICMP must carry the right tag to be believed).
 */
#include <netinet/in.h>
#include <string.h>

#include "addr_map.h"
#include "crc32c.h"
#include "engine_impl.h"
#include "inet_csum.h"
#include "sctp_wire.h"

#define ICMP_HDR_LEN	8

struct quote {
	uint8_t *ip;		/* quoted IP header */
	uint8_t *sctp;		/* quoted SCTP header */
	uint32_t avail;		/* quoted bytes from ip on */
	bool complete;		/* the whole quoted packet is there */
	uint16_t src_off, dst_off;
	struct nat_addr src, dst;
	uint16_t sport, dport;
	uint32_t vtag;
	bool init_seen;		/* the quote shows an INIT chunk ... */
	uint32_t init_tag;	/* ... with this Initiate Tag */
};

static bool is_error(uint8_t family, uint8_t type)
{
	if (family == AF_INET)	/* unreachable, quench, time, parameter */
		return type == 3 || type == 4 || type == 11 || type == 12;
	return type >= 1 && type <= 4;	/* unreach, too big, time, param */
}

static enum drop_reason parse_quote(struct xlate_ctx *x, uint8_t *q,
				    uint32_t qlen, struct quote *qt)
{
	uint32_t l4;

	qt->ip = q;
	qt->avail = qlen;
	if (x->ip.family == AF_INET) {
		if (qlen < 20 || (q[0] >> 4) != 4)
			return DROP_ICMP_MALFORMED;
		l4 = (uint32_t)(q[0] & 0x0f) * 4;
		if (q[9] != IPPROTO_SCTP_NUM)
			return DROP_NOT_SCTP;
		/* A non-first fragment quotes no ports. */
		if (l4 < 20 || (sctp_get16(q + 6) & 0x1fff))
			return DROP_ICMP_MALFORMED;
		qt->complete = sctp_get16(q + 2) == qlen;
		qt->src_off = 12;
		qt->dst_off = 16;
		nat_addr_from_v4(&qt->src, q + 12);
		nat_addr_from_v4(&qt->dst, q + 16);
	} else {
		if (qlen < 40 || (q[0] >> 4) != 6)
			return DROP_ICMP_MALFORMED;
		/* Extension headers in the quote are not walked. */
		if (q[6] != IPPROTO_SCTP_NUM)
			return DROP_NOT_SCTP;
		l4 = 40;
		qt->complete = 40u + sctp_get16(q + 4) == qlen;
		qt->src_off = 8;
		qt->dst_off = 24;
		nat_addr_from_v6(&qt->src, q + 8);
		nat_addr_from_v6(&qt->dst, q + 24);
	}
	/* RFC 792 / 4443: at least the first 8 bytes: ports and tag. */
	if (qlen < l4 + 8)
		return DROP_ICMP_MALFORMED;
	qt->sctp = q + l4;
	qt->sport = sctp_get16(qt->sctp);
	qt->dport = sctp_get16(qt->sctp + 2);
	qt->vtag = sctp_get32(qt->sctp + 4);
	if (qt->complete && qlen < l4 + SCTP_HDR_LEN)
		qt->complete = false;
	if (qlen >= l4 + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG + 4 &&
	    qt->sctp[SCTP_HDR_LEN] == SCTP_CID_INIT) {
		qt->init_seen = true;
		qt->init_tag = sctp_get32(qt->sctp + SCTP_HDR_LEN +
					  SCTP_INIT_OFF_ITAG);
	}
	return DROP_NONE;
}

struct quote_match {
	const struct xlate_ctx *x;
	const struct quote *qt;
};

/*
 * `inbound`: the error comes from outside and quotes a packet the inside
 * host sent, whose tag is the peer's.
 */
static bool tag_ok(const struct xlate_ctx *x, const struct assoc *a,
		   const struct quote *qt, bool inbound)
{
	uint32_t t = inbound ? a->tag_peer : a->tag_inside;
	uint32_t pi = assoc_prev_tag_inside(x->e->table, a);
	uint32_t pp = assoc_prev_tag_peer(x->e->table, a);
	uint32_t pt = inbound ? pp : pi;
	/* The tag the quoted packet's sender chose for itself. */
	uint32_t own = inbound ? a->tag_inside : a->tag_peer;
	uint32_t pown = inbound ? pi : pp;

	/*
	 * Tag 0 is an INIT's, and is believed only when the quote holds
	 * enough of it to show that the chunk is an INIT whose Initiate
	 * Tag is its sender's tag, live or still a handshake candidate
	 * (RFC 9260 appendix C): otherwise anyone who guesses the ports
	 * could fail a handshake or an association with a forged error
	 * quoting tag 0.
	 */
	if (qt->vtag == 0)
		return qt->init_seen &&
		       (qt->init_tag == own ||
			(pown && qt->init_tag == pown) ||
			handshake_cand_has_tag(x->e, a, qt->init_tag, inbound,
					       x->now));
	/* Otherwise the live tags, or a handshake candidate's. */
	return qt->vtag == t || (pt && qt->vtag == pt) ||
	       handshake_cand_has_tag(x->e, a, qt->vtag, !inbound, x->now);
}

static bool quote_matches(const struct assoc *a, void *arg)
{
	const struct quote_match *m = arg;
	const struct quote *qt = m->qt;

	if (m->x->dir == ENGINE_INBOUND)
		return assoc_find_local_public(&m->x->e->pubs, a, &qt->src) >=
			       0 &&
		       assoc_find_peer(a, &qt->dst) >= 0 &&
		       tag_ok(m->x, a, qt, true);
	return assoc_find_local_inside(a, &qt->dst) >= 0 &&
	       assoc_find_peer(a, &qt->src) >= 0 &&
	       tag_ok(m->x, a, qt, false);
}

/* Write an address, keeping an IPv4 header checksum right (RFC 1624). */
static void put_addr(uint8_t *field, const struct nat_addr *na,
		     uint8_t *ip4_csum)
{
	if (ip4_csum)
		sctp_put16(ip4_csum, inet_csum_update_addr(sctp_get16(ip4_csum),
							   field, na->bytes,
							   4));
	memcpy(field, na->bytes, nat_addr_len(na));
}

void icmp_process(struct xlate_ctx *x)
{
	uint8_t *d = x->pkt->data, *icmp = d + x->ip.l4_off;
	uint32_t ilen = x->ip.total_len - x->ip.l4_off;
	bool v4 = x->ip.family == AF_INET;
	struct quote_match m = { .x = x };
	struct nat_addr outer_src, outer_dst, quoted;
	uint32_t old_ports;
	uint16_t new_port;
	struct quote qt = { 0 };
	enum drop_reason r;
	struct assoc *a;
	int li;

	if (ilen < ICMP_HDR_LEN) {
		engine_drop(x, DROP_ICMP_MALFORMED);
		return;
	}
	if (!is_error(x->ip.family, icmp[0])) {
		engine_drop(x, DROP_NOT_SCTP);
		return;
	}
	r = parse_quote(x, icmp + ICMP_HDR_LEN, ilen - ICMP_HDR_LEN, &qt);
	if (r != DROP_NONE) {
		engine_drop(x, r);
		return;
	}
	m.qt = &qt;
	outer_src = x->src;
	outer_dst = x->dst;
	if (x->dir == ENGINE_INBOUND) {
		a = assoc_lookup_ports(x->e->table, ASSOC_KEY_IN_PORTS,
				       qt.sport, qt.dport, quote_matches, &m);
		/* The error must be addressed to the quoted sender. */
		if (!a || !nat_addr_eq(&x->dst, &qt.src)) {
			engine_drop(x, DROP_ICMP_NO_STATE);
			return;
		}
		li = xlate_inbound_local(x->e, a, &qt.src);
		quoted = a->locals[li].inside;
		outer_dst = quoted;
		new_port = a->port_inside;
	} else {
		a = assoc_lookup_ports(x->e->table, ASSOC_KEY_OUT_PORTS,
				       qt.dport, qt.sport, quote_matches, &m);
		if (!a) {
			engine_drop(x, DROP_ICMP_NO_STATE);
			return;
		}
		li = xlate_pick_public(x->e, a, &qt.dst,
				       assoc_find_peer(a, &qt.src));
		quoted = *local_public(x->e, &a->locals[li]);
		new_port = a->port_public;
		x->v->uplink = a->locals[li].uplink;
		/* From the host itself, or from an inside router. */
		if (nat_addr_eq(&x->src, &qt.dst)) {
			outer_src = quoted;
		} else if (!nat_addr_eq(&x->src, &quoted)) {
			int8_t up;

			if (addr_map_inside(&x->e->conf, &x->src, &outer_src,
					    &up)) {
				engine_drop(x, DROP_NO_MAPPING);
				return;
			}
		}
	}

	/* Everything is known: rewrite the quote, then the outer packet. */
	old_ports = sctp_get32(qt.sctp);
	if (x->dir == ENGINE_INBOUND) {
		put_addr(qt.ip + qt.src_off, &quoted, v4 ? qt.ip + 10 : NULL);
		sctp_put16(qt.sctp, new_port);
	} else {
		put_addr(qt.ip + qt.dst_off, &quoted, v4 ? qt.ip + 10 : NULL);
		sctp_put16(qt.sctp + 2, new_port);
	}
	if (qt.complete && sctp_csum_get(qt.sctp) != 0) {
		uint32_t slen = qt.avail - (uint32_t)(qt.sctp - qt.ip);

		sctp_csum_set(qt.sctp,
			      sctp_csum_update_ports(sctp_csum_get(qt.sctp),
						     old_ports,
						     sctp_get32(qt.sctp), slen));
	}
	/* Forwarded like any packet: one hop less (RFC 1812 5.3.1). */
	ip_hop_limit_dec(d);
	if (!nat_addr_eq(&outer_src, &x->src))
		put_addr(d + x->ip.src_off, &outer_src, v4 ? d + 10 : NULL);
	if (!nat_addr_eq(&outer_dst, &x->dst))
		put_addr(d + x->ip.dst_off, &outer_dst, v4 ? d + 10 : NULL);
	sctp_put16(icmp + 2, 0);
	if (v4)
		sctp_put16(icmp + 2, inet_csum(icmp, ilen));
	else
		sctp_put16(icmp + 2, icmp6_csum(d + x->ip.src_off,
						d + x->ip.dst_off, icmp, ilen));

	x->pkt->len = x->ip.total_len;
	x->v->action = ENGINE_FORWARD;
	x->v->len = x->pkt->len;
	x->e->stats.forwarded[x->dir & 1]++;
	x->e->stats.chunks[ENGINE_CS_ICMP]++;
}
