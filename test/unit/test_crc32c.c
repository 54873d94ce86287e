/*
 * Unit tests for crc32c: published CRC32c vectors, the table and
 * instruction versions against an independent bitwise CRC, SCTP packets
 * captured from an independent stack (usrsctp) whose checksums Wireshark
 * accepts, and the O(log n) incremental port update against a full
 * recompute, for correct and for corrupt packets.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "crc32c.h"
#include "sctp_wire.h"

#define POLY_REFLECTED 0x82f63b78u

/* Bit-at-a-time CRC32c register update: the definition, no tables. */
static uint32_t ref_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (POLY_REFLECTED & -(crc & 1));
	}
	return crc;
}

/* Standard CRC32c value (preset and final inversion). */
static uint32_t ref_value(const uint8_t *p, size_t len)
{
	return ~ref_crc32c(~0u, p, len);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rnd64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd32(uint64_t *s)
{
	return (uint32_t)(rnd64(s) >> 32);
}

static void rnd_fill(uint64_t *s, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(rnd64(s) >> 56);
}

struct vector {
	const char *name;
	uint8_t data[48];
	size_t len;
	uint32_t crc;
};

/*
 * RFC 3720 appendix B.4; the RFC lists the CRC bytes as they go on the
 * wire (least significant first): "aa 36 91 8a" is 0x8a9136aa.
 */
static void rfc3720_vectors(struct vector v[5])
{
	static const uint8_t iscsi_read[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	int i;

	memset(v, 0, 5 * sizeof(*v));
	v[0].name = "32 bytes of zeros";
	v[0].len = 32;
	v[0].crc = 0x8a9136aa;
	v[1].name = "32 bytes of 0xff";
	memset(v[1].data, 0xff, 32);
	v[1].len = 32;
	v[1].crc = 0x62a8ab43;
	v[2].name = "32 incrementing bytes";
	v[3].name = "32 decrementing bytes";
	for (i = 0; i < 32; i++) {
		v[2].data[i] = (uint8_t)i;
		v[3].data[i] = (uint8_t)(31 - i);
	}
	v[2].len = v[3].len = 32;
	v[2].crc = 0x46dd794e;
	v[3].crc = 0x113fdb5c;
	v[4].name = "iSCSI read command PDU";
	memcpy(v[4].data, iscsi_read, sizeof(iscsi_read));
	v[4].len = 48;
	v[4].crc = 0xd9963a56;
}

Test(crc32c, check_value_123456789)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	cr_assert_eq(~ref_crc32c(~0u, s, 9), 0xe3069283u);
	cr_assert_eq(~crc32c_sw(~0u, s, 9), 0xe3069283u);
	cr_assert_eq(~crc32c_hw(~0u, s, 9), 0xe3069283u);
	cr_assert_eq(~crc32c(~0u, s, 9), 0xe3069283u);
}

Test(crc32c, rfc3720_b4_vectors)
{
	struct vector v[5];
	int i;

	rfc3720_vectors(v);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(~ref_crc32c(~0u, v[i].data, v[i].len), v[i].crc,
			     "reference: %s", v[i].name);
		cr_assert_eq(~crc32c_sw(~0u, v[i].data, v[i].len), v[i].crc,
			     "sw: %s", v[i].name);
		cr_assert_eq(~crc32c_hw(~0u, v[i].data, v[i].len), v[i].crc,
			     "hw: %s", v[i].name);
		cr_assert_eq(~crc32c(~0u, v[i].data, v[i].len), v[i].crc,
			     "dispatch: %s", v[i].name);
	}
}

Test(crc32c, empty_buffer_leaves_register_alone)
{
	cr_assert_eq(crc32c_sw(0x12345678, "", 0), 0x12345678u);
	cr_assert_eq(crc32c_hw(0x12345678, "", 0), 0x12345678u);
	cr_assert_eq(crc32c(0x12345678, "", 0), 0x12345678u);
}

/* Exercises every table entry many times over, at every alignment. */
Test(crc32c, sw_matches_bitwise_reference)
{
	static uint8_t buf[1024 + 8];
	uint64_t s = 1;
	size_t len, off;

	rnd_fill(&s, buf, sizeof(buf));
	for (len = 0; len <= 1024; len++) {
		uint32_t init = rnd32(&s);

		off = len % 8;
		cr_assert_eq(crc32c_sw(init, buf + off, len),
			     ref_crc32c(init, buf + off, len),
			     "len %zu off %zu", len, off);
	}
}

