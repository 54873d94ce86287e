/*
 * capture.c: "sctpalgctl capture" sessions.  See capture.h.
 *
 * A session's ring holds the bytes still to send: its hello line, the
 * pcapng section and interface blocks, then one Enhanced Packet Block per
 * copy, and at the end the statistics blocks.  Room for those is kept
 * aside from the start (reserve), so the end of a stream always fits
 * however full the ring is.  Blocks go in whole or not at all, so the
 * stream stays a valid pcapng file whatever was dropped.
 *
 * A session ends (state END: no more copies, the statistics blocks
 * queued) at its count, at its duration, when the client shuts its
 * writing side (sctpalgctl does on SIGINT) or closes; it is freed once
 * its ring is sent, or at once when the client is gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "ctl_proto.h"
#include "log.h"
#include "loop.h"
#include "pcapng.h"
#include "time_ns.h"

#define CAPTURE_IFS_MAX 32
#define ETH_HLEN	14

enum cap_state { CAP_FREE, CAP_RUN, CAP_END };

struct cap_idb_stats {
	uint64_t recv;		/* matched the filter on this interface */
	uint64_t drop_ring;	/* did not fit in the ring */
	uint64_t drop_rate;	/* over the request's rate */
};

struct cap_sess {
	struct capture *c;
	enum cap_state state;
	int fd;
	pid_t pid;
	struct cap_req req;
	int idb_of[CAPTURE_IFS_MAX];	/* port interface -> k, or -1 */
	int port_of[CAPTURE_IFS_MAX];	/* k -> port interface */
	unsigned int n_sel;		/* interfaces captured */
	struct cap_idb_stats st[2 * CAPTURE_IFS_MAX];
	uint64_t written, start_ns;
	uint64_t tokens, tok_ns;	/* the rate's token bucket */
	uint64_t burst;
	uint8_t *ring;
	size_t head, used, reserve;
	int send_op, recv_op, timer_op;
	char sink[16];
};

struct capture {
	struct loop *loop;
	uint16_t linktype;
	unsigned int n_ifs;
	struct capture_if ifs[CAPTURE_IFS_MAX];
	char names[CAPTURE_IFS_MAX][IF_NAMESIZE];
	uint8_t macs[CAPTURE_IFS_MAX][6];
	unsigned int live;
	uint64_t now_ns;		/* wall clock of the batch */
	struct cap_sess s[CAPTURE_MAX];
	uint64_t started, written, dropped;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return timespec_ns(&ts);
}

int capture_create(struct loop *l, uint16_t linktype,
		   const struct capture_if *ifs, unsigned int n_ifs,
		   struct capture **out)
{
	struct capture *c;

	if (n_ifs > CAPTURE_IFS_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	c->linktype = linktype;
	c->n_ifs = n_ifs;
	for (unsigned int i = 0; i < n_ifs; i++) {
		snprintf(c->names[i], IF_NAMESIZE, "%s", ifs[i].name);
		c->ifs[i].name = c->names[i];
		c->ifs[i].ifindex = ifs[i].ifindex;
		if (ifs[i].mac) {
			memcpy(c->macs[i], ifs[i].mac, 6);
			c->ifs[i].mac = c->macs[i];
		}
	}
	for (unsigned int i = 0; i < CAPTURE_MAX; i++)
		c->s[i].fd = -1;
	*out = c;
	return 0;
}

/* Frees the session at once: its client gets nothing more. */
static void sess_close(struct cap_sess *s)
{
	struct capture *c = s->c;

	if (s->state == CAP_FREE)
		return;
	if (s->send_op >= 0)
		loop_del(c->loop, s->send_op);
	if (s->recv_op >= 0)
		loop_del(c->loop, s->recv_op);
	if (s->timer_op >= 0)
		loop_del(c->loop, s->timer_op);
	if (s->state == CAP_RUN)
		c->live--;
	close(s->fd);
	free(s->ring);
	s->ring = NULL;
	s->fd = -1;
	s->state = CAP_FREE;
}

void capture_destroy(struct capture *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < CAPTURE_MAX; i++)
		sess_close(&c->s[i]);
	free(c);
}

bool capture_live(const struct capture *c)
{
	return c->live != 0;
}

const unsigned int *capture_live_flag(const struct capture *c)
{
	return &c->live;
}

int capture_port_if(const struct capture *c, int ifindex)
{
	for (unsigned int i = 0; i < c->n_ifs; i++)
		if (c->ifs[i].ifindex == ifindex)
			return (int)i;
	return -1;
}

