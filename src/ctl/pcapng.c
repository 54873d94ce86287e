/*
 * pcapng: writing and walking pcapng blocks.  See include/pcapng.h; the
 * layout is draft-ietf-opsawg-pcapng, sections 4.1 (SHB), 4.2 (IDB),
 * 4.3 (EPB) and 4.6 (ISB), options as in section 3.5.
 */
#include <errno.h>
#include <string.h>

#include "pcapng.h"

#define OPT_ENDOFOPT	0
#define OPT_COMMENT	1
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_TSRESOL	9
#define EPB_FLAGS	2
#define ISB_STARTTIME	2
#define ISB_ENDTIME	3
#define ISB_IFRECV	4
#define ISB_IFDROP	5

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* An option's size on the wire. */
static size_t opt_len(size_t vlen)
{
	return 4 + pad4(vlen);
}

/* Writes an option at p (room checked by the caller); returns its size. */
static size_t opt_put(uint8_t *p, uint16_t code, const void *v, size_t vlen)
{
	size_t n = opt_len(vlen);

	put16(p, code);
	put16(p + 2, (uint16_t)vlen);
	memset(p + 4, 0, n - 4);
	if (vlen)
		memcpy(p + 4, v, vlen);
	return n;
}

/* Timestamps are 64-bit counts of if_tsresol units, high word first. */
static void put_ts(uint8_t *p, uint64_t ts)
{
	put32(p, (uint32_t)(ts >> 32));
	put32(p + 4, (uint32_t)ts);
}

/* Strings longer than this are cut: an option's length is 16 bits, and
 * interface names and comments are short. */
#define STR_MAX 256

static size_t str_len(const char *s)
{
	/* Not strnlen(s, STR_MAX): callers' buffers may be shorter than
	 * STR_MAX, which GCC's link-time checks take for an overread. */
	size_t n = s ? strlen(s) : 0;

	return n < STR_MAX ? n : STR_MAX;
}

size_t pcapng_shb(uint8_t *buf, size_t cap, const char *appl)
{
	size_t alen = str_len(appl);
	size_t len = 24 + (alen ? opt_len(alen) : 0) + 4 + 4;
	uint8_t *p = buf;
	uint64_t section_len = UINT64_MAX; /* -1: not given */

	if (cap < len)
		return 0;
	put32(p, PCAPNG_SHB);
	put32(p + 4, (uint32_t)len);
	put32(p + 8, PCAPNG_BYTE_ORDER);
	put16(p + 12, 1);
	put16(p + 14, 0);
	memcpy(p + 16, &section_len, 8);
	p += 24;
	if (alen)
		p += opt_put(p, SHB_USERAPPL, appl, alen);
	p += opt_put(p, OPT_ENDOFOPT, NULL, 0);
	put32(p, (uint32_t)len);
	return len;
}

size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype,
		  uint32_t snaplen, const char *name)
{
	size_t nlen = str_len(name);
	uint8_t tsresol = 9;
	size_t len = 16 + (nlen ? opt_len(nlen) : 0) + opt_len(1) + 4 + 4;
	uint8_t *p = buf;

	if (cap < len)
		return 0;
	put32(p, PCAPNG_IDB);
	put32(p + 4, (uint32_t)len);
	put16(p + 8, linktype);
	put16(p + 10, 0);
	put32(p + 12, snaplen);
	p += 16;
	if (nlen)
		p += opt_put(p, IF_NAME, name, nlen);
	p += opt_put(p, IF_TSRESOL, &tsresol, 1);
	p += opt_put(p, OPT_ENDOFOPT, NULL, 0);
	put32(p, (uint32_t)len);
	return len;
}

size_t pcapng_epb_len(uint32_t caplen)
{
	return PCAPNG_EPB_HEAD + pad4(caplen) + opt_len(4) + 4 + 4;
}

size_t pcapng_epb_head(uint8_t *buf, size_t cap, uint32_t if_id,
		       uint64_t ts_ns, uint32_t caplen, uint32_t origlen)
{
	if (cap < PCAPNG_EPB_HEAD)
		return 0;
	put32(buf, PCAPNG_EPB);
	put32(buf + 4, (uint32_t)pcapng_epb_len(caplen));
	put32(buf + 8, if_id);
	put_ts(buf + 12, ts_ns);
	put32(buf + 20, caplen);
	put32(buf + 24, origlen);
	return PCAPNG_EPB_HEAD;
}

