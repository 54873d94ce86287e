/*
 * json: a streaming JSON writer (sctpalgd's control answers) and a small
 * tree parser (sctpalgctl's tables), RFC 8259.  Shared by both programs;
 * see include/json.h.
 *
 * The parser is recursive with a depth limit, so hostile input cannot
 * exhaust the stack; it is strict about the grammar (no trailing commas,
 * no comments, no raw control characters in strings) because the only
 * producer is our own writer and a deviation means a bug worth seeing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Writer. */

void json_writer_init(struct json_writer *w, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->pretty = pretty;
}

void json_writer_release(struct json_writer *w)
{
	free(w->buf);
	json_writer_init(w, w->pretty);
}

static void json_fail(struct json_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

static void json_put(struct json_writer *w, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (w->err)
		return;
	if (w->len + n + 1 > w->cap) {
		cap = w->cap ? w->cap : 256;
		while (w->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			json_fail(w, -ENOMEM);
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void json_puts(struct json_writer *w, const char *s)
{
	json_put(w, s, strlen(s));
}

static void json_indent(struct json_writer *w, unsigned int depth)
{
	unsigned int i;

	if (!w->pretty)
		return;
	json_put(w, "\n", 1);
	for (i = 0; i < depth; i++)
		json_put(w, "  ", 2);
}

/* Comma, indentation, and the checks that a value may go here. */
static void json_before_value(struct json_writer *w)
{
	if (w->err)
		return;
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->is_obj[w->depth]) {
		json_fail(w, -EINVAL);		/* member without a key */
		return;
	}
	if (w->depth == 0) {
		if (w->has_items[0])
			json_fail(w, -EINVAL);	/* a second document */
		w->has_items[0] = true;
		return;
	}
	if (w->has_items[w->depth])
		json_put(w, ",", 1);
	w->has_items[w->depth] = true;
	json_indent(w, w->depth);
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if the bytes are not one.
 */
static size_t json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void json_put_string(struct json_writer *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];
	size_t i = 0, run, ulen;

	json_put(w, "\"", 1);
	while (i < n) {
		/* Copy the longest run that needs no escaping at once. */
		run = 0;
		while (i + run < n && s[i + run] >= 0x20 && s[i + run] < 0x80 &&
		       s[i + run] != '"' && s[i + run] != '\\')
			run++;
		if (run) {
			json_put(w, str + i, run);
			i += run;
			continue;
		}
		switch (s[i]) {
		case '"':
			json_put(w, "\\\"", 2);
			break;
		case '\\':
			json_put(w, "\\\\", 2);
			break;
		case '\n':
			json_put(w, "\\n", 2);
			break;
		case '\r':
			json_put(w, "\\r", 2);
			break;
		case '\t':
			json_put(w, "\\t", 2);
			break;
		case '\b':
			json_put(w, "\\b", 2);
			break;
		case '\f':
			json_put(w, "\\f", 2);
			break;
		default:
			if (s[i] < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
				json_put(w, esc, 6);
				break;
			}
			ulen = json_utf8_len(s + i, n - i);
			if (ulen == 0) {
				json_put(w, "\\ufffd", 6);
				break;
			}
			json_put(w, str + i, ulen);
			i += ulen;
			continue;
		}
		i++;
	}
	json_put(w, "\"", 1);
}

void json_obj_begin(struct json_writer *w)
{
	json_before_value(w);
	json_put(w, "{", 1);
	if (w->depth >= JSON_MAX_DEPTH) {
		json_fail(w, -EINVAL);
		return;
	}
	w->depth++;
	w->has_items[w->depth] = false;
	w->is_obj[w->depth] = true;
}

void json_arr_begin(struct json_writer *w)
{
	json_before_value(w);
	json_put(w, "[", 1);
	if (w->depth >= JSON_MAX_DEPTH) {
		json_fail(w, -EINVAL);
		return;
	}
	w->depth++;
	w->has_items[w->depth] = false;
	w->is_obj[w->depth] = false;
}

static void json_close(struct json_writer *w, bool obj)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->is_obj[w->depth] != obj || w->after_key) {
		json_fail(w, -EINVAL);
		return;
	}
	if (w->has_items[w->depth])
		json_indent(w, w->depth - 1);
	w->is_obj[w->depth] = false;
	w->depth--;
	json_put(w, obj ? "}" : "]", 1);
}

void json_obj_end(struct json_writer *w)
{
	json_close(w, true);
}

void json_arr_end(struct json_writer *w)
{
	json_close(w, false);
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (w->depth == 0 || !w->is_obj[w->depth] || w->after_key) {
		json_fail(w, -EINVAL);
		return;
	}
	if (w->has_items[w->depth])
		json_put(w, ",", 1);
	w->has_items[w->depth] = true;
	json_indent(w, w->depth);
	json_put_string(w, key, strlen(key));
	json_puts(w, w->pretty ? ": " : ":");
	w->after_key = true;
}

void json_strn(struct json_writer *w, const char *s, size_t n)
{
	json_before_value(w);
	json_put_string(w, s, n);
}

void json_str(struct json_writer *w, const char *s)
{
	if (!s) {
		json_null(w);
		return;
	}
	json_strn(w, s, strlen(s));
}

void json_u64(struct json_writer *w, uint64_t v)
{
	char num[24];

	json_before_value(w);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	json_puts(w, num);
}

void json_i64(struct json_writer *w, int64_t v)
{
	char num[24];

	json_before_value(w);
	snprintf(num, sizeof(num), "%lld", (long long)v);
	json_puts(w, num);
}

void json_bool(struct json_writer *w, bool v)
{
	json_before_value(w);
	json_puts(w, v ? "true" : "false");
}

void json_null(struct json_writer *w)
{
	json_before_value(w);
	json_puts(w, "null");
}

void json_kv_str(struct json_writer *w, const char *k, const char *s)
{
	json_key(w, k);
	json_str(w, s);
}

void json_kv_u64(struct json_writer *w, const char *k, uint64_t v)
{
	json_key(w, k);
	json_u64(w, v);
}

void json_kv_i64(struct json_writer *w, const char *k, int64_t v)
{
	json_key(w, k);
	json_i64(w, v);
}

void json_kv_bool(struct json_writer *w, const char *k, bool v)
{
	json_key(w, k);
	json_bool(w, v);
}

int json_writer_finish(struct json_writer *w, char **out, size_t *len)
{
	int err = w->err;

	if (!err && (w->depth != 0 || w->after_key || !w->has_items[0]))
		err = -EINVAL;
	if (err) {
		json_writer_release(w);
		return err;
	}
	*out = w->buf;
	if (len)
		*len = w->len;
	w->buf = NULL;
	json_writer_release(w);
	return 0;
}

/* Parser. */

struct json_parser {
	const char *s;
	size_t len, pos;
	int err;
};

static void json_skip_ws(struct json_parser *p)
{
	while (p->pos < p->len &&
	       (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
		p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static struct json_value *json_new(struct json_parser *p, enum json_type t)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v)
		p->err = -ENOMEM;
	else
		v->type = t;
	return v;
}

static int json_hex4(struct json_parser *p, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;
	char c;

	if (p->len - p->pos < 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		c = p->s[p->pos + i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	p->pos += 4;
	*out = v;
	return 0;
}

static size_t json_utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A string at p->pos (on the opening quote), unescaped into a new buffer.
 * The unescaped text is never longer than the escaped one, so one
 * allocation of the raw length is enough (\uXXXX: 6 bytes in, <= 3 out;
 * a surrogate pair: 12 in, 4 out).
 */
static char *json_parse_string(struct json_parser *p, size_t *out_len)
{
	size_t start = ++p->pos, n = 0, end;
	uint32_t cp, lo;
	char *d;
	char c;

	end = start;
	while (end < p->len && p->s[end] != '"') {
		if (p->s[end] == '\\')
			end++;
		end++;
	}
	if (end >= p->len) {
		p->err = -EINVAL;
		return NULL;
	}
	d = malloc(end - start + 1);
	if (!d) {
		p->err = -ENOMEM;
		return NULL;
	}
	while (p->pos < end) {
		c = p->s[p->pos];
		if ((unsigned char)c < 0x20)
			goto bad;
		if (c != '\\') {
			d[n++] = c;
			p->pos++;
			continue;
		}
		p->pos++;
		c = p->s[p->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			d[n++] = c;
			break;
		case 'b':
			d[n++] = '\b';
			break;
		case 'f':
			d[n++] = '\f';
			break;
		case 'n':
			d[n++] = '\n';
			break;
		case 'r':
			d[n++] = '\r';
			break;
		case 't':
			d[n++] = '\t';
			break;
		case 'u':
			if (json_hex4(p, &cp) < 0)
				goto bad;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;	/* lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->pos + 2 > end || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					goto bad;
				p->pos += 2;
				if (json_hex4(p, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			n += json_utf8_put(d + n, cp);
			break;
		default:
			goto bad;
		}
	}
	if (p->pos != end)
		goto bad;
	p->pos = end + 1;
	d[n] = '\0';
	*out_len = n;
	return d;
bad:
	free(d);
	p->err = -EINVAL;
	return NULL;
}

static bool json_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct json_value *json_parse_number(struct json_parser *p)
{
	size_t start = p->pos, n;
	struct json_value *v;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->pos < p->len && json_is_digit(p->s[p->pos])) {
		while (p->pos < p->len && json_is_digit(p->s[p->pos]))
			p->pos++;
	} else {
		goto bad;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !json_is_digit(p->s[p->pos]))
			goto bad;
		while (p->pos < p->len && json_is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len &&
		    (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !json_is_digit(p->s[p->pos]))
			goto bad;
		while (p->pos < p->len && json_is_digit(p->s[p->pos]))
			p->pos++;
	}
	v = json_new(p, JSON_NUMBER);
	if (!v)
		return NULL;
	n = p->pos - start;
	v->text = malloc(n + 1);
	if (!v->text) {
		free(v);
		p->err = -ENOMEM;
		return NULL;
	}
	memcpy(v->text, p->s + start, n);
	v->text[n] = '\0';
	v->text_len = n;
	return v;
bad:
	p->err = -EINVAL;
	return NULL;
}

static bool json_literal(struct json_parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return false;
	p->pos += n;
	return true;
}

static struct json_value *json_parse_value(struct json_parser *p,
					   unsigned int depth);

/* Elements or members up to the closing bracket; p->pos on the opener. */
static struct json_value *json_parse_container(struct json_parser *p,
					       unsigned int depth, bool obj)
{
	struct json_value *v, *item, **tail;
	char *key = NULL;
	size_t klen;
	char close = obj ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH) {
		p->err = -EINVAL;
		return NULL;
	}
	v = json_new(p, obj ? JSON_OBJECT : JSON_ARRAY);
	if (!v)
		return NULL;
	tail = &v->child;
	p->pos++;
	json_skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return v;
	}
	for (;;) {
		json_skip_ws(p);
		if (obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				goto bad;
			key = json_parse_string(p, &klen);
			if (!key)
				goto fail;
			json_skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				goto bad;
			p->pos++;
		}
		item = json_parse_value(p, depth + 1);
		if (!item)
			goto fail;
		item->key = key;
		key = NULL;
		*tail = item;
		tail = &item->next;
		json_skip_ws(p);
		if (p->pos >= p->len)
			goto bad;
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			return v;
		}
		goto bad;
	}
bad:
	p->err = -EINVAL;
fail:
	free(key);
	json_free(v);
	return NULL;
}

static struct json_value *json_parse_value(struct json_parser *p,
					   unsigned int depth)
{
	struct json_value *v;
	char c;

	json_skip_ws(p);
	if (p->pos >= p->len) {
		p->err = -EINVAL;
		return NULL;
	}
	c = p->s[p->pos];
	switch (c) {
	case '{':
		return json_parse_container(p, depth, true);
	case '[':
		return json_parse_container(p, depth, false);
	case '"':
		v = json_new(p, JSON_STRING);
		if (!v)
			return NULL;
		v->text = json_parse_string(p, &v->text_len);
		if (!v->text) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
	case 'f':
		if (!json_literal(p, c == 't' ? "true" : "false"))
			break;
		v = json_new(p, JSON_BOOL);
		if (v)
			v->boolean = c == 't';
		return v;
	case 'n':
		if (!json_literal(p, "null"))
			break;
		return json_new(p, JSON_NULL);
	default:
		if (c == '-' || json_is_digit(c))
			return json_parse_number(p);
		break;
	}
	p->err = -EINVAL;
	return NULL;
}

int json_parse(const char *text, size_t len, struct json_value **out,
	       size_t *err_off)
{
	struct json_parser p = { .s = text, .len = len };
	struct json_value *v;

	v = json_parse_value(&p, 0);
	if (v) {
		json_skip_ws(&p);
		if (p.pos != p.len) {
			json_free(v);
			v = NULL;
			p.err = -EINVAL;
		}
	}
	if (!v) {
		if (err_off)
			*err_off = p.pos;
		return p.err ? p.err : -EINVAL;
	}
	*out = v;
	return 0;
}

void json_free(struct json_value *v)
{
	struct json_value *next;

	while (v) {
		next = v->next;
		json_free(v->child);
		free(v->key);
		free(v->text);
		free(v);
		v = next;
	}
}

const struct json_value *json_get(const struct json_value *v,
				  const char *key)
{
	const struct json_value *m;

	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (m = v->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

size_t json_len(const struct json_value *v)
{
	const struct json_value *m;
	size_t n = 0;

	if (!v || (v->type != JSON_OBJECT && v->type != JSON_ARRAY))
		return 0;
	for (m = v->child; m; m = m->next)
		n++;
	return n;
}

uint64_t json_get_u64(const struct json_value *v, uint64_t dflt)
{
	unsigned long long n;
	char *end;

	if (!v || v->type != JSON_NUMBER || v->text[0] == '-' ||
	    strpbrk(v->text, ".eE"))
		return dflt;
	errno = 0;
	n = strtoull(v->text, &end, 10);
	if (errno || *end)
		return dflt;
	return n;
}

int64_t json_get_i64(const struct json_value *v, int64_t dflt)
{
	long long n;
	char *end;

	if (!v || v->type != JSON_NUMBER || strpbrk(v->text, ".eE"))
		return dflt;
	errno = 0;
	n = strtoll(v->text, &end, 10);
	if (errno || *end)
		return dflt;
	return n;
}

const char *json_get_str(const struct json_value *v, const char *dflt)
{
	if (!v || v->type != JSON_STRING)
		return dflt;
	return v->text;
}

bool json_get_bool(const struct json_value *v, bool dflt)
{
	if (!v || v->type != JSON_BOOL)
		return dflt;
	return v->boolean;
}
