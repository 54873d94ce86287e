/*
 * ctl_render: the JSON answers of the control socket.  What sctpalgctl(8)
 * documents as each command's output is built here with json-c, from the
 * engine's read-only views (engine_foreach_assoc(), engine_stats()) and
 * what the daemon passes in through struct ctl_ops.
 *
 * Times go out as whole seconds relative to now (age, idle, expires in),
 * which is what a person reads and what survives a daemon restart; vtags
 * as plain numbers (sctpalgctl shows them in hex).  Counters are json-c
 * uint64 objects, written exactly.
 *
 * The text is compact (no spaces) and '/' is not escaped: scripts and
 * sctpalgctl -j see exactly these bytes (sctpalgctl(8), JSON OUTPUT).
 * Strings are written as valid UTF-8 whatever they hold (an interface
 * or uplink name can be any bytes): a byte that is not part of a valid
 * sequence becomes U+FFFD.
 *
 * A json-c tree costs several times its text (an object per member, a
 * hash table per object), so "associations" is not built whole: its
 * array serialises itself, one association's tree at a time, and the
 * answer holds only the text of the ones already written.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctl_server.h"
#include "drop_reason.h"
#include "engine.h"
#include "log.h"
#include "nat_addr.h"
#include "time_ns.h"

#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *const ctl_chunk_names[ENGINE_CS__COUNT] = {
#define CTL_CHUNK_NAME(n, s) [ENGINE_CS_##n] = s,
	ENGINE_CHUNK_STATS(CTL_CHUNK_NAME)
#undef CTL_CHUNK_NAME
};

struct ctl_render_ctx {
	const struct ctl_ops *ops;
	const struct engine *e;
	uint64_t now_ns;
	const struct ctl_filter *filter; /* associations; NULL: all */
	int err; /* first failure (-ENOMEM), sticky */
	/* While "associations" serialises: where its text goes. */
	struct printbuf *pb;
	bool first;
};

static uint64_t ctl_now_ns(const struct ctl_ops *ops)
{
	return ops->now_ns ? ops->now_ns(ops->arg) : mono_ns();
}

/* Whole seconds from a to b, 0 if b is not after a. */
static uint64_t ctl_secs(uint64_t a_ns, uint64_t b_ns)
{
	return b_ns > a_ns ? (b_ns - a_ns) / NSEC_PER_SEC : 0;
}

/*
 * json-c hands back NULL when it cannot allocate, and its add
 * functions leave the value with the caller when they fail; these note
 * the failure once (c->err) so the rendering code need not check every
 * member, as the answer is refused as a whole anyway.
 */
static void ctl_add_ex(struct ctl_render_ctx *c, struct json_object *o,
		       const char *k, struct json_object *v, unsigned int opts)
{
	if (!o || !v || json_object_object_add_ex(o, k, v, opts) < 0) {
		json_object_put(v);
		c->err = -ENOMEM;
	}
}

