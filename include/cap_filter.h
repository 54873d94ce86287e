/*
 * cap_filter: what "sctpalgctl capture" asks sctpalgd for -- interfaces,
 * limits and a packet filter -- as one request line, parsed by both
 * programs (the client checks before it connects, the daemon trusts
 * nothing), and the filter's match on an IP packet.
 *
 * The request's words after "capture", in any order:
 *   if NAME      an interface to capture on (repeatable; none: all)
 *   snap N       bytes kept of each frame, 64..65535 (default 65535)
 *   count N      stop after N packets written (default: no limit)
 *   secs N       stop after N seconds, 1..86400 (default: no limit)
 *   rate N       copy at most N packets a second, 1..CAP_RATE_MAX
 *                (the default), the rest dropped and counted
 * and the filter, each key at most once, all of them must match:
 *   host ADDR    the IP source or destination address (IPv4 or IPv6)
 *   port N       the SCTP source or destination port
 *   vtag N       the SCTP common header's verification tag (0x... or
 *                decimal)
 * A port or vtag filter matches only SCTP packets whose common header is
 * in the packet (an ICMP error quoting one does not; a host filter sees
 * its outer addresses).  Pure: parsing in place, no allocation.
 */
#ifndef SCTPALG_CAP_FILTER_H
#define SCTPALG_CAP_FILTER_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat_addr.h"

#define CAP_MAX_IFS		8
#define CAP_SNAP_MIN		64
#define CAP_SNAP_MAX		65535
#define CAP_SECS_MAX		86400
/* The most copies a second a capture may take: what keeps the copying
 * a small share of a core whatever the traffic (capture.h). */
#define CAP_RATE_MAX		50000

enum {
	CAP_F_HOST = 1u << 0,
	CAP_F_PORT = 1u << 1,
	CAP_F_VTAG = 1u << 2,
};

struct cap_filter {
	unsigned int keys;		/* CAP_F_*: which are set */
	struct nat_addr host;
	uint16_t port;
	uint32_t vtag;
};

struct cap_req {
	char ifs[CAP_MAX_IFS][IF_NAMESIZE];
	unsigned int n_ifs;		/* 0: every interface */
	uint32_t snaplen;
	uint64_t count;			/* 0: no limit */
	uint32_t secs;			/* 0: no limit */
	uint32_t rate;			/* packets a second */
	struct cap_filter filter;
};

/*
 * Parses n bytes of words (blanks between them; empty: everything, on
 * every interface, no limit).  0, or -EINVAL with a sentence in why.
 */
int cap_req_parse(const char *s, size_t n, struct cap_req *r, char *why,
		  size_t why_len);

/* Whether the IP packet ip (len bytes, from its IP header) passes f. */
bool cap_filter_match(const struct cap_filter *f, const uint8_t *ip,
		      uint32_t len);

#endif
