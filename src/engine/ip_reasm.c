/*
 * ip_reasm.c: see include/ip_reasm.h.
 *
 * A context's buffer keeps the payload at HDR_ROOM, where fragment offset
 * 0 lands, whatever order the fragments come in; the first fragment's
 * header (IPv4 header, or IPv6 header and the extension headers before
 * the fragment header) is copied right in front of it, so the whole
 * packet ends up contiguous without a move.  Received 8-byte units are
 * tracked in a bitmap: an overlap is a bit already set, completion is
 * the count of set bits reaching the length the last fragment gave.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "inet_csum.h"
#include "ip_reasm.h"
#include "sctp_wire.h"

#define MAX_PAYLOAD	65535u
#define HDR_ROOM	512u		/* longest header we keep */
#define GROW_ROOM	1024u		/* the engine may grow an INIT */
#define UNITS		((MAX_PAYLOAD + 7) / 8)
#define BUF_SIZE	(HDR_ROOM + MAX_PAYLOAD + GROW_ROOM)
#define PROTO_SCTP	132
#define NH_FRAGMENT	44
#define MAX_EXT_HDRS	8

enum slot_state { SLOT_FREE = 0, SLOT_FILLING, SLOT_OUT };

struct slot {
	enum slot_state state;
	uint8_t family;			/* 4 or 6 */
	uint8_t src[16], dst[16];
	uint32_t id;
	uint64_t first_ns;
	uint32_t total;			/* payload bytes, once have_last */
	bool have_first, have_last;
	uint16_t hdr_len, nh_off, max_frag_len;
	uint32_t units_set;
	uint64_t bitmap[(UNITS + 63) / 64];
	uint8_t buf[BUF_SIZE];
};

struct ip_reasm {
	unsigned int n_slots;
	uint64_t timeout_ns;
	struct ip_reasm_stats st;
	struct slot slots[];
};

/* One fragment, parsed. */
struct frag {
	uint8_t family;
	const uint8_t *src, *dst;
	uint32_t id;
	uint32_t off, len;		/* of its payload in the datagram */
	bool more;
	const uint8_t *payload;
	uint32_t hdr_len, nh_off;	/* what the first fragment gives */
	uint32_t pkt_len;
};

int ip_reasm_create(unsigned int slots, uint64_t timeout_ns,
		    struct ip_reasm **out)
{
	struct ip_reasm *r;

	if (!slots || slots > 4096 || !timeout_ns)
		return -EINVAL;
	r = calloc(1, sizeof(*r) + (size_t)slots * sizeof(struct slot));
	if (!r)
		return -ENOMEM;
	r->n_slots = slots;
	r->timeout_ns = timeout_ns;
	*out = r;
	return 0;
}

void ip_reasm_destroy(struct ip_reasm *r)
{
	free(r);
}

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r)
{
	return &r->st;
}

/* IPv6: offset of the fragment header, or 0; *nh_off its pointer byte. */
static uint32_t find_frag6(const uint8_t *p, uint32_t len, uint32_t *nh_off)
{
	uint32_t off = 40;
	uint8_t nh = p[6];

	*nh_off = 6;
	for (int i = 0; i < MAX_EXT_HDRS; i++) {
		if (nh == NH_FRAGMENT)
			return off + 8 <= len ? off : 0;
		if (nh != 0 && nh != 43 && nh != 60)
			return 0;
		if (off + 8 > len)
			return 0;
		*nh_off = off;
		nh = p[off];
		off += ((uint32_t)p[off + 1] + 1) * 8;
	}
	return 0;
}

bool ip_is_fragment(const uint8_t *p, uint32_t len)
{
	uint32_t nh_off;

	if (len >= 20 && (p[0] >> 4) == 4)
		return sctp_get16(p + 6) & 0x3fff;
	if (len >= 40 && (p[0] >> 4) == 6)
		return find_frag6(p, len, &nh_off) != 0;
	return false;
}

static bool parse4(const uint8_t *p, uint32_t len, struct frag *f)
{
	uint32_t ihl = (uint32_t)(p[0] & 0x0f) * 4, total = sctp_get16(p + 2);
	uint16_t fo = sctp_get16(p + 6);

	if (len < 20 || ihl < 20 || total < ihl || total > len ||
	    inet_csum(p, ihl) != 0 || p[9] != PROTO_SCTP)
		return false;
	f->family = 4;
	f->src = p + 12;
	f->dst = p + 16;
	f->id = sctp_get16(p + 4);
	f->off = (uint32_t)(fo & 0x1fff) * 8;
	f->more = fo & 0x2000;
	f->payload = p + ihl;
	f->len = total - ihl;
	f->hdr_len = ihl;
	f->nh_off = 9;
	f->pkt_len = total;
	return true;
}

