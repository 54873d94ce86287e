/*
 * datapath_route.c: where a packet the engine passed goes, for every
 * forwarded packet of both backends -- its next hop (dp_route(): the
 * kernel's routes and neighbours through kroute, pinned to the uplink the
 * engine chose), then the egress: the interface's TX ring with the next
 * hop's MAC, or the raw sockets while the neighbour is unresolved, when
 * the egress has no ring, or when the backend has none (AF_PACKET).  A
 * reply (an ABORT, an ICMP error the engine answers with) goes back out
 * of the interface it came in on, to the sender's MAC.
 */
#include <string.h>

#include "datapath_impl.h"

/*
 * The next hop of a forwarded packet.  Pinned to an uplink (proxy
 * multihoming, or the source address's ISP): it leaves by that uplink,
 * through its gateway if one is configured.  -1 (counted) without route.
 */
int dp_route(struct datapath *d, const uint8_t *ip,
	     const struct engine_verdict *v, struct kroute_nexthop *nh)
{
	const struct nat_addr *gw = NULL;
	struct nat_addr dst;
	int oif = 0;

	dp_dst_of(ip, &dst);
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

/* Out by interface out_if's TX ring, as an Ethernet frame dst <- src. */
static void ring_out(struct datapath *d, struct dp_frame *f,
		     unsigned int out_if, uint32_t l3_len,
		     const uint8_t dst[6])
{
	if (d->ops->set_eth(d->ctx, f, l3_len, dst,
			    d->ops->if_mac(d->ctx, out_if))) {
		dp_release(d, f);
		return;
	}
	if (__builtin_expect(d->cap_on, 0))
		capture_tx(d->cap, out_if, f->data, f->len, f->l3_off,
			   d->cap_hit_cur);
	d->ops->tx(d->ctx, out_if, f);
}

void dp_forward(struct datapath *d, struct dp_frame *f,
		const struct engine_verdict *v, bool inbound, uint64_t now)
{
	const uint8_t *ip = f->data + f->l3_off;
	struct kroute_nexthop nh;
	int out_if;

	if (dp_route(d, ip, v, &nh)) {
		dp_release(d, f);
		return;
	}
	if (nh.mtu && v->len > nh.mtu) {
		dp_too_big(d, ip, v->len, &nh, inbound, now);
		dp_release(d, f);
		return;
	}
	/* No TX rings (AF_PACKET): the kernel resolves every packet. */
	if (!d->ops->tx) {
		dp_send_raw(d, ip, v->len, nh.ifindex);
		dp_release(d, f);
		return;
	}
	out_if = d->ops->tx_if(d->ctx, nh.ifindex);
	if (!nh.resolved || out_if < 0) {
		if (!nh.resolved) {
			d->st.unresolved++;
			kroute_resolve(d->k, &nh, now);
		}
		dp_send_raw(d, ip, v->len, nh.ifindex);
		dp_release(d, f);
		return;
	}
	ring_out(d, f, (unsigned int)out_if, v->len, nh.dst_mac);
}

/* A reply goes back where the packet came from, to the sender's MAC. */
void dp_reply(struct datapath *d, struct dp_frame *f,
	      const struct engine_verdict *v)
{
	uint8_t peer_mac[6];

	d->st.replies++;
	if (!d->ops->tx) {
		dp_send_raw(d, f->data + f->l3_off, v->len, f->ifindex);
		dp_release(d, f);
		return;
	}
	memcpy(peer_mac, f->data + 6, 6);
	ring_out(d, f, f->in_if, v->len, peer_mac);
}
