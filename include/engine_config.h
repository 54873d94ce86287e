/*
 * engine_config: everything the translation engine needs to know from the
 * configuration, as plain data.  The INI parser (conf_) fills one of these;
 * tests and the fuzzer build them by hand.  Fixed-size arrays keep it
 * copyable by value, which is what a reload wants (parse into a new one,
 * validate, swap).
 */
#ifndef SCTPALG_ENGINE_CONFIG_H
#define SCTPALG_ENGINE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "nat_addr.h"

#define ENGINE_MAX_UPLINKS	8
#define ENGINE_MAX_PUBLIC_ADDRS	16	/* per uplink */
#define ENGINE_MAX_INSIDE_NETS	32
#define ENGINE_MAX_FORWARDS	32
#define ENGINE_MAX_PPID_RULES	32
#define ENGINE_ADDRS_MAX	16	/* hard cap of max_addrs */
#define ENGINE_NAME_LEN		32

enum multihome_mode {
	MULTIHOME_OFF = 0,	/* advertise only mapped inside addresses */
	MULTIHOME_UPLINKS,	/* also every other uplink's public address */
};

struct engine_uplink {
	char name[ENGINE_NAME_LEN];
	char ifname[ENGINE_NAME_LEN];
	uint8_t n_public;
	struct nat_addr public_addrs[ENGINE_MAX_PUBLIC_ADDRS];
};

/*
 * An inside network.  Addresses in it map to a public address of
 * `uplink` (chosen by a stable hash of the inside address among that
 * uplink's public addresses of the same family), or, with one_to_one,
 * to the same host bits inside `public_prefix` (which must be as long).
 * IPv6 inside networks without one_to_one keep their addresses (no NAT66)
 * and get port translation only.
 */
struct engine_inside_net {
	struct nat_prefix prefix;
	int8_t uplink;		/* index into uplinks; -1 = first uplink */
	bool one_to_one;
	struct nat_prefix public_prefix;
};

/*
 * [forward NAME]: inbound associations to public:port go to inside:port.
 * A multihomed server may name several inside addresses: inside_addrs[k]
 * serves public_addrs[k] (k < n_inside), so a packet to that public
 * address reaches the server over the inside link of that address.
 * inside_addrs[0] is inside_addr, where every INIT goes; n_inside 0 (a
 * config built by hand) means inside_addr alone.
 */
struct engine_forward {
	char name[ENGINE_NAME_LEN];
	uint16_t public_port;
	uint16_t inside_port;
	uint8_t n_public;
	struct nat_addr public_addrs[ENGINE_MAX_PUBLIC_ADDRS];
	struct nat_addr inside_addr;
	uint8_t n_inside;
	struct nat_addr inside_addrs[ENGINE_MAX_PUBLIC_ADDRS];
};

enum ppid_action { PPID_ALLOW = 0, PPID_DENY };

struct engine_ppid_rule {
	uint32_t ppid;
	uint8_t action;		/* enum ppid_action */
};

struct engine_config {
	/* Limits: the table is sized from max_assocs at creation. */
	uint32_t max_assocs;
	uint32_t max_assocs_per_host;	/* 0 = no per-host cap */
	uint32_t max_handshakes;	/* associations not yet established */
	uint32_t init_rate;		/* new INITs per second, 0 = no limit */
	uint32_t init_burst;
	/* Fair shares under floods (handshake_budget.h). */
	uint32_t source_init_rate;	/* per source, burst twice; 0 = off */
	uint32_t forward_handshakes;	/* per [forward] rule, 0 = no cap */
	uint8_t max_addrs;		/* per side, 1..ENGINE_ADDRS_MAX */
	uint16_t max_chunks;		/* chunks walked per packet */

	/* NAT. */
	uint16_t port_min, port_max;	/* public port range, inclusive */
	bool port_preserve;
	enum multihome_mode multihome;

	/* Out-of-the-blue handling (natsupp "Missing State"). */
	bool ootb_reply;
	uint32_t ootb_reply_rate;	/* replies per second */

	/* Timeouts in seconds. */
	uint32_t timeout_setup;
	uint32_t timeout_established;
	uint32_t timeout_shutdown;
	uint32_t timeout_closed;

	uint8_t n_uplinks, n_nets, n_forwards, n_ppid_rules;
	bool ppid_default_deny;
	struct engine_uplink uplinks[ENGINE_MAX_UPLINKS];
	struct engine_inside_net nets[ENGINE_MAX_INSIDE_NETS];
	struct engine_forward forwards[ENGINE_MAX_FORWARDS];
	struct engine_ppid_rule ppid_rules[ENGINE_MAX_PPID_RULES];
};

/* The documented defaults; callers then add uplinks, networks, rules. */
void engine_config_defaults(struct engine_config *c);
/* 0, or -EINVAL with a human-readable reason in *why. */
int engine_config_check(const struct engine_config *c, const char **why);

#endif
