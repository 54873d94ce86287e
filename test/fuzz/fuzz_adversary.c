/*
 * fuzz_adversary: libFuzzer target for the adversarial state harness
 * (test/unit/adv_harness.h).  The input is the schedule: which endpoint
 * acts, which packet the network delivers, duplicates, reorders or loses,
 * and what the two attackers forge.  A broken invariant prints the report
 * (invariant, step, packet, the box's and the endpoints' state, the last
 * steps) and aborts, so libFuzzer keeps the schedule as an artifact;
 * replay it with `build/fuzz/fuzz_adversary ARTIFACT`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "adv_harness.h"

/* Longer schedules add little but time: 2048 steps at most. */
#define SCHED_MAX	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct adv_report rep;

	if (size > SCHED_MAX)
		size = SCHED_MAX;
	if (adv_run(data, size, &rep, NULL)) {
		fprintf(stderr, "adversary: %s\n", rep.text);
		abort();
	}
	return 0;
}
