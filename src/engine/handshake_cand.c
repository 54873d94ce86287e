/*
 * handshake_cand.c: tags and addresses a handshake offers, held aside
 * until both endpoints have accepted them.
 *
 * A NAT on the Internet meets blind INITs, retransmitted INITs answered
 * by stateless responders with a new tag each time (RFC 9260 5.1.3),
 * INIT collisions (5.2.1) and restarts (5.2.2, 5.2.4).  An endpoint
 * takes the tags of a handshake only when it processes the State Cookie,
 * so the box does the same: an INIT's Initiate Tag, and each INIT ACK
 * answering it, make a *candidate* pair with the peer addresses they
 * list; the COOKIE ECHO carrying one of the pair's tags selects it; the
 * COOKIE ACK (or, as a COOKIE ACK may be lost, the first packet of the
 * other side carrying the selected tag) confirms it, and only then does
 * it replace the association's live tags and peer list.  Until then the
 * live association works unchanged, whatever forged or stale INIT,
 * INIT ACK or COOKIE ECHO arrives.
 *
 * Each association holds up to ASSOC_CANDS candidates (room for one until
 * a second is wanted, assoc_cands_grow), each forgotten after the
 * setup timeout or when a newer one needs its slot.  An ABORT answering
 * a candidate (RFC 9260 5.2.2: "restart with new addresses", tag =
 * that INIT's Initiate Tag) ends the candidate only; it ends the
 * association only if that never completed a handshake and has no other
 * candidate.
 */
#include <string.h>

#include "engine_impl.h"
#include "sctp_wire.h"

static bool cand_live(const struct engine *e, const struct assoc_cand *c,
		      uint64_t now)
{
	if (!(c->flags & ASSOC_CAND_F_USED))
		return false;
	return now < c->since ||
	       now - c->since < engine_timeout_ns(e, ASSOC_COOKIE_WAIT);
}

bool handshake_assoc_live(const struct assoc *a)
{
	return a->tag_inside && a->tag_peer;
}

bool handshake_no_restart(const struct engine *e, const struct assoc *a,
			  uint64_t now)
{
	const uint8_t both = ASSOC_CAND_F_DR_INSIDE | ASSOC_CAND_F_DR_PEER;
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);

	if (handshake_assoc_live(a))
		return (a->flags & ASSOC_F_NO_RESTART) == ASSOC_F_NO_RESTART;
	for (int i = 0; i < nc; i++)
		if (cand_live(e, &cands[i], now) &&
		    (cands[i].flags & both) == both)
			return true;
	return false;
}

static bool cand_has_peer(const struct assoc_cand *c,
			  const struct nat_addr *addr, bool init_only)
{
	int n = init_only ? c->n_init_peers : c->n_peers;

	for (int i = 0; i < n; i++)
		if (nat_addr_eq(&c->peers[i], addr))
			return true;
	return false;
}

static void cand_add_peer(const struct engine *e, struct assoc_cand *c,
			  const struct nat_addr *addr)
{
	/* Known first: an INIT ACK's source and the address it lists are
	 * mostly the INIT's destination, already there, and the unset
	 * check is a memcmp call (never in the list either way). */
	if (cand_has_peer(c, addr, false) || nat_addr_is_any(addr) ||
	    !assoc_cand_room_peers(e->table, c, c->n_peers + 1u))
		return;
	c->peers[c->n_peers++] = *addr;
}

/* The source and the address parameters of an INIT / INIT ACK chunk. */
static void cand_add_chunk_peers(const struct engine *e, struct assoc_cand *c,
				 const struct nat_addr *src,
				 const uint8_t *chunk)
{
	struct nat_addr addr;

	cand_add_peer(e, c, src);
	for (uint32_t off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		const uint8_t *p = chunk + off;

		if (sctp_get16(p) == SCTP_PARAM_IPV4_ADDR)
			nat_addr_from_v4(&addr, p + 4);
		else if (sctp_get16(p) == SCTP_PARAM_IPV6_ADDR)
			nat_addr_from_v6(&addr, p + 4);
		else
			continue;
		if (!nat_addr_is_unroutable(&addr))
			cand_add_peer(e, c, &addr);
	}
}

/* A later answer of the inside host to the peer's INIT (more[]). */
static int cand_more_find(const struct assoc_cand *c, uint32_t tag)
{
	for (int i = 0; i < c->n_more; i++)
		if (c->more[i] == tag)
			return i;
	return -1;
}

/* Does c hold tag as the inside host's: its INIT's tag, its first answer
 * to the peer's INIT, or a later one (more[])? */
static bool cand_holds_inside_tag(const struct assoc_cand *c, uint32_t tag)
{
	return c->tag_inside == tag || (tag && cand_more_find(c, tag) >= 0);
}

bool handshake_cand_has_tag(const struct engine *e, const struct assoc *a,
			    uint32_t tag, bool inside, uint64_t now)
{
	return handshake_cands_have_tag(e, assoc_cands(e->table, a),
					assoc_cands_n(a), tag, inside, now);
}

bool handshake_cands_have_tag(const struct engine *e,
			      const struct assoc_cand *cands, int nc,
			      uint32_t tag, bool inside, uint64_t now)
{
	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i];

		if (!cand_live(e, c, now))
			continue;
		if (inside ? cand_holds_inside_tag(c, tag) : c->tag_peer == tag)
			return true;
	}
	return false;
}

/*
 * The Initiate Tag of the inside host's newest INIT (its live candidate
 * begun last), 0 if it has none: the tag it answers INITs with while
 * that attempt lasts (RFC 9260 5.2.1).
 */
static uint32_t cand_own_tag(const struct engine *e, const struct assoc *a,
			     uint64_t now)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	const struct assoc_cand *best = NULL;
	int nc = assoc_cands_n(a);

	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i];

		if (cand_live(e, c, now) &&
		    !(c->flags & ASSOC_CAND_F_INBOUND) &&
		    (!best || c->born > best->born))
			best = c;
	}
	return best ? best->tag_inside : 0;
}

/*
 * Does c share a tag with a candidate a COOKIE ECHO selected?  In an INIT
 * collision both INITs' candidates hold the same pair (RFC 9260 5.2.1),
 * and either side's COOKIE ECHO selects either; once one is selected the
 * other adds nothing, and goes with it when the handshake completes
 * (cand_clear_done).  Not once the inside host has begun a new attempt
 * (`own`, its newest INIT's tag): it answers c's INIT with that tag now,
 * not the selected one's, which only a COOKIE ACK already in the network
 * can still complete.  Both ends restarting again after a collision,
 * the peer's new INIT shares its tag with an answer to the inside host's
 * abandoned INIT, which a late copy of the old COOKIE ECHO selected.
 */
static bool cand_redundant(const struct engine *e, const struct assoc *a,
			   const struct assoc_cand *c, uint64_t now,
			   uint32_t own)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);

	if (c->flags & ASSOC_CAND_F_ECHOED)
		return false;
	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *o = &cands[i];

		if (o == c || !cand_live(e, o, now) ||
		    !(o->flags & ASSOC_CAND_F_ECHOED) ||
		    (own && o->tag_inside != own))
			continue;
		if ((c->tag_inside && c->tag_inside == o->tag_inside) ||
		    (c->tag_peer && c->tag_peer == o->tag_peer))
			return true;
	}
	return false;
}

/*
 * A free slot, else a stale one, else a selected copy of another
 * selected one, else the oldest not selected, the
 * collision sibling of a selected one before any other (so a blind INIT
 * and a collision's two candidates do not push out a peer's genuine
 * restart).  A slot for an inbound INIT's candidate never takes one of
 * an outbound INIT: anyone who knows the addresses and ports can send
 * INITs (blind, RFC 9260 5.2.1 collision candidates), and a few of them
 * must not push the inside host's own handshake out; NULL then, the
 * INIT has none.  Candidates are aged by their INIT's latest copy, not
 * by their last packet: the inside host answers every INIT (RFC 9260
 * 5.2.2), so a late answer to an older blind INIT says nothing for it,
 * and must not make the peer's restart, arrived after it and perhaps
 * not answered yet, the one to go (for a new inbound INIT or for the
 * inside host's own).
 */
