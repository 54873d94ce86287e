/*
 * sctp_parse.c: validate an SCTP packet and summarise its chunks (see
 * sctp_parse.h).  Reads only: the engine writes nothing until
 * this has accepted the whole packet.
 */
#include "sctp_parse.h"
#include "sctp_wire.h"

_Static_assert(ENGINE_CS__COUNT <= 32,
	       "sctp_view.cats has a bit per category");

enum engine_chunk_stat sctp_chunk_category(uint8_t type)
{
	switch (type) {
	case SCTP_CID_DATA: return ENGINE_CS_DATA;
	case SCTP_CID_INIT: return ENGINE_CS_INIT;
	case SCTP_CID_INIT_ACK: return ENGINE_CS_INIT_ACK;
	case SCTP_CID_SACK:
	case SCTP_CID_NR_SACK: return ENGINE_CS_SACK;
	case SCTP_CID_HEARTBEAT: return ENGINE_CS_HEARTBEAT;
	case SCTP_CID_HEARTBEAT_ACK: return ENGINE_CS_HEARTBEAT_ACK;
	case SCTP_CID_ABORT: return ENGINE_CS_ABORT;
	case SCTP_CID_SHUTDOWN: return ENGINE_CS_SHUTDOWN;
	case SCTP_CID_SHUTDOWN_ACK: return ENGINE_CS_SHUTDOWN_ACK;
	case SCTP_CID_ERROR: return ENGINE_CS_ERROR;
	case SCTP_CID_COOKIE_ECHO: return ENGINE_CS_COOKIE_ECHO;
	case SCTP_CID_COOKIE_ACK: return ENGINE_CS_COOKIE_ACK;
	case SCTP_CID_SHUTDOWN_COMPLETE: return ENGINE_CS_SHUTDOWN_COMPLETE;
	case SCTP_CID_AUTH: return ENGINE_CS_AUTH;
	case SCTP_CID_I_DATA: return ENGINE_CS_I_DATA;
	case SCTP_CID_ASCONF: return ENGINE_CS_ASCONF;
	case SCTP_CID_ASCONF_ACK: return ENGINE_CS_ASCONF_ACK;
	case SCTP_CID_FWD_TSN:
	case SCTP_CID_I_FWD_TSN: return ENGINE_CS_FWD_TSN;
	default: return ENGINE_CS_OTHER;
	}
}

/* Smallest valid chunk of each type, chunk header included. */
static uint16_t chunk_min_len(uint8_t type)
{
	switch (type) {
	case SCTP_CID_INIT:
	case SCTP_CID_INIT_ACK:
		return SCTP_INIT_FIXED_LEN;
	case SCTP_CID_DATA:
		return SCTP_DATA_MIN_LEN;
	case SCTP_CID_I_DATA:
	case SCTP_CID_NR_SACK:
		return SCTP_IDATA_MIN_LEN;
	case SCTP_CID_SACK:
		return SCTP_SACK_MIN_LEN;
	case SCTP_CID_HEARTBEAT:
	case SCTP_CID_HEARTBEAT_ACK:
	case SCTP_CID_SHUTDOWN:
	case SCTP_CID_AUTH:
	case SCTP_CID_ASCONF_ACK:
	case SCTP_CID_FWD_TSN:
	case SCTP_CID_I_FWD_TSN:
		return 8;
	case SCTP_CID_ASCONF:
		return SCTP_ASCONF_MIN_LEN + SCTP_PARAM_IPV4_LEN;
	default:
		return SCTP_CHUNK_HDR_LEN;
	}
}

