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
#define WARM_TTL    255u
#define WARM_REPEAT 250u /* below WARM_TTL - 1: every one taken */
#define INSIDE	    "192.168.1.10"
#define SERVER	    "198.51.100.100"
#define PUBLIC	    "203.0.113.1"

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
	bpf_map__set_max_entries(s->maps.fast_map4, MAX_ASSOCS * 4u);
	bpf_map__set_max_entries(s->maps.fast_map6, MAX_ASSOCS * 4u);
	bpf_map__set_map_flags(s->maps.fast_map6, BPF_F_NO_PREALLOC);
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

/* The limit program, rewriting inside sources to public (host order). */
static struct xdp_limit_bpf *load_limit(uint32_t public)
{
	struct xdp_limit_bpf *s = xdp_limit_bpf__open();

	if (!s)
		return NULL;
	s->rodata->cfg_inside_net = htonl(0xc0a80100); /* 192.168.1.0 */
	s->rodata->cfg_inside_mask = htonl(0xffffff00);
	s->rodata->cfg_public = htonl(public);
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

static void build_frame(uint8_t *frame, const struct assoc *a, uint8_t ttl)
{
	static struct pb p;

	memset(&p, 0, sizeof(p));
	pb_ip4(&p, INSIDE, SERVER);
	p.buf[8] = ttl;
	pb_sctp(&p, a->sport, 3868, a->vtag);
	pb_data(&p, 1, 46, NULL, 0);
	while (p.len < FRAME_LEN - ETH_HLEN)
		pb_u8(&p, 0x5a);
	pb_finish(&p);
	memset(frame, 0, ETH_HLEN);
	frame[12] = 0x08;
	memcpy(frame + ETH_HLEN, p.buf, p.len);
}

/* One outbound entry: frames from src to SERVER leave from new_src. */
static void install_one(const struct fast_kv_maps *m, const struct assoc *a, uint32_t stats_idx,
			const char *src, const char *new_src)
{
	struct fast_kv_hop hop = { .ifindex = 1, .mtu = 1500 };
	struct engine_fast_entry en = { 0 };
	struct xdp_fast_key k;
	struct xdp_fast_val v;

	en.dir = ENGINE_OUTBOUND;
	en.max_chunks = 16;
	en.vtag = a->vtag;
	nat_addr_parse(&en.src, src);
	nat_addr_parse(&en.dst, SERVER);
	nat_addr_parse(&en.new_src, new_src);
	en.new_dst = en.dst;
	en.sport = en.new_sport = a->sport;
	en.dport = en.new_dport = 3868;
	fast_kv_key(&en, &k);
	fast_kv_val(&en, &hop, stats_idx, &v);
	if (fast_kv_install(m, &k, &v))
		die("map update");
}

static void install(const struct fast_kv_maps *m, const struct assoc *as,
		    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		install_one(m, &as[i], fast_kv_stats_idx(i, 0, MAX_ASSOCS),
			    INSIDE, PUBLIC);
}

static struct fast_kv_maps maps_of(struct xdp_steer_bpf *s)
{
	return (struct fast_kv_maps){
		.fd4 = bpf_map__fd(s->maps.fast_map4),
		.fd6 = bpf_map__fd(s->maps.fast_map6),
	};
}

static void clear(const struct fast_kv_maps *m)
{
	if (fast_maps_clear(m))
		die("map delete");
}

/*
 * ns per packet with the caches and the TLB warm: one frame, run
 * WARM_REPEAT times by one BPF_PROG_RUN call, so the system call (and
 * on a kernel with page-table isolation the TLB it empties) is paid once
 * for all of them.  The fast path's two entries send the frame round,
 * INSIDE -> PUBLIC -> INSIDE, every repetition taken: the frame that
 * comes out has lost one TTL for each.  The limit program rewrites it
 * to its own source each time.
 */
static double run_warm(int prog, const uint8_t *frame, bool fast)
{
	uint8_t out[FRAME_LEN + 64];
	uint64_t ns = 0;
	uint32_t calls = MIN_PACKETS / WARM_REPEAT;

	for (uint32_t i = 0; i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = FRAME_LEN, .data_out = out,
			    .data_size_out = sizeof(out),
			    .repeat = WARM_REPEAT);

		if (bpf_prog_test_run_opts(prog, &o))
			die("BPF_PROG_RUN");
		if (fast && (o.retval != XDP_REDIRECT ||
			     out[ETH_HLEN + 8] != WARM_TTL - WARM_REPEAT))
			die("a fast-path packet was handed off");
		ns += o.duration; /* the kernel's mean over the repetitions */
	}
	return (double)ns / (double)calls;
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

/* One association, the frame repeated in the kernel (run_warm()). */
static void warm_row(struct xdp_steer_bpf *fast, struct xdp_limit_bpf *limit)
{
	struct assoc a = { .sport = 10000, .vtag = rnd() | 1 };
	struct fast_kv_maps m = maps_of(fast);
	uint8_t frame[FRAME_LEN];
	double f, l;

	clear(&m);
	install_one(&m, &a, fast_kv_stats_idx(0, 0, MAX_ASSOCS), INSIDE,
		    PUBLIC);
	install_one(&m, &a, fast_kv_stats_idx(1, 0, MAX_ASSOCS), PUBLIC,
		    INSIDE);
	build_frame(frame, &a, WARM_TTL);
	f = run_warm(bpf_program__fd(fast->progs.xdp_sctp_steer), frame, true);
	l = run_warm(bpf_program__fd(limit->progs.xdp_limit), frame, false);
	printf("%10u  %-9s  %8.1f  %8.1f  %6.2f\n", 1u, "warm", f, l, f / l);
}

int main(int argc, char **argv)
{
	static const uint32_t defaults[] = { 1, 10000, 100000 };
	struct xdp_steer_bpf *fast;
	struct xdp_limit_bpf *limit, *limit_warm;
	int n_counts = argc > 1 ? argc - 1 : 3;

	libbpf_set_print(libbpf_quiet);
	fast = load_fast();
	limit = load_limit(0xcb007101); /* PUBLIC */
	limit_warm = load_limit(0xc0a8010a); /* INSIDE */
	if (!fast || !limit || !limit_warm) {
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
		struct fast_kv_maps m = maps_of(fast);

		if (!n || n > MAX_ASSOCS || !as || !frames || !order)
			die("associations: 1 to 262144");
		for (uint32_t i = 0; i < n; i++) {
			as[i].sport = (uint16_t)(10000 + i % 50000);
			as[i].vtag = rnd() | 1;
			build_frame(frames[i], &as[i], 64);
			order[i] = i;
		}
		clear(&m);
		install(&m, as, n);
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
	warm_row(fast, limit_warm);
	xdp_steer_bpf__destroy(fast);
	xdp_limit_bpf__destroy(limit);
	xdp_limit_bpf__destroy(limit_warm);
	return 0;
}
