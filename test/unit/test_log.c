/*
 * Unit tests for log: the token bucket with explicit times (burst, refill
 * at the configured rate, the suppressed count handed to the next line),
 * level names, and what actually reaches stderr in the foreground: errno
 * text on log_warn, nothing below the level, the suppression note.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define MS	1000000ull

Test(log, burst_then_suppressed)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(3, 1000);
	uint64_t sup = 99;
	int i;

	for (i = 0; i < 3; i++) {
		cr_assert(log_ratelimit_allow(&rl, 5 * MS, &sup));
		cr_assert_eq(sup, 0);
	}
	for (i = 0; i < 10; i++)
		cr_assert_not(log_ratelimit_allow(&rl, 6 * MS, &sup));
	/* One interval later: one line, carrying the count. */
	cr_assert(log_ratelimit_allow(&rl, 1005 * MS, &sup));
	cr_assert_eq(sup, 10);
	cr_assert_not(log_ratelimit_allow(&rl, 1006 * MS, &sup));
}

/* Refill is one token per interval. */
Test(log, refill_rate)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(1, 100);
	uint64_t sup, t;
	int allowed = 0;

	/* Every 25 ms for 3 s: one line per 100 ms. */
	for (t = 0; t <= 3000 * MS; t += 25 * MS)
		if (log_ratelimit_allow(&rl, t, &sup))
			allowed++;
	cr_assert_eq(allowed, 31, "allowed %d", allowed);
}

/*
 * A full bucket earns nothing: sampled every 30 ms, the token that is
 * ready at 100 ms is taken at 120 ms and the next one is due at 220 ms,
 * so lines go out every 120 ms (0, 120, ..., 3000).
 */
Test(log, full_bucket_earns_nothing)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(1, 100);
	uint64_t sup, t;
	int allowed = 0;

	for (t = 0; t <= 3000 * MS; t += 30 * MS)
		if (log_ratelimit_allow(&rl, t, &sup))
			allowed++;
	cr_assert_eq(allowed, 26, "allowed %d", allowed);
}

/* A long quiet spell refills the whole burst, not more. */
Test(log, quiet_spell_refills_burst_only)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(2, 10);
	uint64_t sup;
	int allowed = 0, i;

	cr_assert(log_ratelimit_allow(&rl, 0, &sup));
	cr_assert(log_ratelimit_allow(&rl, 0, &sup));
	cr_assert_not(log_ratelimit_allow(&rl, 0, &sup));
	for (i = 0; i < 10; i++)
		if (log_ratelimit_allow(&rl, 3600000 * MS, &sup))
			allowed++;
	cr_assert_eq(allowed, 2);
}

static void redirect(void)
{
	cr_redirect_stderr();
}

Test(log, warn_appends_errno_and_keeps_it, .init = redirect)
{
	log_init("test", true, LOG_DAEMON);
	log_setlevel(LOG_INFO);
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	cr_assert_eq(errno, ENOENT);
	log_warnx("plain %d", 7);
	log_debug("hidden at info");
	log_info("shown");
	fflush(stderr);
	cr_assert_stderr_eq_str("open /nonexistent: No such file or directory\n"
				"plain 7\n"
				"shown\n");
}

Test(log, ratelimited_line_says_how_many, .init = redirect)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(1, 3600000);
	struct log_ratelimit hidden = LOG_RATELIMIT_INIT(1, 3600000);
	int i;

	log_init("test", true, LOG_DAEMON);
	log_setlevel(LOG_INFO);
	for (i = 0; i < 5; i++)
		log_ratelimited(&rl, LOG_WARNING, "bad packet %d", i);
	/* Force the next line through, as an hour passing would. */
	rl.tokens = 1;
	log_ratelimited(&rl, LOG_WARNING, "bad packet %d", 5);
	/* A level that is not shown spends no tokens. */
	log_ratelimited(&hidden, LOG_DEBUG, "debug");
	cr_assert_eq(hidden.primed, false);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"bad packet 0\n"
		"bad packet 5 (4 similar messages suppressed)\n");
}
