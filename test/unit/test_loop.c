/*
 * Unit tests for loop: the io_uring event loop driven by real file
 * descriptors (eventfds, pipes, socketpairs, a timerfd, a signalfd).
 *
 * What is checked is the contract in src/daemon/loop.h: level- versus
 * edge-triggered registrations, exactly-once operations, that loop_del()
 * silences a callback for good and hands a cancelled buffer back
 * untouched, stale ids, the flush hook.  No timing is asserted: every wait
 * is "run the loop until X happened", bounded by Criterion's timeout so a
 * broken loop fails instead of hanging.
 */
#define _GNU_SOURCE		/* pipe2 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "loop.h"

/* What a callback saw. */
struct seen {
	int calls;
	int last;
	int sum;
	int fd;			/* fd to act on, or -1 */
	int read_bytes;		/* bytes read per call (0 = none) */
	char data[64];
	int n_data;
	struct loop *l;
	int self_id;		/* loop_del() this id on the first call */
};

static void seen_init(struct seen *s, struct loop *l)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->l = l;
	s->self_id = -1;
}

static void on_event(void *arg, int res)
{
	struct seen *s = arg;
	char c;
	int i;

	s->calls++;
	s->last = res;
	s->sum += res;
	for (i = 0; i < s->read_bytes && s->fd >= 0; i++) {
		if (read(s->fd, &c, 1) != 1)
			break;
		if (s->n_data < (int)sizeof(s->data))
			s->data[s->n_data++] = c;
	}
	if (s->self_id >= 0) {
		cr_assert_eq(loop_del(s->l, s->self_id), 0);
		s->self_id = -1;
	}
}

static struct loop *new_loop(unsigned int max)
{
	struct loop *l = NULL;

	cr_assert_eq(loop_create(max, &l), 0);
	cr_assert_not_null(l);
	return l;
}

/* Runs the loop until *calls reaches n (Criterion's timeout bounds it). */
static void run_until(struct loop *l, const int *calls, int n)
{
	while (*calls < n)
		cr_assert_geq(loop_run_once(l, true), 0);
}

/* Runs a few non-waiting turns: whatever is ready gets dispatched. */
static void run_ready(struct loop *l)
{
	int i;

	for (i = 0; i < 5; i++)
		cr_assert_geq(loop_run_once(l, false), 0);
}