/*
 * Is selected candidate c a copy of another: the same pair, selected by
 * the same sides' COOKIE ECHOs (each INIT of a collision makes one,
 * RFC 9260 5.2.1)?  The other confirms the handshake as well as c
 * would.  An inbound INIT may take only a copy made by an inbound INIT.
 */
static bool cand_echoed_copy(const struct engine *e, const struct assoc *a,
			     const struct assoc_cand *c, uint64_t now,
			     bool inbound)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);
	uint8_t echo = c->flags & ASSOC_CAND_F_ECHO_ANY;

	if (!(c->flags & ASSOC_CAND_F_ECHOED) || !c->tag_inside ||
	    !c->tag_peer || (inbound && !(c->flags & ASSOC_CAND_F_INBOUND)))
		return false;
	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *o = &cands[i];

		if (o != c && cand_live(e, o, now) &&
		    o->tag_inside == c->tag_inside &&
		    o->tag_peer == c->tag_peer &&
		    (o->flags & echo) == echo)
			return true;
	}
	return false;
}

static struct assoc_cand *cand_slot(const struct engine *e, struct assoc *a,
				    uint64_t now, bool inbound, uint32_t own)
{
	struct assoc_cand *best = NULL, *cands;
	bool best_redundant = false;
	int nc;

	if (!assoc_cands_take(e->table, a))
		return NULL;
	/* A second candidate: room for ASSOC_CANDS. */
	if (cand_live(e, assoc_cands(e->table, a), now))
		assoc_cands_grow(e->table, a);
	cands = assoc_cands(e->table, a);
	nc = assoc_cands_n(a);
	for (int i = 0; i < nc; i++) {
		struct assoc_cand *c = &cands[i];
		bool redundant;

		if (!cand_live(e, c, now))
			return c;
		if (c->flags & ASSOC_CAND_F_ECHOED) {
			/* A selected copy first of all: it adds nothing. */
			if (cand_echoed_copy(e, a, c, now, inbound))
				return c;
			continue;
		}
		if (inbound && !(c->flags & ASSOC_CAND_F_INBOUND))
			continue;
		/* The collision sibling of a selected one first, then the
		 * oldest. */
		redundant = cand_redundant(e, a, c, now, own);
		if (!best || (redundant && !best_redundant) ||
		    (redundant == best_redundant && c->heard < best->heard)) {
			best = c;
			best_redundant = redundant;
		}
	}
	if (!best && inbound)
		return NULL;
	return best ? best : &cands[0];
}

/* Every candidate of this INIT (copies too) heard again now. */
static void cand_heard_again(struct engine *e, struct assoc *a,
			     bool inbound, uint32_t itag, uint64_t now)
{
	struct assoc_cand *cands = assoc_cands(e->table, a);
	uint64_t heard = ++e->inits_heard;

	for (int i = 0; i < assoc_cands_n(a); i++) {
		struct assoc_cand *c = &cands[i];

		if (cand_live(e, c, now) &&
		    !!(c->flags & ASSOC_CAND_F_INBOUND) == inbound &&
		    (inbound ? c->tag_peer : c->tag_inside) == itag)
			c->heard = heard;
	}
}

/*
 * Has the inside host used tag already: does a live candidate hold it as
 * the host's (its INIT's tag, or its answer to the peer's INIT)?  *born:
 * the latest such candidate's INIT.  The host's attempt with that tag
 * lasted past that INIT (it answered the INIT with the tag, RFC 9260
 * 5.2.1), and any newer attempt's INIT is later still.
 */
static bool host_tag_used(const struct engine *e, const struct assoc *a,
			  uint32_t tag, uint64_t now, uint64_t *born)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);
	bool used = false;

	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i];

		if (!cand_live(e, c, now) || !cand_holds_inside_tag(c, tag))
			continue;
		if (!used || c->born > *born)
			*born = c->born;
		used = true;
	}
	return used;
}

static void cand_reset(struct assoc_cand *c, uint8_t flags, uint64_t now)
{
	c->tag_inside = c->tag_peer = 0;
	c->since = c->born = now;
	c->flags = (uint8_t)(flags | ASSOC_CAND_F_USED);
	c->n_peers = c->n_init_peers = 0;
	c->n_more = c->more_next = 0;
	c->left_out = 0;
	c->collided = false;
	c->peer_answered = 0;
}

void handshake_cand_init(struct xlate_ctx *x, struct assoc *a, uint32_t itag,
			 const uint8_t *chunk)
{
	struct engine *e = x->e;
	struct assoc_cand *cands = assoc_cands(e->table, a), *c;
	int nc = assoc_cands_n(a);
	bool inbound = x->dir == ENGINE_INBOUND;
	bool dr = natsupp_disable_restart(chunk);
	bool used = false;
	uint64_t used_born = 0;

	/*
	 * A copy of the INIT that set up the live association, late from
	 * the network: its sender is past it (a restart draws a new tag,
	 * RFC 9260 5.2.2), and discards what answers it (5.2.3).  It goes
	 * through but takes no room a real restart may need.
	 */
	if (handshake_assoc_live(a) &&
	    itag == (inbound ? a->tag_peer : a->tag_inside))
		return;
	/*
	 * So is a copy of the INIT of the pair a completed restart
	 * replaced: both ends have left it (their Tie-Tags predate the
	 * new pair, RFC 9260 5.2.4), and late copies of its whole
	 * handshake (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK) must not
	 * take the association back to it.  Tags are random: a genuine
	 * new INIT does not bring a dead one back.
	 */
	if (assoc_tag_gone(e->table, a, itag, !inbound))
		return;
	/* A retransmission: same INIT, same tag.  It does not keep the
	 * candidate alive longer (retransmissions keep nothing alive), but
	 * it puts it behind INITs heard only before it when one must make
	 * room: a peer restarting retransmits its INIT until it is
	 * answered (RFC 9260 5.1, T1-init), and blind INITs sent once in
	 * between must not push it out.  An INIT sent to another address
	 * of the peer (RFC 9260 5.1) may be answered from there. */
	for (int i = 0; i < nc; i++) {
		c = &cands[i];
		if (!cand_live(e, c, x->now) ||
		    !!(c->flags & ASSOC_CAND_F_INBOUND) != inbound ||
		    (inbound ? c->tag_peer : c->tag_inside) != itag)
			continue;
		cand_heard_again(e, a, inbound, itag, x->now);
		if (!inbound && c->n_init_peers == c->n_peers &&
		    !cand_has_peer(c, &x->dst, false)) {
			cand_add_peer(e, c, &x->dst);
			c->n_init_peers = c->n_peers;
		}
		if (!inbound)
			c->left_out &= addr_list_left_out(x, a, chunk);
		return;
	}
	/*
	 * A new Initiate Tag from the inside host is a new attempt: it has
	 * given up its earlier INIT (RFC 9260 5.1: one INIT, retransmitted
	 * with the same tag, per attempt), whose answers nobody will use
	 * unless a COOKIE ECHO already selected one.  Only answered ones
	 * go: an INIT the network delayed may arrive after a newer one,
	 * and that newer one's candidate must wait for its answer.
	 *
	 * Not a tag the inside host has used already: a live candidate
	 * holds it as the host's, from an INIT ACK it answered the peer's
	 * INIT with while that attempt lasted (5.2.1).  The INIT is then a
	 * copy from that attempt, late in the network: the answered
	 * candidate of a newer attempt stays, and the INIT's own
	 * candidate is dated as that attempt (host_tag_used), older than
	 * the newer one, so that the newer attempt's completion clears
	 * it (cand_clear_done) and late copies of its whole handshake
	 * cannot take the association back.
	 */
	if (!inbound) {
		used = nc && host_tag_used(e, a, itag, x->now, &used_born);
		for (int i = 0; i < nc && !used; i++) {
			c = &cands[i];
			if (cand_live(e, c, x->now) && c->tag_peer &&
			    !(c->flags &
			      (ASSOC_CAND_F_INBOUND | ASSOC_CAND_F_ECHOED)))
				c->flags = 0;
		}
	}
	c = cand_slot(e, a, x->now, inbound,
		      inbound ? cand_own_tag(e, a, x->now) : itag);
	if (!c)
		return;
	cand_reset(c, inbound ? ASSOC_CAND_F_INBOUND : 0, x->now);
	c->heard = ++e->inits_heard;
	if (inbound) {
		c->tag_peer = itag;
		if (dr)
			c->flags |= ASSOC_CAND_F_DR_PEER;
		cand_add_chunk_peers(e, c, &x->src, chunk);
	} else {
		c->tag_inside = itag;
		if (used)
			c->born = used_born;
		if (dr)
			c->flags |= ASSOC_CAND_F_DR_INSIDE;
		cand_add_peer(e, c, &x->dst);
		c->left_out = addr_list_left_out(x, a, chunk);
	}
	c->n_init_peers = c->n_peers;
}

