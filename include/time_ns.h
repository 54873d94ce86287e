/*
 * time_ns: time in nanoseconds, the unit the engine and the daemon share.
 *
 * The engine never reads a clock (time is passed in, see engine.h); it uses
 * only NSEC_PER_SEC from here.  The daemon reads CLOCK_MONOTONIC through
 * mono_ns() and nowhere else, so every time it hands the engine, the
 * control socket and the logs comes from one clock (clock_gettime(2)).
 */
#ifndef SCTPALG_TIME_NS_H
#define SCTPALG_TIME_NS_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000ull

static inline uint64_t timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds: never steps, counts from boot. */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return timespec_ns(&ts);
}

#endif
