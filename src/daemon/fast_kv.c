/*
 * fast_kv.c: engine fast-path entries as XDP map keys and values
 * (fast_kv.h).  Everything goes in network byte order, as the
 * program compares and writes it straight from the packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* A hash map for fast_map4 (v4) or fast_map6 of cap entries. */
static int create_inner(bool v4, uint32_t cap)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);

	/*
	 * Most paths are IPv4; IPv6 entries are allocated as they are
	 * installed rather than all up front (fast_path.h's template).
	 */
	o.map_flags = v4 ? 0 : BPF_F_NO_PREALLOC;
	return bpf_map_create(
		BPF_MAP_TYPE_HASH, v4 ? "fast_map4" : "fast_map6",
		v4 ? sizeof(struct xdp_fast_key4) : sizeof(struct xdp_fast_key),
		v4 ? sizeof(struct xdp_fast_val4) : sizeof(struct xdp_fast_val),
		cap, &o);
}

/* Every entry of one hash map into another, in batches. */
static int copy_entries(int from, int to, uint32_t key_size, uint32_t val_size)
{
	enum {
		CHUNK = 4096
	};
	uint8_t *keys = malloc((size_t)CHUNK * key_size);
	uint8_t *vals = malloc((size_t)CHUNK * val_size);
	uint64_t batch = 0;
	bool first = true;
	int err = keys && vals ? 0 : -ENOMEM;

	while (!err) {
		uint32_t n = CHUNK, done;
		int r = bpf_map_lookup_batch(from, first ? NULL : &batch,
					     &batch, keys, vals, &n, NULL);

		first = false;
		if (r && r != -ENOENT) {
			err = r;
			break;
		}
		done = n;
		if (n)
			err = bpf_map_update_batch(to, keys, vals, &done, NULL);
		if (r == -ENOENT)
			break; /* that was the last batch */
	}
	free(keys);
	free(vals);
	return err;
}

/*
 * The family's map replaced by one of cap entries holding the same
 * entries.  The programs find the old one or the new one, both complete;
 * nothing else writes to them meanwhile (the daemon's one thread).  The
 * counters are in fast_stats, not in the entries: none is lost.
 */
static int resize(struct fast_kv_maps *m, bool v4, uint32_t cap)
{
	int *fd = v4 ? &m->fd4 : &m->fd6, outer = v4 ? m->outer4 : m->outer6;
	uint32_t zero = 0;
	int nfd, err;

	nfd = create_inner(v4, cap);
	if (nfd < 0)
		return nfd;
	err = copy_entries(*fd, nfd,
			   v4 ? sizeof(struct xdp_fast_key4) :
				sizeof(struct xdp_fast_key),
			   v4 ? sizeof(struct xdp_fast_val4) :
				sizeof(struct xdp_fast_val));
	if (!err)
		err = bpf_map_update_elem(outer, &zero, &nfd, BPF_ANY);
	if (err) {
		close(nfd);
		return err;
	}
	close(*fd);
	*fd = nfd;
	*(v4 ? &m->cap4 : &m->cap6) = cap;
	return 0;
}

/* Twice the entries, up to max: -E2BIG at max. */
static int grow(struct fast_kv_maps *m, bool v4)
{
	uint32_t cap = v4 ? m->cap4 : m->cap6;

	if (cap >= m->max)
		return -E2BIG;
	return resize(m, v4, cap > m->max / 2 ? m->max : cap * 2);
}

/*
 * Half the entries once a quarter or fewer are in use, down to the
 * first size: after a peak of associations the remaining entries are
 * no longer strewn over the peak's buckets and elements (a cache and
 * TLB miss each, fast_path.h), and the memory goes back.  Half, not a
 * quarter: the map is then at most half full, and a few installs do not
 * make it grow again at once.  A map that cannot be made smaller (out
 * of memory) stays as it is: nothing is lost.
 */
static void maybe_shrink(struct fast_kv_maps *m, bool v4)
{
	uint32_t cap = v4 ? m->cap4 : m->cap6, n = v4 ? m->n4 : m->n6;

	if (cap / 2 >= m->first && n <= cap / 4)
		(void)resize(m, v4, cap / 2);
}

