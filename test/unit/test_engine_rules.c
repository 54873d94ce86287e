/*
 * test_engine_rules.c: one test (at least) per translation rule (README, How a
 * packet goes through; sctpalgd.conf(5)), each with real packets and
 * independent checks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI	0x11111111u
#define TP	0x22222222u
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"

static char sbuf[48], dbuf[48];

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void expect_drop(struct engine_verdict v, enum drop_reason r)
{
	cr_assert_eq(v.action, ENGINE_DROP, "not dropped");
	cr_assert_eq(v.reason, r, "reason %s, expected %s",
		     drop_reason_name(v.reason), drop_reason_name(r));
}

static const char *const peer1_only[] = { PEER1, NULL };

#define init_out(p, src, dst, sport, itag) \
	fx_init(p, src, dst, sport, 3868, itag)
#define data_pkt fx_data
#define init_ack_in(p, dst, dport, vtag, itag) \
	fx_init_ack(p, PEER1, dst, 3868, dport, vtag, itag, peer1_only)

static uint16_t start_assoc(struct engine *e, const char *src,
			    uint16_t sport, uint32_t ti, uint32_t tp,
			    uint64_t now)
{
	struct pb p;
	uint16_t port;

	init_out(&p, src, PEER1, sport, ti);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	port = pkt_sport(p.buf);
	init_ack_in(&p, pkt_src(p.buf, sbuf), port, ti, tp);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	/* The tags take effect with the COOKIE ECHO / COOKIE ACK. */
	pb_ip4(&p, src, PEER1);
	pb_sctp(&p, sport, 3868, tp);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie", 6);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	fx_chunk(&p, PEER1, pkt_src(p.buf, sbuf), 3868, port, ti,
		 SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	return port;
}

/* ---- ports ---- */

Test(rules, port_preservation_and_collision)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t a, b, c;

	a = start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	cr_assert_eq(a, 5000, "preserved");
	/* Another inside host, same port, same peer: must differ. */
	b = start_assoc(e, "192.168.1.12", 5000, 0x1234, 0x5678, FX_SEC);
	cr_assert_neq(b, 5000);
	cr_assert(b >= 1024);
	/* The first host's endpoint to another peer: its own port again
	 * (one SCTP endpoint, one public port). */
	{
		struct pb p;

		pb_ip4(&p, "192.168.1.10", "198.51.100.200");
		pb_sctp(&p, 5000, 3868, 0);
		pb_init(&p, SCTP_CID_INIT, 0x777);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
		c = pkt_sport(p.buf);
	}
	cr_assert_eq(c, 5000);
	cr_assert_eq(engine_stats(e)->assocs_live, 3);
	engine_destroy(e);
}

Test(rules, port_range_respected)
{
	struct engine_config c;
	struct engine *e;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.port_min = 40000;
	c.port_max = 40001;
	cr_assert_eq(engine_create(&c, 1, &e), 0);
	for (int i = 0; i < 2; i++) {
		init_out(&p, "192.168.1.10", PEER1, (uint16_t)(6000 + i),
			 (uint32_t)(100 + i));
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
		cr_assert(pkt_sport(p.buf) >= 40000 &&
			  pkt_sport(p.buf) <= 40001);
	}
	init_out(&p, "192.168.1.10", PEER1, 6002, 102);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_PORTS_EXHAUSTED);
	cr_assert_eq(engine_stats(e)->assocs_live, 2, "nothing half-made");
	engine_destroy(e);
}

/* ---- checksums ---- */

Test(rules, checksums_incremental_full_and_zero)
{
	struct engine_config c;
	struct engine *e;
	const struct engine_stats *st;
	struct pb p;

	fx_config(&c, MULTIHOME_UPLINKS);
	c.port_preserve = false;	/* so the port really changes */
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	st = engine_stats(e);
	/* INIT with an address list rewritten: full CRC. */
	start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	cr_assert(st->csum_full >= 1);
	/* DATA with only the port changed: incremental, and correct. */
	uint64_t inc = st->csum_incremental, full = st->csum_full;

	data_pkt(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_neq(pkt_sport(p.buf), 5000);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(st->csum_incremental, inc + 1);
	cr_assert_eq(st->csum_full, full, "no full CRC for DATA");
	/* RFC 9653 zero checksum: stays zero, never patched. */
	data_pkt(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	memset(p.buf + 20 + 8, 0, 4);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(memcmp(p.buf + 28, "\0\0\0\0", 4) == 0);
	cr_assert_eq(st->csum_incremental, inc + 1);
	engine_destroy(e);
}

Test(rules, state_only_from_verified_init)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	init_out(&p, "192.168.1.10", PEER1, 5000, TI);
	p.buf[p.len - 1] ^= 0x01;	/* damage the payload after the CRC */
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_BAD_CHECKSUM);
	init_out(&p, "192.168.1.10", PEER1, 5000, TI);
	memset(p.buf + 28, 0, 4);	/* zero checksum on an INIT */
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_BAD_CHECKSUM);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

