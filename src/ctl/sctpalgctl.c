/*
 * sctpalgctl: the control client of sctpalgd.  Sends one command over the
 * daemon's Unix socket, reads the JSON answer to the end, and prints it
 * as text tables (or, with -j, exactly as received, for scripts; with
 * -p, the stats in the Prometheus text format, for monitoring).
 *
 * Exit status: 0 when the daemon answered "ok": true; 1 when it refused
 * (its reason goes to stderr), could not be reached, or the usage was
 * wrong.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "cap_filter.h"
#include "ctl_filter.h"
#include "ctl_json.h"
#include "ctl_print.h"
#include "ctl_prom.h"
#include "ctl_proto.h"
#include "pcapng.h"

/* An answer bigger than this is not one of ours. */
#define ANSWER_MAX	(256u << 20)
/* A daemon that does not answer in this long is stuck. */
#define IO_TIMEOUT_S	30

static void __attribute__((noreturn)) usage(void)
{
	unsigned int i;

	fprintf(stderr, "usage: sctpalgctl [-j | -p] [-s socket] command "
			"[filter]\n"
			"       sctpalgctl [-s socket] capture [-c count] "
			"[-d seconds] [-i interface]\n"
			"                  [-r rate] [-s snaplen] -w file "
			"[filter]\n");
	fprintf(stderr, "commands:\n");
	for (i = 0; i < CTL_CMD__COUNT; i++)
		fprintf(stderr, "  %-14s %s\n", ctl_cmd_name(i),
			ctl_cmd_help(i));
	fprintf(stderr, "filter (associations): [inside addr] [public addr] "
			"[peer addr]\n  [port n] [state name] [uplink name]\n");
	fprintf(stderr, "filter (capture): [host addr] [port n] [vtag n]\n");
	exit(1);
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "%s: socket path too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		err(1, "setsockopt");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			err(1, "connect %s (is sctpalgd running?)", path);
		err(1, "connect %s", path);
	}
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "send");
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads until the daemon closes; returns a NUL-terminated buffer. */
static char *recv_all(int fd, size_t *out_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if (cap > ANSWER_MAX + 1)
				errx(1, "answer larger than %u bytes",
				     ANSWER_MAX);
			nb = realloc(buf, cap);
			if (!nb)
				err(1, "answer");
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errx(1, "no answer from sctpalgd within %d s",
			     IO_TIMEOUT_S);
		if (n < 0)
			err(1, "recv");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out_len = len;
	return buf;
}

/* A stream's first line (monitor, capture): {"ok":true,...} or a
 * refusal, which ends the program with the daemon's reason. */
static void ctl_stream_hello(const char *what, const char *line, size_t len)
{
	struct json_object *doc;

	if (ctl_json_parse(line, len, &doc, NULL) < 0)
		errx(1, "malformed answer from sctpalgd");
	if (!ctl_json_bool(ctl_json_get(doc, "ok"), false))
		errx(1, "%s: %s", what,
		     ctl_json_str(ctl_json_get(doc, "error"), "failed"));
	json_object_put(doc);
}

/*
 * "monitor": the daemon keeps the connection and sends one JSON line per
 * event until either side closes.  The first line says whether it
 * accepted; then each line is printed as it comes (with -j exactly as
 * received, else its "text" after the local time).  Never returns but on
 * an error or when sctpalgd goes away.
 */
static int __attribute__((noreturn)) monitor(int fd, bool json)
{
	static char buf[1u << 16];
	struct timeval tv = { 0 }; /* waiting is the point: no timeout */
	size_t len = 0;
	bool hello = false;
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		err(1, "setsockopt");
	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', len))) {
			size_t ll = (size_t)(nl - buf);

			*nl = '\0';
			if (!hello) {
				ctl_stream_hello("monitor", buf, ll);
				hello = true;
			} else if (ctl_print_event(stdout, buf, ll, json) < 0) {
				warnx("malformed event from sctpalgd: %s", buf);
			}
			if (fflush(stdout) != 0)
				err(1, "stdout");
			memmove(buf, nl + 1, len - ll - 1);
			len -= ll + 1;
		}
		if (len == sizeof(buf))
			errx(1, "event line longer than %zu bytes",
			     sizeof(buf));
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "recv");
		if (n == 0)
			errx(1, "sctpalgd closed the monitor connection");
		len += (size_t)n;
	}
}

/* ---- capture ---- */

static volatile sig_atomic_t cap_stop;

static void cap_on_signal(int sig)
{
	(void)sig;
	cap_stop = 1;
}

/* Appends " word" to the request line, or fails saying it is too long. */
static void req_add(char *req, size_t len, size_t *off, const char *key,
		    const char *val)
{
	int n;

	if (strpbrk(val, " \t\n") || !val[0])
		errx(1, "%s: one word per argument", val);
	n = key ? snprintf(req + *off, len - *off, " %s %s", key, val) :
		  snprintf(req + *off, len - *off, " %s", val);
	if (n < 0 || (size_t)n >= len - *off - 1)
		errx(1, "capture request longer than %zu bytes", len - 2);
	*off += (size_t)n;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno == EPIPE)	/* the reader went away */
				exit(1);
			err(1, "write");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* What the stream said, for the summary on stderr. */
