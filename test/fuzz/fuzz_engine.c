/*
 * fuzz_engine: libFuzzer target for the engine's entry point.
 *
 * An input is a sequence of packets, each [flags][len hi][len lo][bytes]:
 * flags bit 0 = inbound, bits 1-3 = seconds to advance the clock first,
 * bit 4 = run the timer wheel.  A sequence lets the fuzzer build state
 * (an INIT, its INIT ACK, ...) and then attack it.  Besides ASan / UBSan,
 * it checks the engine's promises: a dropped packet is byte-identical to
 * what came in, and a rewritten one never outgrows its buffer; and every
 * association it made is reported DOWN exactly once (engine.h, association
 * events).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

#define SLACK	512	/* room to grow, as the AF_XDP frames give */

struct event_count {
	uint64_t up, down;
};

static void count_event(void *arg, const struct engine_event *ev)
{
	struct event_count *c = arg;

	/* The view must be whole: ASan sees any read past it. */
	if (ev->assoc->n_locals > ENGINE_ADDRS_MAX * 2 ||
	    ev->assoc->n_paths > ENGINE_ADDRS_MAX)
		abort();
	if (ev->type == ENGINE_EV_UP && ev->reason == ENGINE_EVR_NEW)
		c->up++;
	if (ev->type == ENGINE_EV_DOWN && ev->reason != ENGINE_EVR_RESTART)
		c->down++;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[PB_MAX + SLACK], copy[PB_MAX + SLACK];
	uint64_t now = FX_SEC;
	struct event_count ev = { 0, 0 };
	struct engine *e;
	size_t off = 0;

	if (size < 1)
		return 0;
	/* The first byte picks the multihome mode; a fresh table each run
	 * so that inputs are reproducible. */
	e = fx_engine(data[0] & 1 ? MULTIHOME_UPLINKS : MULTIHOME_OFF);
	engine_set_event_cb(e, count_event, &ev);
	off = 1;
	while (off + 3 <= size) {
		uint8_t flags = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct engine_pkt pkt;
		struct engine_verdict v;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > PB_MAX)
			len = PB_MAX;
		memcpy(buf, data + off, len);
		memcpy(copy, buf, len);
		off += len;
		now += (uint64_t)((flags >> 1) & 7) * FX_SEC;
		if (flags & 0x10)
			engine_tick(e, now);
		pkt = (struct engine_pkt){ .data = buf, .len = (uint32_t)len,
					   .cap = (uint32_t)len + SLACK };
		engine_process(e, &pkt, flags & 1 ? ENGINE_INBOUND :
				ENGINE_OUTBOUND, now, &v);
		if (v.action == ENGINE_DROP &&
		    (pkt.len != len || memcmp(buf, copy, len) != 0))
			abort();	/* a drop must leave the packet alone */
		if (v.action != ENGINE_DROP &&
		    (v.len > pkt.cap || v.len != pkt.len))
			abort();
	}
	engine_tick(e, now + 3600 * FX_SEC);
	if (engine_stats(e)->assocs_live != 0)
		abort();	/* everything expires in the end */
	if (ev.down != engine_stats(e)->assocs_created ||
	    ev.up > engine_stats(e)->assocs_created)
		abort();	/* each one ended, and said so, once */
	engine_destroy(e);
	return 0;
}
