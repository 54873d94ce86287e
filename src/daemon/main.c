/*
 * main.c: sctpalgd -- set-up, the event loop, reload and clean exit.
 *
 * Everything runs on one io_uring loop (loop.c): the AF_XDP sockets, a
 * one-second tick for the engine's timers, signals through a signalfd
 * (SIGHUP reloads, SIGTERM / SIGINT exit), the kernel's netlink
 * notifications (kroute) and the control socket.  Exit detaches every XDP
 * program (xport_destroy) so the kernel handles SCTP again.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "assoc_log.h"
#include "conf.h"
#include "ctl.h"
#include "daemonize.h"
#include "datapath.h"
#include "drop_log.h"
#include "engine.h"
#include "kroute.h"
#include "log.h"
#include "loop.h"
#include "pidfile.h"
#include "privdrop.h"
#include "xport.h"

#define DEFAULT_CONF	"/etc/sctpalg/sctpalgd.conf"

struct sctpalgd;

/* What a socket's readiness callback needs. */
struct rx_arg {
	struct sctpalgd *d;
	unsigned int sock;
};

struct sctpalgd {
	const char *conf_path;
	struct conf conf;
	struct loop *loop;
	struct engine *engine;
	struct xport *xport;
	struct kroute *kroute;
	struct datapath *dp;
	struct ctl_server *ctl;
	struct pidfile *pidfile;
	struct rx_arg socks[XPORT_MAX_SOCKETS];
	int exit_code;
	struct assoc_log *alog;	/* one line per association up / down */
	struct drop_log *dlog;	/* warnings when a limit drops packets */
};

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr, "usage: sctpalgd [-dfhtv] [-c file]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_rx(void *arg, int res)
{
	struct rx_arg *ra = arg;

	if (res < 0)
		return;
	datapath_rx(ra->d->dp, ra->sock, now_ns());
}

static void on_flush(void *arg)
{
	struct sctpalgd *d = arg;

	xport_flush(d->xport);
}

static void on_tick(void *arg, int res)
{
	struct sctpalgd *d = arg;

	(void)res;
	engine_tick(d->engine, now_ns());
	assoc_log_tick(d->alog, now_ns());
	drop_log_tick(d->dlog, engine_stats(d->engine), &d->conf.engine,
		      now_ns());
	xport_flush(d->xport);
}

static void on_netlink(void *arg, int res)
{
	struct sctpalgd *d = arg;

	(void)res;
	kroute_process(d->kroute);
}

/* Link state of an uplink's interface moves its pinned peer addresses. */
static void on_link(void *arg, int ifindex, const char *name, bool up)
{
	struct sctpalgd *d = arg;
	const struct engine_config *e = &d->conf.engine;

	(void)ifindex;
	for (int u = 0; u < e->n_uplinks; u++) {
		if (strcmp(e->uplinks[u].ifname, name))
			continue;
		engine_set_uplink_up(d->engine, (unsigned int)u, up);
		log_notice("uplink %s (%s) is %s%s", e->uplinks[u].name, name,
			   up ? "up" : "down",
			   up ? "" : ": its paths move to the other uplinks");
	}
}

static int reload(void *arg, char *why, size_t why_len)
{
	struct sctpalgd *d = arg;
	struct conf_error err;
	static struct conf next;
	int r;

	r = conf_load_file(&next, d->conf_path, &err);
	if (r) {
		conf_error_str(&err, why, why_len);
		log_warnx("reload rejected, old configuration kept: %s; fix "
			  "the file (sctpalgd -t -c checks it) and send SIGHUP "
			  "again", why);
		return r;
	}
	r = engine_reconfigure(d->engine, &next.engine, now_ns());
	if (r) {
		snprintf(why, why_len, "%s: %s", d->conf_path, r == -EBUSY ?
			 "associations or max-addresses changed: restart "
			 "sctpalgd to apply them" : "rejected by the engine");
		log_warnx("reload rejected, old configuration kept: %s", why);
		return r;
	}
	d->conf = next;
	datapath_set_conf(d->dp, &d->conf);
	log_setlevel(d->conf.log_level);
	log_info("configuration reloaded from %s", d->conf_path);
	return 0;
}

static void on_signal(void *arg, int sig)
{
	struct sctpalgd *d = arg;
	char why[512];

	if (sig == SIGHUP) {
		reload(d, why, sizeof(why));
		return;
	}
	log_info("signal %d: exiting", sig);
	loop_stop(d->loop);
}

static struct engine *ctl_engine(void *arg)
{
	return ((struct sctpalgd *)arg)->engine;
}

