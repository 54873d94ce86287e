/*
 * test_engine_persist.c: the state file's engine half (engine_save,
 * engine_restore).  A restored engine must translate byte for byte like
 * the one that saved, on the same public ports, with its timers running
 * on; a damaged file must change nothing; a config that moved on must
 * lose exactly the associations it no longer allows.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "engine_fixture.h"
#include "engine_persist.h"
#include "sctp_wire.h"

#define PEER1	"198.51.100.100"
#define PEER2	"203.0.113.100"
#define PEER6	"2001:db8:ff::100"
#define TI_A	0x11111111u	/* 192.168.1.10:6000 -> PEER1, established */
#define TP_A	0x22222222u
#define TI_B	0x33333333u	/* 10.9.0.10:7000 -> PEER1, INIT only */
#define TI_C	0x55555555u	/* PEER2:40000 -> [forward] diameter */
#define TP_C	0x66666666u
#define TI_D	0x77777777u	/* [2001:db8:aa::10]:8000 -> PEER6 */
#define TP_D	0x88888888u

/* Clocks of the saving and the restoring daemon: unrelated.  T_YOUNG is
 * a clock younger than the associations, as after a reboot. */
#define T_SAVE		(100 * FX_SEC)
#define T_RESTORE	(500 * FX_SEC)
#define T_YOUNG		(2 * FX_SEC)

static const char *const both_peers[] = { PEER1, PEER2, NULL };
static const char *const peer6[] = { PEER6, NULL };

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static int mem_write(const void *b, size_t n, void *arg)
{
	struct membuf *m = arg;

	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->p = realloc(m->p, m->cap);
		cr_assert(m->p);
	}
	memcpy(m->p + m->len, b, n);
	m->len += n;
	return 0;
}

static int failing_write(const void *b, size_t n, void *arg)
{
	(void)b;
	(void)n;
	(void)arg;
	return -ENOSPC;
}

static void fwd(struct engine *e, struct pb *p, enum engine_dir dir,
		uint64_t now)
{
	struct engine_verdict v = fx_run(e, p, dir, now);

	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void cookie(struct pb *p, const char *src, const char *dst,
		   uint16_t sport, uint16_t dport, uint32_t vtag)
{
	if (strchr(src, ':'))
		pb_ip6(p, src, dst);
	else
		pb_ip4(p, src, dst);
	pb_sctp(p, sport, dport, vtag);
	pb_chunk_begin(p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(p, "cookie-cookie-cookie", 20);
	pb_finish(p);
}

/*
 * Four associations covering what a record holds: proxy multihoming
 * (two uplinks, two pinned peers), a handshake (1:1 network, COOKIE-WAIT),
 * a [forward] rule, and an untranslated IPv6 one.
 */
static void populate(struct engine *e)
{
	struct pb p;

	/* A */
	fx_init(&p, "192.168.1.10", PEER1, 6000, 3868, TI_A);
	fwd(e, &p, ENGINE_OUTBOUND, 10 * FX_SEC);
	cr_assert_eq(pkt_sport(p.buf), 6000);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, 6000, TI_A, TP_A,
		    both_peers);
	fwd(e, &p, ENGINE_INBOUND, 10 * FX_SEC);
	cookie(&p, "192.168.1.10", PEER1, 6000, 3868, TP_A);
	fwd(e, &p, ENGINE_OUTBOUND, 10 * FX_SEC);
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, 6000, TI_A,
		 SCTP_CID_COOKIE_ACK, 0);
	fwd(e, &p, ENGINE_INBOUND, 10 * FX_SEC);
	fx_data(&p, "192.168.1.10", PEER2, 6000, 3868, TP_A, 46);
	fwd(e, &p, ENGINE_OUTBOUND, 20 * FX_SEC);

	/* B: only the INIT, at 90 s: 15 s setup timeout, 5 s left. */
	fx_init(&p, "10.9.0.10", PEER1, 7000, 3868, TI_B);
	fwd(e, &p, ENGINE_OUTBOUND, 90 * FX_SEC);

	/* C */
	pb_ip4(&p, PEER2, "198.51.100.1");
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, TP_C);
	pb_finish(&p);
	fwd(e, &p, ENGINE_INBOUND, 30 * FX_SEC);
	pb_ip4(&p, "192.168.1.20", PEER2);
	pb_sctp(&p, 3868, 40000, TP_C);
	pb_init(&p, SCTP_CID_INIT_ACK, TI_C);
	pb_param_addr(&p, "192.168.1.20");
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "server-cookie", 13);
	pb_finish(&p);
	fwd(e, &p, ENGINE_OUTBOUND, 30 * FX_SEC);
	cookie(&p, PEER2, "198.51.100.1", 40000, 3868, TI_C);
	fwd(e, &p, ENGINE_INBOUND, 30 * FX_SEC);
	fx_chunk(&p, "192.168.1.20", PEER2, 3868, 40000, TP_C,
		 SCTP_CID_COOKIE_ACK, 0);
	fwd(e, &p, ENGINE_OUTBOUND, 30 * FX_SEC);

	/* D */
	fx_init(&p, "2001:db8:aa::10", PEER6, 8000, 3868, TI_D);
	fwd(e, &p, ENGINE_OUTBOUND, 40 * FX_SEC);
	fx_init_ack(&p, PEER6, "2001:db8:aa::10", 3868, 8000, TI_D, TP_D,
		    peer6);
	fwd(e, &p, ENGINE_INBOUND, 40 * FX_SEC);
	cookie(&p, "2001:db8:aa::10", PEER6, 8000, 3868, TP_D);
	fwd(e, &p, ENGINE_OUTBOUND, 40 * FX_SEC);
	fx_chunk(&p, PEER6, "2001:db8:aa::10", 3868, 8000, TI_D,
		 SCTP_CID_COOKIE_ACK, 0);
	fwd(e, &p, ENGINE_INBOUND, 40 * FX_SEC);
	cr_assert_eq(engine_stats(e)->assocs_live, 4);
}

