/*
 * engine: the SCTP translation engine.  Pure: no sockets, no globals, no
 * clock reads.  The caller hands it packets (L3 onward) and the time; it
 * returns a verdict and keeps the association table.
 *
 * A packet is rewritten in place.  The buffer must have `cap` bytes of room
 * (cap >= len) because INIT / INIT ACK rewriting may add address
 * parameters (proxy multihoming).  A dropped packet is never modified: all
 * validation happens before the first byte is written.
 */
#ifndef SCTPALG_ENGINE_H
#define SCTPALG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "drop_reason.h"
#include "engine_config.h"
#include "nat_addr.h"

struct engine;

enum engine_dir {
	ENGINE_OUTBOUND = 0,	/* inside -> outside */
	ENGINE_INBOUND = 1,	/* outside -> inside */
};

enum engine_action {
	ENGINE_DROP = 0,
	ENGINE_FORWARD,		/* send the rewritten packet on */
	ENGINE_REPLY,		/* buffer now holds a reply: send it back
				 * out of the interface it came in on */
};

struct engine_pkt {
	uint8_t *data;		/* IPv4 or IPv6 header first */
	uint32_t len;
	uint32_t cap;
};

struct engine_verdict {
	uint8_t action;		/* enum engine_action */
	uint8_t reason;		/* enum drop_reason when action is DROP */
	int8_t uplink;		/* outbound: uplink to leave by, -1 = route */
	uint8_t pad;
	uint32_t len;		/* length after rewrite */
};

/* Chunk types counted in "translations by chunk type". */
#define ENGINE_CHUNK_STATS(X)			\
	X(DATA, "DATA")				\
	X(INIT, "INIT")				\
	X(INIT_ACK, "INIT-ACK")			\
	X(SACK, "SACK")				\
	X(HEARTBEAT, "HEARTBEAT")		\
	X(HEARTBEAT_ACK, "HEARTBEAT-ACK")	\
	X(ABORT, "ABORT")			\
	X(SHUTDOWN, "SHUTDOWN")			\
	X(SHUTDOWN_ACK, "SHUTDOWN-ACK")		\
	X(ERROR, "ERROR")			\
	X(COOKIE_ECHO, "COOKIE-ECHO")		\
	X(COOKIE_ACK, "COOKIE-ACK")		\
	X(SHUTDOWN_COMPLETE, "SHUTDOWN-COMPLETE") \
	X(AUTH, "AUTH")				\
	X(I_DATA, "I-DATA")			\
	X(ASCONF, "ASCONF")			\
	X(ASCONF_ACK, "ASCONF-ACK")		\
	X(FWD_TSN, "FORWARD-TSN")		\
	X(OTHER, "other")			\
	X(ICMP, "ICMP-error")

enum engine_chunk_stat {
#define ENGINE_CHUNK_STAT_ENUM(n, s) ENGINE_CS_##n,
	ENGINE_CHUNK_STATS(ENGINE_CHUNK_STAT_ENUM)
#undef ENGINE_CHUNK_STAT_ENUM
	ENGINE_CS__COUNT
};

struct engine_stats {
	uint64_t packets[2];		/* by direction */
	uint64_t forwarded[2];
	uint64_t replies;
	uint64_t drops[DROP__COUNT];
	uint64_t chunks[ENGINE_CS__COUNT];
	uint64_t assocs_created;
	uint64_t assocs_expired;
	uint64_t assocs_ended;		/* ABORT / SHUTDOWN COMPLETE */
	uint64_t assocs_removed;	/* flush or reload */
	uint64_t csum_full;		/* full CRC32c recomputations */
	uint64_t csum_incremental;
	uint32_t assocs_live;
	uint32_t handshakes_live;
	/* Half-open associations evicted to make room for a lighter
	 * source (handshake_budget.h). */
	uint64_t handshakes_evicted;
	/* The source address of the latest packet dropped for each reason
	 * (family 0: none yet), so a warning can name the host. */
	struct nat_addr last_drop_src[DROP__COUNT];
};

