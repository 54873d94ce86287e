/*
 * test_engine_asconf.c: RFC 5061 address changes take effect only when
 * the other endpoint's ASCONF-ACK accepts them, in both directions, and
 * tries to break that: ASCONF or ASCONF-ACK lost, retransmissions, error
 * causes, reordering, forgeries from addresses outside the association.
 * Also the two dual-stack rules next to it: an inside address the peer
 * was never told of is refused, and IPv6 without NAT66 keeps the host's
 * own address under proxy multihoming.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "engine_impl.h"
#include "sctp_wire.h"

#define TI	0x11111111u	/* inside host's tag */
#define TP	0x22222222u	/* peer's tag */
#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"
#define PEER3	"198.51.100.102"
#define PEER4	"203.0.113.101"
#define FOE	"198.51.100.66"	/* knows the tag, outside the association */
#define HOST	"192.168.1.10"
#define PUB	"198.51.100.1"
#define HOST11	"10.9.0.10"	/* 1:1 to 198.18.0.10 on wan2 */
#define HOST11B	"10.9.0.11"	/* the same host's second address */
#define PUB11	"198.18.0.10"
#define PUB11B	"198.18.0.11"
#define NOW	FX_SEC

static char sbuf[48], dbuf[48];

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void expect_drop(struct engine_verdict v, enum drop_reason r)
{
	cr_assert_eq(v.action, ENGINE_DROP, "not dropped (expected %s)",
		     drop_reason_name(r));
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
	cr_assert_eq(engine_foreach_assoc(e, first_view, &v), 1);
	return v;
}

static bool is_peer(struct engine *e, const char *addr)
{
	struct engine_assoc_view v = view(e);
	struct nat_addr a;

	cr_assert_eq(nat_addr_parse(&a, addr), 0);
	for (int i = 0; i < v.n_paths; i++)
		if (nat_addr_eq(&v.paths[i].peer, &a))
			return true;
	return false;
}

static unsigned int locals_of(struct engine *e, const char *inside)
{
	struct engine_assoc_view v = view(e);
	unsigned int n = 0;
	struct nat_addr a;

	cr_assert_eq(nat_addr_parse(&a, inside), 0);
	for (int i = 0; i < v.n_locals; i++)
		n += nat_addr_eq(&v.locals[i].inside, &a);
	return n;
}

/*
 * host:5000 -> PEER1:3868 up to ESTABLISHED; the peer's INIT ACK lists
 * PEER1 only (and its IPv6 address when v6peer).  Returns the public port.
 */
static uint16_t establish(struct engine *e, const char *host, bool v6peer)
{
	static const char *const v4[] = { PEER1, NULL };
	static const char *const v46[] = { PEER1, "2001:db8:1::100", NULL };
	char pub[48];
	struct pb p;
	uint16_t port;

	fx_init(&p, host, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	port = pkt_sport(p.buf);
	strcpy(pub, pkt_src(p.buf, sbuf));
	fx_init_ack(&p, PEER1, pub, 3868, port, TI, TP, v6peer ? v46 : v4);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	pb_ip4(&p, host, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	fx_chunk(&p, PEER1, pub, 3868, port, TI, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(view(e).state, ASSOC_ESTABLISHED);
	return port;
}

/* The peer's ASCONF from src: one request (type, addr), optional AUTH. */
static void peer_asconf(struct pb *p, const char *src, uint32_t serial,
			uint16_t type, const char *addr, bool auth)
{
	pb_ip4(p, src, PUB);
	pb_sctp(p, 3868, 5000, TI);
	if (auth)
		pb_auth(p);
	pb_asconf(p, serial, "0.0.0.0");
	pb_asconf_param(p, type, serial, addr);
	pb_finish(p);
}

/* The inside host's ASCONF-ACK to dst: success, implied (no parameter). */
static void host_ack(struct pb *p, const char *dst, uint32_t serial)
{
	pb_ip4(p, HOST, dst);
	pb_sctp(p, 5000, 3868, TP);
	pb_auth(p);
	pb_asconf_ack(p, serial);
	pb_finish(p);
}

static struct engine_verdict data_in(struct engine *e, const char *src,
				     const char *dst, uint64_t now)
{
	struct pb p;

	fx_data(&p, src, dst, 3868, 5000, TI, 46);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

static struct engine_verdict data_out(struct engine *e, const char *src,
				      const char *dst, uint64_t now)
{
	struct pb p;

	fx_data(&p, src, dst, 5000, 3868, TP, 46);
	return fx_run(e, &p, ENGINE_OUTBOUND, now);
}

/* ---- the peer's requests, accepted by the inside host ---- */

Test(asconf, peer_add_waits_for_the_hosts_ack)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert(!is_peer(e, PEER2), "added before the host accepted it");
	expect_drop(data_in(e, PEER2, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);

	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(is_peer(e, PEER2));
	expect_fwd(data_in(e, PEER2, PUB, NOW));
	expect_fwd(data_out(e, HOST, PEER2, NOW));
	engine_destroy(e);
}

Test(asconf, peer_delete_waits_for_the_hosts_ack)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(is_peer(e, PEER2));

	peer_asconf(&p, PEER1, 11, SCTP_PARAM_DEL_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert(is_peer(e, PEER2), "deleted before the host accepted it");
	expect_fwd(data_out(e, HOST, PEER2, NOW));
	host_ack(&p, PEER1, 11);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(!is_peer(e, PEER2));
	cr_assert(is_peer(e, PEER1));
	engine_destroy(e);
}

/* Lost after the box: retransmitted with the same serial, added once. */
Test(asconf, asconf_lost_and_retransmitted_adds_once)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	for (int i = 0; i < 3; i++) {
		peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + i * FX_SEC));
		cr_assert(!is_peer(e, PEER2));
	}
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 3 * FX_SEC));
	cr_assert_eq(view(e).n_paths, 2, "PEER1 and PEER2, once");
	engine_destroy(e);
}

