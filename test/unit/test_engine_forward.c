/*
 * test_engine_forward.c: a multihomed server behind a [forward] rule
 * (sctpalgd.conf(5), `inside`).  Every public address the server's INIT
 * ACK is rewritten to must lead back to the inside address it was
 * advertised for, so the server's inbound paths use all of its inside
 * links and survive the loss of one of them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI	0x11111111u	/* the server's tag */
#define TP	0x22222222u	/* the client's tag */
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"
#define PUB1	"198.51.100.1"	/* wan1 */
#define PUB2	"203.0.113.1"	/* wan2 */
#define SRV1	"192.168.1.20"	/* the server on inside link 1 */
#define SRV2	"192.168.2.20"	/* ... on inside link 2 */
#define SRV3	"192.168.3.20"	/* ... on inside link 3 */

static char sbuf[48], dbuf[48];

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void addr(struct nat_addr *a, const char *s)
{
	cr_assert_eq(nat_addr_parse(a, s), 0);
}

/*
 * The fixture's rule, reachable on both uplinks; 192.168.2.0/24 leaves
 * by wan2 and 192.168.3.0/24 by wan1.  `named`: the rule names SRV2 as
 * the server's inside address for PUB2.
 */
static struct engine *two_link_engine(bool named)
{
	struct engine_config c;
	struct engine_forward *fw = &c.forwards[0];
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	fw->n_public = 2;
	addr(&fw->public_addrs[1], PUB2);
	if (named) {
		fw->n_inside = 2;
		fw->inside_addrs[0] = fw->inside_addr;
		addr(&fw->inside_addrs[1], SRV2);
	} else {
		c.n_nets = 5;
		cr_assert_eq(nat_prefix_parse(&c.nets[3].prefix,
					      "192.168.2.0/24"), 0);
		c.nets[3].uplink = 1;
		cr_assert_eq(nat_prefix_parse(&c.nets[4].prefix,
					      "192.168.3.0/24"), 0);
		c.nets[4].uplink = 0;
	}
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	return e;
}

/* INIT in, the server's INIT ACK listing `srv` out, COOKIE ECHO in,
 * COOKIE ACK out. */
static void handshake(struct engine *e, const char *const *srv,
		      const char *const *want_advertised)
{
	char addrs[8][48];
	unsigned int n;
	struct pb p;

	pb_ip4(&p, PEER1, PUB1);
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_param_addr(&p, PEER1);
	pb_param_addr(&p, PEER2);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SRV1);

	pb_ip4(&p, SRV1, PEER1);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	for (; *srv; srv++)
		pb_param_addr(&p, *srv);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB1);
	n = pkt_init_addrs(p.buf, p.len, addrs, 8);
	for (unsigned int i = 0; i < n; i++)
		cr_assert_str_eq(addrs[i], want_advertised[i],
				 "advertised #%u: %s", i, addrs[i]);
	cr_assert_null(want_advertised[n], "advertised only %u", n);
	cr_assert_not(pkt_contains_addr(p.buf, p.len, SRV2));
	cr_assert_not(pkt_contains_addr(p.buf, p.len, SRV3));
	cr_assert(pkt_verify_crc(p.buf, p.len));

	pb_ip4(&p, PEER1, PUB1);
	pb_sctp(&p, 40000, 3868, TI);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SRV1);
	/* The server's COOKIE ACK: the handshake's tags take effect. */
	fx_chunk(&p, SRV1, PEER1, 3868, 40000, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB1);
}

/* DATA from `peer` to public `pub`: where does it go inside? */
static const char *data_in(struct engine *e, const char *peer,
			   const char *pub, uint32_t tag,
			   struct engine_verdict *v)
{
	static struct pb p;

	fx_data(&p, peer, pub, 40000, 3868, tag, 46);
	*v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	return pkt_dst(p.buf, dbuf);
}

static void expect_in(struct engine *e, const char *peer, const char *pub,
		      const char *inside)
{
	struct engine_verdict v;
	const char *got = data_in(e, peer, pub, TI, &v);

	expect_fwd(v);
	cr_assert_str_eq(got, inside, "%s -> %s went to %s, not %s", peer,
			 pub, got, inside);
}

/* The server's own packets from each inside address, to each peer path. */
static void expect_out(struct engine *e, const char *srv, const char *peer,
		       const char *pub)
{
	struct pb p;

	fx_data(&p, srv, peer, 3868, 40000, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), pub);
	cr_assert_eq(pkt_sport(p.buf), 3868);
	cr_assert(pkt_verify_crc(p.buf, p.len));
}

