/*
 * Unit tests for inet_csum: RFC 1071 sums against a word-at-a-time
 * reference, published vectors, RFC 1624 incremental updates against a
 * full recompute (including the 0x0000 / 0xffff corner cases the RFC
 * was written for), and ICMPv6 checksums of packets the Linux kernel
 * sent, which tshark also reported correct.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "inet_csum.h"
#include "sctp_wire.h"

/* RFC 1071 section 1, literally: 16-bit words, end-around carry. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += (uint32_t)p[i] << 8;
		if (i + 1 < len)
			sum += p[i + 1];
		if (sum > 0xffff)
			sum = (sum & 0xffff) + 1;
	}
	return (uint16_t)sum;
}

static uint64_t rnd64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint16_t rnd16(uint64_t *s)
{
	return (uint16_t)(rnd64(s) >> 48);
}

static void rnd_fill(uint64_t *s, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(rnd64(s) >> 56);
}

/* RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
Test(inet_csum, rfc1071_example)
{
	static const uint8_t b[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7,
	};

	cr_assert_eq(inet_csum_partial(b, sizeof(b), 0), 0xddf2u);
	cr_assert_eq(inet_csum(b, sizeof(b)), (uint16_t)~0xddf2);
}

Test(inet_csum, partial_matches_reference)
{
	static uint8_t buf[600];
	uint64_t s = 11;
	size_t len, off;

	for (len = 0; len <= 512; len++) {
		rnd_fill(&s, buf, sizeof(buf));
		for (off = 0; off < 4; off++)
			cr_assert_eq(inet_csum_partial(buf + off, len, 0),
				     ref_sum(buf + off, len),
				     "len %zu off %zu", len, off);
	}
	/* All-ones data: the sum stays 0xffff, never folds to zero. */
	memset(buf, 0xff, sizeof(buf));
	cr_assert_eq(inet_csum_partial(buf, sizeof(buf), 0), 0xffffu);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(inet_csum_partial(buf, sizeof(buf), 0), 0u);
}

Test(inet_csum, partial_chains_over_even_splits)
{
	static uint8_t buf[1001];
	uint64_t s = 12;
	size_t cut;

	rnd_fill(&s, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 2) {
		uint32_t sum = inet_csum_partial(buf, cut, 0);

		sum = inet_csum_partial(buf + cut, sizeof(buf) - cut, sum);
		cr_assert_eq(sum, ref_sum(buf, sizeof(buf)), "cut %zu", cut);
	}
	/* A large carried-in sum folds correctly. */
	cr_assert_eq(inet_csum_partial(buf, 0, 0xffffffffu), 0xffffu);
	cr_assert_eq(inet_csum_fold(0x0001fffeu), 0x0000);
}

/* A textbook IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199). */
Test(inet_csum, ip4_known_header)
{
	uint8_t h[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
		0xc0, 0xa8, 0x00, 0xc7,
	};

	cr_assert_eq(inet_csum(h, sizeof(h)), 0);	/* verifies */
	h[10] = 0x12;
	h[11] = 0x34;
	ip4_csum_fill(h, sizeof(h));
	cr_assert_eq(sctp_get16(h + 10), 0xb861);
}

/* RFC 1624 4: sum of the rest 0xcd7a, m 0x5555 -> 0x3285. */
Test(inet_csum, rfc1624_example_gives_0000_not_ffff)
{
	cr_assert_eq(inet_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	cr_assert_eq(inet_csum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
}

/* A random IPv4 header with options, checksum filled. */
static size_t rnd_ip4(uint64_t *s, uint8_t *h)
{
	size_t ihl = 5 + rnd64(s) % 11;

	rnd_fill(s, h, 60);
	h[0] = (uint8_t)(0x40 | ihl);
	ip4_csum_fill(h, 4 * ihl);
	return 4 * ihl;
}

/* A 16-bit word offset other than the checksum's. */
static size_t rnd_word(uint64_t *s, size_t hlen)
{
	size_t off;

	do
		off = 2 * (rnd64(s) % (hlen / 2));
	while (off == 10);
	return off;
}

/* Set word off to new_, update incrementally, compare with recompute. */
static void check_update16(uint8_t *h, size_t hlen, size_t off,
			   uint16_t new_)
{
	uint16_t old = sctp_get16(h + off), csum = sctp_get16(h + 10);
	uint16_t got;

	sctp_put16(h + off, new_);
	got = inet_csum_update16(csum, old, new_);
	ip4_csum_fill(h, hlen);
	cr_assert_eq(got, sctp_get16(h + 10),
		     "off %zu %04x -> %04x, csum %04x", off, old, new_, csum);
	cr_assert_eq(inet_csum(h, hlen), 0);
}

Test(inet_csum, update16_matches_recompute)
{
	static const uint16_t corner[] = { 0x0000, 0xffff, 0x0001, 0xfffe };
	uint8_t h[60];
	uint64_t s = 13;
	int i, j;

	for (i = 0; i < 20000; i++) {
		size_t hlen = rnd_ip4(&s, h), off = rnd_word(&s, hlen);

		check_update16(h, hlen, off, rnd16(&s));
		/* Old and new values at the one's-complement edges. */
		for (j = 0; j < 4; j++)
			check_update16(h, hlen, rnd_word(&s, hlen), corner[j]);
	}
}

/*
 * Pick the new value so that the new header sums to 0xffff: the full
 * recompute gives checksum 0x0000, which RFC 1141's eqn. 1 would get
 * wrong as 0xffff.  Then move away again, starting from checksum 0.
 */
Test(inet_csum, update16_to_and_from_checksum_zero)
{
	uint8_t h[60];
	uint64_t s = 14;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t hlen = rnd_ip4(&s, h), off = rnd_word(&s, hlen);
		uint16_t rest, target;

		sctp_put16(h + off, 0);
		sctp_put16(h + 10, 0);
		rest = ref_sum(h, hlen);
		ip4_csum_fill(h, hlen);
		target = (uint16_t)(0xffff - rest);
		check_update16(h, hlen, off, target);
		cr_assert_eq(sctp_get16(h + 10), 0x0000, "rest %04x", rest);
		check_update16(h, hlen, off, rnd16(&s));
		cr_assert_neq(sctp_get16(h + 10), 0xffff);
	}
}

Test(inet_csum, update32_and_addr4_match_recompute)
{
	uint8_t h[60], old[4];
	uint64_t s = 15;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t hlen = rnd_ip4(&s, h);
		size_t field = i % 2 ? 12 : 16;	/* source or destination */
		uint16_t csum = sctp_get16(h + 10);
		uint32_t o = sctp_get32(h + field), n = (uint32_t)rnd64(&s);
		uint16_t by32, byaddr;

		if (i % 7 == 0)
			n = i % 14 ? 0xffffffffu : 0;
		memcpy(old, h + field, 4);
		sctp_put32(h + field, n);
		by32 = inet_csum_update32(csum, o, n);
		byaddr = inet_csum_update_addr(csum, old, h + field, 4);
		ip4_csum_fill(h, hlen);
		cr_assert_eq(by32, sctp_get16(h + 10), "%08x -> %08x", o, n);
		cr_assert_eq(byaddr, sctp_get16(h + 10), "%08x -> %08x", o, n);
	}
}

