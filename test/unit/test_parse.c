/*
 * test_parse.c: ip_parse and sctp_parse on their own -- every drop
 * reason they document, and every prefix of a valid packet.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ip_parse.h"
#include "pkt_build.h"
#include "sctp_parse.h"
#include "sctp_wire.h"

/* IP, then SCTP header, then all chunks; DROP_NONE if all is well. */
static enum drop_reason parse_all(uint8_t *b, uint32_t len)
{
	struct sctp_view sv;
	struct ip_view ip;
	enum drop_reason r = ip_parse(b, len, &ip);

	if (r != DROP_NONE)
		return r;
	r = sctp_parse_header(&sv, b + ip.l4_off, ip.total_len - ip.l4_off);
	if (r != DROP_NONE)
		return r;
	return sctp_parse_chunks(&sv, 256);
}

static void bundle(struct pb *p)
{
	pb_ip4(p, "192.0.2.1", "192.0.2.2");
	pb_sctp(p, 1000, 2000, 0x1234);
	pb_chunk_begin(p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(p, "abcdefg", 7);	/* padded */
	pb_data(p, 1, 0, "xyz", 3);
	pb_sack(p, 5);
	pb_heartbeat(p, SCTP_CID_HEARTBEAT, "info");
	pb_finish(p);
}

Test(parse, independent_crc_matches_published_vector)
{
	cr_assert_eq(pkt_crc32c_bitwise("123456789", 9), 0xe3069283u);
}

Test(parse, valid_bundle_summary)
{
	struct sctp_view sv;
	struct ip_view ip;
	struct pb p;

	bundle(&p);
	cr_assert_eq(ip_parse(p.buf, p.len, &ip), DROP_NONE);
	cr_assert_eq(ip.family, AF_INET);
	cr_assert_eq(ip.proto, IPPROTO_SCTP_NUM);
	cr_assert_eq(sctp_parse_header(&sv, p.buf + 20, p.len - 20),
		     DROP_NONE);
	cr_assert_eq(sctp_parse_chunks(&sv, 256), DROP_NONE);
	cr_assert_eq(sv.n_chunks, 4);
	cr_assert_eq(sv.count[ENGINE_CS_DATA], 1);
	cr_assert_eq(sv.count[ENGINE_CS_COOKIE_ECHO], 1);
	cr_assert_eq(sv.first_off[ENGINE_CS_COOKIE_ECHO], 12);
	cr_assert_eq(sv.first_off[ENGINE_CS_DATA], 12 + 12);
	cr_assert_eq(sctp_parse_chunks(&sv, 3), DROP_TOO_MANY_CHUNKS);
}

/* Every prefix of a valid packet: refused with a reason, never a crash,
 * and the parser never writes. */
Test(parse, every_prefix_is_refused_cleanly)
{
	uint8_t copy[PB_MAX];
	struct pb p;

	bundle(&p);
	for (uint32_t n = 0; n < p.len; n++) {
		uint8_t *b = malloc(n ? n : 1);	/* exact size for ASan */
		enum drop_reason r;

		memcpy(b, p.buf, n);
		memcpy(copy, b, n);
		r = parse_all(b, n);
		cr_assert_neq(r, DROP_NONE, "prefix %u accepted", n);
		cr_assert(memcmp(copy, b, n) == 0);
		free(b);
	}
	cr_assert_eq(parse_all(p.buf, p.len), DROP_NONE);
}

Test(parse, ipv4_header_rules)
{
	struct pb p;

	bundle(&p);
	p.buf[10] ^= 1;		/* header checksum */
	cr_assert_eq(parse_all(p.buf, p.len), DROP_IP_BAD_HEADER);
	bundle(&p);
	p.buf[6] |= 0x20;	/* MF */
	p.buf[10] = p.buf[11] = 0;
	{
		uint32_t s = 0;

		for (int i = 0; i < 20; i += 2)
			s += (uint32_t)(p.buf[i] << 8 | p.buf[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		p.buf[10] = (uint8_t)(~s >> 8);
		p.buf[11] = (uint8_t)~s;
	}
	cr_assert_eq(parse_all(p.buf, p.len), DROP_IP_FRAGMENT);
	bundle(&p);
	p.buf[0] = 0x55;	/* version 5 */
	cr_assert_eq(parse_all(p.buf, p.len), DROP_IP_BAD_HEADER);
	bundle(&p);
	/* Link padding after the IP packet is ignored. */
	cr_assert_eq(parse_all(p.buf, p.len + 6), DROP_NONE);
}

static void ip6_with_ext(struct pb *p, uint8_t ext, int count)
{
	pb_ip6(p, "2001:db8::1", "2001:db8::2");
	p->buf[6] = count ? ext : 132;
	for (int i = 0; i < count; i++) {
		pb_u8(p, i + 1 < count ? ext : 132);
		pb_u8(p, 0);		/* 8 bytes */
		pb_u16(p, 0);
		pb_u32(p, 0);
	}
	pb_sctp(p, 1000, 2000, 7);
	pb_data(p, 1, 0, "x", 1);
	pb_finish(p);
}

Test(parse, ipv6_extension_headers)
{
	struct ip_view ip;
	struct pb p;

	ip6_with_ext(&p, IPPROTO_HOPOPTS, 1);
	cr_assert_eq(ip_parse(p.buf, p.len, &ip), DROP_NONE);
	cr_assert_eq(ip.l4_off, 48);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_NONE);
	ip6_with_ext(&p, IPPROTO_DSTOPTS, 3);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_NONE);
	ip6_with_ext(&p, IPPROTO_DSTOPTS, IP6_MAX_EXT_HEADERS + 1);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_IP_EXT_HEADERS);
	ip6_with_ext(&p, IPPROTO_FRAGMENT, 1);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_IP_FRAGMENT);
}

