/*
 * handshake_budget.c: fair shares of handshake slots and INIT tokens
 * between sources, per pool (see handshake_budget.h for the policy).
 *
 * Sources sit in an open-addressed table probed over a short window, so
 * a lookup costs at most HSB_PROBE compares and never allocates.  A new
 * source takes a free entry, or the least recently seen one that tracks
 * no half-open association; when the window holds none, it shares its
 * pool's overflow entry (which, being shared, soon is the heaviest and is
 * evicted first).  The keyed hash keeps a spoofer from aiming at one
 * window.
 *
 * For the heaviest source in O(1), every source with half-open
 * associations sits in its pool's list for that count (counts above
 * HSB_LISTS - 1 share the last list); a source's half-open associations
 * form a FIFO, oldest first, of links taken while they are half-open:
 * only the association's link index is kept per slot, so an established
 * association holds 4 bytes here, not its FIFO links.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr_map.h"
#include "engine_impl.h"
#include "handshake_budget.h"

#define HSB_NONE	UINT32_MAX
#define HSB_PROBE	16u
#define HSB_LISTS	1024u
#define HSB_SCAN	8u
#define HSB_POOLS	(1 + ENGINE_MAX_FORWARDS)
#define MILLI		1000
/*
 * A handshake younger than RTO.Initial (RFC 9260 16: 1 second) may still
 * be waiting for an honest INIT ACK: it is not evicted.
 */
#define HSB_MIN_AGE	NSEC_PER_SEC

struct hsb_src {
	struct nat_addr key;	/* family 0: free */
	uint8_t pool;
	uint32_t half_open;
	uint32_t oldest, newest; /* links (struct hsb_link) */
	uint32_t cnext, cprev;		/* the pool's count list */
	int64_t tokens_milli;
	uint64_t refill_ns;
	uint64_t seen_ns;
};

struct hsb_pool {
	uint32_t cap;		/* half-open associations, 0 = no cap */
	uint32_t live;
	uint32_t rate, burst;	/* INITs per second, 0 = no limit */
	int64_t tokens_milli;
	uint64_t refill_ns;
	uint32_t top;		/* no list above is non-empty */
	uint32_t heads[HSB_LISTS];
};

/* A half-open association in its source's FIFO. */
struct hsb_link {
	uint32_t assoc; /* slot id */
	uint32_t src;
	uint32_t next, prev;
};

struct hs_budget {
	uint32_t mask;		/* table size - 1 */
	uint32_t n_assoc;
	uint32_t seed;
	uint32_t src_rate, src_burst;
	struct hsb_src *src;	/* mask + 1 entries, then one overflow
				 * entry per pool */
	uint32_t *of; /* per association: its link or HSB_NONE */
	/* One link per half-open association: freed ones chained through
	 * next, then those never used from link_fresh on (untouched, so
	 * memory follows the handshakes in progress). */
	struct hsb_link *links;
	uint32_t link_free, link_fresh;
	struct hsb_pool pools[HSB_POOLS];
	/* The entry hs_budget_admit found or took last, HSB_NONE for
	 * none: the new association's hs_budget_track looks there first
	 * (src_find). */
	uint32_t admitted;
};

/*
 * Refill a bucket.  Time is only consumed for whole thousandths of a
 * token, so at flood rates (calls microseconds apart) the remainder is
 * carried instead of rounded away.
 */
static void refill(int64_t *tokens, uint64_t *last, uint32_t rate,
		   uint32_t burst, uint64_t now)
{
	int64_t cap = (int64_t)(burst ? burst : 1) * MILLI;
	uint64_t dt, add;

	if (now <= *last)
		return;
	dt = now - *last;
	if (dt > 3600 * NSEC_PER_SEC) {
		*tokens = cap;
		*last = now;
		return;
	}
	add = dt * rate / (NSEC_PER_SEC / MILLI);
	if (!add)
		return;
	*tokens = *tokens + (int64_t)add > cap ? cap : *tokens + (int64_t)add;
	*last += add * (NSEC_PER_SEC / MILLI) / rate;
}

