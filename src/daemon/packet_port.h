/*
 * packet_port: the packet backend's ports (backend = packet), for kernels or
 * drivers without AF_XDP.  One AF_PACKET socket per configured interface
 * with a memory-mapped TPACKET_V2 RX ring; a classic BPF filter keeps only
 * SCTP and ICMP / ICMPv6 errors that quote SCTP, so the ring never fills
 * with the box's TCP and UDP.  Packets go out through raw IP sockets (the
 * datapath's), not through these sockets.
 *
 * AF_PACKET is a tap: the kernel still receives its own copy of every
 * packet and would forward it (or answer it) next to sctpalgd's
 * translation.  The host must drop SCTP in netfilter's prerouting hook;
 * sctpalgd.conf(5) gives the rules.  Packets the box sends itself are not
 * seen (PACKET_IGNORE_OUTGOING).
 */
#ifndef SCTPALG_PPORT_H
#define SCTPALG_PPORT_H

#include <stddef.h>
#include <stdint.h>

#define PACKET_PORT_MAX_IFS 16

struct packet_port;

struct packet_port_config {
	const char *const *ifnames;
	unsigned int n_ifs;		/* 1..PACKET_PORT_MAX_IFS */
	/* Optional: on failure, a sentence saying which step failed. */
	char *err;
	size_t err_len;
};

/*
 * A received packet, in its ring slot: valid, and writable up to cap
 * bytes (the rest of the slot), until the next packet_port_rx_batch() on the
 * same interface.
 */
struct packet_port_pkt {
	uint8_t *l3;			/* the IP header */
	uint32_t len;			/* bytes from l3 */
	uint32_t cap;
};

struct packet_port_if_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t truncated;		/* longer than a ring frame */
	uint64_t k_dropped;		/* ring full (PACKET_STATISTICS) */
};

int packet_port_create(const struct packet_port_config *cfg,
		       struct packet_port **out);
void packet_port_destroy(struct packet_port *p);

unsigned int packet_port_if_count(const struct packet_port *p);
const char *packet_port_if_name(const struct packet_port *p, unsigned int i);
int packet_port_if_ifindex(const struct packet_port *p, unsigned int i);
/* Poll for POLLIN. */
int packet_port_fd(const struct packet_port *p, unsigned int i);

/*
 * Up to max packets from interface i's ring, valid until
 * packet_port_rx_release() (or the next batch, which releases first).
 */
unsigned int packet_port_rx_batch(struct packet_port *p, unsigned int i,
				  struct packet_port_pkt *pkts,
				  unsigned int max);
/*
 * Hand the batch's ring slots back to the kernel.  Do it as soon as the
 * batch is done: the socket polls readable while a slot is held, so a
 * held batch would turn the event loop into a busy loop.
 */
void packet_port_rx_release(struct packet_port *p, unsigned int i);
void packet_port_if_stats(struct packet_port *p, unsigned int i,
			  struct packet_port_if_stats *out);

#endif
