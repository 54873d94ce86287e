/*
 * fast_map.c: the fast path's entries and counters (fast_map.h).
 *
 * Entries are replaced whole for an association whenever the engine says
 * it changed: its old keys go, the engine's current list comes in.
 * Between the two its packets go the slow way, which translates them
 * the same (the differential test, test/fastpath/fast_diff.c, holds the
 * two to that), so a change never loses a packet.
 *
 * Counters: the program adds to a per-CPU slot per path (peer index *
 * max associations + assoc id, fast_kv_stats_idx()), in one flat array
 * with every CPU's slots one after the other (include/xdp_fast.h), which
 * the daemon reads and zeroes through a shared mapping, without a system
 * call per path.  A slot is zeroed when an association gets its first
 * entries; afterwards the daemon keeps the last sums it folded (the
 * shadow) and hands the engine only the difference, so nothing is
 * counted twice and no slot is written while the program may count in
 * it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine_fast.h"
#include "fast_kv.h"
#include "fast_map.h"
#include "log.h"
#include "xdp_features.h"

/* Keys installed for one association. */
struct fm_keys {
	uint16_t n, cap;
	bool pending; /* some path waits for its next hop */
	struct xdp_fast_key *k;
	struct xdp_fast_val *v; /* as installed */
};

/* Egress interfaces whose redirect capability is followed (auto). */
#define FM_MAX_EGRESS 64

struct fm_egress {
	int ifindex;
	bool xmit; /* takes redirected frames (ndo_xdp_xmit) */
};

struct fast_map {
	struct fast_kv_maps maps; /* fast_map4, fast_map6 */
	int stats_fd;
	uint32_t max_assocs, max_peers, map_size;
	unsigned int ncpu;
	struct engine *e;
	struct kroute *k;
	struct xsk_port *x;
	int uplink_ifindex[ENGINE_MAX_UPLINKS];
	struct nat_addr gateway[ENGINE_MAX_UPLINKS];
	uint64_t kroute_gen; /* kroute invalidations seen */
	bool all; /* look at every association again */
	bool paused; /* no entries while a capture runs */
	bool any_pending;
	struct fm_keys *keys; /* by assoc id */
	struct xdp_fast_stats *shadow; /* by stats slot */
	uint32_t slots; /* per CPU */
	struct xdp_fast_stats *counters; /* fast_stats, mapped: ncpu * slots */
	size_t counters_len;
	struct engine_fast_entry *ents;
	unsigned int max_ents;
	uint32_t *ids;
	struct fast_map_stats st;
	enum conf_fast_path mode;
	bool all_generic; /* every program in generic (SKB) mode */
	int watch_fd; /* xdp_features notifications, or -1 */
	struct xdp_features *xf; /* auto: NULL if the kernel cannot say */
	unsigned int n_egress;
	struct fm_egress egress[FM_MAX_EGRESS];
};

#define FM_IDS_BATCH 256

