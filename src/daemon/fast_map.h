/*
 * fast_map: the daemon's side of the XDP fast path (README, "Fast
 * path").  It owns the two BPF maps every interface's program shares
 * (the entries, and the per-CPU counters per path), turns what the engine
 * lists (engine_fast.h) into entries with the next hop the kernel's
 * routes and neighbours give (kroute), keeps them current as the engine
 * reports changes, and folds the fast path's counters and last-seen times
 * back into the engine: before it expires an association, and whenever
 * sctpalgctl asks.
 *
 * Nothing here runs per packet: the program forwards on its own, and the
 * daemon acts on association changes, route changes and timer ticks.
 */
#ifndef SCTPALG_FAST_MAP_H
#define SCTPALG_FAST_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "engine.h"
#include "kroute.h"
#include "xsk_port.h"

struct fast_map;

/* The maps, sized for the engine's limits.  0 or -errno. */
int fast_map_create(const struct engine_config *ec, struct fast_map **out);
void fast_map_destroy(struct fast_map *fm);
/* For xdp_prog_attach(): the maps every program instance reuses. */
const struct fast_kv_maps *fast_map_entries(const struct fast_map *fm);
int fast_map_stats_fd(const struct fast_map *fm);
/* Counter slots per CPU in it (the program's fast_stats_slots). */
uint32_t fast_map_stats_slots(const struct fast_map *fm);

/*
 * Start following the engine (turns on its change tracking and the sync
 * before expiry); x: the interfaces a redirect may leave by.
 */
void fast_map_start(struct fast_map *fm, struct engine *e, struct kroute *k,
		    struct xsk_port *x, const struct conf *c);
/* Uplink interfaces and gateways (after a reload). */
void fast_map_set_conf(struct fast_map *fm, const struct conf *c);
/* Apply the engine's changes; cheap when there are none. */
void fast_map_sync(struct fast_map *fm, uint64_t now_ns);
/* Once a second: route or neighbour changes, next hops still unresolved. */
void fast_map_tick(struct fast_map *fm, uint64_t now_ns);
/*
 * While paused, no association has entries (their counters folded
 * first), so every packet passes the daemon: sctpalgctl capture sees
 * what the XDP program would otherwise forward unseen.  Resuming
 * installs them again.
 */
void fast_map_pause(struct fast_map *fm, bool pause, uint64_t now_ns);
/*
 * With fast-path = auto: a socket that turns readable when an
 * interface's XDP features change (whether it takes redirected frames),
 * or -1 (then the tick asks).  When it does, call
 * fast_map_features_changed(): entries follow at once.
 */
int fast_map_watch_fd(const struct fast_map *fm);
void fast_map_features_changed(struct fast_map *fm, uint64_t now_ns);
/* Fold every path's counters into the engine (sctpalgctl). */
void fast_map_fold_all(struct fast_map *fm);

struct fast_map_stats {
	uint64_t entries;	/* installed now */
	uint64_t installs, removals;
	uint64_t unresolved;	/* paths left to the slow path for now */
	uint64_t no_route;	/* or not leaving by an XDP interface */
	uint64_t no_xmit;	/* leaving by one that takes no redirects */
	uint64_t recomputes;	/* every entry looked at again */
};
void fast_map_stats(const struct fast_map *fm, struct fast_map_stats *out);

#endif
