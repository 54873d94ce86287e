/*
 * xdp_fast: the XDP fast path's map layout, shared by the program
 * (src/bpf/fast_path.h) and user space (src/daemon/fast_map.c, the
 * differential test).  Compiled by clang -target bpf as well as by the
 * host compiler, so only <linux/types.h> types.
 *
 * One hash lookup per packet: a key names one path of one established
 * association in one direction, with both addresses, so the peer address
 * check the engine makes against the association's list (README,
 * "Fast path") is already in the key.  The engine lists the keys
 * (engine_fast_entries()), the daemon adds the next hop and installs
 * them.  Two maps: IPv6 paths in fast_map6 under the general key and
 * value below, IPv4 paths in fast_map4 under a 20-byte key and a 40-byte
 * value (src/daemon/fast_kv.c): the kernel hashes and compares a quarter of
 * the bytes, and an entry spans fewer cache lines (test/bench/HISTORY.md).
 */
#ifndef SCTPALG_XDP_FAST_H
#define SCTPALG_XDP_FAST_H

#include <linux/types.h>

/* Direction, as the interface the packet arrived on says. */
#define XDP_FAST_OUTBOUND	0	/* inside -> outside */
#define XDP_FAST_INBOUND	1

/*
 * All in network byte order, as on the wire; an IPv4 address fills the
 * first four bytes of its field, the rest zero.  pad must be zero.
 */
struct xdp_fast_key {
	__u8 dir;		/* XDP_FAST_OUTBOUND / _INBOUND */
	__u8 family;		/* 4 or 6 */
	__u8 pad[2];
	__u16 sport, dport;
	__u32 vtag;
	__u8 src[16];
	__u8 dst[16];
};

/* What a path's packets get, whatever the family. */
struct xdp_fast_out {
	__u16 new_sport, new_dport;	/* network order */
	__u32 ifindex;			/* egress */
	__u8 dst_mac[6];		/* the pinned next hop */
	__u8 src_mac[6];		/* the egress interface's own */
	__u32 mtu;			/* packets longer go the slow way */
	__u32 stats_idx;		/* into fast_stats */
	__u16 max_chunks;		/* the engine's max-chunks */
	__u16 pad;
};

struct xdp_fast_val {
	struct xdp_fast_out out;
	__u8 new_src[16];
	__u8 new_dst[16];
};

/*
 * fast_map4's: four-byte words only, so the program writes the key with
 * whole-word stores that the kernel's hash reads back without a stall.
 */
struct xdp_fast_key4 {
	__u32 dir; /* XDP_FAST_OUTBOUND / _INBOUND */
	__u16 sport, dport;
	__u32 vtag;
	__u8 src[4];
	__u8 dst[4];
};

struct xdp_fast_val4 {
	struct xdp_fast_out out;
	__u8 new_src[4];
	__u8 new_dst[4];
};

/*
 * Per CPU, per path (peer index * max assocs + assoc id): what the fast
 * path forwarded.  One flat array, CPU-major: CPU c's slot for path i is
 * entry c * slots + i, so a CPU writes only its own lines and the daemon
 * reads them all through one mapping (BPF_F_MMAPABLE).  last_refresh_ns:
 * the latest packet carrying a chunk that refreshes the established
 * timeout (DATA, I-DATA, HEARTBEAT, HEARTBEAT ACK);
 * bpf_ktime_get_coarse_ns(), CLOCK_MONOTONIC as of the last timer tick:
 * the clock the daemon hands the engine, up to a tick (1 to 10 ms)
 * behind, never ahead, so an idle timer expires at most a tick late.  The
 * exact clock cost a quarter of the program's time on this VM (about 25
 * ns a packet, `fast_diff 100 1 bench`).
 */
struct xdp_fast_stats {
	__u64 pkts_out, bytes_out, pkts_in, bytes_in;
	__u64 last_seen_ns, last_refresh_ns;
};

/* Chunks looked at before the fast path gives a packet up. */
#define XDP_FAST_MAX_CHUNKS	32
/* The engine's largest packet (ENGINE_MAX_PKT). */
#define XDP_FAST_MAX_PKT	9216

#endif
