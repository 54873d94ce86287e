/*
 * sctp_parse: validate an SCTP packet and summarise its chunks.
 *
 * Two steps so that packets without state cost little (bounded parsing, limits
 * max-chunks in sctpalgd.conf(5)): sctp_parse_header() checks the common header
 * and the first chunk header, enough to look the association up;
 * sctp_parse_chunks() then walks every chunk of the bundle and every parameter
 * of the chunks whose parameters the engine rewrites or reads (INIT, INIT ACK,
 * ASCONF, ASCONF ACK), so that nothing is written before the whole packet is
 * known to be well formed.
 */
#ifndef SCTPALG_SCTP_PARSE_H
#define SCTPALG_SCTP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "drop_reason.h"
#include "engine.h"

struct sctp_view {
	uint8_t *sctp;		/* common header */
	uint32_t len;		/* SCTP packet length */
	uint16_t sport, dport;
	uint32_t vtag;
	uint8_t first_type, first_flags;
	uint16_t first_len;	/* chunk length field of the first chunk */

	/* Filled by sctp_parse_chunks(). */
	uint16_t n_chunks;
	bool m_bit;		/* an ERROR or ABORT carries the M bit */
	uint32_t cats;		/* bit per category with count > 0 */
	/* Chunks per ENGINE_CS_* category, and the offset (from sctp) of
	 * the first chunk of each category, 0 when absent. */
	uint16_t count[ENGINE_CS__COUNT];
	uint16_t first_off[ENGINE_CS__COUNT];
};

/* Category of a chunk type for statistics and dispatch. */
enum engine_chunk_stat sctp_chunk_category(uint8_t type);

/*
 * Common header and first chunk: SCTP_TRUNCATED (shorter than header +
 * one chunk header), PORT_ZERO, NO_CHUNKS, CHUNK_ZERO_LENGTH,
 * CHUNK_TOO_SHORT (length 1..3), CHUNK_TRUNCATED (first chunk longer than
 * the packet).
 */
enum drop_reason sctp_parse_header(struct sctp_view *v, uint8_t *sctp,
				   uint32_t len);

/*
 * Every chunk, at most max_chunks of them (TOO_MANY_CHUNKS beyond).
 * Per chunk: CHUNK_ZERO_LENGTH, CHUNK_TOO_SHORT (under the type's minimum
 * size), CHUNK_TRUNCATED (past the packet end), CHUNK_BAD_PADDING (padding
 * of a non-final chunk missing); MUST_STAND_ALONE for INIT, INIT ACK and
 * SHUTDOWN COMPLETE bundled with anything; INIT_BAD_VTAG for an INIT with
 * a non-zero verification tag, INIT_ZERO_TAG for INIT / INIT ACK with a
 * zero Initiate Tag.  Parameters of INIT, INIT ACK, ASCONF and ASCONF ACK:
 * PARAM_TRUNCATED (runs past its chunk), PARAM_BAD_LENGTH (under four
 * bytes, or an address / wrapped address parameter of the wrong size).
 */
enum drop_reason sctp_parse_chunks(struct sctp_view *v, uint16_t max_chunks);

/*
 * Iterate over the TLV parameters of a validated chunk, starting at byte
 * `start` of the chunk (20 for INIT / INIT ACK, 8 for ASCONF, ASCONF ACK).
 * Returns the offset of the next parameter from the chunk start, 0 at the
 * end.  Usage:
 *   for (off = sctp_param_first(c, 20); off; off = sctp_param_next(c, off))
 */
uint32_t sctp_param_first(const uint8_t *chunk, uint32_t start);
uint32_t sctp_param_next(const uint8_t *chunk, uint32_t off);

#endif
