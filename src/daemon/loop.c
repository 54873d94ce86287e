/*
 * loop: the io_uring event loop (see loop.h for the contract).
 *
 * Every registration or operation lives in one slot of a fixed table.  A
 * request's user_data names its slot and says what it is:
 *
 *	63      56 55     32 31            0
 *	+--------+---------+---------------+
 *	|  kind  |   gen   |  slot index   |
 *	+--------+---------+---------------+
 *
 * so one switch on `kind` dispatches a completion without a lookup, and a
 * completion for a slot that has since been reused (another generation)
 * is recognised and ignored.  Requests whose completions nobody needs
 * (poll removals, link timeouts) carry the kind LOOP_K_INTERNAL.
 *
 * A slot is freed only when its last completion has been seen (a one-shot
 * request's only CQE, a multishot poll's CQE without IORING_CQE_F_MORE),
 * never earlier: that is what makes generations sufficient.  loop_del()
 * only detaches the callback and asks the kernel to finish early.
 *
 * Ring sizing.  Submissions are few (re-arms, control-socket operations),
 * so a small SQ is enough; when it fills, pending entries are submitted
 * on the spot.  Completions can burst (every AF_XDP socket's poll firing
 * at once), so the CQ is made several times larger than the table; a
 * kernel with IORING_FEAT_NODROP (5.5+) keeps any overflow rather than
 * lose it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <liburing.h>

#include "log.h"
#include "loop.h"
#include "time_ns.h"

#define LOOP_SQ_ENTRIES		128
#define LOOP_CQ_MIN		1024
#define LOOP_MAX_IDS		0xffffu	/* index field of an id */
#define LOOP_ID_GEN_MASK	0x7fffu	/* ids stay non-negative ints */
#define LOOP_SIGINFO_BATCH	8

enum loop_kind {
	LOOP_K_FREE = 0,
	LOOP_K_FD,
	LOOP_K_TIMER,
	LOOP_K_SIGNAL,
	LOOP_K_ACCEPT,
	LOOP_K_RECV,
	LOOP_K_SEND,
	LOOP_K_AFTER,
	LOOP_K_INTERNAL = 0xff,
};

/* Slot flags. */
#define SLOT_ARMED	0x01u	/* a request of this slot is in the kernel */
#define SLOT_DYING	0x02u	/* loop_del()eted: no more callbacks */
#define SLOT_EDGE	0x04u	/* multishot poll */
#define SLOT_OWNS_FD	0x08u	/* timerfd / signalfd made by the loop */
#define SLOT_IN_CB	0x10u	/* its callback is running */

struct loop_slot {
	loop_fn *fn;
	void *arg;
	int fd;
	uint32_t events;
	uint16_t gen;
	uint8_t kind;
	uint8_t flags;
	uint32_t next_free;
	/* Timeouts are read by the kernel at submission; kept till then. */
	struct __kernel_timespec ts;
};

struct loop {
	struct io_uring ring;
	struct loop_slot *slots;
	uint32_t n_slots;
	uint32_t free_head;	/* n_slots = none */
	bool stop;
	uint64_t turns;		/* loop_run_once() calls, for sctpalgctl */
	void (*flush_fn)(void *arg);
	void *flush_arg;
};

static uint64_t loop_ud(const struct loop *l, const struct loop_slot *s)
{
	return (uint64_t)s->kind << 56 | (uint64_t)s->gen << 32 |
	       (uint64_t)(s - l->slots);
}

static const uint64_t LOOP_UD_INTERNAL = (uint64_t)LOOP_K_INTERNAL << 56;

static int loop_id(const struct loop *l, const struct loop_slot *s)
{
	return (int)((s->gen & LOOP_ID_GEN_MASK) << 16 |
		     (uint32_t)(s - l->slots));
}

static struct loop_slot *loop_slot_by_id(struct loop *l, int id)
{
	struct loop_slot *s;
	uint32_t idx;

	if (id < 0)
		return NULL;
	idx = (uint32_t)id & 0xffffu;
	if (idx >= l->n_slots)
		return NULL;
	s = &l->slots[idx];
	if (s->kind == LOOP_K_FREE || (s->flags & SLOT_DYING) ||
	    (s->gen & LOOP_ID_GEN_MASK) != ((uint32_t)id >> 16))
		return NULL;
	return s;
}

