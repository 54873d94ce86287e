/*
 * fast_kv: an engine fast-path entry (engine_fast.h) as the XDP program's
 * map key and value (xdp_fast.h), and its installation in the map of its
 * family.  Shared by the daemon (fast_map.c) and the fast path's tests
 * and benchmark (test/fastpath/).
 */
#ifndef SCTPALG_FAST_KV_H
#define SCTPALG_FAST_KV_H

#include <stdint.h>

#include "engine_fast.h"
#include "xdp_fast.h"

/* Where the packet leaves: egress interface, its MTU, the MACs. */
struct fast_kv_hop {
	int ifindex;
	uint32_t mtu;
	uint8_t dst_mac[6], src_mac[6];
};

/*
 * The fast path's maps (src/bpf/fast_path.h): fast_map4 and fast_map6,
 * each in slot 0 of an array of maps the programs look it up in, sized
 * to the entries installed: from `first` entries (the daemon:
 * FAST_KV_FIRST_CAP), doubled each time one is full, up to max, and
 * halved, down to first, once a quarter or fewer are in use.
 */
struct fast_kv_maps {
	int fd4, fd6; /* the hash maps in use */
	int outer4, outer6; /* arrays of maps, one slot each */
	uint32_t cap4, cap6, first, max;
	uint32_t n4, n6; /* entries in each */
};

#define FAST_KV_FIRST_CAP 1024u

/*
 * Creates both hash maps and puts them in slot 0 of outer4 / outer6, or,
 * with outer4 and outer6 -1, of arrays of maps made for them.  0 or
 * -errno; fast_kv_maps_close() either way.
 */
int fast_kv_maps_open(struct fast_kv_maps *m, int outer4, int outer6,
		      uint32_t first, uint32_t max);
void fast_kv_maps_close(struct fast_kv_maps *m);

void fast_kv_key(const struct engine_fast_entry *en, struct xdp_fast_key *k);
void fast_kv_val(const struct engine_fast_entry *en,
		 const struct fast_kv_hop *hop, uint32_t stats_idx,
		 struct xdp_fast_val *v);
/*
 * Adds or replaces (one atomic map update) a path's entry in its
 * family's map, an IPv4 path's narrowed to fast_map4's key and value,
 * replacing a full map by one twice its size first (the programs see
 * the same entries in both) / removes it, replacing a map a quarter
 * full or less by one half its size: 0, or libbpf's negative error
 * (-E2BIG: full at max; -ENOENT: no such entry).
 */
int fast_kv_install(struct fast_kv_maps *m, const struct xdp_fast_key *k,
		    const struct xdp_fast_val *v);
int fast_kv_remove(struct fast_kv_maps *m, const struct xdp_fast_key *k);
/* Every entry removed, both maps back to the first size: 0 or -errno. */
int fast_kv_clear(struct fast_kv_maps *m);
/*
 * tab[len] = x^(8 * len) modulo the CRC32c polynomial (reflected), len
 * 0..n-1: the factor that carries a change in the first bytes of an
 * SCTP packet of len bytes into its CRC32c (the program's fast_xpow).
 */
void fast_kv_xpow(uint32_t *tab, unsigned int n);
/*
 * The CRC32c byte tables (reflected, RFC 9260 appendix A): tab[0][n] the
 * register after byte n, tab[k][n] after byte n and k zero bytes.
 */
void fast_kv_crc_tables(uint32_t tab[4][256]);

/*
 * The stats slot of a path: peer index * max_assocs + assoc id.  Peer
 * index major, so the first path of every association, the one most
 * packets take, is one dense run of slots rather than one slot in every
 * max-addresses: fewer pages and lines for the program to miss on
 * (test/bench/HISTORY.md, 2026-12-06 evening).
 */
static inline uint32_t fast_kv_stats_idx(uint32_t assoc_id, uint8_t peer_idx,
					 unsigned int max_assocs)
{
	return peer_idx * max_assocs + assoc_id;
}

#endif
