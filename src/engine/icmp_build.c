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

static uint32_t build4(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		       const struct nat_addr *from, uint8_t *out,
		       uint32_t cap)
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
	icmp[0] = 3;				/* destination unreachable */
	icmp[1] = 4;				/* fragmentation needed */
	sctp_put16(icmp + 6, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	memcpy(icmp + 8, pkt, quote);
	sctp_put16(icmp + 2, inet_csum(icmp, 8 + quote));
	return total;
}

static uint32_t build6(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		       const struct nat_addr *from, uint8_t *out,
		       uint32_t cap)
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
	icmp[0] = 2;				/* packet too big */
	sctp_put32(icmp + 4, mtu);
	memcpy(icmp + 8, pkt, quote);
	sctp_put16(icmp + 2, icmp6_csum(out + 8, out + 24, icmp, 8 + quote));
	return total;
}

uint32_t icmp_build_too_big(const uint8_t *pkt, uint32_t len, uint32_t mtu,
			    const struct nat_addr *from, uint8_t *out,
			    uint32_t cap)
{
	if (len < 1)
		return 0;
	if ((pkt[0] >> 4) == 4)
		return build4(pkt, len, mtu, from, out, cap);
	if ((pkt[0] >> 4) == 6)
		return build6(pkt, len, mtu, from, out, cap);
	return 0;
}