static void set_caps(struct hs_budget *b, const struct engine_config *c)
{
	b->src_rate = c->source_init_rate;
	b->src_burst = c->source_init_rate * 2;
	for (unsigned int p = 0; p < HSB_POOLS; p++) {
		struct hsb_pool *pl = &b->pools[p];

		pl->cap = p ? c->forward_handshakes : c->max_handshakes;
		pl->rate = c->init_rate;
		pl->burst = c->init_burst;
	}
}

int hs_budget_create(const struct engine_config *c, uint64_t seed,
		     struct hs_budget **out)
{
	uint32_t size = 64;
	struct hs_budget *b;

	/* Room for twice as many sources as associations: a window of
	 * HSB_PROBE entries is then rarely all busy. */
	while (size < c->max_assocs * 2u)
		size <<= 1;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->mask = size - 1;
	b->n_assoc = c->max_assocs;
	b->seed = (uint32_t)(seed >> 17) ^ 0x5bd1e995u;
	b->src = calloc(size + HSB_POOLS, sizeof(*b->src));
	b->of = malloc(c->max_assocs * sizeof(*b->of));
	b->links = malloc(c->max_assocs * sizeof(*b->links));
	b->link_free = HSB_NONE;
	if (!b->src || !b->of || !b->links) {
		hs_budget_destroy(b);
		return -ENOMEM;
	}
	memset(b->of, 0xff, c->max_assocs * sizeof(*b->of));
	/*
	 * An entry is free while its key's family is 0 (calloc's zero) and
	 * src_get sets the rest when it takes one: the table, twice the
	 * associations, stays untouched (not resident) but for the sources
	 * seen.  Only the overflow entries are in use from the start.
	 */
	for (uint32_t i = size; i < size + HSB_POOLS; i++)
		b->src[i].oldest = b->src[i].newest = HSB_NONE;
	b->admitted = HSB_NONE;
	for (unsigned int p = 0; p < HSB_POOLS; p++) {
		b->src[size + p].pool = (uint8_t)p;
		memset(b->pools[p].heads, 0xff, sizeof(b->pools[p].heads));
	}
	set_caps(b, c);
	for (unsigned int p = 0; p < HSB_POOLS; p++)
		b->pools[p].tokens_milli = (int64_t)b->pools[p].burst * MILLI;
	*out = b;
	return 0;
}

void hs_budget_destroy(struct hs_budget *b)
{
	if (!b)
		return;
	free(b->src);
	free(b->of);
	free(b->links);
	free(b);
}

void hs_budget_reconfigure(struct hs_budget *b,
			   const struct engine_config *c)
{
	set_caps(b, c);
}

/* Inside hosts by address (an IPv6 host by its /64: privacy addresses),
 * outside sources by /24 and /48, the prefixes one site holds. */
static void src_key(struct nat_addr *k, const struct nat_addr *a,
		    bool outside)
{
	/* Copies of constant sizes, a few stores each: the length of a
	 * memset computed from the family became a loop. */
	*k = (struct nat_addr){ .family = a->family };
	if (a->family == AF_INET) {
		memcpy(k->bytes, a->bytes, 3);
		if (!outside)
			k->bytes[3] = a->bytes[3];
	} else {
		memcpy(k->bytes, a->bytes, 6);
		if (!outside)
			memcpy(k->bytes + 6, a->bytes + 6, 2);
	}
}

static uint32_t overflow_of(const struct hs_budget *b, unsigned int pool)
{
	return b->mask + 1 + pool;
}

static uint32_t src_get(struct hs_budget *b, unsigned int pool,
			const struct nat_addr *key, uint64_t now)
{
	uint32_t h = nat_addr_hash(key, b->seed) ^ (pool * 0x9e3779b9u);
	uint32_t victim = HSB_NONE;
	uint64_t oldest = UINT64_MAX;
	struct hsb_src *s;

	for (uint32_t i = 0; i < HSB_PROBE; i++) {
		uint32_t j = (h + i) & b->mask;

		s = &b->src[j];
		if (s->key.family && s->pool == pool &&
		    nat_addr_eq(&s->key, key))
			return j;
		if (s->half_open)
			continue;
		if (!s->key.family) {
			if (oldest) {
				victim = j;
				oldest = 0;
			}
		} else if (s->seen_ns < oldest) {
			victim = j;
			oldest = s->seen_ns;
		}
	}
	if (victim == HSB_NONE)
		return overflow_of(b, pool);
	s = &b->src[victim];
	s->key = *key;
	s->pool = (uint8_t)pool;
	s->oldest = s->newest = HSB_NONE;
	/* A source not seen lately starts with its whole burst. */
	s->tokens_milli = (int64_t)b->src_burst * MILLI;
	s->refill_ns = s->seen_ns = now;
	return victim;
}

