/*
 * test_engine_forward_init.c: where a new association of a [forward]
 * rule with several `inside` lines goes (sctpalgd.conf(5), `inside`).
 * An INIT goes to the inside address paired with the public address it
 * came to, passing over addresses the daemon found unusable
 * (engine_set_forward_inside_up); the INIT ACK leaves from the public
 * address the INIT came to; the same INIT sent again to the rule's other
 * public address (RFC 9260 5.1, 6.4) joins the same handshake.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI    0x11111111u /* the server's tag */
#define TP    0x22222222u /* the client's tag */
#define PEER1 "198.51.100.100"
#define PEER2 "203.0.113.100"
#define PUB1  "198.51.100.1" /* wan1 */
#define PUB2  "203.0.113.1" /* wan2 */
#define PUB3  "198.51.100.3" /* wan1 too */
#define SRV1  "192.168.1.20" /* the server on inside link 1 */
#define SRV2  "192.168.2.20" /* ... on inside link 2 */
#define SRV3  "192.168.3.20" /* ... on inside link 3 */

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
 * The fixture's rule on PUB1 and PUB2 (and PUB3 with `three`), with one
 * `inside` line per public address: SRV1, SRV2 (, SRV3).
 */
static struct engine *engine_n(unsigned int n, enum multihome_mode mh)
{
	static const char *const pub[] = { PUB1, PUB2, PUB3 };
	static const char *const srv[] = { SRV1, SRV2, SRV3 };
	struct engine_config c;
	struct engine_forward *fw = &c.forwards[0];
	struct engine *e;

	fx_config(&c, mh);
	if (n == 3) {
		c.uplinks[0].n_public = 2;
		addr(&c.uplinks[0].public_addrs[1], PUB3);
	}
	fw->n_public = (uint8_t)n;
	fw->n_inside = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		addr(&fw->public_addrs[i], pub[i]);
		addr(&fw->inside_addrs[i], srv[i]);
	}
	fw->inside_addr = fw->inside_addrs[0];
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	return e;
}

static int count_one(const struct engine_assoc_view *v, void *arg)
{
	(void)v;
	++*(unsigned int *)arg;
	return 0;
}

static unsigned int n_assocs(struct engine *e)
{
	unsigned int n = 0;

	engine_foreach_assoc(e, count_one, &n);
	return n;
}

/* The client's INIT (tag TP, from PEER1:40000) to `pub`: where to? */
static const char *init_in(struct engine *e, const char *pub, uint64_t now)
{
	static struct pb p;

	pb_ip4(&p, PEER1, pub);
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_param_addr(&p, PEER1);
	pb_param_addr(&p, PEER2);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	return pkt_dst(p.buf, dbuf);
}

/* The server's INIT ACK from `srv`, listing SRV1 and, with `both`,
 * SRV2: from where does it leave? */
static const char *init_ack_out2(struct engine *e, const char *srv, bool both)
{
	static struct pb p;

	pb_ip4(&p, srv, PEER1);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	pb_param_addr(&p, SRV1);
	if (both)
		pb_param_addr(&p, SRV2);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_not(pkt_contains_addr(p.buf, p.len, SRV1));
	cr_assert_not(pkt_contains_addr(p.buf, p.len, SRV2));
	cr_assert(pkt_contains_addr(p.buf, p.len, PUB1));
	cr_assert(pkt_contains_addr(p.buf, p.len, PUB2));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	return pkt_src(p.buf, sbuf);
}

static const char *init_ack_out(struct engine *e, const char *srv)
{
	return init_ack_out2(e, srv, true);
}

/* The client's COOKIE ECHO to `pub`, the server's COOKIE ACK from `srv`:
 * the association is up.  Returns where the COOKIE ECHO went. */
static const char *cookie_in(struct engine *e, const char *pub, const char *srv)
{
	static char got[48];
	struct pb p;

	pb_ip4(&p, PEER1, pub);
	pb_sctp(&p, 40000, 3868, TI);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	strcpy(got, pkt_dst(p.buf, dbuf));
	fx_chunk(&p, srv, PEER1, 3868, 40000, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), pub);
	return got;
}

