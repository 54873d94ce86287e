/*
 * crc32c: CRC32c (Castagnoli) and the SCTP checksum built on it.
 *
 * RFC 9260 appendix A (after RFC 3309) makes CRC32c the SCTP checksum:
 * reflected polynomial 0x82F63B78, register preset to all ones, result
 * inverted, computed over the whole SCTP packet with the checksum field
 * taken as zero, and stored so that the least significant byte of the
 * result comes first on the wire (Linux: cpu_to_le32(~crc)).
 *
 * Two engines: slicing-by-8 over static const tables (eight bytes per
 * step, any CPU), and the SSE4.2 CRC32 instruction, compiled with a
 * per-function target attribute so the file needs no -msse4.2 and the
 * binary still runs on CPUs without it.  crc32c() picks one per call
 * through the compiler's cpu-feature probe, so there is no state here.
 * The incremental port update multiplies in GF(2)[x] / P, with PCLMULQDQ
 * where present and a short table method otherwise.
 *
 * The tables are generated at build time by src/engine/gen_crc32c_table.c
 * (bitwise CRC of each byte for table 0; table k is table k-1 advanced by
 * one zero byte; the powers of x by bitwise multiplication mod P) into
 * build/gen/crc32c_table.h, and the unit tests check them against a
 * bitwise CRC and bitwise polynomial arithmetic.
 */
#include <stdint.h>
#include <string.h>

#include "crc32c.h"
#include "sctp_wire.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>
#define CRC32C_HAVE_SSE42 1
#endif

/*
 * The generated tables (src/engine/gen_crc32c_table.c):
 *
 * crc32c_table[k][n]: register after byte n followed by k zero bytes,
 * starting from a zero register.  Slicing-by-8 folds eight input bytes
 * with one lookup in each table.
 *
 * Powers of x modulo P (reflected) that append zero bytes: multiplying a
 * linear CRC by x^(8n) appends n zero bytes to its message.  Packet
 * lengths are below 2^16, so one entry from each byte-indexed table gives
 * x^(8 * len) with one multiplication: crc32c_zeros_lo[j] = x^(8j),
 * crc32c_zeros_hi[j] = x^(8 * 256j).  crc32c_zeros_pow2[k] =
 * x^(8 * 2^(16 + k)) covers the rest of a size_t, like zlib's x2n_table
 * (the powers of x repeat with period 2^31 - 1, but a table indexed by bit
 * needs no modular reasoning).
 */
#include "gen/crc32c_table.h"

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len >= 8) {
		uint32_t lo = load_le32(p) ^ crc;
		uint32_t hi = load_le32(p + 4);

		crc = crc32c_table[7][lo & 0xff] ^
		      crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^
		      crc32c_table[4][lo >> 24] ^
		      crc32c_table[3][hi & 0xff] ^
		      crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^
		      crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#ifdef CRC32C_HAVE_SSE42
/*
 * One dependent CRC32 per eight bytes: about three cycles per eight
 * bytes.  Three interleaved streams would be faster on long buffers, but
 * full recomputes happen only for rewritten control chunks (small); DATA
 * takes the incremental path.
 */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));	/* unaligned, little-endian */
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	/* The last seven bytes at most: one step each of four, two and one
	 * byte (the instruction's widths read little-endian, as the byte
	 * steps would take them). */
	if (len & 4) {
		uint32_t w;

		memcpy(&w, p, sizeof(w));
		crc = _mm_crc32_u32(crc, w);
		p += 4;
	}
	if (len & 2) {
		uint16_t w;

		memcpy(&w, p, sizeof(w));
		crc = _mm_crc32_u16(crc, w);
		p += 2;
	}
	if (len & 1)
		crc = _mm_crc32_u8(crc, *p);
	return crc;
}

/*
 * The SCTP checksum of a packet longer than its common header, in one
 * call: the ports and tag as one word, the checksum field as a zero
 * word, then the chunks.  Every INIT and every handshake packet is
 * verified in full, and an INIT filled in full after its rewrite.
 */