int fast_map_create(const struct engine_config *ec, struct fast_map **out)
{
	struct fast_map *fm = calloc(1, sizeof(*fm));
	int ncpu = libbpf_num_possible_cpus();
	uint64_t slots, entries;
	int err;

	if (!fm)
		return -ENOMEM;
	fm->maps = (struct fast_kv_maps){
		.fd4 = -1, .fd6 = -1, .outer4 = -1, .outer6 = -1
	};
	fm->stats_fd = -1;
	if (ncpu <= 0) {
		err = ncpu ? ncpu : -EINVAL;
		goto fail;
	}
	fm->ncpu = (unsigned int)ncpu;
	fm->max_assocs = ec->max_assocs;
	fm->max_peers = ec->max_addrs;
	slots = (uint64_t)fm->max_assocs * fm->max_peers;
	entries = slots * fm->ncpu;
	/* A BPF array's index and size are 32-bit. */
	if (entries > UINT32_MAX / sizeof(struct xdp_fast_stats)) {
		log_warnx("fast path: counters for %u CPUs x %u associations x "
			  "%u addresses exceed a BPF array's 4 GiB; lower "
			  "[limits] associations or [nat] max-addresses",
			  fm->ncpu, fm->max_assocs, fm->max_peers);
		err = -E2BIG;
		goto fail;
	}
	fm->slots = (uint32_t)slots;
	/* Two directions of two paths each for the usual association. */
	fm->map_size = fm->max_assocs * 4u < 1024u ? 1024u :
						     fm->max_assocs * 4u;
	err = fast_kv_maps_open(&fm->maps, -1, -1, FAST_KV_FIRST_CAP,
				fm->map_size);
	if (err)
		goto fail;
	{
		LIBBPF_OPTS(bpf_map_create_opts, o,
			    .map_flags = BPF_F_MMAPABLE);

		fm->stats_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fast_stats",
					      sizeof(uint32_t),
					      sizeof(struct xdp_fast_stats),
					      (uint32_t)entries, &o);
	}
	if (fm->stats_fd < 0) {
		err = -errno;
		goto fail;
	}
	fm->counters_len = entries * sizeof(struct xdp_fast_stats);
	fm->counters = mmap(NULL, fm->counters_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fm->stats_fd, 0);
	if (fm->counters == MAP_FAILED) {
		fm->counters = NULL;
		err = -errno;
		goto fail;
	}
	fm->keys = calloc(fm->max_assocs, sizeof(*fm->keys));
	fm->shadow = calloc(slots, sizeof(*fm->shadow));
	fm->ids = calloc(FM_IDS_BATCH, sizeof(*fm->ids));
	if (!fm->keys || !fm->shadow || !fm->ids) {
		err = -ENOMEM;
		goto fail;
	}
	*out = fm;
	return 0;
fail:
	fast_map_destroy(fm);
	return err;
}

void fast_map_destroy(struct fast_map *fm)
{
	if (!fm)
		return;
	if (fm->e) {
		engine_fast_set_sync(fm->e, NULL, NULL);
		engine_fast_enable(fm->e, false);
	}
	for (uint32_t i = 0; fm->keys && i < fm->max_assocs; i++) {
		free(fm->keys[i].k);
		free(fm->keys[i].v);
	}
	free(fm->keys);
	free(fm->shadow);
	if (fm->counters)
		munmap(fm->counters, fm->counters_len);
	free(fm->ents);
	free(fm->ids);
	xdp_features_close(fm->xf);
	fast_kv_maps_close(&fm->maps);
	if (fm->stats_fd >= 0)
		close(fm->stats_fd);
	free(fm);
}

const struct fast_kv_maps *fast_map_entries(const struct fast_map *fm)
{
	return &fm->maps;
}

int fast_map_stats_fd(const struct fast_map *fm)
{
	return fm->stats_fd;
}

uint32_t fast_map_stats_slots(const struct fast_map *fm)
{
	return fm->slots;
}

/* Fold one association's paths: the difference since the last fold. */
static void fold_one(struct fast_map *fm, uint32_t id)
{
	for (uint32_t p = 0; p < fm->max_peers; p++) {
		uint32_t slot =
			fast_kv_stats_idx(id, (uint8_t)p, fm->max_assocs);
		struct xdp_fast_stats sum = { 0 }, *sh = &fm->shadow[slot];
		struct engine_fast_fold f;

		for (unsigned int c = 0; c < fm->ncpu; c++) {
			const struct xdp_fast_stats *v =
				&fm->counters[(size_t)c * fm->slots + slot];

			sum.pkts_out += v->pkts_out;
			sum.bytes_out += v->bytes_out;
			sum.pkts_in += v->pkts_in;
			sum.bytes_in += v->bytes_in;
			if (v->last_seen_ns > sum.last_seen_ns)
				sum.last_seen_ns = v->last_seen_ns;
			if (v->last_refresh_ns > sum.last_refresh_ns)
				sum.last_refresh_ns = v->last_refresh_ns;
		}
		if (sum.pkts_out == sh->pkts_out && sum.pkts_in == sh->pkts_in)
			continue;
		f = (struct engine_fast_fold){
			.pkts_out = sum.pkts_out - sh->pkts_out,
			.bytes_out = sum.bytes_out - sh->bytes_out,
			.pkts_in = sum.pkts_in - sh->pkts_in,
			.bytes_in = sum.bytes_in - sh->bytes_in,
			.last_seen_ns = sum.last_seen_ns,
			.last_refresh_ns = sum.last_refresh_ns >
							   sh->last_refresh_ns ?
						   sum.last_refresh_ns :
						   0,
		};
		*sh = sum;
		engine_fast_fold(fm->e, id, p, &f);
	}
}

