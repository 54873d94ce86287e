/*
 * test_addr_list.c: a new association's address list is sized once, for
 * the bindings the INIT's source gets (addr_list_src_bindings), and
 * that is what addr_list_collect then gives an INIT listing no other
 * address: the source's own mapping and, with proxy multihoming, the
 * other uplinks' addresses (sctpalgd.conf(5), multihome).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "engine_impl.h"

/* The bindings an INIT from src gets, and how many were foreseen. */
static void bindings_of_init(enum multihome_mode mh, const char *src,
			     const char *peer, unsigned int *foreseen,
			     unsigned int *bound, uint8_t *locals_class)
{
	struct engine *e = fx_engine(mh);
	struct engine_verdict v;
	struct xlate_ctx x;
	const struct assoc *a;
	struct pb p;

	memset(&x, 0, sizeof(x));
	x.e = e;
	cr_assert_eq(nat_addr_parse(&x.src, src), 0);
	*foreseen = addr_list_src_bindings(&x);

	fx_init(&p, src, peer, 6000, 3868, 0x1234);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD, "%s", src);
	a = assoc_table_next(e->table, NULL);
	cr_assert_not_null(a);
	*bound = a->n_locals;
	*locals_class = a->locals_class;
	engine_destroy(e);
}

Test(addr_list, src_bindings_foresee_what_collect_binds)
{
	static const struct {
		enum multihome_mode mh;
		const char *src, *peer;
		unsigned int n;
	} cases[] = {
		/* The uplink's address, and the other uplink's. */
		{ MULTIHOME_UPLINKS, "192.168.1.10", "198.51.100.100", 2 },
		/* A 1:1 address, and both uplinks'. */
		{ MULTIHOME_UPLINKS, "10.9.0.7", "198.51.100.100", 3 },
		/* No NAT66: its own address only. */
		{ MULTIHOME_UPLINKS, "2001:db8:aa::10", "2001:db8:ff::1", 1 },
		{ MULTIHOME_OFF, "192.168.1.10", "198.51.100.100", 1 },
		{ MULTIHOME_OFF, "10.9.0.7", "198.51.100.100", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int foreseen, bound;
		uint8_t cls;

		bindings_of_init(cases[i].mh, cases[i].src, cases[i].peer,
				 &foreseen, &bound, &cls);
		cr_expect_eq(foreseen, cases[i].n, "%s", cases[i].src);
		cr_expect_eq(bound, cases[i].n, "%s", cases[i].src);
		/* Sized once: the smallest block that holds them. */
		cr_expect_eq(cls,
			     cases[i].n <= 1 ? 0 :
			     cases[i].n <= 2 ? 1 :
					       2,
			     "%s", cases[i].src);
	}
}
