/*
 * usrsctp_relay.c: see usrsctp_relay.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define SCTP_DEBUG 1 /* usrsctp_sysctl_set_sctp_debug_on() */
#include <usrsctp.h>

#include "engine_fixture.h"
#include "usrsctp_clock.h"
#include "usrsctp_relay.h"

#define IP4_HLEN 20

struct urelay_pkt {
	struct urelay_pkt *next;
	uint8_t hop; /* enum urelay_hop */
	uint8_t dir; /* enum engine_dir */
	uint16_t wait; /* late: packets still to let pass */
	uint32_t len;
	uint8_t buf[PB_MAX];
};

struct urelay_fifo {
	struct urelay_pkt *head, **tail;
};

/* usrsctp hands back the AF_CONN address: it leads to the relay. */
struct urelay_conn {
	struct urelay *r;
	uint8_t end; /* enum urelay_end */
};

struct urelay {
	struct engine *eng;
	uint64_t now_ns;
	struct urelay_conn conns[URELAY__ENDS];
	uint8_t server, client; /* enum urelay_end */
	bool closing; /* urelay_destroy: the stacks talk to nobody */
	struct urelay_fifo flight, late;
	urelay_fault_fn *fault;
	void *fault_arg;
	urelay_sink_fn *sink;
	void *sink_arg;
	struct urelay_stats st;
	uint32_t inside, peer, public_; /* network order */
};

static void fifo_init(struct urelay_fifo *f)
{
	f->head = NULL;
	f->tail = &f->head;
}

static void fifo_push(struct urelay_fifo *f, struct urelay_pkt *p)
{
	p->next = NULL;
	*f->tail = p;
	f->tail = &p->next;
}

static struct urelay_pkt *fifo_pop(struct urelay_fifo *f)
{
	struct urelay_pkt *p = f->head;

	if (p) {
		f->head = p->next;
		if (!f->head)
			f->tail = &f->head;
	}
	return p;
}

static void fifo_free(struct urelay_fifo *f)
{
	struct urelay_pkt *p;

	while ((p = fifo_pop(f)))
		free(p);
}

static struct urelay_pkt *pkt_new(enum urelay_hop hop, enum engine_dir dir,
				  const uint8_t *ip, uint32_t len)
{
	struct urelay_pkt *p = malloc(sizeof(*p));

	if (!p)
		abort();
	p->hop = hop;
	p->dir = dir;
	p->wait = 0;
	p->len = len;
	if (len)
		memcpy(p->buf, ip, len);
	return p;
}

/* URELAY_TRACE=1: every packet and its fate on stderr, for debugging. */
static void trace(const struct urelay *r, const char *what,
		  const struct urelay_pkt *p)
{
	static int on = -1;
	uint32_t off, hlen;
	char s[48], d[48];

	if (on < 0)
		on = getenv("URELAY_TRACE") != NULL;
	if (!on)
		return;
	hlen = pkt_l3_hlen(p->buf);
	fprintf(stderr, "%6llu %-8s %s %s:%u > %s:%u vtag %08x:",
		(unsigned long long)r->st.ms, what,
		p->hop == URELAY_TO_BOX ? "to-box " : "to-host",
		pkt_src(p->buf, s), pkt_sport(p->buf), pkt_dst(p->buf, d),
		pkt_dport(p->buf), pkt_vtag(p->buf));
	for (off = hlen + 12; off + 4 <= p->len;) {
		uint32_t clen = (uint32_t)p->buf[off + 2] << 8 |
				p->buf[off + 3];

		fprintf(stderr, " %u", p->buf[off]);
		if (p->buf[off] == 0 && clen >= 8)
			fprintf(stderr, "(tsn %u)",
				(uint32_t)p->buf[off + 4] << 24 |
					(uint32_t)p->buf[off + 5] << 16 |
					(uint32_t)p->buf[off + 6] << 8 |
					p->buf[off + 7]);
		if (p->buf[off] == 3 && clen >= 8)
			fprintf(stderr, "(cum %u)",
				(uint32_t)p->buf[off + 4] << 24 |
					(uint32_t)p->buf[off + 5] << 16 |
					(uint32_t)p->buf[off + 6] << 8 |
					p->buf[off + 7]);
		if (clen < 4)
			break;
		off += (clen + 3) & ~3u;
	}
	{
		char a[8][48];
		unsigned int i, n = pkt_init_addrs(p->buf, p->len, a, 8);

		for (i = 0; i < n; i++)
			fprintf(stderr, " addr %s", a[i]);
	}
	fputc('\n', stderr);
}

