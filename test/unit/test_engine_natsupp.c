/*
 * test_engine_natsupp.c: interworking with natsupp-aware endpoints
 * (draft-ietf-tsvwg-natsupp-23): the M-bit collision answers, Disable
 * Restart and the VTags parameter.  Packets built by pkt_build and
 * checked field by field with its independent decoders.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define TI	0x11111111u
#define TP	0x22222222u
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"
#define HOST	"192.168.1.10"

static char sbuf[48], dbuf[48];

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static struct engine *one_port_engine(uint16_t lo, uint16_t hi)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	c.port_min = lo;
	c.port_max = hi;
	cr_assert_eq(engine_create(&c, 3, &e), 0);
	return e;
}

/*
 * The answer is a chunk of `type` with chunk flags `flags` (the M bit,
 * and the T bit when the tag is reflected) from `from` back to the host.
 */
static void expect_mbit(const struct pb *p, uint8_t type, uint8_t flags,
			const char *from, uint16_t sport, uint16_t dport,
			uint32_t vtag, uint16_t cause)
{
	uint32_t c = pkt_find_chunk(p->buf, p->len, type, 0);

	cr_assert_str_eq(pkt_src(p->buf, sbuf), from);
	cr_assert_str_eq(pkt_dst(p->buf, dbuf), HOST);
	cr_assert_eq(pkt_sport(p->buf), sport);
	cr_assert_eq(pkt_dport(p->buf), dport);
	cr_assert_eq(pkt_vtag(p->buf), vtag);
	cr_assert(c, "no chunk of type %u", type);
	cr_assert_eq(p->buf[c + 1], flags, "chunk flags 0x%02x, not 0x%02x",
		     p->buf[c + 1], flags);
	cr_assert_eq(p->buf[c + 4] << 8 | p->buf[c + 5], cause);
	cr_assert(pkt_verify_crc(p->buf, p->len));
	cr_assert(pkt_verify_ip4_csum(p->buf));
}

/* ---- 0x00B0: VTag and Port Number Collision on INIT ---- */

Test(natsupp, init_vtag_collision_avoided_by_another_port)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);	/* preserves */
	struct pb p;
	uint16_t first;

	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	first = pkt_sport(p.buf);
	cr_assert_eq(first, 5000);
	/* Same endpoint, same tag, another peer on the same port: the
	 * peers' packets would be found by (public port, 3868, TI). */
	fx_init(&p, HOST, PEER2, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_neq(pkt_sport(p.buf), first);
	engine_destroy(e);
}

Test(natsupp, init_vtag_collision_answered_with_mbit_abort)
{
	struct engine *e = one_port_engine(40000, 40000);
	struct engine_verdict v;
	uint8_t init[PB_MAX];
	uint32_t c, init_len;
	struct pb p;

	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	fx_init(&p, HOST, PEER2, 5000, 3868, TI);
	init_len = p.len - 20 - 12;
	memcpy(init, p.buf + 32, init_len);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY, "verdict %u reason %s",
		     v.action, drop_reason_name(v.reason));
	cr_assert_eq(v.reason, DROP_VTAG_PORT_COLLISION);
	cr_assert_eq(v.len, p.len);
	p.len = v.len;
	/*
	 * From the peer the INIT was for, tag = the host's Initiate Tag,
	 * T bit clear (RFC 9260 8.4 item 3): a host in COOKIE-WAIT knows
	 * no peer tag, so it would discard a T-bit ABORT (8.5.1 B).
	 */
	expect_mbit(&p, SCTP_CID_ABORT, SCTP_FLAG_M, PEER2, 3868, 5000,
		    TI, SCTP_CAUSE_VTAG_PORT_COLLISION);
	/* The cause quotes the INIT chunk. */
	c = pkt_find_chunk(p.buf, p.len, SCTP_CID_ABORT, 0);
	cr_assert_eq(p.buf[c + 6] << 8 | p.buf[c + 7], 4 + init_len);
	cr_assert(memcmp(p.buf + c + 8, init, init_len) == 0);
	cr_assert_eq(engine_stats(e)->drops[DROP_VTAG_PORT_COLLISION], 1);
	cr_assert_eq(engine_stats(e)->replies, 1);
	cr_assert_eq(engine_stats(e)->assocs_live, 1, "nothing half-made");

	/* With a new tag the host gets the port. */
	fx_init(&p, HOST, PEER2, 5000, 3868, 0x33333333u);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 40000);
	engine_destroy(e);
}

