/*
 * datapath.c: see include/datapath.h.
 */
#define _GNU_SOURCE	/* struct in6_pktinfo */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath.h"
#include "icmp_build.h"
#include "ip_reasm.h"
#include "log.h"
#include "pport.h"
#include "sctp_wire.h"

#define RX_BATCH	64
#define ICMP_TOKEN_NS	10000000ull	/* 100 errors a second */
#define ICMP_BURST	100

struct datapath {
	struct engine *e;
	struct xport *x;		/* backend = xdp */
	struct pport *p;		/* backend = packet */
	struct kroute *k;
	int raw4, raw6;
	/* Per port interface (xport's or pport's): its direction. */
	bool inbound[XPORT_MAX_IFS];
	/* Per uplink: kernel ifindex and gateway. */
	int uplink_ifindex[ENGINE_MAX_UPLINKS];
	struct nat_addr gateway[ENGINE_MAX_UPLINKS];
	struct ip_reasm *reasm;
	uint8_t frag_scratch[65536];	/* one outgoing fragment */
	uint8_t icmp_buf[ICMP6_ERROR_MAX + 64];
	uint32_t icmp_tokens;
	uint64_t icmp_last_ns;
	struct datapath_stats st;
	struct log_ratelimit rl;
	/* The batch being worked on. */
	struct xport_frame frames[RX_BATCH];
	struct pport_pkt ppkts[RX_BATCH];
	struct engine_pkt pkts[RX_BATCH];
	struct engine_verdict vs[RX_BATCH];
	uint32_t l3_off[RX_BATCH];
};

void datapath_set_conf(struct datapath *d, const struct conf *c)
{
	unsigned int n = d->x ? xport_if_count(d->x) : pport_if_count(d->p);

	for (unsigned int i = 0; i < n; i++) {
		const char *name = d->x ? xport_if_name(d->x, i) :
				   pport_if_name(d->p, i);

		d->inbound[i] = false;
		for (int u = 0; u < c->engine.n_uplinks; u++)
			if (!strcmp(name, c->engine.uplinks[u].ifname))
				d->inbound[i] = true;
	}
	for (int u = 0; u < c->engine.n_uplinks; u++) {
		d->uplink_ifindex[u] = kroute_ifindex(d->k,
						      c->engine.uplinks[u].ifname);
		d->gateway[u] = c->gateways[u];
	}
}

int datapath_create(struct engine *e, struct xport *x, struct pport *p,
		    struct kroute *k, const struct conf *c,
		    struct datapath **out)
{
	struct datapath *d = calloc(1, sizeof(*d));
	int one = 1, r;

	if (!d)
		return -ENOMEM;
	d->e = e;
	d->x = x;
	d->p = p;
	d->k = k;
	d->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 10000);
	/* The fallback path: the kernel routes and resolves. */
	d->raw4 = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_RAW);
	d->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_RAW);
	if (d->raw4 < 0 || d->raw6 < 0) {
		int err = -errno;

		datapath_destroy(d);
		return err;
	}
	setsockopt(d->raw4, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	r = ip_reasm_create(IP_REASM_DEFAULT_SLOTS,
			    IP_REASM_DEFAULT_TIMEOUT_NS, &d->reasm);
	if (r) {
		datapath_destroy(d);
		return r;
	}
	datapath_set_conf(d, c);
	*out = d;
	return 0;
}

void datapath_destroy(struct datapath *d)
{
	if (!d)
		return;
	if (d->raw4 >= 0)
		close(d->raw4);
	if (d->raw6 >= 0)
		close(d->raw6);
	ip_reasm_destroy(d->reasm);
	free(d);
}

const struct datapath_stats *datapath_stats(struct datapath *d)
{
	const struct ip_reasm_stats *rs = ip_reasm_stats(d->reasm);

	d->st.frag_timeouts = rs->timeouts;
	d->st.frag_evicted = rs->evicted;
	d->st.frag_overlaps = rs->overlaps;
	d->st.frag_malformed = rs->malformed;
	d->st.frag_too_big = rs->too_big;
	return &d->st;
}

static void dst_of(const uint8_t *ip, struct nat_addr *dst)
{
	if ((ip[0] >> 4) == 4)
		nat_addr_from_v4(dst, ip + 16);
	else
		nat_addr_from_v6(dst, ip + 24);
}

/*
 * Out through the kernel: it routes, and resolves the neighbour.  oif
 * (when > 0) is the egress interface the route lookup chose, passed as
 * IP_PKTINFO / IPV6_PKTINFO so a path pinned to an uplink leaves by it.
 */
