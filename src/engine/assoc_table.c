/*
 * assoc_table.c: association storage, the lookup hash and the timer wheel.
 * See assoc_table.h for the design.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assoc_table.h"
#include "class_pool.h"
#include "huge_hint.h"
#include "time_ns.h"

/* Wheel of one-second slots: 1024 s covers every default timeout. */
#define WHEEL_SLOTS	1024u
#define WHEEL_TICK_NS	NSEC_PER_SEC

/* A chain node is an association id and the key it is linked by. */
#define NODE(id, k)	((id) * ASSOC_KEY__COUNT + (uint32_t)(k))
#define NODE_ID(n)	((n) / ASSOC_KEY__COUNT)
#define NODE_KEY(n)	((n) % ASSOC_KEY__COUNT)

struct host_entry {
	struct nat_addr addr;
	uint32_t count;
	uint32_t next;		/* chain, or free list */
};

struct assoc_table {
	uint32_t capacity, live;
	uint8_t max_locals, max_peers;
	uint32_t seed;
	struct assoc *slots;
	/* Address lists sized to what each association uses (class_pool.h). */
	struct class_pool local_pool, peer_pool;
	/* Handshake candidates, a block per association that has some. */
	struct class_pool cand_pool;
	uint32_t free_head;	/* free list through wnext */

	uint32_t bucket_mask;
	uint32_t *buckets;

	uint32_t wheel[WHEEL_SLOTS];
	uint64_t wheel_now;	/* last second processed */
	bool wheel_started;

	uint32_t host_mask;
	uint32_t *host_buckets;
	struct host_entry *hosts;
	uint32_t host_free;	/* freed entries, then fresh ones untouched */
	uint32_t host_fresh;
};

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/*
 * What a->cands points at while the association has no candidates:
 * nothing in it is live, and a candidate is made only in a block of its
 * own (assoc_cands_take), so nobody writes here.  It is const, in
 * read-only memory: a write would fault at once rather than leak one
 * association's candidate into every other.
 */
static const struct assoc_cand cands_none[ASSOC_CANDS];
#define CANDS_NONE	((struct assoc_cand *)(uintptr_t)cands_none)

/* ASSOC_CANDS candidates, then their peer lists, 8-byte aligned. */
static size_t cands_block_size(uint8_t max_peers)
{
	size_t n = ASSOC_CANDS * sizeof(struct assoc_cand) +
		   (size_t)ASSOC_CANDS * max_peers * sizeof(struct nat_addr);

	return (n + 7) & ~(size_t)7;
}

int assoc_table_create(uint32_t capacity, uint8_t max_locals,
		       uint8_t max_peers, uint64_t seed,
		       struct assoc_table **out)
{
	struct assoc_table *t;
	uint32_t i, nbuckets;

