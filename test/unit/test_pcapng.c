/*
 * Unit tests for pcapng, the block writer of "sctpalgctl capture": every
 * block has its type, a total length that is a multiple of 4 and repeats
 * at its end, the fields draft-ietf-opsawg-pcapng puts where a reader
 * looks for them (byte-order magic, linktype, snaplen, if_name,
 * if_tsresol, the EPB's interface, timestamp, lengths, data, padding and
 * epb_flags direction, the ISB's counters); a block that does not fit is
 * not written; the reader finds whole blocks, asks for more of a partial
 * one, refuses garbage, and reads back an ISB's counts.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "pcapng.h"

static uint8_t buf[4096];

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The option code in a block's options (from off), or NULL. */
static const uint8_t *find_opt(const uint8_t *b, size_t off, uint16_t code)
{
	size_t len = u32(b + 4);

	while (off + 4 <= len - 4) {
		uint16_t c = u16(b + off), l = u16(b + off + 2);

		if (c == code)
			return b + off;
		if (c == 0)
			return NULL;
		off += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

static void check_framing(const uint8_t *b, size_t n, uint32_t type)
{
	uint32_t t, len;

	cr_assert_gt(n, 0);
	cr_assert_eq(n % 4, 0, "length %zu", n);
	cr_assert_eq(u32(b), type);
	cr_assert_eq(u32(b + 4), n);
	cr_assert_eq(u32(b + n - 4), n, "trailing length");
	cr_assert_eq(pcapng_block(b, n, &t, &len), 0);
	cr_assert_eq(t, type);
	cr_assert_eq(len, n);
}

Test(pcapng, section_header)
{
	size_t n = pcapng_shb(buf, sizeof(buf), "sctpalgd 0.1");
	const uint8_t *o;
	uint64_t section;

	check_framing(buf, n, PCAPNG_SHB);
	cr_assert_eq(u32(buf + 8), PCAPNG_BYTE_ORDER);
	cr_assert_eq(u16(buf + 12), 1);
	cr_assert_eq(u16(buf + 14), 0);
	memcpy(&section, buf + 16, 8);
	cr_assert_eq(section, UINT64_MAX, "section length -1: not given");
	o = find_opt(buf, 24, 4);
	cr_assert_not_null(o, "shb_userappl");
	cr_assert_eq(u16(o + 2), strlen("sctpalgd 0.1"));
	cr_assert_eq(memcmp(o + 4, "sctpalgd 0.1", 12), 0);
	cr_assert_eq(pcapng_shb(buf, n - 1, "sctpalgd 0.1"), 0);
	check_framing(buf, pcapng_shb(buf, sizeof(buf), NULL), PCAPNG_SHB);
}

Test(pcapng, interface_description)
{
	size_t n = pcapng_idb(buf, sizeof(buf), PCAPNG_LINK_ETHERNET, 65535,
			      "wan1 rx");
	const uint8_t *o;

	check_framing(buf, n, PCAPNG_IDB);
	cr_assert_eq(u16(buf + 8), PCAPNG_LINK_ETHERNET);
	cr_assert_eq(u16(buf + 10), 0);
	cr_assert_eq(u32(buf + 12), 65535);
	o = find_opt(buf, 16, 2);
	cr_assert_not_null(o, "if_name");
	cr_assert_eq(u16(o + 2), 7);
	cr_assert_eq(memcmp(o + 4, "wan1 rx", 7), 0);
	cr_assert_eq(o[11], 0, "option value padded with zeros");
	o = find_opt(buf, 16, 9);
	cr_assert_not_null(o, "if_tsresol");
	cr_assert_eq(u16(o + 2), 1);
	cr_assert_eq(o[4], 9, "nanoseconds");
	cr_assert_eq(pcapng_idb(buf, n - 4, 1, 65535, "wan1 rx"), 0);
}

Test(pcapng, enhanced_packet)
{
	uint8_t frame[61];
	uint64_t ts = 1700000000123456789ull;
	size_t n;
	const uint8_t *o;

	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i + 1);
	n = pcapng_epb(buf, sizeof(buf), 3, ts, frame, 61, 1500,
		       PCAPNG_EPB_OUTBOUND);
	check_framing(buf, n, PCAPNG_EPB);
	cr_assert_eq(n, pcapng_epb_len(61));
	cr_assert_leq(n, 61 + PCAPNG_EPB_OVERHEAD);
	cr_assert_eq(u32(buf + 8), 3, "interface id");
	cr_assert_eq(u32(buf + 12), (uint32_t)(ts >> 32), "timestamp high");
	cr_assert_eq(u32(buf + 16), (uint32_t)ts, "timestamp low");
	cr_assert_eq(u32(buf + 20), 61, "captured length");
	cr_assert_eq(u32(buf + 24), 1500, "original length");
	cr_assert_eq(memcmp(buf + 28, frame, 61), 0);
	cr_assert_eq(buf[28 + 61], 0, "padding");
	cr_assert_eq(buf[28 + 63], 0, "padding");
	o = find_opt(buf, 28 + 64, 2);
	cr_assert_not_null(o, "epb_flags");
	cr_assert_eq(u16(o + 2), 4);
	cr_assert_eq(u32(o + 4) & 3, 2, "direction: outbound");
	n = pcapng_epb(buf, sizeof(buf), 0, ts, frame, 61, 61,
		       PCAPNG_EPB_INBOUND);
	o = find_opt(buf, 28 + 64, 2);
	cr_assert_eq(u32(o + 4) & 3, 1, "direction: inbound");
	cr_assert_eq(pcapng_epb(buf, n - 1, 0, ts, frame, 61, 61, 1), 0);
}

/* Head, data and tail written apart make the same block as one call. */
Test(pcapng, enhanced_packet_in_pieces)
{
	uint8_t frame[64], whole[256], parts[256];
	size_t n, h, t;

	memset(frame, 0xab, sizeof(frame));
	memset(parts, 0xee, sizeof(parts));
	for (uint32_t len = 60; len <= 64; len++) {
		n = pcapng_epb(whole, sizeof(whole), 1, 42, frame, len, len,
			       PCAPNG_EPB_INBOUND);
		h = pcapng_epb_head(parts, sizeof(parts), 1, 42, len, len);
		memcpy(parts + h, frame, len);
		t = pcapng_epb_tail(parts + h + len, sizeof(parts) - h - len,
				    len, PCAPNG_EPB_INBOUND);
		cr_assert_eq(h + len + t, n, "len %u", len);
		cr_assert_eq(memcmp(whole, parts, n), 0, "len %u", len);
	}
}

Test(pcapng, interface_statistics)
{
	struct pcapng_if_stats st = {
		.start_ns = 1000, .end_ns = 5000000000ull, .recv = 12,
		.drop = 3, .comment = "3 dropped: ring full",
	};
	uint64_t recv, drop, v;
	const uint8_t *o;
	size_t n = pcapng_isb(buf, sizeof(buf), 5, 5000000000ull, &st);

	check_framing(buf, n, PCAPNG_ISB);
	cr_assert_leq(n, PCAPNG_ISB_MAX);
	cr_assert_eq(u32(buf + 8), 5);
	o = find_opt(buf, 20, 4);
	cr_assert_not_null(o, "isb_ifrecv");
	memcpy(&v, o + 4, 8);
	cr_assert_eq(v, 12);
	o = find_opt(buf, 20, 5);
	cr_assert_not_null(o, "isb_ifdrop");
	memcpy(&v, o + 4, 8);
	cr_assert_eq(v, 3);
	o = find_opt(buf, 20, 3);
	cr_assert_not_null(o, "isb_endtime");
	cr_assert_eq(u32(o + 4), 1, "endtime high word");
	cr_assert_not_null(find_opt(buf, 20, 1), "opt_comment");
	cr_assert_eq(pcapng_isb_counts(buf, n, &recv, &drop), 0);
	cr_assert_eq(recv, 12);
	cr_assert_eq(drop, 3);
	cr_assert_eq(pcapng_isb(buf, n - 4, 5, 0, &st), 0);
	/* A comment too long for PCAPNG_ISB_MAX is cut, not overflowing. */
	st.comment = "a comment far longer than anything an ISB of ours should "
		     "carry, which must be cut to keep the block small";
	n = pcapng_isb(buf, sizeof(buf), 0, 0, &st);
	check_framing(buf, n, PCAPNG_ISB);
	cr_assert_leq(n, PCAPNG_ISB_MAX);
	cr_assert_eq(pcapng_isb_counts(buf, n, &recv, &drop), 0);
	cr_assert_eq(drop, 3);
}

Test(pcapng, reader_needs_whole_blocks)
{
	uint32_t type, len;
	size_t n = pcapng_idb(buf, sizeof(buf), PCAPNG_LINK_RAW, 100, "lan0");

	cr_assert_eq(pcapng_block(buf, 4, &type, &len), -EAGAIN);
	cr_assert_eq(pcapng_block(buf, n - 1, &type, &len), -EAGAIN);
	cr_assert_eq(pcapng_block(buf, n, &type, &len), 0);
	buf[n - 4] ^= 1;
	cr_assert_eq(pcapng_block(buf, n, &type, &len), -EINVAL,
		     "trailing length differs");
	memset(buf, 0, 16);
	cr_assert_eq(pcapng_block(buf, 16, &type, &len), -EINVAL, "length 0");
	{
		uint64_t recv, drop;

		cr_assert_eq(pcapng_isb_counts(buf, 16, &recv, &drop),
			     -EINVAL, "not an ISB");
	}
}
