/*
 * engine_config.c: the engine's documented defaults (sctpalgd.conf(5))
 * and the checks a configuration must pass before an engine uses it.
 */
#include <errno.h>
#include <string.h>

#include "addr_map.h"
#include "engine_config.h"

void engine_config_defaults(struct engine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_assocs = 16384;
	c->max_assocs_per_host = 256;
	c->max_handshakes = 1024;
	c->init_rate = 200;
	c->init_burst = 400;
	c->source_init_rate = 20;
	c->forward_handshakes = 256;
	c->max_addrs = 8;
	c->max_chunks = 256;
	c->port_min = 1024;
	c->port_max = 65535;
	c->port_preserve = true;
	c->multihome = MULTIHOME_OFF;
	c->ootb_reply = false;
	c->ootb_reply_rate = 10;
	c->timeout_setup = 15;
	c->timeout_established = 300;
	c->timeout_shutdown = 15;
	c->timeout_closed = 5;
}

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

int engine_config_check(const struct engine_config *c, const char **why)
{
	if (c->max_assocs == 0 || c->max_assocs > (1u << 22))
		return fail(why, "associations must be 1..4194304");
	if (c->max_addrs == 0 || c->max_addrs > ENGINE_ADDRS_MAX)
		return fail(why, "max-addresses must be 1..16");
	if (c->max_chunks == 0)
		return fail(why, "max-chunks must be at least 1");
	if (c->port_min == 0 || c->port_min > c->port_max)
		return fail(why, "port-range must be LOW-HIGH with 1 <= LOW <= HIGH");
	if (!c->timeout_setup || !c->timeout_established ||
	    !c->timeout_shutdown || !c->timeout_closed)
		return fail(why, "timeouts must be at least 1 second");
	if (c->init_rate && !c->init_burst)
		return fail(why, "init-burst must be at least 1 when init-rate is set");
	if (c->n_uplinks == 0 || c->n_uplinks > ENGINE_MAX_UPLINKS)
		return fail(why, "at least one [uplink] section is needed");
	for (int u = 0; u < c->n_uplinks; u++)
		if (c->uplinks[u].n_public == 0 ||
		    c->uplinks[u].n_public > ENGINE_MAX_PUBLIC_ADDRS)
			return fail(why, "every uplink needs a public address");
	if (c->n_nets > ENGINE_MAX_INSIDE_NETS ||
	    c->n_forwards > ENGINE_MAX_FORWARDS ||
	    c->n_ppid_rules > ENGINE_MAX_PPID_RULES)
		return fail(why, "too many networks, forwards or PPID rules");
	for (int i = 0; i < c->n_nets; i++) {
		const struct engine_inside_net *n = &c->nets[i];

		if (n->uplink >= c->n_uplinks)
			return fail(why, "inside network names an unknown uplink");
		if (n->one_to_one &&
		    (n->public_prefix.addr.family != n->prefix.addr.family ||
		     n->public_prefix.len != n->prefix.len))
			return fail(why, "a 1:1 map needs a public prefix of the same family and length");
	}
	for (int f = 0; f < c->n_forwards; f++) {
		const struct engine_forward *fw = &c->forwards[f];

		if (!fw->public_port || !fw->inside_port || !fw->n_public ||
		    fw->n_public > ENGINE_MAX_PUBLIC_ADDRS)
			return fail(why, "forward needs public address:port and inside address:port");
		for (int i = 0; i < fw->n_public; i++)
			if (addr_map_public_uplink(c, &fw->public_addrs[i]) < 0)
				return fail(why, "forward public address is not an uplink address");
		if (fw->n_inside > fw->n_public)
			return fail(why, "a forward has more inside than public addresses");
		for (int k = 1; k < fw->n_inside; k++)
			if (fw->inside_addrs[k].family !=
			    fw->public_addrs[k].family)
				return fail(why, "a forward's inside address and the public address it serves differ in family");
		for (int k = 0; k < fw->n_inside; k++)
			for (int j = 0; j < k; j++)
				if (nat_addr_eq(&fw->inside_addrs[j],
						&fw->inside_addrs[k]))
					return fail(why, "a forward lists an inside address twice");
		for (int g = 0; g < f; g++)
			for (int i = 0; i < fw->n_public; i++)
				if (addr_map_forward(c, &fw->public_addrs[i],
						     fw->public_port) == g)
					return fail(why, "two forwards share a public address and port");
	}
	return 0;
}
