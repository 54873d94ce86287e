/*
 * test_engine_batch.c: engine_process_batch gives every packet the result
 * engine_process would, in order, whatever the batch holds.
 *
 * The batch loop reads each packet's headers and starts loading its
 * lookups' buckets and nodes before any packet of the batch is processed
 * (src/engine/batch_warm.c).  That may only warm caches: packets of one
 * batch often belong to one association (an INIT and its copy, a COOKIE
 * ECHO bundled behind by DATA, a restart beside the association it
 * replaces), and each must see the changes of those before it.  So two
 * engines built alike take the same random packets, one packet at a
 * time and in batches, and must agree on every verdict, every output
 * byte, their counters and their associations.  The packets come from a
 * small world (two inside hosts, four ports, two peers, a handful of
 * tags) so that handshakes complete, collide and restart within a batch,
 * with IPv6 ones, truncated ones and non-SCTP ones among them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define BATCH_MAX 64

static const char *const hosts[] = { "192.168.1.10", "192.168.1.11" };
static const char *const peers[] = { "198.51.100.100", "203.0.113.100" };
static const char *const pubs[] = { "198.51.100.1", "203.0.113.1" };
static const uint16_t ports[] = { 5000, 5001, 5002, 3868 };
static const uint32_t tags[] = { 0x11111111, 0x22222222, 0x33333333,
				 0x44444444, 0x55555555 };
static const uint8_t types[] = {
	SCTP_CID_INIT,	      SCTP_CID_INIT_ACK,    SCTP_CID_COOKIE_ECHO,
	SCTP_CID_COOKIE_ACK,  SCTP_CID_DATA,	    SCTP_CID_DATA,
	SCTP_CID_SACK,	      SCTP_CID_HEARTBEAT,   SCTP_CID_ABORT,
	SCTP_CID_SHUTDOWN,    SCTP_CID_SHUTDOWN_ACK,
	SCTP_CID_SHUTDOWN_COMPLETE, SCTP_CID_ERROR,
};

#define PICK(r, a) (a[(r) % (sizeof(a) / sizeof(a[0]))])

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One packet of the small world, from inside (out) or from a peer. */
static void build(struct pb *p, bool out, uint64_t *s)
{
	uint64_t r = rng(s);
	uint8_t type = PICK(r >> 8, types);
	uint16_t here = PICK(r >> 16, ports), there = 3868;
	uint32_t vtag = PICK(r >> 24, tags), itag = PICK(r >> 32, tags);
	const char *peer = PICK(r >> 40, peers), *host = PICK(r >> 48, hosts);
	const char *pub = PICK(r >> 48, pubs);
	bool v6 = (r >> 44) % 16 == 0;

	if (r % 2) {
		/* One of eight handshakes, a step that fits its tags, so
		 * that many complete (out of order, often not). */
		unsigned int k = (unsigned int)(r >> 1) % 8, step = (r >> 4) % 3;
		uint32_t ti = tags[k % 5], tp = tags[(k + 2) % 5];

		host = hosts[k & 1];
		peer = peers[(k >> 1) & 1];
		pub = pubs[(k >> 1) & 1];
		here = ports[(k >> 2) & 1];
		type = out ? (const uint8_t[]){ SCTP_CID_INIT,
						SCTP_CID_COOKIE_ECHO,
						SCTP_CID_DATA }[step] :
			     (const uint8_t[]){ SCTP_CID_INIT_ACK,
						SCTP_CID_COOKIE_ACK,
						SCTP_CID_DATA }[step];
		vtag = out ? tp : ti;
		itag = out ? ti : tp;
	}
	if (v6)
		pb_ip6(p, out ? "2001:db8:aa::10" : "2001:db8:ff::1",
		       out ? "2001:db8:ff::1" : "2001:db8:aa::10");
	else if (out)
		pb_ip4(p, host, peer);
	else
		pb_ip4(p, peer, pub);
	if (out)
		pb_sctp(p, here, there, type == SCTP_CID_INIT ? 0 : vtag);
	else
		pb_sctp(p, there, here, type == SCTP_CID_INIT ? 0 : vtag);
	switch (type) {
	case SCTP_CID_INIT:
	case SCTP_CID_INIT_ACK:
		pb_init(p, type, itag);
		if ((r >> 52) & 1)
			pb_param_addr(p, v6 ? "2001:db8:ff::2" : peers[1]);
		if (type == SCTP_CID_INIT_ACK)
			pb_param(p, 7, "cookie-cookie-cookie", 20);
		break;
	case SCTP_CID_COOKIE_ECHO:
		pb_chunk_begin(p, type, 0);
		pb_bytes(p, "cookie-cookie-cookie", 20);
		pb_chunk_end(p);
		if ((r >> 52) & 1)
			pb_data(p, 1, 0, "bundled", 7);
		break;
	case SCTP_CID_DATA:
		pb_data(p, (uint32_t)(r >> 53), 0, "data", 4);
		break;
	case SCTP_CID_SACK:
		pb_sack(p, 1);
		break;
	case SCTP_CID_HEARTBEAT:
		pb_heartbeat(p, type, "hb");
		break;
	default:
		/* T bit now and then: found by ports, not by tag. */
		pb_simple(p, type, (r >> 52) & 1);
		break;
	}
	pb_finish(p);
	/* Now and then a packet cut short, or not SCTP at all. */
	if ((r >> 56) % 32 == 0)
		p->len = (uint32_t)(r >> 58) % p->len;
	else if ((r >> 56) % 32 == 1 && !v6)
		p->buf[9] = 17;
}

