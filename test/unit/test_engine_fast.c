/*
 * test_engine_fast.c: the engine's side of the XDP fast path
 * (engine_fast.h): the entries of an established association are the
 * engine's own translation, changes are reported, and what the fast path
 * forwarded counts and keeps the association alive exactly as if the
 * engine had forwarded it.  The byte-level agreement of the two paths is
 * test/fastpath/fast_diff.c's.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fast.h"
#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI    0x11111111u
#define TP    0x22222222u
#define PEER1 "198.51.100.100"
#define PEER2 "203.0.113.100"
#define NOW   (1000 * FX_SEC)

static void fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "reason %s",
		     drop_reason_name(v.reason));
}

/* 192.168.1.10:5000 -> PEER1,PEER2:3868, ESTABLISHED; the public port. */
static uint16_t establish(struct engine *e, uint64_t now)
{
	static const char *const peers[] = { PEER1, PEER2, NULL };
	struct pb p;
	uint16_t port;

	fx_init(&p, "192.168.1.10", PEER1, 5000, 3868, TI);
	fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, port, TI, TP, peers);
	fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	fx_chunk(&p, "192.168.1.10", PEER1, 5000, 3868, TP,
		 SCTP_CID_COOKIE_ECHO, 0);
	fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TI, SCTP_CID_COOKIE_ACK,
		 0);
	fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	return port;
}

static int first_view(const struct engine_assoc_view *v, void *arg)
{
	*(struct engine_assoc_view *)arg = *v;
	return 1;
}

static struct engine_assoc_view view(struct engine *e)
{
	struct engine_assoc_view v;

	memset(&v, 0, sizeof(v));
	cr_assert_eq(engine_foreach_assoc(e, first_view, &v), 1);
	return v;
}

static bool changed(struct engine *e, uint32_t id)
{
	uint32_t ids[16];
	bool all, seen = false;
	unsigned int n = engine_fast_changed(e, ids, 16, &all);

	for (unsigned int i = 0; i < n; i++)
		seen |= ids[i] == id;
	return seen || all;
}

static bool addr_is(const struct nat_addr *a, const char *s)
{
	struct nat_addr b;

	cr_assert_eq(nat_addr_parse(&b, s), 0);
	return nat_addr_eq(a, &b);
}

Test(engine_fast, entries_are_the_engines_translation)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_fast_entry en[64];
	unsigned int n, out = 0, in = 0;
	uint16_t port;
	bool all;
	uint32_t ids[4];

	engine_fast_enable(e, true);
	engine_fast_changed(e, ids, 4, &all);
	cr_assert(all, "enabling asks for everything once");
	port = establish(e, NOW);
	cr_assert(changed(e, view(e).id), "ESTABLISHED is a change");
	n = engine_fast_entries(e, view(e).id, en, 64);
	/* One inside / public address, two peers, both directions. */
	cr_assert_eq(n, 4);
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(en[i].assoc_id, view(e).id);
		if (en[i].dir == ENGINE_OUTBOUND) {
			out++;
			cr_assert(addr_is(&en[i].src, "192.168.1.10"));
			cr_assert(addr_is(&en[i].new_src, "198.51.100.1"));
			cr_assert(nat_addr_eq(&en[i].dst, &en[i].new_dst));
			cr_assert_eq(en[i].sport, 5000);
			cr_assert_eq(en[i].new_sport, port);
			cr_assert_eq(en[i].vtag, TP);
		} else {
			in++;
			cr_assert(addr_is(&en[i].dst, "198.51.100.1"));
			cr_assert(addr_is(&en[i].new_dst, "192.168.1.10"));
			cr_assert_eq(en[i].dport, port);
			cr_assert_eq(en[i].new_dport, 5000);
			cr_assert_eq(en[i].vtag, TI);
			cr_assert_eq(en[i].uplink, -1);
		}
	}
	cr_assert_eq(out, 2);
	cr_assert_eq(in, 2);
	cr_assert_eq(engine_fast_entries(e, view(e).id + 1, en, 64), 0);
	engine_destroy(e);
}

Test(engine_fast, ppid_rules_keep_data_in_the_engine)
{
	struct engine_config c;
	struct engine_fast_entry en[64];
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	c.n_ppid_rules = 1;
	c.ppid_rules[0].ppid = 46;
	c.ppid_rules[0].action = PPID_DENY;
	cr_assert_eq(engine_create(&c, 42, &e), 0);
	establish(e, NOW);
	cr_assert_eq(engine_fast_entries(e, view(e).id, en, 64), 0);
	engine_destroy(e);
}

