/*
 * datapath: sctpalgd's packet path -- a batch of received frames through
 * the engine, then out by the backend's TX ring (L2 rewritten, no copy)
 * or through the kernel's raw IP sockets.
 *
 * The datapath does not know which backend runs: it sees struct dp_frame
 * and struct datapath_ops, filled once at start-up for AF_XDP or
 * AF_PACKET (backend.c).  A batch from one source comes from one
 * interface, so it has one direction (inside interfaces: outbound;
 * uplinks: inbound) and goes through engine_process_batch() as a whole.
 * Forwarded frames get the next hop's MAC from kroute (the kernel's
 * routes and neighbours) and leave by the egress interface's TX ring; a
 * packet whose neighbour is not resolved yet, whose egress has no ring,
 * or every packet of a backend without TX rings (AF_PACKET) leaves
 * through a raw IP socket (the kernel resolves).  No allocation, no
 * syscall per packet on the ring path.
 */
#ifndef SCTPALG_DATAPATH_H
#define SCTPALG_DATAPATH_H

#include <stdint.h>

#include "conf.h"
#include "engine.h"
#include "kroute.h"

struct datapath;

/* Interfaces a backend may have (the datapath keeps their direction). */
#define DATAPATH_MAX_IFS	16
/* The most frames the datapath asks ops->rx for at once. */
#define DATAPATH_RX_BATCH	64

/*
 * A received frame, whichever backend brought it.  The frame starts at
 * data (Ethernet with AF_XDP; the IP header itself with AF_PACKET, whose
 * rings are read from the network header), its IP packet at data +
 * l3_off; writable up to cap bytes from data (the engine translates in
 * place and may grow the packet).  The backend owns it again after
 * tx() or release().
 */
struct dp_frame {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
	uint32_t l3_off;
	unsigned int in_if;	/* backend interface index it came in on */
	int ifindex;		/* kernel ifindex it came in on */
	unsigned int slot;	/* the backend's own handle */
};

/*
 * What the datapath asks of its backend; ctx is passed back to each.
 * Filled once at start-up (backend.c); a unit test fills it with fakes.
 */
struct datapath_ops {
	/* Up to max frames (IP only) from source src: an AF_XDP socket, an
	 * AF_PACKET interface. */
	unsigned int (*rx)(void *ctx, unsigned int src, struct dp_frame *f,
			   unsigned int max);
	/* The batch from src is done (also after an empty one).  NULL:
	 * nothing to do. */
	void (*rx_done)(void *ctx, unsigned int src);
	/* A frame that does not leave by a ring goes back.  NULL: frames
	 * need no giving back. */
	void (*release)(void *ctx, struct dp_frame *f);
	/*
	 * TX rings.  tx NULL: the backend has none, every packet leaves
	 * through send_raw.  tx_if: the backend interface with kernel
	 * ifindex, or -1 (that egress takes the raw sockets).  set_eth: f
	 * becomes an untagged Ethernet frame dst <- src around the
	 * l3_len-byte IP packet at its l3_off (data and len change); 0 or
	 * -errno.  tx: queue f on interface out_if; always consumes f.
	 */
	int (*tx_if)(void *ctx, int ifindex);
	const uint8_t *(*if_mac)(void *ctx, unsigned int i);
	int (*set_eth)(void *ctx, struct dp_frame *f, uint32_t l3_len,
		       const uint8_t dst[6], const uint8_t src[6]);
	void (*tx)(void *ctx, unsigned int out_if, struct dp_frame *f);
	/* Out through the kernel, which routes and resolves; oif > 0 pins
	 * the egress interface.  0 or -errno. */
	int (*send_raw)(void *ctx, const uint8_t *ip, uint32_t len, int oif);
	/* The backend's interfaces, in configuration order. */
	unsigned int (*if_count)(void *ctx);
	const char *(*if_name)(void *ctx, unsigned int i);
};

int datapath_create(struct engine *e, const struct datapath_ops *ops,
		    void *ctx, struct kroute *k, const struct conf *c,
		    struct datapath **out);
void datapath_destroy(struct datapath *d);
/*
 * sctpalgctl capture: the sessions whose taps the datapath calls while
 * capture_live() (capture.h); NULL: none.
 */
struct capture;
void datapath_set_capture(struct datapath *d, struct capture *c);
/* A new config (after reload): uplink interfaces and gateways. */
void datapath_set_conf(struct datapath *d, const struct conf *c);
/*
 * Once a second: IP datagrams whose fragments stopped coming are dropped
 * (and counted) after the reassembly timeout, not only when the next
 * fragment arrives.
 */
void datapath_tick(struct datapath *d, uint64_t now_ns);
/* Process what source src (ops->rx) has; called when its fd is readable. */
void datapath_rx(struct datapath *d, unsigned int src, uint64_t now_ns);

struct datapath_stats {
	uint64_t raw_sent, raw_failed, unresolved, no_route, replies;
	/* IP fragments of SCTP in, whole datagrams, fragments sent. */
	uint64_t frags_in, reassembled, frags_out;
	/* Fragments dropped by reassembly, by why. */
	uint64_t frag_timeouts, frag_evicted, frag_overlaps, frag_malformed;
	uint64_t frag_too_big;
	/* Packets over the egress MTU; Fragmentation Needed / Packet Too
	 * Big sent back about them (the rest were cut or rate-limited). */
	uint64_t too_big, icmp_too_big_sent;
	/* Time Exceeded sent about packets whose TTL / Hop Limit ran out
	 * (the rest: rate-limited, about an ICMP error, no route back). */
	uint64_t icmp_time_exceeded_sent;
};
const struct datapath_stats *datapath_stats(struct datapath *d);

#endif