/*
 * src_get for a source that has its entry already, the common case in
 * hs_budget_track, and in hs_budget_admit for a source that sent the
 * INIT before too (a host opening many associations): the entry
 * hs_budget_admit left in b->admitted, if it holds this key.  A key is
 * in one entry at most, among those src_get probes for it (src_get only
 * takes one when it found none), so that is the entry src_get would
 * return, without hashing the key again.
 */
static inline uint32_t src_find(struct hs_budget *b, unsigned int pool,
				const struct nat_addr *key, uint64_t now)
{
	const struct hsb_src *s;

	if (b->admitted <= b->mask) {
		s = &b->src[b->admitted];
		if (s->key.family && s->pool == pool &&
		    nat_addr_eq(&s->key, key))
			return b->admitted;
	}
	return src_get(b, pool, key, now);
}

static uint32_t list_of(const struct hsb_src *s)
{
	return s->half_open < HSB_LISTS ? s->half_open : HSB_LISTS - 1;
}

static void list_del(struct hs_budget *b, uint32_t j)
{
	struct hsb_src *s = &b->src[j];
	struct hsb_pool *pl = &b->pools[s->pool];

	if (s->cprev == HSB_NONE)
		pl->heads[list_of(s)] = s->cnext;
	else
		b->src[s->cprev].cnext = s->cnext;
	if (s->cnext != HSB_NONE)
		b->src[s->cnext].cprev = s->cprev;
}

static void list_add(struct hs_budget *b, uint32_t j)
{
	struct hsb_src *s = &b->src[j];
	struct hsb_pool *pl = &b->pools[s->pool];
	uint32_t l = list_of(s);

	s->cprev = HSB_NONE;
	s->cnext = pl->heads[l];
	if (s->cnext != HSB_NONE)
		b->src[s->cnext].cprev = j;
	pl->heads[l] = j;
	if (l > pl->top)
		pl->top = l;
}

/* Source j's half-open count becomes n: out of its list, into n's. */
static void relist(struct hs_budget *b, uint32_t j, uint32_t n)
{
	if (b->src[j].half_open)
		list_del(b, j);
	b->src[j].half_open = n;
	if (n)
		list_add(b, j);
}

/*
 * Source j's half-open count becomes n, in the list of its new count.
 * One already at the head of the list it stays in (from HSB_LISTS - 1
 * on: one inside host's many handshakes) stays where it is: taking it
 * out and putting it back would leave the lists as they are.  (With n
 * nonzero, its list is not list 0, so the source is in a list now.)
 * Inlined: this is the case of every handshake of such a host.
 */
static inline __attribute__((always_inline)) void
set_half_open(struct hs_budget *b, uint32_t j, uint32_t n)
{
	struct hsb_src *s = &b->src[j];
	uint32_t l = n < HSB_LISTS ? n : HSB_LISTS - 1;

	if (n && s->cprev == HSB_NONE && l == list_of(s))
		s->half_open = n;
	else
		relist(b, j, n);
}

/* Source j's oldest half-open association, NULL for none. */
static struct assoc *oldest_of(const struct hs_budget *b,
			       const struct assoc_table *t, uint32_t j)
{
	uint32_t l = b->src[j].oldest;

	return l == HSB_NONE ? NULL : assoc_by_id(t, b->links[l].assoc);
}

/* A link from the free chain, else a fresh one: there is one per
 * association, so there is always one. */
static uint32_t link_take(struct hs_budget *b)
{
	uint32_t l = b->link_free;

	if (l != HSB_NONE)
		b->link_free = b->links[l].next;
	else
		l = b->link_fresh++;
	return l;
}

