/*
 * mon_event.c: association and drop events as monitor lines.  See
 * mon_event.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "assoc_log.h"
#include "mon_event.h"

struct out {
	char *buf;
	size_t len, off;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->full = true;
	else
		o->off += (size_t)n;
}

/* A JSON string: what we put in is printable ASCII, but a configured
 * uplink name or a log sentence must still not break the line. */
static void put_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

static size_t finish(struct out *o)
{
	put(o, "}\n");
	if (o->full) {
		if (o->len)
			o->buf[0] = '\0';
		return 0;
	}
	return o->off;
}

static const char *uplink_name(const struct engine_config *c, int u)
{
	if (u < 0)
		return "routing";
	return u < c->n_uplinks ? c->uplinks[u].name : "?";
}

static const char *const type_names[] = {
	[ENGINE_EV_UP] = "up",
	[ENGINE_EV_DOWN] = "down",
	[ENGINE_EV_MOVED] = "moved",
};

static void put_addrs(struct out *o, const char *key,
		      const struct engine_assoc_view *v, int side)
{
	char a[NAT_ADDR_STRLEN];
	int n = side == 2 ? v->n_paths : v->n_locals;
	bool first = true;

	put(o, ",\"%s\":[", key);
	for (int i = 0; i < n; i++) {
		const struct nat_addr *x = side == 0 ? &v->locals[i].inside :
					   side == 1 ? &v->locals[i].public_ :
						       &v->paths[i].peer;
		bool seen = false;

		/* Several inside addresses may share a public one. */
		for (int j = 0; j < i && !seen && side != 2; j++)
			seen = nat_addr_eq(side == 0 ? &v->locals[j].inside :
						       &v->locals[j].public_,
					   x);
		if (seen)
			continue;
		put(o, "%s", first ? "" : ",");
		put_str(o, nat_addr_str(x, a, sizeof(a)));
		first = false;
	}
	put(o, "]");
}

size_t mon_event_format(const struct engine_event *ev,
			const struct engine_config *conf, uint64_t unix_ms,
			char *buf, size_t len)
{
	const struct engine_assoc_view *v = ev->assoc;
	struct out o = { .buf = buf, .len = len };
	char text[768];
	char a[NAT_ADDR_STRLEN];

	if (len == 0)
		return 0;
	put(&o, "{\"event\":\"%s\",\"time_ms\":%llu,\"reason\":",
	    ev->type < sizeof(type_names) / sizeof(type_names[0]) ?
		    type_names[ev->type] :
		    "other",
	    (unsigned long long)unix_ms);
	put_str(&o, engine_event_reason_name(ev->reason));
	put(&o, ",\"id\":%u,\"state\":\"%s\",\"inbound\":%s", v->id,
	    assoc_state_name((enum assoc_state)v->state),
	    v->inbound ? "true" : "false");
	put_addrs(&o, "inside", v, 0);
	put(&o, ",\"inside_port\":%u", v->inside_port);
	put_addrs(&o, "public", v, 1);
	put(&o, ",\"public_port\":%u", v->public_port);
	put_addrs(&o, "peer", v, 2);
	put(&o,
	    ",\"peer_port\":%u,\"vtag_inside\":\"0x%08x\","
	    "\"vtag_peer\":\"0x%08x\"",
	    v->peer_port, v->tag_inside, v->tag_peer);
	switch (ev->type) {
	case ENGINE_EV_DOWN:
		put(&o,
		    ",\"was_up\":%s,\"age_ms\":%llu,\"packets_out\":%llu,"
		    "\"packets_in\":%llu",
		    ev->was_up ? "true" : "false",
		    (unsigned long long)(ev->age_ns / 1000000u),
		    (unsigned long long)ev->pkts_out,
		    (unsigned long long)ev->pkts_in);
		break;
	case ENGINE_EV_MOVED:
		put(&o, ",\"uplink\":");
		put_str(&o, uplink_name(conf, ev->uplink));
		put(&o, ",\"moved\":[");
		for (int i = 0, first = 1; i < v->n_paths; i++) {
			if (!(ev->moved_paths & (1u << i)))
				continue;
			put(&o,
			    "%s{\"peer\":\"%s\",\"uplink\":", first ? "" : ",",
			    nat_addr_str(&v->paths[i].peer, a, sizeof(a)));
			put_str(&o, uplink_name(conf, v->paths[i].uplink));
			put(&o, "}");
			first = 0;
		}
		put(&o, "]");
		break;
	default:
		break;
	}
	put(&o, ",\"text\":");
	put_str(&o, assoc_log_format(ev, conf, text, sizeof(text)));
	return finish(&o);
}

