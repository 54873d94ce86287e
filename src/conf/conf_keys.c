/*
 * conf_keys.c: what each key of sctpalgd.conf(5) means -- the key table
 * (conf_keys.h), the parsers of plain values by kind, and the parsers of
 * the composite keys.  conf.c feeds it one (section, key, value) at a time.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "conf_keys.h"

/* ---- value parsers: 0 or -1 ---- */

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/*
 * Names and paths: letters, digits and . _ - @ + / : only, so that what
 * the canonical print writes is read back the same (no spaces, no
 * comment characters).
 */
bool conf_valid_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-@+/:", *s)))
			return false;
	return true;
}

static int copy_str(char *dst, size_t len, const char *s)
{
	if (!conf_valid_word(s) || strlen(s) >= len)
		return -1;
	/* Whole field: a config must compare equal to its printed form. */
	memset(dst, 0, len);
	strcpy(dst, s);
	return 0;
}

/* "192.0.2.1:3868" or "[2001:db8::1]:3868". */
static int parse_addr_port(const char *s, struct nat_addr *a, uint16_t *port)
{
	char host[64];
	const char *colon;
	unsigned long p;
	size_t n;

	if (*s == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -1;
		n = (size_t)(colon - s - 1);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, s + 1, n);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = (size_t)(colon - s);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, s, n);
	}
	host[n] = '\0';
	if (nat_addr_parse(a, host) || parse_uint(colon + 1, 1, 65535, &p))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static const char *const log_levels[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static const char *const xdp_modes[CONF_XDP__COUNT] = {
#define CONF_XDP_MODE_NAME(n, s) [CONF_XDP_##n] = s,
	CONF_XDP_MODES(CONF_XDP_MODE_NAME)
#undef CONF_XDP_MODE_NAME
};

/* ---- composite keys: their own parsers ---- */

static int parse_queues(struct parser *p, int idx, const char *k,
			const char *v)
{
	unsigned long n;

	(void)idx;
	(void)k;
	if (!strcmp(v, "all"))
		p->c->queues = 0;
	else if (parse_uint(v, 1, 64, &n))
		return conf_fail(p, p->line, "queues must be all or 1..64");
	else
		p->c->queues = (unsigned int)n;
	return 1;
}

static int parse_inside_if(struct parser *p, int idx, const char *k,
			   const char *v)
{
	struct conf *c = p->c;

	(void)idx;
	(void)k;
	if (c->n_inside_ifs >= CONF_MAX_INSIDE_IFS)
		return conf_fail(p, p->line, "more than %d inside interfaces",
				 CONF_MAX_INSIDE_IFS);
	if (copy_str(c->inside_ifs[c->n_inside_ifs], IF_NAMESIZE, v))
		return conf_fail(p, p->line, "interface: bad name");
	c->n_inside_ifs++;
	return 1;
}

/* network = PREFIX [uplink NAME] [map PREFIX] */
static int parse_network(struct parser *p, int idx, const char *k,
			 const char *v)
{
	struct engine_config *e = &p->c->engine;
	struct engine_inside_net *net;
	char buf[160], *tok, *save = NULL;

	(void)idx;
	(void)k;
	if (e->n_nets >= ENGINE_MAX_INSIDE_NETS)
		return conf_fail(p, p->line, "more than %d inside networks",
				 ENGINE_MAX_INSIDE_NETS);
	net = &e->nets[e->n_nets];
	memset(net, 0, sizeof(*net));
	net->uplink = -1;
	p->net_ref[e->n_nets].uplink[0] = '\0';
	p->net_ref[e->n_nets].line = p->line;
	if (strlen(v) >= sizeof(buf))
		return conf_fail(p, p->line, "network: line too long");
	strcpy(buf, v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok || nat_prefix_parse(&net->prefix, tok))
		return conf_fail(p, p->line, "network: \"%s\" is not a prefix "
				 "(ADDRESS/LENGTH, host bits zero)",
				 tok ? tok : "");
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *arg = strtok_r(NULL, " \t", &save);

		if (!arg)
			return conf_fail(p, p->line, "network: \"%s\" needs a "
					 "value", tok);
		if (!strcmp(tok, "uplink")) {
			if (copy_str(p->net_ref[e->n_nets].uplink,
				     ENGINE_NAME_LEN, arg))
				return conf_fail(p, p->line, "network: bad "
						 "uplink name");
		} else if (!strcmp(tok, "map")) {
			if (nat_prefix_parse(&net->public_prefix, arg))
				return conf_fail(p, p->line, "network: map "
						 "\"%s\" is not a prefix", arg);
			net->one_to_one = true;
		} else {
			return conf_fail(p, p->line, "network: unknown word "
					 "\"%s\" (uplink or map)", tok);
		}
	}
	e->n_nets++;
	return 1;
}