Test(natsupp, collision_answers_are_rate_limited)
{
	struct engine_config c;
	struct engine *e;
	struct engine_verdict v;
	struct pb p;

	fx_config(&c, MULTIHOME_OFF);
	c.port_min = c.port_max = 40000;
	c.ootb_reply_rate = 1;
	cr_assert_eq(engine_create(&c, 3, &e), 0);
	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	fx_init(&p, HOST, PEER2, 5000, 3868, TI);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY);
	fx_init(&p, HOST, PEER2, 5000, 3868, TI);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, DROP_VTAG_PORT_COLLISION);
	cr_assert_eq(engine_stats(e)->drops[DROP_VTAG_PORT_COLLISION], 2);
	cr_assert_eq(engine_stats(e)->replies, 1);
	engine_destroy(e);
}

/* ---- Disable Restart (0xC007) ---- */

static void init_dr(struct pb *p, uint32_t itag, bool dr)
{
	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, 0);
	pb_init(p, SCTP_CID_INIT, itag);
	if (dr)
		pb_param(p, SCTP_PARAM_DISABLE_RESTART, NULL, 0);
	pb_finish(p);
}

static void init_ack_dr(struct pb *p, uint16_t dport, uint32_t vtag,
			uint32_t itag, bool dr)
{
	pb_ip4(p, PEER1, "198.51.100.1");
	pb_sctp(p, 3868, dport, vtag);
	pb_init(p, SCTP_CID_INIT_ACK, itag);
	if (dr)
		pb_param(p, SCTP_PARAM_DISABLE_RESTART, NULL, 0);
	pb_param(p, SCTP_PARAM_STATE_COOKIE, "cookie", 6);
	pb_finish(p);
}

/* Set up TI/TP with Disable Restart on the host's side and, if
 * peer_dr, on the peer's; then the host sends an INIT with tag 0x33. */
static struct engine *second_init(bool peer_dr)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	init_dr(&p, TI, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	init_ack_dr(&p, 5000, TI, TP, peer_dr);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	/* The first association comes up (its tags take effect). */
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie", 6);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, 5000, TI, SCTP_CID_COOKIE_ACK,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	init_dr(&p, 0x33333333u, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	/* Port preserved either way: the peer tells them apart by tag. */
	cr_assert_eq(pkt_sport(p.buf), 5000);
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	cr_assert(pkt_verify_crc(p.buf, p.len));
	return e;
}

