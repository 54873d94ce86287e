/*
 * Unit tests for json: the writer's escaping (quotes, backslashes,
 * control characters, invalid UTF-8 -> U+FFFD, valid UTF-8 kept), its
 * misuse detection, exact 64-bit numbers; the parser's grammar (accepts
 * RFC 8259 examples, rejects trailing commas, bad escapes, lone
 * surrogates, raw control characters, deep nesting) and a round trip of
 * everything the writer can produce.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static char *finish(struct json_writer *w)
{
	char *out = NULL;
	size_t len = 0;

	cr_assert_eq(json_writer_finish(w, &out, &len), 0);
	cr_assert_eq(strlen(out), len);
	return out;
}

static void expect_str(const char *in, size_t n, const char *json)
{
	struct json_writer w;
	char *out;

	json_writer_init(&w, false);
	json_strn(&w, in, n);
	out = finish(&w);
	cr_assert_str_eq(out, json);
	free(out);
}

Test(json, escapes)
{
	expect_str("plain", 5, "\"plain\"");
	expect_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_str("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	expect_str("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	expect_str("nul\0in", 6, "\"nul\\u0000in\"");
	/* "/" needs no escape; DEL is legal as is. */
	expect_str("a/b\x7f", 4, "\"a/b\x7f\"");
}

Test(json, utf8_kept_or_replaced)
{
	/* é, €, U+1F600: valid, copied. */
	expect_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		   "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Lone continuation, overlong, surrogate, > U+10FFFF, cut short. */
	expect_str("\x80", 1, "\"\\ufffd\"");
	expect_str("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	expect_str("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	expect_str("\xf4\x90\x80\x80", 4,
		   "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	expect_str("a\xe2\x82", 3, "\"a\\ufffd\\ufffd\"");
}

Test(json, document_shape_and_numbers)
{
	struct json_writer w;
	char *out;

	json_writer_init(&w, false);
	json_obj_begin(&w);
	json_kv_u64(&w, "max", UINT64_MAX);
	json_kv_i64(&w, "min", INT64_MIN);
	json_kv_bool(&w, "t", true);
	json_key(&w, "list");
	json_arr_begin(&w);
	json_u64(&w, 0);
	json_null(&w);
	json_obj_begin(&w);
	json_obj_end(&w);
	json_arr_begin(&w);
	json_arr_end(&w);
	json_arr_end(&w);
	json_kv_str(&w, "s", NULL);
	json_obj_end(&w);
	out = finish(&w);
	cr_assert_str_eq(out, "{\"max\":18446744073709551615,"
			      "\"min\":-9223372036854775808,\"t\":true,"
			      "\"list\":[0,null,{},[]],\"s\":null}");
	free(out);
}

Test(json, pretty)
{
	struct json_writer w;
	char *out;

	json_writer_init(&w, true);
	json_obj_begin(&w);
	json_kv_u64(&w, "a", 1);
	json_key(&w, "b");
	json_arr_begin(&w);
	json_u64(&w, 2);
	json_arr_end(&w);
	json_obj_end(&w);
	out = finish(&w);
	cr_assert_str_eq(out, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
	free(out);
}

Test(json, misuse_is_reported_once)
{
	struct json_writer w;
	char *out = NULL;

	/* A value in an object without a key. */
	json_writer_init(&w, false);
	json_obj_begin(&w);
	json_u64(&w, 1);
	json_obj_end(&w);
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);
	cr_assert_null(out);

	/* Unbalanced. */
	json_writer_init(&w, false);
	json_arr_begin(&w);
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);

	/* Mismatched close. */
	json_writer_init(&w, false);
	json_arr_begin(&w);
	json_obj_end(&w);
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);

	/* A key in an array, two documents, nothing at all. */
	json_writer_init(&w, false);
	json_arr_begin(&w);
	json_key(&w, "k");
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);
	json_writer_init(&w, false);
	json_u64(&w, 1);
	json_u64(&w, 2);
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);
	json_writer_init(&w, false);
	cr_assert_eq(json_writer_finish(&w, &out, NULL), -EINVAL);
}

static struct json_value *parse_ok(const char *s)
{
	struct json_value *v = NULL;

	cr_assert_eq(json_parse(s, strlen(s), &v, NULL), 0, "parse %s", s);
	return v;
}

static void parse_bad(const char *s, size_t at)
{
	struct json_value *v = NULL;
	size_t off = 9999;

	cr_assert_eq(json_parse(s, strlen(s), &v, &off), -EINVAL,
		     "accepted %s", s);
	cr_assert_null(v);
	if (at != (size_t)-1)
		cr_assert_eq(off, at, "%s: error at %zu", s, off);
}

