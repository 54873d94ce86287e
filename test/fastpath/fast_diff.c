/*
 * fast_diff: the differential test of the XDP fast path (README, "Fast
 * path").  The same packets go through the engine in process and
 * through the XDP program with BPF_PROG_RUN; every packet the program
 * forwards itself (XDP_REDIRECT) must come out byte for byte as the
 * engine's, with the next hop's MACs; anything else must be handed to
 * the slow path (XDP_PASS here: no AF_XDP socket is registered).  A
 * packet the fast path is meant to take (only its chunk types, well
 * formed, a known path) must be taken, so a fast path that hands off
 * everything fails too.
 *
 * Associations: IPv4 and IPv6, outbound and inbound, with the public
 * port preserved and changed (a second engine without port
 * preservation).  Packets: every chunk type the fast path takes and some
 * it must not, random bundles and sizes up to 9000 bytes, damaged and
 * zero CRC32c, bad chunk lengths, a damaged IPv4 header, wrong tags,
 * unknown peer addresses, link padding; and every chunk type that
 * changes state or is rewritten (INIT, INIT ACK, ABORT, SHUTDOWN*,
 * COOKIE*, ERROR, AUTH, ASCONF*, unknown ones), which must be handed off.
 * TTL / Hop Limit: mostly 64, a quarter of the packets 0, 1, 2 or 255;
 * 0 and 1 must be handed off (the engine drops them, ttl-exceeded), the
 * others taken with one hop less (RFC 1812 5.3.1, RFC 8200 3).
 *
 *   fast_diff [iterations [seed [bench]]]  (root: BPF_PROG_RUN)
 * Exit 0 on success, 1 on a mismatch, 77 when BPF cannot be used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_fast.h"
#include "engine_fixture.h"
#include "fast_kv.h"
#include "fastpath_tool.h"
#include "sctp_wire.h"
/* Generated code: bpftool casts the embedded object's const away. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdp_steer.skel.h"
#pragma GCC diagnostic pop

#define ETH_HLEN 14
#define PEER4	 "198.51.100.100"
#define PEER4B	 "198.51.100.101" /* never part of an association */
#define PEER6	 "2001:db8:ff::1"
#define PEER6B	 "2001:db8:ff::2"

/* One program instance per direction, sharing the fast-path maps. */
static struct xdp_steer_bpf *skel[2];

static int load_progs(void)
{
	for (int dir = 0; dir < 2; dir++) {
		struct xdp_steer_bpf *s = xdp_steer_bpf__open();
		int err;

		if (!s)
			return -errno;
		s->rodata->fast_enabled = 1;
		fast_kv_xpow((uint32_t *)(uintptr_t)s->rodata->fast_xpow,
			     XDP_FAST_MAX_PKT + 1);
		if (!getenv("FAST_DIFF_BITWISE"))
			fast_kv_crc_tables((uint32_t(*)[256])(uintptr_t)
						   s->rodata->fast_crc_tab);
		s->rodata->fast_dir = (uint8_t)dir;
		/* Slots per CPU as install() numbers them: 256 assocs * 8. */
		s->rodata->fast_stats_slots = 2048;
		bpf_map__set_max_entries(
			s->maps.fast_stats,
			2048u * (uint32_t)libbpf_num_possible_cpus());
		if (dir == 1) {
			bpf_map__reuse_fd(
				s->maps.fast_maps4,
				bpf_map__fd(skel[0]->maps.fast_maps4));
			bpf_map__reuse_fd(
				s->maps.fast_maps6,
				bpf_map__fd(skel[0]->maps.fast_maps6));
			bpf_map__reuse_fd(
				s->maps.fast_stats,
				bpf_map__fd(skel[0]->maps.fast_stats));
		}
		err = xdp_steer_bpf__load(s);
		if (err) {
			xdp_steer_bpf__destroy(s);
			return err;
		}
		skel[dir] = s;
	}
	return 0;
}

/* ---- the associations ---- */

struct path {
	enum engine_dir dir;
	bool v6;
	char src[48], dst[48];
	uint16_t sport, dport;
	uint32_t vtag;
	const char *stranger; /* a source / destination not in it */
	struct xdp_fast_val val;
};

static struct path paths[64];
static unsigned int n_paths;

