// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * xdp_steer: the XDP program of sctpalgd.  It steers and never owns the
 * interface: SCTP (IPv4 protocol 132, IPv6 next header 132 after the
 * extension headers), fragments of SCTP packets and ICMP / ICMPv6 errors
 * that quote an SCTP packet go to the AF_XDP socket of the RX queue they
 * arrived on; everything else gets XDP_PASS and the kernel handles it as
 * if the program were not there (README, How a packet goes
 * through).
 *
 * No address filter: SCTP addressed to the box itself is steered as well.
 * That is deliberate for an ALG box: it runs no SCTP service of its own
 * (sctpalgd owns SCTP on these interfaces), and the engine needs to see
 * packets to its public addresses, which are the box's own addresses.
 *
 * If the slot for the queue is empty (the daemon is starting or has no
 * socket on that queue) bpf_redirect_map() falls back to XDP_PASS, so a
 * missing socket never drops traffic; it is counted as passed-no-socket.
 *
 * XDP_RUN_CONFIG lets libxdp's dispatcher chain the program with others;
 * XDP_PASS continues the chain, so a program after us still sees the
 * traffic we do not steer.
 *
 * Jumbo frames.  The section is "xdp.frags" (multi-buffer XDP): drivers
 * such as veth refuse a program without it once the MTU outgrows one page,
 * and generic XDP then leaves large packets in fragments instead of
 * linearising them.  The headers this program reads are in the first
 * buffer (every driver puts at least the first few hundred bytes there);
 * a header that is not is "passed-malformed" as before.  User space sets
 * max_frame to the largest frame its AF_XDP sockets can take (one UMEM
 * frame, or a multi-buffer chain gathered into a bounce buffer); a larger
 * SCTP frame would be dropped by the socket without a trace, so it is
 * dropped here and counted as dropped-too-big (README, "Jumbo frames").
 * Passing it would let the kernel forward it untranslated.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "xdp_steer.h"

/* VLAN tags we look through (802.1Q, and 802.1ad outer + 802.1Q inner). */
#define VLAN_MAX_DEPTH		2
/*
 * Extension headers walked before giving up (passed-ip6-ext-header-limit).
 * Real traffic has at most two or three; the bound keeps the verifier's
 * view of the packet offset well inside its 64 KiB limit even with two
 * walks (outer header and the one quoted by an ICMPv6 error).
 */
#define IP6_EXT_MAX_DEPTH	6

#define IP4_MF			0x2000
#define IP4_OFFSET		0x1fff
#define IP6_FRAG_OFFSET		0xfff8
#define IP6_FRAG_MORE		0x0001

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

/*
 * RFC 792 ICMP header.  <linux/icmp.h> drags in libc's socket headers,
 * which do not build for the BPF target.
 */
struct icmp4_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

#define ICMP4_DEST_UNREACH	3
#define ICMP4_SOURCE_QUENCH	4
#define ICMP4_TIME_EXCEEDED	11
#define ICMP4_PARAMETERPROB	12

/* RFC 8200 section 4.5. */
struct ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 ident;
};

/* Set by user space before load; 0: no limit. */
const volatile __u32 max_frame = 0;

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDP_STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_STEER__COUNT);
	__type(key, __u32);
	__type(value, struct xdp_steer_count);
} steer_stats SEC(".maps");

/*
 * Runs before programs of the default priority (50): a filter that wants
 * to see SCTP first can take a lower number.
 */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdp_sctp_steer);

/* Where parsing is; every parser moves pos only after checking end. */
struct cursor {
	void *pos;
	void *end;
};

/* Outcome of an IPv6 extension header walk. */
enum ip6_walk {
	IP6_WALK_MALFORMED = -1,
	IP6_WALK_LIMIT = -2,
};

/* Fragment state seen during a walk. */
enum frag_state {
	FRAG_NONE = 0,
	FRAG_FIRST,		/* offset 0, more fragments follow */
	FRAG_LATER,		/* offset > 0: no upper-layer header here */
};

