/*
 * fuzz_ctl: libFuzzer target for the control socket's request reading
 * (ctl_request_parse, ctl_cmd_parse), the part of sctpalgd any member of
 * the control group can feed.
 *
 * The first byte chooses how the rest arrives: in chunks of 1 to 16
 * bytes, as recv() may hand a stream over, into a CTL_REQUEST_MAX buffer
 * exactly as ctl_server.c keeps it, then the client's shutdown.  The
 * outcome must not depend on the chunking, and must be what a plain
 * reading of the whole stream says: the first line (or all of it before
 * the end), trailing blanks and CR dropped, names a command exactly, or
 * is unknown, or is too long.  Abbreviations (sctpalgctl's side) must
 * name exactly one command that starts with them.  A command's first
 * word names it; only "associations" takes more, its filter, which is
 * parsed too (ctl_filter.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap_filter.h"
#include "ctl_filter.h"
#include "ctl_proto.h"

/*
 * The arguments of "capture" (cap_filter.h): parsed in bounds, a refusal
 * says why, an accepted request is within its documented limits, and
 * its filter matches on a packet made of the same bytes.
 */
static void check_capture(const char *req, size_t len)
{
	struct cap_req r;
	const char *args;
	char why[160];
	size_t n = ctl_request_args(req, len, &args);

	why[0] = '\0';
	if (cap_req_parse(args, n, &r, why, sizeof(why)) < 0) {
		if (!why[0] || !memchr(why, '\0', sizeof(why)))
			abort();
		return;
	}
	if (r.n_ifs > CAP_MAX_IFS || r.snaplen < CAP_SNAP_MIN ||
	    r.snaplen > CAP_SNAP_MAX || r.secs > CAP_SECS_MAX ||
	    r.rate < 1 || r.rate > CAP_RATE_MAX || r.filter.keys & ~7u)
		abort();
	for (unsigned int i = 0; i < r.n_ifs; i++)
		if (!memchr(r.ifs[i], '\0', sizeof(r.ifs[i])))
			abort();
	(void)cap_filter_match(&r.filter, (const uint8_t *)req,
			       (uint32_t)len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The plain reading of the whole stream. */
static enum ctl_req_state expected(const char *s, size_t n, enum ctl_cmd *out)
{
	size_t w = n < CTL_REQUEST_MAX ? n : CTL_REQUEST_MAX;
	const char *nl = memchr(s, '\n', w);
	size_t len, wl;
	unsigned int i;

	if (nl)
		len = (size_t)(nl - s);
	else if (n >= CTL_REQUEST_MAX)
		return CTL_REQ_TOO_LONG;
	else if (n == 0)
		return CTL_REQ_EMPTY;
	else
		len = n;
	while (len && strchr("\r\n \t", s[len - 1]) && s[len - 1])
		len--;
	/* The command is the first word; only associations and capture
	 * take more. */
	for (w = 0; w < len && s[w] != ' ' && s[w] != '\t'; w++)
		;
	wl = w;
	while (wl && s[wl - 1] == '\r')
		wl--;
	for (i = 0; i < CTL_CMD__COUNT; i++) {
		const char *name = ctl_cmd_name((enum ctl_cmd)i);

		if (wl && strlen(name) == wl && !memcmp(name, s, wl) &&
		    (w == len || i == CTL_CMD_ASSOCIATIONS ||
		     i == CTL_CMD_CAPTURE)) {
			*out = (enum ctl_cmd)i;
			return CTL_REQ_CMD;
		}
	}
	return CTL_REQ_UNKNOWN;
}

/* Abbreviations: accepted only when exactly one name starts so. */
static void check_prefix(const char *s, size_t n)
{
	unsigned int i, starts = 0;
	enum ctl_cmd cmd, exact = CTL_CMD__COUNT;
	size_t len = n;

	while (len && strchr("\r\n \t", s[len - 1]) && s[len - 1])
		len--;
	for (i = 0; i < CTL_CMD__COUNT; i++) {
		const char *name = ctl_cmd_name((enum ctl_cmd)i);

		if (len && strlen(name) == len && !memcmp(name, s, len))
			exact = (enum ctl_cmd)i;
		if (len && strlen(name) >= len && !memcmp(name, s, len))
			starts++;
	}
	if (ctl_cmd_parse(s, n, true, &cmd) == 0) {
		if (cmd >= CTL_CMD__COUNT)
			abort();
		if (exact != CTL_CMD__COUNT ? cmd != exact : starts != 1)
			abort();
		if (strncmp(ctl_cmd_name(cmd), s, len))
			abort();
	} else if (exact != CTL_CMD__COUNT || starts == 1) {
		abort();
	}
}

/*
 * The associations filter: bounded, never past the request, a sentence
 * whenever it refuses, and what it accepts matches a view without
 * reading outside it.
 */
static void check_filter(const char *req, size_t len)
{
	static const struct engine_assoc_view v = { .n_locals = 255,
						    .n_paths = 255 };
	struct ctl_filter f;
	const char *args;
	char why[160];
	size_t n = ctl_request_args(req, len, &args);

	if (args < req || args + n > req + len)
		abort();
	why[0] = '\0';
	if (ctl_filter_parse(args, n, &f, why, sizeof(why)) < 0) {
		if (!why[0] || !memchr(why, '\0', sizeof(why)))
			abort();
		return;
	}
	if (f.keys & ~0x3fu || !memchr(f.uplink, '\0', sizeof(f.uplink)))
		abort();
	(void)ctl_filter_match(&f, &v, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char req[CTL_REQUEST_MAX];
	enum ctl_req_state got = CTL_REQ_MORE, want;
	enum ctl_cmd cmd = CTL_CMD__COUNT, want_cmd = CTL_CMD__COUNT;
	const char *s;
	size_t n, off = 0, len = 0;
	unsigned int seed;

	if (size < 1)
		return 0;
	seed = data[0];
	s = (const char *)data + 1;
	n = size - 1;

	/* The server: recv into what is left of the buffer, then look. */
	while (got == CTL_REQ_MORE && off < n) {
		size_t chunk = 1 + (seed & 15);

		seed = seed * 33 + 7;
		if (chunk > n - off)
			chunk = n - off;
		if (chunk > sizeof(req) - len)
			chunk = sizeof(req) - len;
		memcpy(req + len, s + off, chunk);
		len += chunk;
		off += chunk;
		got = ctl_request_parse(req, len, false, &cmd);
	}
	if (got == CTL_REQ_MORE)
		got = ctl_request_parse(req, len, true, &cmd);

	want = expected(s, n, &want_cmd);
	if (got != want)
		abort();
	if (got == CTL_REQ_CMD && cmd != want_cmd)
		abort();
	if (got == CTL_REQ_MORE || len > sizeof(req))
		abort();
	check_prefix(s, n < CTL_REQUEST_MAX ? n : CTL_REQUEST_MAX);
	if (got == CTL_REQ_CMD && cmd == CTL_CMD_ASSOCIATIONS)
		check_filter(req, len);
	if (got == CTL_REQ_CMD && cmd == CTL_CMD_CAPTURE)
		check_capture(req, len);
	return 0;
}