static const uint8_t mac_next[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const uint8_t mac_self[6] = { 0x02, 0, 0, 0, 0xbb, 0x02 };

static void fail(const char *what)
{
	fprintf(stderr, "fast_diff: %s\n", what);
	exit(1);
}

static void expect_fwd(struct engine_verdict v, const char *what)
{
	if (v.action != ENGINE_FORWARD) {
		fprintf(stderr, "fast_diff: %s: not forwarded (reason %s)\n",
			what, drop_reason_name((enum drop_reason)v.reason));
		exit(1);
	}
}

/*
 * A handshake from inside:sport to peer:3868 (tags ti / tp), brought to
 * ESTABLISHED; returns the public port.
 */
static uint16_t establish(struct engine *e, const char *inside,
			  const char *peer, const char *public_, uint16_t sport,
			  uint32_t ti, uint32_t tp, uint64_t now)
{
	const char *peers[] = { peer, NULL };
	struct pb p;
	uint16_t port;

	fx_init(&p, inside, peer, sport, 3868, ti);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now), "INIT");
	port = pkt_sport(p.buf);
	fx_init_ack(&p, peer, public_, 3868, port, ti, tp, peers);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now), "INIT ACK");
	fx_chunk(&p, inside, peer, sport, 3868, tp, SCTP_CID_COOKIE_ECHO, 0);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now), "COOKIE ECHO");
	fx_chunk(&p, peer, public_, 3868, port, ti, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, now), "COOKIE ACK");
	return port;
}

/*
 * The maps both programs share, as the daemon makes them (fast_map.c)
 * but starting from one entry each, so that installing makes them grow
 * and every packet after that is looked up in a replaced map.
 */
static struct fast_kv_maps fmaps = {
	.fd4 = -1, .fd6 = -1, .outer4 = -1, .outer6 = -1
};

static struct fast_kv_maps *maps(void)
{
	if (fmaps.outer4 < 0 &&
	    fast_kv_maps_open(&fmaps, bpf_map__fd(skel[0]->maps.fast_maps4),
			      bpf_map__fd(skel[0]->maps.fast_maps6), 1, 4096))
		fail("fast path maps");
	return &fmaps;
}

static int clear_map(void)
{
	return fast_kv_clear(maps());
}

/* Install every entry of the engine, as the daemon does. */
static void install(struct engine *e)
{
	struct engine_fast_entry en[256];
	struct fast_kv_maps *m = maps();
	uint32_t ids[64];
	bool all;
	unsigned int n_ids = engine_fast_changed(e, ids, 64, &all);

	(void)n_ids;
	if (!all)
		fail("engine did not ask for everything first");
	clear_map();
	for (uint32_t id = 0; id < 256; id++) {
		unsigned int n = engine_fast_entries(e, id, en, 256);

		for (unsigned int i = 0; i < n; i++) {
			struct fast_kv_hop hop = { .ifindex = 1, .mtu = 9000 };
			struct xdp_fast_key k;
			struct xdp_fast_val v;

			memcpy(hop.dst_mac, mac_next, 6);
			memcpy(hop.src_mac, mac_self, 6);
			fast_kv_key(&en[i], &k);
			fast_kv_val(&en[i], &hop,
				    fast_kv_stats_idx(id, en[i].peer_idx, 256),
				    &v);
			if (fast_kv_install(m, &k, &v))
				fail("map update");
		}
	}
}

static void add_path(enum engine_dir dir, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, uint32_t vtag,
		     const char *stranger)
{
	struct path *p = &paths[n_paths++];

	p->dir = dir;
	p->v6 = strchr(src, ':') != NULL;
	snprintf(p->src, sizeof(p->src), "%s", src);
	snprintf(p->dst, sizeof(p->dst), "%s", dst);
	p->sport = sport;
	p->dport = dport;
	p->vtag = vtag;
	p->stranger = stranger;
}

/* Both directions of an association, as addresses on the wire. */
static void add_assoc(const char *inside, const char *public_, const char *peer,
		      const char *stranger, uint16_t iport, uint16_t pport,
		      uint32_t ti, uint32_t tp)
{
	add_path(ENGINE_OUTBOUND, inside, peer, iport, 3868, tp, stranger);
	add_path(ENGINE_INBOUND, peer, public_, 3868, pport, ti, stranger);
}

