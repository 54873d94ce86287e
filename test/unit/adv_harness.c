/*
 * adv_harness.c: see adv_harness.h.
 *
 * The world: the engine fixture's box (engine_fixture.h) with no INIT
 * rate limit; inside host A on the 1:1 network (10.9.0.10 and 10.9.0.11,
 * shown as 198.18.0.10 / .11, later 10.9.0.12 by ASCONF) or, in the other
 * variant, single-homed 192.168.1.10 behind the NAPT address
 * 198.51.100.1; peer Z at 198.51.100.100 and 203.0.113.100, port 3868.
 * The attacker sends from 192.0.2.66 or spoofs Z's addresses.
 *
 * Packets wait in a network queue before the box.  A schedule step either
 * makes an endpoint act (send data, time out, restart, shut down, add an
 * address), or acts on the queue (deliver the oldest, deliver any one:
 * reordering, duplicate, lose, deliver and lose after the box), or
 * forges a packet.  Delivery runs the packet through the engine and, if
 * forwarded, hands it to the other endpoint, whose answers join the queue.
 *
 * What must pass is decided from the endpoints' state when the packet
 * reaches the box (must_pass()): a packet in the current exchange of
 * both ends.  Duplicates, stale packets and answers to forgeries may pass
 * or not, but if they pass they must be translated right.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adv_harness.h"
#include "engine_fixture.h"
#include "sctp_wire.h"

#define ZPORT		3868
#define APORT		5000
#define ATTACKER	"192.0.2.66"
#define STEP_NS		(5 * 1000 * 1000ull)
#define QMAX		48
#define PKT_MAX		1024
#define MAX_ADDRS	4
#define COOKIE_LEN	(4 * 7 + 4 * MAX_ADDRS)
#define TRACE_LINES	60
#define SHUT_RETX_MAX	3
/*
 * Max.Init.Retransmits (RFC 9260 16, 8 by default, as in Linux, FreeBSD
 * and usrsctp): T1-init and T1-cookie expire this many times, each
 * retransmitting, then the endpoint gives up the attempt (5.1, 6.3.3).
 */
#define INIT_RETX_MAX	8
/*
 * The timers' real durations (RFC 9260 16): RTO.Initial and RTO.Min
 * (1 s), RTO.Max (60 s), HB.interval (30 s), Association.Max.Retrans
 * (10).  Steps compress time (STEP_NS); at a give-up the clock runs on
 * for what the attempt really took (clock_runs()), and the other
 * endpoint's timers run with it.
 */
#define RTO_MIN_NS	  FX_SEC
#define RTO_MAX_NS	  (60 * FX_SEC)
#define HB_INTERVAL_NS	  (30 * FX_SEC)
#define ASSOC_MAX_RETRANS 10

static const char *const adv_inv_names[ADV_INV__COUNT] = {
#define ADV_INV_NAME(n, s) [ADV_INV_##n] = #n ": " s,
	ADV_INVARIANTS(ADV_INV_NAME)
#undef ADV_INV_NAME
};

const char *adv_invariant_name(enum adv_invariant i)
{
	return (unsigned int)i < ADV_INV__COUNT ? adv_inv_names[i] : "?";
}

enum ep_state {
	EP_CLOSED = 0,
	EP_COOKIE_WAIT,
	EP_COOKIE_ECHOED,
	EP_ESTABLISHED,
	EP_SHUTDOWN_SENT,
	EP_SHUTDOWN_ACK_SENT,
};

static const char *const ep_state_names[] = {
	"CLOSED", "COOKIE-WAIT", "COOKIE-ECHOED", "ESTABLISHED",
	"SHUTDOWN-SENT", "SHUTDOWN-ACK-SENT",
};

enum who { WHO_A = 0, WHO_Z = 1, WHO_ATT = 2 };
static const char *const who_names[] = { "A", "Z", "attacker" };

/* IPv4 addresses are kept as host-order integers: cheap to compare. */
struct ep {
	enum who who;
	enum ep_state st;
	uint32_t my_tag, peer_tag;
	uint32_t next_tsn, peer_cum;
	uint32_t secret;
	uint16_t port, peer_port;
	uint32_t addrs[MAX_ADDRS];	/* our own, as we send from them */
	int n_addrs;
	uint32_t peer_addrs[MAX_ADDRS];	/* as we see the peer */
	int n_peer;
	uint8_t cookie[COOKIE_LEN];	/* to echo in COOKIE-ECHOED */
	uint32_t init_tsn;		/* of our INIT, for retransmissions */
	bool data_out;			/* one DATA outstanding */
	uint32_t data_tsn, data_seq, sent_seq;
	uint32_t shut_retx;
	/* T1-init or T1-cookie expiries in this state of this attempt. */
	uint32_t init_retx;
	uint64_t t1_sent_step; /* its last INIT / COOKIE ECHO */
	uint64_t t1_start_ns; /* this state's first INIT / COOKIE ECHO */
	uint64_t timer_ns; /* when it last armed a retransmission timer */
	/* When this attempt's INIT passed the box, or its latest COOKIE
	 * ECHO, for the box's setup timeout (handshake_forgotten()); 0:
	 * not yet. */
	uint64_t init_pass_ns;
	/* Retransmissions and HEARTBEATs unanswered while the clock ran
	 * (clock_runs()): the association's error count (RFC 9260 8.1). */
	uint32_t errors;
	/* The pair it was ESTABLISHED with before a restart replaced it. */
	uint32_t left_tag, left_peer;
	/* ASCONF (RFC 5061): one outstanding request. */
	bool asconf_out, asconf_auth;
	uint32_t asconf_serial, asconf_addr, peer_serial;
};

struct qpkt {
	uint8_t buf[PKT_MAX];
	uint32_t len;
	enum who from;
	bool dup;		/* a copy the network made */
	bool reaction;		/* an answer to a forged packet */
	uint64_t sent_step; /* when it left its sender (copies too) */
	uint32_t id;
	char what[64];
};

struct world {
	struct engine *e;
	bool one_to_one;	/* A on the 1:1 network, multihomed */
	struct ep ep[2];
	struct qpkt q[QMAX];
	int nq;
	uint32_t next_id;
	uint64_t now;
	uint64_t step;
	uint64_t rng;
	uint32_t max_init_retx; /* Max.Init.Retransmits of both ends */
	bool reacting;		/* endpoint input caused by a forgery */
	bool box_assoc;		/* the box holds the endpoints' association */
	/* The box holds no association any more: the next outbound packet
	 * may leave from another public port (a new mapping). */
	bool port_free;
	bool clock_running; /* inside clock_runs() */
	uint64_t ticked_sec; /* the box's timers last ran then */
	uint64_t setup_ns; /* the box's setup timeout */
	/* The tags both ends last agreed on: during a restart the box
	 * rightly still takes them (it cannot know yet). */
	uint32_t agreed_a, agreed_z;
	/* The pair agreed before them: both ends may agree on a restart's
	 * tags before its COOKIE ACK reaches the box, which until then
	 * rightly still holds this one (README, Handshakes and restarts). */
	uint32_t prev_a, prev_z;
	/* And A's addresses then: the box holds them until a restart
	 * completes, as it must (a restart may fail).  They include those
	 * an ASCONF of that association added and the peer acknowledged
	 * (RFC 5061 5.2; its ASCONF-ACK reports success, 4.1.2): from
	 * then on they are the association's addresses as much as the
	 * INIT's, until a restart's COOKIE ACK replaces the association
	 * at the box (RFC 9260 5.2.4 A; the new one has only the
	 * addresses its INIT ACK listed, 5.2.2). */
	uint32_t agreed_addrs[MAX_ADDRS];
	int n_agreed;
	/* Likewise for the pair agreed before the last one. */
	uint32_t prev_addrs[MAX_ADDRS];
	int n_prev;
	uint16_t pub_port;	/* learned from the first INIT through */
	/* Schedule reader. */
	const uint8_t *s;
	size_t slen, spos;
	struct adv_report *rep;
	struct adv_stats *st;
	char trace[TRACE_LINES][160];
	unsigned int ntrace;
	enum adv_invariant failed;
};

/* ---------------- small helpers ---------------- */

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return ntohl(a.s_addr);
}

