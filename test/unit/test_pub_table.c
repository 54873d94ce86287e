/*
 * test_pub_table.c: the table of public addresses the bindings hold
 * by reference (pub_table.h; README, Performance), by
 * itself and through the engine: bindings made, moved and dropped keep
 * their references, an entry goes with its last binding, and the table
 * grows with the distinct addresses (one per inside host of a 1:1
 * network, sctpalgd.conf(5) `map`).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "engine_fixture.h"
#include "engine_impl.h"
#include "pub_table.h"
#include "sctp_wire.h"

static struct nat_addr addr(const char *s)
{
	struct nat_addr a;

	cr_assert_eq(nat_addr_parse(&a, s), 0, "%s", s);
	return a;
}

/* The i-th of many distinct addresses, IPv4 and IPv6 in turn. */
static struct nat_addr nth(unsigned int i)
{
	char s[64];

	if (i % 2)
		snprintf(s, sizeof(s), "2001:db8:%x::%x", i >> 8, i & 0xff);
	else
		snprintf(s, sizeof(s), "198.18.%u.%u", (i >> 8) & 0xff,
			 i & 0xff);
	return addr(s);
}

Test(pub_table, one_entry_per_address)
{
	struct pub_table pt;
	struct nat_addr a = addr("198.51.100.1"), b = addr("203.0.113.1");
	struct nat_addr c = addr("2001:db8::1");
	uint32_t i, j, k;

	cr_assert_eq(pub_table_init(&pt, 16, 1), 0);
	i = pub_table_ref(&pt, &a);
	cr_expect_eq(pub_table_ref(&pt, &a), i, "same address, same entry");
	cr_expect_eq(pub_table_refs(&pt, i), 2);
	j = pub_table_ref(&pt, &b);
	cr_expect_neq(j, i);
	k = pub_table_ref(&pt, &c);
	cr_expect_neq(k, i);
	cr_expect_neq(k, j);
	cr_expect_eq(pub_table_live(&pt), 3);
	cr_expect(nat_addr_eq(&pub_table_get(&pt, i)->addr, &a));
	cr_expect(nat_addr_eq(&pub_table_get(&pt, j)->addr, &b));
	cr_expect(nat_addr_eq(&pub_table_get(&pt, k)->addr, &c));
	pub_table_fini(&pt);
}

/* At zero references the entry goes: the pair is no longer found, and
 * its index serves the next new pair. */
Test(pub_table, entry_goes_at_zero_and_its_index_is_reused)
{
	struct pub_table pt;
	struct nat_addr a = addr("198.51.100.1"), b = addr("198.51.100.2");
	struct nat_addr c = addr("2001:db8::1");
	uint32_t i, j;

	cr_assert_eq(pub_table_init(&pt, 16, 7), 0);
	i = pub_table_ref(&pt, &a);
	pub_table_ref(&pt, &a);
	j = pub_table_ref(&pt, &b);
	pub_table_unref(&pt, i);
	cr_expect_eq(pub_table_live(&pt), 2, "one reference left");
	cr_expect_eq(pub_table_refs(&pt, i), 1);
	pub_table_unref(&pt, i);
	cr_expect_eq(pub_table_live(&pt), 1);
	cr_expect_eq(pub_table_refs(&pt, i), 0);
	cr_expect_eq(pub_table_ref(&pt, &c), i, "the freed index");
	cr_expect(nat_addr_eq(&pub_table_get(&pt, i)->addr, &c));
	cr_expect_eq(pub_table_refs(&pt, i), 1, "a new entry, not the old");
	/* a again: not found under c's index, a new entry of its own. */
	cr_expect_neq(pub_table_ref(&pt, &a), i);
	cr_expect_eq(pub_table_ref(&pt, &b), j, "b untouched");
	cr_expect_eq(pub_table_live(&pt), 3);
	pub_table_fini(&pt);
}

/* Many distinct addresses: the buckets grow, each keeps its entry
 * through the growth, and all of them can go and come back. */
