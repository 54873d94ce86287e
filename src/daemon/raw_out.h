/*
 * raw_out: the datapath's way out through the kernel -- one raw IP
 * socket per family (IPPROTO_RAW; IPv4 with IP_HDRINCL), which route the
 * packet and resolve its neighbour as the kernel would its own.  Both
 * backends use it: AF_PACKET for every packet, AF_XDP for packets whose
 * neighbour is not resolved yet or whose egress has no AF_XDP socket.
 */
#ifndef SCTPALG_RAW_OUT_H
#define SCTPALG_RAW_OUT_H

#include <stdint.h>

struct raw_out;

/* Needs CAP_NET_RAW.  0 or -errno. */
int raw_out_create(struct raw_out **out);
void raw_out_destroy(struct raw_out *r);
/*
 * Send the IP packet ip (IPv4 or IPv6, by its version) to its
 * destination; oif > 0 pins the egress interface (IP_PKTINFO /
 * IPV6_PKTINFO).  0 or -errno.
 */
int raw_out_send(struct raw_out *r, const uint8_t *ip, uint32_t len,
		 int oif);

#endif
