/*
 * Unit tests for mon_watch: "sctpalgctl monitor" learns of addresses an
 * ASCONF added or deleted by comparing passes.  A change of an
 * established association's peer or inside set is reported once, with
 * the counts before; the order of addresses, a public address change,
 * associations first seen or not yet established, and an id reused by
 * another association (another tag) are not changes; an association
 * that is gone is forgotten.  The line it makes is one JSON line.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "json.h"
#include "mon_event.h"
#include "mon_watch.h"

struct seen {
	unsigned int n;
	uint32_t id;
	unsigned int peers_were, inside_were;
};

static void on_change(void *arg, const struct engine_assoc_view *v,
		      unsigned int peers_were, unsigned int inside_were)
{
	struct seen *s = arg;

	s->n++;
	s->id = v->id;
	s->peers_were = peers_were;
	s->inside_were = inside_were;
}

static void make(struct engine_assoc_view *v, uint32_t id,
		 const char *const *peers, const char *const *inside)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->state = ASSOC_ESTABLISHED;
	v->tag_inside = 0x1000 + id;
	for (; *peers; peers++)
		nat_addr_parse(&v->paths[v->n_paths++].peer, *peers);
	for (; *inside; inside++) {
		nat_addr_parse(&v->locals[v->n_locals].inside, *inside);
		nat_addr_parse(&v->locals[v->n_locals++].public_,
			       "198.51.100.1");
	}
}

static void pass(struct mon_watch *w, struct engine_assoc_view *v,
		 unsigned int n, struct seen *s)
{
	cr_assert_eq(mon_watch_begin(w), 0);
	for (unsigned int i = 0; i < n; i++)
		mon_watch_see(w, &v[i], on_change, s);
	mon_watch_end(w);
}

static const char *const p1[] = { "198.51.100.100", NULL };
static const char *const p12[] = { "198.51.100.100", "203.0.113.100", NULL };
static const char *const p21[] = { "203.0.113.100", "198.51.100.100", NULL };
static const char *const p2[] = { "203.0.113.100", NULL };
static const char *const i1[] = { "192.168.1.10", NULL };
static const char *const i11[] = { "192.168.1.10", "192.168.1.10", NULL };
static const char *const i12[] = { "192.168.1.10", "192.168.1.11", NULL };

Test(mon_watch, changes_reported_once)
{
	struct engine_assoc_view v[2];
	struct mon_watch *w;
	struct seen s = { 0 };

	cr_assert_eq(mon_watch_create(100, &w), 0);
	make(&v[0], 1, p1, i1);
	make(&v[1], 2, p1, i1);
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 0, "first sight is the reference");
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 0);

	make(&v[1], 2, p12, i1);	/* ASCONF added a peer address */
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.id, 2);
	cr_assert_eq(s.peers_were, 1);
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 1, "reported once");

	make(&v[1], 2, p21, i11);	/* same sets, other order, repeats */
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 1);

	make(&v[1], 2, p2, i11);	/* one deleted */
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.peers_were, 2);

	make(&v[0], 1, p1, i12);	/* an inside address added */
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.id, 1);
	cr_assert_eq(s.inside_were, 1);

	/* Same number, another address: still a change. */
	make(&v[0], 1, p2, i12);
	pass(w, v, 2, &s);
	cr_assert_eq(s.n, 4);
	mon_watch_destroy(w);
}

Test(mon_watch, not_changes)
{
	struct engine_assoc_view v;
	struct mon_watch *w;
	struct seen s = { 0 };

	cr_assert_eq(mon_watch_create(4, &w), 0);
	make(&v, 7, p1, i1);
	v.state = ASSOC_COOKIE_WAIT;
	pass(w, &v, 1, &s);
	make(&v, 7, p12, i1);		/* INIT ACK listed more: set-up */
	pass(w, &v, 1, &s);
	cr_assert_eq(s.n, 0, "up from the handshake is not a change");

	make(&v, 7, p1, i1);
	v.tag_inside = 0x9999;		/* the id reused by another one */
	pass(w, &v, 1, &s);
	cr_assert_eq(s.n, 0);

	pass(w, &v, 0, &s);		/* gone: forgotten */
	make(&v, 7, p12, i1);
	v.tag_inside = 0x9999;
	pass(w, &v, 1, &s);
	cr_assert_eq(s.n, 0, "a returning id starts afresh");

	/* No monitor: tables freed; the next pass is a first sight. */
	mon_watch_reset(w);
	make(&v, 7, p1, i1);
	v.tag_inside = 0x9999;
	pass(w, &v, 1, &s);
	cr_assert_eq(s.n, 0);
	mon_watch_destroy(w);
}

Test(mon_watch, line)
{
	struct engine_config conf;
	struct engine_assoc_view v;
	struct json_value *d;
	char buf[MON_LINE_MAX];
	size_t n;

	memset(&conf, 0, sizeof(conf));
	make(&v, 3, p12, i11);
	v.inside_port = 5000;
	v.public_port = 5000;
	v.peer_port = 80;
	n = mon_addrs_format(&v, 1, 1, &conf, 42, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(buf[n - 1], '\n');
	cr_assert_eq(json_parse(buf, n, &d, NULL), 0, "%s", buf);
	cr_assert_str_eq(json_get_str(json_get(d, "event"), ""), "addresses");
	cr_assert_eq(json_len(json_get(d, "peer")), 2);
	cr_assert_eq(json_len(json_get(d, "inside")), 1);
	cr_assert_eq(json_get_u64(json_get(d, "peers_were"), 9), 1);
	cr_assert_str_eq(json_get_str(json_get(d, "text"), ""),
			 "association addresses changed (peer 1 -> 2, inside "
			 "1 -> 1): 192.168.1.10:5000 -> 198.51.100.1:5000 -> "
			 "198.51.100.100,203.0.113.100:80 vtags "
			 "0x00001003/0x00000000");
	json_free(d);
	cr_assert_eq(mon_addrs_format(&v, 1, 1, &conf, 42, buf, 40), 0);
}
