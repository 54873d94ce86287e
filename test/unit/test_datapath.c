/*
 * The datapath in process (src/daemon/datapath.h): the real batch loop,
 * route and egress code and the real engine, over a fake backend that
 * hands in built frames and records what leaves (by a TX ring or the raw
 * sockets), and a fake kroute whose answers each test sets
 * (kroute_fake.h).
 *
 *   lan0 (ifindex 10) --- box --- wan1 (11)  uplink 0, 198.51.100.1
 *                              \- wan2 (12)  uplink 1, 203.0.113.1
 *
 * The engine is test/unit/engine_fixture.c's (README, Configuration,
 * case 1).  Two fakes of the backend: "xsk" has TX rings (AF_XDP),
 * "packet" has none (AF_PACKET: every packet leaves through the kernel).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "datapath.h"
#include "engine_fixture.h"
#include "ip_reasm.h"
#include "kroute_fake.h"
#include "sctp_wire.h"

#define HOST	"192.168.1.10"
#define PEER1	"198.51.100.100"
#define PUB1	"198.51.100.1"
#define N_IFS	3
#define MAX_OUT 16
#define ETH	14

static const char *const if_names[N_IFS] = { "lan0", "wan1", "wan2" };
static const int if_index[N_IFS] = { 10, 11, 12 };
static const uint8_t if_macs[N_IFS][6] = {
	{ 0x02, 0, 0, 0, 0, 0x10 },
	{ 0x02, 0, 0, 0, 0, 0x11 },
	{ 0x02, 0, 0, 0, 0, 0x12 },
};
/* The host on lan0, the one that sends the frames in. */
static const uint8_t host_mac[6] = { 0x02, 0xaa, 0, 0, 0, 0x01 };
/* The next hop kroute answers with. */
static const uint8_t gw_mac[6] = { 0x02, 0xbb, 0, 0, 0, 0x01 };

/* What left: by a ring (out_if >= 0) or the raw sockets (oif). */
struct sent {
	bool ring;
	int out_if;		/* ring: backend interface */
	int oif;		/* raw: egress ifindex */
	uint8_t buf[PB_MAX + ETH];
	uint32_t len;
};

static struct {
	/* Frames handed in, one batch. */
	uint8_t frame[8][PB_MAX + ETH];
	struct dp_frame in[8];
	unsigned int n_in;
	/* Recorded. */
	struct sent out[MAX_OUT];
	unsigned int n_out;
	unsigned int released, rx_done;
} fk;

/* ---- the fake backend ---- */

static unsigned int f_rx(void *ctx, unsigned int src, struct dp_frame *f,
			 unsigned int max)
{
	unsigned int n = fk.n_in < max ? fk.n_in : max;

	(void)ctx;
	(void)src;
	memcpy(f, fk.in, n * sizeof(*f));
	fk.n_in = 0;
	return n;
}

static void f_rx_done(void *ctx, unsigned int src)
{
	(void)ctx;
	(void)src;
	fk.rx_done++;
}

static void f_release(void *ctx, struct dp_frame *f)
{
	(void)ctx;
	(void)f;
	fk.released++;
}

static int f_tx_if(void *ctx, int ifindex)
{
	(void)ctx;
	for (int i = 0; i < N_IFS; i++)
		if (if_index[i] == ifindex)
			return i;
	return -1;
}

static const uint8_t *f_if_mac(void *ctx, unsigned int i)
{
	(void)ctx;
	return if_macs[i];
}

/* Untagged frames only: the header is rewritten where it is. */
static int f_set_eth(void *ctx, struct dp_frame *f, uint32_t l3_len,
		     const uint8_t dst[6], const uint8_t src[6])
{
	(void)ctx;
	cr_assert_eq(f->l3_off, ETH);
	memcpy(f->data, dst, 6);
	memcpy(f->data + 6, src, 6);
	f->data[12] = (f->data[ETH] >> 4) == 4 ? 0x08 : 0x86;
	f->data[13] = (f->data[ETH] >> 4) == 4 ? 0x00 : 0xdd;
	f->len = ETH + l3_len;
	return 0;
}

static struct sent *record(void)
{
	cr_assert_lt(fk.n_out, MAX_OUT);
	return &fk.out[fk.n_out++];
}

