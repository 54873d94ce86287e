/*
 * test_handshake_budget.c: INIT floods against the engine in process
 * (handshake_budget.h).  In each flood a new, legitimate association
 * must come up, as a real stack would bring it up (INIT retransmitted
 * after RTO.Initial, RFC 9260 5.1 / 16), and an association established
 * before the flood must lose nothing.  Floods are simulated time: the
 * engine is pure, so a millisecond here is a millisecond to it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define MS	1000000ull
#define TI	0x11111111u
#define TP	0x22222222u
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"
#define FWD_PUB	"198.51.100.1"
#define SERVER	"192.168.1.20"

enum flood {
	FLOOD_SPOOF_INSIDE,	/* 150 spoofed inside sources */
	FLOOD_ONE_HOST,		/* one inside host, new ports */
	FLOOD_SPOOF_FORWARD,	/* 256 outside /24s toward a [forward] */
	FLOOD_SPOOF_NO_RULE,	/* outside, toward public addresses */
};

static unsigned int downs_after_up, evicted_downs;

static void on_event(void *arg, const struct engine_event *ev)
{
	(void)arg;
	if (ev->type != ENGINE_EV_DOWN)
		return;
	if (ev->was_up)
		downs_after_up++;
	if (ev->reason == ENGINE_EVR_EVICTED)
		evicted_downs++;
}

static struct engine *flood_engine(struct engine_config *c)
{
	struct engine *e;

	cr_assert_eq(engine_create(c, 99, &e), 0);
	downs_after_up = evicted_downs = 0;
	engine_set_event_cb(e, on_event, NULL);
	return e;
}

/* A small office's limits, scaled down so a flood fills them fast. */
static void flood_config(struct engine_config *c)
{
	fx_config(c, MULTIHOME_OFF);
	c->max_assocs = 1024;
	c->max_assocs_per_host = 64;
	c->max_handshakes = 64;
	c->forward_handshakes = 32;
}

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void flood_one(struct engine *e, enum flood kind, uint32_t *seed,
		      uint64_t now)
{
	uint32_t r = rnd(seed);
	uint16_t sport = (uint16_t)(1024 + r % 60000);
	uint32_t itag = rnd(seed) | 1;
	char src[48], dst[48];
	enum engine_dir dir = ENGINE_OUTBOUND;
	uint16_t dport = 80;
	struct pb p;

	switch (kind) {
	case FLOOD_SPOOF_INSIDE:
		snprintf(src, sizeof(src), "192.168.1.%u", 100 + r % 150);
		snprintf(dst, sizeof(dst), "203.0.113.%u", 200 + r % 50);
		break;
	case FLOOD_ONE_HOST:
		snprintf(src, sizeof(src), "192.168.1.50");
		snprintf(dst, sizeof(dst), "203.0.113.%u", 200 + r % 50);
		break;
	case FLOOD_SPOOF_FORWARD:
		snprintf(src, sizeof(src), "100.64.%u.%u", r % 256,
			 1 + (r >> 8) % 250);
		snprintf(dst, sizeof(dst), FWD_PUB);
		dir = ENGINE_INBOUND;
		dport = 3868;
		break;
	case FLOOD_SPOOF_NO_RULE:
		snprintf(src, sizeof(src), "100.64.%u.%u", r % 256,
			 1 + (r >> 8) % 250);
		snprintf(dst, sizeof(dst), r & 1 ? FWD_PUB : "203.0.113.1");
		dir = ENGINE_INBOUND;
		dport = (uint16_t)(5000 + (r >> 16) % 100);
		break;
	}
	fx_init(&p, src, dst, sport, dport, itag);
	fx_run(e, &p, dir, now);
}

/* `per_ms` flood INITs each millisecond of [from, to). */
static void flood_run(struct engine *e, enum flood kind, uint32_t *seed,
		      uint64_t from, uint64_t to, unsigned int per_ms)
{
	for (uint64_t t = from; t < to; t += MS)
		for (unsigned int i = 0; i < per_ms; i++)
			flood_one(e, kind, seed, t);
}

