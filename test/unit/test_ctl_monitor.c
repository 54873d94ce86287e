/*
 * Unit tests for "monitor" subscribers of the control socket: a real
 * ctl_server on a real Unix socket and io_uring loop, the test's clients
 * on the same loop (as test_ctl.c does).
 *
 * What must hold: a subscriber gets {"ok":true,"monitor":true} then every
 * published line in order; it is not cut by the idle time; one that does
 * not read never blocks publishing, loses lines, and is told how many
 * before any newer line once it reads again; one that stopped reading
 * for good is dropped past the bound; subscribers hold at most half the
 * slots; one that goes away frees its slot.
 */
#define _GNU_SOURCE /* open_memstream */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_fixture.h"
#include "ctl_server.h"
#include "engine_fixture.h"
#include "ctl_json.h"
#include "log.h"
#include "loop.h"

static struct ctl_fx mx;

static struct engine *op_engine(void *arg)
{
	(void)arg;
	return mx.engine;
}

static void start(unsigned int max_clients, uint32_t idle_ms)
{
	struct ctl_server_config cfg = {
		.max_clients = max_clients,
		.idle_ms = idle_ms,
	};
	struct ctl_ops ops = { .engine = op_engine };

	ctl_fx_start(&mx, &cfg, &ops);
}

static void setup(void)
{
	ctl_fx_setup(&mx, "test_ctl_monitor");
}

static void teardown(void)
{
	ctl_fx_teardown(&mx);
}

TestSuite(ctl_monitor, .init = setup, .fini = teardown, .timeout = 30);

/* Connects and sends req; reads only from sub_read() on. */
static void sub_open(struct ctl_fx_client *c, const char *req, int rcvbuf)
{
	ctl_fx_client_connect(&mx, c, rcvbuf);
	cr_assert_eq(write(c->fd, req, strlen(req)), (ssize_t)strlen(req));
}

static void sub_read(struct ctl_fx_client *c)
{
	ctl_fx_client_read(c);
}

static void sub_close(struct ctl_fx_client *c)
{
	if (c->id >= 0)
		loop_del(mx.loop, c->id);
	fclose(c->mem);
	free(c->buf);
	close(c->fd);
}

static bool has(const struct ctl_fx_client *c, const char *s)
{
	return c->buf && memmem(c->buf, c->len, s, strlen(s));
}

static void run_until_has(struct ctl_fx_client *c, const char *s)
{
	while (!has(c, s) && !c->eof)
		cr_assert_geq(loop_run_once(mx.loop, true), 0);
	cr_assert(has(c, s), "never got %s: %.*s", s, (int)c->len, c->buf);
}

static struct ctl_server_stats st(void)
{
	struct ctl_server_stats s;

	ctl_server_stats(mx.srv, &s);
	return s;
}

static void wait_monitors(uint64_t n)
{
	while (st().monitors != n)
		cr_assert_geq(loop_run_once(mx.loop, true), 0);
}

static void publish(const char *fmt, unsigned int i, size_t pad)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), fmt, i);

	cr_assert_lt((size_t)n + pad + 2, sizeof(line));
	memset(line + n, 'x', pad);
	line[n + pad] = '\n';
	ctl_server_publish(mx.srv, line, (size_t)n + pad + 1);
}

static void on_timer(void *arg, int res)
{
	(void)res;
	*(bool *)arg = true;
}

Test(ctl_monitor, streams_in_order_past_the_idle_time)
{
	struct ctl_fx_client c;
	bool fired = false;

	start(0, 50);
	sub_open(&c, "monitor\n", 0);
	sub_read(&c);
	run_until_has(&c, "{\"ok\":true,\"monitor\":true}\n");
	cr_assert_eq(ctl_server_monitors(mx.srv), 1);
	/* Six idle times with nothing to say: still subscribed. */
	cr_assert_geq(loop_after(mx.loop, 300000000ull, on_timer, &fired), 0);
	while (!fired)
		cr_assert_geq(loop_run_once(mx.loop, true), 0);
	cr_assert_eq(st().monitors, 1);
	cr_assert_eq(st().timed_out, 0);
	publish("{\"event\":\"a%u\"}", 1, 0);
	publish("{\"event\":\"b%u\"}", 2, 0);
	run_until_has(&c, "b2");
	cr_assert_str_eq(c.buf, "{\"ok\":true,\"monitor\":true}\n"
				"{\"event\":\"a1\"}\n{\"event\":\"b2\"}\n");
	cr_assert_eq(st().mon_lost, 0);
	sub_close(&c);
	/* Gone: the slot is free without anything published. */
	wait_monitors(0);
}