/* ---- packets ---- */

enum damage {
	DMG_NONE = 0,
	DMG_CRC, /* checksum byte flipped: forwarded as damaged */
	DMG_PAYLOAD, /* a chunk byte flipped, the same */
	DMG_ZERO_CSUM, /* RFC 9653 zero checksum */
	DMG_PADDING, /* link-layer padding after the IP packet */
	DMG_CHUNK_LEN, /* a chunk length past the end: slow path */
	DMG_IP_CSUM, /* damaged IPv4 header: slow path */
	DMG_VTAG, /* wrong tag: slow path */
	DMG_STRANGER, /* unknown peer address: slow path */
	DMG__COUNT
};

static const uint8_t fast_types[] = { 0, 64, 3, 16, 4, 5, 192, 194, 130, 132 };
/* Chunks the engine passes but the fast path leaves to it, and ERROR. */
static const uint8_t slow_types[] = { 9, 15, 0x3f, 0xbf };

static void payload(struct pb *p, uint32_t len)
{
	while (len--)
		pb_u8(p, (uint8_t)rnd());
}

static void add_chunk(struct pb *p, uint8_t type, uint32_t room)
{
	uint32_t n = room ? rnd() % (room + 1) : 0;

	switch (type) {
	case 0:
		pb_chunk_begin(p, 0, 0x03);
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		payload(p, n ? n : 1);
		break;
	case 64: /* I-DATA, RFC 8260 2.1 */
		pb_chunk_begin(p, 64, 0x03);
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		payload(p, n ? n : 1);
		break;
	case 3:
		pb_sack(p, rnd());
		break;
	case 16: /* NR-SACK, no gap blocks */
		pb_chunk_begin(p, 16, 0);
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, 0);
		pb_u32(p, 0);
		break;
	case 4:
	case 5:
		pb_heartbeat(p, type, "heartbeat-info");
		break;
	case 192:
		pb_chunk_begin(p, 192, 0);
		pb_u32(p, rnd());
		break;
	case 194:
		pb_chunk_begin(p, 194, 0);
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		break;
	case 130: /* RE-CONFIG: Outgoing SSN Reset Request, RFC 6525 */
		pb_chunk_begin(p, 130, 0);
		pb_u16(p, 13);
		pb_u16(p, 16);
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		pb_u32(p, rnd());
		break;
	case 132: /* PAD, RFC 4820 */
		pb_chunk_begin(p, 132, 0);
		payload(p, n);
		break;
	case 15:
		pb_auth(p);
		break;
	default:
		pb_chunk_begin(p, type, 0);
		payload(p, n % 64);
		break;
	}
}

struct sample {
	struct pb pb;
	uint32_t frame_len;
	uint8_t ttl;
	bool must_take;
	bool hit_header; /* DMG_PAYLOAD changed a chunk header */
};

/* Is byte off (from the SCTP header) part of a chunk header? */
static bool in_chunk_header(const struct pb *p, uint32_t off)
{
	uint32_t c = SCTP_HDR_LEN, len = p->len - p->sctp_off;

	while (c + SCTP_CHUNK_HDR_LEN <= len) {
		uint16_t clen = sctp_get16(p->buf + p->sctp_off + c + 2);

		if (off >= c && off < c + SCTP_CHUNK_HDR_LEN)
			return true;
		if (clen < SCTP_CHUNK_HDR_LEN)
			break;
		c += (clen + 3u) & ~3u;
	}
	return false;
}

static const uint8_t ttl_edges[] = { 0, 1, 2, 255 };