/* An association's first entries: its slots start from zero. */
static void zero_slots(struct fast_map *fm, uint32_t id)
{
	for (uint32_t p = 0; p < fm->max_peers; p++) {
		uint32_t slot =
			fast_kv_stats_idx(id, (uint8_t)p, fm->max_assocs);

		for (unsigned int c = 0; c < fm->ncpu; c++)
			memset(&fm->counters[(size_t)c * fm->slots + slot], 0,
			       sizeof(struct xdp_fast_stats));
		memset(&fm->shadow[slot], 0, sizeof(fm->shadow[slot]));
	}
}

/*
 * Whether the interface takes redirected frames: always with
 * fast-path = xdp (the administrator says so); with auto, what its driver
 * reports.  A frame redirected to an interface without ndo_xdp_xmit is
 * dropped by the kernel without a trace, so an unknown answer is no.
 * From programs in generic mode the kernel sends a redirected frame as an
 * skb instead, which every interface takes.
 */
static bool xmit_query(struct fast_map *fm, int ifindex)
{
	char name[IF_NAMESIZE];
	uint64_t flags = 0;
	int r;

	if (!fm->xf)
		return false;
	r = xdp_features_get(fm->xf, ifindex, &flags);
	if (r && r != -ENODEV)
		log_warnx("fast path: cannot read the XDP features of %s: %s",
			  if_indextoname((unsigned int)ifindex, name) ?: "?",
			  strerror(-r));
	return !r && (flags & XDP_FEATURE_NDO_XMIT);
}

static void xmit_log(int ifindex, bool xmit)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname((unsigned int)ifindex, name))
		return;
	if (xmit)
		log_info("fast path: %s takes redirected frames; its "
			 "established associations use the fast path", name);
	else
		log_info("fast path: %s does not take redirected frames (its "
			 "driver reports no ndo_xdp_xmit; a veth needs GRO or "
			 "an XDP program on its peer); its packets take the "
			 "slow path", name);
}

static bool redirect_ok(struct fast_map *fm, int ifindex)
{
	struct fm_egress *eg;

	if (fm->mode != CONF_FAST_PATH_AUTO || fm->all_generic)
		return true;
	for (unsigned int i = 0; i < fm->n_egress; i++)
		if (fm->egress[i].ifindex == ifindex)
			return fm->egress[i].xmit;
	if (fm->n_egress == FM_MAX_EGRESS)
		return xmit_query(fm, ifindex);
	eg = &fm->egress[fm->n_egress++];
	eg->ifindex = ifindex;
	eg->xmit = xmit_query(fm, ifindex);
	xmit_log(ifindex, eg->xmit);
	return eg->xmit;
}

/*
 * Ask again: a veth's answer follows its peer's GRO and XDP settings,
 * and nothing in our namespace announces a change there.  A change makes
 * every association's entries be looked at again.
 */
static void redirect_recheck(struct fast_map *fm)
{
	for (unsigned int i = 0; i < fm->n_egress; i++) {
		struct fm_egress *eg = &fm->egress[i];
		bool xmit = xmit_query(fm, eg->ifindex);

		if (xmit == eg->xmit)
			continue;
		eg->xmit = xmit;
		xmit_log(eg->ifindex, xmit);
		fm->all = true;
	}
}

