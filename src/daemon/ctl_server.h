/*
 * ctl_server: sctpalgd's control socket (the daemon side of sctpalgctl).
 *
 * A Unix stream socket, mode 0660 owned by root and the configured group,
 * served entirely from the event loop: accept, recv and send are io_uring
 * operations, so a client never blocks the packet path.  One command per
 * connection (ctl_proto.h) -- but "monitor", whose connection stays open
 * and streams events (ctl_server_publish), and "capture", whose
 * connection is handed to the capture module (ctl_ops.capture) with its
 * slot freed; the answer is rendered to JSON in one go and
 * written out in as many sends as the client's pace needs.  A client gets
 * timeout_ms for the whole exchange and must make progress (send its
 * request, read some of the answer) every idle_ms; a slow or stuck one is
 * cut off, never waited for.
 *
 * Nobody can take every slot: of max_clients, a few are kept for root
 * (the socket's owner: sctpalgctl must answer the administrator whatever
 * a script in the control group does), and every other uid may hold at
 * most per_uid connections (SO_PEERCRED); the connections beyond are
 * closed at once.  sctpalgctl(8), CONNECTIONS, says the same to users.
 *
 * What the answers contain comes from the daemon through struct ctl_ops:
 * the engine (associations, counters, flush), the AF_XDP interfaces, the
 * uplink names, and the reload action.
 */
#ifndef SCTPALG_CTL_SERVER_H
#define SCTPALG_CTL_SERVER_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cap_filter.h"
#include "ctl_filter.h"
#include "ctl_proto.h"
#include "engine.h"

struct ctl_server;
struct loop;

/* One row of the "stats" interface table, filled in by the daemon. */
struct ctl_if_info {
	char name[IF_NAMESIZE];
	const char *mode;	/* "zerocopy", "native", "generic", "packet" */
	unsigned int queues;
	bool up;
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_dropped, tx_dropped;
};

#define CTL_MAX_IFS	32

/* One named counter of the daemon's own (datapath, reassembly). */
struct ctl_counter {
	const char *name;	/* snake_case, stable: scripts key on it */
	uint64_t value;
};

#define CTL_MAX_COUNTERS	64

struct ctl_ops {
	void *arg;		/* passed to every callback */
	/* Required: the engine behind associations, stats and flush. */
	struct engine *(*engine)(void *arg);
	/*
	 * The clock the engine is fed with (nanoseconds), for ages and
	 * idle times.  NULL: CLOCK_MONOTONIC.
	 */
	uint64_t (*now_ns)(void *arg);
	/* Interface rows for "stats": fills up to max, returns the count. */
	unsigned int (*interfaces)(void *arg, struct ctl_if_info *ifs,
				   unsigned int max);
	/* The "datapath" counters of "stats"; returns the count. */
	unsigned int (*counters)(void *arg, struct ctl_counter *out,
				 unsigned int max);
	/* An uplink's configured name, or NULL. */
	const char *(*uplink_name)(void *arg, unsigned int uplink);
	/*
	 * "reload": 0, or -errno with a sentence in why (the config
	 * parser's "file:line: reason").  NULL: reload is refused.
	 */
	int (*reload)(void *arg, char *why, size_t why_len);
	/*
	 * "capture": start a session streaming to the client's fd
	 * (capture.h).  0: fd is the callee's from then on; -errno with
	 * a sentence in why: the client is told why.  NULL: refused.
	 */
	int (*capture)(void *arg, int fd, const struct cap_req *r, pid_t pid,
		       char *why, size_t why_len);
};

struct ctl_server_config {
	const char *path;	/* NULL: CTL_SOCKET_DEFAULT */
	mode_t mode;		/* 0: 0660 */
	uid_t uid;		/* socket owner; (uid_t)-1: leave as is */
	gid_t gid;		/* socket group; (gid_t)-1: leave as is */
	unsigned int max_clients;	/* 0: 32 */
	uint32_t timeout_ms;	/* whole exchange per client; 0: 10000 */
	unsigned int per_uid;	/* connections per uid but root; 0: 4 */
	uint32_t idle_ms;	/* longest wait for progress; 0: 2000 */
};

/* What the listener turned away and cut off, for "stats". */
struct ctl_server_stats {
	uint64_t accepted;
	uint64_t refused_full;	/* every slot this uid may use was taken */
	uint64_t refused_uid;	/* this uid already had per_uid */
	uint64_t timed_out;	/* no progress for idle_ms, or too long */
	/* "monitor" subscribers (ctl_server_publish) */
	uint64_t monitors;	/* connected now */
	uint64_t mon_started;	/* subscriptions accepted */
	uint64_t mon_lost;	/* events a slow subscriber missed */
	uint64_t mon_cut;	/* subscribers dropped for not reading */
};

/*
 * Binds the socket (a stale socket file from a dead daemon is replaced; a
 * live daemon on it is -EADDRINUSE), starts accepting on l.  ops is
 * copied.  0 or -errno.
 */
int ctl_server_create(const struct ctl_server_config *cfg,
		      const struct ctl_ops *ops, struct loop *l,
		      struct ctl_server **out);
/*
 * Cancels everything it has in flight on the loop, disconnects clients,
 * removes the socket file.  Call it while the loop still exists.
 */
void ctl_server_destroy(struct ctl_server *s);
void ctl_server_stats(const struct ctl_server *s,
		      struct ctl_server_stats *out);

/*
 * "monitor" subscribers connected now: 0 means publishing is a no-op, so
 * callers need not even format their line.
 */
unsigned int ctl_server_monitors(const struct ctl_server *s);
/*
 * Queues line (len bytes, one JSON object and its newline) to every
 * subscriber without waiting for any: one that has no room loses it and
 * is told so in-band (sctpalgctl(8), MONITOR).  s may be NULL.
 */
void ctl_server_publish(struct ctl_server *s, const char *line, size_t len);

/*
 * The answer to cmd as JSON text (ctl_render.c); runs reload and flush.
 * 0 with *out to free, or -ENOMEM.
 */
int ctl_render(enum ctl_cmd cmd, const struct ctl_ops *ops, char **out,
	       size_t *len);
/* The same, "associations" keeping only those filter matches (NULL:
 * all; ctl_filter.h). */
int ctl_render_filtered(enum ctl_cmd cmd, const struct ctl_filter *filter,
			const struct ctl_ops *ops, char **out, size_t *len);
/* An {"ok":false,"error":why} answer. */
int ctl_render_error(const char *why, char **out, size_t *len);

#endif