static unsigned int ctl_ifs(void *arg, struct ctl_if_info *ifs,
			    unsigned int max)
{
	struct sctpalgd *d = arg;
	unsigned int n = xport_if_count(d->xport);

	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++) {
		struct xport_if_stats st;

		xport_if_stats(d->xport, i, &st);
		memset(&ifs[i], 0, sizeof(ifs[i]));
		snprintf(ifs[i].name, sizeof(ifs[i].name), "%s",
			 xport_if_name(d->xport, i));
		ifs[i].mode = xport_mode_name(xport_if_mode(d->xport, i));
		ifs[i].up = true;
		ifs[i].rx_packets = st.rx_packets;
		ifs[i].rx_bytes = st.rx_bytes;
		ifs[i].tx_packets = st.tx_packets;
		ifs[i].tx_bytes = st.tx_bytes;
		ifs[i].rx_dropped = st.k_rx_dropped + st.k_rx_ring_full;
		ifs[i].tx_dropped = st.tx_dropped;
	}
	return n;
}

static const char *ctl_uplink(void *arg, unsigned int u)
{
	struct sctpalgd *d = arg;

	return u < d->conf.engine.n_uplinks ?
	       d->conf.engine.uplinks[u].name : NULL;
}

/* What to do when AF_XDP cannot be set up (the error says which step). */
static const char *xport_advice(enum conf_xdp_mode m, int err)
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
	       "and check ip link and dmesg";
}

static int setup_xport(struct sctpalgd *d)
{
	static const enum xport_mode modes[] = {
		[CONF_XDP_AUTO] = XPORT_MODE_AUTO,
		[CONF_XDP_ZEROCOPY] = XPORT_MODE_ZEROCOPY,
		[CONF_XDP_NATIVE] = XPORT_MODE_NATIVE,
		[CONF_XDP_GENERIC] = XPORT_MODE_GENERIC,
	};
	struct xport_if_config ifs[XPORT_MAX_IFS];
	struct xport_config xc = { .ifs = ifs };
	const struct conf *c = &d->conf;
	char err[256] = "";
	int r;

	for (unsigned int i = 0; i < c->n_inside_ifs; i++) {
		snprintf(ifs[xc.n_ifs].name, IF_NAMESIZE, "%s",
			 c->inside_ifs[i]);
		ifs[xc.n_ifs++].queues = c->queues;
	}
	for (int u = 0; u < c->engine.n_uplinks; u++) {
		bool dup = false;

		for (unsigned int i = 0; i < xc.n_ifs; i++)
			dup |= !strcmp(ifs[i].name,
				       c->engine.uplinks[u].ifname);
		if (dup || xc.n_ifs >= XPORT_MAX_IFS)
			continue;
		snprintf(ifs[xc.n_ifs].name, IF_NAMESIZE, "%s",
			 c->engine.uplinks[u].ifname);
		ifs[xc.n_ifs++].queues = c->queues;
	}
	xc.mode = modes[c->xdp_mode];
	xc.err = err;
	xc.err_len = sizeof(err);
	r = xport_create(&xc, &d->xport);
	if (r) {
		log_warnx("AF_XDP set-up failed: %s; %s", err[0] ? err :
			  strerror(-r), xport_advice(c->xdp_mode, r));
		return r;
	}
	for (unsigned int i = 0; i < xport_if_count(d->xport); i++)
		log_info("interface %s: AF_XDP %s mode",
			 xport_if_name(d->xport, i),
			 xport_mode_name(xport_if_mode(d->xport, i)));
	return 0;
}

static void startup_summary(const struct conf *c)
{
	const struct engine_config *e = &c->engine;
	char a[NAT_ADDR_STRLEN];

	for (int u = 0; u < e->n_uplinks; u++)
		log_info("uplink %s on %s: %s%s", e->uplinks[u].name,
			 e->uplinks[u].ifname,
			 nat_addr_str(&e->uplinks[u].public_addrs[0], a,
				      sizeof(a)),
			 e->uplinks[u].n_public > 1 ? " and more" : "");
	log_info("multihome %s, ports %u-%u, up to %u associations "
		 "(%u per host)", e->multihome == MULTIHOME_UPLINKS ?
		 "uplinks" : "off", e->port_min, e->port_max, e->max_assocs,
		 e->max_assocs_per_host);
}