enum drop_reason sctp_parse_header(struct sctp_view *v, uint8_t *sctp,
				   uint32_t len)
{
	uint16_t clen;

	v->sctp = sctp;
	v->len = len;
	v->n_chunks = 0;
	v->m_bit = false;
	if (len < SCTP_HDR_LEN)
		return DROP_SCTP_TRUNCATED;
	v->sport = sctp_get16(sctp + SCTP_OFF_SPORT);
	v->dport = sctp_get16(sctp + SCTP_OFF_DPORT);
	v->vtag = sctp_get32(sctp + SCTP_OFF_VTAG);
	/* RFC 9260 3.1: port 0 is never valid. */
	if (v->sport == 0 || v->dport == 0)
		return DROP_PORT_ZERO;
	if (len == SCTP_HDR_LEN)
		return DROP_NO_CHUNKS;
	if (len < SCTP_HDR_LEN + SCTP_CHUNK_HDR_LEN)
		return DROP_SCTP_TRUNCATED;
	v->first_type = sctp[SCTP_HDR_LEN];
	v->first_flags = sctp[SCTP_HDR_LEN + 1];
	clen = sctp_get16(sctp + SCTP_HDR_LEN + 2);
	v->first_len = clen;
	if (clen == 0)
		return DROP_CHUNK_ZERO_LENGTH;
	if (clen < SCTP_CHUNK_HDR_LEN)
		return DROP_CHUNK_TOO_SHORT;
	if (clen > len - SCTP_HDR_LEN)
		return DROP_CHUNK_TRUNCATED;
	return DROP_NONE;
}

/*
 * TLV parameters from byte `start` of a chunk to its end: each at least a
 * header, inside the chunk; all but the last padded inside it too.
 */
static enum drop_reason check_params(const uint8_t *chunk, uint32_t clen,
				     uint32_t start)
{
	uint32_t off = start;

	while (off < clen) {
		uint16_t type, plen;

		if (clen - off < SCTP_PARAM_HDR_LEN)
			return DROP_PARAM_TRUNCATED;
		type = sctp_get16(chunk + off);
		plen = sctp_get16(chunk + off + 2);
		if (plen < SCTP_PARAM_HDR_LEN)
			return DROP_PARAM_BAD_LENGTH;
		if (plen > clen - off)
			return DROP_PARAM_TRUNCATED;
		if ((type == SCTP_PARAM_IPV4_ADDR &&
		     plen != SCTP_PARAM_IPV4_LEN) ||
		    (type == SCTP_PARAM_IPV6_ADDR &&
		     plen != SCTP_PARAM_IPV6_LEN))
			return DROP_PARAM_BAD_LENGTH;
		off += sctp_pad4(plen);
	}
	return DROP_NONE;
}

static bool is_addr_param(const uint8_t *p)
{
	uint16_t t = sctp_get16(p);

	return t == SCTP_PARAM_IPV4_ADDR || t == SCTP_PARAM_IPV6_ADDR;
}

/* RFC 5061 4.1.1: an Address Parameter, then requests that each wrap one. */
static enum drop_reason check_asconf(const uint8_t *chunk, uint32_t clen)
{
	enum drop_reason r = check_params(chunk, clen, SCTP_ASCONF_MIN_LEN);
	uint32_t off;

	if (r != DROP_NONE)
		return r;
	if (!is_addr_param(chunk + SCTP_ASCONF_MIN_LEN))
		return DROP_ASCONF_BAD;
	off = SCTP_ASCONF_MIN_LEN +
	      sctp_pad4(sctp_get16(chunk + SCTP_ASCONF_MIN_LEN + 2));
	while (off < clen) {
		uint16_t type = sctp_get16(chunk + off);
		uint16_t plen = sctp_get16(chunk + off + 2);

		if (type == SCTP_PARAM_ADD_IP || type == SCTP_PARAM_DEL_IP ||
		    type == SCTP_PARAM_SET_PRIMARY) {
			const uint8_t *w = chunk + off + 8;

			if (plen < 8 + SCTP_PARAM_IPV4_LEN || !is_addr_param(w))
				return DROP_PARAM_BAD_LENGTH;
			if (sctp_get16(w + 2) != plen - 8u)
				return DROP_PARAM_BAD_LENGTH;
			if ((sctp_get16(w) == SCTP_PARAM_IPV4_ADDR &&
			     plen - 8u != SCTP_PARAM_IPV4_LEN) ||
			    (sctp_get16(w) == SCTP_PARAM_IPV6_ADDR &&
			     plen - 8u != SCTP_PARAM_IPV6_LEN))
				return DROP_PARAM_BAD_LENGTH;
		}
		off += sctp_pad4(plen);
	}
	return DROP_NONE;
}

