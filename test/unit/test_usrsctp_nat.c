/*
 * test_usrsctp_nat.c: real SCTP stacks through the engine.  Two usrsctp
 * endpoints in this process (usrsctp_relay.h: AF_CONN, fake time), an
 * inside client 192.168.1.10:5000 and an outside server
 * 198.51.100.100:7000, every packet between them through
 * engine_process() (README, Contributing, Tests).  Each scenario tries
 * to break something the crafted-packet tests cannot produce as a real
 * stack would: the tags, retransmissions and answers come from usrsctp.
 * Every message must arrive exactly once and in order, and the
 * association through the box must end ESTABLISHED with the tags the
 * two stacks use.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <usrsctp.h>

#include "engine_fixture.h"
#include "usrsctp_ep.h"
#include "usrsctp_relay.h"

#define CPORT	5000
#define SPORT	7000
#define NMSG	100
#define RUN_MS	120000		/* fake time a phase may take */

struct world {
	struct urelay *r;
	struct uep c, s, s2;
	struct uep *server;	/* the live one of s and s2 */
};

static struct world w;
static void dump(const char *what);

static void world_up(void)
{
	memset(&w, 0, sizeof(w));
	cr_assert_eq(urelay_create(MULTIHOME_OFF, &w.r), 0);
	w.c.id = 'c';
	w.c.peer_id = 's';
	w.s.id = 's';
	w.s.peer_id = 'c';
	w.s2 = w.s;
	w.server = &w.s;
	cr_assert_eq(uep_listen(&w.s, w.r, URELAY_SERVER, SPORT), 0);
	cr_assert_eq(uep_connect(&w.c, w.r, URELAY_CLIENT, CPORT, SPORT), 0);
}

static void world_down(void)
{
	uep_close(&w.c, true);
	uep_close(&w.s, true);
	uep_close(&w.s2, true);
	urelay_destroy(w.r);
	w.r = NULL;
}

static void no_errors(void)
{
	cr_assert_str_empty(w.c.err, "%s", w.c.err);
	cr_assert_str_empty(w.s.err, "%s", w.s.err);
	cr_assert_str_empty(w.s2.err, "%s", w.s2.err);
}

static int step_all(void)
{
	uep_service(&w.c);
	uep_service(&w.s);
	uep_service(&w.s2);
	return w.c.err[0] || w.s.err[0] || w.s2.err[0] ? -EPROTO : 0;
}

static int until_up(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return w.c.up && w.server->up && w.server->so ? 1 : 0;
}

/* Every message sent has arrived, and nothing waits for a SACK. */
static int until_delivered(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return w.c.next_send == w.c.send_to &&
			       w.server->next_send == w.server->send_to &&
			       w.server->next_recv == w.c.send_to &&
			       w.c.next_recv == w.server->send_to &&
			       uep_idle(&w.c) && uep_idle(w.server) ?
		       1 :
		       0;
}

static void run(urelay_step_fn *until, const char *what)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	int rc = urelay_run(w.r, until, NULL, RUN_MS);

	no_errors();
	cr_assert_eq(rc, 1,
		     "%s: %d after %llu ms; c sent %u got %u, s sent %u got "
		     "%u; engine dropped %llu out %llu in (last %s)",
		     what, rc, (unsigned long long)st->ms, w.c.next_send,
		     w.c.next_recv, w.server->next_send, w.server->next_recv,
		     (unsigned long long)st->dropped[ENGINE_OUTBOUND],
		     (unsigned long long)st->dropped[ENGINE_INBOUND],
		     drop_reason_name(st->last_drop_reason));
}

/* Both ways, n more messages each. */
static void exchange(uint32_t n, const char *what)
{
	w.c.send_to += n;
	w.server->send_to += n;
	run(until_delivered, what);
	cr_assert_eq(w.c.next_recv, w.server->send_to);
	cr_assert_eq(w.server->next_recv, w.c.send_to);
}

struct found {
	unsigned int n;
	struct engine_assoc_view v;
};