/* DATA from `peer` to `pub`: where does it go inside? */
static void expect_in(struct engine *e, const char *peer, const char *pub,
		      const char *inside)
{
	struct pb p;

	fx_data(&p, peer, pub, 40000, 3868, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), inside,
			 "%s -> %s went to %s, not %s", peer, pub,
			 pkt_dst(p.buf, dbuf), inside);
}

Test(forward_init, init_to_the_second_public_goes_to_the_second_inside)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);

	cr_assert_str_eq(init_in(e, PUB2, FX_SEC), SRV2);
	/* The INIT ACK leaves from where the INIT came. */
	cr_assert_str_eq(init_ack_out(e, SRV2), PUB2);
	cr_assert_str_eq(cookie_in(e, PUB2, SRV2), SRV2);
	expect_in(e, PEER1, PUB2, SRV2);
	expect_in(e, PEER2, PUB1, SRV1);
	cr_assert_eq(n_assocs(e), 1);
	engine_destroy(e);
}

Test(forward_init, init_to_the_first_public_goes_to_the_first_inside)
{
	struct engine *e = engine_n(2, MULTIHOME_UPLINKS);

	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV1);
	cr_assert_str_eq(init_ack_out(e, SRV1), PUB1);
	cr_assert_str_eq(cookie_in(e, PUB1, SRV1), SRV1);
	expect_in(e, PEER1, PUB1, SRV1);
	expect_in(e, PEER2, PUB2, SRV2);
	engine_destroy(e);
}

Test(forward_init, single_inside_line_init_ack_leaves_where_the_init_came)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	c.forwards[0].n_public = 2;
	addr(&c.forwards[0].public_addrs[1], PUB2);
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	/* Up or not, the one inside address is the only choice. */
	engine_set_forward_inside_up(e, 0, 0, false);
	cr_assert_str_eq(init_in(e, PUB2, FX_SEC), SRV1);
	cr_assert_str_eq(init_ack_out(e, SRV1), PUB2);
	cr_assert_str_eq(cookie_in(e, PUB2, SRV1), SRV1);
	engine_destroy(e);
}

Test(forward_init, down_paired_inside_address_is_skipped)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);

	engine_set_forward_inside_up(e, 0, 0, false);
	cr_assert_not(engine_forward_inside_up(e, 0, 0));
	cr_assert(engine_forward_inside_up(e, 0, 1));
	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV2);
	cr_assert_str_eq(init_ack_out(e, SRV2), PUB1);
	/* What follows the INIT to PUB1 goes there too... */
	cr_assert_str_eq(cookie_in(e, PUB1, SRV2), SRV2);
	expect_in(e, PEER1, PUB1, SRV2);
	expect_in(e, PEER2, PUB2, SRV2);
	/* ...while SRV1 is down; back up, PUB1 leads to it again. */
	engine_set_forward_inside_up(e, 0, 0, true);
	expect_in(e, PEER1, PUB1, SRV1);
	expect_in(e, PEER2, PUB2, SRV2);
	cr_assert_eq(n_assocs(e), 1);
	engine_destroy(e);
}

Test(forward_init, next_usable_wraps_around)
{
	struct engine *e = engine_n(3, MULTIHOME_OFF);

	/* PUB3's SRV3 down: the next one after it is SRV1. */
	engine_set_forward_inside_up(e, 0, 2, false);
	cr_assert_str_eq(init_in(e, PUB3, FX_SEC), SRV1);
	engine_destroy(e);

	/* SRV2 down too, and SRV1: what is left is SRV2's next, SRV3... */
	e = engine_n(3, MULTIHOME_OFF);
	engine_set_forward_inside_up(e, 0, 0, false);
	engine_set_forward_inside_up(e, 0, 1, false);
	cr_assert_str_eq(init_in(e, PUB2, FX_SEC), SRV3);
	engine_destroy(e);
}

