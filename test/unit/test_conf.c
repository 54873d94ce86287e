/*
 * test_conf.c: the configuration parser -- every key, the errors with
 * their line numbers, the canonical print round trip, the shipped example.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

static const char *minimal =
	"[inside]\n"
	"interface = lan0\n"
	"network = 192.168.1.0/24 uplink wan\n"
	"[uplink wan]\n"
	"interface = eth1\n"
	"address = 198.51.100.2\n";

static int parse(struct conf *c, const char *text, struct conf_error *err)
{
	return conf_parse_string(c, text, "test.conf", err);
}

/* Parse text that must fail; return the error for checks. */
static struct conf_error bad(const char *text)
{
	struct conf_error err;
	struct conf c;

	cr_assert_eq(parse(&c, text, &err), -EINVAL, "accepted:\n%s", text);
	return err;
}

Test(conf, minimal_and_defaults)
{
	struct conf_error err;
	struct conf c;

	cr_assert_eq(parse(&c, minimal, &err), 0, "%s", err.message);
	cr_assert_eq(c.engine.n_uplinks, 1);
	cr_assert_eq(c.engine.nets[0].uplink, 0);
	cr_assert_eq(c.engine.max_assocs, 16384);
	cr_assert_eq(c.engine.timeout_established, 300);
	cr_assert_eq(c.engine.port_min, 1024);
	cr_assert(c.engine.port_preserve);
	cr_assert_eq(c.log_level, LOG_INFO);
	cr_assert_str_eq(c.control_socket, "/run/sctpalg/sctpalgd.sock");
}

Test(conf, every_section)
{
	const char *text =
		"[daemon]\nbackend = packet\nxdp-mode = generic\nqueues = 2\n"
		"busy-poll = yes\nlog-level = debug\nuser = nobody\n"
		"state-file = /var/lib/sctpalg/state\n"
		"[inside]\ninterface = lan0\ninterface = lan1\n"
		"network = 10.0.0.0/24 map 198.18.0.0/24\n"
		"network = 192.168.1.0/24 uplink b\n"
		"[uplink a]\ninterface = eth1\naddress = 198.51.100.2\n"
		"address = 2001:db8::2\ngateway = 198.51.100.1\n"
		"[uplink b]\ninterface = eth2\naddress = 203.0.113.2\n"
		"[nat]\nport-range = 2000-3000\nport-preservation = no\n"
		"multihome = uplinks\nmax-addresses = 4\nootb-reply = on\n"
		"ootb-reply-rate = 5\n"
		"[timeouts]\nsetup = 10s\nestablished = 600\nshutdown = 9\n"
		"closed = 2\n"
		"[limits]\nassociations = 100\nper-host = 0\nhandshakes = 7\n"
		"init-rate = 0\ninit-burst = 3\nmax-chunks = 64\n"
		"ppid-default = deny\nppid-allow = 46, 47\nppid-deny = 51\n"
		"[forward web]\npublic = 198.51.100.2:2905\n"
		"public = [2001:db8::2]:2905\ninside = 192.168.1.9:2905\n";
	struct conf_error err;
	struct conf c;

	cr_assert_eq(parse(&c, text, &err), 0, "line %d: %s", err.line,
		     err.message);
	cr_assert_eq(c.backend, CONF_BACKEND_PACKET);
	cr_assert_eq(c.xdp_mode, CONF_XDP_GENERIC);
	cr_assert_eq(c.queues, 2);
	cr_assert(c.busy_poll);
	cr_assert_eq(c.n_inside_ifs, 2);
	cr_assert(c.engine.nets[0].one_to_one);
	cr_assert_eq(c.engine.nets[0].uplink, -1);
	cr_assert_eq(c.engine.nets[1].uplink, 1, "named before defined");
	cr_assert_eq(c.engine.uplinks[0].n_public, 2);
	cr_assert_eq(c.gateways[0].family, AF_INET);
	cr_assert_eq(c.engine.port_min, 2000);
	cr_assert_eq(c.engine.multihome, MULTIHOME_UPLINKS);
	cr_assert_eq(c.engine.timeout_setup, 10);
	cr_assert_eq(c.engine.n_ppid_rules, 3);
	cr_assert(c.engine.ppid_default_deny);
	cr_assert_eq(c.engine.forwards[0].n_public, 2);
	cr_assert_eq(c.engine.forwards[0].public_port, 2905);
}