static const char *ip4s(uint32_t a, char *buf)
{
	struct in_addr x = { .s_addr = htonl(a) };

	inet_ntop(AF_INET, &x, buf, 16);
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: the endpoints' tags and TSNs, from the schedule. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd32(struct world *w)
{
	uint32_t v;

	do
		v = (uint32_t)rng_next(&w->rng);
	while (v == 0);		/* RFC 9260 3.3.2: a tag is never 0 */
	return v;
}

static uint8_t sbyte(struct world *w)
{
	return w->spos < w->slen ? w->s[w->spos++] : 0;
}

static void trace(struct world *w, const char *fmt, ...)
{
	char *l = w->trace[w->ntrace++ % TRACE_LINES];
	int n;
	va_list ap;

	n = snprintf(l, 160, "  step %4llu: ", (unsigned long long)w->step);
	va_start(ap, fmt);
	vsnprintf(l + n, (size_t)(160 - n), fmt, ap);
	va_end(ap);
}

/* ---------------- packet decoding ---------------- */

struct pview {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t vtag;
	const uint8_t *sctp;
	uint32_t slen;
	const uint8_t *ch;	/* first chunk that is not AUTH */
	uint16_t clen;
	uint8_t type, flags;
	bool auth;
};

static bool pview(const uint8_t *ip, uint32_t len, struct pview *v)
{
	uint32_t off;

	memset(v, 0, sizeof(*v));
	if (len < 20 + 12 || (ip[0] >> 4) != 4)
		return false;
	off = (uint32_t)(ip[0] & 15) * 4;
	v->src = get32(ip + 12);
	v->dst = get32(ip + 16);
	v->sctp = ip + off;
	v->slen = len - off;
	v->sport = get16(v->sctp);
	v->dport = get16(v->sctp + 2);
	v->vtag = get32(v->sctp + 4);
	for (off = 12; off + 4 <= v->slen;) {
		const uint8_t *c = v->sctp + off;
		uint16_t cl = get16(c + 2);

		if (cl < 4 || off + cl > v->slen)
			return false;
		if (c[0] == SCTP_CID_AUTH) {
			v->auth = true;
		} else {
			v->ch = c;
			v->clen = cl;
			v->type = c[0];
			v->flags = c[1];
			return true;
		}
		off += (cl + 3u) & ~3u;
	}
	return false;
}

static const char *chunk_name(uint8_t t)
{
	switch (t) {
	case SCTP_CID_DATA: return "DATA";
	case SCTP_CID_INIT: return "INIT";
	case SCTP_CID_INIT_ACK: return "INIT-ACK";
	case SCTP_CID_SACK: return "SACK";
	case SCTP_CID_HEARTBEAT: return "HEARTBEAT";
	case SCTP_CID_HEARTBEAT_ACK: return "HEARTBEAT-ACK";
	case SCTP_CID_ABORT: return "ABORT";
	case SCTP_CID_SHUTDOWN: return "SHUTDOWN";
	case SCTP_CID_SHUTDOWN_ACK: return "SHUTDOWN-ACK";
	case SCTP_CID_COOKIE_ECHO: return "COOKIE-ECHO";
	case SCTP_CID_COOKIE_ACK: return "COOKIE-ACK";
	case SCTP_CID_SHUTDOWN_COMPLETE: return "SHUTDOWN-COMPLETE";
	case SCTP_CID_ASCONF: return "ASCONF";
	case SCTP_CID_ASCONF_ACK: return "ASCONF-ACK";
	default: return "chunk";
	}
}

static void describe(const uint8_t *ip, uint32_t len, char *out, size_t n)
{
	struct pview v;
	char s[16], d[16];

	if (!pview(ip, len, &v)) {
		snprintf(out, n, "(undecodable, %u bytes)", len);
		return;
	}
	snprintf(out, n, "%s:%u > %s:%u vtag %08x %s%s%s flags %02x",
		 ip4s(v.src, s), v.sport, ip4s(v.dst, d), v.dport, v.vtag,
		 v.auth ? "AUTH+" : "", chunk_name(v.type),
		 v.type == SCTP_CID_INIT || v.type == SCTP_CID_INIT_ACK ?
		 " (itag)" : "", v.flags);
	if (v.type == SCTP_CID_INIT || v.type == SCTP_CID_INIT_ACK) {
		size_t l = strlen(out);

		snprintf(out + l, n - l, " itag %08x", get32(v.ch + 4));
	}
}

/* ---------------- the report ---------------- */

static void hexdump(char *out, size_t n, const uint8_t *b, uint32_t len)
{
	size_t l = strlen(out);

	for (uint32_t i = 0; i < len && i < 96 && l + 4 < n; i++) {
		snprintf(out + l, n - l, "%s%02x", i % 32 ? "" : "\n    ",
			 b[i]);
		l = strlen(out);
	}
}

static void ep_line(struct world *w, const struct ep *p, char *out, size_t n)
{
	char a[16];

	size_t l;

	snprintf(out, n, "  %s: %s my_tag %08x peer_tag %08x delivered %u "
		 "addrs", who_names[p->who], ep_state_names[p->st], p->my_tag,
		 p->peer_tag, p->data_seq);
	for (int i = 0; i < p->n_addrs; i++) {
		l = strlen(out);
		snprintf(out + l, n - l, " %s", ip4s(p->addrs[i], a));
	}
	l = strlen(out);
	snprintf(out + l, n - l, " peer");
	for (int i = 0; i < p->n_peer; i++) {
		l = strlen(out);
		snprintf(out + l, n - l, " %s", ip4s(p->peer_addrs[i], a));
	}
	l = strlen(out);
	snprintf(out + l, n - l, "\n");
	(void)w;
}

static int dump_view(const struct engine_assoc_view *v, void *arg)
{
	char *out = arg;
	size_t l = strlen(out);
	char in[48], pub[48];

	snprintf(out + l, ADV_REPORT_MAX - l,
		 "  box: #%u %s ports %u->%u peer %u tag_inside %08x "
		 "tag_peer %08x locals %u paths %u",
		 v->id, assoc_state_name((enum assoc_state)v->state),
		 v->inside_port, v->public_port, v->peer_port, v->tag_inside,
		 v->tag_peer, v->n_locals, v->n_paths);
	for (int i = 0; i < v->n_locals && i < 4; i++) {
		l = strlen(out);
		snprintf(out + l, ADV_REPORT_MAX - l, " [%s=%s]",
			 nat_addr_str(&v->locals[i].inside, in, sizeof(in)),
			 nat_addr_str(&v->locals[i].public_, pub,
				      sizeof(pub)));
	}
	l = strlen(out);
	snprintf(out + l, ADV_REPORT_MAX - l, "\n");
	return 0;
}

static void fail(struct world *w, enum adv_invariant inv,
		 const uint8_t *pkt, uint32_t len, const char *fmt, ...)
{
	char *out = w->rep->text;
	char line[256];
	size_t l;
	va_list ap;

	if (w->failed)
		return;
	w->failed = inv;
	w->rep->inv = inv;
	w->rep->step = w->step;
	snprintf(out, ADV_REPORT_MAX, "invariant %s\n  at step %llu: ",
		 adv_invariant_name(inv), (unsigned long long)w->step);
	l = strlen(out);
	va_start(ap, fmt);
	vsnprintf(out + l, ADV_REPORT_MAX - l, fmt, ap);
	va_end(ap);
	if (pkt) {
		describe(pkt, len, line, sizeof(line));
		l = strlen(out);
		snprintf(out + l, ADV_REPORT_MAX - l, "\n  packet: %s", line);
		hexdump(out, ADV_REPORT_MAX, pkt, len);
	}
	l = strlen(out);
	snprintf(out + l, ADV_REPORT_MAX - l, "\n  endpoints:\n");
	for (int i = 0; i < 2; i++) {
		ep_line(w, &w->ep[i], line, sizeof(line));
		l = strlen(out);
		snprintf(out + l, ADV_REPORT_MAX - l, "%s", line);
	}
	engine_foreach_assoc(w->e, dump_view, out);
	l = strlen(out);
	snprintf(out + l, ADV_REPORT_MAX - l, "  last steps:\n");
	for (unsigned int i = w->ntrace > TRACE_LINES ?
	     w->ntrace - TRACE_LINES : 0; i < w->ntrace; i++) {
		l = strlen(out);
		snprintf(out + l, ADV_REPORT_MAX - l, "%s\n",
			 w->trace[i % TRACE_LINES]);
	}
}

/* ---------------- addresses ---------------- */

/* The public address the box shows for an inside address of A. */
static uint32_t pub_of(const struct world *w, uint32_t inside)
{
	if (w->one_to_one)
		return (inside & 0xffff) | ip4("198.18.0.0");
	return ip4("198.51.100.1");
}

static uint32_t inside_of(const struct world *w, uint32_t pub)
{
	if (w->one_to_one)
		return (pub & 0xffff) | ip4("10.9.0.0");
	return ip4("192.168.1.10");
}

static bool in_list(const uint32_t *l, int n, uint32_t a)
{
	for (int i = 0; i < n; i++)
		if (l[i] == a)
			return true;
	return false;
}

static void add_addr(uint32_t *l, int *n, uint32_t a)
{
	if (!in_list(l, *n, a) && *n < MAX_ADDRS)
		l[(*n)++] = a;
}

/* ---------------- sending ---------------- */

static struct qpkt *enqueue(struct world *w, const struct pb *p,
			    enum who from, const char *what)
{
	struct qpkt *q;

	if (w->nq == QMAX) {	/* a full network loses the oldest */
		memmove(&w->q[0], &w->q[1], sizeof(w->q[0]) * (QMAX - 1));
		w->nq--;
	}
	q = &w->q[w->nq++];
	memcpy(q->buf, p->buf, p->len);
	q->len = p->len;
	q->from = from;
	q->dup = false;
	q->reaction = from != WHO_ATT && w->reacting;
	q->sent_step = w->step;
	q->id = w->next_id++;
	snprintf(q->what, sizeof(q->what), "%s", what);
	return q;
}

static void start(struct pb *p, uint32_t src, uint32_t dst, uint16_t sport,
		  uint16_t dport, uint32_t vtag)
{
	char s[16], d[16];

	pb_ip4(p, ip4s(src, s), ip4s(dst, d));
	pb_sctp(p, sport, dport, vtag);
}

/* Our primary path: first own address to first peer address. */
static void start_ep(struct pb *p, const struct ep *e, uint32_t vtag,
		     int path)
{
	uint32_t src = e->addrs[path % e->n_addrs];
	uint32_t dst = e->peer_addrs[(path / 4) % (e->n_peer ? e->n_peer : 1)];

	start(p, src, dst, e->port, e->peer_port, vtag);
}

static void send_pkt(struct world *w, struct ep *e, struct pb *p,
		     const char *what)
{
	char d[160];

	pb_finish(p);
	describe(p->buf, p->len, d, sizeof(d));
	trace(w, "%s sends %s%s: %s", who_names[e->who], what,
	      w->reacting ? " (answer to a forgery)" : "", d);
	enqueue(w, p, e->who, what);
}

static void init_fixed(struct pb *p, uint8_t type, uint32_t itag,
		       uint32_t tsn)
{
	pb_chunk_begin(p, type, 0);
	pb_u32(p, itag);
	pb_u32(p, 65536);
	pb_u16(p, 10);
	pb_u16(p, 10);
	pb_u32(p, tsn);
}

static void param_ip4(struct pb *p, uint32_t a)
{
	uint8_t b[4];

	put32(b, a);
	pb_param(p, SCTP_PARAM_IPV4_ADDR, b, 4);
}

static void send_init(struct world *w, struct ep *e)
{
	struct pb p;

	start_ep(&p, e, 0, 0);
	init_fixed(&p, SCTP_CID_INIT, e->my_tag, e->init_tsn);
	for (int i = 0; i < e->n_addrs; i++)
		param_ip4(&p, e->addrs[i]);
	e->t1_sent_step = w->step;
	e->timer_ns = w->now;
	send_pkt(w, e, &p, "INIT");
}

/* The cookie: our tag, the peer's, both TSNs, the peer's addresses, MAC. */
static uint32_t cookie_mac(const struct ep *e, const uint8_t *c)
{
	uint64_t h = e->secret;

	for (int i = 0; i < COOKIE_LEN - 4; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static void make_cookie(const struct ep *e, uint8_t *c, uint32_t my_tag,
			uint32_t peer_tag, uint32_t my_tsn, uint32_t peer_tsn,
			const uint32_t *peer_addrs, int n)
{
	memset(c, 0, COOKIE_LEN);
	put32(c, my_tag);
	put32(c + 4, peer_tag);
	put32(c + 8, my_tsn);
	put32(c + 12, peer_tsn);
	/* The peer's addresses, and how many of ours the INIT ACK lists. */
	put32(c + 16, (uint32_t)n | (uint32_t)e->n_addrs << 16);
	put32(c + 20, e->my_tag);	/* tie-tags, RFC 9260 5.2.2 */
	for (int i = 0; i < n && i < MAX_ADDRS; i++)
		put32(c + 24 + 4 * i, peer_addrs[i]);
	put32(c + COOKIE_LEN - 4, cookie_mac(e, c));
}

/*
 * Answer an INIT (RFC 9260 5.1 B, 5.2.1, 5.2.2): an INIT ACK to the
 * INIT's source from the address it reached, with a cookie.  The Initiate
 * Tag is our own tag while our INIT is outstanding (collision), else a new
 * random one.
 */
static void answer_init(struct world *w, struct ep *e, const struct pview *v)
{
	uint32_t itag = get32(v->ch + 4), ptsn = get32(v->ch + 16);
	uint32_t addrs[MAX_ADDRS];
	uint8_t c[COOKIE_LEN];
	uint32_t tag, tsn;
	int n = 0;
	struct pb p;

	addrs[n++] = v->src;
	for (uint32_t off = 20; off + 8 <= v->clen;) {
		const uint8_t *pp = v->ch + off;
		uint16_t pl = get16(pp + 2);

		if (pl < 4)
			break;
		if (get16(pp) == SCTP_PARAM_IPV4_ADDR && pl == 8)
			add_addr(addrs, &n, get32(pp + 4));
		off += (pl + 3u) & ~3u;
	}
	if (e->st == EP_COOKIE_WAIT || e->st == EP_COOKIE_ECHOED) {
		tag = e->my_tag;
		tsn = e->init_tsn;
	} else {
		tag = rnd32(w);
		tsn = rnd32(w);
	}
	make_cookie(e, c, tag, itag, tsn, ptsn, addrs, n);
	start(&p, v->dst, v->src, e->port, v->sport, itag);
	init_fixed(&p, SCTP_CID_INIT_ACK, tag, tsn);
	for (int i = 0; i < e->n_addrs; i++)
		param_ip4(&p, e->addrs[i]);
	pb_param(&p, SCTP_PARAM_STATE_COOKIE, c, COOKIE_LEN);
	send_pkt(w, e, &p, "INIT-ACK");
}

static void reply_simple(struct world *w, struct ep *e,
			 const struct pview *v, uint32_t vtag, uint8_t type,
			 uint8_t flags, const char *what)
{
	struct pb p;

	start(&p, v->dst, v->src, e->port, v->sport, vtag);
	pb_chunk_begin(&p, type, flags);
	if (type == SCTP_CID_SHUTDOWN)
		pb_u32(&p, e->peer_cum);
	send_pkt(w, e, &p, what);
}

static void send_cookie_echo(struct world *w, struct ep *e)
{
	struct pb p;

	start_ep(&p, e, e->peer_tag, 0);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, e->cookie, COOKIE_LEN);
	e->t1_sent_step = w->step;
	e->timer_ns = w->now;
	send_pkt(w, e, &p, "COOKIE-ECHO");
}

static void send_data(struct world *w, struct ep *e, int path)
{
	uint8_t pl[8];
	struct pb p;

	put32(pl, e->sent_seq);
	put32(pl + 4, e->who);
	start_ep(&p, e, e->peer_tag, path);
	pb_data(&p, e->data_tsn, 46, pl, sizeof(pl));
	send_pkt(w, e, &p, "DATA");
}

static void send_shutdown(struct world *w, struct ep *e)
{
	struct pb p;

	start_ep(&p, e, e->peer_tag, 0);
	pb_chunk_begin(&p, SCTP_CID_SHUTDOWN, 0);
	pb_u32(&p, e->peer_cum);
	e->timer_ns = w->now;
	send_pkt(w, e, &p, "SHUTDOWN");
}

static void send_heartbeat(struct world *w, struct ep *e, int path)
{
	struct pb p;

	start_ep(&p, e, e->peer_tag, path);
	pb_heartbeat(&p, SCTP_CID_HEARTBEAT, "hb");
	e->timer_ns = w->now;
	send_pkt(w, e, &p, "HEARTBEAT");
}

static void send_shutdown_ack(struct world *w, struct ep *e)
{
	struct pb p;

	start_ep(&p, e, e->peer_tag, 0);
	pb_chunk_begin(&p, SCTP_CID_SHUTDOWN_ACK, 0);
	e->timer_ns = w->now;
	send_pkt(w, e, &p, "SHUTDOWN-ACK");
}

/*
 * AUTH (RFC 4895) with the endpoints' shared key: the model's "HMAC" is
 * the key itself, which is all an endpoint needs to tell its peer's
 * ASCONF from a forger's (who sends zeros, pb_auth()).
 */
static const uint8_t auth_key[20] = "adv-shared-auth-key";

static void auth_chunk(struct pb *p)
{
	pb_chunk_begin(p, SCTP_CID_AUTH, 0);
	pb_u16(p, 0);		/* shared key id */
	pb_u16(p, 1);		/* HMAC-SHA-1 */
	pb_bytes(p, auth_key, sizeof(auth_key));
}

static bool auth_ok(const struct pview *v)
{
	const uint8_t *c = v->sctp + 12;

	return c[0] == SCTP_CID_AUTH && get16(c + 2) == 28 &&
	       !memcmp(c + 8, auth_key, sizeof(auth_key));
}

/*
 * ASCONF Add IP (RFC 5061 4.1): under AUTH the inside host names the new
 * address by the wildcard and sends from it (the box cannot rewrite
 * authenticated bytes); without AUTH it names it from a known address.
 */
static void send_asconf(struct world *w, struct ep *e)
{
	char a[16];
	struct pb p;

	if (e->asconf_auth) {
		start(&p, e->asconf_addr, e->peer_addrs[0], e->port,
		      e->peer_port, e->peer_tag);
		auth_chunk(&p);
		pb_asconf(&p, e->asconf_serial, "0.0.0.0");
		pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
	} else {
		start_ep(&p, e, e->peer_tag, 0);
		pb_asconf(&p, e->asconf_serial, ip4s(e->addrs[0], a));
		pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1,
				ip4s(e->asconf_addr, a));
	}
	send_pkt(w, e, &p, e->asconf_auth ? "AUTH+ASCONF" : "ASCONF");
}

/* ---------------- endpoint actions ---------------- */

static void ep_reset(struct ep *e)
{
	e->st = EP_CLOSED;
	e->my_tag = e->peer_tag = 0;
	e->data_out = e->asconf_out = false;
	e->n_peer = 0;
	e->shut_retx = 0;
	e->init_retx = 0;
	e->errors = 0;
}

static void ep_base_addrs(struct world *w, struct ep *e)
{
	if (e->who == WHO_Z) {
		e->n_addrs = 2;
		e->addrs[0] = ip4("198.51.100.100");
		e->addrs[1] = ip4("203.0.113.100");
	} else if (w->one_to_one) {
		e->n_addrs = 2;
		e->addrs[0] = ip4("10.9.0.10");
		e->addrs[1] = ip4("10.9.0.11");
	} else {
		e->n_addrs = 1;
		e->addrs[0] = ip4("192.168.1.10");
	}
}

/* Open (A) or, after a crash, restart (either): a fresh INIT. */
static void ep_connect(struct world *w, struct ep *e)
{
	ep_reset(e);
	ep_base_addrs(w, e);
	e->st = EP_COOKIE_WAIT;
	e->my_tag = rnd32(w);
	e->init_tsn = rnd32(w);
	e->next_tsn = e->init_tsn;
	e->t1_start_ns = w->now;
	e->init_pass_ns = 0;
	if (e->who == WHO_A) {
		e->n_peer = 1;
		e->peer_addrs[0] = ip4("198.51.100.100");
	} else {
		/* Z restarts toward the address A showed it. */
		e->n_peer = 1;
		e->peer_addrs[0] = pub_of(w, w->ep[WHO_A].addrs[0]);
		e->peer_port = w->pub_port;
	}
	send_init(w, e);
}

static void ep_established(struct world *w, struct ep *e)
{
	e->st = EP_ESTABLISHED;
	e->data_out = false;
	e->asconf_out = false;
	e->shut_retx = 0;
	e->errors = 0;
	e->timer_ns = w->now;
}

/*
 * The last T1 expiry before an endpoint gives up comes at least RTO.Max
 * (60 s, RFC 9260 16) after its last INIT or COOKIE ECHO: the RTO
 * doubles at each expiry (6.3.3 E2, which T1 follows, 5.1) from at least
 * RTO.Min (1 s) and Max.Init.Retransmits (8) doublings pass RTO.Max.
 * No network holds a packet that long, so everything the endpoint sent
 * until then has been delivered or lost; the schedule's steps, which
 * compress time, must not deliver it after the new attempt's INIT.
 * Lost, then.
 */
static void forget_old_packets(struct world *w, const struct ep *e)
{
	int n = 0, kept = 0;

	for (int i = 0; i < w->nq; i++) {
		if (w->q[i].from == e->who &&
		    w->q[i].sent_step <= e->t1_sent_step) {
			n++;
			continue;
		}
		if (kept != i)
			w->q[kept] = w->q[i];
		kept++;
	}
	w->nq = kept;
	if (n)
		trace(w, "network has lost %d older packets of %s", n,
		      who_names[e->who]);
}

static void deliver(struct world *w, int i, bool lose_after);
static void ep_timeout(struct world *w, struct ep *e);

/* The RTO after n expiries: doubled each time (RFC 9260 6.3.3 E2). */
static uint64_t rto_after(uint32_t n)
{
	return n >= 6 ? RTO_MAX_NS : RTO_MIN_NS << n;
}

static int any_assoc(const struct engine_assoc_view *v, void *arg)
{
	(void)v;
	(void)arg;
	return 1;
}

/*
 * The box's timers run about once a second in the daemon (engine_tick);
 * when they have expired every association, the next mapping may take
 * another public port.
 */
static void box_tick(struct world *w)
{
	if (w->now / FX_SEC == w->ticked_sec)
		return;
	w->ticked_sec = w->now / FX_SEC;
	engine_tick(w->e, w->now);
	if (engine_foreach_assoc(w->e, any_assoc, NULL) == 0) {
		if (w->box_assoc)
			trace(w, "the box has let the association expire");
		w->box_assoc = false;
		w->port_free = true;
	}
}

/* When e's next retransmission timer (or HEARTBEAT) is due. */
static uint64_t ep_next_timer(const struct ep *e)
{
	switch (e->st) {
	case EP_COOKIE_WAIT:
	case EP_COOKIE_ECHOED:
		return e->timer_ns + rto_after(e->init_retx);
	case EP_SHUTDOWN_SENT:
		return e->timer_ns + rto_after(e->errors);
	case EP_SHUTDOWN_ACK_SENT:
		return e->timer_ns + rto_after(e->shut_retx);
	case EP_ESTABLISHED:
		/* T3-rtx for what is outstanding, else a HEARTBEAT every
		 * HB.interval plus the RTO (8.3).  (A multihomed endpoint
		 * would also heartbeat its idle paths meanwhile: left out,
		 * the box may let the association expire a minute before
		 * the endpoint gives it up.) */
		return e->timer_ns + rto_after(e->errors) +
		       (e->data_out || e->asconf_out ? 0 : HB_INTERVAL_NS);
	default:
		return UINT64_MAX;
	}
}

/* e's timer expires while the clock runs (clock_runs()). */
static void ep_timer_runs(struct world *w, struct ep *e)
{
	if (e->st != EP_ESTABLISHED && e->st != EP_SHUTDOWN_SENT) {
		ep_timeout(w, e); /* T1 and its give-up; T2 in 9.2 */
		return;
	}
	if (++e->errors > ASSOC_MAX_RETRANS) {
		/*
		 * RFC 9260 8.1 (9.2 for SHUTDOWN): the peer is unreachable,
		 * the association closes without a word.  The inside host's
		 * application connects again, as after a give-up; the peer
		 * listens.
		 */
		trace(w,
		      "%s: Association.Max.Retrans exceeded, the "
		      "association fails (8.1)",
		      who_names[e->who]);
		ep_reset(e);
		if (e->who == WHO_A)
			ep_connect(w, e);
		return;
	}
	if (e->st == EP_ESTABLISHED && !e->data_out && !e->asconf_out)
		send_heartbeat(w, e, (int)e->errors);
	else
		ep_timeout(w, e);
	e->timer_ns = w->now;
}

/*
 * Endpoint e gives an attempt up: in real time that is at least the 9
 * T1 expiries after this state's first INIT or COOKIE ECHO (1 + 2 + ...
 * + 32 + 60 + 60 + 60 = 243 s with the RTO doubling from RTO.Initial to
 * RTO.Max, RFC 9260 6.3.3, 5.1, 16), which the schedule's steps
 * compressed into a few milliseconds.  Let that time pass, with
 * everything that happens in it:
 *
 * - what is in the network reaches the box now (no network holds a
 *   packet for minutes) and is lost beyond it: e heard nothing that
 *   would have kept it from giving up, and the other end nothing either;
 * - the other endpoint's timers run at their real rate: it retransmits
 *   (and may give its own attempt up and start again), sends HEARTBEATs
 *   when idle, gives its association up after Association.Max.Retrans
 *   unanswered (8.1), all through the box and lost beyond it;
 * - the box's timers run (about once a second, as in the daemon): its
 *   handshake candidates, its setup timeout, and its idle timeout of an
 *   association no HEARTBEAT refreshed.
 *
 * The oracle judges every packet that reaches the box meanwhile as any
 * other, and takes the box's expiry of an association as a real box's.
 * Returns whether the clock ran (false: the attempt already took its
 * real time, or the clock is already running for the other endpoint).
 */
static bool clock_runs(struct world *w, struct ep *e)
{
	struct ep *o = &w->ep[!e->who];
	uint64_t until = e->t1_start_ns, from = w->now;

	for (uint32_t k = 0; k <= w->max_init_retx && k < 64; k++)
		until += rto_after(k);
	if (w->clock_running || until <= w->now)
		return false;
	w->clock_running = true;
	trace(w,
	      "the clock runs %llu s to %s's give-up; beyond the box the "
	      "network loses everything",
	      (unsigned long long)((until - w->now) / FX_SEC),
	      who_names[e->who]);
	if (o->st == EP_ESTABLISHED && o->timer_ns < w->now)
		o->timer_ns = w->now; /* idle from here on */
	while (!w->failed) {
		uint64_t t;

		while (w->nq && !w->failed)
			deliver(w, 0, true);
		t = ep_next_timer(o);
		if (w->failed || t > until)
			break;
		if (t > w->now)
			w->now = t;
		box_tick(w);
		ep_timer_runs(w, o);
	}
	w->now = until;
	box_tick(w);
	w->st->clock_secs += (until - from) / FX_SEC;
	w->clock_running = false;
	return true;
}

static void ep_timeout(struct world *w, struct ep *e)
{
	switch (e->st) {
	case EP_COOKIE_WAIT:
	case EP_COOKIE_ECHOED:
		if (++e->init_retx > w->max_init_retx) {
			/*
			 * RFC 9260 5.1: after Max.Init.Retransmits the
			 * endpoint aborts the initialization (no ABORT goes
			 * out: there is no association) and tells its user,
			 * which, like an application reconnecting, starts
			 * again with a new INIT and a new tag.
			 */
			trace(w, "%s gives up %s, connects again",
			      who_names[e->who], ep_state_names[e->st]);
			w->st->init_give_ups++;
			if (!clock_runs(w, e))
				forget_old_packets(w, e);
			if (w->failed)
				break;
			ep_connect(w, e);
			break;
		}
		if (e->st == EP_COOKIE_WAIT)
			send_init(w, e); /* the same tag: RFC 9260 5.1 */
		else
			send_cookie_echo(w, e);
		break;
	case EP_SHUTDOWN_SENT:
		send_shutdown(w, e);
		break;
	case EP_SHUTDOWN_ACK_SENT:
		if (++e->shut_retx > SHUT_RETX_MAX) {
			/* Association.Max.Retrans: give up (9.2). */
			trace(w, "%s gives up SHUTDOWN-ACK-SENT",
			      who_names[e->who]);
			ep_reset(e);
			break;
		}
		send_shutdown_ack(w, e);
		break;
	case EP_ESTABLISHED:
		if (e->data_out)
			send_data(w, e, (int)(w->step & 15));
		if (e->asconf_out)
			send_asconf(w, e);
		break;
	default:
		break;
	}
}

/* ---------------- endpoint input (RFC 9260 8.5, 5.2) ---------------- */

static bool cookie_ok(const struct ep *e, const uint8_t *c, uint16_t len)
{
	return len == COOKIE_LEN && get32(c + COOKIE_LEN - 4) ==
	       cookie_mac(e, c);
}

/* What an endpoint does with a COOKIE ECHO (RFC 9260 5.1 D, 5.2.4). */
enum cookie_verdict {
	COOKIE_DISCARD = 0,
	COOKIE_NEW, /* a new association: listening, 5.1 D */
	COOKIE_RESTART, /* 5.2.4 A */
	COOKIE_COLLISION, /* 5.2.4 B */
	COOKIE_SAME, /* 5.2.4 D: both tags match */
};

static enum cookie_verdict cookie_verdict(const struct ep *e, uint32_t vtag,
					  const uint8_t *c, uint16_t len)
{
	uint32_t ctag, cpeer;

	if (!cookie_ok(e, c, len))
		return COOKIE_DISCARD; /* 5.1.5: a bad MAC is discarded */
	ctag = get32(c);
	cpeer = get32(c + 4);
	if (vtag != ctag)
		return COOKIE_DISCARD;
	if (e->st == EP_CLOSED) /* A does not listen: out of the blue */
		return e->who == WHO_Z ? COOKIE_NEW : COOKIE_DISCARD;
	if (e->my_tag != ctag && e->peer_tag != cpeer)
		/* 5.2.4 A: the peer restarted; the tie-tag must match. */
		return get32(c + 20) == e->my_tag ? COOKIE_RESTART :
						    COOKIE_DISCARD;
	if (e->my_tag == ctag && e->peer_tag != cpeer)
		return COOKIE_COLLISION;
	if (e->my_tag != ctag)
		return COOKIE_DISCARD; /* 5.2.4 C */
	return COOKIE_SAME;
}

static void cookie_echo_in(struct world *w, struct ep *e, const struct pview *v)
{
	const uint8_t *c = v->ch + 4;
	enum cookie_verdict cv;
	bool adopt;

	cv = cookie_verdict(e, v->vtag, c, (uint16_t)(v->clen - 4));
	if (cv == COOKIE_DISCARD)
		return;
	adopt = cv != COOKIE_SAME;
	if (cv == COOKIE_RESTART) {
		w->st->restarts++;
		trace(w, "%s: peer restart (5.2.4 A)", who_names[e->who]);
	} else if (cv == COOKIE_COLLISION) {
		w->st->collisions++;
		trace(w, "%s: INIT collision (5.2.4 B)", who_names[e->who]);
	}
	if (adopt) {
		int n = (int)(get32(c + 16) & 0xffff);
		int n_own = (int)(get32(c + 16) >> 16);
		uint32_t own[MAX_ADDRS];

		/*
		 * A restart keeps the addresses our INIT ACK listed, the
		 * only ones the peer knows in the new association (RFC 9260
		 * 5.2.2): not one an ASCONF of the old association added
		 * after the INIT ACK left (ours only grow, in order).
		 */
		if (n_own > e->n_addrs)
			n_own = e->n_addrs;
		memcpy(own, e->addrs, sizeof(own));
		if (e->st >= EP_ESTABLISHED) {
			e->left_tag = e->my_tag;
			e->left_peer = e->peer_tag;
		}
		ep_reset(e);
		ep_base_addrs(w, e);
		if (n_own > e->n_addrs) {
			memcpy(e->addrs, own, sizeof(own));
			e->n_addrs = n_own;
		}
		e->my_tag = get32(c);
		e->peer_tag = get32(c + 4);
		e->next_tsn = get32(c + 8);
		e->peer_cum = get32(c + 12) - 1;
		e->peer_port = v->sport;
		for (int i = 0; i < n && i < MAX_ADDRS; i++)
			add_addr(e->peer_addrs, &e->n_peer,
				 get32(c + 24 + 4 * i));
	}
	/*
	 * RFC 9260 5.2.4 D: with both tags matching the endpoint enters
	 * ESTABLISHED only "if it is in the COOKIE-ECHOED state"; one that
	 * is shutting down stays there (a stray COOKIE ECHO must not undo
	 * its SHUTDOWN, 9.2).  A new association (A, B) is ESTABLISHED.
	 */
	if (adopt || e->st == EP_COOKIE_WAIT || e->st == EP_COOKIE_ECHOED)
		ep_established(w, e);
	reply_simple(w, e, v, e->peer_tag, SCTP_CID_COOKIE_ACK, 0,
		     "COOKIE-ACK");
}

static void init_ack_in(struct world *w, struct ep *e, const struct pview *v)
{
	uint32_t off;

	if (e->st != EP_COOKIE_WAIT || v->vtag != e->my_tag)
		return;		/* 5.2.3: anywhere else it is discarded */
	e->peer_tag = get32(v->ch + 4);
	e->peer_cum = get32(v->ch + 16) - 1;
	e->n_peer = 0;
	add_addr(e->peer_addrs, &e->n_peer, v->src);
	for (off = 20; off + 4 <= v->clen;) {
		const uint8_t *pp = v->ch + off;
		uint16_t pl = get16(pp + 2);

		if (pl < 4)
			return;
		if (get16(pp) == SCTP_PARAM_IPV4_ADDR && pl == 8)
			add_addr(e->peer_addrs, &e->n_peer, get32(pp + 4));
		if (get16(pp) == SCTP_PARAM_STATE_COOKIE &&
		    pl == 4 + COOKIE_LEN)
			memcpy(e->cookie, pp + 4, COOKIE_LEN);
		off += (pl + 3u) & ~3u;
	}
	e->peer_port = v->sport;
	e->st = EP_COOKIE_ECHOED;
	/* T1-init stops, T1-cookie starts with its own count (5.1 C). */
	e->init_retx = 0;
	e->t1_start_ns = w->now;
	send_cookie_echo(w, e);
}

static bool init_adds_addrs(const struct ep *e, const struct pview *v)
{
	if (!in_list(e->peer_addrs, e->n_peer, v->src))
		return true;
	for (uint32_t off = 20; off + 8 <= v->clen;) {
		const uint8_t *pp = v->ch + off;
		uint16_t pl = get16(pp + 2);

		if (pl < 4)
			break;
		if (get16(pp) == SCTP_PARAM_IPV4_ADDR && pl == 8 &&
		    !in_list(e->peer_addrs, e->n_peer, get32(pp + 4)))
			return true;
		off += (pl + 3u) & ~3u;
	}
	return false;
}

static void asconf_in(struct world *w, struct ep *e, const struct pview *v)
{
	uint32_t serial = get32(v->ch + 4);
	struct pb p;

	/* RFC 5061 4.1.1, RFC 4895 6.3: under AUTH, a wrong HMAC is
	 * discarded. */
	if (v->auth && !auth_ok(v))
		return;
	if (serial != e->peer_serial + 1 && serial != e->peer_serial)
		return;
	if (serial == e->peer_serial + 1) {
		for (uint32_t off = 8; off + 4 <= v->clen;) {
			const uint8_t *pp = v->ch + off;
			uint16_t pl = get16(pp + 2);

			if (pl < 4)
				return;
			if (get16(pp) == SCTP_PARAM_ADD_IP && pl >= 16) {
				uint32_t a = get32(pp + 12);

				add_addr(e->peer_addrs, &e->n_peer,
					 a ? a : v->src);
			}
			off += (pl + 3u) & ~3u;
		}
		e->peer_serial = serial;
	}
	/* RFC 5061 4.2: the ASCONF-ACK goes to the ASCONF's source. */
	start(&p, v->dst, v->src, e->port, v->sport, e->peer_tag);
	if (v->auth)
		auth_chunk(&p);
	pb_chunk_begin(&p, SCTP_CID_ASCONF_ACK, 0);
	pb_u32(&p, serial);
	send_pkt(w, e, &p, "ASCONF-ACK");
}

static void ep_input(struct world *w, struct ep *e, const uint8_t *ip,
		     uint32_t len)
{
	bool tbit;
	struct pview v;

	if (!pview(ip, len, &v) || !in_list(e->addrs, e->n_addrs, v.dst) ||
	    v.dport != e->port || !pkt_verify_crc(ip, len))
		return;
	tbit = v.flags & SCTP_FLAG_T;
	switch (v.type) {
	case SCTP_CID_INIT:
		if (v.vtag != 0)
			return;
		if (e->st == EP_CLOSED) {
			if (e->who == WHO_Z)	/* Z listens, A does not */
				answer_init(w, e, &v);
			return;
		}
		if (e->st == EP_SHUTDOWN_ACK_SENT) {
			send_shutdown_ack(w, e);	/* 9.2 */
			return;
		}
		if (e->st >= EP_ESTABLISHED && init_adds_addrs(e, &v)) {
			/* 5.2.2: new addresses -- ABORT with its tag. */
			trace(w, "%s: the INIT adds addresses",
			      who_names[e->who]);
			reply_simple(w, e, &v, get32(v.ch + 4),
				     SCTP_CID_ABORT, 0, "ABORT");
			return;
		}
		answer_init(w, e, &v);
		return;
	case SCTP_CID_INIT_ACK:
		init_ack_in(w, e, &v);
		return;
	case SCTP_CID_COOKIE_ECHO:
		cookie_echo_in(w, e, &v);
		return;
	case SCTP_CID_ABORT:
		if (e->st == EP_CLOSED ||
		    v.vtag != (tbit ? e->peer_tag : e->my_tag))
			return;
		trace(w, "%s: ABORT accepted", who_names[e->who]);
		ep_reset(e);
		return;
	case SCTP_CID_SHUTDOWN_COMPLETE:
		if (e->st != EP_SHUTDOWN_ACK_SENT ||
		    v.vtag != (tbit ? e->peer_tag : e->my_tag))
			return;
		trace(w, "%s: closed", who_names[e->who]);
		ep_reset(e);
		return;
	case SCTP_CID_SHUTDOWN:
		if (e->st == EP_CLOSED) {
			/* 8.4 (8): out of the blue, an ABORT with the T bit
			 * (a peer that gave up its SHUTDOWN ACK, 9.2, ends
			 * the sender's shutdown so). */
			reply_simple(w, e, &v, v.vtag, SCTP_CID_ABORT,
				     SCTP_FLAG_T, "ABORT/T");
			return;
		}
		break;
	case SCTP_CID_SHUTDOWN_ACK:
		if (e->st == EP_CLOSED || e->st == EP_COOKIE_WAIT) {
			/* 8.4 (5): answer with a T-bit SHUTDOWN COMPLETE. */
			reply_simple(w, e, &v, v.vtag,
				     SCTP_CID_SHUTDOWN_COMPLETE, SCTP_FLAG_T,
				     "SHUTDOWN-COMPLETE/T");
			return;
		}
		if (v.vtag != e->my_tag || e->st != EP_SHUTDOWN_SENT)
			return;
		reply_simple(w, e, &v, e->peer_tag,
			     SCTP_CID_SHUTDOWN_COMPLETE, 0,
			     "SHUTDOWN-COMPLETE");
		trace(w, "%s: closed", who_names[e->who]);
		ep_reset(e);
		w->st->shutdowns++;
		return;
	default:
		break;
	}
	if (v.vtag != e->my_tag || e->st < EP_COOKIE_ECHOED)
		return;
	e->errors = 0; /* the peer is there (RFC 9260 8.1, 8.3) */
	switch (v.type) {
	case SCTP_CID_COOKIE_ACK:
		if (e->st == EP_COOKIE_ECHOED)
			ep_established(w, e);
		return;
	case SCTP_CID_DATA:
		if (e->st < EP_ESTABLISHED)
			return;
		if (get32(v.ch + 4) == e->peer_cum + 1) {
			e->peer_cum++;
			e->data_seq++;
			w->st->data_delivered++;
		}
		if (e->st == EP_SHUTDOWN_ACK_SENT)
			return;
		{
			struct pb p;

			start(&p, v.dst, v.src, e->port, v.sport,
			      e->peer_tag);
			pb_sack(&p, e->peer_cum);
			send_pkt(w, e, &p, "SACK");
		}
		return;
	case SCTP_CID_SACK:
		if (e->data_out && get32(v.ch + 4) - e->data_tsn < 0x80000000u)
			e->data_out = false;
		return;
	case SCTP_CID_HEARTBEAT: {
		struct pb p;

		/* 8.3: the Heartbeat Information goes back unchanged. */
		start(&p, v.dst, v.src, e->port, v.sport, e->peer_tag);
		pb_chunk_begin(&p, SCTP_CID_HEARTBEAT_ACK, 0);
		pb_bytes(&p, v.ch + 4, (size_t)v.clen - 4);
		send_pkt(w, e, &p, "HEARTBEAT-ACK");
		return;
	}
	case SCTP_CID_SHUTDOWN:
		if (e->st == EP_ESTABLISHED ||
		    e->st == EP_SHUTDOWN_ACK_SENT) {
			e->st = EP_SHUTDOWN_ACK_SENT;
			reply_simple(w, e, &v, e->peer_tag,
				     SCTP_CID_SHUTDOWN_ACK, 0,
				     "SHUTDOWN-ACK");
		}
		return;
	case SCTP_CID_ASCONF:
		if (e->st == EP_ESTABLISHED)
			asconf_in(w, e, &v);
		return;
	case SCTP_CID_ASCONF_ACK:
		if (e->asconf_out && get32(v.ch + 4) == e->asconf_serial) {
			e->asconf_out = false;
			add_addr(e->addrs, &e->n_addrs, e->asconf_addr);
			/* Both ends now hold it in the agreed association
			 * (RFC 5061 5.2, 4.1.2): the box rightly binds it as long
			 * as it holds that association, restart or not. */
			if (e->who == WHO_A && e->my_tag == w->agreed_a &&
			    w->box_assoc)
				add_addr(w->agreed_addrs, &w->n_agreed,
					 e->asconf_addr);
			w->st->asconfs++;
			trace(w, "%s: ASCONF acknowledged", who_names[e->who]);
		}
		return;
	default:
		return;
	}
}

/* ---------------- the oracle ---------------- */

static bool agree(const struct world *w)
{
	const struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];

	return a->st >= EP_ESTABLISHED && z->st >= EP_ESTABLISHED &&
	       a->my_tag == z->peer_tag && z->my_tag == a->peer_tag;
}

