/*
 * kroute: the kernel's view of the network, for forwarding decisions
 * (the name follows OpenBSD ospfd's kroute.c).  Where does a packet to a
 * given address leave, through which next hop, from which source address,
 * to which Ethernet address?  And which links are up?
 *
 * State comes from netlink through libnl-3: a cache manager keeps the
 * link, address, route and neighbour tables current from the kernel's
 * notifications; its socket goes into the event loop (kroute_fd(), then
 * kroute_process() when readable).
 *
 * Lookups are answered from a result cache, so the packet path never
 * makes a syscall: a miss asks the kernel itself (one RTM_GETROUTE round
 * trip), which answers with policy routing, metrics, multipath and source
 * selection exactly as it would route the packet; the answer is cached,
 * negative answers too.  Any route, address or link change invalidates
 * the whole cache (a generation count: O(1)); a neighbour change updates
 * the cached Ethernet address of exactly the entries using that next hop,
 * so a neighbour coming and going costs nothing per packet.
 *
 * An unresolved next hop is not an error: the lookup says so, and
 * kroute_resolve() asks the kernel to resolve it (RTM_NEWNEIGH with
 * NTF_USE, which makes the kernel start ARP / neighbour discovery as if it
 * had a packet to send; the answer then arrives as a notification).
 */
#ifndef SCTPALG_KROUTE_H
#define SCTPALG_KROUTE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "nat_addr.h"

struct kroute;

struct kroute_ops {
	void *arg;
	/*
	 * A link became usable or stopped being so (administratively up
	 * and carrier: IFF_UP and IFF_RUNNING), appeared (with its state)
	 * or went away (up = false).  Not called for links present at
	 * kroute_create(): ask kroute_link() for those.
	 */
	void (*link_changed)(void *arg, int ifindex, const char *name,
			     bool up);
	/* An address was added to or removed from an interface. */
	void (*addr_changed)(void *arg, int ifindex, const struct nat_addr *a,
			     unsigned int prefixlen, bool added);
	/*
	 * Notifications were lost (socket overrun) and every table was
	 * read again; link changes found are reported as usual, anything
	 * else derived from addresses should be looked at again.
	 */
	void (*resynced)(void *arg);
};

struct kroute_link {
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool has_mac;		/* an Ethernet-sized link-layer address */
	bool up;		/* IFF_UP and IFF_RUNNING */
	unsigned int flags;	/* IFF_* */
	unsigned int mtu;
};

/* Where a packet goes: the result of kroute_lookup(). */
struct kroute_nexthop {
	int ifindex;		/* egress interface */
	struct nat_addr via;	/* next hop: gateway, or the destination */
	struct nat_addr src;	/* the kernel's preferred source (may be
				 * unset: family 0) */
	unsigned int mtu;	/* route MTU, else the link's */
	bool gateway;		/* via is a gateway (not on-link) */
	bool resolved;		/* dst_mac is valid */
	uint8_t dst_mac[6];	/* the next hop's Ethernet address */
	uint8_t src_mac[6];	/* the egress interface's own */
};

struct kroute_stats {
	uint64_t hits, misses;		/* result cache */
	uint64_t route_queries;		/* RTM_GETROUTE sent */
	uint64_t resolve_requests;	/* RTM_NEWNEIGH NTF_USE sent */
	uint64_t notifications;		/* netlink messages processed */
	uint64_t invalidations;		/* whole-cache invalidations */
	uint64_t resyncs;		/* after lost notifications */
};

/*
 * Dumps the four tables (blocking, at start-up).  ops is copied, may be
 * NULL.  0 or -errno.
 */
int kroute_create(const struct kroute_ops *ops, struct kroute **out);
void kroute_destroy(struct kroute *k);

/* The notification socket: poll it for POLLIN, then kroute_process(). */
int kroute_fd(const struct kroute *k);
/*
 * Reads every pending notification, updating caches and calling the
 * callbacks.  Never blocks.  0 or -errno (after an overrun it has
 * resynchronised by itself and returns 0).
 */
int kroute_process(struct kroute *k);

/* An interface's index by name: > 0, or -ENODEV. */
int kroute_ifindex(const struct kroute *k, const char *name);
/* 0, or -ENODEV. */
int kroute_link(const struct kroute *k, int ifindex, struct kroute_link *out);

/*
 * Where a packet to dst leaves.  oif > 0: only through that interface
 * (the kernel's choice among the routes through it, e.g. that uplink's
 * own default route; -ENETUNREACH if none goes through it).  gw: use this
 * next hop instead of the route's (NULL or family 0: the route's).
 *
 * 0 with *nh filled (resolved or not), or -ENETUNREACH, -EHOSTUNREACH,
 * -EINVAL (not a unicast route: local, broadcast...), -EAFNOSUPPORT.
 * Hits cost a hash lookup; misses one netlink round trip.
 */
int kroute_lookup(struct kroute *k, const struct nat_addr *dst, int oif,
		  const struct nat_addr *gw, struct kroute_nexthop *nh);
/*
 * Ask the kernel to resolve nh's next hop.  Requests for the same next
 * hop are sent at most once a second (now_ns: any monotonic clock); a
 * skipped request returns 0 too.  0 or -errno.
 */
int kroute_resolve(struct kroute *k, const struct kroute_nexthop *nh,
		   uint64_t now_ns);

const struct kroute_stats *kroute_stats(const struct kroute *k);

#endif
