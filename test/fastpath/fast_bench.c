/*
 * fast_bench: what the XDP fast path's program costs per packet with 1,
 * 10,000 and 100,000 established associations, against the stateless
 * limit program (test/bench/xdp_limit.bpf.c) on the same frames.  The
 * through-the-box benchmark (test/bench/run.sh) shows the same gap with
 * veth's transmit and the generator around it and moves by tens of
 * percent between runs; this shows the program alone, by BPF_PROG_RUN.
 *
 * The maps are sized as sctpalgd sizes them for `associations = 262144`
 * (the bench's configuration, src/daemon/fast_map.c), one entry per
 * association (outbound DATA: one inside address, port 10000 + i % 50000,
 * a random tag, as sctp_blast sets them up), its path's stats slot as
 * the daemon numbers it (fast_kv_stats_idx()).
 * Each packet is one BPF_PROG_RUN call of one run (the kernel's own
 * timing of that run, so the syscall is not in it), over the
 * associations round-robin in the order they were installed, as
 * sctp_blast sends, then in a shuffled order; passes over them until
 * 300,000 packets were run.  The frame is copied in afresh each call, so
 * it is in the cache as a frame a NIC or veth just wrote would be.
 *
 *   fast_bench [associations ...]    (root: BPF_PROG_RUN)
 * Figures, not a test: exit 0 unless the program could not run or a
 * packet meant for the fast path was handed off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_fast.h"
#include "fast_kv.h"
#include "fastpath_tool.h"
#include "pkt_build.h"
/* Generated code: bpftool casts the embedded object's const away. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdp_limit.skel.h"
#include "xdp_steer.skel.h"
#pragma GCC diagnostic pop

#define ETH_HLEN    14
#define FRAME_LEN   (ETH_HLEN + 64)
#define MAX_ASSOCS  262144u /* the bench's `associations` */
#define MAX_PEERS   8u /* the engine's default max-addresses */
#define MIN_PACKETS 300000u
#define INSIDE	    "192.168.1.10"
#define SERVER	    "198.51.100.100"

static void die(const char *what)
{
	fprintf(stderr, "fast_bench: %s\n", what);
	exit(1);
}

static struct xdp_steer_bpf *load_fast(void)
{
	struct xdp_steer_bpf *s = xdp_steer_bpf__open();

	if (!s)
		return NULL;
	s->rodata->fast_enabled = 1;
	fast_kv_xpow((uint32_t *)(uintptr_t)s->rodata->fast_xpow,
		     XDP_FAST_MAX_PKT + 1);
	fast_kv_crc_tables(
		(uint32_t(*)[256])(uintptr_t)s->rodata->fast_crc_tab);
	s->rodata->fast_dir = XDP_FAST_OUTBOUND;
	/* As fast_map_create() sizes them. */
	bpf_map__set_max_entries(s->maps.fast_map, MAX_ASSOCS * 4u);
	s->rodata->fast_stats_slots = MAX_ASSOCS * MAX_PEERS;
	bpf_map__set_max_entries(s->maps.fast_stats,
				 MAX_ASSOCS * MAX_PEERS *
					 (uint32_t)libbpf_num_possible_cpus());
	if (xdp_steer_bpf__load(s)) {
		xdp_steer_bpf__destroy(s);
		return NULL;
	}
	return s;
}

static struct xdp_limit_bpf *load_limit(void)
{
	struct xdp_limit_bpf *s = xdp_limit_bpf__open();

	if (!s)
		return NULL;
	s->rodata->cfg_inside_net = htonl(0xc0a80100); /* 192.168.1.0 */
	s->rodata->cfg_inside_mask = htonl(0xffffff00);
	s->rodata->cfg_public = htonl(0xcb007101); /* 203.0.113.1 */
	s->rodata->cfg_ifindex = 1;
	if (xdp_limit_bpf__load(s)) {
		xdp_limit_bpf__destroy(s);
		return NULL;
	}
	return s;
}

struct assoc {
	uint16_t sport;
	uint32_t vtag;
};

static void build_frame(uint8_t *frame, const struct assoc *a)
{
	static struct pb p;

	memset(&p, 0, sizeof(p));
	pb_ip4(&p, INSIDE, SERVER);
	pb_sctp(&p, a->sport, 3868, a->vtag);
	pb_data(&p, 1, 46, NULL, 0);
	while (p.len < FRAME_LEN - ETH_HLEN)
		pb_u8(&p, 0x5a);
	pb_finish(&p);
	memset(frame, 0, ETH_HLEN);
	frame[12] = 0x08;
	memcpy(frame + ETH_HLEN, p.buf, p.len);
}

