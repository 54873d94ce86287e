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

#define CPORT  5000
#define SPORT  7000
#define NMSG   100
#define RUN_MS 120000 /* fake time a phase may take */

struct world {
	struct urelay *r;
	struct uep c, s, s2, c2;
	struct uep *server; /* the live one of s and s2 */
	struct uep *client; /* the live one of c and c2 */
};

static struct world w;

static void world_create(enum multihome_mode mh)
{
	memset(&w, 0, sizeof(w));
	cr_assert_eq(urelay_create(mh, &w.r), 0);
	w.c.id = 'c';
	w.c.peer_id = 's';
	w.s.id = 's';
	w.s.peer_id = 'c';
	w.s2 = w.s;
	w.c2 = w.c;
	w.server = &w.s;
	w.client = &w.c;
	cr_assert_eq(uep_listen(&w.s, w.r, URELAY_SERVER, SPORT), 0);
}

static void world_up(void)
{
	world_create(MULTIHOME_OFF);
}

/* multihome = uplinks: the box adds both uplinks' public addresses to
 * the client's INIT, which grows and gets a new CRC32c.  usrsctp's AF_CONN
 * socket has no use for IPv4 addresses and keeps its one path, but it
 * must accept the packet. */
static void world_up_uplinks(void)
{
	world_create(MULTIHOME_UPLINKS);
}

static void world_down(void)
{
	uep_close(&w.c, true);
	uep_close(&w.s, true);
	uep_close(&w.s2, true);
	uep_close(&w.c2, true);
	urelay_destroy(w.r);
	w.r = NULL;
}

static void no_errors(void)
{
	cr_assert_str_empty(w.c.err, "%s", w.c.err);
	cr_assert_str_empty(w.s.err, "%s", w.s.err);
	cr_assert_str_empty(w.s2.err, "%s", w.s2.err);
	cr_assert_str_empty(w.c2.err, "%s", w.c2.err);
}

/* What happened so far, in the log: with --verbose, or a warning when a
 * phase failed. */
static void log_state(enum criterion_severity sev, const char *what)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	char c[160], srv[160];

	uep_describe(w.client, c, sizeof(c));
	uep_describe(w.server, srv, sizeof(srv));
	cr_log(sev, "%s: client %s; server %s", what, c, srv);
	cr_log(sev,
	       "%s: %llu ms; packets sent c %llu s %llu s2 %llu c2 %llu, by "
	       "crashed hosts %llu; box fwd/in in %llu/%llu out %llu/%llu, "
	       "dropped in %llu out %llu (last %s); faults drop %llu late "
	       "%llu dup %llu; sunk %llu; messages sent/got client %u/%u "
	       "server %u/%u",
	       what, (unsigned long long)st->ms,
	       (unsigned long long)st->sent[URELAY_CLIENT],
	       (unsigned long long)st->sent[URELAY_SERVER],
	       (unsigned long long)st->sent[URELAY_SERVER2],
	       (unsigned long long)st->sent[URELAY_CLIENT2],
	       (unsigned long long)st->dead,
	       (unsigned long long)st->forwarded[ENGINE_INBOUND],
	       (unsigned long long)st->to_box[ENGINE_INBOUND],
	       (unsigned long long)st->forwarded[ENGINE_OUTBOUND],
	       (unsigned long long)st->to_box[ENGINE_OUTBOUND],
	       (unsigned long long)st->dropped[ENGINE_INBOUND],
	       (unsigned long long)st->dropped[ENGINE_OUTBOUND],
	       drop_reason_name(st->last_drop_reason),
	       (unsigned long long)st->fault_drops,
	       (unsigned long long)st->fault_late,
	       (unsigned long long)st->fault_dups, (unsigned long long)st->sunk,
	       w.client->next_send, w.client->next_recv, w.server->next_send,
	       w.server->next_recv);
}