Test(pub_table, grows_with_distinct_addresses_and_empties)
{
	enum {
		N = 5000
	};
	static uint32_t idx[N];
	struct pub_table pt;

	cr_assert_eq(pub_table_init(&pt, 2 * N, 3), 0);
	cr_expect_eq(pub_table_buckets(&pt), 64);
	for (unsigned int i = 0; i < N; i++) {
		struct nat_addr a = nth(i);

		idx[i] = pub_table_ref(&pt, &a);
	}
	cr_expect_eq(pub_table_live(&pt), N);
	cr_expect_geq(pub_table_buckets(&pt), N, "buckets grew");
	for (unsigned int i = 0; i < N; i++) {
		struct nat_addr a = nth(i);

		cr_assert_eq(pub_table_ref(&pt, &a), idx[i],
			     "address %u moved in the growth", i);
		cr_assert(nat_addr_eq(&pub_table_get(&pt, idx[i])->addr, &a));
	}
	for (unsigned int i = 0; i < N; i++) {
		pub_table_unref(&pt, idx[i]);
		cr_assert_eq(pub_table_refs(&pt, idx[i]), 1);
		pub_table_unref(&pt, idx[i]);
	}
	cr_expect_eq(pub_table_live(&pt), 0);
	for (unsigned int i = 0; i < N; i++) {
		struct nat_addr a = nth(i);

		cr_assert_lt(pub_table_ref(&pt, &a), N,
			     "freed entries are used again first");
	}
	cr_expect_eq(pub_table_live(&pt), N);
	pub_table_fini(&pt);
}

/* A table as large as the bindings there can be never runs out: an
 * entry freed makes room for the next address. */
Test(pub_table, full_table_takes_a_new_address_once_one_goes)
{
	struct pub_table pt;
	struct nat_addr a[5];
	uint32_t idx[4];

	cr_assert_eq(pub_table_init(&pt, 4, 5), 0);
	for (unsigned int i = 0; i < 5; i++)
		a[i] = nth(i);
	for (unsigned int i = 0; i < 4; i++)
		idx[i] = pub_table_ref(&pt, &a[i]);
	cr_expect_eq(pub_table_live(&pt), 4);
	pub_table_unref(&pt, idx[2]);
	cr_expect_eq(pub_table_ref(&pt, &a[4]), idx[2]);
	cr_expect_lt(pt.fresh, 5u, "nothing past the room reserved");
	pub_table_fini(&pt);
}

/* ---- through the engine ---- */

#define PEER1 "198.51.100.100"
#define TI    0x11111111u
#define TP    0x22222222u
#define NOW   FX_SEC

static char sbuf[48], dbuf[48];

static void expect_fwd(struct engine_verdict v)
{
	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

static void expect_bindings_ok(const struct engine *e)
{
	char why[160];

	cr_assert(fx_bindings_ok(e, why, sizeof(why)), "%s", why);
}

/* An INIT from host:5000 to PEER1:3868; its translated source. */
static const char *init_from(struct engine *e, const char *host, uint32_t itag,
			     uint64_t now)
{
	struct pb p;

	fx_init(&p, host, PEER1, 5000, 3868, itag);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, now));
	return pkt_src(p.buf, sbuf);
}

/*
 * 10.9.0.0/16 maps 1:1 to 198.18.0.0/16: each inside host shows its own
 * public address, one entry each; the entries go with the associations
 * (their handshakes time out), and later ones use them again.
 */
