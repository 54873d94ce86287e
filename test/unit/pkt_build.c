/*
 * pkt_build.c: packet builder and decoders for tests (see pkt_build.h).
 * Independent of src/engine on purpose: nothing here calls the engine.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_build.h"

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void check_room(const struct pb *p, size_t n)
{
	if (p->len + n > PB_MAX) {
		fprintf(stderr, "pkt_build: packet too large\n");
		abort();
	}
}

void pb_bytes(struct pb *p, const void *b, size_t n)
{
	check_room(p, n);
	memcpy(p->buf + p->len, b, n);
	p->len += (uint32_t)n;
}

void pb_u8(struct pb *p, uint8_t v)
{
	pb_bytes(p, &v, 1);
}

void pb_u16(struct pb *p, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	pb_bytes(p, b, 2);
}

void pb_u32(struct pb *p, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	pb_bytes(p, b, 4);
}

static void pad4(struct pb *p)
{
	while (p->len % 4)
		pb_u8(p, 0);
}

void pb_ip4(struct pb *p, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	p->buf[0] = 0x45;
	p->buf[6] = 0x40;	/* DF */
	p->buf[8] = 64;
	p->buf[9] = 132;
	if (inet_pton(AF_INET, src, p->buf + 12) != 1 ||
	    inet_pton(AF_INET, dst, p->buf + 16) != 1)
		abort();
	p->len = p->l3_hlen = 20;
}

void pb_ip6(struct pb *p, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	p->v6 = true;
	p->buf[0] = 0x60;
	p->buf[6] = 132;
	p->buf[7] = 64;
	if (inet_pton(AF_INET6, src, p->buf + 8) != 1 ||
	    inet_pton(AF_INET6, dst, p->buf + 24) != 1)
		abort();
	p->len = p->l3_hlen = 40;
}

void pb_sctp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t vtag)
{
	p->sctp_off = p->len;
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u32(p, vtag);
	pb_u32(p, 0);
}

void pb_chunk_end(struct pb *p)
{
	if (!p->chunk_off)
		return;
	put16(p->buf + p->chunk_off + 2, (uint16_t)(p->len - p->chunk_off));
	pad4(p);
	p->chunk_off = 0;
}

void pb_chunk_begin(struct pb *p, uint8_t type, uint8_t flags)
{
	pb_chunk_end(p);
	pad4(p);
	p->chunk_off = p->len;
	pb_u8(p, type);
	pb_u8(p, flags);
	pb_u16(p, 0);
}

void pb_init(struct pb *p, uint8_t type, uint32_t itag)
{
	pb_chunk_begin(p, type, 0);
	pb_u32(p, itag);
	pb_u32(p, 65536);	/* a_rwnd */
	pb_u16(p, 10);		/* outbound streams */
	pb_u16(p, 10);		/* inbound streams */
	pb_u32(p, 1);		/* initial TSN */
}

void pb_param(struct pb *p, uint16_t type, const void *v, uint16_t len)
{
	pad4(p);
	pb_u16(p, type);
	pb_u16(p, (uint16_t)(len + 4));
	if (len)
		pb_bytes(p, v, len);
}

void pb_param_addr(struct pb *p, const char *addr)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		pb_param(p, 5, a, 4);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		pb_param(p, 6, a, 16);
	else
		abort();
}

void pb_data(struct pb *p, uint32_t tsn, uint32_t ppid, const void *payload,
	     uint16_t len)
{
	pb_chunk_begin(p, 0, 0x03);	/* B and E: an unfragmented message */
	pb_u32(p, tsn);
	pb_u16(p, 0);
	pb_u16(p, 0);
	pb_u32(p, ppid);
	pb_bytes(p, payload, len);
}

void pb_sack(struct pb *p, uint32_t cum_tsn)
{
	pb_chunk_begin(p, 3, 0);
	pb_u32(p, cum_tsn);
	pb_u32(p, 65536);
	pb_u16(p, 0);
	pb_u16(p, 0);
}

void pb_heartbeat(struct pb *p, uint8_t type, const char *info)
{
	pb_chunk_begin(p, type, 0);
	pb_param(p, 1, info, (uint16_t)strlen(info));
}

void pb_simple(struct pb *p, uint8_t type, uint8_t flags)
{
	pb_chunk_begin(p, type, flags);
	if (type == 7)		/* SHUTDOWN carries the cumulative TSN */
		pb_u32(p, 1);
}