/* The live endpoints' work: a peer that crashed does nothing more. */
static int step_all(void)
{
	uep_service(w.client);
	uep_service(w.server);
	return w.client->err[0] || w.server->err[0] ? -EPROTO : 0;
}

static int until_up(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return w.client->up && w.server->up && w.server->so ? 1 : 0;
}

/* Every message sent has arrived, and nothing waits for a SACK. */
static int until_delivered(void *arg)
{
	bool sent, got;

	(void)arg;
	if (step_all())
		return -EPROTO;
	sent = w.client->next_send == w.client->send_to &&
	       w.server->next_send == w.server->send_to;
	got = w.server->next_recv == w.client->send_to &&
	      w.client->next_recv == w.server->send_to;
	return sent && got && uep_idle(w.client) && uep_idle(w.server) ? 1 : 0;
}

static void run(urelay_step_fn *until, const char *what)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	int rc = urelay_run(w.r, until, NULL, RUN_MS);

	if (rc != 1)
		log_state(CR_LOG_WARNING, what);
	no_errors();
	cr_assert_eq(rc, 1,
		     "%s: %d after %llu ms; c sent %u got %u, s sent %u got "
		     "%u; engine dropped %llu out %llu in (last %s)",
		     what, rc, (unsigned long long)st->ms, w.client->next_send,
		     w.client->next_recv, w.server->next_send,
		     w.server->next_recv,
		     (unsigned long long)st->dropped[ENGINE_OUTBOUND],
		     (unsigned long long)st->dropped[ENGINE_INBOUND],
		     drop_reason_name(st->last_drop_reason));
}

/* The client connects, after the test has set its hooks. */
static void connect_client(void)
{
	cr_assert_eq(uep_connect(&w.c, w.r, URELAY_CLIENT, CPORT, SPORT), 0);
	run(until_up, "handshake");
}

/* Both ways, n more messages each. */
static void exchange(uint32_t n, const char *what)
{
	w.client->send_to += n;
	w.server->send_to += n;
	run(until_delivered, what);
	cr_assert_eq(w.client->next_recv, w.server->send_to);
	cr_assert_eq(w.server->next_recv, w.client->send_to);
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
	enum urelay_end srv = w.server == &w.s ? URELAY_SERVER : URELAY_SERVER2;
	enum urelay_end cli = w.client == &w.c ? URELAY_CLIENT : URELAY_CLIENT2;
	struct found f;

	memset(&f, 0, sizeof(f));
	engine_foreach_assoc(urelay_engine(w.r), find_assoc, &f);
	cr_assert_eq(f.n, 1, "%u associations not closed", f.n);
	cr_assert_eq(f.v.state, ASSOC_ESTABLISHED, "state %s",
		     assoc_state_name(f.v.state));
	cr_assert_eq(f.v.inside_port, CPORT);
	cr_assert_eq(f.v.peer_port, SPORT);
	cr_assert_eq(f.v.tag_inside, st->last_vtag[cli],
		     "box %08x, client uses %08x", f.v.tag_inside,
		     st->last_vtag[cli]);
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

static uint64_t idle_until_ms;

static int until_idle_over(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return urelay_stats(w.r)->ms >= idle_until_ms ? 1 : 0;
}

/* How many address parameters the INIT that reached the server had. */
static unsigned int init_addrs = ~0u;

static bool watch_init(void *arg, const uint8_t *ip, uint32_t len)
{
	char a[8][48];

	(void)arg;
	if (pkt_find_chunk(ip, len, 1, 0) && pkt_dport(ip) == SPORT)
		init_addrs = pkt_init_addrs(ip, len, a, 8);
	return false;
}

static void plain(void)
{
	const struct urelay_stats *st = urelay_stats(w.r);

	urelay_set_sink(w.r, watch_init, NULL);

	connect_client();
	exchange(NMSG, "100 messages each way");
	check_box();
	cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
		     "the engine dropped a packet (%s)",
		     drop_reason_name(st->last_drop_reason));
	cr_assert_eq(w.c.restarts + w.s.restarts + w.c.lost + w.s.lost, 0);
	log_state(CR_LOG_INFO, "plain");

	/* Quiet for longer than the box's established timeout (300 s by
	 * default): usrsctp's HEARTBEATs (RFC 9260 8.3, every 30 s) keep
	 * the mapping, and messages flow again. */
	idle_until_ms = urelay_stats(w.r)->ms + 400000;
	cr_assert_eq(urelay_run(w.r, until_idle_over, NULL, 500000), 1);
	cr_assert_gt(
		engine_stats(urelay_engine(w.r))->chunks[ENGINE_CS_HEARTBEAT],
		0);
	exchange(NMSG, "100 more messages each way after 400 s");
	check_box();

	/* The SHUTDOWN exchange (RFC 9260 9.2) through the box ends it. */
	uep_close(&w.c, false);
	run(until_closed, "shutdown");
	cr_assert_eq(open_assocs(), 0);
	cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
		     "the engine dropped a packet (%s)",
		     drop_reason_name(st->last_drop_reason));
}