enum assoc_state {
	ASSOC_COOKIE_WAIT = 0,	/* INIT seen */
	ASSOC_COOKIE_ECHOED,	/* INIT ACK and COOKIE ECHO seen */
	ASSOC_ESTABLISHED,
	ASSOC_SHUTDOWN,
	ASSOC_CLOSED,		/* ABORT / SHUTDOWN COMPLETE, lingering */
	ASSOC__STATE_COUNT
};

const char *assoc_state_name(enum assoc_state s);

/* A read-only snapshot of one association, for sctpalgctl. */
struct engine_path_view {
	struct nat_addr peer;
	int8_t uplink;
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
};

struct engine_local_view {
	struct nat_addr inside, public_;
	int8_t uplink;
};

/*
 * Packets matched to an association and dropped anyway, counted on it by
 * class of reason (a few saturating counters: the engine's memory budget
 * per association is small; the exact reason is in the global drops).
 */
#define ENGINE_ASSOC_DROP_CLASSES(X)				\
	X(VTAG,		"vtag")		/* tag did not match its ports */ \
	X(ADDRESS,	"address")	/* unknown or refused address */ \
	X(POLICY,	"policy")	/* PPID and other rules */	\
	X(OTHER,	"other")	/* malformed, limits */

enum engine_assoc_drop_class {
#define ENGINE_ADC_ENUM(n, s) ENGINE_ADC_##n,
	ENGINE_ASSOC_DROP_CLASSES(ENGINE_ADC_ENUM)
#undef ENGINE_ADC_ENUM
	ENGINE_ADC__COUNT
};

const char *engine_assoc_drop_class_name(enum engine_assoc_drop_class c);
enum engine_assoc_drop_class engine_assoc_drop_class(enum drop_reason r);

struct engine_assoc_view {
	uint32_t id;
	uint8_t state;		/* enum assoc_state */
	bool inbound;		/* created by a [forward] rule */
	uint16_t inside_port, public_port, peer_port;
	uint32_t tag_inside, tag_peer;
	uint64_t created_ns, last_seen_ns, expires_ns;
	uint8_t n_locals, n_paths;
	struct engine_local_view locals[ENGINE_ADDRS_MAX * 2];
	struct engine_path_view paths[ENGINE_ADDRS_MAX];
	uint32_t drops[ENGINE_ADC__COUNT];	/* by class, saturating */
};

/*
 * Association events (logs a person can act on: sctpalgd(8),
 * DIAGNOSTICS, Associations).  The engine
 * calls one optional callback, synchronously and without allocating, when
 * an association comes up or ends, so the daemon can log one line per
 * association without the engine logging anything itself.
 *
 *   UP	  a COOKIE ACK went through: the association is ESTABLISHED.
 *	  Reason NEW, or RESTART when new tags replaced old ones (a DOWN
 *	  with reason RESTART, showing the old tags, comes just before).
 *   DOWN  the association ended.  Exactly once per association, whether
 *	  or not it ever came up (was_up); the view shows the state it was
 *	  in.  ABORT / SHUTDOWN COMPLETE end it when they pass (the entry
 *	  then lingers in CLOSED and its removal says nothing more); the
 *	  others end it as it is removed.  engine_destroy() is silent.
 *   MOVED uplink went down or up and the paths in moved_paths (bits of
 *	  the view's paths[]) now leave by another uplink.
 *
 * The view and the event live only during the call.  The callback must
 * not call back into the engine.
 */
enum engine_event_type {
	ENGINE_EV_UP = 0,
	ENGINE_EV_DOWN,
	ENGINE_EV_MOVED,
};

#define ENGINE_EVENT_REASONS(X)					\
	X(NEW,			"new")				\
	X(SHUTDOWN,		"shutdown")			\
	X(ABORT,		"abort")			\
	X(TIMEOUT_SETUP,	"timeout-setup")		\
	X(TIMEOUT_ESTABLISHED,	"timeout-established")		\
	X(TIMEOUT_SHUTDOWN,	"timeout-shutdown")		\
	X(RESTART,		"restart")			\
	X(FLUSH,		"flush")			\
	X(CONFIG,		"config")			\
	X(UPLINK_DOWN,		"uplink-down")			\
	X(UPLINK_UP,		"uplink-up")			\
	X(EVICTED,		"evicted")

