/*
 * conf.c: parse and check sctpalgd.conf (see include/conf.h and
 * sctpalgd.conf(5)).
 *
 * libinih splits the text into (section, key, value); this file gives
 * them meaning.  libinih's handler is not told the line number, so the
 * text is fed through our own line reader that counts lines: every error,
 * including those found after the whole file is read (an uplink named
 * before it is defined), names the line it came from.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "addr_map.h"
#include "conf.h"

#define MAX_REFS	ENGINE_MAX_INSIDE_NETS

struct parser {
	struct conf *c;
	struct conf_error *err;
	const char *text;
	size_t pos;
	int line;
	int section_line;	/* line of the last [section] header */
	bool failed;
	/* "section/key" of every non-repeatable key given so far: a section
	 * may be reopened, but a key is still given once per file. */
	char seen[160][64];
	unsigned int n_seen;
	/* Inside networks naming an uplink, resolved at the end. */
	struct {
		char uplink[ENGINE_NAME_LEN];
		int line;
	} net_ref[MAX_REFS];
	int uplink_line[ENGINE_MAX_UPLINKS];
	int forward_line[ENGINE_MAX_FORWARDS];
};

static const struct conf_key keys[] = {
	{ "daemon", "backend" }, { "daemon", "xdp-mode" },
	{ "daemon", "queues" }, { "daemon", "busy-poll" },
	{ "daemon", "control-socket" }, { "daemon", "control-group" },
	{ "daemon", "user" }, { "daemon", "log-level" },
	{ "daemon", "pidfile" }, { "daemon", "state-file" },
	{ "daemon", "state-interval" },
	{ "inside", "interface" }, { "inside", "network" },
	{ "uplink", "interface" }, { "uplink", "address" },
	{ "uplink", "gateway" },
	{ "nat", "port-range" }, { "nat", "port-preservation" },
	{ "nat", "multihome" }, { "nat", "max-addresses" },
	{ "nat", "ootb-reply" }, { "nat", "ootb-reply-rate" },
	{ "timeouts", "setup" }, { "timeouts", "established" },
	{ "timeouts", "shutdown" }, { "timeouts", "closed" },
	{ "limits", "associations" }, { "limits", "per-host" },
	{ "limits", "handshakes" }, { "limits", "init-rate" },
	{ "limits", "init-burst" }, { "limits", "max-chunks" },
	{ "limits", "ppid-default" }, { "limits", "ppid-allow" },
	{ "limits", "ppid-deny" },
	{ "limits", "source-init-rate" }, { "limits", "forward-handshakes" },
	{ "forward", "public" }, { "forward", "inside" },
};

/* Keys that may appear more than once in their section. */
static bool repeatable(const char *section, const char *key)
{
	return (!strcmp(section, "inside") &&
		(!strcmp(key, "interface") || !strcmp(key, "network"))) ||
	       (!strcmp(section, "uplink") && !strcmp(key, "address")) ||
	       (!strcmp(section, "forward") &&
		(!strcmp(key, "public") || !strcmp(key, "inside"))) ||
	       (!strcmp(section, "limits") &&
		(!strcmp(key, "ppid-allow") || !strcmp(key, "ppid-deny")));
}

const struct conf_key *conf_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = CONF_BACKEND_XDP;
	c->xdp_mode = CONF_XDP_AUTO;
	strcpy(c->control_socket, "/run/sctpalg/sctpalgd.sock");
	strcpy(c->control_group, "sctpalg");
	c->log_level = LOG_INFO;
	strcpy(c->pidfile, "/run/sctpalg/sctpalgd.pid");
	c->state_interval = 60;
	engine_config_defaults(&c->engine);
}

static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return 0;
	p->failed = true;
	p->err->line = line;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return 0;
}

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
static bool valid_word(const char *s)
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
	if (!valid_word(s) || strlen(s) >= len)
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

const char *conf_log_level_name(int level)
{
	return level >= LOG_ERR && level <= LOG_DEBUG ? log_levels[level] :
							NULL;
}