/*
 * Is the inside address of this packet one A has and the box was told of
 * (a committed ASCONF address is in A's list only after its ACK)?
 */
static bool inside_known(const struct world *w, const struct pview *v,
			 enum who from)
{
	const struct ep *a = &w->ep[WHO_A];

	/* The new address of an ASCONF under AUTH: it speaks first. */
	if (a->asconf_out && a->asconf_auth &&
	    ((from == WHO_A && v->type == SCTP_CID_ASCONF &&
	      v->src == a->asconf_addr) ||
	     (from == WHO_Z && v->type == SCTP_CID_ASCONF_ACK &&
	      v->dst == pub_of(w, a->asconf_addr))))
		return true;
	if (from == WHO_A)
		return in_list(a->addrs, a->n_addrs, v->src);
	return in_list(a->addrs, a->n_addrs, inside_of(w, v->dst)) &&
	       pub_of(w, inside_of(w, v->dst)) == v->dst;
}

/* The State Cookie an INIT ACK carries, NULL if none of ours. */
static const uint8_t *init_ack_cookie(const struct pview *v)
{
	for (uint32_t off = 20; off + 4 <= v->clen;) {
		const uint8_t *pp = v->ch + off;
		uint16_t pl = get16(pp + 2);

		if (pl < 4)
			break;
		if (get16(pp) == SCTP_PARAM_STATE_COOKIE &&
		    pl == 4 + COOKIE_LEN && off + pl <= v->clen)
			return pp + 4;
		off += (pl + 3u) & ~3u;
	}
	return NULL;
}