void capture_stats(const struct capture *c, struct capture_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	out->live = c->live;
	out->started = c->started;
	out->written = c->written;
	out->dropped = c->dropped;
}

/* Copies len bytes into the ring (the caller checked the room). */
static void ring_put(struct cap_sess *s, const void *data, size_t len)
{
	size_t tail = (s->head + s->used) % CAPTURE_RING;
	size_t first = CAPTURE_RING - tail < len ? CAPTURE_RING - tail : len;

	memcpy(s->ring + tail, data, first);
	memcpy(s->ring, (const uint8_t *)data + first, len - first);
	s->used += len;
}

static void sess_send(struct cap_sess *s);

static void on_send(void *arg, int res)
{
	struct cap_sess *s = arg;

	s->send_op = -1;
	if (res <= 0) {
		if (res == -ECANCELED)
			log_info("capture: client pid %d read nothing for %u "
				 "s, disconnected", (int)s->pid,
				 CAPTURE_STALL_MS / 1000);
		sess_close(s);
		return;
	}
	s->head = (s->head + (size_t)res) % CAPTURE_RING;
	s->used -= (size_t)res;
	if (s->used == 0 && s->state == CAP_END) {
		sess_close(s);
		return;
	}
	sess_send(s);
}

/* Starts a send of what is queued, unless one is in flight. */
static void sess_send(struct cap_sess *s)
{
	size_t n;

	if (s->state == CAP_FREE || s->send_op >= 0 || s->used == 0)
		return;
	n = CAPTURE_RING - s->head;
	if (n > s->used)
		n = s->used;
	s->send_op = loop_send(s->c->loop, s->fd, s->ring + s->head, n,
			       CAPTURE_STALL_MS, on_send, s);
	if (s->send_op < 0) {
		s->send_op = -1;
		sess_close(s);
	}
}

/*
 * No more copies: the statistics blocks, one per interface block, go
 * after the last packet, then the stream ends.
 */
static void sess_end(struct cap_sess *s)
{
	struct capture *c = s->c;
	uint8_t isb[PCAPNG_ISB_MAX];
	uint64_t now = wall_ns();
	char note[80];

	if (s->state != CAP_RUN)
		return;
	s->state = CAP_END;
	c->live--;
	if (s->timer_op >= 0) {
		loop_del(c->loop, s->timer_op);
		s->timer_op = -1;
	}
	for (unsigned int b = 0; b < 2 * s->n_sel; b++) {
		const struct cap_idb_stats *st = &s->st[b];
		struct pcapng_if_stats ps = {
			.start_ns = s->start_ns, .end_ns = now,
			.recv = st->recv,
			.drop = st->drop_ring + st->drop_rate,
		};
		size_t n;

		if (ps.drop) {
			snprintf(note, sizeof(note), "dropped: %llu ring "
				 "full, %llu over the rate limit",
				 (unsigned long long)st->drop_ring,
				 (unsigned long long)st->drop_rate);
			ps.comment = note;
		}
		n = pcapng_isb(isb, sizeof(isb), b, now, &ps);
		if (n && CAPTURE_RING - s->used >= n)
			ring_put(s, isb, n);
	}
	log_info("capture: pid %d ended, %llu packets written",
		 (int)s->pid, (unsigned long long)s->written);
	if (s->used == 0)
		sess_close(s);
	else
		sess_send(s);
}

static void on_recv(void *arg, int res)
{
	struct cap_sess *s = arg;

	s->recv_op = -1;
	if (res < 0) {
		/* Gone: nobody reads the end of the stream. */
		sess_close(s);
		return;
	}
	if (res == 0) {
		/* The client shut its side: finish the stream. */
		sess_end(s);
		return;
	}
	s->recv_op = loop_recv(s->c->loop, s->fd, s->sink, sizeof(s->sink), 0,
			       on_recv, s);
	if (s->recv_op < 0) {
		s->recv_op = -1;
		sess_end(s);
	}
}

static void on_timer(void *arg, int res)
{
	struct cap_sess *s = arg;

	(void)res;
	s->timer_op = -1;
	sess_end(s);
}

