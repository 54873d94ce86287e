/*
 * Unit tests for ip_reasm: IPv4 and IPv6 fragments of an SCTP packet,
 * cut here by the test's own code (not by ip_fragment), reassembled in
 * every order into the packet that was cut; overlaps, duplicates,
 * malformed and oversized fragments dropped and counted; timeouts and
 * eviction; and ip_fragment()'s output checked field by field and fed
 * back through reassembly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ip_reasm.h"
#include "pkt_build.h"
#include "sctp_wire.h"

#define SEC NSEC_PER_SEC
#define MAX_FRAGS 64

struct frags {
	unsigned int n;
	uint32_t len[MAX_FRAGS];
	uint8_t buf[MAX_FRAGS][2048];
};

static uint8_t payload[4000];

/* A DATA packet of 3000 bytes of user data, IPv4 or IPv6. */
static void build(struct pb *p, bool v6)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	if (v6)
		pb_ip6(p, "2001:db8:aa::10", "2001:db8:ff::1");
	else
		pb_ip4(p, "192.168.1.10", "198.51.100.100");
	pb_sctp(p, 5000, 80, 0x11223344);
	pb_data(p, 1, 0, payload, 3000);
	pb_finish(p);
}

static uint16_t ones(const uint8_t *b, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* RFC 791 fragmentation, written out independently of ip_reasm.c. */
static void cut4(const struct pb *p, uint32_t unit, uint16_t id,
		 struct frags *f)
{
	uint32_t data = p->len - 20;

	f->n = 0;
	for (uint32_t off = 0; off < data; off += unit) {
		uint32_t n = data - off < unit ? data - off : unit;
		uint8_t *b = f->buf[f->n];

		memcpy(b, p->buf, 20);
		memcpy(b + 20, p->buf + 20 + off, n);
		b[2] = (uint8_t)((20 + n) >> 8);
		b[3] = (uint8_t)(20 + n);
		b[4] = (uint8_t)(id >> 8);
		b[5] = (uint8_t)id;
		b[6] = (uint8_t)(((off / 8) >> 8) |
				 (off + n < data ? 0x20 : 0));
		b[7] = (uint8_t)(off / 8);
		b[10] = b[11] = 0;
		uint16_t c = ones(b, 20);
		b[10] = (uint8_t)(c >> 8);
		b[11] = (uint8_t)c;
		f->len[f->n++] = 20 + n;
	}
}

/* RFC 8200 4.5, independently: a fragment header after the base header. */
static void cut6(const struct pb *p, uint32_t unit, uint32_t id,
		 struct frags *f)
{
	uint32_t data = p->len - 40;

	f->n = 0;
	for (uint32_t off = 0; off < data; off += unit) {
		uint32_t n = data - off < unit ? data - off : unit;
		uint8_t *b = f->buf[f->n];

		memcpy(b, p->buf, 40);
		b[6] = 44;
		b[40] = 132;
		b[41] = 0;
		b[42] = (uint8_t)(off >> 8);
		b[43] = (uint8_t)((off & 0xf8) | (off + n < data ? 1 : 0));
		b[44] = (uint8_t)(id >> 24);
		b[45] = (uint8_t)(id >> 16);
		b[46] = (uint8_t)(id >> 8);
		b[47] = (uint8_t)id;
		memcpy(b + 48, p->buf + 40 + off, n);
		b[4] = (uint8_t)((8 + n) >> 8);
		b[5] = (uint8_t)(8 + n);
		f->len[f->n++] = 48 + n;
	}
}

static struct ip_reasm *mk(unsigned int slots)
{
	struct ip_reasm *r;

	cr_assert_eq(ip_reasm_create(slots, 10 * SEC, &r), 0);
	return r;
}

/* Feeds fragments in the given order; the last must complete. */
static void feed(struct ip_reasm *r, const struct frags *f,
		 const unsigned int *order, struct ip_reasm_out *out)
{
	for (unsigned int k = 0; k < f->n; k++) {
		unsigned int i = order[k];
		enum ip_reasm_result res;

		cr_assert(ip_is_fragment(f->buf[i], f->len[i]));
		res = ip_reasm_add(r, f->buf[i], f->len[i], SEC, out);
		cr_assert_eq(res, k + 1 == f->n ? IP_REASM_COMPLETE :
			     IP_REASM_HELD, "fragment %u of %u", k, f->n);
	}
}

/* The whole IPv4 packet: as built, but without DF, checksums valid. */
static void expect_same4(const struct pb *p, const struct ip_reasm_out *o)
{
	cr_assert_eq(o->len, p->len);
	cr_assert(!ip_is_fragment(o->data, o->len));
	cr_assert(pkt_verify_ip4_csum(o->data));
	cr_assert(pkt_verify_crc(o->data, o->len));
	cr_assert_eq(memcmp(o->data, p->buf, 4), 0);	/* the id differs */
	cr_assert_eq(memcmp(o->data + 8, p->buf + 8, 2), 0);
	cr_assert_eq(memcmp(o->data + 12, p->buf + 12, p->len - 12), 0);
	cr_assert_geq(o->cap, o->len + 256, "room for the engine");
}

static const unsigned int fwd[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
static const unsigned int rev[] = { 7, 6, 5, 4, 3, 2, 1, 0 };
static const unsigned int mixed[] = { 3, 0, 6, 1, 5, 2, 7, 4 };

Test(ip_reasm, ipv4_in_any_order)
{
	const unsigned int *orders[] = { fwd, rev, mixed };
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;

	build(&p, false);
	cut4(&p, 400, 0x1234, &f);
	cr_assert_eq(f.n, 8);
	for (unsigned int o = 0; o < 3; o++) {
		struct ip_reasm *r = mk(4);

		feed(r, &f, orders[o], &out);
		expect_same4(&p, &out);
		cr_assert_eq(out.info.id, 0x1234);
		cr_assert_eq(out.info.max_frag_len, 420);
		cr_assert_eq(ip_reasm_stats(r)->reassembled, 1);
		ip_reasm_release(r, &out);
		ip_reasm_destroy(r);
	}
}

Test(ip_reasm, ipv6_in_any_order_is_byte_identical)
{
	const unsigned int *orders[] = { fwd, rev, mixed };
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;

	build(&p, true);
	cut6(&p, 400, 0xdeadbeef, &f);
	cr_assert_eq(f.n, 8);
	for (unsigned int o = 0; o < 3; o++) {
		struct ip_reasm *r = mk(4);

		feed(r, &f, orders[o], &out);
		cr_assert_eq(out.len, p.len);
		cr_assert_eq(memcmp(out.data, p.buf, p.len), 0);
		cr_assert_eq(out.info.id, 0xdeadbeef);
		cr_assert_eq(out.info.unfrag_len, 40);
		cr_assert_eq(out.info.nh_off, 6);
		ip_reasm_release(r, &out);
		ip_reasm_destroy(r);
	}
}

Test(ip_reasm, two_datagrams_interleaved)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags a, b;
	struct pb p;
	int done = 0;

	build(&p, false);
	cut4(&p, 1000, 1, &a);
	cut4(&p, 1000, 2, &b);
	for (unsigned int i = 0; i < a.n; i++) {
		if (ip_reasm_add(r, a.buf[i], a.len[i], SEC, &out) ==
		    IP_REASM_COMPLETE) {
			expect_same4(&p, &out);
			ip_reasm_release(r, &out);
			done++;
		}
		if (ip_reasm_add(r, b.buf[i], b.len[i], SEC, &out) ==
		    IP_REASM_COMPLETE) {
			cr_assert_eq(out.info.id, 2);
			ip_reasm_release(r, &out);
			done++;
		}
	}
	cr_assert_eq(done, 2);
	ip_reasm_destroy(r);
}

Test(ip_reasm, overlap_drops_the_datagram)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f, g;
	struct pb p;

	build(&p, false);
	cut4(&p, 400, 7, &f);
	cut4(&p, 800, 7, &g);		/* same id, other boundaries */
	cr_assert_eq(ip_reasm_add(r, f.buf[0], f.len[0], SEC, &out),
		     IP_REASM_HELD);
	cr_assert_eq(ip_reasm_add(r, f.buf[1], f.len[1], SEC, &out),
		     IP_REASM_HELD);
	/* 0..800 overlaps both. */
	cr_assert_eq(ip_reasm_add(r, g.buf[0], g.len[0], SEC, &out),
		     IP_REASM_DROPPED);
	cr_assert_eq(ip_reasm_stats(r)->overlaps, 1);
	/* The rest of f no longer completes anything. */
	for (unsigned int i = 2; i < f.n; i++)
		cr_assert_eq(ip_reasm_add(r, f.buf[i], f.len[i], SEC, &out),
			     IP_REASM_HELD);
	ip_reasm_destroy(r);
}