Test(usrsctp_nat, plain, .init = world_up, .fini = world_down, .timeout = 60)
{
	plain();
	cr_assert_eq(init_addrs, 0, "the INIT listed %u addresses", init_addrs);
}

Test(usrsctp_nat, plain_multihome_uplinks, .init = world_up_uplinks,
     .fini = world_down, .timeout = 60)
{
	plain();
	cr_assert_eq(init_addrs, 2, "the INIT listed %u addresses", init_addrs);
}

/* ---- 2. loss, duplication and reordering between the hosts and the box */

struct faults {
	unsigned int inits; /* the client's INITs at the box */
	unsigned int init_acks; /* INIT ACKs past the box */
	uint32_t init_ack_tag[4]; /* their Initiate Tags */
	unsigned int cookie_echoes, cookie_acks; /* at the box */
	unsigned int echoes_out, acks_out; /* past it, copies too */
	unsigned int data[2], sacks[2]; /* by hop */
};

static bool has(const uint8_t *ip, uint32_t len, uint8_t type)
{
	return pkt_find_chunk(ip, len, type, 0) != 0;
}

static enum urelay_fate fault(void *arg, enum urelay_hop hop,
			      enum engine_dir dir, const uint8_t *ip,
			      uint32_t len)
{
	struct faults *f = arg;
	uint32_t off;
	unsigned int n;

	(void)dir;
	if (has(ip, len, 1) && hop == URELAY_TO_BOX)
		f->inits++;
	if (has(ip, len, 2) && hop == URELAY_TO_HOST) {
		/* The first INIT ACK never reaches the client: T1-init
		 * expires, its INIT goes again (RFC 9260 5.1) and usrsctp's
		 * server, holding no state, answers with a new tag: the
		 * box has seen two and must follow the one used. */
		off = pkt_find_chunk(ip, len, 2, 0);
		n = f->init_acks++;
		if (n < 4)
			f->init_ack_tag[n] = (uint32_t)ip[off + 4] << 24 |
					     (uint32_t)ip[off + 5] << 16 |
					     (uint32_t)ip[off + 6] << 8 |
					     ip[off + 7];
		return n == 0 ? URELAY_DROP : URELAY_PASS;
	}
	/* The COOKIE ECHO twice, the copy after the COOKIE ACK; the
	 * COOKIE ACK twice at the box, and late at the client, after the
	 * DATA that follows it. */
	if (has(ip, len, 10)) {
		if (hop == URELAY_TO_HOST)
			f->echoes_out++;
		else if (f->cookie_echoes++ == 0)
			return URELAY_DUP;
	}
	if (has(ip, len, 11)) {
		if (hop == URELAY_TO_HOST && f->acks_out++ < 2)
			return URELAY_LATE;
		if (hop == URELAY_TO_BOX && f->cookie_acks++ == 0)
			return URELAY_DUP;
	}
	if (has(ip, len, 0)) {
		n = f->data[hop]++;
		if (n % (hop == URELAY_TO_BOX ? 11 : 13) == 5)
			return URELAY_DROP;
		if (n % 7 == 3)
			return URELAY_LATE;
		if (n % 17 == 9)
			return URELAY_DUP;
	} else if (has(ip, len, 3)) {
		n = f->sacks[hop]++;
		if (n % 9 == 4)
			return URELAY_DROP;
		if (n % 5 == 2)
			return URELAY_LATE;
	}
	return URELAY_PASS;
}