static void f_tx(void *ctx, unsigned int out_if, struct dp_frame *f)
{
	struct sent *s = record();

	(void)ctx;
	s->ring = true;
	s->out_if = (int)out_if;
	memcpy(s->buf, f->data, f->len);
	s->len = f->len;
}

static int f_send_raw(void *ctx, const uint8_t *ip, uint32_t len, int oif)
{
	struct sent *s = record();

	(void)ctx;
	s->ring = false;
	s->out_if = -1;
	s->oif = oif;
	memcpy(s->buf, ip, len);
	s->len = len;
	return 0;
}

static unsigned int f_if_count(void *ctx)
{
	(void)ctx;
	return N_IFS;
}

static const char *f_if_name(void *ctx, unsigned int i)
{
	(void)ctx;
	return if_names[i];
}

/* AF_XDP-like: TX rings on every interface. */
static const struct datapath_ops xsk_ops = {
	.rx = f_rx,
	.release = f_release,
	.tx_if = f_tx_if,
	.if_mac = f_if_mac,
	.set_eth = f_set_eth,
	.tx = f_tx,
	.send_raw = f_send_raw,
	.if_count = f_if_count,
	.if_name = f_if_name,
};

/* AF_PACKET-like: no TX rings, frames start at the IP header. */
static const struct datapath_ops packet_ops = {
	.rx = f_rx,
	.rx_done = f_rx_done,
	.if_mac = f_if_mac,
	.send_raw = f_send_raw,
	.if_count = f_if_count,
	.if_name = f_if_name,
};

/* ---- set-up ---- */

static struct engine *eng;
static struct datapath *dp;
static struct conf conf;
static char sbuf[48], dbuf[48];

static void setup_with(const struct datapath_ops *ops, bool ootb_reply)
{
	memset(&fk, 0, sizeof(fk));
	kroute_fake_reset();
	memset(&conf, 0, sizeof(conf));
	fx_config(&conf.engine, MULTIHOME_OFF);
	conf.engine.ootb_reply = ootb_reply;
	cr_assert_eq(engine_create(&conf.engine, 7, &eng), 0);
	/* kroute's default answer: wan1, resolved, MTU 1500. */
	kroute_fake.nh.ifindex = 11;
	kroute_fake.nh.resolved = true;
	kroute_fake.nh.mtu = 1500;
	memcpy(kroute_fake.nh.dst_mac, gw_mac, 6);
	cr_assert_eq(datapath_create(eng, ops, NULL, NULL, &conf, &dp), 0);
}

static void teardown(void)
{
	datapath_destroy(dp);
	engine_destroy(eng);
}

/* Frame k of the next batch: p's IP packet, in on lan0 from the host. */
static void put(unsigned int k, const struct pb *p, bool l2)
{
	uint8_t *b = fk.frame[k];
	uint32_t off = l2 ? ETH : 0;

	if (l2) {
		memcpy(b, if_macs[0], 6);
		memcpy(b + 6, host_mac, 6);
		b[12] = 0x08;
		b[13] = 0x00;
	}
	memcpy(b + off, p->buf, p->len);
	fk.in[k] = (struct dp_frame){
		.data = b,
		.len = off + p->len,
		.cap = sizeof(fk.frame[k]),
		.l3_off = off,
		.in_if = 0,
		.ifindex = if_index[0],
		.slot = k,
	};
	if (k + 1 > fk.n_in)
		fk.n_in = k + 1;
}

static void run(void)
{
	datapath_rx(dp, 0, FX_SEC);
}

/* The IP packet of a recorded frame. */
static const uint8_t *ip_of(const struct sent *s)
{
	return s->ring ? s->buf + ETH : s->buf;
}

/* An INIT from the host to the peer, padded to about len bytes with a
 * parameter the peer skips (RFC 9260 3.2.1, high bits 10). */
static void big_init(struct pb *p, uint32_t len)
{
	static uint8_t pad[4000];

	pb_ip4(p, HOST, PEER1);
	pb_sctp(p, 5000, 3868, 0);
	pb_init(p, SCTP_CID_INIT, 0x11111111);
	pb_param(p, 0x8123, pad, (uint16_t)(len - 20 - 12 - 20 - 4));
	pb_finish(p);
}

/* ---- AF_XDP-like ---- */

static void xsk_setup(void)
{
	setup_with(&xsk_ops, false);
}