static enum drop_reason check_chunk(struct sctp_view *v, const uint8_t *c,
				    uint16_t clen)
{
	uint8_t type = c[0];

	if (clen < chunk_min_len(type))
		return DROP_CHUNK_TOO_SHORT;
	switch (type) {
	case SCTP_CID_INIT:
		if (v->vtag != 0)
			return DROP_INIT_BAD_VTAG;
		/* fall through */
	case SCTP_CID_INIT_ACK:
		if (sctp_get32(c + SCTP_INIT_OFF_ITAG) == 0)
			return DROP_INIT_ZERO_TAG;
		return check_params(c, clen, SCTP_INIT_FIXED_LEN);
	case SCTP_CID_ASCONF:
		return check_asconf(c, clen);
	case SCTP_CID_ASCONF_ACK:
		return check_params(c, clen, SCTP_ASCONF_MIN_LEN);
	case SCTP_CID_ERROR:
	case SCTP_CID_ABORT:
		if (c[1] & SCTP_FLAG_M)
			v->m_bit = true;
		return DROP_NONE;
	default:
		return DROP_NONE;
	}
}

static bool must_stand_alone(uint8_t type)
{
	return type == SCTP_CID_INIT || type == SCTP_CID_INIT_ACK ||
	       type == SCTP_CID_SHUTDOWN_COMPLETE;
}

enum drop_reason sctp_parse_chunks(struct sctp_view *v, uint16_t max_chunks)
{
	uint32_t off = SCTP_HDR_LEN;
	bool alone_seen = false;

	for (int i = 0; i < ENGINE_CS__COUNT; i++) {
		v->count[i] = 0;
		v->first_off[i] = 0;
	}
	v->n_chunks = 0;
	v->m_bit = false;
	v->cats = 0;
	while (off < v->len) {
		const uint8_t *c = v->sctp + off;
		uint32_t left = v->len - off;
		enum engine_chunk_stat cat;
		enum drop_reason r;
		uint16_t clen;

		if (left < SCTP_CHUNK_HDR_LEN)
			return DROP_CHUNK_TRUNCATED;
		clen = sctp_get16(c + 2);
		if (clen == 0)
			return DROP_CHUNK_ZERO_LENGTH;
		if (clen < SCTP_CHUNK_HDR_LEN)
			return DROP_CHUNK_TOO_SHORT;
		if (clen > left)
			return DROP_CHUNK_TRUNCATED;
		/* Only the last chunk may leave its padding out. */
		if (sctp_pad4(clen) > left && clen != left)
			return DROP_CHUNK_BAD_PADDING;
		if (v->n_chunks >= max_chunks)
			return DROP_TOO_MANY_CHUNKS;
		if (c[0] == SCTP_CID_DATA) {
			/* The common chunk, the same checks inline. */
			if (v->n_chunks > 0 && alone_seen)
				return DROP_MUST_STAND_ALONE;
			if (clen < SCTP_DATA_MIN_LEN)
				return DROP_CHUNK_TOO_SHORT;
			cat = ENGINE_CS_DATA;
		} else {
			if (v->n_chunks > 0 &&
			    (alone_seen || must_stand_alone(c[0])))
				return DROP_MUST_STAND_ALONE;
			alone_seen = must_stand_alone(c[0]);
			r = check_chunk(v, c, clen);
			if (r != DROP_NONE)
				return r;
			cat = sctp_chunk_category(c[0]);
		}
		if (v->count[cat]++ == 0) {
			v->first_off[cat] = (uint16_t)off;
			v->cats |= 1u << cat;
		}
		v->n_chunks++;
		off += sctp_pad4(clen);
	}
	return v->n_chunks ? DROP_NONE : DROP_NO_CHUNKS;
}

uint32_t sctp_param_first(const uint8_t *chunk, uint32_t start)
{
	return start + SCTP_PARAM_HDR_LEN <= sctp_get16(chunk + 2) ? start : 0;
}

uint32_t sctp_param_next(const uint8_t *chunk, uint32_t off)
{
	uint32_t next = off + sctp_pad4(sctp_get16(chunk + off + 2));

	return next + SCTP_PARAM_HDR_LEN <= sctp_get16(chunk + 2) ? next : 0;
}
