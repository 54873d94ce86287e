/*
 * backend_xsk.c: backend = xdp -- the AF_XDP sockets of xsk_port behind
 * the datapath's operations (datapath.h) and the daemon's (backend.h).
 * Frames are received into the shared UMEM and leave by any interface's
 * TX ring without a copy; the datapath's struct dp_frame carries the
 * index of the xsk_port_frame it stands for (b->xf[slot]).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "backend_impl.h"
#include "log.h"
#include "pcapng.h"
#include "privdrop.h"
#include "xdp_prog.h"

/* SO_BUSY_POLL: how long a syscall may spin in the driver (us). */
#define BUSY_POLL_US		20
#define BUSY_POLL_BUDGET	64

_Static_assert(XSK_PORT_MAX_IFS <= DATAPATH_MAX_IFS, "interface count");

/* Best effort: a kernel or socket without busy polling still works. */
static void set_busy_poll(int fd, const char *ifname)
{
	int us = BUSY_POLL_US, budget = BUSY_POLL_BUDGET, one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one,
		       sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget,
		       sizeof(budget)))
		log_warnx("interface %s: socket busy polling not available "
			  "(%s); sctpalgd still polls its rings without "
			  "sleeping", ifname, strerror(errno));
}

/* What to do when AF_XDP cannot be set up (the error says which step). */
static const char *xsk_port_advice(enum conf_xdp_mode m, int err)
{
	if (err == -ENODEV || err == -ENXIO)
		return "check the interface names in [inside] and [uplink] "
		       "(ip link)";
	if (err == -EPERM || err == -EACCES)
		return "run sctpalgd as root: attaching XDP needs "
		       "CAP_NET_ADMIN, CAP_BPF and CAP_SYS_ADMIN";
	if (err == -EBUSY || err == -EEXIST)
		return "another XDP program holds the interface: see "
		       "xdp-loader status, unload it";
	if (m == CONF_XDP_ZEROCOPY)
		return "the driver may lack zero-copy AF_XDP: set xdp-mode = "
		       "auto or native in [daemon]";
	if (m == CONF_XDP_NATIVE)
		return "the driver may lack native XDP: set xdp-mode = auto "
		       "or generic in [daemon]";
	return "set xdp-mode = generic in [daemon] (works on any driver), "
	       "or backend = packet; check ip link and dmesg";
}

static int xsk_create(struct backend *p, const struct conf *c,
		      const struct fast_map *fm)
{
	static const enum xsk_port_mode modes[] = {
		[CONF_XDP_AUTO] = XSK_PORT_MODE_AUTO,
		[CONF_XDP_ZEROCOPY] = XSK_PORT_MODE_ZEROCOPY,
		[CONF_XDP_NATIVE] = XSK_PORT_MODE_NATIVE,
		[CONF_XDP_GENERIC] = XSK_PORT_MODE_GENERIC,
	};
	char names[XSK_PORT_MAX_IFS][IF_NAMESIZE];
	struct xsk_port_if_config ifs[XSK_PORT_MAX_IFS];
	struct xsk_port_config xc = { .ifs = ifs };
	char err[256] = "";
	int r;

	xc.n_ifs = backend_collect_ifs(c, names, XSK_PORT_MAX_IFS);
	for (unsigned int i = 0; i < xc.n_ifs; i++) {
		memcpy(ifs[i].name, names[i], sizeof(ifs[i].name));
		ifs[i].queues = c->queues;
		/* As the datapath decides (datapath_set_conf()). */
		ifs[i].inbound = false;
		for (int u = 0; u < c->engine.n_uplinks; u++)
			if (!strcmp(names[i], c->engine.uplinks[u].ifname))
				ifs[i].inbound = true;
	}
	if (fm) {
		xc.fast = true;
		xc.fast_entries = *fast_map_entries(fm);
		xc.fast_stats_fd = fast_map_stats_fd(fm);
		xc.fast_stats_slots = fast_map_stats_slots(fm);
	}
	xc.mode = modes[c->xdp_mode];
	xc.err = err;
	xc.err_len = sizeof(err);
	r = xsk_port_create(&xc, &p->x);
	if (r) {
		log_warnx("AF_XDP set-up failed: %s; %s",
			  err[0] ? err : strerror(-r),
			  xsk_port_advice(c->xdp_mode, r));
		return r;
	}
	for (unsigned int i = 0; i < xsk_port_if_count(p->x); i++)
		log_info("interface %s: AF_XDP %s mode",
			 xsk_port_if_name(p->x, i),
			 xsk_port_mode_name(xsk_port_if_mode(p->x, i)));
	if (xsk_port_multibuf(p->x))
		log_info("AF_XDP multi-buffer: an MTU over one UMEM frame; "
			 "frames up to %u bytes are gathered, larger ones "
			 "dropped and counted (xdp_dropped_too_big)",
			 xsk_port_max_frame(p->x));
	if (p->busy_poll)
		for (unsigned int s = 0; s < xsk_port_nsocks(p->x); s++)
			set_busy_poll(xsk_port_fd(p->x, s),
				      xsk_port_if_name(
					      p->x, xsk_port_sock_if(p->x, s)));
	return 0;
}