TestSuite(datapath, .init = xsk_setup, .fini = teardown);

Test(datapath, forward_leaves_by_the_egress_ring_to_the_next_hop)
{
	struct pb p;
	const struct sent *s;

	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	s = &fk.out[0];
	cr_assert(s->ring, "by the TX ring, not the raw sockets");
	cr_assert_eq(s->out_if, 1, "out of wan1");
	cr_assert(!memcmp(s->buf, gw_mac, 6), "to the next hop's MAC");
	cr_assert(!memcmp(s->buf + 6, if_macs[1], 6), "from wan1's MAC");
	cr_assert_eq(s->buf[12], 0x08);
	cr_assert_eq(s->buf[13], 0x00);
	cr_assert_eq(s->len, ETH + p.len);
	cr_assert_str_eq(pkt_src(ip_of(s), sbuf), PUB1, "translated");
	cr_assert_str_eq(pkt_dst(ip_of(s), dbuf), PEER1);
	cr_assert(pkt_verify_crc(ip_of(s), s->len - ETH));
	/* Pinned to the uplink the engine chose. */
	cr_assert_eq(kroute_fake.asked_oif, 11);
	cr_assert_eq(fk.released, 0);
	cr_assert_eq(datapath_stats(dp)->raw_sent, 0);
}

Test(datapath, no_route_sends_nothing_and_counts)
{
	struct pb p;

	kroute_fake.route_rc = -1;
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 0);
	cr_assert_eq(fk.released, 1, "the frame goes back");
	cr_assert_eq(datapath_stats(dp)->no_route, 1);
}

Test(datapath, unresolved_neighbour_leaves_raw_and_is_resolved)
{
	struct pb p;
	const struct sent *s;

	kroute_fake.nh.resolved = false;
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	s = &fk.out[0];
	cr_assert(!s->ring, "through the kernel, which resolves");
	cr_assert_eq(s->oif, 11, "pinned to wan1");
	cr_assert_eq(s->len, p.len, "the IP packet, no link header");
	cr_assert_str_eq(pkt_src(s->buf, sbuf), PUB1);
	cr_assert_eq(kroute_fake.resolves, 1, "resolution asked for");
	cr_assert_eq(fk.released, 1);
	cr_assert_eq(datapath_stats(dp)->unresolved, 1);
	cr_assert_eq(datapath_stats(dp)->raw_sent, 1);
}

Test(datapath, egress_without_a_ring_leaves_raw)
{
	struct pb p;

	kroute_fake.nh.ifindex = 99; /* not one of the backend's */
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	cr_assert(!fk.out[0].ring);
	cr_assert_eq(fk.out[0].oif, 99);
	cr_assert_eq(kroute_fake.resolves, 0, "resolved: nothing to ask");
	cr_assert_eq(datapath_stats(dp)->unresolved, 0);
}

Test(datapath, over_mtu_with_df_sends_frag_needed_to_the_host)
{
	struct pb p;
	const struct sent *s;
	uint32_t h;

	big_init(&p, 300);
	kroute_fake.nh.mtu = 200;
	put(0, &p, true);
	run();
	/* The packet does not leave; its sender hears why (RFC 1191). */
	cr_assert_eq(fk.n_out, 1);
	s = &fk.out[0];
	cr_assert(!s->ring);
	cr_assert_eq(s->buf[9], 1, "ICMP");
	h = pkt_l3_hlen(s->buf);
	cr_assert_eq(s->buf[h], 3, "destination unreachable");
	cr_assert_eq(s->buf[h + 1], 4, "fragmentation needed");
	cr_assert_eq(s->buf[h + 6] << 8 | s->buf[h + 7], 200, "next-hop MTU");
	cr_assert_str_eq(pkt_dst(s->buf, dbuf), HOST, "back to the host");
	cr_assert(pkt_verify_icmp_csum(s->buf, s->len));
	cr_assert_eq(fk.released, 1);
	cr_assert_eq(datapath_stats(dp)->too_big, 1);
	cr_assert_eq(datapath_stats(dp)->icmp_too_big_sent, 1);
}

