/*
 * ctl_prom.c: see ctl_prom.h.
 *
 * The families follow Prometheus' naming practice: an sctpalg_ prefix,
 * base units (bytes), *_total for counters, and one family with a label
 * where the daemon keeps one counter per reason, chunk type, direction,
 * interface or uplink, so a dashboard sums or splits them freely.  The
 * engine and datapath objects are rendered member by member: a counter
 * the daemon gains later shows up without a change here, as a counter,
 * or as a gauge when its name ends in "_live" (the daemon's convention
 * for a level rather than a count).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ctl_json.h"
#include "ctl_prom.h"

/* A family's HELP and TYPE lines, once, before its first sample. */
static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the exposition format asks (\\, \", \n). */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* name{label="value"} number; label (and value) NULL for none. */
static void sample(FILE *f, const char *name, const char *label,
		   const char *value, unsigned long long n)
{
	fputs(name, f);
	if (label && value) {
		fprintf(f, "{%s=\"", label);
		label_value(f, value);
		fputs("\"}", f);
	}
	fprintf(f, " %llu\n", n);
}

static unsigned long long num(struct json_object *obj, const char *k)
{
	return (unsigned long long)ctl_json_u64(ctl_json_get(obj, k), 0);
}

/* Engine members with a family of their own (the rest are generic). */
static const struct engine_metric {
	const char *key, *name, *type, *label, *value, *help;
} engine_metrics[] = {
	{ "packets_out", "sctpalg_packets_total", "counter", "direction",
	  "outbound", "SCTP packets the engine looked at" },
	{ "packets_in", "sctpalg_packets_total", "counter", "direction",
	  "inbound", NULL },
	{ "forwarded_out", "sctpalg_forwarded_packets_total", "counter",
	  "direction", "outbound", "SCTP packets translated and forwarded" },
	{ "forwarded_in", "sctpalg_forwarded_packets_total", "counter",
	  "direction", "inbound", NULL },
	{ "replies", "sctpalg_replies_total", "counter", NULL, NULL,
	  "Packets the engine answered itself (natsupp errors, ICMP)" },
	{ "assocs_live", "sctpalg_associations", "gauge", NULL, NULL,
	  "Associations in the table" },
	{ "handshakes_live", "sctpalg_handshakes", "gauge", NULL, NULL,
	  "Associations still in their handshake" },
	{ "assocs_created", "sctpalg_associations_created_total", "counter",
	  NULL, NULL, "Associations created" },
	{ "assocs_expired", "sctpalg_associations_expired_total", "counter",
	  NULL, NULL, "Associations removed by their idle or state timer" },
	{ "assocs_ended", "sctpalg_associations_ended_total", "counter", NULL,
	  NULL, "Associations ended by ABORT or SHUTDOWN COMPLETE" },
	{ "assocs_removed", "sctpalg_associations_removed_total", "counter",
	  NULL, NULL, "Associations removed by flush or reload" },
	{ "csum_full", "sctpalg_checksum_updates_total", "counter", "method",
	  "full", "CRC32c checksums written, by method" },
	{ "csum_incremental", "sctpalg_checksum_updates_total", "counter",
	  "method", "incremental", NULL },
};

static const struct engine_metric *engine_metric(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(engine_metrics) / sizeof(engine_metrics[0]);
	     i++)
		if (strcmp(engine_metrics[i].key, key) == 0)
			return &engine_metrics[i];
	return NULL;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	       json_object_is_type(v, json_type_double);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * Members of obj with no family of their own: prefix_key_total as a
 * counter, or prefix_key as a gauge for "*_live".
 */
static void generic_members(FILE *f, struct json_object *obj,
			    const char *prefix, const char *what)
{
	struct json_object_iter m;
	char name[160], help[200];
	bool gauge;

	ctl_json_foreach (obj, m) {
		if (!is_number(m.val) || engine_metric(m.key))
			continue;
		gauge = ends_with(m.key, "_live");
		snprintf(name, sizeof(name), "%s%s%s", prefix, m.key,
			 gauge ? "" : "_total");
		snprintf(help, sizeof(help), "%s counter %s", what, m.key);
		family(f, name, gauge ? "gauge" : "counter", help);
		sample(f, name, NULL, NULL, ctl_json_u64(m.val, 0));
	}
}

static void engine_families(FILE *f, struct json_object *eng)
{
	const struct engine_metric *m;
	size_t i;

	for (i = 0; i < sizeof(engine_metrics) / sizeof(engine_metrics[0]);
	     i++) {
		m = &engine_metrics[i];
		if (!ctl_json_get(eng, m->key))
			continue;
		if (m->help)
			family(f, m->name, m->type, m->help);
		sample(f, m->name, m->label, m->value, num(eng, m->key));
	}
	generic_members(f, eng, "sctpalg_", "Engine");
}

/* One family, one sample per numeric member of obj, labelled by its key. */
static void labelled_family(FILE *f, struct json_object *obj, const char *name,
			    const char *label, const char *help)
{
	struct json_object_iter m;

	if (!json_object_is_type(obj, json_type_object))
		return;
	family(f, name, "counter", help);
	ctl_json_foreach (obj, m)
		if (is_number(m.val))
			sample(f, name, label, m.key, ctl_json_u64(m.val, 0));
}

/*
 * A family over the elements of an array of objects: the element's
 * "name" as the label, member key as the value.
 */
static void array_family(FILE *f, struct json_object *arr, const char *name,
			 const char *type, const char *label, const char *key,
			 const char *help)
{
	struct json_object *el;
	bool first = true;
	size_t i;

	for (i = 0; i < ctl_json_len(arr); i++) {
		struct json_object *v;
		unsigned long long n;

		el = ctl_json_at(arr, i);
		v = ctl_json_get(el, key);
		if (!v)
			continue;
		if (first)
			family(f, name, type, help);
		first = false;
		n = json_object_is_type(v, json_type_boolean) ?
			    ctl_json_bool(v, false) :
			    ctl_json_u64(v, 0);
		sample(f, name, label,
		       ctl_json_str(ctl_json_get(el, "name"), "?"), n);
	}
}

/* Interfaces: the AF_XDP mode as an info-style gauge, then traffic. */
static void interface_families(FILE *f, struct json_object *ifs)
{
	static const struct {
		const char *key, *name, *type, *help;
	} m[] = {
		{ "up", "sctpalg_interface_up", "gauge",
		  "1 when the interface's link is up" },
		{ "queues", "sctpalg_interface_queues", "gauge",
		  "RX queues the daemon serves on the interface" },
		{ "rx_packets", "sctpalg_interface_receive_packets_total",
		  "counter", "SCTP frames received on the interface" },
		{ "rx_bytes", "sctpalg_interface_receive_bytes_total",
		  "counter", "Bytes of SCTP frames received on the interface" },
		{ "tx_packets", "sctpalg_interface_transmit_packets_total",
		  "counter", "Frames sent on the interface" },
		{ "tx_bytes", "sctpalg_interface_transmit_bytes_total",
		  "counter", "Bytes of frames sent on the interface" },
		{ "rx_dropped", "sctpalg_interface_receive_dropped_total",
		  "counter", "Frames the interface's sockets lost on receive" },
		{ "tx_dropped", "sctpalg_interface_transmit_dropped_total",
		  "counter", "Frames the interface's sockets could not send" },
	};
	struct json_object *el;
	size_t i;

	if (!ctl_json_len(ifs))
		return;
	family(f, "sctpalg_interface_info", "gauge",
	       "Interfaces the daemon serves, with their AF_XDP mode");
	for (i = 0; i < ctl_json_len(ifs); i++) {
		el = ctl_json_at(ifs, i);
		fputs("sctpalg_interface_info{interface=\"", f);
		label_value(f, ctl_json_str(ctl_json_get(el, "name"), "?"));
		fputs("\",mode=\"", f);
		label_value(f, ctl_json_str(ctl_json_get(el, "mode"), "?"));
		fputs("\"} 1\n", f);
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		array_family(f, ifs, m[i].name, m[i].type, "interface",
			     m[i].key, m[i].help);
}

static void uplink_families(FILE *f, struct json_object *ups)
{
	static const struct {
		const char *key, *name, *type, *help;
	} m[] = {
		{ "paths", "sctpalg_uplink_paths", "gauge",
		  "Paths of live associations pinned to the uplink" },
		{ "pkts_out", "sctpalg_uplink_transmit_packets",
		  "gauge", "Packets sent out by the live paths of the uplink" },
		{ "bytes_out", "sctpalg_uplink_transmit_bytes", "gauge",
		  "Bytes sent out by the live paths of the uplink" },
		{ "pkts_in", "sctpalg_uplink_receive_packets", "gauge",
		  "Packets received by the live paths of the uplink" },
		{ "bytes_in", "sctpalg_uplink_receive_bytes", "gauge",
		  "Bytes received by the live paths of the uplink" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		array_family(f, ups, m[i].name, m[i].type, "uplink", m[i].key,
			     m[i].help);
}

int ctl_prom_stats(FILE *f, struct json_object *doc)
{
	struct json_object *eng = ctl_json_get(doc, "engine");

	if (!json_object_is_type(eng, json_type_object))
		return -EINVAL;
	engine_families(f, eng);
	labelled_family(f, ctl_json_get(doc, "drops"), "sctpalg_drops_total",
			"reason", "Packets dropped, by reason");
	labelled_family(f, ctl_json_get(doc, "translations"),
			"sctpalg_chunks_translated_total", "chunk",
			"Chunks of forwarded packets, by chunk type");
	generic_members(f, ctl_json_get(doc, "datapath"), "sctpalg_datapath_",
			"Datapath");
	interface_families(f, ctl_json_get(doc, "interfaces"));
	uplink_families(f, ctl_json_get(doc, "uplinks"));
	return 0;
}
