// SPDX-License-Identifier: MIT
/*
 * sctp_peer - a real, independent SCTP endpoint for sctpalg's end-to-end
 * tests, built on usrsctp (libusrsctp-dev) running native SCTP over raw IP
 * sockets (usrsctp_init(0, ...)), so it works on kernels without an SCTP
 * module.  One binary, two modes:
 *
 *   sctp_peer server --bind A[,A...] --port P [--count N] [--accept K]
 *                    [--report FILE]
 *   sctp_peer client --bind A[,A...] --connect A[,A...] --port P [--lport L]
 *                    --count N --interval MS [tunables]
 *   either: --add-addr A --add-at N [--remove-at M]: bindx() A onto the
 *           live association (an ASCONF, RFC 5061), later remove it
 *
 * The client sends N numbered, time-stamped messages at a fixed interval;
 * the server answers every message with an ACK message carrying the same
 * sequence number (test/e2e/peer_common.h, shared with the kernel SCTP
 * peer test/vm/ksctp_peer.c).  Both sides print machine-readable lines
 * (RESULT, PATH, FROM, PEERS, EVENT, PROGRESS) that the shell tests parse:
 *
 *   RESULT role=client sent=N acked=N lost=L max_gap_ms=G ...
 *   RESULT role=server received=N unique=U dup=D lost=L max_gap_ms=G ...
 *
 * A server with --accept K serves K associations one after another on one
 * listening socket, which stays open until the last is accepted, so an
 * association still closing in the stack (SHUTDOWN-ACK-SENT, RFC 9260
 * 9.2) meets the next INIT from the same address and port: one RESULT
 * line per association, each held to --count
 * (test/e2e/test_sctpalgd_reconnect.sh).
 *
 * "lost" is what a user would notice: messages never acknowledged (client)
 * or sequence numbers never seen (server).  "max_gap_ms" is the longest
 * silence between two consecutive arrivals, i.e. how long a path failure
 * stalled the application.  FROM lines count messages per peer address: the
 * address usrsctp_recvv() reports in "from" is the peer address (the
 * association's path) that the DATA chunk arrived from, so they show which
 * paths carried traffic.  PATH lines are SCTP_GET_PEER_ADDR_INFO snapshots.
 *
 * usrsctp address scoping (what goes into the INIT / INIT ACK address list)
 * --------------------------------------------------------------------------
 * usrsctp is the FreeBSD stack; the rule lives in sctp_output.c
 * (sctp_add_addresses_to_i_ia, sctp_is_address_in_scope) and sctp_pcb.c
 * (sctp_add_remote_addr with SCTP_DO_SETSCOPE):
 *
 *  1. When the association is created, the FIRST destination address given
 *     to connect()/connectx() sets the scope: an IPv4 destination inside
 *     IN4_ISPRIVATE_ADDRESS (10/8, 172.16/12 (the macro says 172.16-172.32),
 *     192.168/16) sets ipv4_local_scope = 1; a public destination leaves it
 *     0.  A loopback destination opens every scope.  On the INIT ACK side the
 *     scope is taken from the INIT's source and destination addresses in the
 *     same way.
 *  2. The INIT lists the endpoint's addresses (all interface addresses when
 *     bound to the wildcard, else the bindx() list) that are in scope; with
 *     ipv4_local_scope == 0 every RFC 1918 address is skipped.
 *  3. "To get through a NAT we only list addresses if we have more than
 *     one": if fewer than two addresses are in scope, the INIT carries NO
 *     address parameter at all and the peer uses the packet's source.
 *  4. There is no run-time switch: the behaviour is compiled in (the escape
 *     hatch is the compile-time SCTP_DONT_DO_PRIVADDR_SCOPE, not set in
 *     Debian's build); none of the usrsctp_sysctl_set_sctp_* knobs in
 *     usrsctp.h touches it (sctp_nat_friendly / inits_include_nat_friendly
 *     only concern the natsupp parameter).  Explicit bindx() does NOT
 *     bypass it: the bound list is filtered by the same scope test.
 *
 * Observed here (usrsctp 0.9.5.0 from Debian 12, tshark on the wire; the
 * scenarios are test/e2e/test_baseline_routing.sh and kernel_nat_baseline.sh):
 *  - bound to 192.168.1.10,192.168.1.11, connecting to the public
 *    198.51.100.100: the INIT carries NO address parameter (both private
 *    addresses out of scope, so fewer than two left: rule 3); the server's
 *    usrsctp_getpaddrs() lists only the packet's source.
 *  - the same bindx() toward a private peer (192.168.1.100 or 10.1.1.100):
 *    both 192.168.1.10 and 192.168.1.11 are listed.  Binding the wildcard
 *    (--bind 0.0.0.0) lists them too (loopback stays out of scope).
 *  - bound to routable 192.0.2.10,192.0.2.11 toward 198.51.100.100: both
 *    listed.
 *  - INIT ACK: a server bound to 192.168.1.10,.11 that receives an INIT from
 *    public 198.51.100.100 addressed to its private 192.168.1.10 (a port
 *    forward) lists both private addresses: the INIT's private destination
 *    opened the scope.
 *  - a packet (HEARTBEAT or DATA) from an address the peer never learned is
 *    answered with ABORT carrying the T bit; if that ABORT gets back, the
 *    association dies.  An address must be known to the peer before it is
 *    used as a source.
 *
 * Another usrsctp property the tests must live with: on Linux it has no
 * route lookup of its own, so it picks ONE source address for all paths of
 * an association (observed, client and server alike: the address given
 * last to --bind) and hands the packet to a raw IP_HDRINCL socket;
 * the kernel then routes by destination only.  Multihomed tests therefore
 * install a stateless nftables source fix-up per path (test/e2e/lib.sh,
 * sctp_src_fixup) so each path leaves with its own link's address.  usrsctp
 * also learns the interface addresses once, at usrsctp_init(): addresses
 * must exist before the tool starts.  It ignores ICMP.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <usrsctp.h>

#include "peer_common.h"

#define MAX_PATHS	16
#define MSG_MAX_LEN	16384
#define RECV_BUF_LEN	65536
#define PENDING_ACKS	65536

enum mode { MODE_SERVER, MODE_CLIENT };

struct opts {
	enum mode mode;
	struct sockaddr_storage bind[MAX_ADDRS];
	int nbind;
	struct sockaddr_storage conn[MAX_ADDRS];
	int nconn;
	uint16_t port;
	uint16_t lport;
	unsigned int count;
	unsigned int accepts; /* server: associations to serve in turn */
	unsigned int interval_ms;
	unsigned int size;
	uint32_t ppid;
	unsigned int hb_ms;
	unsigned int rto_min;
	unsigned int rto_max;
	unsigned int rto_init;
	unsigned int pmr;
	unsigned int init_attempts;
	unsigned int timeout_s;
	unsigned int drain_ms;
	unsigned int progress;
	unsigned int pathmtu;
	const char *report;
	/* Several sctp_peers in one namespace: each sees every SCTP packet
	 * (raw sockets); without this it aborts the others' as out of the
	 * blue (RFC 9260 section 8.4). */
	bool blackhole;
	/* --start-on: usrsctp_init() starts reading the raw socket before
	 * the blackhole setting can be made, and in that window this stack
	 * aborts whatever else crosses the namespace.  Several peers of one
	 * namespace are started first and let go together once each has
	 * said READY (blackhole set), by creating this file. */
	const char *start_on;
	/* --add-addr: a local address added to the live association after
	 * add_at messages (and removed after remove_at, 0: never, or on
	 * SIGUSR2) by
	 * bindx(), which makes the stack send an ASCONF (RFC 5061 4.1). */
	struct sockaddr_storage add_addr;
	bool have_add;
	unsigned int add_at;
	unsigned int remove_at;
};

