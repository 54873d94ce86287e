/*
 * Unit tests for nat_addr: parse / print round trips, strict prefix
 * parsing (lengths, host bits), prefix membership at the edges, the
 * unroutable scopes, and the hash's basic spread.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "nat_addr.h"

static struct nat_addr addr(const char *s)
{
	struct nat_addr a;

	cr_assert_eq(nat_addr_parse(&a, s), 0, "parse %s", s);
	return a;
}

static struct nat_prefix prefix(const char *s)
{
	struct nat_prefix p;

	cr_assert_eq(nat_prefix_parse(&p, s), 0, "parse %s", s);
	return p;
}

/* Canonical text prints back unchanged. */
Test(nat_addr, round_trip_canonical)
{
	static const char *const in[] = {
		"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.1.2.3",
		"2001:db8::1", "::", "::1", "fe80::1", "2001:db8:1:2:3:4:5:6",
		"::ffff:192.0.2.1", "ff02::1:ff00:1",
	};
	char buf[NAT_ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct nat_addr a = addr(in[i]), b;

		cr_assert_str_eq(nat_addr_str(&a, buf, sizeof(buf)), in[i]);
		b = addr(buf);
		cr_assert(nat_addr_eq(&a, &b), "%s", in[i]);
	}
}

Test(nat_addr, parse_fills_family_and_zeroes_the_rest)
{
	struct nat_addr a, b;
	char buf[NAT_ADDR_STRLEN];
	static const uint8_t v4[4] = { 192, 0, 2, 1 };

	memset(&a, 0xa5, sizeof(a));
	cr_assert_eq(nat_addr_parse(&a, "192.0.2.1"), 0);
	nat_addr_from_v4(&b, v4);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(nat_addr_len(&a), 4);

	memset(&a, 0xa5, sizeof(a));
	cr_assert_eq(nat_addr_parse(&a, "2001:DB8:0:0:0::1"), 0);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_eq(nat_addr_len(&a), 16);
	nat_addr_from_v6(&b, a.bytes);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_str_eq(nat_addr_str(&a, buf, sizeof(buf)), "2001:db8::1");
}

Test(nat_addr, parse_rejects_and_leaves_output_alone)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", " 1.2.3.4", "1.2.3.4 ",
		"1.2.3.4/32", "fe80::1%eth0", "2001:db8::1::2", "2001:db8:::1",
		"12345::", "localhost", "0x7f.0.0.1", ":::",
	};
	struct nat_addr a, keep;
	size_t i;

	memset(&keep, 0x5a, sizeof(keep));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = keep;
		cr_assert_eq(nat_addr_parse(&a, bad[i]), -EINVAL, "'%s'",
			     bad[i]);
		cr_assert_eq(memcmp(&a, &keep, sizeof(a)), 0, "'%s'", bad[i]);
	}
	cr_assert_eq(nat_addr_parse(&a, NULL), -EINVAL);
}

Test(nat_addr, str_truncates_and_handles_unset)
{
	struct nat_addr a = addr("2001:db8::abcd");
	struct nat_addr unset;
	char buf[NAT_ADDR_STRLEN];
	char small[6];

	memset(small, 'x', sizeof(small));
	cr_assert_eq(nat_addr_str(&a, small, sizeof(small)), small);
	cr_assert_str_eq(small, "2001:");
	memset(&unset, 0, sizeof(unset));
	cr_assert_str_eq(nat_addr_str(&unset, buf, sizeof(buf)), "unset");
	/* len 0 writes nothing. */
	small[0] = 'x';
	nat_addr_str(&a, small, 0);
	cr_assert_eq(small[0], 'x');
}

Test(nat_prefix, parse_valid)
{
	struct nat_prefix p;
	char buf[NAT_ADDR_STRLEN];

	p = prefix("10.0.0.0/8");
	cr_assert_eq(p.len, 8);
	cr_assert_str_eq(nat_addr_str(&p.addr, buf, sizeof(buf)), "10.0.0.0");
	cr_assert_eq(prefix("0.0.0.0/0").len, 0);
	cr_assert_eq(prefix("::/0").len, 0);
	cr_assert_eq(prefix("192.0.2.1/32").len, 32);
	cr_assert_eq(prefix("2001:db8::1/128").len, 128);
	cr_assert_eq(prefix("2001:db8::/32").len, 32);
	cr_assert_eq(prefix("10.128.0.0/9").len, 9);
	cr_assert_eq(prefix("2001:db8:8000::/33").len, 33);
	cr_assert_eq(prefix("fe80::/10").len, 10);
	cr_assert_eq(prefix("192.0.2.254/31").len, 31);
}

