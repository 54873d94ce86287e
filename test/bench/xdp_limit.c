/*
 * xdp_limit: loads the benchmark's stateless XDP NAT
 * (test/bench/xdp_limit.bpf.c) on the inside interface in native mode,
 * with its one rule, and keeps it there until SIGTERM or SIGINT, then
 * detaches it.
 *
 *   xdp_limit --ifname IF --out IF --inside A.B.C.D/LEN --public A.B.C.D
 *             --dmac MAC
 *   xdp_limit --ifname IF --sink A.B.C.D
 *
 * --dmac is the next hop's MAC on the --out interface (here: the
 * server's end of the veth); the source MAC is --out's own.  Redirected
 * frames leave a veth only when its peer has an XDP program or GRO on
 * (README, Performance).  Prints "ATTACHED ..." once the program runs.
 * Attached with libbpf directly, not through libxdp's dispatcher as
 * sctpalgd's program is: the yardstick must not pay for the dispatcher's
 * extra program call.
 *
 * --sink: the benchmark's sink instead, on the server's end: counts and
 * drops DATA from A.B.C.D; "ATTACHED ... map_id=N" names the per-CPU
 * counter (bpftool map dump id N).  SIGUSR1 makes it pass the packets
 * it counts (for a capture), SIGUSR2 drop them again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* bpftool's generated skeleton casts const away. */
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdp_limit.skel.h"

static int mac_of(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("xdp_limit: SIOCGIFHWADDR");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: xdp_limit --ifname IF --out IF "
			"--inside A.B.C.D/LEN --public A.B.C.D --dmac MAC\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "inside", required_argument, NULL, 'n' },
		{ "public", required_argument, NULL, 'p' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "sink", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *out = NULL, *net = NULL, *pub = NULL;
	const char *sink = NULL;
	struct in_addr a_sink = { 0 };
	struct bpf_program *prog;
	uint8_t dmac[6], smac[6];
	struct in_addr a_net, a_pub;
	struct xdp_limit_bpf *skel;
	unsigned int in_idx, out_idx;
	int c, len = -1, err, i;
	bool have_mac = false;
	char buf[32], *slash;
	sigset_t sigs;
	int sig;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			net = optarg;
			break;
		case 'p':
			pub = optarg;
			break;
		case 's':
			sink = optarg;
			break;
		case 'm':
			have_mac = sscanf(optarg,
					  "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
					  &dmac[0], &dmac[1], &dmac[2],
					  &dmac[3], &dmac[4], &dmac[5]) == 6;
			break;
		default:
			usage();
		}
	}
	if (sink) {
		if (!in || inet_pton(AF_INET, sink, &a_sink) != 1)
			usage();
		/* The limit's rule is unused: any valid values. */
		out = in;
		net = "0.0.0.0/32";
		pub = sink;
		memset(dmac, 0, sizeof(dmac));
	} else if (!in || !out || !net || !pub || !have_mac) {
		usage();
	}
	snprintf(buf, sizeof(buf), "%s", net);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		len = atoi(slash + 1);
	}
	if (len < 0 || len > 32 || inet_pton(AF_INET, buf, &a_net) != 1 ||
	    inet_pton(AF_INET, pub, &a_pub) != 1)
		usage();
	in_idx = if_nametoindex(in);
	out_idx = if_nametoindex(out);
	if (!in_idx || !out_idx || mac_of(out, smac)) {
		fprintf(stderr, "xdp_limit: no interface %s or %s\n", in, out);
		return 1;
	}

	skel = xdp_limit_bpf__open();
	if (!skel) {
		fprintf(stderr, "xdp_limit: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->cfg_inside_mask = len ? htonl(~0u << (32 - len)) : 0;
	skel->rodata->cfg_inside_net = a_net.s_addr &
				       skel->rodata->cfg_inside_mask;
	skel->rodata->cfg_public = a_pub.s_addr;
	skel->rodata->cfg_ifindex = out_idx;
	skel->rodata->cfg_sink_src = a_sink.s_addr;
	for (i = 0; i < 6; i++) {
		skel->rodata->cfg_dmac[i] = dmac[i];
		skel->rodata->cfg_smac[i] = smac[i];
	}
	prog = sink ? skel->progs.xdp_sink : skel->progs.xdp_limit;
	err = xdp_limit_bpf__load(skel);
	if (!err)
		err = bpf_xdp_attach((int)in_idx, bpf_program__fd(prog),
				     XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "xdp_limit: load/attach on %s: %s\n", in,
			strerror(-err));
		xdp_limit_bpf__destroy(skel);
		return 1;
	}
	/* Blocked before anyone knows we run: sigwait() takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (sink) {
		struct bpf_map_info info = { 0 };
		__u32 ilen = sizeof(info);

		bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.sink_count),
				       &info, &ilen);
		printf("ATTACHED %s native, sink for DATA from %s map_id=%u\n",
		       in, sink, info.id);
	} else {
		printf("ATTACHED %s native, SCTP from %s -> source %s, "
		       "redirect to %s\n",
		       in, net, pub, out);
	}
	fflush(stdout);
	for (;;) {
		sigwait(&sigs, &sig);
		if (sig == SIGUSR1 || sig == SIGUSR2) {
			skel->bss->sink_pass = sig == SIGUSR1;
			printf("PASS %d\n", sig == SIGUSR1);
			fflush(stdout);
			continue;
		}
		break;
	}
	err = bpf_xdp_detach((int)in_idx, XDP_FLAGS_DRV_MODE, NULL);
	xdp_limit_bpf__destroy(skel);
	return err ? 1 : 0;
}
