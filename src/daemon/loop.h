/*
 * loop: sctpalgd's one event loop, on io_uring (liburing 2.3).
 *
 * Everything the daemon waits for is a file descriptor or an operation on
 * one: AF_XDP sockets, the netlink cache manager's socket, a signalfd, a
 * timerfd tick, the control socket and its clients.  Modules register an
 * fd or start an operation with a callback; one switch dispatches the
 * completions of a batch, and the completion queue advances once per
 * batch.  After each batch the flush hook runs (the AF_XDP port submits
 * its TX ring there), then the loop sleeps in the kernel until the next
 * completion.  Nothing spins.
 *
 * Two kinds of things can be registered:
 *
 *  - Registrations (loop_add_fd, loop_add_timer, loop_add_signals) call
 *    back again and again until loop_del().
 *  - Operations (loop_accept, loop_recv, loop_send, loop_after) call back
 *    exactly once with their result, unless loop_del() is called first.
 *    The buffer of a recv/send belongs to the kernel until then.
 *
 * Every callback gets (arg, res); what res means is said per function.
 * A callback may register, start operations and loop_del() anything,
 * itself included.  After loop_del() returns, the callback is never
 * called again for that id and the kernel no longer touches the
 * operation's buffer (IORING_REGISTER_SYNC_CANCEL, Linux 6.0).
 *
 * Ids are small non-negative ints; a stale id (already finished or
 * deleted) is refused with -ENOENT, never confused with a newer one.
 */
#ifndef SCTPALG_LOOP_H
#define SCTPALG_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void loop_fn(void *arg, int res);

/*
 * Level- or edge-triggered fd interest.  Level (the default) re-arms a
 * one-shot poll after every callback, so data the callback left unread
 * calls it again: right for anything that reads in bounded batches.
 * LOOP_EDGE uses one multishot poll (no re-arm per event): the callback
 * is called once per wake-up and must drain the fd (read to EAGAIN).
 */
#define LOOP_EDGE	0x1u

/*
 * max_ids: how many registrations and operations may be live at once
 * (a fixed table, no allocation while running).  0 or -errno.
 */
int loop_create(unsigned int max_ids, struct loop **out);
/*
 * Cancels everything in flight without calling back, closes the fds the
 * loop made itself (timerfd, signalfd), frees.  Blocked signals stay
 * blocked.
 */
void loop_destroy(struct loop *l);

/*
 * Call fn when fd has any of `events` (POLLIN, POLLOUT, ...): res is the
 * returned poll mask (POLLERR/POLLHUP may be in it), or -errno once if the
 * poll itself failed; the registration is gone after a negative res.
 * The caller keeps owning fd and must loop_del() before closing it.
 * Returns the id or -errno.
 */
int loop_add_fd(struct loop *l, int fd, uint32_t events, unsigned int flags,
		loop_fn *fn, void *arg);
/*
 * A periodic timer (a timerfd on CLOCK_MONOTONIC): first expiry after
 * interval_ns, then every interval_ns; res is the number of expirations
 * since the last call (more than 1 when the loop was late).
 */
int loop_add_timer(struct loop *l, uint64_t interval_ns, loop_fn *fn,
		   void *arg);
/*
 * Blocks the n signals (sigprocmask) and delivers them through a signalfd:
 * res is the signal number, one call per signal received.  Nothing runs in
 * a signal handler.
 */
int loop_add_signals(struct loop *l, const int *signals, unsigned int n,
		     loop_fn *fn, void *arg);

/*
 * One accept on a listening socket: res is the new fd (non-blocking,
 * close-on-exec) or -errno.
 */
int loop_accept(struct loop *l, int fd, loop_fn *fn, void *arg);
/*
 * One recv / send on a socket: res is the byte count (0 = peer closed, for
 * recv) or -errno.  send never raises SIGPIPE (MSG_NOSIGNAL).  With
 * timeout_ms > 0 the operation is cancelled after that long: res is then
 * -ECANCELED.  A send may be partial; send the rest with another call.
 */
int loop_recv(struct loop *l, int fd, void *buf, size_t len,
	      uint32_t timeout_ms, loop_fn *fn, void *arg);
int loop_send(struct loop *l, int fd, const void *buf, size_t len,
	      uint32_t timeout_ms, loop_fn *fn, void *arg);
/* A one-shot timer without an fd: res is 0 after delay_ns. */
int loop_after(struct loop *l, uint64_t delay_ns, loop_fn *fn, void *arg);

/* Forget a registration or cancel an operation (see above).  0 / -ENOENT. */
int loop_del(struct loop *l, int id);

/*
 * Called once after every batch of completions, before the loop sleeps:
 * where batched work is finished (AF_XDP TX submission, one kick).
 */
void loop_set_flush(struct loop *l, void (*fn)(void *arg), void *arg);

/*
 * Submit what is queued, wait for at least one completion when `wait`,
 * dispatch the batch, run the flush hook.  Returns the number of
 * completions handled (0 when not waiting and nothing was ready), or a
 * negative errno from io_uring_enter other than EINTR.
 */
int loop_run_once(struct loop *l, bool wait);
/* loop_run_once(l, true) until loop_stop().  0 or -errno. */
int loop_run(struct loop *l);
/*
 * busy-poll: loop_run_once(l, false) and poll_fn(arg) in turn until
 * loop_stop(), never sleeping (one core stays busy; latency drops to
 * the time of one turn).  0 or -errno.
 */
int loop_run_busy(struct loop *l, void (*poll_fn)(void *arg), void *arg);
/* From a callback: loop_run() returns after the current batch. */
void loop_stop(struct loop *l);
/*
 * Turns of the loop so far.  Without busy-poll a turn needs an event,
 * so the count stays near the number of events; a socket that polls
 * ready without end shows as a count running away.
 */
uint64_t loop_turns(const struct loop *l);

#endif