static int parse_uplink_if(struct parser *p, int u, const char *k,
			   const char *v)
{
	struct engine_uplink *up = &p->c->engine.uplinks[u];

	(void)k;
	if (copy_str(up->ifname, sizeof(up->ifname), v) ||
	    strlen(v) >= IF_NAMESIZE)
		return conf_fail(p, p->line, "interface: bad name");
	return 1;
}

static int parse_uplink_addr(struct parser *p, int u, const char *k,
			     const char *v)
{
	struct engine_uplink *up = &p->c->engine.uplinks[u];
	struct nat_addr a;

	(void)k;
	if (nat_addr_parse(&a, v))
		return conf_fail(p, p->line, "address: \"%s\" is not an IPv4 "
				 "or IPv6 address", v);
	if (up->n_public >= ENGINE_MAX_PUBLIC_ADDRS)
		return conf_fail(p, p->line, "more than %d addresses on one "
				 "uplink", ENGINE_MAX_PUBLIC_ADDRS);
	up->public_addrs[up->n_public++] = a;
	return 1;
}

static int parse_gateway(struct parser *p, int u, const char *k,
			 const char *v)
{
	(void)k;
	if (nat_addr_parse(&p->c->gateways[u], v))
		return conf_fail(p, p->line, "gateway: \"%s\" is not an "
				 "address", v);
	return 1;
}

static int parse_port_range(struct parser *p, int idx, const char *k,
			    const char *v)
{
	struct engine_config *e = &p->c->engine;
	const char *dash = strchr(v, '-');
	unsigned long a, b;
	char lo[8];

	(void)idx;
	(void)k;
	if (!dash || (size_t)(dash - v) >= sizeof(lo))
		return conf_fail(p, p->line, "port-range must be LOW-HIGH");
	memcpy(lo, v, (size_t)(dash - v));
	lo[dash - v] = '\0';
	if (parse_uint(lo, 1, 65535, &a) ||
	    parse_uint(dash + 1, 1, 65535, &b) || a > b)
		return conf_fail(p, p->line, "port-range must be LOW-HIGH "
				 "with 1 <= LOW <= HIGH <= 65535");
	e->port_min = (uint16_t)a;
	e->port_max = (uint16_t)b;
	return 1;
}

/* ppid-allow / ppid-deny: a list of PPIDs, commas or blanks between. */
static int parse_ppids(struct parser *p, int idx, const char *k,
		       const char *v)
{
	struct engine_config *e = &p->c->engine;
	uint8_t action = strcmp(k, "ppid-deny") ? PPID_ALLOW : PPID_DENY;
	char buf[256], *tok, *save = NULL;
	unsigned long n;

	(void)idx;
	if (strlen(v) >= sizeof(buf))
		return conf_fail(p, p->line, "PPID list too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (parse_uint(tok, 0, UINT32_MAX, &n))
			return conf_fail(p, p->line, "\"%s\" is not a PPID "
					 "(0..4294967295)", tok);
		if (e->n_ppid_rules >= ENGINE_MAX_PPID_RULES)
			return conf_fail(p, p->line, "more than %d PPID rules",
					 ENGINE_MAX_PPID_RULES);
		e->ppid_rules[e->n_ppid_rules].ppid = (uint32_t)n;
		e->ppid_rules[e->n_ppid_rules++].action = action;
	}
	return 1;
}