/* Build a packet on path pa; must_take: the fast path has to take it. */
static void build(struct sample *s, const struct path *pa, enum damage dmg)
{
	struct pb *p = &s->pb;
	uint32_t size = rnd() % 2 ? 64 + rnd() % 1400 : 64 + rnd() % 8900;
	unsigned int n = 1 + rnd() % 5;
	bool slow = rnd() % 5 == 0;
	const char *src = pa->src, *dst = pa->dst;

	memset(p, 0, sizeof(*p));
	s->hit_header = false;
	if (dmg == DMG_STRANGER) {
		if (pa->dir == ENGINE_OUTBOUND)
			dst = pa->stranger;
		else
			src = pa->stranger;
	}
	if (pa->v6)
		pb_ip6(p, src, dst);
	else
		pb_ip4(p, src, dst);
	pb_sctp(p, pa->sport, pa->dport,
		dmg == DMG_VTAG ? pa->vtag ^ 0x10001 : pa->vtag);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t used = p->len,
			 left = size > used + 64 ? size - used - 64 : 0;
		uint8_t t = slow && i == n - 1 ?
				    slow_types[rnd() % sizeof(slow_types)] :
				    fast_types[rnd() % sizeof(fast_types)];

		add_chunk(p, t, left / (n - i));
	}
	s->ttl = rnd() % 4 ? 64 : ttl_edges[rnd() % sizeof(ttl_edges)];
	p->buf[pa->v6 ? 7 : 8] = s->ttl;
	p->zero_csum = dmg == DMG_ZERO_CSUM;
	pb_finish(p);
	s->frame_len = ETH_HLEN + p->len;
	switch (dmg) {
	case DMG_CRC:
		p->buf[p->sctp_off + 8 + rnd() % 4] ^=
			(uint8_t)(1 + rnd() % 255);
		break;
	case DMG_PAYLOAD: {
		uint32_t off = 12 + rnd() % (p->len - p->sctp_off - 12);

		s->hit_header = in_chunk_header(p, off);
		p->buf[p->sctp_off + off] ^= 0x20;
		break;
	}
	case DMG_PADDING: {
		uint32_t pad = 1 + rnd() % 40;

		memset(p->buf + p->len, 0, pad);
		p->len += pad;
		s->frame_len += pad;
		break;
	}
	case DMG_CHUNK_LEN:
		/* The first chunk claims more than the packet holds. */
		sctp_put16(p->buf + p->sctp_off + 14,
			   (uint16_t)(p->len - p->sctp_off));
		break;
	case DMG_IP_CSUM:
		if (!pa->v6)
			p->buf[10] ^= 0x01;
		break;
	default:
		break;
	}
	/* Larger frames are multi-buffer under BPF_PROG_RUN (past a page
	 * less headroom and tail room): handed off. */
	s->must_take = !slow && (dmg <= DMG_PADDING) && !s->hit_header &&
		       s->ttl > 1 && s->frame_len <= 3000 &&
		       p->len <= XDP_FAST_MAX_PKT && p->len <= 9000 &&
		       !(dmg == DMG_PADDING && p->len > 9000);
}

struct totals {
	unsigned long taken, handed, engine_drops;
	unsigned long by_dmg[DMG__COUNT];
	unsigned long by_ttl[256]; /* taken, by the TTL sent */
	unsigned long ttl_dropped; /* TTL <= 1: engine's ttl-exceeded */
};

