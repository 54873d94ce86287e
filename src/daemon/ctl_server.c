/*
 * ctl_server: the control socket's listener and connections, driven by
 * io_uring operations on the event loop (see ctl_server.h).
 *
 * A connection goes through recv -> render -> send* -> close, with at
 * most one operation in flight, so its state is a plain sequence and it
 * is only ever closed from its own completion (or by destroy, which
 * cancels that one operation first).  Every operation carries a timeout:
 * the idle time (a client must move the exchange on that often: send its
 * request, read part of the answer), never beyond what is left of the
 * whole exchange's deadline.  A client that connects and waits, or asks
 * for a large answer and never reads it, is gone after the idle time; one
 * that trickles a byte a second, at the deadline.
 *
 * Admission is by the peer's uid (SO_PEERCRED, taken at connect()): root
 * may use every slot; any other uid at most per_uid of them, and all of
 * them together not the root_reserved last ones.  So eight idle
 * connections, or a script that reconnects as soon as it is dropped,
 * cost their uid its own share and never lock root out; a refused
 * connection is closed at once, before it costs a slot or a read.
 *
 * The listener re-arms its accept after every completion.  When accept
 * fails for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) it waits
 * a second before trying again instead of spinning on the error.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl_server.h"
#include "log.h"
#include "loop.h"
#include "mon_event.h"
#include "time_ns.h"

#define CTL_DEFAULT_MODE	0660
#define CTL_DEFAULT_CLIENTS	32
#define CTL_DEFAULT_TIMEOUT_MS	10000
#define CTL_DEFAULT_PER_UID	4
#define CTL_DEFAULT_IDLE_MS	2000
/* Slots only root may take (fewer when max_clients is tiny). */
#define CTL_ROOT_RESERVED	2
#define CTL_BACKLOG		16
#define CTL_ACCEPT_RETRY_NS	NSEC_PER_SEC

struct ctl_client {
	struct ctl_server *srv;
	int fd;			/* -1: slot free */
	int op;			/* loop id of the operation in flight */
	uint64_t deadline_ns;
	pid_t pid;		/* SO_PEERCRED, for the log */
	uid_t uid;
	size_t req_len;
	char req[CTL_REQUEST_MAX];
	char *resp;
	size_t resp_len, resp_off;
	/* "monitor" subscribers (see the MONITOR section below). */
	bool monitor;
	int rop; /* recv that sees the client leave, -1 if none */
	char *ring; /* CTL_MON_RING bytes of lines to send */
	size_t r_head, r_used; /* unsent bytes start at r_head */
	uint64_t lost; /* events not queued since the last note */
	char sink[16]; /* what a subscriber sends is ignored */
};

struct ctl_server {
	struct loop *loop;
	struct ctl_ops ops;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int accept_op;		/* accept or retry timer, -1 if none */
	uint32_t timeout_ms, idle_ms;
	unsigned int n_clients;		/* slots */
	unsigned int per_uid;		/* per uid but root */
	unsigned int root_reserved;	/* slots for root only */
	struct ctl_client *clients;
	unsigned int n_monitors;
	struct ctl_server_stats st;
	struct log_ratelimit rl_full, rl_accept;
};

static void ctl_accept_arm(struct ctl_server *s);

/* Frees c's slot; with keep_fd, its fd is someone else's now. */
static void ctl_client_release(struct ctl_client *c, bool keep_fd)
{
	if (c->fd < 0)
		return;
	if (c->op >= 0)
		loop_del(c->srv->loop, c->op);
	if (c->rop >= 0)
		loop_del(c->srv->loop, c->rop);
	if (c->monitor)
		c->srv->n_monitors--;
	c->monitor = false;
	c->rop = -1;
	free(c->ring);
	c->ring = NULL;
	if (!keep_fd)
		close(c->fd);
	free(c->resp);
	c->resp = NULL;
	c->fd = -1;
	c->op = -1;
}

static void ctl_client_close(struct ctl_client *c)
{
	ctl_client_release(c, false);
}

/*
 * How long c's next operation may wait: the idle time, or less when the
 * exchange's deadline is nearer; 0 when the deadline has passed.
 */
