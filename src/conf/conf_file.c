/*
 * conf_file.c: read sctpalgd.conf from disk, and print a configuration in
 * canonical form (every key, defaults included, in the order of
 * sctpalgd.conf(5)) for `sctpalgd -t -v` and the golden tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

#define CONF_MAX_SIZE	(1u << 20)

int conf_load_file(struct conf *out, const char *path,
		   struct conf_error *err)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int r;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (!f) {
		r = -errno;
		snprintf(err->message, sizeof(err->message),
			 "cannot open: %s", strerror(errno));
		return r;
	}
	text = malloc(CONF_MAX_SIZE + 1);
	if (!text) {
		fclose(f);
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	n = fread(text, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f) || n > CONF_MAX_SIZE) {
		snprintf(err->message, sizeof(err->message), "%s",
			 ferror(f) ? "read error" : "larger than 1 MiB");
		free(text);
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	text[n] = '\0';
	r = conf_parse_string(out, text, path, err);
	free(text);
	return r;
}

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

int conf_print(const struct conf *c, FILE *f)
{
	const struct engine_config *e = &c->engine;
	char b[NAT_ADDR_STRLEN];

	fprintf(f, "[daemon]\n");
	fprintf(f, "backend = %s\n",
		c->backend == CONF_BACKEND_XDP ? "xdp" : "packet");
	fprintf(f, "xdp-mode = %s\n", conf_xdp_mode_name(c->xdp_mode));
	if (c->queues)
		fprintf(f, "queues = %u\n", c->queues);
	else
		fprintf(f, "queues = all\n");
	fprintf(f, "busy-poll = %s\n", yes_no(c->busy_poll));
	fprintf(f, "control-socket = %s\n", c->control_socket);
	fprintf(f, "control-group = %s\n", c->control_group);
	if (c->user[0])
		fprintf(f, "user = %s\n", c->user);
	fprintf(f, "log-level = %s\n", conf_log_level_name(c->log_level));
	fprintf(f, "pidfile = %s\n", c->pidfile);
	fprintf(f, "state-file = %s\n",
		c->state_file[0] ? c->state_file : "none");
	fprintf(f, "state-interval = %u\n", c->state_interval);

	fprintf(f, "\n[inside]\n");
	for (unsigned int i = 0; i < c->n_inside_ifs; i++)
		fprintf(f, "interface = %s\n", c->inside_ifs[i]);
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
	for (int u = 0; u < e->n_uplinks; u++) {
		fprintf(f, "\n[uplink %s]\n", e->uplinks[u].name);
		fprintf(f, "interface = %s\n", e->uplinks[u].ifname);
		for (int i = 0; i < e->uplinks[u].n_public; i++)
			fprintf(f, "address = %s\n",
				addr(&e->uplinks[u].public_addrs[i], b));
		if (c->gateways[u].family)
			fprintf(f, "gateway = %s\n", addr(&c->gateways[u], b));
	}

	fprintf(f, "\n[nat]\n");
	fprintf(f, "port-range = %u-%u\n", e->port_min, e->port_max);
	fprintf(f, "port-preservation = %s\n", yes_no(e->port_preserve));
	fprintf(f, "multihome = %s\n",
		e->multihome == MULTIHOME_UPLINKS ? "uplinks" : "off");
	fprintf(f, "max-addresses = %u\n", e->max_addrs);
	fprintf(f, "ootb-reply = %s\n", yes_no(e->ootb_reply));
	fprintf(f, "ootb-reply-rate = %u\n", e->ootb_reply_rate);

	fprintf(f, "\n[timeouts]\n");
	fprintf(f, "setup = %u\n", e->timeout_setup);
	fprintf(f, "established = %u\n", e->timeout_established);
	fprintf(f, "shutdown = %u\n", e->timeout_shutdown);
	fprintf(f, "closed = %u\n", e->timeout_closed);

	fprintf(f, "\n[limits]\n");
	fprintf(f, "associations = %u\n", e->max_assocs);
	fprintf(f, "per-host = %u\n", e->max_assocs_per_host);
	fprintf(f, "handshakes = %u\n", e->max_handshakes);
	fprintf(f, "init-rate = %u\n", e->init_rate);
	fprintf(f, "init-burst = %u\n", e->init_burst);
	fprintf(f, "max-chunks = %u\n", e->max_chunks);
	fprintf(f, "source-init-rate = %u\n", e->source_init_rate);
	fprintf(f, "forward-handshakes = %u\n", e->forward_handshakes);
	fprintf(f, "ppid-default = %s\n",
		e->ppid_default_deny ? "deny" : "allow");
	for (int i = 0; i < e->n_ppid_rules; i++)
		fprintf(f, "%s = %u\n", e->ppid_rules[i].action == PPID_DENY ?
			"ppid-deny" : "ppid-allow", e->ppid_rules[i].ppid);

	for (int i = 0; i < e->n_forwards; i++) {
		const struct engine_forward *fw = &e->forwards[i];
		const char *fmt;

		fprintf(f, "\n[forward %s]\n", fw->name);
		for (int j = 0; j < fw->n_public; j++) {
			fmt = fw->public_addrs[j].family == AF_INET6 ?
			      "public = [%s]:%u\n" : "public = %s:%u\n";
			fprintf(f, fmt, addr(&fw->public_addrs[j], b),
				fw->public_port);
		}
		fmt = fw->inside_addr.family == AF_INET6 ?
		      "inside = [%s]:%u\n" : "inside = %s:%u\n";
		fprintf(f, fmt, addr(&fw->inside_addr, b), fw->inside_port);
		for (int j = 1; j < fw->n_inside; j++) {
			fmt = fw->inside_addrs[j].family == AF_INET6 ?
			      "inside = [%s]:%u\n" : "inside = %s:%u\n";
			fprintf(f, fmt, addr(&fw->inside_addrs[j], b),
				fw->inside_port);
		}
	}
	return ferror(f) ? -EIO : 0;
}
