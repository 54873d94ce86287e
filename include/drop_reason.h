/*
 * drop_reason: why the engine dropped a packet.  One X-macro list so the
 * enum, the counter array and the names shown by sctpalgctl cannot drift.
 */
#ifndef SCTPALG_DROP_REASON_H
#define SCTPALG_DROP_REASON_H

/* One reason a line, names aligned. */
/* clang-format off */
#define DROP_REASONS(X)							\
	X(NONE,			"none")					\
	X(IP_TRUNCATED,		"ip-truncated")				\
	X(IP_BAD_HEADER,	"ip-bad-header")			\
	X(IP_FRAGMENT,		"ip-fragment")				\
	X(IP_EXT_HEADERS,	"ip6-ext-header-limit")			\
	X(NOT_SCTP,		"not-sctp")				\
	X(SCTP_TRUNCATED,	"sctp-truncated")			\
	X(PORT_ZERO,		"port-zero")				\
	X(BAD_CHECKSUM,		"bad-checksum")				\
	X(NO_CHUNKS,		"no-chunks")				\
	X(CHUNK_TRUNCATED,	"chunk-truncated")			\
	X(CHUNK_ZERO_LENGTH,	"chunk-zero-length")			\
	X(CHUNK_TOO_SHORT,	"chunk-too-short")			\
	X(CHUNK_BAD_PADDING,	"chunk-bad-padding")			\
	X(TOO_MANY_CHUNKS,	"too-many-chunks")			\
	X(PARAM_TRUNCATED,	"param-truncated")			\
	X(PARAM_BAD_LENGTH,	"param-bad-length")			\
	X(MUST_STAND_ALONE,	"chunk-must-stand-alone")		\
	X(INIT_BAD_VTAG,	"init-nonzero-vtag")			\
	X(INIT_ZERO_TAG,	"init-zero-initiate-tag")		\
	X(OUT_OF_THE_BLUE,	"out-of-the-blue")			\
	X(VTAG_MISMATCH,	"vtag-mismatch")			\
	X(PEER_ADDR_UNKNOWN,	"peer-address-unknown")			\
	X(INSIDE_ADDR_UNKNOWN,	"inside-address-not-allowed")		\
	X(NO_MAPPING,		"no-address-mapping")			\
	X(NO_FORWARD_RULE,	"inbound-init-no-forward")		\
	X(TABLE_FULL,		"association-limit")			\
	X(HOST_LIMIT,		"per-host-limit")			\
	X(HANDSHAKE_LIMIT,	"handshake-limit")			\
	X(INIT_RATE,		"init-rate-limit")			\
	X(PORTS_EXHAUSTED,	"ports-exhausted")			\
	X(TOO_MANY_ADDRS,	"address-list-overflow")		\
	X(NO_ROOM,		"no-room-to-grow")			\
	X(ASCONF_AUTH_PRIVATE,	"asconf-authenticated-private-address")	\
	X(ASCONF_BAD,		"asconf-malformed")			\
	X(HOST_NAME_ADDR,	"host-name-address")			\
	X(PPID_DENIED,		"ppid-denied")				\
	X(ICMP_MALFORMED,	"icmp-malformed")			\
	X(ICMP_NO_STATE,	"icmp-no-state")			\
	X(M_BIT_NO_STATE,	"m-bit-no-state")			\
	X(VTAG_PORT_COLLISION,	"vtag-port-collision")			\
	X(PORT_COLLISION,	"port-collision")			\
	X(INIT_SOURCE_RATE,	"init-source-rate-limit")		\
	X(ASCONF_PENDING_FULL,	"asconf-pending-full")			\
	X(INSIDE_ADDR_UNADVERTISED, "inside-address-unadvertised")	\
	X(HANDSHAKE_TAG_COLLISION, "handshake-tag-collision")		\
	X(INIT_ACK_LATE,	"init-ack-after-handshake")		\
	X(INIT_LATE,		"init-after-close")			\
	X(TTL_EXCEEDED,		"ttl-exceeded")
/* clang-format on */

enum drop_reason {
#define DROP_REASON_ENUM(name, str) DROP_##name,
	DROP_REASONS(DROP_REASON_ENUM)
#undef DROP_REASON_ENUM
	DROP__COUNT
};

const char *drop_reason_name(enum drop_reason r);

#endif
