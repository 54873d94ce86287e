/*
 * kroute_fake.c: the stand-in for kroute.c in the unit tests
 * (kroute_fake.h).
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kroute_fake.h"

struct kroute_fake kroute_fake;

static const char *const names[KROUTE_FAKE_IFS] = { "lan0", "wan1", "wan2",
						    "lan1" };
static const int indexes[KROUTE_FAKE_IFS] = { 10, 11, 12, 13 };

void kroute_fake_reset(void)
{
	memset(&kroute_fake, 0, sizeof(kroute_fake));
}

void kroute_fake_route(const char *dst, int rc, int ifindex)
{
	struct kroute_fake *f = &kroute_fake;
	struct nat_addr a;
	unsigned int i;

	cr_assert_eq(nat_addr_parse(&a, dst), 0);
	for (i = 0; i < f->n_routes; i++)
		if (nat_addr_eq(&f->routes[i].dst, &a))
			break;
	cr_assert_lt(i, KROUTE_FAKE_ROUTES);
	if (i == f->n_routes)
		f->n_routes++;
	f->routes[i].dst = a;
	f->routes[i].rc = rc;
	f->routes[i].ifindex = ifindex;
}

static int position(int ifindex)
{
	for (int i = 0; i < KROUTE_FAKE_IFS; i++)
		if (indexes[i] == ifindex)
			return i;
	return -1;
}

void kroute_fake_link(int ifindex, bool up)
{
	int i = position(ifindex);

	cr_assert_geq(i, 0);
	kroute_fake.down[i] = !up;
}

void kroute_fake_changed(void)
{
	kroute_fake.stats.invalidations++;
}

int kroute_ifindex(const struct kroute *k, const char *name)
{
	(void)k;
	for (int i = 0; i < KROUTE_FAKE_IFS; i++)
		if (!strcmp(name, names[i]) && !kroute_fake.gone[i])
			return indexes[i];
	return -ENODEV;
}

int kroute_link(const struct kroute *k, int ifindex, struct kroute_link *out)
{
	int i = position(ifindex);

	(void)k;
	if (i < 0 || kroute_fake.gone[i])
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, names[i]);
	out->up = !kroute_fake.down[i];
	out->mtu = 1500;
	return 0;
}

int kroute_lookup(struct kroute *k, const struct nat_addr *dst, int oif,
		  const struct nat_addr *gw, struct kroute_nexthop *nh)
{
	const struct kroute_fake *f = &kroute_fake;

	(void)k;
	(void)gw;
	kroute_fake.asked_oif = oif;
	kroute_fake.lookups++;
	*nh = f->nh;
	for (unsigned int i = 0; i < f->n_routes; i++) {
		if (!nat_addr_eq(&f->routes[i].dst, dst))
			continue;
		nh->ifindex = f->routes[i].ifindex;
		nh->via = *dst;
		return f->routes[i].rc;
	}
	return f->route_rc;
}

int kroute_resolve(struct kroute *k, const struct kroute_nexthop *nh,
		   uint64_t now_ns)
{
	(void)k;
	(void)nh;
	(void)now_ns;
	kroute_fake.resolves++;
	return 0;
}

const struct kroute_stats *kroute_stats(const struct kroute *k)
{
	(void)k;
	return &kroute_fake.stats;
}
