/*
 * test_engine_handshake.c: an association's tags and addresses change
 * only when both of its endpoints accepted the change (handshake_cand.c).
 *
 * Each test runs a legitimate exchange through the engine and then tries
 * to break it the way the Internet does: blind INITs from the peer's
 * address, INITs sent twice and answered twice with different tags,
 * lost, duplicated and reordered handshake chunks, INIT ACKs after the
 * handshake, damaged checksums, a peer still sending while it shuts
 * down, and two associations whose tags collide.  Outputs are checked
 * with pkt_build's independent decoders.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc_table.h"
#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI    0x11111111u /* inside host's tag */
#define TP    0x22222222u /* peer's tag */
#define HOST  "192.168.1.10"
#define HOST2 "192.168.1.11"
#define PUB   "198.51.100.1"
#define PEER1 "198.51.100.100"
#define PEER2 "203.0.113.100"
#define EVIL  "192.0.2.66" /* an address outside the association */
#define SPORT 5000

static char sbuf[48], dbuf[48];

static const char *const peer1_only[] = { PEER1, NULL };
static const char *const both_peers[] = { PEER1, PEER2, NULL };

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void expect_drop(struct engine_verdict v, enum drop_reason r)
{
	cr_assert_eq(v.action, ENGINE_DROP, "not dropped (action %u)",
		     v.action);
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

/* ---- packets ---- */

static struct engine_verdict out_init(struct engine *e, const char *src,
				      const char *dst, uint32_t itag,
				      uint64_t now, struct pb *p)
{
	fx_init(p, src, dst, SPORT, 3868, itag);
	return fx_run(e, p, ENGINE_OUTBOUND, now);
}

static struct engine_verdict in_init_ack(struct engine *e, const char *src,
					 uint16_t port, uint32_t vtag,
					 uint32_t itag,
					 const char *const *addrs, uint64_t now)
{
	struct pb p;

	fx_init_ack(&p, src, PUB, 3868, port, vtag, itag, addrs);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

static void cookie_echo(struct pb *p, const char *src, const char *dst,
			uint16_t sport, uint16_t dport, uint32_t vtag)
{
	pb_ip4(p, src, dst);
	pb_sctp(p, sport, dport, vtag);
	pb_chunk_begin(p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(p, "cookie-cookie-cookie", 20);
	pb_finish(p);
}

static struct engine_verdict out_cookie_echo(struct engine *e, uint32_t vtag,
					     uint64_t now)
{
	struct pb p;

	cookie_echo(&p, HOST, PEER1, SPORT, 3868, vtag);
	return fx_run(e, &p, ENGINE_OUTBOUND, now);
}

static struct engine_verdict in_chunk(struct engine *e, const char *src,
				      uint16_t port, uint32_t vtag,
				      uint8_t type, uint8_t flags, uint64_t now)
{
	struct pb p;

	fx_chunk(&p, src, PUB, 3868, port, vtag, type, flags);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

static struct engine_verdict out_data(struct engine *e, const char *src,
				      const char *dst, uint32_t vtag,
				      uint64_t now, struct pb *p)
{
	fx_data(p, src, dst, SPORT, 3868, vtag, 46);
	return fx_run(e, p, ENGINE_OUTBOUND, now);
}

static struct engine_verdict in_data(struct engine *e, const char *src,
				     uint16_t port, uint32_t vtag, uint64_t now)
{
	struct pb p;

	fx_data(&p, src, PUB, 3868, port, vtag, 46);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

/* An INIT from outside to the association's public address and port. */
static struct engine_verdict in_init(struct engine *e, const char *src,
				     uint16_t port, uint32_t itag,
				     const char *const *addrs, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, src, PUB);
	pb_sctp(&p, 3868, port, 0);
	pb_init(&p, SCTP_CID_INIT, itag);
	for (; addrs && *addrs; addrs++)
		pb_param_addr(&p, *addrs);
	pb_finish(&p);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

/* The inside host's INIT ACK, to the peer address the INIT came from. */
static struct engine_verdict out_init_ack(struct engine *e, const char *dst,
					  uint32_t vtag, uint32_t itag,
					  uint64_t now, struct pb *p)
{
	pb_ip4(p, HOST, dst);
	pb_sctp(p, SPORT, 3868, vtag);
	pb_init(p, SCTP_CID_INIT_ACK, itag);
	pb_param_addr(p, HOST);
	pb_param(p, SCTP_PARAM_STATE_COOKIE, "host-cookie", 11);
	pb_finish(p);
	return fx_run(e, p, ENGINE_OUTBOUND, now);
}

/* Both ways on the given tags: the association translates. */
static void works(struct engine *e, uint16_t port, uint32_t ti, uint32_t tp,
		  uint64_t now)
{
	struct pb p;

	expect_fwd(out_data(e, HOST, PEER1, tp, now, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	expect_fwd(in_data(e, PEER1, port, ti, now));
}

/*
 * The association is on the pair (ti, tp), late copies of other
 * handshakes notwithstanding, and carries DATA at `now`.
 */
static void still_on(struct engine *e, uint16_t port, uint32_t ti, uint32_t tp,
		     uint64_t now)
{
	cr_assert_eq(view(e).tag_inside, ti, "tags %08x/%08x",
		     view(e).tag_inside, view(e).tag_peer);
	cr_assert_eq(view(e).tag_peer, tp);
	works(e, port, ti, tp, now);
}

/*
 * The peer's COOKIE ECHO for the restart pair (ti, tp) and the inside
 * host's COOKIE ACK pass at `now`: the pair is live and carries DATA.
 */
static void restart_completes(struct engine *e, uint16_t port, uint32_t ti,
			      uint32_t tp, uint64_t now)
{
	struct pb p;

	cookie_echo(&p, PEER1, PUB, 3868, port, ti);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	cr_assert_eq(view(e).tag_inside, ti);
	cr_assert_eq(view(e).tag_peer, tp);
	works(e, port, ti, tp, now + FX_SEC);
}

/*
 * The peer answers the inside host's INIT ti with tp at `now`, the
 * host's COOKIE ECHO and the peer's COOKIE ACK pass: the pair is live
 * and carries DATA.
 */
static void host_attempt_completes(struct engine *e, uint16_t port, uint32_t ti,
				   uint32_t tp, uint64_t now)
{
	expect_fwd(in_init_ack(e, PEER1, port, ti, tp, peer1_only, now));
	expect_fwd(out_cookie_echo(e, tp, now));
	expect_fwd(in_chunk(e, PEER1, port, ti, SCTP_CID_COOKIE_ACK, 0, now));
	cr_assert_eq(view(e).tag_inside, ti);
	cr_assert_eq(view(e).tag_peer, tp);
	works(e, port, ti, tp, now + FX_SEC);
}

static uint16_t establish(struct engine *e, const char *const *peers,
			  uint64_t now)
{
	struct engine_verdict v;
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, now, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peers, now));
	expect_fwd(out_cookie_echo(e, TP, now));
	v = in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0, now);
	expect_fwd(v);
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	return port;
}

/* ---- blind INITs ---- */

/*
 * Two INITs from the peer's address and port, with tags of their own:
 * the inside host sees them (it answers as RFC 9260 5.2.2 says), but
 * the association keeps its tags and peers, so real traffic flows.
 */
Test(handshake, two_blind_inits_change_nothing)
{
	static const char *const evil[] = { EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct engine_assoc_view v;

	for (uint32_t i = 0; i < 2; i++) {
		struct engine_verdict r = in_init(e, PEER1, port,
						  0x66000001u + i, evil,
						  (2 + i) * FX_SEC);

		expect_fwd(r);
	}
	v = view(e);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, TP);
	cr_assert_eq(v.n_paths, 1, "no address learned from an INIT");
	cr_assert_eq(v.state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 4 * FX_SEC);
	expect_drop(in_data(e, EVIL, port, TI, 4 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	/* Nor does an INIT refresh anything: the timer runs from 4 s. */
	expect_fwd(in_init(e, PEER1, port, 0x66000009u, NULL, 200 * FX_SEC));
	engine_tick(e, 305 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

/*
 * RFC 9260 5.2.2: an INIT listing a new address is answered with an
 * ABORT carrying the INIT's Initiate Tag.  It reaches the address the
 * INIT came from and ends that attempt, never the live association.
 */
Test(handshake, abort_answering_a_forged_init_ends_only_it)
{
	static const char *const evil[] = { PEER1, EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, evil, 2 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, 0x66000001u, SCTP_CID_ABORT, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), PEER1);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB);
	cr_assert_eq(pkt_sport(p.buf), port);
	cr_assert_eq(pkt_vtag(p.buf), 0x66000001u);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(engine_stats(e)->assocs_ended, 0);
	works(e, port, TI, TP, 3 * FX_SEC);
	/* The attempt is over: its tag finds nothing any more. */
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, 0x66000001u, SCTP_CID_ABORT, 0);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/* One forged INIT listing many addresses leaves room for the real ones. */
Test(handshake, forged_init_does_not_fill_the_peer_list)
{
	static const char *const many[] = {
		"198.51.100.200",
		"198.51.100.201",
		"198.51.100.202",
		"198.51.100.203",
		"198.51.100.204",
		"198.51.100.205",
		"198.51.100.206",
		"198.51.100.207",
		"198.51.100.208",
		"198.51.100.209",
		NULL,
	};
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, many, 2 * FX_SEC));
	cr_assert_eq(view(e).n_paths, 1);
	expect_drop(in_data(e, "198.51.100.200", port, TI, 2 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	/* The peer adds an address (RFC 5061), the host acknowledges. */
	pb_ip4(&p, PEER1, PUB);
	pb_sctp(&p, 3868, port, TI);
	pb_asconf(&p, 1, PEER1);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "203.0.113.77");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, SPORT, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_ASCONF_ACK, 0);
	pb_u32(&p, 1);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	expect_fwd(in_data(e, "203.0.113.77", port, TI, 4 * FX_SEC));
	engine_destroy(e);
}

/*
 * A genuine peer restart: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK go
 * through at once; the old tags keep working until it completes, then
 * the new tags and the new address list take over.
 */
static void peer_restart(bool lose_cookie_ack)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct engine_assoc_view v;
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, both_peers, 2 * FX_SEC));
	works(e, port, TI, TP, 2 * FX_SEC);
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), PEER1);
	cr_assert(!pkt_contains_addr(p.buf, p.len, HOST));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	works(e, port, TI, TP, 2 * FX_SEC);
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(view(e).tag_peer, TP, "nothing changed yet");
	if (lose_cookie_ack) {
		/* The host's first packet with the new tag says it. */
		expect_fwd(out_data(e, HOST, PEER1, tp2, 3 * FX_SEC, &p));
	} else {
		fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK,
			 0);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	}
	v = view(e);
	cr_assert_eq(v.tag_inside, ti2);
	cr_assert_eq(v.tag_peer, tp2);
	cr_assert_eq(v.n_paths, 2, "the restart's addresses");
	works(e, port, ti2, tp2, 4 * FX_SEC);
	expect_fwd(in_data(e, PEER2, port, ti2, 4 * FX_SEC));
	expect_drop(out_data(e, HOST, PEER1, TP, 4 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	expect_drop(in_data(e, PEER1, port, TI, 4 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

Test(handshake, genuine_peer_restart_completes)
{
	peer_restart(false);
}

Test(handshake, genuine_peer_restart_with_cookie_ack_lost)
{
	peer_restart(true);
}

/*
 * Forged INIT ACK and COOKIE ECHO, blind (from the peer's address, no
 * tag) and with a known tag from a foreign address: nothing changes,
 * nothing from the foreign address gets through.
 */
Test(handshake, forged_handshake_chunks_change_nothing)
{
	static const char *const evil[] = { EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct engine_assoc_view v;
	struct pb p;

	/* Blind, from the peer's address. */
	expect_drop(in_init_ack(e, PEER1, port, 0x77000001u, 0x77000002u, evil,
				2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	cookie_echo(&p, PEER1, PUB, 3868, port, 0x77000003u);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	/* After a forged INIT, a COOKIE ECHO guessing at its pair. */
	expect_fwd(in_init(e, PEER1, port, 0x77000004u, evil, 2 * FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, 0x77000005u);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	/* Knowing the tag, from an address outside the association. */
	expect_drop(in_init_ack(e, EVIL, port, TI, 0x77000006u, evil,
				2 * FX_SEC),
		    DROP_INIT_ACK_LATE);
	cookie_echo(&p, EVIL, PUB, 3868, port, TI);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_OUT_OF_THE_BLUE);
	expect_drop(in_chunk(e, EVIL, port, TI, SCTP_CID_ABORT, 0, 2 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	expect_drop(in_data(e, EVIL, port, TI, 2 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	v = view(e);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, TP);
	cr_assert_eq(v.n_paths, 1);
	cr_assert_eq(v.state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * Candidates are bounded and forgotten: a flood of forged INITs leaves
 * room for a real restart after it, and the inside host's answer to an
 * INIT older than the setup timeout finds nothing.
 */
Test(handshake, candidates_bounded_and_forgotten)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000000u, NULL, 2 * FX_SEC));
	expect_drop(out_init_ack(e, PEER1, 0x66000000u, 0x55555555u,
				 30 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	for (uint32_t i = 1; i <= 20; i++)
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   31 * FX_SEC));
	works(e, port, TI, TP, 31 * FX_SEC);
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 32 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 32 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 32 * FX_SEC);
	engine_destroy(e);
}

/* ---- an INIT sent twice, answered twice ---- */

#define TP1 0x51000001u
#define TP2 0x51000002u

/* INIT twice, two INIT ACKs with their own tags, in `order`. */
static uint16_t init_twice(struct engine *e, bool second_first)
{
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	expect_fwd(in_init_ack(e, PEER1, port, TI, second_first ? TP2 : TP1,
			       peer1_only, 2 * FX_SEC));
	expect_fwd(in_init_ack(e, PEER1, port, TI, second_first ? TP1 : TP2,
			       peer1_only, 2 * FX_SEC));
	return port;
}

/* The host takes the first INIT ACK and discards the second (5.2.3). */
Test(handshake, init_retransmitted_first_init_ack_used)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = init_twice(e, false);
	struct pb p;

	expect_fwd(out_cookie_echo(e, TP1, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	cr_assert_eq(view(e).tag_peer, TP1);
	works(e, port, TI, TP1, 4 * FX_SEC);
	expect_drop(out_data(e, HOST, PEER1, TP2, 4 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	/* A late copy of either INIT ACK changes nothing now. */
	expect_drop(in_init_ack(e, PEER1, port, TI, TP2, peer1_only,
				5 * FX_SEC),
		    DROP_INIT_ACK_LATE);
	works(e, port, TI, TP1, 5 * FX_SEC);
	engine_destroy(e);
}

/* Reordered: the second INIT ACK arrives first and is the one used. */
Test(handshake, init_acks_reordered)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = init_twice(e, true);
	struct pb p;

	expect_fwd(out_cookie_echo(e, TP2, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	works(e, port, TI, TP2, 4 * FX_SEC);
	expect_drop(out_data(e, HOST, PEER1, TP1, 4 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/*
 * The COOKIE ECHO duplicated and sent again, the COOKIE ACK lost: the
 * peer's first DATA with the host's tag completes it, a late COOKIE ACK
 * and COOKIE ECHO still pass.  Three INIT ACKs, the middle one used.
 */
Test(handshake, cookie_echo_duplicated_cookie_ack_lost)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = init_twice(e, false);
	struct pb p;

	expect_fwd(in_init_ack(e, PEER1, port, TI, 0x51000003u, peer1_only,
			       2 * FX_SEC));
	for (int i = 0; i < 3; i++)
		expect_fwd(out_cookie_echo(e, TP2, (3 + i) * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_COOKIE_ECHOED);
	expect_fwd(in_data(e, PEER1, port, TI, 6 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(view(e).tag_peer, TP2);
	works(e, port, TI, TP2, 6 * FX_SEC);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    7 * FX_SEC));
	expect_fwd(out_cookie_echo(e, TP2, 7 * FX_SEC));
	expect_drop(out_data(e, HOST, PEER1, TP1, 7 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	expect_drop(out_data(e, HOST, PEER1, 0x51000003u, 7 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/* A second INIT ACK arriving in COOKIE-ECHOED reaches the host. */
Test(handshake, second_init_ack_after_cookie_echo)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, TI, TP1, peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, TP1, 2 * FX_SEC));
	expect_fwd(
		in_init_ack(e, PEER1, port, TI, TP2, peer1_only, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	works(e, port, TI, TP1, 3 * FX_SEC);
	engine_destroy(e);
}

/* A COOKIE ECHO sent again keeps the handshake alive; INITs do not. */
Test(handshake, retransmitted_cookie_echo_keeps_handshake_alive)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	for (uint64_t t = 10; t <= 40; t += 10) {
		expect_fwd(out_cookie_echo(e, TP, t * FX_SEC));
		engine_tick(e, (t + 9) * FX_SEC);
		cr_assert_eq(engine_stats(e)->assocs_live, 1, "at %lu s",
			     (unsigned long)t + 9);
	}
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    49 * FX_SEC));
	works(e, port, TI, TP, 50 * FX_SEC);
	engine_destroy(e);
}

/* ---- INIT ACK and COOKIE ECHO out of place ---- */

/*
 * After the handshake an INIT ACK changes nothing (RFC 9260 5.2.3): not
 * from a foreign address with the inside tag, not from the peer with new
 * tags.
 */
Test(handshake, init_ack_after_handshake_changes_nothing)
{
	static const char *const evil[] = { EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);

	expect_drop(in_init_ack(e, EVIL, port, TI, 0x77000001u, evil,
				2 * FX_SEC),
		    DROP_INIT_ACK_LATE);
	expect_drop(in_data(e, EVIL, port, TI, 2 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	for (uint32_t i = 0; i < 2; i++)
		expect_drop(in_init_ack(e, PEER1, port, TI, 0x77000002u + i,
					both_peers, 2 * FX_SEC),
			    DROP_INIT_ACK_LATE);
	cr_assert_eq(view(e).tag_peer, TP);
	cr_assert_eq(view(e).n_paths, 1);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/* A COOKIE ECHO from the peer's address names no tag of its own. */
Test(handshake, inbound_cookie_echo_during_handshake_adopts_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	cookie_echo(&p, PEER1, PUB, 3868, port, 0xbadbad01u);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), DROP_VTAG_MISMATCH);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, 0xbadbad02u);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), DROP_VTAG_MISMATCH);
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, TI);
	works(e, port, TI, TP, 3 * FX_SEC);
	expect_drop(in_data(e, PEER1, port, 0xbadbad02u, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/* ---- checksums ---- */

/* A damaged INIT ACK sets nothing; the good one after it works. */
Test(handshake, damaged_init_ack_changes_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint8_t before[PB_MAX];
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, PUB, 3868, port, TI, 0xbadbad01u, both_peers);
	p.buf[p.len - 1] ^= 0x20;
	memcpy(before, p.buf, p.len);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, FX_SEC), DROP_BAD_CHECKSUM);
	cr_assert(!memcmp(before, p.buf, p.len), "dropped untouched");
	expect_drop(out_cookie_echo(e, 0xbadbad01u, FX_SEC),
		    DROP_VTAG_MISMATCH);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	expect_fwd(
		in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0, FX_SEC));
	cr_assert_eq(view(e).tag_peer, TP);
	cr_assert_eq(view(e).n_paths, 1, "no address from the damaged one");
	works(e, port, TI, TP, 2 * FX_SEC);
	engine_destroy(e);
}

/* A damaged INIT ACK from a [forward] server is not laundered. */
Test(handshake, damaged_outbound_init_ack_not_laundered)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	pb_ip4(&p, PEER1, PUB);
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	pb_ip4(&p, "192.168.1.20", PEER1);
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, SCTP_CID_INIT_ACK, TI);
	pb_param_addr(&p, "192.168.1.20");
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	p.buf[p.len - 2] ^= 0x01;
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC), DROP_BAD_CHECKSUM);
	cr_assert_eq(engine_stats(e)->csum_full, 0, "nothing recomputed");
	p.buf[p.len - 2] ^= 0x01;
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert(!pkt_contains_addr(p.buf, p.len, "192.168.1.20"));
	engine_destroy(e);
}

/*
 * On a live association: a damaged ABORT, SHUTDOWN or a packet from a
 * new inside address changes nothing; a damaged DATA (ports only) keeps
 * its error; a zero checksum (RFC 9653) is the endpoints' business.
 */
Test(handshake, damaged_packets_change_nothing)
{
	struct engine_config c;
	struct engine *e;
	uint16_t port;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.port_preserve = false; /* so the port really changes */
	cr_assert_eq(engine_create(&c, 7, &e), 0);
	port = establish(e, peer1_only, FX_SEC);
	cr_assert_neq(port, SPORT);

	fx_chunk(&p, PEER1, PUB, 3868, port, TI, SCTP_CID_ABORT, 0);
	p.buf[20 + 8] ^= 0x01; /* the CRC32c field */
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_BAD_CHECKSUM);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	p.buf[20 + 8] ^= 0x01;
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		    DROP_BAD_CHECKSUM);
	fx_data(&p, HOST2, PEER1, SPORT, 3868, TP, 46);
	p.buf[p.len - 1] ^= 0x01;
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		    DROP_BAD_CHECKSUM);
	cr_assert_eq(view(e).n_locals, 1, "no join from a damaged packet");
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);

	fx_data(&p, HOST, PEER1, SPORT, 3868, TP, 46);
	p.buf[p.len - 1] ^= 0x01;
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), port);
	cr_assert(!pkt_verify_crc(p.buf, p.len), "the error stays");

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	memset(p.buf + 20 + 8, 0, 4);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert(!memcmp(p.buf + 28, "\0\0\0\0", 4), "zero stays zero");
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	engine_destroy(e);
}

/* ---- shutdown ---- */

/*
 * RFC 9260 9.2: after SHUTDOWN the peer may go on sending DATA until
 * its queue drains; each packet of the association refreshes the
 * shutdown timer (15 s), packets with a wrong tag do not.
 */
Test(handshake, shutdown_timer_refreshed_while_draining)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	for (uint64_t t = 12; t <= 32; t += 10) {
		expect_fwd(in_data(e, PEER1, port, TI, t * FX_SEC));
		pb_ip4(&p, HOST, PEER1);
		pb_sctp(&p, SPORT, 3868, TP);
		pb_sack(&p, 7);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, t * FX_SEC));
		engine_tick(e, (t + 9) * FX_SEC);
		cr_assert_eq(engine_stats(e)->assocs_live, 1, "at %lu s",
			     (unsigned long)t + 9);
		cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	}
	/* Out of the association: refreshes nothing. */
	expect_drop(in_data(e, PEER1, port, 0x99999999u, 45 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_tick(e, 48 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	cr_assert_eq(engine_stats(e)->assocs_expired, 1);
	engine_destroy(e);
}

/* ---- tags that collide ---- */

/*
 * HOST has an association to PEER1 (peer tag TP).  HOST2, same inside
 * port, sets one up with PEER2, whose INIT ACK picks TP too.
 */
static uint16_t second_host(struct engine *e, const char *const *acked,
			    enum drop_reason want)
{
	struct engine_verdict v;
	uint16_t port2;
	struct pb p;

	expect_fwd(out_init(e, HOST2, PEER2, 0x31313131u, 2 * FX_SEC, &p));
	port2 = pkt_sport(p.buf);
	fx_init_ack(&p, PEER2, PUB, 3868, port2, 0x31313131u, TP, acked);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	if (want == DROP_NONE)
		expect_fwd(v);
	else
		expect_drop(v, want);
	return port2;
}

/* An INIT ACK whose tag would make the two indistinguishable: refused;
 * the INIT sent again draws a new tag and completes. */
Test(handshake, init_ack_tag_collision_refused)
{
	static const char *const overlap[] = { PEER2, PEER1, NULL };
	static const char *const peer2_only[] = { PEER2, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC), port2;
	struct pb p;

	port2 = second_host(e, overlap, DROP_HANDSHAKE_TAG_COLLISION);
	cr_assert_neq(port2, port);
	cookie_echo(&p, HOST2, PEER2, SPORT, 3868, TP);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	works(e, port, TI, TP, 2 * FX_SEC);
	expect_fwd(out_data(e, HOST, PEER1, TP, 2 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port, "HOST's own public port");
	/* The retransmitted INIT, a fresh tag. */
	expect_fwd(out_init(e, HOST2, PEER2, 0x31313131u, 3 * FX_SEC, &p));
	fx_init_ack(&p, PEER2, PUB, 3868, port2, 0x31313131u, 0x32323232u,
		    peer2_only);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	cookie_echo(&p, HOST2, PEER2, SPORT, 3868, 0x32323232u);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	fx_chunk(&p, PEER2, PUB, 3868, port2, 0x31313131u, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	expect_fwd(out_data(e, HOST2, PEER2, 0x32323232u, 4 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port2);
	works(e, port, TI, TP, 4 * FX_SEC);
	engine_destroy(e);
}

static int collect2(const struct engine_assoc_view *v, void *arg)
{
	struct engine_assoc_view *vs = arg;

	vs[v->id & 1] = *v;
	return 0;
}

/* The same peer tag with no address in common: told apart by address,
 * and never attached to each other's association. */
Test(handshake, shared_tag_told_apart_by_address)
{
	static const char *const peer2_only[] = { PEER2, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC), port2;
	struct engine_assoc_view vs[2];
	unsigned int n;
	struct pb p;

	port2 = second_host(e, peer2_only, DROP_NONE);
	cookie_echo(&p, HOST2, PEER2, SPORT, 3868, TP);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), port2);
	fx_chunk(&p, PEER2, PUB, 3868, port2, 0x31313131u, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));

	for (int i = 0; i < 2; i++) {
		expect_fwd(out_data(e, HOST, PEER1, TP, 3 * FX_SEC, &p));
		cr_assert_eq(pkt_sport(p.buf), port, "HOST's port");
		expect_fwd(out_data(e, HOST2, PEER2, TP, 3 * FX_SEC, &p));
		cr_assert_eq(pkt_sport(p.buf), port2, "HOST2's port");
	}
	/* HOST's packets to HOST2's peer: each association has one of the
	 * two addresses; neither is taken, nothing joins. */
	expect_drop(out_data(e, HOST, PEER2, TP, 3 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	/* A third inside address with the shared tag: whose?  Neither. */
	expect_drop(out_data(e, "192.168.1.12", PEER1, TP, 3 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	engine_foreach_assoc(e, collect2, vs);
	for (n = 0; n < 2; n++)
		cr_assert_eq(vs[n].n_locals, 1, "no inside address joined");
	cr_assert_eq(engine_stats(e)->assocs_live, 2);
	engine_destroy(e);
}

/* ---- the mirror: inbound through a [forward] rule, and collisions ---- */

#define SERVER "192.168.1.20"
#define CPORT  40000

static struct engine_verdict server_init_ack(struct engine *e, uint32_t vtag,
					     uint32_t itag, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, SERVER, PEER1);
	pb_sctp(&p, 3868, CPORT, vtag);
	pb_init(&p, SCTP_CID_INIT_ACK, itag);
	pb_param_addr(&p, SERVER);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	return fx_run(e, &p, ENGINE_OUTBOUND, now);
}

/*
 * A client's INIT sent twice, a server answering each with a tag of its
 * own, the client using the first: the server's COOKIE ACK completes
 * that pair, and the addresses the client listed count only then.
 */
Test(handshake, forward_rule_init_twice_first_used)
{
	static const char *const client[] = { PEER1, PEER2, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	for (int i = 0; i < 2; i++) {
		pb_ip4(&p, PEER1, PUB);
		pb_sctp(&p, CPORT, 3868, 0);
		pb_init(&p, SCTP_CID_INIT, TP);
		for (const char *const *a = client; *a; a++)
			pb_param_addr(&p, *a);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, (1 + i) * FX_SEC));
		cr_assert_str_eq(pkt_dst(p.buf, dbuf), SERVER);
	}
	expect_fwd(server_init_ack(e, TP, 0x61000001u, 2 * FX_SEC));
	expect_fwd(server_init_ack(e, TP, 0x61000002u, 2 * FX_SEC));
	/* Not yet: PEER2 was only offered, nor is the tag in force. */
	fx_data(&p, PEER2, PUB, CPORT, 3868, 0x61000001u, 46);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC),
		    DROP_OUT_OF_THE_BLUE);
	cookie_echo(&p, PEER1, PUB, CPORT, 3868, 0x61000001u);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SERVER);
	fx_chunk(&p, SERVER, PEER1, 3868, CPORT, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(view(e).tag_inside, 0x61000001u);
	cr_assert_eq(view(e).n_paths, 2);
	fx_data(&p, PEER2, PUB, CPORT, 3868, 0x61000001u, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), SERVER);
	fx_data(&p, PEER1, PUB, CPORT, 3868, 0x61000002u, 46);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	fx_data(&p, SERVER, PEER2, 3868, CPORT, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB);
	engine_destroy(e);
}

/*
 * Crossed INITs (RFC 9260 5.2.1): both ends send INIT, answer each
 * other's with INIT ACK and COOKIE ECHO; whichever COOKIE ACK passes
 * first completes the pair, the other is an ordinary packet.
 */
Test(handshake, init_collision_completes)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	works(e, port, TI, TP, 3 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/*
 * The peer refuses the INIT (an ABORT with the INIT's tag): the attempt
 * ends, and so does an association that never came up.
 */
Test(handshake, abort_answering_the_only_init_ends_the_attempt)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_drop(in_chunk(e, PEER1, port, 0x12345678u, SCTP_CID_ABORT, 0,
			     FX_SEC),
		    DROP_VTAG_MISMATCH);
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_ABORT, 0, FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	cr_assert_eq(engine_stats(e)->assocs_ended, 1);
	engine_destroy(e);
}

/*
 * RFC 9260 8.5.1 B, C: a T-bit ABORT / SHUTDOWN COMPLETE carries the
 * sender's own tag.  In COOKIE-WAIT the box knows no peer tag yet, so
 * the guesses an off-path sender can make (0 above all) must close
 * nothing; the real INIT ACK still completes the handshake.
 */
Test(handshake, tbit_guess_in_cookie_wait_closes_nothing)
{
	static const uint8_t types[] = { SCTP_CID_SHUTDOWN_COMPLETE,
					 SCTP_CID_ABORT };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	for (unsigned int i = 0; i < 2; i++) {
		struct engine_verdict v;

		v = in_chunk(e, PEER1, port, 0, types[i], SCTP_FLAG_T, FX_SEC);
		cr_assert_neq(v.action, ENGINE_FORWARD, "guess forwarded");
		v = in_chunk(e, PEER1, port, 0x12345678u, types[i], SCTP_FLAG_T,
			     FX_SEC);
		cr_assert_neq(v.action, ENGINE_FORWARD, "guess forwarded");
		cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	}
	cr_assert_eq(engine_stats(e)->assocs_ended, 0);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	expect_fwd(
		in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0, FX_SEC));
	works(e, port, TI, TP, 2 * FX_SEC);
	engine_destroy(e);
}