/*
 * The host's ASCONF-ACK passes the box and is lost: the peer sends the
 * ASCONF again, the host answers again from its cache; nothing doubles,
 * and the next request still works.
 */
Test(asconf, ack_lost_then_retransmission_and_ack_again)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));	/* then lost */
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 2 * FX_SEC));
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 2 * FX_SEC));
	cr_assert_eq(view(e).n_paths, 2);
	cr_assert(is_peer(e, PEER2));

	peer_asconf(&p, PEER1, 11, SCTP_PARAM_ADD_IP, PEER3, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 3 * FX_SEC));
	cr_assert(!is_peer(e, PEER3));
	host_ack(&p, PEER1, 11);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 3 * FX_SEC));
	cr_assert_eq(view(e).n_paths, 3);
	engine_destroy(e);
}

/*
 * RFC 5061 4.1 A7: parameters before the first error with no answer
 * succeeded, the failed one and those after it failed unless reported
 * successful.
 */
Test(asconf, ack_with_an_error_applies_the_others_only)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	pb_ip4(&p, PEER1, PUB);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf(&p, 10, PEER1);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, PEER2);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 2, PEER3);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 3, PEER4);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 4, "198.51.100.103");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));

	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf_ack(&p, 10);
	pb_asconf_error(&p, 2, 0x00a2);	/* resource shortage */
	pb_asconf_success(&p, 3);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(is_peer(e, PEER2), "before the error, unanswered: success");
	cr_assert(!is_peer(e, PEER3), "the error");
	cr_assert(is_peer(e, PEER4), "after it, but reported successful");
	cr_assert(!is_peer(e, "198.51.100.103"), "after it, unanswered");
	expect_drop(data_in(e, PEER3, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);
	expect_fwd(data_in(e, PEER4, PUB, NOW));
	engine_destroy(e);
}

/* An ASCONF-ACK ahead of its ASCONF applies nothing, nor does the late
 * ASCONF by itself. */
Test(asconf, ack_before_asconf_applies_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert(!is_peer(e, PEER2));
	expect_drop(data_in(e, PEER2, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);
	engine_destroy(e);
}

Test(asconf, pending_forgotten_after_timeout_or_newer_serial)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	/* Longer than the setup timeout (15 s) without a retransmission. */
	engine_tick(e, NOW + 20 * FX_SEC);
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 20 * FX_SEC));
	cr_assert(!is_peer(e, PEER2), "an answer to a forgotten request");

	/* Serial 12 supersedes 11: 11's late answer applies nothing. */
	peer_asconf(&p, PEER1, 11, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 21 * FX_SEC));
	peer_asconf(&p, PEER1, 12, SCTP_PARAM_ADD_IP, PEER3, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 21 * FX_SEC));
	host_ack(&p, PEER1, 11);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 21 * FX_SEC));
	cr_assert(!is_peer(e, PEER2));
	host_ack(&p, PEER1, 12);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 21 * FX_SEC));
	cr_assert(is_peer(e, PEER3));
	engine_destroy(e);
}

