/*
 * batch_warm.c: start loading what a batch's packets will look up before
 * their turn (engine_process_batch).
 *
 * In a table of a million associations each lookup is a chain of cache
 * misses, a bucket, then a slot, then an address list or a candidate,
 * each load waiting for the one before; one packet at a time, a
 * handshake's four packets spent most of their time waiting (README,
 * Performance).  Different packets' loads need not wait for each
 * other, so the batch loop (engine.c, engine_process_batch) reads the
 * headers of a chunk's packets first, starts the loads of the buckets
 * their lookups will read (assoc_warm_*, src/engine/assoc_table.h),
 * then walks all of them one step further, round after round, and only
 * then processes the packets: by a packet's turn its chains are in the
 * cache, loaded together with the others'.
 *
 * Nothing here decides anything: the header is read again, in full, by
 * engine_process, and the warming only reads the table as it is before
 * the chunk, so packets of one batch that change each other's chains
 * see every change (it can only make a warming miss).  A packet the
 * peek does not understand (fragments, IPv6 extension headers, short
 * ones) is simply not warmed.
 */
#include "addr_map.h"
#include "batch_warm.h"
#include "engine_impl.h"
#include "sctp_wire.h"

/* The parts of a packet's headers its lookups are keyed by. */
struct warm_peek {
	struct nat_addr src, dst;	/* INIT only */
	uint16_t sport, dport;
	uint32_t vtag, itag;
	uint8_t type;
};

/* Is it a set-up packet (the only ones warmed: see batch_warm_plan)? */
#define SETUP_TYPES                                                      \
	(1u << SCTP_CID_INIT | 1u << SCTP_CID_INIT_ACK |                 \
	 1u << SCTP_CID_COOKIE_ECHO | 1u << SCTP_CID_COOKIE_ACK)
_Static_assert(SCTP_CID_COOKIE_ACK < 32, "the set-up types fit a mask");

static bool is_setup(uint8_t type)
{
	return type < 32 && (SETUP_TYPES >> type & 1);
}

/*
 * Where the SCTP header of a packet that is not IPv4 without options
 * starts (*l4), and whether it is IPv4: false if it has none the peek
 * can read.
 */
static bool l4_slow(const uint8_t *d, uint32_t len, uint32_t *l4, bool *v4)
{
	if (len < 1)
		return false;
	*v4 = d[0] >> 4 == 4;
	if (*v4) {
		*l4 = (d[0] & 15u) * 4;
		/* Not a later fragment: its bytes are not an SCTP header. */
		return *l4 >= 20 && len >= *l4 + SCTP_HDR_LEN + 4 &&
		       d[9] == IPPROTO_SCTP_NUM &&
		       !(sctp_get16(d + 6) & 0x3fff) &&
		       is_setup(d[*l4 + SCTP_HDR_LEN]);
	}
	*l4 = 40;
	return d[0] >> 4 == 6 && len >= *l4 + SCTP_HDR_LEN + 4 &&
	       d[6] == IPPROTO_SCTP_NUM && is_setup(d[*l4 + SCTP_HDR_LEN]);
}

static bool peek(const uint8_t *d, uint32_t len, struct warm_peek *p)
{
	uint32_t l4 = 20;
	const uint8_t *s;
	bool v4 = true;

	/* Every packet goes through here: IPv4 without options first, and
	 * its first chunk's type before anything else (most packets stop
	 * there), then what l4_slow checks for the others. */
	if (len >= 20 + SCTP_HDR_LEN + 4 && d[0] == 0x45) {
		if (!is_setup(d[20 + SCTP_HDR_LEN]) ||
		    d[9] != IPPROTO_SCTP_NUM || (sctp_get16(d + 6) & 0x3fff))
			return false;
	} else if (!l4_slow(d, len, &l4, &v4)) {
		return false;
	}
	s = d + l4;
	p->type = s[SCTP_HDR_LEN];
	p->sport = sctp_get16(s + SCTP_OFF_SPORT);
	p->dport = sctp_get16(s + SCTP_OFF_DPORT);
	p->vtag = sctp_get32(s + SCTP_OFF_VTAG);
	p->itag = len >= l4 + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG + 4 ?
			  sctp_get32(s + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG) :
			  0;
	if (p->type != SCTP_CID_INIT)
		return true;
	if (v4) {
		nat_addr_from_v4(&p->src, d + 12);
		nat_addr_from_v4(&p->dst, d + 16);
	} else {
		nat_addr_from_v6(&p->src, d + 8);
		nat_addr_from_v6(&p->dst, d + 24);
	}
	return true;
}