/*
 * RFC 9260 5.2.1, 5.2.4: an INIT from the peer's address while the
 * inside host is in COOKIE-WAIT or COOKIE-ECHOED is an INIT collision
 * candidate, perhaps a blind forgery.  The inside host may answer it,
 * but until the other side accepts it the association keeps the tags
 * and state of its own handshake, which still completes.
 */
Test(handshake, forged_init_during_handshake_changes_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_assoc_view v;
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, FX_SEC));
	v = view(e);
	cr_assert_eq(v.state, ASSOC_COOKIE_WAIT);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, 0);
	/* The host answers it (5.2.1): still only a candidate. */
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, TI, FX_SEC, &p));
	v = view(e);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, 0);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_COOKIE_ECHOED);
	expect_fwd(in_init(e, PEER1, port, 0x66000002u, NULL, 2 * FX_SEC));
	v = view(e);
	cr_assert_eq(v.state, ASSOC_COOKIE_ECHOED, "state %s",
		     assoc_state_name((enum assoc_state)v.state));
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, TP);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * Blind INITs from the peer's address, more of them than an association
 * holds candidates, while the inside host waits for its INIT ACK: they
 * must not push its own handshake out, so the real INIT ACK still
 * passes and the handshake completes.
 */
Test(handshake, blind_inits_do_not_evict_the_own_handshake)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	for (uint32_t i = 0; i < 8; i++) /* twice ASSOC_CANDS */
		expect_fwd(
			in_init(e, PEER1, port, 0x66000001u + i, NULL, FX_SEC));
	cr_assert_eq(view(e).tag_inside, TI);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	expect_fwd(
		in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0, FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 2 * FX_SEC);
	engine_destroy(e);
}