static int run_one(struct engine *e, const struct path *pa, enum damage dmg,
		   uint64_t now, struct totals *t)
{
	static struct sample s;
	static uint8_t frame[PB_MAX + ETH_HLEN], out[PB_MAX + ETH_HLEN + 256];
	static uint8_t eng[PB_MAX];
	struct engine_pkt pkt;
	struct engine_verdict v;
	int prog = bpf_program__fd(skel[pa->dir]->progs.xdp_sctp_steer);
	uint32_t flen;
	int err;

	build(&s, pa, dmg);
	flen = s.frame_len;
	memset(frame, 0x5a, ETH_HLEN);
	frame[12] = pa->v6 ? 0x86 : 0x08;
	frame[13] = pa->v6 ? 0xdd : 0x00;
	memcpy(frame + ETH_HLEN, s.pb.buf, s.pb.len);

	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = flen, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	err = bpf_prog_test_run_opts(prog, &o);
	if (err) {
		fprintf(stderr, "fast_diff: BPF_PROG_RUN: %s (len %u)\n",
			strerror(-err), flen);
		return -1;
	}

	memcpy(eng, s.pb.buf, s.pb.len);
	pkt = (struct engine_pkt){ .data = eng,
				   .len = s.pb.len,
				   .cap = PB_MAX };
	engine_process(e, &pkt, pa->dir, now, &v);
	if (v.action != ENGINE_FORWARD)
		t->engine_drops++;
	/* A damaged IPv4 header is refused before its TTL is read. */
	if (s.ttl <= 1 && !(dmg == DMG_IP_CSUM && !pa->v6)) {
		if (v.action != ENGINE_DROP || v.reason != DROP_TTL_EXCEEDED) {
			fprintf(stderr,
				"fast_diff: TTL %u not dropped as "
				"ttl-exceeded by the engine (%s)\n",
				s.ttl,
				drop_reason_name((enum drop_reason)v.reason));
			return -1;
		}
		t->ttl_dropped++;
	}

	if (o.retval == XDP_PASS) {
		if (s.must_take) {
			fprintf(stderr,
				"fast_diff: handed off a packet the "
				"fast path must take (dir %d, v6 %d, damage "
				"%d, len %u)\n",
				pa->dir, pa->v6, dmg, s.pb.len);
			return -1;
		}
		t->handed++;
		return 0;
	}
	if (o.retval != XDP_REDIRECT) {
		fprintf(stderr, "fast_diff: XDP verdict %u\n", o.retval);
		return -1;
	}
	t->taken++;
	t->by_dmg[dmg]++;
	t->by_ttl[s.ttl]++;
	if (v.action != ENGINE_FORWARD) {
		fprintf(stderr,
			"fast_diff: fast path forwarded what the "
			"engine drops (%s; dir %d damage %d)\n",
			drop_reason_name((enum drop_reason)v.reason), pa->dir,
			dmg);
		return -1;
	}
	if (o.data_size_out != ETH_HLEN + v.len ||
	    memcmp(out + ETH_HLEN, eng, v.len) || memcmp(out, mac_next, 6) ||
	    memcmp(out + 6, mac_self, 6)) {
		fprintf(stderr,
			"fast_diff: output differs (dir %d v6 %d "
			"damage %d, xdp %u bytes, engine %u + %d)\n",
			pa->dir, pa->v6, dmg, o.data_size_out, v.len, ETH_HLEN);
		for (uint32_t i = 0;
		     i < v.len && i < o.data_size_out - ETH_HLEN; i++)
			if (out[ETH_HLEN + i] != eng[i]) {
				fprintf(stderr,
					"  first difference at L3 "
					"byte %u: xdp %02x engine %02x\n",
					i, out[ETH_HLEN + i], eng[i]);
				break;
			}
		return -1;
	}
	return 0;
}

/*
 * Chunks that change state or need rewriting must never be taken by the
 * fast path, alone or bundled after DATA: each goes through the program
 * only (the engine would change state), and must be handed off.
 */
static int run_handoffs(void)
{
	static const uint8_t types[] = { 1,  2,	 6,  7,	 8,    10,
					 11, 12, 13, 14, 0x80, 0xc1 };
	static uint8_t frame[PB_MAX + ETH_HLEN], out[PB_MAX + ETH_HLEN];
	static struct pb p;

	for (unsigned int n = 0; n < n_paths; n++) {
		const struct path *pa = &paths[n];

		for (unsigned int i = 0; i < sizeof(types) * 2; i++) {
			int prog = bpf_program__fd(
				skel[pa->dir]->progs.xdp_sctp_steer);

			memset(&p, 0, sizeof(p));
			if (pa->v6)
				pb_ip6(&p, pa->src, pa->dst);
			else
				pb_ip4(&p, pa->src, pa->dst);
			pb_sctp(&p, pa->sport, pa->dport, pa->vtag);
			if (i & 1)
				add_chunk(&p, 0, 100);
			pb_chunk_begin(&p, types[i / 2], 0);
			pb_u32(&p, rnd());
			pb_u32(&p, rnd());
			pb_finish(&p);
			memset(frame, 0, ETH_HLEN);
			frame[12] = pa->v6 ? 0x86 : 0x08;
			frame[13] = pa->v6 ? 0xdd : 0x00;
			memcpy(frame + ETH_HLEN, p.buf, p.len);
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
				    .data_size_in = ETH_HLEN + p.len,
				    .data_out = out,
				    .data_size_out = sizeof(out), .repeat = 1);
			if (bpf_prog_test_run_opts(prog, &o) ||
			    o.retval != XDP_PASS) {
				fprintf(stderr,
					"fast_diff: chunk type %u not "
					"handed off (verdict %u)\n",
					types[i / 2], o.retval);
				return -1;
			}
		}
	}
	return 0;
}

