/*
 * fast_bench: what the XDP fast path's program costs per packet with 1,
 * 10,000 and 100,000 established associations, against the stateless
 * limit program (test/bench/xdp_limit.bpf.c) on the same frames.  The
 * through-the-box benchmark (test/bench/run.sh) shows the same gap with
 * veth's transmit and the generator around it and moves by tens of
 * percent between runs; this shows the program alone, by BPF_PROG_RUN.
 *
 * The maps are made as sctpalgd makes them for `associations = 262144`
 * (the bench's configuration, src/daemon/fast_map.c): they grow with the
 * entries, up to four per association, and emptied between rows they go
 * back to their first size, so a row has the maps its own count makes,
 * as the daemon's do once associations end.  One entry per association
 * (outbound DATA: one inside address, port 10000 + i % 50000, a random
 * tag, as sctp_blast sets them up), its path's stats slot as the daemon
 * numbers it (fast_kv_stats_idx()).
 *
 * Two ways, each over the associations round-robin in the order they
 * were installed, as sctp_blast sends, then in a shuffled order:
 * - per call: each packet is one BPF_PROG_RUN call of one run (the
 *   kernel's own timing of that run, so the system call is not in it);
 *   passes over them until 300,000 packets were run.  The frame is
 *   copied in afresh each call, so it is in the cache as a frame a NIC
 *   or veth just wrote would be; but on a kernel with page-table
 *   isolation every call enters the kernel with the TLB emptied, which
 *   a NAPI poll does not.
 * - in kernel: one BPF_PROG_RUN call repeats its frame WARM_REPEAT
 *   times, and each association's entry rewrites the frame's source to
 *   the next association's address in the order, so the repetitions walk
 *   WARM_REPEAT entries in a row with no system call between (these
 *   associations differ by inside address, 10.0.0.0 + i, not by port).
 *   Each packet's lookup waits for the one before, as it finds its key
 *   in what that one wrote: no two packets' cache misses overlap.  The
 *   limit program rewrites the frame to its own source each time.
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
#define CHAIN_NET   0x0a000000u /* 10.0.0.0/8: the in-kernel rows' sources */
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

/*
 * The limit program, rewriting sources in the /24 or /8 (CHAIN_NET) net
 * to public (host order).
 */
static struct xdp_limit_bpf *load_limit(uint32_t net, uint32_t public)
{
	struct xdp_limit_bpf *s = xdp_limit_bpf__open();