	if (capacity == 0 || capacity > (1u << 24) || max_locals == 0 ||
	    max_peers == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->capacity = capacity;
	t->max_locals = max_locals;
	t->max_peers = max_peers;
	t->seed = (uint32_t)(seed ^ (seed >> 32));
	/* About two keys per association are linked at any time. */
	nbuckets = pow2_at_least(capacity * 2);
	t->bucket_mask = nbuckets - 1;
	t->host_mask = pow2_at_least(capacity) - 1;

	t->slots = calloc(capacity, sizeof(*t->slots));
	t->buckets = malloc(nbuckets * sizeof(*t->buckets));
	t->host_buckets = malloc((t->host_mask + 1) *
				 sizeof(*t->host_buckets));
	t->hosts = calloc(capacity, sizeof(*t->hosts));
	if (class_pool_init(&t->local_pool, sizeof(struct assoc_local),
			    max_locals, capacity) ||
	    class_pool_init(&t->peer_pool, sizeof(struct assoc_peer),
			    max_peers, capacity) ||
	    class_pool_init(&t->cand_pool, cands_block_size(max_peers), 1,
			    capacity))
		goto fail;
	if (!t->slots || !t->buckets || !t->host_buckets || !t->hosts)
		goto fail;

	huge_hint(t->slots, (size_t)capacity * sizeof(*t->slots));
	huge_hint(t->buckets, nbuckets * sizeof(*t->buckets));
	memset(t->buckets, 0xff, nbuckets * sizeof(*t->buckets));
	memset(t->host_buckets, 0xff,
	       (t->host_mask + 1) * sizeof(*t->host_buckets));
	for (i = 0; i < WHEEL_SLOTS; i++)
		t->wheel[i] = ASSOC_NONE;
	for (i = 0; i < capacity; i++) {
		struct assoc *a = &t->slots[i];

		a->id = i;
		a->cands = CANDS_NONE;
		a->wnext = i + 1 < capacity ? i + 1 : ASSOC_NONE;
	}
	t->free_head = 0;
	t->host_free = ASSOC_NONE;
	*out = t;
	return 0;
fail:
	assoc_table_destroy(t);
	return -ENOMEM;
}

void assoc_table_destroy(struct assoc_table *t)
{
	if (!t)
		return;
	free(t->slots);
	class_pool_fini(&t->local_pool);
	class_pool_fini(&t->peer_pool);
	class_pool_fini(&t->cand_pool);
	free(t->buckets);
	free(t->host_buckets);
	free(t->hosts);
	free(t);
}

uint32_t assoc_table_capacity(const struct assoc_table *t)
{
	return t->capacity;
}

uint32_t assoc_table_live(const struct assoc_table *t)
{
	return t->live;
}

uint8_t assoc_table_max_locals(const struct assoc_table *t)
{
	return t->max_locals;
}

uint8_t assoc_table_max_peers(const struct assoc_table *t)
{
	return t->max_peers;
}

struct assoc *assoc_by_id(const struct assoc_table *t, uint32_t id)
{
	if (id >= t->capacity || !t->slots[id].in_use)
		return NULL;
	return &t->slots[id];
}

/* ---- hashing ---- */

static inline uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static inline uint32_t key_hash(const struct assoc_table *t,
				enum assoc_key k, uint16_t pa, uint16_t pb,
				uint32_t tag)
{
	uint32_t h = t->seed ^ ((uint32_t)k << 29);

	h = mix32(h ^ ((uint32_t)pa << 16 | pb));
	return mix32(h ^ tag) & t->bucket_mask;
}

/* The key fields of association a for key k. */
static void key_of(const struct assoc *a, enum assoc_key k, uint16_t *pa,
		   uint16_t *pb, uint32_t *tag)
{
	*pb = a->port_peer;
	switch (k) {
	case ASSOC_KEY_IN_TAG:
		*pa = a->port_public;
		*tag = a->tag_inside;
		break;
	case ASSOC_KEY_OUT_TAG:
		*pa = a->port_inside;
		*tag = a->tag_peer;
		break;
	case ASSOC_KEY_IN_PREV:
		*pa = a->port_public;
		*tag = a->prev_tag_inside;
		break;
	case ASSOC_KEY_OUT_PREV:
		*pa = a->port_inside;
		*tag = a->prev_tag_peer;
		break;
	case ASSOC_KEY_IN_PORTS:
		*pa = a->port_public;
		*tag = 0;
		break;
	case ASSOC_KEY_OUT_PORTS:
	default:
		*pa = a->port_inside;
		*tag = 0;
		break;
	}
}

void assoc_link(struct assoc_table *t, struct assoc *a, enum assoc_key k)
{
	uint16_t pa, pb;
	uint32_t tag, b;

	if (a->linked & (1u << k))
		return;
	key_of(a, k, &pa, &pb, &tag);
	b = key_hash(t, k, pa, pb, tag);
	a->hnext[k] = t->buckets[b];
	t->buckets[b] = NODE(a->id, k);
	a->linked |= (uint8_t)(1u << k);
}

void assoc_unlink(struct assoc_table *t, struct assoc *a, enum assoc_key k)
{
	uint16_t pa, pb;
	uint32_t tag, b, *pp, node = NODE(a->id, k);

	if (!(a->linked & (1u << k)))
		return;
	key_of(a, k, &pa, &pb, &tag);
	b = key_hash(t, k, pa, pb, tag);
	for (pp = &t->buckets[b]; *pp != ASSOC_NONE;
	     pp = &t->slots[NODE_ID(*pp)].hnext[NODE_KEY(*pp)]) {
		if (*pp == node) {
			*pp = a->hnext[k];
			break;
		}
	}
	a->linked &= (uint8_t)~(1u << k);
}

void assoc_link_all(struct assoc_table *t, struct assoc *a)
{
	if (a->tag_inside)
		assoc_link(t, a, ASSOC_KEY_IN_TAG);
	if (a->tag_peer)
		assoc_link(t, a, ASSOC_KEY_OUT_TAG);
	if (a->prev_tag_inside)
		assoc_link(t, a, ASSOC_KEY_IN_PREV);
	if (a->prev_tag_peer)
		assoc_link(t, a, ASSOC_KEY_OUT_PREV);
	assoc_link(t, a, ASSOC_KEY_IN_PORTS);
	assoc_link(t, a, ASSOC_KEY_OUT_PORTS);
}

void assoc_unlink_all(struct assoc_table *t, struct assoc *a)
{
	int k;

	for (k = 0; k < ASSOC_KEY__COUNT; k++)
		assoc_unlink(t, a, (enum assoc_key)k);
}

struct assoc *assoc_lookup_tag(const struct assoc_table *t,
			       enum assoc_key k, uint16_t port_a,
			       uint16_t port_b, uint32_t tag)
{
	uint32_t n = t->buckets[key_hash(t, k, port_a, port_b, tag)];

	while (n != ASSOC_NONE) {
		struct assoc *a = &t->slots[NODE_ID(n)];
		uint16_t pa, pb;
		uint32_t at;

		if (NODE_KEY(n) == (uint32_t)k) {
			key_of(a, k, &pa, &pb, &at);
			if (pa == port_a && pb == port_b && at == tag)
				return a;
		}
		n = a->hnext[NODE_KEY(n)];
	}
	return NULL;
}

struct assoc *
assoc_lookup_tag_match(const struct assoc_table *t, enum assoc_key k,
		       uint16_t port_a, uint16_t port_b, uint32_t tag,
		       bool (*match)(const struct assoc *, void *), void *arg)
{
	uint32_t n = t->buckets[key_hash(t, k, port_a, port_b, tag)];

	while (n != ASSOC_NONE) {
		struct assoc *a = &t->slots[NODE_ID(n)];
		uint16_t pa, pb;
		uint32_t at;

		if (NODE_KEY(n) == (uint32_t)k) {
			key_of(a, k, &pa, &pb, &at);
			if (pa == port_a && pb == port_b && at == tag &&
			    match(a, arg))
				return a;
		}
		n = a->hnext[NODE_KEY(n)];
	}
	return NULL;
}

struct assoc *assoc_lookup_ports(const struct assoc_table *t,
				 enum assoc_key k, uint16_t port_a,
				 uint16_t port_b,
				 bool (*match)(const struct assoc *, void *),
				 void *arg)
{
	uint32_t n = t->buckets[key_hash(t, k, port_a, port_b, 0)];

	while (n != ASSOC_NONE) {
		struct assoc *a = &t->slots[NODE_ID(n)];
		uint16_t pa, pb;
		uint32_t at;

		if (NODE_KEY(n) == (uint32_t)k) {
			key_of(a, k, &pa, &pb, &at);
			if (pa == port_a && pb == port_b &&
			    (!match || match(a, arg)))
				return a;
		}
		n = a->hnext[NODE_KEY(n)];
	}
	return NULL;
}

/* ---- address lists ---- */

int assoc_find_peer(const struct assoc *a, const struct nat_addr *addr)
{
	for (int i = 0; i < a->n_peers; i++)
		if (nat_addr_eq(&a->peers[i].addr, addr))
			return i;
	return -1;
}

int assoc_find_local_inside(const struct assoc *a,
			    const struct nat_addr *inside)
{
	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&a->locals[i].inside, inside))
			return i;
	return -1;
}

