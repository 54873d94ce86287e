/*
 * assoc_wheel.c: the association table's timer wheel, one-second slots
 * (WHEEL_SLOTS of them) through the slots' wnext/wprev links: an
 * association is filed by its deadline, refiled lazily when a later
 * deadline is set, and expired when the wheel reaches it.
 */
#include "assoc_table_impl.h"
#include "time_ns.h"

static inline uint32_t wheel_slot(uint64_t ns)
{
	return (uint32_t)((ns / WHEEL_TICK_NS) % WHEEL_SLOTS);
}

void assoc_wheel_remove(struct assoc_table *t, struct assoc *a)
{
	if (a->wprev != ASSOC_NONE)
		t->slots[a->wprev].wnext = a->wnext;
	else if (t->wheel[a->filed % WHEEL_SLOTS] == slot_id(t, a))
		t->wheel[a->filed % WHEEL_SLOTS] = a->wnext;
	if (a->wnext != ASSOC_NONE)
		t->slots[a->wnext].wprev = a->wprev;
	a->wnext = a->wprev = ASSOC_NONE;
}

static void wheel_insert(struct assoc_table *t, struct assoc *a,
			 uint64_t deadline)
{
	uint32_t s;

	/* Never file into a slot the wheel has already passed. */
	if (deadline / WHEEL_TICK_NS <= t->wheel_now)
		deadline = (t->wheel_now + 1) * WHEEL_TICK_NS;
	s = wheel_slot(deadline);
	a->filed = (uint32_t)(deadline / WHEEL_TICK_NS);
	a->wprev = ASSOC_NONE;
	a->wnext = t->wheel[s];
	if (a->wnext != ASSOC_NONE)
		t->slots[a->wnext].wprev = slot_id(t, a);
	t->wheel[s] = slot_id(t, a);
}

/*
 * assoc_set_expiry (assoc_table.h) for a first deadline or an earlier
 * one: a later deadline is lazy, the wheel refiles it when it gets there.
 */
void assoc_wheel_refile(struct assoc_table *t, struct assoc *a, bool was_filed)
{
	if (was_filed)
		assoc_wheel_remove(t, a);
	wheel_insert(t, a, a->expires);
}

unsigned int assoc_table_expire(struct assoc_table *t, uint64_t now_ns,
				void (*expire)(struct assoc *, void *),
				void *arg)
{
	uint64_t now_s = now_ns / WHEEL_TICK_NS, steps;
	unsigned int n = 0;

	if (!t->wheel_started || now_s <= t->wheel_now)
		return 0; /* same second, or a clock that went back */
	steps = now_s - t->wheel_now;
	if (steps > WHEEL_SLOTS)
		steps = WHEEL_SLOTS;
	while (steps--) {
		uint32_t s, id;

		t->wheel_now = now_s - steps;
		s = wheel_slot(t->wheel_now * WHEEL_TICK_NS);
		id = t->wheel[s];
		t->wheel[s] = ASSOC_NONE;
		if (id != ASSOC_NONE)
			t->slots[id].wprev = ASSOC_NONE;
		while (id != ASSOC_NONE) {
			struct assoc *a = &t->slots[id];

			id = a->wnext;
			if (id != ASSOC_NONE)
				t->slots[id].wprev = ASSOC_NONE;
			a->wnext = a->wprev = ASSOC_NONE;
			if (a->expires <= now_ns) {
				a->expires = 0;
				expire(a, arg);
				n++;
			} else {
				wheel_insert(t, a, a->expires);
			}
		}
	}
	t->wheel_now = now_s;
	return n;
}