Test(forward_init, all_down_goes_to_the_paired_address)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);

	engine_set_forward_inside_up(e, 0, 0, false);
	engine_set_forward_inside_up(e, 0, 1, false);
	cr_assert_str_eq(init_in(e, PUB2, FX_SEC), SRV2);
	cr_assert_str_eq(init_ack_out(e, SRV2), PUB2);
	cr_assert_str_eq(cookie_in(e, PUB2, SRV2), SRV2);
	engine_destroy(e);

	e = engine_n(2, MULTIHOME_OFF);
	engine_set_forward_inside_up(e, 0, 0, false);
	engine_set_forward_inside_up(e, 0, 1, false);
	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV1);
	engine_destroy(e);
}

Test(forward_init, retransmitted_init_to_the_other_public_joins)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);
	const struct engine_stats *st = engine_stats(e);

	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV1);
	/* No answer: the client sends its INIT again to the other address
	 * it knows (RFC 9260 6.4), same tag, same ports. */
	cr_assert_str_eq(init_in(e, PUB2, 2 * FX_SEC), SRV2);
	cr_assert_eq(n_assocs(e), 1);
	cr_assert_eq(st->assocs_created, 1);
	cr_assert_eq(st->handshakes_live, 1);
	/* Answered from SRV2, from where the INIT came; the COOKIE ECHO
	 * follows it there and the one association comes up. */
	cr_assert_str_eq(init_ack_out(e, SRV2), PUB2);
	cr_assert_str_eq(cookie_in(e, PUB2, SRV2), SRV2);
	cr_assert_eq(n_assocs(e), 1);
	cr_assert_eq(st->handshakes_live, 0);
	expect_in(e, PEER1, PUB1, SRV1);
	expect_in(e, PEER1, PUB2, SRV2);
	engine_destroy(e);
}

Test(forward_init, retransmitted_init_skips_a_down_address_too)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);

	engine_set_forward_inside_up(e, 0, 0, false);
	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV2);
	engine_set_forward_inside_up(e, 0, 0, true);
	engine_set_forward_inside_up(e, 0, 1, false);
	cr_assert_str_eq(init_in(e, PUB2, 2 * FX_SEC), SRV1);
	cr_assert_eq(n_assocs(e), 1);
	/* The first INIT's answer arrives after all: one association. */
	cr_assert_str_eq(init_ack_out(e, SRV2), PUB1);
	cr_assert_str_eq(cookie_in(e, PUB1, SRV1), SRV1);
	cr_assert_eq(n_assocs(e), 1);
	engine_destroy(e);
}

Test(forward_init, another_tag_to_the_other_public_binds_nothing)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);
	struct pb p;

	/* The server answered from SRV1 and did not list SRV2 (its link
	 * was down then): PUB2 leads to SRV1 (test_engine_forward.c). */
	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV1);
	cr_assert_str_eq(init_ack_out2(e, SRV1, false), PUB1);
	cr_assert_str_eq(cookie_in(e, PUB1, SRV1), SRV1);
	expect_in(e, PEER1, PUB2, SRV1);
	/* Live: the late copy of its INIT, or an INIT with a new tag (a
	 * restart, or a blind forgery from the peer's address), to PUB2
	 * goes in as before and binds SRV2 to nothing. */
	cr_assert_str_eq(init_in(e, PUB2, 2 * FX_SEC), SRV1);
	pb_ip4(&p, PEER1, PUB2);
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, 0x33333333u);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SRV1);
	expect_in(e, PEER1, PUB2, SRV1);
	expect_in(e, PEER1, PUB1, SRV1);
	cr_assert_eq(n_assocs(e), 1);
	engine_destroy(e);
}

Test(forward_init, out_of_range_is_ignored_and_reconfigure_resets)
{
	struct engine *e = engine_n(2, MULTIHOME_OFF);
	struct engine_config c;

	engine_set_forward_inside_up(e, ENGINE_MAX_FORWARDS, 0, false);
	engine_set_forward_inside_up(e, 0, ENGINE_MAX_PUBLIC_ADDRS, false);
	cr_assert(engine_forward_inside_up(e, ENGINE_MAX_FORWARDS, 0));
	cr_assert(engine_forward_inside_up(e, 0, ENGINE_MAX_PUBLIC_ADDRS));
	engine_set_forward_inside_up(e, 0, 1, false);
	cr_assert_not(engine_forward_inside_up(e, 0, 1));
	fx_config(&c, MULTIHOME_OFF);
	cr_assert_eq(engine_reconfigure(e, &c, FX_SEC), 0);
	cr_assert(engine_forward_inside_up(e, 0, 1));
	engine_destroy(e);
}