enum engine_event_reason {
#define ENGINE_EVENT_REASON_ENUM(n, s) ENGINE_EVR_##n,
	ENGINE_EVENT_REASONS(ENGINE_EVENT_REASON_ENUM)
#undef ENGINE_EVENT_REASON_ENUM
	ENGINE_EVR__COUNT
};

const char *engine_event_reason_name(enum engine_event_reason r);

struct engine_event {
	uint8_t type;		/* enum engine_event_type */
	uint8_t reason;		/* enum engine_event_reason */
	bool was_up;		/* DOWN: an UP was reported before */
	int8_t uplink;		/* MOVED: the uplink that changed */
	uint16_t moved_paths;	/* MOVED: bit i = paths[i] moved */
	uint64_t now_ns;	/* the time the engine was last given */
	uint64_t age_ns;	/* since the INIT that made the mapping */
	/* Sums over every path, out = toward the peer, up to (not
	 * including) the packet that caused the event. */
	uint64_t pkts_out, pkts_in, bytes_out, bytes_in;
	const struct engine_assoc_view *assoc;
};

typedef void engine_event_fn(void *arg, const struct engine_event *ev);

/* Set (or clear, fn NULL) the event callback. */
void engine_set_event_cb(struct engine *e, engine_event_fn *fn, void *arg);

/* The config is copied; the table is sized from it.  0 or -errno. */
int engine_create(const struct engine_config *conf, uint64_t seed,
		  struct engine **out);
void engine_destroy(struct engine *e);

/*
 * Translate one packet.  now_ns is any monotonic clock in nanoseconds.
 * Never fails: problems are drop verdicts with a reason.
 */
void engine_process(struct engine *e, struct engine_pkt *pkt,
		    enum engine_dir dir, uint64_t now_ns,
		    struct engine_verdict *v);
/*
 * The same for a batch (the AF_XDP loop's unit of work), with the same
 * result for every packet as engine_process() on each in order; the
 * set-up packets' lookups are started for the whole batch before any is
 * processed, so that their cache misses overlap (README, Performance).
 */
void engine_process_batch(struct engine *e, struct engine_pkt *pkts,
			  struct engine_verdict *vs, unsigned int n,
			  enum engine_dir dir, uint64_t now_ns);

/* Expire idle associations; call about once a second.  Returns count. */
unsigned int engine_tick(struct engine *e, uint64_t now_ns);

/*
 * An uplink went down or came back (link state, from netlink).  Peer
 * addresses pinned to a down uplink move to a live one, so the inside
 * host's traffic to them survives the failure.
 */
void engine_set_uplink_up(struct engine *e, unsigned int uplink, bool up);

/*
 * Whether the inside address `index` of [forward] rule `rule` (0: the
 * first `inside` line) can be reached: the daemon decides from routes
 * and link state (src/daemon/forward_link.c).  A new association goes to
 * the inside address paired with the public address its INIT came to,
 * else to the next usable one (sctpalgd.conf(5), `inside`).  Every
 * address is usable until told otherwise; a reconfigure makes them all
 * usable again.  Out-of-range indexes are ignored (and read as usable).
 */
void engine_set_forward_inside_up(struct engine *e, unsigned int rule,
				  unsigned int index, bool up);
bool engine_forward_inside_up(const struct engine *e, unsigned int rule,
			      unsigned int index);

/*
 * Apply a new, already checked config to live state: associations whose
 * mapping is still allowed stay, the others are ended and counted.
 * The table size cannot change (-EBUSY if max_assocs differs).
 */
int engine_reconfigure(struct engine *e, const struct engine_config *conf,
		       uint64_t now_ns);
unsigned int engine_flush(struct engine *e);

const struct engine_stats *engine_stats(const struct engine *e);
/* Calls fn for every live association until fn returns non-zero. */
int engine_foreach_assoc(const struct engine *e,
			 int (*fn)(const struct engine_assoc_view *, void *),
			 void *arg);

#endif