Test(usrsctp_nat, loss_dup_reorder, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	struct faults f;

	memset(&f, 0, sizeof(f));
	urelay_set_faults(w.r, fault, &f);
	connect_client();
	exchange(NMSG, "100 messages each way");
	log_state(CR_LOG_INFO, "loss_dup_reorder");
	check_box();
	cr_assert_geq(f.inits, 2, "INIT sent %u times", f.inits);
	cr_assert_geq(f.init_acks, 2);
	cr_assert_neq(f.init_ack_tag[0], f.init_ack_tag[1],
		      "usrsctp answered the INIT again with the same tag");
	/* Both copies of each got through the box. */
	cr_assert_geq(f.echoes_out, 2, "%u COOKIE ECHO past the box",
		      f.echoes_out);
	cr_assert_geq(f.acks_out, 2, "%u COOKIE ACK past the box", f.acks_out);
	cr_assert_gt(st->fault_drops, 10);
	cr_assert_eq(w.c.restarts + w.s.restarts + w.c.lost + w.s.lost, 0);
}

/* ---- 3. the peer restarts (RFC 9260 5.2.2) */

static int until_restarted(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return w.s2.up && w.c.restarts ? 1 : 0;
}

/* The restart's own handshake hit: its first INIT ACK lost past the box
 * (the restarted peer sends its INIT again, RFC 9260 5.1 T1-init), its
 * COOKIE ECHO twice, the copy late, and its first COOKIE ACK lost before
 * the box (the box takes the new tags from the exchange that completes
 * after all, or the first packet using them: README, Handshakes and
 * restarts). */
struct restart_faults {
	unsigned int init_acks, echoes, acks;
	uint32_t init_ack_tag[2];
};

static enum urelay_fate restart_fault(void *arg, enum urelay_hop hop,
				      enum engine_dir dir, const uint8_t *ip,
				      uint32_t len)
{
	struct restart_faults *f = arg;
	uint32_t off;

	(void)dir;
	if (has(ip, len, 2) && hop == URELAY_TO_HOST) {
		off = pkt_find_chunk(ip, len, 2, 0);
		if (f->init_acks < 2)
			f->init_ack_tag[f->init_acks] =
				(uint32_t)ip[off + 4] << 24 |
				(uint32_t)ip[off + 5] << 16 |
				(uint32_t)ip[off + 6] << 8 | ip[off + 7];
		return f->init_acks++ == 0 ? URELAY_DROP : URELAY_PASS;
	}
	if (has(ip, len, 10) && hop == URELAY_TO_BOX && f->echoes++ == 0) {
		f->echoes++; /* and its copy */
		return URELAY_DUP;
	}
	if (has(ip, len, 11) && hop == URELAY_TO_BOX && f->acks++ == 0)
		return URELAY_DROP;
	return URELAY_PASS;
}