static void link_put(struct hs_budget *b, uint32_t l)
{
	b->links[l].next = b->link_free;
	b->link_free = l;
}

/*
 * The source to evict from for a source holding `mine`: the heaviest
 * one holding more, whose oldest half-open association is old enough
 * (among the first HSB_SCAN of a count list, the one whose oldest is
 * oldest).  Lists are walked from the top down, at most HSB_SCAN * 4
 * sources in all, so the cost per INIT stays bounded.
 */
static uint32_t heaviest(struct hs_budget *b, unsigned int pool,
			 const struct assoc_table *t, uint32_t mine,
			 uint64_t now)
{
	struct hsb_pool *pl = &b->pools[pool];
	unsigned int budget = HSB_SCAN * 4;

	while (pl->top && pl->heads[pl->top] == HSB_NONE)
		pl->top--;
	for (uint32_t l = pl->top; l > mine && l > 0 && budget; l--) {
		uint64_t best_at = UINT64_MAX;
		uint32_t best = HSB_NONE, j = pl->heads[l];

		for (unsigned int n = 0; j != HSB_NONE && n < HSB_SCAN &&
					 budget; n++, budget--) {
			const struct assoc *a = oldest_of(b, t, j);

			if (a && a->created < best_at &&
			    now - a->created >= HSB_MIN_AGE) {
				best_at = a->created;
				best = j;
			}
			j = b->src[j].cnext;
		}
		if (best != HSB_NONE)
			return best;
	}
	return HSB_NONE;
}

void hs_budget_track(struct engine *e, const struct assoc *a, uint64_t now)
{
	struct hs_budget *b = e->budget;
	struct nat_addr key;
	unsigned int pool = 0;
	struct hsb_src *s;
	struct hsb_link *k;
	uint32_t j, l, id = assoc_id(e->table, a);

	if (id >= b->n_assoc || b->of[id] != HSB_NONE)
		return;
	if (a->flags & ASSOC_F_INBOUND) {
		if (a->forward >= 0 && a->forward < ENGINE_MAX_FORWARDS)
			pool = 1u + (unsigned int)a->forward;
		memset(&key, 0, sizeof(key));
		if (a->n_peers)
			src_key(&key, &a->peers[0].addr, true);
	} else {
		src_key(&key, &a->locals[0].inside, false);
	}
	j = key.family ? src_find(b, pool, &key, now) : overflow_of(b, pool);
	s = &b->src[j];
	set_half_open(b, j, s->half_open + 1);
	l = link_take(b);
	k = &b->links[l];
	k->assoc = id;
	k->src = j;
	k->prev = s->newest;
	k->next = HSB_NONE;
	if (s->newest != HSB_NONE)
		b->links[s->newest].next = l;
	else
		s->oldest = l;
	s->newest = l;
	b->of[id] = l;
	b->pools[pool].live++;
}

void hs_budget_untrack(struct engine *e, const struct assoc *a)
{
	struct hs_budget *b = e->budget;
	uint32_t id = assoc_id(e->table, a), j, l;
	const struct hsb_link *k;
	struct hsb_src *s;

	if (id >= b->n_assoc || b->of[id] == HSB_NONE)
		return;
	l = b->of[id];
	k = &b->links[l];
	j = k->src;
	s = &b->src[j];
	if (k->prev != HSB_NONE)
		b->links[k->prev].next = k->next;
	else
		s->oldest = k->next;
	if (k->next != HSB_NONE)
		b->links[k->next].prev = k->prev;
	else
		s->newest = k->prev;
	link_put(b, l);
	set_half_open(b, j, s->half_open - 1);
	b->of[id] = HSB_NONE;
	b->pools[s->pool].live--;
}

uint32_t hs_budget_forward_live(const struct hs_budget *b, int f)
{
	if (f < 0 || f >= ENGINE_MAX_FORWARDS)
		return 0;
	return b->pools[1 + f].live;
}

/*
 * Make room in `pool` for source `me`: evict the oldest half-open
 * association of the heaviest source, if that source holds more than
 * `me`, so a flood only ever displaces itself.
 */