	if (!s)
		return NULL;
	s->rodata->cfg_inside_net = htonl(net);
	s->rodata->cfg_inside_mask =
		htonl(net == CHAIN_NET ? 0xff000000u : 0xffffff00u);
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

static void build_frame(uint8_t *frame, const char *src, const struct assoc *a,
			uint8_t ttl)
{
	static struct pb p;

	memset(&p, 0, sizeof(p));
	pb_ip4(&p, src, SERVER);
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
static void install_one(struct fast_kv_maps *m, const struct assoc *a,
			uint32_t stats_idx, const char *src,
			const char *new_src)
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

static void install(struct fast_kv_maps *m, const struct assoc *as, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		install_one(m, &as[i], fast_kv_stats_idx(i, 0, MAX_ASSOCS),
			    INSIDE, PUBLIC);
}

/* Its maps as the daemon makes them (fast_map.c), in the skeleton's. */
static struct fast_kv_maps maps_of(struct xdp_steer_bpf *s)
{
	struct fast_kv_maps m;

	if (fast_kv_maps_open(&m, bpf_map__fd(s->maps.fast_maps4),
			      bpf_map__fd(s->maps.fast_maps6),
			      FAST_KV_FIRST_CAP, MAX_ASSOCS * 4u))
		die("fast path maps");
	return m;
}

static void clear(struct fast_kv_maps *m)
{
	if (fast_kv_clear(m))
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

/* The in-kernel rows' i-th source address. */
static const char *chain_addr(uint32_t i)
{
	static char buf[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(CHAIN_NET + i) };

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

/*
 * Entries from order[k]'s source to order[k + 1]'s, round, installed in
 * the associations' order as the per-call rows' are: the kernel hands
 * out its preallocated elements in that order, so a walk in the order
 * they were installed reads memory in a row.
 */
static void install_chain(struct fast_kv_maps *m, const struct assoc *a,
			  const uint32_t *order, uint32_t n)
{
	uint32_t *next = calloc(n, sizeof(*next));

	if (!next)
		die("out of memory");
	for (uint32_t k = 0; k < n; k++)
		next[order[k]] = order[(k + 1) % n];
	for (uint32_t i = 0; i < n; i++) {
		char src[INET_ADDRSTRLEN];

		snprintf(src, sizeof(src), "%s", chain_addr(i));
		install_one(m, a, fast_kv_stats_idx(i, 0, MAX_ASSOCS), src,
			    chain_addr(next[i]));
	}
	free(next);
}

/*
 * ns per packet in kernel (see the top): calls starting at every
 * WARM_REPEAT-th association of the order until 300,000 packets were
 * run.  Every repetition of the fast path's must be taken: the frame
 * that comes out has lost one TTL for each, and its source is where the
 * walk ended.
 */
static double run_chain(int prog, const struct assoc *a, const uint32_t *order,
			uint32_t n, bool fast)
{
	static uint8_t frame[FRAME_LEN], out[FRAME_LEN + 64];
	uint64_t ns = 0;
	uint32_t calls = MIN_PACKETS / WARM_REPEAT;

	for (uint32_t c = 0; c < calls; c++) {
		uint32_t at = (uint32_t)(((uint64_t)c * WARM_REPEAT) % n);
		uint32_t end = htonl(CHAIN_NET + order[(at + WARM_REPEAT) % n]);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = FRAME_LEN, .data_out = out,
			    .data_size_out = sizeof(out),
			    .repeat = WARM_REPEAT);

		build_frame(frame, chain_addr(order[at]), a, WARM_TTL);
		if (bpf_prog_test_run_opts(prog, &o))
			die("BPF_PROG_RUN");
		if (fast && (o.retval != XDP_REDIRECT ||
			     out[ETH_HLEN + 8] != WARM_TTL - WARM_REPEAT ||
			     memcmp(out + ETH_HLEN + 12, &end, 4)))
			die("a fast-path packet was handed off");
		ns += o.duration; /* the kernel's mean over the repetitions */
	}
	return (double)ns / (double)calls;
}

static void shuffle(uint32_t *order, uint32_t n)
{
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

static void row(uint32_t n, const char *order, const char *how, double f,
		double l)
{
	printf("%10u  %-9s  %-9s  %8.1f  %8.1f  %6.2f\n", n, order, how, f, l,
	       f / l);
}

int main(int argc, char **argv)
{
	static const uint32_t defaults[] = { 1, 10000, 100000 };
	struct xdp_steer_bpf *fast;
	struct xdp_limit_bpf *limit, *limit_chain;
	int n_counts = argc > 1 ? argc - 1 : 3;
	struct fast_kv_maps m;

	libbpf_set_print(libbpf_quiet);
	fast = load_fast();
	limit = load_limit(0xc0a80100, 0xcb007101); /* INSIDE's, PUBLIC */
	/* Its public address inside: it rewrites every repetition. */
	limit_chain = load_limit(CHAIN_NET, CHAIN_NET + 1);
	if (!fast || !limit || !limit_chain) {
		fprintf(stderr, "SKIP: fast_bench: cannot load the XDP "
				"programs: needs root and BPF\n");
		return 77;
	}
	m = maps_of(fast);
	printf("fast_bench: ns per 64-byte DATA packet, the program alone "
	       "(BPF_PROG_RUN)\n");
	printf("%10s  %-9s  %-9s  %8s  %8s  %6s\n", "assocs", "order", "run",
	       "fast", "limit", "ratio");
	for (int c = 0; c < n_counts; c++) {
		uint32_t n = argc > 1 ?
				     (uint32_t)strtoul(argv[c + 1], NULL, 0) :
				     defaults[c];
		struct assoc *as = calloc(n, sizeof(*as));
		uint8_t(*frames)[FRAME_LEN] = calloc(n, FRAME_LEN);
		uint32_t *order = calloc(n, sizeof(*order));

		if (!n || n > MAX_ASSOCS || !as || !frames || !order)
			die("associations: 1 to 262144");
		for (uint32_t i = 0; i < n; i++) {
			as[i].sport = (uint16_t)(10000 + i % 50000);
			as[i].vtag = rnd() | 1;
			build_frame(frames[i], INSIDE, &as[i], 64);
			order[i] = i;
		}
		for (int shuffled = 0; shuffled < 2; shuffled++) {
			const char *name = shuffled ? "shuffled" : "installed";
			/* The in-kernel rows' associations: one tag. */
			struct assoc chain = { .sport = 10000,
					       .vtag = 0x5ca1ab1e };

			if (shuffled)
				shuffle(order, n);
			clear(&m);
			install(&m, as, n);
			row(n, name, "per call",
			    run(bpf_program__fd(fast->progs.xdp_sctp_steer),
				frames, order, n, true),
			    run(bpf_program__fd(limit->progs.xdp_limit), frames,
				order, n, false));
			clear(&m);
			install_chain(&m, &chain, order, n);
			row(n, name, "in kernel",
			    run_chain(
				    bpf_program__fd(fast->progs.xdp_sctp_steer),
				    &chain, order, n, true),
			    run_chain(bpf_program__fd(
					      limit_chain->progs.xdp_limit),
				      &chain, order, n, false));
		}
		free(as);
		free(frames);
		free(order);
	}
	fast_kv_maps_close(&m);
	xdp_steer_bpf__destroy(fast);
	xdp_limit_bpf__destroy(limit);
	xdp_limit_bpf__destroy(limit_chain);
	return 0;
}
