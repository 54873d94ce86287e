/*
 * ctl_proto: command names of the control protocol, shared by sctpalgd
 * (which parses the request line) and sctpalgctl (which checks and
 * expands what the user typed).
 */
#include <errno.h>
#include <string.h>

#include "ctl_proto.h"

static const struct {
	const char *name;
	const char *help;
} ctl_cmds[CTL_CMD__COUNT] = {
#define CTL_CMD_ROW(id, name, help) [CTL_CMD_##id] = { name, help },
	CTL_COMMANDS(CTL_CMD_ROW)
#undef CTL_CMD_ROW
};

const char *ctl_cmd_name(enum ctl_cmd c)
{
	return (unsigned int)c < CTL_CMD__COUNT ? ctl_cmds[c].name : "?";
}

const char *ctl_cmd_help(enum ctl_cmd c)
{
	return (unsigned int)c < CTL_CMD__COUNT ? ctl_cmds[c].help : "";
}

int ctl_cmd_parse(const char *name, size_t n, bool allow_prefix,
		  enum ctl_cmd *out)
{
	unsigned int i, found = CTL_CMD__COUNT, matches = 0;

	while (n > 0 && (name[n - 1] == '\n' || name[n - 1] == '\r' ||
			 name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -EINVAL;
	for (i = 0; i < CTL_CMD__COUNT; i++) {
		if (strlen(ctl_cmds[i].name) == n &&
		    memcmp(ctl_cmds[i].name, name, n) == 0) {
			*out = (enum ctl_cmd)i;
			return 0;
		}
		if (allow_prefix && strncmp(ctl_cmds[i].name, name, n) == 0 &&
		    memchr(name, '\0', n) == NULL) {
			found = i;
			matches++;
		}
	}
	if (matches != 1)
		return -EINVAL;
	*out = (enum ctl_cmd)found;
	return 0;
}

enum ctl_req_state ctl_request_parse(const char *buf, size_t len, bool eof,
				     enum ctl_cmd *out)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n;

	if (nl) {
		n = (size_t)(nl - buf);
	} else if (len >= CTL_REQUEST_MAX) {
		return CTL_REQ_TOO_LONG;
	} else if (!eof) {
		return CTL_REQ_MORE;
	} else if (len == 0) {
		return CTL_REQ_EMPTY;
	} else {
		n = len;
	}
	return ctl_request_cmd(buf, n, out) < 0 ? CTL_REQ_UNKNOWN : CTL_REQ_CMD;
}

/* Where the arguments of the line's first word start (n if none). */
static size_t ctl_args_at(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && line[i] != ' ' && line[i] != '\t')
		i++;
	return i;
}

static bool ctl_blank(const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 0;
}

int ctl_request_cmd(const char *line, size_t n, enum ctl_cmd *out)
{
	size_t w = ctl_args_at(line, n);
	enum ctl_cmd cmd;

	if (ctl_cmd_parse(line, w == n ? n : w, false, &cmd) < 0)
		return -EINVAL;
	/* Only "associations" and "capture" take arguments. */
	if (cmd != CTL_CMD_ASSOCIATIONS && cmd != CTL_CMD_CAPTURE &&
	    !ctl_blank(line + w, n - w))
		return -EINVAL;
	*out = cmd;
	return 0;
}

size_t ctl_request_args(const char *buf, size_t len, const char **args)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	size_t w = ctl_args_at(buf, n);

	*args = buf + w;
	return n - w;
}