Test(forward, named_inside_addresses_each_serve_their_public_address)
{
	static const char *const srv[] = { SRV1, SRV2, NULL };
	static const char *const adv[] = { PUB1, PUB2, NULL };
	struct engine *e = two_link_engine(true);

	handshake(e, srv, adv);
	/* Both peer addresses, to each public address. */
	expect_in(e, PEER1, PUB1, SRV1);
	expect_in(e, PEER2, PUB2, SRV2);
	expect_in(e, PEER1, PUB2, SRV2);
	expect_in(e, PEER2, PUB1, SRV1);
	/* Retransmitted and reordered: the choice holds packet after
	 * packet, it does not follow the last one seen. */
	expect_in(e, PEER2, PUB2, SRV2);
	expect_in(e, PEER1, PUB1, SRV1);
	expect_out(e, SRV2, PEER2, PUB2);
	expect_out(e, SRV1, PEER1, PUB1);
	expect_in(e, PEER2, PUB2, SRV2);
	engine_destroy(e);
}

Test(forward, named_inside_address_not_listed_falls_back_to_the_first)
{
	/* The server listed only its first address (one inside link
	 * down when it answered): everything goes there, as before. */
	static const char *const srv[] = { SRV1, NULL };
	static const char *const adv[] = { PUB1, PUB2, NULL };
	struct engine *e = two_link_engine(true);

	handshake(e, srv, adv);
	expect_in(e, PEER2, PUB2, SRV1);
	expect_in(e, PEER1, PUB1, SRV1);
	engine_destroy(e);
}

Test(forward, learned_inside_address_serves_its_uplinks_public_address)
{
	/* One `inside` line: SRV2's network leaves by wan2, so the INIT
	 * ACK shows SRV2 as PUB2, and PUB2 leads back to SRV2.  SRV3's
	 * network leaves by wan1, whose PUB1 the rule gives to SRV1. */
	static const char *const srv[] = { SRV1, SRV2, SRV3, NULL };
	static const char *const adv[] = { PUB1, PUB2, NULL };
	struct engine *e = two_link_engine(false);

	handshake(e, srv, adv);
	expect_in(e, PEER2, PUB2, SRV2);
	expect_in(e, PEER1, PUB1, SRV1);
	expect_out(e, SRV2, PEER2, PUB2);
	expect_out(e, SRV3, PEER1, PUB1);
	expect_in(e, PEER1, PUB2, SRV2);
	expect_in(e, PEER2, PUB1, SRV1);
	engine_destroy(e);
}

Test(forward, forged_packets_to_the_second_address_change_nothing)
{
	static const char *const srv[] = { SRV1, SRV2, NULL };
	static const char *const adv[] = { PUB1, PUB2, NULL };
	struct engine *e = two_link_engine(true);
	struct engine_verdict v;
	struct pb p;

	handshake(e, srv, adv);
	/* A blind forger: right addresses and ports, wrong tag. */
	data_in(e, PEER2, PUB2, TI ^ 1, &v);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* Right tag, from an address outside the association. */
	data_in(e, "198.51.100.66", PUB2, TI, &v);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* An INIT ACK after the handshake, from inside, naming SRV3 for
	 * nothing: SRV2 keeps PUB2. */
	pb_ip4(&p, SRV1, PEER1);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	pb_param_addr(&p, SRV1);
	pb_param_addr(&p, SRV3);
	pb_finish(&p);
	fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	expect_in(e, PEER2, PUB2, SRV2);
	expect_in(e, PEER1, PUB1, SRV1);
	engine_destroy(e);
}

Test(forward, icmp_about_the_second_path_reaches_its_inside_address)
{
	static const char *const srv[] = { SRV1, SRV2, NULL };
	static const char *const adv[] = { PUB1, PUB2, NULL };
	struct engine *e = two_link_engine(true);
	struct pb q, p;

	handshake(e, srv, adv);
	/* What SRV2 sent to PEER2, as it left the box. */
	fx_data(&q, PUB2, PEER2, 3868, 40000, TP, 46);
	pb_icmp4_error(&p, "192.0.2.1", PUB2, 3, 4, 1280, q.buf, q.len);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SRV2);
	engine_destroy(e);
}
