/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * fast_path.h: the XDP fast path of sctpalgd, included by xdp_steer.bpf.c.
 * For a packet of an established association whose chunks the engine
 * passes unchanged, found in fast_map4 or fast_map6 by the key the engine
 * installed (include/xdp_fast.h), it does what the engine and the
 * datapath would (src/engine/xlate.c xlate_commit(), src/daemon/
 * datapath.c forward()):
 * new addresses and ports, the IPv4 header checksum, the CRC32c patched
 * for the ports, link padding cut, the next hop's MACs, and a redirect to
 * the egress interface.  Anything it is not sure of is handed to the
 * slow path (return -1): the steering code below sends it to AF_XDP as
 * before, where the engine decides and counts.  The slow path is the
 * reference; the fast path never drops.
 *
 * Like the engine it forwards as a router (RFC 1812 5.3.1, RFC 8200 3):
 * one hop less on every packet it takes, and a packet arriving with TTL
 * / Hop Limit 1 or 0 is handed off, for the engine to drop and the
 * daemon to answer with ICMP Time Exceeded.
 *
 * Handed off: multi-buffer frames, VLAN tags, IPv4 options and fragments,
 * IPv6 extension
 * headers, a damaged IPv4 header, TTL / Hop Limit 1 or 0, packets over the egress MTU or over the
 * engine's largest, any chunk other than DATA, I-DATA, SACK, NR-SACK,
 * HEARTBEAT, HEARTBEAT ACK, FORWARD TSN, I-FORWARD TSN, RE-CONFIG and
 * PAD (RFC 9260 3.2, RFC 8260, RFC 7053, RFC 6525, RFC 4820), a chunk the
 * engine's sctp_parse_chunks() would refuse (length, padding, count).
 *
 * The CRC32c is not verified, as the engine does not verify it for these
 * chunks (src/engine/engine.c, changes_state()): a packet that changes
 * no state keeps its checksum, patched for the new ports only, so a
 * damaged one stays damaged and the receiver discards it (RFC 9260 6.8).
 * A zero checksum (RFC 9653) stays zero.
 */
#ifndef SCTPALG_FAST_PATH_H
#define SCTPALG_FAST_PATH_H

#include "gen/crc32c_zeros.h"
#include "xdp_fast.h"

/* Set by user space before load. */
const volatile __u8 fast_enabled = 0;
const volatile __u8 fast_dir = XDP_FAST_OUTBOUND;
/*
 * x^(8 * len) modulo P for every SCTP length (fast_kv_xpow()), so a
 * port change costs one multiplication; 0 where user space left it
 * unset, then it is worked out from crc32c_zeros_lo / _hi.
 */
const volatile __u32 fast_xpow[XDP_FAST_MAX_PKT + 1];
/*
 * The CRC32c byte tables of slicing-by-4 (fast_kv_crc_tables()): the
 * reduction of a 4-bit-window multiplication; 0 where unset, then the
 * multiplication goes one bit at a time.
 */
const volatile __u32 fast_crc_tab[4][256];
/*
 * The counters' slots per CPU: fast_stats holds CPU 0's slots, then CPU
 * 1's... (include/xdp_fast.h).
 */
const volatile __u32 fast_stats_slots = 0;

/*
 * Shared by every interface's program instance (bpf_map__reuse_fd): IPv4
 * paths in fast_map4, IPv6 paths in fast_map6 (include/xdp_fast.h), each
 * the hash map in slot 0 of an array of maps, so that user space can put
 * a bigger one in its place as the entries grow (src/daemon/fast_kv.c).
 * A hash map's buckets and elements are allocated for its largest size:
 * sized for every association the configuration allows, a few thousand
 * entries would be strewn over megabytes, a cache and TLB miss each.
 * The definitions below are templates (the maps are user space's), with
 * sizes, not types: clang leaves types named only in here incomplete.
 */
struct fast_map4 {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(struct xdp_fast_key4));
	__uint(value_size, sizeof(struct xdp_fast_val4));
};

struct fast_map6 {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(struct xdp_fast_key));
	__uint(value_size, sizeof(struct xdp_fast_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct fast_map4);
} fast_maps4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct fast_map6);
} fast_maps6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct xdp_fast_stats);
} fast_stats SEC(".maps");

#define SCTP_CID_DATA		0
#define SCTP_CID_SACK		3
#define SCTP_CID_HEARTBEAT	4
#define SCTP_CID_HEARTBEAT_ACK	5
#define SCTP_CID_NR_SACK	16
#define SCTP_CID_I_DATA		64
#define SCTP_CID_RECONF		130
#define SCTP_CID_PAD		132
#define SCTP_CID_FWD_TSN	192
#define SCTP_CID_I_FWD_TSN	194

