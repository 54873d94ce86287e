/*
 * natsupp_param.c: the natsupp parameters the engine reads
 * (draft-ietf-tsvwg-natsupp-23 5.3): Disable Restart (0xC007) in INIT
 * and INIT ACK, and VTags (0xC008) in ASCONF.  Chunks handed in have
 * been validated by sctp_parse_chunks(), parameters included.
 */
#include "engine_impl.h"
#include "sctp_wire.h"

static bool has_param(const uint8_t *chunk, uint32_t start, uint16_t type)
{
	for (uint32_t off = sctp_param_first(chunk, start); off;
	     off = sctp_param_next(chunk, off))
		if (sctp_get16(chunk + off) == type)
			return true;
	return false;
}

bool natsupp_disable_restart(const uint8_t *init_chunk)
{
	return has_param(init_chunk, SCTP_INIT_FIXED_LEN,
			 SCTP_PARAM_DISABLE_RESTART);
}

/* 5.3.1: Disable Restart may also appear in an ASCONF chunk. */
bool natsupp_asconf_disable_restart(const uint8_t *asconf_chunk)
{
	return has_param(asconf_chunk, SCTP_ASCONF_MIN_LEN,
			 SCTP_PARAM_DISABLE_RESTART);
}

/*
 * 5.3.2: type 0xC008, length 16, an ASCONF-Request Correlation ID, the
 * Internal (inside host's) and the Remote (peer's) Verification Tag.
 * A parameter of another length is not one we understand: ignored.
 */
bool natsupp_vtags(const uint8_t *asconf_chunk, uint32_t *tag_inside,
		   uint32_t *tag_peer)
{
	for (uint32_t off = sctp_param_first(asconf_chunk,
					     SCTP_ASCONF_MIN_LEN);
	     off; off = sctp_param_next(asconf_chunk, off)) {
		const uint8_t *p = asconf_chunk + off;

		if (sctp_get16(p) != SCTP_PARAM_VTAGS ||
		    sctp_get16(p + 2) != SCTP_PARAM_VTAGS_LEN)
			continue;
		*tag_inside = sctp_get32(p + 8);
		*tag_peer = sctp_get32(p + 12);
		return *tag_inside && *tag_peer;
	}
	return false;
}
