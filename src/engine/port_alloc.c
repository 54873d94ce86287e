/*
 * port_alloc.c: public port bindings (see port_alloc.h).
 * One open hash of reference-counted bindings from a fixed pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "huge_hint.h"
#include "port_alloc.h"

#define NONE UINT32_MAX

struct binding {
	struct nat_addr pub;
	struct nat_addr owner;
	uint16_t port, owner_port;
	uint32_t refs;
	uint32_t next;
	/* port_alloc_pick's probe, once it has begun (probe_ready): the
	 * chain of its owner's slot if port != owner_port, and its
	 * address's bitmap, 1 + its index, 0 for none. */
	uint32_t displaced_next;
	uint8_t pub_ports;
};

/*
 * For port_alloc_pick's probe: which ports one public address has bound,
 * a bit each.  Without it the probe looks every port up in the hash
 * table, a cache miss or two each: on an address with most of its ports
 * bound in a run (port preservation hands them out in the inside hosts'
 * order) an INIT whose own port was taken probed tens of thousands.
 */
struct pub_ports {
	struct nat_addr pub;
	uint64_t bits[65536 / 64];
};

/* Addresses given a bitmap, the first ones bound; later ones probe as
 * before.  A box has a handful (its uplinks' and forwards' public
 * addresses). */
#define PUB_PORTS_MAX	16
/* Owners (inside address and port) hashed into this many chains. */
#define DISPLACED_SLOTS 4096

struct port_alloc {
	uint32_t capacity, in_use, mask, seed;
	/* Freed bindings, chained; then those never used, from `fresh` on
	 * (untouched, so memory follows the bindings in use). */
	uint32_t free_head, fresh;
	uint32_t *buckets;
	struct binding *pool;
	/* The probe's bookkeeping below, begun by the first probe: a box
	 * whose ports are all preserved never pays for it. */
	bool probe_ready;
	/* Bitmaps of the first PUB_PORTS_MAX public addresses bound;
	 * never given back, so an address has one from its first binding
	 * on or never. */
	struct pub_ports *pub_ports;
	unsigned int n_pub_ports;
	/* Per owner hash, chained by displaced_next: the bindings on a
	 * port other than their owner's own (a port not preserved).  A
	 * bound port that is neither an owner's own nor in its chain is
	 * someone else's. */
	uint32_t displaced[DISPLACED_SLOTS];
};

int port_alloc_create(uint32_t capacity, uint64_t seed,
		      struct port_alloc **out)
{
	struct port_alloc *pa;
	uint32_t nb = 1;

	if (capacity == 0 || capacity > (1u << 26))
		return -EINVAL;
	/* Bindings are per public address and port, far fewer than the
	 * pool's room for most configurations: a bucket per four. */
	while (nb < capacity / 4)
		nb <<= 1;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	/* Neither table needs zeroing: the buckets are filled here, and a
	 * binding is read only once port_alloc_ref_at wrote it. */
	pa->buckets = huge_table_alloc(nb * sizeof(*pa->buckets));
	pa->pool = huge_table_alloc((size_t)capacity * sizeof(*pa->pool));
	/* Zeroed pages from the kernel: touched as addresses bind. */
	pa->pub_ports = calloc(PUB_PORTS_MAX, sizeof(*pa->pub_ports));
	if (!pa->buckets || !pa->pool || !pa->pub_ports) {
		port_alloc_destroy(pa);
		return -ENOMEM;
	}
	memset(pa->buckets, 0xff, nb * sizeof(*pa->buckets));
	memset(pa->displaced, 0xff, sizeof(pa->displaced));
	pa->free_head = NONE;
	pa->capacity = capacity;
	pa->mask = nb - 1;
	pa->seed = (uint32_t)(seed >> 7);
	*out = pa;
	return 0;
}

void port_alloc_destroy(struct port_alloc *pa)
{
	if (!pa)
		return;
	free(pa->buckets);
	free(pa->pool);
	free(pa->pub_ports);
	free(pa);
}

uint32_t port_alloc_in_use(const struct port_alloc *pa)
{
	return pa->in_use;
}

uint32_t port_alloc_bucket(const struct port_alloc *pa,
			   const struct nat_addr *pub, uint16_t port)
{
	return nat_addr_hash(pub, pa->seed ^ port) & pa->mask;
}

/* pub's index among the bitmaps, -1 if it has none. */
static int pub_ports_index(const struct port_alloc *pa,
			   const struct nat_addr *pub)
{
	for (unsigned int i = 0; i < pa->n_pub_ports; i++)
		if (nat_addr_eq(&pa->pub_ports[i].pub, pub))
			return (int)i;
	return -1;
}