Test(nat_prefix, parse_rejects)
{
	static const char *const bad[] = {
		"10.0.0.1/8",		/* host bits set */
		"10.64.0.0/9",
		"192.0.2.1/31",
		"2001:db8:4000::/33",
		"2001:db8::1/127",
		"0.0.0.1/0",
		"::1/0",
		"10.0.0.0/33",		/* too long */
		"::/129",
		"10.0.0.0/4294967304",	/* overflow attempt */
		"10.0.0.0/",		/* malformed length */
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/8x",
		"10.0.0.0/ 8",
		"10.0.0.0/8/8",
		"/8",
		"10.0.0.0",		/* length required */
		"2001:db8::",
		"10.0.0/8",
		"2001:db8:0:0:0:0:0:0:0:0:0:0:0:0/64",	/* longer than fits */
		"",
	};
	struct nat_prefix p, keep;
	size_t i;

	memset(&keep, 0x5a, sizeof(keep));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = keep;
		cr_assert_eq(nat_prefix_parse(&p, bad[i]), -EINVAL, "'%s'",
			     bad[i]);
		cr_assert_eq(memcmp(&p, &keep, sizeof(p)), 0, "'%s'", bad[i]);
	}
	cr_assert_eq(nat_prefix_parse(&p, NULL), -EINVAL);
}

Test(nat_prefix, contains_edges)
{
	struct nat_prefix p8 = prefix("10.0.0.0/8");
	struct nat_prefix p0 = prefix("0.0.0.0/0");
	struct nat_prefix p0v6 = prefix("::/0");
	struct nat_prefix h32 = prefix("192.0.2.1/32");
	struct nat_prefix h128 = prefix("2001:db8::1/128");
	struct nat_prefix p9 = prefix("10.128.0.0/9");
	struct nat_prefix p33 = prefix("2001:db8:8000::/33");
	struct nat_addr a;

	cr_assert(nat_prefix_contains(&p8, (a = addr("10.0.0.0"), &a)));
	cr_assert(nat_prefix_contains(&p8, (a = addr("10.255.255.255"), &a)));
	cr_assert_not(nat_prefix_contains(&p8, (a = addr("11.0.0.0"), &a)));
	cr_assert_not(nat_prefix_contains(&p8, (a = addr("9.255.255.255"),
						&a)));
	/* Never across families, not even the IPv4-mapped form. */
	cr_assert_not(nat_prefix_contains(&p8, (a = addr("::ffff:10.0.0.1"),
						&a)));
	cr_assert_not(nat_prefix_contains(&p0, (a = addr("::"), &a)));
	cr_assert_not(nat_prefix_contains(&p0v6, (a = addr("0.0.0.0"), &a)));
	cr_assert(nat_prefix_contains(&p0, (a = addr("203.0.113.9"), &a)));
	cr_assert(nat_prefix_contains(&p0, (a = addr("255.255.255.255"),
					    &a)));
	cr_assert(nat_prefix_contains(&p0v6, (a = addr("2001:db8::5"), &a)));
	cr_assert(nat_prefix_contains(&h32, (a = addr("192.0.2.1"), &a)));
	cr_assert_not(nat_prefix_contains(&h32, (a = addr("192.0.2.0"), &a)));
	cr_assert_not(nat_prefix_contains(&h32, (a = addr("192.0.2.3"), &a)));
	cr_assert(nat_prefix_contains(&h128, (a = addr("2001:db8::1"), &a)));
	cr_assert_not(nat_prefix_contains(&h128, (a = addr("2001:db8::0"),
						  &a)));
	cr_assert_not(nat_prefix_contains(&h128, (a = addr("2001:db8::3"),
						  &a)));
	cr_assert(nat_prefix_contains(&p9, (a = addr("10.128.0.1"), &a)));
	cr_assert(nat_prefix_contains(&p9, (a = addr("10.255.0.1"), &a)));
	cr_assert_not(nat_prefix_contains(&p9, (a = addr("10.127.255.255"),
						&a)));
	cr_assert(nat_prefix_contains(&p33, (a = addr("2001:db8:ffff::1"),
					     &a)));
	cr_assert_not(nat_prefix_contains(&p33, (a = addr("2001:db8:7fff::1"),
						 &a)));
	/* An unset address is in no prefix. */
	memset(&a, 0, sizeof(a));
	cr_assert_not(nat_prefix_contains(&p0, &a));
}

