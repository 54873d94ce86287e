/*
 * addr_map.c: inside -> public address mapping (see include/addr_map.h).
 */
#include <errno.h>
#include <string.h>

#include "addr_map.h"

int addr_map_inside_net(const struct engine_config *c,
			const struct nat_addr *a)
{
	int best = -1;

	for (int i = 0; i < c->n_nets; i++) {
		const struct nat_prefix *p = &c->nets[i].prefix;

		if (nat_prefix_contains(p, a) &&
		    (best < 0 || p->len > c->nets[best].prefix.len))
			best = i;
	}
	return best;
}

int addr_map_on_uplink(const struct engine_config *c, unsigned int uplink,
		       const struct nat_addr *inside, struct nat_addr *pub)
{
	const struct engine_uplink *u;
	unsigned int n = 0, pick;

	if (uplink >= c->n_uplinks)
		return -EADDRNOTAVAIL;
	u = &c->uplinks[uplink];
	/* One address, the usual case: it, if of the family (what the
	 * count and pick below come to). */
	if (u->n_public == 1) {
		if (u->public_addrs[0].family != inside->family)
			return -EADDRNOTAVAIL;
		*pub = u->public_addrs[0];
		return 0;
	}
	for (unsigned int i = 0; i < u->n_public; i++)
		if (u->public_addrs[i].family == inside->family)
			n++;
	if (n == 0)
		return -EADDRNOTAVAIL;
	/*
	 * Seed 0 on purpose: the choice must survive a daemon restart.  One
	 * address, the usual case, is the choice whatever the hash.
	 */
	pick = n == 1 ? 0 : nat_addr_hash(inside, 0) % n;
	for (unsigned int i = 0; i < u->n_public; i++) {
		if (u->public_addrs[i].family != inside->family)
			continue;
		if (pick-- == 0) {
			*pub = u->public_addrs[i];
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

/* 1:1: the host bits of inside under the public prefix. */
static void map_one_to_one(const struct engine_inside_net *net,
			   const struct nat_addr *inside,
			   struct nat_addr *pub)
{
	unsigned int bits = net->prefix.len, len = nat_addr_len(inside);

	*pub = net->public_prefix.addr;
	for (unsigned int i = 0; i < len; i++) {
		unsigned int first = i * 8;
		uint8_t host_mask;

		if (first + 8 <= bits)
			continue;
		host_mask = first >= bits ? 0xff :
			(uint8_t)(0xff >> (bits - first));
		pub->bytes[i] = (uint8_t)((pub->bytes[i] & ~host_mask) |
					  (inside->bytes[i] & host_mask));
	}
}

int addr_map_inside(const struct engine_config *c,
		    const struct nat_addr *inside, struct nat_addr *pub,
		    int8_t *uplink)
{
	bool on_uplink;

	return addr_map_inside_how(c, inside, pub, uplink, &on_uplink);
}

int addr_map_inside_how(const struct engine_config *c,
			const struct nat_addr *inside, struct nat_addr *pub,
			int8_t *uplink, bool *on_uplink)
{
	int n = addr_map_inside_net(c, inside);
	const struct engine_inside_net *net;
	unsigned int u;

	*on_uplink = false;
	if (n < 0)
		return -ENOENT;
	net = &c->nets[n];
	u = net->uplink < 0 ? 0 : (unsigned int)net->uplink;
	if (net->one_to_one) {
		map_one_to_one(net, inside, pub);
		*uplink = (int8_t)u;
		return 0;
	}
	if (inside->family == AF_INET6) {
		/* No NAT66: the address stays, only the port changes. */
		*pub = *inside;
		*uplink = -1;
		return 0;
	}
	*uplink = (int8_t)u;
	*on_uplink = true;
	return addr_map_on_uplink(c, u, inside, pub);
}

int addr_map_public_uplink(const struct engine_config *c,
			   const struct nat_addr *pub)
{
	for (int u = 0; u < c->n_uplinks; u++)
		for (int i = 0; i < c->uplinks[u].n_public; i++)
			if (nat_addr_eq(&c->uplinks[u].public_addrs[i], pub))
				return u;
	return -1;
}

int addr_map_forward(const struct engine_config *c,
		     const struct nat_addr *dst, uint16_t dport)
{
	for (int f = 0; f < c->n_forwards; f++) {
		const struct engine_forward *fw = &c->forwards[f];

		if (fw->public_port != dport)
			continue;
		for (int i = 0; i < fw->n_public; i++)
			if (nat_addr_eq(&fw->public_addrs[i], dst))
				return f;
	}
	return -1;
}

const struct nat_addr *addr_map_forward_inside(const struct engine_forward *fw,
					       const struct nat_addr *pub)
{
	int n = fw->n_inside > 1 ? fw->n_inside : 1;

	for (int k = 0; k < n && k < fw->n_public; k++)
		if (nat_addr_eq(&fw->public_addrs[k], pub))
			return k ? &fw->inside_addrs[k] : &fw->inside_addr;
	return NULL;
}

int addr_map_forward_public(const struct engine_forward *fw,
			    const struct nat_addr *inside)
{
	if (nat_addr_eq(&fw->inside_addr, inside))
		return 0;
	for (int k = 1; k < fw->n_inside && k < fw->n_public; k++)
		if (nat_addr_eq(&fw->inside_addrs[k], inside))
			return k;
	return -1;
}
