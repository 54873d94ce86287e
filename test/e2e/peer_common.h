/*
 * peer_common: what the two test endpoints share, test/e2e/sctp_peer.c
 * (usrsctp) and test/vm/ksctp_peer.c (the Linux kernel's SCTP in the qemu
 * VM): the application protocol they speak, its tally of what arrived,
 * and address and option parsing.  The tests read either one's output
 * with the same helpers (test/e2e/lib.sh), so both print from here.
 *
 * A message is MSG_HDR_LEN bytes of header, then a filler derived from
 * its sequence number (a damaged payload shows):
 *   0  magic (MSG_MAGIC)      4  type (MSG_DATA / MSG_ACK), 3 bytes zero
 *   8  sequence number       12  the client's send time, CLOCK_MONOTONIC ns
 * all in network byte order.  The server answers each DATA with an ACK
 * carrying the same sequence number and time.
 */
#ifndef SCTPALG_TEST_PEER_COMMON_H
#define SCTPALG_TEST_PEER_COMMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define MAX_ADDRS   8
#define MAX_SOURCES 16
#define MSG_HDR_LEN 20
/* bounds the seen-bitmap whatever a peer sends */
#define MAX_SEQ	    (1u << 24)
#define MSG_MAGIC   0x53435450u /* "SCTP" */
#define MSG_DATA    1
#define MSG_ACK	    2

/* Each program's own: how it reports a fatal error (and exits 1). */
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

int64_t now_ns(void); /* CLOCK_MONOTONIC */
int64_t now_ms(void);

socklen_t sa_len(const struct sockaddr *sa);
const char *addr_str(const struct sockaddr *sa, char *buf, size_t len);
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);
void set_port(struct sockaddr_storage *ss, uint16_t port);
/*
 * bindx()/connectx() take a packed array of sockaddrs, each as long as
 * its family's (RFC 6458 9.1, 9.9), not an array of sockaddr_storage;
 * returns the bytes written to out.
 */
size_t pack_addrs(const struct sockaddr_storage *in, int n, uint16_t port,
		  uint8_t *out);
/* "A,B,...": at most max addresses, IPv4 or IPv6; dies on a bad one. */
int parse_addrs(const char *arg, struct sockaddr_storage *out, int max);
/* --name's value, 0 to max; dies otherwise. */
unsigned int parse_uint(const char *arg, const char *name, unsigned int max);

/* A message of len bytes (at least MSG_HDR_LEN) into buf. */
void msg_build(uint8_t *buf, size_t len, uint8_t type, uint32_t seq,
	       const uint8_t stamp[8]);
/* A client's stamp for a message it sends now. */
void msg_stamp_now(uint8_t stamp[8]);
/* The send time a message carries (msg_build's stamp). */
const uint8_t *msg_stamp(const uint8_t *msg);

struct src_count {
	struct sockaddr_storage addr;
	unsigned long n;
};

/* What one endpoint received, and the client's count of what it sent. */
struct msg_tally {
	unsigned long sent; /* client: messages sent */
	unsigned long msgs; /* messages of our protocol received */
	unsigned long unique;
	unsigned long dups;
	unsigned long bad; /* not our protocol */
	unsigned long corrupt; /* ours, but the payload was damaged */
	unsigned long reordered;
	size_t max_len; /* longest message received */
	uint32_t last_seq;
	uint32_t max_seq;
	bool any_seq;
	int64_t last_arrival;
	int64_t max_gap;
	int64_t max_gap_at; /* time the longest gap ended, from start */
	uint64_t max_rtt_ns; /* client: of the ACKs */
	uint8_t *seen; /* by sequence number */
	size_t seen_cap;
	/* per peer address the messages arrived from */
	struct src_count src[MAX_SOURCES];
	int nsrc;
};

/*
 * Counts a received message (the server expects DATA, the client ACKs);
 * t0_ms is the endpoint's start.  Returns its sequence number, or -1 for
 * one that is not a good message of ours (counted as bad or corrupt).
 */
int64_t tally_message(struct msg_tally *t, const uint8_t *buf, size_t len,
		      bool server, int64_t t0_ms, const struct sockaddr *from);
/* The FROM lines: where messages came from. */
void tally_print_sources(const struct msg_tally *t, FILE *f);
/*
 * The RESULT line; count is the --count the server expected (its unseen
 * tail counts as lost).
 */
void tally_print_result(const struct msg_tally *t, FILE *f, bool server,
			unsigned int count, unsigned long send_failed, bool up);

#endif
