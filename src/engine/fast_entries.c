/*
 * fast_entries.c: the engine's side of the XDP fast path (engine_fast.h,
 * README "Fast path").  The entries are the engine's own translation
 * (xlate.c) written out in advance for the packets that change nothing:
 * the same choice of public address per inside address and peer path
 * (xlate_pick_public), the same inside address per public address
 * (xlate_inbound_local), the same ports.  Only live tags get entries; a
 * packet with any other tag, or from an address not yet in the
 * association, finds none and comes to the engine.
 */
#include <string.h>

#include "engine_impl.h"

void engine_fast_enable(struct engine *e, bool on)
{
	e->fast_on = on;
	e->fast_all = on;
	e->fast_n = 0;
}

void engine_fast_mark(struct engine *e, struct assoc *a)
{
	if (!e->fast_on || e->fast_all || (a->flags & ASSOC_F_FAST_DIRTY))
		return;
	if (e->fast_n >= ENGINE_FAST_QUEUE) {
		e->fast_all = true;
		return;
	}
	a->flags |= ASSOC_F_FAST_DIRTY;
	e->fast_ids[e->fast_n++] = assoc_id(e->table, a);
}

unsigned int engine_fast_changed(struct engine *e, uint32_t *ids,
				 unsigned int max, bool *all)
{
	unsigned int n = 0;

	*all = e->fast_all;
	e->fast_all = false;
	while (e->fast_n && n < max) {
		uint32_t id = e->fast_ids[--e->fast_n];
		struct assoc *a = assoc_by_id(e->table, id);

		if (a)
			a->flags &= (uint8_t)~ASSOC_F_FAST_DIRTY;
		ids[n++] = id;
	}
	if (*all) {
		/* Everything is looked at again: the queue says nothing. */
		struct assoc *a = NULL;

		while ((a = assoc_table_next(e->table, a)))
			a->flags &= (uint8_t)~ASSOC_F_FAST_DIRTY;
		e->fast_n = 0;
	}
	return n;
}

/* FNV-1a over what the entries are made of. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

uint64_t engine_fast_print(const struct engine *e, const struct assoc *a)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv(h, &a->state, sizeof(a->state));
	h = fnv(h, &a->tag_inside, sizeof(a->tag_inside));
	h = fnv(h, &a->tag_peer, sizeof(a->tag_peer));
	for (int i = 0; i < a->n_locals; i++) {
		/* What the index names: a freed one may name another. */
		const struct pub_entry *pe =
			pub_table_get(&e->pubs, assoc_local_pub(&a->locals[i]));
		int8_t u = (int8_t)a->locals[i].uplink;

		h = fnv(h, &a->locals[i].inside, sizeof(a->locals[i].inside));
		h = fnv(h, &pe->addr, sizeof(pe->addr));
		h = fnv(h, &u, 1);
	}
	for (int i = 0; i < a->n_peers; i++) {
		h = fnv(h, &a->peers[i].addr, sizeof(a->peers[i].addr));
		h = fnv(h, &a->peers[i].uplink, 1);
	}
	return fnv(h, &a->n_peers, 1);
}

static bool qualifies(const struct engine *e, const struct assoc *a)
{
	const struct engine_config *c = &e->conf;

	/* PPID rules need every DATA chunk looked at (ppid_filter.c). */
	if (c->n_ppid_rules || c->ppid_default_deny)
		return false;
	return a->state == ASSOC_ESTABLISHED && a->tag_inside && a->tag_peer &&
	       a->n_locals && a->n_peers;
}

unsigned int engine_fast_max_entries(const struct engine *e)
{
	/* Each local gives at most one key per direction and path. */
	return 2u * assoc_table_max_locals(e->table) *
	       assoc_table_max_peers(e->table);
}

static bool seen_before(const struct engine *e, const struct assoc *a, int i,
			bool inside)
{
	for (int j = 0; j < i; j++)
		if (nat_addr_eq(inside ? &a->locals[j].inside :
					 local_public(e, &a->locals[j]),
				inside ? &a->locals[i].inside :
					 local_public(e, &a->locals[i])))
			return true;
	return false;
}