/* Its bucket (port_alloc_warm), or PORT_ALLOC_NO_BUCKET if there were
 * too many to warm. */
static uint32_t warm_bind(const struct engine *e, struct batch_warm *bw,
			  const struct nat_addr *pub, uint16_t port,
			  unsigned int *n)
{
	uint32_t bucket = PORT_ALLOC_NO_BUCKET;

	if ((*n)++ < BATCH_WARM_BINDS)
		bw->bind[bw->n_bind++] = bucket =
			port_alloc_warm(e->ports, pub, port);
	return bucket;
}

/*
 * The port bindings a new association from src keeps its port on, with
 * port-preserve: its source's public address, and with proxy
 * multihoming every uplink's (addr_list.c, addr_list_collect).
 */
static void plan_binds(const struct engine *e, const struct nat_addr *src,
		       uint16_t port, struct batch_warm_src *s,
		       struct batch_warm *bw)
{
	const struct engine_config *c = &e->conf;
	struct src_map *m = &s->map;
	struct nat_addr pub;
	unsigned int n = 0;
	int8_t up;

	/* As addr_list_map_src maps it, for engine_process to take. */
	m->public_ = (struct nat_addr){ 0 };
	m->uplink = -1;
	m->err = addr_map_inside_how(c, src, &m->public_, &m->uplink,
				     &m->on_uplink);
	m->pair_bucket = PORT_ALLOC_NO_BUCKET;
	s->src = *src;
	if (m->err)
		return;
	/* The binding it keeps its port on first, with the mapping for
	 * init_outbound_new to hand to port_alloc_pick. */
	m->pair_bucket = warm_bind(e, bw, &m->public_, port, &n);
	up = m->uplink;
	if (c->multihome != MULTIHOME_UPLINKS || up < 0)
		return;
	for (unsigned int u = 0; u < c->n_uplinks; u++)
		if (u != (unsigned int)up &&
		    !addr_map_on_uplink(c, u, src, &pub))
			warm_bind(e, bw, &pub, port, &n);
}

/*
 * An INIT from inside: handshake_init's look for a retransmission (the
 * peer index, outbound), then, with port-preserve, the public port it
 * would keep checked against the port bindings and for conflicts
 * (handshake.c, port_conflict: the peer index, the candidate index and
 * the tag key, inbound), then the keys the new association is linked by
 * (assoc_link_all).
 */
static const struct batch_warm_src *plan_init_out(const struct engine *e,
						  const struct warm_peek *p,
						  struct batch_warm *bw)
{
	const struct assoc_table *t = e->table;
	struct batch_warm_src *s;

	if (!e->conf.port_preserve) {
		assoc_warm_peer(t, &bw->list, ASSOC_KEY_OUT_PORTS, p->sport,
				p->dport, &p->dst);
		assoc_warm_cands(t, &bw->list, ASSOC_KEY_OUT_PORTS, p->sport,
				 p->dport);
		assoc_warm_port_key(t, ASSOC_KEY_OUT_PORTS, p->sport, p->dport);
		return NULL;
	}
	/* The public port it would keep is its inside port: both sides'
	 * keys are (sport, dport).  Hashed once, here, for handshake_init
	 * too. */
	s = &bw->src[bw->n_src++];
	assoc_pair_hash(t, p->sport, p->dport, &p->dst, p->itag, &s->pair);
	assoc_warm_port_pair(t, &bw->list, &s->pair);
	if (p->itag)
		assoc_warm_tag(t, &bw->list, ASSOC_KEY_IN_TAG, p->sport,
			       p->dport, p->itag);
	plan_binds(e, &p->src, p->sport, s, bw);
	s->map.pair = &s->pair;
	return s;
}

