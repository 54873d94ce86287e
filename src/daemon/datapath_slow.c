/*
 * datapath_slow.c: what is rare next to the ring path, so done one
 * packet at a time: the raw IP sockets' way out (packets whose neighbour
 * is not yet resolved, every packet of a backend without TX rings), IP
 * fragments reassembled and cut again, the path MTU work (cutting,
 * or the router's ICMP error, RFC 1191 / RFC 8201), and ICMP Time
 * Exceeded for a packet whose TTL ran out (RFC 1812 5.3.1).  The per-packet
 * route and egress decision is in datapath_route.c.
 */
#include <netinet/in.h>
#include <string.h>

#include "datapath_impl.h"
#include "ip_parse.h"
#include "ip_reasm.h"
#include "log.h"
#include "sctp_wire.h"

#define ICMP_TOKEN_NS 10000000ull /* 100 errors a second */
#define ICMP_BURST    100

/*
 * Out through the kernel (ops->send_raw): it routes, and resolves the
 * neighbour; oif (when > 0) is the egress interface the route lookup
 * chose, so a path pinned to an uplink leaves by it.
 */
void dp_send_raw(struct datapath *d, const uint8_t *ip, uint32_t len, int oif)
{
	int r;

	if (__builtin_expect(d->cap_on, 0) && oif > 0) {
		int pif = capture_port_if(d->cap, oif);

		if (pif >= 0)
			capture_tx(d->cap, (unsigned int)pif, ip, len, 0,
				   d->cap_hit_cur);
	}
	r = d->ops->send_raw(d->ctx, ip, len, oif);
	if (r < 0) {
		struct nat_addr dst;
		char a[NAT_ADDR_STRLEN];

		d->st.raw_failed++;
		dp_dst_of(ip, &dst);
		/* The packet is lost; the endpoints retransmit. */
		log_ratelimited(&d->rl, LOG_WARNING,
				"raw send to %s: %s: "
				"packet dropped; check the route and firewall "
				"toward it (ip route get %s, nft list ruleset)",
				nat_addr_str(&dst, a, sizeof(a)), strerror(-r),
				a);
		return;
	}
	d->st.raw_sent++;
}

struct frag_out {
	struct datapath *d;
	int oif;
};

static void send_fragment(void *arg, const uint8_t *frag, uint32_t len)
{
	struct frag_out *fo = arg;

	fo->d->st.frags_out++;
	dp_send_raw(fo->d, frag, len, fo->oif);
}

/* RFC 1812 4.3.2.8: ICMP errors are rate-limited; a token a 10 ms. */
static bool icmp_token(struct datapath *d, uint64_t now)
{
	uint64_t refill = (now - d->icmp_last_ns) / ICMP_TOKEN_NS;

	if (refill) {
		d->icmp_tokens = d->icmp_tokens + refill > ICMP_BURST ?
					 ICMP_BURST :
					 d->icmp_tokens + (uint32_t)refill;
		d->icmp_last_ns = now;
	}
	if (!d->icmp_tokens)
		return false;
	d->icmp_tokens--;
	return true;
}

/*
 * A translated packet longer than the egress MTU.  IPv4 without DF is
 * cut, as a router would; otherwise its sender gets the router's error
 * (icmp_build.h), built about the packet as translated and turned back
 * by the engine, the way it treats any ICMP error about an association.
 */
void dp_too_big(struct datapath *d, const uint8_t *ip, uint32_t len,
		const struct kroute_nexthop *nh, bool inbound, uint64_t now)
{
	struct engine_verdict v;
	struct kroute_nexthop back;
	struct engine_pkt pkt;
	struct nat_addr from;
	uint32_t n;

	d->st.too_big++;
	if (!ip_may_not_fragment(ip, len)) {
		struct ip_frag_info info = { .id = sctp_get16(ip + 4) };
		struct frag_out fo = { .d = d, .oif = nh->ifindex };

		if (ip_fragment(ip, len, nh->mtu, &info, d->frag_scratch,
				send_fragment, &fo) < 0)
			d->st.raw_failed++;
		return;
	}
	if (!icmp_token(d, now))
		return;
	/* Outbound, the error comes from the box's public address; inbound,
	 * as if from the inside host, which the engine maps to public. */
	if ((ip[0] >> 4) == 4)
		nat_addr_from_v4(&from, ip + (inbound ? 16 : 12));
	else
		nat_addr_from_v6(&from, ip + (inbound ? 24 : 8));
	n = icmp_build_too_big(ip, len, nh->mtu, &from, d->icmp_buf,
			       sizeof(d->icmp_buf));
	if (!n)
		return;
	pkt = (struct engine_pkt){ .data = d->icmp_buf,
				   .len = n,
				   .cap = sizeof(d->icmp_buf) };
	engine_process(d->e, &pkt, inbound ? ENGINE_OUTBOUND : ENGINE_INBOUND,
		       now, &v);
	if (v.action != ENGINE_FORWARD || dp_route(d, d->icmp_buf, &v, &back))
		return;
	d->st.icmp_too_big_sent++;
	dp_send_raw(d, d->icmp_buf, v.len, back.ifindex);
}