/* Put a packet on its hop, through the fault hook. */
static void send_hop(struct urelay *r, struct urelay_pkt *p, bool faults)
{
	enum urelay_fate fate = URELAY_PASS;
	struct urelay_pkt *copy;

	if (faults && r->fault)
		fate = r->fault(r->fault_arg, p->hop, p->dir, p->buf, p->len);
	trace(r,
	      fate == URELAY_DROP ? "drop" :
	      fate == URELAY_LATE ? "late" :
	      fate == URELAY_DUP  ? "dup" :
				    "pass",
	      p);
	switch (fate) {
	case URELAY_DROP:
		r->st.fault_drops++;
		free(p);
		return;
	case URELAY_LATE:
		r->st.fault_late++;
		p->wait = URELAY_LATE_BY;
		fifo_push(&r->late, p);
		return;
	case URELAY_DUP:
		r->st.fault_dups++;
		copy = pkt_new(p->hop, p->dir, p->buf, p->len);
		copy->wait = URELAY_LATE_BY;
		fifo_push(&r->late, copy);
		break;
	default:
		break;
	}
	fifo_push(&r->flight, p);
}

static uint16_t ip4_csum(const uint8_t *h)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < IP4_HLEN; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void ip4_header(uint8_t *h, uint32_t src, uint32_t dst, uint32_t len)
{
	uint16_t sum;

	memset(h, 0, IP4_HLEN);
	h[0] = 0x45;
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	h[6] = 0x40; /* DF */
	h[8] = 64; /* TTL */
	h[9] = 132; /* SCTP */
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	sum = ip4_csum(h);
	h[10] = (uint8_t)(sum >> 8);
	h[11] = (uint8_t)sum;
}

/* usrsctp's output: one SCTP packet from the stack of end `addr`. */
static int conn_output(void *addr, void *buf, size_t len, uint8_t tos,
		       uint8_t set_df)
{
	struct urelay_conn *c = addr;
	struct urelay *r = c->r;
	struct urelay_pkt *p;
	enum engine_dir dir;
	uint32_t src, dst;

	(void)tos;
	(void)set_df;
	if (r->closing)
		return 0;
	if (len + IP4_HLEN > PB_MAX)
		abort(); /* usrsctp's MTU is far below */
	r->st.sent[c->end]++;
	if (c->end == r->client) {
		src = r->inside;
		dst = r->peer;
		dir = ENGINE_OUTBOUND;
	} else if (c->end == r->server) {
		src = r->peer;
		dst = r->public_;
		dir = ENGINE_INBOUND;
	} else {
		r->st.dead++; /* a host that crashed says nothing more */
		return 0;
	}
	p = pkt_new(URELAY_TO_BOX, dir, NULL, 0);
	ip4_header(p->buf, src, dst, (uint32_t)len + IP4_HLEN);
	memcpy(p->buf + IP4_HLEN, buf, len);
	p->len = (uint32_t)len + IP4_HLEN;
	if (!pkt_verify_crc(p->buf, p->len))
		r->st.bad_crc++;
	send_hop(r, p, true);
	return 0;
}

static void usrsctp_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

int urelay_create(enum multihome_mode mh, struct urelay **out)
{
	struct urelay *r = calloc(1, sizeof(*r));
	unsigned int i;

	if (!r)
		return -ENOMEM;
	r->eng = fx_engine(mh);
	r->now_ns = FX_SEC;
	r->server = URELAY_SERVER;
	r->client = URELAY_CLIENT;
	r->inside = ip4(URELAY_INSIDE);
	r->peer = ip4(URELAY_PEER);
	r->public_ = ip4(URELAY_PUBLIC);
	fifo_init(&r->flight);
	fifo_init(&r->late);
	usrsctp_init_nothreads(0, conn_output, usrsctp_debug);
	if (getenv("URELAY_USRSCTP_DEBUG"))
		usrsctp_sysctl_set_sctp_debug_on(SCTP_DEBUG_ALL);
	/* The engine checks every CRC32c (README, How a packet goes
	 * through): the stacks must compute and verify them. */
	usrsctp_disable_crc32c_offload();
	for (i = 0; i < URELAY__ENDS; i++) {
		r->conns[i].r = r;
		r->conns[i].end = (uint8_t)i;
		usrsctp_register_address(&r->conns[i]);
	}
	*out = r;
	return 0;
}

void urelay_destroy(struct urelay *r)
{
	unsigned int i;

	if (!r)
		return;
	r->closing = true;
	fifo_free(&r->flight);
	fifo_free(&r->late);
	/* Closed sockets linger until usrsctp's timers free them. */
	for (i = 0; i < 600 && usrsctp_finish() != 0; i++) {
		uclock_advance(1000);
		usrsctp_handle_timers(1000);
	}
	engine_destroy(r->eng);
	free(r);
}