void batch_warm_begin(struct batch_warm *bw)
{
	bw->list.w = bw->w;
	bw->list.live = bw->live;
	bw->list.n = bw->list.n_live = 0;
	bw->n_bind = bw->n_src = 0;
}

/*
 * Set-up packets only.  A DATA packet's lookup is one chain like a COOKIE
 * ACK's, and in a table bigger than the caches would gain as much; but
 * with one association (bench_engine) the peek and the passes over the
 * batch cost it more than its lookup, and DATA is most of the traffic.
 */
const struct batch_warm_src *batch_warm_plan(const struct engine *e,
					     const struct engine_pkt *pkt,
					     enum engine_dir dir,
					     struct batch_warm *bw)
{
	const struct assoc_table *t = e->table;
	bool out = dir == ENGINE_OUTBOUND;
	enum assoc_key k_tag = out ? ASSOC_KEY_OUT_TAG : ASSOC_KEY_IN_TAG;
	enum assoc_key k_prev = out ? ASSOC_KEY_OUT_PREV : ASSOC_KEY_IN_PREV;
	enum assoc_key k_ports = out ? ASSOC_KEY_OUT_PORTS : ASSOC_KEY_IN_PORTS;
	struct warm_peek p;
	uint16_t here, peer;

	/* Most packets stop here. */
	if (pkt->len > pkt->cap || !peek(pkt->data, pkt->len, &p))
		return NULL;
	here = out ? p.sport : p.dport;
	peer = out ? p.dport : p.sport;
	switch (p.type) {
	case SCTP_CID_INIT:
		if (out)
			return plan_init_out(e, &p, bw);
		assoc_warm_peer(t, &bw->list, ASSOC_KEY_IN_PORTS, here, peer,
				&p.src);
		break;
	case SCTP_CID_INIT_ACK:
		/* Found among the candidates (engine.c, lookup); the tag it
		 * offers is checked on the other side's keys, known once
		 * the candidate is read (handshake_cand_plan). */
		assoc_warm_cands_then(t, &bw->list, k_ports, here, peer,
				      ASSOC_WARM_THEN_ACK_TAG, p.itag);
		break;
	case SCTP_CID_COOKIE_ECHO:
		assoc_warm_cands(t, &bw->list, k_ports, here, peer);
		break;
	default:
		if (!p.vtag)
			break;
		/* COOKIE ACK: by its tag, as any packet after; while the
		 * handshake is not complete no live tag is its own, so
		 * engine.c's lookup goes on to the previous tags and then
		 * finds it among the candidates of its ports, whose chain
		 * it leaves when it completes (assoc_cands_drop), linked
		 * by the other side's tag key too (promote). */
		assoc_warm_tag(t, &bw->list, k_tag, here, peer, p.vtag);
		assoc_warm_key_bucket(t, k_prev, here, peer, p.vtag);
		assoc_warm_cands_then(t, &bw->list, k_ports, here, peer,
				      ASSOC_WARM_THEN_CONFIRM, 0);
		break;
	}
	return NULL;
}

void batch_warm_run(const struct engine *e, struct batch_warm *bw,
		    unsigned int rounds)
{
	const struct assoc_table *t = e->table;

	if (!rounds || (!bw->list.n_live && !bw->n_bind))
		return;
	assoc_warm_round(t, &bw->list);
	/* A binding is one step from its bucket. */
	for (unsigned int i = 0; i < bw->n_bind; i++)
		port_alloc_warm_step(e->ports, bw->bind[i]);
	for (unsigned int r = 1; r < rounds && bw->list.n_live; r++)
		assoc_warm_round(t, &bw->list);
}