Test(ip_reasm, duplicate_fragment_is_an_overlap)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;

	build(&p, true);
	cut6(&p, 400, 9, &f);
	ip_reasm_add(r, f.buf[2], f.len[2], SEC, &out);
	cr_assert_eq(ip_reasm_add(r, f.buf[2], f.len[2], SEC, &out),
		     IP_REASM_DROPPED);
	cr_assert_eq(ip_reasm_stats(r)->overlaps, 1);
	ip_reasm_destroy(r);
}

Test(ip_reasm, malformed_fragments)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;
	uint8_t b[2048];

	build(&p, false);
	cut4(&p, 400, 3, &f);
	/* A middle fragment whose length is not whole 8-byte units. */
	memcpy(b, f.buf[1], f.len[1]);
	b[3] = (uint8_t)(b[3] - 1);
	b[10] = b[11] = 0;
	uint16_t c = ones(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	cr_assert_eq(ip_reasm_add(r, b, f.len[1] - 1, SEC, &out),
		     IP_REASM_DROPPED);
	/* A bad header checksum. */
	memcpy(b, f.buf[1], f.len[1]);
	b[10] ^= 1;
	cr_assert_eq(ip_reasm_add(r, b, f.len[1], SEC, &out),
		     IP_REASM_DROPPED);
	/* Not SCTP. */
	memcpy(b, f.buf[1], f.len[1]);
	b[9] = 17;
	b[10] = b[11] = 0;
	c = ones(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	cr_assert_eq(ip_reasm_add(r, b, f.len[1], SEC, &out),
		     IP_REASM_DROPPED);
	cr_assert_eq(ip_reasm_stats(r)->malformed, 3);
	ip_reasm_destroy(r);
}

Test(ip_reasm, beyond_64k_is_too_big)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;

	build(&p, false);
	cut4(&p, 400, 4, &f);
	/* The last fragment moved to offset 65528. */
	f.buf[7][6] = 0x1f;
	f.buf[7][7] = 0xff;
	f.buf[7][10] = f.buf[7][11] = 0;
	uint16_t c = ones(f.buf[7], 20);
	f.buf[7][10] = (uint8_t)(c >> 8);
	f.buf[7][11] = (uint8_t)c;
	cr_assert_eq(ip_reasm_add(r, f.buf[7], f.len[7], SEC, &out),
		     IP_REASM_DROPPED);
	cr_assert_eq(ip_reasm_stats(r)->too_big, 1);
	ip_reasm_destroy(r);
}

