// SPDX-License-Identifier: MIT
/*
 * ksctp_peer - the Linux kernel's SCTP as a test endpoint, run inside the
 * qemu VM of test/vm/vm.sh (this machine's own kernel has no SCTP module).
 * It speaks the application protocol of test/e2e/sctp_peer.c (the usrsctp
 * peer; both in test/e2e/peer_common.c) and prints the same machine-readable
 * lines, so the shell helpers of test/e2e/lib.sh (result_field,
 * progress_at_least) read either:
 *
 *   ksctp_peer server --bind A[,A...] --port P [--count N]
 *   ksctp_peer client --bind A[,A...] --connect A[,A...] --port P
 *                     --count N --interval MS [tunables]
 *
 * The client sends N numbered, time-stamped messages; the server answers
 * each with an ACK carrying the same sequence number and stamp.  Lines:
 *
 *   RESULT role=client sent=N acked=N lost=L max_gap_ms=G ...
 *   RESULT role=server received=N unique=U dup=D lost=L max_gap_ms=G ...
 *   PROGRESS sent=N acked=N          (every --progress messages)
 *   PATHINFO addr=A state=S mtu=M srtt_ms=R cwnd=C   (same moments)
 *   PEERS addrs=A,B count=2 / LOCAL addrs=... / FROM addr=A count=N
 *   EVENT ...                         (SCTP notifications, RFC 6458 6.1)
 *
 * Kernel sockets (RFC 6458 one-to-one style) through lksctp-tools' libsctp:
 * sctp_bindx() / sctp_connectx() / sctp_sendmsg(); linked statically so the
 * initramfs needs no C library.  --add-addr ADDR --add-at N binds ADDR to
 * the live association after N acknowledged messages: with
 * net.sctp.addip_enable = 1 that makes the kernel send an ASCONF Add IP
 * Address naming ADDR (RFC 5061 section 4.2.1), authenticated when the peer
 * supports AUTH (RFC 4895).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer_common.h"

#define MAX_PATHS	16
#define MSG_MAX_LEN	4096
#define RECV_BUF_LEN	65536

enum mode { MODE_SERVER, MODE_CLIENT };

struct opts {
	enum mode mode;
	struct sockaddr_storage bind[MAX_ADDRS];
	int nbind;
	struct sockaddr_storage conn[MAX_ADDRS];
	int nconn;
	struct sockaddr_storage add;
	bool have_add;
	unsigned int add_at;
	uint16_t port;
	uint16_t lport;
	unsigned int count;
	unsigned int interval_ms;
	unsigned int size;
	unsigned int hb_ms;
	unsigned int rto_min;
	unsigned int rto_max;
	unsigned int rto_init;
	unsigned int pmr;
	unsigned int init_attempts;
	unsigned int timeout_s;
	unsigned int drain_ms;
	unsigned int progress;
};

struct peer {
	const struct opts *o;
	int fd;
	int64_t t0;
	bool up;
	bool done;
	uint8_t partial[MSG_MAX_LEN];
	size_t partial_len;
	struct sockaddr_storage peers[MAX_PATHS];
	int npeers;
	unsigned long send_failed;
	struct msg_tally t; /* what was sent and received */
	bool added;
	/* server: acks the socket could not take yet (EAGAIN) */
	uint32_t *pend_seq;
	uint8_t (*pend_stamp)[8];
	size_t pend_head, pend_tail;
};

#define PENDING_ACKS	65536

static volatile sig_atomic_t stop_signal;

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

	printf("ksctp_peer: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nRESULT role=error\n");
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

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void setopt(int fd, int opt, const void *val, socklen_t len,
		   const char *name)
{
	if (setsockopt(fd, IPPROTO_SCTP, opt, val, len) < 0)
		die("setsockopt %s: %s", name, strerror(errno));
}

/*
 * The same failover tunables as sctp_peer.c (RFC 9260 sections 6.3.1, 8.2,
 * 8.3), so kernel and usrsctp runs compare.  On a one-to-one socket the
 * endpoint's values (assoc id 0) are inherited by its association.
 */