static struct loop_slot *loop_slot_alloc(struct loop *l, enum loop_kind kind,
					 loop_fn *fn, void *arg)
{
	struct loop_slot *s;
	uint16_t gen;

	if (l->free_head == l->n_slots)
		return NULL;
	s = &l->slots[l->free_head];
	l->free_head = s->next_free;
	gen = (uint16_t)(s->gen + 1);
	memset(s, 0, sizeof(*s));
	s->gen = gen;
	s->kind = (uint8_t)kind;
	s->fn = fn;
	s->arg = arg;
	s->fd = -1;
	return s;
}

static void loop_slot_free(struct loop *l, struct loop_slot *s)
{
	if ((s->flags & SLOT_OWNS_FD) && s->fd >= 0)
		close(s->fd);
	s->kind = LOOP_K_FREE;
	s->flags = 0;
	s->fn = NULL;
	s->arg = NULL;
	s->fd = -1;
	s->next_free = l->free_head;
	l->free_head = (uint32_t)(s - l->slots);
}

/*
 * An SQE, submitting what is queued when the SQ is full.  `need` entries
 * are guaranteed to be free together (a request and its linked timeout
 * must go in the same submission, or the link would be cut).
 */
static struct io_uring_sqe *loop_get_sqe(struct loop *l, unsigned int need)
{
	if (io_uring_sq_space_left(&l->ring) < need)
		io_uring_submit(&l->ring);
	return io_uring_get_sqe(&l->ring);
}

static void loop_ts_from_ns(struct __kernel_timespec *ts, uint64_t ns)
{
	ts->tv_sec = (long long)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long long)(ns % NSEC_PER_SEC);
}

static int loop_arm_poll(struct loop *l, struct loop_slot *s)
{
	struct io_uring_sqe *sqe = loop_get_sqe(l, 1);

	if (!sqe)
		return -EBUSY;
	if (s->flags & SLOT_EDGE)
		io_uring_prep_poll_multishot(sqe, s->fd, s->events);
	else
		io_uring_prep_poll_add(sqe, s->fd, s->events);
	io_uring_sqe_set_data64(sqe, loop_ud(l, s));
	s->flags |= SLOT_ARMED;
	return 0;
}

int loop_create(unsigned int max_ids, struct loop **out)
{
	struct io_uring_params p;
	struct loop *l;
	unsigned int cq;
	uint32_t i;
	int ret;

	if (max_ids == 0 || max_ids > LOOP_MAX_IDS)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->slots = calloc(max_ids, sizeof(*l->slots));
	if (!l->slots) {
		ret = -ENOMEM;
		goto err_free_loop;
	}
	l->n_slots = max_ids;
	for (i = 0; i < max_ids; i++) {
		l->slots[i].fd = -1;
		l->slots[i].next_free = i + 1;
	}
	l->free_head = 0;

	cq = max_ids * 4 > LOOP_CQ_MIN ? max_ids * 4 : LOOP_CQ_MIN;
	memset(&p, 0, sizeof(p));
	/*
	 * One thread submits (SINGLE_ISSUER) and completions may wait for
	 * our next io_uring_enter (COOP_TASKRUN): both save the kernel
	 * work per completion.  SUBMIT_ALL: one bad request does not
	 * hold back the rest of a submission.  Older kernels refuse the
	 * flags; fall back to none.
	 */
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL |
		  IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
	p.cq_entries = cq;
	ret = io_uring_queue_init_params(LOOP_SQ_ENTRIES, &l->ring, &p);
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		ret = io_uring_queue_init_params(LOOP_SQ_ENTRIES, &l->ring,
						 &p);
	}
	if (ret < 0)
		goto err_free_slots;
	if (!(p.features & IORING_FEAT_NODROP))
		log_notice("io_uring: kernel may drop completions on overflow");
	*out = l;
	return 0;

err_free_slots:
	free(l->slots);
err_free_loop:
	free(l);
	return ret;
}

void loop_destroy(struct loop *l)
{
	uint32_t i;

	if (!l)
		return;
	/* Cancels and waits for every request; no CQE is looked at. */
	io_uring_queue_exit(&l->ring);
	for (i = 0; i < l->n_slots; i++)
		if (l->slots[i].kind != LOOP_K_FREE &&
		    (l->slots[i].flags & SLOT_OWNS_FD))
			close(l->slots[i].fd);
	free(l->slots);
	free(l);
}