/*
 * Where the engine's packet would leave: the datapath's choice
 * (datapath_route.c, dp_route()), which must be an interface our program
 * runs on and a resolved neighbour.  0, -ENOENT (slow path: no route or
 * not ours) or -EAGAIN (neighbour asked for, try again).
 */
static int next_hop(struct fast_map *fm, const struct engine_fast_entry *en,
		    struct fast_kv_hop *hop, uint64_t now)
{
	const struct nat_addr *gw = NULL;
	struct kroute_nexthop nh;
	int oif = 0;

	if (en->uplink >= 0 && en->uplink < ENGINE_MAX_UPLINKS) {
		oif = fm->uplink_ifindex[en->uplink];
		if (fm->gateway[en->uplink].family == en->new_dst.family)
			gw = &fm->gateway[en->uplink];
	}
	if (kroute_lookup(fm->k, &en->new_dst, oif, gw, &nh) ||
	    xsk_port_if_lookup(fm->x, nh.ifindex) < 0) {
		fm->st.no_route++;
		return -ENOENT;
	}
	if (!redirect_ok(fm, nh.ifindex)) {
		fm->st.no_xmit++;
		return -ENOENT;
	}
	if (!nh.resolved) {
		fm->st.unresolved++;
		kroute_resolve(fm->k, &nh, now);
		return -EAGAIN;
	}
	memset(hop, 0, sizeof(*hop));
	hop->ifindex = nh.ifindex;
	hop->mtu = nh.mtu;
	memcpy(hop->dst_mac, nh.dst_mac, 6);
	memcpy(hop->src_mac, nh.src_mac, 6);
	return 0;
}

/* A map made bigger or smaller since cap4 / cap6 is logged. */
static void note_room(const struct fast_map *fm, uint32_t cap4, uint32_t cap6)
{
	if (fm->maps.cap4 != cap4 || fm->maps.cap6 != cap6)
		log_info("fast path: room for %u IPv4 and %u IPv6 paths now "
			 "(at most %u each)",
			 fm->maps.cap4, fm->maps.cap6, fm->maps.max);
}

static int remove_key(struct fast_map *fm, const struct xdp_fast_key *k)
{
	uint32_t cap4 = fm->maps.cap4, cap6 = fm->maps.cap6;
	int err = fast_kv_remove(&fm->maps, k);

	note_room(fm, cap4, cap6);
	return err;
}

static void drop_keys(struct fast_map *fm, struct fm_keys *ks)
{
	for (uint16_t i = 0; i < ks->n; i++)
		if (!remove_key(fm, &ks->k[i]))
			fm->st.removals++;
	fm->st.entries -= ks->n;
	ks->n = 0;
}

/*
 * One path's entry; a map made bigger for it is logged, and a failure
 * (out of memory, say) rate-limited: associations set up in a flood
 * could each fail the same way.
 */
static int install(struct fast_map *fm, const struct xdp_fast_key *k,
		   const struct xdp_fast_val *v)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(5, 1000);
	uint32_t cap4 = fm->maps.cap4, cap6 = fm->maps.cap6;
	int err = fast_kv_install(&fm->maps, k, v);

	note_room(fm, cap4, cap6);
	if (err && err != -E2BIG)
		log_ratelimited(&rl, LOG_WARNING,
				"fast path: cannot install a path: %s; its "
				"packets take the slow path",
				strerror(-err));
	return err;
}

static int find_key(const struct xdp_fast_key *keys, unsigned int from,
		    unsigned int to, const struct xdp_fast_key *k)
{
	for (unsigned int i = from; i < to; i++)
		if (!memcmp(&keys[i], k, sizeof(*k)))
			return (int)i;
	return -1;
}