static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* Ethernet and up to VLAN_MAX_DEPTH tags; returns the ethertype or 0. */
static __always_inline __be16 parse_eth(struct cursor *c)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	struct vlan_tag *tag;
	__be16 proto;
	int i;

	if (!eth)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = cursor_pull(c, sizeof(*tag));
		if (!tag)
			return 0;
		proto = tag->encap_proto;
	}
	return proto;
}

/* An IPv4 header including options; NULL when it does not fit. */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end || ip->version != 4)
		return NULL;
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip) || !cursor_pull(c, hlen))
		return NULL;
	return ip;
}

static __always_inline struct ipv6hdr *parse_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));

	if (!ip6 || ip6->version != 6)
		return NULL;
	return ip6;
}

/*
 * Walk hop-by-hop, routing, destination options and fragment headers
 * (RFC 8200 section 4) from nexthdr; returns the upper-layer protocol or
 * enum ip6_walk.  A later fragment ends the walk: its payload is data, and
 * the fragment header's next header names the fragmented protocol.
 */
static __always_inline int skip_ip6_ext(struct cursor *c, __u8 nexthdr,
					enum frag_state *frag)
{
	struct ipv6_opt_hdr *opt;
	struct ip6_frag *fh;
	__u32 len;
	int i;

	*frag = FRAG_NONE;
#pragma unroll
	for (i = 0; i < IP6_EXT_MAX_DEPTH; i++) {
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			opt = c->pos;
			if ((void *)(opt + 1) > c->end)
				return IP6_WALK_MALFORMED;
			len = ((__u32)opt->hdrlen + 1) * 8;
			nexthdr = opt->nexthdr;
			if (!cursor_pull(c, len))
				return IP6_WALK_MALFORMED;
			break;
		case IPPROTO_FRAGMENT:
			fh = cursor_pull(c, sizeof(*fh));
			if (!fh)
				return IP6_WALK_MALFORMED;
			if (fh->frag_off & bpf_htons(IP6_FRAG_OFFSET)) {
				*frag = FRAG_LATER;
				return fh->nexthdr;
			}
			if (fh->frag_off & bpf_htons(IP6_FRAG_MORE))
				*frag = FRAG_FIRST;
			nexthdr = fh->nexthdr;
			break;
		default:
			return nexthdr;
		}
	}
	return IP6_WALK_LIMIT;
}

/* RFC 792 / RFC 1812 section 4.3.2.3: the ICMP errors that quote. */
static __always_inline int icmp4_is_error(__u8 type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_SOURCE_QUENCH ||
	       type == ICMP4_TIME_EXCEEDED || type == ICMP4_PARAMETERPROB;
}

/* RFC 4443 section 2.1: error messages are types 0-127; 1-4 are defined. */
static __always_inline int icmp6_is_error(__u8 type)
{
	return type >= ICMPV6_DEST_UNREACH && type <= ICMPV6_PARAMPROB;
}

static __always_inline enum xdp_steer_counter classify_ipv4(struct cursor *c)
{
	struct iphdr *ip = parse_ipv4(c);
	struct icmp4_hdr *icmp;
	struct iphdr *quoted;

	if (!ip)
		return XDP_STEER_PASS_MALFORMED;
	if (ip->protocol == IPPROTO_SCTP)
		return ip->frag_off & bpf_htons(IP4_MF | IP4_OFFSET) ?
			XDP_STEER_REDIRECT_FRAG4 : XDP_STEER_REDIRECT_SCTP4;
	/* A later fragment of ICMP has no ICMP header to look at. */
	if (ip->protocol != IPPROTO_ICMP ||
	    ip->frag_off & bpf_htons(IP4_OFFSET))
		return XDP_STEER_PASS_OTHER;

	icmp = cursor_pull(c, sizeof(*icmp));
	if (!icmp)
		return XDP_STEER_PASS_MALFORMED;
	if (!icmp4_is_error(icmp->type))
		return XDP_STEER_PASS_OTHER;
	quoted = parse_ipv4(c);
	if (!quoted)
		return XDP_STEER_PASS_MALFORMED;
	return quoted->protocol == IPPROTO_SCTP ? XDP_STEER_REDIRECT_ICMP4 :
						  XDP_STEER_PASS_OTHER;
}

