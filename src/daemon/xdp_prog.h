/*
 * xdp_prog: the steering program (src/bpf/xdp_steer.bpf.c) on one
 * interface.  The object is embedded in the binary (bpftool skeleton) and
 * attached with libxdp, so it runs behind libxdp's dispatcher and can share
 * the interface with other XDP programs; when the dispatcher cannot be
 * used, libxdp falls back to attaching it alone (legacy), which
 * xdp_prog_is_legacy() reports.
 *
 * Each interface gets its own program instance and so its own XSKMAP
 * (slots indexed by RX queue, as xsk_socket__update_xskmap() expects) and
 * its own counters (per-interface counters for sctpalgctl).
 */
#ifndef SCTPALG_XDP_PROG_H
#define SCTPALG_XDP_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "fast_kv.h"
#include "xdp_steer.h"

struct xdp_prog;

/*
 * The fast path (src/bpf/fast_path.h) of one program instance: the maps
 * every instance shares (fast_map.h) and the direction of its interface.
 */
struct xdp_prog_fast {
	struct fast_kv_maps entries; /* the arrays of maps: outer4, outer6 */
	int stats_fd;
	uint32_t stats_slots; /* per CPU (fast_map_stats_slots()) */
	bool inbound;		/* an uplink: packets come from outside */
};

/*
 * Load the program and attach it to ifindex in native (driver) mode, or
 * in generic (SKB) mode when `generic` is set.  n_queues sizes the XSKMAP
 * (0 = XDP_STEER_MAX_QUEUES).  max_frame: the largest frame the AF_XDP
 * sockets take; SCTP frames over it are dropped and counted
 * (dropped-too-big), 0 = no limit.  The program is multi-buffer aware
 * (xdp.frags).  fast: the fast path's maps and direction, NULL: no
 * fast path.  No fallback between modes here: the caller (xsk_port) owns
 * the mode ladder.  0 or -errno.
 */
int xdp_prog_attach(int ifindex, bool generic, unsigned int n_queues,
		    uint32_t max_frame, const struct xdp_prog_fast *fast,
		    struct xdp_prog **out);
/* Detach from the interface and free; NULL is a no-op. */
void xdp_prog_detach(struct xdp_prog *p);

bool xdp_prog_is_generic(const struct xdp_prog *p);
/* True if libxdp attached without its dispatcher (no chaining). */
bool xdp_prog_is_legacy(const struct xdp_prog *p);
/* Instances left by a daemon that died without detaching, now removed. */
unsigned int xdp_prog_stale_removed(const struct xdp_prog *p);
/* The XSKMAP to register AF_XDP sockets in. */
int xdp_prog_xsks_map_fd(const struct xdp_prog *p);

/* Sum the per-CPU counters.  0 or -errno. */
int xdp_prog_read_counters(const struct xdp_prog *p,
			   struct xdp_steer_count out[XDP_STEER__COUNT]);
const char *xdp_prog_counter_name(enum xdp_steer_counter c);

#endif
