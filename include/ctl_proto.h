/*
 * ctl_proto: what sctpalgd and sctpalgctl agree on about the control
 * socket.  Compiled into both programs.
 *
 * The protocol: a Unix stream socket; the client sends one command line
 * ("stats\n"), the daemon answers with one JSON object and a newline and
 * closes the connection.  Every answer has "ok" (true/false); a false one
 * has "error" (a sentence).  The command's own members follow; see
 * sctpalgctl(8) for each document's shape.
 */
#ifndef SCTPALG_CTL_PROTO_H
#define SCTPALG_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#ifndef SCTPALG_VERSION
#define SCTPALG_VERSION	"0.1"
#endif

#define CTL_SOCKET_DEFAULT	"/run/sctpalg/sctpalgd.sock"
/* Longest command line, newline included. */
#define CTL_REQUEST_MAX		256

#define CTL_COMMANDS(X)							\
	X(ASSOCIATIONS,	"associations",	"list associations")		\
	X(STATS,	"stats",	"show counters")		\
	X(RELOAD,	"reload",	"reload the configuration")	\
	X(FLUSH,	"flush",	"remove every association")	\
	X(VERSION,	"version",	"show the daemon's version")	\
	X(MONITOR,	"monitor",	"stream association and drop events") \
	X(CAPTURE,	"capture",	"capture packets to a pcapng file")

enum ctl_cmd {
#define CTL_CMD_ENUM(id, name, help) CTL_CMD_##id,
	CTL_COMMANDS(CTL_CMD_ENUM)
#undef CTL_CMD_ENUM
	CTL_CMD__COUNT
};

const char *ctl_cmd_name(enum ctl_cmd c);
const char *ctl_cmd_help(enum ctl_cmd c);
/*
 * The command named by name (n bytes, not NUL-terminated; trailing
 * "\r\n" and blanks are ignored).  With allow_prefix, a unique
 * abbreviation ("assoc") is accepted too.  0, or -EINVAL for an unknown
 * or ambiguous name.
 */
int ctl_cmd_parse(const char *name, size_t n, bool allow_prefix,
		  enum ctl_cmd *out);

/* Where a request stands after the bytes received so far. */
enum ctl_req_state {
	CTL_REQ_MORE,		/* no whole line yet: read on */
	CTL_REQ_EMPTY,		/* the client closed without a byte */
	CTL_REQ_CMD,		/* a command line: *out is set */
	CTL_REQ_UNKNOWN,	/* a line that names no command */
	CTL_REQ_TOO_LONG,	/* CTL_REQUEST_MAX bytes and no newline */
};

/*
 * The daemon's reading of a request: buf holds the len bytes received
 * (at most CTL_REQUEST_MAX), eof says the client has shut its side.  A
 * request is the first line; without a newline, what came before eof.
 * Bytes after the newline are ignored.
 */
enum ctl_req_state ctl_request_parse(const char *buf, size_t len, bool eof,
				     enum ctl_cmd *out);
/*
 * A request line's command (n bytes, no newline): its first word must
 * name one exactly; only "associations" (its filter, ctl_filter.h) and
 * "capture" (cap_filter.h) may have more words after it.  0, or -EINVAL.
 */
int ctl_request_cmd(const char *line, size_t n, enum ctl_cmd *out);
/* The arguments of the request in buf (after the command word, to the
 * newline or len): *args and their length, 0 if none. */
size_t ctl_request_args(const char *buf, size_t len, const char **args);

#endif
