/*
 * test_assoc_table.c: the association table's keys and its timer wheel.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc_table.h"
#include "class_pool.h"
#include "time_ns.h"

#define SEC NSEC_PER_SEC

static unsigned int expired;

static void on_expire(struct assoc *a, void *arg)
{
	expired++;
	assoc_free(arg, a);
}

static struct assoc *new_assoc(struct assoc_table *t, uint64_t now,
			       uint16_t port, uint32_t tag)
{
	struct assoc *a = assoc_alloc(t, now);

	cr_assert_not_null(a);
	a->port_inside = a->port_public = port;
	a->port_peer = 3868;
	a->tag_inside = tag;
	a->tag_peer = tag + 1;
	assoc_link_all(t, a);
	return a;
}

Test(assoc_table, keys_find_by_tag_and_ports)
{
	struct assoc_table *t;
	struct assoc *a, *b;

	cr_assert_eq(assoc_table_create(16, 4, 4, 1, &t), 0);
	a = new_assoc(t, SEC, 5000, 100);
	b = new_assoc(t, SEC, 5001, 200);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100), a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 5001, 3868, 201),
		     b);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 200));
	cr_assert_eq(assoc_lookup_ports(t, ASSOC_KEY_IN_PORTS, 5001, 3868,
					NULL, NULL), b);
	/* A changed tag is found only after unlink / change / link. */
	assoc_unlink(t, a, ASSOC_KEY_IN_TAG);
	a->tag_inside = 300;
	assoc_link(t, a, ASSOC_KEY_IN_TAG);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100));
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 300), a);
	assoc_free(t, a);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 300));
	cr_assert_eq(assoc_table_live(t), 1);
	assoc_table_destroy(t);
}

/* assoc_link_tags links what assoc_link of each tag key would, once. */
Test(assoc_table, link_tags_as_assoc_link)
{
	struct assoc_table *t;
	struct assoc *a, *b;

	cr_assert_eq(assoc_table_create(16, 4, 4, 1, &t), 0);
	a = new_assoc(t, SEC, 5000, 100);
	b = new_assoc(t, SEC, 5000, 100);
	assoc_unlink(t, a, ASSOC_KEY_IN_TAG);
	assoc_unlink(t, a, ASSOC_KEY_OUT_TAG);
	a->port_inside = 6000;
	a->tag_inside = 300;
	a->tag_peer = 400;
	assoc_link_tags(t, a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 300), a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 6000, 3868, 400),
		     a);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 5000, 3868, 400));
	/* Linked already: nothing changes. */
	assoc_link_tags(t, b);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100), b);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 5000, 3868, 101),
		     b);
	assoc_unlink(t, b, ASSOC_KEY_IN_TAG);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100));
	/* One key linked, the other not. */
	assoc_link_tags(t, b);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100), b);
	assoc_free(t, a);
	assoc_free(t, b);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100));
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 6000, 3868, 400));
	assoc_table_destroy(t);
}

Test(assoc_table, full_table_refuses)
{
	struct assoc_table *t;

	cr_assert_eq(assoc_table_create(2, 1, 1, 1, &t), 0);
	cr_assert_not_null(assoc_alloc(t, SEC));
	cr_assert_not_null(assoc_alloc(t, SEC));
	cr_assert_null(assoc_alloc(t, SEC));
	assoc_table_destroy(t);
}

/* Regression: the wheel must start at the first association, not at the
 * first tick, or entries filed before that tick are never visited. */
Test(assoc_table, wheel_expires_after_a_long_gap)
{
	struct assoc_table *t;
	struct assoc *a;

	cr_assert_eq(assoc_table_create(8, 1, 1, 1, &t), 0);
	a = new_assoc(t, 1 * SEC, 5000, 1);
	assoc_set_expiry(t, a, 16 * SEC);
	expired = 0;
	cr_assert_eq(assoc_table_expire(t, 3600 * SEC, on_expire, t), 1);
	cr_assert_eq(assoc_table_live(t), 0);
	assoc_table_destroy(t);
}

