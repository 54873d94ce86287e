/*
 * kroute: routes, neighbours and links from netlink (libnl-3), and the
 * lookup cache the packet path asks (see kroute.h).
 *
 * Why ask the kernel (RTM_GETROUTE) on a miss instead of a longest-prefix
 * match over the cached route table: the kernel's answer is the kernel's
 * decision, with everything that goes into it -- policy rules and
 * tables, metrics, multipath selection, preferred source, link-down
 * nexthops, "oif" semantics.  Redoing that in user space would be a
 * second, subtly different router.  The price is one netlink round trip
 * per (destination, interface) after each route change, answered
 * synchronously by the kernel (no waiting on the network); the cache then
 * serves every packet.  The cached route table is still kept: its change
 * notifications are what invalidate the lookup cache.
 *
 * Cache: KROUTE_SETS sets of KROUTE_WAYS entries (set-associative, so two
 * busy destinations that hash alike do not evict each other), keyed by
 * (destination, oif, gateway hint).  An entry is valid while its
 * generation equals the module's; a route, address or link notification
 * bumps the generation, which empties the cache in O(1).  Neighbour
 * notifications update matching entries' Ethernet addresses in place.
 *
 * Two sockets: the cache manager's (notifications, non-blocking, in the
 * event loop) and a request socket (RTM_GETROUTE, RTM_NEWNEIGH, table
 * dumps after an overrun), blocking with a short timeout; the kernel
 * answers these inline, so "blocking" means microseconds.
 *
 * libnl reports errors as NLE_* codes; they are turned into -errno here
 * (kroute_errno()) and never leave the module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "kroute.h"
#include "log.h"
#include "time_ns.h"

#define KROUTE_SETS		256	/* power of 2 */
#define KROUTE_WAYS		4
#define KROUTE_RESOLVE_SLOTS	64	/* power of 2 */
#define KROUTE_RESOLVE_GAP_NS	NSEC_PER_SEC
/* Notifications queue here while the loop is busy; an overrun costs a
 * full resync, so be generous (SO_RCVBUFFORCE needs CAP_NET_ADMIN, which
 * the daemon has; without it the kernel's default applies). */
#define KROUTE_RCVBUF		(4 << 20)
#define KROUTE_REQ_TIMEOUT_S	2
/*
 * Neighbour states whose link-layer address may be used (the kernel's
 * NUD_VALID): STALE, DELAY and PROBE still forward -- the kernel itself
 * sends on them while it re-confirms.
 */
#define KROUTE_NUD_USABLE	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | \
				 NUD_PROBE | NUD_STALE | NUD_DELAY)

struct kroute_entry {
	struct nat_addr dst;
	struct nat_addr gw;		/* the hint; family 0: none */
	int oif;
	uint32_t gen;			/* valid while == kroute.gen */
	int err;			/* cached negative answer */
	struct kroute_nexthop nh;
};

struct kroute_resolve_slot {
	int ifindex;
	struct nat_addr via;
	uint64_t last_ns;
	bool used;
};

struct kroute_linkstate {
	int ifindex;
	bool up;
};

/* The answer to one RTM_GETROUTE. */
struct kroute_reply {
	bool got;
	int err;			/* from an NLMSG_ERROR */
	uint8_t type;			/* RTN_* */
	uint32_t table;
	int oif;
	bool has_gw, has_src;
	struct nat_addr gw, src;
	uint32_t mtu;
};

struct kroute {
	struct kroute_ops ops;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs, *routes, *neighs;
	struct nl_sock *req;
	struct nl_cb *req_cb;
	uint32_t req_seq;		/* of the request awaiting its answer */
	struct kroute_reply reply;
	uint32_t gen;
	struct kroute_stats stats;
	struct kroute_linkstate *lstates;
	size_t n_lstates, cap_lstates;
	uint8_t victim[KROUTE_SETS];
	struct kroute_entry cache[KROUTE_SETS][KROUTE_WAYS];
	struct kroute_resolve_slot resolve[KROUTE_RESOLVE_SLOTS];
};

