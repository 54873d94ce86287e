/*
 * Unit tests for mon_event: the lines "sctpalgctl monitor" streams.  Each
 * line must be one JSON object that sctpalgctl's parser reads, with the
 * members the man page lists, and "text" equal to the log's sentence;
 * a line that does not fit is not made at all (never half a line), and
 * what comes from the configuration (uplink names) cannot break it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assoc_log.h"
#include "ctl_print.h"
#include "ctl_json.h"
#include "mon_event.h"

static struct engine_config conf;
static struct engine_assoc_view view;

static void setup(void)
{
	memset(&conf, 0, sizeof(conf));
	memset(&view, 0, sizeof(view));
	conf.n_uplinks = 2;
	strcpy(conf.uplinks[0].name, "isp1");
	strcpy(conf.uplinks[1].name, "isp\"2\\"); /* needs escaping */
	view.id = 7;
	view.state = ASSOC_ESTABLISHED;
	view.inside_port = 5000;
	view.public_port = 6000;
	view.peer_port = 80;
	view.tag_inside = 0x1a2b3c4d;
	view.tag_peer = 0x5e6f7a8b;
	view.n_locals = 2;
	nat_addr_parse(&view.locals[0].inside, "192.168.1.10");
	nat_addr_parse(&view.locals[0].public_, "198.51.100.1");
	nat_addr_parse(&view.locals[1].inside, "192.168.1.10");
	nat_addr_parse(&view.locals[1].public_, "203.0.113.1");
	view.n_paths = 2;
	nat_addr_parse(&view.paths[0].peer, "198.51.100.100");
	view.paths[0].uplink = 1;
	nat_addr_parse(&view.paths[1].peer, "203.0.113.100");
	view.paths[1].uplink = 1;
}

TestSuite(mon_event, .init = setup);

static struct json_object *parse_line(const char *buf, size_t n)
{
	struct json_object *doc;

	cr_assert_gt(n, 0);
	cr_assert_eq(strlen(buf), n);
	cr_assert_eq(buf[n - 1], '\n', "one line, newline-terminated");
	cr_assert_null(memchr(buf, '\n', n - 1), "exactly one line");
	cr_assert_eq(ctl_json_parse(buf, n, &doc, NULL), 0, "JSON: %s", buf);
	return doc;
}

Test(mon_event, moved_line)
{
	struct engine_event ev = {
		.type = ENGINE_EV_MOVED,
		.reason = ENGINE_EVR_UPLINK_DOWN,
		.uplink = 0,
		.moved_paths = 1,
		.assoc = &view,
	};
	char buf[MON_LINE_MAX], text[768];
	struct json_object *m;
	struct json_object *d;
	size_t n;

	n = mon_event_format(&ev, &conf, 1234567, buf, sizeof(buf));
	d = parse_line(buf, n);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""), "moved");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "reason"), ""),
			 "uplink-down");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "time_ms"), 0), 1234567);
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "id"), 0), 7);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "uplink"), ""), "isp1");
	/* Two locals share the inside address: listed once. */
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "inside")), 1);
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "public")), 2);
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "peer")), 2);
	m = ctl_json_get(d, "moved");
	cr_assert_eq(ctl_json_len(m), 1, "only paths[0] moved");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(ctl_json_at(m, 0), "uplink"),
				      ""),
			 "isp\"2\\");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "text"), ""),
			 assoc_log_format(&ev, &conf, text, sizeof(text)));
	json_object_put(d);
}

Test(mon_event, down_line_and_text_print)
{
	struct engine_event ev = {
		.type = ENGINE_EV_DOWN,
		.reason = ENGINE_EVR_ABORT,
		.was_up = true,
		.uplink = -1,
		.age_ns = 12300000000ull,
		.pkts_out = 200,
		.pkts_in = 198,
		.assoc = &view,
	};
	char buf[MON_LINE_MAX], *out = NULL;
	size_t n, olen = 0;
	struct json_object *d;
	FILE *f;

	n = mon_event_format(&ev, &conf, 0, buf, sizeof(buf));
	d = parse_line(buf, n);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""), "down");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "age_ms"), 0), 12300);
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "packets_in"), 0), 198);
	cr_assert(ctl_json_bool(ctl_json_get(d, "was_up"), false));
	json_object_put(d);

	/* sctpalgctl's text form: time, then the sentence. */
	f = open_memstream(&out, &olen);
	cr_assert_eq(ctl_print_event(f, buf, n - 1, false), 0);
	fclose(f);
	cr_assert_not_null(strstr(out, " association down (abort after "
				       "12.3 s, 200/198 packets): "),
			   "%s", out);
	free(out);
	/* -j: exactly the line. */
	f = open_memstream(&out, &olen);
	cr_assert_eq(ctl_print_event(f, buf, n - 1, true), 0);
	fclose(f);
	cr_assert_str_eq(out, buf);
	free(out);
	/* Not an event: nothing printed. */
	f = open_memstream(&out, &olen);
	cr_assert_eq(ctl_print_event(f, "{\"ok\":true}", 11, false), -EINVAL);
	cr_assert_eq(ctl_print_event(f, "{\"event\":", 9, false), -EINVAL);
	fclose(f);
	cr_assert_str_eq(out, "");
	free(out);
}

Test(mon_event, no_half_lines)
{
	struct engine_event ev = {
		.type = ENGINE_EV_UP,
		.reason = ENGINE_EVR_NEW,
		.uplink = -1,
		.assoc = &view,
	};
	char buf[MON_LINE_MAX];
	size_t full, n;

	full = mon_event_format(&ev, &conf, 1, buf, sizeof(buf));
	cr_assert_gt(full, 0);
	/* Every shorter buffer: no line at all, never a cut one. */
	for (n = 0; n <= full; n++) {
		cr_assert_eq(mon_event_format(&ev, &conf, 1, buf, n), 0,
			     "a %zu-byte buffer", n);
		cr_assert(n == 0 || buf[0] == '\0');
	}
	cr_assert_eq(mon_event_format(&ev, &conf, 1, buf, full + 1), full);
	cr_assert_eq(mon_drops_format("ppid-denied", 5, 1, 1, buf, 20), 0);
	cr_assert_eq(mon_lost_format(3, 1, buf, 20), 0);
}

Test(mon_event, drops_and_lost_lines)
{
	char buf[512];
	struct json_object *d;
	size_t n;

	n = mon_drops_format("vtag-mismatch", 1500, 1, 99, buf, sizeof(buf));
	d = parse_line(buf, n);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""), "drops");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "reason"), ""),
			 "vtag-mismatch");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "count"), 0), 1500);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "text"), ""),
			 "1500 drops of reason vtag-mismatch in the last 1 s");
	json_object_put(d);
	n = mon_lost_format(1, 99, buf, sizeof(buf));
	d = parse_line(buf, n);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "event"), ""), "lost");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "count"), 0), 1);
	json_object_put(d);
}