/*
 * May a router send an ICMP error about this packet (RFC 1812 4.3.2.7,
 * RFC 4443 2.4 (e))?  Not about an ICMP error (the engine sees no other
 * ICMP), nor to a source that names no single host.
 */
static bool icmp_error_allowed(const uint8_t *ip, uint32_t len)
{
	struct ip_view v;
	const uint8_t *s;

	if (ip_parse(ip, len, &v) != DROP_NONE ||
	    v.proto == (v.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return false;
	s = ip + v.src_off;
	if (v.family == AF_INET) /* 0/8, loopback, multicast and up */
		return s[0] != 0 && s[0] != 127 && s[0] < 224;
	for (int i = 0; i < 16; i++) /* :: */
		if (s[i])
			return s[0] != 0xff; /* multicast */
	return false;
}

/*
 * A packet that arrived with TTL / Hop Limit 1 or 0 (the engine dropped
 * it, ttl-exceeded): its sender gets Time Exceeded (RFC 1812 5.3.1, RFC
 * 4443 3.3) from the box's address toward it, the kernel's preferred
 * source on the way back out of the interface it came in by, which is
 * what traceroute shows for this hop.  The packet is quoted as it came:
 * nothing was translated.  Shares the ICMP rate limit (RFC 1812 4.3.2.8).
 */
void dp_time_exceeded(struct datapath *d, const uint8_t *ip, uint32_t len,
		      int in_ifindex, uint64_t now)
{
	struct kroute_nexthop nh;
	struct nat_addr to;
	uint32_t n;

	if (!icmp_error_allowed(ip, len) || !icmp_token(d, now))
		return;
	if ((ip[0] >> 4) == 4)
		nat_addr_from_v4(&to, ip + 12);
	else
		nat_addr_from_v6(&to, ip + 8);
	if (kroute_lookup(d->k, &to, in_ifindex, NULL, &nh) &&
	    kroute_lookup(d->k, &to, 0, NULL, &nh)) {
		d->st.no_route++;
		return;
	}
	n = icmp_build_time_exceeded(ip, len, &nh.src, d->icmp_buf,
				     sizeof(d->icmp_buf));
	if (!n)
		return;
	d->st.icmp_time_exceeded_sent++;
	dp_send_raw(d, d->icmp_buf, n, nh.ifindex);
}

/*
 * An IP fragment of SCTP: kept until its datagram is whole, which then
 * goes through the engine alone and leaves through the raw sockets, cut
 * again to the route's MTU and no larger than the sender's own fragments.
 * Rare (a path MTU that shrank under retransmissions), so not batched.
 */
void dp_fragment_in(struct datapath *d, const uint8_t *ip, uint32_t len,
		    bool inbound, int in_ifindex, uint64_t now)
{
	struct ip_reasm_out o;
	struct engine_pkt pkt;
	struct engine_verdict v;
	struct kroute_nexthop nh;
	struct frag_out fo = { .d = d };
	uint32_t mtu;

	d->st.frags_in++;
	if (ip_reasm_add(d->reasm, ip, len, now, &o) != IP_REASM_COMPLETE)
		return;
	d->st.reassembled++;
	pkt = (struct engine_pkt){ .data = o.data, .len = o.len, .cap = o.cap };
	engine_process(d->e, &pkt, inbound ? ENGINE_INBOUND : ENGINE_OUTBOUND,
		       now, &v);
	if (v.action == ENGINE_FORWARD && !dp_route(d, o.data, &v, &nh)) {
		mtu = nh.mtu && nh.mtu < o.info.max_frag_len ?
			      nh.mtu :
			      o.info.max_frag_len;
		fo.oif = nh.ifindex;
		if (ip_fragment(o.data, v.len, mtu, &o.info, d->frag_scratch,
				send_fragment, &fo) < 0)
			d->st.raw_failed++;
	} else if (v.action == ENGINE_REPLY) {
		d->st.replies++;
		dp_send_raw(d, o.data, v.len, in_ifindex);
	} else if (v.reason == DROP_TTL_EXCEEDED) {
		/* The datagram's TTL is its first fragment's (ip_reasm.h);
		 * the error quotes it whole, as Linux does after
		 * defragmenting. */
		dp_time_exceeded(d, o.data, o.len, in_ifindex, now);
	}
	ip_reasm_release(d->reasm, &o);
}