/* libnl's NLE_* (positive or negative) to a negative errno. */
static int kroute_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_ATTRSIZE:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_AF_MISMATCH:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_SEQ_MISMATCH:
	case NLE_PROTO_MISMATCH:
		return -EPROTO;
	case NLE_MSG_OVERFLOW:
		return -ENOBUFS;
	case NLE_DUMP_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

static uint32_t kroute_mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t kroute_hash_addr(uint32_t h, const struct nat_addr *a)
{
	uint32_t w;
	int i;

	h = kroute_mix(h, a->family);
	for (i = 0; i < 16; i += 4) {
		memcpy(&w, a->bytes + i, 4);
		h = kroute_mix(h, w);
	}
	return h;
}

static bool kroute_from_nl(struct nat_addr *a, struct nl_addr *nl)
{
	if (!nl)
		return false;
	if (nl_addr_get_family(nl) == AF_INET && nl_addr_get_len(nl) == 4) {
		nat_addr_from_v4(a, nl_addr_get_binary_addr(nl));
		return true;
	}
	if (nl_addr_get_family(nl) == AF_INET6 && nl_addr_get_len(nl) == 16) {
		nat_addr_from_v6(a, nl_addr_get_binary_addr(nl));
		return true;
	}
	return false;
}

static struct nl_addr *kroute_to_nl(const struct nat_addr *a)
{
	uint8_t bytes[16];

	memcpy(bytes, a->bytes, sizeof(bytes));
	return nl_addr_build(a->family, bytes, nat_addr_len(a));
}

static bool kroute_link_usable(unsigned int flags)
{
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static void kroute_invalidate(struct kroute *k)
{
	k->gen++;
	if (k->gen == 0)
		k->gen = 1;	/* 0 marks never-used entries */
	k->stats.invalidations++;
}

/* Neighbour entry for (ifindex, via) into nh, from the neighbour cache. */
static void kroute_neigh_fill(struct kroute *k, struct kroute_nexthop *nh)
{
	struct rtnl_neigh *n;
	struct nl_addr *addr, *ll;

	nh->resolved = false;
	addr = kroute_to_nl(&nh->via);
	if (!addr)
		return;
	n = rtnl_neigh_get(k->neighs, nh->ifindex, addr);
	nl_addr_put(addr);
	if (!n)
		return;
	ll = rtnl_neigh_get_lladdr(n);
	if ((rtnl_neigh_get_state(n) & KROUTE_NUD_USABLE) && ll &&
	    nl_addr_get_len(ll) == 6) {
		memcpy(nh->dst_mac, nl_addr_get_binary_addr(ll), 6);
		nh->resolved = true;
	}
	rtnl_neigh_put(n);
}

/* Parses the RTM_NEWROUTE answering an RTM_GETROUTE. */
static int kroute_on_reply(struct nl_msg *msg, void *arg)
{
	struct kroute *k = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	struct kroute_reply *r = &k->reply;
	struct rtmsg *rtm;
	size_t alen;

	/* A late answer to an earlier, timed-out request is not ours. */
	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_seq != k->req_seq)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return NL_STOP;
	rtm = nlmsg_data(nlh);
	alen = rtm->rtm_family == AF_INET6 ? 16 : 4;
	r->got = true;
	r->type = rtm->rtm_type;
	r->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (tb[RTA_OIF])
		r->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == (int)alen) {
		r->has_gw = true;
		if (alen == 4)
			nat_addr_from_v4(&r->gw, nla_data(tb[RTA_GATEWAY]));
		else
			nat_addr_from_v6(&r->gw, nla_data(tb[RTA_GATEWAY]));
	}
	if (tb[RTA_PREFSRC] && nla_len(tb[RTA_PREFSRC]) == (int)alen) {
		r->has_src = true;
		if (alen == 4)
			nat_addr_from_v4(&r->src, nla_data(tb[RTA_PREFSRC]));
		else
			nat_addr_from_v6(&r->src, nla_data(tb[RTA_PREFSRC]));
	}
	if (tb[RTA_METRICS] &&
	    nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], NULL) == 0 &&
	    mx[RTAX_MTU])
		r->mtu = nla_get_u32(mx[RTAX_MTU]);
	return NL_STOP;
}

