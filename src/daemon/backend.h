/*
 * backend: the configured backend (AF_XDP or AF_PACKET), behind one face
 * for the daemon.  backend = xdp: xsk_port (the steering program and
 * AF_XDP sockets on one UMEM); backend = packet: packet_port (AF_PACKET
 * rings).  The daemon polls every backend_fd(), hands readiness to
 * backend_rx(), flushes once per loop turn and shows backend_if_info()
 * through sctpalgctl.
 *
 * busy-poll = yes: backend_busy_poll() is called on every turn of a loop
 * that never sleeps; AF_XDP sockets get SO_PREFER_BUSY_POLL so the
 * driver's NAPI runs in that context instead of from interrupts.
 */
#ifndef SCTPALG_BACKEND_H
#define SCTPALG_BACKEND_H

#include <stdint.h>

#include "conf.h"
#include "ctl_server.h"
#include "datapath.h"
#include "fast_map.h"
#include "packet_port.h"
#include "xsk_port.h"

struct backend;

/*
 * Sets up every interface of c and logs the mode each got; fm: the XDP
 * fast path's maps (NULL: none).  0 or -errno.
 */
int backend_create(const struct conf *c, const struct fast_map *fm,
		   struct backend **out);
/* backend = xdp: detaches the XDP programs, so the kernel has SCTP back. */
void backend_destroy(struct backend *p);

/* One of these is NULL, by backend. */
struct xsk_port *backend_xsk_port(const struct backend *p);
struct packet_port *backend_packet_port(const struct backend *p);

unsigned int backend_nfds(const struct backend *p);
int backend_fd(const struct backend *p, unsigned int i);
void backend_rx(struct backend *p, struct datapath *d, unsigned int i,
		uint64_t now_ns);
/*
 * The fd polled with POLLERR: read and clear the socket's error (a
 * packet socket reports ENETDOWN when its interface goes down and keeps
 * polling POLLERR until the error is read), logging it once.
 */
void backend_clear_error(struct backend *p, unsigned int i);
void backend_flush(struct backend *p);
void backend_busy_poll(struct backend *p, struct datapath *d, uint64_t now_ns);

unsigned int backend_if_info(struct backend *p, struct ctl_if_info *ifs,
			     unsigned int max);

/* The backend's own counters (XDP program, multi-buffer); their number. */
unsigned int backend_counters(struct backend *p, struct ctl_counter *out,
			      unsigned int max);

#endif