static const char *const xdp_modes[CONF_XDP__COUNT] = {
#define CONF_XDP_MODE_NAME(n, s) [CONF_XDP_##n] = s,
	CONF_XDP_MODES(CONF_XDP_MODE_NAME)
#undef CONF_XDP_MODE_NAME
};

const char *conf_xdp_mode_name(enum conf_xdp_mode m)
{
	return (unsigned int)m < CONF_XDP__COUNT ? xdp_modes[m] : "?";
}

/* ---- sections ---- */

static int find_uplink(const struct conf *c, const char *name)
{
	for (int u = 0; u < c->engine.n_uplinks; u++)
		if (!strcmp(c->engine.uplinks[u].name, name))
			return u;
	return -1;
}

static int do_daemon(struct parser *p, const char *k, const char *v)
{
	struct conf *c = p->c;
	unsigned long n;

	if (!strcmp(k, "backend")) {
		if (!strcmp(v, "xdp"))
			c->backend = CONF_BACKEND_XDP;
		else if (!strcmp(v, "packet"))
			c->backend = CONF_BACKEND_PACKET;
		else
			return fail(p, p->line, "backend must be xdp or packet");
	} else if (!strcmp(k, "xdp-mode")) {
		unsigned int i;

		for (i = 0; i < CONF_XDP__COUNT && strcmp(v, xdp_modes[i]); i++)
			;
		if (i == CONF_XDP__COUNT)
			return fail(p, p->line, "xdp-mode must be auto, "
				    "zerocopy, native or generic");
		c->xdp_mode = (enum conf_xdp_mode)i;
	} else if (!strcmp(k, "queues")) {
		if (!strcmp(v, "all"))
			c->queues = 0;
		else if (parse_uint(v, 1, 64, &n))
			return fail(p, p->line, "queues must be all or 1..64");
		else
			c->queues = (unsigned int)n;
	} else if (!strcmp(k, "busy-poll")) {
		if (parse_bool(v, &c->busy_poll))
			return fail(p, p->line, "busy-poll must be yes or no");
	} else if (!strcmp(k, "control-socket")) {
		if (*v != '/' || copy_str(c->control_socket,
					  sizeof(c->control_socket), v))
			return fail(p, p->line, "control-socket must be an "
				    "absolute path");
	} else if (!strcmp(k, "control-group")) {
		if (copy_str(c->control_group, sizeof(c->control_group), v))
			return fail(p, p->line, "control-group: bad name");
	} else if (!strcmp(k, "user")) {
		if (copy_str(c->user, sizeof(c->user), v))
			return fail(p, p->line, "user: bad name");
	} else if (!strcmp(k, "log-level")) {
		int l;

		for (l = LOG_ERR; l <= LOG_DEBUG; l++)
			if (log_levels[l] && !strcmp(v, log_levels[l]))
				break;
		if (l > LOG_DEBUG)
			return fail(p, p->line, "log-level must be error, "
				    "warning, notice, info or debug");
		c->log_level = l;
	} else if (!strcmp(k, "pidfile")) {
		if (*v != '/' || copy_str(c->pidfile, sizeof(c->pidfile), v))
			return fail(p, p->line, "pidfile must be an absolute "
				    "path");
	} else if (!strcmp(k, "state-file")) {
		if (!strcmp(v, "none"))
			memset(c->state_file, 0, sizeof(c->state_file));
		else if (*v != '/' ||
			 copy_str(c->state_file, sizeof(c->state_file), v))
			return fail(p, p->line, "state-file must be an "
				    "absolute path or none");
	} else if (!strcmp(k, "state-interval")) {
		unsigned long secs;

		if (parse_uint(v, 0, 86400, &secs))
			return fail(p, p->line, "state-interval must be 0 "
				    "(at exit only) to 86400 seconds");
		c->state_interval = (unsigned int)secs;
	} else {
		return fail(p, p->line, "unknown key \"%s\" in [daemon]", k);
	}
	return 1;
}