Test(assoc_table, wheel_lazy_refresh_and_earlier_deadline)
{
	struct assoc_table *t;
	struct assoc *a, *b;

	cr_assert_eq(assoc_table_create(8, 1, 1, 1, &t), 0);
	a = new_assoc(t, 10 * SEC, 5000, 1);
	b = new_assoc(t, 10 * SEC, 5001, 5);
	assoc_set_expiry(t, a, 20 * SEC);
	assoc_set_expiry(t, b, 310 * SEC);
	/* a is refreshed before its slot comes: it must survive it. */
	assoc_set_expiry(t, a, 500 * SEC);
	/* b's deadline moves earlier (CLOSED): it must go on time. */
	assoc_set_expiry(t, b, 15 * SEC);
	expired = 0;
	assoc_table_expire(t, 16 * SEC, on_expire, t);
	cr_assert_eq(expired, 1);
	cr_assert_null(assoc_by_id(t, assoc_id(t, b)));
	assoc_table_expire(t, 30 * SEC, on_expire, t);
	cr_assert_eq(expired, 1, "refreshed entry survives its old slot");
	assoc_table_expire(t, 501 * SEC, on_expire, t);
	cr_assert_eq(expired, 2);
	assoc_table_destroy(t);
}

/* assoc_wheel_keeps is the division it replaces, at the seconds' edges
 * and at the top of the 32-bit second. */
Test(assoc_table, wheel_keeps_is_the_second_compare)
{
	static const uint32_t filed[] = { 0,	     1,	       15,
					  300,	     1u << 31, UINT32_MAX - 1,
					  UINT32_MAX };
	const int64_t sec = (int64_t)SEC;
	const int64_t around[] = { -sec - 1, -sec,    -1,  0,
				   1,	     sec - 1, sec, 5 * sec };

	for (size_t i = 0; i < sizeof(filed) / sizeof(filed[0]); i++) {
		for (size_t j = 0; j < sizeof(around) / sizeof(around[0]);
		     j++) {
			uint64_t at = (uint64_t)filed[i] * SEC;
			uint64_t ns;

			if (around[j] < 0 && at < (uint64_t)-around[j])
				continue;
			ns = at + (uint64_t)around[j];
			cr_assert_eq(assoc_wheel_keeps(filed[i], ns),
				     ns / SEC >= filed[i],
				     "filed %u, deadline %llu ns", filed[i],
				     (unsigned long long)ns);
		}
	}
	cr_assert(assoc_wheel_keeps(0, 0));
	cr_assert(assoc_wheel_keeps(UINT32_MAX, UINT64_MAX));
	cr_assert(
		!assoc_wheel_keeps(UINT32_MAX, (uint64_t)UINT32_MAX * SEC - 1));
}

/* A deadline later in the same second stays where it was filed. */
Test(assoc_table, wheel_same_second_refresh)
{
	struct assoc_table *t;
	struct assoc *a;

	cr_assert_eq(assoc_table_create(8, 1, 1, 1, &t), 0);
	a = new_assoc(t, 10 * SEC, 5000, 1);
	assoc_set_expiry(t, a, 20 * SEC + 100);
	cr_assert_eq(a->filed, 20);
	assoc_set_expiry(t, a, 20 * SEC + 900);
	cr_assert_eq(a->filed, 20);
	cr_assert_eq(a->expires, 20 * SEC + 900);
	/* Earlier within the second: refiled, to the same second. */
	assoc_set_expiry(t, a, 20 * SEC + 50);
	cr_assert_eq(a->filed, 20);
	expired = 0;
	assoc_table_expire(t, 20 * SEC + 49, on_expire, t);
	cr_assert_eq(expired, 0);
	assoc_table_expire(t, 21 * SEC, on_expire, t);
	cr_assert_eq(expired, 1);
	assoc_table_destroy(t);
}

Test(assoc_table, host_counts)
{
	struct assoc_table *t;
	struct nat_addr h;

	cr_assert_eq(assoc_table_create(4, 1, 1, 1, &t), 0);
	nat_addr_parse(&h, "192.168.1.10");
	cr_assert_eq(assoc_host_add(t, &h), 1);
	cr_assert_eq(assoc_host_add(t, &h), 2);
	assoc_host_del(t, &h);
	cr_assert_eq(assoc_host_count(t, &h), 1);
	assoc_host_del(t, &h);
	cr_assert_eq(assoc_host_count(t, &h), 0);
	assoc_table_destroy(t);
}

