/*
 * kroute_fake: kroute.h answered from tables a test fills, for the
 * daemon modules that ask kroute (the datapath, forward_link); kroute.c
 * is not linked into the unit tests, these definitions stand in for it.
 *
 * Interfaces, all up until a test says otherwise:
 *   lan0 10, wan1 11, wan2 12 (engine_fixture.c's uplinks), lan1 13
 * A lookup answers from the route given for its destination, else with
 * the default answer (route_rc, nh).
 */
#ifndef SCTPALG_TEST_KROUTE_FAKE_H
#define SCTPALG_TEST_KROUTE_FAKE_H

#include <stdbool.h>

#include "kroute.h"

#define KROUTE_FAKE_IFS	   4
#define KROUTE_FAKE_ROUTES 8

struct kroute_fake {
	/* The default answer. */
	int route_rc;
	struct kroute_nexthop nh;
	/* Per destination: 0 and the egress interface, or an error. */
	struct kroute_fake_route {
		struct nat_addr dst;
		int rc;
		int ifindex;
	} routes[KROUTE_FAKE_ROUTES];
	unsigned int n_routes;
	/* Links by position in the list above. */
	bool down[KROUTE_FAKE_IFS]; /* not IFF_UP and IFF_RUNNING */
	bool gone[KROUTE_FAKE_IFS]; /* no such link (-ENODEV) */
	/* What the modules did. */
	int asked_oif; /* the last lookup's oif */
	unsigned int lookups, resolves;
	struct kroute_stats stats; /* invalidations: set by the test */
};

extern struct kroute_fake kroute_fake;

/* Everything up, no route, the default answer 0 with a zero next hop. */
void kroute_fake_reset(void);
/* Set (or replace) dst's answer. */
void kroute_fake_route(const char *dst, int rc, int ifindex);
/* A link (by ifindex) goes down or comes up. */
void kroute_fake_link(int ifindex, bool up);
/* What a netlink notification would do: routes or links changed. */
void kroute_fake_changed(void);

#endif
