/*
 * pkt_build: build IPv4 / IPv6 SCTP packets from fields, and decode them
 * again, for the engine's tests, fuzz seeds and benchmark.
 *
 * It is deliberately independent of the engine: its own bitwise CRC32c
 * and its own IPv4 / ICMP checksums, so a test that checks the engine's
 * output with pkt_verify_*() is checking against different code.
 *
 *   struct pb p;
 *   pb_ip4(&p, "192.168.1.10", "198.51.100.100");
 *   pb_sctp(&p, 5000, 3868, 0);
 *   pb_init(&p, SCTP_CID_INIT, 0x11111111);
 *   pb_param_addr(&p, "192.168.1.10");
 *   pb_finish(&p);             -- lengths, IP checksum, CRC32c
 */
#ifndef SCTPALG_TEST_PKT_BUILD_H
#define SCTPALG_TEST_PKT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX	9216

struct pb {
	uint8_t buf[PB_MAX];
	uint32_t len;
	uint32_t l3_hlen;	/* IP header length */
	uint32_t sctp_off;
	uint32_t chunk_off;	/* open chunk, 0 if none */
	bool v6;
	bool zero_csum;		/* leave the SCTP checksum 0 (RFC 9653) */
};

void pb_ip4(struct pb *p, const char *src, const char *dst);
void pb_ip6(struct pb *p, const char *src, const char *dst);
void pb_sctp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t vtag);

void pb_u8(struct pb *p, uint8_t v);
void pb_u16(struct pb *p, uint16_t v);
void pb_u32(struct pb *p, uint32_t v);
void pb_bytes(struct pb *p, const void *b, size_t n);

/* Open a chunk; the next pb_chunk_begin / pb_finish closes it. */
void pb_chunk_begin(struct pb *p, uint8_t type, uint8_t flags);
void pb_chunk_end(struct pb *p);

/* INIT or INIT ACK fixed part (a_rwnd 65536, 10 streams, TSN 1). */
void pb_init(struct pb *p, uint8_t type, uint32_t itag);
void pb_param(struct pb *p, uint16_t type, const void *v, uint16_t len);
void pb_param_addr(struct pb *p, const char *addr);	/* v4 or v6 */
void pb_data(struct pb *p, uint32_t tsn, uint32_t ppid, const void *payload,
	     uint16_t len);
void pb_sack(struct pb *p, uint32_t cum_tsn);
void pb_heartbeat(struct pb *p, uint8_t type, const char *info);
void pb_simple(struct pb *p, uint8_t type, uint8_t flags);
void pb_asconf(struct pb *p, uint32_t serial, const char *lookup_addr);
void pb_asconf_param(struct pb *p, uint16_t type, uint32_t corr,
		     const char *addr);
void pb_auth(struct pb *p);	/* key 0, HMAC-SHA1, 20 zero bytes */
/* ASCONF-ACK (RFC 5061 4.1.2) and its Success / Error Cause Indications. */
void pb_asconf_ack(struct pb *p, uint32_t serial);
void pb_asconf_success(struct pb *p, uint32_t corr);
void pb_asconf_error(struct pb *p, uint32_t corr, uint16_t cause);

/* Lengths, IPv4 header checksum and CRC32c (unless zero_csum). */
void pb_finish(struct pb *p);

/* ICMP errors quoting `quoted` (IP header onward, first qlen bytes). */
void pb_icmp4_error(struct pb *p, const char *src, const char *dst,
		    uint8_t type, uint8_t code, uint16_t mtu,
		    const uint8_t *quoted, uint32_t qlen);
void pb_icmp6_error(struct pb *p, const char *src, const char *dst,
		    uint8_t type, uint8_t code, uint32_t mtu,
		    const uint8_t *quoted, uint32_t qlen);

/* Independent decoders and checks. */
uint32_t pkt_crc32c_bitwise(const void *buf, size_t len);
bool pkt_verify_crc(const uint8_t *ip, uint32_t len);
bool pkt_verify_ip4_csum(const uint8_t *ip);
bool pkt_verify_icmp_csum(const uint8_t *ip, uint32_t len);
uint32_t pkt_l3_hlen(const uint8_t *ip);
/* "a.b.c.d" or IPv6 text of the source / destination. */
const char *pkt_src(const uint8_t *ip, char *buf);
const char *pkt_dst(const uint8_t *ip, char *buf);
uint16_t pkt_sport(const uint8_t *ip);
uint16_t pkt_dport(const uint8_t *ip);
uint32_t pkt_vtag(const uint8_t *ip);
/* Offset from ip of the n-th (0-based) chunk of a type, or 0. */
uint32_t pkt_find_chunk(const uint8_t *ip, uint32_t len, uint8_t type,
			unsigned int n);
/* Address parameters of the first INIT / INIT ACK, in order. */
unsigned int pkt_init_addrs(const uint8_t *ip, uint32_t len, char out[][48],
			    unsigned int max);
/* True if a (text) address appears anywhere in the packet's bytes. */
bool pkt_contains_addr(const uint8_t *ip, uint32_t len, const char *addr);

#endif