__attribute__((target("sse4.2"))) static uint32_t
sctp_csum_sse42(const uint8_t *sctp, size_t len)
{
	uint64_t w;
	uint32_t crc;

	_Static_assert(SCTP_OFF_CSUM == 8 && SCTP_HDR_LEN == 12,
		       "ports and tag, then the checksum, in the header");
	memcpy(&w, sctp, sizeof(w));
	crc = (uint32_t)_mm_crc32_u64(~0u, w);
	crc = _mm_crc32_u32(crc, 0);
	return ~crc32c_sse42(crc, sctp + SCTP_HDR_LEN, len - SCTP_HDR_LEN);
}

bool crc32c_hw_available(void)
{
	return __builtin_cpu_supports("sse4.2");
}

/* Safe to call anywhere: without SSE4.2 it is the table version. */
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	if (!crc32c_hw_available())
		return crc32c_sw(crc, buf, len);
	return crc32c_sse42(crc, buf, len);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (crc32c_hw_available())
		return crc32c_sse42(crc, buf, len);
	return crc32c_sw(crc, buf, len);
}
#else
bool crc32c_hw_available(void)
{
	return false;
}

uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}
#endif

uint32_t sctp_csum_compute(const uint8_t *sctp, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = ~0u;

	/*
	 * Callers pass at least the common header; shorter input still gets
	 * a defined value (the bytes present, checksum bytes as zero).
	 */
	if (len <= SCTP_OFF_CSUM)
		return ~crc32c(crc, sctp, len);
#ifdef CRC32C_HAVE_SSE42
	if (len > SCTP_HDR_LEN && crc32c_hw_available())
		return sctp_csum_sse42(sctp, len);
#endif
	crc = crc32c(crc, sctp, SCTP_OFF_CSUM);
	if (len <= SCTP_HDR_LEN)
		return ~crc32c(crc, zero, len - SCTP_OFF_CSUM);
	crc = crc32c(crc, zero, sizeof(zero));
	crc = crc32c(crc, sctp + SCTP_HDR_LEN, len - SCTP_HDR_LEN);
	return ~crc;
}

/* RFC 9260 appendix A: the CRC's least significant byte goes first. */
uint32_t sctp_csum_get(const uint8_t *sctp)
{
	return load_le32(sctp + SCTP_OFF_CSUM);
}

void sctp_csum_set(uint8_t *sctp, uint32_t csum)
{
	sctp[SCTP_OFF_CSUM] = (uint8_t)csum;
	sctp[SCTP_OFF_CSUM + 1] = (uint8_t)(csum >> 8);
	sctp[SCTP_OFF_CSUM + 2] = (uint8_t)(csum >> 16);
	sctp[SCTP_OFF_CSUM + 3] = (uint8_t)(csum >> 24);
}

void sctp_csum_fill(uint8_t *sctp, size_t len)
{
	sctp_csum_set(sctp, sctp_csum_compute(sctp, len));
}

bool sctp_csum_verify(const uint8_t *sctp, size_t len)
{
	if (len < SCTP_HDR_LEN)
		return false;
	return sctp_csum_compute(sctp, len) == sctp_csum_get(sctp);
}

/*
 * a * b mod P, both in reflected form (bit 31 is x^0).  The carry-less
 * product of the two integers is the reflected 63-bit product; shifted
 * up by one, its high word is the part below x^32 and its low word the
 * part from x^32 up, which multiplying by x^32 (the CRC of four zero
 * bytes) folds back.  Software: a 4-bit window over multiples of b and
 * four table steps; with PCLMULQDQ: one carry-less multiply and one CRC32
 * instruction (about a quarter of the latency).
 */
static inline uint32_t gf2_reduce(uint64_t prod, uint32_t lo_times_x32)
{
	return (uint32_t)(prod >> 31) ^ lo_times_x32;
}