static void restart(bool lossy)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	struct engine_assoc_view before, after;
	struct restart_faults f;

	connect_client();
	exchange(NMSG / 2, "50 messages each way");
	before = check_box();

	/* The server process dies without a word (what usrsctp would still
	 * send for the old socket is lost) and comes back on the same
	 * address and port; its new INIT reaches the client's live
	 * association through the box, which answers it as a restart. */
	urelay_set_server(w.r, URELAY_SERVER2);
	w.server = &w.s2;
	memset(&f, 0, sizeof(f));
	if (lossy)
		urelay_set_faults(w.r, restart_fault, &f);
	cr_assert_eq(uep_connect(&w.s2, w.r, URELAY_SERVER2, SPORT, CPORT), 0);
	run(until_restarted, "restart");
	log_state(CR_LOG_INFO, "restarted");
	cr_assert_eq(w.c.restarts, 1);
	cr_assert_eq(w.c.lost, 0);
	if (lossy) {
		cr_log_info("restart INIT ACK tags %08x %08x",
			    f.init_ack_tag[0], f.init_ack_tag[1]);
		cr_assert_geq(f.init_acks, 2);
		cr_assert_geq(f.echoes, 2);
		cr_assert_geq(f.acks, 2);
	}

	/* A new association on the client's old socket: numbering starts
	 * again, nothing of the old one may arrive. */
	w.c.next_send = w.c.send_to = w.c.next_recv = 0;
	exchange(NMSG / 2, "50 messages each way after the restart");
	log_state(CR_LOG_INFO, "peer_restart");
	after = check_box();
	cr_assert_neq(after.tag_inside, before.tag_inside);
	cr_assert_neq(after.tag_peer, before.tag_peer);
	cr_assert_eq(after.id, before.id, "the restart made a new mapping");
	cr_assert_eq(w.c.restarts, 1);
	cr_assert_eq(w.c.lost + w.s2.lost, 0);
	if (!lossy)
		cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
			     "the engine dropped a packet (%s)",
			     drop_reason_name(st->last_drop_reason));
}

Test(usrsctp_nat, peer_restart, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	restart(false);
}

Test(usrsctp_nat, peer_restart_lossy, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	restart(true);
}

/* The inside host restarts: it crashes and reconnects from the same
 * port (a NAT's common case, a host rebooted behind it).  Its new INIT
 * goes out through the live mapping; the box must present it on the
 * same public port, or the server sees a new association instead of a
 * restart of the old one. */
static int until_inside_restarted(void *arg)
{
	(void)arg;
	if (step_all())
		return -EPROTO;
	return w.c2.up && w.s.restarts ? 1 : 0;
}

Test(usrsctp_nat, inside_restart, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	struct engine_assoc_view before, after;

	connect_client();
	exchange(NMSG / 2, "50 messages each way");
	before = check_box();

	urelay_set_client(w.r, URELAY_CLIENT2);
	w.client = &w.c2;
	cr_assert_eq(uep_connect(&w.c2, w.r, URELAY_CLIENT2, CPORT, SPORT), 0);
	run(until_inside_restarted, "inside restart");
	log_state(CR_LOG_INFO, "inside restarted");
	cr_assert_eq(w.s.restarts, 1);
	cr_assert_eq(w.s.lost, 0);

	w.s.next_send = w.s.send_to = w.s.next_recv = 0;
	exchange(NMSG / 2, "50 messages each way after the restart");
	log_state(CR_LOG_INFO, "inside_restart");
	after = check_box();
	cr_assert_neq(after.tag_inside, before.tag_inside);
	cr_assert_neq(after.tag_peer, before.tag_peer);
	cr_assert_eq(after.public_port, before.public_port);
	cr_assert_eq(w.s.restarts, 1);
	cr_assert_eq(w.s.lost + w.c2.lost, 0);
	cr_assert_eq(st->dropped[0] + st->dropped[1], 0,
		     "the engine dropped a packet (%s)",
		     drop_reason_name(st->last_drop_reason));
}

/* ---- 4. blind INITs from the peer's addresses while messages flow, and
 * a known tag from a foreign address */

#define PEER2	"203.0.113.100" /* the peer's other address (fixture) */
#define NFORGED 40

