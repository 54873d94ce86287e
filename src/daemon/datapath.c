/*
 * datapath.c: see include/datapath.h.  The batch loop, the same for both
 * backends; what leaves through the raw sockets (fallback, fragments,
 * path MTU) is in datapath_slow.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	unsigned int n = d->ops->if_count(d->ctx);

	for (unsigned int i = 0; i < n && i < DATAPATH_MAX_IFS; i++) {
		const char *name = d->ops->if_name(d->ctx, i);

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

int datapath_create(struct engine *e, const struct datapath_ops *ops,
		    void *ctx, struct kroute *k, const struct conf *c,
		    struct datapath **out)
{
	struct datapath *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->e = e;
	d->ops = ops;
	d->ctx = ctx;
	d->k = k;
	d->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 10000);
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

/* A frame that does not leave by a ring goes back to its backend. */
static inline void release(struct datapath *d, struct dp_frame *f)
{
	if (d->ops->release)
		d->ops->release(d->ctx, f);
}

/* Out by interface out_if's TX ring, as an Ethernet frame dst <- src. */
static void ring_out(struct datapath *d, struct dp_frame *f,
		     unsigned int out_if, uint32_t l3_len,
		     const uint8_t dst[6])
{
	if (d->ops->set_eth(d->ctx, f, l3_len, dst,
			    d->ops->if_mac(d->ctx, out_if))) {
		release(d, f);
		return;
	}
	if (__builtin_expect(d->cap_on, 0))
		capture_tx(d->cap, out_if, f->data, f->len, f->l3_off,
			   d->cap_hit_cur);
	d->ops->tx(d->ctx, out_if, f);
}

static void forward(struct datapath *d, struct dp_frame *f,
		    const struct engine_verdict *v, bool inbound, uint64_t now)
{
	const uint8_t *ip = f->data + f->l3_off;
	struct kroute_nexthop nh;
	int out_if;

	if (dp_route(d, ip, v, &nh)) {
		release(d, f);
		return;
	}
	if (nh.mtu && v->len > nh.mtu) {
		dp_too_big(d, ip, v->len, &nh, inbound, now);
		release(d, f);
		return;
	}
	/* No TX rings (AF_PACKET): the kernel resolves every packet. */
	if (!d->ops->tx) {
		dp_send_raw(d, ip, v->len, nh.ifindex);
		release(d, f);
		return;
	}
	out_if = d->ops->tx_if(d->ctx, nh.ifindex);
	if (!nh.resolved || out_if < 0) {
		if (!nh.resolved) {
			d->st.unresolved++;
			kroute_resolve(d->k, &nh, now);
		}
		dp_send_raw(d, ip, v->len, nh.ifindex);
		release(d, f);
		return;
	}
	ring_out(d, f, (unsigned int)out_if, v->len, nh.dst_mac);
}

/* A reply goes back where the packet came from, to the sender's MAC. */
static void reply(struct datapath *d, struct dp_frame *f,
		  const struct engine_verdict *v)
{
	uint8_t peer_mac[6];

	d->st.replies++;
	if (!d->ops->tx) {
		dp_send_raw(d, f->data + f->l3_off, v->len, f->ifindex);
		release(d, f);
		return;
	}
	memcpy(peer_mac, f->data + 6, 6);
	ring_out(d, f, f->in_if, v->len, peer_mac);
}

void datapath_rx(struct datapath *d, unsigned int src, uint64_t now)
{
	unsigned int n = d->ops->rx(d->ctx, src, d->frames, RX_BATCH);
	unsigned int m = 0, hit = 0;
	bool inbound, cap;

	if (!n)
		goto done;
	inbound = d->inbound[d->frames[0].in_if];
	cap = cap_begin(d);
	for (unsigned int i = 0; i < n; i++) {
		struct dp_frame *f = &d->frames[i];
		uint8_t *ip = f->data + f->l3_off;
		uint32_t len = f->len - f->l3_off;

		/* As received: the engine translates in place. */
		if (__builtin_expect(cap, 0))
			hit = capture_rx(d->cap, f->in_if, f->data, f->len,
					 f->l3_off);
		if (ip_is_fragment(ip, len)) {
			dp_fragment_in(d, ip, len, inbound, f->ifindex, now);
			release(d, f);
			continue;
		}
		d->cap_hit[m] = hit;
		d->frames[m] = *f;
		d->pkts[m] = (struct engine_pkt){
			.data = ip,
			.len = len,
			.cap = f->cap - f->l3_off,
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
			forward(d, &d->frames[i], &d->vs[i], inbound, now);
			break;
		case ENGINE_REPLY:
			reply(d, &d->frames[i], &d->vs[i]);
			break;
		default:
			release(d, &d->frames[i]);
			break;
		}
	}
	d->cap_hit_cur = 0;
done:
	if (d->ops->rx_done)
		d->ops->rx_done(d->ctx, src);
}
