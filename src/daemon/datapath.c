/*
 * datapath.c: see include/datapath.h.  The batch loops of both backends;
 * what leaves through the raw sockets (fallback, fragments, path MTU) is
 * in datapath_slow.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath_impl.h"
#include "ip_reasm.h"
#include "log.h"

void datapath_set_capture(struct datapath *d, struct capture *c)
{
	d->cap = c;
	d->cap_live = c ? capture_live_flag(c) : NULL;
	d->cap_on = false;
}

/* Once per batch: whether anybody captures (capture.h). */
static inline bool cap_begin(struct datapath *d)
{
	d->cap_hit_cur = 0;
	d->cap_on = d->cap_live && *d->cap_live;
	if (__builtin_expect(d->cap_on, 0))
		capture_batch(d->cap);
	return d->cap_on;
}

void datapath_set_conf(struct datapath *d, const struct conf *c)
{
	unsigned int n = d->x ? xsk_port_if_count(d->x) :
				packet_port_if_count(d->p);

	for (unsigned int i = 0; i < n; i++) {
		const char *name = d->x ? xsk_port_if_name(d->x, i) :
					  packet_port_if_name(d->p, i);

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

int datapath_create(struct engine *e, struct xsk_port *x, struct packet_port *p,
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

void datapath_tick(struct datapath *d, uint64_t now)
{
	ip_reasm_expire(d->reasm, now);
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

static void forward(struct datapath *d, struct xsk_port_frame *f,
		    uint32_t l3_off, const struct engine_verdict *v,
		    bool inbound, uint64_t now)
{
	const uint8_t *ip = f->data + l3_off;
	struct kroute_nexthop nh;
	int out_if;

	if (dp_route(d, ip, v, &nh)) {
		xsk_port_frame_release(d->x, f);
		return;
	}
	if (nh.mtu && v->len > nh.mtu) {
		dp_too_big(d, ip, v->len, &nh, inbound, now);
		xsk_port_frame_release(d->x, f);
		return;
	}
	out_if = xsk_port_if_lookup(d->x, nh.ifindex);
	if (!nh.resolved || out_if < 0) {
		if (!nh.resolved) {
			d->st.unresolved++;
			kroute_resolve(d->k, &nh, now);
		}
		dp_send_raw(d, ip, v->len, nh.ifindex);
		xsk_port_frame_release(d->x, f);
		return;
	}
	if (xsk_port_frame_set_eth(f, l3_off, v->len, nh.dst_mac,
				   xsk_port_if_mac(d->x,
						   (unsigned int)out_if))) {
		xsk_port_frame_release(d->x, f);
		return;
	}
	if (__builtin_expect(d->cap_on, 0))
		capture_tx(d->cap, (unsigned int)out_if, f->data, f->len,
			   XSK_PORT_ETH_HLEN, d->cap_hit_cur);
	xsk_port_tx_frame(d->x, (unsigned int)out_if, f);
}

/* A reply goes back where the packet came from, to the sender's MAC. */
static void reply(struct datapath *d, struct xsk_port_frame *f, uint32_t l3_off,
		  const struct engine_verdict *v)
{
	uint8_t peer_mac[6];

	memcpy(peer_mac, f->data + 6, 6);
	d->st.replies++;
	if (xsk_port_frame_set_eth(f, l3_off, v->len, peer_mac,
				   xsk_port_if_mac(d->x, f->in_if))) {
		xsk_port_frame_release(d->x, f);
		return;
	}
	if (__builtin_expect(d->cap_on, 0))
		capture_tx(d->cap, f->in_if, f->data, f->len, XSK_PORT_ETH_HLEN,
			   d->cap_hit_cur);
	xsk_port_tx_frame(d->x, f->in_if, f);
}

void datapath_rx(struct datapath *d, unsigned int sock, uint64_t now)
{
	unsigned int n = xsk_port_rx_batch(d->x, sock, d->frames, RX_BATCH);
	unsigned int m = 0, hit = 0;
	bool inbound, cap;

	if (!n)
		return;
	inbound = d->inbound[d->frames[0].in_if];
	cap = cap_begin(d);
	/* Frames that are not IP (cannot happen after the XDP program, but
	 * the kernel may hand us anything) go back to the pool. */
	for (unsigned int i = 0; i < n; i++) {
		struct xsk_port_frame *f = &d->frames[i];
		uint16_t type;
		int off = xsk_port_l3_offset(f, &type);

		if (off < 0) {
			xsk_port_frame_release(d->x, f);
			continue;
		}
		/* As received: the engine translates in place. */
		if (__builtin_expect(cap, 0))
			hit = capture_rx(d->cap, f->in_if, f->data, f->len,
					 (uint32_t)off);
		if (ip_is_fragment(f->data + off, f->len - (uint32_t)off)) {
			dp_fragment_in(d, f->data + off, f->len - (uint32_t)off,
				       inbound, f->ifindex, now);
			xsk_port_frame_release(d->x, f);
			continue;
		}
		d->cap_hit[m] = hit;
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
		if (__builtin_expect(cap, 0))
			d->cap_hit_cur = d->cap_hit[i];
		switch (d->vs[i].action) {
		case ENGINE_FORWARD:
			forward(d, &d->frames[i], d->l3_off[i], &d->vs[i],
				inbound, now);
			break;
		case ENGINE_REPLY:
			reply(d, &d->frames[i], d->l3_off[i], &d->vs[i]);
			break;
		default:
			xsk_port_frame_release(d->x, &d->frames[i]);
			break;
		}
	}
	d->cap_hit_cur = 0;
}

/*
 * backend = packet: the batch is worked on in place in the RX ring and
 * every packet leaves through the raw sockets (the kernel resolves).
 */
void datapath_rx_packet(struct datapath *d, unsigned int pif, uint64_t now)
{
	unsigned int n = packet_port_rx_batch(d->p, pif, d->ppkts, RX_BATCH);
	unsigned int m = 0, hit = 0;
	bool inbound = d->inbound[pif], cap;
	struct kroute_nexthop nh;

	if (!n) {
		/* truncated ones, if any */
		packet_port_rx_release(d->p, pif);
		return;
	}
	cap = cap_begin(d);
	for (unsigned int i = 0; i < n; i++) {
		struct packet_port_pkt *pp = &d->ppkts[i];

		/* As received: the engine translates in place. */
		if (__builtin_expect(cap, 0))
			hit = capture_rx(d->cap, pif, pp->l3, pp->len, 0);
		if (ip_is_fragment(pp->l3, pp->len)) {
			dp_fragment_in(d, pp->l3, pp->len, inbound,
				       packet_port_if_ifindex(d->p, pif), now);
			continue;
		}
		d->cap_hit[m] = hit;
		d->pkts[m++] = (struct engine_pkt){
			.data = pp->l3, .len = pp->len, .cap = pp->cap,
		};
	}
	engine_process_batch(d->e, d->pkts, d->vs, m,
			     inbound ? ENGINE_INBOUND : ENGINE_OUTBOUND, now);
	for (unsigned int i = 0; i < m; i++) {
		const uint8_t *ip = d->pkts[i].data;

		if (__builtin_expect(cap, 0))
			d->cap_hit_cur = d->cap_hit[i];
		switch (d->vs[i].action) {
		case ENGINE_FORWARD:
			if (dp_route(d, ip, &d->vs[i], &nh))
				break;
			if (nh.mtu && d->vs[i].len > nh.mtu)
				dp_too_big(d, ip, d->vs[i].len, &nh, inbound,
					   now);
			else
				dp_send_raw(d, ip, d->vs[i].len, nh.ifindex);
			break;
		case ENGINE_REPLY:
			d->st.replies++;
			dp_send_raw(d, ip, d->vs[i].len,
				    packet_port_if_ifindex(d->p, pif));
			break;
		default:
			break;
		}
	}
	d->cap_hit_cur = 0;
	packet_port_rx_release(d->p, pif);
}