/* Restored or skipped, each binding holds its public address once. */
static void expect_bindings_ok(const struct engine *e)
{
	char why[160];

	cr_assert(fx_bindings_ok(e, why, sizeof(why)), "%s", why);
}

static struct membuf save(const struct engine *e)
{
	struct membuf m = { 0 };

	cr_assert_eq(engine_save(e, mem_write, &m, T_SAVE),
		     (int)engine_stats(e)->assocs_live);
	return m;
}

/* ---- comparing two engines ---- */

struct views {
	unsigned int n;
	struct engine_assoc_view v[8];
};

static int collect(const struct engine_assoc_view *v, void *arg)
{
	struct views *vs = arg;

	cr_assert_lt(vs->n, 8);
	vs->v[vs->n++] = *v;
	return 0;
}

static const struct engine_assoc_view *find(const struct views *vs,
					    uint32_t tag_inside)
{
	for (unsigned int i = 0; i < vs->n; i++)
		if (vs->v[i].tag_inside == tag_inside)
			return &vs->v[i];
	return NULL;
}

static struct engine_assoc_view view_of(struct engine *e, uint32_t tag)
{
	struct views vs = { 0 };
	const struct engine_assoc_view *v;

	engine_foreach_assoc(e, collect, &vs);
	v = find(&vs, tag);
	cr_assert_not_null(v);
	return *v;
}

static void same_assoc(const struct engine_assoc_view *a,
		       const struct engine_assoc_view *b)
{
	cr_assert_eq(a->state, b->state);
	cr_assert_eq(a->inbound, b->inbound);
	cr_assert_eq(a->inside_port, b->inside_port);
	cr_assert_eq(a->public_port, b->public_port, "same public port");
	cr_assert_eq(a->peer_port, b->peer_port);
	cr_assert_eq(a->tag_peer, b->tag_peer);
	cr_assert_eq(T_SAVE - a->created_ns, T_RESTORE - b->created_ns,
		     "age carried over");
	cr_assert_eq(T_SAVE - a->last_seen_ns, T_RESTORE - b->last_seen_ns,
		     "idle time carried over");
	cr_assert_eq(a->expires_ns - T_SAVE, b->expires_ns - T_RESTORE,
		     "remaining lifetime carried over");
	cr_assert_eq(a->n_locals, b->n_locals);
	for (int i = 0; i < a->n_locals; i++) {
		cr_assert(nat_addr_eq(&a->locals[i].inside,
				      &b->locals[i].inside));
		cr_assert(nat_addr_eq(&a->locals[i].public_,
				      &b->locals[i].public_));
		cr_assert_eq(a->locals[i].uplink, b->locals[i].uplink);
	}
	cr_assert_eq(a->n_paths, b->n_paths);
	for (int i = 0; i < a->n_paths; i++) {
		cr_assert(nat_addr_eq(&a->paths[i].peer, &b->paths[i].peer));
		cr_assert_eq(a->paths[i].uplink, b->paths[i].uplink,
			     "peer address pinned to the same uplink");
		cr_assert_eq(a->paths[i].pkts_out, b->paths[i].pkts_out);
		cr_assert_eq(a->paths[i].bytes_in, b->paths[i].bytes_in);
	}
}

