/*
 * inet_csum: the Internet one's-complement checksum (RFC 1071) and its
 * incremental update (RFC 1624), for IPv4 headers and ICMP / ICMPv6.
 */
#ifndef SCTPALG_INET_CSUM_H
#define SCTPALG_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes folded to 16 bits, not inverted. */
uint32_t inet_csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t inet_csum_fold(uint32_t sum);	/* returns ~fold(sum) */
/* Checksum over buf (host order result, store with sctp_put16). */
uint16_t inet_csum(const void *buf, size_t len);
/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Values in host order. */
uint16_t inet_csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
uint16_t inet_csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
/* Update for a changed 4 or 16 byte address (network byte order). */
uint16_t inet_csum_update_addr(uint16_t csum, const uint8_t *old,
			       const uint8_t *new_, size_t len);
/* Fill the IPv4 header checksum field (offset 10) from scratch. */
void ip4_csum_fill(uint8_t *ip4, size_t hdr_len);
/* ICMPv6 checksum including the pseudo-header (RFC 8200 8.1). */
uint16_t icmp6_csum(const uint8_t *src, const uint8_t *dst,
		    const uint8_t *icmp, size_t len);

#endif