/* Address lists start with room for one and grow to the maximum,
 * keeping what they hold; a freed slot's next life starts small. */
Test(assoc_table, address_lists_grow_to_the_maximum_and_no_further)
{
	struct assoc_table *t;
	struct assoc *a, *b;

	cr_assert_eq(assoc_table_create(4, 6, 3, 1, &t), 0);
	a = assoc_alloc(t, SEC);
	b = assoc_alloc(t, SEC);
	for (unsigned int i = 0; i < 6; i++) {
		cr_assert(assoc_room_locals(t, a, a->n_locals + 1u));
		a->locals[a->n_locals].inside.family = 2;
		a->locals[a->n_locals].inside.bytes[0] = (uint8_t)(i + 1);
		a->n_locals++;
		/* A neighbour's list is never written over. */
		cr_assert(assoc_room_locals(t, b, 1));
		b->locals[0].pub = 7;
		b->n_locals = 1;
	}
	cr_expect_not(assoc_room_locals(t, a, 7), "over max_locals");
	for (unsigned int i = 0; i < 6; i++)
		cr_expect_eq(a->locals[i].inside.bytes[0], i + 1);
	cr_expect_eq(b->locals[0].pub, 7u);
	cr_expect(assoc_room_peers(t, a, 3));
	cr_expect_not(assoc_room_peers(t, a, 4), "over max_peers");

	assoc_free(t, a);
	a = assoc_alloc(t, SEC);
	cr_assert_not_null(a);
	cr_expect_eq(a->n_locals, 0);
	cr_expect_eq(a->locals[0].inside.family, 0, "a new life is zeroed");
	cr_expect_eq(a->locals_class, 0);
	assoc_table_destroy(t);
}

/*
 * A list sized at allocation holds that many bindings without moving; a
 * slot's next life of the same size keeps its block, cleared, and one
 * of another size gets a block of its own size.
 */
Test(assoc_table, address_lists_sized_at_allocation)
{
	struct assoc_table *t;
	struct assoc_local *block;
	struct assoc *a;

	cr_assert_eq(assoc_table_create(1, 6, 3, 1, &t), 0);
	a = assoc_alloc_for(t, SEC, 2);
	cr_assert_not_null(a);
	cr_expect_eq(a->locals_class, 1);
	block = a->locals;
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert(assoc_room_locals(t, a, a->n_locals + 1u));
		a->locals[a->n_locals].inside.family = 2;
		a->locals[a->n_locals].pub = 5;
		a->n_locals++;
	}
	cr_expect_eq(a->locals, block, "room for two: nothing moved");

	assoc_free(t, a);
	a = assoc_alloc_for(t, SEC, 2);
	cr_assert_not_null(a);
	cr_expect_eq(a->locals, block, "the same size keeps the block");
	cr_expect_eq(a->n_locals, 0);
	for (unsigned int i = 0; i < 2; i++) {
		cr_expect_eq(a->locals[i].inside.family, 0, "cleared");
		cr_expect_eq(a->locals[i].pub, 0u, "cleared");
	}

	assoc_free(t, a);
	a = assoc_alloc_for(t, SEC, 1);
	cr_assert_not_null(a);
	cr_expect_eq(a->locals_class, 0, "one binding: the smallest block");
	cr_expect_eq(a->locals[0].inside.family, 0);

	assoc_free(t, a);
	a = assoc_alloc_for(t, SEC, 200);
	cr_assert_not_null(a);
	cr_expect_eq(class_pool_entries(a->locals_class), 8,
		     "no larger than max_locals needs");
	cr_expect_not(assoc_room_locals(t, a, 7), "over max_locals");
	assoc_table_destroy(t);
}