/* Picks the interfaces of r; -ENOENT naming the first unknown one. */
static int sess_select(struct cap_sess *s, const struct cap_req *r,
		       char *why, size_t why_len)
{
	struct capture *c = s->c;

	for (unsigned int i = 0; i < CAPTURE_IFS_MAX; i++)
		s->idb_of[i] = -1;
	s->n_sel = 0;
	for (unsigned int i = 0; i < c->n_ifs; i++) {
		bool want = r->n_ifs == 0;

		for (unsigned int j = 0; j < r->n_ifs; j++)
			want |= !strcmp(r->ifs[j], c->names[i]);
		if (!want)
			continue;
		s->port_of[s->n_sel] = (int)i;
		s->idb_of[i] = (int)s->n_sel++;
	}
	for (unsigned int j = 0; j < r->n_ifs; j++) {
		unsigned int i;

		for (i = 0; i < c->n_ifs; i++)
			if (!strcmp(r->ifs[j], c->names[i]))
				break;
		if (i == c->n_ifs) {
			snprintf(why, why_len, "interface %s: sctpalgd does "
				 "not serve it", r->ifs[j]);
			return -ENOENT;
		}
	}
	return 0;
}

int capture_start(struct capture *c, int fd, const struct cap_req *r,
		  pid_t pid, char *why, size_t why_len)
{
	static const char hello[] = "{\"ok\":true,\"capture\":true}\n";
	uint8_t blk[512];
	struct cap_sess *s = NULL;
	size_t n;
	int ret;

	for (unsigned int i = 0; i < CAPTURE_MAX; i++)
		if (c->s[i].state == CAP_FREE) {
			s = &c->s[i];
			break;
		}
	if (!s) {
		snprintf(why, why_len, "%u captures are running already, the "
			 "most sctpalgd allows", CAPTURE_MAX);
		return -EBUSY;
	}
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->fd = -1;
	s->send_op = s->recv_op = s->timer_op = -1;
	ret = sess_select(s, r, why, why_len);
	if (ret < 0)
		return ret;
	s->ring = malloc(CAPTURE_RING);
	if (!s->ring) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	s->req = *r;
	s->pid = pid;
	s->start_ns = s->tok_ns = wall_ns();
	s->burst = r->rate < CAPTURE_BURST ? r->rate : CAPTURE_BURST;
	if (!s->burst)
		s->burst = 1;
	s->tokens = s->burst;
	s->reserve = 2 * s->n_sel * PCAPNG_ISB_MAX;
	ring_put(s, hello, sizeof(hello) - 1);
	n = pcapng_shb(blk, sizeof(blk), "sctpalgd " SCTPALG_VERSION);
	ring_put(s, blk, n);
	for (unsigned int k = 0; k < s->n_sel; k++) {
		char name[IF_NAMESIZE + 4];

		for (unsigned int d = 0; d < 2; d++) {
			snprintf(name, sizeof(name), "%s %s",
				 c->names[s->port_of[k]], d ? "tx" : "rx");
			n = pcapng_idb(blk, sizeof(blk), c->linktype,
				       r->snaplen, name);
			ring_put(s, blk, n);
		}
	}
	s->fd = fd;
	s->state = CAP_RUN;
	c->live++;
	s->recv_op = loop_recv(c->loop, fd, s->sink, sizeof(s->sink), 0,
			       on_recv, s);
	if (r->secs)
		s->timer_op = loop_after(c->loop, r->secs * NSEC_PER_SEC,
					 on_timer, s);
	if (s->recv_op < 0 || (r->secs && s->timer_op < 0)) {
		s->recv_op = s->recv_op < 0 ? -1 : s->recv_op;
		s->timer_op = s->timer_op < 0 ? -1 : s->timer_op;
		s->fd = -1;	/* still the caller's on failure */
		if (s->recv_op >= 0)
			loop_del(c->loop, s->recv_op);
		if (s->timer_op >= 0)
			loop_del(c->loop, s->timer_op);
		c->live--;
		free(s->ring);
		s->ring = NULL;
		s->state = CAP_FREE;
		snprintf(why, why_len, "event loop full");
		return -EBUSY;
	}
	c->started++;
	log_info("capture: started by pid %d on %u interface%s", (int)pid,
		 s->n_sel, s->n_sel == 1 ? "" : "s");
	sess_send(s);
	return 0;
}