/* network = PREFIX [uplink NAME] [map PREFIX] */
static int do_network(struct parser *p, const char *v)
{
	struct engine_config *e = &p->c->engine;
	struct engine_inside_net *net;
	char buf[160], *tok, *save = NULL;

	if (e->n_nets >= ENGINE_MAX_INSIDE_NETS)
		return fail(p, p->line, "more than %d inside networks",
			    ENGINE_MAX_INSIDE_NETS);
	net = &e->nets[e->n_nets];
	memset(net, 0, sizeof(*net));
	net->uplink = -1;
	p->net_ref[e->n_nets].uplink[0] = '\0';
	p->net_ref[e->n_nets].line = p->line;
	if (strlen(v) >= sizeof(buf))
		return fail(p, p->line, "network: line too long");
	strcpy(buf, v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok || nat_prefix_parse(&net->prefix, tok))
		return fail(p, p->line, "network: \"%s\" is not a prefix "
			    "(ADDRESS/LENGTH, host bits zero)", tok ? tok : "");
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *arg = strtok_r(NULL, " \t", &save);

		if (!arg)
			return fail(p, p->line, "network: \"%s\" needs a "
				    "value", tok);
		if (!strcmp(tok, "uplink")) {
			if (copy_str(p->net_ref[e->n_nets].uplink,
				     ENGINE_NAME_LEN, arg))
				return fail(p, p->line, "network: bad uplink "
					    "name");
		} else if (!strcmp(tok, "map")) {
			if (nat_prefix_parse(&net->public_prefix, arg))
				return fail(p, p->line, "network: map \"%s\" "
					    "is not a prefix", arg);
			net->one_to_one = true;
		} else {
			return fail(p, p->line, "network: unknown word \"%s\" "
				    "(uplink or map)", tok);
		}
	}
	e->n_nets++;
	return 1;
}

static int do_inside(struct parser *p, const char *k, const char *v)
{
	struct conf *c = p->c;

	if (!strcmp(k, "interface")) {
		if (c->n_inside_ifs >= CONF_MAX_INSIDE_IFS)
			return fail(p, p->line, "more than %d inside "
				    "interfaces", CONF_MAX_INSIDE_IFS);
		if (copy_str(c->inside_ifs[c->n_inside_ifs], IF_NAMESIZE, v))
			return fail(p, p->line, "interface: bad name");
		c->n_inside_ifs++;
		return 1;
	}
	if (!strcmp(k, "network"))
		return do_network(p, v);
	return fail(p, p->line, "unknown key \"%s\" in [inside]", k);
}

static int do_uplink(struct parser *p, int u, const char *k, const char *v)
{
	struct engine_uplink *up = &p->c->engine.uplinks[u];
	struct nat_addr a;

	if (!strcmp(k, "interface")) {
		if (copy_str(up->ifname, sizeof(up->ifname), v) ||
		    strlen(v) >= IF_NAMESIZE)
			return fail(p, p->line, "interface: bad name");
	} else if (!strcmp(k, "address")) {
		if (nat_addr_parse(&a, v))
			return fail(p, p->line, "address: \"%s\" is not an "
				    "IPv4 or IPv6 address", v);
		if (up->n_public >= ENGINE_MAX_PUBLIC_ADDRS)
			return fail(p, p->line, "more than %d addresses on "
				    "one uplink", ENGINE_MAX_PUBLIC_ADDRS);
		up->public_addrs[up->n_public++] = a;
	} else if (!strcmp(k, "gateway")) {
		if (nat_addr_parse(&p->c->gateways[u], v))
			return fail(p, p->line, "gateway: \"%s\" is not an "
				    "address", v);
	} else {
		return fail(p, p->line, "unknown key \"%s\" in [uplink]", k);
	}
	return 1;
}