/* The same packet through both engines: same verdict, same bytes. */
static void same_translation(struct engine *e1, struct engine *e2,
			     struct pb *p, enum engine_dir dir)
{
	struct pb q = *p;
	struct engine_verdict v1 = fx_run(e1, p, dir, T_SAVE + FX_SEC);
	struct engine_verdict v2 = fx_run(e2, &q, dir, T_RESTORE + FX_SEC);

	cr_assert_eq(v1.action, ENGINE_FORWARD, "reference dropped: %s",
		     drop_reason_name(v1.reason));
	cr_assert_eq(v2.action, ENGINE_FORWARD, "restored dropped: %s",
		     drop_reason_name(v2.reason));
	cr_assert_eq(v1.uplink, v2.uplink);
	cr_assert_eq(p->len, q.len);
	cr_assert(!memcmp(p->buf, q.buf, p->len), "same bytes out");
	cr_assert(pkt_verify_crc(q.buf, q.len));
}

Test(persist, round_trip_translates_identically)
{
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine *e2 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	struct views v1 = { 0 }, v2 = { 0 };
	struct membuf m;
	struct pb p;

	populate(e1);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4,
		     "%s", rep.error);
	cr_assert_eq(rep.saved, 4);
	cr_assert_eq(rep.restored, 4);
	cr_assert_eq(rep.skipped, 0);
	cr_assert_eq(engine_stats(e2)->assocs_live, 4);
	cr_assert_eq(engine_stats(e2)->handshakes_live,
		     engine_stats(e1)->handshakes_live);

	engine_foreach_assoc(e1, collect, &v1);
	engine_foreach_assoc(e2, collect, &v2);
	cr_assert_eq(v2.n, 4);
	for (unsigned int i = 0; i < v1.n; i++) {
		const struct engine_assoc_view *b = find(&v2,
							 v1.v[i].tag_inside);

		cr_assert_not_null(b);
		same_assoc(&v1.v[i], b);
	}

	/* A, both paths, both directions. */
	fx_data(&p, "192.168.1.10", PEER1, 6000, 3868, TP_A, 46);
	same_translation(e1, e2, &p, ENGINE_OUTBOUND);
	cr_assert_eq(pkt_sport(p.buf), 6000);
	fx_data(&p, "192.168.1.10", PEER2, 6000, 3868, TP_A, 46);
	same_translation(e1, e2, &p, ENGINE_OUTBOUND);
	cr_assert_str_eq(pkt_src(p.buf, (char[48]){ 0 }), "203.0.113.1");
	fx_data(&p, PEER2, "203.0.113.1", 3868, 6000, TI_A, 46);
	same_translation(e1, e2, &p, ENGINE_INBOUND);
	fx_data(&p, PEER1, "198.51.100.1", 3868, 6000, TI_A, 46);
	same_translation(e1, e2, &p, ENGINE_INBOUND);
	cr_assert_str_eq(pkt_dst(p.buf, (char[48]){ 0 }), "192.168.1.10");
	/* B's handshake goes on. */
	fx_init_ack(&p, PEER1, "198.18.0.10", 3868, 7000, TI_B, 0x44444444u,
		    both_peers);
	same_translation(e1, e2, &p, ENGINE_INBOUND);
	/* C through its forward rule. */
	fx_data(&p, "192.168.1.20", PEER2, 3868, 40000, TP_C, 46);
	same_translation(e1, e2, &p, ENGINE_OUTBOUND);
	fx_data(&p, PEER2, "198.51.100.1", 40000, 3868, TI_C, 46);
	same_translation(e1, e2, &p, ENGINE_INBOUND);
	/* D. */
	fx_data(&p, "2001:db8:aa::10", PEER6, 8000, 3868, TP_D, 46);
	same_translation(e1, e2, &p, ENGINE_OUTBOUND);
	fx_data(&p, PEER6, "2001:db8:aa::10", 3868, 8000, TI_D, 46);
	same_translation(e1, e2, &p, ENGINE_INBOUND);

	/* The restored public ports are held: a new INIT from another
	 * inside host cannot take A's port towards the same peer. */
	fx_init(&p, "192.168.1.11", PEER1, 6000, 3868, 0x99999999u);
	fwd(e2, &p, ENGINE_OUTBOUND, T_RESTORE + FX_SEC);
	cr_assert_neq(pkt_sport(p.buf), 6000);

	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, timers_run_on_after_restore)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m;
	struct pb p;

	populate(e1);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_YOUNG, 0, &rep), 4,
		     "%s", rep.error);
	/* Older than the clock: creation pinned at its zero. */
	cr_assert_eq(view_of(e2, TI_A).created_ns, 0);
	/* B had 5 s of its 15 s setup timeout left when saved. */
	engine_tick(e2, T_YOUNG + 4 * FX_SEC);
	cr_assert_eq(engine_stats(e2)->assocs_live, 4);
	engine_tick(e2, T_YOUNG + 6 * FX_SEC);
	cr_assert_eq(engine_stats(e2)->assocs_live, 3, "B expired on time");
	cr_assert_eq(engine_stats(e2)->handshakes_live, 0);

	/* A is refreshed by traffic; C and D idle out (300 s). */
	for (uint64_t t = 60; t <= 360; t += 60) {
		fx_data(&p, "192.168.1.10", PEER1, 6000, 3868, TP_A, 46);
		fwd(e2, &p, ENGINE_OUTBOUND, T_YOUNG + t * FX_SEC);
		engine_tick(e2, T_YOUNG + t * FX_SEC);
	}
	cr_assert_eq(engine_stats(e2)->assocs_live, 1);
	cr_assert_eq(engine_stats(e2)->assocs_expired, 3);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, shorter_timeout_applies_to_restored)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct engine_config c;
	struct engine *e2;
	struct membuf m;

	populate(e1);
	m = save(e1);
	fx_config(&c, MULTIHOME_OFF);
	c.timeout_established = 10;
	cr_assert_eq(engine_create(&c, 7, &e2), 0);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4);
	engine_tick(e2, T_RESTORE + 11 * FX_SEC);
	cr_assert_eq(engine_stats(e2)->assocs_live, 0);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/* ---- damaged and foreign files ---- */

