/*
 * backend.c: see backend.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "log.h"
#include "backend.h"
#include "xdp_prog.h"

/* SO_BUSY_POLL: how long a syscall may spin in the driver (us). */
#define BUSY_POLL_US		20
#define BUSY_POLL_BUDGET	64

struct backend {
	struct xsk_port *x;
	struct packet_port *p;
	bool busy_poll;
};

/* Inside interfaces first, then every uplink's, each once. */
static unsigned int collect_ifs(const struct conf *c,
				char names[][IF_NAMESIZE], unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_inside_ifs && n < max; i++)
		snprintf(names[n++], IF_NAMESIZE, "%s", c->inside_ifs[i]);
	for (int u = 0; u < c->engine.n_uplinks && n < max; u++) {
		const char *name = c->engine.uplinks[u].ifname;
		bool dup = false;

		for (unsigned int i = 0; i < n; i++)
			dup |= !strcmp(names[i], name);
		if (!dup)
			snprintf(names[n++], IF_NAMESIZE, "%s", name);
	}
	return n;
}

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

static int create_xdp(const struct conf *c, const struct fast_map *fm,
		      struct backend *p)
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

	xc.n_ifs = collect_ifs(c, names, XSK_PORT_MAX_IFS);
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
		xc.fast_entries_fd = fast_map_entries_fd(fm);
		xc.fast_stats_fd = fast_map_stats_fd(fm);
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

static int create_packet(const struct conf *c, struct backend *p)
{
	char names[PACKET_PORT_MAX_IFS][IF_NAMESIZE];
	const char *ptrs[PACKET_PORT_MAX_IFS];
	struct packet_port_config pc = { .ifnames = ptrs };
	char err[256] = "";
	int r;

	pc.n_ifs = collect_ifs(c, names, PACKET_PORT_MAX_IFS);
	for (unsigned int i = 0; i < pc.n_ifs; i++)
		ptrs[i] = names[i];
	pc.err = err;
	pc.err_len = sizeof(err);
	r = packet_port_create(&pc, &p->p);
	if (r) {
		log_warnx("packet backend set-up failed: %s; check the "
			  "interface names in [inside] and [uplink] (ip link) "
			  "and run sctpalgd as root (AF_PACKET needs "
			  "CAP_NET_RAW)", err[0] ? err : strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < packet_port_if_count(p->p); i++)
		log_info("interface %s: packet backend (AF_PACKET in, raw "
			 "sockets out)",
			 packet_port_if_name(p->p, i));
	log_notice("backend = packet: the kernel also sees every SCTP "
		   "packet; drop SCTP in netfilter prerouting (see "
		   "sctpalgd.conf(5), backend) or it forwards untranslated "
		   "copies");
	return 0;
}

int backend_create(const struct conf *c, const struct fast_map *fm,
		   struct backend **out)
{
	struct backend *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->busy_poll = c->busy_poll;
	r = c->backend == CONF_BACKEND_PACKET ? create_packet(c, p) :
	    create_xdp(c, fm, p);
	if (r) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void backend_destroy(struct backend *p)
{
	if (!p)
		return;
	xsk_port_destroy(p->x);
	packet_port_destroy(p->p);
	free(p);
}

struct xsk_port *backend_xsk_port(const struct backend *p)
{
	return p->x;
}

struct packet_port *backend_packet_port(const struct backend *p)
{
	return p->p;
}

unsigned int backend_nfds(const struct backend *p)
{
	return p->x ? xsk_port_nsocks(p->x) : packet_port_if_count(p->p);
}

int backend_fd(const struct backend *p, unsigned int i)
{
	return p->x ? xsk_port_fd(p->x, i) : packet_port_fd(p->p, i);
}

void backend_rx(struct backend *p, struct datapath *d, unsigned int i,
		uint64_t now_ns)
{
	if (p->x)
		datapath_rx(d, i, now_ns);
	else
		datapath_rx_packet(d, i, now_ns);
}

void backend_clear_error(struct backend *p, unsigned int i)
{
	const char *name =
		p->x ? xsk_port_if_name(p->x, xsk_port_sock_if(p->x, i)) :
		       packet_port_if_name(p->p, i);
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(backend_fd(p, i), SOL_SOCKET, SO_ERROR, &err, &len) ||
	    !err)
		return;
	if (err == ENETDOWN)
		log_info("interface %s: link down; its socket resumes when "
			 "the link is back", name);
	else
		log_warnx("interface %s: socket error: %s", name,
			  strerror(err));
}

void backend_flush(struct backend *p)
{
	if (p->x)
		xsk_port_flush(p->x);
}

void backend_busy_poll(struct backend *p, struct datapath *d, uint64_t now_ns)
{
	for (unsigned int i = 0; i < backend_nfds(p); i++) {
		/* The syscall is what runs the driver's NAPI when
		 * SO_PREFER_BUSY_POLL holds its interrupts back. */
		if (p->x)
			recvfrom(xsk_port_fd(p->x, i), NULL, 0, MSG_DONTWAIT,
				 NULL, NULL);
		backend_rx(p, d, i, now_ns);
	}
}

static void xdp_if_info(struct xsk_port *x, unsigned int i,
			struct ctl_if_info *out)
{
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

/* TX happens on the datapath's raw sockets, counted there. */
static void packet_if_info(struct packet_port *pp, unsigned int i,
			   struct ctl_if_info *out)
{
	struct packet_port_if_stats st;

	packet_port_if_stats(pp, i, &st);
	snprintf(out->name, sizeof(out->name), "%s",
		 packet_port_if_name(pp, i));
	out->mode = "packet";
	out->queues = 1;		/* one ring for every queue */
	out->rx_packets = st.rx_packets;
	out->rx_bytes = st.rx_bytes;
	out->rx_dropped = st.k_dropped + st.truncated;
}

unsigned int backend_if_info(struct backend *p, struct ctl_if_info *ifs,
			     unsigned int max)
{
	unsigned int n = p->x ? xsk_port_if_count(p->x) :
				packet_port_if_count(p->p);

	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++) {
		memset(&ifs[i], 0, sizeof(ifs[i]));
		ifs[i].up = true;
		if (p->x)
			xdp_if_info(p->x, i, &ifs[i]);
		else
			packet_if_info(p->p, i, &ifs[i]);
	}
	return n;
}

/*
 * The backend's own counters for sctpalgctl stats: what the XDP program did
 * not steer (or dropped as too big) and the multi-buffer path.
 */
unsigned int backend_counters(struct backend *p, struct ctl_counter *out,
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

	if (!p->x)
		return 0;
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