/* A registration polled for `events` on fd; armed at the next submit. */
static int loop_add_poll(struct loop *l, enum loop_kind kind, int fd,
			 uint32_t events, unsigned int slot_flags, loop_fn *fn,
			 void *arg)
{
	struct loop_slot *s;
	int ret;

	s = loop_slot_alloc(l, kind, fn, arg);
	if (!s)
		return -ENOSPC;
	s->fd = fd;
	s->events = events;
	s->flags = (uint8_t)slot_flags;
	ret = loop_arm_poll(l, s);
	if (ret < 0) {
		s->flags &= (uint8_t)~SLOT_OWNS_FD;	/* caller closes */
		loop_slot_free(l, s);
		return ret;
	}
	return loop_id(l, s);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, unsigned int flags,
		loop_fn *fn, void *arg)
{
	if (fd < 0 || !fn || (flags & ~LOOP_EDGE))
		return -EINVAL;
	return loop_add_poll(l, LOOP_K_FD, fd, events,
			     (flags & LOOP_EDGE) ? SLOT_EDGE : 0, fn, arg);
}

int loop_add_timer(struct loop *l, uint64_t interval_ns, loop_fn *fn,
		   void *arg)
{
	struct itimerspec its;
	int fd, ret;

	if (interval_ns == 0 || !fn)
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	its.it_interval.tv_sec = (time_t)(interval_ns / NSEC_PER_SEC);
	its.it_interval.tv_nsec = (long)(interval_ns % NSEC_PER_SEC);
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* The loop drains the timerfd itself, so multishot is safe. */
	ret = loop_add_poll(l, LOOP_K_TIMER, fd, POLLIN,
			    SLOT_EDGE | SLOT_OWNS_FD, fn, arg);
	if (ret < 0)
		close(fd);
	return ret;
}

