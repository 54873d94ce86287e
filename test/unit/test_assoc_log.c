/*
 * test_assoc_log.c: the daemon's association lines and limit warnings
 * (sctpalgd(8), DIAGNOSTICS).  Lines are built from events the real engine
 * emits (through the fixture), so a change on either side shows here; the flood
 * test reads what reaches stderr.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "assoc_log.h"
#include "drop_log.h"
#include "engine_fixture.h"
#include "log.h"
#include "sctp_wire.h"

#define TI    0x1a2b3c4du
#define TP    0x5e6f7a8bu
#define PEER1 "198.51.100.100"
#define PEER2 "203.0.113.100"

static struct engine_config conf;
static char lines[4][768];
static unsigned int n_lines;

static void format_cb(void *arg, const struct engine_event *ev)
{
	(void)arg;
	cr_assert_lt(n_lines, 4);
	assoc_log_format(ev, &conf, lines[n_lines++], sizeof(lines[0]));
}

static struct engine *log_engine(enum multihome_mode mh)
{
	struct engine *e;

	fx_config(&conf, mh);
	cr_assert_eq(engine_create(&conf, 7, &e), 0);
	n_lines = 0;
	engine_set_event_cb(e, format_cb, NULL);
	return e;
}

static void run_fwd(struct engine *e, struct pb *p, enum engine_dir d,
		    uint64_t now)
{
	struct engine_verdict v = fx_run(e, p, d, now);

	cr_assert_eq(v.action, ENGINE_FORWARD, "dropped: %s",
		     drop_reason_name(v.reason));
}

/* 192.168.1.10:sport to PEER1:80, the peer listing both its addresses. */
static uint16_t establish(struct engine *e, uint16_t sport, uint64_t now)
{
	static const char *const peers[] = { PEER1, PEER2, NULL };
	uint16_t port;
	struct pb p;

	fx_init(&p, "192.168.1.10", PEER1, sport, 80, TI);
	run_fwd(e, &p, ENGINE_OUTBOUND, now);
	port = pkt_sport(p.buf);
	fx_init_ack(&p, PEER1, "198.51.100.1", 80, port, TI, TP, peers);
	run_fwd(e, &p, ENGINE_INBOUND, now);
	fx_chunk(&p, "192.168.1.10", PEER1, sport, 80, TP, SCTP_CID_COOKIE_ECHO,
		 0);
	run_fwd(e, &p, ENGINE_OUTBOUND, now);
	fx_chunk(&p, PEER1, "198.51.100.1", 80, port, TI, SCTP_CID_COOKIE_ACK,
		 0);
	run_fwd(e, &p, ENGINE_INBOUND, now);
	return port;
}

Test(assoc_log, up_and_abort_lines)
{
	struct engine *e = log_engine(MULTIHOME_UPLINKS);
	struct pb p;

	cr_assert_eq(establish(e, 5000, 1 * FX_SEC), 5000);
	cr_assert_eq(n_lines, 1);
	cr_assert_str_eq(lines[0], "association up: 192.168.1.10:5000 -> "
				   "198.51.100.1,203.0.113.1:5000 -> "
				   "198.51.100.100,203.0.113.100:80 "
				   "vtags 0x1a2b3c4d/0x5e6f7a8b");
	fx_chunk(&p, PEER1, "198.51.100.1", 80, 5000, TP, SCTP_CID_ABORT,
		 SCTP_FLAG_T);
	run_fwd(e, &p, ENGINE_INBOUND, 13 * FX_SEC + 300000000u);
	cr_assert_eq(n_lines, 2);
	cr_assert_str_eq(lines[1], "association down (abort after 12.3 s, "
				   "2/2 packets): 192.168.1.10:5000 -> "
				   "198.51.100.1,203.0.113.1:5000 -> "
				   "198.51.100.100,203.0.113.100:80 "
				   "vtags 0x1a2b3c4d/0x5e6f7a8b");
	engine_destroy(e);
}

Test(assoc_log, failed_setup_says_state)
{
	struct engine *e = log_engine(MULTIHOME_OFF);
	struct pb p;

	fx_init(&p, "192.168.1.10", PEER1, 5001, 80, TI);
	run_fwd(e, &p, ENGINE_OUTBOUND, FX_SEC);
	engine_tick(e, (2 + conf.timeout_setup) * FX_SEC);
	cr_assert_eq(n_lines, 1);
	cr_assert_str_eq(lines[0],
			 "association failed (timeout-setup in "
			 "COOKIE-WAIT after 16.0 s, 1/0 packets): "
			 "192.168.1.10:5001 -> 198.51.100.1:5001 -> "
			 "198.51.100.100:80 vtags 0x1a2b3c4d/0x00000000");
	engine_destroy(e);
}

