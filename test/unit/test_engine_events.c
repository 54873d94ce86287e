/*
 * test_engine_events.c: the engine's association events (engine.h).
 * Each way an association can come up or end is driven with real packets
 * (or the call that ends it), and the recorder checks that exactly one UP
 * and exactly one DOWN arrive, with the right reason and a view that names
 * the association.  A missing or doubled event fails the count.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI    0x11111111u
#define TP    0x22222222u
#define PEER1 "198.51.100.100"
#define PEER2 "203.0.113.100"

#define MAX_EVENTS 16

/* What the callback saw: the event and a copy of its (short-lived) view. */
struct recorded {
	struct engine_event ev;
	struct engine_assoc_view view;
};

static struct recorder {
	unsigned int n;
	struct recorded ev[MAX_EVENTS];
} rec;

static void record(void *arg, const struct engine_event *ev)
{
	struct recorder *r = arg;

	cr_assert_lt(r->n, MAX_EVENTS, "event flood");
	r->ev[r->n].ev = *ev;
	r->ev[r->n].view = *ev->assoc;
	r->ev[r->n].ev.assoc = &r->ev[r->n].view;
	r->n++;
}

static struct engine *events_engine(enum multihome_mode mh)
{
	struct engine *e = fx_engine(mh);

	memset(&rec, 0, sizeof(rec));
	engine_set_event_cb(e, record, &rec);
	return e;
}

static unsigned int count(enum engine_event_type t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < rec.n; i++)
		n += rec.ev[i].ev.type == t;
	return n;
}

/* The only event of type t; fails unless there is exactly one. */
static const struct recorded *only(enum engine_event_type t)
{
	const struct recorded *found = NULL;

	cr_assert_eq(count(t), 1, "%u events of type %d, expected 1", count(t),
		     t);
	for (unsigned int i = 0; i < rec.n; i++)
		if (rec.ev[i].ev.type == t)
			found = &rec.ev[i];
	return found;
}

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void expect_down(enum engine_event_reason why, bool was_up)
{
	const struct recorded *r = only(ENGINE_EV_DOWN);

	cr_assert_eq(r->ev.reason, why, "reason %s, expected %s",
		     engine_event_reason_name(r->ev.reason),
		     engine_event_reason_name(why));
	cr_assert_eq(r->ev.was_up, was_up);
}

/* INIT from 192.168.1.10:sport with tag ti, INIT ACK with tag tp. */
static uint16_t handshake(struct engine *e, uint16_t sport, uint32_t ti,
			  uint32_t tp, uint64_t now)
{
	static const char *const peers[] = { PEER1, NULL };
	struct pb p;
	uint16_t port;

	fx_init(&p, "192.168.1.10", PEER1, sport, 3868, ti);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, port, ti, tp, peers);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	return port;
}