struct fast_sctp_hdr {
	__be16 sport;
	__be16 dport;
	__be32 vtag;
	__u8 csum[4];		/* little-endian (RFC 9260 appendix A) */
};

/*
 * The smallest chunk of each type the fast path takes (the engine's
 * chunk_min_len(), src/engine/sctp_parse.c), FAST_REFRESH for the chunks
 * that refresh the established timeout (src/engine/assoc_state.c); 0: not
 * taken.  A table, not a switch: no branch for the verifier to follow
 * into every iteration of the chunk walk.
 */
#define FAST_REFRESH	0x80
static const __u8 fast_chunk_min[256] = {
	[SCTP_CID_DATA] = 16 | FAST_REFRESH,
	[SCTP_CID_I_DATA] = 20 | FAST_REFRESH,
	[SCTP_CID_HEARTBEAT] = 8 | FAST_REFRESH,
	[SCTP_CID_HEARTBEAT_ACK] = 8 | FAST_REFRESH,
	[SCTP_CID_SACK] = 16,
	[SCTP_CID_NR_SACK] = 20,
	[SCTP_CID_FWD_TSN] = 8,
	[SCTP_CID_I_FWD_TSN] = 8,
	[SCTP_CID_RECONF] = 4,
	[SCTP_CID_PAD] = 4,
};

/*
 * a * b modulo P, reflected (bit 31 is x^0), one bit at a time: no
 * tables and no data-dependent branches, 32 steps (zlib's multmodp).
 */
static __always_inline __u32 fast_gf2_mulmod(__u32 a, __u32 b)
{
	__u32 p = 0;
	int i;

	/* Unrolled whole, clang spills past the 512-byte stack. */
#pragma clang loop unroll_count(8)
	for (i = 0; i < 32; i++) {
		__u32 take = (a >> (31 - i)) & 1;
		__u32 carry = b & 1;

		/*
		 * Multiplied by an opaque 0 or 1: a 0 / -1 mask becomes a
		 * select, which BPF has only as a branch, and the verifier
		 * forks on ANDs with 0 / -1 too; 2^64 paths either way.
		 */
		asm volatile("" : "+r"(take), "+r"(carry));
		p ^= b * take;
		b = (b >> 1) ^ (CRC32C_POLY_REFLECTED * carry);
	}
	return p;
}

/*
 * The engine's sctp_csum_update_ports() (src/engine/crc32c.c): the CRC
 * is affine in the message, so the new one is the old one xor the CRC of
 * the port difference followed by len - 4 zero bytes, i.e. the
 * difference times x^(8 * len).  len < 2^16 here (XDP_FAST_MAX_PKT).
 */
/*
 * The same with a 4-bit window over multiples of b and the byte tables
 * for the reduction: the engine's gf2_mulmod_sw() (src/engine/crc32c.c),
 * a quarter of the steps.  The carry-less product of the two reflected
 * words, shifted up by one, has the part below x^32 in its high word and
 * the part from x^32 up in its low word, which the tables fold back.
 */
static __always_inline __u32 fast_gf2_mulmod_tab(__u32 a, __u32 b)
{
	__u64 mult[16], prod = 0;
	__u32 lo;
	int i;

	mult[0] = 0;
	mult[1] = b;
#pragma unroll
	for (i = 2; i < 16; i += 2) {
		mult[i] = mult[i / 2] << 1;
		mult[i + 1] = mult[i] ^ b;
	}
#pragma unroll
	for (i = 0; i < 32; i += 4)
		prod ^= mult[(a >> i) & 15] << i;
	lo = (__u32)(prod << 1);
	return (__u32)(prod >> 31) ^
	       (fast_crc_tab[3][lo & 0xff] ^ fast_crc_tab[2][(lo >> 8) & 0xff] ^
		fast_crc_tab[1][(lo >> 16) & 0xff] ^ fast_crc_tab[0][lo >> 24]);
}

__attribute__((noinline)) __u32 fast_csum_ports(__u32 csum, __u32 d, __u32 len)
{
	__u32 x = len <= XDP_FAST_MAX_PKT ? fast_xpow[len] : 0;

	if (!x)
		x = fast_gf2_mulmod(crc32c_zeros_lo[len & 0xff],
				    crc32c_zeros_hi[(len >> 8) & 0xff]);

	if (fast_crc_tab[0][1])
		return csum ^ fast_gf2_mulmod_tab(x, d);
	return csum ^ fast_gf2_mulmod(x, d);
}