static void set_tunables(const struct peer *p, int fd)
{
	const struct opts *o = p->o;
	struct sctp_rtoinfo rto = {
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
		SCTP_AUTHENTICATION_EVENT,
	};
	const int on = 1;
	size_t i;

	setopt(fd, SCTP_RTOINFO, &rto, sizeof(rto), "SCTP_RTOINFO");
	memset(&pp, 0, sizeof(pp));
	pp.spp_hbinterval = o->hb_ms;
	pp.spp_pathmaxrxt = o->pmr;
	pp.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_ENABLE;
	setopt(fd, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp),
	       "SCTP_PEER_ADDR_PARAMS");
	setopt(fd, SCTP_INITMSG, &im, sizeof(im), "SCTP_INITMSG");
	setopt(fd, SCTP_NODELAY, &on, sizeof(on), "SCTP_NODELAY");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.se_type = events[i];
		ev.se_on = 1;
		setopt(fd, SCTP_EVENT, &ev, sizeof(ev), "SCTP_EVENT");
	}
}

static int make_socket(struct peer *p, uint16_t port)
{
	const struct opts *o = p->o;
	uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	char a[INET6_ADDRSTRLEN];
	int fd, i;

	fd = socket(any_v6(o) ? AF_INET6 : AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0)
		die("socket(IPPROTO_SCTP): %s (sctp.ko loaded?)",
		    strerror(errno));
	set_tunables(p, fd);
	pack_addrs(o->bind, o->nbind, port, packed);
	if (sctp_bindx(fd, (struct sockaddr *)packed, o->nbind,
		       SCTP_BINDX_ADD_ADDR) < 0)
		die("sctp_bindx: %s", strerror(errno));
	for (i = 0; i < o->nbind; i++)
		say(p, "BIND %s port %u",
		    addr_str((const struct sockaddr *)&o->bind[i], a, sizeof(a)),
		    port);
	return fd;
}

static void list_addrs(struct peer *p, const char *what, bool remote)
{
	struct sockaddr *addrs = NULL, *sa;
	char line[512], a[INET6_ADDRSTRLEN];
	size_t off = 0;
	int n, i, j;

	n = remote ? sctp_getpaddrs(p->fd, 0, &addrs) :
		     sctp_getladdrs(p->fd, 0, &addrs);
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
		sctp_freepaddrs(addrs);
	else
		sctp_freeladdrs(addrs);
}

static const char *path_state(int32_t s)
{
	switch (s) {
	case SCTP_INACTIVE: return "inactive";
	case SCTP_PF: return "potentially-failed";
	case SCTP_ACTIVE: return "active";
	case SCTP_UNCONFIRMED: return "unconfirmed";
	default: return "unknown";
	}
}

/*
 * SCTP_GET_PEER_ADDR_INFO per path (RFC 6458 section 8.2.2): spinfo_mtu is
 * the path MTU the kernel uses, lowered by ICMP Fragmentation Needed.
 */