static void install(int fd, const struct assoc *as, uint32_t n)
{
	struct fast_kv_hop hop = { .ifindex = 1, .mtu = 1500 };

	for (uint32_t i = 0; i < n; i++) {
		struct engine_fast_entry en = { 0 };
		struct xdp_fast_key k;
		struct xdp_fast_val v;

		en.dir = ENGINE_OUTBOUND;
		en.max_chunks = 16;
		en.vtag = as[i].vtag;
		nat_addr_parse(&en.src, INSIDE);
		nat_addr_parse(&en.dst, SERVER);
		nat_addr_parse(&en.new_src, "203.0.113.1");
		en.new_dst = en.dst;
		en.sport = en.new_sport = as[i].sport;
		en.dport = en.new_dport = 3868;
		fast_kv_key(&en, &k);
		fast_kv_val(&en, &hop, fast_kv_stats_idx(i, 0, MAX_ASSOCS), &v);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			die("map update");
	}
}

static void clear(int fd)
{
	struct xdp_fast_key k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		if (bpf_map_delete_elem(fd, &k))
			die("map delete");
}

/* ns per packet over the frames in order[] */
static double run(int prog, uint8_t (*frames)[FRAME_LEN], const uint32_t *order,
		  uint32_t n, bool must_redirect)
{
	uint8_t out[FRAME_LEN + 64];
	uint64_t ns = 0, runs = 0;

	while (runs < MIN_PACKETS) {
		for (uint32_t i = 0; i < n; i++, runs++) {
			LIBBPF_OPTS(bpf_test_run_opts, o,
				    .data_in = frames[order[i]],
				    .data_size_in = FRAME_LEN, .data_out = out,
				    .data_size_out = sizeof(out), .repeat = 1);

			if (bpf_prog_test_run_opts(prog, &o))
				die("BPF_PROG_RUN");
			if (must_redirect && o.retval != XDP_REDIRECT)
				die("a fast-path packet was handed off");
			ns += o.duration;
		}
	}
	return (double)ns / (double)runs;
}

int main(int argc, char **argv)
{
	static const uint32_t defaults[] = { 1, 10000, 100000 };
	struct xdp_steer_bpf *fast;
	struct xdp_limit_bpf *limit;
	int n_counts = argc > 1 ? argc - 1 : 3;

	libbpf_set_print(libbpf_quiet);
	fast = load_fast();
	limit = load_limit();
	if (!fast || !limit) {
		fprintf(stderr, "SKIP: fast_bench: cannot load the XDP "
				"programs: needs root and BPF\n");
		return 77;
	}
	printf("fast_bench: ns per 64-byte DATA packet, the program alone "
	       "(BPF_PROG_RUN)\n");
	printf("%10s  %-9s  %8s  %8s  %6s\n", "assocs", "order", "fast",
	       "limit", "ratio");
	for (int c = 0; c < n_counts; c++) {
		uint32_t n = argc > 1 ?
				     (uint32_t)strtoul(argv[c + 1], NULL, 0) :
				     defaults[c];
		struct assoc *as = calloc(n, sizeof(*as));
		uint8_t(*frames)[FRAME_LEN] = calloc(n, FRAME_LEN);
		uint32_t *order = calloc(n, sizeof(*order));
		int fd = bpf_map__fd(fast->maps.fast_map);

		if (!n || n > MAX_ASSOCS || !as || !frames || !order)
			die("associations: 1 to 262144");
		for (uint32_t i = 0; i < n; i++) {
			as[i].sport = (uint16_t)(10000 + i % 50000);
			as[i].vtag = rnd() | 1;
			build_frame(frames[i], &as[i]);
			order[i] = i;
		}
		clear(fd);
		install(fd, as, n);
		for (int shuffled = 0; shuffled < 2; shuffled++) {
			double f, l;

			if (shuffled)
				for (uint32_t i = n - 1; i > 0; i--) {
					uint32_t j = rnd() % (i + 1),
						 t = order[i];

					order[i] = order[j];
					order[j] = t;
				}
			f = run(bpf_program__fd(fast->progs.xdp_sctp_steer),
				frames, order, n, true);
			l = run(bpf_program__fd(limit->progs.xdp_limit), frames,
				order, n, false);
			printf("%10u  %-9s  %8.1f  %8.1f  %6.2f\n", n,
			       shuffled ? "shuffled" : "installed", f, l,
			       f / l);
		}
		free(as);
		free(frames);
		free(order);
	}
	xdp_steer_bpf__destroy(fast);
	xdp_limit_bpf__destroy(limit);
	return 0;
}