static int kroute_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			   void *arg)
{
	struct kroute *k = arg;

	(void)nla;
	if (e->msg.nlmsg_seq != k->req_seq)
		return NL_SKIP;
	k->reply.err = e->error;	/* already a negative errno */
	return NL_STOP;
}

static int kroute_on_ack(struct nl_msg *msg, void *arg)
{
	struct kroute *k = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == k->req_seq ? NL_STOP : NL_SKIP;
}

/* Sends msg on the request socket and reads the one answer. */
static int kroute_request(struct kroute *k, struct nl_msg *msg)
{
	int ret;

	memset(&k->reply, 0, sizeof(k->reply));
	ret = nl_send_auto(k->req, msg);
	if (ret < 0)
		return kroute_errno(ret);
	k->req_seq = nlmsg_hdr(msg)->nlmsg_seq;
	ret = nl_recvmsgs(k->req, k->req_cb);
	if (k->reply.err)
		return k->reply.err;
	return ret < 0 ? kroute_errno(ret) : 0;
}

/* RTM_GETROUTE for dst, optionally bound to oif. */
static int kroute_getroute(struct kroute *k, const struct nat_addr *dst,
			   int oif)
{
	struct rtmsg rtm;
	struct nl_msg *msg;
	int ret;

	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (!msg)
		return -ENOMEM;
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = dst->family;
	rtm.rtm_dst_len = (uint8_t)(nat_addr_len(dst) * 8);
	/* Report the table the answer came from (0: none, see below). */
	rtm.rtm_flags = RTM_F_LOOKUP_TABLE;
	ret = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
	if (ret == 0)
		ret = nla_put(msg, RTA_DST, (int)nat_addr_len(dst),
			      dst->bytes);
	if (ret == 0 && oif > 0)
		ret = nla_put_u32(msg, RTA_OIF, (uint32_t)oif);
	if (ret < 0) {
		nlmsg_free(msg);
		return kroute_errno(ret);
	}
	k->stats.route_queries++;
	ret = kroute_request(k, msg);
	nlmsg_free(msg);
	if (ret == 0 && !k->reply.got)
		ret = -EIO;
	return ret;
}

/* The miss path: ask the kernel, then the link and neighbour caches. */
static int kroute_query(struct kroute *k, const struct nat_addr *dst, int oif,
			const struct nat_addr *gw, struct kroute_nexthop *nh)
{
	const struct kroute_reply *r = &k->reply;
	const struct nat_addr *target = gw->family ? gw : dst;
	struct rtnl_link *link;
	struct nl_addr *ll;
	int ret;

	memset(nh, 0, sizeof(*nh));
	ret = kroute_getroute(k, target, oif);
	if (ret < 0)
		return ret;
	if (r->type != RTN_UNICAST)
		return -EINVAL;		/* local, broadcast, ...: not ours */
	/*
	 * Bound to oif, the kernel still answers when no route goes
	 * through it: IPv4 then assumes the destination is on that link
	 * (the answer has no table), IPv6 may pick another interface.
	 * Neither is a route through oif.
	 */
	if (oif > 0 && (r->oif != oif ||
			(target->family == AF_INET && r->table == 0)))
		return -ENETUNREACH;
	nh->ifindex = r->oif;
	if (gw->family) {
		/* The hint must be on-link where the packet leaves. */
		if (r->has_gw)
			return -EHOSTUNREACH;
		nh->via = *gw;
		nh->gateway = true;
	} else if (r->has_gw) {
		nh->via = r->gw;
		nh->gateway = true;
	} else {
		nh->via = *dst;
	}
	if (r->has_src)
		nh->src = r->src;

	link = rtnl_link_get(k->links, nh->ifindex);
	if (!link)
		return -ENODEV;
	nh->mtu = r->mtu ? r->mtu : rtnl_link_get_mtu(link);
	ll = rtnl_link_get_addr(link);
	if (ll && nl_addr_get_len(ll) == 6)
		memcpy(nh->src_mac, nl_addr_get_binary_addr(ll), 6);
	rtnl_link_put(link);

	kroute_neigh_fill(k, nh);
	return 0;
}