/* ---- finding the candidate a packet belongs to ---- */

static bool tbit_packet(const struct xlate_ctx *x)
{
	return (x->sv.first_type == SCTP_CID_ABORT ||
		x->sv.first_type == SCTP_CID_SHUTDOWN_COMPLETE) &&
	       (x->sv.first_flags & SCTP_FLAG_T);
}

/* A live_idx (cand_known_peer) its caller has not looked for. */
#define PEER_NOT_ASKED (-2)

/*
 * Is the packet's peer address one candidate c may vouch for?  The live
 * association's peers, and for a candidate of the inside host's own
 * INIT the addresses it was sent to and the peer's INIT ACK listed (the
 * peer's answer, from inside the exchange).  For a candidate of the
 * peer's INIT only that INIT's source: the addresses an INIT lists are
 * anyone's to write (a blind forgery lists the forger's own), and they
 * join the association only when the handshake completes.  The inside
 * host answers an INIT during its own handshake with its own tag (RFC
 * 9260 5.2.1), so such a candidate may share the inside tag with the
 * inside host's own INIT's candidate, whose peers vouch as well.
 * live_idx: assoc_find_peer(a, peer), or PEER_NOT_ASKED.
 */
static bool cand_known_peer(const struct xlate_ctx *x, const struct assoc *a,
			    const struct assoc_cand *c,
			    const struct nat_addr *peer, int live_idx)
{
	const struct assoc_cand *cands;
	uint32_t theirs = c->tag_inside;
	int nc;

	if (live_idx == PEER_NOT_ASKED)
		live_idx = assoc_find_peer(a, peer);
	if (live_idx >= 0)
		return true;
	if (x->dir == ENGINE_OUTBOUND || !(c->flags & ASSOC_CAND_F_INBOUND))
		return cand_has_peer(c, peer, false);
	cands = assoc_cands(x->e->table, a);
	nc = assoc_cands_n(a);
	for (int i = 0; theirs && i < nc; i++) {
		const struct assoc_cand *o = &cands[i];

		if (o != c && cand_live(x->e, o, x->now) &&
		    o->tag_inside == theirs &&
		    !(o->flags & ASSOC_CAND_F_INBOUND) &&
		    cand_has_peer(o, peer, false))
			return true;
	}
	return c->n_peers && nat_addr_eq(&c->peers[0], peer);
}

/*
 * What INIT ACK x does to candidate c: CAND_ACK or CAND_NONE (cand_op_at).
 * Its own function: cand_matches has a loop of its own for INIT ACKs,
 * whose candidates need none of the other packets' tests.
 */
static inline __attribute__((always_inline)) uint8_t
cand_op_ack(const struct xlate_ctx *x, const struct assoc_cand *c)
{
	bool out = x->dir == ENGINE_OUTBOUND;
	bool inb = c->flags & ASSOC_CAND_F_INBOUND;
	uint32_t mine = out ? c->tag_inside : c->tag_peer;
	uint32_t theirs = out ? c->tag_peer : c->tag_inside;
	const struct nat_addr *peer = out ? &x->dst : &x->src;
	uint32_t v = x->sv.vtag;

	/*
	 * The inside host's answer in an INIT collision carries its own
	 * tag (RFC 9260 5.2.1) to the peer's, the pair its own INIT's
	 * candidate holds once the peer answered it alike: nothing new,
	 * whether or not the peer's INIT's candidate is still there (blind
	 * INITs may have pushed it out).
	 */
	if (out && !inb && mine && theirs && v == theirs &&
	    x->sv.len >= SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG + 4 &&
	    sctp_get32(x->sv.sctp + SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG) ==
		    mine &&
	    cand_has_peer(c, peer, false))
		return CAND_ACK;
	/* Answers the other side's INIT, from (to) an address that INIT
	 * was for (RFC 9260 5.1: "the INIT ACK's destination is the INIT's
	 * source"); first looked for by that source alone
	 * (handshake_cand_lookup). */
	if (inb != out || !theirs || v != theirs)
		return CAND_NONE;
	if (x->cand_strict)
		return c->n_peers && nat_addr_eq(&c->peers[0], peer) ?
			       CAND_ACK :
			       CAND_NONE;
	return cand_has_peer(c, peer, true) ? CAND_ACK : CAND_NONE;
}

/*
 * What packet x does to candidate c of a.  `mine` is the sender's own tag
 * of the pair, `theirs` the receiver's, which is what a packet carries
 * (RFC 9260 8.5) except for the T-bit ones (8.5.1).  live_idx: as for
 * cand_known_peer.  Inline: called, it had cand_matches save its loop's
 * registers around each candidate.
 */
static inline __attribute__((always_inline)) uint8_t
cand_op_at(const struct xlate_ctx *x, const struct assoc *a,
	   const struct assoc_cand *c, int live_idx)
{
	bool out = x->dir == ENGINE_OUTBOUND;
	bool inb = c->flags & ASSOC_CAND_F_INBOUND;
	uint32_t mine = out ? c->tag_inside : c->tag_peer;
	uint32_t theirs = out ? c->tag_peer : c->tag_inside;
	const struct nat_addr *peer = out ? &x->dst : &x->src;
	uint32_t v = x->sv.vtag;
	uint8_t op;

	switch (x->sv.first_type) {
	case SCTP_CID_INIT_ACK:
		return cand_op_ack(x, c);
	case SCTP_CID_COOKIE_ECHO:
		/*
		 * Sent by the INIT's sender with the INIT ACK's tag: for
		 * the peer's INIT, any answer the inside host gave it.  In
		 * an INIT collision each side answers the other's INIT
		 * with its own tag (RFC 9260 5.2.1), so both INITs'
		 * candidates hold the same pair, and either side's COOKIE
		 * ECHO selects either: the one of the other side's INIT
		 * may be gone, pushed out by blind INITs.  The peer's
		 * selects the inside host's INIT's only once the inside
		 * host gave that pair to the peer's INIT as well: the
		 * peer's answer to a late copy of an INIT the inside host
		 * has given up holds the old tag too, and a late COOKIE
		 * ECHO of the peer with it is not for that pair.  Alike
		 * the other way: the inside host's selects the peer's
		 * INIT's only once the peer's answer to the host's INIT
		 * carried that pair (pair_answered_back); the host's
		 * answer to a late copy of an INIT the peer has given up
		 * holds the peer's old tag, and a late COOKIE ECHO of the
		 * host's with it belongs to an older pair.
		 */
		if (!mine || !theirs ||
		    (v != theirs && cand_more_find(c, v) < 0) ||
		    (inb == out && !c->collided))
			return CAND_NONE;
		/*
		 * With its receiver's tag of an association that has
		 * closed, it is that association's COOKIE ECHO, late, and
		 * lookup() drops it as such.  Both ends have left the pair
		 * (ABORT, SHUTDOWN COMPLETE) and answer INITs with new tags
		 * (RFC 9260 5.1, 5.2.2): a candidate holding that tag with
		 * another is made of answers sent before, to INITs their
		 * sender has given up (5.1).  Not while the association
		 * lives: an end whose COOKIE ACK was lost is still in
		 * COOKIE-ECHOED and answers a restart with the live tag
		 * (5.2.1).
		 */
		if (a->state == ASSOC_CLOSED && handshake_assoc_live(a) &&
		    v == (out ? a->tag_peer : a->tag_inside))
			return CAND_NONE;
		op = CAND_SELECT;
		break;
	default:
		if (tbit_packet(x))
			op = mine && v == mine ? CAND_END : CAND_NONE;
		else if (!theirs || v != theirs)
			op = CAND_NONE;
		else if (x->sv.first_type == SCTP_CID_ABORT)
			op = CAND_END;
		else if (x->sv.first_type == SCTP_CID_ERROR)
			op = CAND_PASS; /* a Stale Cookie, say: no answer */
		/* The answer to the COOKIE ECHO, by the side that received
		 * it. */
		else if ((c->flags & (out ? ASSOC_CAND_F_ECHO_IN :
					    ASSOC_CAND_F_ECHO_OUT)) &&
			 mine)
			op = CAND_CONFIRM;
		else
			op = CAND_NONE;
		break;
	}
	/* Only from (to) a peer address the handshake knows; asked last,
	 * as the tags rule most packets out for less.  A live peer needs
	 * no call. */
	if (op != CAND_NONE && live_idx < 0 &&
	    !cand_known_peer(x, a, c, peer, live_idx))
		op = CAND_NONE;
	return op;
}

