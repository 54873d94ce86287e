/*
 * json: the control protocol's JSON, both directions, without a library.
 *
 * sctpalgd writes every control-socket answer with the streaming writer;
 * sctpalgctl reads it back with the small tree parser to print tables.
 * Both are only as big as that needs: RFC 8259 JSON, UTF-8 text, numbers
 * kept as their text (so a 64-bit counter survives exactly) and read with
 * json_u64()/json_i64().
 *
 * Writer: calls nest like the document; commas and escaping are the
 * writer's business.  Errors are sticky (first -ENOMEM or misuse wins)
 * and reported once by json_writer_finish(), so rendering code does not
 * check every call.  Bytes that are not valid UTF-8 (an interface name
 * can hold any byte) are written as U+FFFD, so the output is always valid
 * JSON.
 */
#ifndef SCTPALG_JSON_H
#define SCTPALG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	32

/* A value type; fields are private to json.c. */
struct json_writer {
	char *buf;
	size_t len, cap;
	int err;
	unsigned int depth;
	bool after_key;
	bool pretty;
	bool has_items[JSON_MAX_DEPTH + 1];
	bool is_obj[JSON_MAX_DEPTH + 1];
};

/* pretty: newlines and two-space indentation (for people and tests). */
void json_writer_init(struct json_writer *w, bool pretty);
/*
 * 0 and the finished NUL-terminated text in *out (the caller frees it;
 * *len without the NUL), or the first error (-ENOMEM, -EINVAL for
 * unbalanced nesting); the writer is reset either way.
 */
int json_writer_finish(struct json_writer *w, char **out, size_t *len);
/* Drops whatever was written. */
void json_writer_release(struct json_writer *w);

void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
/* Member name inside an object; the next call writes its value. */
void json_key(struct json_writer *w, const char *key);

void json_str(struct json_writer *w, const char *s);
void json_strn(struct json_writer *w, const char *s, size_t n);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* Key and value in one call. */
void json_kv_str(struct json_writer *w, const char *k, const char *s);
void json_kv_u64(struct json_writer *w, const char *k, uint64_t v);
void json_kv_i64(struct json_writer *w, const char *k, int64_t v);
void json_kv_bool(struct json_writer *w, const char *k, bool v);

/* Parser. */
enum json_type {
	JSON_NULL = 0,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	bool boolean;
	char *key;		/* member name when inside an object */
	char *text;		/* string value (unescaped, NUL-terminated)
				 * or a number's literal text */
	size_t text_len;	/* a string may contain NUL (\u0000) */
	struct json_value *child;	/* first element / member */
	struct json_value *next;	/* next sibling */
};

/*
 * Parses exactly one JSON value (whitespace around it allowed).  0 and a
 * tree in *out (free with json_free()), or -EINVAL with the byte offset of
 * the problem in *err_off (if not NULL), or -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json_value **out,
	       size_t *err_off);
void json_free(struct json_value *v);

/* Member of an object by name, NULL if absent or v is not an object. */
const struct json_value *json_get(const struct json_value *v,
				  const char *key);
/* Number of elements / members. */
size_t json_len(const struct json_value *v);
/* A number's value; dflt if v is not a number in range. */
uint64_t json_get_u64(const struct json_value *v, uint64_t dflt);
int64_t json_get_i64(const struct json_value *v, int64_t dflt);
/* A string's text, dflt if v is not a string. */
const char *json_get_str(const struct json_value *v, const char *dflt);
bool json_get_bool(const struct json_value *v, bool dflt);

#endif