struct cap_summary {
	uint64_t packets, seen, dropped;
	unsigned int isbs;
};

/* Walks the whole blocks at the start of buf; returns the bytes used. */
static size_t cap_walk(const uint8_t *buf, size_t len, struct cap_summary *s)
{
	size_t off = 0;
	uint32_t type, blen;
	uint64_t recv, drop;
	int r;

	while ((r = pcapng_block(buf + off, len - off, &type, &blen)) == 0) {
		if (type == PCAPNG_EPB)
			s->packets++;
		if (type == PCAPNG_ISB &&
		    !pcapng_isb_counts(buf + off, blen, &recv, &drop)) {
			s->seen += recv;
			s->dropped += drop;
			s->isbs++;
		}
		off += blen;
	}
	if (r == -EINVAL)
		errx(1, "capture: malformed stream from sctpalgd");
	return off;
}

/*
 * "capture": sctpalgd answers one JSON line, then streams pcapng until
 * the capture ends; every byte after the line goes to out as it comes.
 * SIGINT or SIGTERM shuts the writing side, which tells the daemon to
 * end the stream properly (statistics blocks), and reading goes on to
 * the end; a second signal stops at once.  The file is made once the
 * daemon has accepted (a refusal leaves none).
 */
static int open_output(const char *file)
{
	int out;

	if (!strcmp(file, "-"))
		return STDOUT_FILENO;
	out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		err(1, "%s", file);
	return out;
}

static int __attribute__((noreturn)) capture(int fd, const char *file)
{
	static uint8_t buf[256u << 10];
	struct timeval tv = { 0 };
	struct sigaction sa = { .sa_handler = cap_on_signal,
				.sa_flags = SA_RESETHAND };
	struct cap_summary sum = { 0 };
	bool hello = false, shut = false;
	size_t len = 0, used;
	int out = -1;
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		err(1, "setsockopt");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (cap_stop && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "recv");
		if (n == 0)
			break;
		if (!hello) {
			uint8_t *nl = memchr(buf, '\n', len + (size_t)n);

			len += (size_t)n;
			if (!nl) {
				if (len == sizeof(buf))
					errx(1, "malformed answer from "
						"sctpalgd");
				continue;
			}
			*nl = '\0';
			ctl_stream_hello("capture", (const char *)buf,
					  (size_t)(nl - buf));
			hello = true;
			out = open_output(file);
			used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len - used);
			len -= used;
			write_all(out, buf, len);
		} else {
			write_all(out, buf + len, (size_t)n);
			len += (size_t)n;
		}
		used = cap_walk(buf, len, &sum);
		memmove(buf, buf + used, len - used);
		len -= used;
		if (len == sizeof(buf))
			errx(1, "capture: block larger than %zu bytes",
			     sizeof(buf));
	}
	if (!hello)
		errx(1, "sctpalgd closed the connection without an answer");
	if (out != STDOUT_FILENO && close(out) < 0)
		err(1, "close");
	if (!sum.isbs)
		errx(1, "capture: %llu packets; the stream ended without its "
		     "statistics (sctpalgd stopped, or cut a client that did "
		     "not read)", (unsigned long long)sum.packets);
	fprintf(stderr, "%llu packets captured, %llu dropped by sctpalgd "
		"(ring full or over the rate limit)\n",
		(unsigned long long)sum.packets,
		(unsigned long long)sum.dropped);
	exit(0);
}

/*
 * sctpalgctl [-s socket] capture [-c count] [-d seconds] [-i interface]...
 *	[-r rate] [-s snaplen] -w file [host A] [port N] [vtag N]
 */
static int __attribute__((noreturn)) capture_main(const char *path, int argc,
						  char **argv)
{
	/* The request's word for each option but -w (cap_filter.h). */
	static const char *const opt_words[128] = {
		['c'] = "count", ['d'] = "secs", ['i'] = "if",
		['r'] = "rate",	 ['s'] = "snap",
	};
	char req[CTL_REQUEST_MAX], why[160];
	const char *file = NULL;
	struct cap_req r;
	size_t off;
	int ch, fd;

	off = (size_t)snprintf(req, sizeof(req), "capture");
	optind = 0;	/* glibc: start afresh on the command's words */
	while ((ch = getopt(argc, argv, "+c:d:i:r:s:w:")) != -1) {
		if (ch == 'w')
			file = optarg;
		else if (ch > 0 && ch < 128 && opt_words[ch])
			req_add(req, sizeof(req), &off, opt_words[ch], optarg);
		else
			usage();
	}
	for (int i = optind; i < argc; i++)
		req_add(req, sizeof(req), &off, NULL, argv[i]);
	if (cap_req_parse(req + 7, off - 7, &r, why, sizeof(why)) < 0)
		errx(1, "capture: %s", why);
	if (!file)
		errx(1, "capture: -w FILE, or -w - for standard output");
	if (!strcmp(file, "-") && isatty(STDOUT_FILENO))
		errx(1, "capture: not writing pcapng to a terminal; pipe it "
		     "(| tshark -r -) or use -w FILE");
	req[off++] = '\n';
	req[off] = '\0';
	fd = ctl_connect(path);
	send_all(fd, req, off);
	capture(fd, file);
}