/* ---- addresses from outside the association ---- */

/*
 * natsupp: a peer behind a NAT adds an address by sending the ASCONF
 * from it (wildcard).  The ASCONF reaches the host, nothing else from
 * that address does until the host's ASCONF-ACK (sent back to it).
 */
Test(asconf, peer_adds_its_new_source_by_wildcard)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, PEER2, 10, SCTP_PARAM_ADD_IP, "0.0.0.0", true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST);
	cr_assert(!is_peer(e, PEER2));
	expect_drop(data_in(e, PEER2, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);
	/* The host answers to the ASCONF's source (RFC 5061 5.2). */
	host_ack(&p, PEER2, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB);
	cr_assert(is_peer(e, PEER2));
	expect_fwd(data_in(e, PEER2, PUB, NOW));
	engine_destroy(e);
}

/*
 * Someone who knows the live tag, sending from an address outside the
 * association, adds that address by an ASCONF without AUTH.  The host
 * (RFC 4895) never acknowledges it; the address never becomes a peer and
 * nothing from it but the ASCONF itself is forwarded.
 */
Test(asconf, forged_asconf_from_a_foreign_address_changes_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	const uint8_t kill[] = { SCTP_CID_ABORT, SCTP_CID_SHUTDOWN,
				 SCTP_CID_SHUTDOWN_ACK };
	struct pb p;

	establish(e, HOST, false);
	/* Without AUTH the host would discard it anyway (RFC 5061 4.1.1):
	 * nothing from outside the association is forwarded. */
	peer_asconf(&p, FOE, 66, SCTP_PARAM_ADD_IP, "0.0.0.0", false);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	peer_asconf(&p, FOE, 67, SCTP_PARAM_ADD_IP, FOE, false);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	/* With an AUTH chunk the box cannot check, it reaches the host,
	 * which discards it (its HMAC is wrong) and never answers. */
	peer_asconf(&p, FOE, 68, SCTP_PARAM_ADD_IP, FOE, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert(!is_peer(e, FOE));
	expect_drop(data_in(e, FOE, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);
	for (unsigned int i = 0; i < sizeof(kill); i++) {
		fx_chunk(&p, FOE, PUB, 3868, 5000, TI, kill[i], 0);
		expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
			    DROP_PEER_ADDR_UNKNOWN);
	}
	/* Bundled behind the ASCONF, under its cover: still refused. */
	pb_ip4(&p, FOE, PUB);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf(&p, 68, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_simple(&p, SCTP_CID_ABORT, 0);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	pb_ip4(&p, FOE, PUB);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf(&p, 69, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_data(&p, 9, 46, "forged", 6);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	/* A Delete IP of the real peer, smuggled in: held, never applied. */
	pb_ip4(&p, FOE, PUB);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf(&p, 70, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_DEL_IP, 1, PEER1);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 2, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	engine_tick(e, NOW + 60 * FX_SEC);
	expect_drop(data_in(e, FOE, PUB, NOW + 60 * FX_SEC),
		    DROP_PEER_ADDR_UNKNOWN);
	cr_assert(is_peer(e, PEER1));
	cr_assert_eq(view(e).n_paths, 1);
	/* The real peer is unaffected. */
	expect_fwd(data_in(e, PEER1, PUB, NOW + 60 * FX_SEC));
	engine_destroy(e);
}

/*
 * A forger outside the association guesses the serial of the peer's
 * next ASCONF, or sends a newer one: the real request is neither
 * replaced nor forgotten, and the host's answer to it confirms the real
 * request only.
 */
Test(asconf, forged_asconf_with_a_guessed_serial_confirms_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	peer_asconf(&p, FOE, 10, SCTP_PARAM_ADD_IP, "0.0.0.0", true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	peer_asconf(&p, PEER1, 10, SCTP_PARAM_ADD_IP, PEER2, true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	peer_asconf(&p, FOE, 11, SCTP_PARAM_ADD_IP, "0.0.0.0", true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	peer_asconf(&p, FOE, 12, SCTP_PARAM_ADD_IP, "0.0.0.0", true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(is_peer(e, PEER2), "the real request was displaced");
	cr_assert(!is_peer(e, FOE));
	expect_drop(data_in(e, FOE, PUB, NOW), DROP_PEER_ADDR_UNKNOWN);
	/* The host never answers the forger, so nothing goes to it. */
	host_ack(&p, FOE, 13);
	expect_drop(fx_run(e, &p, ENGINE_OUTBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	engine_destroy(e);
}

/* An ASCONF-ACK from outside the association confirms nothing. */
Test(asconf, forged_ack_from_a_foreign_address_confirms_nothing)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST11, false);
	/* The host adds its second address (no AUTH: rewritten). */
	pb_ip4(&p, HOST11, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_asconf(&p, 20, HOST11);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, HOST11B);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert(pkt_contains_addr(p.buf, p.len, PUB11B));
	cr_assert(!pkt_contains_addr(p.buf, p.len, HOST11B));
	cr_assert_eq(locals_of(e, HOST11B), 0);

	pb_ip4(&p, FOE, PUB11);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	pb_ip4(&p, FOE, PUB11B);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW),
		    DROP_PEER_ADDR_UNKNOWN);
	cr_assert_eq(locals_of(e, HOST11B), 0);
	expect_drop(data_out(e, HOST11B, PEER1, NOW),
		    DROP_INSIDE_ADDR_UNADVERTISED);
	expect_drop(data_in(e, PEER1, PUB11B, NOW), DROP_NO_MAPPING);

	/* The peer's own ASCONF-ACK does. */
	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 1);
	{
		struct pb q;

		fx_data(&q, HOST11B, PEER1, 5000, 3868, TP, 46);
		expect_fwd(fx_run(e, &q, ENGINE_OUTBOUND, NOW));
		cr_assert_str_eq(pkt_src(q.buf, sbuf), PUB11B);
	}
	expect_fwd(data_in(e, PEER1, PUB11B, NOW));
	engine_destroy(e);
}

/*
 * natsupp 7: the inside host adds its new address by an authenticated
 * ASCONF sent from it (wildcard).  Nothing under AUTH changes; the
 * binding exists before the ASCONF leaves, and the peer's ASCONF-ACK to
 * it reaches the host, but the address joins only with that ACK.
 */
Test(asconf, host_adds_its_new_source_by_wildcard)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint8_t before[PB_MAX];
	struct pb p;

	establish(e, HOST11, false);
	pb_ip4(&p, HOST11B, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 20, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_finish(&p);
	memcpy(before, p.buf, p.len);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB11B);
	cr_assert(memcmp(before + 32, p.buf + 32, p.len - 32) == 0,
		  "no byte under AUTH changed");
	cr_assert_eq(locals_of(e, HOST11B), 0);
	expect_drop(data_in(e, PEER1, PUB11B, NOW), DROP_NO_MAPPING);
	expect_drop(data_out(e, HOST11B, PEER1, NOW),
		    DROP_INSIDE_ADDR_UNADVERTISED);

	/* The ASCONF-ACK comes to the ASCONF's source, the new address. */
	pb_ip4(&p, PEER1, PUB11B);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST11B);
	cr_assert_eq(locals_of(e, HOST11B), 1);
	expect_fwd(data_in(e, PEER1, PUB11B, NOW));
	expect_fwd(data_out(e, HOST11B, PEER1, NOW));
	engine_destroy(e);
}

/*
 * Bindings of requests that never succeed are given back, and
 * retransmissions take none of their own.
 */
Test(asconf, refused_or_retransmitted_requests_hold_no_binding)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint32_t base;
	struct pb p;

	establish(e, HOST11, false);
	base = port_alloc_in_use(e->ports);
	for (int i = 0; i < 3; i++) {
		pb_ip4(&p, HOST11B, PEER1);
		pb_sctp(&p, 5000, 3868, TP);
		pb_auth(&p);
		pb_asconf(&p, 20, "0.0.0.0");
		pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + i * FX_SEC));
	}
	cr_assert_eq(port_alloc_in_use(e->ports), base + 1,
		     "one binding for the request, not one per copy");
	pb_ip4(&p, PEER1, PUB11B);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf_ack(&p, 20);
	pb_asconf_error(&p, 1, 0x00a5);	/* refused: no authorization */
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW + 3 * FX_SEC));
	cr_assert_str_eq(pkt_dst(p.buf, dbuf), HOST11B, "the host must know");
	cr_assert_eq(locals_of(e, HOST11B), 0);
	cr_assert_eq(port_alloc_in_use(e->ports), base);
	expect_drop(data_in(e, PEER1, PUB11B, NOW + 3 * FX_SEC),
		    DROP_NO_MAPPING);

	/* Timed out: given back too. */
	pb_ip4(&p, HOST11B, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 21, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW + 4 * FX_SEC));
	cr_assert_eq(port_alloc_in_use(e->ports), base + 1);
	engine_tick(e, NOW + 30 * FX_SEC);
	cr_assert_eq(port_alloc_in_use(e->ports), base);
	engine_destroy(e);
}

