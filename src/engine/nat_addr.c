/*
 * nat_addr: parsing, printing, classification and hashing of the
 * engine's family-tagged address values (see nat_addr.h).
 *
 * Parsing is strict because its input is configuration: a prefix must
 * name its length and have no host bits set, so a typo such as
 * 10.0.0.1/8 is reported rather than silently widened.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "nat_addr.h"

bool nat_addr_is_any(const struct nat_addr *a)
{
	static const uint8_t zero[16];

	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	return memcmp(a->bytes, zero, nat_addr_len(a)) == 0;
}

/*
 * Addresses no NAT binding can give meaning to beyond this box: loopback
 * (127/8, ::1), unspecified (0.0.0.0, ::) and IPv6 link-local fe80::/10
 * (RFC 4291 2.5.6: never forwarded).  An unset value counts too, so a
 * caller never advertises an address it failed to fill.
 */
bool nat_addr_is_unroutable(const struct nat_addr *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };

	switch (a->family) {
	case AF_INET:
		return a->bytes[0] == 127 || nat_addr_is_any(a);
	case AF_INET6:
		if (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80)
			return true;
		return memcmp(a->bytes, loop6, 16) == 0 || nat_addr_is_any(a);
	default:
		return true;
	}
}

/*
 * The first `bits` (0..64) of a word read big-endian: network order puts
 * an address's first bit at the top.
 */
static inline uint64_t prefix_mask64(unsigned int bits)
{
	return bits == 0 ? 0 : ~UINT64_C(0) << (64 - bits);
}

/*
 * Every INIT from inside is mapped through the configured inside nets
 * (addr_map.c, addr_map_inside_net), so this is two masked word
 * comparisons rather than a memcmp call and a byte loop.  An IPv4 prefix
 * is at most 32 bits long: only the top half of the first word counts,
 * whatever the (zero) bytes after the address hold.
 */
bool nat_prefix_contains(const struct nat_prefix *p, const struct nat_addr *a)
{
	unsigned int bits = p->len;
	uint64_t x0, x1, y0, y1, m0, m1;

	if (p->addr.family != a->family ||
	    (a->family != AF_INET && a->family != AF_INET6))
		return false;
	if (bits > 8 * nat_addr_len(a))
		return false;
	memcpy(&x0, p->addr.bytes, 8);
	memcpy(&x1, p->addr.bytes + 8, 8);
	memcpy(&y0, a->bytes, 8);
	memcpy(&y1, a->bytes + 8, 8);
	m0 = prefix_mask64(bits < 64 ? bits : 64);
	m1 = prefix_mask64(bits > 64 ? bits - 64 : 0);
	return ((be64toh(x0 ^ y0) & m0) | (be64toh(x1 ^ y1) & m1)) == 0;
}

int nat_addr_parse(struct nat_addr *a, const char *s)
{
	uint8_t buf[16];

	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, buf) == 1) {
		nat_addr_from_v4(a, buf);
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		nat_addr_from_v6(a, buf);
		return 0;
	}
	return -EINVAL;
}

/* Decimal 0..max, digits only (no sign, no blanks); -1 if not. */
static int parse_prefix_len(const char *s, unsigned int max)
{
	unsigned int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > max)
			return -1;
	}
	return (int)v;
}

/* Are all bits of a from bit len onward zero? */
static bool host_bits_zero(const struct nat_addr *a, unsigned int len)
{
	unsigned int i = len / 8, rest = len % 8;

	if (rest != 0) {
		if ((a->bytes[i] & (0xff >> rest)) != 0)
			return false;
		i++;
	}
	for (; i < sizeof(a->bytes); i++)
		if (a->bytes[i] != 0)
			return false;
	return true;
}

int nat_prefix_parse(struct nat_prefix *p, const char *s)
{
	char text[NAT_ADDR_STRLEN];
	struct nat_addr a;
	const char *slash;
	size_t alen;
	int len;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (nat_addr_parse(&a, text) != 0)
		return -EINVAL;
	len = parse_prefix_len(slash + 1, 8 * (unsigned int)nat_addr_len(&a));
	if (len < 0)
		return -EINVAL;
	if (!host_bits_zero(&a, (unsigned int)len))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->addr = a;
	p->len = (uint8_t)len;
	return 0;
}

const char *nat_addr_str(const struct nat_addr *a, char *buf, size_t len)
{
	char text[NAT_ADDR_STRLEN];

	if (len == 0)
		return buf;
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->bytes, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "unset");
	snprintf(buf, len, "%s", text);
	return buf;
}
