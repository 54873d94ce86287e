/*
 * datapath.c: see include/datapath.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath.h"
#include "log.h"

#define RX_BATCH	64

struct datapath {
	struct engine *e;
	struct xport *x;
	struct kroute *k;
	int raw4, raw6;
	/* Per xport interface: its direction. */
	bool inbound[XPORT_MAX_IFS];
	/* Per uplink: kernel ifindex and gateway. */
	int uplink_ifindex[ENGINE_MAX_UPLINKS];
	struct nat_addr gateway[ENGINE_MAX_UPLINKS];
	struct datapath_stats st;
	struct log_ratelimit rl;
	/* The batch being worked on. */
	struct xport_frame frames[RX_BATCH];
	struct engine_pkt pkts[RX_BATCH];
	struct engine_verdict vs[RX_BATCH];
	uint32_t l3_off[RX_BATCH];
};

void datapath_set_conf(struct datapath *d, const struct conf *c)
{
	for (unsigned int i = 0; i < xport_if_count(d->x); i++) {
		const char *name = xport_if_name(d->x, i);

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

int datapath_create(struct engine *e, struct xport *x, struct kroute *k,
		    const struct conf *c, struct datapath **out)
{
	struct datapath *d = calloc(1, sizeof(*d));
	int one = 1;

	if (!d)
		return -ENOMEM;
	d->e = e;
	d->x = x;
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
	free(d);
}

const struct datapath_stats *datapath_stats(const struct datapath *d)
{
	return &d->st;
}

static void dst_of(const uint8_t *ip, struct nat_addr *dst)
{
	if ((ip[0] >> 4) == 4)
		nat_addr_from_v4(dst, ip + 16);
	else
		nat_addr_from_v6(dst, ip + 24);
}

/* Out through the kernel: it routes, and resolves the neighbour. */
static void send_raw(struct datapath *d, const uint8_t *ip, uint32_t len,
		     int ifindex)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd;

	if ((ip[0] >> 4) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip + 16, 4);
		sl = sizeof(*sin);
		fd = d->raw4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip + 24, 16);
		sin6->sin6_scope_id = (uint32_t)ifindex;
		sl = sizeof(*sin6);
		fd = d->raw6;
	}
	if (sendto(fd, ip, len, 0, (struct sockaddr *)&ss, sl) < 0) {
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

static void forward(struct datapath *d, struct xport_frame *f,
		    uint32_t l3_off, const struct engine_verdict *v,
		    uint64_t now)
{
	const uint8_t *ip = f->data + l3_off;
	struct kroute_nexthop nh;
	struct nat_addr dst;
	int oif = 0, out_if;
	const struct nat_addr *gw = NULL;

	dst_of(ip, &dst);
	/* Pinned to an uplink (proxy multihoming, or the source address's
	 * ISP): leave by it, through its gateway if one is configured. */
	if (v->uplink >= 0 && v->uplink < ENGINE_MAX_UPLINKS) {
		oif = d->uplink_ifindex[v->uplink];
		if (d->gateway[v->uplink].family == dst.family)
			gw = &d->gateway[v->uplink];
	}
	if (kroute_lookup(d->k, &dst, oif, gw, &nh)) {
		d->st.no_route++;
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
			forward(d, &d->frames[i], d->l3_off[i], &d->vs[i], now);
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