static __always_inline enum xdp_steer_counter classify_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = parse_ipv6(c);
	struct icmp6hdr *icmp6;
	enum frag_state frag;
	int proto;

	if (!ip6)
		return XDP_STEER_PASS_MALFORMED;
	proto = skip_ip6_ext(c, ip6->nexthdr, &frag);
	if (proto == IP6_WALK_MALFORMED)
		return XDP_STEER_PASS_MALFORMED;
	if (proto == IP6_WALK_LIMIT)
		return XDP_STEER_PASS_EXT_LIMIT;
	if (proto == IPPROTO_SCTP)
		return frag != FRAG_NONE ? XDP_STEER_REDIRECT_FRAG6 :
					   XDP_STEER_REDIRECT_SCTP6;
	if (proto != IPPROTO_ICMPV6 || frag == FRAG_LATER)
		return XDP_STEER_PASS_OTHER;

	icmp6 = cursor_pull(c, sizeof(*icmp6));
	if (!icmp6)
		return XDP_STEER_PASS_MALFORMED;
	if (!icmp6_is_error(icmp6->icmp6_type))
		return XDP_STEER_PASS_OTHER;
	ip6 = parse_ipv6(c);
	if (!ip6)
		return XDP_STEER_PASS_MALFORMED;
	proto = skip_ip6_ext(c, ip6->nexthdr, &frag);
	if (proto == IP6_WALK_MALFORMED)
		return XDP_STEER_PASS_MALFORMED;
	if (proto == IP6_WALK_LIMIT)
		return XDP_STEER_PASS_EXT_LIMIT;
	return proto == IPPROTO_SCTP ? XDP_STEER_REDIRECT_ICMP6 :
				       XDP_STEER_PASS_OTHER;
}

static __always_inline enum xdp_steer_counter classify(struct cursor *c)
{
	__be16 proto = parse_eth(c);

	if (proto == bpf_htons(ETH_P_IP))
		return classify_ipv4(c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return classify_ipv6(c);
	return proto ? XDP_STEER_PASS_OTHER : XDP_STEER_PASS_MALFORMED;
}

#include "fast_path.h"

static __always_inline void count(enum xdp_steer_counter which, __u64 bytes)
{
	struct xdp_steer_count *cnt;
	__u32 key = which;

	cnt = bpf_map_lookup_elem(&steer_stats, &key);
	if (cnt) {
		cnt->packets++;
		cnt->bytes += bytes;
	}
}

SEC("xdp.frags")
int xdp_sctp_steer(struct xdp_md *ctx)
{
	struct cursor c;
	/* The whole frame, every buffer of a multi-buffer one. */
	__u64 bytes = bpf_xdp_get_buff_len(ctx);
	enum xdp_steer_counter what;
	long act;

	if (fast_enabled) {
		int fast = fast_path(ctx);

		if (fast >= 0) {
			count((enum xdp_steer_counter)(fast >> 8), bytes);
			return fast & 0xff;
		}
	}
	c.pos = (void *)(long)ctx->data;
	c.end = (void *)(long)ctx->data_end;
	what = classify(&c);

	if (what >= XDP_STEER_PASS_OTHER) {
		count(what, bytes);
		return XDP_PASS;
	}
	if (max_frame && bytes > max_frame) {
		count(XDP_STEER_DROP_TOO_BIG, bytes);
		return XDP_DROP;
	}
	act = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	count(act == XDP_REDIRECT ? what : XDP_STEER_PASS_NO_SOCKET, bytes);
	return act;
}

char _license[] SEC("license") = "Dual MIT/GPL";