/*
 * cand_op_at without the peer looked for.  Out of line: engine.c's process
 * inlines handshake_cand_commit, which calls it, and inlined it moved
 * the registers of process on DATA's path.
 */
__attribute__((noinline)) static uint8_t cand_op(const struct xlate_ctx *x,
						 const struct assoc *a,
						 const struct assoc_cand *c)
{
	return cand_op_at(x, a, c, PEER_NOT_ASKED);
}

/*
 * The inside host's COOKIE ECHO carrying a peer tag no candidate holds,
 * after the box passed an answer to its INIT without room to keep it:
 * the INIT ACK it took (the first to reach it, RFC 9260 5.2.3) may be
 * that one, as a responder answers every
 * copy of a retransmitted INIT with a new tag (5.1.3), any number of
 * them, and the network may lose or reorder the earlier ones.  Only the
 * inside host sends from inside, and it names the pair it chose as well
 * as the INIT ACK did; the pair still takes effect only when the peer's
 * answer carrying the inside tag confirms it.  It belongs to the inside
 * host's own INIT (the pair's other tag): the answered one, else the
 * newest (the answers of an abandoned attempt go when a new one starts,
 * handshake_cand_init).  A copy of the live pair's tag is the
 * handshake's own COOKIE ECHO sent again, not a new pair.  -1: none.
 * live_idx: as for cand_known_peer; cands, nc: a's (assoc_cands,
 * assoc_cands_n).
 */
static int cand_echo_learn(const struct xlate_ctx *x, const struct assoc *a,
			   const struct assoc_cand *cands, int nc, int live_idx)
{
	int best = -1;

	if (x->dir != ENGINE_OUTBOUND ||
	    x->sv.first_type != SCTP_CID_COOKIE_ECHO || !x->sv.vtag ||
	    x->sv.vtag == a->tag_peer ||
	    x->sv.vtag == assoc_prev_tag_peer(x->e->table, a) ||
	    assoc_tag_gone(x->e->table, a, x->sv.vtag, false))
		return -1;
	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i], *b;

		if (!cand_live(x->e, c, x->now) ||
		    (c->flags & ASSOC_CAND_F_INBOUND) ||
		    !(c->flags & ASSOC_CAND_F_OVERFLOW) || !c->tag_inside ||
		    !cand_known_peer(x, a, c, &x->dst, live_idx))
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		b = &cands[best];
		if ((c->tag_peer && !b->tag_peer) ||
		    (!!c->tag_peer == !!b->tag_peer && c->since > b->since))
			best = i;
	}
	return best;
}

/*
 * The candidate of a an INIT ACK answers, -1 if none (cand_matches); *copy:
 * a new answer to an INIT answered already.  A duplicate INIT ACK lands
 * on its own pair; a new tag fills the INIT's pair, or a copy of it (one
 * INIT sent twice, answered twice).  itag: the INIT ACK's Initiate Tag;
 * cands, nc: a's.
 */
static int cand_ack_pick(const struct xlate_ctx *x,
			 const struct assoc_cand *cands, int nc, uint32_t itag,
			 bool *copy)
{
	bool out = x->dir == ENGINE_OUTBOUND;
	int empty = -1, any = -1;

	*copy = false;
	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i];
		uint32_t got;

		if (!cand_live(x->e, c, x->now) ||
		    cand_op_ack(x, c) == CAND_NONE)
			continue;
		got = out ? c->tag_inside : c->tag_peer;
		if (got == itag ||
		    (out && itag && cand_more_find(c, itag) >= 0))
			return i;
		if (!got && empty < 0)
			empty = i;
		else if (any < 0)
			any = i;
	}
	if (empty >= 0)
		return empty;
	*copy = any >= 0;
	return any;
}

/*
 * Does packet x belong to a candidate of a?  If so, which and what it
 * does to it (x->cand, x->cand_op), and the addresses' entries the test
 * found, as lookup_ends (engine.c) leaves them for xlate_plan.  cands,
 * nc: a's, from the block the index walk has read
 * (assoc_lookup_cands_of).
 */
static bool cand_matches(const struct assoc *a, const struct assoc_cand *cands,
			 int nc, void *arg)
{
	struct xlate_ctx *x = arg;
	const struct nat_addr *peer = x->dir == ENGINE_OUTBOUND ? &x->dst :
								  &x->src;
	int pick = -1;
	int local, live_idx;
	uint8_t op = CAND_NONE;
	uint32_t itag = 0;
	bool new_src = false, copy = false;

	/*
	 * Outbound from an inside address not bound yet: the inside host
	 * may speak from a new address (an ASCONF adding it, RFC 5061
	 * 4.2.1) as soon as it is established, before the box has seen
	 * the answer that confirms its handshake.  Such a packet may only
	 * confirm; xlate_plan then judges the address as on a live
	 * association.
	 */
	local = x->dir == ENGINE_OUTBOUND ?
			assoc_find_local_inside(a, &x->src) :
			assoc_find_local_public(&x->e->pubs, a, &x->dst);
	if (local < 0) {
		if (x->dir != ENGINE_OUTBOUND ||
		    x->sv.first_type == SCTP_CID_INIT_ACK ||
		    x->sv.first_type == SCTP_CID_COOKIE_ECHO)
			return false;
		new_src = true;
	}
	/* Once for all its candidates (cand_known_peer), and for the plan. */
	live_idx = assoc_find_peer(a, peer);
	if (x->sv.first_type == SCTP_CID_INIT_ACK) {
		/* Chunks are validated later (phase 2): read only what is
		 * there; a short INIT ACK is dropped then. */
		if (x->sv.len >= SCTP_HDR_LEN + SCTP_INIT_OFF_ITAG + 4)
			itag = sctp_get32(x->sv.sctp + SCTP_HDR_LEN +
					  SCTP_INIT_OFF_ITAG);
		pick = cand_ack_pick(x, cands, nc, itag, &copy);
		op = CAND_ACK;
	} else {
		/* An INIT ACK's is the only test that yields CAND_ACK. */
		for (int i = 0; i < nc; i++) {
			const struct assoc_cand *c = &cands[i];

			if (!cand_live(x->e, c, x->now))
				continue;
			op = cand_op_at(x, a, c, live_idx);
			if (op != CAND_NONE &&
			    (!new_src || op == CAND_CONFIRM)) {
				pick = i;
				break;
			}
		}
		if (pick < 0) {
			pick = cand_echo_learn(x, a, cands, nc, live_idx);
			op = CAND_SELECT;
			copy = pick >= 0;
		}
	}
	x->cand_copy = copy;
	if (pick < 0)
		return false;
	x->cand = (int8_t)pick;
	x->cand_op = op;
	x->cand_itag = itag;
	/* Nothing changes a's peers or bindings before the plan. */
	x->hint_a = a;
	x->hint_peer = (int8_t)live_idx;
	x->hint_local = (int8_t)local;
	return true;
}

struct assoc *handshake_cand_lookup(struct xlate_ctx *x)
{
	bool out = x->dir == ENGINE_OUTBOUND;
	enum assoc_key k = out ? ASSOC_KEY_OUT_PORTS : ASSOC_KEY_IN_PORTS;
	uint16_t here = out ? x->sv.sport : x->sv.dport;
	uint16_t peer = out ? x->sv.dport : x->sv.sport;
	struct assoc *a = NULL;