/*
 * public / inside = ADDRESS:PORT, in [forward NAME].  Every address of a
 * side shares one port; a multihomed server's n-th inside address serves
 * the n-th public one.
 */
static int parse_forward(struct parser *p, int f, const char *k,
			 const char *v)
{
	struct engine_forward *fw = &p->c->engine.forwards[f];
	bool pub = !strcmp(k, "public");
	struct nat_addr a, *addrs = pub ? fw->public_addrs : fw->inside_addrs;
	uint8_t *n = pub ? &fw->n_public : &fw->n_inside;
	uint16_t port, *side_port = pub ? &fw->public_port : &fw->inside_port;

	if (parse_addr_port(v, &a, &port))
		return conf_fail(p, p->line, "%s must be ADDRESS:PORT "
				 "([ADDRESS]:PORT for IPv6)", k);
	if (*n && port != *side_port)
		return conf_fail(p, p->line, "%s: every address of a forward "
				 "shares one port", k);
	if (*n >= ENGINE_MAX_PUBLIC_ADDRS)
		return conf_fail(p, p->line, "too many %s addresses", k);
	for (int i = 0; !pub && i < *n; i++)
		if (nat_addr_eq(&addrs[i], &a))
			return conf_fail(p, p->line, "inside: address listed "
					 "twice");
	if (!pub && !*n)
		fw->inside_addr = a;
	addrs[(*n)++] = a;
	*side_port = port;
	return 1;
}

/* ---- the key table ---- */

static const char *const backends[] = {
	[CONF_BACKEND_XDP] = "xdp", [CONF_BACKEND_PACKET] = "packet",
};
static const char *const multihome_modes[] = {
	[MULTIHOME_OFF] = "off", [MULTIHOME_UPLINKS] = "uplinks",
};
static const char *const ppid_defaults[] = { "allow", "deny" };
static const char *const fast_paths[] = {
	[CONF_FAST_PATH_OFF] = "off", [CONF_FAST_PATH_XDP] = "xdp",
	[CONF_FAST_PATH_AUTO] = "auto",
};

#define N_OF(a)		(sizeof(a) / sizeof((a)[0]))
#define FIELD(f)	offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
#define NUM(sec, k, f, lo, hi, why)					\
	{ sec, k, CONF_K_UINT, 0, FIELD(f), lo, hi, why, NULL, 0, NULL, NULL }
#define SECS(k, f)							\
	{ "timeouts", k, CONF_K_SECONDS, 0, FIELD(engine.f), 1, 86400,	\
	  NULL, NULL, 0, NULL, NULL }
#define LIMIT(k, f, lo, hi, why)					\
	{ "limits", k, CONF_K_LIMIT, 0, FIELD(engine.f), lo, hi, why,	\
	  NULL, 0, NULL, NULL }
#define BOOL(sec, k, f)							\
	{ sec, k, CONF_K_BOOL, 0, FIELD(f), 0, 0, NULL, NULL, 0, NULL, NULL }
#define STR(sec, k, kind, flags, f)					\
	{ sec, k, kind, flags, FIELD(f), 0, 0, NULL, NULL, 0, NULL, NULL }
#define CHOICE(sec, k, f, names)					\
	{ sec, k, CONF_K_CHOICE, 0, FIELD(f), 0, 0, NULL, names,	\
	  N_OF(names), NULL, NULL }
#define CUSTOM(sec, k, flags, parse, print)				\
	{ sec, k, CONF_K_CUSTOM, flags, 0, 0, 0, 0, NULL, NULL, 0, parse, \
	  print }