/* ---- address lists ---- */

Test(rules, unmappable_addresses_removed)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	char addrs[8][48];
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param_addr(&p, "192.168.1.10");
	pb_param_addr(&p, "172.16.5.5");	/* private, not inside */
	pb_param_addr(&p, "fe80::1");		/* link-local */
	pb_param_addr(&p, "2001:db8:aa::10");	/* inside IPv6: kept */
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 8), 2);
	cr_assert_str_eq(addrs[0], "198.51.100.1");
	cr_assert_str_eq(addrs[1], "2001:db8:aa::10");
	cr_assert(!pkt_contains_addr(p.buf, p.len, "172.16.5.5"));
	engine_destroy(e);
}

Test(rules, host_name_address_refused)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param(&p, SCTP_PARAM_HOST_NAME, "host.example\0", 13);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_HOST_NAME_ADDR);
	engine_destroy(e);
}

Test(rules, unlisted_inside_address_joins_by_vtag)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	struct pb p;

	/* The host now uses an address its INIT never listed. */
	data_pkt(&p, "192.168.1.11", PEER1, 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), port);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	/* An address outside the inside networks does not. */
	data_pkt(&p, "172.16.0.9", PEER1, 5000, 3868, TP, 46);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_INSIDE_ADDR_UNKNOWN);
	/* Nor does a peer address never learned. */
	data_pkt(&p, "192.168.1.10", "198.51.100.250", 5000, 3868, TP, 46);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	engine_destroy(e);
}

/* ---- IPv6 ---- */

Test(rules, ipv6_path_keeps_address_gets_port)
{
	struct engine_config c;
	struct engine *e;
	struct pb p, icmp;
	uint16_t port;

	fx_config(&c, MULTIHOME_OFF);
	c.port_preserve = false;
	cr_assert_eq(engine_create(&c, 3, &e), 0);
	init_out(&p, "2001:db8:aa::10", "2001:db8:ff::1", 5000, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	port = pkt_sport(p.buf);
	cr_assert_neq(port, 5000);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "2001:db8:aa::10");
	cr_assert(pkt_verify_crc(p.buf, p.len));
	/* ICMPv6 Packet Too Big quoting it comes back with the inside port. */
	pb_icmp6_error(&icmp, "2001:db8:ff::fe", "2001:db8:aa::10", 2, 0,
		       1280, p.buf, p.len);
	expect_fwd(fx_run(e, &icmp, ENGINE_INBOUND, FX_SEC));
	cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
	cr_assert_eq(pkt_sport(icmp.buf + 48), 5000);
	engine_destroy(e);
}

/* ---- lifecycle and timers ---- */

Test(rules, init_retransmission_does_not_keep_entry_alive)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	init_out(&p, "192.168.1.10", PEER1, 5000, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 1 * FX_SEC));
	init_out(&p, "192.168.1.10", PEER1, 5000, TI);	/* same tag */
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 12 * FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_tick(e, 17 * FX_SEC);	/* 15 s after the first INIT */
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	cr_assert_eq(engine_stats(e)->assocs_expired, 1);
	engine_destroy(e);
}

Test(rules, established_refreshed_by_data_on_any_path)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	struct pb p;

	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 3868, port, TI);
	pb_simple(&p, SCTP_CID_COOKIE_ACK, 0);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	data_pkt(&p, PEER1, "198.51.100.1", 3868, port, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 250 * FX_SEC));
	engine_tick(e, 400 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 1, "refreshed at 250 s");
	engine_tick(e, 560 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

Test(rules, init_collision_keeps_one_association)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;
	uint16_t port;

	init_out(&p, "192.168.1.10", PEER1, 5000, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	port = pkt_sport(p.buf);
	/* The peer's INIT crosses ours. */
	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 3868, port, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), "192.168.1.10");
	/* Our host answers it with an INIT ACK carrying the peer's tag. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	pb_param_addr(&p, "192.168.1.10");
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "cookie", 6);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(!pkt_contains_addr(p.buf, p.len, "192.168.1.10"));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/* ---- inbound through a forward rule ---- */

