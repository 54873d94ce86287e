/*
 * bench_setup: association set-ups per second and engine memory per
 * association, in process, one core.
 *
 * Drives BENCH_SETUP_ASSOCS (default 1,000,000) handshakes, INIT to
 * COOKIE ACK (RFC 9260 5.1), through one engine sized for them, in
 * rounds: every INIT of a round is built first, then the engine's time
 * for the whole batch is taken, then the INIT ACKs answering them are
 * built (they need the public ports the INITs were given), and so on.
 * The engine takes each round in batches of BENCH_SETUP_BATCH packets
 * (default 64, the daemon's AF_XDP batch; 1: one engine_process() call
 * per packet, as this benchmark did before 2026-12-06), all of one kind,
 * as a busy box's batches are not; the output says which.  Only the
 * engine's calls are timed, in the thread's CPU time (so other jobs on
 * the machine do not inflate it); building packets is not.  Each
 * association is a different (inside port, peer) pair, as a busy box
 * sees; the flood limits are off (they are per source, and this is one
 * source), everything else is the default configuration.
 *
 * Memory is what the process's resident set grew by from before
 * engine_create() (the packet buffers already in memory) to the end,
 * divided by the associations then live: the table, its address arenas,
 * hash buckets, port bindings, everything the engine holds for them.
 *
 * Two passes.  The first grows the engine from nothing, so it also pays
 * the kernel's first touch of every page the engine grows into (a box
 * reaching its peak for the first time).  Then every association
 * expires (engine_tick, the idle timeout) and the second pass sets as
 * many up again, with other tags, on memory the first already touched:
 * a box that has carried its peak before, the steady state.  Both are
 * printed.  Figures, not assertions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "sctp_wire.h"

#define ROUND	  65536
#define SLOT	  256 /* bytes per packet buffer, INIT growth included */
#define PEER_PORT 3868
#define PORTS	  60000 /* inside ports 1024..61023 */
#define BATCH_MAX 256

static uint8_t bufs[ROUND][SLOT];
static uint32_t lens[ROUND];
static uint16_t public_port[ROUND];
static unsigned int batch = 64;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	if (f)
		fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

/* Association i: inside 192.168.1.10 port 1024 + i % PORTS, peer
 * 100.64.x.y (i / PORTS), tags derived from i. */
static void peer_of(uint32_t i, char *out)
{
	uint32_t n = i / PORTS + 1;

	sprintf(out, "100.%u.%u.%u", 64 + (n >> 16), (n >> 8) & 255, n & 255);
}

static uint16_t inside_port(uint32_t i)
{
	return (uint16_t)(1024 + i % PORTS);
}

/* Tags of association i in pass `pass`: the second pass's differ. */
static uint32_t tag_inside(uint32_t i, int pass)
{
	return ((i * 2654435761u) ^ ((uint32_t)pass << 30)) | 1;
}

static uint32_t tag_peer(uint32_t i, int pass)
{
	return ((i * 2246822519u) ^ ((uint32_t)pass << 30)) | 2;
}

static void keep(uint32_t slot, const struct pb *p)
{
	memcpy(bufs[slot], p->buf, p->len);
	lens[slot] = p->len;
}

/* Runs bufs[0..n) through the engine; returns the ns it took and counts
 * the packets forwarded. */
static uint64_t run(struct engine *e, uint32_t n, enum engine_dir dir,
		    uint64_t now, uint32_t *forwarded)
{
	struct engine_pkt pkts[BATCH_MAX];
	struct engine_verdict vs[BATCH_MAX];
	uint64_t t0 = cpu_ns();

	for (uint32_t base = 0; base < n; base += batch) {
		uint32_t m = n - base < batch ? n - base : batch;

		for (uint32_t s = 0; s < m; s++)
			pkts[s] = (struct engine_pkt){ bufs[base + s],
						       lens[base + s], SLOT };
		if (batch == 1)
			engine_process(e, &pkts[0], dir, now, &vs[0]);
		else
			engine_process_batch(e, pkts, vs, m, dir, now);
		for (uint32_t s = 0; s < m; s++) {
			*forwarded += vs[s].action == ENGINE_FORWARD;
			lens[base + s] = pkts[s].len;
		}
	}
	return cpu_ns() - t0;
}

/* One pass of `total` handshakes from *now; adds each stage's CPU time
 * and forwarded packets to stage_ns[] and fwd[]. */
