// SPDX-License-Identifier: MIT
/*
 * xdp_limit: the benchmark's yardstick, the least any NAT on this path
 * can cost -- a stateless source NAT in XDP.  An IPv4 SCTP packet from
 * the inside network gets the public address as its source, the IPv4
 * header checksum patched for it (RFC 1624), the next hop's MAC
 * addresses, and is redirected to the uplink.  The port is kept, so the
 * SCTP CRC32c, which covers no pseudo-header (RFC 9260 6.8), stays
 * valid.  No lookup, no state, no TTL change (sctpalgd's fast path
 * decrements it, one byte under the checksum it sums anyway): what is
 * left is what XDP on veth costs.
 *
 * Everything else passes to the kernel.  The rule is set by the loader
 * (test/bench/xdp_limit.c) in read-only data before the program loads.
 *
 * xdp_sink, on the server's end of the uplink, is the benchmark's sink:
 * it counts the DATA the box sent (IPv4 SCTP from the box's address,
 * first chunk DATA) and drops it, for a few tens of nanoseconds a packet,
 * so the sink does not slow the generator it shares a CPU with.  With
 * sink_pass set (the loader's SIGUSR1) it counts and passes, for a
 * capture to see the packets.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

const volatile __u32 cfg_inside_net; /* network order */
const volatile __u32 cfg_inside_mask; /* network order */
const volatile __u32 cfg_public; /* network order */
const volatile __u32 cfg_ifindex; /* the uplink */
const volatile __u8 cfg_dmac[ETH_ALEN]; /* the next hop's */
const volatile __u8 cfg_smac[ETH_ALEN]; /* the uplink's own */
const volatile __u32 cfg_sink_src; /* network order */
__u32 sink_pass; /* user space sets it */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), 16 bits at a time. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16) ~(from & 0xffff) + (__u16) ~(from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_limit(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 old;
	int i;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ihl != 5 || ip->protocol != IPPROTO_SCTP ||
	    (ip->frag_off & bpf_htons(0x3fff)) ||
	    (ip->saddr & cfg_inside_mask) != cfg_inside_net)
		return XDP_PASS;
	old = ip->saddr;
	ip->saddr = cfg_public;
	ip->check = csum_replace4(ip->check, old, cfg_public);
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = cfg_dmac[i];
		eth->h_source[i] = cfg_smac[i];
	}
	return bpf_redirect(cfg_ifindex, 0);
}

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u8 *chunk = (__u8 *)(ip + 1) + 12; /* after the common header */
	__u32 zero = 0;
	__u64 *n;

	if ((void *)(chunk + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_SCTP ||
	    ip->saddr != cfg_sink_src || chunk[0] != 0 /* DATA */)
		return XDP_PASS;
	n = bpf_map_lookup_elem(&sink_count, &zero);
	if (n)
		*n += 1;
	return sink_pass ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "Dual MIT/GPL";
