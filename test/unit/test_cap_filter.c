/*
 * Unit tests for cap_filter, the request and packet filter of
 * "sctpalgctl capture": defaults, every word parsed, every mistake
 * refused with a sentence; host, port and vtag each select what they
 * name on IPv4 and IPv6 SCTP packets, all keys must match, and port and
 * vtag never match what has no SCTP common header.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cap_filter.h"
#include "pkt_build.h"
#include "sctp_wire.h"

static struct pb p4, p6, icmp;

static void setup(void)
{
	pb_ip4(&p4, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p4, 5000, 5001, 0x1a2b3c4d);
	pb_data(&p4, 1, 0, "hello", 5);
	pb_finish(&p4);
	pb_ip6(&p6, "2001:db8::10", "2001:db8:1::100");
	pb_sctp(&p6, 6000, 5001, 0xdeadbeef);
	pb_sack(&p6, 7);
	pb_finish(&p6);
	pb_icmp4_error(&icmp, "198.51.100.1", "192.168.1.10", 3, 4, 1400,
		       p4.buf, p4.len);
}

TestSuite(cap_filter, .init = setup);

static struct cap_req parse(const char *s)
{
	struct cap_req r;
	char why[160] = "";

	cr_assert_eq(cap_req_parse(s, strlen(s), &r, why, sizeof(why)), 0,
		     "%s: %s", s, why);
	return r;
}

static bool sel(const char *s, const struct pb *p)
{
	struct cap_req r = parse(s);

	return cap_filter_match(&r.filter, p->buf, p->len);
}

static void refused(const char *s, const char *because)
{
	struct cap_req r;
	char why[160] = "";

	cr_assert_eq(cap_req_parse(s, strlen(s), &r, why, sizeof(why)),
		     -EINVAL, "accepted: %s", s);
	cr_assert(strstr(why, because), "%s: said %s", s, why);
}

Test(cap_filter, defaults)
{
	struct cap_req r = parse("");

	cr_assert_eq(r.n_ifs, 0);
	cr_assert_eq(r.snaplen, CAP_SNAP_MAX);
	cr_assert_eq(r.count, 0);
	cr_assert_eq(r.secs, 0);
	cr_assert_eq(r.rate, CAP_RATE_MAX);
	cr_assert_eq(r.filter.keys, 0);
	cr_assert(cap_filter_match(&r.filter, p4.buf, p4.len));
	cr_assert(cap_filter_match(&r.filter, icmp.buf, icmp.len));
}

Test(cap_filter, words)
{
	struct cap_req r = parse(" if wan1 if lan0\tsnap 128 count 10 "
				 "secs 5 rate 10 host 198.51.100.100 port 5001 "
				 "vtag 0x1a2b3c4d ");

	cr_assert_eq(r.n_ifs, 2);
	cr_assert_str_eq(r.ifs[0], "wan1");
	cr_assert_str_eq(r.ifs[1], "lan0");
	cr_assert_eq(r.snaplen, 128);
	cr_assert_eq(r.count, 10);
	cr_assert_eq(r.secs, 5);
	cr_assert_eq(r.rate, 10);
	cr_assert_eq(r.filter.keys, CAP_F_HOST | CAP_F_PORT | CAP_F_VTAG);
	cr_assert_eq(r.filter.port, 5001);
	cr_assert_eq(r.filter.vtag, 0x1a2b3c4d);
	cr_assert_eq(parse("vtag 439041101").filter.vtag, 0x1a2b3c4d);
}

Test(cap_filter, mistakes)
{
	refused("bogus 1", "unknown capture filter key bogus");
	refused("host", "host needs a value");
	refused("host 300.1.1.1", "not an IP address");
	refused("host 1.2.3.4 host 1.2.3.5", "given twice");
	refused("port 0", "1 to 65535");
	refused("port 65536", "1 to 65535");
	refused("port 5x", "1 to 65535");
	refused("vtag 0x100000000", "32-bit");
	refused("vtag -1", "32-bit");
	refused("snap 10", "64 to 65535");
	refused("snap 65536", "64 to 65535");
	refused("count 0", "1 or more");
	refused("secs 86401", "1 to 86400");
	refused("rate 0", "1 to 50000");
	refused("rate 50001", "1 to 50000");
	refused("if wan1 if wan1", "given twice");
	refused("if averyveryverylongname", "too long");
	refused("if a if b if c if d if e if f if g if h if i", "at most 8");
	refused("host 0123456789012345678901234567890123456789"
		"01234567890123456789012345", "too long");
}

Test(cap_filter, nul_is_not_a_word)
{
	struct cap_req r;
	char why[160];

	cr_assert_eq(cap_req_parse("port 50\0 01", 11, &r, why, sizeof(why)),
		     -EINVAL);
}

Test(cap_filter, host)
{
	cr_assert(sel("host 192.168.1.10", &p4), "source");
	cr_assert(sel("host 198.51.100.100", &p4), "destination");
	cr_assert_not(sel("host 198.51.100.1", &p4));
	cr_assert(sel("host 2001:db8:1::100", &p6));
	cr_assert_not(sel("host 198.51.100.100", &p6), "family differs");
	cr_assert(sel("host 198.51.100.1", &icmp), "outer source of ICMP");
}

Test(cap_filter, port_and_vtag)
{
	cr_assert(sel("port 5000", &p4), "source port");
	cr_assert(sel("port 5001", &p4), "destination port");
	cr_assert(sel("port 5001", &p6));
	cr_assert_not(sel("port 6000", &p4));
	cr_assert(sel("vtag 0x1a2b3c4d", &p4));
	cr_assert_not(sel("vtag 0x1a2b3c4e", &p4));
	cr_assert(sel("vtag 0xdeadbeef", &p6));
	cr_assert_not(sel("port 5000", &icmp), "no SCTP header of its own");
	cr_assert_not(sel("vtag 0x1a2b3c4d", &icmp));
}

Test(cap_filter, every_key_must_match)
{
	cr_assert(sel("host 192.168.1.10 port 5001 vtag 0x1a2b3c4d", &p4));
	cr_assert_not(sel("host 192.168.1.10 port 5002", &p4));
	cr_assert_not(sel("host 192.168.1.11 port 5001", &p4));
	cr_assert_not(sel("port 5001 vtag 1", &p4));
}

Test(cap_filter, truncated_packets)
{
	struct cap_req r = parse("port 5001");

	cr_assert_not(cap_filter_match(&r.filter, p4.buf, 20 + 8),
		      "common header cut");
	cr_assert_not(cap_filter_match(&r.filter, p4.buf, 10));
	r = parse("host 192.168.1.10");
	cr_assert_not(cap_filter_match(&r.filter, p4.buf, 10));
}
