/*
 * main.c: sctpalgd -- set-up, the event loop, reload and clean exit.
 *
 * Everything runs on one io_uring loop (loop.c): the ports (AF_XDP
 * sockets, or AF_PACKET rings with backend = packet; backend.c), a
 * one-second tick for the engine's timers, signals through a signalfd
 * (SIGHUP reloads, SIGTERM / SIGINT exit), the kernel's netlink
 * notifications (kroute) and the control socket.  Exit detaches every XDP
 * program (backend_destroy) so the kernel handles SCTP again.
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
#include "capture.h"
#include "conf.h"
#include "ctl_server.h"
#include "daemonize.h"
#include "datapath.h"
#include "drop_log.h"
#include "engine.h"
#include "engine_fast.h"
#include "fast_map.h"
#include "forward_link.h"
#include "kroute.h"
#include "log.h"
#include "loop.h"
#include "mon_event.h"
#include "pcapng.h"
#include "mon_watch.h"
#include "pidfile.h"
#include "backend.h"
#include "privdrop.h"
#include "state_file.h"
#include "time_ns.h"

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
	struct backend *backend;
	struct kroute *kroute;
	struct forward_link *flink;
	struct datapath *dp;
	struct fast_map *fast;	/* fast-path = xdp; NULL: off */
	struct ctl_server *ctl;
	struct pidfile *pidfile;
	struct state_file *state;
	uint64_t last_save_ns;	/* of the state file (state-interval) */
	struct rx_arg socks[BACKEND_MAX_FDS];
	int exit_code;
	struct assoc_log *alog;	/* one line per association up / down */
	struct drop_log *dlog;	/* warnings when a limit drops packets */
	/* sctpalgctl monitor: the drop counts its last lines covered */
	uint64_t mon_drops[DROP__COUNT];
	struct mon_watch *mwatch;	/* and the address sets it saw */
	unsigned int mon_assoc_drops;	/* assoc_drops lines this tick */
	struct capture *cap;	/* sctpalgctl capture sessions */
};

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr, "usage: sctpalgd [-dfhtv] [-c file]\n");
	exit(2);
}

static void on_rx(void *arg, int res)
{
	struct rx_arg *ra = arg;

	if (res < 0)
		return;
	if (res & POLLERR)
		backend_clear_error(ra->d->backend, ra->sock);
	datapath_rx(ra->d->dp, ra->sock, mono_ns());
	/* Associations the batch changed get their fast-path entries. */
	if (ra->d->fast)
		fast_map_sync(ra->d->fast, mono_ns());
}

static void mon_addrs_tick(struct sctpalgd *d);

static void on_flush(void *arg)
{
	struct sctpalgd *d = arg;

	backend_flush(d->backend);
	/*
	 * A monitor just subscribed: take the reference pass now, not at
	 * the next tick, or drops between the two would count as old
	 * (mon_watch_see) and never be reported.
	 */
	if (d->mwatch && !mon_watch_primed(d->mwatch) &&
	    ctl_server_monitors(d->ctl))
		mon_addrs_tick(d);
	/* A capture must see every packet: none may bypass the daemon. */
	if (d->fast)
		fast_map_pause(d->fast, d->cap && capture_live(d->cap),
			       mono_ns());
}

/* busy-poll = yes: every turn of the loop, without sleeping. */
static void on_busy_poll(void *arg)
{
	struct sctpalgd *d = arg;

	backend_busy_poll(d->backend, d->dp, mono_ns());
	if (d->fast)
		fast_map_sync(d->fast, mono_ns());
}

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The engine's association events: a log line, and a line to every
 * "sctpalgctl monitor" (formatted only when one listens; no allocation,
 * the engine calls this on the packet path).
 */
static void on_assoc_event(void *arg, const struct engine_event *ev)
{
	struct sctpalgd *d = arg;
	char line[MON_LINE_MAX];
	size_t n;

	assoc_log_event(d->alog, ev);
	if (!ctl_server_monitors(d->ctl))
		return;
	n = mon_event_format(ev, &d->conf.engine, unix_ms(), line,
			     sizeof(line));
	ctl_server_publish(d->ctl, line, n);
}