Test(crc32c, hw_matches_sw_all_lengths_and_alignments)
{
	static uint8_t buf[1024 + 8];
	uint64_t s = 2;
	size_t len, off;

	if (!crc32c_hw_available())
		cr_skip_test("CPU has no SSE4.2 CRC32 instruction; "
			     "hw falls back to sw, nothing to compare");
	for (len = 0; len <= 1024; len++) {
		rnd_fill(&s, buf, sizeof(buf));
		for (off = 0; off < 8; off++) {
			uint32_t init = rnd32(&s);

			cr_assert_eq(crc32c_hw(init, buf + off, len),
				     crc32c_sw(init, buf + off, len),
				     "len %zu off %zu", len, off);
		}
	}
}

Test(crc32c, chained_calls_equal_one_call)
{
	static uint8_t buf[3000];
	uint64_t s = 3;
	size_t cut;
	uint32_t whole;

	rnd_fill(&s, buf, sizeof(buf));
	whole = crc32c(~0u, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 7) {
		uint32_t c = crc32c(~0u, buf, cut);

		c = crc32c(c, buf + cut, sizeof(buf) - cut);
		cr_assert_eq(c, whole, "cut at %zu", cut);
		c = crc32c_sw(crc32c_hw(~0u, buf, cut), buf + cut,
			      sizeof(buf) - cut);
		cr_assert_eq(c, whole, "hw then sw, cut at %zu", cut);
	}
}

/*
 * An INIT sent by usrsctp 0.9.5 (its own CRC32c code), captured on a
 * veth; tshark -o sctp.checksum:CRC-32c reports its checksum correct.
 * The field holds 36 a3 0e 2a: the CRC value 0x2a0ea336, low byte first.
 */
static const uint8_t usrsctp_init[112] = {
	0xfa, 0xe5, 0x27, 0x0f, 0x00, 0x00, 0x00, 0x00,
	0x36, 0xa3, 0x0e, 0x2a, 0x01, 0x00, 0x00, 0x62,
	0x9f, 0x6c, 0x2d, 0x0e, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x0a, 0x08, 0x00, 0x3d, 0xc1, 0x7c, 0x8b,
	0x80, 0x00, 0x00, 0x04, 0xc0, 0x00, 0x00, 0x04,
	0x80, 0x08, 0x00, 0x09, 0xc0, 0x0f, 0xc1, 0x80,
	0x82, 0x00, 0x00, 0x00, 0x80, 0x02, 0x00, 0x24,
	0x0f, 0xc3, 0x13, 0x9c, 0x6f, 0x41, 0x0a, 0x9a,
	0x0e, 0xb9, 0x6d, 0x65, 0x3c, 0x2b, 0x70, 0x28,
	0xa5, 0x33, 0x53, 0xca, 0x71, 0xb2, 0x67, 0xb9,
	0xb5, 0x81, 0xc7, 0xfd, 0x78, 0xb8, 0x94, 0x0d,
	0x80, 0x04, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00,
	0x80, 0x03, 0x00, 0x06, 0x80, 0xc1, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00,
};

/* usrsctp's ABORT (T bit set) answering an INIT, same provenance. */
static const uint8_t usrsctp_abort[16] = {
	0x27, 0x0f, 0xfa, 0x95, 0xc8, 0xe1, 0xe3, 0x95,
	0x8f, 0x0b, 0x53, 0x10, 0x06, 0x00, 0x00, 0x04,
};

Test(sctp_csum, verifies_packets_from_usrsctp)
{
	cr_assert(sctp_csum_verify(usrsctp_init, sizeof(usrsctp_init)));
	cr_assert_eq(sctp_csum_get(usrsctp_init), 0x2a0ea336u);
	cr_assert_eq(sctp_csum_compute(usrsctp_init, sizeof(usrsctp_init)),
		     0x2a0ea336u);
	cr_assert(sctp_csum_verify(usrsctp_abort, sizeof(usrsctp_abort)));
	cr_assert_eq(sctp_csum_get(usrsctp_abort), 0x10530b8fu);
}

Test(sctp_csum, rejects_any_single_bit_error)
{
	uint8_t p[sizeof(usrsctp_init)];
	size_t bit;

	for (bit = 0; bit < 8 * sizeof(p); bit++) {
		memcpy(p, usrsctp_init, sizeof(p));
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert_not(sctp_csum_verify(p, sizeof(p)), "bit %zu", bit);
	}
}

