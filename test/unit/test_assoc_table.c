/*
 * test_assoc_table.c: the association table's keys and its timer wheel.
 */
#include <criterion/criterion.h>

#include "assoc_table.h"
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
	cr_assert_null(assoc_by_id(t, b->id));
	assoc_table_expire(t, 30 * SEC, on_expire, t);
	cr_assert_eq(expired, 1, "refreshed entry survives its old slot");
	assoc_table_expire(t, 501 * SEC, on_expire, t);
	cr_assert_eq(expired, 2);
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
		b->locals[0].uplink = 7;
		b->n_locals = 1;
	}
	cr_expect_not(assoc_room_locals(t, a, 7), "over max_locals");
	for (unsigned int i = 0; i < 6; i++)
		cr_expect_eq(a->locals[i].inside.bytes[0], i + 1);
	cr_expect_eq(b->locals[0].uplink, 7);
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
