/*
 * engine_persist.c: saving the association table and restoring it after a
 * daemon restart (sctpalgd.conf(5), state-file).  The format is described in
 * include/engine_persist.h.
 *
 * Restoring checks the whole file before it touches the engine, so a
 * truncated, corrupt or foreign file leaves the engine empty and exactly
 * as created.  Each association then has to pass the same test a reload
 * applies (engine_assoc_allowed), plus what a new association would have
 * to pass today (port range, free public port, limits): the saved file
 * may predate a change of configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "engine_impl.h"
#include "engine_persist.h"

static const uint8_t state_magic[8] = "SCTPALG";

#define HDR_FIXED	32u	/* magic .. record count */
#define NAME_LEN	ENGINE_NAME_LEN
#define ADDR_LEN	17u
#define REC_FIXED	56u
#define LOCAL_LEN	(2 * ADDR_LEN + 1)
#define PEER_LEN	(ADDR_LEN + 1 + 4 * 8)
#define TRAILER_LEN	4u
#define NO_INDEX	0xffu
#define REC_F_INBOUND	0x01u
/* natsupp Disable Restart (0xC007) from the inside host, from the peer
 * (ASSOC_F_DR_*); version 2 on. */
#define REC_F_DR_INSIDE 0x02u
#define REC_F_DR_PEER	0x04u
/* Records never hold more than an engine can (ENGINE_ADDRS_MAX). */
#define MAX_LOCALS	(ENGINE_ADDRS_MAX * 2)
#define MAX_PEERS	ENGINE_ADDRS_MAX

static const char *const skip_names[ENGINE_RESTORE_SKIP__COUNT] = {
#define ENGINE_RESTORE_SKIP_NAME(n, s) [ENGINE_RESTORE_SKIP_##n] = s,
	ENGINE_RESTORE_SKIPS(ENGINE_RESTORE_SKIP_NAME)
#undef ENGINE_RESTORE_SKIP_NAME
};

/* ---- writing: a small staging buffer in front of the callback ---- */

struct wbuf {
	int (*out)(const void *, size_t, void *);
	void *arg;
	uint32_t crc;		/* raw register, see crc32c.h */
	int err;
	size_t n;
	uint8_t buf[4096];
};

static void w_flush(struct wbuf *w)
{
	if (!w->err && w->n)
		w->err = w->out(w->buf, w->n, w->arg);
	w->n = 0;
}

static void w_bytes(struct wbuf *w, const void *p, size_t len)
{
	const uint8_t *b = p;

	w->crc = crc32c(w->crc, p, len);
	while (len) {
		size_t k = sizeof(w->buf) - w->n;

		if (k > len)
			k = len;
		memcpy(w->buf + w->n, b, k);
		w->n += k;
		b += k;
		len -= k;
		if (w->n == sizeof(w->buf))
			w_flush(w);
	}
}

static void w_u8(struct wbuf *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	w_bytes(w, b, sizeof(b));
}

static void w_u32(struct wbuf *w, uint32_t v)
{
	w_u16(w, (uint16_t)(v >> 16));
	w_u16(w, (uint16_t)v);
}

static void w_u64(struct wbuf *w, uint64_t v)
{
	w_u32(w, (uint32_t)(v >> 32));
	w_u32(w, (uint32_t)v);
}

static void w_addr(struct wbuf *w, const struct nat_addr *a)
{
	w_u8(w, a->family == AF_INET6 ? 6 : 4);
	w_bytes(w, a->bytes, sizeof(a->bytes));
}

static void w_name(struct wbuf *w, const char *name)
{
	uint8_t b[NAME_LEN] = { 0 };

	memcpy(b, name, strnlen(name, NAME_LEN - 1));
	w_bytes(w, b, sizeof(b));
}