/* Reassemble what the datapath sent as fragments; returns its length. */
static uint32_t reassemble_sent(uint8_t *out, unsigned int *n_frags)
{
	struct ip_reasm *r;
	struct ip_reasm_out o;
	uint32_t len = 0;

	cr_assert_eq(ip_reasm_create(4, 10 * FX_SEC, &r), 0);
	*n_frags = 0;
	for (unsigned int i = 0; i < fk.n_out; i++) {
		const struct sent *s = &fk.out[i];

		cr_assert(!s->ring);
		cr_assert_eq(s->oif, 11);
		cr_assert(ip_is_fragment(s->buf, s->len));
		(*n_frags)++;
		if (ip_reasm_add(r, s->buf, s->len, FX_SEC, &o) ==
		    IP_REASM_COMPLETE) {
			memcpy(out, o.data, o.len);
			len = o.len;
			ip_reasm_release(r, &o);
		}
	}
	ip_reasm_destroy(r);
	return len;
}

struct frags_in {
	unsigned int n;
	struct pb p[8];
};

static void keep_fragment(void *arg, const uint8_t *frag, uint32_t len)
{
	struct frags_in *fi = arg;

	cr_assert_lt(fi->n, 8);
	memcpy(fi->p[fi->n].buf, frag, len);
	fi->p[fi->n].len = len;
	fi->n++;
}

Test(datapath, fragments_reassembled_translated_and_cut_again)
{
	static uint8_t scratch[65536], whole[65536];
	static struct frags_in fi;
	struct ip_frag_info info = { .id = 0x4242 };
	struct pb p;
	unsigned int n;
	uint32_t len;

	big_init(&p, 300);
	fi.n = 0;
	cr_assert_geq(ip_fragment(p.buf, p.len, 120, &info, scratch,
				  keep_fragment, &fi), 0);
	cr_assert_geq(fi.n, 3);
	for (unsigned int i = 0; i < fi.n; i++)
		put(i, &fi.p[i], true);
	run();
	cr_assert_eq(datapath_stats(dp)->frags_in, fi.n);
	cr_assert_eq(datapath_stats(dp)->reassembled, 1);
	cr_assert_eq(fk.released, fi.n, "every fragment's frame goes back");
	/* Out raw, no larger than the sender's own fragments. */
	for (unsigned int i = 0; i < fk.n_out; i++)
		cr_assert_leq(fk.out[i].len, 120);
	len = reassemble_sent(whole, &n);
	cr_assert_geq(n, 3);
	cr_assert_eq(datapath_stats(dp)->frags_out, n);
	cr_assert_eq(len, p.len);
	cr_assert_str_eq(pkt_src(whole, sbuf), PUB1, "translated whole");
	cr_assert(pkt_verify_crc(whole, len));
}

/* ---- replies: the engine answers an out-of-the-blue DATA ---- */

static void reply_setup(void)
{
	setup_with(&xsk_ops, true);
}

TestSuite(datapath_reply, .init = reply_setup, .fini = teardown);

Test(datapath_reply, goes_back_out_of_lan0_to_the_sender)
{
	struct pb p;
	const struct sent *s;

	fx_data(&p, HOST, PEER1, 5000, 3868, 0x22222222, 46);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	s = &fk.out[0];
	cr_assert(s->ring);
	cr_assert_eq(s->out_if, 0, "back where it came from");
	cr_assert(!memcmp(s->buf, host_mac, 6), "to the sender's MAC");
	cr_assert(!memcmp(s->buf + 6, if_macs[0], 6), "from lan0's MAC");
	/* draft-ietf-tsvwg-natsupp: ERROR with Missing State, M bit. */
	cr_assert_neq(pkt_find_chunk(ip_of(s), s->len - ETH, SCTP_CID_ERROR,
				     0), 0, "the engine's ERROR");
	cr_assert(pkt_verify_crc(ip_of(s), s->len - ETH));
	cr_assert_str_eq(pkt_dst(ip_of(s), dbuf), HOST);
	cr_assert_str_eq(pkt_src(ip_of(s), sbuf), PEER1);
	cr_assert_eq(datapath_stats(dp)->replies, 1);
}

/* ---- AF_PACKET-like: no rings, everything through the kernel ---- */

static void packet_setup(void)
{
	setup_with(&packet_ops, true);
}

TestSuite(datapath_packet, .init = packet_setup, .fini = teardown);

