/*
 * test_port_alloc.c: public port bindings (src/engine/port_alloc.h) on their
 * own: reference counting, owners, the fixed pool, and port_alloc_pick's
 * choice of a port usable on every public address of an association.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "port_alloc.h"

static struct nat_addr addr(const char *s)
{
	struct nat_addr a;

	cr_assert_eq(nat_addr_parse(&a, s), 0, "%s", s);
	return a;
}

static struct port_alloc *make(uint32_t capacity)
{
	struct port_alloc *pa;

	cr_assert_eq(port_alloc_create(capacity, 12345, &pa), 0);
	return pa;
}

Test(port_alloc, create_checks_capacity)
{
	struct port_alloc *pa = NULL;

	cr_assert_eq(port_alloc_create(0, 1, &pa), -EINVAL);
	cr_assert_eq(port_alloc_create((1u << 26) + 1, 1, &pa), -EINVAL);
	cr_assert_null(pa);
	pa = make(1);
	cr_assert_eq(port_alloc_in_use(pa), 0);
	port_alloc_destroy(pa);
	port_alloc_destroy(NULL);
}

Test(port_alloc, references_keep_a_binding_until_the_last)
{
	struct port_alloc *pa = make(8);
	struct nat_addr pub = addr("198.51.100.1");
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");

	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &host, 4000), 0);
	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &host, 4000), 0);
	cr_assert_eq(port_alloc_in_use(pa), 1, "one binding, two references");
	port_alloc_unref(pa, &pub, 5000);
	cr_assert_not(port_alloc_usable(pa, &pub, 5000, &other, 4000),
		      "a reference is left: the binding still stands");
	port_alloc_unref(pa, &pub, 5000);
	cr_assert_eq(port_alloc_in_use(pa), 0);
	cr_assert(port_alloc_usable(pa, &pub, 5000, &other, 4000));
	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &other, 4000), 0);
	/* Unbinding what is not bound changes nothing. */
	port_alloc_unref(pa, &pub, 5001);
	cr_assert_eq(port_alloc_in_use(pa), 1);
	port_alloc_destroy(pa);
}

Test(port_alloc, a_public_transport_address_has_one_owner)
{
	struct port_alloc *pa = make(8);
	struct nat_addr pub = addr("198.51.100.1");
	struct nat_addr pub2 = addr("203.0.113.1");
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");

	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &host, 4000), 0);
	/* Another inside address, or another port of the same host. */
	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &other, 4000),
		     -EADDRINUSE);
	cr_assert_eq(port_alloc_ref(pa, &pub, 5000, &host, 4001),
		     -EADDRINUSE);
	cr_assert_not(port_alloc_usable(pa, &pub, 5000, &host, 4001));
	cr_assert(port_alloc_usable(pa, &pub, 5000, &host, 4000));
	/* The same port on another public address, another port here. */
	cr_assert_eq(port_alloc_ref(pa, &pub2, 5000, &other, 4000), 0);
	cr_assert_eq(port_alloc_ref(pa, &pub, 5001, &other, 4000), 0);
	cr_assert_eq(port_alloc_in_use(pa), 3);
	port_alloc_destroy(pa);
}

Test(port_alloc, ipv6_and_ipv4_bindings_are_apart)
{
	struct port_alloc *pa = make(4);
	struct nat_addr v4 = addr("198.51.100.1");
	struct nat_addr v6 = addr("2001:db8::1");
	struct nat_addr h4 = addr("192.168.1.10");
	struct nat_addr h6 = addr("2001:db8:1::10");

	cr_assert_eq(port_alloc_ref(pa, &v6, 5000, &h6, 5000), 0);
	cr_assert_eq(port_alloc_ref(pa, &v4, 5000, &h4, 5000), 0);
	cr_assert_eq(port_alloc_ref(pa, &v6, 5000, &h4, 5000), -EADDRINUSE);
	port_alloc_destroy(pa);
}

