/*
 * nat_addr: one IPv4 or IPv6 address in a fixed-size, comparable form.
 *
 * The engine keeps addresses of both families in the same arrays (an
 * association may have IPv4 and IPv6 paths), so one 17-byte value with the
 * family in front lets lists be searched with memcmp and copied by value.
 * IPv4 lives in bytes[0..3]; the unused bytes are always zero so that two
 * equal addresses are equal byte for byte.  Byte-aligned and without
 * padding: an association's bindings and the port bindings hold several.
 */
#ifndef SCTPALG_NAT_ADDR_H
#define SCTPALG_NAT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct nat_addr {
	uint8_t family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16];
};

struct nat_prefix {
	struct nat_addr addr;	/* host bits zero */
	uint8_t len;		/* prefix length in bits */
};

#define NAT_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */

static inline size_t nat_addr_len(const struct nat_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

/* The memcmp of all 17 bytes, in two overlapping loads each: compilers
 * call memcmp for this size, and every packet compares several. */
static inline bool nat_addr_eq(const struct nat_addr *a,
			       const struct nat_addr *b)
{
	uint64_t a0, a1, b0, b1;

	_Static_assert(sizeof(*a) == 17, "nat_addr is 17 bytes");
	memcpy(&a0, a, 8);
	memcpy(&a1, (const uint8_t *)a + 9, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, (const uint8_t *)b + 9, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static inline void nat_addr_from_v4(struct nat_addr *a, const void *be4)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->bytes, be4, 4);
}

static inline void nat_addr_from_v6(struct nat_addr *a, const void *be16)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->bytes, be16, 16);
}

/* 0.0.0.0 or :: (the natsupp "wildcard" address in ASCONF). */
bool nat_addr_is_any(const struct nat_addr *a);
/* Scopes that can never be made public: IPv6 link-local, loopback. */
bool nat_addr_is_unroutable(const struct nat_addr *a);
bool nat_prefix_contains(const struct nat_prefix *p, const struct nat_addr *a);
/* Parse "192.0.2.1" / "2001:db8::1"; 0 or -EINVAL. */
int nat_addr_parse(struct nat_addr *a, const char *s);
/* Parse "10.0.0.0/8"; host bits must be zero; 0 or -EINVAL. */
int nat_prefix_parse(struct nat_prefix *p, const char *s);
/* Always NUL-terminates; returns buf. */
const char *nat_addr_str(const struct nat_addr *a, char *buf, size_t len);
/*
 * Table hashing: the seed is per table and random, so a peer cannot aim
 * addresses at one bucket.  Each 64-bit word goes through a multiply and
 * xor-shift round (the golden-ratio constant), and the result through
 * the splitmix64 finaliser so every input bit reaches the low 32 bits.
 * Inline: a new association hashes addresses some seventeen times, in the
 * table's indexes, the port bindings and the handshake limits.
 */
static inline uint32_t nat_addr_hash(const struct nat_addr *a, uint32_t seed)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = ((uint64_t)seed << 32 | seed) ^ a->family;
	uint64_t w;
	size_t i;

	for (i = 0; i < sizeof(a->bytes); i += sizeof(w)) {
		memcpy(&w, a->bytes + i, sizeof(w));
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)h;
}

#endif