/* assoc_local_pub reads the bit field, whatever its neighbours hold. */
Test(assoc_table, local_pub_reads_the_bit_field)
{
	static const uint32_t pubs[] = { 0, 1, 0x2a5a5a5, PUB_TABLE_MAX - 1u };
	static const int32_t uplinks[] = { -1, 0, 3, -16, 15 };
	struct assoc_local l[3];

	for (size_t i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++)
		for (size_t u = 0; u < sizeof(uplinks) / sizeof(uplinks[0]);
		     u++) {
			memset(l, 0xa5, sizeof(l));
			l[1].pub = pubs[i];
			l[1].uplink = uplinks[u];
			cr_expect_eq(assoc_local_pub(&l[1]), pubs[i]);
			cr_expect_eq(l[1].pub, pubs[i]);
			cr_expect_eq(l[1].uplink, uplinks[u]);
			l[1].inside.bytes[15] = 0xff;
			cr_expect_eq(assoc_local_pub(&l[1]), pubs[i]);
		}
}

/* Each binding's first binding of the same public address (entry). */
Test(assoc_table, first_same_public)
{
	static const uint32_t pubs[] = { 5, 7, 5, 9, 7, 0 };
	static const int first[] = { 0, 1, 0, 3, 1, 5 };
	struct assoc_table *t;
	struct assoc *a;

	cr_assert_eq(assoc_table_create(1, 6, 1, 1, &t), 0);
	a = assoc_alloc_for(t, SEC, 6);
	cr_assert_not_null(a);
	for (unsigned int i = 0; i < 6; i++)
		a->locals[a->n_locals++].pub = pubs[i];
	for (int i = 0; i < 6; i++)
		cr_expect_eq(assoc_first_same_public(a, i), first[i], "%d", i);
	assoc_table_destroy(t);
}

/*
 * Drop counters, previous tags and candidate peer lists live outside the
 * slot, in the table's own storage: a slot's next association starts
 * with none of them, and candidates' lists grow to max_peers, keep their
 * order, and never share room.
 */
Test(assoc_table, side_storage_grows_and_a_new_life_starts_empty)
{
	struct assoc_table *t;
	struct assoc *a, *b;
	struct assoc_cand *c;
	struct nat_addr x = { .family = 2 };

	cr_assert_eq(assoc_table_create(1, 1, 5, 1, &t), 0);
	a = assoc_alloc(t, SEC);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(assoc_drops(t, a)[i], 0);
	assoc_drops_w(t, a)[2] += 3;
	assoc_drops_w(t, a)[0]++;
	cr_expect_eq(assoc_drops(t, a)[2], 3);
	cr_expect_eq(assoc_drops(t, a)[0], 1);
	assoc_set_prev_tags(t, a, 7, 8);
	cr_expect_eq(assoc_prev_tag_inside(t, a), 7);
	cr_expect_eq(assoc_prev_tag_peer(t, a), 8);

	cr_expect_eq(assoc_cands_n(a), 0, "none without a block");
	cr_assert(assoc_cands_take(t, a));
	cr_expect_eq(assoc_cands_n(a), 1, "room for one at first");
	for (int k = 0; k < ASSOC_CANDS; k++) {
		/* A second one grows the block; the first moves with it. */
		if (k == 1) {
			cr_assert(assoc_cands_grow(t, a));
			cr_expect_eq(assoc_cands_n(a), ASSOC_CANDS);
		}
		c = &assoc_cands(t, a)[k];
		for (unsigned int i = 0; i < 5; i++) {
			cr_assert(assoc_cand_room_peers(t, c, i + 1u));
			x.bytes[0] = (uint8_t)(k * 16 + i);
			c->peers[c->n_peers++] = x;
		}
		cr_expect_not(assoc_cand_room_peers(t, c, 6), "over max_peers");
	}
	for (int k = 0; k < ASSOC_CANDS; k++)
		for (unsigned int i = 0; i < 5; i++)
			cr_expect_eq(assoc_cands(t, a)[k].peers[i].bytes[0],
				     k * 16 + i);

	assoc_free(t, a);
	b = assoc_alloc(t, SEC);
	cr_assert_eq(b, a, "the same slot");
	for (int i = 0; i < 4; i++)
		cr_expect_eq(assoc_drops(t, b)[i], 0, "a new life is zeroed");
	cr_expect_eq(assoc_prev_tag_inside(t, b), 0);
	cr_expect_eq(assoc_prev_tag_peer(t, b), 0);
	cr_assert(assoc_cands_take(t, b));
	cr_assert(assoc_cands_grow(t, b));
	for (int k = 0; k < ASSOC_CANDS; k++)
		cr_expect_eq(assoc_cands(t, b)[k].n_peers, 0);
	assoc_table_destroy(t);
}