/*
 * Once a tick: the drops of the last second by reason, one monitor line
 * per reason that grew, never one per packet.
 */
static void mon_drops_tick(struct sctpalgd *d)
{
	const struct engine_stats *st = engine_stats(d->engine);
	bool listen = ctl_server_monitors(d->ctl) > 0;
	char line[512];
	size_t n;

	for (int r = 0; r < DROP__COUNT; r++) {
		uint64_t delta = st->drops[r] - d->mon_drops[r];

		if (st->drops[r] < d->mon_drops[r]) /* a new engine */
			delta = 0;
		d->mon_drops[r] = st->drops[r];
		if (!listen || !delta)
			continue;
		n = mon_drops_format(drop_reason_name((enum drop_reason)r),
				     delta, 1, unix_ms(), line, sizeof(line));
		ctl_server_publish(d->ctl, line, n);
	}
}

static void on_addrs_changed(void *arg, const struct engine_assoc_view *v,
			     unsigned int peers_were, unsigned int inside_were)
{
	struct sctpalgd *d = arg;
	char line[MON_LINE_MAX];
	size_t n;

	n = mon_addrs_format(v, peers_were, inside_were, &d->conf.engine,
			     unix_ms(), line, sizeof(line));
	ctl_server_publish(d->ctl, line, n);
}

/*
 * An association's drops of the last second.  At most
 * MON_ASSOC_DROPS_MAX associations a tick get a line, so a flood that
 * touches thousands of them stays a few lines a second; the per-reason
 * lines (mon_drops_tick) still count every drop.
 */
#define MON_ASSOC_DROPS_MAX 16

static void on_assoc_drops(void *arg, const struct engine_assoc_view *v,
			   const uint32_t delta[ENGINE_ADC__COUNT])
{
	struct sctpalgd *d = arg;
	char line[MON_LINE_MAX];
	size_t n;

	if (d->mon_assoc_drops >= MON_ASSOC_DROPS_MAX)
		return;
	d->mon_assoc_drops++;
	n = mon_assoc_drops_format(v, delta, 1, &d->conf.engine, unix_ms(),
				   line, sizeof(line));
	ctl_server_publish(d->ctl, line, n);
}

static int mon_watch_one(const struct engine_assoc_view *v, void *arg)
{
	struct sctpalgd *d = arg;

	mon_watch_see(d->mwatch, v, on_addrs_changed, d);
	return 0;
}

/*
 * Once a tick, while a monitor listens: associations whose addresses
 * an ASCONF changed (mon_watch.h); nothing kept when none listens.
 */
static void mon_addrs_tick(struct sctpalgd *d)
{
	if (!d->mwatch)
		return;
	if (!ctl_server_monitors(d->ctl)) {
		mon_watch_reset(d->mwatch);
		return;
	}
	if (mon_watch_begin(d->mwatch) < 0)
		return;
	d->mon_assoc_drops = 0;
	engine_foreach_assoc(d->engine, mon_watch_one, d);
	mon_watch_end(d->mwatch);
}

static void on_tick(void *arg, int res)
{
	struct sctpalgd *d = arg;

	uint64_t now = mono_ns();

	(void)res;
	/* Folds what the fast path saw of any association due to expire. */
	engine_tick(d->engine, now);
	if (d->fast)
		fast_map_tick(d->fast, now);
	datapath_tick(d->dp, now);
	forward_link_check(d->flink, &d->conf.engine);
	assoc_log_tick(d->alog, now);
	drop_log_tick(d->dlog, engine_stats(d->engine), &d->conf.engine,
		      now);
	mon_drops_tick(d);
	mon_addrs_tick(d);
	/* state-interval: a killed daemon restarts from this save. */
	if (d->state && d->conf.state_interval &&
	    now - d->last_save_ns >= d->conf.state_interval * NSEC_PER_SEC) {
		if (d->fast)
			fast_map_fold_all(d->fast);
		state_file_checkpoint(d->state, d->engine, now);
		d->last_save_ns = now;
	}
	backend_flush(d->backend);
}