Test(rules, inbound_init_needs_forward_rule)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	char addrs[8][48];
	struct pb p;

	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 40000, 2905, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, FX_SEC),
		    DROP_NO_FORWARD_RULE);

	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), "192.168.1.20");
	cr_assert_eq(pkt_dport(p.buf), 3868);

	/* The server's INIT ACK: its private address list rewritten. */
	pb_ip4(&p, "192.168.1.20", PEER1);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	pb_param_addr(&p, "192.168.1.20");
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	cr_assert_eq(pkt_sport(p.buf), 3868);
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 8), 1);
	cr_assert_str_eq(addrs[0], "198.51.100.1");
	cr_assert(pkt_verify_crc(p.buf, p.len));
	/* Then the peer's COOKIE ECHO finds it by the server's tag. */
	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 40000, 3868, TI);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), "192.168.1.20");
	engine_destroy(e);
}

/* ---- ASCONF and AUTH ---- */

Test(rules, asconf_under_auth)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	uint8_t before[PB_MAX];
	struct pb p;

	/* An explicit inside address under AUTH cannot be translated. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 1, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "192.168.1.11");
	pb_finish(&p);
	memcpy(before, p.buf, p.len);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_ASCONF_AUTH_PRIVATE);
	cr_assert(memcmp(before, p.buf, p.len) == 0);

	/* The wildcard (natsupp): passes untouched but for the header. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 2, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 2, "0.0.0.0");
	pb_finish(&p);
	memcpy(before, p.buf, p.len);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(memcmp(before + 32, p.buf + 32, p.len - 32) == 0,
		  "no byte under AUTH changed");
	cr_assert_eq(pkt_sport(p.buf), port);

	/* Without AUTH the inside address is rewritten like INIT's. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_asconf(&p, 3, "192.168.1.10");
	pb_asconf_param(&p, SCTP_PARAM_SET_PRIMARY, 3, "192.168.1.10");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(!pkt_contains_addr(p.buf, p.len, "192.168.1.10"));
	cr_assert(pkt_verify_crc(p.buf, p.len));

	/* The peer adds an address, sending from it (wildcard), under
	 * AUTH as RFC 5061 4.1.1 requires from outside the association. */
	pb_ip4(&p, "198.51.100.101", "198.51.100.1");
	pb_sctp(&p, 3868, port, TI);
	pb_auth(&p);
	pb_asconf(&p, 9, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 9, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	/* ... which counts once the host accepts it (RFC 5061 4.2.1). */
	pb_ip4(&p, "192.168.1.10", "198.51.100.101");
	pb_sctp(&p, 5000, 3868, TP);
	pb_asconf_ack(&p, 9);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	data_pkt(&p, "198.51.100.101", "198.51.100.1", 3868, port, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	engine_destroy(e);
}

/* ---- out of the blue ---- */

Test(rules, out_of_the_blue_missing_state_reply)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;
	struct pb p;
	uint32_t err;

	fx_config(&c, MULTIHOME_OFF);
	c.ootb_reply = true;
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	data_pkt(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY);
	/* Back to the host, seemingly from the peer, tag reflected. */
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PEER1);
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), "192.168.1.10");
	cr_assert_eq(pkt_sport(p.buf), 3868);
	cr_assert_eq(pkt_dport(p.buf), 5000);
	cr_assert_eq(pkt_vtag(p.buf), TP);
	err = pkt_find_chunk(p.buf, p.len, SCTP_CID_ERROR, 0);
	cr_assert(err);
	cr_assert_eq(p.buf[err + 1], SCTP_FLAG_T | SCTP_FLAG_M);
	cr_assert_eq(p.buf[err + 4] << 8 | p.buf[err + 5],
		     SCTP_CAUSE_MISSING_STATE);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert(pkt_verify_ip4_csum(p.buf));

	/* Never in answer to a middlebox's own (M-bit) message. */
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_simple(&p, SCTP_CID_ERROR, SCTP_FLAG_M);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_M_BIT_NO_STATE);
	/* Inbound out-of-the-blue: dropped, counted, no reply. */
	data_pkt(&p, PEER1, "198.51.100.1", 3868, 5000, TI, 46);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, FX_SEC),
		    DROP_OUT_OF_THE_BLUE);
	engine_destroy(e);
}

