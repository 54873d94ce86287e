/*
 * ip_parse: find the transport payload of an IPv4 or IPv6 packet.
 *
 * Validates what the engine relies on before it touches anything: version,
 * header lengths, total length against the buffer, the IPv4 header
 * checksum, and for IPv6 a bounded walk over extension headers.
 * Fragments are reported, not reassembled.
 */
#ifndef SCTPALG_IP_PARSE_H
#define SCTPALG_IP_PARSE_H

#include <stdint.h>

#include "drop_reason.h"

#define IP6_MAX_EXT_HEADERS	8

struct ip_view {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* upper-layer protocol after ext headers */
	uint16_t l4_off;	/* offset of the transport header */
	uint32_t total_len;	/* L3 length from the header (<= buffer) */
	uint16_t src_off;	/* offset of the source address */
	uint16_t dst_off;	/* offset of the destination address */
	uint16_t next_hdr_off;	/* IPv6: offset of the byte naming proto */
};

/*
 * DROP_NONE with *v filled, or the reason: IP_TRUNCATED, IP_BAD_HEADER
 * (version, IHL, length fields, IPv4 header checksum), IP_FRAGMENT,
 * IP_EXT_HEADERS (more than IP6_MAX_EXT_HEADERS, or AH/ESP/unknown).
 * Bytes past total_len (link padding) are ignored.
 */
enum drop_reason ip_parse(const uint8_t *buf, uint32_t len,
			  struct ip_view *v);

/*
 * A router's hop count (RFC 1812 5.3.1, RFC 8200 3): the IPv4 TTL or
 * IPv6 Hop Limit of a packet ip_parse() accepted.  A packet arriving
 * with 1 or 0 is not forwarded: the engine drops it (ttl-exceeded) and
 * the daemon answers with ICMP Time Exceeded.
 */
static inline uint8_t ip_hop_limit(const uint8_t *buf)
{
	return (buf[0] >> 4) == 4 ? buf[8] : buf[7];
}

/*
 * One hop less on a packet being forwarded (its hop limit above 1), the
 * IPv4 header checksum patched for it (RFC 1624 eqn. 3, RFC 1812
 * 5.3.1: the same value as a recomputation).
 */
void ip_hop_limit_dec(uint8_t *buf);

#endif