/* The first bits of x and y agree, one bit at a time. */
static bool ref_contains(const struct nat_prefix *p, const struct nat_addr *a)
{
	if (p->addr.family != a->family ||
	    (a->family != AF_INET && a->family != AF_INET6) ||
	    p->len > 8 * nat_addr_len(a))
		return false;
	for (unsigned int i = 0; i < p->len; i++) {
		unsigned int byte = i / 8, shift = 7 - i % 8;

		if ((p->addr.bytes[byte] >> shift & 1) !=
		    (a->bytes[byte] >> shift & 1))
			return false;
	}
	return true;
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * An address for prefix p in one of three ways: wholly random (kind 0),
 * p's own bytes with one random bit flipped (1), or p's own bytes (2).
 */
static void addr_for(const struct nat_prefix *p, unsigned int nbytes,
		     unsigned int kind, uint64_t *seed, struct nat_addr *a)
{
	unsigned int flip;

	memset(a, 0, sizeof(*a));
	a->family = p->addr.family;
	if (kind == 0) {
		for (unsigned int i = 0; i < nbytes; i++)
			a->bytes[i] = (uint8_t)xorshift64(seed);
		return;
	}
	memcpy(a->bytes, p->addr.bytes, nbytes);
	flip = (unsigned int)(xorshift64(seed) % (8 * nbytes));
	if (kind == 1)
		a->bytes[flip / 8] ^= (uint8_t)(0x80 >> flip % 8);
}

/*
 * The word-wise comparison against the bit-by-bit one, every prefix
 * length of both families: random prefixes (host bits too, which the
 * comparison must ignore), addresses that agree with them up to a
 * random bit and then differ in it, and wholly random ones.
 */
Test(nat_prefix, contains_matches_reference)
{
	static const uint8_t fams[2] = { AF_INET, AF_INET6 };
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned int hits = 0, misses = 0;

	for (unsigned int f = 0; f < 2; f++) {
		unsigned int nbytes = fams[f] == AF_INET ? 4 : 16;

		for (unsigned int len = 0; len <= 8 * nbytes; len++) {
			for (unsigned int round = 0; round < 200; round++) {
				struct nat_prefix p;
				struct nat_addr a;
				bool want;

				memset(&p, 0, sizeof(p));
				p.addr.family = fams[f];
				p.len = (uint8_t)len;
				for (unsigned int i = 0; i < nbytes; i++)
					p.addr.bytes[i] =
						(uint8_t)xorshift64(&seed);
				addr_for(&p, nbytes, round % 3, &seed, &a);
				want = ref_contains(&p, &a);
				cr_assert_eq(nat_prefix_contains(&p, &a), want,
					     "family %u len %u round %u",
					     fams[f], len, round);
				want ? hits++ : misses++;
			}
		}
	}
	/* Both answers were exercised. */
	cr_assert_gt(hits, 1000);
	cr_assert_gt(misses, 1000);
}

Test(nat_addr, is_any)
{
	struct nat_addr a;

	cr_assert(nat_addr_is_any((a = addr("0.0.0.0"), &a)));
	cr_assert(nat_addr_is_any((a = addr("::"), &a)));
	cr_assert_not(nat_addr_is_any((a = addr("0.0.0.1"), &a)));
	cr_assert_not(nat_addr_is_any((a = addr("::1"), &a)));
	cr_assert_not(nat_addr_is_any((a = addr("8000::"), &a)));
	cr_assert_not(nat_addr_is_any((a = addr("0:0:0:1::"), &a)));
	cr_assert_not(nat_addr_is_any((a = addr("0.0.1.0"), &a)));
	memset(&a, 0, sizeof(a));
	cr_assert_not(nat_addr_is_any(&a));
}

Test(nat_addr, is_unroutable)
{
	static const char *const yes[] = {
		"127.0.0.1", "127.0.0.0", "127.255.255.255", "0.0.0.0",
		"::1", "::", "fe80::1", "fe80::", "febf:ffff:ffff:ffff::1",
		"fe80::5054:ddff:fe93:cb",
	};
	static const char *const no[] = {
		"126.255.255.255", "128.0.0.1",	   "10.0.0.1",	  "192.168.1.1",
		"192.0.2.1",	   "0.0.0.1",	   "2001:db8::1", "::2",
		"fec0::1",	   "fe7f:ffff::1", "fc00::1",	  "ff02::1",
		"::ffff:10.0.0.1", "::3",	   "::100",	  "1::1",
		"::1:0:0:0:1",
	};
	struct nat_addr a;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_assert(nat_addr_is_unroutable((a = addr(yes[i]), &a)),
			  "%s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_not(nat_addr_is_unroutable((a = addr(no[i]), &a)),
			      "%s", no[i]);
	memset(&a, 0, sizeof(a));
	cr_assert(nat_addr_is_unroutable(&a), "unset");
}

Test(nat_addr, hash_depends_on_value_family_and_seed)
{
	struct nat_addr a = addr("192.0.2.1"), b = addr("192.0.2.1");
	struct nat_addr v6;
	static const uint8_t same_bytes[16] = { 192, 0, 2, 1 };

	nat_addr_from_v6(&v6, same_bytes);
	cr_assert_eq(nat_addr_hash(&a, 1), nat_addr_hash(&b, 1));
	cr_assert_neq(nat_addr_hash(&a, 1), nat_addr_hash(&a, 2));
	cr_assert_neq(nat_addr_hash(&a, 1), nat_addr_hash(&v6, 1));
	b = addr("192.0.2.2");
	cr_assert_neq(nat_addr_hash(&a, 1), nat_addr_hash(&b, 1));
}

/*
 * Sequential addresses (the typical inside network) must spread over
 * buckets: 65536 addresses, 256 buckets, expect 256 each.  A
 * reasonable hash lands every bucket well within [128, 384]; an
 * identity-like one fails by a wide margin.
 */
static void check_spread(int family, uint32_t seed)
{
	static unsigned int bucket[256];
	struct nat_addr a;
	uint8_t bytes[16];
	unsigned int i, min = ~0u, max = 0;

	memset(bucket, 0, sizeof(bucket));
	for (i = 0; i < 65536; i++) {
		memset(bytes, 0, sizeof(bytes));
		if (family == AF_INET) {
			bytes[0] = 10;
			bytes[2] = (uint8_t)(i >> 8);
			bytes[3] = (uint8_t)i;
			nat_addr_from_v4(&a, bytes);
		} else {
			bytes[0] = 0x20;
			bytes[1] = 0x01;
			bytes[2] = 0x0d;
			bytes[3] = 0xb8;
			bytes[14] = (uint8_t)(i >> 8);
			bytes[15] = (uint8_t)i;
			nat_addr_from_v6(&a, bytes);
		}
		/* Low bits, as a power-of-two table would use them. */
		bucket[nat_addr_hash(&a, seed) & 0xff]++;
	}
	for (i = 0; i < 256; i++) {
		if (bucket[i] < min)
			min = bucket[i];
		if (bucket[i] > max)
			max = bucket[i];
	}
	cr_assert(min >= 128 && max <= 384, "family %d seed %u: %u..%u",
		  family, seed, min, max);
}

Test(nat_addr, hash_spreads_sequential_addresses)
{
	check_spread(AF_INET, 0);
	check_spread(AF_INET, 0x12345678);
	check_spread(AF_INET6, 0);
	check_spread(AF_INET6, 0xdeadbeef);
}

/* Flipping one input bit flips about half the output bits. */
Test(nat_addr, hash_avalanche)
{
	struct nat_addr a = addr("2001:db8::1"), b;
	unsigned int bit, flips = 0;

	for (bit = 0; bit < 128; bit++) {
		b = a;
		b.bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flips += (unsigned int)__builtin_popcount(
			nat_addr_hash(&a, 7) ^ nat_addr_hash(&b, 7));
	}
	/* 128 * 16 expected; a weak mix stays far below. */
	cr_assert(flips > 128 * 13 && flips < 128 * 19, "%u", flips);
}
