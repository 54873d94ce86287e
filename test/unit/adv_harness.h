/*
 * adv_harness: an adversarial state harness for the engine.
 *
 * Two SCTP endpoints of our own (a small RFC 9260 5.1 / 5.2 state
 * machine with real tags, TSNs and MAC-protected cookies) talk through
 * the engine in process: the inside host A behind the box, the outside
 * peer Z.  A schedule (bytes, from libFuzzer or from a seed) interleaves
 * their exchanges -- handshakes, retransmissions, loss before and after
 * the box, duplication, reordering, restarts of either side, INIT
 * collisions, shutdown, ASCONF with and without AUTH, multihomed paths --
 * with two attackers on the outside: one who knows addresses and ports but
 * no tags, one who knows the live tags but sends from an address outside
 * the association.  After every step the invariants below are checked;
 * the first broken one ends the run with a report naming the step, the
 * packet and the recent history.
 */
#ifndef SCTPALG_TEST_ADV_HARNESS_H
#define SCTPALG_TEST_ADV_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define ADV_INVARIANTS(X)                                                \
	X(NONE, "none")                                                  \
	X(LEGIT_LOST, "a packet the endpoints need was not forwarded")   \
	X(BAD_XLATE, "a forwarded legitimate packet is mistranslated")   \
	X(MAPPING_CHANGED, "a forged packet changed a mapping")          \
	X(FORGED_FORWARDED, "a forged packet without a live tag and "    \
			    "address pair was forwarded")                \
	X(REPLY_HARMED, "the box's reply to a forged packet changed an " \
			"endpoint")                                      \
	X(NO_CONVERGENCE, "the endpoints did not end in a working "      \
			  "association")                                 \
	X(BINDING_REFS, "the bindings' references on their public "      \
			"addresses do not add up")

enum adv_invariant {
#define ADV_INV_ENUM(n, s) ADV_INV_##n,
	ADV_INVARIANTS(ADV_INV_ENUM)
#undef ADV_INV_ENUM
	ADV_INV__COUNT
};

const char *adv_invariant_name(enum adv_invariant i);

struct adv_stats {
	uint64_t steps;
	uint64_t legit_pkts;		/* through the box */
	uint64_t must_pass;		/* of which the model required */
	uint64_t attack_pkts;
	uint64_t attack_forwarded;	/* allowed: live tag and addresses */
	uint64_t reactions;		/* endpoint answers to forgeries */
	uint64_t handshakes;		/* both ends reached ESTABLISHED */
	uint64_t restarts, collisions, shutdowns, asconfs;
	uint64_t init_give_ups; /* Max.Init.Retransmits reached */
	uint64_t clock_secs; /* the clock ran on at give-ups */
	uint64_t data_delivered;
};

#define ADV_REPORT_MAX	16384

struct adv_report {
	enum adv_invariant inv;
	uint64_t step;
	char text[ADV_REPORT_MAX];
};

/*
 * Run one schedule.  Returns 0 when every invariant held, else the
 * invariant that broke (rep says where and with which packet).  stats
 * (optional) is added to.
 */
int adv_run(const uint8_t *sched, size_t len, struct adv_report *rep,
	    struct adv_stats *stats);

/*
 * The same with both endpoints' Max.Init.Retransmits (RFC 9260 16; an
 * application may set it, sinit_max_attempts in RFC 6458 8.1.3):
 * adv_run uses the default, 8.  UINT32_MAX retransmits without end, as
 * the model did before it kept to the bound: schedules found then
 * replay so.
 */
int adv_run_retx(const uint8_t *sched, size_t len, uint32_t max_init_retx,
		 struct adv_report *rep, struct adv_stats *stats);

/* A schedule of len bytes from a seed (deterministic). */
void adv_schedule_from_seed(uint64_t seed, uint8_t *buf, size_t len);

#endif