static void on_xdp_features(void *arg, int res)
{
	struct sctpalgd *d = arg;

	(void)res;
	fast_map_features_changed(d->fast, mono_ns());
}

static void on_netlink(void *arg, int res)
{
	struct sctpalgd *d = arg;

	(void)res;
	kroute_process(d->kroute);
	forward_link_netlink(d->flink, &d->conf.engine);
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

/* Interfaces the ports serve: inside ones and every uplink's. */
static bool same_interfaces(const struct conf *a, const struct conf *b)
{
	if (a->n_inside_ifs != b->n_inside_ifs ||
	    a->engine.n_uplinks != b->engine.n_uplinks)
		return false;
	for (unsigned int i = 0; i < a->n_inside_ifs; i++)
		if (strcmp(a->inside_ifs[i], b->inside_ifs[i]))
			return false;
	for (int u = 0; u < a->engine.n_uplinks; u++)
		if (strcmp(a->engine.uplinks[u].ifname,
			   b->engine.uplinks[u].ifname))
			return false;
	return true;
}

/*
 * [daemon] settings and interfaces are set up once; a reload applies the
 * rest and names those of these that changed: they wait for a restart.
 */
static void warn_restart_needed(const struct conf *old,
				const struct conf *next)
{
	char keys[256] = "";
	size_t n = 0;

#define CHANGED(cond, name)						\
	do {								\
		if ((cond) && n < sizeof(keys))				\
			n += (size_t)snprintf(keys + n, sizeof(keys) - n, \
					      "%s%s", n ? ", " : "", name); \
	} while (0)
	CHANGED(old->backend != next->backend, "backend");
	CHANGED(old->xdp_mode != next->xdp_mode, "xdp-mode");
	CHANGED(old->queues != next->queues, "queues");
	CHANGED(old->busy_poll != next->busy_poll, "busy-poll");
	CHANGED(old->fast_path != next->fast_path, "fast-path");
	CHANGED(strcmp(old->control_socket, next->control_socket),
		"control-socket");
	CHANGED(strcmp(old->control_group, next->control_group),
		"control-group");
	CHANGED(strcmp(old->user, next->user), "user");
	CHANGED(strcmp(old->pidfile, next->pidfile), "pidfile");
	CHANGED(strcmp(old->state_file, next->state_file), "state-file");
	CHANGED(!same_interfaces(old, next), "interfaces");
#undef CHANGED
	if (n)
		log_warnx("reload: %s changed; these take effect only at "
			  "start: restart sctpalgd to apply them (a state-file "
			  "keeps the associations across it)", keys);
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
	r = engine_reconfigure(d->engine, &next.engine, mono_ns());
	if (r) {
		snprintf(why, why_len, "%s: %s", d->conf_path, r == -EBUSY ?
			 "associations or max-addresses changed: restart "
			 "sctpalgd to apply them" : "rejected by the engine");
		log_warnx("reload rejected, old configuration kept: %s", why);
		return r;
	}
	warn_restart_needed(&d->conf, &next);
	d->conf = next;
	forward_link_check(d->flink, &d->conf.engine);
	datapath_set_conf(d->dp, &d->conf);
	if (d->fast)
		fast_map_set_conf(d->fast, &d->conf);
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

/* Every path's counters and idle time include what the fast path saw. */
static struct engine *ctl_engine(void *arg)
{
	struct sctpalgd *d = arg;

	if (d->fast)
		fast_map_fold_all(d->fast);
	return d->engine;
}

/* Link state is the kernel's (kroute), not the ports'. */
static unsigned int ctl_ifs(void *arg, struct ctl_if_info *ifs,
			    unsigned int max)
{
	struct sctpalgd *d = arg;
	unsigned int n = backend_if_info(d->backend, ifs, max);

	for (unsigned int i = 0; i < n; i++) {
		struct kroute_link kl;
		int ifindex = kroute_ifindex(d->kroute, ifs[i].name);

		ifs[i].up = ifindex > 0 &&
			    !kroute_link(d->kroute, ifindex, &kl) && kl.up;
	}
	return n;
}

static struct ctl_server_stats ctl_stats_of(const struct ctl_server *c)
{
	struct ctl_server_stats st = { 0 };

	if (c)
		ctl_server_stats(c, &st);
	return st;
}

static unsigned int ctl_counters(void *arg, struct ctl_counter *out,
				 unsigned int max)
{
	struct sctpalgd *d = arg;
	const struct datapath_stats *s = datapath_stats(d->dp);
	const struct ctl_server_stats cs = ctl_stats_of(d->ctl);
	struct capture_stats cap;

	capture_stats(d->cap, &cap);
	const struct ctl_counter all[] = {
		{ "event_loop_turns", loop_turns(d->loop) },
		{ "raw_sent", s->raw_sent },
		{ "raw_failed", s->raw_failed },
		{ "neighbour_unresolved", s->unresolved },
		{ "no_route", s->no_route },
		{ "replies", s->replies },
		{ "ip_fragments_in", s->frags_in },
		{ "ip_reassembled", s->reassembled },
		{ "ip_fragments_out", s->frags_out },
		{ "ip_fragment_timeouts", s->frag_timeouts },
		{ "ip_fragment_evicted", s->frag_evicted },
		{ "ip_fragment_overlaps", s->frag_overlaps },
		{ "ip_fragment_malformed", s->frag_malformed },
		{ "ip_fragment_too_big", s->frag_too_big },
		{ "over_mtu", s->too_big },
		{ "icmp_too_big_sent", s->icmp_too_big_sent },
		{ "icmp_time_exceeded_sent", s->icmp_time_exceeded_sent },
		{ "control_refused", cs.refused_full + cs.refused_uid },
		{ "control_timeouts", cs.timed_out },
		/* sctpalgctl monitor */
		{ "monitors_live", cs.monitors },
		{ "monitor_events_lost", cs.mon_lost },
		{ "monitors_cut", cs.mon_cut },
		/* sctpalgctl capture */
		{ "captures_live", cap.live },
		{ "capture_packets", cap.written },
		{ "capture_dropped", cap.dropped },
	};
	unsigned int n = sizeof(all) / sizeof(all[0]);
	struct fast_map_stats fs = { 0 };

	if (d->fast)
		fast_map_stats(d->fast, &fs);
	const struct ctl_counter fast[] = {
		/* fast-path = xdp or auto (1) or off (0); its entries now. */
		{ "fast_path_enabled", d->fast != NULL },
		{ "fast_path_entries", fs.entries },
		{ "fast_path_installs", fs.installs },
		{ "fast_path_removals", fs.removals },
		{ "fast_path_unresolved", fs.unresolved },
		{ "fast_path_no_route", fs.no_route },
		{ "fast_path_no_xmit", fs.no_xmit },
		{ "fast_path_recomputes", fs.recomputes },
		{ "fast_path_folded_packets",
		  engine_fast_folded_pkts(d->engine) },
	};

	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*out));
	for (unsigned int i = 0; i < sizeof(fast) / sizeof(fast[0]) && n < max;
	     i++)
		out[n++] = fast[i];
	n += backend_counters(d->backend, out + n, max - n);
	return n;
}