Test(ip_reasm, data_beyond_the_last_fragment_is_malformed)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f, g;
	struct pb p;

	build(&p, false);
	cut4(&p, 400, 5, &f);
	cut4(&p, 1600, 5, &g);
	/* g's first fragment (0..1600) is a last one if MF is cleared. */
	g.buf[0][6] = 0;
	g.buf[0][10] = g.buf[0][11] = 0;
	uint16_t c = ones(g.buf[0], 20);
	g.buf[0][10] = (uint8_t)(c >> 8);
	g.buf[0][11] = (uint8_t)c;
	cr_assert_eq(ip_reasm_add(r, f.buf[5], f.len[5], SEC, &out),
		     IP_REASM_HELD);	/* 2000..2400 */
	cr_assert_eq(ip_reasm_add(r, g.buf[0], g.len[0], SEC, &out),
		     IP_REASM_DROPPED);
	cr_assert_eq(ip_reasm_stats(r)->malformed, 1);
	ip_reasm_destroy(r);
}

Test(ip_reasm, incomplete_datagrams_time_out)
{
	struct ip_reasm *r = mk(4);
	struct ip_reasm_out out;
	struct frags f;
	struct pb p;

	build(&p, false);
	cut4(&p, 400, 6, &f);
	for (unsigned int i = 0; i + 1 < f.n; i++)
		ip_reasm_add(r, f.buf[i], f.len[i], SEC, &out);
	ip_reasm_expire(r, SEC + 9 * SEC);
	cr_assert_eq(ip_reasm_stats(r)->timeouts, 0);
	ip_reasm_expire(r, SEC + 10 * SEC);
	cr_assert_eq(ip_reasm_stats(r)->timeouts, 1);
	/* The last fragment alone starts over; it completes nothing. */
	cr_assert_eq(ip_reasm_add(r, f.buf[7], f.len[7], 11 * SEC, &out),
		     IP_REASM_HELD);
	ip_reasm_destroy(r);
}

Test(ip_reasm, full_pool_evicts_the_oldest)
{
	struct ip_reasm *r = mk(2);
	struct ip_reasm_out out;
	struct frags a, b, c;
	struct pb p;

	build(&p, false);
	cut4(&p, 1000, 1, &a);
	cut4(&p, 1000, 2, &b);
	cut4(&p, 1000, 3, &c);
	ip_reasm_add(r, a.buf[0], a.len[0], 1 * SEC, &out);
	ip_reasm_add(r, b.buf[0], b.len[0], 2 * SEC, &out);
	ip_reasm_add(r, c.buf[0], c.len[0], 3 * SEC, &out);
	cr_assert_eq(ip_reasm_stats(r)->evicted, 1);
	/* a was the oldest: its rest completes nothing, b's does. */
	for (unsigned int i = 1; i < a.n; i++)
		cr_assert_neq(ip_reasm_add(r, a.buf[i], a.len[i], 4 * SEC,
					   &out), IP_REASM_COMPLETE);
	ip_reasm_destroy(r);
	r = mk(2);
	ip_reasm_add(r, a.buf[0], a.len[0], 1 * SEC, &out);
	ip_reasm_add(r, b.buf[0], b.len[0], 2 * SEC, &out);
	ip_reasm_add(r, c.buf[0], c.len[0], 3 * SEC, &out);
	for (unsigned int i = 1; i < b.n; i++)
		if (ip_reasm_add(r, b.buf[i], b.len[i], 4 * SEC, &out) ==
		    IP_REASM_COMPLETE)
			cr_assert_eq(i, b.n - 1);
	cr_assert_eq(ip_reasm_stats(r)->reassembled, 1);
	ip_reasm_destroy(r);
}