Test(port_alloc, full_pool_refuses_new_bindings_only)
{
	struct port_alloc *pa = make(2);
	struct nat_addr pub = addr("198.51.100.1");
	struct nat_addr host = addr("192.168.1.10");

	cr_assert_eq(port_alloc_ref(pa, &pub, 1, &host, 1), 0);
	cr_assert_eq(port_alloc_ref(pa, &pub, 2, &host, 2), 0);
	cr_assert_not(port_alloc_can_ref(pa, &pub, 3, &host, 3));
	cr_assert_eq(port_alloc_ref(pa, &pub, 3, &host, 3), -ENOSPC);
	/* Another reference to an existing binding needs no room. */
	cr_assert(port_alloc_can_ref(pa, &pub, 1, &host, 1));
	cr_assert_eq(port_alloc_ref(pa, &pub, 1, &host, 1), 0);
	cr_assert_not(port_alloc_can_ref(pa, &pub, 1, &host, 9),
		      "another owner never can");
	port_alloc_unref(pa, &pub, 2);
	cr_assert(port_alloc_can_ref(pa, &pub, 3, &host, 3));
	cr_assert_eq(port_alloc_ref(pa, &pub, 3, &host, 3), 0);
	cr_assert_eq(port_alloc_in_use(pa), 2);
	port_alloc_destroy(pa);
}

/*
 * Many bindings in few buckets, taken and released in a scrambled order,
 * against a plain array: chains unlinked in the middle stay consistent.
 */
Test(port_alloc, scrambled_refs_match_a_model)
{
	enum { PORTS = 40, N = 2 * PORTS, STEPS = 20000 };
	struct port_alloc *pa = make(N);
	struct nat_addr pubs[2] = { addr("198.51.100.1"),
				    addr("198.51.100.2") };
	struct nat_addr host = addr("192.168.1.10");
	static uint32_t refs[2][PORTS];
	uint32_t x = 1, bound = 0;

	for (int s = 0; s < STEPS; s++) {
		int p, port;

		x = x * 1103515245u + 12345u;
		p = (x >> 8) & 1;
		port = 1 + (int)((x >> 9) % PORTS);
		if ((x >> 20) & 1) {
			int r = port_alloc_ref(pa, &pubs[p], (uint16_t)port,
					       &host, (uint16_t)port);

			cr_assert_eq(r, 0, "step %d", s);
			bound += refs[p][port - 1]++ == 0;
		} else {
			port_alloc_unref(pa, &pubs[p], (uint16_t)port);
			if (refs[p][port - 1])
				bound -= --refs[p][port - 1] == 0;
		}
		cr_assert_eq(port_alloc_in_use(pa), bound, "step %d", s);
	}
	for (int p = 0; p < 2; p++)
		for (int port = 1; port <= PORTS; port++)
			cr_assert_eq(port_alloc_usable(pa, &pubs[p],
						       (uint16_t)port, &pubs[p],
						       0),
				     refs[p][port - 1] == 0);
	port_alloc_destroy(pa);
}

static bool refuse_even(uint16_t port, void *arg)
{
	(*(unsigned int *)arg)++;
	return port % 2 == 0;
}

Test(port_alloc, pick_prefers_the_inside_port)
{
	struct port_alloc *pa = make(8);
	struct nat_addr pubs[2] = { addr("198.51.100.1"),
				    addr("203.0.113.1") };
	const struct nat_addr *pubp[2] = { &pubs[0], &pubs[1] };
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");
	uint64_t rng = 7;

	cr_assert_eq(port_alloc_pick(pa, pubp, 2, &host, 5000, 1024, 65535,
				     5000, &rng, NULL, NULL, NULL),
		     5000);
	/* Taken on the second public address only: still not usable. */
	cr_assert_eq(port_alloc_ref(pa, &pubs[1], 5000, &other, 5000), 0);
	int port = port_alloc_pick(pa, pubp, 2, &host, 5000, 1024, 65535, 5000,
				   &rng, NULL, NULL, NULL);
	cr_assert(port >= 1024 && port != 5000, "got %d", port);
	/* The owner of the binding may have it again. */
	cr_assert_eq(port_alloc_pick(pa, pubp + 1, 1, &other, 5000, 1024, 65535,
				     5000, &rng, NULL, NULL, NULL),
		     5000);
	/* A preferred port outside the range is not taken. */
	port = port_alloc_pick(pa, pubp, 1, &host, 80, 1024, 2047, 80, &rng,
			       NULL, NULL, NULL);
	cr_assert(port >= 1024 && port <= 2047, "got %d", port);
	port_alloc_destroy(pa);
}