/* RFC 9260 appendix A: CRC over the packet with the field zeroed. */
Test(sctp_csum, definition_and_field_layout)
{
	uint8_t p[200], z[200];
	uint64_t s = 4;
	uint32_t want;

	rnd_fill(&s, p, sizeof(p));
	memcpy(z, p, sizeof(p));
	memset(z + SCTP_OFF_CSUM, 0, 4);
	want = ref_value(z, sizeof(z));
	/* The field's old contents do not matter. */
	cr_assert_eq(sctp_csum_compute(p, sizeof(p)), want);
	cr_assert_eq(sctp_csum_compute(z, sizeof(z)), want);
	sctp_csum_fill(p, sizeof(p));
	cr_assert_eq(p[8], (uint8_t)want);
	cr_assert_eq(p[9], (uint8_t)(want >> 8));
	cr_assert_eq(p[10], (uint8_t)(want >> 16));
	cr_assert_eq(p[11], (uint8_t)(want >> 24));
	cr_assert_eq(sctp_csum_get(p), want);
	cr_assert(sctp_csum_verify(p, sizeof(p)));
	cr_assert_eq(memcmp(p + 12, z + 12, sizeof(p) - 12), 0);
}

/* Every length and alignment, so the whole-packet paths (the header
 * words, then the chunks' last bytes) all meet the definition. */
Test(sctp_csum, definition_every_length_and_alignment)
{
	uint8_t buf[300 + 8], z[300];
	uint64_t s = 9;

	rnd_fill(&s, buf, sizeof(buf));
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 300; len++) {
			const uint8_t *p = buf + off;

			memcpy(z, p, len);
			if (len > SCTP_OFF_CSUM)
				memset(z + SCTP_OFF_CSUM, 0,
				       len < SCTP_HDR_LEN ?
					       len - SCTP_OFF_CSUM :
					       4);
			cr_assert_eq(sctp_csum_compute(p, len),
				     ref_value(z, len), "len %zu off %zu", len,
				     off);
		}
	}
}

Test(sctp_csum, short_input_never_verifies)
{
	uint8_t p[12] = { 0 };
	size_t len;

	for (len = 0; len < SCTP_HDR_LEN; len++) {
		cr_assert_not(sctp_csum_verify(p, len), "len %zu", len);
		(void)sctp_csum_compute(p, len);	/* defined, no OOB */
	}
	sctp_csum_fill(p, 12);
	cr_assert(sctp_csum_verify(p, 12));
}

/*
 * Rewrite the ports of a random packet, patch the checksum, compare with
 * a recompute.  A corrupt packet (checksum off by err) must stay off by
 * exactly err, so the receiver still drops it.
 */
static void check_port_update(uint64_t *s, uint8_t *p, size_t len,
			      uint32_t err)
{
	uint32_t old_ports, new_ports, got, want;

	rnd_fill(s, p, len);
	sctp_csum_fill(p, len);
	sctp_csum_set(p, sctp_csum_get(p) ^ err);
	old_ports = sctp_get32(p);
	switch (rnd32(s) % 4) {
	case 0:	/* one port only */
		new_ports = (old_ports & 0xffff0000u) | (rnd32(s) & 0xffff);
		break;
	case 1:
		new_ports = (rnd32(s) & 0xffff0000u) | (old_ports & 0xffff);
		break;
	case 2:	/* a single bit */
		new_ports = old_ports ^ (1u << (rnd32(s) % 32));
		break;
	default:
		new_ports = rnd32(s);
	}
	sctp_put32(p, new_ports);
	got = sctp_csum_update_ports(sctp_csum_get(p), old_ports, new_ports,
				     len);
	want = sctp_csum_compute(p, len) ^ err;
	cr_assert_eq(got, want, "len %zu ports %08x -> %08x err %08x", len,
		     old_ports, new_ports, err);
	cr_assert_eq(sctp_csum_update_ports_sw(sctp_csum_get(p), old_ports,
					       new_ports, len), want,
		     "sw: len %zu ports %08x -> %08x err %08x", len,
		     old_ports, new_ports, err);
	sctp_csum_set(p, got);
	cr_assert_eq(sctp_csum_verify(p, len), err == 0, "len %zu", len);
}

Test(sctp_csum, update_ports_every_length_12_to_2100)
{
	static uint8_t p[2100];
	uint64_t s = 5;
	size_t len;

	for (len = SCTP_HDR_LEN; len <= sizeof(p); len++) {
		check_port_update(&s, p, len, 0);
		check_port_update(&s, p, len, rnd32(&s) | 1);
	}
}

Test(sctp_csum, update_ports_random_lengths_to_9000)
{
	static uint8_t p[9000];
	uint64_t s = 6;
	int i;

	for (i = 0; i < 3000; i++) {
		size_t len = SCTP_HDR_LEN + rnd32(&s) % (9000 - 11);

		check_port_update(&s, p, len, i % 2 ? 0 : rnd32(&s) | 1);
	}
	/* Both ends, and lengths with many bits set. */
	check_port_update(&s, p, 9000, 0);
	check_port_update(&s, p, 8191, 0x80000000u);
	check_port_update(&s, p, 4095, 0);
	check_port_update(&s, p, 12, 1);
}

