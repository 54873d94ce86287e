/*
 * usrsctp_clock.c: see usrsctp_clock.h.
 */
#include <sys/time.h>
#include <time.h>

#include "usrsctp_clock.h"

static uint64_t skew_us;

void uclock_advance(uint32_t ms)
{
	skew_us += (uint64_t)ms * 1000;
}

/* Found before libc's (the executable comes first in symbol lookup):
 * libusrsctp's calls land here. */
int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	uint64_t us;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -1;
	us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 +
	     skew_us;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return 0;
}