static void xsk_destroy(struct backend *b)
{
	xsk_port_destroy(b->x);
}

/* ---- the datapath's operations ---- */

/* Frames that are not IP (cannot happen after the XDP program, but the
 * kernel may hand us anything) go straight back to the pool. */
static unsigned int xsk_rx(void *ctx, unsigned int sock, struct dp_frame *f,
			   unsigned int max)
{
	struct backend *b = ctx;
	unsigned int n, m = 0;

	if (max > DATAPATH_RX_BATCH)
		max = DATAPATH_RX_BATCH;
	n = xsk_port_rx_batch(b->x, sock, b->xf, max);
	for (unsigned int i = 0; i < n; i++) {
		struct xsk_port_frame *xf = &b->xf[i];
		uint16_t type;
		int off = xsk_port_l3_offset(xf, &type);

		if (off < 0) {
			xsk_port_frame_release(b->x, xf);
			continue;
		}
		f[m++] = (struct dp_frame){
			.data = xf->data,
			.len = xf->len,
			.cap = xf->cap,
			.l3_off = (uint32_t)off,
			.in_if = xf->in_if,
			.ifindex = xf->ifindex,
			.slot = i,
		};
	}
	return m;
}

static void xsk_release(void *ctx, struct dp_frame *f)
{
	struct backend *b = ctx;

	xsk_port_frame_release(b->x, &b->xf[f->slot]);
}

static int xsk_tx_if(void *ctx, int ifindex)
{
	struct backend *b = ctx;

	return xsk_port_if_lookup(b->x, ifindex);
}

static const uint8_t *xsk_if_mac(void *ctx, unsigned int i)
{
	struct backend *b = ctx;

	return xsk_port_if_mac(b->x, i);
}

static int xsk_set_eth(void *ctx, struct dp_frame *f, uint32_t l3_len,
		       const uint8_t dst[6], const uint8_t src[6])
{
	struct backend *b = ctx;
	struct xsk_port_frame *xf = &b->xf[f->slot];
	int r;

	r = xsk_port_frame_set_eth(xf, f->l3_off, l3_len, dst, src);
	if (r)
		return r;
	f->data = xf->data;
	f->len = xf->len;
	f->l3_off = XSK_PORT_ETH_HLEN;
	return 0;
}

static void xsk_tx(void *ctx, unsigned int out_if, struct dp_frame *f)
{
	struct backend *b = ctx;

	xsk_port_tx_frame(b->x, out_if, &b->xf[f->slot]);
}

static unsigned int xsk_if_count(void *ctx)
{
	struct backend *b = ctx;

	return xsk_port_if_count(b->x);
}

static const char *xsk_if_name(void *ctx, unsigned int i)
{
	struct backend *b = ctx;

	return xsk_port_if_name(b->x, i);
}

/* ---- the daemon's ---- */

static unsigned int xsk_nfds(const struct backend *b)
{
	return xsk_port_nsocks(b->x);
}

static int xsk_fd(const struct backend *b, unsigned int i)
{
	return xsk_port_fd(b->x, i);
}

static const char *xsk_fd_if_name(const struct backend *b, unsigned int i)
{
	return xsk_port_if_name(b->x, xsk_port_sock_if(b->x, i));
}

static void xsk_flush(struct backend *b)
{
	xsk_port_flush(b->x);
}

/* The syscall is what runs the driver's NAPI when SO_PREFER_BUSY_POLL
 * holds its interrupts back. */