static int do_nat(struct parser *p, const char *k, const char *v)
{
	struct engine_config *e = &p->c->engine;
	unsigned long a, b;

	if (!strcmp(k, "port-range")) {
		char lo[8];
		const char *dash = strchr(v, '-');

		if (!dash || (size_t)(dash - v) >= sizeof(lo))
			return fail(p, p->line, "port-range must be LOW-HIGH");
		memcpy(lo, v, (size_t)(dash - v));
		lo[dash - v] = '\0';
		if (parse_uint(lo, 1, 65535, &a) ||
		    parse_uint(dash + 1, 1, 65535, &b) || a > b)
			return fail(p, p->line, "port-range must be LOW-HIGH "
				    "with 1 <= LOW <= HIGH <= 65535");
		e->port_min = (uint16_t)a;
		e->port_max = (uint16_t)b;
	} else if (!strcmp(k, "port-preservation")) {
		if (parse_bool(v, &e->port_preserve))
			return fail(p, p->line, "port-preservation must be "
				    "yes or no");
	} else if (!strcmp(k, "multihome")) {
		if (!strcmp(v, "off"))
			e->multihome = MULTIHOME_OFF;
		else if (!strcmp(v, "uplinks"))
			e->multihome = MULTIHOME_UPLINKS;
		else
			return fail(p, p->line, "multihome must be off or "
				    "uplinks");
	} else if (!strcmp(k, "max-addresses")) {
		if (parse_uint(v, 1, ENGINE_ADDRS_MAX, &a))
			return fail(p, p->line, "max-addresses must be 1..%d",
				    ENGINE_ADDRS_MAX);
		e->max_addrs = (uint8_t)a;
	} else if (!strcmp(k, "ootb-reply")) {
		if (parse_bool(v, &e->ootb_reply))
			return fail(p, p->line, "ootb-reply must be yes or no");
	} else if (!strcmp(k, "ootb-reply-rate")) {
		if (parse_uint(v, 1, 100000, &a))
			return fail(p, p->line, "ootb-reply-rate must be "
				    "1..100000");
		e->ootb_reply_rate = (uint32_t)a;
	} else {
		return fail(p, p->line, "unknown key \"%s\" in [nat]", k);
	}
	return 1;
}

static int do_timeouts(struct parser *p, const char *k, const char *v)
{
	struct engine_config *e = &p->c->engine;
	uint32_t *t;
	unsigned long n;
	char num[16];
	size_t len = strlen(v);

	if (!strcmp(k, "setup"))
		t = &e->timeout_setup;
	else if (!strcmp(k, "established"))
		t = &e->timeout_established;
	else if (!strcmp(k, "shutdown"))
		t = &e->timeout_shutdown;
	else if (!strcmp(k, "closed"))
		t = &e->timeout_closed;
	else
		return fail(p, p->line, "unknown key \"%s\" in [timeouts]", k);
	/* Seconds, with an optional "s". */
	if (len && len < sizeof(num)) {
		memcpy(num, v, len + 1);
		if (num[len - 1] == 's')
			num[len - 1] = '\0';
		if (!parse_uint(num, 1, 86400, &n)) {
			*t = (uint32_t)n;
			return 1;
		}
	}
	return fail(p, p->line, "%s must be 1..86400 seconds", k);
}

static int ppid_list(struct parser *p, const char *v, uint8_t action)
{
	struct engine_config *e = &p->c->engine;
	char buf[256], *tok, *save = NULL;
	unsigned long n;

	if (strlen(v) >= sizeof(buf))
		return fail(p, p->line, "PPID list too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (parse_uint(tok, 0, UINT32_MAX, &n))
			return fail(p, p->line, "\"%s\" is not a PPID "
				    "(0..4294967295)", tok);
		if (e->n_ppid_rules >= ENGINE_MAX_PPID_RULES)
			return fail(p, p->line, "more than %d PPID rules",
				    ENGINE_MAX_PPID_RULES);
		e->ppid_rules[e->n_ppid_rules].ppid = (uint32_t)n;
		e->ppid_rules[e->n_ppid_rules++].action = action;
	}
	return 1;
}

