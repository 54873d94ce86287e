/*
 * mon_watch: address changes of live associations, for "sctpalgctl
 * monitor".
 *
 * The engine reports associations coming up, moving and ending, but not
 * the addresses an ASCONF (RFC 5061) adds to or deletes from them.
 * Rather than touch the engine's address commit points, the daemon
 * compares, once a tick and only while a monitor listens, each
 * established association's peer and inside address sets with what it
 * saw the tick before (an order-independent 64-bit fingerprint and a
 * count per set), and reports the ones that changed with their sets now.
 * An association first seen, or not established on both ticks, sets the
 * reference silently.
 *
 * The same pass reports packets matched to an association and dropped
 * (its per-class counters, engine_assoc_view.drops) since the tick
 * before (all of them for an association that pass did not have), for
 * any state, so the monitor can name the association that loses packets
 * and why, once a second, never once a packet.
 *
 * Memory: two tables of 48-byte entries for twice the association
 * capacity, allocated by the first pass, freed by mon_watch_reset() when
 * the last monitor leaves.
 */
#ifndef SCTPALG_MON_WATCH_H
#define SCTPALG_MON_WATCH_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct mon_watch;

/* Called for an association whose sets changed; peers_were and
 * inside_were are the counts the tick before. */
typedef void mon_watch_fn(void *arg, const struct engine_assoc_view *v,
			  unsigned int peers_were, unsigned int inside_were);

/* Called for an association whose drop counters grew since the pass
 * before: delta by class (enum engine_assoc_drop_class). */
typedef void mon_watch_drops_fn(void *arg, const struct engine_assoc_view *v,
				const uint32_t delta[ENGINE_ADC__COUNT]);

/* capacity: the engine's association capacity.  0 or -ENOMEM. */
int mon_watch_create(uint32_t capacity, struct mon_watch **out);
void mon_watch_destroy(struct mon_watch *w);

/* One pass: mon_watch_begin, mon_watch_see for every association, then
 * mon_watch_end (what was not seen is forgotten). */
int mon_watch_begin(struct mon_watch *w);
void mon_watch_see(struct mon_watch *w, const struct engine_assoc_view *v,
		   mon_watch_fn *fn, void *arg);
void mon_watch_end(struct mon_watch *w);
/* Also report drops, to fn with mon_watch_see's arg (NULL: do not). */
void mon_watch_on_drops(struct mon_watch *w, mon_watch_drops_fn *fn);
/* No monitor any more: free the tables (the next pass starts afresh). */
/* True once a whole pass is the reference (see mon_watch_see). */
bool mon_watch_primed(const struct mon_watch *w);
void mon_watch_reset(struct mon_watch *w);

#endif