/*
 * The peer and candidate indexes (assoc_lookup_peer, assoc_lookup_cands,
 * assoc_lookup_cands_of) against the port-pair walk they stand in for,
 * through random changes of ports, peer lists and candidate blocks: same
 * answer, and the match called last on the answer (what it records is
 * the answer's own).
 */
struct idx_probe {
	const struct assoc_table *t;
	const struct nat_addr *peer;	/* NULL: has candidates */
	const bool *held;
	uint32_t last_true;
};

static bool idx_match(const struct assoc *a, void *arg)
{
	struct idx_probe *p = arg;
	uint32_t id = assoc_id(p->t, a);
	bool m = p->peer ? assoc_find_peer(a, p->peer) >= 0 : p->held[id];

	/* Several may match, and which comes first then matters. */
	m = m && id % 4 != 3;
	if (m)
		p->last_true = id;
	return m;
}

static bool idx_cands_held(const struct assoc *a,
			   const struct assoc_cand *cands, int n, void *arg)
{
	const struct idx_probe *p = arg;

	(void)cands;
	(void)n;
	return p->held[assoc_id(p->t, a)];
}

/* idx_match for assoc_lookup_cands_of: given a's own candidates. */
static bool idx_match_of(const struct assoc *a, const struct assoc_cand *cands,
			 int n, void *arg)
{
	struct idx_probe *p = arg;

	cr_assert_eq(cands, assoc_cands(p->t, a));
	cr_assert_eq(n, assoc_cands_n(a));
	return idx_match(a, arg);
}

/* The _h variants (assoc_pair_hash) answer as the others do. */
static void idx_check_h(const struct assoc_table *t, enum assoc_key k,
			uint16_t port, struct idx_probe *p,
			const struct assoc *want)
{
	static const struct nat_addr none;
	struct assoc_pair_hash h;

	assoc_pair_hash(t, port, 3868, p->peer ? p->peer : &none, 0, &h);
	if (p->peer) {
		struct assoc *got;

		p->last_true = ASSOC_NONE;
		got = assoc_lookup_peer_h(t, k, &h, idx_match, p);
		cr_assert_eq(got, want);
		if (got)
			cr_assert_eq(p->last_true, assoc_id(t, got));
		cr_assert_eq(assoc_any_peer_h(t, k, &h, idx_match, p),
			     want != NULL);
		return;
	}
	cr_assert_eq(assoc_any_cands_of_h(t, k, &h, idx_cands_held, p),
		     assoc_any_cands_of(t, k, port, 3868, idx_cands_held, p));
}

static void idx_check(const struct assoc_table *t, const bool *held,
		      const struct nat_addr *peers, unsigned int n_peers)
{
	static const enum assoc_key ks[2] = { ASSOC_KEY_IN_PORTS,
					      ASSOC_KEY_OUT_PORTS };

	for (int k = 0; k < 2; k++) {
		for (uint16_t port = 5000; port < 5003; port++) {
			struct idx_probe p = { .t = t, .held = held };
			struct assoc *want, *got;

			for (unsigned int i = 0; i <= n_peers; i++) {
				p.peer = i < n_peers ? &peers[i] : NULL;
				want = assoc_lookup_ports(t, ks[k], port, 3868,
							  idx_match, &p);
				p.last_true = ASSOC_NONE;
				got = p.peer ?
				      assoc_lookup_peer(t, ks[k], port, 3868,
							p.peer, idx_match, &p) :
				      assoc_lookup_cands(t, ks[k], port, 3868,
							 idx_match, &p);
				cr_assert_eq(got, want, "key %d port %u probe %u",
					     k, port, i);
				if (got)
					cr_assert_eq(p.last_true,
						     assoc_id(t, got));
				if (!p.peer) {
					p.last_true = ASSOC_NONE;
					got = assoc_lookup_cands_of(
						t, ks[k], port, 3868,
						idx_match_of, &p);
					cr_assert_eq(got, want);
					if (got)
						cr_assert_eq(p.last_true,
							     assoc_id(t, got));
				}
				cr_assert_eq(p.peer ?
					     assoc_any_peer(t, ks[k], port, 3868,
							    p.peer, idx_match,
							    &p) :
					     assoc_any_cands(t, ks[k], port, 3868,
							     idx_match, &p),
					     want != NULL);
				idx_check_h(t, ks[k], port, &p, want);
			}
		}
	}
}