size_t pcapng_epb_tail(uint8_t *buf, size_t cap, uint32_t caplen,
		       uint32_t flags)
{
	size_t padding = pad4(caplen) - caplen;
	size_t len = padding + opt_len(4) + 4 + 4;
	uint8_t *p = buf;

	if (cap < len)
		return 0;
	memset(p, 0, padding);
	p += padding;
	p += opt_put(p, EPB_FLAGS, &flags, 4);
	p += opt_put(p, OPT_ENDOFOPT, NULL, 0);
	put32(p, (uint32_t)pcapng_epb_len(caplen));
	return len;
}

size_t pcapng_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
		  const void *data, uint32_t caplen, uint32_t origlen,
		  uint32_t flags)
{
	size_t len = pcapng_epb_len(caplen);

	if (cap < len)
		return 0;
	pcapng_epb_head(buf, cap, if_id, ts_ns, caplen, origlen);
	if (caplen)
		memcpy(buf + PCAPNG_EPB_HEAD, data, caplen);
	pcapng_epb_tail(buf + PCAPNG_EPB_HEAD + caplen,
			cap - PCAPNG_EPB_HEAD - caplen, caplen, flags);
	return len;
}

size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
		  const struct pcapng_if_stats *st)
{
	size_t clen = str_len(st->comment);
	size_t len;
	uint8_t ts[8];
	uint8_t *p = buf;

	if (clen > PCAPNG_ISB_MAX - 96)
		clen = PCAPNG_ISB_MAX - 96;
	len = 20 + 4 * opt_len(8) + (clen ? opt_len(clen) : 0) + 4 + 4;
	if (cap < len)
		return 0;
	put32(p, PCAPNG_ISB);
	put32(p + 4, (uint32_t)len);
	put32(p + 8, if_id);
	put_ts(p + 12, ts_ns);
	p += 20;
	put_ts(ts, st->start_ns);
	p += opt_put(p, ISB_STARTTIME, ts, 8);
	put_ts(ts, st->end_ns);
	p += opt_put(p, ISB_ENDTIME, ts, 8);
	p += opt_put(p, ISB_IFRECV, &st->recv, 8);
	p += opt_put(p, ISB_IFDROP, &st->drop, 8);
	if (clen)
		p += opt_put(p, OPT_COMMENT, st->comment, clen);
	p += opt_put(p, OPT_ENDOFOPT, NULL, 0);
	put32(p, (uint32_t)len);
	return len;
}

int pcapng_block(const uint8_t *buf, size_t len, uint32_t *type,
		 uint32_t *blen)
{
	uint32_t n;

	if (len < 8)
		return -EAGAIN;
	n = get32(buf + 4);
	if (n < 12 || n % 4)
		return -EINVAL;
	if (len < n)
		return -EAGAIN;
	if (get32(buf + n - 4) != n)
		return -EINVAL;
	*type = get32(buf);
	*blen = n;
	return 0;
}

int pcapng_isb_counts(const uint8_t *blk, size_t blen, uint64_t *recv,
		      uint64_t *drop)
{
	size_t off = 20;

	*recv = *drop = 0;
	if (blen < 24 || get32(blk) != PCAPNG_ISB)
		return -EINVAL;
	while (off + 4 <= blen - 4) {
		uint16_t code, vlen;

		memcpy(&code, blk + off, 2);
		memcpy(&vlen, blk + off + 2, 2);
		if (code == OPT_ENDOFOPT)
			return 0;
		if (off + 4 + pad4(vlen) > blen - 4)
			return -EINVAL;
		if (vlen == 8 && code == ISB_IFRECV)
			memcpy(recv, blk + off + 4, 8);
		if (vlen == 8 && code == ISB_IFDROP)
			memcpy(drop, blk + off + 4, 8);
		off += 4 + pad4(vlen);
	}
	return 0;
}