/* an ACK echoes the client's sequence number and send time stamp */
struct pending_ack {
	uint32_t seq;
	uint8_t stamp[8];
};

struct path_snap {
	struct sockaddr_storage addr;
	int32_t state;
	uint32_t cwnd;
	uint32_t srtt;
	uint32_t rto;
	uint32_t mtu;
};

/* Everything one endpoint knows; both modes share it. */
struct peer {
	const struct opts *o;
	struct socket *so;
	int efd;
	int64_t t0;

	bool up;		/* COMM_UP seen */
	bool done;		/* association gone: EOF, lost, shut down */
	uint8_t *partial;	/* message reassembly until MSG_EOR */
	size_t partial_len;

	/* union of peer addresses ever listed by usrsctp_getpaddrs */
	struct sockaddr_storage peers[MAX_PATHS];
	int npeers;
	/* last path snapshot taken while the association was alive */
	struct path_snap paths[MAX_PATHS];
	int npaths;
	int64_t paths_at;	/* when that snapshot was taken */
	unsigned long send_failed;
	/* --add-addr progress: 0 not yet, 1 added, 2 removed */
	int add_stage;

	/* what was sent and received */
	struct msg_tally t;

	/* server: acks that could not be sent yet */
	struct pending_ack *pending;
	size_t pending_head, pending_tail;
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t finish_signal;
static volatile sig_atomic_t remove_signal;
static int signal_efd = -1;

/* Every output line carries the time since start: test logs read as a story. */
static void say(const struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct peer *p, const char *fmt, ...)
{
	va_list ap;

	printf("[%6" PRId64 " ms] ", now_ms() - p->t0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sctp_peer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static bool any_v6(const struct opts *o)
{
	int i;

	for (i = 0; i < o->nbind; i++)
		if (o->bind[i].ss_family == AF_INET6)
			return true;
	for (i = 0; i < o->nconn; i++)
		if (o->conn[i].ss_family == AF_INET6)
			return true;
	return false;
}

static void upcall(struct socket *so, void *arg, int flags)
{
	struct peer *p = arg;
	uint64_t one = 1;

	(void)so;
	(void)flags;
	/* runs on a usrsctp thread: only wake the poll loop */
	if (write(p->efd, &one, sizeof(one)) < 0) {
		/* counter saturated: the loop is awake anyway */
	}
}

static void on_signal(int sig)
{
	uint64_t one = 1;

	stop_signal = sig;
	if (signal_efd >= 0 && write(signal_efd, &one, sizeof(one)) < 0) {
		/* nothing useful to do in a signal handler */
	}
}

/* SIGUSR1 (client): send no new message, drain, exit 0 if all acked. */
static void on_finish(int sig)
{
	uint64_t one = 1;

	(void)sig;
	finish_signal = 1;
	if (signal_efd >= 0 && write(signal_efd, &one, sizeof(one)) < 0) {
		/* nothing useful to do in a signal handler */
	}
}

/* SIGUSR2 (--add-addr): remove the added address now. */
static void on_remove(int sig)
{
	uint64_t one = 1;

	(void)sig;
	remove_signal = 1;
	if (signal_efd >= 0 && write(signal_efd, &one, sizeof(one)) < 0) {
		/* nothing useful to do in a signal handler */
	}
}

static void setopt(struct socket *so, int opt, const void *val, socklen_t len,
		   const char *name)
{
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, opt, val, len) < 0)
		die("setsockopt %s: %s", name, strerror(errno));
}

/*
 * Tunables that make failover take seconds instead of minutes: small RTO
 * bounds (RFC 9260 section 6.3.1 defaults are 1 s / 60 s), heartbeats every
 * hb_ms (section 8.3) and a path declared inactive after pmr + 1 timeouts
 * (Path.Max.Retrans, section 8.2).  Set on the endpoint (assoc id 0) before
 * the association exists, so they apply to it and to accepted ones.
 */
static void set_tunables(const struct peer *p, struct socket *so)
{
	const struct opts *o = p->o;
	struct sctp_rtoinfo rto = {
		.srto_assoc_id = SCTP_FUTURE_ASSOC,
		.srto_initial = o->rto_init,
		.srto_max = o->rto_max,
		.srto_min = o->rto_min,
	};
	struct sctp_paddrparams pp;
	struct sctp_initmsg im = {
		.sinit_num_ostreams = 1,
		.sinit_max_instreams = 1,
		.sinit_max_attempts = o->init_attempts,
		.sinit_max_init_timeo = o->rto_max,
	};
	struct sctp_event ev;
	static const uint16_t events[] = {
		SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE, SCTP_REMOTE_ERROR,
		SCTP_SHUTDOWN_EVENT, SCTP_SEND_FAILED_EVENT,
	};
	const int on = 1;
	size_t i;

	setopt(so, SCTP_RTOINFO, &rto, sizeof(rto), "SCTP_RTOINFO");
	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	pp.spp_hbinterval = o->hb_ms;
	pp.spp_pathmaxrxt = o->pmr;
	pp.spp_flags = SPP_HB_ENABLE;
	/*
	 * usrsctp over raw sockets learns no MTU from the link, and SCTP
	 * fragments a message to the path MTU (RFC 9260 section 6.9): to
	 * carry a large message in one packet the path MTU is set and
	 * discovery turned off (RFC 6458 section 8.1.12).
	 */
	if (o->pathmtu) {
		pp.spp_pathmtu = o->pathmtu;
		pp.spp_flags |= SPP_PMTUD_DISABLE;
	}
	setopt(so, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp),
	       "SCTP_PEER_ADDR_PARAMS");
	setopt(so, SCTP_INITMSG, &im, sizeof(im), "SCTP_INITMSG");
	setopt(so, SCTP_NODELAY, &on, sizeof(on), "SCTP_NODELAY");
	/* rcvinfo with every message (RFC 6458 section 8.1.29) */
	setopt(so, SCTP_RECVRCVINFO, &on, sizeof(on), "SCTP_RECVRCVINFO");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.se_assoc_id = SCTP_FUTURE_ASSOC;
		ev.se_type = events[i];
		ev.se_on = 1;
		setopt(so, SCTP_EVENT, &ev, sizeof(ev), "SCTP_EVENT");
	}
}

