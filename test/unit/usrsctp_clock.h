/*
 * usrsctp_clock: the wall clock usrsctp reads, moved with the relay's
 * fake time.
 *
 * usrsctp's timers run on ticks (usrsctp_handle_timers), but it also
 * reads gettimeofday(): a T3-rtx expiry retransmits only chunks sent at
 * least an RTO ago by that clock (sctp_mark_all_for_resend), a heartbeat
 * goes only on a path idle for the interval, and RTTs are measured with
 * it.  With ticks alone a timer would fire, back the RTO off and send
 * nothing.  So the test binary defines gettimeofday() itself: the real
 * time plus the fake time the relay has added (0 in a process that runs
 * no relay, where it is the real clock).  Processes are per test
 * (Criterion), so the skew never leaks into another test.
 */
#ifndef SCTPALG_TEST_USRSCTP_CLOCK_H
#define SCTPALG_TEST_USRSCTP_CLOCK_H

#include <stdint.h>

void uclock_advance(uint32_t ms);

#endif
