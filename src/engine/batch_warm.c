/*
 * batch_warm.c: start loading what a batch's packets will look up before
 * their turn (engine_process_batch).
 *
 * In a table of a million associations each lookup is a chain of cache
 * misses, a bucket, then a slot, then an address list or a candidate,
 * each load waiting for the one before; one packet at a time, a
 * handshake's four packets spent most of their time waiting (README,
 * Performance).  The packets of a batch are independent until
 * processed, so the batch loop reads each packet's header a few
 * packets ahead of its turn, starts the loads of the buckets its
 * lookups will read (assoc_warm_*, src/engine/assoc_table.h), and walks
 * them one step further on each of the next packets' turns; by its own
 * turn they are in the cache.
 *
 * Nothing here decides anything: the header is read again, in full, by
 * engine_process, and the warming only reads the table as it is at the
 * time, so packets of one batch that change each other's chains see
 * every change (it can only make a warming miss).  A packet the peek
 * does not understand (fragments, IPv6 extension headers, short ones)
 * is simply not warmed.
 */
#include <string.h>

#include "batch_warm.h"
#include "engine_impl.h"
#include "sctp_wire.h"

/* The parts of a packet's headers its lookups are keyed by. */
struct warm_peek {
	struct nat_addr src, dst;
	uint16_t sport, dport;
	uint32_t vtag, itag;
	uint8_t type;
};

static bool peek(const uint8_t *d, uint32_t len, struct warm_peek *p)
{
	uint32_t l4;
	const uint8_t *s;

	if (len < 1)
		return false;
	if (d[0] >> 4 == 4) {
		l4 = (d[0] & 15u) * 4;
		/* Not a later fragment: its bytes are not an SCTP header. */
		if (l4 < 20 || len < l4 + SCTP_HDR_LEN + 4 ||
		    d[9] != IPPROTO_SCTP_NUM || (sctp_get16(d + 6) & 0x3fff))
			return false;
		nat_addr_from_v4(&p->src, d + 12);
		nat_addr_from_v4(&p->dst, d + 16);
	} else if (d[0] >> 4 == 6) {
		l4 = 40;
		if (len < l4 + SCTP_HDR_LEN + 4 || d[6] != IPPROTO_SCTP_NUM)
			return false;
		nat_addr_from_v6(&p->src, d + 8);
		nat_addr_from_v6(&p->dst, d + 24);
	} else {
		return false;
	}
	s = d + l4;
	p->sport = sctp_get16(s + SCTP_OFF_SPORT);
	p->dport = sctp_get16(s + SCTP_OFF_DPORT);
	p->vtag = sctp_get32(s + SCTP_OFF_VTAG);
	p->type = s[SCTP_HDR_LEN];
	p->itag = len >= l4 + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG + 4 ?
			  sctp_get32(s + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG) :
			  0;
	return true;
}

static struct assoc_warm *warm_slot(struct batch_warm *bw)
{
	return &bw->w[bw->n++];
}

/*
 * An INIT from inside: handshake_init's look for a retransmission (the
 * peer index, outbound), then, with port-preserve, the public port it
 * would keep checked for conflicts (handshake.c, port_conflict: the peer
 * index, the candidate index and the tag key, inbound), then the keys
 * the new association is linked by (assoc_link_all).
 */
static void plan_init_out(const struct engine *e, const struct warm_peek *p,
			  struct batch_warm *bw)
{
	const struct assoc_table *t = e->table;

	assoc_warm_peer(t, warm_slot(bw), ASSOC_KEY_OUT_PORTS, p->sport,
			p->dport, &p->dst);
	assoc_warm_cands(t, warm_slot(bw), ASSOC_KEY_OUT_PORTS, p->sport,
			 p->dport);
	assoc_warm_port_key(t, ASSOC_KEY_OUT_PORTS, p->sport, p->dport);
	if (!e->conf.port_preserve)
		return;
	assoc_warm_peer(t, warm_slot(bw), ASSOC_KEY_IN_PORTS, p->sport,
			p->dport, &p->dst);
	assoc_warm_cands(t, warm_slot(bw), ASSOC_KEY_IN_PORTS, p->sport,
			 p->dport);
	if (p->itag)
		assoc_warm_tag(t, warm_slot(bw), ASSOC_KEY_IN_TAG, p->sport,
			       p->dport, p->itag);
	assoc_warm_port_key(t, ASSOC_KEY_IN_PORTS, p->sport, p->dport);
}

void batch_warm_plan(const struct engine *e, const struct engine_pkt *pkt,
		     enum engine_dir dir, struct batch_warm *bw)
{
	const struct assoc_table *t = e->table;
	bool out = dir == ENGINE_OUTBOUND;
	struct warm_peek p;
	uint16_t here, peer;

	bw->n = 0;
	if (pkt->len > pkt->cap || !peek(pkt->data, pkt->len, &p))
		return;
	here = out ? p.sport : p.dport;
	peer = out ? p.dport : p.sport;
	switch (p.type) {
	case SCTP_CID_INIT:
		if (out)
			plan_init_out(e, &p, bw);
		else
			assoc_warm_peer(t, warm_slot(bw), ASSOC_KEY_IN_PORTS,
					here, peer, &p.src);
		break;
	case SCTP_CID_INIT_ACK:
	case SCTP_CID_COOKIE_ECHO:
		/* Found among the candidates (engine.c, lookup). */
		assoc_warm_cands(t, warm_slot(bw),
				 out ? ASSOC_KEY_OUT_PORTS : ASSOC_KEY_IN_PORTS,
				 here, peer);
		break;
	default:
		if (p.vtag)
			assoc_warm_tag(t, warm_slot(bw),
				       out ? ASSOC_KEY_OUT_TAG :
					     ASSOC_KEY_IN_TAG,
				       here, peer, p.vtag);
		break;
	}
}

void batch_warm_step(const struct engine *e, struct batch_warm *bw)
{
	for (unsigned int i = 0; i < bw->n; i++)
		assoc_warm_step(e->table, &bw->w[i]);
}