static bool evict(struct xlate_ctx *x, unsigned int pool, uint32_t me)
{
	struct engine *e = x->e;
	struct hs_budget *b = e->budget;
	uint32_t v = heaviest(b, pool, e->table, b->src[me].half_open,
			      x->now);
	struct assoc *a;

	if (v == HSB_NONE || v == me)
		return false;
	a = oldest_of(b, e->table, v);
	if (!a || !(a->flags & ASSOC_F_HANDSHAKE) || a == x->a)
		return false;
	e->stats.handshakes_evicted++;
	engine_release_assoc(e, a, ENGINE_EVR_EVICTED, x->now);
	return true;
}

/*
 * Half-open inbound associations toward `host`: charged to their
 * [forward] rules, so left out of the host's own count.
 */
static uint32_t inbound_half_open(const struct engine *e,
				  const struct nat_addr *host)
{
	const struct engine_config *c = &e->conf;
	uint32_t n = 0;

	for (int f = 0; f < c->n_forwards; f++)
		if (nat_addr_eq(&c->forwards[f].inside_addr, host))
			n += hs_budget_forward_live(e->budget, f);
	return n;
}

enum drop_reason hs_budget_admit(struct xlate_ctx *x,
				 const struct nat_addr *host)
{
	struct engine *e = x->e;
	const struct engine_config *c = &e->conf;
	struct hs_budget *b = e->budget;
	/* Without a share per source, every source counts as light. */
	bool light = !b->src_rate;
	struct hsb_pool *pl;
	struct hsb_src *s;
	struct nat_addr key;
	unsigned int pool = 0;
	uint32_t me;

	if (x->dir == ENGINE_INBOUND) {
		int f = addr_map_forward(c, &x->dst, x->sv.dport);

		if (f >= 0)
			pool = 1u + (unsigned int)f;
		src_key(&key, &x->src, true);
	} else {
		src_key(&key, host, false);
	}
	if (c->max_assocs_per_host) {
		uint32_t n = assoc_host_count(e->table, host);
		uint32_t half = inbound_half_open(e, host);

		n = n > half ? n - half : 0;
		if (n >= c->max_assocs_per_host)
			return DROP_HOST_LIMIT;
	}

	/* Rate: the source's own share first, then the pool's bucket. */
	me = src_find(b, pool, &key, x->now);
	b->admitted = me;
	s = &b->src[me];
	pl = &b->pools[pool];
	s->seen_ns = x->now;
	if (b->src_rate) {
		refill(&s->tokens_milli, &s->refill_ns, b->src_rate,
		       b->src_burst, x->now);
		if (s->tokens_milli < MILLI)
			return DROP_INIT_SOURCE_RATE;
		/* The shared overflow entry is never light. */
		light = me <= b->mask &&
			s->tokens_milli * 2 >= (int64_t)b->src_burst * MILLI;
		/*
		 * Every attempt spends the source's own share, admitted or
		 * not: a source refused for want of slots is still
		 * flooding, and must not stay light.
		 */
		s->tokens_milli -= MILLI;
	}
	if (pl->rate) {
		/* The lower half of the burst is kept for light sources. */
		int64_t floor = light ? 0 : (int64_t)(pl->burst / 2) * MILLI;

		refill(&pl->tokens_milli, &pl->refill_ns, pl->rate, pl->burst,
		       x->now);
		if (pl->tokens_milli - MILLI < floor)
			return DROP_INIT_RATE;
	}

	/*
	 * Slots: a light source makes room from the heaviest one, or is
	 * refused.  A heavy one is refused: were it to evict, a flood would
	 * churn the slots faster than they can age, and a quiet host would
	 * find none old enough to take.
	 */
	if (assoc_table_live(e->table) >= assoc_table_capacity(e->table) &&
	    !(light && evict(x, pool, me)))
		return DROP_TABLE_FULL;
	if (pl->cap && pl->live >= pl->cap && !(light && evict(x, pool, me)))
		return DROP_HANDSHAKE_LIMIT;

	if (pl->rate)
		pl->tokens_milli -= MILLI;
	return DROP_NONE;
}
