/*
 * forward_link: which inside addresses of the [forward] rules the box can
 * reach, told to the engine (engine_set_forward_inside_up), which sends a
 * new association to its rule's next usable inside address while the one
 * paired with its public address is not (sctpalgd.conf(5), `inside`).
 *
 * An inside address is usable when the kernel has a route to it whose
 * output link is up (IFF_UP and IFF_RUNNING) and is no uplink's: an
 * inside address routed out by an uplink (the default route, once its
 * inside link's own routes went with the link) is not reachable inside.
 * Looked at again after every batch of netlink notifications that changed
 * routes, addresses or links (kroute's invalidations) and on every tick;
 * each change is logged once.
 */
#ifndef SCTPALG_FORWARD_LINK_H
#define SCTPALG_FORWARD_LINK_H

#include "engine.h"
#include "kroute.h"

struct forward_link;

/* e and k must outlive it.  0 or -ENOMEM. */
int forward_link_create(struct engine *e, struct kroute *k,
			struct forward_link **out);
void forward_link_destroy(struct forward_link *fl);

/* Every inside address of c's rules, now (a tick, a reload). */
void forward_link_check(struct forward_link *fl, const struct engine_config *c);
/* The same, only if kroute saw a route, address or link change since. */
void forward_link_netlink(struct forward_link *fl,
			  const struct engine_config *c);

#endif
