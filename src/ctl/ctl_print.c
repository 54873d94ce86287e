/*
 * ctl_print: turns the daemon's JSON answers into aligned text for
 * people (see ctl_print.h).  The JSON itself (sctpalgctl -j) is
 * the interface for scripts; this is only a view of it, so unknown
 * members are ignored and missing numbers print as 0.
 *
 * Address sets print as one cell: "192.0.2.1:5001" for one address,
 * "{192.0.2.1,198.51.100.1}:5001" for several, IPv6 in brackets, so
 * the association table stays one line per association however many
 * paths it has; the per-path counters get a table of their own.
 */
#define _GNU_SOURCE		/* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_json.h"
#include "ctl_print.h"

#define TABLE_MAX_COLS	12

struct table {
	unsigned int ncols;
	const char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];	/* right-aligned (numbers) */
	char **cells;			/* nrows * ncols */
	size_t nrows, cap;
	unsigned int col;		/* next cell of the last row */
	bool nomem;
};

/* head: column titles; a leading '>' makes the column right-aligned. */
static void table_init(struct table *t, unsigned int ncols,
		       const char *const *head)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	for (i = 0; i < ncols; i++) {
		t->right[i] = head[i][0] == '>';
		t->head[i] = head[i] + t->right[i];
	}
	t->col = ncols;
}

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* Appends one cell, starting a new row after the last column. */
static void table_cell(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void table_cell(struct table *t, const char *fmt, ...)
{
	char **cells;
	char *s = NULL;
	va_list ap;
	size_t cap;

	if (t->nomem)
		return;
	if (t->col == t->ncols) {
		if (t->nrows == t->cap) {
			cap = t->cap ? t->cap * 2 : 16;
			cells = realloc(t->cells,
					cap * t->ncols * sizeof(*cells));
			if (!cells) {
				t->nomem = true;
				return;
			}
			t->cells = cells;
			t->cap = cap;
		}
		memset(&t->cells[t->nrows * t->ncols], 0,
		       t->ncols * sizeof(*t->cells));
		t->nrows++;
		t->col = 0;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		t->nomem = true;
	t->cells[(t->nrows - 1) * t->ncols + t->col++] = s;
}

static const char *table_at(const struct table *t, size_t row,
			    unsigned int col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s ? s : "";
}

static int table_print(const struct table *t, FILE *f, const char *indent,
		       bool with_head)
{
	size_t width[TABLE_MAX_COLS];
	unsigned int c;
	size_t r, n;

	if (t->nomem)
		return -ENOMEM;
	for (c = 0; c < t->ncols; c++)
		width[c] = with_head ? strlen(t->head[c]) : 0;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			n = strlen(table_at(t, r, c));
			if (n > width[c])
				width[c] = n;
		}
	for (r = with_head ? 0 : 1; r <= t->nrows; r++) {
		fputs(indent, f);
		for (c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->head[c]
					       : table_at(t, r - 1, c);
			bool last = c + 1 == t->ncols;

			if (t->right[c])
				fprintf(f, "%*s", (int)width[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)width[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	return 0;
}

/* 42s, 5m07s, 3h05m, 2d04h. */
static void fmt_duration(char *buf, size_t len, unsigned long long s)
{
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s / 3600 % 24);
}

static unsigned long long num(struct json_object *obj, const char *k)
{
	return (unsigned long long)ctl_json_u64(ctl_json_get(obj, k), 0);
}

/* The uplink a row names: its name, else its index, "-" for none. */
static void fmt_uplink(char *buf, size_t len, struct json_object *o)
{
	const char *name = ctl_json_str(ctl_json_get(o, "uplink_name"), NULL);
	long long idx = (long long)ctl_json_i64(ctl_json_get(o, "uplink"), -1);

	if (name)
		snprintf(buf, len, "%s", name);
	else if (idx >= 0)
		snprintf(buf, len, "%lld", idx);
	else
		snprintf(buf, len, "-");
}

/*
 * The set of addresses under key `k` of the objects in arr (duplicates
 * and nulls left out), with the port: a malloc'ed string or NULL.
 */
static char *fmt_addr_set(struct json_object *arr, const char *k,
			  unsigned long long port)
{
	char *set = NULL, *out = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&set, &len);
	unsigned int n = 0;
	bool dup, v6;
	const char *a;
	int ret;

	if (!f)
		return NULL;
	for (i = 0; i < ctl_json_len(arr); i++) {
		a = ctl_json_str(ctl_json_get(ctl_json_at(arr, i), k), NULL);
		if (!a)
			continue;
		dup = false;
		for (j = 0; j < i; j++)
			if (strcmp(ctl_json_str(
					   ctl_json_get(ctl_json_at(arr, j), k),
					   ""),
				   a) == 0)
				dup = true;
		if (dup)
			continue;
		v6 = strchr(a, ':') != NULL;
		fprintf(f, "%s%s%s%s", n ? "," : "", v6 ? "[" : "", a,
			v6 ? "]" : "");
		n++;
	}
	fclose(f);
	if (!set)
		return NULL;
	if (n == 0)
		ret = asprintf(&out, "-");
	else if (n == 1)
		ret = asprintf(&out, "%s:%llu", set, port);
	else
		ret = asprintf(&out, "{%s}:%llu", set, port);
	free(set);
	return ret < 0 ? NULL : out;
}

/* "vtag:3,address:1" for the classes that are not zero, else "-". */
static void fmt_drops(char *buf, size_t len, struct json_object *d)
{
	struct json_object_iter m;
	size_t off = 0;
	int n;

	snprintf(buf, len, "-");
	ctl_json_foreach (d, m) {
		if (ctl_json_u64(m.val, 0) == 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s:%llu", off ? "," : "",
			     m.key, (unsigned long long)ctl_json_u64(m.val, 0));
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

static int print_associations(FILE *f, struct json_object *doc)
{
	static const char *const ahead[] = {
		">ID",	  "STATE", "DIR",	  "INSIDE",
		"PUBLIC", "PEER",  "VTAG-INSIDE", "VTAG-PEER",
		">AGE",	  ">IDLE", ">EXPIRES",	  "DROPS",
	};
	static const char *const phead[] = {
		">ID", "PEER", "UPLINK", ">PKTS-OUT", ">BYTES-OUT",
		">PKTS-IN", ">BYTES-IN",
	};
	struct json_object *list = ctl_json_get(doc, "associations");
	struct json_object *a, *locals, *paths, *p;
	struct table at, pt;
	char d1[24], d2[24], d3[24], up[64], dr[96];
	char *ins, *pub, *peer;
	size_t i, j;
	int ret;

	if (!json_object_is_type(list, json_type_array))
		return -EINVAL;
	if (!ctl_json_len(list)) {
		fprintf(f, "no associations\n");
		return 0;
	}
	table_init(&at, 12, ahead);
	table_init(&pt, 7, phead);
	for (i = 0; i < ctl_json_len(list); i++) {
		a = ctl_json_at(list, i);
		locals = ctl_json_get(a, "locals");
		paths = ctl_json_get(a, "paths");
		ins = fmt_addr_set(locals, "inside", num(a, "inside_port"));
		pub = fmt_addr_set(locals, "public", num(a, "public_port"));
		peer = fmt_addr_set(paths, "peer", num(a, "peer_port"));
		fmt_duration(d1, sizeof(d1), num(a, "age_s"));
		fmt_duration(d2, sizeof(d2), num(a, "idle_s"));
		fmt_duration(d3, sizeof(d3), num(a, "expires_s"));
		table_cell(&at, "%llu", num(a, "id"));
		table_cell(&at, "%s",
			   ctl_json_str(ctl_json_get(a, "state"), "?"));
		table_cell(
			&at, "%s",
			strcmp(ctl_json_str(ctl_json_get(a, "direction"), ""),
			       "inbound") == 0 ?
				"in" :
				"out");
		table_cell(&at, "%s", ins ? ins : "?");
		table_cell(&at, "%s", pub ? pub : "?");
		table_cell(&at, "%s", peer ? peer : "?");
		table_cell(&at, "0x%08llx", num(a, "tag_inside"));
		table_cell(&at, "0x%08llx", num(a, "tag_peer"));
		table_cell(&at, "%s", d1);
		table_cell(&at, "%s", d2);
		table_cell(&at, "%s", d3);
		fmt_drops(dr, sizeof(dr), ctl_json_get(a, "drops"));
		table_cell(&at, "%s", dr);
		free(ins);
		free(pub);
		free(peer);

		for (j = 0; j < ctl_json_len(paths); j++) {
			p = ctl_json_at(paths, j);
			fmt_uplink(up, sizeof(up), p);
			table_cell(&pt, "%llu", num(a, "id"));
			table_cell(&pt, "%s",
				   ctl_json_str(ctl_json_get(p, "peer"), "?"));
			table_cell(&pt, "%s", up);
			table_cell(&pt, "%llu", num(p, "pkts_out"));
			table_cell(&pt, "%llu", num(p, "bytes_out"));
			table_cell(&pt, "%llu", num(p, "pkts_in"));
			table_cell(&pt, "%llu", num(p, "bytes_in"));
		}
	}
	ret = table_print(&at, f, "", true);
	if (ret == 0 && pt.nrows > 0) {
		fputc('\n', f);
		ret = table_print(&pt, f, "", true);
	}
	table_free(&at);
	table_free(&pt);
	return ret;
}

/*
 * "name value" lines for the numeric members of obj; only the non-zero
 * ones when skip_zero ("none" if that leaves nothing).
 */
static int print_counters(FILE *f, const char *title, struct json_object *obj,
			  bool skip_zero)
{
	static const char *const head[] = { "", ">" };
	struct json_object_iter m;
	struct table t;
	char *label, *c;
	int ret;

	if (!json_object_is_type(obj, json_type_object))
		return -EINVAL;
	table_init(&t, 2, head);
	ctl_json_foreach (obj, m) {
		if (!json_object_is_type(m.val, json_type_int) &&
		    !json_object_is_type(m.val, json_type_double))
			continue;
		if (skip_zero && ctl_json_u64(m.val, 0) == 0)
			continue;
		label = strdup(m.key);
		if (!label) {
			table_free(&t);
			return -ENOMEM;
		}
		for (c = label; *c; c++)
			if (*c == '_')
				*c = ' ';
		table_cell(&t, "%s", label);
		/* The number as the daemon wrote it (json-c writes an
		 * integer back exactly). */
		table_cell(&t, "%s",
			   json_object_to_json_string_ext(
				   m.val, JSON_C_TO_STRING_PLAIN));
		free(label);
	}
	fprintf(f, "%s:%s\n", title, t.nrows ? "" : " none");
	ret = table_print(&t, f, "  ", false);
	table_free(&t);
	return ret;
}

static int print_interfaces(FILE *f, struct json_object *list)
{
	static const char *const head[] = {
		"NAME", "MODE", ">QUEUES", "LINK", ">RX-PKTS", ">RX-BYTES",
		">TX-PKTS", ">TX-BYTES", ">RX-DROP", ">TX-DROP",
	};
	struct json_object *i;
	struct table t;
	size_t k;
	int ret;

	if (!json_object_is_type(list, json_type_array))
		return -EINVAL;
	if (!ctl_json_len(list)) {
		fprintf(f, "interfaces: none\n");
		return 0;
	}
	fprintf(f, "interfaces:\n");
	table_init(&t, 10, head);
	for (k = 0; k < ctl_json_len(list); k++) {
		i = ctl_json_at(list, k);
		table_cell(&t, "%s",
			   ctl_json_str(ctl_json_get(i, "name"), "?"));
		table_cell(&t, "%s",
			   ctl_json_str(ctl_json_get(i, "mode"), "?"));
		table_cell(&t, "%llu", num(i, "queues"));
		table_cell(&t, "%s",
			   ctl_json_bool(ctl_json_get(i, "up"), false) ?
				   "up" :
				   "down");
		table_cell(&t, "%llu", num(i, "rx_packets"));
		table_cell(&t, "%llu", num(i, "rx_bytes"));
		table_cell(&t, "%llu", num(i, "tx_packets"));
		table_cell(&t, "%llu", num(i, "tx_bytes"));
		table_cell(&t, "%llu", num(i, "rx_dropped"));
		table_cell(&t, "%llu", num(i, "tx_dropped"));
	}
	ret = table_print(&t, f, "  ", true);
	table_free(&t);
	return ret;
}

static int print_stats(FILE *f, struct json_object *doc)
{
	int ret;

	ret = print_counters(f, "engine", ctl_json_get(doc, "engine"), false);
	if (ret == 0)
		ret = print_counters(f, "drops", ctl_json_get(doc, "drops"),
				     true);
	if (ret == 0)
		ret = print_counters(f, "translations",
				     ctl_json_get(doc, "translations"), true);
	/* A daemon older than the "datapath" object: nothing to print. */
	if (ret == 0 && ctl_json_get(doc, "datapath"))
		ret = print_counters(f, "datapath",
				     ctl_json_get(doc, "datapath"), false);
	if (ret == 0)
		ret = print_interfaces(f, ctl_json_get(doc, "interfaces"));
	return ret;
}

int ctl_print(FILE *f, enum ctl_cmd cmd, struct json_object *doc)
{
	if (!json_object_is_type(doc, json_type_object))
		return -EINVAL;
	switch (cmd) {
	case CTL_CMD_ASSOCIATIONS:
		return print_associations(f, doc);
	case CTL_CMD_STATS:
		return print_stats(f, doc);
	case CTL_CMD_RELOAD:
		fprintf(f, "configuration reloaded\n");
		return 0;
	case CTL_CMD_FLUSH:
		fprintf(f, "%llu association%s removed\n", num(doc, "removed"),
			num(doc, "removed") == 1 ? "" : "s");
		return 0;
	case CTL_CMD_VERSION:
		fprintf(f, "%s %s\n",
			ctl_json_str(ctl_json_get(doc, "program"), "sctpalgd"),
			ctl_json_str(ctl_json_get(doc, "version"), "?"));
		return 0;
	default:
		return -EINVAL;
	}
}

int ctl_print_event(FILE *f, const char *line, size_t len, bool json)
{
	struct json_object *ev;
	const char *text;
	char when[16] = "";
	struct tm tm;
	time_t t;
	int ret = 0;

	if (ctl_json_parse(line, len, &ev, NULL) < 0)
		return -EINVAL;
	text = ctl_json_str(ctl_json_get(ev, "text"), NULL);
	if (!ctl_json_get(ev, "event") || !text) {
		ret = -EINVAL;
	} else if (json) {
		fwrite(line, 1, len, f);
		fputc('\n', f);
	} else {
		t = (time_t)(ctl_json_u64(ctl_json_get(ev, "time_ms"), 0) /
			     1000);
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S ", &tm);
		fprintf(f, "%s%s\n", when, text);
	}
	json_object_put(ev);
	return ret;
}
