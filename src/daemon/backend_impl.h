/*
 * backend_impl.h: what each backend (backend_xsk.c: AF_XDP,
 * backend_packet.c: AF_PACKET) fills in once, and the state they share.
 * Private to backend*.c: the rest of sctpalgd sees backend.h, and the
 * datapath only struct datapath_ops (datapath.h).
 */
#ifndef SCTPALG_BACKEND_IMPL_H
#define SCTPALG_BACKEND_IMPL_H

#include "backend.h"
#include "raw_out.h"

struct backend_kind {
	/* The datapath's view; every ctx is the struct backend. */
	struct datapath_ops dp;
	/* Sets up the interfaces of c and logs what each got; 0 or -errno. */
	int (*create)(struct backend *b, const struct conf *c,
		      const struct fast_map *fm);
	void (*destroy)(struct backend *b);
	/* The fds the loop polls (datapath_rx()'s sources). */
	unsigned int (*nfds)(const struct backend *b);
	int (*fd)(const struct backend *b, unsigned int i);
	const char *(*fd_if_name)(const struct backend *b, unsigned int i);
	/* Once per loop turn; NULL: nothing is queued. */
	void (*flush)(struct backend *b);
	/* busy-poll: what runs the driver before fd i is read; NULL: none. */
	void (*busy_kick)(struct backend *b, unsigned int i);
	int (*if_ifindex)(const struct backend *b, unsigned int i);
	void (*if_info)(struct backend *b, unsigned int i,
			struct ctl_if_info *out);
	/* The backend's own counters; NULL: none. */
	unsigned int (*counters)(struct backend *b, struct ctl_counter *out,
				 unsigned int max);
	/* Capabilities kept after the switch of user (backend.h); NULL:
	 * none (AF_PACKET: the sockets are open, nothing to detach). */
	uint64_t (*keep_caps)(const struct backend *b, bool not_root);
	/* What capture sees: PCAPNG_LINK_ETHERNET or PCAPNG_LINK_RAW. */
	uint16_t linktype;
};

extern const struct backend_kind backend_xsk_kind;
extern const struct backend_kind backend_packet_kind;

struct backend {
	const struct backend_kind *kind;	/* chosen in backend_create() */
	struct xsk_port *x;			/* backend = xdp */
	struct packet_port *p;			/* backend = packet */
	struct raw_out *raw;
	bool busy_poll;
	/* The batch being worked on, by struct dp_frame's slot. */
	struct xsk_port_frame xf[DATAPATH_RX_BATCH];
	struct packet_port_pkt pp[DATAPATH_RX_BATCH];
};

/* Inside interfaces first, then every uplink's, each once. */
unsigned int backend_collect_ifs(const struct conf *c,
				 char names[][IF_NAMESIZE], unsigned int max);
/* datapath_ops.send_raw of both backends. */
int backend_send_raw(void *ctx, const uint8_t *ip, uint32_t len, int oif);

#endif