/* An established outbound association of 192.168.1.10:5000 to PEER1. */
static uint16_t establish_out(struct engine *e, const char *host,
			      uint16_t sport, uint32_t ti, uint32_t tp,
			      uint64_t now)
{
	static const char *const peers[] = { PEER1, NULL };
	char pub[48];
	uint16_t port;
	struct pb p;

	fx_init(&p, host, PEER1, sport, 3868, ti);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	port = pkt_sport(p.buf);
	pkt_src(p.buf, pub);
	fx_init_ack(&p, PEER1, pub, 3868, port, ti, tp, peers);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	fx_chunk(&p, host, PEER1, sport, 3868, tp, SCTP_CID_COOKIE_ECHO, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	fx_chunk(&p, PEER1, pub, 3868, port, ti, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	return port;
}

/* DATA both ways on an established outbound association. */
static void data_out(struct engine *e, const char *host, uint16_t sport,
		     uint16_t port, uint32_t ti, uint32_t tp, uint64_t now)
{
	struct pb p;

	fx_data(&p, host, PEER1, sport, 3868, tp, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	fx_data(&p, PEER1, "198.51.100.1", 3868, port, ti, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
}

/*
 * A new outbound association during the flood, as a stack sets one up:
 * the INIT again after 1, 2, 4 seconds.  The flood goes on in between.
 * Returns how many INITs it took (0: it never came up).
 */
static int legit_out_during(struct engine *e, enum flood kind,
			    uint32_t *seed, uint64_t start,
			    unsigned int per_ms)
{
	static const char *const peers[] = { PEER1, NULL };
	uint64_t t = start, rto = 1000 * MS;
	struct engine_verdict v;
	struct pb p;

	for (int tries = 1; tries <= 4; tries++) {
		fx_init(&p, "192.168.1.11", PEER1, 7000, 3868, 0xabcd);
		v = fx_run(e, &p, ENGINE_OUTBOUND, t);
		if (v.action == ENGINE_FORWARD) {
			uint16_t port = pkt_sport(p.buf);

			fx_init_ack(&p, PEER1, "198.51.100.1", 3868, port,
				    0xabcd, 0xdcba, peers);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, t));
			/* The flood goes on while the cookie travels. */
			flood_run(e, kind, seed, t, t + 20 * MS, per_ms);
			fx_chunk(&p, "192.168.1.11", PEER1, 7000, 3868, 0xdcba,
				 SCTP_CID_COOKIE_ECHO, 0);
			expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND,
					  t + 20 * MS));
			fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, 0xabcd,
				 SCTP_CID_COOKIE_ACK, 0);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND,
					  t + 40 * MS));
			flood_run(e, kind, seed, t + 40 * MS, t + 500 * MS,
				  per_ms);
			data_out(e, "192.168.1.11", 7000, port, 0xabcd,
				 0xdcba, t + 500 * MS);
			return tries;
		}
		cr_log_info("legitimate INIT %d refused: %s", tries,
			    drop_reason_name(v.reason));
		flood_run(e, kind, seed, t, t + rto, per_ms);
		t += rto;
		rto *= 2;
	}
	return 0;
}

static void check_established_kept(struct engine *e, uint16_t port,
				   uint64_t now)
{
	data_out(e, "192.168.1.10", 5000, port, TI, TP, now);
	cr_assert_eq(downs_after_up, 0, "an established association ended");
}

static void outbound_flood_case(enum flood kind)
{
	struct engine_config c;
	struct engine *e;
	uint32_t seed = 0x1234567u;
	uint16_t port;
	int tries;

	flood_config(&c);
	e = flood_engine(&c);
	port = establish_out(e, "192.168.1.10", 5000, TI, TP, 500 * MS);
	/* 20 INITs per ms: the limits are full long before 3 s. */
	flood_run(e, kind, &seed, 1000 * MS, 3000 * MS, 20);
	if (kind != FLOOD_SPOOF_NO_RULE)
		cr_assert_eq(engine_stats(e)->handshakes_live,
			     c.max_handshakes,
			     "the flood did not fill the handshake slots");
	tries = legit_out_during(e, kind, &seed, 3000 * MS, 20);
	cr_assert_gt(tries, 0, "no new association during the flood");
	cr_log_info("flood %d: up after %d INIT(s)", kind, tries);
	check_established_kept(e, port, 9000 * MS);
	engine_destroy(e);
}

Test(handshake_budget, flood_from_many_spoofed_inside_sources)
{
	outbound_flood_case(FLOOD_SPOOF_INSIDE);
	cr_assert_gt(evicted_downs, 0, "room was made by eviction");
}

Test(handshake_budget, flood_from_one_inside_host)
{
	outbound_flood_case(FLOOD_ONE_HOST);
}

Test(handshake_budget, flood_toward_public_addresses_without_rule)
{
	outbound_flood_case(FLOOD_SPOOF_NO_RULE);
}

/*
 * Spoofed INITs toward a [forward] port: they must lock out neither the
 * forwarded server (its per-host share, its rule's slots) nor outbound
 * associations (other pools).
 */