	x->cand_copy = false;
	/*
	 * The inside host's INIT ACK goes to the source of the INIT it
	 * answers (RFC 9260 5.1).  A peer that sent its INIT again from
	 * another of its addresses, the first copy lost or late beyond
	 * the box, has an association for each source (an INIT from an
	 * address the association does not know is a new one,
	 * handshake_init), and the newer one's INIT may list the first
	 * source.  An answer to the first copy belongs with the first
	 * copy's association: the peer's COOKIE ECHO for it comes from
	 * there, and only the INIT's source vouches for a COOKIE ECHO
	 * (cand_known_peer).  So the INIT's source first, then any
	 * address the INIT listed.
	 */
	if (out && x->sv.first_type == SCTP_CID_INIT_ACK) {
		x->cand_strict = true;
		a = assoc_lookup_cands_of(x->e->table, k, here, peer,
					  cand_matches, x);
		x->cand_strict = false;
	}
	/* Only an association with candidates matches (cand_matches). */
	if (!a)
		a = assoc_lookup_cands_of(x->e->table, k, here, peer,
					  cand_matches, x);
	if (!a) {
		x->cand = -1;
		x->cand_op = CAND_NONE;
	}
	return a;
}

bool handshake_cand_peer_ok(const struct xlate_ctx *x,
			    const struct nat_addr *peer)
{
	return x->cand >= 0 &&
	       cand_has_peer(&assoc_cands(x->e->table, x->a)[x->cand], peer,
			     false);
}

/* ---- an INIT ACK's tag must not be another association's ---- */

struct collide_arg {
	const struct xlate_ctx *x;
	const struct assoc_cand *c;
	uint32_t tag;
	bool inside; /* the tag names the inside host */
};

static bool peer_of(const struct engine *e, const struct assoc *o,
		    const struct nat_addr *addr)
{
	const struct assoc_cand *cands = assoc_cands(e->table, o);
	int nc = assoc_cands_n(o);

	if (assoc_find_peer(o, addr) >= 0)
		return true;
	for (int i = 0; i < nc; i++)
		if ((cands[i].flags & ASSOC_CAND_F_USED) &&
		    cand_has_peer(&cands[i], addr, false))
			return true;
	return false;
}

/* Does o know a peer address of the candidate, or one this inbound
 * INIT ACK (its source and list) brings? */
static bool shares_a_peer(const struct xlate_ctx *x, const struct assoc *o,
			  const struct assoc_cand *c)
{
	const uint8_t *chunk = x->sv.sctp + SCTP_HDR_LEN;
	struct nat_addr addr;

	for (int i = 0; i < c->n_peers; i++)
		if (peer_of(x->e, o, &c->peers[i]))
			return true;
	if (x->dir == ENGINE_OUTBOUND)
		return false;
	if (peer_of(x->e, o, &x->src))
		return true;
	for (uint32_t off = sctp_param_first(chunk, SCTP_INIT_FIXED_LEN); off;
	     off = sctp_param_next(chunk, off)) {
		const uint8_t *p = chunk + off;

		if (sctp_get16(p) == SCTP_PARAM_IPV4_ADDR)
			nat_addr_from_v4(&addr, p + 4);
		else if (sctp_get16(p) == SCTP_PARAM_IPV6_ADDR)
			nat_addr_from_v6(&addr, p + 4);
		else
			continue;
		if (peer_of(x->e, o, &addr))
			return true;
	}
	return false;
}

static bool collides(const struct assoc *o, void *arg)
{
	const struct collide_arg *ca = arg;
	const struct xlate_ctx *x = ca->x;
	uint32_t live = ca->inside ? o->tag_inside : o->tag_peer;

	if (o == x->a)
		return false;
	if (live != ca->tag &&
	    !handshake_cand_has_tag(x->e, o, ca->tag, ca->inside, x->now))
		return false;
	return shares_a_peer(x, o, ca->c);
}

/*
 * Packets are found by (ports, receiver's tag) and told apart by
 * address (assoc_table.h): two associations with the same key
 * and a peer address in common could not be told apart, and one
 * host's packets would be taken for the other's.  The INIT ACK making
 * such a pair is refused; the initiator sends its INIT again and gets a
 * new tag (RFC 9260 5.1.3).  So is a pair the inside host's COOKIE ECHO
 * names (cand_echo_learn) with such a peer tag.
 */
enum drop_reason handshake_cand_plan(struct xlate_ctx *x)
{
	const struct assoc *a = x->a;
	bool learn = x->cand_op == CAND_SELECT && x->cand_copy;
	struct collide_arg ca;

	/* A COOKIE ECHO's pair was checked when its INIT ACK made it
	 * (most COOKIE ECHOs): nothing to work out. */
	if (x->cand_op != CAND_ACK && !learn)
		return DROP_NONE;
	ca = (struct collide_arg){
		.x = x,
		.c = &assoc_cands(x->e->table, a)[x->cand],
		.tag = learn ? x->sv.vtag : x->cand_itag,
		.inside = !learn && x->dir == ENGINE_OUTBOUND,
	};
	if (!ca.tag)
		return DROP_INIT_ZERO_TAG;
	/* Another association holds the tag live (found by its key) or in
	 * a candidate (it has candidates, then). */
	if (ca.inside ? assoc_lookup_tag_match(x->e->table, ASSOC_KEY_IN_TAG,
					       a->port_public, a->port_peer,
					       ca.tag, collides, &ca) ||
				assoc_any_cands(x->e->table,
						ASSOC_KEY_IN_PORTS,
						a->port_public, a->port_peer,
						collides, &ca) :
			assoc_lookup_tag_match(x->e->table, ASSOC_KEY_OUT_TAG,
					       a->port_inside, a->port_peer,
					       ca.tag, collides, &ca) ||
				assoc_any_cands(x->e->table,
						ASSOC_KEY_OUT_PORTS,
						a->port_inside, a->port_peer,
						collides, &ca))
		return DROP_HANDSHAKE_TAG_COLLISION;
	return DROP_NONE;
}

/* ---- commit ---- */

/*
 * Of two unfinished handshakes, which got further: a COOKIE ECHO from
 * both sides (an INIT collision both ends completed) before one from
 * one side, then the INIT heard last.
 */
static bool further(const struct assoc_cand *c, const struct assoc_cand *o)
{
	int ec = __builtin_popcount(
		c->flags & (ASSOC_CAND_F_ECHO_IN | ASSOC_CAND_F_ECHO_OUT));
	int eo = __builtin_popcount(
		o->flags & (ASSOC_CAND_F_ECHO_IN | ASSOC_CAND_F_ECHO_OUT));

	return ec != eo ? ec > eo : c->heard > o->heard;
}

/*
 * The completed handshake ends the candidates it answers: its own, the
 * other answers to its INITs, collision candidates sharing a tag with
 * it, older handshakes it overtook, and the inside host's older
 * attempts.  One sharing no tag with it and begun after it, or a peer's
 * INIT older but not yet at its COOKIE ECHO, may be a newer handshake
 * already on its way (the peer, or the inside host, restarting again
 * before this one's last packet passed the box): it stays aside and may
 * complete.  The furthest older one's pair is remembered as dead
 * (assoc_tag_gone).
 */
static void cand_clear_done(const struct engine *e, struct assoc *a,
			    const struct assoc_cand *done)
{
	struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);
	uint32_t tag_inside = done->tag_inside, tag_peer = done->tag_peer;
	uint64_t born = done->born;
	const struct assoc_cand *furthest = NULL;

	for (int i = 0; i < nc; i++) {
		struct assoc_cand *c = &cands[i];

		if (c->tag_inside == tag_inside || c->tag_peer == tag_peer ||
		    cand_more_find(c, tag_inside) >= 0) {
			c->flags = 0;
		} else if ((c->flags & ASSOC_CAND_F_ECHOED) && c->born < born) {
			/*
			 * An older handshake, its COOKIE ECHO already seen
			 * before this one's INIT passed: its cookie was
			 * made before this one's tags existed, so it cannot
			 * carry them as Tie-Tags, and an endpoint that took
			 * this one discards it (RFC 9260 5.2.4 A, C).  Its
			 * COOKIE ACK still in the network is stale and must
			 * not take the association back, nor late copies
			 * of its whole handshake set it up again.
			 */
			if (c->tag_inside && c->tag_peer &&
			    (!furthest || further(c, furthest)))
				furthest = c;
			c->flags = 0;
		} else if (!(c->flags &
			     (ASSOC_CAND_F_INBOUND | ASSOC_CAND_F_DR_INSIDE)) &&
			   c->born < born) {
			/*
			 * An INIT of the inside host's with another tag,
			 * heard before this handshake's: an attempt it gave
			 * up (RFC 9260 5.1), perhaps within the setup
			 * timeout (sinit_max_attempts, RFC 6458 8.1.3).  One
			 * attempt at a time on a port pair: while it waited
			 * on that one it would have answered this
			 * handshake's INIT with its tag (5.2.1).  Left
			 * live, it would pass a blind INIT from the peer's
			 * address as its collision.  Not under Disable
			 * Restart, where two associations may share the
			 * ports, told apart by their tags
			 * (draft-ietf-tsvwg-natsupp-23 6.2.1).
			 */
			c->flags = 0;
		}
	}
	if (furthest)
		assoc_set_gone_tags(e->table, a, ASSOC_GONE_ABANDONED,
				    furthest->tag_inside, furthest->tag_peer);
}

