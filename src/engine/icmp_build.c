/*
 * icmp_build.c: see include/icmp_build.h.
 */
#include <string.h>
#include <sys/socket.h>

#include "icmp_build.h"
#include "inet_csum.h"
#include "sctp_wire.h"

#define TTL		64
#define PROTO_ICMP	1
#define PROTO_ICMPV6	58

bool ip_may_not_fragment(const uint8_t *pkt, uint32_t len)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return sctp_get16(pkt + 6) & 0x4000;
	return true;
}

/* The error's type, code and the 32 bits after its checksum. */
struct icmp_kind {
	uint8_t type, code;
	uint32_t rest;
};

static uint32_t build4(const uint8_t *pkt, uint32_t len,
		       const struct icmp_kind *k, const struct nat_addr *from,
		       uint8_t *out, uint32_t cap)
{
	uint32_t ihl = (uint32_t)(pkt[0] & 0x0f) * 4, quote, total;
	uint8_t *icmp = out + 20;

	if (len < 20 || ihl < 20 || len < ihl + 8 || from->family != AF_INET)
		return 0;
	quote = len < ICMP4_ERROR_MAX - 28 ? len : ICMP4_ERROR_MAX - 28;
	total = 28 + quote;
	if (cap < total)
		return 0;
	memset(out, 0, 28);
	out[0] = 0x45;
	sctp_put16(out + 2, (uint16_t)total);
	out[8] = TTL;
	out[9] = PROTO_ICMP;
	memcpy(out + 12, from->bytes, 4);
	memcpy(out + 16, pkt + 12, 4);		/* to the sender */
	ip4_csum_fill(out, 20);
	icmp[0] = k->type;
	icmp[1] = k->code;
	sctp_put32(icmp + 4, k->rest);
	memcpy(icmp + 8, pkt, quote);
	sctp_put16(icmp + 2, inet_csum(icmp, 8 + quote));
	return total;
}

static uint32_t build6(const uint8_t *pkt, uint32_t len,
		       const struct icmp_kind *k, const struct nat_addr *from,
		       uint8_t *out, uint32_t cap)
{
	uint32_t quote, total;
	uint8_t *icmp = out + 40;

	if (len < 48 || from->family != AF_INET6)
		return 0;
	quote = len < ICMP6_ERROR_MAX - 48 ? len : ICMP6_ERROR_MAX - 48;
	total = 48 + quote;
	if (cap < total)
		return 0;
	memset(out, 0, 48);
	out[0] = 0x60;
	sctp_put16(out + 4, (uint16_t)(8 + quote));
	out[6] = PROTO_ICMPV6;
	out[7] = TTL;
	memcpy(out + 8, from->bytes, 16);
	memcpy(out + 24, pkt + 8, 16);		/* to the sender */
	icmp[0] = k->type;
	icmp[1] = k->code;
	sctp_put32(icmp + 4, k->rest);
	memcpy(icmp + 8, pkt, quote);
	sctp_put16(icmp + 2, icmp6_csum(out + 8, out + 24, icmp, 8 + quote));
	return total;
}

/* The packet without link padding: its IP length, if the buffer has it. */
static uint32_t ip_len(const uint8_t *pkt, uint32_t len)
{
	uint32_t n = len;

	if ((pkt[0] >> 4) == 4 && len >= 20)
		n = sctp_get16(pkt + 2);
	else if ((pkt[0] >> 4) == 6 && len >= 40)
		n = 40u + sctp_get16(pkt + 4);
	return n < len ? n : len;
}

static uint32_t build(const uint8_t *pkt, uint32_t len,
		      const struct icmp_kind *k4, const struct icmp_kind *k6,
		      const struct nat_addr *from, uint8_t *out, uint32_t cap)
{
	if (len < 1)
		return 0;
	len = ip_len(pkt, len);
	if ((pkt[0] >> 4) == 4)
		return build4(pkt, len, k4, from, out, cap);
	if ((pkt[0] >> 4) == 6)
		return build6(pkt, len, k6, from, out, cap);
	return 0;
}

uint32_t icmp_build_too_big(const uint8_t *pkt, uint32_t len, uint32_t mtu,
			    const struct nat_addr *from, uint8_t *out,
			    uint32_t cap)
{
	/* Destination Unreachable, Fragmentation Needed: the MTU in the
	 * low 16 bits (RFC 1191 4); ICMPv6 Packet Too Big (RFC 4443 3.2). */
	const struct icmp_kind k4 = { 3, 4, mtu > 0xffff ? 0xffff : mtu };
	const struct icmp_kind k6 = { 2, 0, mtu };

	return build(pkt, len, &k4, &k6, from, out, cap);
}

uint32_t icmp_build_time_exceeded(const uint8_t *pkt, uint32_t len,
				  const struct nat_addr *from, uint8_t *out,
				  uint32_t cap)
{
	/* Time Exceeded, TTL exceeded in transit (RFC 792); ICMPv6 Time
	 * Exceeded, Hop Limit exceeded in transit (RFC 4443 3.3). */
	const struct icmp_kind k4 = { 11, 0, 0 };
	const struct icmp_kind k6 = { 3, 0, 0 };

	return build(pkt, len, &k4, &k6, from, out, cap);
}