static uint8_t index_byte(int v)
{
	return v < 0 ? NO_INDEX : (uint8_t)v;
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* An association without a local binding cannot translate: not saved. */
static bool saveable(const struct assoc *a)
{
	return a->n_locals > 0;
}

static void w_record(struct wbuf *w, const struct engine *e,
		     const struct assoc *a, uint64_t now)
{
	const struct assoc_table *t = e->table;
	uint32_t tag_inside = a->tag_inside, tag_peer = a->tag_peer;
	uint8_t dr = a->flags, flags = 0;

	/* A handshake not completed yet: its newest candidate's tags and
	 * Disable Restart, made a candidate again at restore
	 * (handshake_cand_restore). */
	if (!handshake_assoc_live(a)) {
		handshake_cand_view_tags(e, a, now, &tag_inside, &tag_peer);
		dr = handshake_cand_view_dr(e, a, now);
	}
	if (a->flags & ASSOC_F_INBOUND)
		flags |= REC_F_INBOUND;
	if (dr & ASSOC_F_DR_INSIDE)
		flags |= REC_F_DR_INSIDE;
	if (dr & ASSOC_F_DR_PEER)
		flags |= REC_F_DR_PEER;
	w_u8(w, a->state);
	w_u8(w, flags);
	w_u8(w, index_byte(a->forward));
	w_u8(w, a->n_locals);
	w_u8(w, a->n_peers);
	w_u8(w, 0);
	w_u16(w, 0);
	w_u16(w, a->port_inside);
	w_u16(w, a->port_public);
	w_u16(w, a->port_peer);
	w_u16(w, 0);
	w_u32(w, tag_inside);
	w_u32(w, tag_peer);
	w_u32(w, assoc_prev_tag_inside(t, a));
	w_u32(w, assoc_prev_tag_peer(t, a));
	w_u64(w, since(now, a->created));
	w_u64(w, since(now, a->last_seen));
	w_u64(w, a->expires > now ? a->expires - now : 0);
	for (int i = 0; i < a->n_locals; i++) {
		w_addr(w, &a->locals[i].inside);
		w_addr(w, local_public(e, &a->locals[i]));
		w_u8(w, index_byte(a->locals[i].uplink));
	}
	for (int i = 0; i < a->n_peers; i++) {
		const struct assoc_peer *p = &a->peers[i];

		w_addr(w, &p->addr);
		w_u8(w, index_byte(p->uplink));
		w_u64(w, p->pkts_out);
		w_u64(w, p->bytes_out);
		w_u64(w, p->pkts_in);
		w_u64(w, p->bytes_in);
	}
}

int engine_save(const struct engine *e,
		int (*out)(const void *buf, size_t len, void *arg),
		void *arg, uint64_t now_ns)
{
	struct wbuf w = { .out = out, .arg = arg, .crc = ~0u };
	const struct engine_config *c = &e->conf;
	const struct assoc *a = NULL;
	uint64_t file_len;
	uint32_t count = 0;
	uint8_t crc[4];

	/* The length goes first, so a reader can tell "truncated" apart
	 * from "corrupt". */
	file_len = HDR_FIXED + NAME_LEN * (uint64_t)(c->n_uplinks +
						     c->n_forwards) +
		   TRAILER_LEN;
	while ((a = assoc_table_next(e->table, a))) {
		if (!saveable(a))
			continue;
		count++;
		file_len += REC_FIXED + LOCAL_LEN * (uint64_t)a->n_locals +
			    PEER_LEN * (uint64_t)a->n_peers;
	}

	w_bytes(&w, state_magic, sizeof(state_magic));
	w_u32(&w, ENGINE_STATE_VERSION);
	w_u32(&w, 0);
	w_u64(&w, file_len);
	w_u8(&w, c->n_uplinks);
	w_u8(&w, c->n_forwards);
	w_u16(&w, 0);
	w_u32(&w, count);
	for (int u = 0; u < c->n_uplinks; u++)
		w_name(&w, c->uplinks[u].name);
	for (int f = 0; f < c->n_forwards; f++)
		w_name(&w, c->forwards[f].name);
	while ((a = assoc_table_next(e->table, a)))
		if (saveable(a))
			w_record(&w, e, a, now_ns);
	w.crc = ~w.crc;
	crc[0] = (uint8_t)(w.crc >> 24);
	crc[1] = (uint8_t)(w.crc >> 16);
	crc[2] = (uint8_t)(w.crc >> 8);
	crc[3] = (uint8_t)w.crc;
	/* The trailer is not part of its own checksum: no w_bytes(). */
	if (w.n + sizeof(crc) > sizeof(w.buf))
		w_flush(&w);
	memcpy(w.buf + w.n, crc, sizeof(crc));
	w.n += sizeof(crc);
	w_flush(&w);
	return w.err ? w.err : (int)count;
}

/* ---- reading: a bounds-checked cursor; overrun makes it bad ---- */

struct rbuf {
	const uint8_t *p;
	size_t off, len;
	bool bad;
};

static const uint8_t *r_take(struct rbuf *r, size_t n)
{
	const uint8_t *b;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	b = r->p + r->off;
	r->off += n;
	return b;
}

static uint8_t r_u8(struct rbuf *r)
{
	const uint8_t *b = r_take(r, 1);

	return b ? b[0] : 0;
}

static uint16_t r_u16(struct rbuf *r)
{
	const uint8_t *b = r_take(r, 2);

	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

static uint32_t r_u32(struct rbuf *r)
{
	uint32_t hi = r_u16(r);

	return hi << 16 | r_u16(r);
}

static uint64_t r_u64(struct rbuf *r)
{
	uint64_t hi = r_u32(r);

	return hi << 32 | r_u32(r);
}

/* Only the canonical form: nat_addr_eq compares every byte. */
static void r_addr(struct rbuf *r, struct nat_addr *a)
{
	uint8_t fam = r_u8(r);
	const uint8_t *b = r_take(r, 16);
	static const uint8_t zero[12];

	memset(a, 0, sizeof(*a));
	if (!b)
		return;
	if (fam == 4 && !memcmp(b + 4, zero, sizeof(zero)))
		nat_addr_from_v4(a, b);
	else if (fam == 6)
		nat_addr_from_v6(a, b);
	else
		r->bad = true;
}

/* One record as saved, indexes still those of the file's name lists. */
struct saved_assoc {
	uint8_t state, flags, forward, n_locals, n_peers;
	uint16_t port_inside, port_public, port_peer;
	uint32_t tag_inside, tag_peer, prev_tag_inside, prev_tag_peer;
	uint64_t age, idle, remaining;
	struct saved_local {
		struct nat_addr inside, public_;
		uint8_t uplink;
	} locals[MAX_LOCALS];
	struct saved_peer {
		struct nat_addr addr;
		uint8_t uplink;
		uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
	} peers[MAX_PEERS];
};

struct saved_header {
	uint32_t version;
	uint8_t n_uplinks, n_forwards;
	uint32_t count;
	char uplinks[ENGINE_MAX_UPLINKS][NAME_LEN];
	char forwards[ENGINE_MAX_FORWARDS][NAME_LEN];
};

static bool index_ok(uint8_t v, uint8_t n)
{
	return v == NO_INDEX || v < n;
}

/* The record flags a file of this version may hold. */
static uint8_t rec_flags_known(uint32_t version)
{
	return version >= 2 ? REC_F_INBOUND | REC_F_DR_INSIDE | REC_F_DR_PEER :
			      REC_F_INBOUND;
}

/* Decode and check one record's structure; false if malformed. */
static bool r_record(struct rbuf *r, const struct saved_header *h,
		     struct saved_assoc *s)
{
	s->state = r_u8(r);
	s->flags = r_u8(r);
	s->forward = r_u8(r);
	s->n_locals = r_u8(r);
	s->n_peers = r_u8(r);
	if (r_u8(r) || r_u16(r))
		return false;
	s->port_inside = r_u16(r);
	s->port_public = r_u16(r);
	s->port_peer = r_u16(r);
	if (r_u16(r))
		return false;
	s->tag_inside = r_u32(r);
	s->tag_peer = r_u32(r);
	s->prev_tag_inside = r_u32(r);
	s->prev_tag_peer = r_u32(r);
	s->age = r_u64(r);
	s->idle = r_u64(r);
	s->remaining = r_u64(r);
	if (r->bad || s->state >= ASSOC__STATE_COUNT ||
	    (s->flags & ~rec_flags_known(h->version)) ||
	    !index_ok(s->forward, h->n_forwards) ||
	    ((s->flags & REC_F_INBOUND) && s->forward == NO_INDEX) ||
	    s->n_locals == 0 || s->n_locals > MAX_LOCALS ||
	    s->n_peers > MAX_PEERS)
		return false;
	for (int i = 0; i < s->n_locals; i++) {
		r_addr(r, &s->locals[i].inside);
		r_addr(r, &s->locals[i].public_);
		s->locals[i].uplink = r_u8(r);
		if (!index_ok(s->locals[i].uplink, h->n_uplinks))
			return false;
	}
	for (int i = 0; i < s->n_peers; i++) {
		struct saved_peer *p = &s->peers[i];

		r_addr(r, &p->addr);
		p->uplink = r_u8(r);
		p->pkts_out = r_u64(r);
		p->bytes_out = r_u64(r);
		p->pkts_in = r_u64(r);
		p->bytes_in = r_u64(r);
		if (!index_ok(p->uplink, h->n_uplinks))
			return false;
	}
	return !r->bad;
}

static bool r_name(struct rbuf *r, char *name)
{
	const uint8_t *b = r_take(r, NAME_LEN);

	if (!b || !memchr(b, 0, NAME_LEN))
		return false;
	memcpy(name, b, NAME_LEN);
	return true;
}

static int reject(struct engine_restore_report *rep, const char *why)
{
	snprintf(rep->error, sizeof(rep->error), "%s", why);
	return -EINVAL;
}

/* Everything but the engine-dependent decisions; 0 or -EINVAL. */
static int check_file(const uint8_t *p, size_t len, struct saved_header *h,
		      struct saved_assoc *s, struct engine_restore_report *rep)
{
	struct rbuf r = { .p = p, .len = len };
	uint32_t version, crc;
	uint64_t file_len;

	if (len < sizeof(state_magic) ||
	    memcmp(p, state_magic, sizeof(state_magic)))
		return reject(rep, "not an sctpalgd state file");
	if (len < HDR_FIXED + TRAILER_LEN)
		return reject(rep, "truncated header");
	r.off = sizeof(state_magic);
	version = r_u32(&r);
	if (version < ENGINE_STATE_VERSION_OLDEST ||
	    version > ENGINE_STATE_VERSION) {
		snprintf(rep->error, sizeof(rep->error),
			 "format version %u, this sctpalgd reads %u to %u",
			 version, ENGINE_STATE_VERSION_OLDEST,
			 ENGINE_STATE_VERSION);
		return -EINVAL;
	}
	h->version = version;
	if (r_u32(&r))
		return reject(rep, "unknown format flags");
	file_len = r_u64(&r);
	if (file_len != len) {
		snprintf(rep->error, sizeof(rep->error),
			 "%s: %zu bytes, header says %llu",
			 len < file_len ? "truncated" : "trailing bytes",
			 len, (unsigned long long)file_len);
		return -EINVAL;
	}
	crc = (uint32_t)p[len - 4] << 24 | (uint32_t)p[len - 3] << 16 |
	      (uint32_t)p[len - 2] << 8 | p[len - 1];
	if (~crc32c(~0u, p, len - TRAILER_LEN) != crc)
		return reject(rep, "checksum mismatch: the file is corrupt");

	/* From here on a failure means a writer bug, not a damaged disk. */
	r.len = len - TRAILER_LEN;
	h->n_uplinks = r_u8(&r);
	h->n_forwards = r_u8(&r);
	if (r_u16(&r) || h->n_uplinks > ENGINE_MAX_UPLINKS ||
	    h->n_forwards > ENGINE_MAX_FORWARDS)
		return reject(rep, "malformed header");
	h->count = r_u32(&r);
	for (int u = 0; u < h->n_uplinks; u++)
		if (!r_name(&r, h->uplinks[u]))
			return reject(rep, "malformed uplink name");
	for (int f = 0; f < h->n_forwards; f++)
		if (!r_name(&r, h->forwards[f]))
			return reject(rep, "malformed forward name");
	for (uint32_t i = 0; i < h->count; i++)
		if (!r_record(&r, h, s))
			return reject(rep, "malformed association record");
	if (r.off != r.len)
		return reject(rep, "malformed: bytes after the last record");
	return 0;
}

/* ---- applying one record ---- */

struct name_maps {
	int8_t uplink[ENGINE_MAX_UPLINKS];	/* file index -> config */
	int8_t forward[ENGINE_MAX_FORWARDS];
};

static void map_names(const struct engine_config *c,
		      const struct saved_header *h, struct name_maps *m)
{
	for (int i = 0; i < h->n_uplinks; i++) {
		m->uplink[i] = -1;
		for (int u = 0; u < c->n_uplinks; u++)
			if (!strcmp(h->uplinks[i], c->uplinks[u].name))
				m->uplink[i] = (int8_t)u;
	}
	for (int i = 0; i < h->n_forwards; i++) {
		m->forward[i] = -1;
		for (int f = 0; f < c->n_forwards; f++)
			if (!strcmp(h->forwards[i], c->forwards[f].name))
				m->forward[i] = (int8_t)f;
	}
}

/* A file index in the current config's terms; false if it is gone. */
static bool remap(const int8_t *map, uint8_t idx, int8_t *out)
{
	*out = idx == NO_INDEX ? -1 : map[idx];
	return idx == NO_INDEX || map[idx] >= 0;
}

struct shares_arg {
	const struct engine *e;
	const struct assoc *a;
};

/* Would any of a's peers see another association's public transport? */
static bool shares_any_peer_transport(const struct assoc *o, void *arg)
{
	const struct shares_arg *sa = arg;
	const struct assoc *a = sa->a;

	for (int p = 0; p < a->n_peers; p++)
		if (assoc_shares_transport(&sa->e->pubs, o, a,
					   &a->peers[p].addr))
			return true;
	return false;
}

/* Take the port references engine_release_assoc() will give back. */
static enum engine_restore_skip ref_ports(struct engine *e, struct assoc *a)
{
	for (int i = 0; i < a->n_locals; i++) {
		int err = port_alloc_ref(e->ports,
					 local_public(e, &a->locals[i]),
					 a->port_public, &a->locals[0].inside,
					 a->port_inside);

		if (err) {
			while (--i >= 0)
				port_alloc_unref(e->ports,
						 local_public(e, &a->locals[i]),
						 a->port_public);
			return err == -ENOSPC ? ENGINE_RESTORE_SKIP_LIMITS :
						ENGINE_RESTORE_SKIP_PORT_IN_USE;
		}
	}
	return ENGINE_RESTORE_SKIP__COUNT;
}

/* Is uplink u one a local binding of a uses for this family? */
static bool pin_valid(const struct engine *e, const struct assoc *a,
		      int8_t u, uint8_t family)
{
	if (u < 0 || e->conf.multihome != MULTIHOME_UPLINKS)
		return false;
	for (int i = 0; i < a->n_locals; i++) {
		const struct assoc_local *l = &a->locals[i];

		if (l->uplink == u && local_public(e, l)->family == family)
			return true;
	}
	return false;
}

/* Fill a fresh slot from s; returns a skip reason or __COUNT. */
static enum engine_restore_skip fill(struct engine *e, struct assoc *a,
				     const struct saved_assoc *s,
				     const struct name_maps *m)
{
	a->state = s->state;
	a->port_inside = s->port_inside;
	a->port_public = s->port_public;
	a->port_peer = s->port_peer;
	a->tag_inside = s->tag_inside;
	a->tag_peer = s->tag_peer;
	assoc_set_prev_tags(e->table, a, s->prev_tag_inside, s->prev_tag_peer);
	/* A version 1 file has none: restart stays enabled, as before. */
	if (s->flags & REC_F_DR_INSIDE)
		a->flags |= ASSOC_F_DR_INSIDE;
	if (s->flags & REC_F_DR_PEER)
		a->flags |= ASSOC_F_DR_PEER;
	if (s->flags & REC_F_INBOUND) {
		a->flags |= ASSOC_F_INBOUND;
		if (!remap(m->forward, s->forward, &a->forward))
			return ENGINE_RESTORE_SKIP_FORWARD_GONE;
	}
	if (!assoc_room_locals(e->table, a, s->n_locals) ||
	    !assoc_room_peers(e->table, a, s->n_peers))
		return ENGINE_RESTORE_SKIP_LIMITS;
	for (int i = 0; i < s->n_locals; i++) {
		int8_t up;

		if (!remap(m->uplink, s->locals[i].uplink, &up))
			return ENGINE_RESTORE_SKIP_UPLINK_GONE;
		local_add(e, a, &s->locals[i].inside, &s->locals[i].public_,
			  up);
	}
	a->n_peers = s->n_peers;
	for (int i = 0; i < s->n_peers; i++) {
		struct assoc_peer *p = &a->peers[i];

		p->addr = s->peers[i].addr;
		p->pkts_out = s->peers[i].pkts_out;
		p->bytes_out = s->peers[i].bytes_out;
		p->pkts_in = s->peers[i].pkts_in;
		p->bytes_in = s->peers[i].bytes_in;
		/* Keep the saved pin while it still names an uplink the
		 * association shows an address on; else pin afresh. */
		if (!remap(m->uplink, s->peers[i].uplink, &p->uplink) ||
		    !pin_valid(e, a, p->uplink, p->addr.family))
			p->uplink = xlate_pin_uplink(e, a, (unsigned int)i);
	}
	return ENGINE_RESTORE_SKIP__COUNT;
}

static enum engine_restore_skip restore_one(struct engine *e,
					    const struct saved_assoc *s,
					    const struct name_maps *m,
					    uint64_t now)
{
	const struct engine_config *c = &e->conf;
	enum engine_restore_skip why;
	uint64_t left, limit;
	struct assoc *a;

	if (s->remaining == 0)
		return ENGINE_RESTORE_SKIP_EXPIRED;
	if (s->n_locals > assoc_table_max_locals(e->table) ||
	    s->n_peers > assoc_table_max_peers(e->table) ||
	    (c->max_assocs_per_host &&
	     assoc_host_count(e->table, &s->locals[0].inside) >=
		     c->max_assocs_per_host))
		return ENGINE_RESTORE_SKIP_LIMITS;
	if (!(s->flags & REC_F_INBOUND) &&
	    (s->port_public < c->port_min || s->port_public > c->port_max))
		return ENGINE_RESTORE_SKIP_PORT_RANGE;
	a = assoc_alloc(e->table, now);
	if (!a)
		return ENGINE_RESTORE_SKIP_LIMITS;
	why = fill(e, a, s, m);
	if (why == ENGINE_RESTORE_SKIP__COUNT && !engine_assoc_allowed(e, c, a))
		why = ENGINE_RESTORE_SKIP_NOT_ALLOWED;
	if (why == ENGINE_RESTORE_SKIP__COUNT &&
	    assoc_lookup_ports(e->table, ASSOC_KEY_IN_PORTS, a->port_public,
			       a->port_peer, shares_any_peer_transport,
			       &(struct shares_arg){ .e = e, .a = a }))
		why = ENGINE_RESTORE_SKIP_PORT_IN_USE;
	if (why == ENGINE_RESTORE_SKIP__COUNT)
		why = ref_ports(e, a);
	if (why == ENGINE_RESTORE_SKIP__COUNT &&
	    !assoc_host_add(e->table, &a->locals[0].inside)) {
		for (int i = 0; i < a->n_locals; i++)
			port_alloc_unref(e->ports,
					 local_public(e, &a->locals[i]),
					 a->port_public);
		why = ENGINE_RESTORE_SKIP_LIMITS;
	}
	if (why != ENGINE_RESTORE_SKIP__COUNT) {
		/* Nothing linked or held yet but the bindings. */
		local_truncate(e, a, 0);
		assoc_free(e->table, a);
		return why;
	}

	if (a->state < ASSOC_ESTABLISHED)
		handshake_cand_restore(e, a, now);
	assoc_link_all(e->table, a);
	if (a->state < ASSOC_ESTABLISHED) {
		a->flags |= ASSOC_F_HANDSHAKE;
		e->stats.handshakes_live++;
	} else if (a->state != ASSOC_CLOSED) {
		/* It came up before the save: its end is a DOWN of an
		 * association that was up, not a failed set-up. */
		a->flags |= ASSOC_F_UP;
	}
	/* Ages and idle times count on from the new clock; a clock younger
	 * than the age (a reboot) pins creation at its zero. */
	a->created = now > s->age ? now - s->age : 0;
	a->last_seen = now > s->idle ? now - s->idle : 0;
	/* A timeout shortened since the save applies at once. */
	limit = engine_timeout_ns(e, (enum assoc_state)a->state);
	left = s->remaining < limit ? s->remaining : limit;
	assoc_set_expiry(e->table, a, now + left);
	return ENGINE_RESTORE_SKIP__COUNT;
}

int engine_restore(struct engine *e, const void *buf, size_t len,
		   uint64_t now_ns, uint64_t downtime_ns,
		   struct engine_restore_report *report)
{
	struct saved_header h = { 0 };
	struct saved_assoc s;
	struct name_maps m;
	struct rbuf r;
	int err;

	memset(report, 0, sizeof(*report));
	if (assoc_table_live(e->table)) {
		reject(report, "the engine already has associations");
		return -EBUSY;
	}
	err = check_file(buf, len, &h, &s, report);
	if (err)
		return err;
	report->saved = h.count;
	map_names(&e->conf, &h, &m);

	/* The same walk again, now known to succeed, applying each. */
	r = (struct rbuf){ .p = buf, .len = len - TRAILER_LEN,
			   .off = HDR_FIXED + NAME_LEN * (size_t)(h.n_uplinks +
							h.n_forwards) };
	for (uint32_t i = 0; i < h.count; i++) {
		enum engine_restore_skip why;

		r_record(&r, &h, &s);
		/* Time ran on while no daemon was there to count it. */
		s.remaining = s.remaining > downtime_ns ?
			      s.remaining - downtime_ns : 0;
		s.idle += downtime_ns;
		s.age += downtime_ns;
		why = restore_one(e, &s, &m, now_ns);
		if (why == ENGINE_RESTORE_SKIP__COUNT) {
			report->restored++;
		} else {
			report->skipped++;
			report->by_reason[why]++;
		}
	}
	e->stats.assocs_live = assoc_table_live(e->table);
	return (int)report->restored;
}

const char *engine_restore_report_str(const struct engine_restore_report *r,
				      char *buf, size_t len)
{
	size_t off;
	int n;

	if (!len)
		return buf;
	n = snprintf(buf, len, "%u skipped", r->skipped);
	off = n < 0 ? 0 : (size_t)n;
	for (int i = 0, first = 1; i < ENGINE_RESTORE_SKIP__COUNT; i++) {
		if (!r->by_reason[i] || off >= len)
			continue;
		n = snprintf(buf + off, len - off, "%s%u %s",
			     first ? ": " : ", ", r->by_reason[i],
			     skip_names[i]);
		off += n < 0 ? 0 : (size_t)n;
		first = 0;
	}
	return buf;
}