/* a's peer list becomes c's, each address keeping its entry (counters,
 * pin) if it had one. */
static void replace_peers(struct engine *e, struct assoc *a,
			  const struct assoc_cand *c)
{
	struct assoc_peer old[ENGINE_ADDRS_MAX];
	uint8_t n_old = a->n_peers;
	bool indexed = assoc_unindex_peers(e->table, a);

	memcpy(old, a->peers, n_old * sizeof(old[0]));
	a->n_peers = 0;
	for (int i = 0; i < c->n_peers; i++) {
		struct assoc_peer *p = &a->peers[a->n_peers++];

		memset(p, 0, sizeof(*p));
		p->addr = c->peers[i];
		for (int j = 0; j < n_old; j++)
			if (nat_addr_eq(&old[j].addr, &p->addr))
				*p = old[j];
	}
	if (indexed)
		assoc_index_peers(e->table, a);
}

/* The candidate's peer list replaces the live one; counters stay. */
static void take_peers(struct engine *e, struct assoc *a,
		       const struct assoc_cand *c)
{
	uint8_t n_old = a->n_peers;
	bool same;

	if (!assoc_room_peers(e->table, a, c->n_peers))
		return; /* never: candidates hold max_peers at most */
	/* The list stays (most handshakes): so do its index entries and
	 * the entries themselves, as each address of a list is there once
	 * and would be given its old entry back. */
	same = n_old == c->n_peers;
	for (int i = 0; same && i < n_old; i++)
		same = nat_addr_eq(&a->peers[i].addr, &c->peers[i]);
	if (!same)
		replace_peers(e, a, c);
	for (unsigned int i = 0; i < a->n_peers; i++)
		a->peers[i].uplink = xlate_pin_uplink(e, a, i);
}

/*
 * The new association has the inside addresses its INIT / INIT ACK
 * listed (RFC 9260 5.2.2: a restart is a new association, with the
 * addresses its handshake names), not those an ASCONF added to the old
 * one: a binding the inside host left out would still take packets the
 * peer never learnt of, a blind INIT to its public address among them.
 * locals[0] owns the port bindings and stays.  An Add IP accepted
 * after the chunk passed has its bit too (handshake_cand_local_added);
 * an address joining by vtag has none: its public address is one the
 * peer already knows (xlate.c), and it joins the new association the
 * same way.
 */
static void drop_left_out(struct engine *e, struct assoc *a,
			  const struct assoc_cand *c)
{
	uint32_t m = c->left_out;

	for (int i = a->n_locals - 1; i > 0; i--)
		if (i < 32 && (m & (1u << i)))
			xlate_remove_local(e, a, i);
}

/* A left_out mask once locals[i] has gone: the bits above i move down. */
static uint32_t left_out_without(uint32_t m, int i)
{
	uint32_t below = i < 32 ? (1u << i) - 1u : ~0u;
	uint32_t above = i < 31 ? m >> (i + 1) << i : 0;

	return (m & below) | above;
}

void handshake_cand_local_gone(const struct engine *e, struct assoc *a, int i)
{
	/* Without a block, the candidates are shared and all zero: read
	 * only. */
	struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);

	for (int k = 0; k < nc; k++) {
		struct assoc_cand *c = &cands[k];

		if (c->left_out)
			c->left_out = left_out_without(c->left_out, i);
		for (int j = 0; j < c->n_more; j++)
			if (c->more_left_out[j])
				c->more_left_out[j] = left_out_without(
					c->more_left_out[j], i);
	}
}

void handshake_cand_local_added(const struct engine *e, struct assoc *a, int i)
{
	struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);
	uint32_t bit = i < 32 ? 1u << i : 0;

	/*
	 * Every INIT or INIT ACK of the inside host that has passed went
	 * out without this address: the peer learns it only through the
	 * association that accepted the Add IP, not through a new one
	 * those chunks set up (RFC 9260 5.2.2).  Answers passing from now
	 * on have it in their list or leave it out themselves.
	 */
	for (int k = 0; k < nc && bit; k++) {
		struct assoc_cand *c = &cands[k];

		if (!(c->flags & ASSOC_CAND_F_USED) || !c->tag_inside)
			continue;
		c->left_out |= bit;
		for (int j = 0; j < c->n_more; j++)
			c->more_left_out[j] |= bit;
	}
}

static void promote(struct xlate_ctx *x, struct assoc_cand *c)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;
	/* A closed one's DOWN was reported when it closed: the inside
	 * host's new association on its mapping (handshake.c) is new. */
	bool closed = a->state == ASSOC_CLOSED;
	bool restart = !closed && handshake_assoc_live(a) &&
		       (a->flags & ASSOC_F_UP);

	/* RFC 9260 5.2.4 A: the old association ends here. */
	if (restart)
		engine_event_down(e, a, ENGINE_EVR_RESTART, x->now);
	if (handshake_assoc_live(a) && (a->tag_inside != c->tag_inside ||
					a->tag_peer != c->tag_peer))
		assoc_set_gone_tags(e->table, a, ASSOC_GONE_REPLACED,
				    a->tag_inside, a->tag_peer);
	drop_left_out(e, a, c);
	assoc_unlink(e->table, a, ASSOC_KEY_IN_TAG);
	assoc_unlink(e->table, a, ASSOC_KEY_OUT_TAG);
	handshake_clear_prev_tags(e, a);
	a->tag_inside = c->tag_inside;
	a->tag_peer = c->tag_peer;
	assoc_link_tags(e->table, a);
	take_peers(e, a, c);
	a->flags &= (uint8_t)~(ASSOC_F_NO_RESTART | ASSOC_F_PEER_SHUT_ACK);
	a->shut_by = 0;
	if (c->flags & ASSOC_CAND_F_DR_INSIDE)
		a->flags |= ASSOC_F_DR_INSIDE;
	if (c->flags & ASSOC_CAND_F_DR_PEER)
		a->flags |= ASSOC_F_DR_PEER;
	cand_clear_done(e, a, c);
	engine_set_state(e, a, ASSOC_ESTABLISHED, x->now);
	if (restart || closed || !(a->flags & ASSOC_F_UP))
		engine_event_up(e, a,
				restart ? ENGINE_EVR_RESTART : ENGINE_EVR_NEW,
				x->now);
}

static bool any_cand(const struct engine *e, const struct assoc *a,
		     uint64_t now)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);

	for (int i = 0; i < nc; i++)
		if (cand_live(e, &cands[i], now))
			return true;
	return false;
}

bool handshake_cand_outbound(const struct engine *e, const struct assoc *a,
			     uint64_t now)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);

	for (int i = 0; i < nc; i++)
		if (cand_live(e, &cands[i], now) &&
		    !(cands[i].flags & ASSOC_CAND_F_INBOUND))
			return true;
	return false;
}

/*
 * The peer's answer to the inside host's INIT made pair c: did the inside
 * host already give the same pair to the peer's INIT (an INIT collision,
 * RFC 9260 5.2.1, the inside host's answer first)?  The peer's INIT's
 * candidates holding it are marked so: the inside host's COOKIE ECHO may
 * name them now (cand_op_at).  Those not holding it yet keep the host's
 * tag for its answer (commit_ack): c may be gone by then, retired as
 * answered when the host seems to begin a new attempt.
 */