static bool parse6(const uint8_t *p, uint32_t len, struct frag *f)
{
	uint32_t total, fh, nh_off;
	uint16_t fo;

	if (len < 40)
		return false;
	total = 40u + sctp_get16(p + 4);
	if (total > len)
		return false;
	fh = find_frag6(p, total, &nh_off);
	if (!fh || fh > HDR_ROOM || p[fh] != PROTO_SCTP)
		return false;
	fo = sctp_get16(p + fh + 2);
	f->family = 6;
	f->src = p + 8;
	f->dst = p + 24;
	f->id = sctp_get32(p + fh + 4);
	f->off = fo & 0xfff8;
	f->more = fo & 1;
	f->payload = p + fh + 8;
	f->len = total - fh - 8;
	f->hdr_len = fh;
	f->nh_off = nh_off;
	f->pkt_len = total;
	return true;
}

static bool same(const struct slot *s, const struct frag *f)
{
	size_t alen = f->family == 4 ? 4 : 16;

	return s->family == f->family && s->id == f->id &&
	       !memcmp(s->src, f->src, alen) && !memcmp(s->dst, f->dst, alen);
}

static void slot_free(struct slot *s)
{
	s->state = SLOT_FREE;
}

void ip_reasm_expire(struct ip_reasm *r, uint64_t now)
{
	for (unsigned int i = 0; i < r->n_slots; i++) {
		struct slot *s = &r->slots[i];

		if (s->state == SLOT_FILLING &&
		    now - s->first_ns >= r->timeout_ns) {
			slot_free(s);
			r->st.timeouts++;
		}
	}
}

/* The datagram's context: found, a free one, or the oldest evicted. */
static struct slot *slot_for(struct ip_reasm *r, const struct frag *f,
			     uint64_t now)
{
	struct slot *free_slot = NULL, *oldest = NULL, *s;
	size_t alen = f->family == 4 ? 4 : 16;

	for (unsigned int i = 0; i < r->n_slots; i++) {
		s = &r->slots[i];
		if (s->state == SLOT_FILLING && same(s, f))
			return s;
		if (s->state == SLOT_FREE && !free_slot)
			free_slot = s;
		if (s->state == SLOT_FILLING &&
		    (!oldest || s->first_ns < oldest->first_ns))
			oldest = s;
	}
	s = free_slot;
	if (!s) {
		if (!oldest)
			return NULL;	/* every context is being sent */
		s = oldest;
		r->st.evicted++;
	}
	memset(s, 0, offsetof(struct slot, buf));
	s->state = SLOT_FILLING;
	s->family = f->family;
	memcpy(s->src, f->src, alen);
	memcpy(s->dst, f->dst, alen);
	s->id = f->id;
	s->first_ns = now;
	return s;
}

static bool unit_isset(const struct slot *s, uint32_t u)
{
	return s->bitmap[u / 64] & (1ull << (u % 64));
}

/* Records f's units; false on an overlap (nothing recorded then). */
static bool mark_units(struct slot *s, const struct frag *f)
{
	uint32_t u0 = f->off / 8, u1 = (f->off + f->len + 7) / 8;

	for (uint32_t u = u0; u < u1; u++)
		if (unit_isset(s, u))
			return false;
	for (uint32_t u = u0; u < u1; u++)
		s->bitmap[u / 64] |= 1ull << (u % 64);
	s->units_set += u1 - u0;
	return true;
}

static void finish(struct ip_reasm *r, struct slot *s,
		   struct ip_reasm_out *out)
{
	uint8_t *ip = s->buf + HDR_ROOM - s->hdr_len;
	uint32_t len = s->hdr_len + s->total;

	if (s->family == 4) {
		sctp_put16(ip + 2, (uint16_t)len);
		sctp_put16(ip + 6, 0);		/* whole: no MF, offset 0 */
		ip4_csum_fill(ip, s->hdr_len);
		out->info.unfrag_len = 0;
	} else {
		sctp_put16(ip + 4, (uint16_t)(len - 40));
		ip[s->nh_off] = PROTO_SCTP;	/* the fragment header goes */
		out->info.unfrag_len = s->hdr_len;
	}
	out->data = ip;
	out->len = len;
	out->cap = (uint32_t)(s->buf + BUF_SIZE - ip);
	if (out->cap > MAX_PAYLOAD)
		out->cap = MAX_PAYLOAD;
	out->info.id = s->id;
	out->info.nh_off = s->nh_off;
	out->info.max_frag_len = s->max_frag_len;
	out->slot = (int)(s - r->slots);
	s->state = SLOT_OUT;
	r->st.reassembled++;
}

static enum ip_reasm_result drop(struct slot *s, uint64_t *counter)
{
	if (s)
		slot_free(s);
	(*counter)++;
	return IP_REASM_DROPPED;
}

enum ip_reasm_result ip_reasm_add(struct ip_reasm *r, const uint8_t *p,
				  uint32_t len, uint64_t now,
				  struct ip_reasm_out *out)
{
	struct frag f;
	struct slot *s;
	uint32_t end;
	bool ok;