/*
 * Can the cookie still set an association up at the end that made it?
 * An INIT ACK and the COOKIE ECHO that returns its cookie are needed
 * only then.  Once that end has given its attempt up (RFC 9260 5.1: after
 * Max.Init.Retransmits it aborts the initialization) and started another
 * with a new tag, neither the cookie's tags nor its Tie-Tags match its
 * new state, and it silently discards the COOKIE ECHO (5.2.4: every
 * combination but A to D); its partner, which took the INIT ACK, times
 * out and starts again too.  The box may pass such a packet or not.
 */
static bool cookie_takes(const struct ep *maker, uint32_t vtag,
			 const uint8_t *c, uint32_t len)
{
	return c && len == COOKIE_LEN &&
	       cookie_verdict(maker, vtag, c, (uint16_t)len) != COOKIE_DISCARD;
}

/*
 * Has the box had time to forget the handshake of e's INIT?  It keeps
 * a handshake for its setup timeout from the INIT, which its
 * retransmissions do not extend (sctpalgd.conf(5), [timeouts]), or from
 * its latest COOKIE ECHO; e's T1-init and T1-cookie run for minutes
 * (RFC 9260 5.1, 6.3.3), so after the clock has run (clock_runs()) the
 * answers and COOKIE ECHOs of a handshake may come too late for any box
 * with that timeout.  A copy of the INIT passing after that starts the
 * handshake afresh (note_passed()).
 */