/* Answers that are the routing table's word, worth remembering. */
static bool kroute_cacheable_error(int err)
{
	return err == -ENETUNREACH || err == -EHOSTUNREACH ||
	       err == -EINVAL || err == -EACCES || err == -EPERM;
}

int kroute_lookup(struct kroute *k, const struct nat_addr *dst, int oif,
		  const struct nat_addr *gw, struct kroute_nexthop *nh)
{
	static const struct nat_addr none;
	struct kroute_entry *set, *e;
	uint32_t h;
	int ret;
	unsigned int w;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!gw)
		gw = &none;
	if (gw->family && gw->family != dst->family)
		return -EAFNOSUPPORT;
	if (oif < 0)
		oif = 0;

	h = kroute_hash_addr(kroute_mix(0x5eed, (uint32_t)oif), dst);
	if (gw->family)
		h = kroute_hash_addr(h, gw);
	set = k->cache[h & (KROUTE_SETS - 1)];
	for (w = 0; w < KROUTE_WAYS; w++) {
		e = &set[w];
		if (e->gen == k->gen && e->oif == oif &&
		    nat_addr_eq(&e->dst, dst) && nat_addr_eq(&e->gw, gw)) {
			k->stats.hits++;
			if (e->err)
				return e->err;
			*nh = e->nh;
			return 0;
		}
	}

	k->stats.misses++;
	/* A stale way first, else round-robin. */
	e = NULL;
	for (w = 0; w < KROUTE_WAYS && !e; w++)
		if (set[w].gen != k->gen)
			e = &set[w];
	if (!e) {
		w = k->victim[h & (KROUTE_SETS - 1)]++ % KROUTE_WAYS;
		e = &set[w];
	}
	ret = kroute_query(k, dst, oif, gw, &e->nh);
	if (ret < 0 && !kroute_cacheable_error(ret)) {
		e->gen = 0;
		return ret;
	}
	e->dst = *dst;
	e->gw = *gw;
	e->oif = oif;
	e->err = ret;
	e->gen = k->gen;
	if (ret == 0)
		*nh = e->nh;
	return ret;
}

int kroute_resolve(struct kroute *k, const struct kroute_nexthop *nh,
		   uint64_t now_ns)
{
	struct kroute_resolve_slot *s;
	struct nl_msg *msg;
	struct ndmsg ndm;
	uint32_t h;
	int ret;

	if (nh->via.family != AF_INET && nh->via.family != AF_INET6)
		return -EAFNOSUPPORT;
	h = kroute_hash_addr(kroute_mix(0x7e501, (uint32_t)nh->ifindex),
			     &nh->via);
	s = &k->resolve[h & (KROUTE_RESOLVE_SLOTS - 1)];
	if (s->used && s->ifindex == nh->ifindex &&
	    nat_addr_eq(&s->via, &nh->via) &&
	    now_ns - s->last_ns < KROUTE_RESOLVE_GAP_NS)
		return 0;
	s->used = true;
	s->ifindex = nh->ifindex;
	s->via = nh->via;
	s->last_ns = now_ns;

	/*
	 * NTF_USE: the kernel treats the entry as if a packet needed it
	 * (neigh_event_send): an unknown or failed neighbour goes to
	 * INCOMPLETE and is probed, a stale one is re-confirmed, a valid
	 * or permanent one is left alone.  NUD_NONE: if this creates the
	 * entry, it is an ordinary one the kernel may garbage-collect.
	 */
	msg = nlmsg_alloc_simple(RTM_NEWNEIGH,
				 NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	memset(&ndm, 0, sizeof(ndm));
	ndm.ndm_family = nh->via.family;
	ndm.ndm_ifindex = nh->ifindex;
	ndm.ndm_state = NUD_NONE;
	ndm.ndm_flags = NTF_USE;
	ret = nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO);
	if (ret == 0)
		ret = nla_put(msg, NDA_DST, (int)nat_addr_len(&nh->via),
			      nh->via.bytes);
	if (ret < 0) {
		nlmsg_free(msg);
		return kroute_errno(ret);
	}
	k->stats.resolve_requests++;
	ret = kroute_request(k, msg);
	nlmsg_free(msg);
	return ret;
}

