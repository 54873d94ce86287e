/*
 * handshake_budget: how INITs share the handshake slots and the INIT
 * rate under a flood (sctpalgd.conf(5), [limits]).
 *
 * Half-open associations are grouped by source: an inside host (its
 * IPv4 address, its IPv6 /64) for outbound INITs, an outside prefix
 * (IPv4 /24, IPv6 /48) for inbound INITs through a [forward] rule.
 * Sources live in pools: one for every outbound INIT, one of its own for
 * each [forward] rule, each pool with its slot cap and INIT token bucket.
 *
 *   - Rate: a source that has used no more than half of its own small
 *     bucket (source-init-rate, burst twice that) is "light" and may
 *     take its pool's tokens down to empty; a heavy source leaves the
 *     lower half of the pool's burst alone.  A flood drains only the
 *     upper half, so a quiet host still gets its INIT through, and
 *     init-rate stays a cap on what the pool admits.
 *   - Slots: a full pool makes room for a light source by evicting the
 *     oldest half-open association of its heaviest source (a heavy one
 *     is refused), when that source holds more
 *     than the one asking and that association is older than
 *     RTO.Initial (as a SYN cache drops the oldest entry of the bucket
 *     under pressure).  Only associations in
 *     their handshake are tracked, so an established one is never
 *     evicted.
 *   - per-host counts only what the server's own side accepted:
 *     half-open inbound associations are charged to their [forward]
 *     rule's pool, not to the inside server, so spoofed INITs cannot
 *     lock a forwarded server out.
 *
 * Everything is sized at creation from max_assocs (which a reload cannot
 * change); the packet path does not allocate.  Pure: time is passed in.
 */
#ifndef SCTPALG_HANDSHAKE_BUDGET_H
#define SCTPALG_HANDSHAKE_BUDGET_H

#include <stdint.h>

#include "drop_reason.h"
#include "engine_config.h"
#include "nat_addr.h"

struct engine;
struct assoc;
struct xlate_ctx;
struct hs_budget;

int hs_budget_create(const struct engine_config *c, uint64_t seed,
		     struct hs_budget **out);
void hs_budget_destroy(struct hs_budget *b);
/* A reload: new caps and rates; what is tracked stays. */
void hs_budget_reconfigure(struct hs_budget *b,
			   const struct engine_config *c);

/*
 * May the INIT in x create an association for inside host `host`?
 * Checks the table, per-host, rate and slot limits in that order and
 * may evict half-open associations to make room; DROP_NONE or why not.
 */
enum drop_reason hs_budget_admit(struct xlate_ctx *x,
				 const struct nat_addr *host);

/* An association entered its handshake (ASSOC_F_HANDSHAKE set). */
void hs_budget_track(struct engine *e, const struct assoc *a,
		     uint64_t now);
/* It left it: established, ended, expired or removed. */
void hs_budget_untrack(struct engine *e, const struct assoc *a);

/* Half-open associations tracked in [forward] rule f's pool. */
uint32_t hs_budget_forward_live(const struct hs_budget *b, int f);

#endif
