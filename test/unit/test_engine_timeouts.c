/*
 * test_engine_timeouts.c: the engine's timeout per state (sctpalgd.conf(5),
 * [timeouts]) is read from a table filled from the config; it must follow
 * the config at creation and at every reload, and a half-open association
 * must expire on the setup timeout the engine has at its INIT.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "engine_impl.h"

#define SEC NSEC_PER_SEC

static void distinct_timeouts(struct engine_config *c, uint32_t base)
{
	c->timeout_setup = base + 1;
	c->timeout_established = base + 2;
	c->timeout_shutdown = base + 3;
	c->timeout_closed = base + 4;
}

static void expect_table(const struct engine *e, const struct engine_config *c)
{
	static const struct {
		enum assoc_state s;
		int field; /* 0 setup, 1 established, 2 shutdown, 3 closed */
	} want[] = {
		{ ASSOC_COOKIE_WAIT, 0 },     { ASSOC_COOKIE_ECHOED, 0 },
		{ ASSOC_ESTABLISHED, 1 },     { ASSOC_SHUTDOWN, 2 },
		{ ASSOC_CLOSED, 3 },	      { ASSOC__STATE_COUNT, 0 },
		{ (enum assoc_state)200, 0 },
	};
	const uint32_t secs[] = { c->timeout_setup, c->timeout_established,
				  c->timeout_shutdown, c->timeout_closed };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(engine_timeout_ns(e, want[i].s),
			     (uint64_t)secs[want[i].field] * SEC, "state %d",
			     (int)want[i].s);
		cr_assert_eq(engine_timeout_ns(e, want[i].s),
			     engine_conf_timeout_ns(c, want[i].s), "state %d",
			     (int)want[i].s);
	}
}

Test(timeouts, table_follows_create_and_reload)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	distinct_timeouts(&c, 10);
	cr_assert_eq(engine_create(&c, 42, &e), 0);
	expect_table(e, &c);
	distinct_timeouts(&c, 100);
	cr_assert_eq(engine_reconfigure(e, &c, SEC), 0);
	expect_table(e, &c);
	/* A refused reload changes nothing. */
	c.max_assocs++;
	c.timeout_setup = 999;
	cr_assert_neq(engine_reconfigure(e, &c, SEC), 0);
	c.max_assocs--;
	c.timeout_setup = 101;
	expect_table(e, &c);
	engine_destroy(e);
}

/* The reloaded setup timeout is the one a new INIT's association gets. */
Test(timeouts, half_open_expires_on_the_reloaded_setup_timeout)
{
	struct engine_config c;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_verdict v;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.timeout_setup = 3;
	cr_assert_eq(engine_reconfigure(e, &c, SEC), 0);
	fx_init(&p, "192.168.1.10", "198.51.100.100", 5000, 3868, 0x11111111u);
	v = fx_run(e, &p, ENGINE_OUTBOUND, SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_tick(e, 3 * SEC + SEC / 2);
	cr_assert_eq(engine_stats(e)->assocs_live, 1, "before 1 s + 3 s");
	engine_tick(e, 4 * SEC + SEC / 2);
	cr_assert_eq(engine_stats(e)->assocs_live, 0, "after 1 s + 3 s");
	engine_destroy(e);
}