/* The inside host's Delete IP, wildcard included, waits for the ACK. */
Test(asconf, host_delete_waits_for_the_peers_ack)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST11, false);
	pb_ip4(&p, HOST11B, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 20, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	pb_ip4(&p, PEER1, PUB11B);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 1);

	/* natsupp: from the first address, "delete all but the source". */
	pb_ip4(&p, HOST11, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 21, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_DEL_IP, 1, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 1, "deleted before the ACK");
	expect_fwd(data_in(e, PEER1, PUB11B, NOW));
	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, 21);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 0);
	cr_assert_eq(locals_of(e, HOST11), 1);
	expect_drop(data_in(e, PEER1, PUB11B, NOW), DROP_NO_MAPPING);
	engine_destroy(e);
}

/* The peer's wildcard Delete IP: every address but the source. */
Test(asconf, peer_wildcard_delete_keeps_only_the_source)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	pb_ip4(&p, PEER1, PUB);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf(&p, 10, PEER1);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, PEER2);
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 2, PEER3);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	host_ack(&p, PEER1, 10);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(view(e).n_paths, 3);
	peer_asconf(&p, PEER3, 11, SCTP_PARAM_DEL_IP, "0.0.0.0", true);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(view(e).n_paths, 3);
	host_ack(&p, PEER3, 11);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(view(e).n_paths, 1);
	cr_assert(is_peer(e, PEER3));
	engine_destroy(e);
}

