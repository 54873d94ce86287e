/*
 * conf_print.c: a configuration in canonical form (every key, defaults
 * included, in the order of sctpalgd.conf(5)) for `sctpalgd -t -v` and
 * the golden tests: the key table (conf_keys.h) in its order, plain keys
 * printed from their field, composite keys by the functions below.
 */
#include <errno.h>
#include <string.h>

#include "conf_keys.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *addr(const struct nat_addr *a, char *buf)
{
	return nat_addr_str(a, buf, NAT_ADDR_STRLEN);
}

static void print_prefix(FILE *f, const struct nat_prefix *p)
{
	char b[NAT_ADDR_STRLEN];

	fprintf(f, "%s/%u", addr(&p->addr, b), p->len);
}

/* "ADDRESS:PORT", IPv6 in brackets. */
static void print_addr_port(FILE *f, const char *key,
			    const struct nat_addr *a, uint16_t port)
{
	char b[NAT_ADDR_STRLEN];

	fprintf(f, a->family == AF_INET6 ? "%s = [%s]:%u\n" : "%s = %s:%u\n",
		key, addr(a, b), port);
}

static unsigned long field_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	default:
		return *(const uint32_t *)field;
	}
}

static void print_plain(const struct conf_keydef *d, const struct conf *c,
			FILE *f)
{
	const char *field = (const char *)c + d->off;

	switch (d->kind) {
	case CONF_K_UINT:
	case CONF_K_SECONDS:
	case CONF_K_LIMIT:
		fprintf(f, "%s = %lu\n", d->key, field_uint(field, d->size));
		break;
	case CONF_K_BOOL:
		fprintf(f, "%s = %s\n", d->key,
			yes_no(*(const bool *)field));
		break;
	case CONF_K_PATH:
	case CONF_K_WORD:
		if (!*field && (d->flags & CONF_F_OPTIONAL))
			break;
		fprintf(f, "%s = %s\n", d->key,
			*field || !(d->flags & CONF_F_NONE) ? field : "none");
		break;
	case CONF_K_CHOICE:
		fprintf(f, "%s = %s\n", d->key,
			d->names[field_uint(field, d->size)]);
		break;
	case CONF_K_CUSTOM:
		break;
	}
}

static void print_section(const struct conf *c, const char *section,
			  int idx, FILE *f)
{
	for (size_t i = 0; i < conf_n_keydefs; i++) {
		const struct conf_keydef *d = &conf_keydefs[i];

		if (strcmp(d->section, section))
			continue;
		if (d->kind != CONF_K_CUSTOM)
			print_plain(d, c, f);
		else if (d->print)
			d->print(c, idx, f);
	}
}

int conf_print(const struct conf *c, FILE *f)
{
	const struct engine_config *e = &c->engine;
	const char *prev = NULL;

	for (size_t i = 0; i < conf_n_keydefs; i++) {
		const char *s = conf_keydefs[i].section;

		if (prev && !strcmp(prev, s))
			continue;
		if (!strcmp(s, "uplink")) {
			for (int u = 0; u < e->n_uplinks; u++) {
				fprintf(f, "\n[uplink %s]\n",
					e->uplinks[u].name);
				print_section(c, s, u, f);
			}
		} else if (!strcmp(s, "forward")) {
			for (int w = 0; w < e->n_forwards; w++) {
				fprintf(f, "\n[forward %s]\n",
					e->forwards[w].name);
				print_section(c, s, w, f);
			}
		} else {
			fprintf(f, "%s[%s]\n", prev ? "\n" : "", s);
			print_section(c, s, -1, f);
		}
		prev = s;
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- composite keys ---- */

void conf_print_queues(const struct conf *c, int idx, FILE *f)
{
	(void)idx;
	if (c->queues)
		fprintf(f, "queues = %u\n", c->queues);
	else
		fprintf(f, "queues = all\n");
}

void conf_print_inside_ifs(const struct conf *c, int idx, FILE *f)
{
	(void)idx;
	for (unsigned int i = 0; i < c->n_inside_ifs; i++)
		fprintf(f, "interface = %s\n", c->inside_ifs[i]);
}

void conf_print_networks(const struct conf *c, int idx, FILE *f)
{
	const struct engine_config *e = &c->engine;

	(void)idx;
	for (int i = 0; i < e->n_nets; i++) {
		fprintf(f, "network = ");
		print_prefix(f, &e->nets[i].prefix);
		if (e->nets[i].uplink >= 0)
			fprintf(f, " uplink %s",
				e->uplinks[e->nets[i].uplink].name);
		if (e->nets[i].one_to_one) {
			fprintf(f, " map ");
			print_prefix(f, &e->nets[i].public_prefix);
		}
		fprintf(f, "\n");
	}
}

void conf_print_uplink_if(const struct conf *c, int u, FILE *f)
{
	fprintf(f, "interface = %s\n", c->engine.uplinks[u].ifname);
}

void conf_print_uplink_addrs(const struct conf *c, int u, FILE *f)
{
	const struct engine_uplink *up = &c->engine.uplinks[u];
	char b[NAT_ADDR_STRLEN];

	for (int i = 0; i < up->n_public; i++)
		fprintf(f, "address = %s\n", addr(&up->public_addrs[i], b));
}

void conf_print_gateway(const struct conf *c, int u, FILE *f)
{
	char b[NAT_ADDR_STRLEN];

	if (c->gateways[u].family)
		fprintf(f, "gateway = %s\n", addr(&c->gateways[u], b));
}

void conf_print_port_range(const struct conf *c, int idx, FILE *f)
{
	(void)idx;
	fprintf(f, "port-range = %u-%u\n", c->engine.port_min,
		c->engine.port_max);
}

/* Both lists, in the order given: rule order decides. */
void conf_print_ppid_rules(const struct conf *c, int idx, FILE *f)
{
	const struct engine_config *e = &c->engine;

	(void)idx;
	for (int i = 0; i < e->n_ppid_rules; i++)
		fprintf(f, "%s = %u\n", e->ppid_rules[i].action == PPID_DENY ?
			"ppid-deny" : "ppid-allow", e->ppid_rules[i].ppid);
}

void conf_print_fw_public(const struct conf *c, int w, FILE *f)
{
	const struct engine_forward *fw = &c->engine.forwards[w];

	for (int j = 0; j < fw->n_public; j++)
		print_addr_port(f, "public", &fw->public_addrs[j],
				fw->public_port);
}

void conf_print_fw_inside(const struct conf *c, int w, FILE *f)
{
	const struct engine_forward *fw = &c->engine.forwards[w];

	print_addr_port(f, "inside", &fw->inside_addr, fw->inside_port);
	for (int j = 1; j < fw->n_inside; j++)
		print_addr_port(f, "inside", &fw->inside_addrs[j],
				fw->inside_port);
}