Test(assoc_log, ipv6_in_brackets)
{
	struct engine *e = log_engine(MULTIHOME_OFF);
	struct pb p;

	fx_init(&p, "2001:db8:aa::10", "2001:db8:ff::1", 5002, 80, TI);
	run_fwd(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(engine_flush(e), 1);
	cr_assert_eq(n_lines, 1);
	cr_assert_str_eq(lines[0],
			 "association failed (flush in COOKIE-WAIT "
			 "after 0.0 s, 1/0 packets): [2001:db8:aa::10]:5002 "
			 "-> [2001:db8:aa::10]:5002 -> [2001:db8:ff::1]:80 "
			 "vtags 0x1a2b3c4d/0x00000000");
	engine_destroy(e);
}

Test(assoc_log, uplink_down_names_the_new_uplink)
{
	struct engine *e = log_engine(MULTIHOME_UPLINKS);

	establish(e, 5003, FX_SEC);
	engine_set_uplink_up(e, 1, false);
	cr_assert_eq(n_lines, 2);
	cr_assert(strstr(lines[1], "association paths moved (uplink wan2 "
				   "down): 192.168.1.10:5003 -> ") == lines[1],
		  "%s", lines[1]);
	cr_assert(strstr(lines[1], "; 203.0.113.100 now via wan1"), "%s",
		  lines[1]);
	engine_destroy(e);
}

/* A line cut short by a small buffer stays a terminated string. */
Test(assoc_log, short_buffer)
{
	struct engine *e = log_engine(MULTIHOME_UPLINKS);
	char small[24];

	establish(e, 5004, FX_SEC);
	memcpy(small, lines[0], sizeof(small) - 1);
	small[sizeof(small) - 1] = '\0';
	cr_assert_str_eq(small, "association up: 192.168");
	engine_destroy(e);
}

static void redirect(void)
{
	cr_redirect_stderr();
}

/* A flood of events: the burst goes out, the rest is counted and said. */
Test(assoc_log, flood_is_rate_limited, .init = redirect)
{
	struct engine_assoc_view v;
	struct engine_event ev = { .type = ENGINE_EV_UP, .assoc = &v };
	struct assoc_log *l;
	char out[8192];
	unsigned int n = 0;
	FILE *f;

	memset(&v, 0, sizeof(v));
	fx_config(&conf, MULTIHOME_OFF);
	log_init("test", true, LOG_DAEMON);
	log_setlevel(LOG_INFO);
	cr_assert_eq(assoc_log_create(&conf, &l), 0);
	for (int i = 0; i < 1000; i++)
		assoc_log_event(l, &ev);
	/* An hour later the tick says what the flood held back. */
	assoc_log_tick(l, UINT64_MAX / 2);
	assoc_log_destroy(l);
	fflush(stderr);
	f = cr_get_redirected_stderr();
	while (fgets(out, sizeof(out), f)) {
		n++;
		if (n <= 100)
			cr_assert(strstr(out, "association up: ") == out);
		else
			cr_assert_str_eq(out, "900 association lines not "
					      "logged (rate limit); sctpalgctl "
					      "lists the live associations\n");
	}
	cr_assert_eq(n, 101, "%u lines", n);
}

Test(drop_log, limit_warnings_name_the_key)
{
	char buf[512];

	fx_config(&conf, MULTIHOME_OFF);
	cr_assert(
		drop_log_format(DROP_TABLE_FULL, 12, &conf, buf, sizeof(buf)));
	cr_assert(strstr(buf, "association limit 256 reached: 12 new"), "%s",
		  buf);
	cr_assert(strstr(buf, "raise associations in [limits]"), "%s", buf);
	cr_assert(drop_log_format(DROP_INIT_RATE, 1, &conf, buf, sizeof(buf)));
	cr_assert(strstr(buf, "init-rate or init-burst in [limits]"));
	cr_assert(drop_log_format(DROP_PORTS_EXHAUSTED, 1, &conf, buf,
				  sizeof(buf)));
	cr_assert(strstr(buf, "port-range in [nat]"));
	/* Internet noise stays a counter. */
	cr_assert_not(drop_log_format(DROP_OUT_OF_THE_BLUE, 1, &conf, buf,
				      sizeof(buf)));
	cr_assert_not(
		drop_log_format(DROP_BAD_CHECKSUM, 1, &conf, buf, sizeof(buf)));
}

/* Once a minute per reason; the count covers everything in between. */
Test(drop_log, tick_warns_once_per_interval, .init = redirect)
{
	struct engine_stats st;
	struct drop_log *w;
	char out[1024];
	FILE *f;

	memset(&st, 0, sizeof(st));
	fx_config(&conf, MULTIHOME_OFF);
	log_init("test", true, LOG_DAEMON);
	log_setlevel(LOG_INFO);
	cr_assert_eq(drop_log_create(&w), 0);
	drop_log_tick(w, &st, &conf, 1 * FX_SEC); /* nothing yet */
	st.drops[DROP_HOST_LIMIT] = 5;
	st.drops[DROP_BAD_CHECKSUM] = 50;
	drop_log_tick(w, &st, &conf, 2 * FX_SEC);
	st.drops[DROP_HOST_LIMIT] = 9;
	drop_log_tick(w, &st, &conf, 3 * FX_SEC); /* too soon */
	st.drops[DROP_HOST_LIMIT] = 12;
	nat_addr_parse(&st.last_drop_src[DROP_HOST_LIMIT], "192.168.1.77");
	drop_log_tick(w, &st, &conf, 63 * FX_SEC);
	drop_log_tick(w, &st, &conf, 200 * FX_SEC); /* no rise */
	drop_log_destroy(w);
	fflush(stderr);
	f = cr_get_redirected_stderr();
	cr_assert(fgets(out, sizeof(out), f));
	cr_assert(strstr(out, "per-host limit 256 reached: 5 INITs") == out,
		  "%s", out);
	cr_assert(fgets(out, sizeof(out), f));
	cr_assert(strstr(out, "per-host limit 256 reached: 7 INITs") == out,
		  "%s", out);
	cr_assert(strstr(out, "(latest from 192.168.1.77)\n"), "%s", out);
	cr_assert_null(fgets(out, sizeof(out), f));
}
