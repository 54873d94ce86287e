/*
 * forward_link.c: the usable inside addresses of the [forward] rules
 * (forward_link.h), from kroute's view of routes and links.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "forward_link.h"
#include "log.h"

struct forward_link {
	struct engine *e;
	struct kroute *k;
	uint64_t kroute_gen; /* kroute invalidations looked at */
};

int forward_link_create(struct engine *e, struct kroute *k,
			struct forward_link **out)
{
	struct forward_link *fl = calloc(1, sizeof(*fl));

	if (!fl)
		return -ENOMEM;
	fl->e = e;
	fl->k = k;
	*out = fl;
	return 0;
}

void forward_link_destroy(struct forward_link *fl)
{
	free(fl);
}

static bool is_uplink(struct kroute *k, const struct engine_config *c,
		      int ifindex)
{
	for (int u = 0; u < c->n_uplinks; u++)
		if (kroute_ifindex(k, c->uplinks[u].ifname) == ifindex)
			return true;
	return false;
}

/* NULL: usable; otherwise why not. */
static const char *unusable(struct kroute *k, const struct engine_config *c,
			    const struct nat_addr *inside)
{
	struct kroute_nexthop nh;
	struct kroute_link kl;

	if (kroute_lookup(k, inside, 0, NULL, &nh))
		return "no route to it";
	if (kroute_link(k, nh.ifindex, &kl) || !kl.up)
		return "its route's link is down";
	if (is_uplink(k, c, nh.ifindex))
		return "routed out by an uplink";
	return NULL;
}

void forward_link_check(struct forward_link *fl, const struct engine_config *c)
{
	fl->kroute_gen = kroute_stats(fl->k)->invalidations;
	for (unsigned int f = 0; f < c->n_forwards; f++) {
		const struct engine_forward *fw = &c->forwards[f];
		unsigned int n = fw->n_inside > 1 ? fw->n_inside : 1;

		for (unsigned int i = 0; i < n; i++) {
			const struct nat_addr *in = &fw->inside_addrs[i];
			const char *why, *next = "";
			char b[NAT_ADDR_STRLEN];

			if (i == 0)
				in = &fw->inside_addr;
			why = unusable(fl->k, c, in);
			if (engine_forward_inside_up(fl->e, f, i) == !why)
				continue;
			engine_set_forward_inside_up(fl->e, f, i, !why);
			nat_addr_str(in, b, sizeof(b));
			if (n > 1)
				next = ": new associations go to the next "
				       "usable inside address";
			if (why)
				log_notice("[forward %s] inside address %s is "
					   "unusable (%s)%s",
					   fw->name, b, why, next);
			else
				log_notice("[forward %s] inside address %s is "
					   "usable again",
					   fw->name, b);
		}
	}
}

void forward_link_netlink(struct forward_link *fl,
			  const struct engine_config *c)
{
	if (kroute_stats(fl->k)->invalidations != fl->kroute_gen)
		forward_link_check(fl, c);
}