/* ---- dual stack ---- */

/*
 * The host's IPv6 address, never in its IPv4 INIT: the peer would take
 * its packets as out of the blue and ABORT the association (RFC 9260
 * 8.4, 8.5.1), so they are refused and the IPv4 path goes on.  An
 * unlisted inside address behind an advertised public address still
 * joins.
 */
Test(asconf, unadvertised_inside_address_of_the_other_family_refused)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	const struct engine_stats *st = engine_stats(e);

	establish(e, HOST, true);
	expect_drop(data_out(e, "2001:db8:aa::10", "2001:db8:1::100", NOW),
		    DROP_INSIDE_ADDR_UNADVERTISED);
	cr_assert_eq(st->drops[DROP_INSIDE_ADDR_UNADVERTISED], 1);
	cr_assert_eq(locals_of(e, "2001:db8:aa::10"), 0);
	expect_fwd(data_out(e, HOST, PEER1, NOW));
	/* Same public address: joins as before. */
	expect_fwd(data_out(e, "192.168.1.11", PEER1, NOW));
	cr_assert_eq(locals_of(e, "192.168.1.11"), 1);
	engine_destroy(e);
}

/*
 * With IPv6 addresses on the uplinks and multihome = uplinks, an IPv6
 * inside host without NAT66 keeps its own address: the INIT lists it
 * and its packets come from it, consistently.
 */
