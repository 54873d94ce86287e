/*
 * mon_event: the lines of "sctpalgctl monitor" (sctpalgctl(8), MONITOR).
 *
 * Each association event the engine reports (engine_set_event_cb), and
 * each second's drops by reason, become one JSON object on one line: the
 * machine-readable members and, in "text", the same sentence sctpalgd
 * logs (assoc_log_format), which is what sctpalgctl prints without -j.
 * Pure: no I/O, no allocation (the engine calls the event callback on the
 * packet path), a line that does not fit in len is not made at all.
 */
#ifndef SCTPALG_MON_EVENT_H
#define SCTPALG_MON_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Longest line mon_event_format() makes (a full multihomed view fits). */
#define MON_LINE_MAX 2048

/*
 * The line for ev, newline included, in buf.  unix_ms stamps it (wall
 * clock, for people; the engine's clock is monotonic).  Returns the
 * length, or 0 when it does not fit in len.
 */
size_t mon_event_format(const struct engine_event *ev,
			const struct engine_config *conf, uint64_t unix_ms,
			char *buf, size_t len);
/*
 * "count drops of reason in the last interval_s seconds": one line per
 * reason and interval, whatever the packet rate.
 */
size_t mon_drops_format(const char *reason, uint64_t count,
			unsigned int interval_s, uint64_t unix_ms, char *buf,
			size_t len);
/*
 * An established association's peer or inside addresses changed (an
 * ASCONF added or deleted some; mon_watch.h): its sets now, and the
 * counts before.
 */
size_t mon_addrs_format(const struct engine_assoc_view *v,
			unsigned int peers_were, unsigned int inside_were,
			const struct engine_config *conf, uint64_t unix_ms,
			char *buf, size_t len);
/*
 * Packets matched to association v and dropped in the last interval_s
 * seconds, by class (delta, enum engine_assoc_drop_class): its endpoints
 * and the counts of the classes that grew (sctpalgctl(8), MONITOR,
 * "assoc_drops").
 */
size_t mon_assoc_drops_format(const struct engine_assoc_view *v,
			      const uint32_t delta[ENGINE_ADC__COUNT],
			      unsigned int interval_s,
			      const struct engine_config *conf,
			      uint64_t unix_ms, char *buf, size_t len);
/*
 * The in-band note to a subscriber that did not read fast enough: count
 * events were not sent to it.
 */
size_t mon_lost_format(uint64_t count, uint64_t unix_ms, char *buf, size_t len);

#endif