Test(port_alloc, pick_finds_the_last_free_port)
{
	struct port_alloc *pa = make(16);
	struct nat_addr pub = addr("198.51.100.1");
	const struct nat_addr *pubp = &pub;
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");

	for (uint16_t p = 2000; p <= 2009; p++)
		if (p != 2006)
			cr_assert_eq(port_alloc_ref(pa, &pub, p, &other, p), 0);
	/* Whatever the random start, the probe reaches the free one. */
	for (uint64_t seed = 1; seed < 50; seed++) {
		uint64_t rng = seed;

		cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 1, 2000, 2009,
					     0, &rng, NULL, NULL, NULL),
			     2006);
		cr_assert_neq(rng, seed, "the generator advances");
	}
	cr_assert_eq(port_alloc_ref(pa, &pub, 2006, &other, 2006), 0);
	uint64_t rng = 3;
	cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 1, 2000, 2009, 0,
				     &rng, NULL, NULL, NULL),
		     -1, "range full");
	port_alloc_destroy(pa);
}

Test(port_alloc, pick_skips_conflicts_and_bad_ranges)
{
	struct port_alloc *pa = make(4);
	struct nat_addr pub = addr("198.51.100.1");
	const struct nat_addr *pubp = &pub;
	struct nat_addr host = addr("192.168.1.10");
	unsigned int asked = 0;
	uint64_t rng = 99;
	int port;

	for (int i = 0; i < 20; i++) {
		port = port_alloc_pick(pa, &pubp, 1, &host, 4000, 3000, 3010,
				       3004, &rng, refuse_even, &asked, NULL);
		cr_assert(port >= 3000 && port <= 3010 && port % 2 == 1,
			  "got %d", port);
	}
	cr_assert_gt(asked, 20, "the preferred port was asked about too");
	cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 4000, 3000, 3000, 0,
				     &rng, refuse_even, &asked, NULL),
		     -1);
	cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 4000, 0, 10, 0, &rng,
				     NULL, NULL, NULL),
		     -1, "port 0");
	cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 4000, 20, 10, 0, &rng,
				     NULL, NULL, NULL),
		     -1, "min > max");
	port_alloc_destroy(pa);
}

Test(port_alloc, pick_is_repeatable_from_the_same_state)
{
	struct port_alloc *pa = make(4);
	struct nat_addr pub = addr("198.51.100.1");
	const struct nat_addr *pubp = &pub;
	struct nat_addr host = addr("192.168.1.10");
	uint64_t a = 42, b = 42;

	for (int i = 0; i < 10; i++)
		cr_assert_eq(port_alloc_pick(pa, &pubp, 1, &host, 1, 1024,
					     65535, 0, &a, NULL, NULL, NULL),
			     port_alloc_pick(pa, &pubp, 1, &host, 1, 1024,
					     65535, 0, &b, NULL, NULL, NULL));
	port_alloc_destroy(pa);
}

/* port_alloc_pick hands back the buckets of the port it picked,
 * the preferred one or one after refusals, and port_alloc_ref_at with
 * them takes the same bindings as port_alloc_ref. */