static uint32_t ctl_client_ms_left(const struct ctl_client *c)
{
	uint64_t now = mono_ns();
	uint64_t ms;

	if (now >= c->deadline_ns)
		return 0;
	ms = (c->deadline_ns - now + 999999) / 1000000;
	if (ms > c->srv->idle_ms)
		ms = c->srv->idle_ms;
	return (uint32_t)ms;
}

static void ctl_on_recv(void *arg, int res);
static void ctl_on_send(void *arg, int res);

static void ctl_client_recv(struct ctl_client *c)
{
	uint32_t ms = ctl_client_ms_left(c);

	if (ms == 0) {
		c->srv->st.timed_out++;
		ctl_client_close(c);
		return;
	}
	c->op = loop_recv(c->srv->loop, c->fd, c->req + c->req_len,
			  sizeof(c->req) - c->req_len, ms, ctl_on_recv, c);
	if (c->op < 0) {
		log_warnx("control: cannot read from client pid %d: %s; "
			  "client dropped, it may retry", (int)c->pid,
			  strerror(-c->op));
		c->op = -1;
		ctl_client_close(c);
	}
}

static void ctl_client_send(struct ctl_client *c)
{
	uint32_t ms = ctl_client_ms_left(c);

	if (ms == 0) {
		log_info("control: client pid %d too slow, disconnected",
			 (int)c->pid);
		c->srv->st.timed_out++;
		ctl_client_close(c);
		return;
	}
	c->op = loop_send(c->srv->loop, c->fd, c->resp + c->resp_off,
			  c->resp_len - c->resp_off, ms, ctl_on_send, c);
	if (c->op < 0) {
		log_warnx("control: cannot write to client pid %d: %s; "
			  "client dropped, it may retry", (int)c->pid,
			  strerror(-c->op));
		c->op = -1;
		ctl_client_close(c);
	}
}

/* Sends an error answer (why) instead of a command's. */
static void ctl_client_refuse(struct ctl_client *c, const char *why)
{
	if (ctl_render_error(why, &c->resp, &c->resp_len) < 0) {
		ctl_client_close(c);
		return;
	}
	c->resp[c->resp_len++] = '\n';
	c->resp_off = 0;
	ctl_client_send(c);
}

/* The request is complete (or cut short): answer it. */
static void ctl_monitor_start(struct ctl_client *c);

/*
 * "capture": the request checked, the connection goes to the capture
 * module (capture.h), which streams pcapng on it; the slot is free again.
 */
static void ctl_capture_start(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;
	struct cap_req r;
	const char *args;
	char why[160];
	size_t n;

	n = ctl_request_args(c->req, c->req_len, &args);
	if (cap_req_parse(args, n, &r, why, sizeof(why)) < 0) {
		ctl_client_refuse(c, why);
		return;
	}
	if (!s->ops.capture) {
		ctl_client_refuse(c, "capture is not available");
		return;
	}
	if (s->ops.capture(s->ops.arg, c->fd, &r, c->pid, why,
			   sizeof(why)) < 0) {
		ctl_client_refuse(c, why);
		return;
	}
	log_info("control: capture requested by uid %u pid %d",
		 (unsigned int)c->uid, (int)c->pid);
	ctl_client_release(c, true);
}

static void ctl_client_answer(struct ctl_client *c, enum ctl_cmd cmd)
{
	struct ctl_server *s = c->srv;
	size_t len;

	struct ctl_filter filter;
	const char *args;
	char why[160];
	size_t n;

	if (cmd == CTL_CMD_MONITOR) {
		ctl_monitor_start(c);
		return;
	}
	if (cmd == CTL_CMD_CAPTURE) {
		ctl_capture_start(c);
		return;
	}
	n = ctl_request_args(c->req, c->req_len, &args);
	if (ctl_filter_parse(args, n, &filter, why, sizeof(why)) < 0) {
		ctl_client_refuse(c, why);
		return;
	}
	/* Actions that change state are worth a line. */
	if (cmd == CTL_CMD_RELOAD || cmd == CTL_CMD_FLUSH)
		log_info("control: %s requested by uid %u pid %d",
			 ctl_cmd_name(cmd), (unsigned int)c->uid, (int)c->pid);
	if (ctl_render_filtered(cmd, filter.keys ? &filter : NULL, &s->ops,
				&c->resp, &len) < 0) {
		ctl_client_close(c);
		return;
	}
	/* The answer is one line: JSON, then a newline (ours to add). */
	c->resp[len] = '\n';
	c->resp_len = len + 1;
	c->resp_off = 0;
	ctl_client_send(c);
}

