/*
 * datapath.c: see datapath.h.  Set-up, counters and the batch
 * loop, the same for both backends: receive, capture, IP fragments aside,
 * the engine, then each verdict to datapath_route.c (forward, reply) or
 * back to the backend.  The rare work is in datapath_slow.c.
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
			dp_release(d, f);
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
			dp_forward(d, &d->frames[i], &d->vs[i], inbound, now);
			break;
		case ENGINE_REPLY:
			dp_reply(d, &d->frames[i], &d->vs[i]);
			break;
		default:
			if (__builtin_expect(
				    d->vs[i].reason == DROP_TTL_EXCEEDED, 0))
				dp_time_exceeded(d, d->pkts[i].data,
						 d->pkts[i].len,
						 d->frames[i].ifindex, now);
			dp_release(d, &d->frames[i]);
			break;
		}
	}
	d->cap_hit_cur = 0;
done:
	if (d->ops->rx_done)
		d->ops->rx_done(d->ctx, src);
}
