/*
 * conf.c: parse and check sctpalgd.conf (see include/conf.h and
 * sctpalgd.conf(5)).
 *
 * libinih splits the text into (section, key, value); this file gives them
 * meaning through the key table (conf_keys.c): plain keys are parsed from their
 * entry, composite ones by their own functions.  This file drives libinih,
 * opens sections and checks what only the whole file can tell.  libinih's
 * handler is not told the line number, so the text is fed through our own line
 * reader that counts lines: every error, including those found after the whole
 * file is read (an uplink named before it is defined), names the line it came
 * from.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "addr_map.h"
#include "conf_keys.h"


void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = CONF_BACKEND_XDP;
	c->xdp_mode = CONF_XDP_AUTO;
	c->fast_path = CONF_FAST_PATH_AUTO;
	strcpy(c->control_socket, "/run/sctpalg/sctpalgd.sock");
	strcpy(c->control_group, "sctpalg");
	c->log_level = LOG_INFO;
	strcpy(c->pidfile, "/run/sctpalg/sctpalgd.pid");
	c->state_interval = 60;
	engine_config_defaults(&c->engine);
}

int conf_fail(struct parser *p, int line, const char *fmt, ...)
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

/* ---- sections ---- */

static int find_uplink(const struct conf *c, const char *name)
{
	for (int u = 0; u < c->engine.n_uplinks; u++)
		if (!strcmp(c->engine.uplinks[u].name, name))
			return u;
	return -1;
}

/* "[uplink NAME]" and "[forward NAME]" open a new instance. */
static int named_section(struct parser *p, const char *kind,
			 const char *name)
{
	struct engine_config *e = &p->c->engine;

	if (!conf_valid_word(name) || strlen(name) >= ENGINE_NAME_LEN ||
	    strchr(name, '/') || strchr(name, ':'))
		return conf_fail(p, p->line, "[%s NAME]: bad name \"%s\"", kind,
				 name);
	if (!strcmp(kind, "uplink")) {
		int u = find_uplink(p->c, name);

		if (u >= 0 && p->uplink_line[u] != p->section_line)
			return conf_fail(p, p->section_line, "[uplink %s] "
					 "defined twice (first at line %d)",
					 name, p->uplink_line[u]) - 1;
		if (u >= 0)
			return u;
		if (e->n_uplinks >= ENGINE_MAX_UPLINKS)
			return conf_fail(p, p->line, "more than %d uplinks",
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
			return conf_fail(p, p->section_line, "[forward %s] "
					 "defined twice (first at line %d)",
					 name, p->forward_line[f]) - 1;
		return f;
	}
	if (e->n_forwards >= ENGINE_MAX_FORWARDS)
		return conf_fail(p, p->line, "more than %d forwards",
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

/* A section some key belongs to ([uplink NAME] and [forward NAME] too). */
static bool known_section(const char *kind)
{
	for (size_t i = 0; i < conf_n_keydefs; i++)
		if (!strcmp(conf_keydefs[i].section, kind))
			return true;
	return false;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parser *p = user;
	char kind[16];
	const char *name = strchr(section, ' ');
	size_t klen = name ? (size_t)(name - section) : strlen(section);
	const struct conf_keydef *d;
	int idx;

	if (p->failed)
		return 0;
	if (klen >= sizeof(kind))
		return conf_fail(p, p->line, "unknown section [%s]", section);
	memcpy(kind, section, klen);
	kind[klen] = '\0';
	idx = -1;
	if (name && (!strcmp(kind, "uplink") || !strcmp(kind, "forward"))) {
		idx = named_section(p, kind, name + 1);
		if (idx < 0 || p->failed)
			return 0;
	}
	d = conf_find_key(kind, key);
	if (!(d && (d->flags & CONF_F_REPEAT)) &&
	    seen_before(p, section, key))
		return conf_fail(p, p->line, "\"%s\" given twice in [%s]", key,
				 section);
	if (!name && (!strcmp(kind, "uplink") || !strcmp(kind, "forward")))
		return conf_fail(p, p->line, "[%s] needs a name: [%s NAME]",
				 kind, kind);
	if ((name && idx < 0) || (!name && !known_section(kind)))
		return conf_fail(p, p->line, "unknown section [%s]", section);
	if (!d)
		return conf_fail(p, p->line, "unknown key \"%s\" in [%s]", key,
				 kind);
	if (d->kind == CONF_K_CUSTOM)
		return d->parse(p, idx, key, value);
	return conf_parse_value(p, d, value);
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

static const char *addr_str(const struct nat_addr *a, char *b)
{
	return nat_addr_str(a, b, NAT_ADDR_STRLEN);
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
			return conf_fail(p, p->net_ref[i].line, "network "
					 "names uplink \"%s\", which no "
					 "[uplink %s] defines", name,
					 name), -EINVAL;
	}
	for (int u = 0; u < e->n_uplinks; u++) {
		if (!e->uplinks[u].ifname[0])
			return conf_fail(p, p->uplink_line[u], "[uplink %s] "
					 "needs an interface",
					 e->uplinks[u].name),
			       -EINVAL;
		if (!e->uplinks[u].n_public)
			return conf_fail(p, p->uplink_line[u], "[uplink %s] "
					 "needs an address",
					 e->uplinks[u].name),
			       -EINVAL;
	}
	for (int f = 0; f < e->n_forwards; f++) {
		const struct engine_forward *fw = &e->forwards[f];
		char b[NAT_ADDR_STRLEN];

		if (!fw->n_public || !fw->inside_port)
			return conf_fail(p, p->forward_line[f], "[forward %s] "
					 "needs public and inside",
					 fw->name),
			       -EINVAL;
		if (fw->n_inside > fw->n_public)
			return conf_fail(p, p->forward_line[f], "[forward "
					 "%s]: more inside lines (%u) than "
					 "public lines (%u); the n-th inside "
					 "address serves the n-th public one",
					 fw->name, fw->n_inside,
					 fw->n_public), -EINVAL;
		for (int i = 1; i < fw->n_inside; i++) {
			const struct nat_addr *in = &fw->inside_addrs[i];

			if (in->family != fw->public_addrs[i].family)
				return conf_fail(p, p->forward_line[f],
						 "[forward %s]: inside "
						 "address %s and the public "
						 "address it serves differ in "
						 "family", fw->name,
						 addr_str(in, b)), -EINVAL;
		}
		for (int i = 0; i < fw->n_public; i++) {
			const struct nat_addr *pub = &fw->public_addrs[i];

			if (addr_map_public_uplink(e, pub) < 0)
				return conf_fail(p, p->forward_line[f],
						 "[forward %s]: public "
						 "address %s is no uplink's "
						 "address", fw->name,
						 addr_str(pub, b)), -EINVAL;
		}
	}
	if (!c->n_inside_ifs)
		return conf_fail(p, 0, "[inside] needs at least one "
				 "interface"),
		       -EINVAL;
	if (engine_config_check(e, &why))
		return conf_fail(p, 0, "%s", why), -EINVAL;
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
		conf_fail(p, r, "syntax error (expected [section] or key = "
			  "value)");
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