void capture_batch(struct capture *c)
{
	uint64_t now = wall_ns();

	c->now_ns = now;
	for (unsigned int i = 0; i < CAPTURE_MAX; i++) {
		struct cap_sess *s = &c->s[i];
		uint64_t add, el;

		if (s->state != CAP_RUN)
			continue;
		if (now <= s->tok_ns)
			continue;
		el = now - s->tok_ns;
		if (el > NSEC_PER_SEC)
			el = NSEC_PER_SEC;
		add = el * s->req.rate / NSEC_PER_SEC;
		if (!add)
			continue;
		s->tokens += add;
		if (s->tokens >= s->burst) {
			s->tokens = s->burst;
			s->tok_ns = now;
		} else {
			s->tok_ns += add * NSEC_PER_SEC / s->req.rate;
		}
	}
}

/*
 * One copy into s on interface block b.  eth: a made-up Ethernet header
 * to put before frame (a bare IP packet), or NULL.
 */
static void sess_copy(struct cap_sess *s, unsigned int b, bool tx,
		      const uint8_t *eth, const uint8_t *frame, uint32_t len)
{
	struct capture *c = s->c;
	struct cap_idb_stats *st = &s->st[b];
	uint32_t hl = eth ? ETH_HLEN : 0;
	uint32_t orig = len + hl, caplen = orig;
	uint8_t head[PCAPNG_EPB_HEAD], tail[32];
	size_t need, n;

	if (caplen > s->req.snaplen)
		caplen = s->req.snaplen;
	need = pcapng_epb_len(caplen);
	st->recv++;
	if (!s->tokens) {
		st->drop_rate++;
		c->dropped++;
		return;
	}
	if (CAPTURE_RING - s->used < need + s->reserve) {
		st->drop_ring++;
		c->dropped++;
		return;
	}
	s->tokens--;
	pcapng_epb_head(head, sizeof(head), b, c->now_ns, caplen, orig);
	ring_put(s, head, sizeof(head));
	if (hl)
		ring_put(s, eth, hl < caplen ? hl : caplen);
	if (caplen > hl)
		ring_put(s, frame, caplen - hl);
	n = pcapng_epb_tail(tail, sizeof(tail), caplen,
			    tx ? PCAPNG_EPB_OUTBOUND : PCAPNG_EPB_INBOUND);
	ring_put(s, tail, n);
	s->written++;
	c->written++;
	if (s->req.count && s->written >= s->req.count)
		sess_end(s);
	else
		sess_send(s);
}

unsigned int capture_rx(struct capture *c, unsigned int port_if,
			const uint8_t *frame, uint32_t len, uint32_t l3_off)
{
	unsigned int hit = 0;

	if (l3_off > len)
		return 0;
	for (unsigned int i = 0; i < CAPTURE_MAX; i++) {
		struct cap_sess *s = &c->s[i];
		int k;

		if (s->state != CAP_RUN ||
		    !cap_filter_match(&s->req.filter, frame + l3_off,
				      len - l3_off))
			continue;
		hit |= 1u << i;
		k = port_if < CAPTURE_IFS_MAX ? s->idb_of[port_if] : -1;
		if (k >= 0)
			sess_copy(s, 2 * (unsigned int)k, false, NULL, frame,
				  len);
	}
	return hit;
}

void capture_tx(struct capture *c, unsigned int port_if, const uint8_t *frame,
		uint32_t len, uint32_t l3_off, unsigned int hit)
{
	uint8_t eth[ETH_HLEN];
	const uint8_t *hdr = NULL;

	if (l3_off > len || port_if >= c->n_ifs)
		return;
	/* A bare IP packet where the interface blocks say Ethernet. */
	if (l3_off == 0 && c->linktype == PCAPNG_LINK_ETHERNET) {
		memset(eth, 0, 6);
		if (c->ifs[port_if].mac)
			memcpy(eth + 6, c->ifs[port_if].mac, 6);
		else
			memset(eth + 6, 0, 6);
		eth[12] = len && frame[0] >> 4 == 6 ? 0x86 : 0x08;
		eth[13] = len && frame[0] >> 4 == 6 ? 0xdd : 0x00;
		hdr = eth;
	}
	for (unsigned int i = 0; i < CAPTURE_MAX; i++) {
		struct cap_sess *s = &c->s[i];
		int k;

		if (s->state != CAP_RUN)
			continue;
		k = s->idb_of[port_if];
		if (k < 0)
			continue;
		if (!(hit & (1u << i)) &&
		    !cap_filter_match(&s->req.filter, frame + l3_off,
				      len - l3_off))
			continue;
		sess_copy(s, 2 * (unsigned int)k + 1, true, hdr, frame, len);
	}
}