static uint32_t gf2_mulmod_sw(uint32_t a, uint32_t b)
{
	uint64_t mult[16], prod = 0;
	uint32_t lo;
	int i;

	mult[0] = 0;
	mult[1] = b;
	for (i = 2; i < 16; i += 2) {
		mult[i] = mult[i / 2] << 1;
		mult[i + 1] = mult[i] ^ b;
	}
	for (i = 0; i < 32; i += 4)
		prod ^= mult[(a >> i) & 15] << i;
	lo = (uint32_t)(prod << 1);
	return gf2_reduce(prod, crc32c_table[3][lo & 0xff] ^
				crc32c_table[2][(lo >> 8) & 0xff] ^
				crc32c_table[1][(lo >> 16) & 0xff] ^
				crc32c_table[0][lo >> 24]);
}

/*
 * d * x^(8 * len) mod P: d followed by len zero bytes.  Two
 * multiplications for any packet length, so the cost does not depend on
 * the packet; lengths from 64 KiB up take one more per set bit.
 */
static inline __attribute__((always_inline))
uint32_t append_zeros(uint32_t d, size_t len,
		      uint32_t (*mulmod)(uint32_t, uint32_t))
{
	uint32_t x = mulmod(crc32c_zeros_lo[len & 0xff],
			    crc32c_zeros_hi[(len >> 8) & 0xff]);
	unsigned int k;

	for (k = 0, len >>= 16; len != 0; k++, len >>= 1)
		if (len & 1)
			x = mulmod(x, crc32c_zeros_pow2[k]);
	return mulmod(x, d);
}

static uint32_t append_zeros_sw(uint32_t d, size_t len)
{
	return append_zeros(d, len, gf2_mulmod_sw);
}

#ifdef CRC32C_HAVE_SSE42
__attribute__((target("pclmul,sse4.2")))
static inline uint32_t gf2_mulmod_clmul(uint32_t a, uint32_t b)
{
	__m128i p = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)a),
					 _mm_cvtsi32_si128((int)b), 0);
	uint64_t prod = (uint64_t)_mm_cvtsi128_si64(p);

	return gf2_reduce(prod, _mm_crc32_u32(0, (uint32_t)(prod << 1)));
}

__attribute__((target("pclmul,sse4.2")))
static uint32_t append_zeros_clmul(uint32_t d, size_t len)
{
	return append_zeros(d, len, gf2_mulmod_clmul);
}

static uint32_t append_zeros_best(uint32_t d, size_t len)
{
	if (__builtin_cpu_supports("pclmul") &&
	    __builtin_cpu_supports("sse4.2"))
		return append_zeros_clmul(d, len);
	return append_zeros_sw(d, len);
}
#else
static uint32_t append_zeros_best(uint32_t d, size_t len)
{
	return append_zeros_sw(d, len);
}
#endif

/*
 * The CRC is affine in the message: crc(M) = lin(M) ^ c(len), where lin
 * is the CRC with a zero preset and no final inversion and c depends on
 * the length only.  So crc(M') = crc(M) ^ lin(M ^ M'), and M ^ M' is the
 * four-byte port difference followed by len - 4 zero bytes (the checksum
 * field counts as zero in both).  lin of that is the difference, loaded
 * the way the CRC register consumes bytes (first byte lowest), times
 * x^(32 + 8 * (len - 4)) = x^(8 * len).  Whatever error the old checksum
 * had, the new one keeps it.
 */
uint32_t sctp_csum_update_ports(uint32_t csum, uint32_t old_ports,
				uint32_t new_ports, size_t len)
{
	uint32_t d = __builtin_bswap32(old_ports ^ new_ports);

	if (d == 0 || len < 4)
		return csum;
	return csum ^ append_zeros_best(d, len);
}

uint32_t sctp_csum_update_ports_sw(uint32_t csum, uint32_t old_ports,
				   uint32_t new_ports, size_t len)
{
	uint32_t d = __builtin_bswap32(old_ports ^ new_ports);

	if (d == 0 || len < 4)
		return csum;
	return csum ^ append_zeros_sw(d, len);
}