static bool handshake_forgotten(const struct world *w, const struct ep *e)
{
	return e->init_pass_ns && w->now - e->init_pass_ns >= w->setup_ns;
}

static void note_passed(struct world *w, const struct qpkt *q,
			const struct pview *v)
{
	struct ep *s;

	if (q->from == WHO_ATT)
		return;
	s = &w->ep[q->from];
	if (v->type == SCTP_CID_INIT && s->st == EP_COOKIE_WAIT &&
	    get32(v->ch + 4) == s->my_tag &&
	    (!s->init_pass_ns || handshake_forgotten(w, s)))
		s->init_pass_ns = w->now;
	if (v->type == SCTP_CID_COOKIE_ECHO && s->st == EP_COOKIE_ECHOED &&
	    v->vtag == s->peer_tag && s->init_pass_ns)
		s->init_pass_ns = w->now;
}

static bool must_pass(const struct world *w, const struct qpkt *q)
{
	const struct ep *s, *r;
	struct pview v;

	if (q->dup || q->reaction || q->from == WHO_ATT ||
	    !pview(q->buf, q->len, &v) || !inside_known(w, &v, q->from))
		return false;
	s = &w->ep[q->from];
	r = &w->ep[!q->from];
	switch (v.type) {
	case SCTP_CID_INIT:
		return s->st == EP_COOKIE_WAIT &&
		       get32(v.ch + 4) == s->my_tag &&
		       (q->from == WHO_A || w->box_assoc);
	case SCTP_CID_INIT_ACK:
		return r->st == EP_COOKIE_WAIT && v.vtag == r->my_tag &&
		       cookie_takes(s, get32(v.ch + 4), init_ack_cookie(&v),
				    COOKIE_LEN) &&
		       !handshake_forgotten(w, r);
	case SCTP_CID_COOKIE_ECHO:
		return s->st == EP_COOKIE_ECHOED && v.vtag == s->peer_tag &&
		       cookie_takes(r, v.vtag, v.ch + 4, v.clen - 4u) &&
		       !handshake_forgotten(w, s);
	case SCTP_CID_COOKIE_ACK:
		return r->st == EP_COOKIE_ECHOED && v.vtag == r->my_tag &&
		       !handshake_forgotten(w, r);
	case SCTP_CID_SHUTDOWN_COMPLETE:
		return !(v.flags & SCTP_FLAG_T) &&
		       r->st == EP_SHUTDOWN_ACK_SENT && v.vtag == r->my_tag;
	case SCTP_CID_ABORT:
		return false;
	default:
		return agree(w) && v.vtag == r->my_tag;
	}
}

