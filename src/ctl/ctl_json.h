/*
 * ctl_json: sctpalgctl's reading of the daemon's JSON (sctpalgctl(8),
 * JSON OUTPUT), over json-c.
 *
 * json-c's own getters convert whatever they are given (a string "5"
 * reads as 5, an object as its text); a table must not show such a
 * member as if it were the number or string it expected, so these
 * return the caller's default unless the member has the expected type.
 * Every function accepts NULL for a missing member.
 */
#ifndef SCTPALG_CTL_JSON_H
#define SCTPALG_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Nesting the daemon's answers never come near (four levels deep). */
#define CTL_JSON_MAX_DEPTH 32

/*
 * Exactly one JSON text (RFC 8259: strict grammar, valid UTF-8,
 * whitespace around it allowed) in text[0..len).  0 and the tree in
 * *out (json_object_put() it), or -EINVAL with the byte offset of the
 * problem in *err_off (if not NULL), or -ENOMEM.
 */
int ctl_json_parse(const char *text, size_t len, struct json_object **out,
		   size_t *err_off);

/* Member of an object by name; NULL if absent or o is no object. */
struct json_object *ctl_json_get(struct json_object *o, const char *key);
/* Elements of an array or members of an object, 0 for anything else. */
size_t ctl_json_len(struct json_object *v);
/* Element i of an array; NULL if arr is no array, i is past its end or
 * the element is null. */
struct json_object *ctl_json_at(struct json_object *arr, size_t i);
/*
 * The members of an object, in the order they came; none if obj is no
 * object (json-c's own loop would dereference NULL).  Declares nothing
 * in the enclosing scope, unlike json_object_object_foreach.
 */
#define ctl_json_foreach(obj, it)                                              \
	for ((it).entry = json_object_is_type((obj), json_type_object) ?       \
				  lh_table_head(json_object_get_object(obj)) : \
				  NULL;                                        \
	     (it).entry ?                                                      \
		     ((it).key = (char *)lh_entry_k((it).entry),               \
		     (it).val = (struct json_object *)lh_entry_v((it).entry),  \
		     1) :                                                      \
		     0;                                                        \
	     (it).entry = lh_entry_next((it).entry))

/* An integer's value; dflt for anything else, or out of range. */
uint64_t ctl_json_u64(struct json_object *v, uint64_t dflt);
int64_t ctl_json_i64(struct json_object *v, int64_t dflt);
/* A string's text; dflt if v is no string. */
const char *ctl_json_str(struct json_object *v, const char *dflt);
bool ctl_json_bool(struct json_object *v, bool dflt);

#endif