/* ---- small-office protections ---- */

Test(rules, per_host_and_handshake_limits)
{
	struct engine_config c;
	struct engine *e;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.max_assocs_per_host = 2;
	c.max_handshakes = 3;
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	for (uint16_t i = 0; i < 2; i++) {
		init_out(&p, "192.168.1.10", PEER1, (uint16_t)(5000 + i),
			 100u + i);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	}
	init_out(&p, "192.168.1.10", PEER1, 5002, 102);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), DROP_HOST_LIMIT);
	init_out(&p, "192.168.1.11", PEER1, 5000, 103);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	init_out(&p, "192.168.1.12", PEER1, 5000, 104);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_HANDSHAKE_LIMIT);
	/* Each reason remembers who it refused last, for the warning. */
	{
		const struct engine_stats *st = engine_stats(e);
		char a[NAT_ADDR_STRLEN];

		nat_addr_str(&st->last_drop_src[DROP_HOST_LIMIT], a,
			     sizeof(a));
		cr_assert_str_eq(a, "192.168.1.10");
		nat_addr_str(&st->last_drop_src[DROP_HANDSHAKE_LIMIT], a,
			     sizeof(a));
		cr_assert_str_eq(a, "192.168.1.12");
		cr_assert_eq(st->last_drop_src[DROP_INIT_RATE].family, 0);
	}
	engine_destroy(e);
}

Test(rules, init_rate_limit)
{
	struct engine_config c;
	struct engine *e;
	struct pb p;
	int fwd = 0;

	fx_config(&c, MULTIHOME_OFF);
	c.init_rate = 2;
	c.init_burst = 3;
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	for (uint16_t i = 0; i < 6; i++) {
		init_out(&p, "192.168.1.10", PEER1, (uint16_t)(5000 + i),
			 100u + i);
		fwd += fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC).action ==
		       ENGINE_FORWARD;
	}
	cr_assert_eq(fwd, 3, "the burst, then refused");
	cr_assert_eq(engine_stats(e)->drops[DROP_INIT_RATE], 3);
	/* One second later, two more tokens. */
	init_out(&p, "192.168.1.10", PEER1, 5010, 200);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	engine_destroy(e);
}

Test(rules, ppid_deny)
{
	struct engine_config c;
	struct engine *e;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.n_ppid_rules = 1;
	c.ppid_rules[0].ppid = 51;	/* WebRTC string, say */
	c.ppid_rules[0].action = PPID_DENY;
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	data_pkt(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	data_pkt(&p, "192.168.1.10", PEER1, 5000, 3868, TP, 51);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), DROP_PPID_DENIED);
	engine_destroy(e);
}

/* ---- bundling and header rules ---- */

Test(rules, init_must_stand_alone_and_ports_nonzero)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_data(&p, 1, 46, "x", 1);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC),
		    DROP_MUST_STAND_ALONE);
	pb_ip4(&p, "192.168.1.10", PEER1);
	pb_sctp(&p, 0, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), DROP_PORT_ZERO);
	engine_destroy(e);
}

/* ---- reload ---- */

Test(rules, reconfigure_keeps_allowed_ends_disallowed)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	start_assoc(e, "192.168.1.10", 5000, TI, TP, FX_SEC);
	start_assoc(e, "10.9.0.10", 5000, 0x99, 0x98, FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 2);
	/* Unchanged config: both stay. */
	cr_assert_eq(engine_reconfigure(e, &c, 2 * FX_SEC), 0);
	cr_assert_eq(engine_stats(e)->assocs_live, 2);
	/* The 1:1 network goes: its association ends, the other stays. */
	c.n_nets = 1;
	cr_assert_eq(engine_reconfigure(e, &c, 3 * FX_SEC), 0);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	cr_assert_eq(engine_stats(e)->assocs_removed, 1);
	/* The table cannot be resized live. */
	c.max_assocs = 512;
	cr_assert_eq(engine_reconfigure(e, &c, 3 * FX_SEC), -EBUSY);
	engine_destroy(e);
}