static int do_limits(struct parser *p, const char *k, const char *v)
{
	struct engine_config *e = &p->c->engine;
	unsigned long n;

	if (!strcmp(k, "ppid-default")) {
		if (strcmp(v, "allow") && strcmp(v, "deny"))
			return fail(p, p->line, "ppid-default must be allow "
				    "or deny");
		e->ppid_default_deny = !strcmp(v, "deny");
		return 1;
	}
	if (!strcmp(k, "ppid-allow"))
		return ppid_list(p, v, PPID_ALLOW);
	if (!strcmp(k, "ppid-deny"))
		return ppid_list(p, v, PPID_DENY);
	if (parse_uint(v, 0, 4194304, &n))
		return fail(p, p->line, "%s must be a number 0..4194304", k);
	if (!strcmp(k, "associations") && n >= 1)
		e->max_assocs = (uint32_t)n;
	else if (!strcmp(k, "per-host"))
		e->max_assocs_per_host = (uint32_t)n;
	else if (!strcmp(k, "handshakes"))
		e->max_handshakes = (uint32_t)n;
	else if (!strcmp(k, "init-rate"))
		e->init_rate = (uint32_t)n;
	else if (!strcmp(k, "init-burst") && n >= 1)
		e->init_burst = (uint32_t)n;
	else if (!strcmp(k, "max-chunks") && n >= 1 && n <= 65535)
		e->max_chunks = (uint16_t)n;
	else if (!strcmp(k, "source-init-rate"))
		e->source_init_rate = (uint32_t)n;
	else if (!strcmp(k, "forward-handshakes"))
		e->forward_handshakes = (uint32_t)n;
	else if (!strcmp(k, "associations") || !strcmp(k, "init-burst") ||
		 !strcmp(k, "max-chunks"))
		return fail(p, p->line, "%s must be at least 1", k);
	else
		return fail(p, p->line, "unknown key \"%s\" in [limits]", k);
	return 1;
}

static int do_forward(struct parser *p, int f, const char *k, const char *v)
{
	struct engine_forward *fw = &p->c->engine.forwards[f];
	struct nat_addr a;
	uint16_t port;

	if (parse_addr_port(v, &a, &port))
		return fail(p, p->line, "%s must be ADDRESS:PORT "
			    "([ADDRESS]:PORT for IPv6)", k);
	if (!strcmp(k, "public")) {
		if (fw->n_public && port != fw->public_port)
			return fail(p, p->line, "public: every address of a "
				    "forward shares one port");
		if (fw->n_public >= ENGINE_MAX_PUBLIC_ADDRS)
			return fail(p, p->line, "too many public addresses");
		fw->public_addrs[fw->n_public++] = a;
		fw->public_port = port;
	} else if (!strcmp(k, "inside")) {
		/* Several lines: a multihomed server, the n-th inside
		 * address serving the n-th public one. */
		if (fw->n_inside && port != fw->inside_port)
			return fail(p, p->line, "inside: every address of a "
				    "forward shares one port");
		if (fw->n_inside >= ENGINE_MAX_PUBLIC_ADDRS)
			return fail(p, p->line, "too many inside addresses");
		for (int i = 0; i < fw->n_inside; i++)
			if (nat_addr_eq(&fw->inside_addrs[i], &a))
				return fail(p, p->line, "inside: address "
					    "listed twice");
		if (!fw->n_inside)
			fw->inside_addr = a;
		fw->inside_addrs[fw->n_inside++] = a;
		fw->inside_port = port;
	} else {
		return fail(p, p->line, "unknown key \"%s\" in [forward]", k);
	}
	return 1;
}