static void send_raw(struct datapath *d, const uint8_t *ip, uint32_t len,
		     int oif)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct sockaddr_storage ss = { 0 };
	struct iovec iov = {
		.iov_base = (void *)(uintptr_t)ip, .iov_len = len,
	};
	struct msghdr msg = {
		.msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1,
	};
	struct cmsghdr *cm = (struct cmsghdr *)ctl.buf;
	int fd;

	if ((ip[0] >> 4) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { .ipi_ifindex = oif };

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip + 16, 4);
		msg.msg_namelen = sizeof(*sin);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		fd = d->raw4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned int)oif };

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip + 24, 16);
		sin6->sin6_scope_id = (uint32_t)oif;
		msg.msg_namelen = sizeof(*sin6);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		fd = d->raw6;
	}
	if (oif > 0)
		msg.msg_control = ctl.buf;
	else
		msg.msg_controllen = 0;
	if (sendmsg(fd, &msg, 0) < 0) {
		struct nat_addr dst;
		char a[NAT_ADDR_STRLEN];
		int err = errno;

		d->st.raw_failed++;
		dst_of(ip, &dst);
		/* The packet is lost; the endpoints retransmit. */
		log_ratelimited(&d->rl, LOG_WARNING, "raw send to %s: %s: "
				"packet dropped; check the route and firewall "
				"toward it (ip route get %s, nft list ruleset)",
				nat_addr_str(&dst, a, sizeof(a)), strerror(err),
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
	send_raw(fo->d, frag, len, fo->oif);
}

/*
 * The next hop of a forwarded packet.  Pinned to an uplink (proxy
 * multihoming, or the source address's ISP): it leaves by that uplink,
 * through its gateway if one is configured.  -1 (counted) without route.
 */
static int route(struct datapath *d, const uint8_t *ip,
		 const struct engine_verdict *v, struct kroute_nexthop *nh)
{
	const struct nat_addr *gw = NULL;
	struct nat_addr dst;
	int oif = 0;

	dst_of(ip, &dst);
	if (v->uplink >= 0 && v->uplink < ENGINE_MAX_UPLINKS) {
		oif = d->uplink_ifindex[v->uplink];
		if (d->gateway[v->uplink].family == dst.family)
			gw = &d->gateway[v->uplink];
	}
	if (kroute_lookup(d->k, &dst, oif, gw, nh)) {
		d->st.no_route++;
		return -1;
	}
	return 0;
}

/* RFC 1812 4.3.2.8: ICMP errors are rate-limited; a token a 10 ms. */
static bool icmp_token(struct datapath *d, uint64_t now)
{
	uint64_t refill = (now - d->icmp_last_ns) / ICMP_TOKEN_NS;

	if (refill) {
		d->icmp_tokens = d->icmp_tokens + refill > ICMP_BURST ?
				 ICMP_BURST : d->icmp_tokens + (uint32_t)refill;
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
static void too_big(struct datapath *d, const uint8_t *ip, uint32_t len,
		    const struct kroute_nexthop *nh, bool inbound,
		    uint64_t now)
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
	pkt = (struct engine_pkt){ .data = d->icmp_buf, .len = n,
				   .cap = sizeof(d->icmp_buf) };
	engine_process(d->e, &pkt, inbound ? ENGINE_OUTBOUND : ENGINE_INBOUND,
		       now, &v);
	if (v.action != ENGINE_FORWARD || route(d, d->icmp_buf, &v, &back))
		return;
	d->st.icmp_too_big_sent++;
	send_raw(d, d->icmp_buf, v.len, back.ifindex);
}

static void forward(struct datapath *d, struct xport_frame *f,
		    uint32_t l3_off, const struct engine_verdict *v,
		    bool inbound, uint64_t now)
{
	const uint8_t *ip = f->data + l3_off;
	struct kroute_nexthop nh;
	int out_if;

	if (route(d, ip, v, &nh)) {
		xport_frame_release(d->x, f);
		return;
	}
	if (nh.mtu && v->len > nh.mtu) {
		too_big(d, ip, v->len, &nh, inbound, now);
		xport_frame_release(d->x, f);
		return;
	}
	out_if = xport_if_lookup(d->x, nh.ifindex);
	if (!nh.resolved || out_if < 0) {
		if (!nh.resolved) {
			d->st.unresolved++;
			kroute_resolve(d->k, &nh, now);
		}
		send_raw(d, ip, v->len, nh.ifindex);
		xport_frame_release(d->x, f);
		return;
	}
	if (xport_frame_set_eth(f, l3_off, v->len, nh.dst_mac,
				xport_if_mac(d->x, (unsigned int)out_if))) {
		xport_frame_release(d->x, f);
		return;
	}
	xport_tx_frame(d->x, (unsigned int)out_if, f);
}

/*
 * An IP fragment of SCTP: kept until its datagram is whole, which then
 * goes through the engine alone and leaves through the raw sockets, cut
 * again to the route's MTU and no larger than the sender's own fragments.
 * Rare (a path MTU that shrank under retransmissions), so not batched.
 */
static void fragment_in(struct datapath *d, const uint8_t *ip, uint32_t len,
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
	pkt = (struct engine_pkt){ .data = o.data, .len = o.len,
				   .cap = o.cap };
	engine_process(d->e, &pkt, inbound ? ENGINE_INBOUND :
		       ENGINE_OUTBOUND, now, &v);
	if (v.action == ENGINE_FORWARD && !route(d, o.data, &v, &nh)) {
		mtu = nh.mtu && nh.mtu < o.info.max_frag_len ? nh.mtu :
		      o.info.max_frag_len;
		fo.oif = nh.ifindex;
		if (ip_fragment(o.data, v.len, mtu, &o.info, d->frag_scratch,
				send_fragment, &fo) < 0)
			d->st.raw_failed++;
	} else if (v.action == ENGINE_REPLY) {
		d->st.replies++;
		send_raw(d, o.data, v.len, in_ifindex);
	}
	ip_reasm_release(d->reasm, &o);
}

/* A reply goes back where the packet came from, to the sender's MAC. */
static void reply(struct datapath *d, struct xport_frame *f, uint32_t l3_off,
		  const struct engine_verdict *v)
{
	uint8_t peer_mac[6];

	memcpy(peer_mac, f->data + 6, 6);
	d->st.replies++;
	if (xport_frame_set_eth(f, l3_off, v->len, peer_mac,
				xport_if_mac(d->x, f->in_if))) {
		xport_frame_release(d->x, f);
		return;
	}
	xport_tx_frame(d->x, f->in_if, f);
}

void datapath_rx(struct datapath *d, unsigned int sock, uint64_t now)
{
	unsigned int n = xport_rx_batch(d->x, sock, d->frames, RX_BATCH);
	unsigned int m = 0;
	bool inbound;

	if (!n)
		return;
	inbound = d->inbound[d->frames[0].in_if];
	/* Frames that are not IP (cannot happen after the XDP program, but
	 * the kernel may hand us anything) go back to the pool. */
	for (unsigned int i = 0; i < n; i++) {
		struct xport_frame *f = &d->frames[i];
		uint16_t type;
		int off = xport_l3_offset(f, &type);

		if (off < 0) {
			xport_frame_release(d->x, f);
			continue;
		}
		if (ip_is_fragment(f->data + off, f->len - (uint32_t)off)) {
			fragment_in(d, f->data + off, f->len - (uint32_t)off,
				    inbound, f->ifindex, now);
			xport_frame_release(d->x, f);
			continue;
		}
		d->frames[m] = *f;
		d->l3_off[m] = (uint32_t)off;
		d->pkts[m] = (struct engine_pkt){
			.data = f->data + off,
			.len = f->len - (uint32_t)off,
			.cap = f->cap - (uint32_t)off,
		};
		m++;
	}
	engine_process_batch(d->e, d->pkts, d->vs, m,
			     inbound ? ENGINE_INBOUND : ENGINE_OUTBOUND, now);
	for (unsigned int i = 0; i < m; i++) {
		switch (d->vs[i].action) {
		case ENGINE_FORWARD:
			forward(d, &d->frames[i], d->l3_off[i], &d->vs[i],
				inbound, now);
			break;
		case ENGINE_REPLY:
			reply(d, &d->frames[i], d->l3_off[i], &d->vs[i]);
			break;
		default:
			xport_frame_release(d->x, &d->frames[i]);
			break;
		}
	}
}

/*
 * backend = packet: the batch is worked on in place in the RX ring and
 * every packet leaves through the raw sockets (the kernel resolves).
 */
void datapath_rx_packet(struct datapath *d, unsigned int pif, uint64_t now)
{
	unsigned int n = pport_rx_batch(d->p, pif, d->ppkts, RX_BATCH);
	unsigned int m = 0;
	bool inbound = d->inbound[pif];
	struct kroute_nexthop nh;

	if (!n) {
		pport_rx_release(d->p, pif);	/* truncated ones, if any */
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct pport_pkt *pp = &d->ppkts[i];

		if (ip_is_fragment(pp->l3, pp->len)) {
			fragment_in(d, pp->l3, pp->len, inbound,
				    pport_if_ifindex(d->p, pif), now);
			continue;
		}
		d->pkts[m++] = (struct engine_pkt){
			.data = pp->l3, .len = pp->len, .cap = pp->cap,
		};
	}
	engine_process_batch(d->e, d->pkts, d->vs, m,
			     inbound ? ENGINE_INBOUND : ENGINE_OUTBOUND, now);
	for (unsigned int i = 0; i < m; i++) {
		const uint8_t *ip = d->pkts[i].data;

		switch (d->vs[i].action) {
		case ENGINE_FORWARD:
			if (route(d, ip, &d->vs[i], &nh))
				break;
			if (nh.mtu && d->vs[i].len > nh.mtu)
				too_big(d, ip, d->vs[i].len, &nh, inbound,
					now);
			else
				send_raw(d, ip, d->vs[i].len, nh.ifindex);
			break;
		case ENGINE_REPLY:
			d->st.replies++;
			send_raw(d, ip, d->vs[i].len,
				 pport_if_ifindex(d->p, pif));
			break;
		default:
			break;
		}
	}
	pport_rx_release(d->p, pif);
}
