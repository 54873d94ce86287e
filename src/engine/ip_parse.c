/*
 * ip_parse.c: validate the IPv4 / IPv6 header of a packet and find its
 * transport payload (see include/ip_parse.h).  Reads only, but for
 * ip_hop_limit_dec(), the one header field a router itself changes.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "inet_csum.h"
#include "ip_parse.h"
#include "sctp_wire.h"

/*
 * Does a 20-byte IPv4 header (no options, nearly every packet) sum to
 * zero?  The one's-complement sum does not depend on byte order (RFC
 * 1071 2(B)), so native 32-bit loads do; the folded sum is 0xffff
 * exactly when inet_csum() would give 0.
 */
static bool csum20_ok(const uint8_t *b)
{
	uint64_t acc = 0;

	for (int i = 0; i < 5; i++) {
		uint32_t w;

		memcpy(&w, b + 4 * i, 4);
		acc += w;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return acc == 0xffff;
}

static enum drop_reason parse4(const uint8_t *b, uint32_t len,
			       struct ip_view *v)
{
	uint32_t ihl, total;

	if (len < 20)
		return DROP_IP_TRUNCATED;
	ihl = (uint32_t)(b[0] & 0x0f) * 4;
	total = sctp_get16(b + 2);
	if (ihl < 20 || total < ihl)
		return DROP_IP_BAD_HEADER;
	if (len < ihl || len < total)
		return DROP_IP_TRUNCATED;
	/* A header that does not sum to zero was damaged on the way. */
	if (ihl == 20 ? !csum20_ok(b) : inet_csum(b, ihl) != 0)
		return DROP_IP_BAD_HEADER;
	/* MF set or a non-zero offset: a fragment (RFC 791). */
	if (sctp_get16(b + 6) & 0x3fff)
		return DROP_IP_FRAGMENT;
	v->family = AF_INET;
	v->proto = b[9];
	v->l4_off = (uint16_t)ihl;
	v->total_len = total;
	v->src_off = 12;
	v->dst_off = 16;
	v->next_hdr_off = 9;
	return DROP_NONE;
}

static enum drop_reason parse6(const uint8_t *b, uint32_t len,
			       struct ip_view *v)
{
	uint32_t total, off = 40, nh_off = 6;
	uint8_t nh;

	if (len < 40)
		return DROP_IP_TRUNCATED;
	total = 40u + sctp_get16(b + 4);
	if (len < total)
		return DROP_IP_TRUNCATED;
	nh = b[6];
	/* RFC 8200 4.1: walk the extension headers we know, boundedly. */
	for (int i = 0;; i++) {
		uint32_t hlen;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT &&
		    nh != IPPROTO_AH && nh != IPPROTO_ESP)
			break;	/* an upper-layer protocol */
		if (nh == IPPROTO_FRAGMENT)
			return DROP_IP_FRAGMENT;
		if (nh == IPPROTO_AH || nh == IPPROTO_ESP ||
		    i >= IP6_MAX_EXT_HEADERS)
			return DROP_IP_EXT_HEADERS;
		if (off + 8 > total)
			return DROP_IP_BAD_HEADER;
		hlen = ((uint32_t)b[off + 1] + 1) * 8;
		if (off + hlen > total)
			return DROP_IP_BAD_HEADER;
		nh_off = off;
		nh = b[off];
		off += hlen;
	}
	v->family = AF_INET6;
	v->proto = nh;
	v->l4_off = (uint16_t)off;
	v->total_len = total;
	v->src_off = 8;
	v->dst_off = 24;
	v->next_hdr_off = (uint16_t)nh_off;
	return DROP_NONE;
}

enum drop_reason ip_parse(const uint8_t *buf, uint32_t len,
			  struct ip_view *v)
{
	if (len < 1)
		return DROP_IP_TRUNCATED;
	switch (buf[0] >> 4) {
	case 4:
		return parse4(buf, len, v);
	case 6:
		return parse6(buf, len, v);
	default:
		return DROP_IP_BAD_HEADER;
	}
}

void ip_hop_limit_dec(uint8_t *buf)
{
	uint16_t old;

	if ((buf[0] >> 4) != 4) {
		buf[7]--;
		return;
	}
	/* TTL is the high byte of the word it shares with the protocol. */
	old = sctp_get16(buf + 8);
	buf[8]--;
	sctp_put16(buf + 10, inet_csum_update16(sctp_get16(buf + 10), old,
						sctp_get16(buf + 8)));
}