Test(datapath_packet, forwards_raw_pinned_to_the_route)
{
	struct pb p;

	/* The kernel resolves: not counted. */
	kroute_fake.nh.resolved = false;
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	put(0, &p, false);
	run();
	cr_assert_eq(fk.n_out, 1);
	cr_assert(!fk.out[0].ring);
	cr_assert_eq(fk.out[0].oif, 11);
	cr_assert_eq(fk.out[0].len, p.len);
	cr_assert_str_eq(pkt_src(fk.out[0].buf, sbuf), PUB1);
	cr_assert_eq(datapath_stats(dp)->unresolved, 0);
	cr_assert_eq(kroute_fake.resolves, 0);
	cr_assert_eq(fk.rx_done, 1, "ring slots handed back");
}

Test(datapath_packet, replies_raw_by_the_incoming_interface)
{
	struct pb p;

	fx_data(&p, HOST, PEER1, 5000, 3868, 0x22222222, 46);
	put(0, &p, false);
	run();
	cr_assert_eq(fk.n_out, 1);
	cr_assert(!fk.out[0].ring);
	cr_assert_eq(fk.out[0].oif, 10, "out of lan0");
	cr_assert_str_eq(pkt_dst(fk.out[0].buf, dbuf), HOST);
	cr_assert_eq(datapath_stats(dp)->replies, 1);
	cr_assert_eq(fk.rx_done, 1);
}

Test(datapath_packet, hands_slots_back_after_an_empty_batch)
{
	run();
	cr_assert_eq(fk.n_out, 0);
	cr_assert_eq(fk.rx_done, 1);
}

/* ---- TTL / Hop Limit run out (RFC 1812 5.3.1, RFC 8200 3) ---- */

#define LAN_ADDR  "192.168.1.1" /* the box on lan0 */
#define LAN_ADDR6 "2001:db8:aa::1"

/* p with TTL / Hop Limit ttl, the IPv4 header sum made again. */
static void with_ttl(struct pb *p, uint8_t ttl)
{
	uint32_t sum = 0;

	if (p->v6) {
		p->buf[7] = ttl;
		return;
	}
	p->buf[8] = ttl;
	p->buf[10] = p->buf[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p->buf[i] << 8 | p->buf[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sctp_put16(p->buf + 10, (uint16_t)~sum);
}

/* The box's answer on the way back to the host: raw, out of lan0. */
static void route_back_by_lan0(const char *src)
{
	kroute_fake.nh.ifindex = 10;
	cr_assert_eq(nat_addr_parse(&kroute_fake.nh.src, src), 0);
}

/* fk.out[i] is Time Exceeded from `from` to the host about p as sent. */
static void expect_time_exceeded(unsigned int i, const struct pb *p,
				 const char *from, const char *to)
{
	const struct sent *s = &fk.out[i];
	uint32_t h = pkt_l3_hlen(s->buf);
	bool v6 = p->v6;

	cr_assert(!s->ring);
	cr_assert_eq(s->oif, 10, "out of lan0, where it came from");
	cr_assert_eq(s->buf[v6 ? 6 : 9], v6 ? 58 : 1, "ICMP");
	cr_assert_eq(s->buf[h], v6 ? 3 : 11, "time exceeded");
	cr_assert_eq(s->buf[h + 1], 0, "in transit");
	cr_assert_str_eq(pkt_src(s->buf, sbuf), from, "from the box");
	cr_assert_str_eq(pkt_dst(s->buf, dbuf), to, "to the sender");
	if (!v6)
		cr_assert(pkt_verify_ip4_csum(s->buf));
	cr_assert(pkt_verify_icmp_csum(s->buf, s->len));
	cr_assert_eq(s->len, h + 8 + p->len, "the whole packet quoted");
	cr_assert(!memcmp(s->buf + h + 8, p->buf, p->len),
		  "quoted as it came, untranslated");
}

Test(datapath, ttl_1_answered_with_time_exceeded_not_forwarded)
{
	struct pb p;

	route_back_by_lan0(LAN_ADDR);
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	with_ttl(&p, 1);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1, "the error only");
	expect_time_exceeded(0, &p, LAN_ADDR, HOST);
	cr_assert_eq(kroute_fake.asked_oif, 10, "routed back by lan0");
	cr_assert_eq(fk.released, 1);
	cr_assert_eq(engine_stats(eng)->drops[DROP_TTL_EXCEEDED], 1);
	cr_assert_eq(engine_stats(eng)->assocs_live, 0);
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 1);
}

