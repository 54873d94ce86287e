/*
 * inet_csum: the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624), used for the IPv4 header and for ICMP / ICMPv6 errors that
 * quote an SCTP packet.
 *
 * Values are the numbers formed by big-endian 16-bit words, in host
 * order: sums are taken over network-order words and results are stored
 * with sctp_put16().  Sums accumulate in 64 bits and fold at the end, which
 * is exact because 2^16 = 1 modulo 0xffff.
 */
#include <stdint.h>

#include "inet_csum.h"
#include "sctp_wire.h"

#define IP4_OFF_CSUM		10
#define ICMP6_OFF_CSUM		2
#define IPPROTO_ICMPV6_NUM	58

static uint32_t fold64(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t inet_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* Big-endian 32-bit words: each adds hi16 + lo16 modulo 0xffff. */
	while (len >= 4) {
		acc += sctp_get32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += sctp_get16(p);
		p += 2;
		len -= 2;
	}
	/* RFC 1071 4.1: an odd last byte is padded with a zero byte. */
	if (len)
		acc += (uint32_t)p[0] << 8;
	return fold64(acc);
}

uint16_t inet_csum_fold(uint32_t sum)
{
	return (uint16_t)~fold64(sum);
}

uint16_t inet_csum(const void *buf, size_t len)
{
	return inet_csum_fold(inet_csum_partial(buf, len, 0));
}

/*
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), and not eqn. 1 (RFC 1141):
 * with eqn. 3 the one's-complement sum can only become 0x0000 if every
 * term is zero, so the result is what a full recompute gives, including
 * a new checksum of 0x0000 where eqn. 1 would give 0xffff (RFC 1624 4).
 */
uint16_t inet_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old;
	sum += new_;
	return inet_csum_fold(sum);
}

uint16_t inet_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~(old >> 16);
	sum += (uint16_t)~old;
	sum += new_ >> 16;
	sum += new_ & 0xffff;
	return inet_csum_fold(sum);
}

uint16_t inet_csum_update_addr(uint16_t csum, const uint8_t *old,
			       const uint8_t *new_, size_t len)
{
	uint64_t sum = (uint16_t)~csum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint16_t)~sctp_get16(old + i);
		sum += sctp_get16(new_ + i);
	}
	return (uint16_t)~fold64(sum);
}

void ip4_csum_fill(uint8_t *ip4, size_t hdr_len)
{
	sctp_put16(ip4 + IP4_OFF_CSUM, 0);
	sctp_put16(ip4 + IP4_OFF_CSUM, inet_csum(ip4, hdr_len));
}

/*
 * RFC 8200 8.1 pseudo-header: source, destination, 32-bit upper-layer
 * length, three zero bytes and the next header value, then the message.
 * The message's own checksum field (bytes 2-3) is taken as zero, so the
 * result can be stored as is or compared with the received value.
 */
uint16_t icmp6_csum(const uint8_t *src, const uint8_t *dst,
		    const uint8_t *icmp, size_t len)
{
	uint64_t sum;

	sum = inet_csum_partial(src, 16, 0);
	sum += inet_csum_partial(dst, 16, 0);
	sum += (uint64_t)len + IPPROTO_ICMPV6_NUM;
	if (len <= ICMP6_OFF_CSUM) {
		sum += inet_csum_partial(icmp, len, 0);
	} else {
		sum += inet_csum_partial(icmp, ICMP6_OFF_CSUM, 0);
		if (len > ICMP6_OFF_CSUM + 2)
			sum += inet_csum_partial(icmp + ICMP6_OFF_CSUM + 2,
						 len - ICMP6_OFF_CSUM - 2, 0);
	}
	return (uint16_t)~fold64(sum);
}
