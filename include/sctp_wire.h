/*
 * sctp_wire: SCTP on-the-wire constants and byte accessors (RFC 9260,
 * RFC 5061, RFC 4895, RFC 8260, draft-ietf-tsvwg-natsupp).
 *
 * Packets are handled as byte arrays with explicit big-endian loads and
 * stores rather than packed structs: no alignment assumptions, and every
 * access is visibly an offset the parser has already bounds-checked.
 */
#ifndef SCTPALG_SCTP_WIRE_H
#define SCTPALG_SCTP_WIRE_H

#include <stdint.h>

#define IPPROTO_SCTP_NUM	132

/* Common header (RFC 9260 3.1). */
#define SCTP_HDR_LEN		12
#define SCTP_OFF_SPORT		0
#define SCTP_OFF_DPORT		2
#define SCTP_OFF_VTAG		4
#define SCTP_OFF_CSUM		8

/* Chunk header. */
#define SCTP_CHUNK_HDR_LEN	4

enum sctp_chunk_type {
	SCTP_CID_DATA			= 0,
	SCTP_CID_INIT			= 1,
	SCTP_CID_INIT_ACK		= 2,
	SCTP_CID_SACK			= 3,
	SCTP_CID_HEARTBEAT		= 4,
	SCTP_CID_HEARTBEAT_ACK		= 5,
	SCTP_CID_ABORT			= 6,
	SCTP_CID_SHUTDOWN		= 7,
	SCTP_CID_SHUTDOWN_ACK		= 8,
	SCTP_CID_ERROR			= 9,
	SCTP_CID_COOKIE_ECHO		= 10,
	SCTP_CID_COOKIE_ACK		= 11,
	SCTP_CID_ECNE			= 12,
	SCTP_CID_CWR			= 13,
	SCTP_CID_SHUTDOWN_COMPLETE	= 14,
	SCTP_CID_AUTH			= 15,
	SCTP_CID_NR_SACK		= 16,
	SCTP_CID_I_DATA			= 64,
	SCTP_CID_ASCONF_ACK		= 128,
	SCTP_CID_RECONF			= 130,
	SCTP_CID_PAD			= 132,
	SCTP_CID_FWD_TSN		= 192,
	SCTP_CID_ASCONF			= 193,
	SCTP_CID_I_FWD_TSN		= 194,
};

/* Chunk flags. */
#define SCTP_FLAG_T		0x01	/* ABORT, SHUTDOWN COMPLETE, ERROR */
#define SCTP_FLAG_M		0x02	/* natsupp: sent by a middlebox */

/* INIT / INIT ACK fixed part after the chunk header (RFC 9260 3.3.2). */
#define SCTP_INIT_FIXED_LEN	20	/* chunk header + 16 */
#define SCTP_INIT_OFF_ITAG	4	/* Initiate Tag, from chunk start */

/* Minimum chunk lengths (chunk header included). */
#define SCTP_DATA_MIN_LEN	16
#define SCTP_IDATA_MIN_LEN	20
#define SCTP_SACK_MIN_LEN	16
#define SCTP_SHUTDOWN_LEN	8
#define SCTP_AUTH_MIN_LEN	8
#define SCTP_ASCONF_MIN_LEN	8	/* header + serial */

/* Parameter header. */
#define SCTP_PARAM_HDR_LEN	4

enum sctp_param_type {
	SCTP_PARAM_HEARTBEAT_INFO	= 0x0001,
	SCTP_PARAM_IPV4_ADDR		= 0x0005,
	SCTP_PARAM_IPV6_ADDR		= 0x0006,
	SCTP_PARAM_STATE_COOKIE		= 0x0007,
	SCTP_PARAM_UNRECOGNIZED		= 0x0008,
	SCTP_PARAM_COOKIE_PRESERVE	= 0x0009,
	SCTP_PARAM_HOST_NAME		= 0x000b,
	SCTP_PARAM_SUPPORTED_ADDR	= 0x000c,
	SCTP_PARAM_ZERO_CSUM		= 0x8001,	/* RFC 9653 */
	SCTP_PARAM_ECN_CAPABLE		= 0x8000,
	SCTP_PARAM_RANDOM		= 0x8002,
	SCTP_PARAM_CHUNKS		= 0x8003,
	SCTP_PARAM_HMAC_ALGO		= 0x8004,
	SCTP_PARAM_PAD			= 0x8005,
	SCTP_PARAM_SUPPORTED_EXT	= 0x8008,
	SCTP_PARAM_FWD_TSN_SUPPORT	= 0xc000,
	SCTP_PARAM_ADD_IP		= 0xc001,
	SCTP_PARAM_DEL_IP		= 0xc002,
	SCTP_PARAM_ERR_CAUSE		= 0xc003,
	SCTP_PARAM_SET_PRIMARY		= 0xc004,
	SCTP_PARAM_SUCCESS_REPORT	= 0xc005,
	SCTP_PARAM_ADAPTATION_LAYER	= 0xc006,
	SCTP_PARAM_DISABLE_RESTART	= 0xc007,	/* natsupp */
	SCTP_PARAM_VTAGS		= 0xc008,	/* natsupp */
};

#define SCTP_PARAM_IPV4_LEN	8
#define SCTP_PARAM_IPV6_LEN	20
#define SCTP_PARAM_VTAGS_LEN	16	/* natsupp 5.3.2 */

/* Error causes (RFC 9260 3.3.10, natsupp). */
enum sctp_error_cause {
	SCTP_CAUSE_UNRESOLVABLE_ADDR	= 0x0005,
	SCTP_CAUSE_RESTART_NEW_ADDRS	= 0x000b,
	SCTP_CAUSE_VTAG_PORT_COLLISION	= 0x00b0,
	SCTP_CAUSE_MISSING_STATE	= 0x00b1,
	SCTP_CAUSE_PORT_COLLISION	= 0x00b2,
};

static inline uint16_t sctp_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t sctp_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void sctp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sctp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Chunks and parameters are padded to four bytes. */
static inline uint32_t sctp_pad4(uint32_t len)
{
	return (len + 3u) & ~3u;
}

#endif