static void print_paths(struct peer *p, const char *tag)
{
	struct sockaddr *addrs = NULL, *sa;
	char a[INET6_ADDRSTRLEN];
	int n, i;

	n = sctp_getpaddrs(p->fd, 0, &addrs);
	if (n <= 0)
		return;
	sa = addrs;
	for (i = 0; i < n; i++) {
		struct sctp_paddrinfo pi;
		socklen_t l = sizeof(pi);

		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.spinfo_address, sa, sa_len(sa));
		if (getsockopt(p->fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO,
			       &pi, &l) == 0)
			say(p, "%s addr=%s state=%s mtu=%u srtt_ms=%u rto_ms=%u cwnd=%u",
			    tag, addr_str(sa, a, sizeof(a)),
			    path_state(pi.spinfo_state), pi.spinfo_mtu,
			    pi.spinfo_srtt, pi.spinfo_rto, pi.spinfo_cwnd);
		sa = (struct sockaddr *)((uint8_t *)sa + sa_len(sa));
	}
	sctp_freepaddrs(addrs);
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
	case SCTP_ADDR_PF: return "ADDR_PF";
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
		break;
	case SCTP_REMOTE_ERROR:
		say(p, "EVENT remote_error cause=%u",
		    ntohs(n.sn_remote_error.sre_error));
		break;
	case SCTP_SHUTDOWN_EVENT:
		say(p, "EVENT shutdown");
		break;
	case SCTP_SEND_FAILED_EVENT:
		if (!p->send_failed++)
			say(p, "EVENT send_failed error=%u (further ones counted in RESULT)",
			    n.sn_send_failed_event.ssf_error);
		break;
	case SCTP_AUTHENTICATION_EVENT:
		say(p, "EVENT authentication indication=%u keynumber=%u",
		    n.sn_authkey_event.auth_indication,
		    n.sn_authkey_event.auth_keynumber);
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
	size_t len = p->o->size;

	msg_build(buf, len, type, seq, stamp);
	if (sctp_sendmsg(p->fd, buf, len, NULL, 0, 0, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static void flush_pending_acks(struct peer *p)
{
	while (p->pend_head != p->pend_tail) {
		size_t i = p->pend_head % PENDING_ACKS;

		if (send_msg(p, MSG_ACK, p->pend_seq[i], p->pend_stamp[i]) < 0)
			return;
		p->pend_head++;
	}
}

static void on_message(struct peer *p, const uint8_t *buf, size_t len,
		       const struct sockaddr *from)
{
	bool server = p->o->mode == MODE_SERVER;
	int64_t seq = tally_message(&p->t, buf, len, server, p->t0, from);

	if (seq < 0)
		return;
	if (server && p->pend_tail - p->pend_head < PENDING_ACKS) {
		size_t i = p->pend_tail++ % PENDING_ACKS;

		p->pend_seq[i] = (uint32_t)seq;
		memcpy(p->pend_stamp[i], msg_stamp(buf), 8);
		flush_pending_acks(p);
	}
	if (p->o->progress && p->t.msgs % p->o->progress == 0) {
		if (p->o->mode == MODE_CLIENT)
			say(p, "PROGRESS sent=%lu acked=%lu", p->t.sent,
			    p->t.unique);
		else
			say(p, "PROGRESS received=%lu", p->t.unique);
		print_paths(p, "PATHINFO");
	}
}

static void drain(struct peer *p)
{
	static uint8_t buf[RECV_BUF_LEN];

	for (;;) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvmsg(p->fd, &mh, MSG_DONTWAIT);
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
		if (mh.msg_flags & MSG_NOTIFICATION) {
			handle_notification(p, buf, n);
			continue;
		}
		if (p->partial_len + n > MSG_MAX_LEN) {
			p->t.bad++;
			p->partial_len = 0;
			continue;
		}
		memcpy(p->partial + p->partial_len, buf, n);
		p->partial_len += n;
		if (!(mh.msg_flags & MSG_EOR))
			continue;
		on_message(p, p->partial, p->partial_len,
			   (struct sockaddr *)&from);
		p->partial_len = 0;
	}
}

static void wait_events(struct peer *p, int64_t timeout_ms, bool want_out)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	if (want_out)
		pfd.events |= POLLOUT;
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > 200)
		timeout_ms = 200;
	poll(&pfd, 1, timeout_ms);
}

static void report(struct peer *p)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	printf("PEERS addrs=");
	for (i = 0; i < p->npeers; i++)
		printf("%s%s", i ? "," : "",
		       addr_str((struct sockaddr *)&p->peers[i], a, sizeof(a)));
	printf(" count=%d\n", p->npeers);
	tally_print_sources(&p->t, stdout);
	tally_print_result(&p->t, stdout, p->o->mode == MODE_SERVER,
			   p->o->count, p->send_failed, p->up);
	fflush(stdout);
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

static void make_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl O_NONBLOCK: %s", strerror(errno));
}