static bool pair_answered_back(const struct xlate_ctx *x,
			       const struct assoc_cand *c)
{
	struct assoc_cand *cands = assoc_cands(x->e->table, x->a);
	int nc = assoc_cands_n(x->a);
	bool found = false;

	for (int i = 0; i < nc; i++) {
		struct assoc_cand *o = &cands[i];

		if (!cand_live(x->e, o, x->now) ||
		    !(o->flags & ASSOC_CAND_F_INBOUND) ||
		    o->tag_peer != c->tag_peer)
			continue;
		if (o->tag_inside == c->tag_inside ||
		    cand_more_find(o, c->tag_inside) >= 0) {
			o->collided = true;
			found = true;
		} else {
			o->peer_answered = c->tag_inside;
		}
	}
	return found;
}

static void commit_ack(struct xlate_ctx *x, struct assoc_cand *c)
{
	const uint8_t *chunk = x->sv.sctp + SCTP_HDR_LEN;
	bool out = x->dir == ENGINE_OUTBOUND;
	uint32_t *t;

	/*
	 * An answer offering its sender's tag of a pair the association
	 * remembers as dead (assoc_tag_gone) is a late one: an endpoint
	 * answers with its own tag only from the COOKIE-WAIT or
	 * COOKIE-ECHOED it had with it (RFC 9260 5.2.1), which it left
	 * for the pair that replaced or overtook it.  It passes, its
	 * receiver discards it (5.2.3), but it fills no candidate: with
	 * late copies of the COOKIE ECHO and COOKIE ACK of that pair, it
	 * would take the association back to it.
	 */
	if (assoc_tag_gone(x->e->table, x->a, x->cand_itag, out))
		return;
	/* Only the collision answer reaches the inside host's INIT's
	 * candidate from inside (cand_op); the peer's INIT's is one once
	 * the peer answered the tag this answer carries with its own
	 * (pair_answered_back). */
	if (out && (!(c->flags & ASSOC_CAND_F_INBOUND) ||
		    (x->cand_itag && c->peer_answered == x->cand_itag)))
		c->collided = true;

	/*
	 * The inside host's answer lists its addresses (5.2.2 for a
	 * restart): those it leaves out go if the peer takes this answer.
	 * A copy of an answer the box has seen (same tag) keeps out only
	 * what both left out.
	 */
	if (out) {
		uint32_t lo = addr_list_left_out(x, x->a, chunk);
		int m = x->cand_itag == c->tag_inside ?
				-1 :
				cand_more_find(c, x->cand_itag);

		if (!c->tag_inside)
			c->left_out = lo;
		else if (m >= 0)
			c->more_left_out[m] &= lo;
		else if (!x->cand_copy)
			c->left_out &= lo;
		else
			c->more_left_out[c->more_next] = lo;
	}
	if (x->cand_copy && out) {
		/*
		 * The inside host's next answer to the peer's INIT (a copy
		 * of it, or one the network duplicated): kept beside the
		 * first, the peer uses whichever reaches it first.  The
		 * pair's addresses are the INIT's, the same for all.
		 */
		c->more[c->more_next] = x->cand_itag;
		c->more_next = (uint8_t)((c->more_next + 1) % ASSOC_CAND_MORE);
		if (c->n_more < ASSOC_CAND_MORE)
			c->n_more++;
		return;
	}
	if (x->cand_copy) {
		struct assoc_cand *cands = assoc_cands(x->e->table, x->a);
		int nc = assoc_cands_n(x->a);
		struct assoc_cand *n = NULL;

		/*
		 * Another answer to an INIT already answered (a stateless
		 * responder answers each copy with a new tag, RFC 9260
		 * 5.1.3).  The INIT's sender takes the first INIT ACK it
		 * gets and discards the rest (5.2.3): the earlier answers
		 * are the ones to keep, so a later one takes only a free
		 * slot, never pushing out an answer or another handshake.
		 */
		for (int i = 0; i < nc && !n; i++)
			if (!cand_live(x->e, &cands[i], x->now))
				n = &cands[i];
		if (!n || n == c) {
			/* Passed, not kept: the inside host's COOKIE ECHO
			 * may name it (cand_echo_learn). */
			for (int i = 0; i < nc; i++) {
				struct assoc_cand *o = &cands[i];

				if (cand_live(x->e, o, x->now) &&
				    !(o->flags & ASSOC_CAND_F_INBOUND) &&
				    o->tag_inside == c->tag_inside)
					o->flags |= ASSOC_CAND_F_OVERFLOW;
			}
			return;
		}
		n->tag_inside = c->tag_inside;
		n->tag_peer = c->tag_peer;
		n->flags = (uint8_t)(c->flags & ~ASSOC_CAND_F_ECHO_ANY);
		n->born = c->born;
		n->heard = c->heard;
		assoc_cand_room_peers(x->e->table, n, c->n_init_peers);
		n->left_out = c->left_out;
		/* A free slot may hold an earlier candidate's answers. */
		n->n_more = n->more_next = 0;
		n->collided = false;
		n->peer_answered = 0;
		n->n_init_peers = n->n_peers = c->n_init_peers;
		memcpy(n->peers, c->peers,
		       c->n_init_peers * sizeof(c->peers[0]));
		c = n;
		c->flags &= (uint8_t) ~(
			ASSOC_CAND_F_ECHO_ANY |
			(out ? ASSOC_CAND_F_DR_INSIDE : ASSOC_CAND_F_DR_PEER));
		c->n_peers = c->n_init_peers;
	}
	t = out ? &c->tag_inside : &c->tag_peer;
	if (*t == x->cand_itag || (out && cand_more_find(c, x->cand_itag) >= 0))
		return; /* a duplicate: nothing new */
	*t = x->cand_itag;
	c->since = x->now;
	if (!out && !(c->flags & ASSOC_CAND_F_INBOUND) &&
	    pair_answered_back(x, c))
		c->collided = true;
	if (natsupp_disable_restart(chunk))
		c->flags |= out ? ASSOC_CAND_F_DR_INSIDE : ASSOC_CAND_F_DR_PEER;
	/* The peer's addresses; the inside host's are bindings already. */
	if (!out)
		cand_add_chunk_peers(x->e, c, &x->src, chunk);
}

/*
 * A COOKIE ECHO selects c.  If it carries one of the inside host's later
 * answers to the peer's INIT, that answer becomes the pair's inside tag:
 * it is the one the peer took.
 */
static void cand_select(const struct xlate_ctx *x, struct assoc_cand *c)
{
	int m;

	if (x->dir == ENGINE_INBOUND && x->sv.vtag != c->tag_inside &&
	    (m = cand_more_find(c, x->sv.vtag)) >= 0) {
		uint32_t left_out = c->more_left_out[m];

		c->more[m] = c->tag_inside;
		c->more_left_out[m] = c->left_out;
		c->tag_inside = x->sv.vtag;
		c->left_out = left_out;
	}
	c->flags |= ASSOC_CAND_F_ECHOED |
		    (x->dir == ENGINE_INBOUND ? ASSOC_CAND_F_ECHO_IN :
						ASSOC_CAND_F_ECHO_OUT);
	c->since = x->now;
}

/*
 * The pair the inside host's COOKIE ECHO names (cand_echo_learn), with
 * the peers of `from`, its INIT's candidate.  Its room: a free one, else
 * one holding another answer to the same INIT, which the inside host
 * has discarded now that it echoed this one (RFC 9260 5.2.3), else the
 * oldest not selected, else `from` itself.
 */
static struct assoc_cand *echo_learn(struct xlate_ctx *x,
				     struct assoc_cand *from)
{
	struct assoc *a = x->a;
	struct assoc_cand *cands = assoc_cands(x->e->table, a);
	int nc = assoc_cands_n(a);
	struct assoc_cand *n = NULL, *old = NULL;

	for (int i = 0; i < nc && !n; i++) {
		struct assoc_cand *c = &cands[i];

		if (!cand_live(x->e, c, x->now))
			n = c;
		else if (!(c->flags & ASSOC_CAND_F_ECHOED) && c != from &&
			 !(c->flags & ASSOC_CAND_F_INBOUND) &&
			 c->tag_inside == from->tag_inside)
			n = c;
		else if (!(c->flags & ASSOC_CAND_F_ECHOED) && c != from &&
			 (!old || c->since < old->since))
			old = c;
	}
	if (!n)
		n = old ? old : from;
	if (n != from) {
		n->tag_inside = from->tag_inside;
		n->flags = from->flags;
		n->born = from->born;
		n->heard = from->heard;
		assoc_cand_room_peers(x->e->table, n, from->n_peers);
		n->left_out = from->left_out;
		n->n_peers = from->n_peers;
		n->n_init_peers = from->n_init_peers;
		memcpy(n->peers, from->peers,
		       from->n_peers * sizeof(from->peers[0]));
	}
	n->tag_peer = x->sv.vtag;
	n->n_more = n->more_next = 0;
	n->collided = false;
	n->peer_answered = 0;
	n->flags &= (uint8_t)~ASSOC_CAND_F_ECHO_ANY;
	return n;
}

