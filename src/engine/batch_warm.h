/*
 * batch_warm: start loading what a batch's packets will look up before
 * their turn comes (engine_process_batch; batch_warm.c says how).
 */
#ifndef SCTPALG_BATCH_WARM_H
#define SCTPALG_BATCH_WARM_H

#include "assoc_table.h"
#include "engine.h"
#include "engine_impl.h"

/*
 * A chunk: the packets warmed together (engine_process_batch).  32, half
 * the daemon's batch: with 64, set-ups were slower (bench_setup, a
 * million associations, seven pairs alternated: 3 % fewer a second,
 * test/bench/HISTORY.md), the first packets' lines pushed out by the
 * last ones' before their turn, and more loads started than the miss
 * buffers hold; 16 was no better than 64.
 */
#define BATCH_WARM_CHUNK 32
/* The most walks one packet starts, follow-ups included (an INIT from
 * inside, with port-preserve; an INIT ACK's three), and the most port
 * bindings (its source on each uplink). */
#define BATCH_WARM_MAX	 3
#define BATCH_WARM_BINDS 4

/*
 * An INIT from inside, with port-preserve: its source's mapping
 * (addr_map_inside), which the bindings' warming needed and which
 * engine_process takes instead of mapping the source again, if its
 * source is still `src`; and the hashes of its port pair and
 * destination (assoc_pair_hash), which the mapping points to
 * (src_map.pair) for handshake_init to take if they are still its,
 * with the bucket of the port binding of its public address on its
 * port (src_map.pair_bucket) for init_outbound_new.
 */
struct batch_warm_src {
	struct nat_addr src;
	struct src_map map;
	struct assoc_pair_hash pair;
};

/* A chunk's warming: its walks and bindings, whichever packet's. */
struct batch_warm {
	struct assoc_warm_list list;
	unsigned int n_bind, n_src;
	struct assoc_warm w[BATCH_WARM_CHUNK * BATCH_WARM_MAX];
	struct assoc_warm *live[BATCH_WARM_CHUNK * BATCH_WARM_MAX];
	uint32_t bind[BATCH_WARM_CHUNK * BATCH_WARM_BINDS];
	struct batch_warm_src src[BATCH_WARM_CHUNK];
};

/* Before a chunk's first batch_warm_plan. */
void batch_warm_begin(struct batch_warm *bw);
/* Reads pkt's headers and starts loading the buckets of its lookups;
 * the source mapping it made on the way (engine_process takes it), or
 * NULL.  At most BATCH_WARM_CHUNK packets per chunk. */
const struct batch_warm_src *batch_warm_plan(const struct engine *e,
					     const struct engine_pkt *pkt,
					     enum engine_dir dir,
					     struct batch_warm *bw);
/* Walks them all, round after round, until every load is started (at
 * most `rounds` rounds). */
void batch_warm_run(const struct engine *e, struct batch_warm *bw,
		    unsigned int rounds);

#endif
