/*
 * datapath_impl.h: the datapath's state, shared by datapath.c (the batch
 * loop), datapath_route.c (next hop and egress of every forwarded
 * packet) and datapath_slow.c (raw sockets, IP fragments, path MTU,
 * Time Exceeded).
 * Private to those three files.
 */
#ifndef SCTPALG_DATAPATH_IMPL_H
#define SCTPALG_DATAPATH_IMPL_H

#include "capture.h"
#include "datapath.h"
#include "icmp_build.h"
#include "log.h"

#define RX_BATCH	DATAPATH_RX_BATCH

struct datapath {
	struct engine *e;
	const struct datapath_ops *ops;	/* the backend's (datapath.h) */
	void *ctx;
	struct kroute *k;
	/* Per backend interface: its direction. */
	bool inbound[DATAPATH_MAX_IFS];
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
	/*
	 * sctpalgctl capture: cap_on is *cap_live (sessions running) at the
	 * start of the batch, the one test the packet path makes when
	 * nobody captures.
	 * cap_hit: per packet of the batch, the sessions whose filter its
	 * received form matched; cap_hit_cur, that of the packet being
	 * sent (for the raw socket path).
	 */
	struct capture *cap;
	const unsigned int *cap_live;	/* capture_live_flag(cap) */
	bool cap_on;
	unsigned int cap_hit_cur;
	unsigned int cap_hit[RX_BATCH];
	/* The batch being worked on. */
	struct dp_frame frames[RX_BATCH];
	struct engine_pkt pkts[RX_BATCH];
	struct engine_verdict vs[RX_BATCH];
	uint32_t l3_off[RX_BATCH];
};

/* The IP destination address of ip (IPv4 or IPv6, by its version). */
static inline void dp_dst_of(const uint8_t *ip, struct nat_addr *dst)
{
	if ((ip[0] >> 4) == 4)
		nat_addr_from_v4(dst, ip + 16);
	else
		nat_addr_from_v6(dst, ip + 24);
}

/* A frame that does not leave by a ring goes back to its backend. */
static inline void dp_release(struct datapath *d, struct dp_frame *f)
{
	if (d->ops->release)
		d->ops->release(d->ctx, f);
}

/* A forwarded packet: routed, then out by a TX ring or the raw sockets. */
void dp_forward(struct datapath *d, struct dp_frame *f,
		const struct engine_verdict *v, bool inbound, uint64_t now);
/* A reply: back where f came from, to the sender. */
void dp_reply(struct datapath *d, struct dp_frame *f,
	      const struct engine_verdict *v);
/* Out through a raw IP socket; oif > 0 pins the egress interface. */
void dp_send_raw(struct datapath *d, const uint8_t *ip, uint32_t len,
		 int oif);
/* The next hop of a forwarded packet; -1 (counted) without a route. */
int dp_route(struct datapath *d, const uint8_t *ip,
	     const struct engine_verdict *v, struct kroute_nexthop *nh);
/* A translated packet longer than nh's MTU: cut, or ICMP to its sender. */
void dp_too_big(struct datapath *d, const uint8_t *ip, uint32_t len,
		const struct kroute_nexthop *nh, bool inbound, uint64_t now);
/* TTL / Hop Limit ran out (ttl-exceeded): ICMP Time Exceeded back. */
void dp_time_exceeded(struct datapath *d, const uint8_t *ip, uint32_t len,
		      int in_ifindex, uint64_t now);
/* An IP fragment of SCTP, in from either backend. */
void dp_fragment_in(struct datapath *d, const uint8_t *ip, uint32_t len,
		    bool inbound, int in_ifindex, uint64_t now);

#endif
