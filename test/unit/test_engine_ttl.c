/*
 * test_engine_ttl.c: the engine forwards as a router does (RFC 1812
 * 5.3.1, RFC 8200 3): one hop less on every packet it forwards, SCTP or
 * ICMP error, with the IPv4 header checksum still right; a packet that
 * arrives with TTL / Hop Limit 1 or 0 is not forwarded, changes nothing,
 * and is counted as ttl-exceeded (the daemon answers it, datapath tests).
 * Outputs are checked with pkt_build's own checksum code.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI    0x11111111u
#define TP    0x22222222u
#define HOST  "192.168.1.10"
#define PEER1 "198.51.100.100"
#define PUB1  "198.51.100.1"
#define HOST6 "2001:db8:aa::10"
#define PEER6 "2001:db8:ff::1"

/* The IPv4 header checksum from scratch (RFC 1071), not the engine's. */
static void ip4_sum(uint8_t *ip)
{
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

static void set_ttl(struct pb *p, uint8_t ttl)
{
	if (p->v6) {
		p->buf[7] = ttl;
	} else {
		p->buf[8] = ttl;
		ip4_sum(p->buf);
	}
}

static uint8_t ttl_of(const struct pb *p)
{
	return p->v6 ? p->buf[7] : p->buf[8];
}

static void expect(struct engine_verdict v, enum engine_action a)
{
	cr_assert_eq(v.action, a, "action %d (reason %s), expected %d",
		     v.action, drop_reason_name(v.reason), a);
}

static void expect_ttl_drop(struct engine *e, struct pb *p, enum engine_dir dir)
{
	uint64_t before = engine_stats(e)->drops[DROP_TTL_EXCEEDED];
	struct pb copy = *p;
	struct engine_verdict v = fx_run(e, p, dir, 2 * FX_SEC);

	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, DROP_TTL_EXCEEDED, "reason %s",
		     drop_reason_name(v.reason));
	cr_assert_eq(engine_stats(e)->drops[DROP_TTL_EXCEEDED], before + 1);
	cr_assert_eq(p->len, copy.len);
	cr_assert(!memcmp(p->buf, copy.buf, copy.len),
		  "a dropped packet is left as it came");
}

static uint16_t establish(struct engine *e, uint16_t sport)
{
	struct pb p;
	uint16_t port;

	fx_init(&p, HOST, PEER1, sport, 3868, TI);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, PUB1, 3868, port, TI, TP, NULL);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, sport, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), ENGINE_FORWARD);
	fx_chunk(&p, PEER1, PUB1, 3868, port, TI, SCTP_CID_COOKIE_ACK, 0);
	expect(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), ENGINE_FORWARD);
	return port;
}

static int first_state(const struct engine_assoc_view *v, void *arg)
{
	*(int *)arg = v->state;
	return 1;
}

Test(ttl, ipv4_every_value_decremented_with_a_right_checksum)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7000);
	struct pb p;

	for (unsigned int ttl = 2; ttl <= 255; ttl++) {
		fx_data(&p, HOST, PEER1, 7000, 3868, TP, 46);
		set_ttl(&p, (uint8_t)ttl);
		expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		       ENGINE_FORWARD);
		cr_assert_eq(ttl_of(&p), ttl - 1, "TTL %u left as %u", ttl,
			     ttl_of(&p));
		cr_assert(pkt_verify_ip4_csum(p.buf), "IPv4 sum, TTL %u", ttl);
		cr_assert(pkt_verify_crc(p.buf, p.len));

		fx_data(&p, PEER1, PUB1, 3868, port, TI, 46);
		set_ttl(&p, (uint8_t)ttl);
		expect(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		       ENGINE_FORWARD);
		cr_assert_eq(ttl_of(&p), ttl - 1);
		cr_assert(pkt_verify_ip4_csum(p.buf), "IPv4 sum in, TTL %u",
			  ttl);
	}
	cr_assert_eq(engine_stats(e)->drops[DROP_TTL_EXCEEDED], 0);
	engine_destroy(e);
}