/*
 * Make association id's entries what the engine lists now.  An entry
 * whose key stays is updated in place (one map update is atomic), and
 * not written at all when its value is unchanged, so a recompute after a
 * route or neighbour change that moves nothing costs no system call;
 * only keys no longer listed are deleted.
 */
static void apply(struct fast_map *fm, uint32_t id, uint64_t now)
{
	struct fm_keys *ks = &fm->keys[id];
	unsigned int n = fm->paused ? 0 :
			 engine_fast_entries(fm->e, id, fm->ents, fm->max_ents);
	unsigned int old_n = ks->n, m = old_n;

	if (old_n)
		fold_one(fm, id);
	ks->pending = false;
	if (!n) {
		drop_keys(fm, ks);
		return;
	}
	/* The new list is built after the old one, then moved down. */
	if (old_n + n > ks->cap) {
		unsigned int cap = old_n + n;
		struct xdp_fast_key *k = realloc(ks->k, cap * sizeof(*k));
		struct xdp_fast_val *v;

		if (k)
			ks->k = k;
		v = k ? realloc(ks->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			drop_keys(fm, ks); /* the slow path carries on */
			return;
		}
		ks->v = v;
		ks->cap = (uint16_t)cap;
	}
	if (!old_n)
		zero_slots(fm, id);
	for (unsigned int i = 0; i < n; i++) {
		const struct engine_fast_entry *en = &fm->ents[i];
		struct fast_kv_hop hop;
		int r = next_hop(fm, en, &hop, now), was;

		if (r) {
			ks->pending |= r == -EAGAIN;
			continue;
		}
		fast_kv_key(en, &ks->k[m]);
		fast_kv_val(en, &hop,
			    fast_kv_stats_idx(id, en->peer_idx, fm->max_assocs),
			    &ks->v[m]);
		was = find_key(ks->k, 0, old_n, &ks->k[m]);
		if (was < 0 || memcmp(&ks->v[was], &ks->v[m], sizeof(ks->v[m]))) {
			if (install(fm, &ks->k[m], &ks->v[m]))
				continue; /* full: this path goes slow */
			fm->st.installs++;
		}
		m++;
	}
	for (unsigned int i = 0; i < old_n; i++)
		if (find_key(ks->k, old_n, m, &ks->k[i]) < 0 &&
		    !remove_key(fm, &ks->k[i]))
			fm->st.removals++;
	memmove(ks->k, ks->k + old_n, (m - old_n) * sizeof(*ks->k));
	memmove(ks->v, ks->v + old_n, (m - old_n) * sizeof(*ks->v));
	ks->n = (uint16_t)(m - old_n);
	fm->st.entries = fm->st.entries - old_n + ks->n;
	fm->any_pending |= ks->pending;
}

static void sync_expiry(void *arg, struct engine *e, uint32_t id)
{
	struct fast_map *fm = arg;

	(void)e;
	if (id < fm->max_assocs && fm->keys[id].n)
		fold_one(fm, id);
}

void fast_map_set_conf(struct fast_map *fm, const struct conf *c)
{
	for (int u = 0; u < c->engine.n_uplinks; u++) {
		fm->uplink_ifindex[u] =
			fm->k ? kroute_ifindex(fm->k,
					       c->engine.uplinks[u].ifname) :
				0;
		fm->gateway[u] = c->gateways[u];
	}
	fm->all = true;
}

/* fast-path = auto: where to ask which interfaces take redirects. */
static void follow_features(struct fast_map *fm)
{
	int r = xdp_features_open(&fm->xf);

	if (r) {
		log_warnx("fast path: the kernel cannot say which interfaces "
			  "take redirected frames (%s); every packet takes the "
			  "slow path, unless fast-path = xdp (sctpalgd.conf(5))",
			  r == -ENOENT ? "no netdev netlink family: Linux 6.3 "
					 "or later has it" : strerror(-r));
		return;
	}
	fm->watch_fd = xdp_features_watch(fm->xf);
	if (fm->watch_fd < 0)
		log_info("fast path: no notifications of XDP feature changes "
			 "(%s); asking once a second", strerror(-fm->watch_fd));
}