Test(forward_init, another_family_is_no_candidate)
{
	struct engine_config c;
	struct engine_forward *fw = &c.forwards[0];
	struct engine *e;

	/* PUB1 and an IPv6 public address, served by SRV1 and an IPv6
	 * inside address: no translation between the two families. */
	fx_config(&c, MULTIHOME_OFF);
	c.uplinks[1].n_public = 2;
	addr(&c.uplinks[1].public_addrs[1], "2001:db8:ff::1");
	fw->n_public = 2;
	addr(&fw->public_addrs[1], "2001:db8:ff::1");
	fw->n_inside = 2;
	fw->inside_addrs[0] = fw->inside_addr;
	addr(&fw->inside_addrs[1], "2001:db8:aa::20");
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	engine_set_forward_inside_up(e, 0, 0, false);
	cr_assert_str_eq(init_in(e, PUB1, FX_SEC), SRV1);
	engine_destroy(e);
}

/* ---- the client's INIT again from another of its addresses ---- */

#define TI1 0x33333333u /* the server's tag answering the first copy */

struct events {
	unsigned int up, down_never_up, down_was_up;
};

static void count_event(void *arg, const struct engine_event *ev)
{
	struct events *n = arg;

	if (ev->type == ENGINE_EV_UP)
		n->up++;
	else if (ev->type == ENGINE_EV_DOWN && ev->was_up)
		n->down_was_up++;
	else if (ev->type == ENGINE_EV_DOWN)
		n->down_never_up++;
}

/* The client's INIT (tag TP, listing PEER1 and PEER2) from `peer`. */
static void init_from(struct engine *e, const char *peer, const char *pub,
		      const char *srv, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, peer, pub);
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_param_addr(&p, PEER1);
	pb_param_addr(&p, PEER2);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), srv);
}

/* The server's answer (tag itag) to the INIT from `peer`: it leaves
 * from `pub`. */
static void init_ack_to(struct engine *e, const char *srv, const char *peer,
			uint32_t itag, const char *pub, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, srv, peer);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, itag);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), pub);
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), peer);
}

/* The client's COOKIE ECHO (tag itag) from `peer` and the server's
 * COOKIE ACK: the association is up. */
static void cookie_from(struct engine *e, const char *peer, const char *pub,
			const char *srv, uint32_t itag, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, peer, pub);
	pb_sctp(&p, 40000, 3868, itag);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "server-cookie", 13);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), srv);
	fx_chunk(&p, srv, peer, 3868, 40000, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), pub);
}

/* DATA both ways between `peer` and `srv` on the pair (itag, TP). */
static void data_flows(struct engine *e, const char *peer, const char *pub,
		       const char *srv, uint32_t itag, uint64_t now)
{
	struct pb p;

	fx_data(&p, peer, pub, 40000, 3868, itag, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), srv);
	fx_data(&p, srv, peer, 3868, 40000, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), pub);
}

/*
 * The client's INIT reached the box from PEER1 and was lost beyond it;
 * the client sends it again (RFC 9260 5.1, T1-init) from PEER2, to the
 * same public address or (`pub2`) to the other.  The box knows no
 * association with PEER2 and makes a second one (joining by the
 * Initiate Tag would let anyone who knows their own tag join), which
 * the server's answer, the COOKIE ECHO and what follows all use; the
 * first, a handshake only, expires at the setup timeout having changed
 * nothing (README, Limits and known gaps).
 */
