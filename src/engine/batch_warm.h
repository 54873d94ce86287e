/*
 * batch_warm: start loading what a batch's packets will look up before
 * their turn comes (engine_process_batch; batch_warm.c says how).
 */
#ifndef SCTPALG_BATCH_WARM_H
#define SCTPALG_BATCH_WARM_H

#include "assoc_table.h"
#include "engine.h"
#include "engine_impl.h"

/* The most lookups one packet starts (an INIT from inside), and the
 * most port bindings (its source on each uplink). */
#define BATCH_WARM_MAX 5
#define BATCH_WARM_BINDS 4

struct batch_warm {
	struct assoc_warm w[BATCH_WARM_MAX];
	const uint32_t *bind[BATCH_WARM_BINDS]; /* port_alloc_warm */
	/* An INIT ACK's Initiate Tag, whose keys are warmed once its
	 * candidate is found (batch_warm_step), then 0. */
	uint32_t ack_tag;
	uint16_t ack_peer_port;
	bool ack_out;
	/* A COOKIE ACK's: the other side's tag key, warmed once its
	 * candidate walk (w[1]) has read a block, then false. */
	bool confirm;
	uint8_t n, n_bind;
	/* An INIT from inside, with port-preserve: its source's mapping
	 * (addr_map_inside), which the bindings' warming needed and which
	 * engine_process takes instead of mapping the source again, if
	 * its source is `src` (src_mapped). */
	bool src_mapped;
	struct nat_addr src;
	struct src_map src_map;
};

/* Reads pkt's headers and starts loading the buckets of its lookups;
 * false when it started none (then bw is not to be stepped). */
bool batch_warm_plan(const struct engine *e, const struct engine_pkt *pkt,
		     enum engine_dir dir, struct batch_warm *bw);
/* One step further along each of them (assoc_warm_step); false once
 * none has a step left. */
bool batch_warm_step(const struct engine *e, struct batch_warm *bw);

#endif