/*
 * "command [arg...]\n"; the filter of associations is checked here too,
 * so a typo is reported before the daemon is asked.
 */
static void build_request(char *req, size_t len, enum ctl_cmd cmd, int argc,
			  char **argv)
{
	struct ctl_filter f;
	char why[160];
	size_t off;
	int i, n;

	n = snprintf(req, len, "%s", ctl_cmd_name(cmd));
	off = (size_t)n;
	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\n") || !argv[i][0])
			errx(1, "%s: one word per argument", argv[i]);
		n = snprintf(req + off, len - off, " %s", argv[i]);
		if (n < 0 || (size_t)n >= len - off)
			errx(1, "filter longer than %zu bytes", len - 2);
		off += (size_t)n;
	}
	if (off + 1 >= len)
		errx(1, "filter longer than %zu bytes", len - 2);
	if (ctl_filter_parse(req + strlen(ctl_cmd_name(cmd)),
			     off - strlen(ctl_cmd_name(cmd)), &f, why,
			     sizeof(why)) < 0)
		errx(1, "%s", why);
	req[off++] = '\n';
	req[off] = '\0';
}

/*
 * Whether the command word is capture, whose own options (-s snaplen
 * among them) follow it: then option parsing must stop at the command.
 * The other commands keep getopt's permutation ("stats -j").
 */
static bool command_is_capture(int argc, char **argv)
{
	enum ctl_cmd cmd;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *s;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		/* -s, -js...: the socket is the next word. */
		s = strchr(a + 1, 's');
		if (s && !s[1])
			i++;
	}
	return i < argc &&
	       ctl_cmd_parse(argv[i], strlen(argv[i]), true, &cmd) == 0 &&
	       cmd == CTL_CMD_CAPTURE;
}

int main(int argc, char *argv[])
{
	const char *path = CTL_SOCKET_DEFAULT;
	struct json_object *doc;
	char req[CTL_REQUEST_MAX];
	enum ctl_cmd cmd;
	bool json = false, prom = false;
	size_t len, off;
	char *answer;
	int ch, fd, ret;

	/* "+": options after capture are capture's. */
	while ((ch = getopt(argc, argv, command_is_capture(argc, argv) ?
			    "+jps:" : "jps:")) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		case 'p':
			prom = true;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (json && prom))
		usage();
	if (ctl_cmd_parse(argv[0], strlen(argv[0]), true, &cmd) < 0) {
		warnx("unknown or ambiguous command: %s", argv[0]);
		usage();
	}
	if (prom && cmd != CTL_CMD_STATS)
		errx(1, "-p: only stats has a Prometheus form");
	if (cmd == CTL_CMD_CAPTURE) {
		if (json)
			errx(1, "-j: capture writes pcapng, not JSON");
		capture_main(path, argc, argv);
	}
	if (argc > 1 && cmd != CTL_CMD_ASSOCIATIONS)
		errx(1, "%s takes no arguments", ctl_cmd_name(cmd));

	if (prom && cmd == CTL_CMD_MONITOR)
		errx(1, "-p: only stats has a Prometheus form");

	build_request(req, sizeof(req), cmd, argc - 1, argv + 1);
	fd = ctl_connect(path);
	send_all(fd, req, strlen(req));
	if (cmd == CTL_CMD_MONITOR)
		monitor(fd, json);
	answer = recv_all(fd, &len);
	close(fd);
	if (len == 0)
		errx(1, "sctpalgd closed the connection without an answer");

	ret = ctl_json_parse(answer, len, &doc, &off);
	if (ret < 0)
		errx(1, "malformed answer from sctpalgd (at byte %zu)", off);
	if (json) {
		fwrite(answer, 1, len, stdout);
		if (answer[len - 1] != '\n')
			putchar('\n');
	}
	if (!ctl_json_bool(ctl_json_get(doc, "ok"), false)) {
		warnx("%s: %s", ctl_cmd_name(cmd),
		      ctl_json_str(ctl_json_get(doc, "error"), "failed"));
		json_object_put(doc);
		free(answer);
		return 1;
	}
	if (prom && ctl_prom_stats(stdout, doc) < 0)
		errx(1, "unexpected answer to %s", ctl_cmd_name(cmd));
	if (!json && !prom && ctl_print(stdout, cmd, doc) < 0)
		errx(1, "unexpected answer to %s", ctl_cmd_name(cmd));
	json_object_put(doc);
	free(answer);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