Test(ctl_monitor, slow_reader_told_what_it_lost)
{
	struct ctl_fx_client c;
	unsigned int i, last = 0;
	uint64_t lost, sum = 0;
	char want[64], *p, *q;

	start(0, 0);
	sub_open(&c, "monitor\n", 4096);
	wait_monitors(1);
	/* Never read yet: ring and socket fill, publishing goes on. */
	for (i = 0; st().mon_lost == 0; i++) {
		cr_assert_lt(i, 2000, "nothing lost for a client not reading");
		publish("{\"n\":%u,\"p\":\"", i, 900);
		cr_assert_geq(loop_run_once(mx.loop, false), 0);
	}
	/* 200 more lost, far below the bound. */
	for (unsigned int end = i + 200; i < end; i++)
		publish("{\"n\":%u,\"p\":\"", i, 900);
	lost = st().mon_lost;
	cr_assert_eq(st().monitors, 1, "not dropped below the bound");
	/* It reads again: everything queued, then the note, then news. */
	sub_read(&c);
	snprintf(want, sizeof(want), "\"event\":\"lost\"");
	run_until_has(&c, want);
	publish("{\"n\":%u,\"final\":\"", 999999, 0);
	run_until_has(&c, "\"final\"");
	/* The notes (one whenever there was room again) add up to what
	 * was lost, and the last one comes before the newer line. */
	q = memmem(c.buf, c.len, "\"final\"", 7);
	for (p = c.buf;
	     (p = memmem(p, c.len - (size_t)(p - c.buf), want, strlen(want)));
	     p++) {
		char *n = strstr(p, "\"count\":");

		cr_assert_not_null(n);
		cr_assert_lt(p, q, "a note after the newer line");
		sum += strtoull(n + 8, NULL, 10);
	}
	cr_assert_eq(sum, lost, "notes count %llu, %llu lost",
		     (unsigned long long)sum, (unsigned long long)lost);
	/* What did arrive is in order and whole. */
	for (p = c.buf;
	     (p = memmem(p, c.len - (size_t)(p - c.buf), "{\"n\":", 5)); p++) {
		unsigned int n = (unsigned int)strtoul(p + 5, NULL, 10);

		cr_assert(n >= last, "out of order: %u after %u", n, last);
		last = n;
	}
	cr_assert_eq(st().monitors, 1);
	sub_close(&c);
}

Test(ctl_monitor, stuck_reader_dropped_past_the_bound)
{
	struct ctl_fx_client c;
	unsigned int i;

	start(0, 0);
	sub_open(&c, "monitor\n", 4096);
	wait_monitors(1);
	for (i = 0; i < 10000 && st().monitors; i++) {
		publish("{\"n\":%u,\"p\":\"", i, 200);
		if (i % 64 == 0)
			cr_assert_geq(loop_run_once(mx.loop, false), 0);
	}
	cr_assert_eq(st().monitors, 0, "still subscribed after %u lines", i);
	cr_assert_eq(st().mon_cut, 1);
	sub_read(&c);
	while (!c.eof)
		cr_assert_geq(loop_run_once(mx.loop, true), 0);
	sub_close(&c);
}

Test(ctl_monitor, half_the_slots_at_most)
{
	struct ctl_fx_client c[5];
	unsigned int i;

	start(8, 0);
	for (i = 0; i < 4; i++)
		sub_open(&c[i], "monitor\n", 0);
	wait_monitors(4);
	sub_open(&c[4], "monitor\n", 0);
	sub_read(&c[4]);
	while (!c[4].eof)
		cr_assert_geq(loop_run_once(mx.loop, true), 0);
	cr_assert(has(&c[4], "\"ok\":false"), "%.*s", (int)c[4].len, c[4].buf);
	cr_assert(has(&c[4], "too many monitors"));
	cr_assert_eq(st().monitors, 4);
	for (i = 0; i < 5; i++)
		sub_close(&c[i]);
	wait_monitors(0);
}