static void ctl_on_recv(void *arg, int res)
{
	struct ctl_client *c = arg;
	enum ctl_cmd cmd;

	c->op = -1;
	if (res < 0) {
		if (res == -ECANCELED) {
			log_debug("control: client pid %d sent nothing for "
				  "%u ms, disconnected", (int)c->pid,
				  (unsigned int)c->srv->idle_ms);
			c->srv->st.timed_out++;
		}
		ctl_client_close(c);
		return;
	}
	c->req_len += (size_t)res;
	/* res == 0: it closed its side; answer what it sent, if any. */
	switch (ctl_request_parse(c->req, c->req_len, res == 0, &cmd)) {
	case CTL_REQ_MORE:
		ctl_client_recv(c);
		return;
	case CTL_REQ_EMPTY:
		ctl_client_close(c);
		return;
	case CTL_REQ_CMD:
		ctl_client_answer(c, cmd);
		return;
	case CTL_REQ_UNKNOWN:
		ctl_client_refuse(c, "unknown command");
		return;
	case CTL_REQ_TOO_LONG:
		ctl_client_refuse(c, "request too long");
		return;
	}
}

static void ctl_on_send(void *arg, int res)
{
	struct ctl_client *c = arg;

	c->op = -1;
	if (res <= 0) {
		if (res == -ECANCELED) {
			log_info("control: client pid %d read nothing for %u "
				 "ms, disconnected", (int)c->pid,
				 (unsigned int)c->srv->idle_ms);
			c->srv->st.timed_out++;
		}
		ctl_client_close(c);
		return;
	}
	c->resp_off += (size_t)res;
	if (c->resp_off < c->resp_len) {
		ctl_client_send(c);
		return;
	}
	ctl_client_close(c);
}

/* Connections uid holds now. */
static unsigned int ctl_uid_count(const struct ctl_server *s, uid_t uid,
				  unsigned int *used)
{
	unsigned int i, n = 0;

	*used = 0;
	for (i = 0; i < s->n_clients; i++) {
		if (s->clients[i].fd < 0)
			continue;
		(*used)++;
		if (s->clients[i].uid == uid)
			n++;
	}
	return n;
}