int fast_kv_maps_open(struct fast_kv_maps *m, int outer4, int outer6,
		      uint32_t first, uint32_t max)
{
	uint32_t zero = 0;

	*m = (struct fast_kv_maps){
		.fd4 = -1, .fd6 = -1, .outer4 = -1, .outer6 = -1, .max = max
	};
	m->first = m->cap4 = m->cap6 = max < first ? max : first;
	m->fd4 = create_inner(true, m->cap4);
	m->fd6 = create_inner(false, m->cap6);
	if (m->fd4 < 0 || m->fd6 < 0)
		return -errno;
	if (outer4 < 0) {
		LIBBPF_OPTS(bpf_map_create_opts, o4, .inner_map_fd = m->fd4);
		LIBBPF_OPTS(bpf_map_create_opts, o6, .inner_map_fd = m->fd6);

		m->outer4 = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS,
					   "fast_maps4", 4, 4, 1, &o4);
		m->outer6 = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS,
					   "fast_maps6", 4, 4, 1, &o6);
	} else {
		m->outer4 = dup(outer4);
		m->outer6 = dup(outer6);
	}
	if (m->outer4 < 0 || m->outer6 < 0)
		return -errno;
	if (bpf_map_update_elem(m->outer4, &zero, &m->fd4, BPF_ANY) ||
	    bpf_map_update_elem(m->outer6, &zero, &m->fd6, BPF_ANY))
		return -errno;
	return 0;
}

void fast_kv_maps_close(struct fast_kv_maps *m)
{
	int *fds[] = { &m->fd4, &m->fd6, &m->outer4, &m->outer6 };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int fast_kv_install(struct fast_kv_maps *m, const struct xdp_fast_key *k,
		    const struct xdp_fast_val *v)
{
	struct xdp_fast_key4 k4;
	struct xdp_fast_val4 v4 = { .out = v->out };
	bool v6 = k->family == 6;
	uint64_t flags = BPF_NOEXIST;
	int err;

	if (!v6) {
		key4(k, &k4);
		memcpy(v4.new_src, v->new_src, 4);
		memcpy(v4.new_dst, v->new_dst, 4);
	}
	/*
	 * Added (BPF_NOEXIST) or else replaced (BPF_EXIST), so that the
	 * entries are counted for maybe_shrink(): the kernel does not say
	 * which BPF_ANY did.  A replacement needs no room: the map keeps
	 * spare elements for it.
	 */
	for (;;) {
		err = v6 ? bpf_map_update_elem(m->fd6, k, v, flags) :
			   bpf_map_update_elem(m->fd4, &k4, &v4, flags);
		if (!err && flags == BPF_NOEXIST)
			(*(v6 ? &m->n6 : &m->n4))++;
		if (err == -EEXIST && flags == BPF_NOEXIST) {
			flags = BPF_EXIST;
			continue;
		}
		/* A full map says E2BIG; then a bigger one, and again. */
		if (err != -E2BIG)
			return err;
		err = grow(m, !v6);
		if (err)
			return err;
	}
}

int fast_kv_remove(struct fast_kv_maps *m, const struct xdp_fast_key *k)
{
	struct xdp_fast_key4 k4;
	bool v6 = k->family == 6;
	int err;

	if (v6) {
		err = bpf_map_delete_elem(m->fd6, k);
	} else {
		key4(k, &k4);
		err = bpf_map_delete_elem(m->fd4, &k4);
	}
	if (!err) {
		(*(v6 ? &m->n6 : &m->n4))--;
		maybe_shrink(m, !v6);
	}
	return err;
}

int fast_kv_clear(struct fast_kv_maps *m)
{
	int fds[2] = { m->fd4, m->fd6 };

	/*
	 * From the key just deleted: the kernel finds the next one after
	 * it, where asking for the first key each time would walk the
	 * emptied buckets again (quadratic).
	 */
	for (int i = 0; i < 2; i++) {
		uint8_t key[sizeof(struct xdp_fast_key)],
			next[sizeof(struct xdp_fast_key)];
		int more = !bpf_map_get_next_key(fds[i], NULL, key);

		while (more) {
			more = !bpf_map_get_next_key(fds[i], key, next);
			if (bpf_map_delete_elem(fds[i], key))
				return -errno;
			memcpy(key, next, sizeof(key));
		}
	}
	m->n4 = m->n6 = 0;
	if (m->cap4 > m->first) {
		int err = resize(m, true, m->first);

		if (err)
			return err;
	}
	return m->cap6 > m->first ? resize(m, false, m->first) : 0;
}
