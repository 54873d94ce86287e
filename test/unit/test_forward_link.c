/*
 * forward_link (src/daemon/forward_link.h): which inside addresses of the
 * [forward] rules the box can reach, from kroute's routes and links,
 * told to the engine, which sends a new association past one that is not
 * (sctpalgd.conf(5), `inside`).  kroute is the fake of kroute_fake.h;
 * the engine is the real one.
 *
 *   SRV1 192.168.1.20 --- lan0 (10) --- box --- wan1 (11) uplink 0, PUB1
 *   SRV2 192.168.2.20 --- lan1 (13) ---/    \-- wan2 (12) uplink 1, PUB2
 *
 * [forward diameter]: PUB1 paired with SRV1, PUB2 with SRV2.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine_fixture.h"
#include "forward_link.h"
#include "kroute_fake.h"
#include "log.h"
#include "sctp_wire.h"

#define PEER1 "198.51.100.100"
#define PUB1  "198.51.100.1"
#define PUB2  "203.0.113.1"
#define SRV1  "192.168.1.20"
#define SRV2  "192.168.2.20"

/* The log lines of a change, with two inside addresses. */
#define LOG_DOWN(srv, why)                                            \
	"[forward diameter] inside address " srv " is unusable (" why \
	"): new associations go to the next usable inside address\n"
#define LOG_UP(srv) \
	"[forward diameter] inside address " srv " is usable again\n"
#define LINK_DOWN  "its route's link is down"
#define VIA_UPLINK "routed out by an uplink"

static struct engine *eng;
static struct forward_link *fl;
static struct engine_config conf;

static void addr(struct nat_addr *a, const char *s)
{
	cr_assert_eq(nat_addr_parse(a, s), 0);
}

/* Routes to both servers through their own links; nothing else routed. */
static void setup_with(unsigned int n_inside)
{
	struct engine_forward *fw = &conf.forwards[0];

	cr_redirect_stderr();
	log_init("test", true, LOG_DAEMON);
	log_setlevel(LOG_INFO);
	kroute_fake_reset();
	kroute_fake.route_rc = -ENETUNREACH;
	kroute_fake_route(SRV1, 0, 10);
	kroute_fake_route(SRV2, 0, 13);
	fx_config(&conf, MULTIHOME_OFF);
	if (n_inside == 2) {
		fw->n_public = 2;
		addr(&fw->public_addrs[1], PUB2);
		fw->n_inside = 2;
		fw->inside_addrs[0] = fw->inside_addr;
		addr(&fw->inside_addrs[1], SRV2);
	}
	cr_assert_eq(engine_create(&conf, 7, &eng), 0);
	cr_assert_eq(forward_link_create(eng, NULL, &fl), 0);
}

static void setup(void)
{
	setup_with(2);
}

static void setup_one(void)
{
	setup_with(1);
}

static void teardown(void)
{
	forward_link_destroy(fl);
	engine_destroy(eng);
}

TestSuite(forward_link, .init = setup, .fini = teardown);

static void expect_up(bool srv1, bool srv2)
{
	cr_assert_eq(engine_forward_inside_up(eng, 0, 0), srv1, "SRV1 %s",
		     srv1 ? "unusable" : "usable");
	cr_assert_eq(engine_forward_inside_up(eng, 0, 1), srv2, "SRV2 %s",
		     srv2 ? "unusable" : "usable");
}