Test(persist, truncated_file_rejected_at_every_length)
{
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine *e2 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	struct membuf m;

	populate(e1);
	m = save(e1);
	for (size_t len = 0; len < m.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		/* An exact-size copy, so ASan sees any read past it. */
		memcpy(copy, m.p, len);
		cr_assert_eq(engine_restore(e2, copy, len, T_RESTORE, 0, &rep),
			     -EINVAL, "accepted %zu of %zu bytes", len,
			     m.len);
		cr_assert_neq(rep.error[0], 0);
		cr_assert_eq(engine_stats(e2)->assocs_live, 0);
		free(copy);
	}
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, corrupt_byte_rejected_anywhere)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine *e2 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	struct membuf m;

	populate(e1);
	m = save(e1);
	for (size_t off = 0; off < m.len; off++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			m.p[off] ^= masks[k];
			cr_assert_eq(engine_restore(e2, m.p, m.len,
						    T_RESTORE, 0, &rep),
				     -EINVAL, "byte %zu ^ %#x accepted", off,
				     masks[k]);
			cr_assert_eq(engine_stats(e2)->assocs_live, 0);
			m.p[off] ^= masks[k];
		}
	}
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, foreign_and_future_files_say_why)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m;

	cr_assert_eq(engine_restore(e2, "[daemon]\nuser = x\n", 18,
				    T_RESTORE, 0, &rep), -EINVAL);
	cr_assert_str_eq(rep.error, "not an sctpalgd state file");

	populate(e1);
	m = save(e1);
	m.p[11] = 3; /* version, low byte */
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep),
		     -EINVAL);
	cr_assert_str_eq(rep.error,
			 "format version 3, this sctpalgd reads 1 to 2");
	m.p[11] = 0;
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep),
		     -EINVAL);
	cr_assert_str_eq(rep.error,
			 "format version 0, this sctpalgd reads 1 to 2");
	m.p[11] = 2;
	m.len -= 10;
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep),
		     -EINVAL);
	cr_assert(strstr(rep.error, "truncated"), "%s", rep.error);
	m.len += 10;

	/* Restore wants a fresh engine. */
	cr_assert_eq(engine_restore(e1, m.p, m.len, T_RESTORE, 0, &rep),
		     -EBUSY);
	cr_assert_eq(engine_stats(e1)->assocs_live, 4);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, write_error_passed_back)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);

	populate(e);
	cr_assert_eq(engine_save(e, failing_write, NULL, T_SAVE), -ENOSPC);
	engine_destroy(e);
}