/* As many as the fixture's engine holds (fx_config, max_assocs). */
#define VIEWS_MAX 256

struct views {
	unsigned int n;
	struct engine_assoc_view v[VIEWS_MAX];
};

static int keep_view(const struct engine_assoc_view *v, void *arg)
{
	struct views *vs = arg;

	cr_assert_lt(vs->n, VIEWS_MAX);
	vs->v[vs->n++] = *v;
	return 0;
}

static void same_state(const struct engine *one, const struct engine *bat)
{
	static struct views a, b;

	cr_assert_eq(memcmp(engine_stats(one), engine_stats(bat),
			    sizeof(struct engine_stats)),
		     0, "counters differ");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	engine_foreach_assoc(one, keep_view, &a);
	engine_foreach_assoc(bat, keep_view, &b);
	cr_assert_eq(a.n, b.n, "%u associations one by one, %u batched", a.n,
		     b.n);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "associations differ");
}

static void run_world(uint64_t seed, unsigned int rounds)
{
	static struct pb in[BATCH_MAX], one[BATCH_MAX];
	struct engine *e1 = fx_engine(MULTIHOME_UPLINKS);
	struct engine *e2 = fx_engine(MULTIHOME_UPLINKS);
	uint64_t s = seed, now = FX_SEC;
	unsigned int forwarded = 0;

	for (unsigned int round = 0; round < rounds; round++) {
		bool out = rng(&s) & 1;
		unsigned int n = 1 + rng(&s) % BATCH_MAX;
		enum engine_dir dir = out ? ENGINE_OUTBOUND : ENGINE_INBOUND;
		struct engine_pkt pkts[BATCH_MAX];
		struct engine_verdict v1, vs[BATCH_MAX];

		for (unsigned int i = 0; i < n; i++) {
			build(&in[i], out, &s);
			one[i] = in[i];
			pkts[i] = (struct engine_pkt){ in[i].buf, in[i].len,
						       PB_MAX };
		}
		engine_process_batch(e2, pkts, vs, n, dir, now);
		for (unsigned int i = 0; i < n; i++) {
			struct engine_pkt p = { one[i].buf, one[i].len,
						PB_MAX };

			engine_process(e1, &p, dir, now, &v1);
			/* Field by field: the padding is not written. */
			cr_assert(v1.action == vs[i].action &&
				  v1.reason == vs[i].reason &&
				  v1.uplink == vs[i].uplink &&
				  v1.len == vs[i].len,
				     "seed %llu round %u packet %u of %u: "
				     "action %d reason %d one by one, "
				     "%d %d batched",
				     (unsigned long long)seed, round, i, n,
				     v1.action, v1.reason, vs[i].action,
				     vs[i].reason);
			cr_assert_eq(p.len, pkts[i].len);
			cr_assert_eq(memcmp(p.data, pkts[i].data, p.len), 0,
				     "seed %llu round %u packet %u: bytes",
				     (unsigned long long)seed, round, i);
			forwarded += v1.action == ENGINE_FORWARD;
		}
		same_state(e1, e2);
		now += FX_SEC / 10 * (rng(&s) % 4);
		if (rng(&s) % 16 == 0) {
			now += 60 * FX_SEC;
			cr_assert_eq(engine_tick(e1, now), engine_tick(e2, now));
		}
	}
	/* The world is small enough that handshakes complete. */
	cr_assert_gt(forwarded, rounds, "only %u forwarded", forwarded);
	cr_assert_gt(engine_stats(e1)->chunks[ENGINE_CS_COOKIE_ACK], 0,
		     "no handshake completed");
	engine_destroy(e1);
	engine_destroy(e2);
}

Test(engine_batch, same_results_as_one_by_one, .timeout = 120)
{
	for (uint64_t seed = 1; seed <= 40; seed++)
		run_world(seed * 0x9e3779b97f4a7c15ull, 300);
}
