// SPDX-License-Identifier: MIT
/*
 * peer_common.c: see peer_common.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peer_common.h"

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t now_ms(void)
{
	return now_ns() / 1000000;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

const char *addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a;

	switch (sa->sa_family) {
	case AF_INET:
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		break;
	case AF_INET6:
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		break;
	default:
		snprintf(buf, len, "af%d", sa->sa_family);
		return buf;
	}
	if (!inet_ntop(sa->sa_family, a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

bool addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return !memcmp(&a6->sin6_addr, &b6->sin6_addr,
			       sizeof(struct in6_addr));
	return false;
}

void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

size_t pack_addrs(const struct sockaddr_storage *in, int n, uint16_t port,
		  uint8_t *out)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss = in[i];
		socklen_t l = sa_len((struct sockaddr *)&ss);

		set_port(&ss, port);
		memcpy(out + off, &ss, l);
		off += l;
	}
	return off;
}

int parse_addrs(const char *arg, struct sockaddr_storage *out, int max)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int n = 0;

	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out[n];
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out[n];

		if (n == max)
			die("too many addresses in '%s' (max %d)", arg, max);
		memset(&out[n], 0, sizeof(out[n]));
		if (inet_pton(AF_INET, tok, &sin->sin_addr) == 1)
			sin->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, tok, &sin6->sin6_addr) == 1)
			sin6->sin6_family = AF_INET6;
		else
			die("bad address '%s'", tok);
		n++;
	}
	free(copy);
	if (!n)
		die("empty address list");
	return n;
}

unsigned int parse_uint(const char *arg, const char *name, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || *end || end == arg || v > max)
		die("bad value '%s' for --%s (0..%u)", arg, name, max);
	return v;
}

void msg_build(uint8_t *buf, size_t len, uint8_t type, uint32_t seq,
	       const uint8_t stamp[8])
{
	memset(buf, 0, MSG_HDR_LEN);
	put_u32(buf, MSG_MAGIC);
	buf[4] = type;
	put_u32(buf + 8, seq);
	memcpy(buf + 12, stamp, 8);
	/* a recognisable filler so a capture shows intact payload */
	for (size_t i = MSG_HDR_LEN; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
}

void msg_stamp_now(uint8_t stamp[8])
{
	uint64_t ns = (uint64_t)now_ns();

	for (int i = 7; i >= 0; i--, ns >>= 8)
		stamp[i] = ns & 0xff;
}

const uint8_t *msg_stamp(const uint8_t *msg)
{
	return msg + 12;
}

static void count_source(struct msg_tally *t, const struct sockaddr *from)
{
	for (int i = 0; i < t->nsrc; i++) {
		if (addr_equal((struct sockaddr *)&t->src[i].addr, from)) {
			t->src[i].n++;
			return;
		}
	}
	if (t->nsrc == MAX_SOURCES)
		return;
	memset(&t->src[t->nsrc], 0, sizeof(t->src[0]));
	memcpy(&t->src[t->nsrc].addr, from, sa_len(from));
	t->src[t->nsrc].n = 1;
	t->nsrc++;
}

/* Marks seq seen; returns false for a duplicate. */
static bool mark_seen(struct msg_tally *t, uint32_t seq)
{
	if (seq >= t->seen_cap) {
		size_t cap = t->seen_cap ? t->seen_cap : 1024;
		uint8_t *n;

		while (cap <= seq)
			cap *= 2;
		n = realloc(t->seen, cap);
		if (!n)
			die("out of memory");
		memset(n + t->seen_cap, 0, cap - t->seen_cap);
		t->seen = n;
		t->seen_cap = cap;
	}
	if (t->seen[seq])
		return false;
	t->seen[seq] = 1;
	return true;
}