/* ---------------- the box and its invariants ---------------- */

struct snap {
	unsigned int n;
	struct engine_assoc_view v[4];
};

static int snap_one(const struct engine_assoc_view *v, void *arg)
{
	struct snap *s = arg;

	if (s->n < 4)
		s->v[s->n] = *v;
	s->n++;
	return 0;
}

static void snapshot(struct world *w, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	engine_foreach_assoc(w->e, snap_one, s);
}

/* The mapping of a view: what decides where packets go. */
static bool same_mapping(const struct engine_assoc_view *a,
			 const struct engine_assoc_view *b, char *why,
			 size_t n)
{
	char x[48], y[48];

	if (a->id != b->id || a->state != b->state ||
	    a->inside_port != b->inside_port ||
	    a->public_port != b->public_port ||
	    a->peer_port != b->peer_port) {
		snprintf(why, n, "#%u %s ports %u/%u/%u became #%u %s "
			 "ports %u/%u/%u", a->id,
			 assoc_state_name((enum assoc_state)a->state),
			 a->inside_port, a->public_port, a->peer_port, b->id,
			 assoc_state_name((enum assoc_state)b->state),
			 b->inside_port, b->public_port, b->peer_port);
		return false;
	}
	if (a->tag_inside != b->tag_inside || a->tag_peer != b->tag_peer) {
		snprintf(why, n, "#%u tags %08x/%08x became %08x/%08x",
			 a->id, a->tag_inside, a->tag_peer, b->tag_inside,
			 b->tag_peer);
		return false;
	}
	if (a->n_locals != b->n_locals || a->n_paths != b->n_paths) {
		snprintf(why, n, "#%u locals %u paths %u became locals %u "
			 "paths %u", a->id, a->n_locals, a->n_paths,
			 b->n_locals, b->n_paths);
		return false;
	}
	for (int i = 0; i < a->n_locals; i++)
		if (!nat_addr_eq(&a->locals[i].inside, &b->locals[i].inside) ||
		    !nat_addr_eq(&a->locals[i].public_,
				 &b->locals[i].public_) ||
		    a->locals[i].uplink != b->locals[i].uplink) {
			snprintf(why, n, "#%u local %d %s became %s", a->id,
				 i, nat_addr_str(&a->locals[i].public_, x,
						 sizeof(x)),
				 nat_addr_str(&b->locals[i].public_, y,
					      sizeof(y)));
			return false;
		}
	for (int i = 0; i < a->n_paths; i++)
		if (!nat_addr_eq(&a->paths[i].peer, &b->paths[i].peer) ||
		    a->paths[i].uplink != b->paths[i].uplink) {
			snprintf(why, n, "#%u path %d %s became %s", a->id, i,
				 nat_addr_str(&a->paths[i].peer, x, sizeof(x)),
				 nat_addr_str(&b->paths[i].peer, y,
					      sizeof(y)));
			return false;
		}
	return true;
}

static bool snap_same(const struct snap *a, const struct snap *b, char *why,
		      size_t n)
{
	if (a->n != b->n) {
		/* An ended association (CLOSED, lingering) may go at any
		 * time: that changes nothing the endpoints use. */
		if (a->n == b->n + 1 && b->n == 0 &&
		    a->v[0].state == ASSOC_CLOSED)
			return true;
		snprintf(why, n, "%u associations became %u", a->n, b->n);
		return false;
	}
	for (unsigned int i = 0; i < a->n && i < 4; i++)
		if (!same_mapping(&a->v[i], &b->v[i], why, n))
			return false;
	return true;
}

/* The IPv4 addresses an INIT / INIT ACK lists, mapped by map(). */
static int listed(const struct world *w, const struct pview *v,
		  uint32_t *out, bool map)
{
	int n = 0;

	for (uint32_t off = 20; off + 8 <= v->clen && n < MAX_ADDRS * 2;) {
		const uint8_t *pp = v->ch + off;
		uint16_t pl = get16(pp + 2);

		if (pl < 4)
			break;
		if (get16(pp) == SCTP_PARAM_IPV4_ADDR && pl == 8)
			out[n++] = map ? pub_of(w, get32(pp + 4)) :
				   get32(pp + 4);
		off += (pl + 3u) & ~3u;
	}
	return n;
}

/*
 * May the box leave public address pub out of an INIT ACK of the inside
 * host?  Only when it answers an INIT on a live association (a restart
 * or collision candidate, perhaps a blind forgery's) and pub is not
 * bound there: the box binds nothing for such an answer before the
 * peer's COOKIE ECHO accepts it.  An INIT ACK changes no tags, so the
 * box as it is now is as it was.
 */
static bool unbound_on_live(struct world *w, const struct pview *in,
			    uint32_t pub)
{
	uint32_t be = htonl(pub);
	struct nat_addr p;
	struct snap s;

	if (in->type != SCTP_CID_INIT_ACK)
		return false;
	snapshot(w, &s);
	nat_addr_from_v4(&p, (const uint8_t *)&be);
	for (unsigned int i = 0; i < s.n && i < 4; i++) {
		const struct engine_assoc_view *v = &s.v[i];

		if (!v->tag_inside || !v->tag_peer)
			continue;
		for (int k = 0; k < v->n_locals; k++)
			if (nat_addr_eq(&v->locals[k].public_, &p))
				return false;
		return true;
	}
	return false;
}

/*
 * The inside host's INIT / INIT ACK leaves listing exactly the public
 * addresses of what it listed (no multihome proxying here): an address it
 * did not list would be one the peer may later refuse (RFC 9260 5.2.2).
 * One it listed may be missing only as unbound_on_live() allows.
 */
static bool check_list(struct world *w, const struct pview *in,
		       const struct pview *o, const uint8_t *out,
		       uint32_t len)
{
	uint32_t want[MAX_ADDRS * 2], got[MAX_ADDRS * 2];
	int nw = listed(w, in, want, true), ng = listed(w, o, got, false);
	char a[16];

	for (int i = 0; i < ng; i++)
		if (!in_list(want, nw, got[i])) {
			fail(w, ADV_INV_BAD_XLATE, out, len, "A's %s leaves "
			     "listing %s, which A did not list",
			     chunk_name(in->type), ip4s(got[i], a));
			return false;
		}
	for (int i = 0; i < nw; i++)
		if (!in_list(got, ng, want[i]) &&
		    !unbound_on_live(w, in, want[i])) {
			fail(w, ADV_INV_BAD_XLATE, out, len, "A's %s leaves "
			     "without %s", chunk_name(in->type),
			     ip4s(want[i], a));
			return false;
		}
	return true;
}

/* A forwarded legitimate packet: sums, addresses, ports, tag. */
static bool check_xlate(struct world *w, const struct qpkt *q,
			const uint8_t *out, uint32_t len)
{
	struct pview in, o;
	char a[16], b[16];

	if (!pkt_verify_crc(out, len) || !pkt_verify_ip4_csum(out)) {
		fail(w, ADV_INV_BAD_XLATE, out, len, "%s's %s forwarded "
		     "with a bad checksum", who_names[q->from], q->what);
		return false;
	}
	if (!pview(q->buf, q->len, &in) || !pview(out, len, &o)) {
		fail(w, ADV_INV_BAD_XLATE, out, len, "%s's %s forwarded "
		     "undecodable", who_names[q->from], q->what);
		return false;
	}
	if (o.vtag != in.vtag || o.type != in.type) {
		fail(w, ADV_INV_BAD_XLATE, out, len, "tag or chunk changed");
		return false;
	}
	if (q->from == WHO_A) {
		if (!w->pub_port || w->port_free) {
			/* A new association's first, or a new mapping's
			 * after the box let the last one expire. */
			w->pub_port = o.sport;
			w->port_free = false;
		}
		if (o.src != pub_of(w, in.src) || o.dst != in.dst ||
		    o.sport != w->pub_port || o.dport != in.dport ||
		    pkt_contains_addr(out, len, ip4s(in.src, a))) {
			fail(w, ADV_INV_BAD_XLATE, out, len, "outbound from "
			     "%s:%u should leave as %s:%u", ip4s(in.src, a),
			     in.sport, ip4s(pub_of(w, in.src), b),
			     w->pub_port);
			return false;
		}
		if ((in.type == SCTP_CID_INIT ||
		     in.type == SCTP_CID_INIT_ACK) &&
		    !check_list(w, &in, &o, out, len))
			return false;
	} else if (o.dst != inside_of(w, in.dst) || o.src != in.src ||
		   o.dport != APORT || o.sport != in.sport) {
		fail(w, ADV_INV_BAD_XLATE, out, len, "inbound to %s:%u "
		     "should reach %s:%u", ip4s(in.dst, a), in.dport,
		     ip4s(inside_of(w, in.dst), b), APORT);
		return false;
	}
	return true;
}

static int held_one(const struct engine_assoc_view *v, void *arg)
{
	const uint32_t *pair = arg;

	return v->tag_inside == pair[0] && v->tag_peer == pair[1];
}

/* Does the box still hold the previous agreed pair as its live one? */
static bool box_holds_prev(const struct world *w)
{
	uint32_t pair[2] = { w->prev_a, w->prev_z };

	return w->prev_a && w->box_assoc &&
	       engine_foreach_assoc(w->e, held_one, pair) > 0;
}

/*
 * Does the box hold the pair the peer is ESTABLISHED with?  The inside
 * host may have left it unseen: it gives a handshake up after
 * Max.Init.Retransmits and says nothing (RFC 9260 5.1), also when the
 * peer took its COOKIE ECHO and only the COOKIE ACKs were lost after the
 * box.  Until the host's new INIT restarts the association at the peer
 * (5.2.2), or the peer's retransmissions give it up (8.2), that pair is
 * as live as any the box can know of: a packet with its tag toward the
 * inside host is one the peer would send.
 */
static bool box_holds_peers_pair(const struct world *w)
{
	const struct ep *z = &w->ep[WHO_Z];
	uint32_t pair[2] = { z->peer_tag, z->my_tag };

	return z->st >= EP_ESTABLISHED && z->peer_tag &&
	       engine_foreach_assoc(w->e, held_one, pair) > 0;
}

