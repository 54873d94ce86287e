/*
 * ctl_json: parsing and typed reading of the daemon's JSON for
 * sctpalgctl; see ctl_json.h.
 *
 * The tokener runs strict (no comments, no trailing commas or other
 * text after the document) and validates UTF-8: the only producer is
 * sctpalgd, so a deviation is a bug or not sctpalgd at all, and worth
 * an error rather than a guess.  Its depth limit bounds the recursion
 * whatever the socket sends.
 */
#include <errno.h>
#include <limits.h>

#include "ctl_json.h"

int ctl_json_parse(const char *text, size_t len, struct json_object **out,
		   size_t *err_off)
{
	struct json_tokener *tok;
	struct json_object *v;
	size_t end;

	if (len > INT_MAX) {
		if (err_off)
			*err_off = INT_MAX;
		return -EINVAL;
	}
	tok = json_tokener_new_ex(CTL_JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	v = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A number (or a document cut short) may go on: the end of the
	 * text, given as a NUL, ends it or makes it an error. */
	if (!v && json_tokener_get_error(tok) == json_tokener_continue)
		v = json_tokener_parse_ex(tok, "", 1);
	json_tokener_free(tok);
	/* The tokener stops at a NUL; what follows one is not whitespace. */
	if (v && end != len) {
		json_object_put(v);
		v = NULL;
	}
	if (!v) {
		if (err_off)
			*err_off = end;
		return -EINVAL;
	}
	*out = v;
	return 0;
}

struct json_object *ctl_json_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

size_t ctl_json_len(struct json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v);
	if (json_object_is_type(v, json_type_object))
		return (size_t)json_object_object_length(v);
	return 0;
}

struct json_object *ctl_json_at(struct json_object *arr, size_t i)
{
	if (!json_object_is_type(arr, json_type_array) ||
	    i >= json_object_array_length(arr))
		return NULL;
	return json_object_array_get_idx(arr, i);
}

/*
 * json-c keeps an integer as int64 or, above INT64_MAX, as uint64; it
 * clamps what neither holds, so an out-of-range literal reads as the
 * limit (the daemon never writes one).
 */
uint64_t ctl_json_u64(struct json_object *v, uint64_t dflt)
{
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return dflt;
	return json_object_get_uint64(v);
}

int64_t ctl_json_i64(struct json_object *v, int64_t dflt)
{
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_uint64(v) > INT64_MAX)
		return dflt;
	return json_object_get_int64(v);
}

const char *ctl_json_str(struct json_object *v, const char *dflt)
{
	if (!json_object_is_type(v, json_type_string))
		return dflt;
	return json_object_get_string(v);
}

bool ctl_json_bool(struct json_object *v, bool dflt)
{
	if (!json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}