static int run_server(struct peer *p)
{
	const struct opts *o = p->o;
	int64_t deadline = p->t0 + (int64_t)o->timeout_s * 1000;
	int lfd;

	lfd = make_socket(p, o->port);
	if (listen(lfd, 1) < 0)
		die("listen: %s", strerror(errno));
	make_nonblocking(lfd);
	say(p, "LISTEN port %u", o->port);
	while (p->fd < 0) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		p->fd = accept(lfd, NULL, NULL);
		if (p->fd >= 0)
			break;
		if (errno != EWOULDBLOCK && errno != EAGAIN)
			die("accept: %s", strerror(errno));
		if (out_of_time(p, deadline))
			goto out;
		poll(&pfd, 1, 200);
	}
	close(lfd);
	lfd = -1;
	make_nonblocking(p->fd);
	say(p, "ACCEPT");
	list_addrs(p, "PEERS", true);
	list_addrs(p, "LOCAL", false);
	print_paths(p, "PATHINFO");
	while (!p->done) {
		drain(p);
		flush_pending_acks(p);
		if (p->done || out_of_time(p, deadline))
			break;
		wait_events(p, deadline - now_ms(),
			    p->pend_head != p->pend_tail);
	}
	list_addrs(p, "PEERS", true);
	print_paths(p, "PATH");
out:
	report(p);
	if (lfd >= 0)
		close(lfd);
	if (p->fd >= 0)
		close(p->fd);
	if (!o->count)
		return 0;
	return p->t.unique == o->count && p->t.max_seq + 1 == o->count ? 0 : 1;
}

/* Binding an address to a live association: an ASCONF (RFC 5061 4.2.1). */
static void add_address(struct peer *p)
{
	const struct opts *o = p->o;
	struct sockaddr_storage ss = o->add;
	char a[INET6_ADDRSTRLEN];
	int r;

	set_port(&ss, o->lport);
	r = sctp_bindx(p->fd, (struct sockaddr *)&ss, 1, SCTP_BINDX_ADD_ADDR);
	say(p, "ADDADDR %s %s%s", addr_str((struct sockaddr *)&ss, a,
					   sizeof(a)),
	    r < 0 ? "failed: " : "ok", r < 0 ? strerror(errno) : "");
	p->added = true;
}

static int run_client(struct peer *p)
{
	const struct opts *o = p->o;
	int64_t deadline = p->t0 + (int64_t)o->timeout_s * 1000;
	uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
	int64_t next_send, drain_until = 0;
	sctp_assoc_t id = 0;

	p->fd = make_socket(p, o->lport);
	pack_addrs(o->conn, o->nconn, o->port, packed);
	/* blocking: returns once the COOKIE ACK arrived, or failed */
	if (sctp_connectx(p->fd, (struct sockaddr *)packed, o->nconn,
			  &id) < 0) {
		say(p, "EVENT connect_failed errno=%d (%s)", errno,
		    strerror(errno));
		report(p);
		return 1;
	}
	make_nonblocking(p->fd);
	say(p, "CONNECTED assoc_id=%d", (int)id);
	list_addrs(p, "PEERS", true);
	list_addrs(p, "LOCAL", false);
	print_paths(p, "PATHINFO");
	drain(p);
	next_send = now_ms();
	while (!p->done) {
		int64_t t = now_ms();

		if (o->have_add && !p->added && p->t.unique >= o->add_at)
			add_address(p);
		if (p->t.sent < o->count && t >= next_send) {
			uint8_t stamp[8];
			int r;

			msg_stamp_now(stamp);
			r = send_msg(p, MSG_DATA, p->t.sent, stamp);
			if (r == 0) {
				p->t.sent++;
				next_send += o->interval_ms;
				if (next_send < t)
					next_send = t;
			} else if (r == -EWOULDBLOCK || r == -EAGAIN) {
				next_send = t + 5;
			} else {
				say(p, "EVENT send_error %s", strerror(-r));
				break;
			}
		}
		if (p->t.sent == o->count) {
			if (p->t.unique == o->count)
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
		wait_events(p,
			    p->t.sent < o->count ? next_send - t :
						   drain_until - t,
			    false);
		drain(p);
	}
	list_addrs(p, "PEERS", true);
	list_addrs(p, "LOCAL", false);
	print_paths(p, "PATH");
	report(p);
	/* graceful SHUTDOWN (RFC 9260 section 9.2): linger until it ends */
	{
		struct linger lg = { .l_onoff = 1, .l_linger = 5 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) & ~O_NONBLOCK);
	}
	close(p->fd);
	return p->t.sent == p->t.unique && p->t.sent == o->count ? 0 : 1;
}