Test(persist, empty_table_round_trips)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m = { 0 };

	cr_assert_eq(engine_save(e1, mem_write, &m, T_SAVE), 0);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 0,
		     "%s", rep.error);
	cr_assert_eq(rep.saved, 0);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/* ---- a config that moved on ---- */

static struct engine *engine_with(const struct engine_config *c)
{
	struct engine *e;

	cr_assert_eq(engine_create(c, 9, &e), 0);
	return e;
}

Test(persist, removed_uplink_skips_its_associations)
{
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	struct engine_config c;
	struct views v = { 0 };
	struct engine *e2;
	struct membuf m;
	char line[160];

	populate(e1);
	m = save(e1);
	/* wan2 is gone, and with it the 1:1 network it carried. */
	fx_config(&c, MULTIHOME_UPLINKS);
	c.n_uplinks = 1;
	c.nets[1] = c.nets[2];
	c.n_nets = 2;
	e2 = engine_with(&c);
	/* A showed an address on wan2 (proxy multihoming), B lived on it. */
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 2,
		     "%s", rep.error);
	cr_assert_eq(rep.saved, 4);
	cr_assert_eq(rep.skipped, 2);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_UPLINK_GONE], 2);
	cr_assert_str_eq(engine_restore_report_str(&rep, line, sizeof(line)),
			 "2 skipped: 2 uplink no longer configured");
	engine_foreach_assoc(e2, collect, &v);
	cr_assert_eq(v.n, 2);
	cr_assert_not_null(find(&v, TI_C));
	cr_assert_not_null(find(&v, TI_D));
	/* Their public ports went back to the pool: A's may be reused. */
	cr_assert_eq(engine_stats(e2)->assocs_live, 2);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

Test(persist, port_range_and_mapping_changes_skip)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct engine_config c;
	struct engine *e2;
	struct membuf m;
	char line[160];

	populate(e1);
	m = save(e1);

	/* Outbound ports 6000-8000 now outside the range; the forward
	 * rule's own port is not bound by it. */
	fx_config(&c, MULTIHOME_OFF);
	c.port_min = 20000;
	c.port_max = 30000;
	e2 = engine_with(&c);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 1);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_PORT_RANGE], 3);
	expect_bindings_ok(e2);
	engine_destroy(e2);

	/* 192.168.1.0/24 moved to wan2: A and C's inside host now map to
	 * another public address; the forward rule is gone too. */
	fx_config(&c, MULTIHOME_OFF);
	c.nets[0].uplink = 1;
	c.n_forwards = 0;
	e2 = engine_with(&c);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 2);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_NOT_ALLOWED], 1);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_FORWARD_GONE], 1);
	cr_assert_str_eq(engine_restore_report_str(&rep, line, sizeof(line)),
			 "2 skipped: 1 forward rule no longer configured, "
			 "1 mapping no longer allowed");
	expect_bindings_ok(e2);
	engine_destroy(e2);

	/* A table for two: the first two records fit. */
	fx_config(&c, MULTIHOME_OFF);
	c.max_assocs = 2;
	e2 = engine_with(&c);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 2);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_LIMITS], 2);
	expect_bindings_ok(e2);
	engine_destroy(e2);
	free(m.p);
	engine_destroy(e1);
}

