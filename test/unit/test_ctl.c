/*
 * Unit tests for the control socket, end to end inside one process: a
 * real engine (the fixture's small office) behind a real ctl_server on a
 * real Unix socket, driven by the real io_uring loop; the test's client
 * is one more fd on the same loop.  Answers are parsed with the JSON
 * parser sctpalgctl uses and printed with its table printer.
 *
 * Covered: every command's answer, errors (unknown, too long, reload
 * refused), one association seen from an outbound INIT, the socket's
 * mode, stale-socket replacement and refusal of a second daemon, the
 * client cap, and that an idle client is cut off by its deadline.
 *
 * And that nobody can keep root out: idle clients filling the slots, a
 * client that reconnects as soon as it is dropped, a client that asks for
 * a large answer and never reads it.  Those tests connect as other uids
 * (seteuid around connect(): SO_PEERCRED records the connecting
 * credentials), so they need root and are skipped, saying so, without.
 */
#define _GNU_SOURCE		/* open_memstream */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl_fixture.h"
#include "ctl_print.h"
#include "ctl_server.h"
#include "engine_fixture.h"
#include "ctl_json.h"
#include "log.h"
#include "loop.h"

static struct ctl_fx fx;
static uint64_t fx_now;
static int fx_reload_ret;

static struct engine *op_engine(void *arg)
{
	(void)arg;
	return fx.engine;
}

static uint64_t op_now(void *arg)
{
	(void)arg;
	return fx_now;
}

static int op_reload(void *arg, char *why, size_t len)
{
	(void)arg;
	if (fx_reload_ret)
		snprintf(why, len, "/etc/x.conf:3: bad value");
	return fx_reload_ret;
}

static struct ctl_ops fx_ops(void)
{
	struct ctl_ops ops = {
		.engine = op_engine,
		.now_ns = op_now,
		.interfaces = ctl_fx_interfaces,
		.counters = ctl_fx_counters,
		.uplink_name = ctl_fx_uplink_name,
		.reload = op_reload,
	};

	return ops;
}

static void start_server_cfg(struct ctl_server_config *cfg)
{
	struct ctl_ops ops = fx_ops();

	ctl_fx_start(&fx, cfg, &ops);
}

static void start_server(unsigned int max_clients, uint32_t timeout_ms)
{
	struct ctl_server_config cfg = {
		.max_clients = max_clients,
		.timeout_ms = timeout_ms,
	};

	start_server_cfg(&cfg);
}

static void setup(void)
{
	ctl_fx_setup(&fx, "test_ctl");
	fx_now = 1000 * FX_SEC;
}

static void teardown(void)
{
	ctl_fx_teardown(&fx);
}

/* A test client, reading until EOF (ctl_fixture.h). */
static void client_open(struct ctl_fx_client *c)
{
	ctl_fx_client_connect(&fx, c, 0);
	ctl_fx_client_read(c);
}

/* A client of another uid: needs root; the socket must let it in. */
static void client_open_as(struct ctl_fx_client *c, uid_t uid)
{
	cr_assert_eq(seteuid(uid), 0);
	client_open(c);
	cr_assert_eq(seteuid(0), 0);
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("connecting as other uids needs root");
	/* The socket's directory and the socket open to every uid. */
	cr_assert_eq(chmod(fx.dir, 0711), 0);
}

static void client_wait_eof(struct ctl_fx_client *c)
{
	while (!c->eof)
		cr_assert_geq(loop_run_once(fx.loop, true), 0);
	fclose(c->mem);
	close(c->fd);
}

/* Sends req, returns the whole answer (to free). */
static char *ask(const char *req)
{
	struct ctl_fx_client c;

	client_open(&c);
	cr_assert_eq(write(c.fd, req, strlen(req)), (ssize_t)strlen(req));
	client_wait_eof(&c);
	return c.buf;
}

static struct json_object *ask_json(const char *req)
{
	struct json_object *doc;
	char *ans = ask(req);
	size_t len = strlen(ans);