/*
 * A forged INIT from the peer's address lists a foreign address; the
 * inside host, in COOKIE-WAIT, answers it with its own tag (RFC 9260
 * 5.2.1).  That tag is also its own handshake's: the forged INIT's
 * addresses must not make an ABORT or a COOKIE ECHO carrying it pass.
 */
Test(handshake, forged_init_addresses_do_not_carry_the_own_tag)
{
	static const char *const evil[] = { EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, evil, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, TI, FX_SEC, &p));
	cookie_echo(&p, EVIL, PUB, 3868, port, TI);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, FX_SEC).action,
		      ENGINE_FORWARD, "forged COOKIE ECHO forwarded");
	cr_assert_neq(
		in_chunk(e, EVIL, port, TI, SCTP_CID_ABORT, 0, FX_SEC).action,
		ENGINE_FORWARD, "forged ABORT forwarded");
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, FX_SEC));
	expect_fwd(
		in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0, FX_SEC));
	works(e, port, TI, TP, 2 * FX_SEC);
	engine_destroy(e);
}

/*
 * RFC 9260 5.2.1: in COOKIE-WAIT the inside host answers a blind INIT
 * and the peer's crossing INIT alike, with its own tag.  The peer's
 * COOKIE ECHO carries only that tag, so it cannot tell the two
 * candidates apart; the host's COOKIE ACK, with the peer's tag, proves
 * which one completed, and that one must be confirmed.
 */