/* "[uplink NAME]" and "[forward NAME]" open a new instance. */
static int named_section(struct parser *p, const char *kind,
			 const char *name)
{
	struct engine_config *e = &p->c->engine;

	if (!valid_word(name) || strlen(name) >= ENGINE_NAME_LEN ||
	    strchr(name, '/') || strchr(name, ':'))
		return fail(p, p->line, "[%s NAME]: bad name \"%s\"", kind,
			    name);
	if (!strcmp(kind, "uplink")) {
		int u = find_uplink(p->c, name);

		if (u >= 0 && p->uplink_line[u] != p->section_line)
			return fail(p, p->section_line, "[uplink %s] defined "
				    "twice (first at line %d)", name,
				    p->uplink_line[u]) - 1;
		if (u >= 0)
			return u;
		if (e->n_uplinks >= ENGINE_MAX_UPLINKS)
			return fail(p, p->line, "more than %d uplinks",
				    ENGINE_MAX_UPLINKS) - 1;
		u = e->n_uplinks++;
		strcpy(e->uplinks[u].name, name);
		p->uplink_line[u] = p->section_line;
		return u;
	}
	for (int f = 0; f < e->n_forwards; f++) {
		if (strcmp(e->forwards[f].name, name))
			continue;
		if (p->forward_line[f] != p->section_line)
			return fail(p, p->section_line, "[forward %s] defined "
				    "twice (first at line %d)", name,
				    p->forward_line[f]) - 1;
		return f;
	}
	if (e->n_forwards >= ENGINE_MAX_FORWARDS)
		return fail(p, p->line, "more than %d forwards",
			    ENGINE_MAX_FORWARDS) - 1;
	strcpy(e->forwards[e->n_forwards].name, name);
	p->forward_line[e->n_forwards] = p->section_line;
	return e->n_forwards++;
}

static bool seen_before(struct parser *p, const char *section,
			const char *key)
{
	char id[64];

	snprintf(id, sizeof(id), "%s/%s", section, key);
	for (unsigned int i = 0; i < p->n_seen; i++)
		if (!strcmp(p->seen[i], id))
			return true;
	if (p->n_seen < sizeof(p->seen) / sizeof(p->seen[0]))
		strcpy(p->seen[p->n_seen++], id);
	return false;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parser *p = user;
	char kind[16];
	const char *name = strchr(section, ' ');
	size_t klen = name ? (size_t)(name - section) : strlen(section);
	int idx;

	if (p->failed)
		return 0;
	if (klen >= sizeof(kind))
		return fail(p, p->line, "unknown section [%s]", section);
	memcpy(kind, section, klen);
	kind[klen] = '\0';
	idx = -1;
	if (name && (!strcmp(kind, "uplink") || !strcmp(kind, "forward"))) {
		idx = named_section(p, kind, name + 1);
		if (idx < 0 || p->failed)
			return 0;
	}
	if (!repeatable(kind, key) && seen_before(p, section, key))
		return fail(p, p->line, "\"%s\" given twice in [%s]", key,
			    section);
	if (!name) {
		if (!strcmp(kind, "daemon"))
			return do_daemon(p, key, value);
		if (!strcmp(kind, "inside"))
			return do_inside(p, key, value);
		if (!strcmp(kind, "nat"))
			return do_nat(p, key, value);
		if (!strcmp(kind, "timeouts"))
			return do_timeouts(p, key, value);
		if (!strcmp(kind, "limits"))
			return do_limits(p, key, value);
		if (!strcmp(kind, "uplink") || !strcmp(kind, "forward"))
			return fail(p, p->line, "[%s] needs a name: "
				    "[%s NAME]", kind, kind);
		return fail(p, p->line, "unknown section [%s]", section);
	}
	if (idx < 0)
		return fail(p, p->line, "unknown section [%s]", section);
	if (!strcmp(kind, "uplink"))
		return do_uplink(p, idx, key, value);
	return do_forward(p, idx, key, value);
}

/* libinih reads lines through this, so we know which line we are on. */
static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	size_t n = 0;

	if (!p->text[p->pos])
		return NULL;
	while (p->text[p->pos] && n + 1 < (size_t)num) {
		char ch = p->text[p->pos++];

		str[n++] = ch;
		if (ch == '\n')
			break;
	}
	str[n] = '\0';
	p->line++;
	if (str[strspn(str, " \t")] == '[')
		p->section_line = p->line;
	return str;
}

