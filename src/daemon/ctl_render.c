/*
 * ctl_render: the JSON answers of the control socket.  What sctpalgctl(8)
 * documents as each command's output is written here, from the engine's
 * read-only views (engine_foreach_assoc(), engine_stats()) and what the
 * daemon passes in through struct ctl_ops.
 *
 * Times go out as whole seconds relative to now (age, idle, expires in),
 * which is what a person reads and what survives a daemon restart; vtags
 * as plain numbers (sctpalgctl shows them in hex).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_server.h"
#include "drop_reason.h"
#include "engine.h"
#include "json.h"
#include "log.h"
#include "nat_addr.h"
#include "time_ns.h"

static const char *const ctl_chunk_names[ENGINE_CS__COUNT] = {
#define CTL_CHUNK_NAME(n, s) [ENGINE_CS_##n] = s,
	ENGINE_CHUNK_STATS(CTL_CHUNK_NAME)
#undef CTL_CHUNK_NAME
};

struct ctl_render_ctx {
	struct json_writer *w;
	const struct ctl_ops *ops;
	uint64_t now_ns;
	const struct ctl_filter *filter; /* associations; NULL: all */
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

static void ctl_kv_addr(struct json_writer *w, const char *k,
			const struct nat_addr *a)
{
	char buf[NAT_ADDR_STRLEN];

	json_key(w, k);
	if (a->family == 0)
		json_null(w);
	else
		json_str(w, nat_addr_str(a, buf, sizeof(buf)));
}

/* "uplink": index (-1: none) and "uplink_name" when the daemon has one. */
static void ctl_kv_uplink(const struct ctl_render_ctx *c, int8_t uplink)
{
	const char *name = NULL;

	json_kv_i64(c->w, "uplink", uplink);
	if (uplink >= 0 && c->ops->uplink_name)
		name = c->ops->uplink_name(c->ops->arg, (unsigned int)uplink);
	if (name)
		json_kv_str(c->w, "uplink_name", name);
}