/* COOKIE ECHO out, COOKIE ACK in. */
static void cookies(struct engine *e, uint16_t sport, uint16_t port,
		    uint32_t ti, uint32_t tp, uint64_t now)
{
	struct pb p;

	fx_chunk(&p, "192.168.1.10", PEER1, sport, 3868, tp,
		 SCTP_CID_COOKIE_ECHO, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, ti, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
}

static uint16_t establish(struct engine *e, uint16_t sport, uint64_t now)
{
	uint16_t port = handshake(e, sport, TI, TP, now);

	cr_assert_eq(count(ENGINE_EV_UP), 0, "up before COOKIE ACK");
	cookies(e, sport, port, TI, TP, now);
	return port;
}

static void check_up_view(const struct recorded *r, uint16_t sport,
			  uint16_t port, uint32_t ti, uint32_t tp)
{
	char a[NAT_ADDR_STRLEN];
	const struct engine_assoc_view *v = &r->view;

	cr_assert_eq(v->state, ASSOC_ESTABLISHED);
	cr_assert_eq(v->inside_port, sport);
	cr_assert_eq(v->public_port, port);
	cr_assert_eq(v->peer_port, 3868);
	cr_assert_eq(v->tag_inside, ti);
	cr_assert_eq(v->tag_peer, tp);
	cr_assert_geq(v->n_locals, 1);
	cr_assert_str_eq(nat_addr_str(&v->locals[0].inside, a, sizeof(a)),
			 "192.168.1.10");
	cr_assert_str_eq(nat_addr_str(&v->locals[0].public_, a, sizeof(a)),
			 "198.51.100.1");
	cr_assert_geq(v->n_paths, 1);
	cr_assert_str_eq(nat_addr_str(&v->paths[0].peer, a, sizeof(a)), PEER1);
}

Test(events, setup_and_shutdown)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	const struct recorded *r;
	uint16_t port = establish(e, 5000, 1 * FX_SEC);
	struct pb p;

	r = only(ENGINE_EV_UP);
	cr_assert_eq(r->ev.reason, ENGINE_EVR_NEW);
	check_up_view(r, 5000, port, TI, TP);
	cr_assert_eq(count(ENGINE_EV_DOWN), 0);

	/* A duplicate COOKIE ACK is not a second "up". */
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TI, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	only(ENGINE_EV_UP);

	fx_data(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	fx_chunk(&p, "192.168.1.10", PEER1, 5000, 3868, TP, SCTP_CID_SHUTDOWN,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC));
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TI,
		 SCTP_CID_SHUTDOWN_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC));
	cr_assert_eq(count(ENGINE_EV_DOWN), 0, "down before it ended");
	fx_chunk(&p, "192.168.1.10", PEER1, 5000, 3868, TP,
		 SCTP_CID_SHUTDOWN_COMPLETE, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 5 * FX_SEC));
	expect_down(ENGINE_EVR_SHUTDOWN, true);
	r = only(ENGINE_EV_DOWN);
	cr_assert_eq(r->view.state, ASSOC_SHUTDOWN, "state it ended in");
	cr_assert_eq(r->ev.age_ns, 4 * FX_SEC);
	/* Counted up to the packet that ended it: INIT, COOKIE ECHO, DATA,
	 * SHUTDOWN out; INIT ACK, 2 COOKIE ACK, SHUTDOWN ACK in. */
	cr_assert_eq(r->ev.pkts_out, 4, "pkts out %llu",
		     (unsigned long long)r->ev.pkts_out);
	cr_assert_eq(r->ev.pkts_in, 4, "pkts in %llu",
		     (unsigned long long)r->ev.pkts_in);
	cr_assert_gt(r->ev.bytes_out, r->ev.pkts_out * 32);

	/* The closed entry lingers, then goes without a second "down". */
	engine_tick(e, 30 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	cr_assert_eq(rec.n, 2);
	engine_destroy(e);
}

Test(events, abort)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 5001, FX_SEC);
	struct pb p;

	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TP, SCTP_CID_ABORT,
		 SCTP_FLAG_T);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	only(ENGINE_EV_UP);
	expect_down(ENGINE_EVR_ABORT, true);
	cr_assert_eq(only(ENGINE_EV_DOWN)->view.state, ASSOC_ESTABLISHED);
	cr_assert_eq(only(ENGINE_EV_DOWN)->ev.age_ns, 2 * FX_SEC);
	/* A retransmitted ABORT on the lingering entry says nothing. */
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, port, TP, SCTP_CID_ABORT,
		 SCTP_FLAG_T);
	fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC);
	engine_tick(e, 60 * FX_SEC);
	cr_assert_eq(rec.n, 2);
	engine_destroy(e);
}