Test(persist, reordered_uplinks_map_by_name)
{
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	struct engine_config c;
	struct engine_uplink tmp;
	struct engine_verdict v;
	struct engine *e2;
	struct membuf m;
	struct pb p;

	populate(e1);
	m = save(e1);
	fx_config(&c, MULTIHOME_UPLINKS);
	tmp = c.uplinks[0];
	c.uplinks[0] = c.uplinks[1];
	c.uplinks[1] = tmp;
	c.nets[0].uplink = 1;
	c.nets[1].uplink = 0;
	e2 = engine_with(&c);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4,
		     "%s", rep.error);
	/* PEER2 stays pinned to wan2, now uplink 0. */
	fx_data(&p, "192.168.1.10", PEER2, 6000, 3868, TP_A, 46);
	v = fx_run(e2, &p, ENGINE_OUTBOUND, T_RESTORE + FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD);
	cr_assert_eq(v.uplink, 0);
	cr_assert_str_eq(pkt_src(p.buf, (char[48]){ 0 }), "203.0.113.1");
	cr_assert_eq(pkt_sport(p.buf), 6000);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/*
 * A writer bug rather than a bad disk: damage with the checksum made to
 * match.  Restore may accept or reject, but never crash (ASan), and what
 * it accepted must be consistent enough to translate and flush.
 */
Test(persist, damage_behind_a_valid_checksum_is_safe)
{
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine *e2 = fx_engine(MULTIHOME_UPLINKS);
	struct engine_restore_report rep;
	unsigned int accepted = 0;
	struct membuf m;
	struct pb p;

	populate(e1);
	m = save(e1);
	for (size_t off = 8; off < m.len - 4; off++) {
		uint8_t keep = m.p[off];
		uint32_t crc;

		m.p[off] ^= 0x5a;
		crc = ~crc32c(~0u, m.p, m.len - 4);
		m.p[m.len - 4] = (uint8_t)(crc >> 24);
		m.p[m.len - 3] = (uint8_t)(crc >> 16);
		m.p[m.len - 2] = (uint8_t)(crc >> 8);
		m.p[m.len - 1] = (uint8_t)crc;
		if (engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep) >= 0) {
			accepted++;
			fx_data(&p, "192.168.1.10", PEER1, 6000, 3868, TP_A,
				46);
			fx_run(e2, &p, ENGINE_OUTBOUND, T_RESTORE);
			fx_data(&p, PEER1, "198.51.100.1", 3868, 6000, TI_A,
				46);
			fx_run(e2, &p, ENGINE_INBOUND, T_RESTORE);
			engine_tick(e2, T_RESTORE + 400 * FX_SEC);
			engine_flush(e2);
		} else {
			cr_assert_eq(engine_stats(e2)->assocs_live, 0);
		}
		m.p[off] = keep;
	}
	cr_assert_gt(accepted, 0, "some damage is undetectable by design");
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

struct downs {
	unsigned int up, down_was_up, down_never_up;
};

static void count_event(void *arg, const struct engine_event *ev)
{
	struct downs *d = arg;

	if (ev->type == ENGINE_EV_UP)
		d->up++;
	else if (ev->type == ENGINE_EV_DOWN && ev->was_up)
		d->down_was_up++;
	else if (ev->type == ENGINE_EV_DOWN)
		d->down_never_up++;
}

/*
 * A restored association that was up before the save ends as one that
 * was up (the daemon logs "association down", not a failed set-up); a
 * restored handshake stays a set-up.  Restoring reports no new UP.
 */
Test(persist, restored_associations_keep_having_been_up)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct downs d = { 0 };
	struct membuf m;

	populate(e1);
	m = save(e1);
	engine_set_event_cb(e2, count_event, &d);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_SAVE, 0, &rep), 4,
		     "%s", rep.error);
	cr_assert_eq(d.up, 0);
	cr_assert_eq(engine_flush(e2), 4);
	cr_assert_eq(d.down_was_up, 3, "A, C and D were established");
	cr_assert_eq(d.down_never_up, 1, "B was only an INIT");
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/*
 * Time passes while no daemon runs: B (an INIT with 5 s of its setup
 * timeout left) is gone after 10 s away; the others (300 s) stay, their
 * expiry 10 s nearer and their idle time 10 s longer than with no
 * downtime.
 */
Test(persist, downtime_counts_against_restored_timers)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine *e3 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct engine_assoc_view a2, a3;
	struct membuf m;

	populate(e1);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 4,
		     "%s", rep.error);
	cr_assert_eq(engine_restore(e3, m.p, m.len, T_RESTORE,
				    10 * FX_SEC, &rep), 3, "%s", rep.error);
	cr_assert_eq(rep.by_reason[ENGINE_RESTORE_SKIP_EXPIRED], 1);
	a2 = view_of(e2, TI_A);
	a3 = view_of(e3, TI_A);
	cr_assert_eq(a2.expires_ns - a3.expires_ns, 10 * FX_SEC);
	cr_assert_eq(a2.last_seen_ns - a3.last_seen_ns, 10 * FX_SEC);
	cr_assert_eq(a2.created_ns - a3.created_ns, 10 * FX_SEC);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
	engine_destroy(e3);
}