static int resolve(struct parser *p)
{
	struct conf *c = p->c;
	struct engine_config *e = &c->engine;
	const char *why;

	for (int i = 0; i < e->n_nets; i++) {
		const char *name = p->net_ref[i].uplink;

		if (!*name) {
			e->nets[i].uplink = -1;
			continue;
		}
		e->nets[i].uplink = (int8_t)find_uplink(c, name);
		if (e->nets[i].uplink < 0)
			return fail(p, p->net_ref[i].line, "network names "
				    "uplink \"%s\", which no [uplink %s] "
				    "defines", name, name), -EINVAL;
	}
	for (int u = 0; u < e->n_uplinks; u++) {
		if (!e->uplinks[u].ifname[0])
			return fail(p, p->uplink_line[u], "[uplink %s] needs "
				    "an interface", e->uplinks[u].name),
			       -EINVAL;
		if (!e->uplinks[u].n_public)
			return fail(p, p->uplink_line[u], "[uplink %s] needs "
				    "an address", e->uplinks[u].name),
			       -EINVAL;
	}
	for (int f = 0; f < e->n_forwards; f++) {
		const struct engine_forward *fw = &e->forwards[f];
		char b[NAT_ADDR_STRLEN];

		if (!fw->n_public || !fw->inside_port)
			return fail(p, p->forward_line[f], "[forward %s] "
				    "needs public and inside", fw->name),
			       -EINVAL;
		if (fw->n_inside > fw->n_public)
			return fail(p, p->forward_line[f], "[forward %s]: more "
				    "inside lines (%u) than public lines "
				    "(%u); the n-th inside address serves the "
				    "n-th public one", fw->name, fw->n_inside,
				    fw->n_public), -EINVAL;
		for (int i = 1; i < fw->n_inside; i++)
			if (fw->inside_addrs[i].family !=
			    fw->public_addrs[i].family)
				return fail(p, p->forward_line[f],
					    "[forward %s]: inside address %s "
					    "and the public address it serves "
					    "differ in family", fw->name,
					    nat_addr_str(&fw->inside_addrs[i],
							 b, sizeof(b))),
				       -EINVAL;
		for (int i = 0; i < fw->n_public; i++)
			if (addr_map_public_uplink(e, &fw->public_addrs[i]) < 0)
				return fail(p, p->forward_line[f],
					    "[forward %s]: public address %s "
					    "is no uplink's address", fw->name,
					    nat_addr_str(&fw->public_addrs[i],
							 b, sizeof(b))),
				       -EINVAL;
	}
	if (!c->n_inside_ifs)
		return fail(p, 0, "[inside] needs at least one interface"),
		       -EINVAL;
	if (engine_config_check(e, &why))
		return fail(p, 0, "%s", why), -EINVAL;
	return 0;
}

int conf_parse_string(struct conf *out, const char *text,
		      const char *filename, struct conf_error *err)
{
	struct parser *p;
	struct conf *c;
	int r;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s",
		 filename ? filename : "-");
	p = calloc(1, sizeof(*p));
	c = malloc(sizeof(*c));
	if (!p || !c) {
		free(p);
		free(c);
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	conf_defaults(c);
	p->c = c;
	p->err = err;
	p->text = text;
	r = ini_parse_stream(reader, p, handler, p);
	if (r != 0 && !p->failed)	/* a syntax error libinih found */
		fail(p, r, "syntax error (expected [section] or key = value)");
	if (!p->failed)
		resolve(p);
	r = p->failed ? -EINVAL : 0;
	if (!r)
		*out = *c;	/* only a complete, checked config */
	free(c);
	free(p);
	return r;
}

const char *conf_error_str(const struct conf_error *err, char *buf,
			   size_t len)
{
	if (err->line > 0)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line,
			 err->message);
	else
		snprintf(buf, len, "%s: %s", err->file, err->message);
	return buf;
}
