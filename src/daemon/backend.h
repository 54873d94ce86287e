/*
 * backend: the configured backend (AF_XDP or AF_PACKET), behind one face
 * for the daemon.  backend_create() chooses it, once: backend = xdp,
 * backend_xsk.c over xsk_port (the steering program and AF_XDP sockets
 * on one UMEM); backend = packet, backend_packet.c over packet_port
 * (AF_PACKET rings).  Every call after that goes through the table the
 * choice filled (backend_impl.h).  The daemon polls every backend_fd(),
 * hands readiness to datapath_rx() with the fd's index, flushes once per
 * loop turn and shows backend_if_info() through sctpalgctl; the datapath
 * sees only backend_datapath_ops() (datapath.h).
 *
 * busy-poll = yes: backend_busy_poll() is called on every turn of a loop
 * that never sleeps; AF_XDP sockets get SO_PREFER_BUSY_POLL so the
 * driver's NAPI runs in that context instead of from interrupts.
 */
#ifndef SCTPALG_BACKEND_H
#define SCTPALG_BACKEND_H

#include <stdint.h>

#include "capture.h"
#include "conf.h"
#include "ctl_server.h"
#include "datapath.h"
#include "fast_map.h"
#include "packet_port.h"
#include "xsk_port.h"

struct backend;

/* The most fds a backend has (backend_nfds()): AF_XDP sockets. */
#define BACKEND_MAX_FDS		XSK_PORT_MAX_SOCKETS

/*
 * Sets up every interface of c and the raw sockets, and logs the mode
 * each interface got; fm: the XDP fast path's maps (NULL: none).  0 or
 * -errno.
 */
int backend_create(const struct conf *c, const struct fast_map *fm,
		   struct backend **out);
/* backend = xdp: detaches the XDP programs, so the kernel has SCTP back. */
void backend_destroy(struct backend *b);

/* For datapath_create(), with b as its ctx. */
const struct datapath_ops *backend_datapath_ops(const struct backend *b);
/* backend = xdp: the AF_XDP port (fast path, privileges); else NULL. */
struct xsk_port *backend_xsk_port(const struct backend *b);

unsigned int backend_nfds(const struct backend *b);
int backend_fd(const struct backend *b, unsigned int i);
/*
 * The fd polled with POLLERR: read and clear the socket's error (a
 * packet socket reports ENETDOWN when its interface goes down and keeps
 * polling POLLERR until the error is read), logging it once.
 */
void backend_clear_error(struct backend *b, unsigned int i);
void backend_flush(struct backend *b);
void backend_busy_poll(struct backend *b, struct datapath *d,
		       uint64_t now_ns);

unsigned int backend_if_info(struct backend *b, struct ctl_if_info *ifs,
			     unsigned int max);
/*
 * The interfaces as capture_create() takes them (index = the datapath's
 * interface index), and their link type; returns how many.
 */
unsigned int backend_capture_ifs(const struct backend *b,
				 struct capture_if *ifs, unsigned int max,
				 uint16_t *linktype);

/*
 * The capabilities (privdrop.h's PRIVDROP_CAP() bits) the running
 * backend still needs after the switch to the configured user;
 * not_root: that user is not root.
 */
uint64_t backend_keep_caps(const struct backend *b, bool not_root);

/* The backend's own counters (XDP program, multi-buffer); their number. */
unsigned int backend_counters(struct backend *b, struct ctl_counter *out,
			      unsigned int max);

#endif
