/*
 * ctl_filter: parsing and matching the selection of "associations".  See
 * include/ctl_filter.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl_filter.h"

static const struct {
	const char *name;
	unsigned int bit;
} ctl_filter_keys[] = {
	{ "inside", CTL_F_INSIDE }, { "public", CTL_F_PUBLIC },
	{ "peer", CTL_F_PEER },	    { "port", CTL_F_PORT },
	{ "state", CTL_F_STATE },   { "uplink", CTL_F_UPLINK },
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word of s[*off, n): its start and length (0 at the end). */
static size_t next_word(const char *s, size_t n, size_t *off, const char **w)
{
	size_t len = 0;

	while (*off < n && is_blank(s[*off]))
		(*off)++;
	*w = s + *off;
	while (*off < n && !is_blank(s[*off])) {
		(*off)++;
		len++;
	}
	return len;
}

static int set_value(struct ctl_filter *f, unsigned int bit, const char *v,
		     char *why, size_t why_len)
{
	struct nat_addr *a = NULL;
	unsigned long port;
	char *end;
	int i;

	switch (bit) {
	case CTL_F_INSIDE:
		a = &f->inside;
		break;
	case CTL_F_PUBLIC:
		a = &f->public_;
		break;
	case CTL_F_PEER:
		a = &f->peer;
		break;
	case CTL_F_PORT:
		if (v[0] < '0' || v[0] > '9')
			goto bad;
		errno = 0;
		port = strtoul(v, &end, 10);
		if (errno || *end || port == 0 || port > 65535)
			goto bad;
		f->port = (uint16_t)port;
		return 0;
	case CTL_F_STATE:
		for (i = 0; i < ASSOC__STATE_COUNT; i++) {
			if (!strcasecmp(v, assoc_state_name(i))) {
				f->state = (uint8_t)i;
				return 0;
			}
		}
		goto bad;
	case CTL_F_UPLINK:
		/* Config names are words; a longer one names none. */
		if (strlen(v) >= sizeof(f->uplink))
			goto bad;
		strcpy(f->uplink, v);
		return 0;
	}
	if (a && nat_addr_parse(a, v) == 0)
		return 0;
bad:
	snprintf(why, why_len, "filter: invalid value for %s: %s",
		 ctl_filter_keys[__builtin_ctz(bit)].name, v);
	return -EINVAL;
}

int ctl_filter_parse(const char *s, size_t n, struct ctl_filter *f, char *why,
		     size_t why_len)
{
	char key[16], val[64];
	const char *w;
	size_t off = 0, klen, vlen;
	unsigned int i, bit;
	int ret;

	memset(f, 0, sizeof(*f));
	for (;;) {
		klen = next_word(s, n, &off, &w);
		if (klen == 0)
			return 0;
		bit = 0;
		for (i = 0;
		     i < sizeof(ctl_filter_keys) / sizeof(ctl_filter_keys[0]);
		     i++)
			if (strlen(ctl_filter_keys[i].name) == klen &&
			    !memcmp(ctl_filter_keys[i].name, w, klen))
				bit = ctl_filter_keys[i].bit;
		snprintf(key, sizeof(key), "%.*s",
			 (int)(klen < sizeof(key) ? klen : sizeof(key) - 1), w);
		if (!bit || memchr(w, '\0', klen)) {
			snprintf(why, why_len,
				 "filter: unknown key %s (inside, "
				 "public, peer, port, state, uplink)",
				 key);
			return -EINVAL;
		}
		if (f->keys & bit) {
			snprintf(why, why_len, "filter: %s given twice", key);
			return -EINVAL;
		}
		vlen = next_word(s, n, &off, &w);
		if (vlen == 0) {
			snprintf(why, why_len, "filter: %s needs a value", key);
			return -EINVAL;
		}
		if (vlen >= sizeof(val) || memchr(w, '\0', vlen)) {
			snprintf(why, why_len, "filter: invalid value for %s",
				 key);
			return -EINVAL;
		}
		memcpy(val, w, vlen);
		val[vlen] = '\0';
		ret = set_value(f, bit, val, why, why_len);
		if (ret < 0)
			return ret;
		f->keys |= bit;
	}
}

static bool uplink_is(int8_t u, const char *name,
		      const char *(*uplink_name)(void *, unsigned int),
		      void *arg)
{
	const char *n;

	if (u < 0 || !uplink_name)
		return false;
	n = uplink_name(arg, (unsigned int)u);
	return n && !strcmp(n, name);
}

bool ctl_filter_match(const struct ctl_filter *f,
		      const struct engine_assoc_view *v,
		      const char *(*uplink_name)(void *arg, unsigned int i),
		      void *arg)
{
	unsigned int nl = v->n_locals, np = v->n_paths, i;
	bool in = false, pub = false, peer = false, up = false;

	if (nl > sizeof(v->locals) / sizeof(v->locals[0]))
		nl = sizeof(v->locals) / sizeof(v->locals[0]);
	if (np > sizeof(v->paths) / sizeof(v->paths[0]))
		np = sizeof(v->paths) / sizeof(v->paths[0]);
	if ((f->keys & CTL_F_STATE) && v->state != f->state)
		return false;
	if ((f->keys & CTL_F_PORT) && v->inside_port != f->port &&
	    v->public_port != f->port && v->peer_port != f->port)
		return false;
	for (i = 0; i < nl; i++) {
		in |= nat_addr_eq(&v->locals[i].inside, &f->inside);
		pub |= nat_addr_eq(&v->locals[i].public_, &f->public_);
		up |= uplink_is(v->locals[i].uplink, f->uplink, uplink_name,
				arg);
	}
	for (i = 0; i < np; i++) {
		peer |= nat_addr_eq(&v->paths[i].peer, &f->peer);
		up |= uplink_is(v->paths[i].uplink, f->uplink, uplink_name,
				arg);
	}
	return (!(f->keys & CTL_F_INSIDE) || in) &&
	       (!(f->keys & CTL_F_PUBLIC) || pub) &&
	       (!(f->keys & CTL_F_PEER) || peer) &&
	       (!(f->keys & CTL_F_UPLINK) || up);
}