static void xsk_busy_kick(struct backend *b, unsigned int i)
{
	recvfrom(xsk_port_fd(b->x, i), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static int xsk_if_ifindex(const struct backend *b, unsigned int i)
{
	return xsk_port_if_ifindex(b->x, i);
}

static void xsk_if_info(struct backend *b, unsigned int i,
			struct ctl_if_info *out)
{
	struct xsk_port *x = b->x;
	struct xsk_port_if_stats st;

	xsk_port_if_stats(x, i, &st);
	snprintf(out->name, sizeof(out->name), "%s", xsk_port_if_name(x, i));
	out->mode = xsk_port_mode_name(xsk_port_if_mode(x, i));
	for (unsigned int s = 0; s < xsk_port_nsocks(x); s++)
		out->queues += xsk_port_sock_if(x, s) == i;
	out->rx_packets = st.rx_packets;
	out->rx_bytes = st.rx_bytes;
	out->tx_packets = st.tx_packets;
	out->tx_bytes = st.tx_bytes;
	out->rx_dropped = st.k_rx_dropped + st.k_rx_ring_full;
	out->tx_dropped = st.tx_dropped;
}

/*
 * AF_XDP's own counters for sctpalgctl stats: what the XDP program did
 * not steer (or dropped as too big) and the multi-buffer path.
 */
static unsigned int xsk_counters(struct backend *p, struct ctl_counter *out,
				 unsigned int max)
{
	static const struct {
		enum xdp_steer_counter c;
		const char *name;
	} steer[] = {
		{ XDP_STEER_PASS_MALFORMED, "xdp_passed_malformed" },
		{ XDP_STEER_PASS_NO_SOCKET, "xdp_passed_no_socket" },
		{ XDP_STEER_PASS_EXT_LIMIT, "xdp_passed_ip6_ext_limit" },
		{ XDP_STEER_DROP_TOO_BIG, "xdp_dropped_too_big" },
		{ XDP_STEER_FAST_SCTP4, "" },
		{ XDP_STEER_FAST_SCTP6, "" },
		{ XDP_STEER_REDIRECT_SCTP4, "" },
		{ XDP_STEER_REDIRECT_SCTP6, "" },
	};
	struct xdp_steer_count cnt[XDP_STEER__COUNT];
	uint64_t sum[sizeof(steer) / sizeof(steer[0])] = { 0 };
	struct xsk_port_stats xs;
	unsigned int n = 0, i, k;

	for (i = 0; i < xsk_port_if_count(p->x); i++) {
		if (xdp_prog_read_counters(xsk_port_if_prog(p->x, i), cnt))
			continue;
		for (k = 0; k < sizeof(steer) / sizeof(steer[0]); k++)
			sum[k] += cnt[steer[k].c].packets;
	}
	xsk_port_stats(p->x, &xs);
	const struct ctl_counter all[] = {
		{ steer[0].name, sum[0] },
		{ steer[1].name, sum[1] },
		{ steer[2].name, sum[2] },
		{ steer[3].name, sum[3] },
		/* Which path SCTP took: forwarded by the XDP program itself,
		 * or handed to AF_XDP and the engine (fragments and ICMP
		 * errors not included). */
		{ "fast_path_packets", sum[4] + sum[5] },
		{ "slow_path_packets", sum[6] + sum[7] },
		{ "xsk_rx_multibuf", xs.rx_multibuf },
		{ "xsk_tx_multibuf", xs.tx_multibuf },
		{ "xsk_rx_too_big", xs.rx_too_big },
		{ "xsk_rx_no_buffer", xs.rx_no_buffer },
	};
	for (i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		out[n++] = all[i];
	return n;
}

/* The XDP detach at exit and neighbour resolution need CAP_NET_ADMIN;
 * libxdp's dispatcher pins, when a user other than root unloads them,
 * CAP_DAC_OVERRIDE (privdrop.h). */
static uint64_t xsk_keep_caps(const struct backend *b, bool not_root)
{
	uint64_t caps = PRIVDROP_CAPS_XDP;

	for (unsigned int i = 0; i < xsk_port_if_count(b->x); i++) {
		const struct xdp_prog *p = xsk_port_if_prog(b->x, i);

		if (p && !xdp_prog_is_legacy(p) && not_root)
			caps |= PRIVDROP_CAPS_XDP_PINS;
	}
	return caps;
}

const struct backend_kind backend_xsk_kind = {
	.dp = {
		.rx = xsk_rx,
		.release = xsk_release,
		.tx_if = xsk_tx_if,
		.if_mac = xsk_if_mac,
		.set_eth = xsk_set_eth,
		.tx = xsk_tx,
		.send_raw = backend_send_raw,
		.if_count = xsk_if_count,
		.if_name = xsk_if_name,
	},
	.create = xsk_create,
	.destroy = xsk_destroy,
	.nfds = xsk_nfds,
	.fd = xsk_fd,
	.fd_if_name = xsk_fd_if_name,
	.flush = xsk_flush,
	.busy_kick = xsk_busy_kick,
	.if_ifindex = xsk_if_ifindex,
	.if_info = xsk_if_info,
	.counters = xsk_counters,
	.keep_caps = xsk_keep_caps,
	.linktype = PCAPNG_LINK_ETHERNET,
};
