/*
 * pcapng: the blocks of a pcapng stream (draft-ietf-opsawg-pcapng), as
 * "sctpalgctl capture" needs them: written by sctpalgd into a capture's
 * ring, walked by sctpalgctl for the statistics at the end.
 *
 * A stream is one section: a Section Header Block, one Interface
 * Description Block per interface and direction, Enhanced Packet Blocks
 * with the direction in epb_flags, and, at the end, one Interface
 * Statistics Block per interface with the capture's drop count
 * (isb_ifdrop).  Blocks are written in host byte order, which the
 * Section Header's byte-order magic tells the reader.
 *
 * Pure: writes into the caller's buffer, never allocates, reads no clock
 * (timestamps are passed in, nanoseconds since the epoch; every interface
 * says if_tsresol 9).  Each writer returns the block's length, or 0 when
 * it does not fit in cap bytes (nothing useful was written then).
 */
#ifndef SCTPALG_PCAPNG_H
#define SCTPALG_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_SHB		0x0a0d0d0au
#define PCAPNG_IDB		0x00000001u
#define PCAPNG_ISB		0x00000005u
#define PCAPNG_EPB		0x00000006u
#define PCAPNG_BYTE_ORDER	0x1a2b3c4du

/* LINKTYPE_ values (tcpdump.org/linktypes.html). */
#define PCAPNG_LINK_ETHERNET	1
#define PCAPNG_LINK_RAW		101	/* IPv4 or IPv6, no link header */

/* epb_flags: bits 0-1 are the direction (draft-ietf-opsawg-pcapng). */
#define PCAPNG_EPB_INBOUND	0x1u
#define PCAPNG_EPB_OUTBOUND	0x2u

/* The fixed part of an EPB before its data (pcapng_epb_head). */
#define PCAPNG_EPB_HEAD		28u
/* The most an EPB adds around its data: head, padding, epb_flags,
 * end of options, trailing length. */
#define PCAPNG_EPB_OVERHEAD	(PCAPNG_EPB_HEAD + 3u + 8u + 4u + 4u)
/* An ISB as pcapng_isb writes it, comment included. */
#define PCAPNG_ISB_MAX		160u

struct pcapng_if_stats {
	uint64_t start_ns, end_ns;	/* isb_starttime, isb_endtime */
	uint64_t recv;			/* isb_ifrecv: packets seen */
	uint64_t drop;			/* isb_ifdrop: seen, not written */
	const char *comment;		/* opt_comment, or NULL */
};

/* Section Header Block; appl (shb_userappl) may be NULL. */
size_t pcapng_shb(uint8_t *buf, size_t cap, const char *appl);
/* Interface Description Block: if_name, if_tsresol 9 (nanoseconds). */
size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype,
		  uint32_t snaplen, const char *name);
/* The length of an EPB carrying caplen bytes of data. */
size_t pcapng_epb_len(uint32_t caplen);
/*
 * An Enhanced Packet Block in three pieces, for a writer whose buffer
 * wraps (a ring): the head (PCAPNG_EPB_HEAD bytes), then the caplen bytes
 * of data, then the tail (padding, epb_flags, trailing length;
 * pcapng_epb_len(caplen) - PCAPNG_EPB_HEAD - caplen bytes).
 */
size_t pcapng_epb_head(uint8_t *buf, size_t cap, uint32_t if_id,
		       uint64_t ts_ns, uint32_t caplen, uint32_t origlen);
size_t pcapng_epb_tail(uint8_t *buf, size_t cap, uint32_t caplen,
		       uint32_t flags);
/* The whole EPB in one buffer. */
size_t pcapng_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
		  const void *data, uint32_t caplen, uint32_t origlen,
		  uint32_t flags);
/* Interface Statistics Block for interface if_id at ts_ns. */
size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
		  const struct pcapng_if_stats *st);

/*
 * Reading back (a stream in this host's byte order, as sctpalgd writes
 * it).  pcapng_block: the block at buf (len bytes available): its type
 * and total length; 0 when whole, -EAGAIN when more bytes are needed,
 * -EINVAL when it is not a block (a length below 12, not a multiple of
 * 4, or a trailing length that differs).
 */
int pcapng_block(const uint8_t *buf, size_t len, uint32_t *type,
		 uint32_t *blen);
/* An ISB's isb_ifrecv and isb_ifdrop (0 when absent).  0 or -EINVAL. */
int pcapng_isb_counts(const uint8_t *blk, size_t blen, uint64_t *recv,
		      uint64_t *drop);

#endif
