/*
 * fast_kv.c: engine fast-path entries as XDP map keys and values
 * (fast_kv.h).  Everything goes in network byte order, as the
 * program compares and writes it straight from the packet.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>

#include "fast_kv.h"

static void put_addr(uint8_t out[16], const struct nat_addr *a)
{
	memset(out, 0, 16);
	memcpy(out, a->bytes, nat_addr_len(a));
}

/* a * b modulo P, reflected, one bit at a time (zlib's multmodp). */
static uint32_t mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (int i = 0; i < 32; i++) {
		if (a & (0x80000000u >> i))
			p ^= b;
		b = (b >> 1) ^ (0x82f63b78u & (0u - (b & 1)));
	}
	return p;
}

void fast_kv_xpow(uint32_t *tab, unsigned int n)
{
	/* x^0 is bit 31; x^8 is 0x00800000. */
	for (unsigned int i = 0; i < n; i++)
		tab[i] = i ? mulmod(tab[i - 1], 0x00800000u) : 0x80000000u;
}

void fast_kv_crc_tables(uint32_t tab[4][256])
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int i = 0; i < 8; i++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		tab[0][n] = c;
	}
	for (int k = 1; k < 4; k++)
		for (uint32_t n = 0; n < 256; n++)
			tab[k][n] = (tab[k - 1][n] >> 8) ^
				    tab[0][tab[k - 1][n] & 0xff];
}

void fast_kv_key(const struct engine_fast_entry *en, struct xdp_fast_key *k)
{
	memset(k, 0, sizeof(*k));
	k->dir = en->dir == ENGINE_INBOUND ? XDP_FAST_INBOUND :
					     XDP_FAST_OUTBOUND;
	k->family = en->src.family == AF_INET6 ? 6 : 4;
	k->sport = htons(en->sport);
	k->dport = htons(en->dport);
	k->vtag = htonl(en->vtag);
	put_addr(k->src, &en->src);
	put_addr(k->dst, &en->dst);
}

void fast_kv_val(const struct engine_fast_entry *en,
		 const struct fast_kv_hop *hop, uint32_t stats_idx,
		 struct xdp_fast_val *v)
{
	memset(v, 0, sizeof(*v));
	put_addr(v->new_src, &en->new_src);
	put_addr(v->new_dst, &en->new_dst);
	v->out.new_sport = htons(en->new_sport);
	v->out.new_dport = htons(en->new_dport);
	v->out.ifindex = (uint32_t)hop->ifindex;
	memcpy(v->out.dst_mac, hop->dst_mac, 6);
	memcpy(v->out.src_mac, hop->src_mac, 6);
	/* No MTU known: the engine's largest packet. */
	v->out.mtu = hop->mtu ? hop->mtu : XDP_FAST_MAX_PKT;
	v->out.stats_idx = stats_idx;
	v->out.max_chunks = en->max_chunks < XDP_FAST_MAX_CHUNKS ?
				    en->max_chunks :
				    XDP_FAST_MAX_CHUNKS;
}

/* An IPv4 path's key as fast_map4 takes it. */
static void key4(const struct xdp_fast_key *k, struct xdp_fast_key4 *k4)
{
	memset(k4, 0, sizeof(*k4));
	k4->dir = k->dir;
	k4->sport = k->sport;
	k4->dport = k->dport;
	k4->vtag = k->vtag;
	memcpy(k4->src, k->src, 4);
	memcpy(k4->dst, k->dst, 4);
}

int fast_kv_install(const struct fast_kv_maps *m, const struct xdp_fast_key *k,
		    const struct xdp_fast_val *v)
{
	struct xdp_fast_key4 k4;
	struct xdp_fast_val4 v4 = { .out = v->out };

	if (k->family == 6)
		return bpf_map_update_elem(m->fd6, k, v, BPF_ANY);
	key4(k, &k4);
	memcpy(v4.new_src, v->new_src, 4);
	memcpy(v4.new_dst, v->new_dst, 4);
	return bpf_map_update_elem(m->fd4, &k4, &v4, BPF_ANY);
}

int fast_kv_remove(const struct fast_kv_maps *m, const struct xdp_fast_key *k)
{
	struct xdp_fast_key4 k4;

	if (k->family == 6)
		return bpf_map_delete_elem(m->fd6, k);
	key4(k, &k4);
	return bpf_map_delete_elem(m->fd4, &k4);
}