static void usage(void)
{
	printf("usage: ksctp_peer server --bind ADDR[,ADDR...] --port P [--count N]\n"
	       "       ksctp_peer client --bind ADDR[,ADDR...] --connect ADDR[,ADDR...]\n"
	       "                         --port P [--lport L] --count N --interval MS\n"
	       "                         [--add-addr ADDR --add-at N]\n"
	       "tunables: --hb-interval MS (500) --rto-min MS (100) --rto-max MS (500)\n"
	       "          --rto-initial MS (300) --path-max-retrans K (1)\n"
	       "          --init-attempts K (8) --size BYTES (64)\n"
	       "          --timeout S (60) --drain-timeout MS (10000)\n"
	       "          --progress N (10, 0 = off)\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		O_BIND = 256, O_CONNECT, O_PORT, O_LPORT, O_COUNT, O_INTERVAL,
		O_HB, O_RTOMIN, O_RTOMAX, O_RTOINIT, O_PMR, O_INIT, O_SIZE,
		O_TIMEOUT, O_DRAIN, O_PROGRESS, O_ADD, O_ADDAT,
	};
	static const struct option lo[] = {
		{ "bind", required_argument, NULL, O_BIND },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "port", required_argument, NULL, O_PORT },
		{ "lport", required_argument, NULL, O_LPORT },
		{ "count", required_argument, NULL, O_COUNT },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "hb-interval", required_argument, NULL, O_HB },
		{ "rto-min", required_argument, NULL, O_RTOMIN },
		{ "rto-max", required_argument, NULL, O_RTOMAX },
		{ "rto-initial", required_argument, NULL, O_RTOINIT },
		{ "path-max-retrans", required_argument, NULL, O_PMR },
		{ "init-attempts", required_argument, NULL, O_INIT },
		{ "size", required_argument, NULL, O_SIZE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "drain-timeout", required_argument, NULL, O_DRAIN },
		{ "progress", required_argument, NULL, O_PROGRESS },
		{ "add-addr", required_argument, NULL, O_ADD },
		{ "add-at", required_argument, NULL, O_ADDAT },
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
		case O_ADD:
			parse_addrs(optarg, &o->add, 1);
			o->have_add = true;
			break;
		case O_ADDAT:
			o->add_at = parse_uint(optarg, "add-at", MAX_SEQ);
			break;
		case O_PORT:
			o->port = parse_uint(optarg, "port", 65535);
			have_port = true;
			break;
		case O_LPORT:
			o->lport = parse_uint(optarg, "lport", 65535);
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
		default:
			usage();
		}
	}
	if (optind != argc || !o->nbind || !have_port)
		usage();
	if (o->mode == MODE_CLIENT && (!o->nconn || !o->count || !o->port))
		usage();
	if (o->size < MSG_HDR_LEN)
		die("--size must be at least %d", MSG_HDR_LEN);
	if (o->rto_min > o->rto_max || o->rto_init < o->rto_min ||
	    o->rto_init > o->rto_max)
		die("need rto-min <= rto-initial <= rto-max");
}

int main(int argc, char **argv)
{
	static struct opts o;
	static struct peer p;
	struct sigaction sa;
	int rc;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.o = &o;
	p.fd = -1;
	p.t0 = now_ms();
	p.pend_seq = calloc(PENDING_ACKS, sizeof(*p.pend_seq));
	p.pend_stamp = calloc(PENDING_ACKS, sizeof(*p.pend_stamp));
	if (!p.pend_seq || !p.pend_stamp)
		die("out of memory");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = o.mode == MODE_SERVER ? run_server(&p) : run_client(&p);
	free(p.t.seen);
	free(p.pend_seq);
	free(p.pend_stamp);
	return rc;
}