int64_t tally_message(struct msg_tally *t, const uint8_t *buf, size_t len,
		      bool server, int64_t t0_ms, const struct sockaddr *from)
{
	uint8_t want = server ? MSG_DATA : MSG_ACK;
	int64_t now = now_ms();
	uint32_t seq;

	if (len < MSG_HDR_LEN || get_u32(buf) != MSG_MAGIC || buf[4] != want) {
		t->bad++;
		return -1;
	}
	seq = get_u32(buf + 8);
	if (seq >= MAX_SEQ || (!server && seq >= t->sent)) {
		t->bad++;
		return -1;
	}
	/* every byte of the filler msg_build() wrote: a damaged message
	 * counts as not received */
	for (size_t i = MSG_HDR_LEN; i < len; i++) {
		if (buf[i] != (uint8_t)(seq + i)) {
			t->corrupt++;
			return -1;
		}
	}
	if (len > t->max_len)
		t->max_len = len;
	t->msgs++;
	count_source(t, from);
	if (t->last_arrival && now - t->last_arrival > t->max_gap) {
		t->max_gap = now - t->last_arrival;
		t->max_gap_at = now - t0_ms;
	}
	t->last_arrival = now;
	if (!mark_seen(t, seq)) {
		t->dups++;
	} else {
		t->unique++;
		if (t->any_seq && seq < t->last_seq)
			t->reordered++;
		if (!t->any_seq || seq > t->max_seq)
			t->max_seq = seq;
		t->any_seq = true;
		t->last_seq = seq;
	}
	if (!server) {
		const uint8_t *stamp = msg_stamp(buf);
		uint64_t sent_ns = 0, rtt;

		/* same host, same CLOCK_MONOTONIC: the RTT is meaningful */
		for (int i = 0; i < 8; i++)
			sent_ns = sent_ns << 8 | stamp[i];
		rtt = (uint64_t)now_ns() - sent_ns;
		if (rtt > t->max_rtt_ns)
			t->max_rtt_ns = rtt;
	}
	return seq;
}

void tally_print_sources(const struct msg_tally *t, FILE *f)
{
	char a[INET6_ADDRSTRLEN];

	for (int i = 0; i < t->nsrc; i++)
		fprintf(f, "FROM addr=%s count=%lu\n",
			addr_str((const struct sockaddr *)&t->src[i].addr, a,
				 sizeof(a)),
			t->src[i].n);
}

static unsigned long missing_seqs(const struct msg_tally *t, unsigned long upto)
{
	unsigned long miss = 0;

	for (unsigned long s = 0; s < upto; s++)
		if (s >= t->seen_cap || !t->seen[s])
			miss++;
	return miss;
}

void tally_print_result(const struct msg_tally *t, FILE *f, bool server,
			unsigned int count, unsigned long send_failed, bool up)
{
	if (!server) {
		fprintf(f,
			"RESULT role=client sent=%lu acked=%lu lost=%lu dup=%lu bad=%lu max_gap_ms=%" PRId64
			" max_gap_end_ms=%" PRId64 " max_rtt_ms=%" PRIu64
			" send_failed=%lu up=%d corrupt=%lu max_len=%zu\n",
			t->sent, t->unique, t->sent - t->unique, t->dups,
			t->bad, t->max_gap, t->max_gap_at,
			t->max_rtt_ns / 1000000, send_failed, up, t->corrupt,
			t->max_len);
	} else {
		/* lost: holes below the highest seq, plus the unseen tail */
		unsigned long upto = t->any_seq ? t->max_seq + 1UL : 0;

		if (count > upto)
			upto = count;
		fprintf(f,
			"RESULT role=server received=%lu unique=%lu dup=%lu lost=%lu reordered=%lu bad=%lu max_gap_ms=%" PRId64
			" max_gap_end_ms=%" PRId64
			" send_failed=%lu up=%d corrupt=%lu max_len=%zu\n",
			t->msgs, t->unique, t->dups, missing_seqs(t, upto),
			t->reordered, t->bad, t->max_gap, t->max_gap_at,
			send_failed, up, t->corrupt, t->max_len);
	}
}
