/*
 * xsk_forward: a minimal forwarder on top of xsk_port and xdp_prog, for
 * test_xdp_steer.sh.  Whatever the steering program sends to AF_XDP on
 * IF_A leaves by IF_B and the other way round.  Only the Ethernet header
 * is rewritten (destination = the MAC given for the egress interface,
 * source = the egress interface's own MAC, VLAN tags dropped); the IP
 * packet is untouched, TTL included, so the test can tell a packet that
 * went through AF_XDP (TTL unchanged) from one the kernel forwarded.
 *
 * Prints its modes and "ready" once the sockets are up; on SIGTERM or
 * SIGINT prints the steering counters, the port statistics and the frame
 * check, then detaches everything and exits (1 if a frame leaked).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/signalfd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "xdp_prog.h"
#include "xsk_port.h"

#define BATCH 64

static bool verbose;

static void usage(void)
{
	fprintf(stderr, "usage: xsk_forward [-v] [-m auto|zerocopy|native|"
		"generic] IF_A MAC_A IF_B MAC_B\n"
		"  MAC_X: destination MAC of frames leaving by IF_X\n");
	exit(2);
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBBPF_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);	/* says "libbpf: " itself */
}

static int print_libxdp(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBXDP_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);	/* says "libxdp: " itself */
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	char end;

	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &end) != 6)
		return -EINVAL;
	return 0;
}

static void print_setup(const struct xsk_port *x)
{
	const struct xdp_prog *p;
	unsigned int i;
	int zc;

	for (i = 0; i < xsk_port_if_count(x); i++) {
		p = xsk_port_if_prog(x, i);
		zc = xsk_port_if_zc_probe(x, i);
		printf("xsk_forward: %s mode %s xdp %s attach %s "
		       "zc-probe %s\n",
		       xsk_port_if_name(x, i),
		       xsk_port_mode_name(xsk_port_if_mode(x, i)),
		       xdp_prog_is_generic(p) ? "generic" : "native",
		       xdp_prog_is_legacy(p) ? "legacy" : "dispatcher",
		       zc == 1 ? "not-tried" :
		       zc      ? strerror(-zc) :
				 "ok");
		if (xdp_prog_stale_removed(p))
			printf("xsk_forward: %s removed %u stale program(s)\n",
			       xsk_port_if_name(x, i),
			       xdp_prog_stale_removed(p));
	}
}

static void print_counters(const struct xsk_port *x)
{
	struct xdp_steer_count cnt[XDP_STEER__COUNT];
	struct xsk_port_if_stats is;
	struct xsk_port_stats st;
	unsigned int i, c;

	for (i = 0; i < xsk_port_if_count(x); i++) {
		if (xdp_prog_read_counters(xsk_port_if_prog(x, i), cnt))
			printf("xsk_forward: %s counters unreadable\n",
			       xsk_port_if_name(x, i));
		else
			for (c = 0; c < XDP_STEER__COUNT; c++)
				printf("xsk_forward: %s counter %s %llu\n",
				       xsk_port_if_name(x, i),
				       xdp_prog_counter_name(c),
				       (unsigned long long)cnt[c].packets);
		xsk_port_if_stats(x, i, &is);
		printf("xsk_forward: %s rx %llu tx %llu tx-dropped %llu "
		       "kernel-rx-dropped %llu kernel-tx-invalid %llu\n",
		       xsk_port_if_name(x, i),
		       (unsigned long long)is.rx_packets,
		       (unsigned long long)is.tx_packets,
		       (unsigned long long)is.tx_dropped,
		       (unsigned long long)(is.k_rx_dropped +
					    is.k_rx_ring_full),
		       (unsigned long long)is.k_tx_invalid);
	}
	xsk_port_stats(x, &st);
	printf("xsk_forward: frames total %u free %u held %u fill %u tx %u "
	       "errors %llu tx-kicks %llu: %s\n",
	       st.frames_total, st.frames_free, st.frames_held, st.frames_fill,
	       st.frames_tx, (unsigned long long)st.frame_errors,
	       (unsigned long long)st.tx_kicks,
	       xsk_port_check_frames(x) ? "LEAK" : "ok");
}

/* One batch from one socket: rewrite L2, send out of the other side. */
static void forward(struct xsk_port *x, unsigned int sock,
		    const uint8_t peer_mac[2][6])
{
	struct xsk_port_frame f[BATCH];
	unsigned int n, i, out;
	uint16_t type;
	int l3;

	n = xsk_port_rx_batch(x, sock, f, BATCH);
	for (i = 0; i < n; i++) {
		out = f[i].in_if ^ 1;
		l3 = xsk_port_l3_offset(&f[i], &type);
		if (l3 < 0 || xsk_port_frame_set_eth(&f[i], (uint32_t)l3,
						     f[i].len - (uint32_t)l3,
						     peer_mac[out],
						     xsk_port_if_mac(x, out))) {
			xsk_port_frame_release(x, &f[i]);
			continue;
		}
		xsk_port_tx_frame(x, out, &f[i]);
	}
}

int main(int argc, char **argv)
{
	struct xsk_port_if_config ifs[2];
	struct xsk_port_config cfg = { .ifs = ifs, .n_ifs = 2 };
	struct pollfd pfd[XSK_PORT_MAX_SOCKETS + 1];
	uint8_t peer_mac[2][6];
	char err[256] = "";
	struct xsk_port *x;
	unsigned int i, n;
	sigset_t mask;
	bool leak;
	int opt, rc;

	while ((opt = getopt(argc, argv, "m:v")) != -1) {
		switch (opt) {
		case 'm':
			if (xsk_port_mode_parse(optarg, &cfg.mode))
				usage();
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4)
		usage();
	memset(ifs, 0, sizeof(ifs));
	for (i = 0; i < 2; i++) {
		snprintf(ifs[i].name, sizeof(ifs[i].name), "%s",
			 argv[optind + 2 * i]);
		if (parse_mac(argv[optind + 2 * i + 1], peer_mac[i]))
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_libbpf);
	libxdp_set_print(print_libxdp);

	/* Signals arrive through a descriptor, as in the daemon's loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	pfd[0].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	pfd[0].events = POLLIN;
	if (pfd[0].fd < 0) {
		perror("xsk_forward: signalfd");
		return 1;
	}

	cfg.err = err;
	cfg.err_len = sizeof(err);
	rc = xsk_port_create(&cfg, &x);
	if (rc) {
		fprintf(stderr, "xsk_forward: %s\n", err);
		return 1;
	}
	print_setup(x);
	n = xsk_port_nsocks(x);
	for (i = 0; i < n; i++) {
		pfd[i + 1].fd = xsk_port_fd(x, i);
		pfd[i + 1].events = POLLIN;
	}
	printf("xsk_forward: ready\n");

	for (;;) {
		rc = poll(pfd, n + 1, 100);
		if (rc < 0 && errno != EINTR) {
			perror("xsk_forward: poll");
			break;
		}
		if (pfd[0].revents & POLLIN)
			break;
		for (i = 0; rc > 0 && i < n; i++)
			if (pfd[i + 1].revents & POLLIN)
				forward(x, i, (const uint8_t (*)[6])peer_mac);
		xsk_port_flush(x);
	}

	/* Let the last sends complete before counting frames. */
	for (i = 0; i < 100 && xsk_port_flush(x); i++)
		usleep(1000);
	print_counters(x);
	leak = xsk_port_check_frames(x) != 0;
	xsk_port_destroy(x);
	printf("xsk_forward: detached\n");
	return leak ? 1 : 0;
}