static void ctl_client_start(struct ctl_server *s, int fd)
{
	struct ctl_client *c = NULL;
	struct ucred cred = { .pid = -1, .uid = (uid_t)-1 };
	socklen_t clen = sizeof(cred);
	unsigned int i, mine, used;

	/* Unknown credentials count as one more unprivileged uid. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		cred.pid = -1;
		cred.uid = (uid_t)-1;
	}
	mine = ctl_uid_count(s, cred.uid, &used);
	if (cred.uid != 0 && mine >= s->per_uid) {
		s->st.refused_uid++;
		log_ratelimited(&s->rl_full, LOG_WARNING,
				"control: uid %u already has %u connections, "
				"refusing more (pid %d); look for a stuck "
				"sctpalgctl or a script polling too fast "
				"(ss -xp)", (unsigned int)cred.uid, mine,
				(int)cred.pid);
		close(fd);
		return;
	}
	if (cred.uid != 0 && used >= s->n_clients - s->root_reserved) {
		s->st.refused_full++;
		log_ratelimited(&s->rl_full, LOG_WARNING,
				"control: %u clients connected, refusing uid "
				"%u (pid %d); the last %u slots are root's; "
				"look for stuck clients (ss -xp)", used,
				(unsigned int)cred.uid, (int)cred.pid,
				s->root_reserved);
		close(fd);
		return;
	}
	for (i = 0; i < s->n_clients; i++) {
		if (s->clients[i].fd < 0) {
			c = &s->clients[i];
			break;
		}
	}
	if (!c) {
		s->st.refused_full++;
		log_ratelimited(&s->rl_full, LOG_WARNING,
				"control: %u clients connected, refusing more; "
				"look for a stuck sctpalgctl or a script "
				"polling too fast (ss -xp)", s->n_clients);
		close(fd);
		return;
	}
	s->st.accepted++;
	memset(c, 0, sizeof(*c));
	c->srv = s;
	c->fd = fd;
	c->op = -1;
	c->rop = -1;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->deadline_ns = mono_ns() + (uint64_t)s->timeout_ms * 1000000u;
	ctl_client_recv(c);
}

static void ctl_on_accept_retry(void *arg, int res)
{
	struct ctl_server *s = arg;

	(void)res;
	s->accept_op = -1;
	ctl_accept_arm(s);
}

static void ctl_on_accept(void *arg, int res)
{
	struct ctl_server *s = arg;

	s->accept_op = -1;
	if (res >= 0) {
		ctl_client_start(s, res);
		ctl_accept_arm(s);
		return;
	}
	switch (-res) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		log_ratelimited(&s->rl_accept, LOG_WARNING,
				"control: accept: %s; retrying in 1 s (raise "
				"the open files limit, LimitNOFILE=, if it "
				"persists)", strerror(-res));
		s->accept_op = loop_after(s->loop, CTL_ACCEPT_RETRY_NS,
					  ctl_on_accept_retry, s);
		if (s->accept_op < 0) {
			s->accept_op = -1;
			log_warnx("control: socket no longer accepting; "
				  "restart sctpalgd to use sctpalgctl again");
		}
		return;
	case EINTR:
	case EAGAIN:
	case ECONNABORTED:
	case EPROTO:
		ctl_accept_arm(s);
		return;
	default:
		log_warnx("control: accept: %s; socket no longer accepting: "
			  "restart sctpalgd to use sctpalgctl again",
			  strerror(-res));
		return;
	}
}

static void ctl_accept_arm(struct ctl_server *s)
{
	s->accept_op = loop_accept(s->loop, s->fd, ctl_on_accept, s);
	if (s->accept_op < 0) {
		log_warnx("control: cannot accept: %s; socket no longer "
			  "accepting: restart sctpalgd to use sctpalgctl "
			  "again", strerror(-s->accept_op));
		s->accept_op = -1;
	}
}

/*
 * A socket file at path: if a daemon answers on it, -EADDRINUSE; if it
 * is a socket nobody listens on (left by a crash), remove it; anything
 * else that is not a socket is not ours to delete: -EEXIST.
 */
static int ctl_clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return -errno;
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int ctl_listen(struct ctl_server *s, const struct ctl_server_config *cfg)
{
	struct sockaddr_un sun;
	mode_t mode = cfg->mode ? cfg->mode : CTL_DEFAULT_MODE;
	mode_t old_umask;
	int fd, ret;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, s->path, sizeof(sun.sun_path));
	ret = ctl_clear_stale(&sun);
	if (ret < 0) {
		log_warnx("control: %s: %s", s->path,
			  ret == -EADDRINUSE ? "another daemon is listening; "
			  "stop it or set another control-socket in [daemon]"
			  : strerror(-ret));
		return ret;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * bind() creates the file with the umask applied; a restrictive
	 * umask means no moment where it is more open than `mode`.
	 */
	old_umask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (ret < 0) {
		ret = -errno;
		log_warn("control: bind %s (check control-socket in "
			 "[daemon] and that its directory exists)", s->path);
		goto err_close;
	}
	if (chown(s->path, cfg->uid, cfg->gid) < 0 ||
	    chmod(s->path, mode) < 0) {
		ret = -errno;
		log_warn("control: %s: owner or mode (check "
			 "control-group in [daemon])", s->path);
		goto err_unlink;
	}
	if (listen(fd, CTL_BACKLOG) < 0) {
		ret = -errno;
		log_warn("control: listen %s", s->path);
		goto err_unlink;
	}
	s->fd = fd;
	return 0;

err_unlink:
	unlink(s->path);
err_close:
	close(fd);
	return ret;
}

int ctl_server_create(const struct ctl_server_config *cfg,
		      const struct ctl_ops *ops, struct loop *l,
		      struct ctl_server **out)
{
	const char *path = cfg->path ? cfg->path : CTL_SOCKET_DEFAULT;
	struct ctl_server *s;
	unsigned int i;
	int ret;

	if (!ops->engine || !l)
		return -EINVAL;
	if (strlen(path) >= sizeof(s->path) || path[0] == '\0')
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = l;
	s->ops = *ops;
	s->fd = -1;
	s->accept_op = -1;
	strcpy(s->path, path);
	s->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms
					: CTL_DEFAULT_TIMEOUT_MS;
	s->n_clients = cfg->max_clients ? cfg->max_clients
					: CTL_DEFAULT_CLIENTS;
	s->per_uid = cfg->per_uid ? cfg->per_uid : CTL_DEFAULT_PER_UID;
	s->idle_ms = cfg->idle_ms ? cfg->idle_ms : CTL_DEFAULT_IDLE_MS;
	s->root_reserved = s->n_clients >= 4 * CTL_ROOT_RESERVED ?
			   CTL_ROOT_RESERVED : s->n_clients / 4;
	s->rl_full = (struct log_ratelimit)LOG_RATELIMIT_INIT(1, 10000);
	s->rl_accept = (struct log_ratelimit)LOG_RATELIMIT_INIT(1, 10000);
	s->clients = calloc(s->n_clients, sizeof(*s->clients));
	if (!s->clients) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < s->n_clients; i++) {
		s->clients[i].fd = -1;
		s->clients[i].op = -1;
		s->clients[i].rop = -1;
	}
	ret = ctl_listen(s, cfg);
	if (ret < 0)
		goto err_free_clients;
	s->accept_op = loop_accept(l, s->fd, ctl_on_accept, s);
	if (s->accept_op < 0) {
		ret = s->accept_op;
		goto err_close;
	}
	*out = s;
	return 0;

err_close:
	close(s->fd);
	unlink(s->path);
err_free_clients:
	free(s->clients);
err_free:
	free(s);
	return ret;
}