int loop_add_signals(struct loop *l, const int *signals, unsigned int n,
		     loop_fn *fn, void *arg)
{
	sigset_t set;
	unsigned int i;
	int fd, ret;

	if (n == 0 || !fn)
		return -EINVAL;
	sigemptyset(&set);
	for (i = 0; i < n; i++)
		if (sigaddset(&set, signals[i]) < 0)
			return -EINVAL;
	/* Blocked first: from here on they wait in the signalfd. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = loop_add_poll(l, LOOP_K_SIGNAL, fd, POLLIN,
			    SLOT_EDGE | SLOT_OWNS_FD, fn, arg);
	if (ret < 0)
		close(fd);
	return ret;
}

/*
 * Queue one operation, with a linked timeout when timeout_ns > 0.  The
 * caller has filled in everything but user_data and the link.
 */
static int loop_start_op(struct loop *l, struct loop_slot *s,
			 struct io_uring_sqe *sqe, uint64_t timeout_ns)
{
	struct io_uring_sqe *tsqe;

	io_uring_sqe_set_data64(sqe, loop_ud(l, s));
	s->flags |= SLOT_ARMED;
	if (timeout_ns == 0)
		return loop_id(l, s);
	/* loop_get_sqe(l, 2) before sqe made sure this one is free. */
	tsqe = io_uring_get_sqe(&l->ring);
	loop_ts_from_ns(&s->ts, timeout_ns);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_prep_link_timeout(tsqe, &s->ts, 0);
	io_uring_sqe_set_data64(tsqe, LOOP_UD_INTERNAL);
	return loop_id(l, s);
}

static struct io_uring_sqe *loop_op_prepare(struct loop *l,
					    enum loop_kind kind,
					    uint32_t timeout_ms, loop_fn *fn,
					    void *arg, struct loop_slot **sp)
{
	struct io_uring_sqe *sqe;
	struct loop_slot *s;

	s = loop_slot_alloc(l, kind, fn, arg);
	if (!s)
		return NULL;
	sqe = loop_get_sqe(l, timeout_ms ? 2 : 1);
	if (!sqe) {
		loop_slot_free(l, s);
		return NULL;
	}
	*sp = s;
	return sqe;
}

int loop_accept(struct loop *l, int fd, loop_fn *fn, void *arg)
{
	struct io_uring_sqe *sqe;
	struct loop_slot *s;

	if (fd < 0 || !fn)
		return -EINVAL;
	sqe = loop_op_prepare(l, LOOP_K_ACCEPT, 0, fn, arg, &s);
	if (!sqe)
		return -ENOSPC;
	s->fd = fd;
	io_uring_prep_accept(sqe, fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	return loop_start_op(l, s, sqe, 0);
}

int loop_recv(struct loop *l, int fd, void *buf, size_t len,
	      uint32_t timeout_ms, loop_fn *fn, void *arg)
{
	struct io_uring_sqe *sqe;
	struct loop_slot *s;

	if (fd < 0 || !fn || len == 0)
		return -EINVAL;
	sqe = loop_op_prepare(l, LOOP_K_RECV, timeout_ms, fn, arg, &s);
	if (!sqe)
		return -ENOSPC;
	s->fd = fd;
	io_uring_prep_recv(sqe, fd, buf, len, 0);
	return loop_start_op(l, s, sqe, (uint64_t)timeout_ms * 1000000u);
}

int loop_send(struct loop *l, int fd, const void *buf, size_t len,
	      uint32_t timeout_ms, loop_fn *fn, void *arg)
{
	struct io_uring_sqe *sqe;
	struct loop_slot *s;

	if (fd < 0 || !fn || len == 0)
		return -EINVAL;
	sqe = loop_op_prepare(l, LOOP_K_SEND, timeout_ms, fn, arg, &s);
	if (!sqe)
		return -ENOSPC;
	s->fd = fd;
	io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
	return loop_start_op(l, s, sqe, (uint64_t)timeout_ms * 1000000u);
}

int loop_after(struct loop *l, uint64_t delay_ns, loop_fn *fn, void *arg)
{
	struct io_uring_sqe *sqe;
	struct loop_slot *s;

	if (!fn)
		return -EINVAL;
	sqe = loop_op_prepare(l, LOOP_K_AFTER, 0, fn, arg, &s);
	if (!sqe)
		return -ENOSPC;
	loop_ts_from_ns(&s->ts, delay_ns);
	io_uring_prep_timeout(sqe, &s->ts, 0, 0);
	return loop_start_op(l, s, sqe, 0);
}

/*
 * Cancel an operation synchronously: when this returns, the request is
 * finished and its buffer is ours again; its CQE (if not already in the
 * CQ) has been posted and will free the slot when reaped.
 */
static int loop_cancel_op(struct loop *l, struct loop_slot *s)
{
	struct io_uring_sync_cancel_reg reg;
	int ret;

	/* A request still in the SQ is invisible to cancellation. */
	io_uring_submit(&l->ring);
	memset(&reg, 0, sizeof(reg));
	reg.addr = loop_ud(l, s);
	reg.fd = -1;
	reg.timeout.tv_sec = -1;
	reg.timeout.tv_nsec = -1;
	ret = io_uring_register_sync_cancel(&l->ring, &reg);
	/* -ENOENT: already complete, its CQE is waiting to be reaped. */
	if (ret < 0 && ret != -ENOENT) {
		log_warnx("io_uring: cannot cancel request: %s; "
			  "sctpalgd needs Linux 6.0 or later",
			  strerror(-ret));
		return ret;
	}
	return 0;
}

int loop_del(struct loop *l, int id)
{
	struct loop_slot *s = loop_slot_by_id(l, id);
	struct io_uring_sqe *sqe;

	if (!s)
		return -ENOENT;
	s->fn = NULL;
	s->flags |= SLOT_DYING;
	switch (s->kind) {
	case LOOP_K_FD:
	case LOOP_K_TIMER:
	case LOOP_K_SIGNAL:
		if (s->flags & SLOT_ARMED) {
			/* Its final CQE (-ECANCELED) frees the slot. */
			sqe = loop_get_sqe(l, 1);
			if (sqe) {
				io_uring_prep_poll_remove(sqe, loop_ud(l, s));
				io_uring_sqe_set_data64(sqe,
							LOOP_UD_INTERNAL);
			}
		} else if (!(s->flags & SLOT_IN_CB)) {
			loop_slot_free(l, s);
		}
		return 0;
	default:
		return loop_cancel_op(l, s);
	}
}

void loop_set_flush(struct loop *l, void (*fn)(void *arg), void *arg)
{
	l->flush_fn = fn;
	l->flush_arg = arg;
}

/* Reads the timerfd: expirations since the last read, 0 if spurious. */
static int loop_timer_read(struct loop_slot *s)
{
	uint64_t n;

	if (read(s->fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* Drains the signalfd, one callback per signal. */
static void loop_signals_read(struct loop_slot *s)
{
	struct signalfd_siginfo si[LOOP_SIGINFO_BATCH];
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(s->fd, si, sizeof(si));
		if (n < (ssize_t)sizeof(si[0]))
			return;
		for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			if (s->flags & SLOT_DYING)
				return;
			s->fn(s->arg, (int)si[i].ssi_signo);
		}
	}
}

static void loop_poll_done(struct loop *l, struct loop_slot *s, int res,
			   uint32_t cqe_flags)
{
	loop_fn *fn;
	void *arg;
	int n;

	if (!(cqe_flags & IORING_CQE_F_MORE))
		s->flags &= (uint8_t)~SLOT_ARMED;
	if (s->flags & SLOT_DYING) {
		if (!(s->flags & SLOT_ARMED))
			loop_slot_free(l, s);
		return;
	}
	if (res < 0) {
		/* The poll failed (bad fd...): tell the owner, once. */
		fn = s->fn;
		arg = s->arg;
		if (s->flags & SLOT_ARMED) {
			s->fn = NULL;
			s->flags |= SLOT_DYING;
		} else {
			loop_slot_free(l, s);
		}
		fn(arg, res);
		return;
	}

	s->flags |= SLOT_IN_CB;
	switch (s->kind) {
	case LOOP_K_FD:
		s->fn(s->arg, res);
		break;
	case LOOP_K_TIMER:
		n = loop_timer_read(s);
		if (n > 0)
			s->fn(s->arg, n);
		break;
	case LOOP_K_SIGNAL:
		loop_signals_read(s);
		break;
	}
	s->flags &= (uint8_t)~SLOT_IN_CB;

	if (s->flags & SLOT_DYING) {
		if (!(s->flags & SLOT_ARMED))
			loop_slot_free(l, s);
		return;
	}
	/*
	 * Level-triggered: re-arm the one-shot poll (it completes at once
	 * if data is left).  Edge: a multishot poll that ended without
	 * being asked to (CQ overflow) is re-armed too.
	 */
	if (!(s->flags & SLOT_ARMED) && loop_arm_poll(l, s) < 0) {
		fn = s->fn;
		arg = s->arg;
		loop_slot_free(l, s);
		fn(arg, -EBUSY);
	}
}

static void loop_op_done(struct loop *l, struct loop_slot *s, int res)
{
	loop_fn *fn = s->fn;
	void *arg = s->arg;
	uint8_t kind = s->kind;

	/* Freed first, so the callback can start the next operation. */
	loop_slot_free(l, s);
	if (!fn)
		return;		/* cancelled by loop_del() */
	if (kind == LOOP_K_AFTER && res == -ETIME)
		res = 0;
	fn(arg, res);
}

static void loop_dispatch(struct loop *l, const struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	uint8_t kind = (uint8_t)(ud >> 56);
	uint16_t gen = (uint16_t)(ud >> 32);
	uint32_t idx = (uint32_t)ud;
	struct loop_slot *s;

	if (kind == LOOP_K_INTERNAL)
		return;
	if (idx >= l->n_slots)
		return;
	s = &l->slots[idx];
	if (s->kind != kind || s->gen != gen)
		return;		/* stale: the slot has moved on */

	switch (kind) {
	case LOOP_K_FD:
	case LOOP_K_TIMER:
	case LOOP_K_SIGNAL:
		loop_poll_done(l, s, cqe->res, cqe->flags);
		break;
	case LOOP_K_ACCEPT:
	case LOOP_K_RECV:
	case LOOP_K_SEND:
	case LOOP_K_AFTER:
		loop_op_done(l, s, cqe->res);
		break;
	default:
		break;
	}
}

int loop_run_once(struct loop *l, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret;

	l->turns++;
	if (wait)
		ret = io_uring_submit_and_wait(&l->ring, 1);
	else
		ret = io_uring_submit_and_get_events(&l->ring);
	/*
	 * EINTR: a signal we do not block (SIGSTOP/SIGCONT...).  EBUSY /
	 * EAGAIN: the CQ overflowed or the kernel is short of memory;
	 * reaping below is what fixes both.
	 */
	if (ret < 0 && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN &&
	    ret != -ETIME)
		return ret;

	io_uring_for_each_cqe(&l->ring, head, cqe) {
		loop_dispatch(l, cqe);
		n++;
	}
	io_uring_cq_advance(&l->ring, n);

	if (l->flush_fn)
		l->flush_fn(l->flush_arg);
	return (int)n;
}

int loop_run(struct loop *l)
{
	int ret;

	l->stop = false;
	while (!l->stop) {
		ret = loop_run_once(l, true);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int loop_run_busy(struct loop *l, void (*poll_fn)(void *arg), void *arg)
{
	int ret;

	l->stop = false;
	while (!l->stop) {
		ret = loop_run_once(l, false);
		if (ret < 0)
			return ret;
		poll_fn(arg);
	}
	return 0;
}

uint64_t loop_turns(const struct loop *l)
{
	return l->turns;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