void *urelay_conn(struct urelay *r, enum urelay_end end)
{
	return &r->conns[end];
}

void urelay_set_server(struct urelay *r, enum urelay_end end)
{
	r->server = (uint8_t)end;
}

void urelay_set_client(struct urelay *r, enum urelay_end end)
{
	r->client = (uint8_t)end;
}

void urelay_set_faults(struct urelay *r, urelay_fault_fn *fn, void *arg)
{
	r->fault = fn;
	r->fault_arg = arg;
}

void urelay_set_sink(struct urelay *r, urelay_sink_fn *fn, void *arg)
{
	r->sink = fn;
	r->sink_arg = arg;
}

void urelay_inject(struct urelay *r, enum engine_dir dir, const uint8_t *ip,
		   uint32_t len)
{
	r->st.injected++;
	send_hop(r, pkt_new(URELAY_TO_BOX, dir, ip, len), false);
}

static void through_box(struct urelay *r, struct urelay_pkt *p)
{
	struct engine_pkt ep = { .data = p->buf, .len = p->len, .cap = PB_MAX };
	struct engine_verdict v;

	r->st.to_box[p->dir]++;
	engine_process(r->eng, &ep, p->dir, r->now_ns, &v);
	if (v.action == ENGINE_DROP) {
		trace(r, drop_reason_name(v.reason), p);
		r->st.dropped[p->dir]++;
		r->st.last_drop_reason = v.reason;
		free(p);
		return;
	}
	if (v.action == ENGINE_REPLY)
		r->st.replies++;
	else
		r->st.forwarded[p->dir]++;
	p->len = v.len;
	p->hop = URELAY_TO_HOST;
	send_hop(r, p, true);
}

static void to_host(struct urelay *r, struct urelay_pkt *p)
{
	uint32_t dst, hlen = pkt_l3_hlen(p->buf);
	enum urelay_end end;

	memcpy(&dst, p->buf + 16, 4);
	if (r->sink && r->sink(r->sink_arg, p->buf, p->len)) {
		r->st.sunk++;
		return;
	}
	if (dst == r->inside) {
		end = (enum urelay_end)r->client;
	} else if (dst == r->peer) {
		end = (enum urelay_end)r->server;
	} else {
		r->st.unroutable++;
		return;
	}
	r->st.delivered[end]++;
	if (pkt_find_chunk(p->buf, p->len, 0, 0) ||
	    pkt_find_chunk(p->buf, p->len, 3, 0))
		r->st.last_vtag[end] = pkt_vtag(p->buf);
	usrsctp_conninput(&r->conns[end], p->buf + hlen, p->len - hlen, 0);
}

/* One packet has passed: the late ones come closer. */
static void late_tick(struct urelay *r)
{
	struct urelay_fifo keep;
	struct urelay_pkt *p;

	fifo_init(&keep);
	while ((p = fifo_pop(&r->late))) {
		if (p->wait && --p->wait)
			fifo_push(&keep, p);
		else
			fifo_push(&r->flight, p);
	}
	if (keep.head) {
		r->late.head = keep.head;
		r->late.tail = keep.tail;
	}
}

int urelay_run(struct urelay *r, urelay_step_fn *step, void *arg,
	       uint32_t max_ms)
{
	uint64_t until = r->st.ms + max_ms;
	struct urelay_pkt *p;
	int rc;

	for (;;) {
		while ((p = fifo_pop(&r->flight))) {
			if (p->hop == URELAY_TO_BOX) {
				through_box(r, p);
			} else {
				to_host(r, p);
				free(p);
			}
			late_tick(r);
			rc = step(arg);
			if (rc)
				return rc;
		}
		rc = step(arg);
		if (rc)
			return rc;
		if (r->late.head) {
			/* Nothing else in flight: the late ones arrive. */
			while ((p = fifo_pop(&r->late)))
				fifo_push(&r->flight, p);
			continue;
		}
		if (r->flight.head)
			continue;
		if (r->st.ms >= until)
			return -ETIMEDOUT;
		r->st.ms += URELAY_TICK_MS;
		r->now_ns += URELAY_TICK_MS * (FX_SEC / 1000);
		uclock_advance(URELAY_TICK_MS);
		usrsctp_handle_timers(URELAY_TICK_MS);
		if (r->st.ms % 1000 == 0)
			engine_tick(r->eng, r->now_ns);
	}
}

struct engine *urelay_engine(struct urelay *r)
{
	return r->eng;
}

const struct urelay_stats *urelay_stats(const struct urelay *r)
{
	return &r->st;
}
