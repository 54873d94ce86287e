/*
 * log: sctpalgd's logging, shaped after OpenBSD's daemons (relayd's log.h).
 *
 * In the foreground (-f, or under systemd) lines go to stderr, otherwise to
 * syslog.  log_warn() appends strerror(errno); the x variants do not.
 * fatal()/fatalx() log and exit(1).  Every function keeps errno as it was,
 * so a log call between a failure and its handling changes nothing.
 *
 * Levels are syslog priorities.  log_setlevel(LOG_INFO) hides debug lines;
 * lines that are hidden cost one comparison.
 *
 * Anything that can repeat at packet rate (a malformed packet, a failed
 * send) goes through a struct log_ratelimit: a token bucket of `burst`
 * lines refilled with one line every `interval_ms`; the first line let
 * through after a quiet spell says how many were suppressed.  The packet
 * path itself never logs; it counts (drop_reason.h).
 */
#ifndef SCTPALG_LOG_H
#define SCTPALG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * ident: the name syslog files lines under.  foreground: log to stderr
 * (one plain line per message) instead of syslog.  facility: LOG_DAEMON
 * for sctpalgd.  May be called again to switch destinations.
 */
void log_init(const char *ident, bool foreground, int facility);
/* Lines with a priority numerically above level are dropped. */
void log_setlevel(int level);
int log_getlevel(void);

void vlog(int pri, const char *fmt, va_list ap) LOG_PRINTF(2, 0);
void logit(int pri, const char *fmt, ...) LOG_PRINTF(2, 3);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * Token bucket for one kind of repeating message.  Declare one per call
 * site, statically or in the owning module's state:
 *
 *	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(5, 1000);
 *	log_ratelimited(&rl, LOG_WARNING, "%s: send failed", ifname);
 *
 * burst lines may come back to back; after that one line per interval_ms.
 * The remaining fields are state and start zeroed.
 */
struct log_ratelimit {
	uint32_t burst;
	uint32_t interval_ms;
	/* state */
	uint32_t tokens;
	bool primed;
	uint64_t last_ns;	/* when tokens were last topped up */
	uint64_t suppressed;	/* since the last line let through */
};

#define LOG_RATELIMIT_INIT(burst_, interval_ms_) \
	{ .burst = (burst_), .interval_ms = (interval_ms_) }

/*
 * The bucket alone, with the time passed in (pure, unit-tested): true if a
 * line may go out now; then *suppressed is the number of lines held back
 * since the previous one that went out, and the count restarts.
 */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ns,
			 uint64_t *suppressed);
/* Logs at level through rl (CLOCK_MONOTONIC), with a suppression note. */
void log_ratelimited(struct log_ratelimit *rl, int level, const char *fmt,
		     ...) LOG_PRINTF(3, 4);

/*
 * Route libbpf's and libxdp's own messages into this log, one level
 * quieter than they rate themselves (their warnings are often expected
 * fallbacks, e.g. native XDP missing): WARN -> notice, INFO -> debug,
 * DEBUG -> dropped.  In log_bpf.c so the rest of the module does not pull
 * in the BPF libraries.
 */
void log_route_bpf_libs(void);

#endif