/*
 * --pathmtu on an accepted association: usrsctp does not carry the
 * listening socket's fixed path MTU over to it.  Every path of the
 * association (spp_address the wildcard, RFC 6458 section 8.1.12).
 */
static void set_assoc_pathmtu(const struct peer *p, struct socket *so)
{
	struct sctp_paddrparams pp;

	if (!p->o->pathmtu)
		return;
	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = 0;	/* one-to-one socket: its association */
	/* usrsctp takes INADDR_ANY, not an empty address, as "all paths" */
	pp.spp_address.ss_family = AF_INET;
	pp.spp_hbinterval = p->o->hb_ms;
	pp.spp_pathmaxrxt = p->o->pmr;
	pp.spp_pathmtu = p->o->pathmtu;
	pp.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE;
	setopt(so, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp),
	       "SCTP_PEER_ADDR_PARAMS (path MTU)");
}

/* Read back what the stack really uses: the test log shows it. */
static void print_tunables(const struct peer *p, struct socket *so)
{
	struct sctp_rtoinfo rto = { .srto_assoc_id = SCTP_FUTURE_ASSOC };
	struct sctp_paddrparams pp;
	socklen_t l = sizeof(rto);

	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_RTOINFO, &rto, &l) < 0)
		die("getsockopt SCTP_RTOINFO: %s", strerror(errno));
	l = sizeof(pp);
	if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp,
			       &l) < 0)
		die("getsockopt SCTP_PEER_ADDR_PARAMS: %s", strerror(errno));
	say(p, "CONFIG rto_initial=%u rto_min=%u rto_max=%u hb_interval=%u path_max_retrans=%u",
	    rto.srto_initial, rto.srto_min, rto.srto_max, pp.spp_hbinterval,
	    pp.spp_pathmaxrxt);
}

static struct socket *make_socket(struct peer *p, uint16_t port)
{
	const struct opts *o = p->o;
	uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	char a[INET6_ADDRSTRLEN];
	struct socket *so;
	int i;

	so = usrsctp_socket(any_v6(o) ? AF_INET6 : AF_INET, SOCK_STREAM,
			    IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!so)
		die("usrsctp_socket: %s", strerror(errno));
	set_tunables(p, so);
	pack_addrs(o->bind, o->nbind, port, packed);
	if (usrsctp_bindx(so, (struct sockaddr *)packed, o->nbind,
			  SCTP_BINDX_ADD_ADDR) < 0)
		die("usrsctp_bindx: %s (is every --bind address configured "
		    "in this namespace before start?)", strerror(errno));
	for (i = 0; i < o->nbind; i++)
		say(p, "BIND %s port %u",
		    addr_str((const struct sockaddr *)&o->bind[i], a,
			     sizeof(a)),
		    port);
	return so;
}

