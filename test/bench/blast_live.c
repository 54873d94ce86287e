/*
 * blast_live: sctp_blast's DATA flood by BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES (Documentation/bpf/bpf_prog_run.rst).
 *
 * The kernel runs test/bench/xdp_live_gen.bpf.c `repeat` times on the
 * CPU of the calling thread, as if each frame had arrived on the
 * client's end of the veth (ingress_ifindex), and sends every frame the
 * program returns XDP_TX for back out of that device through its
 * ndo_xdp_xmit: for a veth, straight into the peer's -- the box's --
 * receive ring as an xdp_frame, on the RX queue of the sending CPU
 * (veth_select_rxq()), whose NAPI then polls it.  That needs NAPI on the
 * box's end (GRO on, or an XDP program there); without it the veth drops
 * the frames.  The generator thus pays for neither an skb nor a copy nor
 * a syscall per packet: the AF_PACKET flood's cost was the skb.
 *
 * "Offered" counts every frame the program sent; those the box's full
 * ring refused the veth counts as its tx_dropped, as it does for
 * AF_PACKET's skbs (run.sh's "in" losses).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "blast_live.h"
#include "crc32c.h"
#include "sctp_wire.h"

/* bpftool's generated skeleton casts const away. */
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdp_live_gen.skel.h"

#define LIVE_HEAD_LEN  64 /* what the program rewrites per packet */
#define LIVE_SCTP_OFF  34 /* Ethernet 14 + IPv4 20 */
#define LIVE_SCTP_HLEN 12
/*
 * Frames per BPF_PROG_RUN: tens of milliseconds at the rates seen here,
 * so the flood ends close to its time and the page pool the kernel sets
 * up and tears down per call costs nothing per packet.
 */
#define LIVE_REPEAT    (1u << 16)
/*
 * Frames per batch, the most the kernel takes (TEST_XDP_MAX_BATCH): the
 * kernel's page pool holds as many pages as a batch, and with 64 the
 * pages the box and the sink keep in their rings (256 each) overflowed
 * its recycling ring and came back through the page allocator, each new
 * page filled again from the template: 100 ns per packet in the
 * generator and 290-300 in the sink against 70-75 and 210-230 with 256
 * (the limit, 10,000 associations, 64 bytes, two runs of each).  It
 * also wakes the box once per 256 frames, not 64.
 */
#define LIVE_BATCH     256

/* The flows' SCTP common headers into the program's array. */
static int live_fill(struct xdp_live_gen_bpf *skel,
		     const struct blast_flow *flows, unsigned int n)
{
	int fd = bpf_map__fd(skel->maps.flows);

	for (unsigned int i = 0; i < n; i++) {
		uint8_t h[LIVE_SCTP_HLEN];

		sctp_put16(h + SCTP_OFF_SPORT, flows[i].sport);
		sctp_put16(h + SCTP_OFF_DPORT, flows[i].dport);
		sctp_put32(h + SCTP_OFF_VTAG, flows[i].peer_tag);
		sctp_csum_set(h, flows[i].csum);
		if (bpf_map_update_elem(fd, &i, h, BPF_ANY))
			return -errno;
	}
	return 0;
}

int blast_live_flood(const char *ifname, const uint8_t *frame, uint32_t len,
		     const struct blast_flow *flows, unsigned int n,
		     unsigned int burst, double seconds, struct blast_count *c)
{
	struct xdp_md ctx = { .data_end = len };
	struct xdp_live_gen_bpf *skel;
	double t, end;
	int err;

	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
		    .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = LIVE_REPEAT,
		    .batch_size = LIVE_BATCH);

	ctx.ingress_ifindex = if_nametoindex(ifname);
	if (!ctx.ingress_ifindex || len < LIVE_HEAD_LEN)
		return -EINVAL;
	skel = xdp_live_gen_bpf__open();
	if (!skel)
		return -errno;
	memcpy((void *)skel->rodata->cfg_head, frame, LIVE_HEAD_LEN);
	skel->rodata->cfg_flows = n;
	skel->rodata->cfg_burst = burst;
	err = bpf_map__set_max_entries(skel->maps.flows, n);
	if (!err)
		err = xdp_live_gen_bpf__load(skel);
	if (!err)
		err = live_fill(skel, flows, n);
	if (err) {
		fprintf(stderr, "sctp_blast: live frames program: %s\n",
			strerror(-err));
		goto out;
	}
	memset(c, 0, sizeof(*c));
	t = blast_now();
	end = t + seconds;
	c->secs = t;
	while (t < end) {
		err = bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.xdp_live_gen), &run);
		if (err) {
			err = -errno;
			fprintf(stderr, "sctp_blast: BPF_PROG_RUN: %s\n",
				strerror(errno));
			goto out;
		}
		c->offered += run.repeat;
		t = blast_now();
	}
	c->secs = t - c->secs;
out:
	xdp_live_gen_bpf__destroy(skel);
	return err;
}