/* pub's bitmap, 1 + its index, or a new one if pub has none and there
 * is room (pub has no binding then: it would have been given one at its
 * first); 0 for none. */
static uint8_t pub_ports_add(struct port_alloc *pa, const struct nat_addr *pub)
{
	int i = pub_ports_index(pa, pub);

	if (i >= 0)
		return (uint8_t)(i + 1);
	if (pa->n_pub_ports == PUB_PORTS_MAX)
		return 0;
	pa->pub_ports[pa->n_pub_ports].pub = *pub;
	return (uint8_t)++pa->n_pub_ports;
}

static uint32_t displaced_slot(const struct port_alloc *pa,
			       const struct nat_addr *owner,
			       uint16_t owner_port)
{
	return nat_addr_hash(owner, ~pa->seed ^ owner_port) &
	       (DISPLACED_SLOTS - 1);
}

/* The chain of the bindings displaced from their owner's own port. */
static uint32_t *displaced_chain(struct port_alloc *pa, const struct binding *b)
{
	return &pa->displaced[displaced_slot(pa, &b->owner, b->owner_port)];
}

/* Binding i made: the probe's bitmaps and chains (once probe_ready). */
static inline __attribute__((always_inline)) void
note_made(struct port_alloc *pa, uint32_t i)
{
	struct binding *b = &pa->pool[i];
	uint32_t *chain;

	b->pub_ports = pub_ports_add(pa, &b->pub);
	if (b->pub_ports)
		pa->pub_ports[b->pub_ports - 1].bits[b->port >> 6] |=
			1ull << (b->port & 63);
	if (b->port == b->owner_port)
		return;
	chain = displaced_chain(pa, b);
	b->displaced_next = *chain;
	*chain = i;
}

/* Binding i gone: the same undone. */
static inline __attribute__((always_inline)) void
note_gone(struct port_alloc *pa, uint32_t i)
{
	struct binding *b = &pa->pool[i];
	uint32_t *link;

	if (b->pub_ports)
		pa->pub_ports[b->pub_ports - 1].bits[b->port >> 6] &=
			~(1ull << (b->port & 63));
	if (b->port == b->owner_port)
		return;
	link = displaced_chain(pa, b);
	while (*link != i)
		link = &pa->pool[*link].displaced_next;
	*link = b->displaced_next;
}

/* The link to (pub, port)'s binding in its bucket's chain, or to the
 * chain's end (NONE) when there is none. */
static uint32_t *find_at(const struct port_alloc *pa, uint32_t bucket,
			 const struct nat_addr *pub, uint16_t port)
{
	uint32_t *pp = &pa->buckets[bucket];

	while (*pp != NONE) {
		const struct binding *b = &pa->pool[*pp];

		if (b->port == port && nat_addr_eq(&b->pub, pub))
			break;
		pp = &pa->pool[*pp].next;
	}
	return pp;
}

static uint32_t *find(const struct port_alloc *pa, const struct nat_addr *pub,
		      uint16_t port)
{
	return find_at(pa, port_alloc_bucket(pa, pub, port), pub, port);
}

uint32_t port_alloc_warm(const struct port_alloc *pa,
			 const struct nat_addr *pub, uint16_t port)
{
	uint32_t bucket = port_alloc_bucket(pa, pub, port);

	__builtin_prefetch(&pa->buckets[bucket]);
	return bucket;
}

void port_alloc_warm_step(const struct port_alloc *pa, uint32_t bucket)
{
	uint32_t i = pa->buckets[bucket];

	if (i != NONE)
		__builtin_prefetch(&pa->pool[i]);
}

static inline __attribute__((always_inline)) bool
usable_at(const struct port_alloc *pa, uint32_t bucket,
	  const struct nat_addr *pub, uint16_t port,
	  const struct nat_addr *owner, uint16_t owner_port)
{
	uint32_t i = *find_at(pa, bucket, pub, port);
	const struct binding *b;

	if (i == NONE)
		return true;
	b = &pa->pool[i];
	return b->owner_port == owner_port && nat_addr_eq(&b->owner, owner);
}

bool port_alloc_usable(const struct port_alloc *pa, const struct nat_addr *pub,
		       uint16_t port, const struct nat_addr *owner,
		       uint16_t owner_port)
{
	return usable_at(pa, port_alloc_bucket(pa, pub, port), pub, port, owner,
			 owner_port);
}