/* ---- natsupp Disable Restart (0xC007), kept from version 2 on ---- */

#define HOST "192.168.1.10"
#define TI_N 0x33333333u /* the host's new INIT on HOST:5000 */
#define T_HS (T_SAVE - 5 * FX_SEC)

static void handshake_dr_complete(struct engine *e, uint64_t now)
{
	struct pb p;

	cookie(&p, HOST, PEER1, 5000, 3868, TP_A);
	fwd(e, &p, ENGINE_OUTBOUND, now);
	fx_chunk(&p, PEER1, "198.51.100.1", 3868, 5000, TI_A,
		 SCTP_CID_COOKIE_ACK, 0);
	fwd(e, &p, ENGINE_INBOUND, now);
}

static void init_dr(struct pb *p, uint32_t itag)
{
	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, 0);
	pb_init(p, SCTP_CID_INIT, itag);
	pb_param(p, SCTP_PARAM_DISABLE_RESTART, NULL, 0);
	pb_finish(p);
}

/* HOST:5000 -> PEER1:3868, tags TI_A / TP_A, both ends sending Disable
 * Restart, 5 s before the save; up to the INIT ACK only unless `up`. */
static void handshake_dr(struct engine *e, bool up)
{
	struct pb p;

	init_dr(&p, TI_A);
	fwd(e, &p, ENGINE_OUTBOUND, T_HS);
	cr_assert_eq(pkt_sport(p.buf), 5000);
	pb_ip4(&p, PEER1, "198.51.100.1");
	pb_sctp(&p, 3868, 5000, TI_A);
	pb_init(&p, SCTP_CID_INIT_ACK, TP_A);
	pb_param(&p, SCTP_PARAM_DISABLE_RESTART, NULL, 0);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	fwd(e, &p, ENGINE_INBOUND, T_HS);
	if (up)
		handshake_dr_complete(e, T_HS);
}

/*
 * The host's INIT with a new tag and Disable Restart, on the mapping of
 * an association both ends disabled restart for: a second association
 * sharing the public port, not a restart of the first (the peer keeps
 * the first, draft-ietf-tsvwg-natsupp-23 6.3.1, 6.3.2).  Returns how
 * many associations there are then; the first must still translate.
 */
static unsigned int second_init(struct engine *e, uint64_t now)
{
	struct pb p;

	init_dr(&p, TI_N);
	fwd(e, &p, ENGINE_OUTBOUND, now);
	cr_assert_eq(pkt_sport(p.buf), 5000, "the public port is shared");
	fx_data(&p, PEER1, "198.51.100.1", 3868, 5000, TI_A, 46);
	fwd(e, &p, ENGINE_INBOUND, now);
	cr_assert_str_eq(pkt_dst(p.buf, (char[48]){ 0 }), HOST);
	return engine_stats(e)->assocs_live;
}

Test(persist, disable_restart_survives_a_restore)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m;

	handshake_dr(e1, true);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 1,
		     "%s", rep.error);
	cr_assert_eq(second_init(e2, T_RESTORE + FX_SEC), 2,
		     "the restored association was taken for a restart");
	cr_assert_eq(engine_stats(e2)->assocs_created, 1, "the second one");
	/* As the engine that saved it does. */
	cr_assert_eq(second_init(e1, T_SAVE + FX_SEC), 2);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/* Saved between INIT ACK and COOKIE ECHO: the candidate keeps the
 * parameter, and the pair has it once the handshake completes. */
