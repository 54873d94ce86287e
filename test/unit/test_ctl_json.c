/*
 * Unit tests for the control socket's JSON over json-c: the daemon's
 * text byte for byte (compact, '/' unescaped, the escapes JSON needs,
 * invalid UTF-8 replaced, 64-bit counters exact), which scripts see
 * through sctpalgctl -j (sctpalgctl(8), JSON OUTPUT); and sctpalgctl's
 * strict parser and typed getters (ctl_json.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fixture.h"
#include "ctl_json.h"
#include "ctl_server.h"
#include "engine_fixture.h"
#include "sctp_wire.h"

static struct engine *engine;

static struct engine *op_engine(void *arg)
{
	(void)arg;
	return engine;
}

static uint64_t op_now(void *arg)
{
	(void)arg;
	return 5 * FX_SEC;
}

static unsigned int op_ifs(void *arg, struct ctl_if_info *ifs, unsigned int max)
{
	(void)arg;
	cr_assert_geq(max, 2);
	strcpy(ifs[0].name, "wan/1");
	ifs[0].mode = "native";
	ifs[0].up = true;
	ifs[0].tx_bytes = UINT64_MAX;
	strcpy(ifs[1].name, "lan\"0\\\t\x01\xc3\xa9\xff");
	ifs[1].mode = "generic";
	return 2;
}

static unsigned int op_counters(void *arg, struct ctl_counter *out,
				unsigned int max)
{
	(void)arg;
	cr_assert_geq(max, 2);
	out[0] = (struct ctl_counter){ "raw_sent", 12 };
	out[1] = (struct ctl_counter){ "big", UINT64_MAX - 1 };
	return 2;
}

static const char *op_uplink(void *arg, unsigned int i)
{
	(void)arg;
	return i == 0 ? "isp-one" : i == 1 ? "isp/two" : NULL;
}

static const struct ctl_ops ops = {
	.engine = op_engine,
	.now_ns = op_now,
	.interfaces = op_ifs,
	.counters = op_counters,
	.uplink_name = op_uplink,
};

/* One established association with two peer addresses, one vtag drop. */
static void one_association(void)
{
	static const char *const peers[] = { "198.51.100.100", "203.0.113.7",
					     NULL };

	engine = ctl_fx_one_association(peers, 0xf2222222);
}

static void fini(void)
{
	engine_destroy(engine);
	engine = NULL;
}

static char *render(enum ctl_cmd cmd)
{
	char *out = NULL;
	size_t len = 0;

	cr_assert_eq(ctl_render(cmd, &ops, &out, &len), 0);
	cr_assert_eq(strlen(out), len);
	return out;
}

/*
 * The text the hand-written writer made before json-c, byte for byte
 * (scripts may compare it): compact, members in their documented order.
 */
Test(ctl_json, associations_text_unchanged, .init = one_association,
     .fini = fini)
{
	static const char want[] =
		"{\"ok\":true,\"associations\":[{\"id\":0,"
		"\"state\":\"ESTABLISHED\",\"direction\":\"outbound\","
		"\"inside_port\":5000,\"public_port\":5000,\"peer_port\":5001,"
		"\"tag_inside\":4369,\"tag_peer\":4062323234,\"age_s\":4,"
		"\"idle_s\":3,\"expires_s\":297,\"drops\":{\"vtag\":1,"
		"\"address\":0,\"policy\":0,\"other\":0},\"locals\":["
		"{\"inside\":\"192.168.1.10\",\"public\":\"198.51.100.1\","
		"\"uplink\":0,\"uplink_name\":\"isp-one\"},"
		"{\"inside\":\"192.168.1.10\",\"public\":\"203.0.113.1\","
		"\"uplink\":1,\"uplink_name\":\"isp/two\"}],\"paths\":["
		"{\"peer\":\"198.51.100.100\",\"uplink\":0,"
		"\"uplink_name\":\"isp-one\",\"pkts_out\":2,\"bytes_out\":104,"
		"\"pkts_in\":2,\"bytes_in\":128},"
		"{\"peer\":\"203.0.113.7\",\"uplink\":1,"
		"\"uplink_name\":\"isp/two\",\"pkts_out\":0,\"bytes_out\":0,"
		"\"pkts_in\":0,\"bytes_in\":0}]}]}";
	char *out = render(CTL_CMD_ASSOCIATIONS);

	cr_assert_str_eq(out, want);
	free(out);
}

Test(ctl_json, stats_escapes_and_counters, .init = one_association,
     .fini = fini)
{
	struct json_object *doc, *ifs;
	char *out = render(CTL_CMD_STATS);

	cr_assert(strstr(out, "\"datapath\":{\"raw_sent\":12,"
			      "\"big\":18446744073709551614}"),
		  "%s", out);
	/* '/' as is; quote, backslash, tab, U+0001 escaped; é kept; the
	 * byte 0xff, no UTF-8, becomes U+FFFD (as UTF-8). */
	cr_assert(strstr(out, "{\"name\":\"wan/1\",\"mode\":\"native\","
			      "\"queues\":0,\"up\":true,\"rx_packets\":0,"
			      "\"rx_bytes\":0,\"tx_packets\":0,"
			      "\"tx_bytes\":18446744073709551615,"),
		  "%s", out);
	cr_assert(strstr(out, "\"name\":\"lan\\\"0\\\\\\t\\u0001"
			      "\xc3\xa9\xef\xbf\xbd\""),
		  "%s", out);
	cr_assert_eq(ctl_json_parse(out, strlen(out), &doc, NULL), 0);
	ifs = ctl_json_get(doc, "interfaces");
	cr_assert_eq(ctl_json_u64(ctl_json_get(ctl_json_at(ifs, 0), "tx_bytes"),
				  0),
		     UINT64_MAX);
	cr_assert_eq(
		ctl_json_u64(ctl_json_get(ctl_json_get(doc, "datapath"), "big"),
			     0),
		UINT64_MAX - 1);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(ctl_json_at(ifs, 1), "name"),
				      ""),
			 "lan\"0\\\t\x01\xc3\xa9\xef\xbf\xbd");
	json_object_put(doc);
	free(out);
}

