/*
 * drop_log: warnings about packets the engine refused for a reason the
 * administrator can act on (sctpalgd(8), DIAGNOSTICS, Warnings).
 *
 * The engine never logs; it counts drops by reason (drop_reason.h).  Once
 * a second the daemon hands the counters here; for the reasons that mean
 * "a limit in the config was hit" or "a host is configured in a way the
 * ALG cannot translate", a rise since the last warning gives one warning
 * saying what happened, why, and which key of sctpalgd.conf(5) to change.
 * Each reason warns at most once a minute; the count covers everything
 * since its previous warning, so nothing goes unsaid.  Reasons that are
 * ordinary Internet noise (out-of-the-blue packets, bad checksums) stay
 * counters only: sctpalgctl shows them.
 */
#ifndef SCTPALG_DROP_LOG_H
#define SCTPALG_DROP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drop_reason.h"
#include "engine.h"

struct drop_log;

int drop_log_create(struct drop_log **out);
void drop_log_destroy(struct drop_log *w);

/* Compare st->drops with the last call; warn where warranted. */
void drop_log_tick(struct drop_log *w, const struct engine_stats *st,
		   const struct engine_config *conf, uint64_t now_ns);

/*
 * The warning for n drops of reason r (pure).  false when r is not one
 * that deserves a warning.
 */
bool drop_log_format(enum drop_reason r, uint64_t n,
		     const struct engine_config *conf, char *buf, size_t len);

#endif