static int find_assoc(const struct engine_assoc_view *v, void *arg)
{
	struct found *f = arg;

	if (v->state == ASSOC_CLOSED)
		return 0;
	f->n++;
	f->v = *v;
	return 0;
}

/* One association through the box, ESTABLISHED, with the tags the
 * stacks use: the client's on what reaches it, the server's on what
 * reaches the server. */
static struct engine_assoc_view check_box(void)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	enum urelay_end srv = w.server == &w.s ? URELAY_SERVER :
						  URELAY_SERVER2;
	struct found f;

	memset(&f, 0, sizeof(f));
	engine_foreach_assoc(urelay_engine(w.r), find_assoc, &f);
	cr_assert_eq(f.n, 1, "%u associations not closed", f.n);
	cr_assert_eq(f.v.state, ASSOC_ESTABLISHED, "state %s",
		     assoc_state_name(f.v.state));
	cr_assert_eq(f.v.inside_port, CPORT);
	cr_assert_eq(f.v.peer_port, SPORT);
	cr_assert_eq(f.v.tag_inside, st->last_vtag[URELAY_CLIENT],
		     "box %08x, client uses %08x", f.v.tag_inside,
		     st->last_vtag[URELAY_CLIENT]);
	cr_assert_eq(f.v.tag_peer, st->last_vtag[srv],
		     "box %08x, server uses %08x", f.v.tag_peer,
		     st->last_vtag[srv]);
	cr_assert_eq(st->bad_crc, 0, "usrsctp sent %llu bad CRC32c",
		     (unsigned long long)st->bad_crc);
	cr_assert_eq(st->unroutable, 0);
	return f.v;
}

/* The client closes; the server closes when it has read the end. */
static int until_closed(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	if (w.server->eof && w.server->so)
		uep_close(w.server, false);
	return engine_stats(urelay_engine(w.r))->assocs_ended ? 1 : 0;
}

static unsigned int open_assocs(void)
{
	struct found f;

	memset(&f, 0, sizeof(f));
	engine_foreach_assoc(urelay_engine(w.r), find_assoc, &f);
	return f.n;
}

Test(usrsctp_nat, plain, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	const struct urelay_stats *st = urelay_stats(w.r);

	run(until_up, "handshake");
	exchange(NMSG, "100 messages each way");
	check_box();
	cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
		     "the engine dropped a packet (%s)",
		     drop_reason_name(st->last_drop_reason));
	cr_assert_eq(w.c.restarts + w.s.restarts + w.c.lost + w.s.lost, 0);
	dump("plain");

	/* The SHUTDOWN exchange (RFC 9260 9.2) through the box ends it. */
	uep_close(&w.c, false);
	run(until_closed, "shutdown");
	cr_assert_eq(open_assocs(), 0);
	cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
		     "the engine dropped a packet (%s)",
		     drop_reason_name(st->last_drop_reason));
}
static void dump(const char *what)
{
	const struct urelay_stats *st = urelay_stats(w.r);

	cr_log_info("%s: %llu ms; sent c %llu s %llu s2 %llu dead %llu; box in "
		    "%llu/%llu out %llu/%llu fwd, dropped %llu/%llu (%s); "
		    "faults drop %llu late %llu dup %llu; sunk %llu; c %u/%u "
		    "s %u/%u s2 %u/%u",
		    what, (unsigned long long)st->ms,
		    (unsigned long long)st->sent[0],
		    (unsigned long long)st->sent[1],
		    (unsigned long long)st->sent[2],
		    (unsigned long long)st->dead,
		    (unsigned long long)st->forwarded[1],
		    (unsigned long long)st->to_box[1],
		    (unsigned long long)st->forwarded[0],
		    (unsigned long long)st->to_box[0],
		    (unsigned long long)st->dropped[1],
		    (unsigned long long)st->dropped[0],
		    drop_reason_name(st->last_drop_reason),
		    (unsigned long long)st->fault_drops,
		    (unsigned long long)st->fault_late,
		    (unsigned long long)st->fault_dups,
		    (unsigned long long)st->sunk, w.c.next_send, w.c.next_recv,
		    w.s.next_send, w.s.next_recv, w.s2.next_send,
		    w.s2.next_recv);
}