	r->st.fragments++;
	if (len < 1)
		return drop(NULL, &r->st.malformed);
	ok = (p[0] >> 4) == 4 ? parse4(p, len, &f) :
	     (p[0] >> 4) == 6 ? parse6(p, len, &f) : false;
	/* Every fragment but the last carries whole 8-byte units. */
	if (!ok || !f.len || (f.more && f.len % 8))
		return drop(NULL, &r->st.malformed);
	end = f.off + f.len;
	if (end + f.hdr_len > MAX_PAYLOAD)
		return drop(NULL, &r->st.too_big);
	ip_reasm_expire(r, now);
	s = slot_for(r, &f, now);
	if (!s)
		return drop(NULL, &r->st.evicted);
	/* The last fragment fixes the length; nothing may lie beyond it. */
	if (s->have_last && (end > s->total || (!f.more && end != s->total)))
		return drop(s, &r->st.malformed);
	if (!f.more) {
		for (uint32_t u = (end + 7) / 8; u < UNITS; u++)
			if (unit_isset(s, u))
				return drop(s, &r->st.malformed);
		s->have_last = true;
		s->total = end;
	}
	if (!mark_units(s, &f))
		return drop(s, &r->st.overlaps);
	memcpy(s->buf + HDR_ROOM + f.off, f.payload, f.len);
	if (f.off == 0) {
		memcpy(s->buf + HDR_ROOM - f.hdr_len, p, f.hdr_len);
		s->hdr_len = (uint16_t)f.hdr_len;
		s->nh_off = (uint16_t)f.nh_off;
		s->have_first = true;
	}
	if (f.pkt_len > s->max_frag_len)
		s->max_frag_len = (uint16_t)f.pkt_len;
	if (s->have_first && s->have_last &&
	    s->units_set == (s->total + 7) / 8) {
		finish(r, s, out);
		return IP_REASM_COMPLETE;
	}
	return IP_REASM_HELD;
}

void ip_reasm_release(struct ip_reasm *r, const struct ip_reasm_out *out)
{
	if (out->slot >= 0 && (unsigned int)out->slot < r->n_slots)
		slot_free(&r->slots[out->slot]);
}

static int fragment4(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		     const struct ip_frag_info *info, uint8_t *scratch,
		     ip_frag_emit_fn *emit, void *arg)
{
	uint32_t ihl = (uint32_t)(pkt[0] & 0x0f) * 4, payload, unit;
	int n = 0;

	if (ihl < 20 || len < ihl || mtu < ihl + 8)
		return -EINVAL;
	payload = len - ihl;
	unit = (mtu - ihl) / 8 * 8;
	for (uint32_t off = 0; off < payload || !n; off += unit) {
		uint32_t chunk = payload - off < unit ? payload - off : unit;
		bool more = off + chunk < payload;

		memcpy(scratch, pkt, ihl);
		memcpy(scratch + ihl, pkt + ihl + off, chunk);
		sctp_put16(scratch + 2, (uint16_t)(ihl + chunk));
		sctp_put16(scratch + 4, (uint16_t)info->id);
		sctp_put16(scratch + 6, (uint16_t)(off / 8 |
						   (more ? 0x2000 : 0)));
		ip4_csum_fill(scratch, ihl);
		emit(arg, scratch, ihl + chunk);
		n++;
	}
	return n;
}

static int fragment6(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		     const struct ip_frag_info *info, uint8_t *scratch,
		     ip_frag_emit_fn *emit, void *arg)
{
	uint32_t u = info->unfrag_len, payload, unit;
	int n = 0;

	if (u < 40 || u > len || info->nh_off >= u || mtu < u + 16)
		return -EINVAL;
	payload = len - u;
	unit = (mtu - u - 8) / 8 * 8;
	for (uint32_t off = 0; off < payload || !n; off += unit) {
		uint32_t chunk = payload - off < unit ? payload - off : unit;
		bool more = off + chunk < payload;
		uint8_t *fh = scratch + u;

		memcpy(scratch, pkt, u);
		scratch[info->nh_off] = NH_FRAGMENT;
		fh[0] = pkt[info->nh_off];
		fh[1] = 0;
		sctp_put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		sctp_put32(fh + 4, info->id);
		memcpy(fh + 8, pkt + u + off, chunk);
		sctp_put16(scratch + 4, (uint16_t)(u - 40 + 8 + chunk));
		emit(arg, scratch, u + 8 + chunk);
		n++;
	}
	return n;
}

int ip_fragment(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		const struct ip_frag_info *info, uint8_t *scratch,
		ip_frag_emit_fn *emit, void *arg)
{
	if (len < 1)
		return -EINVAL;
	if ((pkt[0] >> 4) == 4)
		return fragment4(pkt, len, mtu, info, scratch, emit, arg);
	if ((pkt[0] >> 4) == 6)
		return fragment6(pkt, len, mtu, info, scratch, emit, arg);
	return -EINVAL;
}