void handshake_cand_commit(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;
	struct assoc_cand *cands, *c;
	int nc;

	/* A copy takes a candidate of its own (commit_ack, echo_learn). */
	if (x->cand_copy)
		assoc_cands_grow(e->table, a);
	cands = assoc_cands(e->table, a);
	nc = assoc_cands_n(a);
	c = &cands[x->cand];

	switch (x->cand_op) {
	case CAND_ACK:
		commit_ack(x, c);
		/*
		 * The inside host's answer to the peer's INIT on a mapping
		 * still in its handshake: a step of the peer's handshake,
		 * begun perhaps late in the setup timeout of the INIT that
		 * set the mapping up (both ends restarting, RFC 9260 5.2.1).
		 * The mapping lasts the setup timeout from here, or the
		 * peer's COOKIE ECHO may find it gone.
		 */
		if (x->dir == ENGINE_OUTBOUND &&
		    (a->state == ASSOC_COOKIE_WAIT ||
		     a->state == ASSOC_COOKIE_ECHOED))
			assoc_set_expiry(
				e->table, a,
				x->now + engine_timeout_ns(e,
							   ASSOC_COOKIE_WAIT));
		break;
	case CAND_SELECT:
		if (x->cand_copy)
			c = echo_learn(x, c);
		/*
		 * Another COOKIE ECHO (a retransmission) keeps it alive.
		 * It carries only the receiver's tag, which the receiver
		 * gives every INIT it answers in its handshake (RFC 9260
		 * 5.2.1): the peer's INIT and a blind one from its address
		 * make two candidates with it.  Which one the cookie holds
		 * is known only from the answer, carrying the sender's tag
		 * (5.2.4): all are selected, the COOKIE ACK confirms one.
		 */
		for (int i = 0; i < nc; i++) {
			struct assoc_cand *o = &cands[i];

			if (o == c || (cand_live(e, o, x->now) &&
				       cand_op(x, a, o) == CAND_SELECT))
				cand_select(x, o);
		}
		if (!handshake_assoc_live(a))
			engine_set_state(e, a, ASSOC_COOKIE_ECHOED, x->now);
		break;
	case CAND_CONFIRM:
		promote(x, c);
		break;
	case CAND_END:
		c->flags = 0;
		if (!handshake_assoc_live(a) && !any_cand(e, a, x->now)) {
			engine_end_assoc(e, a, ENGINE_EVR_ABORT, x->now);
			engine_set_state(e, a, ASSOC_CLOSED, x->now);
		}
		break;
	default:
		break;
	}
	/* The peer list may have changed: count the path it is now. */
	x->peer_idx = (int8_t)assoc_find_peer(
		a, x->dir == ENGINE_OUTBOUND ? &x->dst : &x->src);
	/*
	 * Nothing left to wait for: the memory goes back (most
	 * associations, once their handshake completes).  Only a
	 * confirmation or an end takes candidates away: after any other
	 * packet the one it matched is still live (cand_matches took a
	 * live one, and nothing here ages or clears it), so the walk
	 * would find it.
	 */
	if ((x->cand_op == CAND_CONFIRM || x->cand_op == CAND_END) &&
	    !any_cand(e, a, x->now))
		assoc_cands_drop(e->table, a);
}

/*
 * How much a candidate says about the handshake in progress: one a COOKIE
 * ECHO selected, then one of the side that began the association (its
 * own INIT), then any.  An INIT from the other side during the handshake
 * is only an INIT collision candidate (RFC 9260 5.2.1), perhaps a blind
 * forgery: it must not become what the association shows or saves.
 */
static int cand_rank(const struct assoc *a, const struct assoc_cand *c)
{
	bool origin = !!(c->flags & ASSOC_CAND_F_INBOUND) ==
		      !!(a->flags & ASSOC_F_INBOUND);

	return (c->flags & ASSOC_CAND_F_ECHOED ? 2 : 0) + (origin ? 1 : 0);
}

/*
 * Between two of a rank: the inside host's newer INIT (a new attempt
 * replaces the last, RFC 9260 5.1), but the peer's older one.  A later
 * INIT from the peer's address may be a blind forgery, answered like any
 * (5.2.1, 5.2.2): it must not take the handshake in progress's place in
 * the view and the state file.
 */
static bool cand_view_before(const struct assoc_cand *c,
			     const struct assoc_cand *best)
{
	if (c->flags & ASSOC_CAND_F_INBOUND)
		return c->born < best->born;
	return c->since >= best->since;
}

/*
 * The tags of the handshake in progress, for an association not yet
 * live: the best ranked candidate (cand_view_before between equals).
 * One past the setup timeout can no longer complete (cand_live): any
 * live one goes before it.  Otherwise an INIT taking its slot, a blind
 * one as readily as the peer's, would change what the view and the
 * state file show of the handshakes that can still complete.
 */
static const struct assoc_cand *
cand_view_best(const struct engine *e, const struct assoc *a, uint64_t now)
{
	const struct assoc_cand *cands = assoc_cands(e->table, a);
	int nc = assoc_cands_n(a);
	const struct assoc_cand *best = NULL;
	bool best_live = false;

	for (int i = 0; i < nc; i++) {
		const struct assoc_cand *c = &cands[i];
		bool live = cand_live(e, c, now);

		if (!(c->flags & ASSOC_CAND_F_USED) || (best_live && !live))
			continue;
		if (!best || (live && !best_live) ||
		    cand_rank(a, c) > cand_rank(a, best) ||
		    (cand_rank(a, c) == cand_rank(a, best) &&
		     cand_view_before(c, best))) {
			best = c;
			best_live = live;
		}
	}
	return best;
}

void handshake_cand_view_tags(const struct engine *e, const struct assoc *a,
			      uint64_t now, uint32_t *tag_inside,
			      uint32_t *tag_peer)
{
	const struct assoc_cand *best = cand_view_best(e, a, now);

	if (best) {
		*tag_inside = best->tag_inside;
		*tag_peer = best->tag_peer;
	}
}

/* The Disable Restart seen for the pair view_tags shows, as ASSOC_F_DR_*
 * (the candidate's bits have the same values). */
uint8_t handshake_cand_view_dr(const struct engine *e, const struct assoc *a,
			       uint64_t now)
{
	const struct assoc_cand *best = cand_view_best(e, a, now);

	return best ? best->flags &
			       (ASSOC_CAND_F_DR_INSIDE | ASSOC_CAND_F_DR_PEER) :
		      0;
}

/*
 * A record saved mid-handshake holds its newest candidate's tags (and, in
 * files of older versions, the tags the handshake had reached) and
 * Disable Restart bits: they are a candidate again, with the
 * association's peer addresses, so the handshake can complete after a
 * daemon restart.
 */
void handshake_cand_restore(const struct engine *e, struct assoc *a,
			    uint64_t now)
{
	struct assoc_cand *c;

	if (!assoc_cands_take(e->table, a))
		return;
	c = assoc_cands(e->table, a);
	cand_reset(c, a->flags & ASSOC_F_INBOUND ? ASSOC_CAND_F_INBOUND : 0,
		   now);
	c->tag_inside = a->tag_inside;
	c->tag_peer = a->tag_peer;
	if (a->state == ASSOC_COOKIE_ECHOED)
		c->flags |= ASSOC_CAND_F_ECHO_ANY;
	/* Disable Restart as the saved candidate had it: the pair's, once
	 * its handshake completes (handshake_cand_commit). */
	c->flags |= a->flags & ASSOC_F_NO_RESTART;
	a->flags &= (uint8_t)~ASSOC_F_NO_RESTART;
	for (int i = 0; i < a->n_peers; i++)
		cand_add_peer(e, c, &a->peers[i].addr);
	c->n_init_peers = c->n_peers;
	a->tag_inside = a->tag_peer = 0;
	assoc_set_prev_tags(e->table, a, 0, 0);
}
