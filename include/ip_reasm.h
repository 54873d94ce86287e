/*
 * ip_reasm: IPv4 and IPv6 reassembly of fragmented SCTP packets, and
 * fragmentation of the translated result.
 *
 * Why the NAT reassembles: the SCTP common header (ports, vtag) is only
 * in the first fragment, yet every fragment needs the association's
 * address translation, and the CRC32c covers the whole packet.  Linux
 * SCTP sends IP fragments when a retransmission no longer fits a path
 * MTU that shrank; a NAT that drops them stalls the association for good,
 * because chunks with TSNs are never re-chunked.
 *
 * Pure and bounded: a fixed pool of contexts, each with a 64 KiB buffer,
 * allocated at create; time passed in.  Fragments may come in any order.
 * Any overlap drops the whole datagram (RFC 5722 for IPv6; the same for
 * IPv4, where overlaps only serve evasion).  When the pool is full the
 * oldest datagram makes room.
 *
 * Use: ip_is_fragment() on the packet; ip_reasm_add() copies it in; on
 * IP_REASM_COMPLETE the whole packet is in out->data (fragment fields
 * cleared, lengths and checksum fixed, cap bytes writable) for the
 * engine.  After sending, ip_reasm_release().  ip_fragment() cuts a
 * translated packet into fragments no longer than mtu, with the original
 * identification.
 */
#ifndef SCTPALG_IP_REASM_H
#define SCTPALG_IP_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "time_ns.h"

struct ip_reasm;

enum ip_reasm_result {
	IP_REASM_HELD,		/* stored; more fragments needed */
	IP_REASM_COMPLETE,	/* out filled */
	IP_REASM_DROPPED,	/* bad, overlapping or not SCTP; counted */
};

/* What ip_fragment() needs to cut the translated packet again. */
struct ip_frag_info {
	uint32_t id;		/* IPv4: 16 bits; IPv6: 32 */
	uint16_t unfrag_len;	/* IPv6: bytes before the fragment header */
	uint16_t nh_off;	/* IPv6: the next-header byte that said 44 */
	uint16_t max_frag_len;	/* the longest fragment received, bytes */
};

struct ip_reasm_out {
	uint8_t *data;
	uint32_t len, cap;
	struct ip_frag_info info;
	int slot;		/* for ip_reasm_release() */
};

struct ip_reasm_stats {
	uint64_t fragments, reassembled;
	uint64_t timeouts, evicted, overlaps, malformed, too_big;
};

#define IP_REASM_DEFAULT_SLOTS		32
#define IP_REASM_DEFAULT_TIMEOUT_NS	(10 * NSEC_PER_SEC)

/* 0 or -ENOMEM / -EINVAL. */
int ip_reasm_create(unsigned int slots, uint64_t timeout_ns,
		    struct ip_reasm **out);
void ip_reasm_destroy(struct ip_reasm *r);

/* True for an IPv4 / IPv6 packet that is a fragment (cheap, no checks). */
bool ip_is_fragment(const uint8_t *pkt, uint32_t len);

enum ip_reasm_result ip_reasm_add(struct ip_reasm *r, const uint8_t *pkt,
				  uint32_t len, uint64_t now_ns,
				  struct ip_reasm_out *out);
void ip_reasm_release(struct ip_reasm *r, const struct ip_reasm_out *out);
/* Forget datagrams older than the timeout. */
void ip_reasm_expire(struct ip_reasm *r, uint64_t now_ns);
const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r);

/*
 * Cut pkt (len bytes, whole, as translated) into fragments of at most
 * mtu bytes, each built in scratch (at least mtu bytes) and passed to
 * emit.  Returns the number of fragments, or -EINVAL (unknown version,
 * or mtu too small for one 8-byte unit of payload).
 */
typedef void ip_frag_emit_fn(void *arg, const uint8_t *frag, uint32_t len);
int ip_fragment(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		const struct ip_frag_info *info, uint8_t *scratch,
		ip_frag_emit_fn *emit, void *arg);

#endif