Test(engine_fast, shutdown_and_abort_are_changes)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_fast_entry en[64];
	uint16_t port;
	uint32_t id;
	struct pb p;

	engine_fast_enable(e, true);
	port = establish(e, NOW);
	id = view(e).id;
	changed(e, id);
	cr_assert(!changed(e, id), "nothing new");
	/* DATA changes nothing the entries hold. */
	fx_data(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + FX_SEC));
	cr_assert(!changed(e, id), "DATA is no change");
	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 3868, port, TI);
	pb_chunk_begin(&p, SCTP_CID_SHUTDOWN, 0);
	pb_u32(&p, 7); /* cumulative TSN ack */
	pb_finish(&p);
	fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	cr_assert(changed(e, id), "SHUTDOWN is a change");
	cr_assert_eq(engine_fast_entries(e, id, en, 64), 0);
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TI, SCTP_CID_ABORT, 0);
	fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 3 * FX_SEC));
	cr_assert(changed(e, id), "ABORT is a change");
	cr_assert_eq(engine_fast_entries(e, id, en, 64), 0);
	engine_destroy(e);
}

Test(engine_fast, uplink_failover_is_a_change)
{
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct engine_fast_entry en[64];
	uint32_t id;
	unsigned int n;
	bool via1 = false;

	engine_fast_enable(e, true);
	establish(e, NOW);
	id = view(e).id;
	changed(e, id);
	engine_set_uplink_up(e, 0, false);
	cr_assert(changed(e, id), "paths moved off the uplink that went down");
	n = engine_fast_entries(e, id, en, 64);
	cr_assert_gt(n, 0);
	for (unsigned int i = 0; i < n; i++)
		via1 |= en[i].dir == ENGINE_OUTBOUND && en[i].uplink == 0;
	cr_assert(!via1, "no entry leaves by the uplink that is down");
	engine_destroy(e);
}

/* The sync before expiry: what the fast path saw keeps it alive. */
struct sync_arg {
	uint64_t refresh;
	unsigned int calls;
};

static void sync_fold(void *arg, struct engine *e, uint32_t id)
{
	struct sync_arg *s = arg;
	struct engine_fast_fold f = {
		.pkts_out = 10,
		.bytes_out = 1000,
		.pkts_in = 9,
		.bytes_in = 900,
		.last_seen_ns = s->refresh,
		.last_refresh_ns = s->refresh,
	};

	s->calls++;
	engine_fast_fold(e, id, 0, &f);
}

Test(engine_fast, fold_before_expiry_keeps_it_alive_and_counts)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct sync_arg s = { 0 };
	uint64_t idle = 300 * FX_SEC; /* the established default */
	struct engine_assoc_view v, v0;
	uint64_t t;

	engine_fast_enable(e, true);
	engine_fast_set_sync(e, sync_fold, &s);
	establish(e, NOW);
	engine_tick(e, NOW);
	v0 = view(e);
	/* Past the timeout, the fast path saw DATA a second ago. */
	t = NOW + idle + 2 * FX_SEC;
	s.refresh = t - FX_SEC;
	for (uint64_t x = NOW + FX_SEC; x <= t; x += FX_SEC)
		engine_tick(e, x);
	cr_assert_gt(s.calls, 0, "asked before expiring");
	v = view(e);
	cr_assert_eq(v.state, ASSOC_ESTABLISHED, "still alive");
	cr_assert_eq(v.last_seen_ns, s.refresh);
	cr_assert_eq(v.expires_ns, s.refresh + idle);
	cr_assert_eq(v.paths[0].pkts_out, v0.paths[0].pkts_out + 10 * s.calls);
	cr_assert_eq(v.paths[0].bytes_in, v0.paths[0].bytes_in + 900 * s.calls);
	/* Nothing new from the fast path: it expires. */
	for (t += FX_SEC; t <= s.refresh + idle + 2 * FX_SEC; t += FX_SEC)
		engine_tick(e, t);
	cr_assert_eq(engine_stats(e)->assocs_live, 0, "expired when idle");
	engine_destroy(e);
}

Test(engine_fast, without_the_fold_it_expires)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint64_t t = NOW + 302 * FX_SEC;

	engine_fast_enable(e, true);
	establish(e, NOW);
	for (uint64_t x = NOW; x <= t; x += FX_SEC)
		engine_tick(e, x);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

static void on_down(void *arg, const struct engine_event *ev)
{
	if (ev->type == ENGINE_EV_DOWN)
		*(uint64_t *)arg = ev->pkts_out;
}

Test(engine_fast, down_event_counts_the_fast_paths_packets)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct sync_arg s = { .refresh = NOW };
	uint64_t down_out = 0, before;
	uint16_t port;
	struct pb p;

	engine_fast_enable(e, true);
	engine_fast_set_sync(e, sync_fold, &s);
	engine_set_event_cb(e, on_down, &down_out);
	port = establish(e, NOW);
	before = view(e).paths[0].pkts_out;
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TI, SCTP_CID_ABORT,
		 0);
	fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + FX_SEC));
	cr_assert_eq(s.calls, 1, "folded before the association ended");
	cr_assert_eq(down_out, before + 10, "DOWN counts %llu packets out",
		     (unsigned long long)down_out);
	engine_destroy(e);
}
