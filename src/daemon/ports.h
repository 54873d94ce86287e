/*
 * ports: the configured backend's receive side, behind one face for the
 * daemon.  backend = xdp: xport (the steering program and AF_XDP sockets
 * on one UMEM); backend = packet: pport (AF_PACKET rings).  The daemon
 * polls every ports_fd(), hands readiness to ports_rx(), flushes once per
 * loop turn and shows ports_if_info() through sctpalgctl.
 *
 * busy-poll = yes: ports_busy_poll() is called on every turn of a loop
 * that never sleeps; AF_XDP sockets get SO_PREFER_BUSY_POLL so the
 * driver's NAPI runs in that context instead of from interrupts.
 */
#ifndef SCTPALG_PORTS_H
#define SCTPALG_PORTS_H

#include <stdint.h>

#include "conf.h"
#include "ctl_server.h"
#include "datapath.h"
#include "fast_map.h"
#include "pport.h"
#include "xport.h"

struct ports;

/*
 * Sets up every interface of c and logs the mode each got; fm: the XDP
 * fast path's maps (NULL: none).  0 or -errno.
 */
int ports_create(const struct conf *c, const struct fast_map *fm,
		 struct ports **out);
/* backend = xdp: detaches the XDP programs, so the kernel has SCTP back. */
void ports_destroy(struct ports *p);

/* One of these is NULL, by backend. */
struct xport *ports_xport(const struct ports *p);
struct pport *ports_pport(const struct ports *p);

unsigned int ports_nfds(const struct ports *p);
int ports_fd(const struct ports *p, unsigned int i);
void ports_rx(struct ports *p, struct datapath *d, unsigned int i,
	      uint64_t now_ns);
/*
 * The fd polled with POLLERR: read and clear the socket's error (a
 * packet socket reports ENETDOWN when its interface goes down and keeps
 * polling POLLERR until the error is read), logging it once.
 */
void ports_clear_error(struct ports *p, unsigned int i);
void ports_flush(struct ports *p);
void ports_busy_poll(struct ports *p, struct datapath *d, uint64_t now_ns);

unsigned int ports_if_info(struct ports *p, struct ctl_if_info *ifs,
			   unsigned int max);

/* The ports' own counters (XDP program, multi-buffer); returns the count. */
unsigned int ports_counters(struct ports *p, struct ctl_counter *out,
			    unsigned int max);

#endif