/* One engine: its associations, every path, iterations packets. */
static int run_engine(bool preserve, unsigned long iterations, struct totals *t,
		      unsigned int *port_changed)
{
	struct engine_config c;
	struct engine *e;
	uint64_t now = 1000 * FX_SEC;
	uint16_t p1, p2, p3;
	int rc = 0;

	fx_config(&c, MULTIHOME_OFF);
	c.port_preserve = preserve;
	if (engine_create(&c, 42, &e))
		fail("engine_create");
	engine_fast_enable(e, true);
	n_paths = 0;
	/* 3868 on 198.51.100.1 is the [forward] rule's: port changes. */
	p1 = establish(e, "192.168.1.10", PEER4, "198.51.100.1", 5000,
		       0x11111111, 0x22222222, now);
	p2 = establish(e, "192.168.1.11", PEER4, "198.51.100.1", 3868,
		       0x33333333, 0x44444444, now);
	p3 = establish(e, "2001:db8:aa::10", PEER6, "2001:db8:aa::10", 5002,
		       0x55555555, 0x66666666, now);
	add_assoc("192.168.1.10", "198.51.100.1", PEER4, PEER4B, 5000, p1,
		  0x11111111, 0x22222222);
	add_assoc("192.168.1.11", "198.51.100.1", PEER4, PEER4B, 3868, p2,
		  0x33333333, 0x44444444);
	add_assoc("2001:db8:aa::10", "2001:db8:aa::10", PEER6, PEER6B, 5002, p3,
		  0x55555555, 0x66666666);
	*port_changed += (p1 != 5000) + (p2 != 3868) + (p3 != 5002);
	install(e);
	rc = run_handoffs();
	for (unsigned long i = 0; i < iterations && !rc; i++) {
		const struct path *pa = &paths[rnd() % n_paths];
		enum damage dmg = rnd() % 3 ? DMG_NONE :
					      (enum damage)(rnd() % DMG__COUNT);

		now += FX_SEC / 1000;
		rc = run_one(e, pa, dmg, now, t);
	}
	engine_destroy(e);
	return rc;
}

/*
 * fast_diff N SEED bench: the program's own cost per packet under
 * BPF_PROG_RUN (no transmit: the redirect is only decided), for a DATA
 * packet the fast path takes with a port change (two entries that swap
 * the port back and forth, so every run patches the CRC32c) and for the
 * same packet with an unknown tag, which goes on to the steering code.
 * BPF_PROG_RUN repeats a program on the same buffer, so each taken run
 * starts from the TTL the previous one left: runs of BENCH_REPEAT from a
 * TTL of 255 stay above 1, and the frame is sent afresh for each call.
 * Figures, not a test; but a packet meant for the fast path must come
 * out redirected, or the figure would be the hand-off's.
 */
#define BENCH_REPEAT 200u
#define BENCH_CALLS  1000u

/* The id of map fd, or of the map in slot 0 of the array of maps outer. */
static uint32_t map_id(int fd, int outer)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), zero = 0, id = 0;

	if (outer >= 0)
		return bpf_map_lookup_elem(outer, &zero, &id) ? 0 : id;
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Whether the entry under k is in its family's map in use. */
static bool has_entry(const struct fast_kv_maps *m,
		      const struct xdp_fast_key *k)
{
	struct xdp_fast_key4 k4 = { .dir = k->dir,
				    .sport = k->sport,
				    .dport = k->dport,
				    .vtag = k->vtag };
	uint8_t val[sizeof(struct xdp_fast_val)];

	if (k->family == 6)
		return !bpf_map_lookup_elem(m->fd6, k, val);
	memcpy(k4.src, k->src, 4);
	memcpy(k4.dst, k->dst, 4);
	return !bpf_map_lookup_elem(m->fd4, &k4, val);
}

/*
 * The maps' sizes follow the entries both ways, as associations come and
 * go: SHRINK_PATHS paths of each family installed (the maps double),
 * then removed one at a time in a random order.  After every removal
 * each map is at most four times its entries or back at its first size,
 * holds every entry not removed and none removed, and is the one the
 * programs look up (slot 0 of its array of maps).
 */