Test(natsupp, disable_restart_both_ends_keeps_both_associations)
{
	struct engine *e = second_init(true);
	struct pb p;

	cr_assert_eq(engine_stats(e)->assocs_live, 2);
	cr_assert_eq(engine_stats(e)->assocs_created, 2);
	/* The first association still translates, by its own tag... */
	fx_data(&p, PEER1, "198.51.100.1", 3868, 5000, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	/* ... and so does the second's INIT ACK. */
	init_ack_dr(&p, 5000, 0x33333333u, 0x44444444u, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(pkt_dport(p.buf), 5000);
	/* A retransmitted INIT of the second makes no third. */
	init_dr(&p, 0x33333333u, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 3 * FX_SEC));
	cr_assert_eq(engine_stats(e)->assocs_live, 2);
	engine_destroy(e);
}

Test(natsupp, restart_not_disabled_by_peer_is_a_restart)
{
	struct engine *e = second_init(false);
	struct pb p;

	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	cr_assert_eq(engine_stats(e)->assocs_created, 1);
	/* A restart: the new tags wait aside until the new pair is
	 * confirmed; the INIT ACK answering it goes through. */
	init_ack_dr(&p, 5000, 0x33333333u, 0x44444444u, false);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/* ---- VTags (0xC008): rebuilding a lost mapping ---- */

/* AUTH + ASCONF(VTags TI/TP, Add IP wildcard) from HOST:5000. */
static void vtags_asconf(struct pb *p, bool with_vtags)
{
	uint8_t v[12];

	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, TP);
	pb_auth(p);
	pb_asconf(p, 7, "0.0.0.0");
	if (with_vtags) {
		sctp_put32(v, 1);		/* correlation id */
		sctp_put32(v + 4, TI);		/* internal (host's) tag */
		sctp_put32(v + 8, TP);		/* remote (peer's) tag */
		pb_param(p, SCTP_PARAM_VTAGS, v, sizeof(v));
	}
	pb_asconf_param(p, SCTP_PARAM_ADD_IP, 2, "0.0.0.0");
	pb_finish(p);
}

Test(natsupp, vtags_asconf_rebuilds_the_mapping)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint8_t before[PB_MAX];
	struct pb p;

	vtags_asconf(&p, true);
	memcpy(before, p.buf, p.len);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), PEER1);
	cr_assert_eq(pkt_sport(p.buf), 5000, "port preserved");
	cr_assert_eq(pkt_vtag(p.buf), TP);
	cr_assert(memcmp(before + 32, p.buf + 32, p.len - 32) == 0,
		  "no byte under AUTH changed");
	cr_assert(pkt_verify_crc(p.buf, p.len));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	/* The peer's packets, by the host's tag, reach the host again. */
	fx_data(&p, PEER1, "198.51.100.1", 3868, 5000, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(pkt_dport(p.buf), 5000);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	/* And the host's, by the peer's tag. */
	fx_data(&p, HOST, PEER1, 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "198.51.100.1");
	engine_destroy(e);
}

Test(natsupp, asconf_without_vtags_stays_out_of_the_blue)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_verdict v;
	struct pb p;

	vtags_asconf(&p, false);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, DROP_OUT_OF_THE_BLUE);
	cr_assert_eq(engine_stats(e)->assocs_live, 0);
	engine_destroy(e);
}

Test(natsupp, vtags_port_taken_answers_port_collision)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_verdict v;
	struct pb p;

	/* Another host holds public port 5000 toward the same peer. */
	fx_init(&p, "192.168.1.12", PEER1, 5000, 3868, 0x5555u);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	vtags_asconf(&p, true);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY, "reason %s",
		     drop_reason_name(v.reason));
	cr_assert_eq(v.reason, DROP_PORT_COLLISION);
	p.len = v.len;
	/* An ASCONF is refused with an ERROR, tag reflected (6.3.1). */
	expect_mbit(&p, SCTP_CID_ERROR, SCTP_FLAG_T | SCTP_FLAG_M, PEER1,
		    3868, 5000, TP, SCTP_CAUSE_PORT_COLLISION);
	cr_assert_eq(engine_stats(e)->assocs_live, 1, "nothing half-made");
	cr_assert_eq(engine_stats(e)->drops[DROP_PORT_COLLISION], 1);
	engine_destroy(e);
}

Test(natsupp, vtags_tag_taken_answers_vtag_collision)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_verdict v;
	struct pb p;

	/* The host's own endpoint uses TI on public port 5000 already. */
	fx_init(&p, HOST, PEER2, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	vtags_asconf(&p, true);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY, "reason %s",
		     drop_reason_name(v.reason));
	cr_assert_eq(v.reason, DROP_VTAG_PORT_COLLISION);
	p.len = v.len;
	expect_mbit(&p, SCTP_CID_ERROR, SCTP_FLAG_T | SCTP_FLAG_M, PEER1,
		    3868, 5000, TP, SCTP_CAUSE_VTAG_PORT_COLLISION);
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/* ---- against the draft's text (draft-ietf-tsvwg-natsupp-23) ---- */

static struct engine *ootb_engine(void)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, MULTIHOME_OFF);
	c.ootb_reply = true;
	cr_assert_eq(engine_create(&c, 5, &e), 0);
	return e;
}