/*
 * Router Solicitation sent by Linux from fe80::5054:ddff:fe93:cb to
 * ff02::2, checksum 0x1dc8.  By hand: source words sum to 0x2c34,
 * destination 0xff04, length 16 + next header 58 = 0x004a, message with
 * its checksum zeroed 0xb6b4; all together 0xe237, inverted 0x1dc8.
 */
Test(inet_csum, icmp6_router_solicitation_from_linux)
{
	static const uint8_t src[16] = {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0x50, 0x54, 0xdd, 0xff, 0xfe, 0x93, 0x00, 0xcb,
	};
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 0x02 };
	static const uint8_t rs[16] = {
		0x85, 0x00, 0x1d, 0xc8, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x52, 0x54, 0xdd, 0x93, 0x00, 0xcb,
	};
	uint8_t z[16];

	cr_assert_eq(inet_csum_partial(src, 16, 0), 0x2c34u);
	cr_assert_eq(inet_csum_partial(dst, 16, 0), 0xff04u);
	cr_assert_eq(icmp6_csum(src, dst, rs, sizeof(rs)), 0x1dc8);
	/* The checksum field's contents are ignored. */
	memcpy(z, rs, sizeof(z));
	z[2] = z[3] = 0;
	cr_assert_eq(icmp6_csum(src, dst, z, sizeof(z)), 0x1dc8);
}

/* Neighbour Solicitation for DAD: unspecified source, nonce option. */
Test(inet_csum, icmp6_neighbour_solicitation_from_linux)
{
	static const uint8_t src[16];
	static const uint8_t dst[16] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x01, 0xff, 0x93, 0x00, 0xcb,
	};
	static const uint8_t ns[32] = {
		0x87, 0x00, 0x9c, 0xe6, 0x00, 0x00, 0x00, 0x00,
		0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x50, 0x54, 0xdd, 0xff, 0xfe, 0x93, 0x00, 0xcb,
		0x0e, 0x01, 0xa3, 0x42, 0xe7, 0x7d, 0x17, 0x66,
	};

	cr_assert_eq(icmp6_csum(src, dst, ns, sizeof(ns)), 0x9ce6);
}

/* Odd lengths and a pseudo-header-only reference, then address NAT. */
Test(inet_csum, icmp6_matches_reference_and_addr_update)
{
	uint8_t pkt[40 + 4 + 1281], src[16], dst[16], nsrc[16];
	uint64_t s = 16;
	int i;

	for (i = 0; i < 2000; i++) {
		size_t len = 4 + rnd64(&s) % 1281;
		uint8_t *icmp = pkt + 40;
		uint16_t c, want;

		rnd_fill(&s, src, 16);
		rnd_fill(&s, dst, 16);
		rnd_fill(&s, icmp, len);
		/* Reference: a real pseudo-header laid out in memory. */
		memset(pkt, 0, 40);
		memcpy(pkt, src, 16);
		memcpy(pkt + 16, dst, 16);
		sctp_put32(pkt + 32, (uint32_t)len);
		pkt[39] = 58;
		icmp[2] = icmp[3] = 0;
		want = (uint16_t)~ref_sum(pkt, 40 + len);
		c = icmp6_csum(src, dst, icmp, len);
		cr_assert_eq(c, want, "len %zu", len);
		/* Translate the source, update, compare with recompute. */
		rnd_fill(&s, nsrc, 16);
		if (i % 5 == 0)
			memset(nsrc, i % 10 ? 0xff : 0, 16);
		cr_assert_eq(inet_csum_update_addr(c, src, nsrc, 16),
			     icmp6_csum(nsrc, dst, icmp, len), "len %zu", len);
	}
}