Test(datapath, ttl_0_and_ipv6_hop_limit_1_answered_too)
{
	struct pb p4, p6;

	route_back_by_lan0(LAN_ADDR);
	fx_init(&p4, HOST, PEER1, 5000, 3868, 0x11111111);
	with_ttl(&p4, 0);
	put(0, &p4, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	expect_time_exceeded(0, &p4, LAN_ADDR, HOST);

	route_back_by_lan0(LAN_ADDR6);
	fx_init(&p6, "2001:db8:aa::10", "2001:db8:ff::1", 5000, 3868,
		0x11111111);
	with_ttl(&p6, 1);
	put(0, &p6, true);
	run();
	cr_assert_eq(fk.n_out, 2);
	expect_time_exceeded(1, &p6, LAN_ADDR6, "2001:db8:aa::10");
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 2);
}

Test(datapath, ttl_2_forwarded_with_ttl_1)
{
	struct pb p;

	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	with_ttl(&p, 2);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 1);
	cr_assert(fk.out[0].ring);
	cr_assert_eq(ip_of(&fk.out[0])[8], 1);
	cr_assert(pkt_verify_ip4_csum(ip_of(&fk.out[0])));
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 0);
}

/* RFC 1812 4.3.2.7: no ICMP error about an ICMP error. */
Test(datapath, icmp_error_at_ttl_1_dropped_unanswered)
{
	struct pb q, p;

	route_back_by_lan0(LAN_ADDR);
	fx_data(&q, PEER1, HOST, 3868, 5000, 0x11111111, 46);
	pb_icmp4_error(&p, HOST, PEER1, 3, 3, 0, q.buf, 28);
	with_ttl(&p, 1);
	put(0, &p, true);
	run();
	cr_assert_eq(fk.n_out, 0);
	cr_assert_eq(engine_stats(eng)->drops[DROP_TTL_EXCEEDED], 1);
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 0);
}

/* RFC 1812 4.3.2.8: 100 a second, shared with Fragmentation Needed. */
Test(datapath, time_exceeded_rate_limited_with_frag_needed)
{
	struct pb p;

	route_back_by_lan0(LAN_ADDR);
	fx_init(&p, HOST, PEER1, 5000, 3868, 0x11111111);
	with_ttl(&p, 1);
	for (unsigned int b = 0; b < 13; b++) {
		for (unsigned int k = 0; k < 8; k++)
			put(k, &p, true);
		run();
		fk.n_out = 0; /* the record holds fewer */
	}
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 100);
	big_init(&p, 300);
	kroute_fake.nh.mtu = 200;
	put(0, &p, true);
	run();
	cr_assert_eq(datapath_stats(dp)->too_big, 1);
	cr_assert_eq(datapath_stats(dp)->icmp_too_big_sent, 0, "no token left");
	cr_assert_eq(fk.n_out, 0);
}

/* A datagram reassembled by the box keeps its first fragment's TTL. */
Test(datapath, fragments_at_ttl_1_answered_not_forwarded)
{
	static uint8_t scratch[65536];
	static struct frags_in fi;
	struct ip_frag_info info = { .id = 0x4343 };
	struct pb p;

	route_back_by_lan0(LAN_ADDR);
	big_init(&p, 300);
	with_ttl(&p, 1);
	fi.n = 0;
	cr_assert_geq(ip_fragment(p.buf, p.len, 120, &info, scratch,
				  keep_fragment, &fi),
		      0);
	for (unsigned int i = 0; i < fi.n; i++)
		put(i, &fi.p[i], true);
	run();
	cr_assert_eq(datapath_stats(dp)->reassembled, 1);
	cr_assert_eq(datapath_stats(dp)->frags_out, 0, "nothing forwarded");
	cr_assert_eq(fk.n_out, 1);
	cr_assert_eq(engine_stats(eng)->drops[DROP_TTL_EXCEEDED], 1);
	cr_assert_eq(datapath_stats(dp)->icmp_time_exceeded_sent, 1);
	cr_assert_eq(fk.out[0].buf[20], 11, "time exceeded");
	cr_assert_str_eq(pkt_dst(fk.out[0].buf, dbuf), HOST);
}
