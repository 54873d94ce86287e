/*
 * bench_engine: translation packets per second per core, in process.
 *
 * Sets up an association through the engine, then times batches of DATA
 * packets both ways at several sizes (the checksum update must not grow
 * with size).  Association set-up has its own benchmark, bench_setup.  Each
 * run restores the packet bytes from a template, as a NIC would deliver
 * fresh ones; that copy is timed separately (the same copies without the
 * engine) and reported, not hidden.  Times are the thread's CPU time, so
 * other jobs on the machine do not inflate them.  Figures, not
 * assertions: it never fails on speed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define BATCH	64
#define ROUNDS	20000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint8_t frames[BATCH][PB_MAX];

static double run(struct engine *e, const struct pb *tmpl,
		  enum engine_dir dir, double *copy_ns)
{
	struct engine_pkt pkts[BATCH];
	struct engine_verdict vs[BATCH];
	uint64_t t0, tc, t;

	t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			memcpy(frames[i], tmpl->buf, tmpl->len);
			pkts[i] = (struct engine_pkt){ frames[i], tmpl->len,
						       PB_MAX };
		}
		engine_process_batch(e, pkts, vs, BATCH, dir, 2 * FX_SEC);
		if (vs[0].action != ENGINE_FORWARD) {
			fprintf(stderr, "bench: packet dropped (%s)\n",
				drop_reason_name(vs[0].reason));
			return 0;
		}
	}
	t = now_ns() - t0;
	/* The restoring alone, to take it out. */
	t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			memcpy(frames[i], tmpl->buf, tmpl->len);
			pkts[i] = (struct engine_pkt){ frames[i], tmpl->len,
						       PB_MAX };
		}
		__asm__ volatile("" : : "r"(pkts) : "memory");
	}
	tc = now_ns() - t0;
	t = t > tc ? t - tc : 1;
	*copy_ns = (double)tc / (ROUNDS * BATCH);
	return (double)ROUNDS * BATCH / ((double)t / 1e9);
}

int main(void)
{
	static const uint16_t sizes[] = { 64, 512, 1200, 9000 };
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

	engine_destroy(e);
	return 0;
}