Test(bindings, one_entry_per_inside_host_of_a_map_network)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);
	char host[32], pub[32];

	for (unsigned int i = 1; i <= 40; i++) {
		snprintf(host, sizeof(host), "10.9.0.%u", i);
		snprintf(pub, sizeof(pub), "198.18.0.%u", i);
		cr_assert_str_eq(init_from(e, host, TI + i, NOW), pub);
	}
	cr_expect_eq(engine_stats(e)->assocs_live, 40);
	cr_expect_eq(pub_table_live(&e->pubs), 40);
	expect_bindings_ok(e);

	/* Unanswered handshakes time out: every entry goes. */
	engine_tick(e, NOW + 600 * FX_SEC);
	cr_expect_eq(engine_stats(e)->assocs_live, 0);
	cr_expect_eq(pub_table_live(&e->pubs), 0);
	expect_bindings_ok(e);

	/* Indexes used again translate to their new address. */
	cr_assert_str_eq(init_from(e, "10.9.1.7", TI, NOW + 601 * FX_SEC),
			 "198.18.1.7");
	cr_assert_str_eq(init_from(e, "10.9.0.3", TI + 1, NOW + 601 * FX_SEC),
			 "198.18.0.3");
	cr_expect_eq(pub_table_live(&e->pubs), 2);
	expect_bindings_ok(e);
	engine_destroy(e);
}

/* Each binding shows its uplink's address (counted in arg). */
static int uplink_addr_ok(const struct engine_assoc_view *v, void *arg)
{
	struct nat_addr wan1 = addr("198.51.100.1"), wan2 = addr("203.0.113.1");
	unsigned int *ok = arg;

	for (int i = 0; i < v->n_locals; i++)
		*ok += v->locals[i].uplink >= 0 &&
		       nat_addr_eq(&v->locals[i].public_,
				   v->locals[i].uplink ? &wan2 : &wan1);
	return 0;
}

/*
 * Proxy multihoming gives every host of 192.168.1.0/24 a binding on each
 * uplink: two entries for all of them, counting one reference per
 * association each.
 */
Test(bindings, uplink_bindings_share_two_entries)
{
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct nat_addr wan1 = addr("198.51.100.1"), wan2 = addr("203.0.113.1");
	unsigned int ok = 0;
	char host[32];

	for (unsigned int i = 10; i < 30; i++) {
		snprintf(host, sizeof(host), "192.168.1.%u", i);
		init_from(e, host, TI + i, NOW);
	}
	cr_expect_eq(engine_stats(e)->assocs_live, 20);
	cr_expect_eq(pub_table_live(&e->pubs), 2);
	for (uint32_t k = 0; k < 2; k++) {
		const struct pub_entry *pe = pub_table_get(&e->pubs, k);

		cr_expect(nat_addr_eq(&pe->addr, &wan1) ||
			  nat_addr_eq(&pe->addr, &wan2));
		cr_expect_eq(pub_table_refs(&e->pubs, k), 20);
	}
	engine_foreach_assoc(e, uplink_addr_ok, &ok);
	cr_expect_eq(ok, 40, "each binding on its own uplink's address");
	expect_bindings_ok(e);
	engine_tick(e, NOW + 600 * FX_SEC);
	cr_expect_eq(pub_table_live(&e->pubs), 0);
	expect_bindings_ok(e);
	engine_destroy(e);
}

/* host:5000 -> PEER1:3868 up to ESTABLISHED; the public port. */
static uint16_t establish(struct engine *e, const char *host)
{
	static const char *const peers[] = { PEER1, NULL };
	char pub[48];
	struct pb p;
	uint16_t port;

	fx_init(&p, host, PEER1, 5000, 3868, TI);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	port = pkt_sport(p.buf);
	strcpy(pub, pkt_src(p.buf, sbuf));
	fx_init_ack(&p, PEER1, pub, 3868, port, TI, TP, peers);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	pb_ip4(&p, host, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie-cookie-cookie", 20);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	fx_chunk(&p, PEER1, pub, 3868, port, TI, SCTP_CID_COOKIE_ACK, 0);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	return port;
}

/* The inside host's ASCONF from src (one request; AUTH for a wildcard
 * only: the box rewrites a named inside address), then the peer's ACK
 * to the public address ack_to. */
static void host_asconf_acked(struct engine *e, const char *src,
			      uint32_t serial, uint16_t type, const char *addr_,
			      const char *ack_to)
{
	struct pb p;

	pb_ip4(&p, src, PEER1);
	pb_sctp(&p, 5000, 3868, TP);
	if (!strcmp(addr_, "0.0.0.0"))
		pb_auth(&p);
	pb_asconf(&p, serial, "0.0.0.0");
	pb_asconf_param(&p, type, 1, addr_);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_OUTBOUND, NOW));
	pb_ip4(&p, PEER1, ack_to);
	pb_sctp(&p, 3868, 5000, TI);
	pb_asconf_ack(&p, serial);
	pb_finish(&p);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
}