static struct kroute_linkstate *kroute_lstate(struct kroute *k, int ifindex,
					      bool create)
{
	struct kroute_linkstate *n;
	size_t i;

	for (i = 0; i < k->n_lstates; i++)
		if (k->lstates[i].ifindex == ifindex)
			return &k->lstates[i];
	if (!create)
		return NULL;
	if (k->n_lstates == k->cap_lstates) {
		n = realloc(k->lstates, (k->cap_lstates ? k->cap_lstates * 2
							: 16) * sizeof(*n));
		if (!n)
			return NULL;
		k->lstates = n;
		k->cap_lstates = k->cap_lstates ? k->cap_lstates * 2 : 16;
	}
	n = &k->lstates[k->n_lstates++];
	n->ifindex = ifindex;
	n->up = false;
	return n;
}

static void kroute_lstate_drop(struct kroute *k, int ifindex)
{
	size_t i;

	for (i = 0; i < k->n_lstates; i++)
		if (k->lstates[i].ifindex == ifindex) {
			k->lstates[i] = k->lstates[--k->n_lstates];
			return;
		}
}

/* Records a link's state; reports it when it is new or changed. */
static void kroute_link_seen(struct kroute *k, struct rtnl_link *link,
			     bool gone, bool report)
{
	int ifindex = rtnl_link_get_ifindex(link);
	const char *name = rtnl_link_get_name(link);
	bool up = !gone && kroute_link_usable(rtnl_link_get_flags(link));
	struct kroute_linkstate *ls = kroute_lstate(k, ifindex, false);
	bool changed = !ls || ls->up != up || gone;

	if (gone) {
		kroute_lstate_drop(k, ifindex);
	} else {
		if (!ls)
			ls = kroute_lstate(k, ifindex, true);
		if (ls)
			ls->up = up;
	}
	if (changed && report && k->ops.link_changed)
		k->ops.link_changed(k->ops.arg, ifindex, name ? name : "?", up);
}

static void kroute_on_link(struct nl_cache *cache, struct nl_object *obj,
			   int action, void *arg)
{
	struct kroute *k = arg;

	(void)cache;
	kroute_invalidate(k);
	kroute_link_seen(k, (struct rtnl_link *)obj, action == NL_ACT_DEL,
			 true);
}

static void kroute_on_addr(struct nl_cache *cache, struct nl_object *obj,
			   int action, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct kroute *k = arg;
	struct nat_addr na;

	(void)cache;
	if (action != NL_ACT_NEW && action != NL_ACT_DEL)
		return;		/* lifetimes and flags: no new decisions */
	kroute_invalidate(k);
	if (k->ops.addr_changed && kroute_from_nl(&na, rtnl_addr_get_local(a)))
		k->ops.addr_changed(k->ops.arg, rtnl_addr_get_ifindex(a), &na,
				    (unsigned int)rtnl_addr_get_prefixlen(a),
				    action == NL_ACT_NEW);
}

static void kroute_on_route(struct nl_cache *cache, struct nl_object *obj,
			    int action, void *arg)
{
	(void)cache;
	(void)obj;
	(void)action;
	kroute_invalidate(arg);
}

