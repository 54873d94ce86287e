/*
 * crc32c: the SCTP checksum (RFC 9260 appendix A, RFC 3309).
 *
 * crc32c() picks the SSE4.2 CRC32 instruction when the CPU has it (checked
 * at run time through the compiler's cpu-feature probe, no global state of
 * our own) and a slicing-by-8 table otherwise.  Both are exported so tests
 * can compare them.
 *
 * SCTP has no pseudo-header: a NAT that changes only ports changes four
 * bytes at the start of the packet, so the new checksum is the old one
 * plus the CRC of the XOR difference shifted over the rest of the packet
 * (CRC is linear over GF(2)).  sctp_csum_update_ports() does that in
 * O(log length), which keeps the DATA fast path the same cost for any
 * packet size.
 */
#ifndef SCTPALG_CRC32C_H
#define SCTPALG_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Raw CRC32c register update, no pre/post inversion: pass ~0 to start and
 * invert the result at the end for the standard CRC32c value.
 */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool crc32c_hw_available(void);
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Checksum of an SCTP packet (common header onward), computed as if the
 * checksum field were zero.  Returns the value as the 32-bit number that
 * sctp_csum_get() reads back (the field is stored little-endian on the
 * wire, RFC 9260 appendix A).
 */
uint32_t sctp_csum_compute(const uint8_t *sctp, size_t len);
uint32_t sctp_csum_get(const uint8_t *sctp);
void sctp_csum_set(uint8_t *sctp, uint32_t csum);
/* Full recompute and store. */
void sctp_csum_fill(uint8_t *sctp, size_t len);
bool sctp_csum_verify(const uint8_t *sctp, size_t len);

/*
 * Checksum after the first four bytes (source and destination port) of
 * a packet of length len changed from old_ports to new_ports (both as
 * read by sctp_get32 at offset 0).  Exact for any checksum, correct or
 * not: a corrupt packet stays detectably corrupt.
 */
uint32_t sctp_csum_update_ports(uint32_t csum, uint32_t old_ports,
				uint32_t new_ports, size_t len);
/* The same without PCLMULQDQ, so tests can compare the two. */
uint32_t sctp_csum_update_ports_sw(uint32_t csum, uint32_t old_ports,
				   uint32_t new_ports, size_t len);

#endif