Test(events, timeout_established)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	struct engine_config c;

	fx_config(&c, MULTIHOME_OFF);
	establish(e, 5002, FX_SEC);
	engine_tick(e, 100 * FX_SEC);
	cr_assert_eq(count(ENGINE_EV_DOWN), 0, "down before the timeout");
	engine_tick(e, (2 + c.timeout_established) * FX_SEC);
	only(ENGINE_EV_UP);
	expect_down(ENGINE_EVR_TIMEOUT_ESTABLISHED, true);
	cr_assert_eq(only(ENGINE_EV_DOWN)->ev.now_ns,
		     (2 + c.timeout_established) * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

/* An INIT nobody answers: no "up", one "down" saying setup failed. */
Test(events, timeout_setup_never_up)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	struct engine_config c;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	fx_init(&p, "192.168.1.10", PEER1, 5003, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	engine_tick(e, (2 + c.timeout_setup) * FX_SEC);
	cr_assert_eq(count(ENGINE_EV_UP), 0);
	expect_down(ENGINE_EVR_TIMEOUT_SETUP, false);
	cr_assert_eq(only(ENGINE_EV_DOWN)->view.state, ASSOC_COOKIE_WAIT);
	engine_destroy(e);
}

/*
 * Restart: the inside host INITs again with a new tag; the peer answers
 * with a new tag of its own.  The old association ends (shown with the
 * old tags) and the new one comes up (with the new), once each.
 */
Test(events, restart)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	uint16_t port = establish(e, 5004, FX_SEC), port2;
	const struct recorded *r;

	only(ENGINE_EV_UP);
	memset(&rec, 0, sizeof(rec));
	port2 = handshake(e, 5004, ti2, tp2, 2 * FX_SEC);
	cr_assert_eq(port2, port);
	cr_assert_eq(rec.n, 0, "nothing until the restart completes");
	cookies(e, 5004, port, ti2, tp2, 3 * FX_SEC);
	cr_assert_eq(rec.n, 2);
	cr_assert_eq(rec.ev[0].ev.type, ENGINE_EV_DOWN, "down comes first");
	expect_down(ENGINE_EVR_RESTART, true);
	r = only(ENGINE_EV_DOWN);
	cr_assert_eq(r->view.tag_inside, TI, "old tags on the down line");
	cr_assert_eq(r->view.tag_peer, TP);
	r = only(ENGINE_EV_UP);
	cr_assert_eq(r->ev.reason, ENGINE_EVR_RESTART);
	check_up_view(r, 5004, port, ti2, tp2);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

Test(events, flush)
{
	struct engine *e = events_engine(MULTIHOME_OFF);

	establish(e, 5005, FX_SEC);
	cr_assert_eq(engine_flush(e), 1);
	only(ENGINE_EV_UP);
	expect_down(ENGINE_EVR_FLUSH, true);
	cr_assert_eq(only(ENGINE_EV_DOWN)->ev.now_ns, FX_SEC,
		     "stamped with the last time the engine was given");
	engine_destroy(e);
}

/* A reload that no longer allows the mapping ends it: reason config. */
Test(events, reconfigure_ends_disallowed)
{
	struct engine *e = events_engine(MULTIHOME_OFF);
	struct engine_config c;

	establish(e, 5006, FX_SEC);
	fx_config(&c, MULTIHOME_OFF);
	cr_assert_eq(engine_reconfigure(e, &c, 2 * FX_SEC), 0);
	cr_assert_eq(count(ENGINE_EV_DOWN), 0, "still allowed");
	c.nets[0].uplink = 1; /* 192.168.1.0/24 now leaves by wan2 */
	cr_assert_eq(engine_reconfigure(e, &c, 3 * FX_SEC), 0);
	only(ENGINE_EV_UP);
	expect_down(ENGINE_EVR_CONFIG, true);
	engine_destroy(e);
}

/* Proxy multihoming: an uplink going down moves the paths pinned to it. */
Test(events, uplink_down_moves_paths)
{
	struct engine *e = events_engine(MULTIHOME_UPLINKS);
	static const char *const peers[] = { PEER1, PEER2, NULL };
	const struct recorded *r;
	uint16_t port;
	struct pb p;

	fx_init(&p, "192.168.1.10", PEER1, 5007, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, port, TI, TP, peers);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cookies(e, 5007, port, TI, TP, FX_SEC);
	only(ENGINE_EV_UP);

	engine_set_uplink_up(e, 1, false);
	r = only(ENGINE_EV_MOVED);
	cr_assert_eq(r->ev.reason, ENGINE_EVR_UPLINK_DOWN);
	cr_assert_eq(r->ev.uplink, 1);
	cr_assert_eq(r->view.n_paths, 2);
	cr_assert_eq(r->ev.moved_paths, 1u << 1, "PEER2's path moved");
	cr_assert_eq(r->view.paths[1].uplink, 0, "now by wan1");
	/* The same state again changes nothing and says nothing. */
	engine_set_uplink_up(e, 1, false);
	cr_assert_eq(count(ENGINE_EV_MOVED), 1);
	engine_set_uplink_up(e, 1, true);
	cr_assert_eq(count(ENGINE_EV_MOVED), 2);
	cr_assert_eq(rec.ev[rec.n - 1].ev.reason, ENGINE_EVR_UPLINK_UP);
	cr_assert_eq(rec.ev[rec.n - 1].view.paths[1].uplink, 1);
	cr_assert_eq(count(ENGINE_EV_DOWN), 0);
	engine_destroy(e);
}

/* Without a callback nothing is reported, and everything still works. */
Test(events, no_callback)
{
	struct engine *e = events_engine(MULTIHOME_OFF);

	engine_set_event_cb(e, NULL, NULL);
	establish(e, 5008, FX_SEC);
	cr_assert_eq(engine_flush(e), 1);
	cr_assert_eq(rec.n, 0);
	engine_destroy(e);
}