Test(ttl, ipv4_ttl_1_and_0_dropped_unchanged)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, 7001);
	uint64_t fwd = engine_stats(e)->forwarded[ENGINE_OUTBOUND];
	struct pb p;

	for (unsigned int ttl = 0; ttl <= 1; ttl++) {
		fx_data(&p, HOST, PEER1, 7001, 3868, TP, 46);
		set_ttl(&p, (uint8_t)ttl);
		expect_ttl_drop(e, &p, ENGINE_OUTBOUND);
		fx_data(&p, PEER1, PUB1, 3868, port, TI, 46);
		set_ttl(&p, (uint8_t)ttl);
		expect_ttl_drop(e, &p, ENGINE_INBOUND);
	}
	cr_assert_eq(engine_stats(e)->forwarded[ENGINE_OUTBOUND], fwd);
	engine_destroy(e);
}

/* Its receiver never sees it: a state change would be a lie. */
Test(ttl, expiring_packets_change_no_state)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	int state = -1;
	struct pb p;

	fx_init(&p, HOST, PEER1, 7002, 3868, TI);
	set_ttl(&p, 1);
	expect_ttl_drop(e, &p, ENGINE_OUTBOUND);
	cr_assert_eq(engine_stats(e)->assocs_live, 0, "an INIT at TTL 1");
	cr_assert_eq(engine_stats(e)->assocs_created, 0);

	port = establish(e, 7002);
	fx_chunk(&p, PEER1, PUB1, 3868, port, TI, SCTP_CID_ABORT, 0);
	set_ttl(&p, 1);
	expect_ttl_drop(e, &p, ENGINE_INBOUND);
	engine_foreach_assoc(e, first_state, &state);
	cr_assert_eq(state, ASSOC_ESTABLISHED, "an ABORT at TTL 1");
	engine_destroy(e);
}

Test(ttl, ipv6_hop_limit)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	fx_init(&p, HOST6, PEER6, 7003, 3868, TI);
	set_ttl(&p, 1);
	expect_ttl_drop(e, &p, ENGINE_OUTBOUND);
	fx_init(&p, HOST6, PEER6, 7003, 3868, TI);
	set_ttl(&p, 0);
	expect_ttl_drop(e, &p, ENGINE_OUTBOUND);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);

	fx_init(&p, HOST6, PEER6, 7003, 3868, TI);
	set_ttl(&p, 2);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(ttl_of(&p), 1);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	fx_init(&p, HOST6, PEER6, 7004, 3868, TI);
	set_ttl(&p, 255);
	expect(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);
	cr_assert_eq(ttl_of(&p), 254);
	engine_destroy(e);
}

/*
 * An ICMP error about an association, translated on its way in, is
 * forwarded like any packet: one hop less, or dropped at 1 (the daemon
 * sends no error about an error, RFC 1812 4.3.2.7).
 */
Test(ttl, icmp_error_in_transit)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb data, icmp;

	establish(e, 7005);
	fx_data(&data, HOST, PEER1, 7005, 3868, TP, 46);
	expect(fx_run(e, &data, ENGINE_OUTBOUND, 2 * FX_SEC), ENGINE_FORWARD);

	pb_icmp4_error(&icmp, "198.51.100.254", PUB1, 3, 4, 1280, data.buf,
		       data.len);
	set_ttl(&icmp, 1);
	expect_ttl_drop(e, &icmp, ENGINE_INBOUND);
	cr_assert_eq(engine_stats(e)->chunks[ENGINE_CS_ICMP], 0);

	for (unsigned int ttl = 2; ttl <= 255; ttl += 253) {
		pb_icmp4_error(&icmp, "198.51.100.254", PUB1, 3, 4, 1280,
			       data.buf, data.len);
		set_ttl(&icmp, (uint8_t)ttl);
		expect(fx_run(e, &icmp, ENGINE_INBOUND, 2 * FX_SEC),
		       ENGINE_FORWARD);
		cr_assert_eq(ttl_of(&icmp), ttl - 1);
		cr_assert(pkt_verify_ip4_csum(icmp.buf));
		cr_assert(pkt_verify_icmp_csum(icmp.buf, icmp.len));
		/* The quote is the packet as it was sent: its TTL stays. */
		cr_assert_eq(icmp.buf[20 + 8 + 8], data.buf[8]);
	}
	engine_destroy(e);
}