Test(asconf, ipv6_uplink_addresses_leave_untranslated_hosts_alone)
{
	struct engine_config c;
	struct engine *e;
	char addrs[8][48];
	struct pb p;
	unsigned int n;

	fx_config(&c, MULTIHOME_UPLINKS);
	c.uplinks[0].n_public = 2;
	cr_assert_eq(nat_addr_parse(&c.uplinks[0].public_addrs[1],
				    "2001:db8:1::1"), 0);
	c.uplinks[1].n_public = 2;
	cr_assert_eq(nat_addr_parse(&c.uplinks[1].public_addrs[1],
				    "2001:db8:2::1"), 0);
	cr_assert_eq(engine_create(&c, 9, &e), 0);

	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:1::100");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TI);
	pb_param_addr(&p, "2001:db8:aa::10");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "2001:db8:aa::10");
	n = pkt_init_addrs(p.buf, p.len, addrs, 8);
	for (unsigned int i = 0; i < n; i++)
		cr_assert(strcmp(addrs[i], "2001:db8:1::1") &&
			  strcmp(addrs[i], "2001:db8:2::1"),
			  "lists uplink address %s", addrs[i]);
	pb_ip6(&p, "2001:db8:1::100", "2001:db8:aa::10");
	pb_sctp(&p, 3868, 5000, TI);
	pb_init(&p, SCTP_CID_INIT_ACK, TP);
	pb_param(&p, 7, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	/* The tags count once the COOKIE exchange that uses them passed. */
	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:1::100");
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	fx_chunk(&p, "2001:db8:1::100", "2001:db8:aa::10", 3868, 5000, TI,
		 SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	fx_data(&p, "2001:db8:aa::10", "2001:db8:1::100", 5000, 3868, TP, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), "2001:db8:aa::10");
	engine_destroy(e);

	/* IPv4 hosts still get every uplink. */
	fx_config(&c, MULTIHOME_UPLINKS);
	cr_assert_eq(engine_create(&c, 9, &e), 0);
	fx_init(&p, HOST, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(pkt_init_addrs(p.buf, p.len, addrs, 8), 2);
	engine_destroy(e);
}

/*
 * After the association closed (it lingers for the stray packets of its
 * close), someone who saw its tag sends an authenticated ASCONF adding
 * its own address: no path is added to a closed association, and the
 * tag opens nothing to an address outside it.
 */
Test(asconf, closed_association_takes_no_new_address)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct pb p;

	establish(e, HOST, false);
	pb_ip4(&p, HOST, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_SHUTDOWN, 0);
	pb_u32(&p, 0);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	fx_chunk(&p, PEER1, PUB, 3868, 5000, TI, SCTP_CID_SHUTDOWN_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	fx_chunk(&p, HOST, PEER1, 5000, 3868, TP, SCTP_CID_SHUTDOWN_COMPLETE,
		 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(view(e).state, ASSOC_CLOSED);
	peer_asconf(&p, FOE, 10, SCTP_PARAM_ADD_IP, "0.0.0.0", true);
	expect_drop(fx_run(e, &p, ENGINE_INBOUND, NOW), DROP_PEER_ADDR_UNKNOWN);
	engine_destroy(e);
}

/*
 * The peer restarts; the inside host, established by the peer's COOKIE
 * ECHO, adds a new address at once (natsupp 7, wildcard under AUTH),
 * and its COOKIE ACK is lost.  The ASCONF, first with the new tag, is
 * the answer that confirms the restart, and must pass.
 */
Test(asconf, new_source_right_after_a_restart)
{
	static const char *const host[] = { HOST11, NULL };
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, HOST11, false);
	struct pb p;

	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, port, 0);
	pb_init(&p, SCTP_CID_INIT, tp2);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	fx_init_ack(&p, HOST11, PEER1, 5000, 3868, tp2, ti2, host);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, port, ti2);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	pb_ip4(&p, HOST11B, PEER1);
	pb_sctp(&p, 5000, 3868, tp2);
	pb_auth(&p);
	pb_asconf(&p, 20, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_str_eq(pkt_src(p.buf, sbuf), PUB11B);
	cr_assert_eq(view(e).tag_inside, ti2);
	cr_assert_eq(view(e).tag_peer, tp2);
	engine_destroy(e);
}