Test(handshake, cookie_ack_confirms_the_candidate_it_proves)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_assoc_view v;
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, TI, FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, TP, peer1_only, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, FX_SEC, &p));
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	v = view(e);
	cr_assert_eq(v.state, ASSOC_ESTABLISHED);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, TP);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * A closed association lingers so that the last packets of its close
 * still translate (RFC 9260 9.2: the peer retransmits SHUTDOWN ACK until
 * a SHUTDOWN COMPLETE reaches it).  A blind INIT from the peer's address,
 * which no forward rule takes, must not end that linger.
 */
Test(handshake, init_without_forward_rule_keeps_closed_linger)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_drop(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC),
		    DROP_NO_FORWARD_RULE);
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    2 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	engine_destroy(e);
}

/*
 * A stateless responder answers every copy of an INIT with a new tag
 * (RFC 9260 5.1.3); the INIT's sender takes the first INIT ACK it gets
 * and discards the others (5.2.3).  More answers than an association
 * holds candidates must not push out the first one.
 */
Test(handshake, first_of_many_init_acks_kept)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	for (uint32_t i = 0; i < 6; i++)
		expect_fwd(in_init_ack(e, PEER1, port, TI, 0x33000001u + i,
				       peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).tag_peer, TP);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * The inside host gives up an INIT and sends one with a new tag (RFC
 * 9260 5.1: a retransmission keeps its tag, a new attempt does not).
 * The answers to the abandoned INIT must not crowd out the new one's:
 * here the first answer to it is lost and the host uses the second.
 */
Test(handshake, new_init_tag_drops_the_abandoned_answers)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, 0x11000001u, FX_SEC, &p));
	port = pkt_sport(p.buf);
	for (uint32_t i = 0; i < 4; i++)
		expect_fwd(in_init_ack(e, PEER1, port, 0x11000001u,
				       0x33000001u + i, peer1_only, FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	expect_fwd(in_init_ack(e, PEER1, port, TI, 0x44000001u, peer1_only,
			       2 * FX_SEC));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * The abandoned INIT, delayed in the network, passes after the new one:
 * the new INIT's candidate, not answered yet, must stay for its answer.
 */
Test(handshake, delayed_old_init_keeps_the_new_attempt)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, 0x11000001u, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, 0x11000001u, 0x33000001u,
			       peer1_only, FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	expect_fwd(out_init(e, HOST, PEER1, 0x11000001u, 2 * FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * More answers than candidates, and the inside host uses the last: the
 * box passed the earlier ones, but the network lost them after it (or
 * reordered them), so the first INIT ACK to reach the host (RFC 9260
 * 5.2.3) is one the box had no room to keep.  The host's COOKIE ECHO
 * names it; the peer's COOKIE ACK confirms it, with the addresses the
 * answers listed.
 */
Test(handshake, init_answered_past_the_candidates_used)
{
	const uint32_t last = 0x33000006u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_assoc_view v;
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	for (uint32_t i = 1; i <= 6; i++) {
		expect_fwd(out_init(e, HOST, PEER1, TI, (1 + i) * FX_SEC, &p));
		expect_fwd(in_init_ack(e, PEER1, port, TI, 0x33000000u + i,
				       both_peers, (1 + i) * FX_SEC));
	}
	expect_fwd(out_cookie_echo(e, last, 8 * FX_SEC));
	cr_assert_neq(view(e).state, ASSOC_ESTABLISHED, "not before its ACK");
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    8 * FX_SEC));
	v = view(e);
	cr_assert_eq(v.state, ASSOC_ESTABLISHED);
	cr_assert_eq(v.tag_inside, TI);
	cr_assert_eq(v.tag_peer, last);
	cr_assert_eq(v.n_paths, 2, "the answers' addresses");
	works(e, port, TI, last, 9 * FX_SEC);
	expect_fwd(in_data(e, PEER2, port, TI, 9 * FX_SEC));
	expect_drop(out_data(e, HOST, PEER1, 0x33000001u, 9 * FX_SEC, &p),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/*
 * The peer restarts and sends its INIT six times; the inside host, with
 * no state for it, answers each with a new tag (RFC 9260 5.2.2) and the
 * peer uses the last to reach it.  Its COOKIE ECHO must pass, and the
 * host's COOKIE ACK makes that pair live.
 */
Test(handshake, peer_restart_answered_many_times)
{
	const uint32_t tp2 = 0x44444444u, ti2 = 0x35000000u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct engine_assoc_view v;
	struct pb p;

	for (uint32_t i = 1; i <= 6; i++) {
		expect_fwd(in_init(e, PEER1, port, tp2, both_peers,
				   (1 + i) * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, tp2, ti2 + i,
					(1 + i) * FX_SEC, &p));
		works(e, port, TI, TP, (1 + i) * FX_SEC);
	}
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2 + 6);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 8 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(view(e).tag_inside, TI, "nothing changed yet");
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 8 * FX_SEC));
	v = view(e);
	cr_assert_eq(v.tag_inside, ti2 + 6);
	cr_assert_eq(v.tag_peer, tp2);
	cr_assert_eq(v.n_paths, 2, "the restart's addresses");
	works(e, port, ti2 + 6, tp2, 9 * FX_SEC);
	expect_drop(in_data(e, PEER1, port, ti2 + 1, 9 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	engine_destroy(e);
}

/*
 * The peer restarts, its COOKIE ECHO passes, and it restarts again
 * before the inside host's COOKIE ACK passes the box (both crossed in
 * the network).  The first restart completes; the second, sharing no
 * tag with it, must stay aside and complete after it.
 */
Test(handshake, restart_during_pending_restart_completes)
{
	const uint32_t tp2 = 0x44444444u, ti2 = 0x33333333u;
	const uint32_t tp3 = 0x46464646u, ti3 = 0x37373737u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct engine_assoc_view v;
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp3, both_peers, 3 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, ti2, "the first restart is live");
	expect_fwd(out_init_ack(e, PEER1, tp3, ti3, 3 * FX_SEC, &p));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti3);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC));
	works(e, port, ti2, tp2, 4 * FX_SEC);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp3, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC));
	v = view(e);
	cr_assert_eq(v.tag_inside, ti3);
	cr_assert_eq(v.tag_peer, tp3);
	cr_assert_eq(v.n_paths, 2);
	works(e, port, ti3, tp3, 5 * FX_SEC);
	engine_destroy(e);
}

/*
 * A copy of the host's first INIT, late from the network, reaches the
 * peer after the handshake, and the peer answers it again and again
 * with new tags.  The host discards those (RFC 9260 5.2.3); they must
 * not take the room the peer's own restart needs afterwards.
 */
Test(handshake, late_init_copy_leaves_room_for_a_restart)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	for (uint32_t i = 1; i <= 4; i++)
		(void)in_init_ack(e, PEER1, port, TI, 0x39000000u + i,
				  both_peers, 2 * FX_SEC);
	works(e, port, TI, TP, 2 * FX_SEC);
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 3 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * Crossed INITs (RFC 9260 5.2.1) while blind INITs arrive from the
 * peer's address: the inside host answers every INIT with its own tag,
 * and the blind ones, enough to fill every candidate slot, push the
 * peer's INIT's candidate out.  The pair is
 * also the inside host's own INIT's (the peer answered it with its own
 * tag), so the peer's COOKIE ECHO and the host's COOKIE ACK complete
 * it there.
 */
Test(handshake, collision_completes_past_blind_inits)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	for (uint32_t i = 1; i <= ASSOC_CANDS - 1; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   2 * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i, TI,
					2 * FX_SEC, &p));
	}
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * A blind INIT from the peer's address listing the forger's, answered
 * (in a collision) with the inside host's own tag: that tag must not
 * let the forger's address complete the handshake or pass.
 */