/* A neighbour changed: fix the entries that use it, nothing else. */
static void kroute_on_neigh(struct nl_cache *cache, struct nl_object *obj,
			    int action, void *arg)
{
	struct rtnl_neigh *n = (struct rtnl_neigh *)obj;
	struct kroute *k = arg;
	struct kroute_entry *e;
	struct nat_addr via;
	struct nl_addr *ll;
	uint8_t mac[6];
	bool usable;
	int ifindex;
	unsigned int s, w;

	(void)cache;
	if (!kroute_from_nl(&via, rtnl_neigh_get_dst(n)))
		return;		/* bridge FDB and the like */
	ifindex = rtnl_neigh_get_ifindex(n);
	ll = rtnl_neigh_get_lladdr(n);
	usable = action != NL_ACT_DEL &&
		 (rtnl_neigh_get_state(n) & KROUTE_NUD_USABLE) && ll &&
		 nl_addr_get_len(ll) == 6;
	if (usable)
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
	for (s = 0; s < KROUTE_SETS; s++)
		for (w = 0; w < KROUTE_WAYS; w++) {
			e = &k->cache[s][w];
			if (e->gen != k->gen || e->err ||
			    e->nh.ifindex != ifindex ||
			    !nat_addr_eq(&e->nh.via, &via))
				continue;
			e->nh.resolved = usable;
			if (usable)
				memcpy(e->nh.dst_mac, mac, 6);
		}
}

static void kroute_link_init_one(struct nl_object *obj, void *arg)
{
	kroute_link_seen(arg, (struct rtnl_link *)obj, false, false);
}

/* After an overrun, a link no longer in the cache is gone. */
static void kroute_link_rescan(struct nl_object *obj, void *arg)
{
	kroute_link_seen(arg, (struct rtnl_link *)obj, false, true);
}

/*
 * Throws away the notifications still queued after an overrun: they are
 * older than the tables about to be read, and applying them on top would
 * bring back state the kernel no longer has.  Bounded, in case the storm
 * that caused the overrun is still going on.
 */
static void kroute_drain(struct kroute *k)
{
	int fd = nl_cache_mngr_get_fd(k->mngr);
	char buf[8192];
	unsigned int i;

	for (i = 0; i < 100000; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
}

/*
 * Notifications were lost: read every table again, report link changes
 * by comparing with what was known, and start the cache afresh.
 */
static int kroute_resync(struct kroute *k)
{
	struct nl_cache *caches[] = { k->links, k->addrs, k->routes,
				      k->neighs };
	static const char *const names[] = { "links", "addresses", "routes",
					     "neighbours" };
	struct rtnl_link *link;
	size_t i;
	int ret;

	k->stats.resyncs++;
	log_notice("netlink: notifications lost, reading tables again");
	kroute_drain(k);
	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		ret = nl_cache_refill(k->req, caches[i]);
		if (ret < 0) {
			log_warnx("netlink: cannot reread %s: %s; "
				  "sctpalgd's copy of the kernel's %s may be "
				  "stale: restart it if packets go astray",
				  names[i], nl_geterror(ret), names[i]);
			kroute_invalidate(k);
			return kroute_errno(ret);
		}
	}
	kroute_invalidate(k);
	nl_cache_foreach(k->links, kroute_link_rescan, k);
	for (i = 0; i < k->n_lstates;) {
		link = rtnl_link_get(k->links, k->lstates[i].ifindex);
		if (link) {
			rtnl_link_put(link);
			i++;
			continue;
		}
		if (k->ops.link_changed)
			k->ops.link_changed(k->ops.arg, k->lstates[i].ifindex,
					    "?", false);
		k->lstates[i] = k->lstates[--k->n_lstates];
	}
	if (k->ops.resynced)
		k->ops.resynced(k->ops.arg);
	return 0;
}

int kroute_process(struct kroute *k)
{
	int ret = nl_cache_mngr_data_ready(k->mngr);

	if (ret >= 0) {
		k->stats.notifications += (uint64_t)ret;
		return 0;
	}
	/* ENOBUFS (socket overrun) arrives as NLE_NOMEM. */
	if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW ||
	    ret == -NLE_DUMP_INTR)
		return kroute_resync(k);
	return kroute_errno(ret);
}

int kroute_fd(const struct kroute *k)
{
	return nl_cache_mngr_get_fd(k->mngr);
}