static void list_addrs(struct peer *p, const char *what, bool remote)
{
	struct sockaddr *addrs = NULL, *sa;
	char line[512], a[INET6_ADDRSTRLEN];
	size_t off = 0;
	int n, i;

	n = remote ? usrsctp_getpaddrs(p->so, 0, &addrs) :
		     usrsctp_getladdrs(p->so, 0, &addrs);
	if (n <= 0) {
		say(p, "%s none", what);
		return;
	}
	line[0] = 0;
	sa = addrs;
	for (i = 0; i < n; i++) {
		off += snprintf(line + off, sizeof(line) - off, "%s%s",
				i ? "," : "", addr_str(sa, a, sizeof(a)));
		if (off >= sizeof(line))
			off = sizeof(line) - 1;
		if (remote) {
			int j;

			for (j = 0; j < p->npeers; j++)
				if (addr_equal((struct sockaddr *)&p->peers[j],
					       sa))
					break;
			if (j == p->npeers && p->npeers < MAX_PATHS)
				memcpy(&p->peers[p->npeers++], sa, sa_len(sa));
		}
		sa = (struct sockaddr *)((uint8_t *)sa + sa_len(sa));
	}
	say(p, "%s addrs=%s count=%d", what, line, n);
	if (remote)
		usrsctp_freepaddrs(addrs);
	else
		usrsctp_freeladdrs(addrs);
}

/* Path statistics (RFC 6458 section 8.2.2, SCTP_GET_PEER_ADDR_INFO). */
static void snapshot_paths(struct peer *p)
{
	struct sockaddr *addrs = NULL, *sa;
	int n, i;

	n = usrsctp_getpaddrs(p->so, 0, &addrs);
	if (n <= 0)
		return;
	p->npaths = 0;
	p->paths_at = now_ms() - p->t0;
	sa = addrs;
	for (i = 0; i < n && i < MAX_PATHS; i++) {
		struct sctp_paddrinfo pi;
		socklen_t l = sizeof(pi);
		struct path_snap *ps = &p->paths[p->npaths];

		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.spinfo_address, sa, sa_len(sa));
		if (usrsctp_getsockopt(p->so, IPPROTO_SCTP,
				       SCTP_GET_PEER_ADDR_INFO, &pi, &l) == 0) {
			memcpy(&ps->addr, sa, sa_len(sa));
			ps->state = pi.spinfo_state;
			ps->cwnd = pi.spinfo_cwnd;
			ps->srtt = pi.spinfo_srtt;
			ps->rto = pi.spinfo_rto;
			ps->mtu = pi.spinfo_mtu;
			p->npaths++;
		}
		sa = (struct sockaddr *)((uint8_t *)sa + sa_len(sa));
	}
	usrsctp_freepaddrs(addrs);
}

static const char *path_state(int32_t s)
{
	if (s & SCTP_UNCONFIRMED)
		return "unconfirmed";
	if (s & SCTP_ACTIVE)
		return "active";
	if (s & SCTP_INACTIVE)
		return "inactive";
	return "unknown";
}

static const char *assoc_state(uint16_t s)
{
	switch (s) {
	case SCTP_COMM_UP: return "COMM_UP";
	case SCTP_COMM_LOST: return "COMM_LOST";
	case SCTP_RESTART: return "RESTART";
	case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
	case SCTP_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
	default: return "?";
	}
}

static const char *paddr_state(uint32_t s)
{
	switch (s) {
	case SCTP_ADDR_AVAILABLE: return "ADDR_AVAILABLE";
	case SCTP_ADDR_UNREACHABLE: return "ADDR_UNREACHABLE";
	case SCTP_ADDR_REMOVED: return "ADDR_REMOVED";
	case SCTP_ADDR_ADDED: return "ADDR_ADDED";
	case SCTP_ADDR_MADE_PRIM: return "ADDR_MADE_PRIM";
	case SCTP_ADDR_CONFIRMED: return "ADDR_CONFIRMED";
	default: return "?";
	}
}

static void handle_notification(struct peer *p, const uint8_t *buf, size_t len)
{
	union sctp_notification n;
	char a[INET6_ADDRSTRLEN];

	if (len < sizeof(n.sn_header))
		return;
	memset(&n, 0, sizeof(n));
	memcpy(&n, buf, len < sizeof(n) ? len : sizeof(n));
	switch (n.sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		say(p, "EVENT assoc_change state=%s error=%u in=%u out=%u",
		    assoc_state(n.sn_assoc_change.sac_state),
		    n.sn_assoc_change.sac_error,
		    n.sn_assoc_change.sac_inbound_streams,
		    n.sn_assoc_change.sac_outbound_streams);
		switch (n.sn_assoc_change.sac_state) {
		case SCTP_COMM_UP:
		case SCTP_RESTART:
			p->up = true;
			break;
		case SCTP_COMM_LOST:
		case SCTP_SHUTDOWN_COMP:
		case SCTP_CANT_STR_ASSOC:
			p->done = true;
			break;
		}
		break;
	case SCTP_PEER_ADDR_CHANGE:
		say(p, "EVENT peer_addr_change addr=%s state=%s error=%u",
		    addr_str((struct sockaddr *)&n.sn_paddr_change.spc_aaddr,
			     a, sizeof(a)),
		    paddr_state(n.sn_paddr_change.spc_state),
		    n.sn_paddr_change.spc_error);
		snapshot_paths(p);
		break;
	case SCTP_REMOTE_ERROR:
		say(p, "EVENT remote_error cause=%u",
		    ntohs(n.sn_remote_error.sre_error));
		break;
	case SCTP_SHUTDOWN_EVENT:
		say(p, "EVENT shutdown");
		break;
	case SCTP_SEND_FAILED_EVENT:
		/* one per abandoned message: say the first, count the rest */
		if (!p->send_failed++)
			say(p, "EVENT send_failed error=%u (further ones counted in RESULT)",
			    n.sn_send_failed_event.ssfe_error);
		break;
	default:
		say(p, "EVENT type=0x%04x", n.sn_header.sn_type);
		break;
	}
}