Test(parse, chunk_and_parameter_rules)
{
	struct pb p;

	/* Zero-length and too-short chunks, in first and later place. */
	bundle(&p);
	p.buf[20 + 12 + 2] = 0;
	p.buf[20 + 12 + 3] = 0;
	cr_assert_eq(parse_all(p.buf, p.len), DROP_CHUNK_ZERO_LENGTH);
	bundle(&p);
	p.buf[20 + 12 + 3] = 2;
	cr_assert_eq(parse_all(p.buf, p.len), DROP_CHUNK_TOO_SHORT);
	/* DATA shorter than its fixed part. */
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 1);
	pb_chunk_begin(&p, SCTP_CID_DATA, 3);
	pb_u32(&p, 1);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_CHUNK_TOO_SHORT);
	/* Bytes after a chunk that are neither its padding nor a chunk. */
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 1);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "abcde", 5);
	pb_chunk_end(&p);
	p.len -= 2;		/* 9-byte chunk, then one stray byte */
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_CHUNK_BAD_PADDING);
	/* The last chunk may leave its padding out. */
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 1);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "abcde", 5);
	pb_chunk_end(&p);
	p.len -= 3;
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_NONE);
	/* INIT rules: tag, stand alone, address parameter sizes. */
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 5);
	pb_init(&p, SCTP_CID_INIT, 9);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_INIT_BAD_VTAG);
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 0);
	pb_init(&p, SCTP_CID_INIT, 0);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_INIT_ZERO_TAG);
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 0);
	pb_init(&p, SCTP_CID_INIT, 9);
	pb_param(&p, SCTP_PARAM_IPV4_ADDR, "\1\2\3\4\5\6\7\10", 8);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_PARAM_BAD_LENGTH);
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 1);
	pb_simple(&p, SCTP_CID_SHUTDOWN_COMPLETE, 0);
	pb_simple(&p, SCTP_CID_COOKIE_ACK, 0);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_MUST_STAND_ALONE);
	/* ASCONF must start with an address parameter. */
	pb_ip4(&p, "192.0.2.1", "192.0.2.2");
	pb_sctp(&p, 1000, 2000, 1);
	pb_chunk_begin(&p, SCTP_CID_ASCONF, 0);
	pb_u32(&p, 1);
	pb_param(&p, SCTP_PARAM_ADAPTATION_LAYER, "\0\0\0\1", 4);
	pb_finish(&p);
	cr_assert_eq(parse_all(p.buf, p.len), DROP_ASCONF_BAD);
	/* M bit seen. */
	{
		struct sctp_view sv;

		pb_ip4(&p, "192.0.2.1", "192.0.2.2");
		pb_sctp(&p, 1000, 2000, 1);
		pb_simple(&p, SCTP_CID_ERROR, SCTP_FLAG_M);
		pb_finish(&p);
		sctp_parse_header(&sv, p.buf + 20, p.len - 20);
		cr_assert_eq(sctp_parse_chunks(&sv, 8), DROP_NONE);
		cr_assert(sv.m_bit);
	}
}

Test(parse, header_rules)
{
	struct sctp_view sv;
	uint8_t h[16] = { 0, 1, 0, 2 };

	cr_assert_eq(sctp_parse_header(&sv, h, 11), DROP_SCTP_TRUNCATED);
	cr_assert_eq(sctp_parse_header(&sv, h, 12), DROP_NO_CHUNKS);
	cr_assert_eq(sctp_parse_header(&sv, h, 14), DROP_SCTP_TRUNCATED);
	h[15] = 20;		/* first chunk longer than the packet */
	cr_assert_eq(sctp_parse_header(&sv, h, 16), DROP_CHUNK_TRUNCATED);
	h[1] = 0;
	cr_assert_eq(sctp_parse_header(&sv, h, 16), DROP_PORT_ZERO);
}