int assoc_find_local_public(const struct assoc *a,
			    const struct nat_addr *public_)
{
	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&a->locals[i].public_, public_))
			return i;
	return -1;
}

bool assoc_shares_transport(const struct assoc *o, const struct assoc *a,
			    const struct nat_addr *peer)
{
	if (o == a || assoc_find_peer(o, peer) < 0)
		return false;
	for (int i = 0; i < a->n_locals; i++)
		if (assoc_find_local_public(o, &a->locals[i].public_) >= 0)
			return true;
	return false;
}

/* ---- timer wheel ---- */

static inline uint32_t wheel_slot(uint64_t ns)
{
	return (uint32_t)((ns / WHEEL_TICK_NS) % WHEEL_SLOTS);
}

static void wheel_remove(struct assoc_table *t, struct assoc *a)
{
	if (a->wprev != ASSOC_NONE)
		t->slots[a->wprev].wnext = a->wnext;
	else if (t->wheel[wheel_slot(a->filed)] == a->id)
		t->wheel[wheel_slot(a->filed)] = a->wnext;
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
	a->filed = deadline;
	a->wprev = ASSOC_NONE;
	a->wnext = t->wheel[s];
	if (a->wnext != ASSOC_NONE)
		t->slots[a->wnext].wprev = a->id;
	t->wheel[s] = a->id;
}