unsigned int engine_fast_entries(const struct engine *e, uint32_t id,
				 struct engine_fast_entry *out,
				 unsigned int max)
{
	const struct assoc *a = assoc_by_id(e->table, id);
	unsigned int n = 0;

	if (!a || !qualifies(e, a))
		return 0;
	for (int p = 0; p < a->n_peers; p++) {
		const struct nat_addr *peer = &a->peers[p].addr;

		for (int i = 0; i < a->n_locals && n < max; i++) {
			const struct assoc_local *l = &a->locals[i];
			const struct nat_addr *pub = local_public(e, l);
			struct engine_fast_entry *o;
			int li;

			/* Outbound, from each inside address. */
			if (l->inside.family == peer->family &&
			    !seen_before(e, a, i, true) &&
			    (li = xlate_pick_public(e, a, &l->inside, p)) >=
				    0) {
				o = &out[n++];
				memset(o, 0, sizeof(*o));
				o->assoc_id = assoc_id(e->table, a);
				o->peer_idx = (uint8_t)p;
				o->dir = ENGINE_OUTBOUND;
				o->uplink = a->locals[li].uplink;
				o->max_chunks = e->conf.max_chunks;
				o->sport = a->port_inside;
				o->dport = a->port_peer;
				o->vtag = a->tag_peer;
				o->src = l->inside;
				o->dst = *peer;
				o->new_src = *local_public(e, &a->locals[li]);
				o->new_dst = *peer;
				o->new_sport = a->port_public;
				o->new_dport = a->port_peer;
			}
			/* Inbound, to each public address. */
			if (n < max && pub->family == peer->family &&
			    !seen_before(e, a, i, false) &&
			    (li = xlate_inbound_local(e, a, pub)) >= 0) {
				o = &out[n++];
				memset(o, 0, sizeof(*o));
				o->assoc_id = assoc_id(e->table, a);
				o->peer_idx = (uint8_t)p;
				o->dir = ENGINE_INBOUND;
				o->uplink = -1;
				o->max_chunks = e->conf.max_chunks;
				o->sport = a->port_peer;
				o->dport = a->port_public;
				o->vtag = a->tag_inside;
				o->src = *peer;
				o->dst = *pub;
				o->new_src = *peer;
				o->new_dst = a->locals[li].inside;
				o->new_sport = a->port_peer;
				o->new_dport = a->port_inside;
			}
		}
	}
	return n;
}

void engine_fast_fold(struct engine *e, uint32_t id, unsigned int peer_idx,
		      const struct engine_fast_fold *f)
{
	struct assoc *a = assoc_by_id(e->table, id);
	struct assoc_peer *p;

	if (!a || peer_idx >= a->n_peers)
		return;
	p = &a->peers[peer_idx];
	p->pkts_out += f->pkts_out;
	p->bytes_out += f->bytes_out;
	p->pkts_in += f->pkts_in;
	p->bytes_in += f->bytes_in;
	e->fast_folded += f->pkts_out + f->pkts_in;
	if (f->last_seen_ns > a->last_seen)
		a->last_seen = f->last_seen_ns;
	/* assoc_state.c: DATA and HEARTBEAT refresh the established
	 * timeout, from the time they passed. */
	if (a->state == ASSOC_ESTABLISHED && f->last_refresh_ns) {
		uint64_t exp = f->last_refresh_ns +
			       engine_timeout_ns(e, ASSOC_ESTABLISHED);

		if (exp > a->expires)
			assoc_set_expiry(e->table, a, exp);
	}
}

void engine_fast_set_sync(struct engine *e, engine_fast_sync_fn *fn, void *arg)
{
	e->fast_sync = fn;
	e->fast_sync_arg = arg;
}

void engine_fast_sync(struct engine *e, struct assoc *a)
{
	if (e->fast_sync)
		e->fast_sync(e->fast_sync_arg, e, assoc_id(e->table, a));
}

/*
 * Before an established association expires (its deadline has passed and
 * the wheel took it, a->expires now 0): fold, and true if that gave it a
 * deadline in the future.
 */
bool engine_fast_sync_expiry(struct engine *e, struct assoc *a)
{
	if (!e->fast_sync || a->state != ASSOC_ESTABLISHED)
		return false;
	e->fast_sync(e->fast_sync_arg, e, assoc_id(e->table, a));
	return a->expires > e->last_now;
}

uint64_t engine_fast_folded_pkts(const struct engine *e)
{
	return e->fast_folded;
}