bool port_alloc_can_ref(const struct port_alloc *pa,
			const struct nat_addr *pub, uint16_t port,
			const struct nat_addr *owner, uint16_t owner_port)
{
	/* One walk: port_alloc_usable's, then room for a new one. */
	uint32_t i = *find(pa, pub, port);
	const struct binding *b;

	if (i == NONE)
		return pa->free_head != NONE || pa->fresh < pa->capacity;
	b = &pa->pool[i];
	return b->owner_port == owner_port && nat_addr_eq(&b->owner, owner);
}

int port_alloc_ref(struct port_alloc *pa, const struct nat_addr *pub,
		   uint16_t port, const struct nat_addr *owner,
		   uint16_t owner_port)
{
	return port_alloc_ref_at(pa, port_alloc_bucket(pa, pub, port), pub,
				 port, owner, owner_port);
}

/*
 * Inlined (LTO) into its callers: a new association's references
 * (handshake.c, ref_new_locals) are taken in a loop, one call each,
 * whose saved registers cost as much as a short chain's walk.
 */
__attribute__((always_inline)) inline int
port_alloc_ref_at(struct port_alloc *pa, uint32_t bucket,
		  const struct nat_addr *pub, uint16_t port,
		  const struct nat_addr *owner, uint16_t owner_port)
{
	uint32_t *pp = find_at(pa, bucket, pub, port), i = *pp;
	struct binding *b;

	if (i != NONE) {
		b = &pa->pool[i];
		if (b->owner_port != owner_port ||
		    !nat_addr_eq(&b->owner, owner))
			return -EADDRINUSE;
		b->refs++;
		return 0;
	}
	i = pa->free_head;
	if (i != NONE) {
		pa->free_head = pa->pool[i].next;
	} else {
		if (pa->fresh >= pa->capacity)
			return -ENOSPC;
		i = pa->fresh++;
	}
	b = &pa->pool[i];
	b->pub = *pub;
	b->owner = *owner;
	b->port = port;
	b->owner_port = owner_port;
	b->refs = 1;
	b->next = NONE;
	*pp = i;
	pa->in_use++;
	if (pa->probe_ready)
		note_made(pa, i);
	return 0;
}

void port_alloc_unref(struct port_alloc *pa, const struct nat_addr *pub,
		      uint16_t port)
{
	uint32_t *pp = find(pa, pub, port), i = *pp;
	struct binding *b;

	if (i == NONE)
		return;
	b = &pa->pool[i];
	if (--b->refs)
		return;
	*pp = b->next;
	b->next = pa->free_head;
	pa->free_head = i;
	pa->in_use--;
	if (pa->probe_ready)
		note_gone(pa, i);
}

/*
 * The bucket of (*pubs[i], port): buckets[i] when `known` says the caller
 * handed it in (port_alloc_pick's preferred port) and did, else hashed.
 */
static uint32_t bucket_for(const struct port_alloc *pa,
			   const struct nat_addr *const *pubs,
			   const uint32_t *buckets, bool known, unsigned int i,
			   uint16_t port)
{
	if (known && buckets[i] != PORT_ALLOC_NO_BUCKET)
		return buckets[i];
	return port_alloc_bucket(pa, pubs[i], port);
}

/*
 * Each public address's bucket for port goes to buckets[] (if not NULL),
 * which holds them already, or PORT_ALLOC_NO_BUCKET, if `known`.
 * With several addresses all their buckets are asked for before any is
 * walked: a new association's are mostly out of the cache by its turn
 * (the batch's warming loaded them tens of packets before), and walked
 * in turn each address's miss would wait for the one before.
 * Inlined, with usable_at, into port_alloc_pick: out of line every INIT
 * paid a call with six saved registers and its arguments spilled.
 */
static inline __attribute__((always_inline)) bool
usable_everywhere(const struct port_alloc *pa,
		  const struct nat_addr *const *pubs, unsigned int n,
		  const struct nat_addr *owner, uint16_t owner_port,
		  uint16_t port, uint32_t *buckets, bool known)
{
	if (buckets && n > 1)
		for (unsigned int i = 0; i < n; i++) {
			buckets[i] =
				bucket_for(pa, pubs, buckets, known, i, port);
			__builtin_prefetch(&pa->buckets[buckets[i]]);
		}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t bucket;

		if (!buckets)
			bucket = port_alloc_bucket(pa, pubs[i], port);
		else if (n > 1)
			bucket = buckets[i];
		else
			bucket = buckets[i] =
				bucket_for(pa, pubs, buckets, known, i, port);
		if (!usable_at(pa, bucket, pubs[i], port, owner, owner_port))
			return false;
	}
	return true;
}

/* At most this many public addresses per pick use the bitmaps, and this
 * many ports of the owner's bindings not on its own port. */
#define PROBE_PUBS_MAX 8
#define PROBE_OWN_MAX  16