void ctl_server_destroy(struct ctl_server *s)
{
	unsigned int i;

	if (!s)
		return;
	if (s->accept_op >= 0)
		loop_del(s->loop, s->accept_op);
	for (i = 0; i < s->n_clients; i++)
		ctl_client_close(&s->clients[i]);
	close(s->fd);
	unlink(s->path);
	free(s->clients);
	free(s);
}

void ctl_server_stats(const struct ctl_server *s,
		      struct ctl_server_stats *out)
{
	*out = s->st;
	out->monitors = s->n_monitors;
}

/*
 * ---- MONITOR ----
 *
 * A "monitor" request turns the connection into a subscriber: it gets
 * {"ok":true,"monitor":true} and then one line per event
 * (ctl_server_publish) until either side closes.  It has no deadline and
 * no idle time (waiting for events is what it is for), but it still holds
 * its slot and counts against its uid's share, and subscribers together
 * hold at most half the slots, so one-shot commands always find one.
 *
 * Publishing never waits for a subscriber: each has a ring of
 * CTL_MON_RING bytes and one send in flight (without timeout) taking
 * from it.  An event that does not fit is not queued but counted; once
 * there is room again, a "lost" line tells the subscriber how many it
 * missed, before any newer event.  A subscriber that has lost more than
 * CTL_MON_LOST_MAX in a row (it stopped reading) is disconnected.  A recv
 * stays armed meanwhile, so a client that goes away frees its slot at
 * once even when nothing happens.
 */
#define CTL_MON_RING	 (64u << 10)
#define CTL_MON_LOST_MAX 4096

static void ctl_mon_send(struct ctl_client *c);

static uint64_t ctl_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Copies line into c's ring if it fits as a whole.  true if it did. */
static bool ctl_mon_put(struct ctl_client *c, const char *line, size_t len)
{
	size_t tail, first;

	if (CTL_MON_RING - c->r_used < len)
		return false;
	tail = (c->r_head + c->r_used) % CTL_MON_RING;
	first = CTL_MON_RING - tail < len ? CTL_MON_RING - tail : len;
	memcpy(c->ring + tail, line, first);
	memcpy(c->ring, line + first, len - first);
	c->r_used += len;
	return true;
}