Test(natsupp, missing_state_quotes_the_ip_header)
{
	struct engine *e = ootb_engine();
	uint8_t orig[PB_MAX];
	struct engine_verdict v;
	uint32_t c, olen;
	struct pb p;

	fx_data(&p, HOST, PEER1, 5000, 3868, TP, 46);
	olen = p.len;
	memcpy(orig, p.buf, olen);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_REPLY);
	p.len = v.len;
	expect_mbit(&p, SCTP_CID_ERROR, SCTP_FLAG_T | SCTP_FLAG_M, PEER1,
		    3868, 5000, TP, SCTP_CAUSE_MISSING_STATE);
	/* 5.2.2: "The IPv4 or IPv6 header MUST be included." */
	c = pkt_find_chunk(p.buf, p.len, SCTP_CID_ERROR, 0);
	cr_assert_eq(p.buf[c + 6] << 8 | p.buf[c + 7], 4 + olen);
	cr_assert_eq(p.buf[c + 8], 0x45,
		     "the quote starts with an IPv4 header");
	cr_assert(memcmp(p.buf + c + 8, orig, olen) == 0,
		  "the whole packet, as the host sent it");
	engine_destroy(e);
}

/* HOST:5000 -> PEER1:3868 with tag TP, no state; chunks as given. */
static struct engine_verdict ootb_bundle(struct engine *e, struct pb *p,
					 uint8_t type2, uint8_t flags2)
{
	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, TP);
	pb_sack(p, 1);
	pb_simple(p, type2, flags2);
	pb_finish(p);
	return fx_run(e, p, ENGINE_OUTBOUND, FX_SEC);
}

Test(natsupp, no_missing_state_answer_for_any_chunk_of_the_packet)
{
	struct engine *e = ootb_engine();
	struct engine_verdict v;
	uint8_t vt[12];
	struct pb p;

	/* An M-bit ERROR behind another chunk: MUST NOT answer (6.4.1). */
	v = ootb_bundle(e, &p, SCTP_CID_ERROR, SCTP_FLAG_M);
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, DROP_M_BIT_NO_STATE);
	/* ABORT and SHUTDOWN COMPLETE anywhere: SHOULD NOT (6.4.1). */
	v = ootb_bundle(e, &p, SCTP_CID_ABORT, 0);
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(v.reason, DROP_OUT_OF_THE_BLUE);
	v = ootb_bundle(e, &p, SCTP_CID_ABORT, SCTP_FLAG_T);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* An ASCONF with VTags behind a SACK (its tags do not fit the
	 * packet's, so it rebuilt nothing): not answered either. */
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_sack(&p, 1);
	pb_asconf(&p, 7, "0.0.0.0");
	sctp_put32(vt, 1);
	sctp_put32(vt + 4, TI);
	sctp_put32(vt + 8, TP ^ 1);
	pb_param(&p, SCTP_PARAM_VTAGS, vt, sizeof(vt));
	pb_finish(&p);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	cr_assert_eq(engine_stats(e)->replies, 0);
	/* Control: a plain SACK + SHUTDOWN ACK is answered. */
	v = ootb_bundle(e, &p, SCTP_CID_SHUTDOWN_ACK, 0);
	cr_assert_eq(v.action, ENGINE_REPLY);
	cr_assert_eq(engine_stats(e)->replies, 1);
	engine_destroy(e);
}

/* AUTH + ASCONF(VTags TI/TP, Disable Restart, Add IP wildcard). */
static void vtags_asconf_dr(struct pb *p)
{
	uint8_t v[12];

	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, TP);
	pb_auth(p);
	pb_asconf(p, 7, "0.0.0.0");
	sctp_put32(v, 1);
	sctp_put32(v + 4, TI);
	sctp_put32(v + 8, TP);
	pb_param(p, SCTP_PARAM_VTAGS, v, sizeof(v));
	pb_param(p, SCTP_PARAM_DISABLE_RESTART, NULL, 0);
	pb_asconf_param(p, SCTP_PARAM_ADD_IP, 2, "0.0.0.0");
	pb_finish(p);
}

