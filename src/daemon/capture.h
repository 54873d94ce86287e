/*
 * capture: "sctpalgctl capture", the daemon's side.  tcpdump on the box
 * is blind to what AF_XDP takes and sends (the XDP program takes SCTP
 * before the packet taps, and AF_XDP transmit bypasses them), so the
 * datapath copies frames itself: each as received, before the engine
 * translates it in place, and as sent, after.  The copies go into a
 * pcapng stream (pcapng.h) sent over the control connection that asked
 * for it, until its count or duration is reached or the client shuts its
 * side; then one Interface Statistics Block per interface block says how
 * many packets were seen and how many were dropped.
 *
 * Bounded so that capturing can never hold up forwarding:
 *   - at most CAPTURE_MAX sessions at once, each with a ring of
 *     CAPTURE_RING bytes; a copy that does not fit is dropped and counted,
 *     never waited for (one send in flight per session, from the loop);
 *   - at most CAP_RATE_MAX copies a second per session, or the rate the
 *     request asks for (a token bucket of a second's worth, at most
 *     CAPTURE_BURST): beyond it, dropped and counted, so the copying costs
 *     a bounded share of a core whatever the traffic;
 *   - a client that reads nothing for CAPTURE_STALL_MS while data waits
 *     is disconnected.
 * Without a session the datapath reads the live counter once per batch
 * (capture_live_flag) and branches on the result per packet; nothing
 * else.
 *
 * Interface blocks: two per captured interface, "NAME rx" (2k) and
 * "NAME tx" (2k + 1), in the order the ports have them; Ethernet frames
 * with backend = xdp, raw IP (LINKTYPE_RAW) with backend = packet, which
 * never sees the link header.  A packet that leaves through the kernel's
 * raw socket (its neighbour not yet resolved) has no Ethernet header of
 * its own: it gets one with the interface's MAC as source and zeros as
 * destination.
 */
#ifndef SCTPALG_CAPTURE_H
#define SCTPALG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cap_filter.h"

#define CAPTURE_MAX		2u
#define CAPTURE_RING		(1u << 20)
#define CAPTURE_BURST		5000
#define CAPTURE_STALL_MS	10000

struct capture;
struct loop;

struct capture_if {
	const char *name;
	int ifindex;		/* the kernel's */
	const uint8_t *mac;	/* NULL without a link header */
};

/*
 * The interfaces are the ports' (index = the datapath's interface index),
 * linktype PCAPNG_LINK_ETHERNET or PCAPNG_LINK_RAW.  0 or -ENOMEM.
 */
int capture_create(struct loop *l, uint16_t linktype,
		   const struct capture_if *ifs, unsigned int n_ifs,
		   struct capture **out);
/* Ends every session (their clients get the end of the stream if it
 * fits at once) and frees. */
void capture_destroy(struct capture *c);

/*
 * A session for the control connection fd, which made request r: on
 * success the session owns fd and sends {"ok":true,"capture":true} and a
 * newline, then the pcapng stream.  0, or -errno with a sentence in why
 * (-EBUSY: CAPTURE_MAX run already; -ENOENT: an interface not served).
 */
int capture_start(struct capture *c, int fd, const struct cap_req *r,
		  pid_t pid, char *why, size_t why_len);

/* Sessions taking packets now. */
bool capture_live(const struct capture *c);
/*
 * The same as a counter the datapath reads inline, once per batch (no
 * call on the packet path when nobody captures).  Valid until
 * capture_destroy.
 */
const unsigned int *capture_live_flag(const struct capture *c);

/*
 * The datapath's taps; call only while sessions are live.  capture_batch
 * once per batch, before the others (the clock, the rate budget).
 * capture_rx: a frame received on interface port_if, its IP header at
 * l3_off; returns the sessions whose filter the packet as received
 * matched (a bit each), to hand to capture_tx for the same packet, which
 * is then captured as sent even if translation took it out of the filter
 * (a filter on the inside address still shows the packet on the uplink).
 * capture_tx: a frame sent on port_if.  l3_off 0 with a linktype of
 * Ethernet means a bare IP packet (a header is made up, see above).
 */
void capture_batch(struct capture *c);
unsigned int capture_rx(struct capture *c, unsigned int port_if,
			const uint8_t *frame, uint32_t len, uint32_t l3_off);
void capture_tx(struct capture *c, unsigned int port_if, const uint8_t *frame,
		uint32_t len, uint32_t l3_off, unsigned int hit);
/* The port interface of a kernel ifindex, or -1. */
int capture_port_if(const struct capture *c, int ifindex);

struct capture_stats {
	uint64_t live;		/* sessions now */
	uint64_t started;
	uint64_t written;	/* packets into the streams */
	uint64_t dropped;	/* seen, matched, not written */
};
void capture_stats(const struct capture *c, struct capture_stats *out);

#endif
