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

#include "ctl_json.h"
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
	struct json_object *d;
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
	cr_assert_eq(ctl_json_parse(buf, n, &d, NULL), 0, "%s", buf);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""),
			 "addresses");
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "peer")), 2);
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "inside")), 1);
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "peers_were"), 9), 1);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "text"), ""),
			 "association addresses changed (peer 1 -> 2, inside "
			 "1 -> 1): 192.168.1.10:5000 -> 198.51.100.1:5000 -> "
			 "198.51.100.100,203.0.113.100:80 vtags "
			 "0x00001003/0x00000000");
	json_object_put(d);
	cr_assert_eq(mon_addrs_format(&v, 1, 1, &conf, 42, buf, 40), 0);
}

/* The address callback of the drop tests: no address changes there. */
static void on_change_ignored(void *arg, const struct engine_assoc_view *v,
			      unsigned int peers_were, unsigned int inside_were)
{
	(void)arg;
	(void)v;
	(void)peers_were;
	(void)inside_were;
	cr_assert_fail("no address change in these passes");
}

struct drops_seen {
	unsigned int n;
	uint32_t id;
	uint32_t delta[ENGINE_ADC__COUNT];
};

static void on_drops(void *arg, const struct engine_assoc_view *v,
		     const uint32_t delta[ENGINE_ADC__COUNT])
{
	struct drops_seen *s = arg;

	s->n++;
	s->id = v->id;
	memcpy(s->delta, delta, sizeof(s->delta));
}

static void pass_drops(struct mon_watch *w, struct engine_assoc_view *v,
		       unsigned int n, struct drops_seen *s)
{
	cr_assert_eq(mon_watch_begin(w), 0);
	for (unsigned int i = 0; i < n; i++)
		mon_watch_see(w, &v[i], on_change_ignored, s);
	mon_watch_end(w);
}

/*
 * Drops matched to an association: reported once per pass with what grew
 * since the pass before, by class, in any state; the first pass sets the
 * reference; an association new since the pass before (or another one
 * on the same id: another tag) reports all of its drops.
 */
Test(mon_watch, drops_by_association)
{
	struct engine_assoc_view v[2];
	struct mon_watch *w;
	struct drops_seen s = { 0 };

	cr_assert_eq(mon_watch_create(16, &w), 0);
	mon_watch_on_drops(w, on_drops);
	make(&v[0], 1, p1, i1);
	make(&v[1], 2, p1, i1);
	v[0].drops[ENGINE_ADC_VTAG] = 5;	/* before the monitor came */
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 0, "first sight is the reference");
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 0, "nothing grew");
	v[1].state = ASSOC_COOKIE_ECHOED;
	v[1].drops[ENGINE_ADC_VTAG] = 3;
	v[1].drops[ENGINE_ADC_POLICY] = 1;
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 1, "one association lost packets");
	cr_assert_eq(s.id, 2);
	cr_assert_eq(s.delta[ENGINE_ADC_VTAG], 3);
	cr_assert_eq(s.delta[ENGINE_ADC_POLICY], 1);
	cr_assert_eq(s.delta[ENGINE_ADC_ADDRESS], 0);
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 1, "reported once");
	v[1].drops[ENGINE_ADC_VTAG] = 10;
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.delta[ENGINE_ADC_VTAG], 7, "what grew since");
	cr_assert_eq(s.delta[ENGINE_ADC_POLICY], 0);
	/* The id reused by another association: its counts are its own. */
	v[1].tag_inside = 0x7777;
	memset(v[1].drops, 0, sizeof(v[1].drops));
	v[1].drops[ENGINE_ADC_OTHER] = 4;
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.delta[ENGINE_ADC_OTHER], 4);
	cr_assert_eq(s.delta[ENGINE_ADC_VTAG], 0, "not the old one's");
	/* New since the last pass, dropping already: all of it is news. */
	pass_drops(w, v, 1, &s);
	v[1].drops[ENGINE_ADC_OTHER] = 6;
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.delta[ENGINE_ADC_OTHER], 6);
	/* Without the callback, nothing is reported. */
	mon_watch_on_drops(w, NULL);
	v[1].drops[ENGINE_ADC_OTHER] = 9;
	pass_drops(w, v, 2, &s);
	cr_assert_eq(s.n, 4);
	mon_watch_destroy(w);
}

Test(mon_watch, drops_line)
{
	uint32_t delta[ENGINE_ADC__COUNT] = { 0 };
	struct engine_config conf;
	struct engine_assoc_view v;
	struct json_object *d;
	char buf[MON_LINE_MAX];
	size_t n;

	memset(&conf, 0, sizeof(conf));
	make(&v, 3, p1, i1);
	v.inside_port = 5000;
	v.public_port = 5000;
	v.peer_port = 80;
	delta[ENGINE_ADC_VTAG] = 20;
	delta[ENGINE_ADC_OTHER] = 1;
	n = mon_assoc_drops_format(&v, delta, 1, &conf, 42, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(buf[n - 1], '\n');
	cr_assert_null(memchr(buf, '\n', n - 1), "one line");
	cr_assert_eq(ctl_json_parse(buf, n, &d, NULL), 0, "%s", buf);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""),
			 "assoc_drops");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "id"), 0), 3);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "state"), ""),
			 "ESTABLISHED");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "public_port"), 0), 5000);
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "count"), 0), 21);
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "interval_s"), 0), 1);
	cr_assert_eq(
		ctl_json_u64(ctl_json_get(ctl_json_get(d, "drops"), "vtag"), 0),
		20);
	cr_assert_eq(
		ctl_json_u64(ctl_json_get(ctl_json_get(d, "drops"), "other"),
			     0),
		1);
	cr_assert_null(ctl_json_get(ctl_json_get(d, "drops"), "policy"),
		       "only the classes that grew");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "text"), ""),
			 "association drops: 21 packets in the last 1 s "
			 "(vtag 20, other 1): 192.168.1.10:5000 -> "
			 "198.51.100.1:5000 -> 198.51.100.100:80 vtags "
			 "0x00001003/0x00000000");
	json_object_put(d);
	cr_assert_eq(mon_assoc_drops_format(&v, delta, 1, &conf, 42, buf, 60),
		     0, "no half line");
}