Test(conf, errors_name_their_line)
{
	struct conf_error e;
	char buf[400];

	e = bad("[inside]\ninterface = lan0\n\n[nat]\nport-range = 9-1\n");
	cr_assert_eq(e.line, 5);
	cr_assert(strstr(e.message, "port-range"));
	cr_assert_str_eq(conf_error_str(&e, buf, sizeof(buf)),
			 "test.conf:5: port-range must be LOW-HIGH with "
			 "1 <= LOW <= HIGH <= 65535");
	e = bad("[nat]\nmultihome = sometimes\n");
	cr_assert_eq(e.line, 2);
	e = bad("[natt]\nx = 1\n");
	cr_assert_eq(e.line, 2);
	cr_assert(strstr(e.message, "unknown section"));
	e = bad("[nat]\nbogus = 1\n");
	cr_assert(strstr(e.message, "unknown key"));
	e = bad("[nat]\nmultihome = off\nmultihome = uplinks\n");
	cr_assert_eq(e.line, 3);
	cr_assert(strstr(e.message, "twice"));
	e = bad("[inside]\ninterface = lan0\n"
		"network = 10.0.0.0/8 uplink nowhere\n"
		"[uplink a]\ninterface = e\naddress = 192.0.2.1\n");
	cr_assert_eq(e.line, 3, "deferred error keeps its line");
	cr_assert(strstr(e.message, "nowhere"));
	e = bad("[inside]\nnetwork = 10.0.0.1/8\n");
	cr_assert_eq(e.line, 2);
	e = bad("this is not ini\n");
	cr_assert_eq(e.line, 1);
	e = bad("[uplink a]\ninterface = e\n[inside]\ninterface = l\n");
	cr_assert_eq(e.line, 1, "uplink without address: its header line");
	e = bad("[forward f]\npublic = 192.0.2.1\n");
	cr_assert(strstr(e.message, "ADDRESS:PORT"));
	e = bad("[timeouts]\nsetup = 0\n");
	cr_assert(strstr(e.message, "setup"));
	e = bad("[limits]\nppid-deny = 5, x\n");
	cr_assert(strstr(e.message, "PPID"));
	e = bad("[uplink a]\ninterface = e\naddress = 192.0.2.1\n"
		"[uplink a]\ninterface = f\n");
	cr_assert_eq(e.line, 4);
	cr_assert(strstr(e.message, "defined twice (first at line 1)"));
	/* Found by fuzz_conf: a reopened section is still one section. */
	e = bad("[daemon]\nstate-file = /one\n[nat]\n[daemon]\n"
		"state-file = none\n");
	cr_assert_eq(e.line, 5);
	cr_assert(strstr(e.message, "twice"));
	e = bad("[uplink a]\ninterface = ;x\n");
	cr_assert(strstr(e.message, "bad name"));
	/* Whole-file checks have no line. */
	e = bad("[inside]\ninterface = lan0\n");
	cr_assert_eq(e.line, 0);
	cr_assert(strstr(conf_error_str(&e, buf, sizeof(buf)),
			 "test.conf: "));
}

Test(conf, failed_parse_leaves_output_alone)
{
	struct conf_error err;
	struct conf c, before;

	cr_assert_eq(parse(&c, minimal, &err), 0);
	before = c;
	cr_assert_eq(parse(&c, "[nat]\nmultihome = x\n", &err), -EINVAL);
	cr_assert(memcmp(&c, &before, sizeof(c)) == 0);
}

