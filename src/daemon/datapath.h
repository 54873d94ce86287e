/*
 * datapath: sctpalgd's packet path -- AF_XDP RX, the engine, L2 out (or,
 * with backend = packet, AF_PACKET rings in and raw sockets out).
 *
 * A batch from one socket comes from one interface, so it has one
 * direction (inside interfaces: outbound; uplinks: inbound) and goes
 * through engine_process_batch() as a whole.  Forwarded frames get the
 * next hop's MAC from kroute (the kernel's routes and neighbours) and
 * leave by the egress interface's TX ring without a copy; a packet whose
 * neighbour is not resolved yet, or whose egress has no AF_XDP socket,
 * leaves through a raw IP socket (the kernel resolves) while resolution
 * is requested.  No allocation, no syscall per packet on the fast path.
 */
#ifndef SCTPALG_DATAPATH_H
#define SCTPALG_DATAPATH_H

#include <stdint.h>

#include "conf.h"
#include "engine.h"
#include "kroute.h"
#include "pport.h"
#include "xport.h"

struct datapath;

/* One of x (backend = xdp) and p (backend = packet); the other NULL. */
int datapath_create(struct engine *e, struct xport *x, struct pport *p,
		    struct kroute *k, const struct conf *c,
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
/* Process what one socket has; called when its fd is readable. */
void datapath_rx(struct datapath *d, unsigned int sock, uint64_t now_ns);
/* backend = packet: process what interface pif's ring has. */
void datapath_rx_packet(struct datapath *d, unsigned int pif,
			uint64_t now_ns);

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
};
const struct datapath_stats *datapath_stats(struct datapath *d);

#endif