/* k is a literal or in a static name table: json-c need not copy it. */
static void ctl_add(struct ctl_render_ctx *c, struct json_object *o,
		    const char *k, struct json_object *v)
{
	ctl_add_ex(c, o, k, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

static void ctl_add_u64(struct ctl_render_ctx *c, struct json_object *o,
			const char *k, uint64_t v)
{
	ctl_add(c, o, k, json_object_new_uint64(v));
}

static void ctl_push(struct ctl_render_ctx *c, struct json_object *arr,
		     struct json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v) < 0) {
		json_object_put(v);
		c->err = -ENOMEM;
	}
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if the bytes are not one.
 */
static size_t ctl_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
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

/*
 * A JSON string of s: json-c escapes what JSON requires but copies
 * other bytes as they are, so invalid UTF-8 is replaced here first
 * (RFC 8259, section 8.1: JSON text is UTF-8).
 */
static struct json_object *ctl_str(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	struct json_object *v;
	size_t n = strlen(s), i, k, out;
	char *buf;

	for (i = 0; i < n; i += k) {
		k = ctl_utf8_len(u + i, n - i);
		if (k == 0)
			break;
	}
	if (i == n)
		return n <= INT_MAX ? json_object_new_string_len(s, (int)n) :
				      NULL;
	if (n > INT_MAX / 3)
		return NULL;
	buf = malloc(n * 3);
	if (!buf)
		return NULL;
	for (i = 0, out = 0; i < n; i += k ? k : 1) {
		k = ctl_utf8_len(u + i, n - i);
		if (k) {
			memcpy(buf + out, s + i, k);
			out += k;
		} else {
			memcpy(buf + out, fffd, 3);
			out += 3;
		}
	}
	v = json_object_new_string_len(buf, (int)out);
	free(buf);
	return v;
}

/* An address, or null (json-c's NULL object) for none. */
static void ctl_add_addr(struct ctl_render_ctx *c, struct json_object *o,
			 const char *k, const struct nat_addr *a)
{
	char buf[NAT_ADDR_STRLEN];

	if (a->family != 0)
		ctl_add(c, o, k, ctl_str(nat_addr_str(a, buf, sizeof(buf))));
	else if (!o || json_object_object_add_ex(
			       o, k, NULL, JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0)
		c->err = -ENOMEM;
}

/* "uplink": index (-1: none) and "uplink_name" when the daemon has one. */
static void ctl_add_uplink(struct ctl_render_ctx *c, struct json_object *o,
			   int8_t uplink)
{
	const char *name = NULL;

	ctl_add(c, o, "uplink", json_object_new_int64(uplink));
	if (uplink >= 0 && c->ops->uplink_name)
		name = c->ops->uplink_name(c->ops->arg, (unsigned int)uplink);
	if (name)
		ctl_add(c, o, "uplink_name", ctl_str(name));
}

static struct json_object *ctl_assoc(struct ctl_render_ctx *c,
				     const struct engine_assoc_view *v)
{
	struct json_object *o = json_object_new_object(), *d, *arr, *x;
	unsigned int i;

	ctl_add_u64(c, o, "id", v->id);
	ctl_add(c, o, "state",
		ctl_str(assoc_state_name((enum assoc_state)v->state)));
	ctl_add(c, o, "direction",
		ctl_str(v->inbound ? "inbound" : "outbound"));
	ctl_add_u64(c, o, "inside_port", v->inside_port);
	ctl_add_u64(c, o, "public_port", v->public_port);
	ctl_add_u64(c, o, "peer_port", v->peer_port);
	ctl_add_u64(c, o, "tag_inside", v->tag_inside);
	ctl_add_u64(c, o, "tag_peer", v->tag_peer);
	ctl_add_u64(c, o, "age_s", ctl_secs(v->created_ns, c->now_ns));
	ctl_add_u64(c, o, "idle_s", ctl_secs(v->last_seen_ns, c->now_ns));
	ctl_add_u64(c, o, "expires_s", ctl_secs(c->now_ns, v->expires_ns));
	/* Packets matched to it and dropped, by class (engine.h). */
	d = json_object_new_object();
	for (i = 0; i < ENGINE_ADC__COUNT; i++)
		ctl_add_u64(c, d, engine_assoc_drop_class_name(i), v->drops[i]);
	ctl_add(c, o, "drops", d);

	arr = json_object_new_array();
	for (i = 0; i < v->n_locals && i < sizeof(v->locals) /
					   sizeof(v->locals[0]); i++) {
		x = json_object_new_object();
		ctl_add_addr(c, x, "inside", &v->locals[i].inside);
		ctl_add_addr(c, x, "public", &v->locals[i].public_);
		ctl_add_uplink(c, x, v->locals[i].uplink);
		ctl_push(c, arr, x);
	}
	ctl_add(c, o, "locals", arr);

	arr = json_object_new_array();
	for (i = 0; i < v->n_paths && i < sizeof(v->paths) /
					  sizeof(v->paths[0]); i++) {
		x = json_object_new_object();
		ctl_add_addr(c, x, "peer", &v->paths[i].peer);
		ctl_add_uplink(c, x, v->paths[i].uplink);
		ctl_add_u64(c, x, "pkts_out", v->paths[i].pkts_out);
		ctl_add_u64(c, x, "bytes_out", v->paths[i].bytes_out);
		ctl_add_u64(c, x, "pkts_in", v->paths[i].pkts_in);
		ctl_add_u64(c, x, "bytes_in", v->paths[i].bytes_in);
		ctl_push(c, arr, x);
	}
	ctl_add(c, o, "paths", arr);
	if (!o)
		c->err = -ENOMEM;
	return o;
}

/* One association's text into the answer, its tree freed at once. */
static int ctl_write_assoc(const struct engine_assoc_view *v, void *arg)
{
	struct ctl_render_ctx *c = arg;
	struct json_object *o;
	const char *text;
	size_t n = 0;

	if (c->err)
		return 0;
	if (c->filter &&
	    !ctl_filter_match(c->filter, v, c->ops->uplink_name, c->ops->arg))
		return 0;
	o = ctl_assoc(c, v);
	text = c->err ?
		       NULL :
		       json_object_to_json_string_length(o, CTL_JSON_FLAGS, &n);
	if (!text || n > INT_MAX ||
	    (!c->first && printbuf_memappend(c->pb, ",", 1) < 0) ||
	    printbuf_memappend(c->pb, text, (int)n) < 0)
		c->err = -ENOMEM;
	c->first = false;
	json_object_put(o);
	return 0;
}

/* json-c's serializer of the "associations" array (see the top). */
static int ctl_associations_to_json(struct json_object *jso,
				    struct printbuf *pb, int level, int flags)
{
	struct ctl_render_ctx *c = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	c->pb = pb;
	c->first = true;
	if (printbuf_memappend(pb, "[", 1) < 0)
		c->err = -ENOMEM;
	engine_foreach_assoc(c->e, ctl_write_assoc, c);
	if (printbuf_memappend(pb, "]", 1) < 0)
		c->err = -ENOMEM;
	c->pb = NULL;
	return c->err ? -1 : 0;
}

static void ctl_render_associations(struct ctl_render_ctx *c,
				    struct json_object *doc)
{
	struct json_object *arr = json_object_new_array();

	if (arr)
		json_object_set_serializer(arr, ctl_associations_to_json, c,
					   NULL);
	ctl_add(c, doc, "associations", arr);
}

static void ctl_render_interfaces(struct ctl_render_ctx *c,
				  struct json_object *doc)
{
	struct ctl_if_info ifs[CTL_MAX_IFS];
	struct json_object *arr, *o;
	unsigned int n = 0, i;

	if (c->ops->interfaces) {
		memset(ifs, 0, sizeof(ifs));
		n = c->ops->interfaces(c->ops->arg, ifs, CTL_MAX_IFS);
		if (n > CTL_MAX_IFS)
			n = CTL_MAX_IFS;
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		ifs[i].name[sizeof(ifs[i].name) - 1] = '\0';
		o = json_object_new_object();
		ctl_add(c, o, "name", ctl_str(ifs[i].name));
		ctl_add(c, o, "mode", ctl_str(ifs[i].mode ? ifs[i].mode : "?"));
		ctl_add_u64(c, o, "queues", ifs[i].queues);
		ctl_add(c, o, "up", json_object_new_boolean(ifs[i].up));
		ctl_add_u64(c, o, "rx_packets", ifs[i].rx_packets);
		ctl_add_u64(c, o, "rx_bytes", ifs[i].rx_bytes);
		ctl_add_u64(c, o, "tx_packets", ifs[i].tx_packets);
		ctl_add_u64(c, o, "tx_bytes", ifs[i].tx_bytes);
		ctl_add_u64(c, o, "rx_dropped", ifs[i].rx_dropped);
		ctl_add_u64(c, o, "tx_dropped", ifs[i].tx_dropped);
		ctl_push(c, arr, o);
	}
	ctl_add(c, doc, "interfaces", arr);
}

/* Paths and their traffic, summed per uplink they leave by. */
struct uplink_sum {
	uint64_t paths, pkts_out, bytes_out, pkts_in, bytes_in;
};

static int ctl_sum_uplinks(const struct engine_assoc_view *v, void *arg)
{
	struct uplink_sum *sum = arg;
	unsigned int i;

	for (i = 0;
	     i < v->n_paths && i < sizeof(v->paths) / sizeof(v->paths[0]);
	     i++) {
		const struct engine_path_view *p = &v->paths[i];

		if (p->uplink < 0 || p->uplink >= ENGINE_MAX_UPLINKS)
			continue;
		sum[p->uplink].paths++;
		sum[p->uplink].pkts_out += p->pkts_out;
		sum[p->uplink].bytes_out += p->bytes_out;
		sum[p->uplink].pkts_in += p->pkts_in;
		sum[p->uplink].bytes_in += p->bytes_in;
	}
	return 0;
}

/*
 * "uplinks": per named uplink, the live paths pinned to it and their
 * packets and bytes (what the associations alive now carried; an ended
 * association's share leaves the sum with it).  One walk of the table,
 * which a stats request may afford; the packet path keeps no extra
 * per-uplink counter for it.
 */
static void ctl_render_uplinks(struct ctl_render_ctx *c,
			       struct json_object *doc)
{
	struct uplink_sum sum[ENGINE_MAX_UPLINKS];
	struct json_object *arr, *o;
	const char *name;
	unsigned int i;

	memset(sum, 0, sizeof(sum));
	engine_foreach_assoc(c->e, ctl_sum_uplinks, sum);
	arr = json_object_new_array();
	for (i = 0; c->ops->uplink_name && i < ENGINE_MAX_UPLINKS; i++) {
		name = c->ops->uplink_name(c->ops->arg, i);
		if (!name)
			break;
		o = json_object_new_object();
		ctl_add(c, o, "name", ctl_str(name));
		ctl_add_u64(c, o, "paths", sum[i].paths);
		ctl_add_u64(c, o, "pkts_out", sum[i].pkts_out);
		ctl_add_u64(c, o, "bytes_out", sum[i].bytes_out);
		ctl_add_u64(c, o, "pkts_in", sum[i].pkts_in);
		ctl_add_u64(c, o, "bytes_in", sum[i].bytes_in);
		ctl_push(c, arr, o);
	}
	ctl_add(c, doc, "uplinks", arr);
}

static void ctl_render_stats(struct ctl_render_ctx *c, struct json_object *doc)
{
	const struct engine_stats *st = engine_stats(c->e);
	struct json_object *o;
	unsigned int i;

	o = json_object_new_object();
	ctl_add_u64(c, o, "packets_out", st->packets[ENGINE_OUTBOUND]);
	ctl_add_u64(c, o, "packets_in", st->packets[ENGINE_INBOUND]);
	ctl_add_u64(c, o, "forwarded_out", st->forwarded[ENGINE_OUTBOUND]);
	ctl_add_u64(c, o, "forwarded_in", st->forwarded[ENGINE_INBOUND]);
	ctl_add_u64(c, o, "replies", st->replies);
	ctl_add_u64(c, o, "assocs_live", st->assocs_live);
	ctl_add_u64(c, o, "handshakes_live", st->handshakes_live);
	ctl_add_u64(c, o, "handshakes_evicted", st->handshakes_evicted);
	ctl_add_u64(c, o, "assocs_created", st->assocs_created);
	ctl_add_u64(c, o, "assocs_expired", st->assocs_expired);
	ctl_add_u64(c, o, "assocs_ended", st->assocs_ended);
	ctl_add_u64(c, o, "assocs_removed", st->assocs_removed);
	ctl_add_u64(c, o, "csum_full", st->csum_full);
	ctl_add_u64(c, o, "csum_incremental", st->csum_incremental);
	ctl_add(c, doc, "engine", o);

	/* Every reason, zero or not: a script can rely on the keys. */
	o = json_object_new_object();
	for (i = 0; i < DROP__COUNT; i++) {
		if (i == DROP_NONE)
			continue;
		ctl_add_u64(c, o, drop_reason_name((enum drop_reason)i),
			    st->drops[i]);
	}
	ctl_add(c, doc, "drops", o);

	o = json_object_new_object();
	for (i = 0; i < ENGINE_CS__COUNT; i++)
		ctl_add_u64(c, o, ctl_chunk_names[i], st->chunks[i]);
	ctl_add(c, doc, "translations", o);

	o = json_object_new_object();
	if (c->ops->counters) {
		struct ctl_counter cs[CTL_MAX_COUNTERS];
		unsigned int n = c->ops->counters(c->ops->arg, cs,
						  CTL_MAX_COUNTERS);

		/* The daemon's names need not outlive the call: copied. */
		for (i = 0; i < n && i < CTL_MAX_COUNTERS; i++)
			ctl_add_ex(c, o, cs[i].name,
				   json_object_new_uint64(cs[i].value), 0);
	}
	ctl_add(c, doc, "datapath", o);

	ctl_render_interfaces(c, doc);
	ctl_render_uplinks(c, doc);
}

/*
 * doc's text into a buffer of our own (the caller frees it; json-c's
 * belongs to doc), then doc freed.  0 or -ENOMEM.
 */
static int ctl_finish(struct ctl_render_ctx *c, struct json_object *doc,
		      char **out, size_t *len)
{
	const char *text = NULL;
	size_t n = 0;
	char *buf = NULL;

	if (!doc)
		c->err = -ENOMEM;
	if (!c->err)
		text = json_object_to_json_string_length(doc, CTL_JSON_FLAGS,
							 &n);
	if (text) {
		buf = malloc(n + 1);
		if (buf)
			memcpy(buf, text, n + 1);
	}
	json_object_put(doc);
	if (!buf)
		return c->err ? c->err : -ENOMEM;
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int ctl_render_error(const char *why, char **out, size_t *len)
{
	struct ctl_render_ctx c = { .err = 0 };
	struct json_object *doc = json_object_new_object();

	ctl_add(&c, doc, "ok", json_object_new_boolean(0));
	ctl_add(&c, doc, "error", ctl_str(why));
	return ctl_finish(&c, doc, out, len);
}

int ctl_render(enum ctl_cmd cmd, const struct ctl_ops *ops, char **out,
	       size_t *len)
{
	return ctl_render_filtered(cmd, NULL, ops, out, len);
}

int ctl_render_filtered(enum ctl_cmd cmd, const struct ctl_filter *filter,
			const struct ctl_ops *ops, char **out, size_t *len)
{
	struct ctl_render_ctx c = { .ops = ops, .filter = filter };
	struct json_object *doc;
	struct engine *e;
	char why[512];
	unsigned int n;
	int ret;

	e = ops->engine ? ops->engine(ops->arg) : NULL;
	c.e = e;
	if (!e && cmd != CTL_CMD_VERSION && cmd != CTL_CMD_RELOAD)
		return ctl_render_error("no engine", out, len);

	c.now_ns = ctl_now_ns(ops);
	doc = json_object_new_object();
	switch (cmd) {
	case CTL_CMD_ASSOCIATIONS:
		ctl_add(&c, doc, "ok", json_object_new_boolean(1));
		ctl_render_associations(&c, doc);
		break;
	case CTL_CMD_STATS:
		ctl_add(&c, doc, "ok", json_object_new_boolean(1));
		ctl_render_stats(&c, doc);
		break;
	case CTL_CMD_RELOAD:
		if (!ops->reload) {
			ctl_add(&c, doc, "ok", json_object_new_boolean(0));
			ctl_add(&c, doc, "error",
				ctl_str("reload is not supported"));
			break;
		}
		why[0] = '\0';
		ret = ops->reload(ops->arg, why, sizeof(why));
		ctl_add(&c, doc, "ok", json_object_new_boolean(ret == 0));
		if (ret < 0)
			ctl_add(&c, doc, "error",
				ctl_str(why[0] ? why : strerror(-ret)));
		break;
	case CTL_CMD_FLUSH:
		n = engine_flush(e);
		ctl_add(&c, doc, "ok", json_object_new_boolean(1));
		ctl_add_u64(&c, doc, "removed", n);
		break;
	case CTL_CMD_VERSION:
		ctl_add(&c, doc, "ok", json_object_new_boolean(1));
		ctl_add(&c, doc, "program", ctl_str("sctpalgd"));
		ctl_add(&c, doc, "version", ctl_str(SCTPALG_VERSION));
		break;
	default:
		ctl_add(&c, doc, "ok", json_object_new_boolean(0));
		ctl_add(&c, doc, "error", ctl_str("unknown command"));
		break;
	}
	ret = ctl_finish(&c, doc, out, len);
	if (ret < 0)
		log_warnx("control: cannot render %s: %s; the client got an "
			  "error (too many associations for one answer?)",
			  ctl_cmd_name(cmd), strerror(-ret));
	return ret;
}