/* A client's INIT (tag itag, from PEER1:port) to PUB1: where to? */
static const char *init_in(uint16_t port, uint32_t itag)
{
	static char dst[48];
	struct engine_verdict v;
	struct pb p;

	pb_ip4(&p, PEER1, PUB1);
	pb_sctp(&p, port, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, itag);
	pb_finish(&p);
	v = fx_run(eng, &p, ENGINE_INBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
	return pkt_dst(p.buf, dst);
}

static void expect_log(const char *want)
{
	fflush(stderr);
	cr_assert_stderr_eq_str(want);
}

Test(forward_link, all_usable_says_nothing)
{
	forward_link_check(fl, &conf);
	expect_up(true, true);
	cr_assert_eq(kroute_fake.lookups, 2, "one lookup per inside address");
	cr_assert_str_eq(init_in(40000, 0x11111111u), SRV1);
	expect_log("");
}

Test(forward_link, link_down_then_back_up)
{
	forward_link_check(fl, &conf);
	kroute_fake_link(10, false);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	expect_up(false, true);
	/* A new association passes SRV1 over for the next one. */
	cr_assert_str_eq(init_in(40000, 0x11111111u), SRV2);
	/* Looked at again with nothing changed: nothing new to say. */
	forward_link_check(fl, &conf);
	kroute_fake_link(10, true);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	expect_up(true, true);
	cr_assert_str_eq(init_in(40001, 0x22222222u), SRV1);
	expect_log(LOG_DOWN(SRV1, LINK_DOWN) LOG_UP(SRV1));
}

Test(forward_link, link_gone_is_down)
{
	kroute_fake.gone[3] = true; /* lan1 */
	forward_link_check(fl, &conf);
	expect_up(true, false);
	expect_log(LOG_DOWN(SRV2, LINK_DOWN));
}

Test(forward_link, no_route)
{
	kroute_fake_route(SRV2, -ENETUNREACH, 13);
	forward_link_check(fl, &conf);
	expect_up(true, false);
	expect_log(LOG_DOWN(SRV2, "no route to it"));
}

/*
 * lan0's own routes went with its link, and the default route takes
 * SRV1 out by an uplink, whose link is up: not reachable inside.  Either
 * uplink.
 */
Test(forward_link, route_only_via_an_uplink)
{
	kroute_fake_route(SRV1, 0, 11);
	forward_link_check(fl, &conf);
	expect_up(false, true);
	kroute_fake_route(SRV1, 0, 13);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	expect_up(true, true);
	kroute_fake_route(SRV1, 0, 12);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	expect_up(false, true);
	cr_assert_str_eq(init_in(40000, 0x11111111u), SRV2);
	expect_log(LOG_DOWN(SRV1, VIA_UPLINK) LOG_UP(SRV1)
			   LOG_DOWN(SRV1, VIA_UPLINK));
}

/*
 * After a batch of netlink notifications it looks only if kroute
 * invalidated its routes since the last look (a change of routes,
 * addresses or links); a tick or a reload looks anyway.
 */
Test(forward_link, netlink_looks_only_after_a_change)
{
	forward_link_check(fl, &conf);
	kroute_fake.lookups = 0;
	kroute_fake_link(10, false);
	forward_link_netlink(fl, &conf);
	cr_assert_eq(kroute_fake.lookups, 0);
	expect_up(true, true);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	expect_up(false, true);
	forward_link_netlink(fl, &conf);
	cr_assert_eq(kroute_fake.lookups, 2, "looked once");
	/* Back up unnoticed by netlink: the next tick finds it. */
	kroute_fake_link(10, true);
	forward_link_netlink(fl, &conf);
	expect_up(false, true);
	forward_link_check(fl, &conf);
	expect_up(true, true);
}

/* A rule with one inside address: the address of its `forward` line. */
TestSuite(forward_link_one, .init = setup_one, .fini = teardown);

Test(forward_link_one, single_inside_address)
{
	forward_link_check(fl, &conf);
	cr_assert(engine_forward_inside_up(eng, 0, 0));
	kroute_fake_link(10, false);
	kroute_fake_changed();
	forward_link_netlink(fl, &conf);
	cr_assert_not(engine_forward_inside_up(eng, 0, 0));
	/* Nowhere else to go: its INITs still go there. */
	cr_assert_str_eq(init_in(40000, 0x11111111u), SRV1);
	expect_log("[forward diameter] inside address " SRV1
		   " is unusable (" LINK_DOWN ")\n");
}

/* A reload with the rule gone: nothing left to look at. */
Test(forward_link, reload_without_rules_looks_at_nothing)
{
	struct engine_config c = conf;

	c.n_forwards = 0;
	forward_link_check(fl, &c);
	cr_assert_eq(kroute_fake.lookups, 0);
	expect_log("");
}