Test(port_alloc, pick_buckets_are_those_of_the_port_picked)
{
	struct port_alloc *pa = make(64);
	struct nat_addr pubs[2] = { addr("198.51.100.1"), addr("203.0.113.1") };
	const struct nat_addr *pubp[2] = { &pubs[0], &pubs[1] };
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");
	uint32_t buckets[2];
	unsigned int asked = 0;
	uint64_t rng = 9;
	int port;

	for (uint16_t pref = 3000; pref < 3020; pref++) {
		buckets[0] = buckets[1] = PORT_ALLOC_NO_BUCKET;
		port = port_alloc_pick(pa, pubp, 2, &host, pref, 3000, 3040,
				       pref, &rng, refuse_even, &asked,
				       buckets);
		cr_assert(port >= 3000 && port % 2 == 1, "got %d", port);
		for (int i = 0; i < 2; i++) {
			cr_assert_eq(buckets[i],
				     port_alloc_bucket(pa, &pubs[i],
						       (uint16_t)port));
			cr_assert_eq(port_alloc_ref_at(pa, buckets[i], &pubs[i],
						       (uint16_t)port, &host,
						       pref),
				     0);
		}
		/* Bound now: another owner is refused, its owner is not. */
		cr_assert_not(port_alloc_usable(pa, &pubs[1], (uint16_t)port,
						&other, pref));
		cr_assert(port_alloc_usable(pa, &pubs[0], (uint16_t)port, &host,
					    pref));
	}
	cr_assert_eq(port_alloc_in_use(pa), 40);
	port_alloc_destroy(pa);
}

/* The probe's generator (port_alloc.c, next_random: xorshift64*), for
 * the reference scan below to start where port_alloc_pick does. */
