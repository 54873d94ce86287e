/*
 * icmp_build: the ICMP errors a router sends when a packet does not fit
 * the next link -- Fragmentation Needed (RFC 792, RFC 1191; for IPv4
 * packets with DF) or ICMPv6 Packet Too Big (RFC 4443 3.2) -- or when
 * its TTL / Hop Limit runs out -- Time Exceeded (RFC 792, RFC 1812
 * 5.3.1; RFC 4443 3.3).
 *
 * The daemon meets packets that do not fit where a link on the box is
 * smaller than the one they came from (a PPPoE uplink with MTU 1492
 * behind a 1500-byte LAN, jumbo frames inside) or where the engine grew
 * an INIT.  Dropping them silently is a path MTU black hole.  The error
 * is built about the packet as translated and then goes through the
 * engine the other way, which translates its outer and quoted headers
 * back as for any ICMP error from outside: the sender sees an error
 * about the packet it sent.  Pure: no I/O, no state.
 */
#ifndef SCTPALG_ICMP_BUILD_H
#define SCTPALG_ICMP_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "nat_addr.h"

/* The quote a router includes: RFC 1812 4.3.2.3 (576) / RFC 4443 (1280). */
#define ICMP4_ERROR_MAX		576
#define ICMP6_ERROR_MAX		1280

/* True for IPv6, and for IPv4 with DF: the packet may not be cut. */
bool ip_may_not_fragment(const uint8_t *pkt, uint32_t len);

/*
 * Build into out (cap bytes; ICMP6_ERROR_MAX always suffices) the error
 * about pkt (len bytes, its IP header first) that a router with next-hop
 * MTU mtu would send from address `from` (pkt's family) to pkt's source.
 * Returns the length of the packet built, or 0 (not IPv4/IPv6, from of
 * another family, cap too small, or a packet too short to quote).
 */
uint32_t icmp_build_too_big(const uint8_t *pkt, uint32_t len, uint32_t mtu,
			    const struct nat_addr *from, uint8_t *out,
			    uint32_t cap);

/*
 * The same for Time Exceeded (code 0, in transit) about pkt, which is
 * quoted as it arrived: the box does not translate a packet it does not
 * forward, so its sender recognises it without the engine's help.
 */
uint32_t icmp_build_time_exceeded(const uint8_t *pkt, uint32_t len,
				  const struct nat_addr *from, uint8_t *out,
				  uint32_t cap);

#endif