/* RFC 1071 over a 20-byte IPv4 header: the folded sum. */
static __always_inline __u32 fast_ip4_sum(const __u16 *w)
{
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * Walk every chunk as sctp_parse_chunks() does; -1 unless each is one the
 * fast path takes and the packet is well formed, else FAST_REFRESH when a
 * chunk that refreshes the association's timer is among them.  Global
 * functions, this and fast_csum_ports(): the verifier checks each once,
 * not once for every way the caller can reach it.
 */
__attribute__((noinline)) int fast_walk(struct xdp_md *ctx, __u32 off,
					__u32 end, __u32 max_chunks)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 n, refresh = 0;
	const __u8 *hdr;

	if (off >= end)
		return -1;	/* no chunks */
	for (n = 0; n < XDP_FAST_MAX_CHUNKS && off < end; n++) {
		__u32 left = end - off, clen, pad, min;

		/*
		 * The frame is linear (fast_path() hands multi-buffer ones
		 * off) and off < end <= XDP_FAST_MAX_PKT + ETH_HLEN, so the
		 * mask changes nothing; it tells the verifier the bound.
		 */
		hdr = data + (off & 0x3fff);
		if (n >= max_chunks || left < 4 ||
		    (const void *)(hdr + 4) > data_end)
			return -1;
		clen = ((__u32)hdr[2] << 8) | hdr[3];
		min = fast_chunk_min[hdr[0]];
		refresh |= min;
		min &= ~FAST_REFRESH;
		pad = (clen + 3) & ~3u;
		/* Only the last chunk may leave its padding out. */
		if (!min || clen < min || clen > left ||
		    (pad > left && clen != left))
			return -1;
		off += pad;
	}
	return off >= end ? (int)(refresh & FAST_REFRESH) : -1;
}

/*
 * The slot is found by arithmetic: a BPF_MAP_TYPE_PERCPU_ARRAY would
 * load the element's per-CPU pointer first, a second cache miss in a row
 * per packet once the associations outgrow the caches (test/fastpath/
 * fast_bench.c, 100,000 associations in random order, 2026-12-06 on a
 * quiet machine: 754 to 857 ns a packet with a per-CPU array, 556 to 610
 * with this).
 */
static __always_inline void fast_count(__u32 idx, __u32 bytes, int refresh)
{
	__u32 slot = bpf_get_smp_processor_id() * fast_stats_slots + idx;
	struct xdp_fast_stats *st = bpf_map_lookup_elem(&fast_stats, &slot);
	__u64 now;

	if (!st)
		return;
	now = bpf_ktime_get_coarse_ns();
	if (fast_dir == XDP_FAST_OUTBOUND) {
		st->pkts_out++;
		st->bytes_out += bytes;
	} else {
		st->pkts_in++;
		st->bytes_in += bytes;
	}
	st->last_seen_ns = now;
	if (refresh & FAST_REFRESH)
		st->last_refresh_ns = now;
}

/*
 * XDP_REDIRECT when the packet was taken, -1 to hand it to the slow path
 * untouched; bits 8 and up: the counter (which family).  The packet
 * pointers of the caller are stale after a packet was taken
 * (bpf_xdp_adjust_tail()).
 *
 * A global function: the verifier checks it once, on its own, instead of
 * checking the steering code again after each of its many hand-offs.
 */