Test(sctp_csum, update_ports_largest_ip_payload)
{
	static uint8_t p[65535];
	uint64_t s = 7;

	check_port_update(&s, p, 65535, 0);
	check_port_update(&s, p, 65535 - 20, 0xdeadbeefu);
	check_port_update(&s, p, 32768, 0);
}

/* Beyond 16 bits of length the update takes its per-bit branch. */
Test(sctp_csum, update_ports_beyond_64k)
{
	static uint8_t p[262144 + 13];
	uint64_t s = 9;

	check_port_update(&s, p, 65536, 0);
	check_port_update(&s, p, 65537, 5);
	check_port_update(&s, p, 100000, 0);
	check_port_update(&s, p, 131072 + 255, 0);
	check_port_update(&s, p, sizeof(p), 0x01000000u);
}

/*
 * Lengths no buffer can hold, against plain polynomial arithmetic: a
 * bit-serial multiply mod P (zlib's multmodp) and x^(8 len) by square
 * and multiply from x itself, sharing nothing with the code under test.
 */
static uint32_t poly_mulmod(uint32_t a, uint32_t b)
{
	uint32_t m = 1u << 31, p = 0;

	while (m != 0) {
		if (a & m)
			p ^= b;
		m >>= 1;
		b = (b >> 1) ^ (POLY_REFLECTED & -(b & 1));
	}
	return p;
}

static uint32_t poly_x_pow_8n(uint64_t n)
{
	uint32_t result = 1u << 31, sq = 1u << 30;	/* 1 and x */
	int i;

	for (i = 0; i < 3; i++)
		sq = poly_mulmod(sq, sq);		/* x^8 */
	for (; n != 0; n >>= 1) {
		if (n & 1)
			result = poly_mulmod(result, sq);
		sq = poly_mulmod(sq, sq);
	}
	return result;
}

Test(sctp_csum, update_ports_huge_lengths_match_polynomial_math)
{
	static const uint64_t lens[] = {
		12, 1500, 9000, 65535, 65536, 1ull << 20, (1ull << 32) + 12,
		0xfedcba9876543210ull, ~0ull,
	};
	uint64_t s = 10;
	size_t i;
	int j;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = (size_t)lens[i];

		if ((uint64_t)len != lens[i])
			continue;	/* 32-bit size_t */
		for (j = 0; j < 100; j++) {
			uint32_t c = rnd32(&s), a = rnd32(&s), b = rnd32(&s);
			uint32_t want = c ^ poly_mulmod(poly_x_pow_8n(len),
					__builtin_bswap32(a ^ b));

			cr_assert_eq(sctp_csum_update_ports(c, a, b, len), want,
				     "len %zu", len);
			cr_assert_eq(sctp_csum_update_ports_sw(c, a, b, len),
				     want, "sw: len %zu", len);
		}
	}
}

/* Every packet length below 64 KiB in steps that reach each table row. */
Test(sctp_csum, update_ports_all_16bit_lengths_match_polynomial_math)
{
	uint64_t s = 11;
	size_t len;

	for (len = 4; len <= 0xffff; len += 1 + rnd32(&s) % 61) {
		uint32_t c = rnd32(&s), a = rnd32(&s), b = rnd32(&s);
		uint32_t want = c ^ poly_mulmod(poly_x_pow_8n(len),
						__builtin_bswap32(a ^ b));

		cr_assert_eq(sctp_csum_update_ports(c, a, b, len), want,
			     "len %zu", len);
		cr_assert_eq(sctp_csum_update_ports_sw(c, a, b, len), want,
			     "sw: len %zu", len);
	}
}

Test(sctp_csum, update_ports_unchanged_ports_is_identity)
{
	cr_assert_eq(sctp_csum_update_ports(0x12345678, 0xabcd0001,
					    0xabcd0001, 1500), 0x12345678u);
}

/* A port rewrite then its reverse restores the original checksum. */
Test(sctp_csum, update_ports_round_trip)
{
	uint64_t s = 8;
	int i;

	for (i = 0; i < 1000; i++) {
		uint32_t c = rnd32(&s), a = rnd32(&s), b = rnd32(&s);
		size_t len = SCTP_HDR_LEN + rnd32(&s) % 65000;
		uint32_t there = sctp_csum_update_ports(c, a, b, len);

		cr_assert_eq(sctp_csum_update_ports(there, b, a, len), c);
	}
}