static int run(struct sctpalgd *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct kroute_ops kops = { .arg = d, .link_changed = on_link };
	struct ctl_ops cops = {
		.arg = d, .engine = ctl_engine, .interfaces = ctl_ifs,
		.uplink_name = ctl_uplink, .reload = reload,
	};
	struct ctl_server_config ccfg = {
		.path = d->conf.control_socket, .uid = (uid_t)-1,
		.gid = (gid_t)-1,
	};
	struct group *gr = getgrnam(d->conf.control_group);
	uint64_t seed = 0;
	int r;

	if (gr)
		ccfg.gid = gr->gr_gid;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = now_ns();
	if ((r = loop_create(256, &d->loop)) ||
	    (r = loop_add_signals(d->loop, sigs, 3, on_signal, d)) < 0)
		return log_warnx("event loop: %s; sctpalgd needs io_uring "
				 "(Linux 6.0 or later, kernel.io_uring_disabled "
				 "= 0)", strerror(-r)), r;
	if ((r = engine_create(&d->conf.engine, seed, &d->engine)))
		return log_warnx("engine: %s; if memory is short, lower "
				 "associations in [limits]", strerror(-r)), r;
	if ((r = assoc_log_create(&d->conf.engine, &d->alog)) ||
	    (r = drop_log_create(&d->dlog)))
		return log_warnx("engine log: %s", strerror(-r)), r;
	engine_set_event_cb(d->engine, assoc_log_event, d->alog);
	if ((r = kroute_create(&kops, &d->kroute)))
		return log_warnx("netlink: cannot follow routes and "
				 "neighbours: %s; run sctpalgd as root",
				 strerror(-r)), r;
	if ((r = setup_xport(d)))
		return r;
	if ((r = datapath_create(d->engine, d->xport, d->kroute, &d->conf,
				 &d->dp)))
		return log_warnx("raw sockets: %s; sctpalgd needs CAP_NET_RAW "
				 "(run it as root)", strerror(-r)), r;
	for (unsigned int i = 0; i < xport_nsocks(d->xport); i++) {
		d->socks[i] = (struct rx_arg){ .d = d, .sock = i };
		r = loop_add_fd(d->loop, xport_fd(d->xport, i), POLLIN, 0,
				on_rx, &d->socks[i]);
		if (r < 0)
			return log_warnx("event loop: cannot watch the AF_XDP "
					 "sockets: %s; lower queues in [daemon]",
					 strerror(-r)), r;
	}
	loop_set_flush(d->loop, on_flush, d);
	if ((r = loop_add_timer(d->loop, 1000000000ull, on_tick, d)) < 0 ||
	    (r = loop_add_fd(d->loop, kroute_fd(d->kroute), POLLIN, 0,
			     on_netlink, d)) < 0)
		return log_warnx("event loop: cannot add the timer or the "
				 "netlink socket: %s", strerror(-r)), r;
	/* Uplinks already down at start. */
	for (int u = 0; u < d->conf.engine.n_uplinks; u++) {
		struct kroute_link kl;
		int ifi = kroute_ifindex(d->kroute,
					 d->conf.engine.uplinks[u].ifname);

		if (ifi > 0 && !kroute_link(d->kroute, ifi, &kl) && !kl.up)
			engine_set_uplink_up(d->engine, (unsigned int)u, false);
	}
	mkdir("/run/sctpalg", 0755);
	if ((r = ctl_server_create(&ccfg, &cops, d->loop, &d->ctl)))
		return log_warnx("control socket %s: %s; check "
				 "control-socket in [daemon] and that no other "
				 "sctpalgd uses it", d->conf.control_socket,
				 strerror(-r)), r;
	if (d->conf.user[0]) {
		struct privdrop_config pc = {
			.user = d->conf.user, .keep_caps = PRIVDROP_CAPS_XDP,
		};
		const char *why;

		if ((r = privdrop_apply(&pc, &why)))
			return log_warnx("dropping privileges: %s; check "
					 "user in [daemon]", why), r;
	}
	startup_summary(&d->conf);
	log_info("sctpalgd running");
	return 0;
}

static void teardown(struct sctpalgd *d)
{
	ctl_server_destroy(d->ctl);
	datapath_destroy(d->dp);
	xport_destroy(d->xport);	/* detaches the XDP programs */
	kroute_destroy(d->kroute);
	loop_destroy(d->loop);
	engine_destroy(d->engine);
	assoc_log_destroy(d->alog);
	drop_log_destroy(d->dlog);
	pidfile_destroy(d->pidfile);
}

int main(int argc, char **argv)
{
	static struct sctpalgd d = { .conf_path = DEFAULT_CONF };
	bool foreground = false, test = false, verbose = false, debug = false;
	struct conf_error err;
	char buf[512];
	int ch, ready = -1, r;
	pid_t holder;

	while ((ch = getopt(argc, argv, "c:dfhtv")) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (conf_load_file(&d.conf, d.conf_path, &err)) {
		fprintf(stderr, "%s\n", conf_error_str(&err, buf, sizeof(buf)));
		return 1;
	}
	if (test) {
		if (verbose)
			conf_print(&d.conf, stdout);
		else
			fprintf(stderr, "configuration OK\n");
		return 0;
	}
	log_init("sctpalgd", true, LOG_DAEMON);
	log_setlevel(debug ? LOG_DEBUG : d.conf.log_level);
	log_route_bpf_libs();
	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemonize_start(&ready))
		fatal("daemonize");
	mkdir("/run/sctpalg", 0755);
	r = pidfile_create(d.conf.pidfile, &d.pidfile, &holder);
	if (r == -EEXIST)
		fatalx("already running (pid %d, %s)", (int)holder,
		       d.conf.pidfile);
	if (r)
		log_warnx("pidfile %s: %s; running without one: check "
			  "pidfile in [daemon] and that its directory is "
			  "writable", d.conf.pidfile, strerror(-r));
	if (run(&d)) {
		teardown(&d);
		return 1;
	}
	if (!foreground) {
		log_init("sctpalgd", false, LOG_DAEMON);
		daemonize_ready(ready);
	}
	loop_run(d.loop);
	teardown(&d);
	log_info("sctpalgd stopped, XDP programs detached");
	return d.exit_code;
}