Test(handshake, blind_init_list_vouches_for_nothing)
{
	static const char *const evil[] = { EVIL, NULL };
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, evil, FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, TI, FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	expect_drop(in_data(e, EVIL, port, TI, 2 * FX_SEC),
		    DROP_OUT_OF_THE_BLUE);
	cr_assert_neq(view(e).state, ASSOC_ESTABLISHED);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	cr_assert_eq(view(e).n_paths, 1);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * A blind INIT from the peer's address listing the forger's own, which
 * the inside host answers with a new tag; someone who learned that tag
 * sends the COOKIE ECHO from the listed address.  A COOKIE ECHO comes
 * from where its INIT came: it is dropped, and changes nothing.
 */
Test(handshake, cookie_echo_from_an_address_the_init_only_listed)
{
	static const char *const evil[] = { EVIL, NULL };
	const uint32_t ti2 = 0x33333333u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, evil, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, ti2, 2 * FX_SEC, &p));
	cookie_echo(&p, EVIL, PUB, 3868, port, ti2);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, 0x66000001u, SCTP_CID_COOKIE_ACK,
		 0);
	(void)fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	cr_assert_eq(view(e).tag_inside, TI);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * Crossed INITs again, the blind INITs (enough to fill every candidate
 * slot) arriving before the inside host answers the peer's INIT: its
 * INIT ACK carries the pair its own INIT's
 * candidate already holds, and must pass though the peer's INIT's
 * candidate is gone.
 */
Test(handshake, collision_answer_passes_past_blind_inits)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, FX_SEC));
	expect_fwd(in_init(e, PEER1, port, TP, NULL, FX_SEC));
	for (uint32_t i = 1; i <= ASSOC_CANDS - 1; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   2 * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i, TI,
					2 * FX_SEC, &p));
	}
	expect_fwd(out_init_ack(e, PEER1, TP, TI, 2 * FX_SEC, &p));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), PEER1);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * No collision: the peer answered a copy of the inside host's INIT (a
 * late one, perhaps, of an attempt the host has given up) with tag tp2,
 * and the host never gave that pair to any INIT of the peer.  A COOKIE
 * ECHO of the peer carrying the host's INIT tag is then a late copy for
 * another pair (the peer sends one only for an INIT ACK it got, RFC
 * 9260 5.1 B): it must not select the pair, nor the host's COOKIE ACK
 * for the pair it really set up with tp2 take it
 * (fuzz_adversary-stale-cookie-echo-selects-mixed-pair).
 */
Test(handshake, peer_cookie_echo_selects_no_pair_the_host_never_gave)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti2, 2 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti2, tp2, peer1_only, 2 * FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	(void)fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	cr_assert_eq(view(e).tag_inside, TI);
	cr_assert_eq(view(e).tag_peer, TP);
	works(e, port, TI, TP, 3 * FX_SEC);
	/* The host's own COOKIE ECHO for the pair still completes it. */
	expect_fwd(out_cookie_echo(e, tp2, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti2, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, ti2);
	works(e, port, ti2, tp2, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * The mirror of the one above: the peer restarts and the inside host
 * answers its INIT with ti2, but no answer of the peer carrying tp2 as
 * its own tag passed the box, so the host never got one (RFC 9260 5.1 B:
 * a COOKIE ECHO answers an INIT ACK).  A COOKIE ECHO of the host with
 * tp2 is a late copy for an older pair (an old INIT collision, whose
 * answers the box passed long ago): it must not select (ti2, tp2), nor
 * the peer's COOKIE ACK then take the association there
 * (fuzz_adversary-late-cookie-echo-of-old-collision).
 */
Test(handshake, host_cookie_echo_selects_no_pair_the_peer_never_gave)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	cr_assert_neq(out_cookie_echo(e, tp2, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	(void)in_chunk(e, PEER1, port, ti2, SCTP_CID_COOKIE_ACK, 0, 2 * FX_SEC);
	still_on(e, port, TI, TP, 3 * FX_SEC);
	/* The peer's own COOKIE ECHO for the pair still completes it. */
	restart_completes(e, port, ti2, tp2, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * Crossed INITs (RFC 9260 5.2.1), the peer's answer first: it fills the
 * inside host's INIT's candidate (TI, TP).  A late copy of the host's
 * INIT of an attempt it gave up (ti0, answered and retired) looks like a
 * new attempt and retires that candidate too; the host's collision
 * answer, carrying TI, then fills only the peer's INIT's.  The peer did
 * answer TI with TP, so the host's COOKIE ECHO for the pair must pass
 * and the handshake complete there.
 */
Test(handshake, host_cookie_echo_passes_when_its_inits_candidate_retired)
{
	const uint32_t ti0 = 0x11000001u, tp0 = 0x22000001u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti0, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init_ack(e, PEER1, port, ti0, tp0, peer1_only, FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, TP, NULL, 2 * FX_SEC));
	expect_fwd(in_init_ack(e, PEER1, port, TI, TP, peer1_only, 2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti0, 2 * FX_SEC, &p));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, 2 * FX_SEC, &p));
	expect_fwd(out_cookie_echo(e, TP, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, TI, TP, 4 * FX_SEC);
	engine_destroy(e);
}

/* ---- a mapping still closing when the inside host reconnects ---- */

/* The inside host shut down and the peer acknowledged (RFC 9260 9.2);
 * the inside host's SHUTDOWN COMPLETE has not passed the box yet. */
static uint16_t shut_acked(struct engine *e)
{
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	return port;
}

/*
 * After its SHUTDOWN ACK the peer sends no INIT for the association
 * (9.2): one from its address is a blind forgery or a new association,
 * and without a [forward] rule it does not reach the inside host, which
 * may be reconnecting from the same port.  The close still translates,
 * and once the inside host's own INIT is on the mapping, the peer's INIT
 * is a collision of that handshake (5.2.1) and goes in.
 */
Test(handshake, init_after_the_peers_shutdown_ack_dropped)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = shut_acked(e);
	struct pb p;

	expect_drop(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC),
		    DROP_NO_FORWARD_RULE);
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	cr_assert_eq(view(e).tag_inside, TI);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, 0x11000002u, 3 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	expect_fwd(in_init(e, PEER1, port, 0x66000002u, NULL, 3 * FX_SEC));
	engine_destroy(e);
}

/*
 * The same after an attempt the inside host gave up unanswered (RFC 9260
 * 5.1; an application may make that a matter of seconds,
 * sinit_max_attempts in RFC 6458 8.1.3) before it connected again from
 * the same port with a new tag, which completed.  The first INIT is
 * dead: a host has one attempt at a time on a port pair, and still
 * waiting on it, it would have answered with its tag (5.2.1).  Heard
 * within the setup timeout, it must not pass a blind INIT from the
 * peer's address as that attempt's collision.
 */
Test(handshake, completed_attempt_retires_the_hosts_abandoned_init)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, 0x11000001u, FX_SEC, &p));
	port = establish(e, peer1_only, 2 * FX_SEC);
	cr_assert_eq(port, pkt_sport(p.buf));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    3 * FX_SEC));
	expect_drop(in_init(e, PEER1, port, 0x66000001u, NULL, 4 * FX_SEC),
		    DROP_NO_FORWARD_RULE);
	cr_assert_eq(view(e).tag_inside, TI);
	engine_destroy(e);
}

/* Before the peer's SHUTDOWN ACK, the inside host in SHUTDOWN-SENT
 * answers a restart INIT (5.2.2): it goes in. */
Test(handshake, init_during_the_inside_hosts_shutdown_goes_in)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, TI);
	engine_destroy(e);
}

/*
 * The inside host's SHUTDOWN COMPLETE passes the box and is lost beyond
 * it; the host, closed, reconnects from the same port.  The peer, still
 * in SHUTDOWN-ACK-SENT, discards the new INIT and sends its SHUTDOWN ACK
 * again (RFC 9260 9.2), which the host in COOKIE-WAIT answers with a
 * T-bit SHUTDOWN COMPLETE (8.4 (5), 8.5.1 C): both must pass, or the
 * peer refuses the host's INITs until it gives its SHUTDOWN ACK up.
 * Neither may change the new association, and nothing else of the
 * closed pair passes: no other chunk, no other tag, no other address,
 * no T bit on the wrong side, no damaged checksum.
 */