size_t mon_addrs_format(const struct engine_assoc_view *v,
			unsigned int peers_were, unsigned int inside_were,
			const struct engine_config *conf, uint64_t unix_ms,
			char *buf, size_t len)
{
	/* The log's endpoint rendering, from a synthetic UP event. */
	struct engine_event ev = { .type = ENGINE_EV_UP, .assoc = v };
	struct out o = { .buf = buf, .len = len };
	char text[768];
	const char *line;
	unsigned int ni = 0;

	if (len == 0)
		return 0;
	for (int i = 0; i < v->n_locals; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = nat_addr_eq(&v->locals[j].inside,
					   &v->locals[i].inside);
		ni += !seen;
	}
	line = assoc_log_format(&ev, conf, text, sizeof(text));
	/* "association up: " -> the endpoints only. */
	if (!strncmp(line, "association up: ", 16))
		line += 16;
	put(&o, "{\"event\":\"addresses\",\"time_ms\":%llu,\"id\":%u",
	    (unsigned long long)unix_ms, v->id);
	put_addrs(&o, "inside", v, 0);
	put(&o, ",\"inside_port\":%u", v->inside_port);
	put_addrs(&o, "public", v, 1);
	put(&o, ",\"public_port\":%u", v->public_port);
	put_addrs(&o, "peer", v, 2);
	put(&o, ",\"peer_port\":%u,\"peers_were\":%u,\"inside_were\":%u,"
	    "\"text\":\"association addresses changed (peer %u -> %u, "
	    "inside %u -> %u): ", v->peer_port, peers_were, inside_were,
	    peers_were, v->n_paths, inside_were, ni);
	/* put_str adds quotes: the sentence continues in this string. */
	for (; *line; line++)
		if (*line != '"' && *line != '\\' && *line >= 0x20)
			put(&o, "%c", *line);
	put(&o, "\"");
	return finish(&o);
}

size_t mon_drops_format(const char *reason, uint64_t count,
			unsigned int interval_s, uint64_t unix_ms, char *buf,
			size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (len == 0)
		return 0;
	put(&o, "{\"event\":\"drops\",\"time_ms\":%llu,\"reason\":",
	    (unsigned long long)unix_ms);
	put_str(&o, reason);
	put(&o,
	    ",\"count\":%llu,\"interval_s\":%u,"
	    "\"text\":\"%llu drop%s of reason %s in the last %u s\"",
	    (unsigned long long)count, interval_s, (unsigned long long)count,
	    count == 1 ? "" : "s", reason, interval_s);
	return finish(&o);
}

size_t mon_assoc_drops_format(const struct engine_assoc_view *v,
			      const uint32_t delta[ENGINE_ADC__COUNT],
			      unsigned int interval_s,
			      const struct engine_config *conf,
			      uint64_t unix_ms, char *buf, size_t len)
{
	struct engine_event ev = { .type = ENGINE_EV_UP, .assoc = v };
	struct out o = { .buf = buf, .len = len };
	char text[768];
	const char *line;
	uint64_t total = 0;
	bool first = true;

	if (len == 0)
		return 0;
	for (int c = 0; c < ENGINE_ADC__COUNT; c++)
		total += delta[c];
	line = assoc_log_format(&ev, conf, text, sizeof(text));
	if (!strncmp(line, "association up: ", 16))
		line += 16;
	put(&o, "{\"event\":\"assoc_drops\",\"time_ms\":%llu,\"id\":%u,"
	    "\"state\":\"%s\"", (unsigned long long)unix_ms, v->id,
	    assoc_state_name((enum assoc_state)v->state));
	put_addrs(&o, "inside", v, 0);
	put(&o, ",\"inside_port\":%u", v->inside_port);
	put_addrs(&o, "public", v, 1);
	put(&o, ",\"public_port\":%u", v->public_port);
	put_addrs(&o, "peer", v, 2);
	put(&o, ",\"peer_port\":%u,\"count\":%llu,\"interval_s\":%u,"
	    "\"drops\":{", v->peer_port, (unsigned long long)total,
	    interval_s);
	for (int c = 0; c < ENGINE_ADC__COUNT; c++) {
		if (!delta[c])
			continue;
		put(&o, "%s\"%s\":%u", first ? "" : ",",
		    engine_assoc_drop_class_name(
			    (enum engine_assoc_drop_class)c),
		    delta[c]);
		first = false;
	}
	put(&o, "},\"text\":\"association drops: %llu packet%s in the last "
	    "%u s (", (unsigned long long)total, total == 1 ? "" : "s",
	    interval_s);
	first = true;
	for (int c = 0; c < ENGINE_ADC__COUNT; c++) {
		if (!delta[c])
			continue;
		put(&o, "%s%s %u", first ? "" : ", ",
		    engine_assoc_drop_class_name(
			    (enum engine_assoc_drop_class)c),
		    delta[c]);
		first = false;
	}
	put(&o, "): ");
	for (; *line; line++)
		if (*line != '"' && *line != '\\' && *line >= 0x20)
			put(&o, "%c", *line);
	put(&o, "\"");
	return finish(&o);
}

size_t mon_lost_format(uint64_t count, uint64_t unix_ms, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (len == 0)
		return 0;
	put(&o,
	    "{\"event\":\"lost\",\"time_ms\":%llu,\"count\":%llu,"
	    "\"text\":\"%llu event%s not sent: this monitor read too slowly\"",
	    (unsigned long long)unix_ms, (unsigned long long)count,
	    (unsigned long long)count, count == 1 ? "" : "s");
	return finish(&o);
}
