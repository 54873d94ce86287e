/*
 * Unit tests for sctpalgctl's Prometheus output (ctl_prom.c), on stats
 * answers rendered by the daemon's own renderer (ctl_render.c) over a
 * real engine with one association, parsed with the JSON parser
 * sctpalgctl uses.  The e2e test test_sctpalgd_metrics.sh feeds the same
 * output from a running daemon to promtool and a Python parser.
 *
 * Checked here: the exposition format's grammar line by line (HELP and
 * TYPE before a family's samples, each family declared once, label
 * escaping, counters named *_total), and that the figures are the
 * daemon's (associations, drops by reason, uplinks, interfaces).
 */
#define _GNU_SOURCE		/* open_memstream */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fixture.h"
#include "ctl_prom.h"
#include "ctl_server.h"
#include "drop_reason.h"
#include "engine_fixture.h"
#include "ctl_json.h"
#include "sctp_wire.h"

static struct engine *engine;

static struct engine *op_engine(void *arg)
{
	(void)arg;
	return engine;
}

static uint64_t op_now(void *arg)
{
	(void)arg;
	return 5 * FX_SEC;
}

/* One established association from 192.168.1.10 through uplink 0. */
static void one_association(void)
{
	static const char *const peers[] = { "198.51.100.100", NULL };

	engine = ctl_fx_one_association(peers, 0x2222);
}

/* The metrics text for the engine's stats, as sctpalgctl -p prints it. */
static char *metrics(void)
{
	struct ctl_ops ops = {
		.engine = op_engine,
		.now_ns = op_now,
		.interfaces = ctl_fx_interfaces,
		.counters = ctl_fx_counters,
		.uplink_name = ctl_fx_uplink_name,
	};
	struct json_object *doc;
	char *answer, *text;
	size_t len, off, tlen;
	FILE *f;

	cr_assert_eq(ctl_render(CTL_CMD_STATS, &ops, &answer, &len), 0);
	cr_assert_eq(ctl_json_parse(answer, len, &doc, &off), 0);
	f = open_memstream(&text, &tlen);
	cr_assert_not_null(f);
	cr_assert_eq(ctl_prom_stats(f, doc), 0);
	fclose(f);
	json_object_put(doc);
	free(answer);
	return text;
}

static void fini(void)
{
	engine_destroy(engine);
	engine = NULL;
}

TestSuite(ctl_prom, .init = one_association, .fini = fini);

/* The sample line "name{labels} value" for name and labels, or NULL. */
static const char *find_sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

static unsigned long long value_of(const char *text, const char *series)
{
	const char *v = find_sample(text, series);

	cr_assert_not_null(v, "no sample %s in:\n%s", series, text);
	return strtoull(v, NULL, 10);
}

Test(ctl_prom, grammar_of_every_line)
{
	static const char *const sample_re =
		"^([a-zA-Z_:][a-zA-Z0-9_:]*)"
		"(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
		"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*"
		"\\})? [0-9]+$";
	static const char *const type_re =
		"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$";
	char *text = metrics(), *line, *save = NULL;
	char declared[4096] = " ", current[128] = "", type[16] = "";
	regex_t rs, rt;
	regmatch_t m[3];
	unsigned int samples = 0;

	cr_assert_eq(regcomp(&rs, sample_re, REG_EXTENDED), 0);
	cr_assert_eq(regcomp(&rt, type_re, REG_EXTENDED), 0);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[132];

		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (regexec(&rt, line, 3, m, 0) == 0) {
			snprintf(current, sizeof(current), "%.*s",
				 (int)(m[1].rm_eo - m[1].rm_so),
				 line + m[1].rm_so);
			snprintf(type, sizeof(type), "%.*s",
				 (int)(m[2].rm_eo - m[2].rm_so),
				 line + m[2].rm_so);
			snprintf(key, sizeof(key), " %s ", current);
			cr_assert_null(strstr(declared, key),
				       "family %s declared twice", current);
			cr_assert_lt(strlen(declared) + strlen(key),
				     sizeof(declared));
			strcat(declared, key + 1);
			if (strcmp(type, "counter") == 0)
				cr_assert(strstr(current, "_total") &&
					  strcmp(strstr(current, "_total"),
						 "_total") == 0,
					  "counter %s not named *_total",
					  current);
			continue;
		}
		cr_assert_eq(regexec(&rs, line, 3, m, 0), 0,
			     "not a sample line: %s", line);
		snprintf(name, sizeof(name), "%.*s",
			 (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
		cr_assert_str_eq(name, current,
				 "sample %s outside its family %s", name,
				 current);
		samples++;
	}
	cr_assert_gt(samples, DROP__COUNT);
	regfree(&rs);
	regfree(&rt);
	free(text);
}

Test(ctl_prom, figures_are_the_daemons)
{
	char *text = metrics();
	char series[160];
	unsigned int i;

	cr_assert_eq(value_of(text, "sctpalg_associations"), 1);
	cr_assert_eq(value_of(text, "sctpalg_handshakes"), 0);
	cr_assert_eq(value_of(text, "sctpalg_associations_created_total"), 1);
	cr_assert_eq(value_of(text,
			      "sctpalg_packets_total{direction=\"outbound\"}"),
		     2);
	cr_assert_eq(value_of(text,
			      "sctpalg_packets_total{direction=\"inbound\"}"),
		     3);
	cr_assert_eq(value_of(text, "sctpalg_drops_total{reason=\""
				    "vtag-mismatch\"}"), 1);
	/* Every reason is there, zero or not: dashboards rely on it. */
	for (i = 0; i < DROP__COUNT; i++) {
		if (i == DROP_NONE)
			continue;
		snprintf(series, sizeof(series),
			 "sctpalg_drops_total{reason=\"%s\"}",
			 drop_reason_name((enum drop_reason)i));
		cr_assert_not_null(find_sample(text, series), "no %s", series);
	}
	cr_assert_eq(value_of(text, "sctpalg_chunks_translated_total{chunk=\""
				    "INIT\"}"), 1);
	cr_assert_eq(value_of(text, "sctpalg_datapath_raw_sent_total"), 12);
	cr_assert_eq(value_of(text, "sctpalg_uplink_paths{uplink=\"isp-one\"}"),
		     1);
	cr_assert_eq(value_of(text, "sctpalg_uplink_paths{uplink=\"isp-two\"}"),
		     0);
	cr_assert_eq(value_of(text, "sctpalg_uplink_transmit_packets{uplink="
				    "\"isp-one\"}"), 2);
	cr_assert_eq(value_of(text, "sctpalg_interface_info{interface=\"wan1\""
				    ",mode=\"native\"}"), 1);
	cr_assert_eq(value_of(text, "sctpalg_interface_up{interface="
				    "\"lan\\\"0\\\\\"}"), 0);
	cr_assert_eq(value_of(text, "sctpalg_interface_receive_packets_total{"
				    "interface=\"wan1\"}"), 7);
	free(text);
}

Test(ctl_prom, refuses_what_is_not_stats)
{
	struct json_object *doc;
	size_t off;
	FILE *f = fopen("/dev/null", "w");

	cr_assert_eq(ctl_json_parse("{\"ok\":true,\"removed\":3}", 23, &doc,
				    &off),
		     0);
	cr_assert_eq(ctl_prom_stats(f, doc), -EINVAL);
	json_object_put(doc);
	fclose(f);
}