static int ctl_capture(void *arg, int fd, const struct cap_req *r,
		       pid_t pid, char *why, size_t why_len)
{
	struct sctpalgd *d = arg;

	if (!d->cap) {
		snprintf(why, why_len, "capture is not available (out of "
			 "memory at start)");
		return -ENOMEM;
	}
	return capture_start(d->cap, fd, r, pid, why, why_len);
}

/*
 * The capture sessions see the ports' interfaces: Ethernet frames with
 * AF_XDP, IP packets with backend = packet (no link header there).
 */
static int capture_setup(struct sctpalgd *d)
{
	struct capture_if ifs[DATAPATH_MAX_IFS];
	uint16_t linktype;
	unsigned int n = backend_capture_ifs(d->backend, ifs, DATAPATH_MAX_IFS,
					     &linktype);

	return capture_create(d->loop, linktype, ifs, n, &d->cap);
}

static const char *ctl_uplink(void *arg, unsigned int u)
{
	struct sctpalgd *d = arg;

	return u < d->conf.engine.n_uplinks ?
	       d->conf.engine.uplinks[u].name : NULL;
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

/*
 * After set-up: the configured user, with only what the running daemon
 * still uses (privdrop.h, sctpalgd(8) CAPABILITIES).
 */
static int drop_privileges(struct sctpalgd *d)
{
	struct passwd *pw = getpwnam(d->conf.user);
	struct privdrop_config pc = {
		.user = d->conf.user,
		.keep_caps = backend_keep_caps(d->backend,
					       pw && pw->pw_uid != 0),
	};
	const char *why;
	int r;

	if (pw && (r = state_file_give_dir(d->state, pw->pw_uid,
					   pw->pw_gid)) < 0)
		log_warnx("state file %s: cannot give its directory to %s: "
			  "%s; the file will not be saved", d->conf.state_file,
			  d->conf.user, strerror(-r));
	if ((r = privdrop_apply(&pc, &why)))
		return log_warnx("dropping privileges: %s; check user in "
				 "[daemon]", why), r;
	log_info("running as %s, capabilities kept: %s", d->conf.user,
		 !pc.keep_caps ? "none" :
		 pc.keep_caps & PRIVDROP_CAPS_XDP_PINS ?
		 "net_admin, dac_override (libxdp's pins)" : "net_admin");
	return 0;
}

static int run(struct sctpalgd *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct kroute_ops kops = { .arg = d, .link_changed = on_link };
	struct ctl_ops cops = {
		.arg = d, .engine = ctl_engine, .interfaces = ctl_ifs,
		.counters = ctl_counters,
		.uplink_name = ctl_uplink, .reload = reload,
		.capture = ctl_capture,
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
		seed = mono_ns();
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
	engine_set_event_cb(d->engine, on_assoc_event, d);
	if (mon_watch_create(d->conf.engine.max_assocs, &d->mwatch))
		d->mwatch = NULL;	/* monitors then miss address changes */
	else
		mon_watch_on_drops(d->mwatch, on_assoc_drops);
	/* Before any packet, and while still root (state_file.h). */
	if (d->conf.state_file[0] &&
	    (r = state_file_open(d->conf.state_file, &d->state)))
		log_warnx("state file %s: %s; associations will not be "
			  "saved", d->conf.state_file, strerror(-r));
	else if (d->state)
		state_file_restore(d->state, d->engine, mono_ns());
	d->last_save_ns = mono_ns();
	if ((r = kroute_create(&kops, &d->kroute)))
		return log_warnx("netlink: cannot follow routes and "
				 "neighbours: %s; run sctpalgd as root",
				 strerror(-r)), r;
	if ((r = forward_link_create(d->engine, d->kroute, &d->flink)))
		return log_warnx("forward links: %s", strerror(-r)), r;
	if (d->conf.fast_path != CONF_FAST_PATH_OFF &&
	    d->conf.backend == CONF_BACKEND_XDP &&
	    (r = fast_map_create(&d->conf.engine, &d->fast))) {
		log_warnx("fast path: cannot create its BPF maps: %s; every "
			  "packet takes the slow path (AF_XDP)", strerror(-r));
		d->fast = NULL;
	}
	if ((r = backend_create(&d->conf, d->fast, &d->backend)))
		return r;
	if ((r = datapath_create(d->engine, backend_datapath_ops(d->backend),
				 d->backend, d->kroute, &d->conf, &d->dp)))
		return log_warnx("datapath: %s", strerror(-r)), r;
	if (capture_setup(d))
		log_warnx("capture: out of memory; sctpalgctl capture will "
			  "be refused");
	else
		datapath_set_capture(d->dp, d->cap);
	if (d->fast) {
		fast_map_start(d->fast, d->engine, d->kroute,
			       backend_xsk_port(d->backend), &d->conf);
		log_info("fast path: %s (established associations forwarded "
			 "by the XDP program%s; everything else by the engine)",
			 d->conf.fast_path == CONF_FAST_PATH_AUTO ? "auto" :
								    "xdp",
			 d->conf.fast_path == CONF_FAST_PATH_AUTO ?
				 " where the egress interface takes "
				 "redirected frames" : "");
	} else {
		log_info("fast path: off%s",
			 d->conf.fast_path != CONF_FAST_PATH_OFF ?
				 " (backend = packet has no XDP program)" : "");
	}
	for (unsigned int i = 0; i < backend_nfds(d->backend); i++) {
		d->socks[i] = (struct rx_arg){ .d = d, .sock = i };
		r = loop_add_fd(d->loop, backend_fd(d->backend, i), POLLIN, 0,
				on_rx, &d->socks[i]);
		if (r < 0)
			return log_warnx("event loop: cannot watch the AF_XDP "
					 "sockets: %s; lower queues in [daemon]",
					 strerror(-r)), r;
	}
	loop_set_flush(d->loop, on_flush, d);
	if ((r = loop_add_timer(d->loop, NSEC_PER_SEC, on_tick, d)) < 0 ||
	    (r = loop_add_fd(d->loop, kroute_fd(d->kroute), POLLIN, 0,
			     on_netlink, d)) < 0)
		return log_warnx("event loop: cannot add the timer or the "
				 "netlink socket: %s", strerror(-r)), r;
	if (d->fast && fast_map_watch_fd(d->fast) >= 0 &&
	    (r = loop_add_fd(d->loop, fast_map_watch_fd(d->fast), POLLIN, 0,
			     on_xdp_features, d)) < 0)
		return log_warnx("event loop: cannot add the netdev netlink "
				 "socket: %s", strerror(-r)), r;
	/* Uplinks already down at start. */
	for (int u = 0; u < d->conf.engine.n_uplinks; u++) {
		struct kroute_link kl;
		int ifi = kroute_ifindex(d->kroute,
					 d->conf.engine.uplinks[u].ifname);

		if (ifi > 0 && !kroute_link(d->kroute, ifi, &kl) && !kl.up)
			engine_set_uplink_up(d->engine, (unsigned int)u, false);
	}
	forward_link_check(d->flink, &d->conf.engine);
	mkdir("/run/sctpalg", 0755);
	if ((r = ctl_server_create(&ccfg, &cops, d->loop, &d->ctl)))
		return log_warnx("control socket %s: %s; check "
				 "control-socket in [daemon] and that no other "
				 "sctpalgd uses it", d->conf.control_socket,
				 strerror(-r)), r;
	if (d->conf.user[0] && (r = drop_privileges(d)))
		return r;
	startup_summary(&d->conf);
	log_info("sctpalgd running");
	return 0;
}

static void teardown(struct sctpalgd *d)
{
	ctl_server_destroy(d->ctl);
	d->ctl = NULL;	/* engine events from here on publish nowhere */
	if (d->dp)
		datapath_set_capture(d->dp, NULL);
	capture_destroy(d->cap);
	d->cap = NULL;
	datapath_destroy(d->dp);
	backend_destroy(d->backend);	/* detaches the XDP programs */
	if (d->fast)
		fast_map_fold_all(d->fast);
	fast_map_destroy(d->fast);
	if (d->engine)
		state_file_save(d->state, d->engine, mono_ns());
	state_file_close(d->state);
	forward_link_destroy(d->flink);
	kroute_destroy(d->kroute);
	loop_destroy(d->loop);
	engine_destroy(d->engine);
	assoc_log_destroy(d->alog);
	mon_watch_destroy(d->mwatch);
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
	if (d.conf.busy_poll) {
		log_info("busy-poll: the event loop polls without sleeping");
		loop_run_busy(d.loop, on_busy_poll, &d);
	}
	else
		loop_run(d.loop);
	teardown(&d);
	log_info("sctpalgd stopped, XDP programs detached");
	return d.exit_code;
}