static const char *data_in_to(struct engine *e, const char *pub)
{
	struct pb p;

	fx_data(&p, PEER1, pub, 3868, 5000, TI, 46);
	expect_fwd(fx_run(e, &p, ENGINE_INBOUND, NOW));
	return pkt_dst(p.buf, dbuf);
}

/*
 * Bindings added by ASCONF take references; a Delete IP of the middle
 * one drops its reference and moves the last down, which keeps its own:
 * packets to its public address still reach its inside address.
 */
Test(bindings, asconf_adds_and_deletes_keep_references)
{
	struct engine *e = fx_engine(MULTIHOME_OFF);

	establish(e, "10.9.0.10");
	cr_expect_eq(pub_table_live(&e->pubs), 1);
	host_asconf_acked(e, "10.9.0.11", 20, SCTP_PARAM_ADD_IP, "0.0.0.0",
			  "198.18.0.11");
	host_asconf_acked(e, "10.9.0.12", 21, SCTP_PARAM_ADD_IP, "0.0.0.0",
			  "198.18.0.12");
	cr_expect_eq(pub_table_live(&e->pubs), 3);
	expect_bindings_ok(e);
	cr_assert_str_eq(data_in_to(e, "198.18.0.12"), "10.9.0.12");

	host_asconf_acked(e, "10.9.0.10", 22, SCTP_PARAM_DEL_IP, "10.9.0.11",
			  "198.18.0.10");
	cr_expect_eq(pub_table_live(&e->pubs), 2, "the deleted one's entry");
	expect_bindings_ok(e);
	cr_assert_str_eq(data_in_to(e, "198.18.0.12"), "10.9.0.12");
	cr_assert_str_eq(data_in_to(e, "198.18.0.10"), "10.9.0.10");
	engine_destroy(e);
}

/*
 * References taken and dropped at random on addresses that share the
 * slots of the recently referenced (pub_table.h, recent): each live
 * address keeps one entry, its own, with its count of references.
 */
Test(pub_table, recent_entries_stay_right)
{
	enum {
		N = 24
	};
	struct pub_table pt;
	struct nat_addr as[N];
	uint32_t refs[N] = { 0 }, idx[N];
	uint64_t rng = 99;

	for (unsigned int i = 0; i < N; i++)
		as[i] = nth(i); /* IPv4 and IPv6, more than the slots */
	cr_assert_eq(pub_table_init(&pt, 4 * N, 5), 0);
	for (int step = 0; step < 20000; step++) {
		unsigned int k, live = 0;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		k = (unsigned int)(rng >> 33) % N;
		if ((rng >> 60) & 1 && refs[k]) {
			pub_table_unref(&pt, idx[k]);
			refs[k]--;
		} else {
			uint32_t i = pub_table_ref(&pt, &as[k]);

			if (refs[k])
				cr_assert_eq(i, idx[k], "step %d", step);
			idx[k] = i;
			refs[k]++;
		}
		for (unsigned int j = 0; j < N; j++) {
			if (!refs[j])
				continue;
			live++;
			cr_assert_eq(pub_table_refs(&pt, idx[j]), refs[j]);
			cr_assert(nat_addr_eq(&pub_table_get(&pt, idx[j])->addr,
					      &as[j]));
		}
		cr_assert_eq(pub_table_live(&pt), live);
	}
	pub_table_fini(&pt);
}
