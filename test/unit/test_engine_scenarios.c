/*
 * test_engine_scenarios.c: whole associations through the engine, bytes in,
 * bytes out (multihoming, restarts, ABORTs, ICMP errors, malformed packets).
 * Every output is decoded again with pkt_build's independent code: CRC32c
 * recomputed bit by bit, IPv4 and ICMP checksums summed from scratch,
 * addresses and ports read back.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "icmp_build.h"
#include "sctp_wire.h"

#define TI	0x11111111u	/* inside host's tag */
#define TP	0x22222222u	/* peer's tag */
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"

static char sbuf[48], dbuf[48];

/* Every packet leaving for the outside: valid sums, one port, no secret. */
static void check_outbound(struct pb *p, uint16_t port)
{
	cr_assert(pkt_verify_crc(p->buf, p->len), "CRC32c of outbound");
	if (!p->v6)
		cr_assert(pkt_verify_ip4_csum(p->buf), "IPv4 header sum");
	cr_assert_eq(pkt_sport(p->buf), port, "public port %u, got %u",
		     port, pkt_sport(p->buf));
	cr_assert(!pkt_contains_addr(p->buf, p->len, "10.9.0.10"));
	cr_assert(!pkt_contains_addr(p->buf, p->len, "10.9.0.11"));
	cr_assert(!pkt_contains_addr(p->buf, p->len, "192.168.1.10"));
}

static void check_inbound(struct pb *p, const char *dst, uint16_t dport)
{
	cr_assert(pkt_verify_crc(p->buf, p->len), "CRC32c of inbound");
	if (!p->v6)
		cr_assert(pkt_verify_ip4_csum(p->buf));
	cr_assert_str_eq(pkt_dst(p->buf, dbuf), dst);
	cr_assert_eq(pkt_dport(p->buf), dport);
}

static void expect(struct engine_verdict v, enum engine_action a)
{
	cr_assert_eq(v.action, a, "action %d (reason %s), expected %d",
		     v.action, drop_reason_name(v.reason), a);
}

static void expect_drop(struct engine_verdict v, enum drop_reason r)
{
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, r, "reason %s, expected %s",
		     drop_reason_name(v.reason), drop_reason_name(r));
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
	cr_assert_eq(engine_foreach_assoc(e, first_view, &v), 1,
		     "no association");
	return v;
}

static unsigned int count_assocs(struct engine *e)
{
	return engine_stats(e)->assocs_live;
}

/* ---- packet shorthands ---- */

static const char *const both_peers[] = { PEER1, PEER2, NULL };

#define data_pkt(p, src, dst, sp, dp, tag) \
	fx_data(p, src, dst, sp, dp, tag, 46)
#define chunk_pkt fx_chunk
#define init_ack_in(p, src, dst, sp, dp, tag, itag) \
	fx_init_ack(p, src, dst, sp, dp, tag, itag, both_peers)

/*
 * Outbound association from 192.168.1.10:sport to PEER1:3868, brought to
 * ESTABLISHED; returns the public port.
 */
static uint16_t establish(struct engine *e, uint16_t sport, uint64_t now)
{
	struct pb p;
	uint16_t port;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, sport, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, now), ENGINE_FORWARD);
	port = pkt_sport(p.buf);

	init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, TI, TP);
	expect(fx_run(e, &p, ENGINE_INBOUND, now), ENGINE_FORWARD);
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, sport, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, now), ENGINE_FORWARD);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, now), ENGINE_FORWARD);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	return port;
}

/* ---- scenarios ---- */

/*
 * Two inside addresses listed in INIT (1:1 network, so each has its own
 * public address), two peer addresses in INIT ACK; used on both paths,
 * shut down.  Every outbound packet: the same public port, no private
 * address anywhere in it, valid CRC32c.
 */