static void efd_add(int fd, uint64_t v)
{
	cr_assert_eq(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

/* Level-triggered: unread data calls again; each call sees POLLIN. */
Test(loop, level_triggered_pipe, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int p[2];

	seen_init(&s, l);
	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	s.fd = p[0];
	s.read_bytes = 1;
	cr_assert_geq(loop_add_fd(l, p[0], POLLIN, 0, on_event, &s), 0);
	cr_assert_eq(write(p[1], "abc", 3), 3);

	run_until(l, &s.calls, 3);
	cr_assert_eq(s.n_data, 3);
	cr_assert_eq(memcmp(s.data, "abc", 3), 0);
	cr_assert(s.last & POLLIN);
	/* Drained: no more calls. */
	run_ready(l);
	cr_assert_eq(s.calls, 3);

	loop_destroy(l);
	close(p[0]);
	close(p[1]);
}

/* Level: a callback that reads nothing is called on every turn. */
Test(loop, level_triggered_eventfd_repeats, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int efd = eventfd(0, EFD_NONBLOCK);

	seen_init(&s, l);
	cr_assert_geq(loop_add_fd(l, efd, POLLIN, 0, on_event, &s), 0);
	efd_add(efd, 1);
	run_until(l, &s.calls, 3);
	loop_destroy(l);
	close(efd);
}

/* Edge (multishot): one call per wake-up, even if nothing was read. */
Test(loop, edge_triggered_eventfd, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	uint64_t v;
	int efd = eventfd(0, EFD_NONBLOCK);

	seen_init(&s, l);
	cr_assert_geq(loop_add_fd(l, efd, POLLIN, LOOP_EDGE, on_event, &s),
		      0);
	efd_add(efd, 1);
	run_until(l, &s.calls, 1);
	run_ready(l);
	cr_assert_eq(s.calls, 1, "no new wake-up, no new call");

	efd_add(efd, 1);
	run_until(l, &s.calls, 2);
	cr_assert_eq(read(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	cr_assert_eq(v, 2);
	loop_destroy(l);
	close(efd);
}

/* loop_del() from inside the callback: never called again. */
Test(loop, del_self_from_callback, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int efd = eventfd(0, EFD_NONBLOCK);
	int id;

	seen_init(&s, l);
	id = loop_add_fd(l, efd, POLLIN, 0, on_event, &s);
	cr_assert_geq(id, 0);
	s.self_id = id;
	efd_add(efd, 1);
	run_until(l, &s.calls, 1);
	run_ready(l);
	cr_assert_eq(s.calls, 1);
	cr_assert_eq(loop_del(l, id), -ENOENT, "already deleted");
	loop_destroy(l);
	close(efd);
}

/* loop_del() of an armed edge registration from outside. */
Test(loop, del_edge_registration, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int efd = eventfd(0, EFD_NONBLOCK);
	int id;

	seen_init(&s, l);
	id = loop_add_fd(l, efd, POLLIN, LOOP_EDGE, on_event, &s);
	cr_assert_geq(id, 0);
	run_ready(l);			/* armed in the kernel */
	cr_assert_eq(loop_del(l, id), 0);
	efd_add(efd, 1);
	run_ready(l);
	cr_assert_eq(s.calls, 0);
	loop_destroy(l);
	close(efd);
}

/* A poll on a closed fd fails once, with -EBADF, and is gone. */
Test(loop, poll_bad_fd_reports_error, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int fd = eventfd(0, 0);
	int id;

	close(fd);
	seen_init(&s, l);
	id = loop_add_fd(l, fd, POLLIN, 0, on_event, &s);
	cr_assert_geq(id, 0);
	run_until(l, &s.calls, 1);
	cr_assert_eq(s.last, -EBADF);
	run_ready(l);
	cr_assert_eq(s.calls, 1);
	cr_assert_eq(loop_del(l, id), -ENOENT);
	loop_destroy(l);
}

/* The timer counts expirations; after loop_del() it is silent. */
Test(loop, periodic_timer, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int id;

	seen_init(&s, l);
	id = loop_add_timer(l, 1000000, on_event, &s);	/* 1 ms */
	cr_assert_geq(id, 0);
	while (s.sum < 3)
		cr_assert_geq(loop_run_once(l, true), 0);
	cr_assert_gt(s.last, 0);
	cr_assert_eq(loop_del(l, id), 0);
	s.calls = 0;
	/* Any CQE already on its way is dropped, never delivered. */
	run_ready(l);
	cr_assert_eq(s.calls, 0);
	loop_destroy(l);
}

/* Signals arrive through the signalfd, one call per signal. */
Test(loop, signals_via_signalfd, .timeout = 10)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2 };
	struct loop *l = new_loop(8);
	struct seen s;
	sigset_t cur;

	seen_init(&s, l);
	cr_assert_geq(loop_add_signals(l, sigs, 2, on_event, &s), 0);
	cr_assert_eq(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	cr_assert(sigismember(&cur, SIGUSR1), "blocked, not handled");
	cr_assert_eq(kill(getpid(), SIGUSR1), 0);
	cr_assert_eq(kill(getpid(), SIGUSR2), 0);
	run_until(l, &s.calls, 2);
	cr_assert_eq(s.sum, SIGUSR1 + SIGUSR2);
	loop_destroy(l);
}

/* recv completes once with the bytes; send goes out; EOF reads 0. */
Test(loop, recv_send_socketpair, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen rs, ss;
	char buf[16] = "";
	char out[16];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		     0);
	seen_init(&rs, l);
	seen_init(&ss, l);
	cr_assert_geq(loop_recv(l, sv[0], buf, sizeof(buf), 0, on_event, &rs),
		      0);
	cr_assert_eq(write(sv[1], "hello", 5), 5);
	run_until(l, &rs.calls, 1);
	cr_assert_eq(rs.last, 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	run_ready(l);
	cr_assert_eq(rs.calls, 1, "an operation calls back once");

	cr_assert_geq(loop_send(l, sv[0], "world", 5, 1000, on_event, &ss),
		      0);
	run_until(l, &ss.calls, 1);
	cr_assert_eq(ss.last, 5);
	cr_assert_eq(read(sv[1], out, sizeof(out)), 5);
	cr_assert_eq(memcmp(out, "world", 5), 0);

	close(sv[1]);
	cr_assert_geq(loop_recv(l, sv[0], buf, sizeof(buf), 0, on_event, &rs),
		      0);
	run_until(l, &rs.calls, 2);
	cr_assert_eq(rs.last, 0, "peer closed");
	loop_destroy(l);
	close(sv[0]);
}

/* A linked timeout ends a recv that gets nothing. */
Test(loop, recv_timeout, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	char buf[8];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		     0);
	seen_init(&s, l);
	cr_assert_geq(loop_recv(l, sv[0], buf, sizeof(buf), 5, on_event, &s),
		      0);
	run_until(l, &s.calls, 1);
	cr_assert_eq(s.last, -ECANCELED);
	run_ready(l);
	cr_assert_eq(s.calls, 1);
	loop_destroy(l);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A cancelled recv never calls back and never takes the data: it stays
 * in the socket for whoever reads next.
 */
Test(loop, del_pending_recv_keeps_data, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	char buf[8] = "";
	char got[8];
	int sv[2];
	int id;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		     0);
	seen_init(&s, l);
	id = loop_recv(l, sv[0], buf, sizeof(buf), 0, on_event, &s);
	cr_assert_geq(id, 0);
	run_ready(l);			/* in the kernel, waiting */
	cr_assert_eq(loop_del(l, id), 0);
	cr_assert_eq(write(sv[1], "x", 1), 1);
	run_ready(l);
	cr_assert_eq(s.calls, 0);
	cr_assert_eq(buf[0], '\0');
	cr_assert_eq(read(sv[0], got, sizeof(got)), 1);
	cr_assert_eq(got[0], 'x');
	cr_assert_eq(loop_del(l, id), -ENOENT);
	loop_destroy(l);
	close(sv[0]);
	close(sv[1]);
}

/* Cancelling before the first submission works too. */
Test(loop, del_unsubmitted_op, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	char buf[8];
	int sv[2];
	int id;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		     0);
	seen_init(&s, l);
	id = loop_recv(l, sv[0], buf, sizeof(buf), 1000, on_event, &s);
	cr_assert_geq(id, 0);
	cr_assert_eq(loop_del(l, id), 0);
	cr_assert_eq(write(sv[1], "y", 1), 1);
	run_ready(l);
	cr_assert_eq(s.calls, 0);
	cr_assert_eq(read(sv[0], buf, sizeof(buf)), 1);
	loop_destroy(l);
	close(sv[0]);
	close(sv[1]);
}

/* accept returns a non-blocking, close-on-exec connection. */
Test(loop, accept_unix, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct sockaddr_un sun;
	struct seen s;
	socklen_t len;
	int lfd, cfd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* Abstract name: no file to clean up; the PID keeps it unique. */
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
		 "sctpalg-test-loop-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(sun.sun_path + 1));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, len), 0);
	cr_assert_eq(listen(lfd, 4), 0);

	seen_init(&s, l);
	cr_assert_geq(loop_accept(l, lfd, on_event, &s), 0);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&sun, len), 0);
	run_until(l, &s.calls, 1);
	cr_assert_geq(s.last, 0);
	cr_assert(fcntl(s.last, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(s.last, F_GETFD) & FD_CLOEXEC);
	close(s.last);
	close(cfd);
	loop_destroy(l);
	close(lfd);
}

