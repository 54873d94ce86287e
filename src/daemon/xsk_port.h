/*
 * xsk_port: the AF_XDP ports of sctpalgd.  One AF_XDP socket per configured
 * interface and RX queue, all sharing one UMEM, so a frame received on any
 * interface can be sent out of any other without a copy.  The steering
 * program (xdp_prog) is attached to every interface here too, because the
 * choice of AF_XDP mode and XDP attach mode is one ladder:
 *
 *   zerocopy  native XDP, sockets bound with XDP_ZEROCOPY
 *   native    native (driver) XDP, sockets bound with XDP_COPY
 *   generic   generic (SKB) XDP, sockets bound with XDP_COPY
 *
 * auto takes native XDP where the driver has it, else generic, per
 * interface.  Zero-copy is probed by trying it (a throw-away socket bound
 * with XDP_ZEROCOPY on queue 0).  The kernel gives every socket of a
 * shared UMEM the copy mode of the first one, so zero-copy is used only
 * when every interface has it; otherwise all run in copy mode and
 * xsk_port_if_zc_probe() tells which interfaces could have had it.
 *
 * Jumbo frames (AF_XDP multi-buffer).  A UMEM frame is at most a page
 * (the kernel refuses larger chunks outside huge pages), so when an
 * interface's MTU does not fit in one frame the sockets are bound with
 * XDP_USE_SG: the kernel then hands a large packet over as a chain of
 * descriptors (XDP_PKT_CONTD on all but the last).  xsk_port_rx_batch()
 * gathers such a chain into a bounce buffer (xsk_port_frame.jumbo) and
 * gives the UMEM frames back at once; xsk_port_tx_frame() cuts a bounce
 * buffer into a chain again.  The
 * copy is the price of a contiguous packet for the engine; at an MTU that
 * fits a frame nothing changes.  A frame larger than XSK_PORT_MAX_FRAME is
 * dropped by the XDP program and counted (dropped-too-big).
 *
 * Data path, single-threaded: xsk_port_rx_batch() per readable socket, then
 * for every frame either xsk_port_tx_frame() or xsk_port_frame_release(), then
 * one xsk_port_flush() per loop iteration.  No allocation, no syscall per
 * packet: sends are submitted and kicked once per flush, and only when the
 * kernel asks for a wake-up (XDP_USE_NEED_WAKEUP).
 */
#ifndef SCTPALG_XPORT_H
#define SCTPALG_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "fast_kv.h"

struct xsk_port;
struct xdp_prog;

#define XSK_PORT_MAX_IFS     16
#define XSK_PORT_MAX_SOCKETS 64
#define XSK_PORT_ETH_HLEN    14
/*
 * The largest frame taken with multi-buffer: ENGINE_MAX_PKT (9216) bytes
 * of IP behind Ethernet and two VLAN tags.
 */
#define XSK_PORT_MAX_FRAME   (9216 + XSK_PORT_ETH_HLEN + 8)
/* Bounce buffers for gathered chains, and the size of each. */
#define XSK_PORT_JUMBO_BUFS  128
#define XSK_PORT_JUMBO_SIZE  16384
/* IFNAMSIZ, without <net/if.h>, which clashes with <linux/if.h>. */
#define XSK_PORT_IFNAMSIZ    16

/* The config's modes, by the same names (conf.h). */
enum xsk_port_mode {
#define XSK_PORT_MODE_ENUM(n, s) XSK_PORT_MODE_##n,
	CONF_XDP_MODES(XSK_PORT_MODE_ENUM)
#undef XSK_PORT_MODE_ENUM
};

struct xsk_port_if_config {
	char name[XSK_PORT_IFNAMSIZ];
	unsigned int queues;		/* RX queues to serve; 0 = all */
	bool inbound;			/* an uplink (the fast path's view) */
};

struct xsk_port_config {
	const struct xsk_port_if_config *ifs;
	unsigned int n_ifs;		/* 1..XSK_PORT_MAX_IFS */
	enum xsk_port_mode mode;
	/*
	 * UMEM geometry.  A frame holds one packet: the kernel puts it
	 * XDP_PACKET_HEADROOM (256) bytes in, so a 2048-byte frame takes
	 * 1792 bytes of packet and growth; 4096 leaves room for INIT
	 * rewriting on any 1500-byte MTU packet.  frames_per_socket frames
	 * per socket go into the one UMEM; ring_size is the size of every
	 * ring (RX, TX, fill, completion) and must be <= frames_per_socket
	 * so the fill rings never take every frame.
	 */
	uint32_t frame_size;		/* 2048 or 4096; 0 = 4096 */
	uint32_t frames_per_socket;	/* power of 2; 0 = 4096 */
	uint32_t ring_size;		/* power of 2, >= 64; 0 = 2048 */
	/* The XDP fast path (fast_map.h): on when `fast`, sharing these. */
	bool fast;
	struct fast_kv_maps fast_entries;
	int fast_stats_fd;
	uint32_t fast_stats_slots;
	/* Optional: on failure, a sentence saying which step failed. */
	char *err;
	size_t err_len;
};

/*
 * One received frame; the caller owns it until xsk_port_tx_frame() or
 * xsk_port_frame_release().  Fast path: fields are read and written inline.
 * data may move (xsk_port_frame_set_eth()), len may grow up to cap.
 */