Test(natsupp, vtags_rebuild_honours_disable_restart)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	vtags_asconf_dr(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	/* A second association of the same endpoints, restart disabled:
	 * not a restart of the rebuilt one (6.2.2, 6.4.1). */
	init_dr(&p, 0x33333333u, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	cr_assert_eq(engine_stats(e)->assocs_live, 2,
		     "the rebuilt association was taken for a restart");
	/* The rebuilt one still carries the peer's packets to the host. */
	fx_data(&p, PEER1, "198.51.100.1", 3868, 5000, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	/* Without the parameter, the same INIT is a restart, as before. */
	engine_destroy(e);
	e = fx_engine(MULTIHOME_OFF);
	vtags_asconf(&p, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	init_dr(&p, 0x33333333u, true);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC));
	cr_assert_eq(engine_stats(e)->assocs_live, 1);
	engine_destroy(e);
}

/* An established HOST:5000 <-> PEER1:3868 association, tags TI / TP. */
static struct engine *established(void)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	cr_assert_eq(pkt_sport(p.buf), 5000);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, 5000, TI, TP, NULL);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	fx_chunk(&p, HOST, PEER1, 5000, 3868, TP, SCTP_CID_COOKIE_ECHO, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, 5000, TI,
		 SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, FX_SEC));
	return e;
}

/* A Missing State ERROR from a NAT further out, as it reaches the box. */
static void upstream_missing_state(struct pb *p, const char *from,
				   uint32_t vtag)
{
	struct pb q;

	fx_data(&q, "198.51.100.1", PEER1, 5000, 3868, TP, 46);
	pb_ip4(p, from, "198.51.100.1");
	pb_sctp(p, 3868, 5000, vtag);
	pb_chunk_begin(p, SCTP_CID_ERROR, SCTP_FLAG_M | SCTP_FLAG_T);
	pb_u16(p, SCTP_CAUSE_MISSING_STATE);
	pb_u16(p, (uint16_t)(4 + q.len));
	pb_bytes(p, q.buf, q.len);
	pb_finish(p);
}

Test(natsupp, upstream_missing_state_reaches_the_host)
{
	struct engine *e = established();
	struct engine_verdict v;
	struct pb p;

	/* Serial NATs: the outer one lost its state and reflects the
	 * host's tag (TP) with the T bit (6.4.1). */
	upstream_missing_state(&p, PEER1, TP);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert_eq(pkt_dport(p.buf), 5000);
	cr_assert_eq(pkt_vtag(p.buf), TP);
	cr_assert(pkt_verify_crc(p.buf, p.len));
	/* Forged: a tag the host never sent, or from outside the
	 * association: dropped, never answered. */
	upstream_missing_state(&p, PEER1, TP ^ 1);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	upstream_missing_state(&p, "198.51.100.77", TP);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* The association is untouched. */
	fx_data(&p, PEER1, "198.51.100.1", 3868, 5000, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC));
	engine_destroy(e);
}

/* An ICMP error from outside quoting the host's INIT (qlen bytes). */
static struct engine_verdict icmp_about_init(struct engine *e,
					     uint32_t quoted_itag,
					     uint32_t qlen, struct pb *p)
{
	struct pb q;

	fx_init(&q, "198.51.100.1", PEER1, 5000, 3868, quoted_itag);
	if (qlen > q.len)
		qlen = q.len;
	pb_icmp4_error(p, "198.51.100.254", "198.51.100.1", 3, 1, 0, q.buf,
		       qlen);
	return fx_run(e, p, ENGINE_INBOUND, FX_SEC);
}

Test(natsupp, icmp_quoting_tag_zero_needs_the_init)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_verdict v;
	struct pb p;

	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC));
	/* Only ports and tag 0 quoted: nothing shows it is our INIT. */
	v = icmp_about_init(e, TI, 20 + 8, &p);
	cr_assert_eq(v.action, ENGINE_DROP, "believed a bare tag 0");
	cr_assert_eq(v.reason, DROP_ICMP_NO_STATE);
	/* Common header only: still no chunk. */
	v = icmp_about_init(e, TI, 20 + 12, &p);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* An INIT, but not the host's Initiate Tag. */
	v = icmp_about_init(e, TI ^ 1, 200, &p);
	cr_assert_eq(v.action, ENGINE_DROP);
	/* The INIT with its Initiate Tag: translated to the host. */
	v = icmp_about_init(e, TI, 200, &p);
	expect_fwd(v);
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	engine_destroy(e);
}