static void init_again_from_another_source(bool pub2)
{
	struct engine *e = engine_n(pub2 ? 2 : 1, MULTIHOME_OFF);
	const struct engine_stats *st = engine_stats(e);
	const char *pub = pub2 ? PUB2 : PUB1, *srv = pub2 ? SRV2 : SRV1;
	struct events ev = { 0 };

	engine_set_event_cb(e, count_event, &ev);
	init_from(e, PEER1, PUB1, SRV1, FX_SEC);
	init_from(e, PEER2, pub, srv, 4 * FX_SEC);
	cr_assert_eq(n_assocs(e), 2);
	cr_assert_eq(st->handshakes_live, 2);
	init_ack_to(e, srv, PEER2, TI, pub, 4 * FX_SEC);
	cookie_from(e, PEER2, pub, srv, TI, 5 * FX_SEC);
	cr_assert_eq(ev.up, 1);
	data_flows(e, PEER2, pub, srv, TI, 6 * FX_SEC);
	cr_assert_eq(n_assocs(e), 2);
	cr_assert_eq(st->handshakes_live, 1, "the first one still waits");
	/* The setup timeout (15 s) of the first passes. */
	engine_tick(e, 20 * FX_SEC);
	cr_assert_eq(n_assocs(e), 1);
	cr_assert_eq(st->handshakes_live, 0);
	cr_assert_eq(ev.down_never_up, 1);
	cr_assert_eq(ev.down_was_up, 0);
	data_flows(e, PEER2, pub, srv, TI, 21 * FX_SEC);
	/* PEER1, which the INIT listed, is a path of it now. */
	data_flows(e, PEER1, pub, srv, TI, 21 * FX_SEC);
	engine_destroy(e);
}

Test(forward_init, init_again_from_another_source_same_public)
{
	init_again_from_another_source(false);
}

Test(forward_init, init_again_from_another_source_other_public)
{
	init_again_from_another_source(true);
}

/*
 * The first copy was only late: the server answers both INITs, each to
 * its source (RFC 9260 5.1), with two tags (it keeps no state before
 * the COOKIE ECHO, 5.1.3), and the client takes the answer that reaches
 * it first (5.2.3), so its COOKIE ECHO comes from the source of either
 * INIT.  Each answer must stay with its own INIT's association: the
 * second INIT lists PEER1 too, and an answer to the first that went to
 * the second's association left its COOKIE ECHO, from PEER1, with
 * nothing that vouches for it (only an INIT's source does).
 */
static void both_copies_answered(bool first_answer_first, bool take_first)
{
	struct engine *e = engine_n(1, MULTIHOME_OFF);
	const struct engine_stats *st = engine_stats(e);
	const char *peer = take_first ? PEER1 : PEER2;
	uint32_t itag = take_first ? TI1 : TI;
	struct events ev = { 0 };

	engine_set_event_cb(e, count_event, &ev);
	init_from(e, PEER1, PUB1, SRV1, FX_SEC);
	init_from(e, PEER2, PUB1, SRV1, 4 * FX_SEC);
	if (first_answer_first)
		init_ack_to(e, SRV1, PEER1, TI1, PUB1, 4 * FX_SEC);
	init_ack_to(e, SRV1, PEER2, TI, PUB1, 4 * FX_SEC);
	if (!first_answer_first)
		init_ack_to(e, SRV1, PEER1, TI1, PUB1, 4 * FX_SEC);
	cookie_from(e, peer, PUB1, SRV1, itag, 5 * FX_SEC);
	cr_assert_eq(ev.up, 1);
	data_flows(e, peer, PUB1, SRV1, itag, 6 * FX_SEC);
	engine_tick(e, 20 * FX_SEC);
	cr_assert_eq(n_assocs(e), 1);
	cr_assert_eq(st->handshakes_live, 0);
	cr_assert_eq(ev.down_never_up, 1);
	data_flows(e, peer, PUB1, SRV1, itag, 21 * FX_SEC);
	engine_destroy(e);
}

Test(forward_init, both_copies_answered_first_taken)
{
	both_copies_answered(true, true);
	both_copies_answered(false, true);
}

Test(forward_init, both_copies_answered_second_taken)
{
	both_copies_answered(true, false);
	both_copies_answered(false, false);
}