int kroute_ifindex(const struct kroute *k, const char *name)
{
	struct rtnl_link *link = rtnl_link_get_by_name(k->links, name);
	int ifindex;

	if (!link)
		return -ENODEV;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

int kroute_link(const struct kroute *k, int ifindex, struct kroute_link *out)
{
	struct rtnl_link *link = rtnl_link_get(k->links, ifindex);
	struct nl_addr *ll;
	const char *name;

	if (!link)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	name = rtnl_link_get_name(link);
	if (name)
		snprintf(out->name, sizeof(out->name), "%s", name);
	ll = rtnl_link_get_addr(link);
	if (ll && nl_addr_get_len(ll) == 6) {
		memcpy(out->mac, nl_addr_get_binary_addr(ll), 6);
		out->has_mac = true;
	}
	out->flags = rtnl_link_get_flags(link);
	out->up = kroute_link_usable(out->flags);
	out->mtu = rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return 0;
}

const struct kroute_stats *kroute_stats(const struct kroute *k)
{
	return &k->stats;
}

static int kroute_req_open(struct kroute *k)
{
	struct timeval tv = { .tv_sec = KROUTE_REQ_TIMEOUT_S };
	int ret;

	k->req = nl_socket_alloc();
	if (!k->req)
		return -ENOMEM;
	ret = nl_connect(k->req, NETLINK_ROUTE);
	if (ret < 0)
		return kroute_errno(ret);
	/*
	 * No automatic NLM_F_ACK: an RTM_GETROUTE is answered by the route
	 * or an error, and an ACK left unread after it would be taken for
	 * the answer to the next request.  RTM_NEWNEIGH asks for its ACK.
	 */
	nl_socket_disable_auto_ack(k->req);
	/* A kernel that does not answer must not hang the daemon. */
	if (setsockopt(nl_socket_get_fd(k->req), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0)
		return -errno;
	k->req_cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!k->req_cb)
		return -ENOMEM;
	nl_cb_set(k->req_cb, NL_CB_VALID, NL_CB_CUSTOM, kroute_on_reply, k);
	nl_cb_set(k->req_cb, NL_CB_ACK, NL_CB_CUSTOM, kroute_on_ack, k);
	nl_cb_err(k->req_cb, NL_CB_CUSTOM, kroute_on_error, k);
	return 0;
}

/* The four caches, each kept current by the manager. */
static int kroute_add_caches(struct kroute *k)
{
	const struct {
		const char *name;
		change_func_t fn;
		struct nl_cache **cache;
	} caches[] = {
		{ "route/link", kroute_on_link, &k->links },
		{ "route/addr", kroute_on_addr, &k->addrs },
		{ "route/route", kroute_on_route, &k->routes },
		{ "route/neigh", kroute_on_neigh, &k->neighs },
	};
	size_t i;
	int ret;

	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		ret = nl_cache_mngr_add(k->mngr, caches[i].name, caches[i].fn,
					k, caches[i].cache);
		if (ret < 0) {
			log_warnx("netlink: cannot read %s: %s; run "
				  "sctpalgd as root", caches[i].name,
				  nl_geterror(ret));
			return kroute_errno(ret);
		}
	}
	return 0;
}

int kroute_create(const struct kroute_ops *ops, struct kroute **out)
{
	struct kroute *k;
	int rcvbuf = KROUTE_RCVBUF;
	int ret, fd;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	if (ops)
		k->ops = *ops;
	k->gen = 1;
	ret = kroute_req_open(k);
	if (ret < 0)
		goto err;
	ret = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &k->mngr);
	if (ret < 0) {
		ret = kroute_errno(ret);
		goto err;
	}
	fd = nl_cache_mngr_get_fd(k->mngr);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ret = kroute_add_caches(k);
	if (ret < 0)
		goto err;
	nl_cache_foreach(k->links, kroute_link_init_one, k);
	*out = k;
	return 0;

err:
	kroute_destroy(k);
	return ret;
}

void kroute_destroy(struct kroute *k)
{
	if (!k)
		return;
	if (k->mngr)
		nl_cache_mngr_free(k->mngr);	/* frees the caches too */
	if (k->req_cb)
		nl_cb_put(k->req_cb);
	if (k->req)
		nl_socket_free(k->req);
	free(k->lstates);
	free(k);
}
