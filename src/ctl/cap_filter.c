/*
 * cap_filter: the request of "sctpalgctl capture" and its packet filter.
 * See include/cap_filter.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_filter.h"
#include "ip_parse.h"

#define WORD_MAX 64

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of s[*off, n) copied into w (NUL-terminated); its length,
 * 0 at the end, or -1 when longer than WORD_MAX - 1 or holding a NUL. */
static int next_word(const char *s, size_t n, size_t *off, char *w)
{
	size_t len = 0;

	while (*off < n && is_blank(s[*off]))
		(*off)++;
	while (*off < n && !is_blank(s[*off])) {
		if (len == WORD_MAX - 1 || s[*off] == '\0')
			return -1;
		w[len++] = s[(*off)++];
	}
	w[len] = '\0';
	return (int)len;
}

static int refuse(char *why, size_t why_len, const char *fmt, const char *a)
{
	snprintf(why, why_len, fmt, a);
	return -EINVAL;
}

/* A decimal (or, with hex, 0x-prefixed) number in [min, max]. */
static bool number(const char *w, uint64_t min, uint64_t max, bool hex,
		   uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (w[0] < '0' || w[0] > '9')
		return false;
	errno = 0;
	v = strtoull(w, &end, hex && w[0] == '0' && (w[1] == 'x' ||
						      w[1] == 'X') ? 16 : 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int set_key(struct cap_req *r, const char *key, const char *val,
		   char *why, size_t why_len)
{
	struct cap_filter *f = &r->filter;
	unsigned int bit = 0;
	uint64_t v;

	if (!strcmp(key, "if")) {
		if (r->n_ifs == CAP_MAX_IFS)
			return refuse(why, why_len, "at most 8 interfaces%s",
				      "");
		if (strlen(val) >= IF_NAMESIZE)
			return refuse(why, why_len,
				      "%s: interface name too long", val);
		for (unsigned int i = 0; i < r->n_ifs; i++)
			if (!strcmp(r->ifs[i], val))
				return refuse(why, why_len,
					      "interface %s given twice", val);
		strcpy(r->ifs[r->n_ifs++], val);
		return 0;
	}
	if (!strcmp(key, "snap")) {
		if (!number(val, CAP_SNAP_MIN, CAP_SNAP_MAX, false, &v))
			return refuse(why, why_len, "snap %s: the snapshot "
				      "length is 64 to 65535 bytes", val);
		r->snaplen = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "count")) {
		if (!number(val, 1, UINT64_MAX, false, &v))
			return refuse(why, why_len, "count %s: a packet count "
				      "of 1 or more", val);
		r->count = v;
		return 0;
	}
	if (!strcmp(key, "secs")) {
		if (!number(val, 1, CAP_SECS_MAX, false, &v))
			return refuse(why, why_len, "secs %s: a duration of 1 "
				      "to 86400 seconds", val);
		r->secs = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "rate")) {
		if (!number(val, 1, CAP_RATE_MAX, false, &v))
			return refuse(why, why_len, "rate %s: 1 to 50000 "
				      "packets a second", val);
		r->rate = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "host"))
		bit = CAP_F_HOST;
	else if (!strcmp(key, "port"))
		bit = CAP_F_PORT;
	else if (!strcmp(key, "vtag"))
		bit = CAP_F_VTAG;
	else
		return refuse(why, why_len, "unknown capture filter key %s "
			      "(host, port, vtag)", key);
	if (f->keys & bit)
		return refuse(why, why_len, "filter key %s given twice", key);
	f->keys |= bit;
	switch (bit) {
	case CAP_F_HOST:
		if (nat_addr_parse(&f->host, val) < 0)
			return refuse(why, why_len,
				      "host %s: not an IP address", val);
		break;
	case CAP_F_PORT:
		if (!number(val, 1, 65535, false, &v))
			return refuse(why, why_len,
				      "port %s: a port is 1 to 65535", val);
		f->port = (uint16_t)v;
		break;
	default:
		if (!number(val, 0, UINT32_MAX, true, &v))
			return refuse(why, why_len, "vtag %s: a 32-bit number "
				      "(0x1a2b3c4d or decimal)", val);
		f->vtag = (uint32_t)v;
		break;
	}
	return 0;
}

int cap_req_parse(const char *s, size_t n, struct cap_req *r, char *why,
		  size_t why_len)
{
	char key[WORD_MAX], val[WORD_MAX];
	size_t off = 0;
	int k, v, ret;

	memset(r, 0, sizeof(*r));
	r->snaplen = CAP_SNAP_MAX;
	r->rate = CAP_RATE_MAX;
	for (;;) {
		k = next_word(s, n, &off, key);
		if (k == 0)
			return 0;
		if (k < 0)
			return refuse(why, why_len, "a word of the capture "
				      "request is too long%s", "");
		v = next_word(s, n, &off, val);
		if (v < 0)
			return refuse(why, why_len, "%s: value too long", key);
		if (v == 0)
			return refuse(why, why_len, "%s needs a value", key);
		ret = set_key(r, key, val, why, why_len);
		if (ret < 0)
			return ret;
	}
}

/* Source and destination of an IPv4 or IPv6 header, however the rest
 * looks; false when not even that is there. */
static bool addrs_of(const uint8_t *ip, uint32_t len, struct nat_addr *src,
		     struct nat_addr *dst)
{
	if (len >= 20 && ip[0] >> 4 == 4) {
		nat_addr_from_v4(src, ip + 12);
		nat_addr_from_v4(dst, ip + 16);
		return true;
	}
	if (len >= 40 && ip[0] >> 4 == 6) {
		nat_addr_from_v6(src, ip + 8);
		nat_addr_from_v6(dst, ip + 24);
		return true;
	}
	return false;
}

bool cap_filter_match(const struct cap_filter *f, const uint8_t *ip,
		      uint32_t len)
{
	struct nat_addr src, dst;
	struct ip_view v;
	const uint8_t *sh;
	uint32_t vtag;

	if (!f->keys)
		return true;
	if (f->keys & CAP_F_HOST) {
		if (!addrs_of(ip, len, &src, &dst) ||
		    (!nat_addr_eq(&src, &f->host) &&
		     !nat_addr_eq(&dst, &f->host)))
			return false;
	}
	if (!(f->keys & (CAP_F_PORT | CAP_F_VTAG)))
		return true;
	if (ip_parse(ip, len, &v) != DROP_NONE || v.proto != 132 ||
	    v.total_len < (uint32_t)v.l4_off + 12)
		return false;
	sh = ip + v.l4_off;
	if ((f->keys & CAP_F_PORT) &&
	    ((uint16_t)(sh[0] << 8 | sh[1]) != f->port &&
	     (uint16_t)(sh[2] << 8 | sh[3]) != f->port))
		return false;
	vtag = (uint32_t)sh[4] << 24 | (uint32_t)sh[5] << 16 |
	       (uint32_t)sh[6] << 8 | sh[7];
	if ((f->keys & CAP_F_VTAG) && vtag != f->vtag)
		return false;
	return true;
}
