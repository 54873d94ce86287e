/*
 * log: stderr or syslog output, levels, and the rate limiter for messages
 * that can repeat.  See log.h for the conventions.
 *
 * State is a handful of globals: logging is process-wide by nature (syslog
 * is too), and sctpalgd is single-threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "time_ns.h"

#define LOG_LINE_MAX	1024

static bool log_to_stderr = true;
static int log_level = LOG_INFO;

void log_init(const char *ident, bool foreground, int facility)
{
	log_to_stderr = foreground;
	if (!foreground) {
		/* LOG_NDELAY: open the socket now, before a chroot or a
		 * privilege drop could make /dev/log unreachable. */
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
	}
	tzset();
}

void log_setlevel(int level)
{
	log_level = level;
}

int log_getlevel(void)
{
	return log_level;
}

/* Writes one finished line; trailing newlines (libbpf's) are cut. */
static void log_emit(int pri, char *line)
{
	size_t n = strlen(line);

	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (log_to_stderr) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else {
		syslog(pri, "%s", line);
	}
}

void vlog(int pri, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved = errno;

	if (pri > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_emit(pri, line);
	errno = saved;
}

void logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* "message: strerror(errno)", or just strerror when fmt is NULL. */
static void vlog_errno(int pri, int err, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = 0;

	if (pri > log_level)
		return;
	if (fmt) {
		n = vsnprintf(line, sizeof(line), fmt, ap);
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
	}
	snprintf(line + n, sizeof(line) - n, "%s%s", fmt ? ": " : "",
		 strerror(err));
	log_emit(pri, line);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Always shown, whatever the level. */
	log_level = LOG_DEBUG;
	logit(LOG_CRIT, "fatal: %s: %s", line, strerror(saved));
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_level = LOG_DEBUG;
	logit(LOG_CRIT, "fatal: %s", line);
	exit(1);
}

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ns,
			 uint64_t *suppressed)
{
	uint64_t interval_ns = (uint64_t)rl->interval_ms * 1000000u;
	uint64_t refill;

	if (!rl->primed) {
		rl->primed = true;
		rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	} else if (interval_ns == 0) {
		rl->tokens = rl->burst;
	} else if (now_ns > rl->last_ns) {
		refill = (now_ns - rl->last_ns) / interval_ns;
		if (refill >= rl->burst - rl->tokens) {
			/* Full again: the partial interval is forgotten. */
			rl->tokens = rl->burst;
			rl->last_ns = now_ns;
		} else if (refill > 0) {
			/* Keep the remainder so the rate is exact. */
			rl->tokens += (uint32_t)refill;
			rl->last_ns += refill * interval_ns;
		}
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void log_ratelimited(struct log_ratelimit *rl, int level, const char *fmt,
		     ...)
{
	char line[LOG_LINE_MAX];
	uint64_t suppressed;
	va_list ap;
	int saved = errno;

	/* A hidden level spends no tokens. */
	if (level > log_level)
		return;
	if (!log_ratelimit_allow(rl, mono_ns(), &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		logit(level, "%s (%llu similar messages suppressed)", line,
		      (unsigned long long)suppressed);
	else
		logit(level, "%s", line);
	errno = saved;
}