void pb_asconf(struct pb *p, uint32_t serial, const char *lookup_addr)
{
	pb_chunk_begin(p, 0xc1, 0);
	pb_u32(p, serial);
	pb_param_addr(p, lookup_addr);
}

void pb_asconf_param(struct pb *p, uint16_t type, uint32_t corr,
		     const char *addr)
{
	uint8_t a[16];
	bool v4 = inet_pton(AF_INET, addr, a) == 1;

	if (!v4 && inet_pton(AF_INET6, addr, a) != 1)
		abort();
	pb_u16(p, type);
	pb_u16(p, (uint16_t)(8 + (v4 ? 8 : 20)));
	pb_u32(p, corr);
	pb_param(p, v4 ? 5 : 6, a, v4 ? 4 : 16);
}

void pb_auth(struct pb *p)
{
	static const uint8_t hmac[20];

	pb_chunk_begin(p, 15, 0);
	pb_u16(p, 0);		/* shared key id */
	pb_u16(p, 1);		/* HMAC-SHA-1 */
	pb_bytes(p, hmac, sizeof(hmac));
}

void pb_asconf_ack(struct pb *p, uint32_t serial)
{
	pb_chunk_begin(p, 0x80, 0);
	pb_u32(p, serial);
}

void pb_asconf_success(struct pb *p, uint32_t corr)
{
	pb_u16(p, 0xc005);
	pb_u16(p, 8);
	pb_u32(p, corr);
}

/* An Error Cause Indication with one cause and no quoted TLV. */
void pb_asconf_error(struct pb *p, uint32_t corr, uint16_t cause)
{
	pb_u16(p, 0xc003);
	pb_u16(p, 12);
	pb_u32(p, corr);
	pb_u16(p, cause);
	pb_u16(p, 4);
}