struct xsk_port_frame {
	uint8_t *data;		/* Ethernet header, inside the UMEM */
	uint32_t len;
	uint32_t cap;		/* bytes from data to the end of the frame */
	uint32_t headroom;	/* bytes of the frame before data */
	uint16_t sock;		/* socket it was received on */
	uint16_t in_if;	/* xsk_port interface it came in on */
	int ifindex;		/* kernel ifindex it came in on */
	uint16_t jumbo;		/* 0: in the UMEM; k: bounce buffer k - 1 */
};

struct xsk_port_if_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_dropped;		/* TX ring full or bad length */
	/* From the kernel (XDP_STATISTICS), summed over the sockets. */
	uint64_t k_rx_dropped, k_rx_ring_full, k_rx_fill_empty;
	uint64_t k_rx_invalid, k_tx_invalid, k_tx_ring_empty;
};

struct xsk_port_stats {
	uint64_t tx_kicks, fill_kicks, kick_errors;
	uint64_t alloc_failed;
	uint64_t frame_errors;		/* double release, bad completion */
	/* Multi-buffer: chains received and sent; chains dropped because
	 * they were longer than a bounce buffer or none was free. */
	uint64_t rx_multibuf, tx_multibuf;
	uint64_t rx_too_big, rx_no_buffer;
	/* Where the UMEM's frames are now; they add up to frames_total. */
	uint32_t frames_total, frames_free, frames_held;
	uint32_t frames_fill, frames_tx;
	uint32_t jumbo_total, jumbo_held;	/* bounce buffers */
};

/* Attach, probe, create the UMEM and sockets.  0 or -errno. */
int xsk_port_create(const struct xsk_port_config *cfg, struct xsk_port **out);
/* Detach the programs first (traffic goes back to the kernel), then free. */
void xsk_port_destroy(struct xsk_port *x);

/* Sockets, for the event loop: poll each fd for POLLIN. */
unsigned int xsk_port_nsocks(const struct xsk_port *x);
int xsk_port_fd(const struct xsk_port *x, unsigned int sock);
unsigned int xsk_port_sock_if(const struct xsk_port *x, unsigned int sock);

/* Up to max frames from one socket; refills its fill ring. */
unsigned int xsk_port_rx_batch(struct xsk_port *x, unsigned int sock,
			       struct xsk_port_frame *frames, unsigned int max);
/*
 * Queue f for sending on interface out_if (an xsk_port interface index),
 * whatever socket it came from.  Always consumes f: on -ENOBUFS (TX ring
 * full) or -EINVAL (len 0 or beyond cap) the frame is freed and counted.
 */
int xsk_port_tx_frame(struct xsk_port *x, unsigned int out_if,
		      struct xsk_port_frame *f);
void xsk_port_frame_release(struct xsk_port *x, struct xsk_port_frame *f);
/*
 * Submit queued sends, kick where the kernel needs it, recycle completed
 * frames, top up fill rings.  Returns frames still in flight on TX: when
 * non-zero, call again soon (next loop turn or timer tick).
 */
unsigned int xsk_port_flush(struct xsk_port *x);

/*
 * L2 helpers.  xsk_port_l3_offset(): offset of the IP header after Ethernet
 * and up to two VLAN tags, with the ethertype; -1 if not IPv4/IPv6 or
 * truncated.  xsk_port_frame_set_eth(): turn f into an untagged Ethernet frame
 * dst <- src carrying the l3_len-byte IP packet now at l3_off (tags
 * dropped, ethertype from the IP version).  0, -EINVAL, -ENOSPC.
 */
int xsk_port_l3_offset(const struct xsk_port_frame *f, uint16_t *ethertype);
int xsk_port_frame_set_eth(struct xsk_port_frame *f, uint32_t l3_off,
			   uint32_t l3_len, const uint8_t dst[6],
			   const uint8_t src[6]);

/* Interfaces, in configuration order. */
unsigned int xsk_port_if_count(const struct xsk_port *x);
/* The interface with kernel ifindex ifindex, or -1. */
int xsk_port_if_lookup(const struct xsk_port *x, int ifindex);
const char *xsk_port_if_name(const struct xsk_port *x, unsigned int i);
int xsk_port_if_ifindex(const struct xsk_port *x, unsigned int i);
const uint8_t *xsk_port_if_mac(const struct xsk_port *x, unsigned int i);
enum xsk_port_mode xsk_port_if_mode(const struct xsk_port *x, unsigned int i);
/*
 * Zero-copy probe: 0 if a zero-copy bind worked on this interface, -errno
 * of the try, or 1 if not tried (mode forced to native or generic, or the
 * interface runs generic XDP).
 */
int xsk_port_if_zc_probe(const struct xsk_port *x, unsigned int i);
const struct xdp_prog *xsk_port_if_prog(const struct xsk_port *x,
					unsigned int i);
void xsk_port_if_stats(const struct xsk_port *x, unsigned int i,
		       struct xsk_port_if_stats *out);
/* True when the sockets take multi-buffer chains (XDP_USE_SG). */
bool xsk_port_multibuf(const struct xsk_port *x);
/* The largest frame the sockets take (the XDP program drops larger). */
uint32_t xsk_port_max_frame(const struct xsk_port *x);
const char *xsk_port_mode_name(enum xsk_port_mode m);
/* Parse "auto|zerocopy|native|generic"; 0 or -EINVAL. */
int xsk_port_mode_parse(const char *s, enum xsk_port_mode *m);

void xsk_port_stats(const struct xsk_port *x, struct xsk_port_stats *out);
/* 0 if every frame is accounted for, -EFAULT if one leaked. */
int xsk_port_check_frames(const struct xsk_port *x);

#endif