static int send_msg(struct peer *p, uint8_t type, uint32_t seq,
		    const uint8_t *stamp)
{
	uint8_t buf[MSG_MAX_LEN];
	struct sctp_sndinfo si;
	size_t len = p->o->size;

	msg_build(buf, len, type, seq, stamp);
	memset(&si, 0, sizeof(si));
	si.snd_ppid = htonl(p->o->ppid);
	if (usrsctp_sendv(p->so, buf, len, NULL, 0, &si, sizeof(si),
			  SCTP_SENDV_SNDINFO, 0) < 0)
		return -errno;
	return 0;
}

static void flush_pending_acks(struct peer *p)
{
	while (p->pending_head != p->pending_tail) {
		const struct pending_ack *a =
			&p->pending[p->pending_head % PENDING_ACKS];

		if (send_msg(p, MSG_ACK, a->seq, a->stamp) < 0)
			return;
		p->pending_head++;
	}
}

static void queue_ack(struct peer *p, uint32_t seq, const uint8_t *stamp)
{
	struct pending_ack *a;

	if (p->pending_tail - p->pending_head == PENDING_ACKS)
		return;	/* the client will count it lost: never silent */
	a = &p->pending[p->pending_tail++ % PENDING_ACKS];
	a->seq = seq;
	memcpy(a->stamp, stamp, sizeof(a->stamp));
}

/*
 * --add-addr: bindx() on the connected socket adds (or removes) a local
 * address of the live association; the stack asks the peer with an
 * ASCONF Add IP / Delete IP (RFC 5061 4.1, RFC 6458 9.1) and uses the
 * address only once the ASCONF-ACK accepted it.  Counted in messages
 * this side received, so the moment is the same on every run; or
 * removed on SIGUSR2, when a test wants to look before it goes.
 */
static void maybe_change_addr(struct peer *p)
{
	const struct opts *o = p->o;
	struct sockaddr_storage ss;
	char a[INET6_ADDRSTRLEN];
	int flag;
	const char *what;

	if (!o->have_add || !p->so)
		return;
	if (p->add_stage == 0 && p->t.unique >= o->add_at) {
		flag = SCTP_BINDX_ADD_ADDR;
		what = "add";
	} else if (p->add_stage == 1 &&
		   (remove_signal ||
		    (o->remove_at && p->t.unique >= o->remove_at))) {
		flag = SCTP_BINDX_REM_ADDR;
		what = "remove";
	} else {
		return;
	}
	p->add_stage++;
	ss = o->add_addr;
	set_port(&ss, o->mode == MODE_SERVER ? o->port : o->lport);
	addr_str((struct sockaddr *)&ss, a, sizeof(a));
	if (usrsctp_bindx(p->so, (struct sockaddr *)&ss, 1, flag) < 0) {
		say(p, "EVENT bindx_%s_failed addr=%s errno=%d (%s)", what, a,
		    errno, strerror(errno));
		return;
	}
	/* The stack applies it asynchronously: no LOCAL list here. */
	say(p, "EVENT bindx_%s addr=%s after=%lu", what, a, p->t.unique);
}

static void on_message(struct peer *p, const uint8_t *buf, size_t len,
		       const struct sockaddr *from)
{
	bool server = p->o->mode == MODE_SERVER;
	int64_t seq = tally_message(&p->t, buf, len, server, p->t0, from);

	if (seq < 0)
		return;
	if (server) {
		queue_ack(p, (uint32_t)seq, msg_stamp(buf));
		flush_pending_acks(p);
	}
	maybe_change_addr(p);
	if (p->o->progress && p->t.msgs % p->o->progress == 0) {
		snapshot_paths(p);
		if (p->o->mode == MODE_CLIENT)
			say(p, "PROGRESS sent=%lu acked=%lu", p->t.sent,
			    p->t.unique);
		else
			say(p, "PROGRESS received=%lu", p->t.unique);
	}
}

/* Drains everything readable; sets p->done when the association ended. */
static void drain(struct peer *p)
{
	static uint8_t buf[RECV_BUF_LEN];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = usrsctp_recvv(p->so, buf, sizeof(buf),
				  (struct sockaddr *)&from, &fromlen, &rcv,
				  &infolen, &infotype, &flags);
		if (n < 0) {
			if (errno == EWOULDBLOCK || errno == EAGAIN ||
			    errno == EINTR)
				return;
			say(p, "EVENT recv_error errno=%d (%s)", errno,
			    strerror(errno));
			p->done = true;
			return;
		}
		if (n == 0) {
			say(p, "EVENT eof");
			p->done = true;
			return;
		}
		if (flags & MSG_NOTIFICATION) {
			handle_notification(p, buf, n);
			continue;
		}
		/* reassemble until end of record, as RFC 6458 section 3.1.3 */
		if (p->partial_len + n > MSG_MAX_LEN) {
			p->t.bad++;
			p->partial_len = 0;
			continue;
		}
		memcpy(p->partial + p->partial_len, buf, n);
		p->partial_len += n;
		if (!(flags & MSG_EOR))
			continue;
		on_message(p, p->partial, p->partial_len,
			   (struct sockaddr *)&from);
		p->partial_len = 0;
	}
}

static void wait_events(struct peer *p, int64_t timeout_ms)
{
	struct pollfd pfd = { .fd = p->efd, .events = POLLIN };
	uint64_t v;

	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > 1000)
		timeout_ms = 1000;
	if (poll(&pfd, 1, timeout_ms) > 0 &&
	    read(p->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: someone else drained it */
	}
}

