/*
 * engine_fast: what the engine tells an XDP fast path (README, "Fast
 * path").  The engine stays the only place where decisions are made: it
 * lists, for an established association, one entry per path and
 * direction with the exact rewrite its own translation would make, and
 * it says which associations changed since the caller last asked, so the
 * caller can install, update or remove their entries.  It knows nothing
 * of BPF: the daemon (src/daemon/fast_map.c) turns entries into map
 * entries and folds what the fast path counted back in.
 */
#ifndef SCTPALG_ENGINE_FAST_H
#define SCTPALG_ENGINE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "nat_addr.h"

/*
 * One path of one association in one direction: a packet arriving in
 * `dir` from src:sport to dst:dport with verification tag vtag (ports
 * and tag in host order) leaves as new_src:new_sport -> new_dst:new_dport
 * by `uplink` (-1: by routing), as engine_process() would send it.
 */
struct engine_fast_entry {
	uint32_t assoc_id;
	uint8_t peer_idx;	/* the path: index into the view's paths[] */
	uint8_t dir;		/* enum engine_dir */
	int8_t uplink;
	uint16_t max_chunks;	/* the engine's limit on chunks */
	uint16_t sport, dport, new_sport, new_dport;
	uint32_t vtag;
	struct nat_addr src, dst, new_src, new_dst;
};

/*
 * Turn change tracking on (or off).  While on, the engine remembers the
 * associations whose fast-path entries may have changed: reached or left
 * ESTABLISHED, new tags, an address added or removed, a path moved to
 * another uplink, ended, reconfigured.
 */
void engine_fast_enable(struct engine *e, bool on);

/*
 * Take the ids of changed associations, up to max; *all is set when the
 * engine lost count (then every association must be looked at again).
 * Returns how many ids were written.
 */
unsigned int engine_fast_changed(struct engine *e, uint32_t *ids,
				 unsigned int max, bool *all);

/*
 * The entries of association id, at most max; 0 when it does not qualify
 * (gone, not ESTABLISHED, PPID rules that need DATA inspected).
 */
unsigned int engine_fast_entries(const struct engine *e, uint32_t id,
				 struct engine_fast_entry *out,
				 unsigned int max);

/* Upper bound of engine_fast_entries() for this engine's limits. */
unsigned int engine_fast_max_entries(const struct engine *e);

/*
 * What the fast path forwarded on one path since the last fold: counters
 * are added; last_seen_ns and last_refresh_ns (0: none) move the
 * association's idle time and, for a refreshing chunk, its established
 * timeout, as if the engine had forwarded those packets itself.
 */
struct engine_fast_fold {
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
	uint64_t last_seen_ns, last_refresh_ns;
};

void engine_fast_fold(struct engine *e, uint32_t id, unsigned int peer_idx,
		      const struct engine_fast_fold *f);

/*
 * Called for an ESTABLISHED association about to expire, before it does,
 * so the caller can fold (engine_fast_fold(), the one engine call allowed
 * inside) what the fast path saw; if that moved its timeout, it lives on.
 * Also called before an association ends (ABORT, SHUTDOWN COMPLETE,
 * flush, reload), so its DOWN event counts every packet.
 */
typedef void engine_fast_sync_fn(void *arg, struct engine *e, uint32_t id);
void engine_fast_set_sync(struct engine *e, engine_fast_sync_fn *fn,
			  void *arg);

/* Packets the engine counts as forwarded by the fast path (stats). */
uint64_t engine_fast_folded_pkts(const struct engine *e);

#endif