#define SHRINK_PATHS 300u
static void check_shrink(void)
{
	static struct xdp_fast_key keys[2 * SHRINK_PATHS];
	struct fast_kv_maps *m = maps();
	struct xdp_fast_val v = { .out.mtu = 9000 };
	uint32_t n = 2 * SHRINK_PATHS, grown4, grown6, shrinks = 0;

	if (fast_kv_clear(m) || m->cap4 != m->first || m->cap6 != m->first)
		fail("emptied maps not back at their first size");
	for (uint32_t i = 0; i < n; i++) {
		struct xdp_fast_key *k = &keys[i];

		memset(k, 0, sizeof(*k));
		k->family = i % 2 ? 6 : 4;
		k->sport = (uint16_t)rnd();
		k->dport = htons(3868);
		k->vtag = rnd() | 1;
		/* An IPv4 address fills the first 4 bytes (fast_kv_key()). */
		for (int b = 0; b < (k->family == 4 ? 4 : 16); b++) {
			k->src[b] = (uint8_t)rnd();
			k->dst[b] = (uint8_t)rnd();
		}
		if (fast_kv_install(m, k, &v))
			fail("shrink: install");
	}
	grown4 = m->cap4;
	grown6 = m->cap6;
	if (m->n4 != SHRINK_PATHS || m->n6 != SHRINK_PATHS ||
	    grown4 < SHRINK_PATHS || grown6 < SHRINK_PATHS)
		fail("shrink: maps did not grow to their entries");
	/* The same entry again replaces it: no second one counted. */
	if (fast_kv_install(m, &keys[0], &v) || m->n4 != SHRINK_PATHS)
		fail("shrink: a replaced entry was counted as new");
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd() % (i + 1);
		struct xdp_fast_key t = keys[i];

		keys[i] = keys[j];
		keys[j] = t;
	}
	while (n) {
		uint32_t cap4 = m->cap4, cap6 = m->cap6;

		n--;
		if (fast_kv_remove(m, &keys[n]) ||
		    fast_kv_remove(m, &keys[n]) != -ENOENT)
			fail("shrink: remove");
		shrinks += (m->cap4 < cap4) + (m->cap6 < cap6);
		if ((m->cap4 != m->first && m->n4 * 4 <= m->cap4) ||
		    (m->cap6 != m->first && m->n6 * 4 <= m->cap6) ||
		    m->cap4 < m->n4 || m->cap6 < m->n6)
			fail("shrink: a map not sized to its entries");
		if (map_id(m->fd4, -1) != map_id(-1, m->outer4) ||
		    map_id(m->fd6, -1) != map_id(-1, m->outer6))
			fail("shrink: the programs look up another map");
		for (uint32_t i = 0; i < 2 * SHRINK_PATHS; i++)
			if (has_entry(m, &keys[i]) != (i < n))
				fail(i < n ? "shrink: an entry lost" :
					     "shrink: a removed entry left");
	}
	if (m->cap4 != m->first || m->cap6 != m->first)
		fail("shrink: maps not back at their first size");
	printf("fast_diff: maps grown to %u IPv4 and %u IPv6 entries for %u "
	       "paths each, shrunk %u times back to %u as they went\n",
	       grown4, grown6, SHRINK_PATHS, shrinks, m->first);
}