Test(scenario, multihomed_association_lifecycle)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_assoc_view v;
	char addrs[8][48];
	uint16_t port;
	struct pb p;

	pb_ip4(&p, "10.9.0.10", PEER1);
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param_addr(&p, "10.9.0.10");
	pb_param_addr(&p, "10.9.0.11");
	pb_param(&p, SCTP_PARAM_SUPPORTED_ADDR, "\0\5", 2);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 1 * FX_SEC), ENGINE_FORWARD);
	port = pkt_sport(p.buf);
	cr_assert_eq(port, 5000, "port preservation");
	check_outbound(&p, port);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.18.0.10");
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 8), 2);
	cr_assert_str_eq(addrs[0], "198.18.0.10");
	cr_assert_str_eq(addrs[1], "198.18.0.11");
	cr_assert_eq(p.len, 20 + 12 + 20 + 8 + 8 + 8, "length follows");

	init_ack_in(&p, PEER1, "198.18.0.10", 3868, port, TI, TP);
	expect(fx_run(e, &p, ENGINE_INBOUND, 1 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "10.9.0.10", 5000);

	pb_ip4(&p, "10.9.0.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_data(&p, 1, 46, "first", 5);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 1 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(view(e).state, ASSOC_COOKIE_ECHOED);

	chunk_pkt(&p, PEER1, "198.18.0.10", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);

	/* Path 2: the second inside address to the second peer address. */
	data_pkt(&p, "10.9.0.11", PEER2, 5000, 3868, TP);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.18.0.11");
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), PEER2);

	data_pkt(&p, PEER2, "198.18.0.11", 3868, port, TI);
	expect(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "10.9.0.11", 5000);

	/* Path 1 both ways, a heartbeat crossing paths. */
	pb_ip4(&p, "10.9.0.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_sack(&p, 1);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	pb_ip4(&p, PEER2, "198.18.0.10");
	pb_sctp(&p, 3868, port, TI);
	pb_heartbeat(&p, SCTP_CID_HEARTBEAT, "hb-info");
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "10.9.0.10", 5000);

	v = view(e);
	cr_assert_eq(v.n_paths, 2);
	cr_assert_eq(v.public_port, port);
	for (int i = 0; i < 2; i++)
		cr_assert(v.paths[i].pkts_out > 0 && v.paths[i].pkts_in > 0,
			  "path %d used both ways", i);

	/* Shutdown. */
	pb_ip4(&p, "10.9.0.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_simple(&p, SCTP_CID_SHUTDOWN, 0);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 5 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	chunk_pkt(&p, PEER1, "198.18.0.10", 3868, port, TI,
		  SCTP_CID_SHUTDOWN_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, 5 * FX_SEC), ENGINE_FORWARD);
	chunk_pkt(&p, "10.9.0.10", PEER1, 5000, 3868, TP,
		  SCTP_CID_SHUTDOWN_COMPLETE, 0);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 5 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	/* The closed entry lingers timeout_closed seconds, then goes. */
	engine_tick(e, 7 * FX_SEC);
	cr_assert_eq(count_assocs(e), 1);
	engine_tick(e, 12 * FX_SEC);
	cr_assert_eq(count_assocs(e), 0);
	engine_destroy(e);
}

/*
 * The small-office case: a single-homed inside host, two uplinks,
 * multihome = uplinks.  The INIT leaves with both uplinks' addresses;
 * each peer address is pinned to an uplink; when an uplink goes down
 * the pinned traffic moves to the other, on the same public port.
 */
Test(scenario, proxy_multihoming_two_uplinks)
{
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct engine_verdict v;
	char addrs[8][48];
	uint16_t port;
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 6000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_finish(&p);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	expect(v, ENGINE_FORWARD);
	port = pkt_sport(p.buf);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 0);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 8), 2);
	cr_assert_str_eq(addrs[0], "198.51.100.1");
	cr_assert_str_eq(addrs[1], "203.0.113.1");

	init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, TI, TP);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "192.168.1.10", 6000);
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 6000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);

	data_pkt(&p, "192.168.1.10", PEER1, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	cr_assert_eq(v.uplink, 0);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");

	/* The host's other path: pinned to the second ISP. */
	data_pkt(&p, "192.168.1.10", PEER2, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 1);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "203.0.113.1");

	/* The peer uses the advertised second address. */
	data_pkt(&p, PEER2, "203.0.113.1", 3868, port, TI);
	expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "192.168.1.10", 6000);

	/* ISP 2 fails: its pinned peer address moves to ISP 1. */
	engine_set_uplink_up(e, 1, false);
	data_pkt(&p, "192.168.1.10", PEER2, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 0);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	engine_set_uplink_up(e, 1, true);
	data_pkt(&p, "192.168.1.10", PEER2, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC);
	cr_assert_eq(v.uplink, 1, "back on ISP 2 when it returns");
	engine_destroy(e);
}

