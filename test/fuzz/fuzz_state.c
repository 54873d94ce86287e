/*
 * fuzz_state: libFuzzer target for engine_restore, the state file reader.
 *
 * An input is one byte choosing the restoring engine's configuration
 * (bit 0: multihome = uplinks, bit 1: uplink wan2 removed, bit 2: a port
 * range the saved ports fall outside), then a state file.  The harness
 * writes the right length and CRC32c into the file first, so mutations
 * reach the records instead of dying at the checksum (the unit tests
 * cover truncation and corruption).  Besides ASan / UBSan, it checks the
 * promises: a rejection says why and leaves the engine empty; what is
 * accepted adds up (restored + skipped = saved), translates, expires, and
 * saves again into a file that restores just as much.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "engine_fixture.h"
#include "engine_persist.h"

#define NOW	(5 * FX_SEC)

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static int mem_write(const void *b, size_t n, void *arg)
{
	struct membuf *m = arg;

	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->p = realloc(m->p, m->cap);
		if (!m->p)
			abort();
	}
	memcpy(m->p + m->len, b, n);
	m->len += n;
	return 0;
}

static struct engine *make(uint8_t sel)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, sel & 1 ? MULTIHOME_UPLINKS : MULTIHOME_OFF);
	if (sel & 2) {
		c.n_uplinks = 1;
		c.nets[1] = c.nets[2];
		c.n_nets = 2;
	}
	if (sel & 4) {
		c.port_min = 20000;
		c.port_max = 30000;
	}
	if ((sel & 8) && !(sel & 2)) {
		/* A multihomed [forward] server: a second inside address
		 * serving the second uplink's address. */
		struct engine_forward *fw = &c.forwards[0];

		fw->n_public = 2;
		fw->public_addrs[1] = c.uplinks[1].public_addrs[0];
		fw->n_inside = 2;
		fw->inside_addrs[0] = fw->inside_addr;
		if (nat_addr_parse(&fw->inside_addrs[1], "192.168.1.21"))
			abort();
	}
	if (engine_create(&c, 42, &e))
		abort();
	return e;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void traffic(struct engine *e)
{
	struct pb p;

	fx_data(&p, "192.168.1.10", "198.51.100.100", 5000, 3868,
		0x22222222u, 46);
	fx_run(e, &p, ENGINE_OUTBOUND, NOW);
	fx_data(&p, "198.51.100.100", "198.51.100.1", 3868, 5000,
		0x11111111u, 46);
	fx_run(e, &p, ENGINE_INBOUND, NOW);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_restore_report rep, rep2;
	struct membuf m = { 0 };
	struct engine *e, *e2;
	size_t n;
	uint8_t *buf;
	int r;

	if (size < 1)
		return 0;
	n = size - 1;
	buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	if (n >= 36) {
		put_be(buf + 16, n, 8);
		put_be(buf + n - 4, ~crc32c(~0u, buf, n - 4), 4);
	}
	e = make(data[0]);
	/* The config byte's high bits choose a downtime, 0 to 7 minutes. */
	r = engine_restore(e, buf, n, NOW,
			   (uint64_t)(data[0] >> 5) * 60 * NSEC_PER_SEC, &rep);
	if (r < 0) {
		if (!rep.error[0] || engine_stats(e)->assocs_live)
			abort();	/* a refusal says why, changes nothing */
		goto out;
	}
	if ((uint32_t)r != rep.restored ||
	    rep.restored + rep.skipped != rep.saved ||
	    engine_stats(e)->assocs_live != rep.restored)
		abort();
	if (engine_save(e, mem_write, &m, NOW) != r)
		abort();
	e2 = make(data[0]);
	if (engine_restore(e2, m.p, m.len, NOW, 0, &rep2) != r)
		abort();	/* what was restored restores again */
	engine_destroy(e2);
	traffic(e);
	engine_tick(e, NOW + 90000 * FX_SEC);
	if (engine_stats(e)->assocs_live)
		abort();	/* every restored timer runs out */
out:
	free(m.p);
	free(buf);
	engine_destroy(e);
	return 0;
}