Test(handshake_budget, spoofed_flood_toward_forward_port)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;
	uint32_t seed = 0x7654321u;
	uint64_t t = 3000 * MS, rto = 1000 * MS;
	uint16_t port;
	int tries = 0;
	struct pb p;

	flood_config(&c);
	e = flood_engine(&c);
	port = establish_out(e, "192.168.1.10", 5000, TI, TP, 500 * MS);
	flood_run(e, FLOOD_SPOOF_FORWARD, &seed, 1000 * MS, 3000 * MS, 20);
	for (int i = 1; i <= 4 && !tries; i++) {
		/* A real client, from a prefix of its own. */
		fx_init(&p, PEER2, FWD_PUB, 41000, 3868, 0x5151);
		v = fx_run(e, &p, ENGINE_INBOUND, t);
		if (v.action == ENGINE_FORWARD) {
			tries = i;
			break;
		}
		cr_log_info("inbound INIT %d refused: %s", i,
			    drop_reason_name(v.reason));
		flood_run(e, FLOOD_SPOOF_FORWARD, &seed, t, t + rto, 20);
		t += rto;
		rto *= 2;
	}
	cr_assert_gt(tries, 0, "the forwarded server was locked out");
	cr_assert_str_eq(pkt_dst(p.buf, (char[48]){ 0 }), SERVER);
	/* The server answers, the client echoes, the server acks. */
	pb_ip4(&p, SERVER, PEER2);
	pb_sctp(&p, 3868, 41000, 0x5151);
	pb_init(&p, SCTP_CID_INIT_ACK, 0x6161);
	pb_param_addr(&p, SERVER);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, t));
	flood_run(e, FLOOD_SPOOF_FORWARD, &seed, t, t + 20 * MS, 20);
	fx_chunk(&p, PEER2, FWD_PUB, 41000, 3868, 0x6161,
		 SCTP_CID_COOKIE_ECHO, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, t + 20 * MS));
	fx_chunk(&p, SERVER, PEER2, 3868, 41000, 0x5151, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, t + 40 * MS));
	flood_run(e, FLOOD_SPOOF_FORWARD, &seed, t + 40 * MS, t + 2000 * MS,
		  20);
	fx_data(&p, PEER2, FWD_PUB, 41000, 3868, 0x6161, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, t + 2000 * MS));
	fx_data(&p, SERVER, PEER2, 3868, 41000, 0x5151, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, t + 2000 * MS));
	cr_assert_gt(evicted_downs, 0, "room was made by eviction");
	/* Outbound INITs draw on a budget the flood cannot touch. */
	cr_assert_gt(legit_out_during(e, FLOOD_SPOOF_FORWARD, &seed,
				      t + 2000 * MS, 20), 0);
	check_established_kept(e, port, t + 9000 * MS);
	engine_destroy(e);
}

/* ---- the eviction rule itself ---- */

static struct engine_verdict init_from(struct engine *e, const char *host,
				       uint16_t sport, uint64_t now)
{
	struct pb p;

	fx_init(&p, host, PEER1, sport, 3868, 0x100u + sport);
	return fx_run(e, &p, ENGINE_OUTBOUND, now);
}

Test(handshake_budget, evicts_oldest_of_heaviest_and_only_old_ones)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;

	fx_config(&c, MULTIHOME_OFF);
	c.max_handshakes = 4;
	c.source_init_rate = 0;
	c.init_rate = 0;
	e = flood_engine(&c);
	for (uint16_t i = 0; i < 3; i++)
		expect_fwd(init_from(e, "192.168.1.30", 6000 + i,
				     1000 * MS + i));
	expect_fwd(init_from(e, "192.168.1.31", 6100, 1500 * MS));
	/* Full, and nothing is older than RTO.Initial: refused. */
	v = init_from(e, "192.168.1.32", 6200, 1900 * MS);
	cr_assert_eq(v.reason, DROP_HANDSHAKE_LIMIT, "%s",
		     drop_reason_name(v.reason));
	cr_assert_eq(evicted_downs, 0);
	/* Later: .30 (3) is the heaviest; its oldest (6000) goes. */
	expect_fwd(init_from(e, "192.168.1.32", 6200, 3000 * MS));
	cr_assert_eq(evicted_downs, 1);
	cr_assert_eq(engine_stats(e)->handshakes_evicted, 1);
	/* 6000's mapping is gone: its retransmission is a new INIT, which
	 * .30 (2 left) cannot take from .31 or .32 (1 each). */
	v = init_from(e, "192.168.1.30", 6000, 3000 * MS);
	cr_assert_eq(v.reason, DROP_HANDSHAKE_LIMIT, "%s",
		     drop_reason_name(v.reason));
	/* .32 (1) against .30 (2): .30's next oldest goes. */
	expect_fwd(init_from(e, "192.168.1.32", 6201, 3000 * MS));
	cr_assert_eq(evicted_downs, 2);
	/* .31 (1) against .32 (2): .32's are younger than RTO.Initial. */
	v = init_from(e, "192.168.1.31", 6101, 3500 * MS);
	cr_assert_eq(v.reason, DROP_HANDSHAKE_LIMIT);
	cr_assert_eq(evicted_downs, 2);
	engine_destroy(e);
}