/* What the probe needs to skip bound ports without looking them up. */
struct probe_skip {
	const uint64_t *bits[PROBE_PUBS_MAX]; /* NULL: nothing bound */
	uint16_t own[PROBE_OWN_MAX]; /* the owner's other ports */
	unsigned int n_own;
};

/*
 * Can the probe skip bound ports by the bitmaps?  A port bound on one of
 * pubs is another owner's, and port_alloc_usable would say no, unless it
 * is the owner's own port or one where the owner holds a binding too
 * (ps->own, from its displaced chain; other owners hashed to the same
 * chain may add ports, which are then looked up, no harm).  False when an
 * address has bindings but no bitmap (past PUB_PORTS_MAX), or there are
 * more addresses or such ports than ps holds: every port is looked up.
 */
static bool probe_skip_init(const struct port_alloc *pa,
			    const struct nat_addr *const *pubs, unsigned int n,
			    const struct nat_addr *owner, uint16_t owner_port,
			    struct probe_skip *ps)
{
	uint32_t i = pa->displaced[displaced_slot(pa, owner, owner_port)];

	if (n > PROBE_PUBS_MAX)
		return false;
	for (unsigned int k = 0; k < n; k++) {
		int at = pub_ports_index(pa, pubs[k]);

		/* Without a bitmap: never bound, unless they ran out. */
		if (at < 0 && pa->n_pub_ports == PUB_PORTS_MAX)
			return false;
		ps->bits[k] = at >= 0 ? pa->pub_ports[at].bits : NULL;
	}
	ps->n_own = 0;
	for (; i != NONE; i = pa->pool[i].displaced_next) {
		if (ps->n_own == PROBE_OWN_MAX)
			return false;
		ps->own[ps->n_own++] = pa->pool[i].port;
	}
	return true;
}

/* The bookkeeping from the bindings there are (those never freed or
 * freed and taken again, below `fresh`, with a reference). */
static void probe_start(struct port_alloc *pa)
{
	for (uint32_t i = 0; i < pa->fresh; i++)
		if (pa->pool[i].refs)
			note_made(pa, i);
	pa->probe_ready = true;
}

static bool probe_own(const struct probe_skip *ps, uint16_t port)
{
	for (unsigned int k = 0; k < ps->n_own; k++)
		if (ps->own[k] == port)
			return true;
	return false;
}

/* The bits of ports [64 * word, 64 * word + 63] bound on any of pubs. */
static uint64_t bound_word(const struct probe_skip *ps, unsigned int n,
			   unsigned int word)
{
	uint64_t w = 0;

	for (unsigned int i = 0; i < n; i++)
		if (ps->bits[i])
			w |= ps->bits[i][word];
	return w;
}

static uint64_t next_random(uint64_t *s)
{
	/* xorshift64*: cheap, and the engine owns its state (no globals). */
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

int port_alloc_pick(struct port_alloc *pa, const struct nat_addr *const *pubs,
		    unsigned int n, const struct nat_addr *owner,
		    uint16_t owner_port, uint16_t min, uint16_t max,
		    uint16_t preferred, uint64_t *rng,
		    bool (*conflict)(uint16_t port, void *arg), void *arg,
		    uint32_t *buckets)
{
	struct probe_skip ps = { .n_own = 0 };
	uint32_t range, start, i, word = UINT32_MAX;
	uint64_t bound = 0;
	bool skip;

	if (min == 0 || min > max)
		return -1;
	if (preferred >= min && preferred <= max &&
	    usable_everywhere(pa, pubs, n, owner, owner_port, preferred,
			      buckets, true) &&
	    !(conflict && conflict(preferred, arg)))
		return preferred;
	/*
	 * Random start so that public ports do not reveal how many
	 * associations the box carries (RFC 6056 spirit), then a linear
	 * probe so a free port is always found if one exists.
	 */
	range = (uint32_t)max - min + 1;
	start = (uint32_t)(next_random(rng) % range);
	if (!pa->probe_ready)
		probe_start(pa);
	skip = probe_skip_init(pa, pubs, n, owner, owner_port, &ps);
	for (i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(min + (start + i) % range);

		/* Bound to another owner: what usable_everywhere would
		 * find, from a word the cache holds. */
		if (skip && port != owner_port) {
			if (port >> 6 != word) {
				word = port >> 6;
				bound = bound_word(&ps, n, word);
			}
			if ((bound >> (port & 63) & 1) && !probe_own(&ps, port))
				continue;
		}
		if (usable_everywhere(pa, pubs, n, owner, owner_port, port,
				      buckets, false) &&
		    !(conflict && conflict(port, arg)))
			return port;
	}
	return -1;
}