static int ctl_render_assoc(const struct engine_assoc_view *v, void *arg)
{
	const struct ctl_render_ctx *c = arg;
	struct json_writer *w = c->w;
	unsigned int i;

	if (c->filter &&
	    !ctl_filter_match(c->filter, v, c->ops->uplink_name, c->ops->arg))
		return 0;

	json_obj_begin(w);
	json_kv_u64(w, "id", v->id);
	json_kv_str(w, "state", assoc_state_name((enum assoc_state)v->state));
	json_kv_str(w, "direction", v->inbound ? "inbound" : "outbound");
	json_kv_u64(w, "inside_port", v->inside_port);
	json_kv_u64(w, "public_port", v->public_port);
	json_kv_u64(w, "peer_port", v->peer_port);
	json_kv_u64(w, "tag_inside", v->tag_inside);
	json_kv_u64(w, "tag_peer", v->tag_peer);
	json_kv_u64(w, "age_s", ctl_secs(v->created_ns, c->now_ns));
	json_kv_u64(w, "idle_s", ctl_secs(v->last_seen_ns, c->now_ns));
	json_kv_u64(w, "expires_s", ctl_secs(c->now_ns, v->expires_ns));
	/* Packets matched to it and dropped, by class (engine.h). */
	json_key(w, "drops");
	json_obj_begin(w);
	for (i = 0; i < ENGINE_ADC__COUNT; i++)
		json_kv_u64(w, engine_assoc_drop_class_name(i), v->drops[i]);
	json_obj_end(w);

	json_key(w, "locals");
	json_arr_begin(w);
	for (i = 0; i < v->n_locals && i < sizeof(v->locals) /
					   sizeof(v->locals[0]); i++) {
		json_obj_begin(w);
		ctl_kv_addr(w, "inside", &v->locals[i].inside);
		ctl_kv_addr(w, "public", &v->locals[i].public_);
		ctl_kv_uplink(c, v->locals[i].uplink);
		json_obj_end(w);
	}
	json_arr_end(w);

	json_key(w, "paths");
	json_arr_begin(w);
	for (i = 0; i < v->n_paths && i < sizeof(v->paths) /
					  sizeof(v->paths[0]); i++) {
		json_obj_begin(w);
		ctl_kv_addr(w, "peer", &v->paths[i].peer);
		ctl_kv_uplink(c, v->paths[i].uplink);
		json_kv_u64(w, "pkts_out", v->paths[i].pkts_out);
		json_kv_u64(w, "bytes_out", v->paths[i].bytes_out);
		json_kv_u64(w, "pkts_in", v->paths[i].pkts_in);
		json_kv_u64(w, "bytes_in", v->paths[i].bytes_in);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
	return 0;
}

static void ctl_render_associations(struct ctl_render_ctx *c,
				    const struct engine *e)
{
	json_key(c->w, "associations");
	json_arr_begin(c->w);
	engine_foreach_assoc(e, ctl_render_assoc, c);
	json_arr_end(c->w);
}

static void ctl_render_interfaces(struct ctl_render_ctx *c)
{
	struct ctl_if_info ifs[CTL_MAX_IFS];
	struct json_writer *w = c->w;
	unsigned int n = 0, i;

	if (c->ops->interfaces) {
		memset(ifs, 0, sizeof(ifs));
		n = c->ops->interfaces(c->ops->arg, ifs, CTL_MAX_IFS);
		if (n > CTL_MAX_IFS)
			n = CTL_MAX_IFS;
	}
	json_key(w, "interfaces");
	json_arr_begin(w);
	for (i = 0; i < n; i++) {
		ifs[i].name[sizeof(ifs[i].name) - 1] = '\0';
		json_obj_begin(w);
		json_kv_str(w, "name", ifs[i].name);
		json_kv_str(w, "mode", ifs[i].mode ? ifs[i].mode : "?");
		json_kv_u64(w, "queues", ifs[i].queues);
		json_kv_bool(w, "up", ifs[i].up);
		json_kv_u64(w, "rx_packets", ifs[i].rx_packets);
		json_kv_u64(w, "rx_bytes", ifs[i].rx_bytes);
		json_kv_u64(w, "tx_packets", ifs[i].tx_packets);
		json_kv_u64(w, "tx_bytes", ifs[i].tx_bytes);
		json_kv_u64(w, "rx_dropped", ifs[i].rx_dropped);
		json_kv_u64(w, "tx_dropped", ifs[i].tx_dropped);
		json_obj_end(w);
	}
	json_arr_end(w);
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
static void ctl_render_uplinks(struct ctl_render_ctx *c, const struct engine *e)
{
	struct uplink_sum sum[ENGINE_MAX_UPLINKS];
	struct json_writer *w = c->w;
	const char *name;
	unsigned int i;

	memset(sum, 0, sizeof(sum));
	engine_foreach_assoc(e, ctl_sum_uplinks, sum);
	json_key(w, "uplinks");
	json_arr_begin(w);
	for (i = 0; c->ops->uplink_name && i < ENGINE_MAX_UPLINKS; i++) {
		name = c->ops->uplink_name(c->ops->arg, i);
		if (!name)
			break;
		json_obj_begin(w);
		json_kv_str(w, "name", name);
		json_kv_u64(w, "paths", sum[i].paths);
		json_kv_u64(w, "pkts_out", sum[i].pkts_out);
		json_kv_u64(w, "bytes_out", sum[i].bytes_out);
		json_kv_u64(w, "pkts_in", sum[i].pkts_in);
		json_kv_u64(w, "bytes_in", sum[i].bytes_in);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void ctl_render_stats(struct ctl_render_ctx *c, const struct engine *e)
{
	const struct engine_stats *st = engine_stats(e);
	struct json_writer *w = c->w;
	unsigned int i;

	json_key(w, "engine");
	json_obj_begin(w);
	json_kv_u64(w, "packets_out", st->packets[ENGINE_OUTBOUND]);
	json_kv_u64(w, "packets_in", st->packets[ENGINE_INBOUND]);
	json_kv_u64(w, "forwarded_out", st->forwarded[ENGINE_OUTBOUND]);
	json_kv_u64(w, "forwarded_in", st->forwarded[ENGINE_INBOUND]);
	json_kv_u64(w, "replies", st->replies);
	json_kv_u64(w, "assocs_live", st->assocs_live);
	json_kv_u64(w, "handshakes_live", st->handshakes_live);
	json_kv_u64(w, "handshakes_evicted", st->handshakes_evicted);
	json_kv_u64(w, "assocs_created", st->assocs_created);
	json_kv_u64(w, "assocs_expired", st->assocs_expired);
	json_kv_u64(w, "assocs_ended", st->assocs_ended);
	json_kv_u64(w, "assocs_removed", st->assocs_removed);
	json_kv_u64(w, "csum_full", st->csum_full);
	json_kv_u64(w, "csum_incremental", st->csum_incremental);
	json_obj_end(w);

	/* Every reason, zero or not: a script can rely on the keys. */
	json_key(w, "drops");
	json_obj_begin(w);
	for (i = 0; i < DROP__COUNT; i++) {
		if (i == DROP_NONE)
			continue;
		json_kv_u64(w, drop_reason_name((enum drop_reason)i),
			    st->drops[i]);
	}
	json_obj_end(w);

	json_key(w, "translations");
	json_obj_begin(w);
	for (i = 0; i < ENGINE_CS__COUNT; i++)
		json_kv_u64(w, ctl_chunk_names[i], st->chunks[i]);
	json_obj_end(w);

	json_key(w, "datapath");
	json_obj_begin(w);
	if (c->ops->counters) {
		struct ctl_counter cs[CTL_MAX_COUNTERS];
		unsigned int n = c->ops->counters(c->ops->arg, cs,
						  CTL_MAX_COUNTERS);

		for (i = 0; i < n; i++)
			json_kv_u64(w, cs[i].name, cs[i].value);
	}
	json_obj_end(w);

	ctl_render_interfaces(c);
	ctl_render_uplinks(c, e);
}

int ctl_render_error(const char *why, char **out, size_t *len)
{
	struct json_writer w;

	json_writer_init(&w, false);
	json_obj_begin(&w);
	json_kv_bool(&w, "ok", false);
	json_kv_str(&w, "error", why);
	json_obj_end(&w);
	return json_writer_finish(&w, out, len);
}

int ctl_render(enum ctl_cmd cmd, const struct ctl_ops *ops, bool pretty,
	       char **out, size_t *len)
{
	return ctl_render_filtered(cmd, NULL, ops, pretty, out, len);
}

int ctl_render_filtered(enum ctl_cmd cmd, const struct ctl_filter *filter,
			const struct ctl_ops *ops, bool pretty, char **out,
			size_t *len)
{
	struct ctl_render_ctx c;
	struct json_writer w;
	struct engine *e = ops->engine ? ops->engine(ops->arg) : NULL;
	char why[512];
	unsigned int n;
	int ret;

	if (!e && cmd != CTL_CMD_VERSION && cmd != CTL_CMD_RELOAD)
		return ctl_render_error("no engine", out, len);

	json_writer_init(&w, pretty);
	c.w = &w;
	c.ops = ops;
	c.now_ns = ctl_now_ns(ops);
	c.filter = filter;
	json_obj_begin(&w);
	switch (cmd) {
	case CTL_CMD_ASSOCIATIONS:
		json_kv_bool(&w, "ok", true);
		ctl_render_associations(&c, e);
		break;
	case CTL_CMD_STATS:
		json_kv_bool(&w, "ok", true);
		ctl_render_stats(&c, e);
		break;
	case CTL_CMD_RELOAD:
		if (!ops->reload) {
			json_kv_bool(&w, "ok", false);
			json_kv_str(&w, "error", "reload is not supported");
			break;
		}
		why[0] = '\0';
		ret = ops->reload(ops->arg, why, sizeof(why));
		json_kv_bool(&w, "ok", ret == 0);
		if (ret < 0)
			json_kv_str(&w, "error",
				    why[0] ? why : strerror(-ret));
		break;
	case CTL_CMD_FLUSH:
		n = engine_flush(e);
		json_kv_bool(&w, "ok", true);
		json_kv_u64(&w, "removed", n);
		break;
	case CTL_CMD_VERSION:
		json_kv_bool(&w, "ok", true);
		json_kv_str(&w, "program", "sctpalgd");
		json_kv_str(&w, "version", SCTPALG_VERSION);
		break;
	default:
		json_kv_bool(&w, "ok", false);
		json_kv_str(&w, "error", "unknown command");
		break;
	}
	json_obj_end(&w);
	ret = json_writer_finish(&w, out, len);
	if (ret < 0)
		log_warnx("control: cannot render %s: %s; the client got an "
			  "error (too many associations for one answer?)",
			  ctl_cmd_name(cmd), strerror(-ret));
	return ret;
}