/* RFC 9260 appendix A, bit by bit: slow, obviously right. */
uint32_t pkt_crc32c_bitwise(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static uint16_t ones_sum(const uint8_t *b, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void fill_sctp_crc(uint8_t *s, uint32_t len)
{
	uint32_t crc;

	memset(s + 8, 0, 4);
	crc = pkt_crc32c_bitwise(s, len);
	/* Stored least significant byte first (RFC 9260 appendix A). */
	s[8] = (uint8_t)crc;
	s[9] = (uint8_t)(crc >> 8);
	s[10] = (uint8_t)(crc >> 16);
	s[11] = (uint8_t)(crc >> 24);
}

static void fill_ip(struct pb *p)
{
	if (p->v6) {
		put16(p->buf + 4, (uint16_t)(p->len - 40));
		return;
	}
	put16(p->buf + 2, (uint16_t)p->len);
	put16(p->buf + 10, 0);
	put16(p->buf + 10, (uint16_t)~ones_sum(p->buf, p->l3_hlen, 0));
}

void pb_finish(struct pb *p)
{
	pb_chunk_end(p);
	fill_ip(p);
	if (!p->zero_csum)
		fill_sctp_crc(p->buf + p->sctp_off, p->len - p->sctp_off);
}

void pb_icmp4_error(struct pb *p, const char *src, const char *dst,
		    uint8_t type, uint8_t code, uint16_t mtu,
		    const uint8_t *quoted, uint32_t qlen)
{
	uint32_t off;

	pb_ip4(p, src, dst);
	p->buf[9] = 1;
	off = p->len;
	pb_u8(p, type);
	pb_u8(p, code);
	pb_u16(p, 0);
	pb_u16(p, 0);
	pb_u16(p, mtu);
	pb_bytes(p, quoted, qlen);
	fill_ip(p);
	put16(p->buf + off + 2,
	      (uint16_t)~ones_sum(p->buf + off, p->len - off, 0));
}

static uint16_t icmp6_sum(const uint8_t *ip, const uint8_t *icmp,
			  uint32_t len)
{
	uint8_t ph[40];

	memcpy(ph, ip + 8, 32);
	put32(ph + 32, len);
	put32(ph + 36, 58);
	return ones_sum(icmp, len, ones_sum(ph, 40, 0));
}

void pb_icmp6_error(struct pb *p, const char *src, const char *dst,
		    uint8_t type, uint8_t code, uint32_t mtu,
		    const uint8_t *quoted, uint32_t qlen)
{
	uint32_t off;

	pb_ip6(p, src, dst);
	p->buf[6] = 58;
	off = p->len;
	pb_u8(p, type);
	pb_u8(p, code);
	pb_u16(p, 0);
	pb_u32(p, mtu);
	pb_bytes(p, quoted, qlen);
	fill_ip(p);
	put16(p->buf + off + 2,
	      (uint16_t)~icmp6_sum(p->buf, p->buf + off, p->len - off));
}

uint32_t pkt_l3_hlen(const uint8_t *ip)
{
	return (ip[0] >> 4) == 4 ? (uint32_t)(ip[0] & 15) * 4 : 40;
}

bool pkt_verify_crc(const uint8_t *ip, uint32_t len)
{
	uint32_t h = pkt_l3_hlen(ip);
	uint8_t copy[PB_MAX];
	uint32_t stored, n = len - h;

	if (len < h + 12 || n > sizeof(copy))
		return false;
	memcpy(copy, ip + h, n);
	stored = (uint32_t)copy[8] | (uint32_t)copy[9] << 8 |
		 (uint32_t)copy[10] << 16 | (uint32_t)copy[11] << 24;
	memset(copy + 8, 0, 4);
	return pkt_crc32c_bitwise(copy, n) == stored;
}

bool pkt_verify_ip4_csum(const uint8_t *ip)
{
	return ones_sum(ip, pkt_l3_hlen(ip), 0) == 0xffff;
}

bool pkt_verify_icmp_csum(const uint8_t *ip, uint32_t len)
{
	uint32_t h = pkt_l3_hlen(ip);

	if ((ip[0] >> 4) == 4)
		return ones_sum(ip + h, len - h, 0) == 0xffff;
	return icmp6_sum(ip, ip + h, len - h) == 0xffff;
}

static const char *addr_str(const uint8_t *ip, int off4, int off6, char *buf)
{
	if ((ip[0] >> 4) == 4)
		return inet_ntop(AF_INET, ip + off4, buf, 48);
	return inet_ntop(AF_INET6, ip + off6, buf, 48);
}

const char *pkt_src(const uint8_t *ip, char *buf)
{
	return addr_str(ip, 12, 8, buf);
}

const char *pkt_dst(const uint8_t *ip, char *buf)
{
	return addr_str(ip, 16, 24, buf);
}

uint16_t pkt_sport(const uint8_t *ip)
{
	return get16(ip + pkt_l3_hlen(ip));
}

uint16_t pkt_dport(const uint8_t *ip)
{
	return get16(ip + pkt_l3_hlen(ip) + 2);
}

uint32_t pkt_vtag(const uint8_t *ip)
{
	const uint8_t *s = ip + pkt_l3_hlen(ip);

	return (uint32_t)get16(s + 4) << 16 | get16(s + 6);
}

uint32_t pkt_find_chunk(const uint8_t *ip, uint32_t len, uint8_t type,
			unsigned int n)
{
	uint32_t off = pkt_l3_hlen(ip) + 12;

	while (off + 4 <= len) {
		uint16_t clen = get16(ip + off + 2);

		if (ip[off] == type && n-- == 0)
			return off;
		if (clen < 4)
			break;
		off += (clen + 3u) & ~3u;
	}
	return 0;
}

unsigned int pkt_init_addrs(const uint8_t *ip, uint32_t len, char out[][48],
			    unsigned int max)
{
	uint32_t c = pkt_find_chunk(ip, len, 1, 0), end, off;
	unsigned int n = 0;

	if (!c)
		c = pkt_find_chunk(ip, len, 2, 0);
	if (!c)
		return 0;
	end = c + get16(ip + c + 2);
	for (off = c + 20; off + 4 <= end && n < max;) {
		uint16_t t = get16(ip + off), plen = get16(ip + off + 2);

		if (plen < 4)
			break;
		if (t == 5)
			inet_ntop(AF_INET, ip + off + 4, out[n++], 48);
		else if (t == 6)
			inet_ntop(AF_INET6, ip + off + 4, out[n++], 48);
		off += (plen + 3u) & ~3u;
	}
	return n;
}

bool pkt_contains_addr(const uint8_t *ip, uint32_t len, const char *addr)
{
	uint8_t a[16];
	size_t alen = 4;

	if (inet_pton(AF_INET, addr, a) != 1) {
		if (inet_pton(AF_INET6, addr, a) != 1)
			abort();
		alen = 16;
	}
	for (uint32_t i = 0; i + alen <= len; i++)
		if (memcmp(ip + i, a, alen) == 0)
			return true;
	return false;
}