	cr_assert_gt(len, 0, "no answer to %s", req);
	cr_assert_eq(ans[len - 1], '\n', "answer is one line");
	cr_assert_eq(ctl_json_parse(ans, len, &doc, NULL), 0, "JSON: %s", ans);
	free(ans);
	return doc;
}

static char *print_doc(enum ctl_cmd cmd, struct json_object *doc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_eq(ctl_print(f, cmd, doc), 0);
	fclose(f);
	return out;
}

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 20);

Test(ctl, socket_mode_0660)
{
	struct stat st;

	start_server(0, 0);
	cr_assert_eq(stat(fx.path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0660, "mode %o", st.st_mode & 07777);
}

Test(ctl, version)
{
	struct json_object *d;
	char *txt;

	start_server(0, 0);
	d = ask_json("version\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "version"), ""),
			 SCTPALG_VERSION);
	txt = print_doc(CTL_CMD_VERSION, d);
	cr_assert_str_eq(txt, "sctpalgd " SCTPALG_VERSION "\n");
	free(txt);
	json_object_put(d);
}

Test(ctl, stats_has_every_counter)
{
	struct json_object *drops, *tr, *ifs, *dp;
	struct json_object *d;
	char *txt;

	start_server(0, 0);
	d = ask_json("stats\r\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	drops = ctl_json_get(d, "drops");
	cr_assert_eq(ctl_json_len(drops), DROP__COUNT - 1, "all but 'none'");
	cr_assert_not_null(ctl_json_get(drops, "bad-checksum"));
	tr = ctl_json_get(d, "translations");
	cr_assert_eq(ctl_json_len(tr), ENGINE_CS__COUNT);
	cr_assert_not_null(ctl_json_get(tr, "INIT-ACK"));
	ifs = ctl_json_get(d, "interfaces");
	cr_assert_eq(ctl_json_len(ifs), 2);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(ctl_json_at(ifs, 0), "mode"),
				      ""),
			 "native");
	cr_assert_eq(
		ctl_json_u64(ctl_json_get(ctl_json_at(ifs, 0), "rx_packets"),
			     0),
		7);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(ctl_json_at(ifs, 1), "name"),
				      ""),
			 "lan\"0\\");
	dp = ctl_json_get(d, "datapath");
	cr_assert_eq(ctl_json_len(dp), 2);
	cr_assert_eq(ctl_json_u64(ctl_json_get(dp, "ip_reassembled"), 0), 3);

	txt = print_doc(CTL_CMD_STATS, d);
	cr_assert_not_null(strstr(txt, "drops: none\n"), "%s", txt);
	cr_assert_not_null(strstr(txt, "NAME"), "%s", txt);
	cr_assert_not_null(strstr(txt, "wan1    native"), "%s", txt);
	cr_assert_not_null(strstr(txt, "datapath:\n"), "%s", txt);
	cr_assert_not_null(strstr(txt, "ip reassembled"), "%s", txt);
	free(txt);
	json_object_put(d);
}