/* assoc_link_all, or (r's bits 21 to 25) assoc_link_all_h with the hashes
 * of one of its sides' pairs and any peer: the _h variants take a's
 * keys' hashes from h only where they are h's pair. */
static void link_some_way(struct assoc_table *t, struct assoc *a,
			  unsigned int r, const struct nat_addr *peers,
			  unsigned int n_peers)
{
	struct assoc_pair_hash h;

	if (!(r & 0x200000)) {
		assoc_link_all(t, a);
		return;
	}
	assoc_pair_hash(t, r & 0x400000 ? a->port_public : a->port_inside,
			a->port_peer, &peers[(r >> 23) % n_peers],
			r & 0x4000000 ? a->tag_inside : a->tag_inside + 1, &h);
	assoc_link_all_h(t, a, &h);
}

Test(assoc_table, indexes_agree_with_the_port_walk)
{
	enum { CAP = 48, NPEER = 5 };
	struct nat_addr peers[NPEER];
	struct assoc *live[CAP];
	bool held[CAP] = { false };
	struct assoc_table *t;
	uint64_t rng = 12345;
	unsigned int n = 0;

	for (int i = 0; i < NPEER; i++) {
		uint8_t b[4] = { 100, 64, 0, (uint8_t)(i + 1) };

		nat_addr_from_v4(&peers[i], b);
	}
	cr_assert_eq(assoc_table_create(CAP, 4, 4, 7, &t), 0);
	for (int step = 0; step < 4000; step++) {
		unsigned int op, r;
		struct assoc *a;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		r = (unsigned int)(rng >> 33);
		op = r % 5;
		if (op == 0 && n < CAP) {
			/* A new association, some peers before the link,
			 * some after. */
			a = assoc_alloc(t, SEC);
			cr_assert_not_null(a);
			a->port_inside = (uint16_t)(5000 + (r >> 4) % 3);
			a->port_public = (uint16_t)(5000 + (r >> 6) % 3);
			a->port_peer = 3868;
			for (unsigned int j = 0; j < 1 + (r >> 8) % 3; j++) {
				const struct nat_addr *pa =
					&peers[(r >> (10 + 3 * j)) % NPEER];

				if (assoc_find_peer(a, pa) >= 0 ||
				    !assoc_room_peers(t, a, a->n_peers + 1u))
					continue;
				a->peers[a->n_peers++].addr = *pa;
				assoc_index_new_peer(t, a);
				if (j == 0)
					link_some_way(t, a, r, peers, NPEER);
			}
			held[assoc_id(t, a)] = false;
			live[n++] = a;
		} else if (op == 1 && n) {
			a = live[(r >> 4) % n];
			assoc_free(t, a);
			held[assoc_id(t, a)] = false;
			live[(r >> 4) % n] = live[n - 1];
			n--;
		} else if (op == 2 && n) {
			/* A new peer list, in another order. */
			bool idx;

			a = live[(r >> 4) % n];
			idx = assoc_unindex_peers(t, a);
			a->n_peers = 0;
			for (unsigned int j = 0; j < 1 + (r >> 8) % 4; j++) {
				const struct nat_addr *pa =
					&peers[(r >> (10 + 3 * j)) % NPEER];

				if (assoc_find_peer(a, pa) < 0 &&
				    assoc_room_peers(t, a, a->n_peers + 1u))
					a->peers[a->n_peers++].addr = *pa;
			}
			if (idx)
				assoc_index_peers(t, a);
		} else if (op == 3 && n) {
			a = live[(r >> 4) % n];
			cr_assert(assoc_cands_take(t, a));
			/* Half the time grown: a block of another pool. */
			if (r & 0x100000)
				cr_assert(assoc_cands_grow(t, a));
			held[assoc_id(t, a)] = true;
		} else if (op == 4 && n) {
			a = live[(r >> 4) % n];
			assoc_cands_drop(t, a);
			held[assoc_id(t, a)] = false;
		}
		idx_check(t, held, peers, NPEER);
	}
	assoc_table_destroy(t);
}