Test(json, parse_values)
{
	struct json_value *v;
	const struct json_value *m;

	v = parse_ok(" {\"a\" : [1, -2, 3.5e+2, true, false, null],"
		     " \"b\": {\"c\": \"d\"}, \"e\": []} ");
	cr_assert_eq(v->type, JSON_OBJECT);
	cr_assert_eq(json_len(v), 3);
	m = json_get(v, "a");
	cr_assert_eq(json_len(m), 6);
	cr_assert_eq(json_get_u64(m->child, 0), 1);
	cr_assert_eq(json_get_i64(m->child->next, 0), -2);
	cr_assert_eq(json_get_u64(m->child->next, 7), 7, "negative: dflt");
	cr_assert_str_eq(m->child->next->next->text, "3.5e+2");
	cr_assert_eq(json_get_u64(m->child->next->next, 7), 7, "not integer");
	cr_assert(json_get_bool(m->child->next->next->next, false));
	cr_assert_eq(m->child->next->next->next->next->next->type, JSON_NULL);
	cr_assert_str_eq(json_get_str(json_get(json_get(v, "b"), "c"), ""),
			 "d");
	cr_assert_null(json_get(v, "zz"));
	cr_assert_eq(json_len(json_get(v, "e")), 0);
	json_free(v);

	v = parse_ok("18446744073709551615");
	cr_assert_eq(json_get_u64(v, 0), UINT64_MAX);
	json_free(v);
	v = parse_ok("18446744073709551616");
	cr_assert_eq(json_get_u64(v, 5), 5, "out of range: dflt");
	json_free(v);

	v = parse_ok("\"\\u00e9\\ud83d\\ude00\\/\\u0000x\"");
	cr_assert_eq(v->text_len, 2 + 4 + 1 + 1 + 1);
	cr_assert_eq(memcmp(v->text, "\xc3\xa9\xf0\x9f\x98\x80/\0x", 9), 0);
	json_free(v);
}

Test(json, parse_rejects)
{
	char deep[200];
	size_t i;

	parse_bad("", 0);
	parse_bad("[1,]", 3);
	parse_bad("{\"a\":1,}", 7);
	parse_bad("{\"a\" 1}", 5);
	parse_bad("{1:2}", 1);
	parse_bad("[1 2]", 3);
	parse_bad("01", 1);
	parse_bad("1.", 2);
	parse_bad("-", 1);
	parse_bad("1e", 2);
	parse_bad("tru", 0);
	parse_bad("nul", 0);
	parse_bad("\"abc", (size_t)-1);
	parse_bad("\"a\\x\"", (size_t)-1);
	parse_bad("\"\\ud800\"", (size_t)-1);
	parse_bad("\"\\udc00\"", (size_t)-1);
	parse_bad("\"\\ud800\\u0041\"", (size_t)-1);
	parse_bad("\"\\u12\"", (size_t)-1);
	parse_bad("\"tab\there\"", (size_t)-1);
	parse_bad("1 2", 2);
	parse_bad("[1] x", 4);

	for (i = 0; i < sizeof(deep) - 1; i++)
		deep[i] = '[';
	deep[sizeof(deep) - 1] = '\0';
	parse_bad(deep, (size_t)-1);
}

/* Whatever the writer makes, the parser reads back the same. */
Test(json, round_trip)
{
	static const char *const strs[] = {
		"", "x", "quote\"back\\slash", "ctl\x01\x02\n",
		"\xc3\xa9t\xc3\xa9", "nul",
	};
	const struct json_value *a, *e;
	struct json_writer w;
	struct json_value *v;
	char *out;
	size_t i;

	json_writer_init(&w, true);
	json_obj_begin(&w);
	json_key(&w, "strs");
	json_arr_begin(&w);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		json_str(&w, strs[i]);
	json_strn(&w, "a\0b", 3);
	json_arr_end(&w);
	json_kv_u64(&w, "big", UINT64_MAX - 1);
	json_kv_i64(&w, "neg", -42);
	json_obj_end(&w);
	out = finish(&w);

	cr_assert_eq(json_parse(out, strlen(out), &v, NULL), 0, "%s", out);
	a = json_get(v, "strs");
	cr_assert_eq(json_len(a), sizeof(strs) / sizeof(strs[0]) + 1);
	for (i = 0, e = a->child; i < sizeof(strs) / sizeof(strs[0]);
	     i++, e = e->next)
		cr_assert_str_eq(e->text, strs[i]);
	cr_assert_eq(e->text_len, 3);
	cr_assert_eq(memcmp(e->text, "a\0b", 3), 0);
	cr_assert_eq(json_get_u64(json_get(v, "big"), 0), UINT64_MAX - 1);
	cr_assert_eq(json_get_i64(json_get(v, "neg"), 0), -42);
	json_free(v);
	free(out);
}