const struct conf_keydef conf_keydefs[] = {
	CHOICE("daemon", "backend", backend, backends),
	CHOICE("daemon", "xdp-mode", xdp_mode, xdp_modes),
	CUSTOM("daemon", "queues", 0, parse_queues, conf_print_queues),
	BOOL("daemon", "busy-poll", busy_poll),
	CHOICE("daemon", "fast-path", fast_path, fast_paths),
	STR("daemon", "control-socket", CONF_K_PATH, 0, control_socket),
	STR("daemon", "control-group", CONF_K_WORD, 0, control_group),
	STR("daemon", "user", CONF_K_WORD, CONF_F_OPTIONAL, user),
	CHOICE("daemon", "log-level", log_level, log_levels),
	STR("daemon", "pidfile", CONF_K_PATH, 0, pidfile),
	STR("daemon", "state-file", CONF_K_PATH, CONF_F_NONE, state_file),
	NUM("daemon", "state-interval", state_interval, 0, 86400,
	    "0 (at exit only) to 86400 seconds"),

	CUSTOM("inside", "interface", CONF_F_REPEAT, parse_inside_if,
	       conf_print_inside_ifs),
	CUSTOM("inside", "network", CONF_F_REPEAT, parse_network,
	       conf_print_networks),

	CUSTOM("uplink", "interface", 0, parse_uplink_if,
	       conf_print_uplink_if),
	CUSTOM("uplink", "address", CONF_F_REPEAT, parse_uplink_addr,
	       conf_print_uplink_addrs),
	CUSTOM("uplink", "gateway", 0, parse_gateway, conf_print_gateway),

	CUSTOM("nat", "port-range", 0, parse_port_range,
	       conf_print_port_range),
	BOOL("nat", "port-preservation", engine.port_preserve),
	CHOICE("nat", "multihome", engine.multihome, multihome_modes),
	NUM("nat", "max-addresses", engine.max_addrs, 1, ENGINE_ADDRS_MAX,
	    NULL),
	BOOL("nat", "ootb-reply", engine.ootb_reply),
	NUM("nat", "ootb-reply-rate", engine.ootb_reply_rate, 1, 100000,
	    NULL),

	SECS("setup", timeout_setup),
	SECS("established", timeout_established),
	SECS("shutdown", timeout_shutdown),
	SECS("closed", timeout_closed),

	LIMIT("associations", max_assocs, 1, CONF_LIMIT_MAX, "at least 1"),
	LIMIT("per-host", max_assocs_per_host, 0, CONF_LIMIT_MAX, NULL),
	LIMIT("handshakes", max_handshakes, 0, CONF_LIMIT_MAX, NULL),
	LIMIT("init-rate", init_rate, 0, CONF_LIMIT_MAX, NULL),
	LIMIT("init-burst", init_burst, 1, CONF_LIMIT_MAX, "at least 1"),
	/* Above 65535 says "at least 1" too: as it always did. */
	LIMIT("max-chunks", max_chunks, 1, 65535, "at least 1"),
	LIMIT("source-init-rate", source_init_rate, 0, CONF_LIMIT_MAX, NULL),
	LIMIT("forward-handshakes", forward_handshakes, 0, CONF_LIMIT_MAX,
	      NULL),
	CHOICE("limits", "ppid-default", engine.ppid_default_deny,
	       ppid_defaults),
	CUSTOM("limits", "ppid-allow", CONF_F_REPEAT, parse_ppids,
	       conf_print_ppid_rules),
	CUSTOM("limits", "ppid-deny", CONF_F_REPEAT, parse_ppids, NULL),

	CUSTOM("forward", "public", CONF_F_REPEAT, parse_forward,
	       conf_print_fw_public),
	CUSTOM("forward", "inside", CONF_F_REPEAT, parse_forward,
	       conf_print_fw_inside),
};

const size_t conf_n_keydefs = N_OF(conf_keydefs);