void assoc_set_expiry(struct assoc_table *t, struct assoc *a,
		      uint64_t expires_ns)
{
	uint64_t old = a->expires;

	a->expires = expires_ns;
	/* Later deadline: lazy, the wheel refiles it when it gets there. */
	if (old && expires_ns / WHEEL_TICK_NS >= a->filed / WHEEL_TICK_NS)
		return;
	if (old)
		wheel_remove(t, a);
	wheel_insert(t, a, expires_ns);
}

unsigned int assoc_table_expire(struct assoc_table *t, uint64_t now_ns,
				void (*expire)(struct assoc *, void *),
				void *arg)
{
	uint64_t now_s = now_ns / WHEEL_TICK_NS, steps;
	unsigned int n = 0;

	if (!t->wheel_started || now_s <= t->wheel_now)
		return 0;	/* same second, or a clock that went back */
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

/* ---- allocation ---- */

bool assoc_cands_take(struct assoc_table *t, struct assoc *a)
{
	struct assoc_cand *c;
	struct nat_addr *peers;

	if (a->cands != CANDS_NONE)
		return true;
	c = class_pool_get(&t->cand_pool, 0);
	if (!c)
		return false;	/* never: one block per slot */
	peers = (struct nat_addr *)(c + ASSOC_CANDS);
	for (int i = 0; i < ASSOC_CANDS; i++)
		c[i].peers = &peers[(size_t)i * t->max_peers];
	a->cands = c;
	return true;
}

void assoc_cands_drop(struct assoc_table *t, struct assoc *a)
{
	if (!a->cands || a->cands == CANDS_NONE)
		return;
	class_pool_put(&t->cand_pool, 0, a->cands);
	a->cands = CANDS_NONE;
}

/*
 * A slot keeps its lists' blocks while free (a late reader of a freed
 * association sees its old addresses, not a pool's free chain); they go
 * back, or are cleared for reuse, when the slot is taken again.
 */
static void *fresh_list(struct class_pool *pool, void *block, uint8_t cls,
			size_t entry_size)
{
	if (block && cls == 0) {
		memset(block, 0, entry_size);
		return block;
	}
	if (block)
		class_pool_put(pool, cls, block);
	return class_pool_get(pool, 0);
}

struct assoc *assoc_alloc(struct assoc_table *t, uint64_t now_ns)
{
	struct assoc *a;
	struct assoc_local *locals;
	struct assoc_peer *peers;
	uint32_t id = t->free_head;

	if (id == ASSOC_NONE)
		return NULL;
	a = &t->slots[id];
	locals = fresh_list(&t->local_pool, a->locals, a->locals_class,
			    sizeof(*locals));
	peers = fresh_list(&t->peer_pool, a->peers, a->peers_class,
			   sizeof(*peers));
	if (!locals || !peers)
		return NULL;	/* never: one block per slot and pool */
	t->free_head = a->wnext;
	assoc_cands_drop(t, a);
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->locals = locals;
	a->peers = peers;
	a->cands = CANDS_NONE;
	a->forward = -1;
	a->wnext = a->wprev = ASSOC_NONE;
	for (int k = 0; k < ASSOC_KEY__COUNT; k++)
		a->hnext[k] = ASSOC_NONE;
	a->created = a->last_seen = now_ns;
	a->in_use = true;
	/* The wheel's clock starts with the first association it files. */
	if (!t->wheel_started) {
		t->wheel_now = now_ns / WHEEL_TICK_NS;
		t->wheel_started = true;
	}
	t->live++;
	return a;
}

void assoc_free(struct assoc_table *t, struct assoc *a)
{
	if (!a->in_use)
		return;
	assoc_unlink_all(t, a);
	if (a->expires)
		wheel_remove(t, a);
	a->expires = 0;
	a->in_use = false;
	a->wnext = t->free_head;
	t->free_head = a->id;
	t->live--;
}

/* Moves a list to a block of class cls (larger than its own). */
static void *grow_list(struct class_pool *pool, void *block, uint8_t *cls,
		       unsigned int used, size_t entry_size, unsigned int n)
{
	int want = class_pool_class_for(pool, n);
	void *b;

	if (want < 0)
		return NULL;
	if (want <= *cls)
		return block;
	b = class_pool_get(pool, (unsigned int)want);
	if (!b)
		return NULL;
	memcpy(b, block, used * entry_size);
	class_pool_put(pool, *cls, block);
	*cls = (uint8_t)want;
	return b;
}

bool assoc_room_locals(struct assoc_table *t, struct assoc *a,
		       unsigned int n)
{
	struct assoc_local *l;

	if (n > t->max_locals)
		return false;
	l = grow_list(&t->local_pool, a->locals, &a->locals_class,
		      a->n_locals, sizeof(*l), n);
	if (!l)
		return false;
	a->locals = l;
	return true;
}

bool assoc_room_peers(struct assoc_table *t, struct assoc *a, unsigned int n)
{
	struct assoc_peer *p;

	if (n > t->max_peers)
		return false;
	p = grow_list(&t->peer_pool, a->peers, &a->peers_class, a->n_peers,
		      sizeof(*p), n);
	if (!p)
		return false;
	a->peers = p;
	return true;
}

struct assoc *assoc_table_next(const struct assoc_table *t,
			       const struct assoc *prev)
{
	uint32_t i = prev ? prev->id + 1 : 0;

	for (; i < t->capacity; i++)
		if (t->slots[i].in_use)
			return &t->slots[i];
	return NULL;
}

/* ---- per-host counts ---- */

static uint32_t *host_slot(const struct assoc_table *t,
			   const struct nat_addr *host)
{
	uint32_t b = nat_addr_hash(host, t->seed) & t->host_mask;
	uint32_t *pp = &t->host_buckets[b];

	while (*pp != ASSOC_NONE && !nat_addr_eq(&t->hosts[*pp].addr, host))
		pp = &t->hosts[*pp].next;
	return pp;
}

uint32_t assoc_host_count(const struct assoc_table *t,
			  const struct nat_addr *host)
{
	uint32_t i = *host_slot(t, host);

	return i == ASSOC_NONE ? 0 : t->hosts[i].count;
}

uint32_t assoc_host_add(struct assoc_table *t, const struct nat_addr *host)
{
	uint32_t *pp = host_slot(t, host), i = *pp;

	if (i == ASSOC_NONE) {
		i = t->host_free;
		if (i != ASSOC_NONE)
			t->host_free = t->hosts[i].next;
		else if (t->host_fresh < t->capacity)
			i = t->host_fresh++;
		else
			return 0;
		t->hosts[i].addr = *host;
		t->hosts[i].count = 0;
		t->hosts[i].next = ASSOC_NONE;
		*pp = i;
	}
	return ++t->hosts[i].count;
}

void assoc_host_del(struct assoc_table *t, const struct nat_addr *host)
{
	uint32_t *pp = host_slot(t, host), i = *pp;

	if (i == ASSOC_NONE)
		return;
	if (--t->hosts[i].count == 0) {
		*pp = t->hosts[i].next;
		t->hosts[i].next = t->host_free;
		t->host_free = i;
	}
}
