/*
 * assoc_log: one log line per association event
 * (sctpalgd(8), DIAGNOSTICS, Associations).
 *
 * The engine reports associations coming up, ending and moving between
 * uplinks (engine_set_event_cb); this module turns each report into one
 * info line a person can act on -- the inside, public and peer endpoints,
 * the vtags, and for an end the reason, age and packet counts:
 *
 *   association up: 192.168.1.10:5000 -> 198.51.100.1:5000 ->
 *     198.51.100.100,203.0.113.100:80 vtags 0x1a2b3c4d/0x5e6f7a8b
 *   association down (abort after 12.3 s, 200/198 packets): ...
 *
 * A flood (an inside host opening associations as fast as it can) must
 * not flood syslog: lines go through token buckets, one for associations
 * that came up and one for those that never did (INITs nobody answered),
 * so a burst of failed set-ups cannot hide the lines that matter.  The
 * next line let through says how many were held back, and so does the
 * once-a-second tick when the flood is over.
 */
#ifndef SCTPALG_ASSOC_LOG_H
#define SCTPALG_ASSOC_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct assoc_log;

/* conf: names the uplinks; must outlive the module (reload may change
 * its contents).  0 or -errno. */
int assoc_log_create(const struct engine_config *conf, struct assoc_log **out);
void assoc_log_destroy(struct assoc_log *l);

/* The engine's event callback; arg is the struct assoc_log. */
void assoc_log_event(void *arg, const struct engine_event *ev);
/* Once a second: report lines a finished flood held back. */
void assoc_log_tick(struct assoc_log *l, uint64_t now_ns);

/* The line for ev, without any suppression note (pure).  Returns buf. */
const char *assoc_log_format(const struct engine_event *ev,
			     const struct engine_config *conf, char *buf,
			     size_t len);

#endif