Test(handshake_budget, established_never_evicted_table_full)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;
	char host[32];

	fx_config(&c, MULTIHOME_OFF);
	c.max_assocs = 8;
	e = flood_engine(&c);
	for (unsigned int i = 0; i < 8; i++) {
		snprintf(host, sizeof(host), "192.168.1.%u", 60 + i);
		establish_out(e, host, (uint16_t)(5000 + i), 0x300 + i,
			      0x400 + i, 1000 * MS);
	}
	v = init_from(e, "192.168.1.99", 7000, 5000 * MS);
	cr_assert_eq(v.reason, DROP_TABLE_FULL, "%s",
		     drop_reason_name(v.reason));
	cr_assert_eq(downs_after_up, 0);
	cr_assert_eq(engine_stats(e)->assocs_live, 8);
	engine_destroy(e);
}

/* The per-source share: a burst of twice source-init-rate, then refused
 * by reason, while the pool still admits another host. */
Test(handshake_budget, source_rate_share)
{
	struct engine_config c;
	struct engine *e;
	unsigned int fwd = 0;

	fx_config(&c, MULTIHOME_OFF);
	c.source_init_rate = 5;
	e = flood_engine(&c);
	for (uint16_t i = 0; i < 30; i++)
		fwd += init_from(e, "192.168.1.40", 6000 + i,
				 1000 * MS).action == ENGINE_FORWARD;
	cr_assert_eq(fwd, 10);
	cr_assert_eq(engine_stats(e)->drops[DROP_INIT_SOURCE_RATE], 20);
	expect_fwd(init_from(e, "192.168.1.41", 6000, 1000 * MS));
	/* One second refills five. */
	fwd = 0;
	for (uint16_t i = 30; i < 40; i++)
		fwd += init_from(e, "192.168.1.40", 6000 + i,
				 2000 * MS).action == ENGINE_FORWARD;
	cr_assert_eq(fwd, 5);
	engine_destroy(e);
}

/*
 * A heavy source (its own share spent) never evicts: were it to, a flood
 * would churn the slots before they could age, and a quiet host would
 * find none to take.  A quiet host then evicts the heaviest's oldest.
 */
Test(handshake_budget, heavy_source_does_not_evict)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;

	fx_config(&c, MULTIHOME_OFF);
	c.max_handshakes = 4;
	c.source_init_rate = 10;	/* burst 20, light with 10 left */
	e = flood_engine(&c);
	for (uint16_t i = 0; i < 4; i++)
		expect_fwd(init_from(e, "192.168.1.30", 6000 + i, 2300 * MS));
	/* .32 tries 15 times while those are young: refused, its share
	 * spent down to 5. */
	for (uint16_t i = 0; i < 15; i++) {
		v = init_from(e, "192.168.1.32", 7000 + i, 3000 * MS);
		cr_assert_eq(v.reason, DROP_HANDSHAKE_LIMIT);
	}
	/* 300 ms on (+3 tokens: 8, heavy), .30's are a second old. */
	v = init_from(e, "192.168.1.32", 7100, 3300 * MS);
	cr_assert_eq(v.reason, DROP_HANDSHAKE_LIMIT, "%s",
		     drop_reason_name(v.reason));
	cr_assert_eq(evicted_downs, 0, "a heavy source evicted");
	/* A quiet host, at the same moment, does. */
	expect_fwd(init_from(e, "192.168.1.33", 7200, 3300 * MS));
	cr_assert_eq(evicted_downs, 1);
	engine_destroy(e);
}

/* An inside IPv6 host is its /64: privacy addresses do not multiply its
 * share of INITs. */
Test(handshake_budget, ipv6_host_is_its_slash_64)
{
	struct engine_config c;
	struct engine *e;
	unsigned int fwd = 0;
	char src[64];
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.source_init_rate = 5;		/* burst 10 */
	e = flood_engine(&c);
	for (uint16_t i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "2001:db8:aa::%x", 0x100u + i);
		fx_init(&p, src, "2001:db8:ff::100", 6000, 3868, 0x900u + i);
		fwd += fx_run(e, &p, ENGINE_OUTBOUND, 1000 * MS).action ==
		       ENGINE_FORWARD;
	}
	cr_assert_eq(fwd, 10, "%u of 20 from one /64", fwd);
	cr_assert_eq(engine_stats(e)->drops[DROP_INIT_SOURCE_RATE], 10);
	engine_destroy(e);
}