/* An outbound INIT makes one association; it shows with its sides. */
Test(ctl, associations_after_init)
{
	struct json_object *a, *locals, *paths;
	struct engine_verdict v;
	struct json_object *d;
	struct pb p;
	char *txt;

	/* Proxy multihoming: uplink 2's address is added as an extra. */
	engine_destroy(fx.engine);
	fx.engine = fx_engine(MULTIHOME_UPLINKS);
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, 1, 0x11111111);
	pb_finish(&p);
	v = fx_run(fx.engine, &p, ENGINE_OUTBOUND, 990 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD, "reason %d", v.reason);

	start_server(0, 0);
	d = ask_json("associations\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "associations")), 1);
	a = ctl_json_at(ctl_json_get(d, "associations"), 0);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(a, "state"), ""),
			 "COOKIE-WAIT");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(a, "direction"), ""),
			 "outbound");
	cr_assert_eq(ctl_json_u64(ctl_json_get(a, "inside_port"), 0), 5000);
	cr_assert_eq(ctl_json_u64(ctl_json_get(a, "peer_port"), 0), 3868);
	cr_assert_eq(ctl_json_u64(ctl_json_get(a, "tag_inside"), 0),
		     0x11111111);
	cr_assert_eq(ctl_json_u64(ctl_json_get(a, "age_s"), 99), 10);
	locals = ctl_json_get(a, "locals");
	cr_assert_geq(ctl_json_len(locals), 1);
	cr_assert_str_eq(
		ctl_json_str(ctl_json_get(ctl_json_at(locals, 0), "inside"),
			     ""),
		"192.168.1.10");
	cr_assert_str_eq(
		ctl_json_str(ctl_json_get(ctl_json_at(locals, 0), "public"),
			     ""),
		"198.51.100.1");
	cr_assert_eq(ctl_json_len(locals), 2);
	cr_assert_str_eq(
		ctl_json_str(ctl_json_get(ctl_json_at(locals, 1), "public"),
			     ""),
		"203.0.113.1");
	cr_assert_str_eq(ctl_json_str(ctl_json_get(ctl_json_at(locals, 1),
						   "uplink_name"),
				      ""),
			 "isp-two");
	paths = ctl_json_get(a, "paths");
	cr_assert_eq(ctl_json_len(paths), 1);
	cr_assert_str_eq(
		ctl_json_str(ctl_json_get(ctl_json_at(paths, 0), "peer"), ""),
		"198.51.100.100");
	cr_assert_eq(
		ctl_json_u64(ctl_json_get(ctl_json_at(paths, 0), "pkts_out"),
			     0),
		1);

	txt = print_doc(CTL_CMD_ASSOCIATIONS, d);
	cr_assert_not_null(strstr(txt, "192.168.1.10:5000"), "%s", txt);
	cr_assert_not_null(strstr(txt, "0x11111111"), "%s", txt);
	cr_assert_not_null(strstr(txt, "{198.51.100.1,203.0.113.1}:5000"),
			   "%s", txt);
	cr_assert_not_null(strstr(txt, "COOKIE-WAIT"), "%s", txt);
	free(txt);
	json_object_put(d);

	/* flush removes it and says how many. */
	d = ask_json("flush\n");
	cr_assert_eq(ctl_json_u64(ctl_json_get(d, "removed"), 0), 1);
	json_object_put(d);
	d = ask_json("associations\n");
	cr_assert_eq(ctl_json_len(ctl_json_get(d, "associations")), 0);
	txt = print_doc(CTL_CMD_ASSOCIATIONS, d);
	cr_assert_str_eq(txt, "no associations\n");
	free(txt);
	json_object_put(d);
}

Test(ctl, reload_reports_the_reason)
{
	struct json_object *d;

	start_server(0, 0);
	d = ask_json("reload\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	json_object_put(d);
	fx_reload_ret = -EINVAL;
	d = ask_json("reload\n");
	cr_assert_not(ctl_json_bool(ctl_json_get(d, "ok"), true));
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "error"), ""),
			 "/etc/x.conf:3: bad value");
	json_object_put(d);
}

Test(ctl, unknown_and_too_long)
{
	char req[CTL_REQUEST_MAX + 10];
	struct json_object *d;

	start_server(0, 0);
	d = ask_json("dance\n");
	cr_assert_not(ctl_json_bool(ctl_json_get(d, "ok"), true));
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "error"), ""),
			 "unknown command");
	json_object_put(d);

	memset(req, 'a', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	d = ask_json(req);
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "error"), ""),
			 "request too long");
	json_object_put(d);
}

/* A command without the newline is answered when the client shuts down
 * its side. */
Test(ctl, request_ended_by_shutdown)
{
	struct json_object *doc;
	struct ctl_fx_client c;

	start_server(0, 0);
	client_open(&c);
	cr_assert_eq(write(c.fd, "version", 7), 7);
	cr_assert_eq(shutdown(c.fd, SHUT_WR), 0);
	client_wait_eof(&c);
	cr_assert_eq(ctl_json_parse(c.buf, c.len, &doc, NULL), 0);
	cr_assert(ctl_json_bool(ctl_json_get(doc, "ok"), false));
	json_object_put(doc);
	free(c.buf);
}

