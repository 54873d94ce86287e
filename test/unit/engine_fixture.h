/*
 * engine_fixture: a ready engine for tests, fuzzers and the benchmark -- the
 * small-office case of README, Configuration, case 1: LAN 192.168.1.0/24 behind
 * two ISPs.
 *
 *   inside 192.168.1.0/24 -> uplink 0 "wan1" 198.51.100.1
 *                            uplink 1 "wan2" 203.0.113.1
 *   inside 10.9.0.0/16 1:1 -> 198.18.0.0/16 on wan2
 *   inside 2001:db8:aa::/64 (IPv6, no NAT66)
 *   [forward diameter] 198.51.100.1:3868 -> 192.168.1.20:3868
 *   peer (outside server): 198.51.100.100 and 203.0.113.100
 */
#ifndef SCTPALG_TEST_ENGINE_FIXTURE_H
#define SCTPALG_TEST_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "pkt_build.h"
#include "time_ns.h"

#define FX_SEC	NSEC_PER_SEC

void fx_config(struct engine_config *c, enum multihome_mode mh);
struct engine *fx_engine(enum multihome_mode mh);
/* Run a built packet through the engine in place. */
struct engine_verdict fx_run(struct engine *e, struct pb *p,
			     enum engine_dir dir, uint64_t now);

/* Packet shorthands (IPv4 or IPv6 chosen from the source address). */
void fx_data(struct pb *p, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, uint32_t vtag, uint32_t ppid);
void fx_chunk(struct pb *p, const char *src, const char *dst,
	      uint16_t sport, uint16_t dport, uint32_t vtag, uint8_t type,
	      uint8_t flags);
void fx_init(struct pb *p, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, uint32_t itag);
/* A peer's INIT ACK listing the given peer addresses (NULL-terminated). */
void fx_init_ack(struct pb *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint32_t vtag, uint32_t itag,
		 const char *const *peer_addrs);

/*
 * The bindings' references on the engine's public-address table
 * (pub_table.h) add up: each live association's binding names an entry
 * that is in use, each entry is held by exactly as many bindings as its
 * count says, and no entry in use is held by none.  False, with why,
 * when they do not.
 */
bool fx_bindings_ok(const struct engine *e, char *why, size_t n);

/*
 * The engine's views (engine_foreach_assoc) read the latest time a call
 * handed it: this makes it now, as if asked at that instant, without the
 * expiry work of engine_tick.
 */
void fx_view_at(struct engine *e, uint64_t now);

#endif