Test(handshake, closed_pairs_end_passes_while_the_host_reconnects)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = shut_acked(e);
	struct engine_assoc_view v0;
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_fwd(out_init(e, HOST, PEER1, ti2, 3 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	v0 = view(e);
	cr_assert_eq(v0.state, ASSOC_COOKIE_WAIT);

	/* The peer's SHUTDOWN ACK again, to the inside host. */
	fx_chunk(&p, PEER1, PUB, 3868, port, TI, SCTP_CID_SHUTDOWN_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(pkt_dport(p.buf), SPORT);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	/* The host's answer, T bit, its own old tag reflected. */
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TI, SCTP_CID_SHUTDOWN_COMPLETE,
		 SCTP_FLAG_T);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB);
	cr_assert_eq(pkt_sport(p.buf), port);
	cr_assert_eq(pkt_vtag(p.buf), TI);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	/* A late copy of the first SHUTDOWN COMPLETE, the peer's tag. */
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);

	/* Nothing else of the closed pair. */
	expect_drop(in_data(e, PEER1, port, TI, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	expect_drop(in_chunk(e, PEER1, port, TI ^ 1, SCTP_CID_SHUTDOWN_ACK, 0,
			     3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	expect_drop(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_COMPLETE,
			     SCTP_FLAG_T, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	expect_drop(in_chunk(e, PEER2, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			     3 * FX_SEC),
		    DROP_OUT_OF_THE_BLUE);
	expect_drop(in_chunk(e, PEER1, port, TI, SCTP_CID_ABORT, 0, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	pb_ip4(&p, PEER1, PUB);
	pb_sctp(&p, 3868, port, TI);
	pb_simple(&p, SCTP_CID_SHUTDOWN_ACK, 0);
	pb_data(&p, 1, 0, "late", 4);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC),
		    DROP_VTAG_MISMATCH);
	fx_chunk(&p, PEER1, PUB, 3868, port, TI, SCTP_CID_SHUTDOWN_ACK, 0);
	p.buf[20 + 8] ^= 1; /* the CRC32c */
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC).action,
		      ENGINE_FORWARD);
	cr_assert_eq(view(e).state, v0.state);
	cr_assert_eq(view(e).tag_inside, v0.tag_inside);
	cr_assert_eq(view(e).tag_peer, v0.tag_peer);

	/* The peer closed at last: the host's attempt completes. */
	host_attempt_completes(e, port, ti2, tp2, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * The inside host reconnects from the same port and its INIT, answered,
 * passes before the old association's SHUTDOWN COMPLETE; the INIT sent
 * again after that close must not forget the answer the host echoes.
 */
static void count_event(void *arg, const struct engine_event *ev)
{
	unsigned int *n = arg;

	n[ev->type == ENGINE_EV_UP ? 0 : 1] += ev->type != ENGINE_EV_MOVED;
	if (ev->type == ENGINE_EV_UP)
		cr_assert_eq(ev->reason, ENGINE_EVR_NEW, "UP %s",
			     engine_event_reason_name(
				     (enum engine_event_reason)ev->reason));
}

Test(handshake, new_attempt_survives_the_old_close)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	unsigned int n[2] = { 0, 0 };	/* UP, DOWN events */
	uint16_t port;
	struct pb p;

	engine_set_event_cb(e, count_event, n);
	port = shut_acked(e);

	expect_fwd(out_init(e, HOST, PEER1, ti2, 3 * FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, ti2, tp2, peer1_only,
			       3 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_fwd(out_init(e, HOST, PEER1, ti2, 4 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	expect_fwd(out_cookie_echo(e, tp2, 4 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti2, SCTP_CID_COOKIE_ACK, 0,
			    4 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	works(e, port, ti2, tp2, 5 * FX_SEC);
	/* The old association went down once, at its close; the new one
	 * came up as new, not as a restart of it. */
	cr_assert_eq(n[0], 2);
	cr_assert_eq(n[1], 1);
	engine_destroy(e);
}

/*
 * A COOKIE ECHO sent again after the handshake is answered by the peer
 * (RFC 9260 5.2.4 D), but a copy reaching the box after the association
 * ended would set it up again at a closed, listening peer, alone.  So
 * would one after the peer's SHUTDOWN ACK (the peer may close before the
 * copy arrives), when neither end is in COOKIE-ECHOED, the only state
 * that sends one (5.1 C, E): dropped already then, both ways.
 */
Test(handshake, cookie_echo_after_the_close_goes_nowhere)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = shut_acked(e);
	struct engine_verdict v;
	struct pb p;

	cr_assert_neq(out_cookie_echo(e, TP, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	v = out_cookie_echo(e, TP, 2 * FX_SEC);
	cr_assert_neq(v.action, ENGINE_FORWARD);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	/* Its close still translates. */
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    2 * FX_SEC));
	engine_destroy(e);
}

/*
 * A copy of the INIT that set up an association, late from the network
 * after the association closed: its sender is past it (RFC 9260 5.1
 * retransmits the INIT only in COOKIE-WAIT; a new attempt draws a new
 * tag).  It sets nothing up, so a blind INIT from the peer's address
 * finds no handshake to collide with and stays out
 * (fuzz_adversary-init-copy-after-close), and the peer's answer to the
 * copy finds nothing either.  The inside host's real new attempt, with
 * a new tag, works.
 */
Test(handshake, init_copy_after_the_close_sets_nothing_up)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = shut_acked(e);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_drop(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p),
		    DROP_INIT_LATE);
	cr_assert_eq(view(e).state, ASSOC_CLOSED, "nothing set up");
	expect_drop(in_init(e, PEER1, port, 0x5a5a5a5au, NULL, 2 * FX_SEC),
		    DROP_NO_FORWARD_RULE);
	cr_assert_neq(in_init_ack(e, PEER1, port, TI, tp2, peer1_only,
				  2 * FX_SEC)
			      .action,
		      ENGINE_FORWARD);
	/* Its close still translates. */
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti2, 3 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	host_attempt_completes(e, port, ti2, tp2, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * The same for a copy of the INIT of the pair a restart replaced before
 * the association closed: both ends left that tag with the restart
 * (RFC 9260 5.2.4 A), and the box remembers the pair as dead
 * (assoc_tag_gone).  Taken as new on the closed mapping, whose release
 * forgot the dead pair, it let the peer's late answer and the inside
 * host's late COOKIE ECHO of that pair through, and the peer, listening,
 * set the association up again alone (5.1 D;
 * fuzz_adversary-replaced-init-after-close).
 */
Test(handshake, replaced_pairs_init_after_the_close_sets_nothing_up)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	const uint32_t ti3 = 0x11000003u, tp3 = 0x22000003u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti2, 2 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti2, tp2, peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, tp2, 2 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti2, SCTP_CID_COOKIE_ACK, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, ti2);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti2, SCTP_CID_SHUTDOWN_ACK, 0,
			    3 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_drop(out_init(e, HOST, PEER1, TI, 3 * FX_SEC, &p),
		    DROP_INIT_LATE);
	cr_assert_eq(view(e).state, ASSOC_CLOSED, "nothing set up");
	cr_assert_neq(in_init_ack(e, PEER1, port, TI, TP, peer1_only,
				  3 * FX_SEC)
			      .action,
		      ENGINE_FORWARD);
	cr_assert_neq(out_cookie_echo(e, TP, 3 * FX_SEC).action,
		      ENGINE_FORWARD);
	expect_fwd(out_init(e, HOST, PEER1, ti3, 4 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	host_attempt_completes(e, port, ti3, tp3, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * Once the inside host's new attempt has the mapping, the closed
 * association's handshake, late from the network, must not take it: a
 * copy of its INIT goes through but the peer's answer to it, and a copy
 * of its old INIT ACK and COOKIE ECHO, are dropped.  The COOKIE ECHO
 * would set the closed association up again at a listening peer, alone
 * (RFC 9260 5.1 D; fuzz_adversary-closed-pair-revived), while the new
 * attempt still completes.
 */
Test(handshake, closed_pair_stays_closed_under_a_new_attempt)
{
	const uint32_t ti2 = 0x11000002u, tp2 = 0x22000002u;
	const uint32_t tp3 = 0x22000003u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = shut_acked(e);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti2, 3 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	expect_fwd(out_init(e, HOST, PEER1, TI, 3 * FX_SEC, &p));
	cr_assert_neq(in_init_ack(e, PEER1, port, TI, tp3, peer1_only,
				  3 * FX_SEC)
			      .action,
		      ENGINE_FORWARD, "an answer to the old INIT");
	cr_assert_neq(in_init_ack(e, PEER1, port, TI, TP, peer1_only,
				  3 * FX_SEC)
			      .action,
		      ENGINE_FORWARD, "the old INIT ACK");
	cr_assert_neq(out_cookie_echo(e, TP, 3 * FX_SEC).action, ENGINE_FORWARD,
		      "the old COOKIE ECHO");
	cr_assert_neq(out_cookie_echo(e, tp3, 3 * FX_SEC).action,
		      ENGINE_FORWARD);
	host_attempt_completes(e, port, ti2, tp2, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * The same tag before the association came up is the inside host still
 * trying: the peer's ABORT closed the mapping but was lost after the
 * box, and the host retransmits its INIT (RFC 9260 5.1, T1-init) to a
 * peer that may listen by now.  It starts afresh, and completes: a
 * check for late INIT copies that looked at the closed mapping's
 * handshake, not at the pair it had agreed, would refuse it.
 */
Test(handshake, init_retransmitted_after_an_abort_before_up_starts_afresh)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_ABORT, 0, FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	host_attempt_completes(e, pkt_sport(p.buf), TI, TP, 2 * FX_SEC);
	engine_destroy(e);
}

/*
 * Nor from an end whose own SHUTDOWN has passed (RFC 9260 9.2: sent
 * from ESTABLISHED or later, past COOKIE-ECHOED, 5.1 C, E).  The peer's
 * SHUTDOWN ACKs may still be in the network when it gives them up and
 * closes; a copy of the inside host's COOKIE ECHO passing then set the
 * association up again there, alone, while the inside host, answered at
 * last by a late SHUTDOWN ACK, closed too
 * (fuzz_adversary-stale-cookie-echo-during-shutdown).  The other end's
 * COOKIE ECHO still passes: after an INIT collision it may still be in
 * COOKIE-ECHOED, waiting for the COOKIE ACK it draws (5.2.4 D).
 */
Test(handshake, cookie_echo_after_its_senders_shutdown_goes_nowhere)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_neq(out_cookie_echo(e, TP, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	/* The shutdown itself still translates. */
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    3 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_SHUTDOWN);
	engine_destroy(e);
}

/*
 * Nor once the association has closed, whatever candidate its tag
 * selects.  The inside host gave its first INIT up (RFC 9260 5.1,
 * Max.Init.Retransmits) and tried again, while the peer, in COOKIE-WAIT
 * after its own INIT, answered both with its tag (5.2.1); the second
 * attempt completed and both ends shut it down.  Then the peer's answer
 * to a late copy of the first INIT filled that INIT's candidate with
 * the closed pair's peer tag, and a late copy of the inside host's
 * COOKIE ECHO of the closed pair selected it: it set the association up
 * again at the listening peer, alone (5.1 D; the harness's
 * fuzz_adversary-init-copy-after-close-2 under that retransmission
 * bound).
 */
Test(handshake, closed_pairs_cookie_echo_selects_no_late_answer)
{
	const uint32_t ti0 = 0x11000000u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti0, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, TI, 2 * FX_SEC, &p));
	cr_assert_eq(pkt_sport(p.buf), port);
	host_attempt_completes(e, port, TI, TP, 2 * FX_SEC);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN_ACK, 0,
			    4 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	/* Whether it passes or not, the inside host discards it (5.2.3). */
	in_init_ack(e, PEER1, port, ti0, TP, peer1_only, 5 * FX_SEC);
	cr_assert_neq(out_cookie_echo(e, TP, 5 * FX_SEC).action, ENGINE_FORWARD,
		      "the closed pair's COOKIE ECHO");
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	engine_destroy(e);
}

/*
 * While the association lives, a pair sharing its tag is no stale one:
 * the inside host, its COOKIE ACK lost after the box, is still in
 * COOKIE-ECHOED when the peer restarts, and answers the peer's INIT
 * with its own tag, the live one (RFC 9260 5.2.1).  The peer's COOKIE
 * ECHO with that tag selects the restart's pair, and the inside host's
 * COOKIE ACK confirms it (5.2.4 B at the inside host).
 */
Test(handshake, restart_answered_from_cookie_echoed_keeps_the_live_tag)
{
	const uint32_t tp2 = 0x22000002u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, TI, 2 * FX_SEC, &p));
	restart_completes(e, port, TI, tp2, 3 * FX_SEC);
	engine_destroy(e);
}

/* The same for the peer's SHUTDOWN and its COOKIE ECHO. */
Test(handshake, peer_cookie_echo_after_its_shutdown_goes_nowhere)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(
		in_chunk(e, PEER1, port, TI, SCTP_CID_SHUTDOWN, 0, 2 * FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC).action,
		      ENGINE_FORWARD);
	expect_fwd(out_cookie_echo(e, TP, 2 * FX_SEC));
	engine_destroy(e);
}

/*
 * A restart that completes after the inside host's SHUTDOWN (the peer's
 * INIT goes in then, 5.2.2) is a new pair: a copy of a COOKIE ECHO with
 * its tags passes as after any handshake (5.2.4 D); the old pair's
 * SHUTDOWN, late, says nothing of it.
 */
Test(handshake, restart_after_the_inside_hosts_shutdown_forgets_it)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 3 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 4 * FX_SEC);
	expect_fwd(out_cookie_echo(e, tp2, 6 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, TP, SCTP_CID_SHUTDOWN, 0);
	fx_run(e, &p, ENGINE_OUTBOUND, 6 * FX_SEC);
	expect_fwd(out_cookie_echo(e, tp2, 6 * FX_SEC));
	engine_destroy(e);
}

/*
 * A blind INIT from the peer's address arrives first and the inside host
 * answers it late, after the peer's genuine restart INIT that came next;
 * then two more blind INITs fill the candidates and a third needs room.
 * The INIT longest in the box goes: the blind one, not the restart that
 * its late answer would have made look the oldest.  The inside host
 * answers every INIT (RFC 9260 5.2.2), so an answer says nothing of the
 * INIT it answers; the genuine restart completes within a round trip.
 */
Test(handshake, late_answer_to_a_blind_init_does_not_age_the_restart)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 3 * FX_SEC, &p));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, 0x77000001u,
				4 * FX_SEC, &p));
	for (uint32_t i = 2; i <= 4; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   (3 + i) * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i,
					0x77000000u + i, (3 + i) * FX_SEC,
					&p));
	}
	restart_completes(e, port, ti2, tp2, 8 * FX_SEC);
	engine_destroy(e);
}