/*
 * Is v's tag the inside host's in a pair an endpoint left for a restart,
 * the box still holding it, the restart's COOKIE ACK not yet past?  The
 * endpoint held it ESTABLISHED, so the box took it rightly, and keeps it
 * until that COOKIE ACK passes (RFC 9260 5.2.4 A; a restart may fail).
 * The other end need not hold it any more, nor ever have: after an INIT
 * collision it may have given its COOKIE ECHO up (5.1) before the COOKIE
 * ACK reached it, and started again.
 */
static bool box_holds_left_pair(const struct world *w, uint32_t vtag)
{
	const struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];
	uint32_t by_a[2] = { a->left_tag, a->left_peer };
	uint32_t by_z[2] = { z->left_peer, z->left_tag };

	return (a->left_tag && vtag == a->left_tag &&
		engine_foreach_assoc(w->e, held_one, by_a) > 0) ||
	       (z->left_peer && vtag == z->left_peer &&
		engine_foreach_assoc(w->e, held_one, by_z) > 0);
}

/* May a forged packet that the box forwarded pass (a live tag between
 * the association's addresses and ports)? */
static bool forged_may_pass(const struct world *w, const struct pview *v)
{
	const struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];
	uint32_t in = inside_of(w, v->dst);
	bool tbit = (v->flags & SCTP_FLAG_T) &&
		    (v->type == SCTP_CID_ABORT ||
		     v->type == SCTP_CID_SHUTDOWN_COMPLETE);
	bool init = v->type == SCTP_CID_INIT && v->vtag == 0;
	bool prev_tag = v->vtag == (tbit ? w->prev_z : w->prev_a) &&
			box_holds_prev(w);
	/*
	 * An INIT names no pair: while the box still holds the previous
	 * one (both ends agreed on a new pair whose COOKIE ACK has not
	 * reached the box), that pair's addresses are the ones it serves,
	 * and an INIT to one of them is the inside host's to judge, as
	 * to any address of a live association.
	 */
	bool a_addr =
		in_list(a->addrs, a->n_addrs, in) ||
		(w->box_assoc && in_list(w->agreed_addrs, w->n_agreed, in)) ||
		((prev_tag || (init && box_holds_prev(w))) &&
		 in_list(w->prev_addrs, w->n_prev, in));
	bool live_addrs = in_list(z->addrs, z->n_addrs, v->src) &&
			  v->sport == ZPORT && v->dport == w->pub_port &&
			  a_addr;
	bool live_tag =
		(a->st != EP_CLOSED &&
		 v->vtag == (tbit ? a->peer_tag : a->my_tag)) ||
		(w->box_assoc &&
		 v->vtag == (tbit ? w->agreed_z : w->agreed_a)) ||
		prev_tag ||
		(!tbit && v->vtag == z->peer_tag && box_holds_peers_pair(w)) ||
		(!tbit && box_holds_left_pair(w, v->vtag));

	if (init)
		live_tag = true;	/* a restart looks just like it */
	/*
	 * The one packet from outside the association the box must let
	 * the inside host judge: an authenticated ASCONF adding its own
	 * source (RFC 5061 4.2.1 wildcard, draft-ietf-tsvwg-natsupp), with
	 * the live tag -- only the host can check the HMAC.
	 */
	if (v->auth && v->type == SCTP_CID_ASCONF && live_tag &&
	    v->sport == ZPORT && v->dport == w->pub_port && a_addr)
		return true;
	return live_addrs && live_tag;
}

static bool ep_same(const struct ep *a, const struct ep *b)
{
	return a->st == b->st && a->my_tag == b->my_tag &&
	       a->peer_tag == b->peer_tag && a->peer_cum == b->peer_cum;
}

/*
 * Deliver queue entry i through the box; lose_after: the forwarded
 * packet is lost on the far link.
 */
static void deliver(struct world *w, int i, bool lose_after)
{
	static uint8_t buf[PB_MAX];
	struct qpkt q = w->q[i];
	bool forged = q.from == WHO_ATT, watch = forged || q.reaction;
	struct engine_pkt pkt = { .data = buf, .len = q.len, .cap = PB_MAX };
	struct engine_verdict vd;
	struct snap before, after;
	char why[200], d[160];
	bool must;
	struct pview v;

	memmove(&w->q[i], &w->q[i + 1], sizeof(w->q[0]) * (size_t)
		(w->nq - i - 1));
	w->nq--;
	must = must_pass(w, &q);
	if (!pview(q.buf, q.len, &v))
		memset(&v, 0, sizeof(v));
	memcpy(buf, q.buf, q.len);
	/* At the packet's time: a handshake past its setup timeout since
	 * the box's last packet is not the forged one's doing. */
	if (watch) {
		fx_view_at(w->e, w->now);
		snapshot(w, &before);
	}
	/* Through the batch entry the daemon uses (its warming of the
	 * lookups included), a batch of one: the endpoints react to each
	 * packet before the next is sent. */
	engine_process_batch(w->e, &pkt, &vd, 1,
			     q.from == WHO_A ? ENGINE_OUTBOUND :
					       ENGINE_INBOUND,
			     w->now);
	describe(q.buf, q.len, d, sizeof(d));
	trace(w, "box %s %s%s%s #%u: %s", vd.action == ENGINE_FORWARD ?
	      "forwards" : vd.action == ENGINE_REPLY ? "answers" : "drops",
	      who_names[q.from], q.dup ? " dup" : "",
	      must ? " must-pass" : "", q.id, d);
	if (vd.action == ENGINE_FORWARD && (v.type == SCTP_CID_INIT ||
					    v.type == SCTP_CID_INIT_ACK)) {
		char addrs[MAX_ADDRS * 2][48];
		unsigned int n = pkt_init_addrs(buf, vd.len, addrs,
						MAX_ADDRS * 2);
		char *l = w->trace[(w->ntrace - 1) % TRACE_LINES];

		for (unsigned int k = 0; k < n && k < MAX_ADDRS * 2; k++)
			snprintf(l + strlen(l), 160 - strlen(l), " %s%s",
				 k ? "" : "lists ", addrs[k]);
	}
	if (vd.action == ENGINE_DROP && vd.reason) {
		size_t l = strlen(w->trace[(w->ntrace - 1) % TRACE_LINES]);

		snprintf(w->trace[(w->ntrace - 1) % TRACE_LINES] + l,
			 160 - l, " [%s]",
			 drop_reason_name((enum drop_reason)vd.reason));
	}
	if (forged)
		w->st->attack_pkts++;
	else
		w->st->legit_pkts++;
	w->st->must_pass += must;
	if (q.reaction)
		w->st->reactions++;
	if (watch) {
		snapshot(w, &after);
		if (!snap_same(&before, &after, why, sizeof(why))) {
			fail(w, ADV_INV_MAPPING_CHANGED, q.buf, q.len,
			     "%s %s changed the box: %s",
			     forged ? "the forged" : "an answer to a forged",
			     q.what, why);
			return;
		}
	}
	if (vd.action != ENGINE_FORWARD) {
		if (must) {
			fail(w, ADV_INV_LEGIT_LOST, q.buf, q.len,
			     "%s's %s (#%u) %s by the box (%s)",
			     who_names[q.from], q.what, q.id,
			     vd.action == ENGINE_REPLY ? "answered" :
			     "dropped",
			     vd.action == ENGINE_DROP ?
			     drop_reason_name((enum drop_reason)vd.reason) :
			     "reply");
			return;
		}
		if (vd.action == ENGINE_REPLY && forged) {
			struct ep *z = &w->ep[WHO_Z], old = *z;

			/* The reply goes to the forged packet's source,
			 * which may be the real peer's address. */
			ep_input(w, z, buf, vd.len);
			if (!ep_same(&old, z))
				fail(w, ADV_INV_REPLY_HARMED, buf, vd.len,
				     "the box's answer to a forged %s "
				     "changed Z", q.what);
		}
		return;
	}
	if (forged) {
		if (!forged_may_pass(w, &v)) {
			fail(w, ADV_INV_FORGED_FORWARDED, q.buf, q.len,
			     "the forged %s went through to the inside",
			     q.what);
			return;
		}
		w->st->attack_forwarded++;
	} else if (!check_xlate(w, &q, buf, vd.len)) {
		return;
	} else {
		note_passed(w, &q, &v);
	}
	if (lose_after) {
		trace(w, "  ... and is lost after the box");
		return;
	}
	w->reacting = watch;
	ep_input(w, &w->ep[q.from == WHO_A ? WHO_Z : WHO_A], buf, vd.len);
	w->reacting = false;
	if (!watch && v.type == SCTP_CID_SHUTDOWN_COMPLETE &&
	    w->ep[WHO_A].st == EP_CLOSED && w->ep[WHO_Z].st == EP_CLOSED)
		w->box_assoc = false;
}

/* ---------------- the attackers ---------------- */

static void forge(struct world *w, bool knows_tags)
{
	static const char *const kinds[] = {
		"INIT", "INIT-ACK", "COOKIE-ECHO", "ABORT/T", "ABORT",
		"SHUTDOWN-COMPLETE/T", "SHUTDOWN", "ASCONF-add",
		"AUTH+ASCONF-add", "ASCONF-set-primary", "DATA", "HEARTBEAT",
		"INIT-new-addr",
	};
	struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];
	uint8_t k = sbyte(w), how = sbyte(w);
	unsigned int kind = k % (sizeof(kinds) / sizeof(kinds[0]));
	uint32_t src, dst, tag, junk[16];
	uint16_t sport = ZPORT;
	char what[64], at[16];
	struct qpkt *q;
	struct pb p;

	if (!w->pub_port)
		return;		/* nothing to aim at yet */
	/* Off-path: spoof one of Z's addresses or use its own; with the
	 * live tags: always from outside the association. */
	if (knows_tags)
		src = how & 1 ? ip4(ATTACKER) : ip4("203.0.113.66");
	else
		src = how & 3 ? z->addrs[how & 1] : ip4(ATTACKER);
	dst = pub_of(w, a->addrs[(how >> 2) % a->n_addrs]);
	if (knows_tags) {
		tag = kind == 3 || kind == 5 ? a->peer_tag : a->my_tag;
	} else {
		switch ((how >> 4) & 3) {
		case 0: tag = 0; break;
		case 1: tag = a->my_tag ^ (1u << (how & 31)); break;
		default: tag = rnd32(w); break;
		}
	}
	if (how & 0x40)
		sport = (uint16_t)(1024 + rnd32(w) % 60000);
	for (int i = 0; i < 16; i++)
		junk[i] = rnd32(w);
	start(&p, src, dst, sport, w->pub_port, tag);
	switch (kind) {
	case 0:
	case 12:
		/* An INIT carries tag 0 (8.5.1 A). */
		memset(p.buf + p.sctp_off + 4, 0, 4);
		init_fixed(&p, SCTP_CID_INIT, junk[0], junk[1]);
		if (kind == 12)
			param_ip4(&p, ip4(ATTACKER));
		break;
	case 1:
		init_fixed(&p, SCTP_CID_INIT_ACK, junk[0], junk[1]);
		param_ip4(&p, src);
		pb_param(&p, SCTP_PARAM_STATE_COOKIE, junk, COOKIE_LEN / 2);
		break;
	case 2:
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, junk, COOKIE_LEN);
		if (knows_tags && z->st >= EP_ESTABLISHED)
			/* A replayed cookie seen on the wire: valid MAC. */
			memcpy(p.buf + p.len - COOKIE_LEN, a->cookie,
			       COOKIE_LEN);
		break;
	case 3:
		pb_chunk_begin(&p, SCTP_CID_ABORT, SCTP_FLAG_T);
		break;
	case 4:
		pb_chunk_begin(&p, SCTP_CID_ABORT, 0);
		break;
	case 5:
		pb_chunk_begin(&p, SCTP_CID_SHUTDOWN_COMPLETE, SCTP_FLAG_T);
		break;
	case 6:
		pb_chunk_begin(&p, SCTP_CID_SHUTDOWN, 0);
		pb_u32(&p, junk[2]);
		break;
	case 7:
		pb_asconf(&p, junk[3], ip4s(z->addrs[0], at));
		pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, how & 0x80 ?
				"0.0.0.0" : ATTACKER);
		break;
	case 8:
		pb_auth(&p);
		pb_asconf(&p, junk[3], "0.0.0.0");
		pb_asconf_param(&p, SCTP_PARAM_ADD_IP, 1, "0.0.0.0");
		break;
	case 9:
		pb_asconf(&p, junk[3], ip4s(z->addrs[0], at));
		pb_asconf_param(&p, SCTP_PARAM_SET_PRIMARY, 1, ATTACKER);
		break;
	case 10:
		pb_data(&p, junk[4], 46, "forged", 6);
		break;
	default:
		pb_heartbeat(&p, SCTP_CID_HEARTBEAT, "forged");
		break;
	}
	pb_finish(&p);
	snprintf(what, sizeof(what), "%s (%s)", kinds[kind], knows_tags ?
		 "live tags, foreign address" : "guessed tag");
	q = enqueue(w, &p, WHO_ATT, what);
	{
		char d[160];

		describe(q->buf, q->len, d, sizeof(d));
		trace(w, "attacker forges %s: %s", what, d);
	}
}