size_t conf_key_count(void)
{
	return conf_n_keydefs;
}

struct conf_key conf_key_at(size_t i)
{
	struct conf_key k = { conf_keydefs[i].section, conf_keydefs[i].key };

	return k;
}

const struct conf_keydef *conf_find_key(const char *section,
					 const char *key)
{
	for (size_t i = 0; i < conf_n_keydefs; i++)
		if (!strcmp(conf_keydefs[i].section, section) &&
		    !strcmp(conf_keydefs[i].key, key))
			return &conf_keydefs[i];
	return NULL;
}

/* ---- plain keys: parsed from their table entry ---- */

static void set_uint(void *field, size_t size, unsigned long v)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	default:
		*(uint32_t *)field = (uint32_t)v;
		break;
	}
}

/* "%s must be a, b or c" for a CHOICE. */
static int fail_choice(struct parser *p, const struct conf_keydef *d)
{
	char list[128] = "";
	size_t len = 0;
	unsigned int i, n = 0, left = 0;

	for (i = 0; i < d->n_names; i++)
		left += d->names[i] != NULL;
	for (i = 0; i < d->n_names && len < sizeof(list); i++) {
		if (!d->names[i])
			continue;
		n++;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					n == 1 ? "" : n == left ? " or " : ", ",
					d->names[i]);
	}
	return conf_fail(p, p->line, "%s must be %s", d->key, list);
}

static int fail_range(struct parser *p, const struct conf_keydef *d,
		      const char *unit)
{
	if (d->range)
		return conf_fail(p, p->line, "%s must be %s", d->key, d->range);
	return conf_fail(p, p->line, "%s must be %lu..%lu%s", d->key, d->min,
			 d->max, unit);
}

int conf_parse_value(struct parser *p, const struct conf_keydef *d,
		     const char *v)
{
	char *field = (char *)p->c + d->off;
	unsigned long n = 0;
	char num[16];
	size_t len;

	switch (d->kind) {
	case CONF_K_UINT:
		if (parse_uint(v, d->min, d->max, &n))
			return fail_range(p, d, "");
		break;
	case CONF_K_SECONDS:
		len = strlen(v);
		if (!len || len >= sizeof(num))
			return fail_range(p, d, " seconds");
		memcpy(num, v, len + 1);
		if (num[len - 1] == 's')
			num[len - 1] = '\0';
		if (parse_uint(num, d->min, d->max, &n))
			return fail_range(p, d, " seconds");
		break;
	case CONF_K_LIMIT:
		if (parse_uint(v, 0, CONF_LIMIT_MAX, &n))
			return conf_fail(p, p->line, "%s must be a number "
					 "0..%lu", d->key, CONF_LIMIT_MAX);
		if (n < d->min || n > d->max)
			return fail_range(p, d, "");
		break;
	case CONF_K_BOOL:
		if (parse_bool(v, (bool *)field))
			return conf_fail(p, p->line, "%s must be yes or no",
					 d->key);
		return 1;
	case CONF_K_PATH:
		if ((d->flags & CONF_F_NONE) && !strcmp(v, "none")) {
			memset(field, 0, d->size);
			return 1;
		}
		if (*v != '/' || copy_str(field, d->size, v))
			return conf_fail(p, p->line, "%s must be an absolute "
					 "path%s", d->key,
					 d->flags & CONF_F_NONE ? " or none" :
								  "");
		return 1;
	case CONF_K_WORD:
		if (copy_str(field, d->size, v))
			return conf_fail(p, p->line, "%s: bad name", d->key);
		return 1;
	case CONF_K_CHOICE:
		for (n = 0; n < d->n_names; n++)
			if (d->names[n] && !strcmp(v, d->names[n]))
				break;
		if (n == d->n_names)
			return fail_choice(p, d);
		break;
	case CONF_K_CUSTOM:
		return 0;
	}
	set_uint(field, d->size, n);
	return 1;
}
