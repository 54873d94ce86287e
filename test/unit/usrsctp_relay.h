/*
 * usrsctp_relay: real SCTP stacks through the engine, in one process.
 *
 * usrsctp runs in its AF_CONN mode (usrsctp_init_nothreads: no threads,
 * no sockets of its own): every SCTP packet a stack sends comes to a
 * callback, without an IP header, and packets are handed to a stack with
 * usrsctp_conninput().  The relay wraps each packet in an IPv4 header
 * (the inside host 192.168.1.10, the peer 198.51.100.100 sending to the
 * box's public address 198.51.100.1, engine_fixture's small office),
 * runs it through engine_process() in its direction, and gives what the
 * engine forwards to the stack its IPv4 destination names, the IP header
 * stripped: the public address is never a stack's own, as on a real box.
 *
 * Time is fake and moves in step for both: usrsctp_handle_timers() and
 * the engine's now_ns advance together, and only when no packet is in
 * flight, so a run is the same on a busy machine as on an idle one.
 *
 * A fault hook sees every packet on each of its two hops (host to box,
 * box to host) and may drop, delay or duplicate it; a sink hook takes
 * forwarded packets away from their destination (answers to forged
 * packets).  usrsctp can be initialised once per process: one relay per
 * process (Criterion runs each test in its own).
 *
 * Debugging: URELAY_TRACE=1 prints every packet on each hop with its
 * fate (chunk types, TSNs, cumulative TSN ACKs, INIT addresses), and
 * URELAY_USRSCTP_DEBUG=1 turns on usrsctp's own debug output.
 */
#ifndef SCTPALG_TEST_USRSCTP_RELAY_H
#define SCTPALG_TEST_USRSCTP_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

#define URELAY_INSIDE "192.168.1.10"
#define URELAY_PEER   "198.51.100.100"
#define URELAY_PUBLIC "198.51.100.1"

/* A delayed packet comes after this many others have passed. */
#define URELAY_LATE_BY 4
/* The clock's step when nothing is in flight. */
#define URELAY_TICK_MS 10

struct urelay;

/* The stacks' AF_CONN addresses: which end a packet leaves or reaches. */
enum urelay_end {
	URELAY_CLIENT = 0, /* the inside host */
	URELAY_SERVER, /* the peer */
	URELAY_SERVER2, /* the peer again, after a restart */
	URELAY_CLIENT2, /* the inside host again, after a restart */
	URELAY__ENDS
};

enum urelay_hop {
	URELAY_TO_BOX = 0, /* sent by a host, not yet through the engine */
	URELAY_TO_HOST, /* forwarded by the engine, not yet delivered */
};

enum urelay_fate {
	URELAY_PASS = 0,
	URELAY_DROP,
	URELAY_LATE, /* held back while URELAY_LATE_BY others pass */
	URELAY_DUP, /* passes now, and a copy comes late */
};

/* ip: the IPv4 packet as it is on that hop. */
typedef enum urelay_fate urelay_fault_fn(void *arg, enum urelay_hop hop,
					 enum engine_dir dir, const uint8_t *ip,
					 uint32_t len);
/* True: a forwarded packet goes to the sink, not to its destination. */
typedef bool urelay_sink_fn(void *arg, const uint8_t *ip, uint32_t len);
/* The endpoints' work, after each packet and each clock step: non-zero
 * ends urelay_run() with that value. */
typedef int urelay_step_fn(void *arg);

struct urelay_stats {
	uint64_t sent[URELAY__ENDS]; /* packets a stack handed over */
	uint64_t bad_crc; /* of those, CRC32c did not verify */
	uint64_t dead; /* from a peer end that went down */
	uint64_t injected;
	uint64_t to_box[2]; /* by enum engine_dir */
	uint64_t forwarded[2], replies, dropped[2];
	uint8_t last_drop_reason; /* enum drop_reason */
	uint64_t fault_drops, fault_late, fault_dups;
	uint64_t delivered[URELAY__ENDS], sunk, unroutable;
	/* The verification tag of the last DATA or SACK packet delivered
	 * to each end: what its stack uses now. */
	uint32_t last_vtag[URELAY__ENDS];
	uint64_t ms; /* fake time elapsed */
};

/* Initialises usrsctp (once per process) and an engine_fixture engine. */
int urelay_create(enum multihome_mode mh, struct urelay **out);
/* The caller has closed its sockets; lets usrsctp finish (bounded). */
void urelay_destroy(struct urelay *r);

/* The AF_CONN address to bind and connect an end's socket with. */
void *urelay_conn(struct urelay *r, enum urelay_end end);
/* The end packets to URELAY_PEER reach (URELAY_SERVER at first), and
 * the one packets to URELAY_INSIDE reach (URELAY_CLIENT): the other ends
 * are down (crashed), what they send is lost. */
void urelay_set_server(struct urelay *r, enum urelay_end end);
void urelay_set_client(struct urelay *r, enum urelay_end end);

void urelay_set_faults(struct urelay *r, urelay_fault_fn *fn, void *arg);
void urelay_set_sink(struct urelay *r, urelay_sink_fn *fn, void *arg);

/* A crafted IPv4 packet on its way to the box, behind those in flight. */
void urelay_inject(struct urelay *r, enum engine_dir dir, const uint8_t *ip,
		   uint32_t len);

/*
 * Deliver everything in flight, calling step after each packet; when
 * nothing is left, advance the clock by URELAY_TICK_MS.  Returns step's
 * first non-zero value, or -ETIMEDOUT after max_ms of fake time.
 */
int urelay_run(struct urelay *r, urelay_step_fn *step, void *arg,
	       uint32_t max_ms);

struct engine *urelay_engine(struct urelay *r);
const struct urelay_stats *urelay_stats(const struct urelay *r);

#endif
