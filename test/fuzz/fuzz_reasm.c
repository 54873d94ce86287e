/*
 * fuzz_reasm: IP reassembly and fragmentation on arbitrary fragments.
 *
 * The input is a sequence of records: one byte of time step (tenths of a
 * second), two bytes of length, then that many bytes of packet.  Every
 * record goes into one small pool (4 contexts, so eviction and timeouts
 * happen).  A completed datagram must be a whole, unfragmented packet
 * within its buffer; it is then cut again at an MTU taken from the input
 * and every fragment must fit, and reassembling those fragments in a
 * second pool must give the same bytes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip_reasm.h"

#define SEC NSEC_PER_SEC

static struct ip_reasm *pool, *check_pool;
static uint8_t scratch[65536 + 64];
static uint8_t pkt[65536];

struct collected {
	uint32_t mtu;
	unsigned int n;
	struct ip_reasm_out out;
	int complete;
	uint64_t now;
};

static void refeed(void *arg, const uint8_t *frag, uint32_t len)
{
	struct collected *c = arg;

	if (len > c->mtu)
		abort();
	c->n++;
	if (ip_reasm_add(check_pool, frag, len, c->now, &c->out) ==
	    IP_REASM_COMPLETE)
		c->complete++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now = SEC;

	if (!pool && (ip_reasm_create(4, 10 * SEC, &pool) ||
		      ip_reasm_create(4, 10 * SEC, &check_pool)))
		abort();
	while (size >= 3) {
		uint32_t len = (uint32_t)data[1] << 8 | data[2];
		struct ip_reasm_out out;

		now += (uint64_t)data[0] * (SEC / 10);
		data += 3;
		size -= 3;
		if (len > size)
			len = (uint32_t)size;
		memcpy(pkt, data, len);
		data += len;
		size -= len;
		(void)ip_is_fragment(pkt, len);
		if (ip_reasm_add(pool, pkt, len, now, &out) !=
		    IP_REASM_COMPLETE)
			continue;
		if (out.len > out.cap || ip_is_fragment(out.data, out.len))
			abort();
		struct collected c = {
			.mtu = 68 + (out.len % 1500), .now = now,
		};
		int n = ip_fragment(out.data, out.len, c.mtu, &out.info,
				    scratch, refeed, &c);
		if (n >= 0 && (unsigned int)n != c.n)
			abort();
		if (n > 0) {
			if (c.complete != 1 || c.out.len != out.len ||
			    memcmp(c.out.data, out.data, out.len))
				abort();
			ip_reasm_release(check_pool, &c.out);
		}
		ip_reasm_release(pool, &out);
	}
	return 0;
}