static void print_common(struct peer *p, FILE *f)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	fprintf(f, "PEERS addrs=");
	for (i = 0; i < p->npeers; i++)
		fprintf(f, "%s%s", i ? "," : "",
			addr_str((struct sockaddr *)&p->peers[i], a,
				 sizeof(a)));
	fprintf(f, " count=%d\n", p->npeers);
	tally_print_sources(&p->t, f);
	for (i = 0; i < p->npaths; i++)
		fprintf(f, "PATH addr=%s state=%s srtt_ms=%u rto_ms=%u cwnd=%u mtu=%u snapshot_ms=%" PRId64 "\n",
			addr_str((struct sockaddr *)&p->paths[i].addr, a,
				 sizeof(a)),
			path_state(p->paths[i].state), p->paths[i].srtt,
			p->paths[i].rto, p->paths[i].cwnd, p->paths[i].mtu,
			p->paths_at);
}

static void report(struct peer *p)
{
	char tmp[PATH_MAX];
	FILE *f;

	print_common(p, stdout);
	tally_print_result(&p->t, stdout, p->o->mode == MODE_SERVER,
			   p->o->count, p->send_failed, p->up);
	fflush(stdout);
	if (!p->o->report)
		return;
	/* write then rename: a test polling for the file never reads half */
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->o->report);
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	print_common(p, f);
	tally_print_result(&p->t, f, p->o->mode == MODE_SERVER, p->o->count,
			   p->send_failed, p->up);
	if (fclose(f) || rename(tmp, p->o->report))
		die("%s: %s", p->o->report, strerror(errno));
}

static void make_nonblocking(struct peer *p, struct socket *so)
{
	if (usrsctp_set_non_blocking(so, 1) < 0)
		die("usrsctp_set_non_blocking: %s", strerror(errno));
	if (usrsctp_set_upcall(so, upcall, p) < 0)
		die("usrsctp_set_upcall: %s", strerror(errno));
}

static bool out_of_time(const struct peer *p, int64_t deadline)
{
	if (stop_signal) {
		say(p, "EVENT signal=%d", (int)stop_signal);
		return true;
	}
	if (now_ms() >= deadline) {
		say(p, "EVENT timeout after %u s", p->o->timeout_s);
		return true;
	}
	return false;
}

/* --accept: what the next association starts from. */
static void forget_association(struct peer *p)
{
	free(p->t.seen);
	memset(&p->t, 0, sizeof(p->t));
	p->so = NULL;
	p->up = false;
	p->done = false;
	p->partial_len = 0;
	p->pending_head = p->pending_tail = 0;
	p->npeers = 0;
	p->npaths = 0;
}

/*
 * Accepts one association on *LSO and serves it until it ends: 0 when it
 * delivered --count messages (or without --count), else 1.  LAST closes
 * the listening socket once accepted: nothing else is to come up.
 */
static int serve_one(struct peer *p, struct socket **lso, bool last,
		     int64_t deadline)
{
	const struct opts *o = p->o;

	while (!p->so) {
		struct sockaddr_storage ss;
		socklen_t l = sizeof(ss);

		p->so = usrsctp_accept(*lso, (struct sockaddr *)&ss, &l);
		if (p->so)
			break;
		if (errno != EWOULDBLOCK && errno != EAGAIN)
			die("usrsctp_accept: %s", strerror(errno));
		if (out_of_time(p, deadline))
			goto out;
		wait_events(p, deadline - now_ms());
	}
	if (last) {
		usrsctp_close(*lso);
		*lso = NULL;
	}
	make_nonblocking(p, p->so);
	set_assoc_pathmtu(p, p->so);
	say(p, "ACCEPT");
	list_addrs(p, "PEERS", true);
	list_addrs(p, "LOCAL", false);
	snapshot_paths(p);
	while (!p->done) {
		drain(p);
		flush_pending_acks(p);
		maybe_change_addr(p);
		if (p->done || out_of_time(p, deadline))
			break;
		wait_events(p, deadline - now_ms());
	}
out:
	report(p);
	if (p->so)
		usrsctp_close(p->so);
	/* with --count: success means every message arrived exactly once */
	if (!o->count)
		return 0;
	return p->t.unique == o->count && p->t.max_seq + 1 == o->count ? 0 : 1;
}

static int run_server(struct peer *p)
{
	const struct opts *o = p->o;
	int64_t deadline = p->t0 + (int64_t)o->timeout_s * 1000;
	unsigned int n;
	struct socket *lso;
	int rc = 0;

	lso = make_socket(p, o->port);
	print_tunables(p, lso);
	if (usrsctp_listen(lso, 1) < 0)
		die("usrsctp_listen: %s", strerror(errno));
	make_nonblocking(p, lso);
	say(p, "LISTEN port %u", o->port);
	for (n = 0; n < o->accepts && !stop_signal && now_ms() < deadline;
	     n++) {
		if (n)
			forget_association(p);
		rc |= serve_one(p, &lso, n + 1 == o->accepts, deadline);
	}
	if (lso)
		usrsctp_close(lso);
	/* stopped early: the associations never served count as failed */
	return rc || n < o->accepts ? 1 : 0;
}