void fast_map_start(struct fast_map *fm, struct engine *e, struct kroute *k,
		    struct xsk_port *x, const struct conf *c)
{
	fm->e = e;
	fm->k = k;
	fm->x = x;
	fm->max_ents = engine_fast_max_entries(e);
	fm->ents = calloc(fm->max_ents, sizeof(*fm->ents));
	if (!fm->ents) {
		log_warnx("fast path: out of memory; every packet takes the "
			  "slow path");
		return;
	}
	fm->kroute_gen = kroute_stats(k)->invalidations;
	fm->mode = c->fast_path;
	fm->all_generic = xsk_port_if_count(x) > 0;
	for (unsigned int i = 0; i < xsk_port_if_count(x); i++)
		fm->all_generic &=
			xsk_port_if_mode(x, i) == XSK_PORT_MODE_GENERIC;
	fm->watch_fd = -1;
	if (fm->mode == CONF_FAST_PATH_AUTO && !fm->all_generic)
		follow_features(fm);
	fast_map_set_conf(fm, c);
	engine_fast_enable(e, true);
	engine_fast_set_sync(e, sync_expiry, fm);
}

void fast_map_sync(struct fast_map *fm, uint64_t now)
{
	unsigned int n;
	bool all;

	if (!fm->e || !fm->ents)
		return;
	do {
		n = engine_fast_changed(fm->e, fm->ids, FM_IDS_BATCH, &all);
		fm->all |= all;
		for (unsigned int i = 0; i < n; i++)
			if (fm->ids[i] < fm->max_assocs)
				apply(fm, fm->ids[i], now);
	} while (n == FM_IDS_BATCH);
	if (fm->all) {
		fm->all = false;
		fm->any_pending = false;
		fm->st.recomputes++;
		for (uint32_t id = 0; id < fm->max_assocs; id++)
			apply(fm, id, now);
	}
}

void fast_map_tick(struct fast_map *fm, uint64_t now)
{
	uint64_t gen;

	if (!fm->e || !fm->ents)
		return;
	if (fm->xf && fm->watch_fd < 0)
		redirect_recheck(fm); /* no notifications: ask */
	/* Routes, neighbours, links or addresses changed (kroute.c). */
	gen = kroute_stats(fm->k)->invalidations;
	if (gen != fm->kroute_gen) {
		fm->kroute_gen = gen;
		fm->all = true;
	} else if (fm->any_pending) {
		fm->any_pending = false;
		for (uint32_t id = 0; id < fm->max_assocs; id++)
			if (fm->keys[id].pending)
				apply(fm, id, now);
	}
	fast_map_sync(fm, now);
}

void fast_map_pause(struct fast_map *fm, bool pause, uint64_t now)
{
	if (fm->paused == pause || !fm->e)
		return;
	fm->paused = pause;
	fm->all = true;
	fast_map_sync(fm, now);
	log_info("fast path: %s", pause ? "paused while a capture runs "
		 "(every packet through the engine)" : "resumed");
}

void fast_map_fold_all(struct fast_map *fm)
{
	if (!fm->e)
		return;
	for (uint32_t id = 0; id < fm->max_assocs; id++)
		if (fm->keys[id].n)
			fold_one(fm, id);
}

void fast_map_stats(const struct fast_map *fm, struct fast_map_stats *out)
{
	*out = fm->st;
}

int fast_map_watch_fd(const struct fast_map *fm)
{
	return fm->xf ? fm->watch_fd : -1;
}

void fast_map_features_changed(struct fast_map *fm, uint64_t now)
{
	if (fm->xf && xdp_features_changed(fm->xf)) {
		redirect_recheck(fm);
		fast_map_sync(fm, now);
	}
}