static void bench_one(uint32_t ip_len, bool hit, bool keep_port)
{
	static uint8_t frame[PB_MAX + ETH_HLEN], out[PB_MAX + ETH_HLEN];
	static struct pb p;
	struct fast_kv_maps *m = maps();
	int prog = bpf_program__fd(skel[0]->progs.xdp_sctp_steer);
	struct engine_fast_entry en = { 0 };
	struct fast_kv_hop hop = { .ifindex = 1, .mtu = 9000 };
	struct xdp_fast_key k;
	struct xdp_fast_val v;
	uint64_t ns = 0;
	uint32_t verdict = 0;

	memset(&p, 0, sizeof(p));
	pb_ip4(&p, "192.168.1.10", PEER4);
	p.buf[8] = 255; /* TTL */
	pb_sctp(&p, 5000, 3868, hit ? 0x22222222 : 0x22222223);
	pb_data(&p, 1, 46, NULL, 0);
	while (p.len < ip_len)
		pb_u8(&p, 0x5a);
	pb_finish(&p);
	en.dir = ENGINE_OUTBOUND;
	en.max_chunks = 16;
	en.vtag = 0x22222222;
	nat_addr_parse(&en.src, "192.168.1.10");
	nat_addr_parse(&en.dst, PEER4);
	en.new_src = en.src;
	en.new_dst = en.dst;
	en.dport = en.new_dport = 3868;
	for (int i = 0; i < 2; i++) {
		en.sport = i ? 6000 : 5000;
		en.new_sport = keep_port ? en.sport : i ? 5000 : 6000;
		fast_kv_key(&en, &k);
		fast_kv_val(&en, &hop, 0, &v);
		fast_kv_install(m, &k, &v);
	}
	memset(frame, 0, ETH_HLEN);
	frame[12] = 0x08;
	memcpy(frame + ETH_HLEN, p.buf, p.len);
	for (uint32_t call = 0; call < BENCH_CALLS; call++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = ETH_HLEN + p.len, .data_out = out,
			    .data_size_out = sizeof(out),
			    .repeat = BENCH_REPEAT);
		if (bpf_prog_test_run_opts(prog, &o))
			fail("BPF_PROG_RUN (bench)");
		if (hit && o.retval != XDP_REDIRECT)
			fail("bench: a fast-path packet was handed off");
		ns += o.duration;
		verdict = o.retval;
	}
	printf("fast_diff bench: IPv4 %4u B, %s: %.1f ns per packet "
	       "(verdict %u, %u runs)\n",
	       ip_len,
	       !hit	 ? "miss, handed off       " :
	       keep_port ? "fast path, port kept   " :
			   "fast path, port changed",
	       (double)ns / BENCH_CALLS, verdict, BENCH_CALLS * BENCH_REPEAT);
}

int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 0) : 3000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	struct totals t = { 0 };
	unsigned int changed = 0;
	int err;

	rng_state = seed * 0x9e3779b97f4a7c15ull | 1;
	libbpf_set_print(libbpf_quiet);
	err = load_progs();
	if (err) {
		fprintf(stderr,
			"SKIP: fast_diff: cannot load the XDP program "
			"(%s): needs root and BPF\n",
			strerror(-err));
		return 77;
	}
	if (run_engine(true, iterations / 2, &t, &changed) ||
	    run_engine(false, iterations - iterations / 2, &t, &changed))
		return 1;
	printf("fast_diff: %lu packets (seed %llu): %lu taken by the fast "
	       "path (byte-identical), %lu handed off; engine dropped %lu; "
	       "%u associations with a changed port\n",
	       iterations, (unsigned long long)seed, t.taken, t.handed,
	       t.engine_drops, changed);
	printf("fast_diff: taken by damage: none %lu, crc %lu, payload %lu, "
	       "zero-csum %lu, padding %lu\n",
	       t.by_dmg[DMG_NONE], t.by_dmg[DMG_CRC], t.by_dmg[DMG_PAYLOAD],
	       t.by_dmg[DMG_ZERO_CSUM], t.by_dmg[DMG_PADDING]);
	printf("fast_diff: TTL 0 / 1 handed off and dropped: %lu; taken "
	       "with TTL 2: %lu, 255: %lu\n",
	       t.ttl_dropped, t.by_ttl[2], t.by_ttl[255]);
	if (!changed || !t.taken || !t.handed)
		fail("the run did not cover both paths and both port cases");
	if (!t.ttl_dropped || !t.by_ttl[2] || !t.by_ttl[255])
		fail("the run did not cover TTL 0 / 1, 2 and 255");
	printf("fast_diff: maps grown from 1 to %u IPv4 and %u IPv6 entries\n",
	       fmaps.cap4, fmaps.cap6);
	if (fmaps.cap4 <= 1 || fmaps.cap6 <= 1)
		fail("the run did not make both maps grow");
	check_shrink();
	if (argc > 3 && !strcmp(argv[3], "bench")) {
		clear_map();
		bench_one(64, true, false);
		bench_one(1400, true, false);
		bench_one(64, true, true);
		bench_one(64, false, false);
		bench_one(1400, false, false);
	}
	fast_kv_maps_close(&fmaps);
	for (xdp_steer_bpf__destroy(skel[0]), skel[0] = NULL; skel[1];
	     xdp_steer_bpf__destroy(skel[1]), skel[1] = NULL)
		;
	return 0;
}