static int run_client(struct peer *p)
{
	const struct opts *o = p->o;
	int64_t deadline = p->t0 + (int64_t)o->timeout_s * 1000;
	uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	int64_t next_send, drain_until = 0;
	unsigned long count = o->count;
	sctp_assoc_t id = 0;

	p->so = make_socket(p, o->lport);
	print_tunables(p, p->so);
	pack_addrs(o->conn, o->nconn, o->port, packed);
	/* blocking connect: returns once COOKIE ACK arrived (or failed) */
	if (usrsctp_connectx(p->so, (struct sockaddr *)packed, o->nconn,
			     &id) < 0) {
		say(p, "EVENT connect_failed errno=%d (%s)", errno,
		    strerror(errno));
		report(p);
		return 1;
	}
	make_nonblocking(p, p->so);
	say(p, "CONNECTED assoc_id=%u", id);
	list_addrs(p, "PEERS", true);
	list_addrs(p, "LOCAL", false);
	snapshot_paths(p);
	drain(p);
	next_send = now_ms();
	while (!p->done) {
		int64_t t = now_ms();

		if (finish_signal && count > p->t.sent) {
			say(p, "EVENT finish: %lu messages sent", p->t.sent);
			count = p->t.sent;
		}

		if (p->t.sent < count && t >= next_send) {
			uint8_t stamp[8];
			int r;

			msg_stamp_now(stamp);
			r = send_msg(p, MSG_DATA, p->t.sent, stamp);
			if (r == 0) {
				p->t.sent++;
				next_send += o->interval_ms;
				/* never burst to catch up after a stall */
				if (next_send < t)
					next_send = t;
			} else if (r == -EWOULDBLOCK || r == -EAGAIN) {
				next_send = t + 5;
			} else {
				say(p, "EVENT send_error %s", strerror(-r));
				break;
			}
		}
		if (p->t.sent == count) {
			if (p->t.unique == count)
				break;
			if (!drain_until)
				drain_until = t + o->drain_ms;
			else if (t >= drain_until) {
				say(p, "EVENT drain timeout: %lu unacked",
				    p->t.sent - p->t.unique);
				break;
			}
		}
		if (out_of_time(p, deadline))
			break;
		wait_events(p, p->t.sent < count ? next_send - t :
						   drain_until - t);
		drain(p);
		maybe_change_addr(p);
	}
	snapshot_paths(p);
	report(p);
	/* graceful SHUTDOWN (RFC 9260 section 9.2): the server sees EOF */
	usrsctp_close(p->so);
	return p->t.sent == p->t.unique && p->t.sent == count ? 0 : 1;
}

/* Block until PATH exists (the harness's go), at most TIMEOUT_S. */
static void wait_for_start(const struct peer *p, const char *path,
			   unsigned int timeout_s)
{
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;

	say(p, "READY");
	while (access(path, F_OK) != 0) {
		if (now_ms() > deadline)
			die("%s did not appear within %u s", path, timeout_s);
		usleep(10000);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sctp_peer server --bind ADDR[,ADDR...] --port P [--count N]\n"
		"                        [--accept K] [--report FILE] [tunables]\n"
		"       sctp_peer client --bind ADDR[,ADDR...] --connect ADDR[,ADDR...]\n"
		"                        --port P [--lport L] --count N --interval MS\n"
		"                        [--report FILE] [tunables]\n"
		"tunables: --hb-interval MS (500) --rto-min MS (100) --rto-max MS (500)\n"
		"          --rto-initial MS (300) --path-max-retrans K (1)\n"
		"          --init-attempts K (8) --size BYTES (64) --ppid N (0)\n"
		"          --timeout S (60) --drain-timeout MS (10000)\n"
		"          --progress N (10, 0 = off) --pathmtu BYTES (0: discover)\n"
		"          --blackhole (never answer packets of other peers)\n"
		"          --start-on FILE: print READY once set up, wait for FILE\n"
		"          to exist before binding (start several peers together)\n"
		"          --add-addr ADDR --add-at N [--remove-at M]: bindx() ADDR\n"
		"          (configured, not bound, before start) onto the live\n"
		"          association after N messages received, remove it after M\n"
		"          or on SIGUSR2 (ASCONF Add / Delete IP, RFC 5061)\n"
		"SIGUSR1 (client): no new message after it, exit once the sent ones\n"
		"      are acknowledged (--count is then an upper bound)\n"
		"exit: client 0 when every message was acknowledged, 1 otherwise;\n"
		"      server (with --count) 0 when all N arrived, 1 otherwise\n"
		"--accept K (server, 1): K associations in turn on one listening\n"
		"      socket, each must deliver --count; a RESULT line for each\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		O_BIND = 256, O_CONNECT, O_PORT, O_LPORT, O_COUNT, O_INTERVAL,
		O_HB, O_RTOMIN, O_RTOMAX, O_RTOINIT, O_PMR, O_INIT, O_SIZE,
		O_PPID, O_TIMEOUT, O_DRAIN, O_PROGRESS, O_REPORT, O_PATHMTU,
		O_BLACKHOLE,
		O_ACCEPT,
		O_ADD_ADDR,
		O_ADD_AT,
		O_REMOVE_AT,
		O_START_ON,
	};
	static const struct option lo[] = {
		{ "bind", required_argument, NULL, O_BIND },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "port", required_argument, NULL, O_PORT },
		{ "lport", required_argument, NULL, O_LPORT },
		{ "blackhole", no_argument, NULL, O_BLACKHOLE },
		{ "accept", required_argument, NULL, O_ACCEPT },
		{ "start-on", required_argument, NULL, O_START_ON },
		{ "count", required_argument, NULL, O_COUNT },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "hb-interval", required_argument, NULL, O_HB },
		{ "rto-min", required_argument, NULL, O_RTOMIN },
		{ "rto-max", required_argument, NULL, O_RTOMAX },
		{ "rto-initial", required_argument, NULL, O_RTOINIT },
		{ "path-max-retrans", required_argument, NULL, O_PMR },
		{ "init-attempts", required_argument, NULL, O_INIT },
		{ "size", required_argument, NULL, O_SIZE },
		{ "ppid", required_argument, NULL, O_PPID },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "drain-timeout", required_argument, NULL, O_DRAIN },
		{ "progress", required_argument, NULL, O_PROGRESS },
		{ "report", required_argument, NULL, O_REPORT },
		{ "pathmtu", required_argument, NULL, O_PATHMTU },
		{ "add-addr", required_argument, NULL, O_ADD_ADDR },
		{ "add-at", required_argument, NULL, O_ADD_AT },
		{ "remove-at", required_argument, NULL, O_REMOVE_AT },
		{ NULL, 0, NULL, 0 },
	};
	bool have_port = false;
	int c;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		o->mode = MODE_SERVER;
	else if (!strcmp(argv[1], "client"))
		o->mode = MODE_CLIENT;
	else
		usage();
	o->interval_ms = 20;
	o->size = 64;
	o->hb_ms = 500;
	o->rto_min = 100;
	o->rto_max = 500;
	o->rto_init = 300;
	o->pmr = 1;
	o->init_attempts = 8;
	o->accepts = 1;
	o->timeout_s = 60;
	o->drain_ms = 10000;
	o->progress = 10;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_BIND:
			o->nbind = parse_addrs(optarg, o->bind, MAX_ADDRS);
			break;
		case O_CONNECT:
			o->nconn = parse_addrs(optarg, o->conn, MAX_ADDRS);
			break;
		case O_PORT:
			o->port = parse_uint(optarg, "port", 65535);
			have_port = true;
			break;
		case O_LPORT:
			o->lport = parse_uint(optarg, "lport", 65535);
			break;
		case O_BLACKHOLE:
			o->blackhole = true;
			break;
		case O_ACCEPT:
			o->accepts = parse_uint(optarg, "accept", 1000);
			break;
		case O_START_ON:
			o->start_on = optarg;
			break;
		case O_COUNT:
			o->count = parse_uint(optarg, "count", MAX_SEQ);
			break;
		case O_INTERVAL:
			o->interval_ms = parse_uint(optarg, "interval", 60000);
			break;
		case O_HB:
			o->hb_ms = parse_uint(optarg, "hb-interval", 600000);
			break;
		case O_RTOMIN:
			o->rto_min = parse_uint(optarg, "rto-min", 600000);
			break;
		case O_RTOMAX:
			o->rto_max = parse_uint(optarg, "rto-max", 600000);
			break;
		case O_RTOINIT:
			o->rto_init = parse_uint(optarg, "rto-initial", 600000);
			break;
		case O_PMR:
			o->pmr = parse_uint(optarg, "path-max-retrans", 100);
			break;
		case O_INIT:
			o->init_attempts = parse_uint(optarg, "init-attempts",
						      255);
			break;
		case O_SIZE:
			o->size = parse_uint(optarg, "size", MSG_MAX_LEN);
			break;
		case O_PPID:
			o->ppid = parse_uint(optarg, "ppid", UINT_MAX);
			break;
		case O_TIMEOUT:
			o->timeout_s = parse_uint(optarg, "timeout", 86400);
			break;
		case O_DRAIN:
			o->drain_ms = parse_uint(optarg, "drain-timeout",
						 3600000);
			break;
		case O_PROGRESS:
			o->progress = parse_uint(optarg, "progress", MAX_SEQ);
			break;
		case O_REPORT:
			o->report = optarg;
			break;
		case O_PATHMTU:
			o->pathmtu = parse_uint(optarg, "pathmtu", 65535);
			break;
		case O_ADD_ADDR:
			parse_addrs(optarg, &o->add_addr, 1);
			o->have_add = true;
			break;
		case O_ADD_AT:
			o->add_at = parse_uint(optarg, "add-at", MAX_SEQ);
			break;
		case O_REMOVE_AT:
			o->remove_at = parse_uint(optarg, "remove-at", MAX_SEQ);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o->nbind || !have_port)
		usage();
	if (o->mode == MODE_CLIENT && (!o->nconn || !o->count || !o->port))
		usage();
	if (!o->accepts)
		die("--accept must be at least 1");
	if (o->have_add && (!o->add_at ||
			    (o->remove_at && o->remove_at <= o->add_at)))
		die("--add-addr needs --add-at N >= 1 and --remove-at > N");
	if (o->size < MSG_HDR_LEN)
		die("--size must be at least %d", MSG_HDR_LEN);
	if (o->rto_min > o->rto_max || o->rto_init < o->rto_min ||
	    o->rto_init > o->rto_max)
		die("need rto-min <= rto-initial <= rto-max");
}