/* A one-shot timer without an fd: res 0. */
Test(loop, after_fires_once, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;

	seen_init(&s, l);
	s.last = -1;
	cr_assert_geq(loop_after(l, 1000000, on_event, &s), 0);
	run_until(l, &s.calls, 1);
	cr_assert_eq(s.last, 0);
	loop_destroy(l);
}

/* The table is fixed; a finished id is stale even when its slot is
 * reused. */
Test(loop, capacity_and_stale_ids, .timeout = 10)
{
	struct loop *l = new_loop(2);
	struct seen s;
	int e1 = eventfd(0, EFD_NONBLOCK), e2 = eventfd(0, EFD_NONBLOCK);
	int e3 = eventfd(0, EFD_NONBLOCK);
	int a, b, c;

	seen_init(&s, l);
	a = loop_add_fd(l, e1, POLLIN, 0, on_event, &s);
	b = loop_add_fd(l, e2, POLLIN, 0, on_event, &s);
	cr_assert_geq(a, 0);
	cr_assert_geq(b, 0);
	cr_assert_neq(a, b);
	cr_assert_eq(loop_add_fd(l, e3, POLLIN, 0, on_event, &s), -ENOSPC);

	cr_assert_eq(loop_del(l, a), 0);
	run_ready(l);			/* the removal completes */
	c = loop_add_fd(l, e3, POLLIN, 0, on_event, &s);
	cr_assert_geq(c, 0);
	cr_assert_neq(c, a, "same slot, new generation");
	cr_assert_eq(loop_del(l, a), -ENOENT);
	cr_assert_eq(loop_del(l, -1), -ENOENT);
	loop_destroy(l);
	close(e1);
	close(e2);
	close(e3);
}

static void on_flush(void *arg)
{
	(*(int *)arg)++;
}

/* The flush hook runs once per batch, however many completions. */
Test(loop, flush_once_per_batch, .timeout = 10)
{
	struct loop *l = new_loop(8);
	struct seen s;
	int flushes = 0, turns = 0;
	int e1 = eventfd(0, EFD_NONBLOCK), e2 = eventfd(0, EFD_NONBLOCK);

	seen_init(&s, l);
	loop_set_flush(l, on_flush, &flushes);
	cr_assert_geq(loop_add_fd(l, e1, POLLIN, LOOP_EDGE, on_event, &s), 0);
	cr_assert_geq(loop_add_fd(l, e2, POLLIN, LOOP_EDGE, on_event, &s), 0);
	efd_add(e1, 1);
	efd_add(e2, 1);
	while (s.calls < 2) {
		cr_assert_geq(loop_run_once(l, true), 0);
		turns++;
	}
	cr_assert_eq(flushes, turns);
	loop_destroy(l);
	close(e1);
	close(e2);
}

static void on_stop(void *arg, int res)
{
	(void)res;
	loop_stop(arg);
}

/* loop_run() returns after loop_stop() from a callback. */
Test(loop, run_until_stop, .timeout = 10)
{
	struct loop *l = new_loop(8);

	cr_assert_geq(loop_after(l, 1000000, on_stop, l), 0);
	cr_assert_eq(loop_run(l), 0);
	loop_destroy(l);
}
