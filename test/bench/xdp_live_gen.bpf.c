// SPDX-License-Identifier: MIT
/*
 * xdp_live_gen: the DATA generator's packet source, run by
 * BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on the client's end of the
 * veth (Documentation/bpf/bpf_prog_run.rst, "Running XDP programs in
 * live frame mode").  The kernel hands the program the same few pages
 * over and over; XDP_TX sends each as an xdp_frame through the veth's
 * ndo_xdp_xmit into the box's end: no skb, no copy, no syscall per
 * packet (the loader is test/bench/blast_live.c).
 *
 * The kernel does not restore a page's contents between repetitions, and
 * a NAT in the box may have rewritten a page it was given (addresses,
 * ports, MACs, checksums) before it came back.  So every packet gets its
 * first 64 bytes -- Ethernet, IPv4, SCTP common header, DATA chunk
 * header -- from the template, then the SCTP common header of the next
 * association round-robin (cfg_burst packets of each in a row): ports,
 * verification tag, and the CRC32c the loader computed over the whole
 * packet with that header.  The user data after them no NAT touches.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define LIVE_HEAD_WORDS 8 /* the frame's first 64 bytes */
#define LIVE_SCTP_OFF	34 /* Ethernet 14 + IPv4 20 */

const volatile __u64 cfg_head[LIVE_HEAD_WORDS]; /* association 0's frame */
const volatile __u32 cfg_flows; /* entries in flows */
const volatile __u32 cfg_burst = 1; /* packets of an association in a row */

/* An association's SCTP common header as on the wire (RFC 9260 3.1). */
struct live_sctp_hdr {
	__u32 word[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader sets the count */
	__type(key, __u32);
	__type(value, struct live_sctp_hdr);
} flows SEC(".maps");

/*
 * The association of the next packet, and how many packets of its burst
 * have gone.  Each loader has its own copy of the program and runs it on
 * one CPU only, so plain variables are enough.
 */
__u32 next_flow, burst_sent;

SEC("xdp")
int xdp_live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 *head = data;
	__u32 i = next_flow, *sctp;
	struct live_sctp_hdr *f;

	if (data + LIVE_HEAD_WORDS * 8 > end)
		return XDP_ABORTED;
	if (++burst_sent >= cfg_burst) {
		burst_sent = 0;
		next_flow = i + 1 < cfg_flows ? i + 1 : 0;
	}
	f = bpf_map_lookup_elem(&flows, &i);
	if (!f)
		return XDP_ABORTED;
#pragma unroll
	for (int k = 0; k < LIVE_HEAD_WORDS; k++)
		head[k] = cfg_head[k];
	sctp = data + LIVE_SCTP_OFF;
	sctp[0] = f->word[0];
	sctp[1] = f->word[1];
	sctp[2] = f->word[2];
	return XDP_TX;
}

char _license[] SEC("license") = "Dual MIT/GPL";