struct forger {
	uint32_t rng;
	unsigned int steps, n;
	uint32_t tags[NFORGED];
	uint32_t live_tag; /* the client's tag, known to this attacker */
	unsigned int inits_to_client;
};

static struct forger fg;

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void forge(void)
{
	struct pb p;
	uint32_t itag = xorshift(&fg.rng);
	const char *src = URELAY_PEER;
	uint16_t sport = SPORT;

	switch (fg.n % 5) {
	case 0:
		itag = 0; /* invalid (RFC 9260 3.3.2) */
		break;
	case 2:
		src = PEER2; /* not in the association */
		break;
	case 3:
		sport = SPORT + 1; /* another peer port */
		break;
	case 4:
		/* Not an INIT: an ABORT with the live tag, from an address
		 * outside the association.  Through the box, it would end
		 * the association at the client. */
		fg.tags[fg.n++] = 0;
		fx_chunk(&p, PEER2, URELAY_PUBLIC, SPORT, CPORT, fg.live_tag, 6,
			 0);
		urelay_inject(w.r, ENGINE_INBOUND, p.buf, p.len);
		return;
	default:
		break;
	}
	fg.tags[fg.n++] = itag;
	fx_init(&p, src, URELAY_PUBLIC, sport, CPORT, itag);
	urelay_inject(w.r, ENGINE_INBOUND, p.buf, p.len);
}

/* A forged INIT every 7 packets; until the last, the endpoints always
 * have a message to send. */
static int until_forged_delivered(void *arg)
{
	if (fg.n == NFORGED)
		return until_delivered(arg);
	if (++fg.steps % 7 == 0)
		forge();
	if (w.c.next_send == w.c.send_to) {
		w.c.send_to++;
		w.server->send_to++;
	}
	return step_all();
}

/* The client's answers to forged INITs go nowhere: they carry the
 * forged tag (or 0), or leave for an address that is not the server. */
static bool sink(void *arg, const uint8_t *ip, uint32_t len)
{
	char dst[48];
	uint32_t vtag = pkt_vtag(ip);
	unsigned int i;

	(void)arg;
	pkt_dst(ip, dst);
	if (!strcmp(dst, URELAY_INSIDE)) {
		if (has(ip, len, 1))
			fg.inits_to_client++;
		return false;
	}
	if (strcmp(dst, URELAY_PEER) || vtag == 0)
		return true; /* the live association sends no INIT */
	for (i = 0; i < fg.n; i++)
		if (fg.tags[i] == vtag)
			return true;
	return false;
}

Test(usrsctp_nat, blind_inits, .init = world_up, .fini = world_down,
     .timeout = 60)
{
	const struct urelay_stats *st = urelay_stats(w.r);
	struct engine_assoc_view before, after;

	memset(&fg, 0, sizeof(fg));
	fg.rng = 0x9e3779b9u;
	connect_client();
	urelay_set_sink(w.r, sink, NULL);
	exchange(1, "one message each way");
	before = check_box();
	fg.live_tag = before.tag_inside;

	run(until_forged_delivered, "messages under forged INITs");
	log_state(CR_LOG_INFO, "blind_inits");
	cr_log_info("blind_inits: %u forged, %u INITs reached the client, "
		    "%llu answers sunk",
		    fg.n, fg.inits_to_client, (unsigned long long)st->sunk);
	/* The box lets the inside host see an INIT from the peer's address
	 * and port (README, Handshakes and restarts): usrsctp answered. */
	cr_assert_gt(fg.inits_to_client, 0);
	cr_assert_gt(w.c.send_to, NMSG);
	after = check_box();
	cr_assert_eq(w.c.next_recv, w.server->send_to);
	cr_assert_eq(w.server->next_recv, w.c.send_to);
	cr_assert_eq(after.tag_inside, before.tag_inside);
	cr_assert_eq(after.tag_peer, before.tag_peer);
	cr_assert_eq(w.c.restarts + w.s.restarts + w.c.lost + w.s.lost, 0);
}