/* The inside host adds HOST11B by ASCONF; the peer accepts it. */
static void host_adds_second_address(struct engine *e)
{
	struct pb p;

	pb_ip4(&p, HOST11B, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_auth(&p);
	pb_asconf(&p, 20, "0.0.0.0");
	pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	pb_ip4(&p, PEER1, PUB11B);
	pb_sctp(&p, 3868, 5000, TI);
	pb_auth(&p);
	pb_asconf_ack(&p, 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 1);
}

/* A blind INIT from the peer's address to pub, with its own tag. */
static struct engine_verdict blind_init(struct engine *e, const char *pub,
					uint16_t port, uint64_t now)
{
	struct pb p;

	pb_ip4(&p, PEER1, pub);
	pb_sctp(&p, 3868, port, 0);
	pb_init(&p, SCTP_CID_INIT, 0x5a5a5a5au);
	pb_finish(&p);
	return fx_run(e, &p, ENGINE_INBOUND, now);
}

/*
 * The peer restarts after the inside host added HOST11B by ASCONF; the
 * host's INIT ACK lists HOST11 only.  The new association (RFC 9260
 * 5.2.2) has no HOST11B: once it completes, nothing reaches the host at
 * PUB11B, a blind INIT included.  Until then the old one still has it.
 */
Test(asconf, restart_drops_an_address_its_init_ack_left_out)
{
	static const char *const host[] = { HOST11, NULL };
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port = establish(e, HOST11, false);
	uint32_t base;
	struct pb p;

	host_adds_second_address(e);
	base = port_alloc_in_use(e->ports);
	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, port, 0);
	pb_init(&p, SCTP_CID_INIT, tp2);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	fx_init_ack(&p, HOST11, PEER1, 5000, 3868, tp2, ti2, host);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	pb_ip4(&p, PEER1, PUB11);
	pb_sctp(&p, 3868, port, ti2);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	cr_assert_eq(locals_of(e, HOST11B), 1, "gone before the restart was");
	fx_chunk(&p, HOST11, PEER1, 5000, 3868, tp2, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	cr_assert_eq(view(e).tag_inside, ti2);
	cr_assert_eq(locals_of(e, HOST11B), 0);
	cr_assert_eq(locals_of(e, HOST11), 1);
	cr_assert_eq(port_alloc_in_use(e->ports), base - 1,
		     "the binding's port reference is given back");
	expect_drop(blind_init(e, PUB11B, port, NOW), DROP_NO_FORWARD_RULE);
	fx_data(&p, HOST11, PEER1, 5000, 3868, tp2, 46);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	engine_destroy(e);
}

/*
 * The peer restarts and sends its INIT twice; the inside host answers
 * each copy with a new tag (RFC 9260 5.2.2), one listing HOST11B and
 * one not, and the peer takes whichever reaches it first (5.2.3).  The
 * new association has the addresses of the answer its COOKIE ECHO
 * names, whichever came first at the box: not those of both.
 */
Test(asconf, restart_keeps_the_addresses_of_the_answer_the_peer_took)
{
	static const char *const one[] = { HOST11, NULL };
	static const char *const both[] = { HOST11, HOST11B, NULL };
	static const struct {
		bool first_lists_b, peer_takes_first;
	} cases[] = { { false, true },
		      { false, false },
		      { true, false },
		      { true, true } };
	const uint32_t ti2 = 0x33333333u, ti3 = 0x55555555u, tp2 = 0x44444444u;

	for (unsigned int k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct engine *e = fx_engine(MULTIHOME_OFF);
		uint16_t port = establish(e, HOST11, false);
		bool first_b = cases[k].first_lists_b;
		uint32_t taken = cases[k].peer_takes_first ? ti2 : ti3;
		bool keeps_b = cases[k].peer_takes_first == first_b;
		struct pb p;

		host_adds_second_address(e);
		for (int copy = 0; copy < 2; copy++) {
			pb_ip4(&p, PEER1, PUB11);
			pb_sctp(&p, 3868, port, 0);
			pb_init(&p, SCTP_CID_INIT, tp2);
			pb_finish(&p);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
			fx_init_ack(&p, HOST11, PEER1, 5000, 3868, tp2,
				    copy ? ti3 : ti2,
				    (copy == 0) == first_b ? both : one);
			expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
		}
		pb_ip4(&p, PEER1, PUB11);
		pb_sctp(&p, 3868, port, taken);
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, "cookie-cookie-cookie", 20);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		fx_chunk(&p, HOST11, PEER1, 5000, 3868, tp2,
			 SCTP_CID_COOKIE_ACK, 0);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
		cr_assert_eq(view(e).tag_inside, taken, "case %u", k);
		cr_assert_eq(locals_of(e, HOST11B), (unsigned int)keeps_b,
			     "case %u", k);
		if (keeps_b) {
			fx_data(&p, PEER1, PUB11B, 3868, port, taken, 46);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		} else {
			expect_drop(blind_init(e, PUB11B, port, NOW),
				    DROP_NO_FORWARD_RULE);
		}
		engine_destroy(e);
	}
}

/*
 * The inside host's Add IP of HOST11B, sent on the old association,
 * completes only after the restart's answer (the peer restarting) or
 * INIT (the host restarting) passed the box, listing HOST11 alone: the
 * peer never learnt PUB11B through the new association, so once the
 * restart completes nothing reaches the host there.  Until then the old
 * association has it.
 */