__attribute__((noinline)) int fast_path(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_fast_val4 *val4 = NULL;
	struct xdp_fast_val *val6 = NULL;
	const struct xdp_fast_out *out;
	__u32 zero = 0;
	void *map;
	struct fast_sctp_hdr *sh;
	__u32 frame = bpf_xdp_get_buff_len(ctx);
	__u32 l4_off, total, old_ports, new_ports, csum, d;
	int refresh;
	int what = XDP_STEER_FAST_SCTP4;
	struct iphdr *ip = NULL;
	struct ipv6hdr *ip6 = NULL;

	/*
	 * A multi-buffer frame (jumbo MTU) goes the slow way: a redirect
	 * of one to a driver without scatter-gather XDP transmit would be
	 * dropped without a trace.
	 */
	if ((void *)(eth + 1) > data_end || frame != data_end - data)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end || ip->version != 4 ||
		    ip->ihl != 5 || ip->protocol != IPPROTO_SCTP ||
		    ip->ttl <= 1 ||
		    ip->frag_off & bpf_htons(IP4_MF | IP4_OFFSET) ||
		    fast_ip4_sum((const __u16 *)ip) != 0xffff)
			return -1;
		total = bpf_ntohs(ip->tot_len);
		l4_off = sizeof(*eth) + sizeof(*ip);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end || ip6->version != 6 ||
		    ip6->nexthdr != IPPROTO_SCTP || ip6->hop_limit <= 1)
			return -1;
		total = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		l4_off = sizeof(*eth) + sizeof(*ip6);
	} else {
		return -1;
	}
	sh = data + l4_off;
	if ((void *)(sh + 1) > data_end)
		return -1;
	/*
	 * total: from the IP header on; the engine takes no more, and
	 * refuses a buffer (link padding included) over its largest.
	 */
	if (total + sizeof(*eth) > frame ||
	    frame - sizeof(*eth) > XDP_FAST_MAX_PKT ||
	    total < l4_off - sizeof(*eth) + sizeof(*sh))
		return -1;
	if (ip) {
		struct xdp_fast_key4 key = {
			.dir = fast_dir,
			.vtag = sh->vtag,
		};

		/* Whole words: see struct xdp_fast_key4. */
		*(__u32 *)&key.sport = *(__u32 *)sh;
		*(__u32 *)key.src = ip->saddr;
		*(__u32 *)key.dst = ip->daddr;
		map = bpf_map_lookup_elem(&fast_maps4, &zero);
		val4 = map ? bpf_map_lookup_elem(map, &key) : NULL;
		if (!val4)
			return -1;
		out = &val4->out;
	} else if (ip6) {
		struct xdp_fast_key key = {
			.dir = fast_dir,
			.family = 6,
			.sport = sh->sport,
			.dport = sh->dport,
			.vtag = sh->vtag,
		};

		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		map = bpf_map_lookup_elem(&fast_maps6, &zero);
		val6 = map ? bpf_map_lookup_elem(map, &key) : NULL;
		if (!val6)
			return -1;
		out = &val6->out;
	} else {
		return -1; /* for the verifier: one of the two is set */
	}
	if (total > out->mtu)
		return -1;
	refresh = fast_walk(ctx, l4_off + sizeof(*sh), total + sizeof(*eth),
			    out->max_chunks);
	if (refresh < 0)
		return -1;

	/* Committed: nothing below hands off. */
	if (ip && val4) {
		__builtin_memcpy(&ip->saddr, val4->new_src, 4);
		__builtin_memcpy(&ip->daddr, val4->new_dst, 4);
		ip->ttl--;
		ip->check = 0;
		ip->check = (__u16)~fast_ip4_sum((const __u16 *)ip);
	} else if (ip6 && val6) {
		__builtin_memcpy(&ip6->saddr, val6->new_src, 16);
		__builtin_memcpy(&ip6->daddr, val6->new_dst, 16);
		ip6->hop_limit--;
		what = XDP_STEER_FAST_SCTP6;
	}
	old_ports = *(__u32 *)sh;
	sh->sport = out->new_sport;
	sh->dport = out->new_dport;
	new_ports = *(__u32 *)sh;
	csum = (__u32)sh->csum[0] | ((__u32)sh->csum[1] << 8) |
	       ((__u32)sh->csum[2] << 16) | ((__u32)sh->csum[3] << 24);
	d = __builtin_bswap32(bpf_ntohl(old_ports ^ new_ports));
	if (d && csum) {
		csum = fast_csum_ports(csum, d, total - (l4_off - sizeof(*eth)));
		sh->csum[0] = (__u8)csum;
		sh->csum[1] = (__u8)(csum >> 8);
		sh->csum[2] = (__u8)(csum >> 16);
		sh->csum[3] = (__u8)(csum >> 24);
	}
	__builtin_memcpy(eth->h_dest, out->dst_mac, 6);
	__builtin_memcpy(eth->h_source, out->src_mac, 6);
	fast_count(out->stats_idx, total, refresh);
	/* Link padding goes, as the engine cuts it (xlate_commit()). */
	if (frame > total + sizeof(*eth))
		bpf_xdp_adjust_tail(ctx, -(int)(frame - total - sizeof(*eth)));
	/* Flags 0: XDP_REDIRECT, or XDP_ABORTED for an unusable
	 * ifindex, which the kernel traces; either way it was taken. */
	return (bpf_redirect(out->ifindex, 0) == XDP_REDIRECT ? XDP_REDIRECT :
								XDP_ABORTED) |
	       what << 8;
}

#endif