/* Queues the note about lost events, if any and if it fits. */
static void ctl_mon_put_lost(struct ctl_client *c)
{
	char note[256];
	size_t n;

	if (!c->lost)
		return;
	n = mon_lost_format(c->lost, ctl_unix_ms(), note, sizeof(note));
	if (n && ctl_mon_put(c, note, n))
		c->lost = 0;
}

static void ctl_mon_queue(struct ctl_client *c, const char *line, size_t len)
{
	ctl_mon_put_lost(c);
	if (c->lost || !ctl_mon_put(c, line, len)) {
		c->srv->st.mon_lost++;
		if (++c->lost > CTL_MON_LOST_MAX) {
			log_info("control: monitor pid %d stopped reading "
				 "(%llu events lost), disconnected",
				 (int)c->pid, (unsigned long long)c->lost);
			c->srv->st.mon_cut++;
			ctl_client_close(c);
			return;
		}
	}
	ctl_mon_send(c);
}

static void ctl_on_mon_send(void *arg, int res)
{
	struct ctl_client *c = arg;

	c->op = -1;
	if (res <= 0) {
		ctl_client_close(c);
		return;
	}
	c->r_head = (c->r_head + (size_t)res) % CTL_MON_RING;
	c->r_used -= (size_t)res;
	ctl_mon_put_lost(c);
	ctl_mon_send(c);
}

/* Starts a send of what is queued, unless one is in flight. */
static void ctl_mon_send(struct ctl_client *c)
{
	size_t n;

	if (c->fd < 0 || c->op >= 0 || c->r_used == 0)
		return;
	/* The contiguous part; the rest goes with the next send. */
	n = CTL_MON_RING - c->r_head;
	if (n > c->r_used)
		n = c->r_used;
	c->op = loop_send(c->srv->loop, c->fd, c->ring + c->r_head, n, 0,
			  ctl_on_mon_send, c);
	if (c->op < 0) {
		log_warnx("control: cannot write to monitor pid %d: %s; "
			  "client dropped, it may retry",
			  (int)c->pid, strerror(-c->op));
		c->op = -1;
		ctl_client_close(c);
	}
}

static void ctl_on_mon_recv(void *arg, int res)
{
	struct ctl_client *c = arg;

	c->rop = -1;
	if (res <= 0) { /* gone (or an error): free the slot */
		ctl_client_close(c);
		return;
	}
	c->rop = loop_recv(c->srv->loop, c->fd, c->sink, sizeof(c->sink), 0,
			   ctl_on_mon_recv, c);
	if (c->rop < 0) {
		c->rop = -1;
		ctl_client_close(c);
	}
}

static void ctl_monitor_start(struct ctl_client *c)
{
	static const char hello[] = "{\"ok\":true,\"monitor\":true}\n";
	struct ctl_server *s = c->srv;

	if (s->n_monitors >= s->n_clients / 2) {
		ctl_client_refuse(c, "too many monitors connected");
		return;
	}
	c->ring = malloc(CTL_MON_RING);
	if (!c->ring) {
		ctl_client_close(c);
		return;
	}
	c->monitor = true;
	s->n_monitors++;
	s->st.mon_started++;
	log_info("control: monitor started by uid %u pid %d",
		 (unsigned int)c->uid, (int)c->pid);
	ctl_mon_put(c, hello, sizeof(hello) - 1);
	ctl_on_mon_recv(c, 1);
	if (c->fd >= 0)
		ctl_mon_send(c);
}

unsigned int ctl_server_monitors(const struct ctl_server *s)
{
	return s ? s->n_monitors : 0;
}

void ctl_server_publish(struct ctl_server *s, const char *line, size_t len)
{
	unsigned int i;

	if (!s || !s->n_monitors || len == 0 || len > CTL_MON_RING / 4)
		return;
	for (i = 0; i < s->n_clients; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].monitor)
			ctl_mon_queue(&s->clients[i], line, len);
}