/*
 * The same when the inside host's own INIT needs the room: both ends
 * restart, the peer's INIT not yet answered, and the candidates full of
 * blind INITs, one older than the peer's but answered after it arrived.
 * The oldest INIT goes, so the inside host's collision answer to the
 * peer's INIT (RFC 9260 5.2.1) still finds its candidate.
 */
Test(handshake, own_init_pushes_out_the_oldest_inbound_init)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 3 * FX_SEC));
	for (uint32_t i = 2; i <= 3; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   4 * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i,
					0x77000000u + i, 4 * FX_SEC, &p));
	}
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, 0x77000001u,
				5 * FX_SEC, &p));
	expect_fwd(out_init(e, HOST, PEER1, ti2, 6 * FX_SEC, &p));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 6 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 7 * FX_SEC);
	engine_destroy(e);
}

/*
 * The peer restarts and retransmits its INIT (T1-init, RFC 9260 5.1)
 * while blind INITs from its address fill the candidates, all within the
 * same instant; a fourth blind INIT needs room.  The restart was heard
 * again after the first three, so one of them goes, not the restart:
 * its COOKIE ECHO with the first answer's tag (5.2.3) completes it.
 * Blind INITs each sent once must not outlast an INIT its sender keeps
 * repeating.
 */
Test(handshake, retransmitted_restart_outlasts_blind_inits)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	for (uint32_t i = 1; i <= 3; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   3 * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i,
					0x77000000u + i, 3 * FX_SEC, &p));
	}
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, 0x55555555u, 3 * FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, 0x66000004u, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000004u, 0x77000004u,
				3 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 4 * FX_SEC);
	engine_destroy(e);
}

/*
 * The inside host answers a blind INIT on a live association (RFC 9260
 * 5.2.2: it answers every INIT) and lists an address of its own the
 * association has no binding for.  The answer binds nothing: the live
 * mapping keeps its one binding until a COOKIE ECHO accepts the
 * handshake, and the answer advertises only what is bound.
 */
Test(handshake, answer_to_a_blind_init_binds_no_new_address)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	char addrs[4][48];
	struct pb p;

	cr_assert_eq(view(e).n_locals, 1);
	expect_fwd(in_init(e, PEER1, port, 0x66000001u, NULL, 2 * FX_SEC));
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, SPORT, 3868, 0x66000001u);
	pb_init(&p, SCTP_CID_INIT_ACK, 0x77000001u);
	pb_param_addr(&p, HOST);
	pb_param_addr(&p, HOST2);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "host-cookie", 11);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(view(e).n_locals, 1, "the answer bound %u addresses",
		     view(e).n_locals);
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 4), 1);
	cr_assert_str_eq(addrs[0], PUB);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * A blind INIT from the peer's address listing the forger's own, which
 * the inside host answers with a new tag; someone who learned that tag
 * sends an ABORT from the listed address.  Only the INIT's source
 * speaks for a peer's INIT before its handshake completes: the ABORT is
 * dropped, and the answer's tag still works from there.
 */
Test(handshake, abort_from_an_address_the_init_only_listed)
{
	static const char *const evil[] = { EVIL, NULL };
	const uint32_t ti2 = 0x33333333u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, 0x66000001u, evil, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, 0x66000001u, ti2, 2 * FX_SEC, &p));
	cr_assert_neq(in_chunk(e, EVIL, port, ti2, SCTP_CID_ABORT, 0,
			       2 * FX_SEC).action,
		      ENGINE_FORWARD, "the ABORT from the listed address passed");
	expect_fwd(in_chunk(e, PEER1, port, ti2, SCTP_CID_ABORT, 0,
			    2 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, TI);
	works(e, port, TI, TP, 3 * FX_SEC);
	engine_destroy(e);
}

/*
 * The peer restarts and the inside host answers; four blind INITs from
 * the peer's address follow before the peer's COOKIE ECHO, each
 * answered too (RFC 9260 5.2.2).  The association keeps room for the
 * restart past them: its COOKIE ECHO with the answer's tag completes it.
 */
Test(handshake, restart_completes_past_four_blind_inits)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	for (uint32_t i = 1; i <= 4; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x66000000u + i, NULL,
				   (2 + i) * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x66000000u + i,
					0x77000000u + i, (2 + i) * FX_SEC,
					&p));
	}
	restart_completes(e, port, ti2, tp2, 7 * FX_SEC);
	engine_destroy(e);
}

/*
 * Both ends restart at once (an INIT collision, RFC 9260 5.2.1): the
 * inside host, in COOKIE-WAIT, answers the peer's INIT and two blind ones
 * from its address with its own tag, and the peer's COOKIE ECHO, which
 * carries only that tag, selects all three; no COOKIE ACK passes.  Both
 * restart again: the peer answers a late copy of the inside host's old
 * INIT with its new tag, and a late copy of its old COOKIE ECHO selects
 * that pair too.  The peer's new INIT arrives after a further blind one,
 * then the inside host's new INIT needs room.  The inside host answers
 * with its new tag now, so the peer's INIT is no sibling of the old
 * attempt's selected pair: the blind INIT, heard longest ago, goes, and
 * the inside host's answer to the peer (its collision INIT ACK) passes.
 */
Test(handshake, new_attempt_keeps_the_peers_init_past_an_old_selected_pair)
{
	const uint32_t ti1 = 0x33333333u, tp1 = 0x44444444u;
	const uint32_t ti2 = 0x55555555u, tp2 = 0x66666666u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti1, 2 * FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, tp1, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp1, ti1, 2 * FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, ti1, tp1, peer1_only,
			       2 * FX_SEC));
	for (uint32_t i = 1; i <= 2; i++) {
		expect_fwd(in_init(e, PEER1, port, 0x77000000u + i, NULL,
				   3 * FX_SEC));
		expect_fwd(out_init_ack(e, PEER1, 0x77000000u + i, ti1,
					3 * FX_SEC, &p));
	}
	cookie_echo(&p, PEER1, PUB, 3868, port, ti1);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC));
	expect_fwd(out_cookie_echo(e, tp1, 4 * FX_SEC));
	/* Both restart again; old packets still in the network. */
	expect_fwd(out_init(e, HOST, PEER1, ti1, 5 * FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, ti1, tp2, peer1_only,
			       5 * FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti1);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 5 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, 0x77000003u, NULL, 6 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 7 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti2, 8 * FX_SEC, &p));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 8 * FX_SEC, &p));
	expect_fwd(in_init_ack(e, PEER1, port, ti2, tp2, peer1_only,
			       8 * FX_SEC));
	restart_completes(e, port, ti2, tp2, 9 * FX_SEC);
	engine_destroy(e);
}

/*
 * The peer restarts and the restart completes; then late copies of the
 * first handshake's four packets arrive, in order (the inside host's
 * INIT, the peer's INIT ACK, the COOKIE ECHO, the COOKIE ACK).  Both
 * ends have left that pair (RFC 9260 5.2.4: its cookie's Tie-Tags
 * predate the restart), so the box must not take it back: the restart's
 * pair stays live.
 */
Test(handshake, late_copy_of_an_old_handshake_sets_nothing_up)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	restart_completes(e, port, ti2, tp2, 3 * FX_SEC);
	(void)out_init(e, HOST, PEER1, TI, 4 * FX_SEC, &p);
	(void)in_init_ack(e, PEER1, port, TI, TP, peer1_only, 4 * FX_SEC);
	(void)out_cookie_echo(e, TP, 4 * FX_SEC);
	(void)in_chunk(e, PEER1, port, TI, SCTP_CID_COOKIE_ACK, 0,
		       4 * FX_SEC);
	still_on(e, port, ti2, tp2, 5 * FX_SEC);
	engine_destroy(e);
}

/*
 * The same for a handshake the box never saw complete: the peer
 * restarts, its COOKIE ECHO passes but the inside host's COOKIE ACK is
 * lost before the box, and both ends are on that pair when the peer
 * restarts again and that one completes.  The first restart's whole
 * handshake, late from the network, must not take the association to
 * it (fuzz_adversary-abandoned-restart-revived): its cookie predates
 * the live pair, and both ends discard it (RFC 9260 5.2.4 A, C).
 */
Test(handshake, late_copy_of_an_abandoned_restart_sets_nothing_up)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	const uint32_t ti3 = 0x55555555u, tp3 = 0x66666666u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	expect_fwd(in_init(e, PEER1, port, tp3, NULL, 3 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp3, ti3, 3 * FX_SEC, &p));
	restart_completes(e, port, ti3, tp3, 3 * FX_SEC);
	(void)in_init(e, PEER1, port, tp2, NULL, 5 * FX_SEC);
	cr_assert_neq(out_init_ack(e, PEER1, tp2, ti2, 5 * FX_SEC, &p).action,
		      ENGINE_FORWARD);
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	cr_assert_neq(fx_run(e, &p, ENGINE_INBOUND, 5 * FX_SEC).action,
		      ENGINE_FORWARD);
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	cr_assert_neq(fx_run(e, &p, ENGINE_OUTBOUND, 5 * FX_SEC).action,
		      ENGINE_FORWARD);
	still_on(e, port, ti3, tp3, 6 * FX_SEC);
	engine_destroy(e);
}