/* ---------------- the schedule ---------------- */

static void deliver_some(struct world *w, uint8_t arg, bool lose_after)
{
	if (w->nq)
		deliver(w, arg % w->nq, lose_after);
}

static void note_established(struct world *w)
{
	if (agree(w) && w->ep[WHO_A].my_tag != w->agreed_a) {
		w->prev_a = w->agreed_a;
		w->prev_z = w->agreed_z;
		memcpy(w->prev_addrs, w->agreed_addrs, sizeof(w->prev_addrs));
		w->n_prev = w->n_agreed;
	}
	if (agree(w)) {
		w->agreed_a = w->ep[WHO_A].my_tag;
		w->agreed_z = w->ep[WHO_Z].my_tag;
		memcpy(w->agreed_addrs, w->ep[WHO_A].addrs,
		       sizeof(w->agreed_addrs));
		w->n_agreed = w->ep[WHO_A].n_addrs;
	}
	if (agree(w) && !w->box_assoc) {
		w->box_assoc = true;
		w->st->handshakes++;
		trace(w, "both ends ESTABLISHED: A %08x Z %08x",
		      w->ep[WHO_A].my_tag, w->ep[WHO_Z].my_tag);
	}
}

static void step(struct world *w)
{
	struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];
	uint8_t op = sbyte(w), arg = sbyte(w);

	w->now += STEP_NS;
	box_tick(w);
	w->st->steps++;
	switch (op % 24) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (w->nq)
			deliver(w, 0, false);		/* in order */
		break;
	case 4:
	case 5:
		deliver_some(w, arg, false);		/* reordered */
		break;
	case 6:
		if (w->nq && w->nq < QMAX) {		/* duplicated */
			w->q[w->nq] = w->q[arg % w->nq];
			w->q[w->nq].dup = true;
			w->q[w->nq].id = w->next_id++;
			w->nq++;
		}
		break;
	case 7:
		if (w->nq) {				/* lost */
			int i = arg % w->nq;

			trace(w, "network loses %s #%u",
			      who_names[w->q[i].from], w->q[i].id);
			memmove(&w->q[i], &w->q[i + 1], sizeof(w->q[0]) *
				(size_t)(w->nq - i - 1));
			w->nq--;
		}
		break;
	case 8:
		deliver_some(w, arg, true);	/* lost after the box */
		break;
	case 9:
	case 10:
		ep_timeout(w, arg & 1 ? z : a);
		break;
	case 11:
	case 12: {
		struct ep *e = arg & 1 ? z : a;

		if (e->st == EP_ESTABLISHED && !e->data_out && agree(w)) {
			e->data_out = true;
			e->data_tsn = e->next_tsn++;
			e->sent_seq++;
			send_data(w, e, arg >> 1);
		}
		break;
	}
	case 13:
		if (agree(w) && a->st == EP_ESTABLISHED) {
			struct ep *e = arg & 1 ? z : a;

			send_heartbeat(w, e, arg >> 1);
		}
		break;
	case 14:
		/* Restart (a crash and a new INIT), only from an agreed
		 * association, at most one side at a time mid-shutdown. */
		if (agree(w) && a->st == EP_ESTABLISHED &&
		    z->st == EP_ESTABLISHED && (arg & 7) == 0) {
			trace(w, "%s restarts", who_names[arg & 8 ? 1 : 0]);
			ep_connect(w, arg & 8 ? z : a);
		}
		break;
	case 15:
		if (agree(w) && a->st == EP_ESTABLISHED &&
		    z->st == EP_ESTABLISHED && (arg & 3) == 0) {
			/* Both crash and restart at once: INITs collide. */
			trace(w, "both restart");
			ep_connect(w, a);
			ep_connect(w, z);
		}
		break;
	case 16:
		if (agree(w) && a->st == EP_ESTABLISHED &&
		    z->st == EP_ESTABLISHED && !a->data_out &&
		    !z->data_out && !a->asconf_out && (arg & 3) == 0) {
			trace(w, "A shuts down");
			a->st = EP_SHUTDOWN_SENT;
			send_shutdown(w, a);
		}
		break;
	case 17:
		if (a->st == EP_CLOSED && z->st == EP_CLOSED) {
			trace(w, "A connects");
			w->pub_port = 0;
			ep_connect(w, a);
		}
		break;
	case 18:
		if (w->one_to_one && agree(w) && a->st == EP_ESTABLISHED &&
		    !a->asconf_out && a->n_addrs < 3) {
			a->asconf_out = true;
			a->asconf_auth = arg & 1;
			a->asconf_serial++;
			a->asconf_addr = ip4("10.9.0.12");
			send_asconf(w, a);
		}
		break;
	case 19:
	case 20:
		forge(w, false);
		break;
	case 21:
		forge(w, true);
		break;
	default:
		deliver_some(w, arg, false);
		break;
	}
	note_established(w);
}

/* No more loss or attack: deliver everything, time out, until quiet. */
static void drain(struct world *w)
{
	for (int round = 0; round < 40 && !w->failed; round++) {
		while (w->nq && !w->failed) {
			deliver(w, 0, false);
			note_established(w);
		}
		if (w->failed)
			return;
		if (agree(w) && w->ep[0].st == EP_ESTABLISHED &&
		    w->ep[1].st == EP_ESTABLISHED && !w->ep[0].data_out &&
		    !w->ep[1].data_out && !w->ep[0].asconf_out)
			return;
		if (w->ep[0].st == EP_CLOSED && w->ep[1].st == EP_CLOSED)
			return;
		w->step++;
		w->now += STEP_NS;
		box_tick(w);
		ep_timeout(w, &w->ep[WHO_A]);
		ep_timeout(w, &w->ep[WHO_Z]);
	}
}

static void finish(struct world *w)
{
	struct ep *a = &w->ep[WHO_A], *z = &w->ep[WHO_Z];

	drain(w);
	if (w->failed)
		return;
	if (a->st == EP_CLOSED && z->st == EP_CLOSED)
		return;		/* shut down cleanly */
	if (!agree(w) || a->st != EP_ESTABLISHED ||
	    z->st != EP_ESTABLISHED) {
		fail(w, ADV_INV_NO_CONVERGENCE, NULL, 0, "after the drain "
		     "A is %s and Z is %s", ep_state_names[a->st],
		     ep_state_names[z->st]);
		return;
	}
	/* A working association: one message each way, on every path. */
	for (int path = 0; path < 8 && !w->failed; path++) {
		for (int s = 0; s < 2 && !w->failed; s++) {
			struct ep *e = &w->ep[s];
			uint32_t before = w->ep[!s].data_seq;

			w->step++;
			e->data_out = true;
			e->data_tsn = e->next_tsn++;
			e->sent_seq++;
			send_data(w, e, path * 5);
			drain(w);
			if (!w->failed && w->ep[!s].data_seq == before)
				fail(w, ADV_INV_NO_CONVERGENCE, NULL, 0,
				     "%s's last message never arrived",
				     who_names[s]);
		}
	}
}

/* Every binding holds its public address (engine_fixture.h). */
static void check_bindings(struct world *w)
{
	char why[160];

	if (!w->failed && !fx_bindings_ok(w->e, why, sizeof(why)))
		fail(w, ADV_INV_BINDING_REFS, NULL, 0, "%s", why);
}

int adv_run(const uint8_t *sched, size_t len, struct adv_report *rep,
	    struct adv_stats *stats)
{
	return adv_run_retx(sched, len, INIT_RETX_MAX, rep, stats);
}

int adv_run_retx(const uint8_t *sched, size_t len, uint32_t max_init_retx,
		 struct adv_report *rep, struct adv_stats *stats)
{
	static struct world w;
	struct adv_stats dummy;
	struct engine_config c;
	uint64_t seed = 0;

	memset(&w, 0, sizeof(w));
	memset(rep, 0, sizeof(*rep));
	memset(&dummy, 0, sizeof(dummy));
	w.rep = rep;
	w.st = stats ? stats : &dummy;
	w.max_init_retx = max_init_retx;
	w.s = sched;
	w.slen = len;
	for (size_t i = 0; i < len && i < 8; i++)
		seed = seed << 8 | sched[i];
	w.rng = seed;
	w.one_to_one = !(sbyte(&w) & 1);
	fx_config(&c, MULTIHOME_OFF);
	c.init_rate = 0;	/* the handshakes here are not a flood */
	c.max_handshakes = 0;
	if (engine_create(&c, seed, &w.e))
		abort();
	w.now = FX_SEC;
	w.ticked_sec = 1;
	w.setup_ns = (uint64_t)c.timeout_setup * FX_SEC;
	for (int i = 0; i < 2; i++) {
		w.ep[i].who = (enum who)i;
		w.ep[i].secret = rnd32(&w);
		ep_base_addrs(&w, &w.ep[i]);
	}
	w.ep[WHO_A].port = APORT;
	w.ep[WHO_A].peer_port = ZPORT;
	w.ep[WHO_Z].port = ZPORT;
	trace(&w, "A (%s) connects to Z", w.one_to_one ?
	      "multihomed, 1:1" : "single-homed, NAPT");
	ep_connect(&w, &w.ep[WHO_A]);
	while (w.spos + 2 <= w.slen && !w.failed) {
		w.step++;
		step(&w);
		check_bindings(&w);
	}
	if (!w.failed)
		finish(&w);
	check_bindings(&w);
	engine_destroy(w.e);
	return w.failed;
}

void adv_schedule_from_seed(uint64_t seed, uint8_t *buf, size_t len)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dull + 1;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(rng_next(&s) >> 56);
}