/* An idle client is disconnected by its deadline, without an answer. */
Test(ctl, idle_client_cut_off)
{
	struct ctl_fx_client c;

	start_server(0, 20);
	client_open(&c);
	client_wait_eof(&c);
	cr_assert_eq(c.len, 0);
	free(c.buf);
}

/*
 * With one client slot taken by an idle client, the next is closed at
 * once; when the slot frees, service resumes.
 */
Test(ctl, client_cap)
{
	struct ctl_fx_client idle, extra;
	struct json_object *d;

	start_server(1, 60000);
	client_open(&idle);
	/* Let the server accept it and start reading. */
	while (loop_run_once(fx.loop, false) > 0)
		;
	client_open(&extra);
	cr_assert_eq(write(extra.fd, "version\n", 8), 8);
	client_wait_eof(&extra);
	cr_assert_eq(extra.len, 0, "refused without an answer");
	free(extra.buf);

	close(idle.fd);			/* the server sees EOF, frees */
	loop_del(fx.loop, idle.id);
	while (loop_run_once(fx.loop, false) > 0)
		;
	fclose(idle.mem);
	free(idle.buf);
	d = ask_json("version\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	json_object_put(d);
}

/* A second server on a live socket is refused; a stale file is not. */
Test(ctl, stale_and_live_sockets)
{
	struct ctl_server_config cfg = {
		.path = fx.path, .uid = (uid_t)-1, .gid = (gid_t)-1,
	};
	struct ctl_ops ops = fx_ops();
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *second = NULL;
	struct json_object *d;
	int fd;

	start_server(0, 0);
	cr_assert_eq(ctl_server_create(&cfg, &ops, fx.loop, &second),
		     -EADDRINUSE);
	ctl_server_destroy(fx.srv);
	fx.srv = NULL;
	cr_assert_eq(access(fx.path, F_OK), -1, "socket file removed");

	/* A socket file nobody listens on, as a crash leaves it. */
	strcpy(sun.sun_path, fx.path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	start_server(0, 0);
	d = ask_json("version\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	json_object_put(d);
}

/* A regular file at the path is not ours to delete. */
Test(ctl, refuses_to_replace_a_file)
{
	struct ctl_server_config cfg = {
		.path = fx.path, .uid = (uid_t)-1, .gid = (gid_t)-1,
	};
	struct ctl_ops ops = fx_ops();
	struct ctl_server *s = NULL;
	int fd;

	fd = open(fx.path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(ctl_server_create(&cfg, &ops, fx.loop, &s), -EEXIST);
	unlink(fx.path);
}

/* ---- nobody keeps root out ---- */

#define UID_HOG		65534	/* nobody */
#define UID_OTHER	65533

static struct ctl_server_stats server_stats(void)
{
	struct ctl_server_stats st;

	ctl_server_stats(fx.srv, &st);
	return st;
}

/* Runs the loop until the server has admitted or refused n clients. */
static void wait_admitted(uint64_t n)
{
	struct ctl_server_stats st = server_stats();

	while (st.accepted + st.refused_full + st.refused_uid < n) {
		cr_assert_geq(loop_run_once(fx.loop, true), 0);
		st = server_stats();
	}
}

static void client_drop(struct ctl_fx_client *c)
{
	if (!c->eof)
		loop_del(fx.loop, c->id);
	fclose(c->mem);
	free(c->buf);
	close(c->fd);
}

/* The answer to "version\n" on an open client. */
static bool version_answered(struct ctl_fx_client *c)
{
	struct json_object *d;
	bool ok;

	cr_assert_eq(write(c->fd, "version\n", 8), 8);
	client_wait_eof(c);
	if (c->len == 0) {
		free(c->buf);
		return false;
	}
	cr_assert_eq(ctl_json_parse(c->buf, c->len, &d, NULL), 0, "%s", c->buf);
	ok = ctl_json_bool(ctl_json_get(d, "ok"), false);
	json_object_put(d);
	free(c->buf);
	return ok;
}

/*
 * Ten idle clients of one uid, with the defaults otherwise: the uid gets
 * its share, root still gets its answer, and the idle ones that got in
 * are still connected when it does (root did not wait for them to go).
 */
Test(ctl, idle_clients_of_one_uid_leave_root_in)
{
	struct ctl_server_config cfg = {
		.mode = 0666, .timeout_ms = 60000, .idle_ms = 60000,
	};
	struct ctl_fx_client idle[10], root;
	unsigned int i, connected = 0;

	need_root();
	start_server_cfg(&cfg);
	for (i = 0; i < 10; i++)
		client_open_as(&idle[i], UID_HOG);
	wait_admitted(10);

	client_open(&root);
	cr_assert(version_answered(&root), "root refused");
	for (i = 0; i < 10; i++) {
		while (loop_run_once(fx.loop, false) > 0)
			;
		connected += !idle[i].eof;
	}
	cr_assert_eq(connected, 4, "uid %d kept its 4, not %u", UID_HOG,
		     connected);
	cr_assert_eq(server_stats().refused_uid, 6);
	for (i = 0; i < 10; i++)
		client_drop(&idle[i]);
}

/*
 * Eight idle clients of eight uids fill all but root's slots of eight:
 * the next unprivileged one is refused, root is answered.
 */
Test(ctl, idle_clients_of_many_uids_leave_root_in)
{
	struct ctl_server_config cfg = {
		.mode = 0666, .max_clients = 8, .timeout_ms = 60000,
		.idle_ms = 60000,
	};
	struct ctl_fx_client idle[8], late, root;
	unsigned int i;

	need_root();
	start_server_cfg(&cfg);
	for (i = 0; i < 8; i++)
		client_open_as(&idle[i], UID_HOG - i);
	wait_admitted(8);
	client_open_as(&late, UID_OTHER - 100);
	cr_assert_not(version_answered(&late), "a ninth uid got in");
	client_open(&root);
	cr_assert(version_answered(&root), "root refused");
	cr_assert_eq(server_stats().refused_full, 3);
	for (i = 0; i < 8; i++)
		client_drop(&idle[i]);
}

/*
 * A hog that reconnects the moment it is dropped, with more connections
 * than the server has slots: root and another uid still get answers.
 */
#define HOGS	12	/* under the listen backlog: connects never wait */

struct hog {
	struct ctl_fx_client c;
	bool stop;
	unsigned int reconnects;
};

static struct hog hogs[HOGS];

static void hog_on_readable(void *arg, int res);

static void hog_connect(struct hog *h)
{
	client_open_as(&h->c, UID_HOG);
	/* Watch it with the hog's own callback. */
	loop_del(fx.loop, h->c.id);
	h->c.id = loop_add_fd(fx.loop, h->c.fd, POLLIN, 0, hog_on_readable,
			      h);
	cr_assert_geq(h->c.id, 0);
}

static void hog_on_readable(void *arg, int res)
{
	struct hog *h = arg;
	char tmp[256];

	(void)res;
	if (read(h->c.fd, tmp, sizeof(tmp)) > 0)
		return;
	/* Dropped: straight back in, unless the test is over. */
	loop_del(fx.loop, h->c.id);
	fclose(h->c.mem);
	free(h->c.buf);
	close(h->c.fd);
	h->c.fd = -1;
	if (h->stop)
		return;
	h->reconnects++;
	hog_connect(h);
}

Test(ctl, reconnecting_hog_leaves_root_and_others_in)
{
	struct ctl_server_config cfg = {
		.mode = 0666, .timeout_ms = 60000, .idle_ms = 60000,
	};
	struct ctl_fx_client root, other;
	unsigned int i, reconnects = 0;

	need_root();
	start_server_cfg(&cfg);
	memset(hogs, 0, sizeof(hogs));
	for (i = 0; i < HOGS; i++)
		hog_connect(&hogs[i]);
	wait_admitted(HOGS);
	/* Let the dropped ones come back at least once. */
	while (server_stats().refused_uid + server_stats().refused_full <
	       2 * (HOGS - 8))
		cr_assert_geq(loop_run_once(fx.loop, true), 0);

	client_open(&root);
	cr_assert(version_answered(&root), "root refused");
	client_open_as(&other, UID_OTHER);
	cr_assert(version_answered(&other), "uid %d refused", UID_OTHER);

	for (i = 0; i < HOGS; i++) {
		hogs[i].stop = true;
		reconnects += hogs[i].reconnects;
	}
	cr_assert_geq(reconnects, HOGS - 8, "the hog kept reconnecting");
	for (i = 0; i < HOGS; i++) {
		if (hogs[i].c.fd < 0)
			continue;
		loop_del(fx.loop, hogs[i].c.id);
		fclose(hogs[i].c.mem);
		free(hogs[i].c.buf);
		close(hogs[i].c.fd);
	}
}

/* n associations, from inside hosts 192.168.1.10 up, ports from 2000. */
static void many_associations(unsigned int n)
{
	struct engine_config c;
	struct engine_verdict v;
	char src[32];
	struct pb p;
	unsigned int i;

	engine_destroy(fx.engine);
	fx_config(&c, MULTIHOME_OFF);
	c.max_assocs = 4096;
	c.max_assocs_per_host = 0;
	c.max_handshakes = 4096;
	c.init_rate = 0;
	cr_assert_eq(engine_create(&c, 42, &fx.engine), 0);
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "192.168.1.%u", 10 + i % 200);
		pb_ip4(&p, src, "198.51.100.100");
		pb_sctp(&p, (uint16_t)(2000 + i), 3868, 0);
		pb_init(&p, 1, 0x10000000u + i);
		pb_finish(&p);
		v = fx_run(fx.engine, &p, ENGINE_OUTBOUND, 990 * FX_SEC);
		cr_assert_eq(v.action, ENGINE_FORWARD, "INIT %u: reason %d", i,
			     v.reason);
	}
}

static void on_hangup(void *arg, int res)
{
	struct ctl_fx_client *c = arg;

	(void)res;
	c->eof = true;
	loop_del(fx.loop, c->id);
}

/*
 * A client asks for an answer far larger than the socket buffers and
 * never reads: the loop goes on serving others meanwhile, and the
 * client is cut off once it has read nothing for idle_ms, long before
 * its whole-exchange deadline (60 s, past this test's timeout).
 */
Test(ctl, never_reading_client_is_cut_off)
{
	struct ctl_server_config cfg = {
		.mode = 0666, .timeout_ms = 60000, .idle_ms = 200,
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_fx_client stuck, root;
	char *all;
	size_t full;
	int avail = 0;

	need_root();
	many_associations(2000);
	start_server_cfg(&cfg);
	all = ask("associations\n");
	full = strlen(all);
	free(all);
	cr_assert_gt(full, 512u << 10, "answer of %zu bytes is not large",
		     full);

	memset(&stuck, 0, sizeof(stuck));
	strcpy(sun.sun_path, fx.path);
	cr_assert_eq(seteuid(UID_HOG), 0);
	stuck.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(connect(stuck.fd, (struct sockaddr *)&sun, sizeof(sun)),
		     0);
	cr_assert_eq(seteuid(0), 0);
	cr_assert_eq(write(stuck.fd, "associations\n", 13), 13);
	/* Told only when the server hangs up; its data stays unread. */
	stuck.id = loop_add_fd(fx.loop, stuck.fd, POLLRDHUP, 0, on_hangup,
			       &stuck);
	cr_assert_geq(stuck.id, 0);

	client_open(&root);
	cr_assert(version_answered(&root), "root not answered meanwhile");

	while (!stuck.eof)
		cr_assert_geq(loop_run_once(fx.loop, true), 0);
	cr_assert_eq(ioctl(stuck.fd, FIONREAD, &avail), 0);
	cr_assert_lt((size_t)avail, full, "cut off before the end");
	cr_assert_geq(server_stats().timed_out, 1);
	close(stuck.fd);
}

/* A client that connects and says nothing is gone after idle_ms. */
Test(ctl, idle_client_cut_off_before_deadline)
{
	struct ctl_server_config cfg = {
		.timeout_ms = 60000, .idle_ms = 50,
	};
	struct ctl_fx_client c;

	start_server_cfg(&cfg);
	client_open(&c);
	client_wait_eof(&c);
	cr_assert_eq(c.len, 0);
	cr_assert_eq(server_stats().timed_out, 1);
	free(c.buf);
}

/* ---- capture: the request checked, the connection handed over ---- */

static struct {
	unsigned int calls;
	struct cap_req req;
	int ret;
} capx;

/* Takes fd as the capture module does: writes its own stream, closes. */
static int op_capture(void *arg, int fd, const struct cap_req *r, pid_t pid,
		      char *why, size_t why_len)
{
	static const char stream[] = "{\"ok\":true,\"capture\":true}\nPCAPNG";

	(void)arg;
	(void)pid;
	capx.calls++;
	capx.req = *r;
	if (capx.ret < 0) {
		snprintf(why, why_len, "2 captures are running already");
		return capx.ret;
	}
	cr_assert_eq(write(fd, stream, sizeof(stream) - 1),
		     (ssize_t)sizeof(stream) - 1);
	close(fd);
	return 0;
}

static void start_capture_server(void)
{
	struct ctl_server_config cfg = { .path = fx.path, .uid = (uid_t)-1,
					 .gid = (gid_t)-1 };
	struct ctl_ops ops = fx_ops();

	memset(&capx, 0, sizeof(capx));
	ops.capture = op_capture;
	cr_assert_eq(ctl_server_create(&cfg, &ops, fx.loop, &fx.srv), 0);
}

Test(ctl, capture_not_available)
{
	struct json_object *d;

	start_server(0, 0);
	d = ask_json("capture\n");
	cr_assert_not(ctl_json_bool(ctl_json_get(d, "ok"), true));
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "error"), ""),
			 "capture is not available");
	json_object_put(d);
}