/*
 * A multihomed inside host that picks each path's source address from its
 * routes, as Linux does: its INIT lists 192.168.1.10 and .11 (both behind
 * ISP 1 by their network), and it reaches PEER2 from .11.  PEER2 is
 * pinned to ISP 2, where only .10 got a binding (multihome = uplinks binds
 * the INIT's source on every uplink): the pin must hold for .11 too, and
 * for an address the INIT never listed (.12, joining by vtag), or those
 * paths leave by ISP 1, and die with it.
 */
Test(scenario, proxy_multihoming_second_inside_address_keeps_pin)
{
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct engine_verdict v;
	uint16_t port;
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 6000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param_addr(&p, "192.168.1.10");
	pb_param_addr(&p, "192.168.1.11");
	pb_finish(&p);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	expect(v, ENGINE_FORWARD);
	port = pkt_sport(p.buf);
	init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, TI, TP);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	/* The tags count once the COOKIE exchange that uses them passed. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 6000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);

	data_pkt(&p, "192.168.1.11", PEER2, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 1, "PEER2 is pinned to ISP 2, got %d",
		     v.uplink);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "203.0.113.1");
	cr_assert(!pkt_contains_addr(p.buf, p.len, "192.168.1.11"));

	/* An address the INIT never listed joins, and keeps the pin. */
	data_pkt(&p, "192.168.1.12", PEER2, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 1);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "203.0.113.1");

	/* ISP 1 fails: PEER1 moves to ISP 2, for .11 as for .10. */
	engine_set_uplink_up(e, 0, false);
	data_pkt(&p, "192.168.1.11", PEER1, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC);
	expect(v, ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(v.uplink, 1, "ISP 1 is down, got %d", v.uplink);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "203.0.113.1");
	data_pkt(&p, "192.168.1.10", PEER1, 6000, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC);
	cr_assert_eq(v.uplink, 1);

	/* Replies to ISP 2's address reach the host. */
	data_pkt(&p, PEER2, "203.0.113.1", 3868, port, TI);
	expect(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC), ENGINE_FORWARD);
	engine_destroy(e);
}

/* Restart: the inside host re-INITs with a new tag on a live association. */
Test(scenario, restart_with_new_vtags)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	uint16_t port = establish(e, 7000, FX_SEC);
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, ti2);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(pkt_sport(p.buf), port, "restart keeps the public port");
	cr_assert_eq(count_assocs(e), 1, "no second entry");

	init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, ti2, tp2);
	expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	/* Until the restart completes, the old tags still translate. */
	data_pkt(&p, "192.168.1.10", PEER1, 7000, 3868, TP);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7000, 3868, tp2);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "new-cookie", 10);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, ti2,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(view(e).tag_inside, ti2);
	cr_assert_eq(view(e).tag_peer, tp2);

	data_pkt(&p, "192.168.1.10", PEER1, 7000, 3868, tp2);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC), ENGINE_FORWARD);
	data_pkt(&p, "192.168.1.10", PEER1, 7000, 3868, TP);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/* ABORT with the T bit carries the sender's own tag and still matches. */
Test(scenario, abort_with_t_bit)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7100, FX_SEC);
	struct pb p;

	/* A T-bit ABORT with the wrong tag is not believed. */
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, 0xdeadbeef,
		  SCTP_CID_ABORT, SCTP_FLAG_T);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);

	/* From the peer: T bit, the peer's own tag. */
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TP, SCTP_CID_ABORT,
		  SCTP_FLAG_T);
	expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&p, "192.168.1.10", 7100);
	cr_assert_eq(pkt_vtag(p.buf), TP, "tag untouched");
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	cr_assert_eq(engine_stats(e)->assocs_ended, 1);
	engine_destroy(e);
}