Test(asconf, restart_drops_an_address_added_after_its_handshake_passed)
{
	static const char *const host[] = { HOST11, NULL };
	static const char *const peer[] = { PEER1, NULL };
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;

	for (int host_restarts = 0; host_restarts < 2; host_restarts++) {
		struct engine *e = fx_engine(MULTIHOME_OFF);
		uint16_t port = establish(e, HOST11, false);
		enum engine_dir from_host = ENGINE_OUTBOUND;
		struct pb p;

		if (host_restarts) {
			pb_ip4(&p, HOST11, PEER1);
			pb_sctp(&p, 5000, 3868, 0);
			pb_init(&p, SCTP_CID_INIT, ti2);
			pb_finish(&p);
			expect_fwd(fx_run(e, &p, from_host, NOW));
		} else {
			pb_ip4(&p, PEER1, PUB11);
			pb_sctp(&p, 3868, port, 0);
			pb_init(&p, SCTP_CID_INIT, tp2);
			pb_finish(&p);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
			fx_init_ack(&p, HOST11, PEER1, 5000, 3868, tp2, ti2,
				    host);
			expect_fwd(fx_run(e, &p, from_host, NOW));
		}
		host_adds_second_address(e);
		fx_data(&p, PEER1, PUB11B, 3868, port, TI, 46);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		if (host_restarts) {
			fx_init_ack(&p, PEER1, PUB11, 3868, port, ti2, tp2,
				    peer);
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
			pb_ip4(&p, HOST11, PEER1);
			pb_sctp(&p, 5000, 3868, tp2);
		} else {
			pb_ip4(&p, PEER1, PUB11);
			pb_sctp(&p, 3868, port, ti2);
		}
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, "cookie-cookie-cookie", 20);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p,
				  host_restarts ? from_host : ENGINE_INBOUND,
				  NOW));
		if (host_restarts)
			fx_chunk(&p, PEER1, PUB11, 3868, port, ti2,
				 SCTP_CID_COOKIE_ACK, 0);
		else
			fx_chunk(&p, HOST11, PEER1, 5000, 3868, tp2,
				 SCTP_CID_COOKIE_ACK, 0);
		expect_fwd(fx_run(e, &p,
				  host_restarts ? ENGINE_INBOUND : from_host,
				  NOW));
		cr_assert_eq(view(e).tag_inside, ti2, "host restarts %d",
			     host_restarts);
		cr_assert_eq(locals_of(e, HOST11B), 0, "host restarts %d",
			     host_restarts);
		expect_drop(blind_init(e, PUB11B, port, NOW),
			    DROP_NO_FORWARD_RULE);
		engine_destroy(e);
	}
}

/*
 * The same when the inside host restarts: its INIT lists HOST11 only,
 * the peer's COOKIE ACK completes it.  An address its INIT does list
 * stays.
 */
Test(asconf, host_restart_keeps_only_the_addresses_its_init_lists)
{
	static const char *const peer[] = { PEER1, NULL };
	const uint32_t ti2 = 0x33333333u, tp2 = 0x44444444u;
	struct engine *e = fx_engine(MULTIHOME_OFF);
	uint16_t port;
	struct pb p;

	for (int listed = 0; listed < 2; listed++) {
		port = establish(e, HOST11, false);
		host_adds_second_address(e);
		pb_ip4(&p, HOST11, PEER1);
		pb_sctp(&p, 5000, 3868, 0);
		pb_init(&p, SCTP_CID_INIT, ti2);
		if (listed)
			pb_param_addr(&p, HOST11B);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
		fx_init_ack(&p, PEER1, PUB11, 3868, port, ti2, tp2, peer);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		pb_ip4(&p, HOST11, PEER1);
		pb_sctp(&p, 5000, 3868, tp2);
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, "cookie-cookie-cookie", 20);
		pb_finish(&p);
		expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
		cr_assert_eq(locals_of(e, HOST11B), 1);
		fx_chunk(&p, PEER1, PUB11, 3868, port, ti2,
			 SCTP_CID_COOKIE_ACK, 0);
		expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		cr_assert_eq(view(e).tag_inside, ti2);
		cr_assert_eq(locals_of(e, HOST11B), (unsigned int)listed);
		fx_data(&p, PEER1, PUB11B, 3868, port, ti2, 46);
		if (listed)
			expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
		else
			expect_drop(blind_init(e, PUB11B, port, NOW),
				    DROP_NO_FORWARD_RULE);
		engine_destroy(e);
		e = fx_engine(MULTIHOME_OFF);
	}
	engine_destroy(e);
}