Test(persist, disable_restart_of_a_handshake_survives_a_restore)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m;

	handshake_dr(e1, false);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 1,
		     "%s", rep.error);
	handshake_dr_complete(e2, T_RESTORE);
	cr_assert_eq(second_init(e2, T_RESTORE + FX_SEC), 2,
		     "the restored association was taken for a restart");
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/* Without the parameter on both ends it is a restart, restored or not. */
Test(persist, restart_enabled_stays_enabled)
{
	struct engine *e1 = fx_engine(MULTIHOME_OFF);
	struct engine *e2 = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	struct membuf m;
	struct pb p;

	init_dr(&p, TI_A);
	fwd(e1, &p, ENGINE_OUTBOUND, T_HS);
	fx_init_ack(&p, PEER1, "198.51.100.1", 3868, 5000, TI_A, TP_A, NULL);
	fwd(e1, &p, ENGINE_INBOUND, T_HS);
	handshake_dr_complete(e1, T_HS);
	m = save(e1);
	cr_assert_eq(engine_restore(e2, m.p, m.len, T_RESTORE, 0, &rep), 1,
		     "%s", rep.error);
	cr_assert_eq(second_init(e2, T_RESTORE + FX_SEC), 1);
	free(m.p);
	engine_destroy(e1);
	expect_bindings_ok(e2);
	engine_destroy(e2);
}

/*
 * A version 1 file, as the sctpalgd before version 2 wrote it after
 * handshake_dr(e, true) (saved 10 s after the INIT): it loads, and its
 * association translates; version 1 kept no Disable Restart, so a new
 * INIT is a restart of it, as it was for that sctpalgd.  Flag bits
 * version 1 did not have make it malformed.
 */
static const uint8_t state_v1[] = {
	0x53, 0x43, 0x54, 0x50, 0x41, 0x4c, 0x47, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11,
	0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x77, 0x61, 0x6e, 0x31,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x77, 0x61, 0x6e, 0x32, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x64, 0x69, 0x61, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0xff, 0x01,
	0x01, 0x00, 0x00, 0x00, 0x13, 0x88, 0x13, 0x88, 0x0f, 0x1c, 0x00, 0x00,
	0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x18, 0x71, 0x1a, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x18, 0x71, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x43,
	0xc0, 0xf3, 0x9e, 0x00, 0x04, 0xc0, 0xa8, 0x01, 0x0a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc6, 0x33,
	0x64, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04, 0xc6, 0x33, 0x64, 0x64, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x68, 0x2e, 0x4b, 0xaf, 0x72
};

Test(persist, version_1_file_still_loads)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	struct engine_restore_report rep;
	uint8_t bad[sizeof(state_v1)];
	struct membuf m;
	uint32_t crc;
	struct pb p;

	cr_assert_eq(engine_restore(e, state_v1, sizeof(state_v1), T_RESTORE, 0,
				    &rep),
		     1, "%s", rep.error);
	fx_data(&p, HOST, PEER1, 5000, 3868, TP_A, 46);
	fwd(e, &p, ENGINE_OUTBOUND, T_RESTORE);
	cr_assert_eq(pkt_sport(p.buf), 5000);
	cr_assert_eq(second_init(e, T_RESTORE + FX_SEC), 1);
	/* Saved again, it is a version 2 file. */
	m = save(e);
	cr_assert_eq(m.p[11], 2);
	free(m.p);
	engine_destroy(e);

	memcpy(bad, state_v1, sizeof(bad));
	bad[129] = 0x06; /* the record's flags: Disable Restart */
	crc = ~crc32c(~0u, bad, sizeof(bad) - 4);
	bad[sizeof(bad) - 4] = (uint8_t)(crc >> 24);
	bad[sizeof(bad) - 3] = (uint8_t)(crc >> 16);
	bad[sizeof(bad) - 2] = (uint8_t)(crc >> 8);
	bad[sizeof(bad) - 1] = (uint8_t)crc;
	e = fx_engine(MULTIHOME_OFF);
	cr_assert_eq(engine_restore(e, bad, sizeof(bad), T_RESTORE, 0, &rep),
		     -EINVAL);
	cr_assert_str_eq(rep.error, "malformed association record");
	/* The same bits in a version 2 file: an association with it. */
	bad[11] = 2;
	crc = ~crc32c(~0u, bad, sizeof(bad) - 4);
	bad[sizeof(bad) - 4] = (uint8_t)(crc >> 24);
	bad[sizeof(bad) - 3] = (uint8_t)(crc >> 16);
	bad[sizeof(bad) - 2] = (uint8_t)(crc >> 8);
	bad[sizeof(bad) - 1] = (uint8_t)crc;
	cr_assert_eq(engine_restore(e, bad, sizeof(bad), T_RESTORE, 0, &rep), 1,
		     "%s", rep.error);
	cr_assert_eq(second_init(e, T_RESTORE + FX_SEC), 2);
	engine_destroy(e);
}