static bool every_assoc(const struct assoc *a, void *arg)
{
	(void)a;
	(void)arg;
	return true;
}

/* Linked with a pair's hashes (assoc_link_all_h), an association is found
 * by every key as if linked without; the hashes of another tag or pair
 * are not taken for its. */
Test(assoc_table, link_with_pair_hashes)
{
	static const uint8_t b4[4] = { 100, 64, 0, 1 };
	struct assoc_pair_hash h, other;
	struct nat_addr peer;
	struct assoc_table *t;
	struct assoc *a, *b;

	nat_addr_from_v4(&peer, b4);
	cr_assert_eq(assoc_table_create(64, 4, 4, 3, &t), 0);
	assoc_pair_hash(t, 5000, 3868, &peer, 100, &h);
	assoc_pair_hash(t, 5001, 3868, &peer, 300, &other);
	a = assoc_alloc(t, SEC);
	b = assoc_alloc(t, SEC);
	a->port_inside = a->port_public = 5000;
	b->port_inside = b->port_public = 5001;
	a->port_peer = b->port_peer = 3868;
	a->tag_inside = 100;
	b->tag_inside = 200; /* not other's tag */
	a->peers[a->n_peers++].addr = peer;
	b->peers[b->n_peers++].addr = peer;
	cr_assert(assoc_cands_take(t, a));
	assoc_link_all_h(t, a, &h);
	assoc_link_all_h(t, b, &other);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100), a);
	cr_assert_eq(assoc_lookup_in_tag_h(t, &h), a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5001, 3868, 200), b);
	cr_assert_null(assoc_lookup_in_tag_h(t, &other));
	for (int k = ASSOC_KEY_IN_PORTS; k <= ASSOC_KEY_OUT_PORTS; k++) {
		cr_assert_eq(assoc_lookup_ports(t, k, 5000, 3868, every_assoc,
						NULL),
			     a);
		cr_assert_eq(assoc_lookup_peer_h(t, k, &h, every_assoc, NULL),
			     a);
		cr_assert_eq(assoc_lookup_peer(t, k, 5001, 3868, &peer,
					       every_assoc, NULL),
			     b);
		cr_assert_eq(assoc_lookup_cands(t, k, 5000, 3868, every_assoc,
						NULL),
			     a);
	}
	assoc_table_destroy(t);
}

/* Previous tags (state files of older versions) are found by their keys,
 * beside the live ones, and no longer once unlinked. */
Test(assoc_table, previous_tag_keys)
{
	struct assoc_table *t;
	struct assoc *a, *b;

	cr_assert_eq(assoc_table_create(16, 4, 4, 1, &t), 0);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_PREV, 5000, 3868, 7));
	cr_assert_not(assoc_prev_tags_linked(t));
	a = assoc_alloc(t, SEC);
	a->port_inside = a->port_public = 5000;
	a->port_peer = 3868;
	a->tag_inside = 100;
	a->tag_peer = 101;
	assoc_set_prev_tags(t, a, 7, 8);
	assoc_link_all(t, a);
	b = new_assoc(t, SEC, 5000, 200);
	cr_assert(assoc_prev_tags_linked(t));
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_PREV, 5000, 3868, 7), a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_PREV, 5000, 3868, 8), a);
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_PREV, 5000, 3868, 8));
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 100), a);
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_IN_TAG, 5000, 3868, 200), b);
	assoc_unlink(t, a, ASSOC_KEY_IN_PREV);
	cr_assert(assoc_prev_tags_linked(t));
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_IN_PREV, 5000, 3868, 7));
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_PREV, 5000, 3868, 8), a);
	assoc_free(t, a);
	cr_assert_not(assoc_prev_tags_linked(t));
	cr_assert_null(assoc_lookup_tag(t, ASSOC_KEY_OUT_PREV, 5000, 3868, 8));
	cr_assert_eq(assoc_lookup_tag(t, ASSOC_KEY_OUT_TAG, 5000, 3868, 201), b);
	assoc_table_destroy(t);
}