static void setup_all(struct engine *e, uint32_t total, int pass, uint64_t *now,
		      uint64_t stage_ns[4], uint32_t fwd[4])
{
	char peer[32];
	struct pb p;

	for (uint32_t base = 0; base < total; base += ROUND) {
		uint32_t n = total - base < ROUND ? total - base : ROUND;

		for (uint32_t s = 0; s < n; s++) {
			peer_of(base + s, peer);
			pb_ip4(&p, "192.168.1.10", peer);
			pb_sctp(&p, inside_port(base + s), PEER_PORT, 0);
			pb_init(&p, SCTP_CID_INIT, tag_inside(base + s, pass));
			pb_finish(&p);
			keep(s, &p);
		}
		stage_ns[0] += run(e, n, ENGINE_OUTBOUND, *now, &fwd[0]);
		for (uint32_t s = 0; s < n; s++) {
			public_port[s] = pkt_sport(bufs[s]);
			peer_of(base + s, peer);
			pb_ip4(&p, peer, "198.51.100.1");
			pb_sctp(&p, PEER_PORT, public_port[s],
				tag_inside(base + s, pass));
			pb_init(&p, SCTP_CID_INIT_ACK,
				tag_peer(base + s, pass));
			pb_param_addr(&p, peer);
			pb_finish(&p);
			keep(s, &p);
		}
		stage_ns[1] += run(e, n, ENGINE_INBOUND, *now, &fwd[1]);
		for (uint32_t s = 0; s < n; s++) {
			peer_of(base + s, peer);
			pb_ip4(&p, "192.168.1.10", peer);
			pb_sctp(&p, inside_port(base + s), PEER_PORT,
				tag_peer(base + s, pass));
			pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
			pb_bytes(&p, "cookie", 6);
			pb_finish(&p);
			keep(s, &p);
		}
		stage_ns[2] += run(e, n, ENGINE_OUTBOUND, *now, &fwd[2]);
		for (uint32_t s = 0; s < n; s++) {
			peer_of(base + s, peer);
			pb_ip4(&p, peer, "198.51.100.1");
			pb_sctp(&p, PEER_PORT, public_port[s],
				tag_inside(base + s, pass));
			pb_simple(&p, SCTP_CID_COOKIE_ACK, 0);
			pb_finish(&p);
			keep(s, &p);
		}
		stage_ns[3] += run(e, n, ENGINE_INBOUND, *now, &fwd[3]);
		*now += FX_SEC / 1000;
	}
}

static void report(const char *pass, uint32_t total, const uint64_t stage_ns[4],
		   const uint32_t fwd[4])
{
	static const char *const stage[4] = { "INIT", "INIT ACK", "COOKIE ECHO",
					      "COOKIE ACK" };
	uint64_t spent = stage_ns[0] + stage_ns[1] + stage_ns[2] + stage_ns[3];

	printf("  %s:\n", pass);
	printf("  %u handshakes, forwarded INIT %u, INIT ACK %u, "
	       "COOKIE ECHO %u, COOKIE ACK %u\n",
	       total, fwd[0], fwd[1], fwd[2], fwd[3]);
	printf("  %.0f set-ups/s (%.0f ns of CPU per handshake, 4 packets)\n",
	       (double)fwd[3] / ((double)spent / 1e9),
	       (double)spent / (fwd[3] ? fwd[3] : 1));
	for (int k = 0; k < 4; k++)
		printf("    %-12s %6.0f ns\n", stage[k],
		       (double)stage_ns[k] / (fwd[k] ? fwd[k] : 1));
}

int main(void)
{
	const char *env = getenv("BENCH_SETUP_ASSOCS");
	const char *benv = getenv("BENCH_SETUP_BATCH");
	uint32_t total = env ? (uint32_t)strtoul(env, NULL, 10) : 1000000;
	uint32_t fwd[4] = { 0 }, fwd2[4] = { 0 }, live;
	uint64_t stage_ns[4] = { 0 }, stage_ns2[4], now = FX_SEC;
	struct engine_config c;
	struct engine *e;
	long rss0, grown;

	if (benv) {
		batch = (unsigned int)strtoul(benv, NULL, 10);
		if (batch < 1 || batch > BATCH_MAX) {
			fprintf(stderr,
				"bench_setup: BENCH_SETUP_BATCH "
				"is 1 to %d\n",
				BATCH_MAX);
			return 1;
		}
	}
	fx_config(&c, MULTIHOME_UPLINKS);
	c.max_assocs = total;
	c.max_assocs_per_host = 0;
	c.init_rate = 0;
	c.source_init_rate = 0;
	c.max_handshakes = total;
	/* The benchmark's own buffers (16 MiB) are not the engine's: in
	 * memory before the first reading, not grown into during the run. */
	memset(bufs, 1, sizeof(bufs));
	memset(lens, 1, sizeof(lens));
	memset(public_port, 1, sizeof(public_port));
	rss0 = rss_bytes();
	if (engine_create(&c, 9, &e)) {
		fprintf(stderr, "bench_setup: engine_create failed\n");
		return 1;
	}
	printf("association set-up, INIT to COOKIE ACK, one core:\n");
	if (batch > 1)
		printf("  batches of %u packets of one kind "
		       "(engine_process_batch; BENCH_SETUP_BATCH=1: one by "
		       "one)\n",
		       batch);
	else
		printf("  one packet per engine_process() call\n");
	setup_all(e, total, 0, &now, stage_ns, fwd);
	grown = rss_bytes() - rss0;
	live = engine_stats(e)->assocs_live;
	report("growing the engine from nothing (first touch of its pages "
	       "included)",
	       total, stage_ns, fwd);
	printf("  %u associations live, engine memory %.1f MiB, "
	       "%.0f bytes per association\n",
	       live, (double)grown / (1 << 20),
	       live ? (double)grown / live : 0.0);
	/* Every association expires: idle far past any timeout. */
	now += 24 * 3600 * FX_SEC;
	for (int t = 0; t < 1000 && engine_stats(e)->assocs_live; t++) {
		engine_tick(e, now);
		now += FX_SEC;
	}
	if (engine_stats(e)->assocs_live) {
		fprintf(stderr, "bench_setup: %u associations still live\n",
			engine_stats(e)->assocs_live);
		engine_destroy(e);
		return 1;
	}
	memset(stage_ns2, 0, sizeof(stage_ns2));
	setup_all(e, total, 1, &now, stage_ns2, fwd2);
	report("again, on memory the first pass touched (a box past its "
	       "peak once)",
	       total, stage_ns2, fwd2);
	printf("  engine memory grew %.1f MiB more\n",
	       (double)(rss_bytes() - rss0 - grown) / (1 << 20));
	engine_destroy(e);
	return fwd[3] == total && fwd2[3] == total ? 0 : 1;
}
