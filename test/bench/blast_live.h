/*
 * blast_live: sctp_blast's DATA flood by BPF_PROG_RUN in live-frame mode
 * (test/bench/xdp_live_gen.bpf.c), the kernel's cheapest packet source.
 */
#ifndef BLAST_LIVE_H
#define BLAST_LIVE_H

#include <stdint.h>
#include <time.h>

/*
 * What the flood needs of an association, 12 bytes: 100,000 of them stay
 * in the generator's cache better than the handshake's state would.
 */
struct blast_flow {
	uint16_t sport, dport;
	uint32_t peer_tag, csum; /* csum: of its DATA frame */
};

static inline double blast_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct blast_count {
	unsigned long long offered, refused;
	double secs;
};

/*
 * Sends association 0's Ethernet frame (len bytes, at least 64) and the
 * same for each of the n associations, round-robin, burst packets of
 * each in a row, out of ifname for seconds; what went into c.  Returns 0
 * or a negative errno.
 */
int blast_live_flood(const char *ifname, const uint8_t *frame, uint32_t len,
		     const struct blast_flow *flows, unsigned int n,
		     unsigned int burst, double seconds, struct blast_count *c);

#endif