struct emitted {
	struct frags f;
};

static void collect(void *arg, const uint8_t *frag, uint32_t len)
{
	struct emitted *e = arg;

	cr_assert_lt(e->f.n, MAX_FRAGS);
	cr_assert_leq(len, sizeof(e->f.buf[0]));
	memcpy(e->f.buf[e->f.n], frag, len);
	e->f.len[e->f.n++] = len;
}

Test(ip_reasm, ipv4_fragment_round_trip)
{
	struct ip_reasm *r = mk(4), *r2 = mk(4);
	static struct emitted e;
	static uint8_t scratch[2048];
	struct ip_reasm_out out, out2;
	struct frags f;
	struct pb p;
	uint32_t seen = 0;
	int n;

	build(&p, false);
	cut4(&p, 1480, 0x4242, &f);
	feed(r, &f, fwd, &out);
	e.f.n = 0;
	n = ip_fragment(out.data, out.len, 576, &out.info, scratch, collect,
			&e);
	cr_assert_eq(n, (int)e.f.n);
	cr_assert_eq(n, (int)((p.len - 20 + 551) / 552));
	for (unsigned int i = 0; i < e.f.n; i++) {
		const uint8_t *b = e.f.buf[i];
		uint16_t fo = sctp_get16(b + 6);

		cr_assert_leq(e.f.len[i], 576);
		cr_assert(pkt_verify_ip4_csum(b));
		cr_assert_eq(sctp_get16(b + 2), e.f.len[i]);
		cr_assert_eq(sctp_get16(b + 4), 0x4242);
		cr_assert_eq((fo & 0x1fff) * 8u, seen);
		cr_assert_eq(!!(fo & 0x2000), i + 1 < e.f.n);
		cr_assert_eq(fo & 0x4000, 0, "DF clear");
		seen += e.f.len[i] - 20;
	}
	cr_assert_eq(seen, p.len - 20);
	feed(r2, &e.f, (const unsigned int[MAX_FRAGS]){ 0, 1, 2, 3, 4, 5 },
	     &out2);
	expect_same4(&p, &out2);
	ip_reasm_destroy(r);
	ip_reasm_destroy(r2);
}

Test(ip_reasm, ipv6_fragment_round_trip)
{
	struct ip_reasm *r = mk(4), *r2 = mk(4);
	static struct emitted e;
	static uint8_t scratch[2048];
	struct ip_reasm_out out, out2;
	struct frags f;
	struct pb p;
	int n;

	build(&p, true);
	cut6(&p, 1232, 77, &f);
	feed(r, &f, fwd, &out);
	e.f.n = 0;
	n = ip_fragment(out.data, out.len, 1280, &out.info, scratch, collect,
			&e);
	cr_assert_eq(n, 3);
	for (unsigned int i = 0; i < e.f.n; i++) {
		const uint8_t *b = e.f.buf[i];

		cr_assert_leq(e.f.len[i], 1280);
		cr_assert_eq(b[6], 44);
		cr_assert_eq(b[40], 132);
		cr_assert_eq(sctp_get32(b + 44), 77);
		cr_assert_eq(sctp_get16(b + 4) + 40u, e.f.len[i]);
		cr_assert_eq(sctp_get16(b + 42) & 1, i + 1 < e.f.n);
	}
	feed(r2, &e.f, fwd, &out2);
	cr_assert_eq(out2.len, p.len);
	cr_assert_eq(memcmp(out2.data, p.buf, p.len), 0);
	ip_reasm_destroy(r);
	ip_reasm_destroy(r2);
}

Test(ip_reasm, fragment_refuses_a_tiny_mtu)
{
	static uint8_t scratch[2048];
	struct ip_frag_info info = { 0 };
	struct pb p;

	build(&p, false);
	cr_assert_eq(ip_fragment(p.buf, p.len, 24, &info, scratch, collect,
				 NULL), -EINVAL);
}
