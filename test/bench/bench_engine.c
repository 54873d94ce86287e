/*
 * bench_engine: translation packets per second per core, in process.
 *
 * Sets up associations through the engine, then times batches of DATA
 * packets both ways at several sizes (the checksum update must not grow
 * with size), and association setup (INIT with address rewrite).  Each
 * run restores the packet bytes from a template, as a NIC would deliver
 * fresh ones; that copy is timed separately and reported, not hidden.
 * Figures, not assertions: it never fails on speed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine_fixture.h"
#include "sctp_wire.h"
#include "time_ns.h"

#define BATCH	64
#define ROUNDS	20000

static uint8_t frames[BATCH][PB_MAX];

static double run(struct engine *e, const struct pb *tmpl,
		  enum engine_dir dir, double *copy_ns)
{
	struct engine_pkt pkts[BATCH];
	struct engine_verdict vs[BATCH];
	uint64_t t0, tc = 0, t;

	t0 = mono_ns();
	for (int r = 0; r < ROUNDS; r++) {
		t = mono_ns();
		for (int i = 0; i < BATCH; i++) {
			memcpy(frames[i], tmpl->buf, tmpl->len);
			pkts[i] = (struct engine_pkt){ frames[i], tmpl->len,
						       PB_MAX };
		}
		tc += mono_ns() - t;
		engine_process_batch(e, pkts, vs, BATCH, dir, 2 * FX_SEC);
		if (vs[0].action != ENGINE_FORWARD) {
			fprintf(stderr, "bench: packet dropped (%s)\n",
				drop_reason_name(vs[0].reason));
			return 0;
		}
	}
	t = mono_ns() - t0 - tc;
	*copy_ns = (double)tc / (ROUNDS * BATCH);
	return (double)ROUNDS * BATCH / ((double)t / 1e9);
}

int main(void)
{
	static const uint16_t sizes[] = { 64, 512, 1400, 8900 };
	static uint8_t payload[9000];
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct pb p;
	uint16_t port;
	double copy;

	/* One association, established. */
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, SCTP_CID_INIT, 0x1111);
	pb_finish(&p);
	fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	port = pkt_sport(p.buf);
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 3868, port, 0x1111);
	pb_init(&p, SCTP_CID_INIT_ACK, 0x2222);
	pb_param_addr(&p, "198.51.100.100");
	pb_param_addr(&p, "203.0.113.100");
	pb_finish(&p);
	fx_run(e, &p, ENGINE_INBOUND, FX_SEC);
	/* The tags take effect with the COOKIE ECHO / COOKIE ACK. */
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, 0x2222);
	pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
	pb_bytes(&p, "cookie", 6);
	pb_finish(&p);
	fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 3868, port, 0x1111);
	pb_simple(&p, SCTP_CID_COOKIE_ACK, 0);
	pb_finish(&p);
	fx_run(e, &p, ENGINE_INBOUND, FX_SEC);

	/* Warm caches and branch predictors before the first figure. */
	pb_ip4(&p, "192.168.1.10", "203.0.113.100");
	pb_sctp(&p, 5000, 3868, 0x2222);
	pb_data(&p, 1, 46, payload, 16);
	pb_finish(&p);
	run(e, &p, ENGINE_OUTBOUND, &copy);

	printf("sctpalg engine, one core, batches of %d, %d batches each\n",
	       BATCH, ROUNDS);
	printf("%-28s %12s %10s\n", "packet", "Mpps", "ns/pkt");
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint16_t plen = (uint16_t)(sizes[i] - 48);
		double pps;

		pb_ip4(&p, "192.168.1.10", "203.0.113.100");
		pb_sctp(&p, 5000, 3868, 0x2222);
		pb_data(&p, 1, 46, payload, plen);
		pb_finish(&p);
		pps = run(e, &p, ENGINE_OUTBOUND, &copy);
		printf("DATA out %5u B (%s)%*s %12.2f %10.1f\n", p.len,
		       "port+addr", 2, "", pps / 1e6, 1e9 / pps);
		pb_ip4(&p, "203.0.113.100", "203.0.113.1");
		pb_sctp(&p, 3868, port, 0x1111);
		pb_data(&p, 1, 46, payload, plen);
		pb_finish(&p);
		pps = run(e, &p, ENGINE_INBOUND, &copy);
		printf("DATA in  %5u B (%s)%*s %12.2f %10.1f\n", p.len,
		       "port+addr", 2, "", pps / 1e6, 1e9 / pps);
	}
	printf("(restoring the bytes between runs: %.1f ns/pkt, excluded)\n",
	       copy);

	/* Setup: INITs from distinct inside ports, each a new entry. */
	{
		struct engine_config c;
		struct engine *e2;
		uint64_t t0, n = 0;

		fx_config(&c, MULTIHOME_UPLINKS);
		c.max_assocs = 65536;
		c.max_assocs_per_host = 0;
		c.init_rate = 0;
		c.max_handshakes = 0;
		engine_create(&c, 9, &e2);
		t0 = mono_ns();
		for (uint32_t i = 0; i < 50000; i++) {
			struct engine_verdict v;
			struct engine_pkt pkt;

			pb_ip4(&p, "192.168.1.10", "198.51.100.100");
			pb_sctp(&p, (uint16_t)(1024 + i % 60000), 3868, 0);
			pb_init(&p, SCTP_CID_INIT, 0x100 + i);
			pb_finish(&p);
			pkt = (struct engine_pkt){ p.buf, p.len, PB_MAX };
			engine_process(e2, &pkt, ENGINE_OUTBOUND, FX_SEC, &v);
			n += v.action == ENGINE_FORWARD;
		}
		printf("INIT, new association + list rewrite: %.0f /s "
		       "(%llu created; packet building included)\n",
		       (double)n / ((double)(mono_ns() - t0) / 1e9),
		       (unsigned long long)n);
		engine_destroy(e2);
	}
	engine_destroy(e);
	return 0;
}