static void round_trip(const struct conf *c)
{
	struct conf_error err;
	struct conf again;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_eq(conf_print(c, f), 0);
	fclose(f);
	cr_assert_eq(parse(&again, text, &err), 0, "printed form: %s (line "
		     "%d)\n%s", err.message, err.line, text);
	cr_assert(memcmp(&again, c, sizeof(again)) == 0,
		  "printed form parses to something else:\n%s", text);
	free(text);
}

Test(conf, shipped_example_parses_and_round_trips)
{
	struct conf_error err;
	struct conf c;
	char buf[400];

	cr_assert_eq(conf_load_file(&c, "conf/sctpalgd.conf", &err), 0, "%s",
		     conf_error_str(&err, buf, sizeof(buf)));
	cr_assert_eq(c.engine.n_uplinks, 2);
	cr_assert_eq(c.engine.n_forwards, 1);
	round_trip(&c);
}

Test(conf, missing_file)
{
	struct conf_error err;
	struct conf c;

	cr_assert_lt(conf_load_file(&c, "/nonexistent/x.conf", &err), 0);
	cr_assert(strstr(err.message, "cannot open"));
}

/*
 * The parser and sctpalgd.conf(5) must know the same keys: every
 * ".It Cm KEY Ns =" under ".Ss Bq Cm SECTION" is a documented key.
 */
#define MAX_DOC 128

static size_t documented(char sec[][16], char key[][32])
{
	FILE *f = fopen("man/sctpalgd.conf.5", "r");
	char line[512], cur[16] = "";
	size_t n = 0;

	cr_assert_not_null(f, "man/sctpalgd.conf.5 missing");
	while (fgets(line, sizeof(line), f) && n < MAX_DOC) {
		char k[32];

		if (sscanf(line, ".Ss Bq Cm %15s", cur) == 1)
			continue;
		if (sscanf(line, ".It Cm %31s Ns =", k) == 1 &&
		    strstr(line, " Ns =")) {
			snprintf(sec[n], 16, "%s", cur);
			snprintf(key[n++], 32, "%s", k);
		}
	}
	fclose(f);
	return n;
}

Test(conf, man_page_documents_exactly_the_parser_keys)
{
	static char sec[MAX_DOC][16], key[MAX_DOC][32];
	size_t nk = conf_key_count(), nd = documented(sec, key);
	static struct conf_key k[128];

	cr_assert_leq(nk, 128);
	for (size_t i = 0; i < nk; i++)
		k[i] = conf_key_at(i);

	cr_assert_gt(nd, 10, "man page parse found too few keys");
	for (size_t i = 0; i < nk; i++) {
		bool found = false;

		for (size_t j = 0; j < nd && !found; j++)
			found = !strcmp(sec[j], k[i].section) &&
				!strcmp(key[j], k[i].key);
		cr_assert(found, "[%s] %s: known to the parser, not in "
			  "sctpalgd.conf(5)", k[i].section, k[i].key);
	}
	for (size_t j = 0; j < nd; j++) {
		bool found = false;

		for (size_t i = 0; i < nk && !found; i++)
			found = !strcmp(sec[j], k[i].section) &&
				!strcmp(key[j], k[i].key);
		cr_assert(found, "[%s] %s: in sctpalgd.conf(5), unknown to "
			  "the parser", sec[j], key[j]);
	}
}

/* Every key the parser knows appears in the shipped example too. */
Test(conf, example_config_shows_every_key)
{
	FILE *f = fopen("conf/sctpalgd.conf", "r");
	static char text[65536];
	struct conf_key k;
	size_t len;

	cr_assert_not_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	text[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < conf_key_count(); i++) {
		char pat[48];

		k = conf_key_at(i);
		snprintf(pat, sizeof(pat), "\n%s = ", k.key);
		if (!strstr(text, pat)) {
			snprintf(pat, sizeof(pat), "\n#%s = ", k.key);
			cr_assert(strstr(text, pat), "example lacks %s", k.key);
		}
	}
}
