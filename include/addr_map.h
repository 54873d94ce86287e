/*
 * addr_map: inside addresses to public addresses and uplinks
 * (sctpalgd.conf(5), [inside] network and [uplink]; README, Configuration).
 *
 * Pure functions over an engine_config.  An inside address belongs to the
 * longest matching inside network; that network either maps 1:1 into a
 * public prefix, or hides behind one public address of its uplink chosen
 * by a stable hash of the inside address (so one inside host always shows
 * the same public address on an uplink: "address pooling paired",
 * RFC 4787 4.1).  IPv6 networks without a 1:1 map keep their addresses
 * (no NAT66) and only get the port translation.
 */
#ifndef SCTPALG_ADDR_MAP_H
#define SCTPALG_ADDR_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_config.h"
#include "nat_addr.h"

/* Index of the longest inside network containing a, or -1. */
int addr_map_inside_net(const struct engine_config *c,
			const struct nat_addr *a);

/*
 * The public address and uplink for an inside address.  0, -ENOENT (not
 * in any inside network) or -EADDRNOTAVAIL (its uplink has no public
 * address of that family).  *uplink is -1 for untranslated IPv6.
 */
int addr_map_inside(const struct engine_config *c,
		    const struct nat_addr *inside, struct nat_addr *pub,
		    int8_t *uplink);
/*
 * addr_map_inside, also telling whether *pub is its uplink's address for
 * inside (addr_map_on_uplink(c, *uplink, inside)): not when 1:1 mapped
 * or untranslated.
 */
int addr_map_inside_how(const struct engine_config *c,
			const struct nat_addr *inside, struct nat_addr *pub,
			int8_t *uplink, bool *on_uplink);

/* The public address inside shows on a given uplink (proxy multihoming). */
int addr_map_on_uplink(const struct engine_config *c, unsigned int uplink,
		       const struct nat_addr *inside, struct nat_addr *pub);

/* Uplink owning a public address, or -1. */
int addr_map_public_uplink(const struct engine_config *c,
			   const struct nat_addr *pub);

/* [forward] rule for an inbound INIT to (dst, dport), or -1. */
int addr_map_forward(const struct engine_config *c,
		     const struct nat_addr *dst, uint16_t dport);

/*
 * A multihomed [forward] server (sctpalgd.conf(5), `inside`): the inside
 * address a rule names for one of its public addresses (the first inside
 * address for the first public one), or NULL when the rule names none
 * and the server's INIT ACK says which; and the other way, the index of
 * the public address a rule's inside address serves, or -1.
 */
const struct nat_addr *addr_map_forward_inside(const struct engine_forward *fw,
					       const struct nat_addr *pub);
int addr_map_forward_public(const struct engine_forward *fw,
			    const struct nat_addr *inside);

#endif