/*
 * Both ends restart at once (RFC 9260 5.2.1); the peer answers the inside
 * host's INIT with its own tag and the host's COOKIE ECHO passes, but the
 * host's own collision answer to the peer's INIT is still in the network
 * when the host restarts again and that handshake completes.  The first
 * pair is dead (remembered so, assoc_tag_gone), yet the peer's INIT's
 * candidate, unanswered, stayed aside.  The late collision answer,
 * carrying the dead inside tag, must not fill it: with the late copies
 * of the peer's COOKIE ECHO and COOKIE ACK it took the association back
 * to the dead pair (fuzz_adversary-late-collision-answer-revives).
 */
Test(handshake, late_collision_answer_with_a_dead_tag_sets_nothing_up)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	const uint32_t ti3 = 0x55555555u, tp3 = 0x66666666u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti2, 2 * FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti2, tp2, peer1_only, 2 * FX_SEC));
	expect_fwd(out_cookie_echo(e, tp2, 2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti3, 3 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti3, tp3, peer1_only, 3 * FX_SEC));
	expect_fwd(out_cookie_echo(e, tp3, 3 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti3, SCTP_CID_COOKIE_ACK, 0,
			    3 * FX_SEC));
	cr_assert_eq(view(e).tag_inside, ti3);
	(void)out_init_ack(e, PEER1, tp2, ti2, 4 * FX_SEC, &p);
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	(void)fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC);
	(void)out_cookie_echo(e, tp2, 4 * FX_SEC);
	(void)in_chunk(e, PEER1, port, ti2, SCTP_CID_COOKIE_ACK, 0, 4 * FX_SEC);
	still_on(e, port, ti3, tp3, 5 * FX_SEC);
	engine_destroy(e);
}

/*
 * Both ends restart at once (RFC 9260 5.2.1): the inside host's INIT ti2
 * and the peer's INIT tp2 collide, each answers the other with its own
 * tag, and the peer's COOKIE ECHO passes; the box sees no COOKIE ACK.
 * Both restart again (host INIT ti3, answered with tp3).  The host's
 * INIT ti2 is a new tag to the box now that ti3's has taken its slot,
 * but the host has used it already (its collision answer): that INIT
 * and its whole handshake, late from the network, are copies of the
 * past.  Shared by the two tests below; returns the public port.
 */
static uint16_t both_restart_twice(struct engine *e, uint32_t ti2, uint32_t tp2,
				   uint32_t ti3, uint32_t tp3)
{
	uint16_t port = establish(e, peer1_only, FX_SEC);
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, ti2, 2 * FX_SEC, &p));
	expect_fwd(in_init(e, PEER1, port, tp2, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, tp2, ti2, 2 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti2, tp2, peer1_only, 2 * FX_SEC));
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	expect_fwd(out_init(e, HOST, PEER1, ti3, 3 * FX_SEC, &p));
	expect_fwd(
		in_init_ack(e, PEER1, port, ti3, tp3, peer1_only, 3 * FX_SEC));
	return port;
}

/*
 * The late INIT ti2 arrives while the host's COOKIE ECHO for (ti3, tp3)
 * is on its way: it is no new attempt, and must not push out the
 * answered candidate of the host's newer one
 * (fuzz_adversary-late-host-inits-after-restart-answer).
 */
Test(handshake, late_init_of_an_older_attempt_keeps_the_newer_answer)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	const uint32_t ti3 = 0x55555555u, tp3 = 0x66666666u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = both_restart_twice(e, ti2, tp2, ti3, tp3);
	struct pb p;

	(void)out_init(e, HOST, PEER1, ti2, 4 * FX_SEC, &p);
	expect_fwd(out_cookie_echo(e, tp3, 4 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti3, SCTP_CID_COOKIE_ACK, 0,
			    4 * FX_SEC));
	still_on(e, port, ti3, tp3, 5 * FX_SEC);
	engine_destroy(e);
}

/*
 * Late copies of the first collision's handshake (the host's INIT ti2,
 * the peer's INIT ACK, the peer's COOKIE ECHO) pass before the newer
 * pair (ti3, tp3) completes, and the host's COOKIE ACK for (ti2, tp2)
 * after: the association stays on the newer pair
 * (fuzz_adversary-late-host-cookie-ack-reverts-pair).
 */
Test(handshake, late_cookie_ack_of_an_older_attempt_reverts_nothing)
{
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	const uint32_t ti3 = 0x55555555u, tp3 = 0x66666666u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = both_restart_twice(e, ti2, tp2, ti3, tp3);
	struct pb p;

	(void)out_init(e, HOST, PEER1, ti2, 4 * FX_SEC, &p);
	(void)in_init_ack(e, PEER1, port, ti2, tp2, peer1_only, 4 * FX_SEC);
	cookie_echo(&p, PEER1, PUB, 3868, port, ti2);
	(void)fx_run(e, &p, ENGINE_INBOUND, 4 * FX_SEC);
	expect_fwd(out_cookie_echo(e, tp3, 4 * FX_SEC));
	expect_fwd(in_chunk(e, PEER1, port, ti3, SCTP_CID_COOKIE_ACK, 0,
			    4 * FX_SEC));
	fx_chunk(&p, HOST, PEER1, SPORT, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	(void)fx_run(e, &p, ENGINE_OUTBOUND, 4 * FX_SEC);
	still_on(e, port, ti3, tp3, 5 * FX_SEC);
	engine_destroy(e);
}

/*
 * What the view and the state file show of a handshake not complete yet
 * (handshake_cand_view_tags): the inside host's INIT, unanswered, gone
 * with the setup timeout while its collision with the peer's INIT goes on
 * (RFC 9260 5.2.1: the host answered with its own tag), a blind INIT from
 * the peer's address, and the host's answer to it with the same tag,
 * must not take the peer's INIT's place there: the later of two INITs
 * from the peer's address is no more likely the real one.
 */
Test(handshake, blind_init_takes_no_collisions_place_in_the_view)
{
	const uint64_t later = 16 * FX_SEC + FX_SEC / 2;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, 2 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, 2 * FX_SEC, &p));
	if (in_init(e, PEER1, port, 0x66000001u, NULL, later).action ==
	    ENGINE_FORWARD)
		(void)out_init_ack(e, PEER1, 0x66000001u, TI, later, &p);
	cr_assert_eq(view(e).tag_inside, TI, "tags %08x/%08x",
		     view(e).tag_inside, view(e).tag_peer);
	cr_assert_eq(view(e).tag_peer, TP);
	engine_destroy(e);
}

/*
 * The view and the state file show a handshake that can still complete:
 * the inside host's INIT, 15.5 s old and past the setup timeout, can no
 * longer, while the collision the peer's INIT began at 15 s can.  Shown
 * the old one instead, the view changed to the collision as soon as any
 * INIT, a blind one too, took the old one's slot
 * (fuzz_adversary-blind-init-takes-a-stale-slot).
 */
Test(handshake, view_shows_a_live_handshake_before_one_past_the_timeout)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, 15 * FX_SEC));
	expect_fwd(out_init_ack(e, PEER1, TP, TI, 15 * FX_SEC, &p));
	engine_tick(e, 16 * FX_SEC + FX_SEC / 2);
	cr_assert_eq(view(e).state, ASSOC_COOKIE_WAIT);
	cr_assert_eq(view(e).tag_peer, TP, "tags %08x/%08x", view(e).tag_inside,
		     view(e).tag_peer);
	cr_assert_eq(view(e).tag_inside, TI);
	engine_destroy(e);
}

/*
 * The setup timeout runs from the INIT that set the mapping up, and its
 * retransmissions do not extend it (sctpalgd.conf(5)); but the peer's
 * INIT, arriving late in it, starts a handshake of its own (both ends
 * restarting, RFC 9260 5.2.1), and the inside host's answer to it is a
 * step of that one: the mapping lasts the setup timeout from the answer,
 * so the peer's COOKIE ECHO a second later still finds it.
 */
Test(handshake, inside_hosts_answer_keeps_the_mapping_for_the_peers_handshake)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, 15 * FX_SEC));
	expect_fwd(
		out_init_ack(e, PEER1, TP, TI, 15 * FX_SEC + FX_SEC / 2, &p));
	engine_tick(e, 16 * FX_SEC + FX_SEC / 2);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 16 * FX_SEC + FX_SEC / 2));
	engine_destroy(e);
}

/*
 * A mapping past its setup timeout, not yet released by the tick: an INIT
 * from the peer's address (blind, perhaps) finds a handshake that is over.
 * It must not take it back, nor keep it alive: dropped, the view
 * unchanged, and the next tick releases the mapping
 * (fuzz_adversary-blind-init-revives-expired-handshake).
 */
Test(handshake, init_finds_a_handshake_past_its_setup_timeout_over)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_drop(in_init(e, PEER1, port, 0x66000001u, NULL,
			    16 * FX_SEC + FX_SEC / 2),
		    DROP_OUT_OF_THE_BLUE);
	cr_assert_eq(view(e).tag_inside, TI, "tags %08x/%08x",
		     view(e).tag_inside, view(e).tag_peer);
	cr_assert_eq(view(e).tag_peer, 0);
	engine_tick(e, 17 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

/*
 * The peer's INIT passing a millisecond before the setup timeout of the
 * INIT that set the mapping up ends: the inside host's answer, back a
 * few milliseconds later, must still find the mapping (and start the
 * timer again, above).  Nothing else the peer sends extends it.
 */
Test(handshake, peers_init_at_the_setup_timeouts_end_leaves_time_to_answer)
{
	const uint64_t end = 16 * FX_SEC, ms = FX_SEC / 1000;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	expect_fwd(out_init(e, HOST, PEER1, TI, FX_SEC, &p));
	port = pkt_sport(p.buf);
	expect_fwd(in_init(e, PEER1, port, TP, NULL, end - ms));
	engine_tick(e, end + ms);
	expect_fwd(out_init_ack(e, PEER1, TP, TI, end + 2 * ms, &p));
	engine_tick(e, end + 5 * FX_SEC);
	cookie_echo(&p, PEER1, PUB, 3868, port, TI);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, end + 5 * FX_SEC));
	engine_destroy(e);
}