Test(ctl_json, small_answers, .init = one_association, .fini = fini)
{
	char *out;
	size_t len;

	out = render(CTL_CMD_FLUSH);
	cr_assert_str_eq(out, "{\"ok\":true,\"removed\":1}");
	free(out);
	out = render(CTL_CMD_ASSOCIATIONS);
	cr_assert_str_eq(out, "{\"ok\":true,\"associations\":[]}");
	free(out);
	cr_assert_eq(ctl_render_error("no \"such\"/thing\n", &out, &len), 0);
	cr_assert_str_eq(out, "{\"ok\":false,"
			      "\"error\":\"no \\\"such\\\"/thing\\n\"}");
	cr_assert_eq(len, strlen(out));
	free(out);
}

static struct json_object *parse_ok(const char *s)
{
	struct json_object *v = NULL;
	size_t off = 0;

	cr_assert_eq(ctl_json_parse(s, strlen(s), &v, &off), 0,
		     "rejected %s at %zu", s, off);
	return v;
}

static void parse_bad(const char *s, size_t n)
{
	struct json_object *v = NULL;
	size_t off = (size_t)-1;

	cr_assert_eq(ctl_json_parse(s, n, &v, &off), -EINVAL, "accepted %s", s);
	cr_assert_null(v);
	cr_assert_leq(off, n, "%s: error at %zu", s, off);
}

#define BAD(s) parse_bad(s, sizeof(s) - 1)

Test(ctl_json, parse_values)
{
	struct json_object *v, *m;

	v = parse_ok(" {\"a\" : [1, -2, 3.5e+2, true, \"5\", null],"
		     " \"b\": {\"c\": \"d\"}, \"e\": []} \n");
	cr_assert_eq(ctl_json_len(v), 3);
	m = ctl_json_get(v, "a");
	cr_assert_eq(ctl_json_len(m), 6);
	cr_assert_eq(ctl_json_u64(ctl_json_at(m, 0), 0), 1);
	cr_assert_eq(ctl_json_i64(ctl_json_at(m, 1), 0), -2);
	cr_assert_eq(ctl_json_u64(ctl_json_at(m, 1), 7), 7, "negative");
	cr_assert_eq(ctl_json_u64(ctl_json_at(m, 2), 7), 7, "not integer");
	cr_assert(ctl_json_bool(ctl_json_at(m, 3), false));
	cr_assert_eq(ctl_json_u64(ctl_json_at(m, 4), 7), 7, "a string");
	cr_assert_str_eq(ctl_json_str(ctl_json_at(m, 4), ""), "5");
	cr_assert_null(ctl_json_at(m, 5));
	cr_assert_null(ctl_json_at(m, 6));
	cr_assert_null(ctl_json_str(ctl_json_at(m, 0), NULL), "a number");
	cr_assert_str_eq(
		ctl_json_str(ctl_json_get(ctl_json_get(v, "b"), "c"), ""), "d");
	cr_assert_null(ctl_json_get(v, "zz"));
	cr_assert_null(ctl_json_get(m, "a"), "not an object");
	cr_assert_null(ctl_json_at(v, 0), "not an array");
	cr_assert_eq(ctl_json_len(ctl_json_get(v, "e")), 0);
	json_object_put(v);

	v = parse_ok("18446744073709551615");
	cr_assert_eq(ctl_json_u64(v, 0), UINT64_MAX);
	cr_assert_eq(ctl_json_i64(v, 5), 5, "above INT64_MAX");
	json_object_put(v);
	v = parse_ok("-9223372036854775808");
	cr_assert_eq(ctl_json_i64(v, 0), INT64_MIN);
	json_object_put(v);

	v = parse_ok("\"\\u00e9\\ud83d\\ude00\\/\"");
	cr_assert_str_eq(ctl_json_str(v, ""), "\xc3\xa9\xf0\x9f\x98\x80/");
	json_object_put(v);
}

/*
 * json-c's strict mode still takes, where the hand-written parser
 * refused them: raw control characters in strings, a lone surrogate
 * escape (read as U+FFFD), overlong UTF-8, "1.", "-01", NaN and
 * Infinity.  None of it reaches a table as a number or breaks a line
 * (the getters want integers; sctpalgctl prints strings as they are).
 */
Test(ctl_json, parse_rejects)
{
	char deep[200];

	BAD("");
	BAD("   ");
	BAD("[1,]");
	BAD("{\"a\":1,}");
	BAD("{\"a\" 1}");
	BAD("{1:2}");
	BAD("[1 2]");
	BAD("01");
	BAD("-");
	BAD("tru");
	BAD("\"abc");
	BAD("\"a\\x\"");
	BAD("\"\\u12\"");
	BAD("/* c */ {}");
	BAD("1 2");
	BAD("[1] x");
	BAD("{}{}");
	BAD("{} \0 x");
	BAD("\"\xff\"");
	memset(deep, '[', sizeof(deep));
	parse_bad(deep, sizeof(deep));
}
