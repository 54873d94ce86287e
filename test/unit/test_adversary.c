/*
 * test_adversary.c: the adversarial state harness (adv_harness.h) over a
 * fixed set of seeded schedules, deterministic, so that every unit test
 * run puts the box through handshakes with retransmitted INITs answered
 * with new tags, loss, duplication, reordering, restarts, INIT
 * collisions, shutdown, ASCONF with and without AUTH and two attackers.
 * All seeds run; the summary counts the broken invariants and the report
 * of the first failing seed says which step and packet broke it.  Replay
 * one seed alone with ADV_SEED=n; make more with ADV_SEEDS=n.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adv_harness.h"

#define SEEDS		300
#define SCHED_LEN	600	/* 300 steps, then the drain */

Test(adversary, seeded_schedules, .timeout = 120)
{
	static struct adv_report rep, first;
	static uint8_t sched[SCHED_LEN];
	unsigned int by_inv[ADV_INV__COUNT] = { 0 };
	struct adv_stats st = { 0 };
	const char *env = getenv("ADV_SEED");
	uint64_t lo = 1, hi = SEEDS, first_seed = 0;
	unsigned int failed = 0;
	char seeds[256] = "";

	if (env) {
		lo = hi = strtoull(env, NULL, 0);
	} else if (getenv("ADV_SEEDS")) {
		hi = strtoull(getenv("ADV_SEEDS"), NULL, 0);
	}
	for (uint64_t seed = lo; seed <= hi; seed++) {
		int inv;

		adv_schedule_from_seed(seed, sched, sizeof(sched));
		inv = adv_run(sched, sizeof(sched), &rep, &st);
		if (!inv)
			continue;
		if (!failed++) {
			first = rep;
			first_seed = seed;
		}
		by_inv[inv]++;
		if (failed <= 20 || env || getenv("ADV_ALL")) {
			/* One line each: the invariant and where. */
			const char *at = strstr(rep.text, "\n");

			fprintf(stderr, "adversary: seed %llu: %.*s\n",
				(unsigned long long)seed,
				at ? (int)strcspn(at + 1, "\n") : 0,
				at ? at + 1 : "");
		}
		if (strlen(seeds) < sizeof(seeds) - 16)
			snprintf(seeds + strlen(seeds),
				 sizeof(seeds) - strlen(seeds), " %llu(%d)",
				 (unsigned long long)seed, inv);
	}
	fprintf(stderr, "adversary: %llu schedules, %llu steps, %llu "
		"legitimate packets (%llu required), %llu forged (%llu "
		"allowed through), %llu answers to forgeries, %llu "
		"handshakes, %llu restarts, %llu collisions, %llu shutdowns, "
		"%llu ASCONFs, %llu messages delivered\n",
		(unsigned long long)(hi - lo + 1),
		(unsigned long long)st.steps,
		(unsigned long long)st.legit_pkts,
		(unsigned long long)st.must_pass,
		(unsigned long long)st.attack_pkts,
		(unsigned long long)st.attack_forwarded,
		(unsigned long long)st.reactions,
		(unsigned long long)st.handshakes,
		(unsigned long long)st.restarts,
		(unsigned long long)st.collisions,
		(unsigned long long)st.shutdowns,
		(unsigned long long)st.asconfs,
		(unsigned long long)st.data_delivered);
	for (int i = 1; i < ADV_INV__COUNT; i++)
		if (by_inv[i])
			fprintf(stderr, "adversary: %u schedules broke %s\n",
				by_inv[i],
				adv_invariant_name((enum adv_invariant)i));
	cr_assert_eq(failed, 0, "%u of %llu schedules broke an invariant "
		     "(seed(invariant):%s)\nfirst, seed %llu (ADV_SEED=%llu "
		     "replays it):\n%s", failed,
		     (unsigned long long)(hi - lo + 1), seeds,
		     (unsigned long long)first_seed,
		     (unsigned long long)first_seed, first.text);
}

/*
 * Schedules the harness once found broken, run whatever ADV_SEEDS says:
 * 316 and 450 retransmit an INIT until its answers, each with a new tag,
 * outnumber the candidates an association holds, and the inside host
 * uses one the box had no room to keep.  9525 and 9665: both ends
 * closed, the SHUTDOWN COMPLETE lost before the box, which still holds
 * the mapping in SHUTDOWN; the inside host reconnects from the same port
 * and a blind INIT from the peer's address, reaching the old mapping
 * first, went in as a restart.  9383: that reconnecting host's INIT,
 * answered, passed before the old association's close, and its next
 * copy released the closed mapping with the answer's tag.  1430: an
 * INIT collision's handshake, its COOKIE ECHOs seen, overtaken by a
 * restart of the peer; its COOKIE ACK, late, took the association back
 * from the restart's tags.  6009: the handshake of an INIT collision
 * at its COOKIE ECHO, both ends restarting again and a blind INIT from
 * the peer's address filled the candidates, and the inside host's INIT
 * pushed out the peer's, whose answer then found nothing.  1855 and
 * 5715: a copy of the inside host's COOKIE ECHO, late, passed after
 * both ends had shut down, and the peer set the association up again
 * alone.
 */
Test(adversary, found_schedules)
{
	static const uint64_t found[] = { 316, 450, 1430, 1855, 5715, 6009, 9383, 9525,
					  9665 };
	static struct adv_report rep;
	static uint8_t sched[SCHED_LEN];

	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		adv_schedule_from_seed(found[i], sched, sizeof(sched));
		cr_assert_eq(adv_run(sched, sizeof(sched), &rep, NULL), 0,
			     "seed %llu:\n%s", (unsigned long long)found[i],
			     rep.text);
	}
}