Test(ctl, capture_request_checked_then_handed_over)
{
	struct json_object *d;
	char *ans;

	start_capture_server();
	d = ask_json("capture port 0\n");
	cr_assert_not(ctl_json_bool(ctl_json_get(d, "ok"), true));
	cr_assert(strstr(ctl_json_str(ctl_json_get(d, "error"), ""), "port 0"));
	json_object_put(d);
	cr_assert_eq(capx.calls, 0, "a bad request never reaches it");

	ans = ask("capture if wan1 count 5 host 198.51.100.100\n");
	cr_assert_str_eq(ans, "{\"ok\":true,\"capture\":true}\nPCAPNG",
			 "the module's stream, nothing of the server's");
	free(ans);
	cr_assert_eq(capx.calls, 1);
	cr_assert_eq(capx.req.n_ifs, 1);
	cr_assert_str_eq(capx.req.ifs[0], "wan1");
	cr_assert_eq(capx.req.count, 5);
	cr_assert_eq(capx.req.filter.keys, CAP_F_HOST);

	/* The module refuses: the client is told why, by the server. */
	capx.ret = -EBUSY;
	d = ask_json("capture\n");
	cr_assert_not(ctl_json_bool(ctl_json_get(d, "ok"), true));
	cr_assert_str_eq(ctl_json_str(ctl_json_get(d, "error"), ""),
			 "2 captures are running already");
	json_object_put(d);
	/* Handed-over connections hold no slot: plain commands still go. */
	d = ask_json("version\n");
	cr_assert(ctl_json_bool(ctl_json_get(d, "ok"), false));
	json_object_put(d);
}