int main(int argc, char **argv)
{
	static struct opts o;
	struct peer p;
	struct sigaction sa;
	int rc, i;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&p, 0, sizeof(p));
	p.o = &o;
	p.t0 = now_ms();
	p.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p.efd < 0)
		die("eventfd: %s", strerror(errno));
	p.partial = malloc(MSG_MAX_LEN);
	p.pending = calloc(PENDING_ACKS, sizeof(*p.pending));
	if (!p.partial || !p.pending)
		die("out of memory");
	signal_efd = p.efd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_finish;
	sigaction(SIGUSR1, &sa, NULL);
	if (o.have_add) {
		sa.sa_handler = on_remove;
		sigaction(SIGUSR2, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	/* port 0: no UDP encapsulation, native SCTP over raw IP sockets */
	usrsctp_init(0, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(o.blackhole ? 2 : 0);
	if (o.start_on)
		wait_for_start(&p, o.start_on, o.timeout_s);
	if (o.have_add) {
		/*
		 * Their defaults, said out loud: ASCONF needs AUTH (RFC
		 * 5061 4.1.1), and the association must have agreed to
		 * both in its INIT exchange.  auto_asconf only concerns
		 * addresses appearing on a wildcard-bound endpoint.
		 */
		usrsctp_sysctl_set_sctp_auth_enable(1);
		usrsctp_sysctl_set_sctp_asconf_enable(1);
	}

	rc = o.mode == MODE_SERVER ? run_server(&p) : run_client(&p);

	/* let the SHUTDOWN handshake finish; usrsctp_finish fails until then */
	for (i = 0; i < 50 && usrsctp_finish() != 0; i++)
		usleep(100000);
	free(p.t.seen);
	free(p.partial);
	free(p.pending);
	close(p.efd);
	return rc;
}