static uint64_t model_random(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* What port_alloc_pick must return: the preferred port if usable on
 * every address, else the first usable port from the random start. */
static int reference_pick(const struct port_alloc *pa,
			  const struct nat_addr *pubs, unsigned int n,
			  const struct nat_addr *owner, uint16_t owner_port,
			  uint16_t min, uint16_t max, uint16_t preferred,
			  uint64_t rng)
{
	uint32_t range = (uint32_t)max - min + 1, start;
	bool ok = preferred >= min && preferred <= max;

	for (unsigned int k = 0; ok && k < n; k++)
		ok = port_alloc_usable(pa, &pubs[k], preferred, owner,
				       owner_port);
	if (ok)
		return preferred;
	start = (uint32_t)(model_random(&rng) % range);
	for (uint32_t i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(min + (start + i) % range);

		ok = true;
		for (unsigned int k = 0; ok && k < n; k++)
			ok = port_alloc_usable(pa, &pubs[k], port, owner,
					       owner_port);
		if (ok)
			return port;
	}
	return -1;
}

/*
 * The probe skips bound ports by per-address bitmaps when the owner holds
 * no binding on a port not its own; it must pick exactly what looking
 * every port up would.  Random bindings over a small range, preserved
 * and displaced ones, references taken and dropped, three addresses of
 * which a pick uses one or two, against the reference scan.
 */
Test(port_alloc, pick_skipping_bound_ports_matches_the_full_scan)
{
	const uint16_t min = 1024, max = 1024 + 199;
	struct nat_addr pubs[3] = { addr("198.51.100.1"), addr("203.0.113.1"),
				    addr("192.0.2.1") };
	const struct nat_addr *pubp[3] = { &pubs[0], &pubs[1], &pubs[2] };
	struct nat_addr hosts[4] = { addr("192.168.1.10"), addr("192.168.1.11"),
				     addr("192.168.1.12"),
				     addr("192.168.1.13") };
	struct port_alloc *pa = make(4096);
	uint64_t r = 7, picks = 0, displaced = 0;

	for (int step = 0; step < 20000; step++) {
		const struct nat_addr *owner = &hosts[model_random(&r) % 4];
		uint16_t owner_port =
			(uint16_t)(min + model_random(&r) % (max - min + 1));
		unsigned int first = (unsigned int)(model_random(&r) % 2);
		unsigned int n = 1 + (unsigned int)(model_random(&r) % 2);
		uint64_t rng = model_random(&r), rng_copy = rng;
		/* Without port preservation now and then: the probe may then
		 * come to the owner's own port, bound to it. */
		uint16_t preferred = model_random(&r) % 4 ? owner_port : 0;
		int want, got;

		if (model_random(&r) % 3 == 0) {
			/* Drop a reference of a random binding, if any. */
			uint16_t port =
				(uint16_t)(min +
					   model_random(&r) % (max - min + 1));

			port_alloc_unref(pa, &pubs[model_random(&r) % 3], port);
			continue;
		}
		want = reference_pick(pa, &pubs[first], n, owner, owner_port,
				      min, max, preferred, rng);
		got = port_alloc_pick(pa, &pubp[first], n, owner, owner_port,
				      min, max, preferred, &rng_copy, NULL,
				      NULL, NULL);
		cr_assert_eq(got, want, "step %d: picked %d, the scan %d", step,
			     got, want);
		picks++;
		if (got < 0)
			continue;
		displaced += got != owner_port;
		for (unsigned int k = first; k < first + n; k++)
			cr_assert_eq(port_alloc_ref(pa, &pubs[k], (uint16_t)got,
						    owner, owner_port),
				     0);
	}
	cr_assert_gt(picks, 10000);
	cr_assert_gt(displaced, 1000, "ports not preserved: %lu",
		     (unsigned long)displaced);
	port_alloc_destroy(pa);
}

/*
 * The probe's bookkeeping begins at the first probe, from the bindings
 * already there: many bindings, displaced ones among them, made before
 * any probe, then picks from every owner against the reference scan.
 */
Test(port_alloc, first_probe_knows_the_bindings_made_before_it)
{
	const uint16_t min = 2000, max = 2000 + 99;
	struct nat_addr pubs[2] = { addr("198.51.100.1"), addr("203.0.113.1") };
	const struct nat_addr *pubp[2] = { &pubs[0], &pubs[1] };
	struct nat_addr hosts[3] = { addr("192.168.1.10"), addr("192.168.1.11"),
				     addr("192.168.1.12") };
	struct port_alloc *pa = make(1024);
	uint64_t r = 11;

	/* Most ports bound, a fifth to an owner whose own port is
	 * another (as a probe would have left them). */
	for (uint16_t p = min; p <= max; p++) {
		const struct nat_addr *owner = &hosts[p % 3];
		uint16_t owner_port = p % 5 ? p : (uint16_t)(p + 1000);

		if (p % 7 == 0)
			continue;
		for (int k = 0; k < 2; k++)
			cr_assert_eq(port_alloc_ref(pa, &pubs[k], p, owner,
						    owner_port),
				     0);
	}
	for (int step = 0; step < 3000; step++) {
		const struct nat_addr *owner = &hosts[model_random(&r) % 3];
		uint16_t owner_port = (uint16_t)(min + model_random(&r) % 100);

		if (model_random(&r) % 2)
			owner_port = (uint16_t)(owner_port + 1000);
		uint64_t rng = model_random(&r), rng_copy = rng;
		unsigned int n = 1 + (unsigned int)(model_random(&r) % 2);
		int want = reference_pick(pa, pubs, n, owner, owner_port, min,
					  max, 0, rng);

		cr_assert_eq(port_alloc_pick(pa, pubp, n, owner, owner_port,
					     min, max, 0, &rng_copy, NULL, NULL,
					     NULL),
			     want, "step %d", step);
	}
	port_alloc_destroy(pa);
}

/* The warming's bucket is the one lookups start from. */
Test(port_alloc, warm_gives_the_bucket_of_the_binding)
{
	struct port_alloc *pa = make(64);
	struct nat_addr pub = addr("198.51.100.1");
	struct nat_addr pub6 = addr("2001:db8::1");

	for (uint16_t port = 1; port < 200; port++) {
		cr_assert_eq(port_alloc_warm(pa, &pub, port),
			     port_alloc_bucket(pa, &pub, port));
		cr_assert_eq(port_alloc_warm(pa, &pub6, port),
			     port_alloc_bucket(pa, &pub6, port));
	}
	/* Stepping a bucket, empty or not, reads only. */
	cr_assert_eq(port_alloc_ref(pa, &pub, 7, &pub6, 7), 0);
	port_alloc_warm_step(pa, port_alloc_warm(pa, &pub, 7));
	port_alloc_warm_step(pa, port_alloc_warm(pa, &pub, 8));
	cr_assert_eq(port_alloc_in_use(pa), 1);
	port_alloc_destroy(pa);
}

/* Refuses the preferred port 4000 the first time only. */
static bool refuse_4000_once(uint16_t port, void *arg)
{
	bool *refused = arg;

	if (port != 4000 || *refused)
		return false;
	*refused = true;
	return true;
}

/*
 * Buckets handed in for the preferred port (some of them: the others
 * PORT_ALLOC_NO_BUCKET) give the same choice and the same buckets back as
 * none, whether the preferred port is taken or refused and another one
 * picked: those of the port picked.
 */
Test(port_alloc, pick_takes_the_buckets_handed_in)
{
	struct port_alloc *pa = make(64);
	struct nat_addr pubs[3] = { addr("198.51.100.1"), addr("203.0.113.1"),
				    addr("2001:db8::1") };
	const struct nat_addr *pubp[3] = { &pubs[0], &pubs[1], &pubs[2] };
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");

	/* 4000 bound to another owner on the second address. */
	cr_assert_eq(port_alloc_ref(pa, &pubs[1], 4000, &other, 4000), 0);
	for (unsigned int n = 1; n <= 3; n++)
		for (unsigned int known = 0; known < 1u << n; known++)
			for (int refuse = 0; refuse < 2; refuse++) {
				uint32_t in[3], none[3];
				uint64_t rng_in = 5, rng_none = 5;
				bool refused_in = !refuse,
				     refused_none = !refuse;
				int want, got;

				for (unsigned int i = 0; i < n; i++) {
					none[i] = PORT_ALLOC_NO_BUCKET;
					in[i] = known >> i & 1 ?
							port_alloc_bucket(
								pa, pubp[i],
								4000) :
							PORT_ALLOC_NO_BUCKET;
				}
				want = port_alloc_pick(pa, pubp, n, &host, 4000,
						       3000, 5000, 4000,
						       &rng_none,
						       refuse_4000_once,
						       &refused_none, none);
				got = port_alloc_pick(pa, pubp, n, &host, 4000,
						      3000, 5000, 4000, &rng_in,
						      refuse_4000_once,
						      &refused_in, in);
				cr_assert_eq(got, want);
				cr_assert_eq(rng_in, rng_none);
				cr_assert(want != 4000 || (n == 1 && !refuse),
					  "n %u refuse %d: got %d", n, refuse,
					  want);
				for (unsigned int i = 0; i < n; i++)
					cr_assert_eq(in[i],
						     port_alloc_bucket(
							     pa, pubp[i],
							     (uint16_t)got));
			}
	port_alloc_destroy(pa);
}

/* A bucket handed in is taken for the preferred port only: the probe
 * after it is refused hashes each port's own. */
Test(port_alloc, pick_hashes_the_ports_after_the_preferred)
{
	struct port_alloc *pa = make(64);
	struct nat_addr pub = addr("198.51.100.1");
	const struct nat_addr *pubp = &pub;
	struct nat_addr host = addr("192.168.1.10");
	struct nat_addr other = addr("192.168.1.11");
	uint64_t rng = 11;
	uint32_t bucket;
	int port;

	/* Every port of the range but 3005 is bound to another owner. */
	for (uint16_t p = 3000; p <= 3010; p++)
		if (p != 3005)
			cr_assert_eq(port_alloc_ref(pa, &pub, p, &other, p), 0);
	bucket = port_alloc_bucket(pa, &pub, 3002);
	port = port_alloc_pick(pa, &pubp, 1, &host, 3002, 3000, 3010, 3002,
			       &rng, NULL, NULL, &bucket);
	cr_assert_eq(port, 3005);
	cr_assert_eq(bucket, port_alloc_bucket(pa, &pub, 3005));
	cr_assert_eq(port_alloc_ref_at(pa, bucket, &pub, 3005, &host, 3002), 0);
	cr_assert_not(port_alloc_usable(pa, &pub, 3005, &other, 3005));
	port_alloc_destroy(pa);
}