Test(scenario, abort_with_t_bit_from_inside)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7200, FX_SEC);
	struct pb p;

	chunk_pkt(&p, "192.168.1.10", PEER1, 7200, 3868, TI, SCTP_CID_ABORT,
		  SCTP_FLAG_T);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	engine_destroy(e);
}

/* ICMP fragmentation needed quoting a translated packet (RFC 5508). */
Test(scenario, icmp_frag_needed_quoting_translated_packet)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7300, FX_SEC);
	struct pb data, icmp;
	uint32_t h;

	data_pkt(&data, "192.168.1.10", PEER1, 7300, 3868, TP);
	expect(fx_run(e, &data, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	/* A router on the way quotes the packet as it left the box. */
	pb_icmp4_error(&icmp, "198.51.100.254", "198.51.100.1", 3, 4, 1280,
		       data.buf, data.len);
	expect(fx_run(e, &icmp, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_str_eq(pkt_dst(icmp.buf, dbuf), "192.168.1.10");
	cr_assert_str_eq(pkt_src(icmp.buf, sbuf), "198.51.100.254");
	cr_assert(pkt_verify_ip4_csum(icmp.buf));
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	h = 20 + 8;	/* the quoted packet */
	cr_assert(pkt_verify_ip4_csum(icmp.buf + h), "quoted IPv4 sum");
	cr_assert_str_eq(pkt_src(icmp.buf + h, sbuf), "192.168.1.10");
	cr_assert_eq(pkt_sport(icmp.buf + h), 7300);
	cr_assert_eq(pkt_dport(icmp.buf + h), 3868);
	cr_assert(pkt_verify_crc(icmp.buf + h, icmp.len - h),
		  "whole quote: its CRC32c patched too");
	cr_assert_eq(icmp.buf[20 + 6], 1280 >> 8, "MTU untouched");
	cr_assert_eq(engine_stats(e)->chunks[ENGINE_CS_ICMP], 1);

	/* An ICMP quoting a packet of no association is dropped. */
	data_pkt(&data, "198.51.100.1", PEER1, port + 1, 3868, TP);
	pb_icmp4_error(&icmp, "198.51.100.254", "198.51.100.1", 3, 4, 1280,
		       data.buf, 28);
	expect_drop(fx_run(e, &icmp, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_ICMP_NO_STATE);
	engine_destroy(e);
}

/*
 * INITs sent again before the first INIT ACK came back: each draws an
 * INIT ACK with a tag of its own, the host takes the first to arrive
 * (RFC 9260 5.2.3) and its COOKIE ECHO names that tag, older than the
 * two the table holds.  Found with IPv6 INITs that waited together for
 * neighbour discovery.  Another host, same ports: no adoption.
 */
Test(scenario, cookie_echo_after_several_init_acks)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	static const uint32_t tags[] = { 0x51000001, 0x51000002, 0x51000003 };
	struct pb p;
	uint16_t port;

	for (int i = 0; i < 3; i++) {
		pb_ip4(&p, "192.168.1.10", PEER1);
		pb_sctp(&p, 7400, 3868, 0);
		pb_init(&p, SCTP_CID_INIT, TI);
		pb_finish(&p);
		expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	}
	port = pkt_sport(p.buf);
	for (int i = 0; i < 3; i++) {
		init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, TI, tags[i]);
		expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	}
	/* Not the host's association: refused, and no tag adopted. */
	pb_ip4(&p, "192.168.1.11", PEER1);
	pb_sctp(&p, 7400, 3868, tags[0]);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_VTAG_MISMATCH);
	/* A damaged checksum adopts nothing either. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7400, 3868, tags[0]);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	p.buf[p.len - 1] ^= 0x40;
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), DROP_BAD_CHECKSUM);
	/* The host's COOKIE ECHO answers the first INIT ACK. */
	p.buf[p.len - 1] ^= 0x40;
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	cr_assert_eq(pkt_vtag(p.buf), tags[0]);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(view(e).tag_peer, tags[0]);
	data_pkt(&p, "192.168.1.10", PEER1, 7400, 3868, tags[0]);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	/* Once established, an unknown tag is a mismatch again. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7400, 3868, 0x51000009);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/*
 * One INIT sent again, two INIT ACKs with tags of their own, and the host
 * echoes the cookie of the first: its tag is the table's previous one,
 * and must be the association's after the COOKIE ACK.  Seen with the
 * Linux kernel behind a slow box: every DATA was then dropped.
 */
Test(scenario, cookie_echo_of_the_first_of_two_init_acks)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	static const uint32_t tags[] = { 0x52000001, 0x52000002 };
	struct pb p;
	uint16_t port;

	for (int i = 0; i < 2; i++) {
		pb_ip4(&p, "192.168.1.10", PEER1);
		pb_sctp(&p, 7500, 3868, 0);
		pb_init(&p, SCTP_CID_INIT, TI);
		pb_finish(&p);
		expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	}
	port = pkt_sport(p.buf);
	for (int i = 0; i < 2; i++) {
		init_ack_in(&p, PEER1, "198.51.100.1", 3868, port, TI, tags[i]);
		expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	}
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7500, 3868, tags[0]);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(pkt_vtag(p.buf), tags[0]);
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI,
		  SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(view(e).tag_peer, tags[0], "tag 0x%08x in use, got 0x%08x",
		     tags[0], view(e).tag_peer);
	data_pkt(&p, "192.168.1.10", PEER1, 7500, 3868, tags[0]);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_outbound(&p, port);
	/* The tag the host never used is gone. */
	data_pkt(&p, "192.168.1.10", PEER1, 7500, 3868, tags[1]);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/*
 * A translated packet too big for the next link (a PPPoE uplink): the
 * box builds the router's Fragmentation Needed about it as it left, and
 * the engine turns it back, so the inside host reads an error about the
 * packet it sent (its address and port) and lowers its path MTU.
 */
Test(scenario, too_big_outbound_reaches_the_inside_host)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7300, FX_SEC);
	struct nat_addr from;
	struct pb data, icmp;
	uint32_t h = 20 + 8;

	data_pkt(&data, "192.168.1.10", PEER1, 7300, 3868, TP);
	expect(fx_run(e, &data, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert(ip_may_not_fragment(data.buf, data.len), "pb sets DF");
	nat_addr_from_v4(&from, data.buf + 12);	/* the box's uplink */
	memset(&icmp, 0, sizeof(icmp));
	icmp.len = icmp_build_too_big(data.buf, data.len, 1492, &from,
				      icmp.buf, sizeof(icmp.buf));
	cr_assert_eq(icmp.len, 28 + data.len);
	cr_assert(pkt_verify_ip4_csum(icmp.buf));
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	cr_assert_str_eq(pkt_dst(icmp.buf, dbuf), "198.51.100.1");
	cr_assert_eq(pkt_sport(icmp.buf + h), port);

	expect(fx_run(e, &icmp, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_str_eq(pkt_dst(icmp.buf, dbuf), "192.168.1.10");
	cr_assert(pkt_verify_ip4_csum(icmp.buf));
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	cr_assert_eq(icmp.buf[20], 3);
	cr_assert_eq(icmp.buf[21], 4);
	cr_assert_eq(sctp_get16(icmp.buf + 26), 1492, "next-hop MTU");
	cr_assert_str_eq(pkt_src(icmp.buf + h, sbuf), "192.168.1.10");
	cr_assert_eq(pkt_sport(icmp.buf + h), 7300);
	cr_assert(pkt_verify_crc(icmp.buf + h, icmp.len - h));
	engine_destroy(e);
}

/* The other way: a peer's packet too big for the LAN side. */
Test(scenario, too_big_inbound_reaches_the_peer)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7300, FX_SEC);
	struct nat_addr from;
	struct pb data, icmp;
	uint32_t h = 20 + 8;

	data_pkt(&data, PEER1, "198.51.100.1", 3868, port, TI);
	expect(fx_run(e, &data, ENGINE_INBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	check_inbound(&data, "192.168.1.10", 7300);
	nat_addr_from_v4(&from, data.buf + 16);	/* as the inside host */
	memset(&icmp, 0, sizeof(icmp));
	icmp.len = icmp_build_too_big(data.buf, data.len, 1400, &from,
				      icmp.buf, sizeof(icmp.buf));
	expect(fx_run(e, &icmp, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_str_eq(pkt_src(icmp.buf, sbuf), "198.51.100.1");
	cr_assert_str_eq(pkt_dst(icmp.buf, dbuf), PEER1);
	cr_assert(pkt_verify_ip4_csum(icmp.buf));
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	cr_assert(!pkt_contains_addr(icmp.buf, icmp.len, "192.168.1.10"));
	cr_assert_str_eq(pkt_dst(icmp.buf + h, dbuf), "198.51.100.1");
	cr_assert_eq(pkt_dport(icmp.buf + h), port);
	engine_destroy(e);
}

/* The quote is cut at 576 bytes (IPv4) and 1280 (IPv6) in all. */
Test(scenario, too_big_quote_limits_and_ipv6)
{
	static uint8_t big[3000];
	struct nat_addr from;
	struct pb p, icmp;

	pb_ip4(&p, "198.51.100.1", PEER1);
	pb_sctp(&p, 1, 2, 3);
	pb_data(&p, 1, 0, big, 1400);
	pb_finish(&p);
	nat_addr_from_v4(&from, p.buf + 12);
	icmp.len = icmp_build_too_big(p.buf, p.len, 1280, &from, icmp.buf,
				      sizeof(icmp.buf));
	cr_assert_eq(icmp.len, ICMP4_ERROR_MAX);
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	cr_assert_eq(icmp_build_too_big(p.buf, p.len, 1280, &from, icmp.buf,
					100), 0, "cap too small");

	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:ff::1");
	pb_sctp(&p, 1, 2, 3);
	pb_data(&p, 1, 0, big, 2000);
	pb_finish(&p);
	cr_assert(ip_may_not_fragment(p.buf, p.len));
	nat_addr_from_v6(&from, p.buf + 24);
	icmp.len = icmp_build_too_big(p.buf, p.len, 1500, &from, icmp.buf,
				      sizeof(icmp.buf));
	cr_assert_eq(icmp.len, ICMP6_ERROR_MAX);
	cr_assert_eq(icmp.buf[40], 2, "packet too big");
	cr_assert_eq(sctp_get32(icmp.buf + 44), 1500);
	cr_assert_str_eq(pkt_dst(icmp.buf, dbuf), "2001:db8:aa::10");
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	nat_addr_from_v4(&from, p.buf + 12);
	cr_assert_eq(icmp_build_too_big(p.buf, p.len, 1500, &from, icmp.buf,
					sizeof(icmp.buf)), 0, "family");
}

/* Malformed packets: each its own reason, the buffer untouched. */
static void expect_untouched_drop(struct engine *e, struct pb *p,
				  enum engine_dir dir, enum drop_reason r)
{
	uint8_t before[PB_MAX];
	uint32_t len = p->len;

	memcpy(before, p->buf, len);
	expect_drop(fx_run(e, p, dir, 2 * FX_SEC), r);
	cr_assert_eq(p->len, len);
	cr_assert(memcmp(before, p->buf, len) == 0, "buffer modified");
}

Test(scenario, malformed_packets_dropped_untouched)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint64_t before;
	struct pb p;

	establish(e, 7400, FX_SEC);
	before = engine_stats(e)->forwarded[ENGINE_OUTBOUND];

	/* A truncated chunk: DATA claiming more bytes than the packet. */
	data_pkt(&p, "192.168.1.10", PEER1, 7400, 3868, TP);
	p.buf[20 + 12 + 2] = 0x01;	/* length 256+ */
	expect_untouched_drop(e, &p, ENGINE_OUTBOUND, DROP_CHUNK_TRUNCATED);

	/* A parameter longer than its chunk, in an INIT. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7401, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param_addr(&p, "192.168.1.10");
	pb_finish(&p);
	p.buf[20 + 12 + 20 + 3] = 40;	/* address parameter says 40 */
	expect_untouched_drop(e, &p, ENGINE_OUTBOUND, DROP_PARAM_TRUNCATED);

	/* A zero-length chunk after a good one. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 7400, 3868, TP);
	pb_sack(&p, 1);
	pb_chunk_end(&p);
	pb_u32(&p, 0x00000000);		/* DATA, flags 0, length 0 */
	pb_finish(&p);
	expect_untouched_drop(e, &p, ENGINE_OUTBOUND, DROP_CHUNK_ZERO_LENGTH);

	cr_assert_eq(engine_stats(e)->forwarded[ENGINE_OUTBOUND], before);
	cr_assert_eq(engine_stats(e)->drops[DROP_CHUNK_TRUNCATED], 1);
	cr_assert_eq(engine_stats(e)->drops[DROP_PARAM_TRUNCATED], 1);
	cr_assert_eq(engine_stats(e)->drops[DROP_CHUNK_ZERO_LENGTH], 1);
	engine_destroy(e);
}

/*
 * Per-association drop counters (sctpalgctl associations): a packet on
 * an association's ports with a wrong tag, and one from an address the
 * peer never announced, count on that association by class; a packet
 * for no association, and forwarded ones, count on none.
 */
Test(scenario, drops_counted_on_the_association)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7200, FX_SEC);
	struct engine_verdict v;
	struct pb p;

	data_pkt(&p, "192.168.1.10", PEER1, 7200, 3868, 0x0badbad0);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	cr_assert(v.action == ENGINE_DROP && v.reason == DROP_VTAG_MISMATCH,
		  "DROP_VTAG_MISMATCH: action %d reason %s", v.action,
		  drop_reason_name(v.reason));
	chunk_pkt(&p, PEER1, "198.51.100.1", 3868, port, 0xdeadbeef,
		  SCTP_CID_HEARTBEAT, 0);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	cr_assert(v.action == ENGINE_DROP && v.reason == DROP_VTAG_MISMATCH,
		  "DROP_VTAG_MISMATCH: action %d reason %s", v.action,
		  drop_reason_name(v.reason));
	cr_assert_eq(view(e).drops[ENGINE_ADC_VTAG], 2);

	/* The right tag from an address the peer never listed. */
	data_pkt(&p, "192.0.2.99", "198.51.100.1", 3868, port, TI);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	cr_assert(v.action == ENGINE_DROP && v.reason == DROP_PEER_ADDR_UNKNOWN,
		  "DROP_PEER_ADDR_UNKNOWN: action %d reason %s", v.action,
		  drop_reason_name(v.reason));
	cr_assert_eq(view(e).drops[ENGINE_ADC_ADDRESS], 1);

	/* Other ports: out of the blue, nobody's drop. */
	data_pkt(&p, "192.168.1.10", PEER1, 7201, 3868, TP);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	cr_assert(v.action == ENGINE_DROP && v.reason == DROP_OUT_OF_THE_BLUE,
		  "DROP_OUT_OF_THE_BLUE: action %d reason %s", v.action,
		  drop_reason_name(v.reason));
	data_pkt(&p, "192.168.1.10", PEER1, 7200, 3868, TP);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(view(e).drops[ENGINE_ADC_VTAG], 2);
	cr_assert_eq(view(e).drops[ENGINE_ADC_ADDRESS], 1);
	cr_assert_eq(view(e).drops[ENGINE_ADC_POLICY], 0);
	cr_assert_eq(view(e).drops[ENGINE_ADC_OTHER], 0);
	cr_assert_eq(engine_assoc_drop_class(DROP_PPID_DENIED),
		     ENGINE_ADC_POLICY);
	cr_assert_str_eq(engine_assoc_drop_class_name(ENGINE_ADC_VTAG), "vtag");
	engine_destroy(e);
}
