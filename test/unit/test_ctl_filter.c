/*
 * Unit tests for ctl_filter, the selection of "sctpalgctl associations":
 * every key parses and selects what it names, all keys must match, and
 * the parser refuses (with a sentence) unknown keys, repeated keys,
 * missing and invalid values, over-long words, and bytes after NUL; the
 * request line keeps arguments for associations only.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ctl_filter.h"
#include "ctl_proto.h"

static struct engine_assoc_view v;

static const char *names(void *arg, unsigned int i)
{
	(void)arg;
	return i == 0 ? "isp1" : i == 1 ? "isp2" : NULL;
}

static void setup(void)
{
	memset(&v, 0, sizeof(v));
	v.state = ASSOC_ESTABLISHED;
	v.inside_port = 5000;
	v.public_port = 6000;
	v.peer_port = 80;
	v.n_locals = 1;
	nat_addr_parse(&v.locals[0].inside, "192.168.1.10");
	nat_addr_parse(&v.locals[0].public_, "198.51.100.1");
	v.locals[0].uplink = 0;
	v.n_paths = 2;
	nat_addr_parse(&v.paths[0].peer, "198.51.100.100");
	v.paths[0].uplink = 0;
	nat_addr_parse(&v.paths[1].peer, "2001:db8::100");
	v.paths[1].uplink = 1;
}

TestSuite(ctl_filter, .init = setup);

static bool sel(const char *s)
{
	struct ctl_filter f;
	char why[160] = "";

	cr_assert_eq(ctl_filter_parse(s, strlen(s), &f, why, sizeof(why)), 0,
		     "%s: %s", s, why);
	return ctl_filter_match(&f, &v, names, NULL);
}

static void refused(const char *s, size_t n, const char *because)
{
	struct ctl_filter f;
	char why[160] = "";

	cr_assert_eq(ctl_filter_parse(s, n, &f, why, sizeof(why)), -EINVAL,
		     "accepted: %s", s);
	cr_assert(strstr(why, because), "%s: said %s", s, why);
}

Test(ctl_filter, each_key_selects)
{
	cr_assert(sel(""));
	cr_assert(sel("   \t "));
	cr_assert(sel("inside 192.168.1.10"));
	cr_assert_not(sel("inside 192.168.1.11"));
	cr_assert(sel("public 198.51.100.1"));
	cr_assert_not(sel("public 192.168.1.10"), "inside is not public");
	cr_assert(sel("peer 198.51.100.100"));
	cr_assert(sel("peer 2001:db8::100"));
	cr_assert_not(sel("peer 198.51.100.1"));
	cr_assert(sel("port 5000") && sel("port 6000") && sel("port 80"));
	cr_assert_not(sel("port 81"));
	cr_assert(sel("state established") && sel("state ESTABLISHED"));
	cr_assert_not(sel("state cookie-wait"));
	cr_assert(sel("uplink isp1") && sel("uplink isp2"));
	cr_assert_not(sel("uplink isp3"));
}

Test(ctl_filter, all_keys_must_match)
{
	cr_assert(sel("peer 198.51.100.100 state established uplink isp1"));
	cr_assert(sel("\tpeer  198.51.100.100\t\tport 80 "));
	cr_assert_not(sel("peer 198.51.100.100 state shutdown"));
	cr_assert_not(sel("inside 192.168.1.10 uplink isp9"));
}

Test(ctl_filter, refuses)
{
	refused("peer", 4, "needs a value");
	refused("peer   ", 7, "needs a value");
	refused("bogus 1", 7, "unknown key bogus");
	refused("peerx 1.2.3.4", 13, "unknown key");
	refused("port 1 port 2", 13, "given twice");
	refused("port 0", 6, "invalid value for port");
	refused("port 65536", 10, "invalid value for port");
	refused("port -1", 7, "invalid value for port");
	refused("port 80x", 8, "invalid value for port");
	refused("port +80", 8, "invalid value for port");
	refused("peer 300.1.1.1", 14, "invalid value for peer");
	refused("inside example.com", 18, "invalid value for inside");
	refused("state up", 8, "invalid value for state");
	refused("uplink aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 47,
		"invalid value for uplink");
	/* A NUL inside the request: the words end where the bytes do. */
	refused("peer 1.2.3.4\0 x", 15, "invalid value for peer");
	refused("po\0t 80", 7, "unknown key");
}

Test(ctl_filter, request_line_arguments)
{
	enum ctl_cmd cmd;
	const char *args;
	char req[] = "associations peer 198.51.100.100 state established\n"
		     "ignored";
	size_t n;

	cr_assert_eq(ctl_request_parse(req, sizeof(req) - 1, false, &cmd),
		     CTL_REQ_CMD);
	cr_assert_eq(cmd, CTL_CMD_ASSOCIATIONS);
	n = ctl_request_args(req, sizeof(req) - 1, &args);
	cr_assert_eq(n, strlen(" peer 198.51.100.100 state established"));
	cr_assert_eq(memcmp(args, " peer", 5), 0);
	/* Other commands take none; blanks and CR are not arguments. */
	cr_assert_eq(ctl_request_parse("stats x\n", 8, false, &cmd),
		     CTL_REQ_UNKNOWN);
	cr_assert_eq(ctl_request_parse("stats \r\n", 8, false, &cmd),
		     CTL_REQ_CMD);
	cr_assert_eq(ctl_request_parse("assoc peer x\n", 13, false, &cmd),
		     CTL_REQ_UNKNOWN, "no abbreviations on the wire");
	cr_assert_eq(ctl_request_args("version\n", 8, &args), 0);
}
