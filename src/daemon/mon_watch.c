/*
 * mon_watch.c: address changes of live associations by comparing passes.
 * See mon_watch.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mon_watch.h"

struct mon_ent {
	uint32_t id;
	uint8_t used, state, n_peers, n_inside;
	uint64_t peers, inside;	/* set fingerprints */
	uint32_t tag;		/* another tag: another association */
	uint32_t drops[ENGINE_ADC__COUNT];
};

struct mon_watch {
	uint32_t size;		/* entries per table, a power of two */
	struct mon_ent *prev, *cur;
	mon_watch_drops_fn *drops_fn;
	bool primed;		/* prev holds a whole pass */
};

void mon_watch_on_drops(struct mon_watch *w, mon_watch_drops_fn *fn)
{
	w->drops_fn = fn;
}

int mon_watch_create(uint32_t capacity, struct mon_watch **out)
{
	struct mon_watch *w = calloc(1, sizeof(*w));
	uint32_t size = 16;

	if (!w)
		return -ENOMEM;
	while (size < 2 * (uint64_t)capacity && size < (1u << 30))
		size <<= 1;
	w->size = size;
	*out = w;
	return 0;
}

void mon_watch_reset(struct mon_watch *w)
{
	free(w->prev);
	free(w->cur);
	w->prev = w->cur = NULL;
	w->primed = false;
}

bool mon_watch_primed(const struct mon_watch *w)
{
	return w->primed;
}

void mon_watch_destroy(struct mon_watch *w)
{
	if (!w)
		return;
	mon_watch_reset(w);
	free(w);
}

/* splitmix64: addresses spread over the fingerprint's bits. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t addr_hash(const struct nat_addr *a)
{
	uint64_t h = a->family, x;

	memcpy(&x, a->bytes, 8);
	h = mix(h ^ x);
	memcpy(&x, a->bytes + 8, 8);
	return mix(h ^ x);
}

/* The sets as the view has them: a sum is independent of order; inside
 * addresses repeat (one per public address) and count once. */
static void fingerprint(const struct engine_assoc_view *v, struct mon_ent *e)
{
	unsigned int np = v->n_paths, nl = v->n_locals, i, j;

	if (np > ENGINE_ADDRS_MAX)
		np = ENGINE_ADDRS_MAX;
	if (nl > ENGINE_ADDRS_MAX * 2)
		nl = ENGINE_ADDRS_MAX * 2;
	e->peers = e->inside = 0;
	e->n_peers = (uint8_t)np;
	e->n_inside = 0;
	for (i = 0; i < np; i++)
		e->peers += addr_hash(&v->paths[i].peer);
	for (i = 0; i < nl; i++) {
		for (j = 0; j < i; j++)
			if (nat_addr_eq(&v->locals[j].inside,
					&v->locals[i].inside))
				break;
		if (j < i)
			continue;
		e->inside += addr_hash(&v->locals[i].inside);
		e->n_inside++;
	}
}

static struct mon_ent *slot(struct mon_ent *t, uint32_t size, uint32_t id,
			    bool insert)
{
	uint32_t i = (uint32_t)mix(id) & (size - 1), n;

	for (n = 0; n < size; n++, i = (i + 1) & (size - 1)) {
		if (t[i].used && t[i].id == id)
			return &t[i];
		if (!t[i].used)
			return insert ? &t[i] : NULL;
	}
	return NULL;
}

int mon_watch_begin(struct mon_watch *w)
{
	if (!w->prev)
		w->prev = calloc(w->size, sizeof(*w->prev));
	if (!w->cur)
		w->cur = calloc(w->size, sizeof(*w->cur));
	if (!w->prev || !w->cur) {
		mon_watch_reset(w);
		return -ENOMEM;
	}
	memset(w->cur, 0, w->size * sizeof(*w->cur));
	return 0;
}

void mon_watch_see(struct mon_watch *w, const struct engine_assoc_view *v,
		   mon_watch_fn *fn, void *arg)
{
	struct mon_ent now = { .id = v->id, .used = 1, .state = v->state,
			       .tag = v->tag_inside };
	const struct mon_ent *was;
	struct mon_ent *e;

	if (!w->cur)
		return;
	fingerprint(v, &now);
	memcpy(now.drops, v->drops, sizeof(now.drops));
	was = slot(w->prev, w->size, v->id, false);
	/*
	 * Drops since the pass before; an association that pass did not
	 * have (or had with another tag: another association) is new since
	 * then, and all of its drops are.  The very first pass only sets
	 * the reference.
	 */
	if (w->drops_fn && (w->primed || was)) {
		uint32_t delta[ENGINE_ADC__COUNT];
		bool grew = false;
		bool same = was && was->tag == now.tag;

		/* Saturating counters: one that stopped grows no more. */
		for (int c = 0; c < ENGINE_ADC__COUNT; c++) {
			uint32_t before = same ? was->drops[c] : 0;

			delta[c] = now.drops[c] > before ?
					   now.drops[c] - before : 0;
			grew |= delta[c] != 0;
		}
		if (grew)
			w->drops_fn(arg, v, delta);
	}
	if (was && was->tag == now.tag && was->state == ASSOC_ESTABLISHED &&
	    now.state == ASSOC_ESTABLISHED &&
	    (was->peers != now.peers || was->n_peers != now.n_peers ||
	     was->inside != now.inside || was->n_inside != now.n_inside))
		fn(arg, v, was->n_peers, was->n_inside);
	e = slot(w->cur, w->size, v->id, true);
	if (e)
		*e = now;
}

void mon_watch_end(struct mon_watch *w)
{
	struct mon_ent *t = w->prev;

	w->prev = w->cur;
	w->cur = t;
	w->primed = true;
}
