/*
 * forward_inside.c: which inside address of a [forward] rule a new
 * association goes to (sctpalgd.conf(5), `inside`).
 *
 * A server attached by several inside links has one `inside` line per
 * inside address, the n-th serving the n-th `public` address.  An INIT
 * goes to the inside address paired with the public address it came to,
 * so a peer that cannot get through one public address (its INIT
 * retransmitted to the next address it knows, RFC 9260 5.1 and 6.4) also
 * reaches the server over another inside link.  An inside address the
 * daemon found unusable (no route, its link down, or routed out by an
 * uplink: src/daemon/forward_link.c) is passed over for the next usable
 * one, in the order of the `inside` lines and wrapping; when none is
 * usable the paired one is tried anyway (the daemon may be wrong, and
 * nothing better is left).  Only addresses of the paired one's family
 * are candidates: there is no translation between IPv4 and IPv6.
 *
 * The association's first binding is the public address the INIT came
 * to, so the INIT ACK leaves from it (xlate_pick_public) and the peer's
 * first path is pinned to its uplink; its inside address stays the
 * rule's first (it owns the public port, as the rule's reservation does:
 * engine.c reserve_forwards).  The chosen address gets a binding to the
 * INIT's public address next to it, and inbound packets to that public
 * address go to it while the paired address is unusable
 * (xlate_inbound_local).
 */
#include "addr_map.h"
#include "engine_impl.h"

void engine_set_forward_inside_up(struct engine *e, unsigned int rule,
				  unsigned int index, bool up)
{
	uint16_t bit;

	if (rule >= ENGINE_MAX_FORWARDS || index >= ENGINE_MAX_PUBLIC_ADDRS)
		return;
	bit = (uint16_t)(1u << index);
	if (!(e->fwd_inside_down[rule] & bit) == up)
		return;
	e->fwd_inside_down[rule] ^= bit;
	/* Where inbound packets go may change: every fast-path entry is
	 * looked at again (fast_entries.c). */
	e->fast_all = e->fast_on;
}

bool engine_forward_inside_up(const struct engine *e, unsigned int rule,
			      unsigned int index)
{
	return rule >= ENGINE_MAX_FORWARDS ||
	       index >= ENGINE_MAX_PUBLIC_ADDRS ||
	       !(e->fwd_inside_down[rule] & (1u << index));
}

const struct nat_addr *forward_inside_addr(const struct engine_forward *fw,
					   unsigned int k)
{
	return k ? &fw->inside_addrs[k] : &fw->inside_addr;
}

static unsigned int n_inside(const struct engine_forward *fw)
{
	return fw->n_inside > 1 ? fw->n_inside : 1;
}

unsigned int forward_inside_pick(const struct engine *e, int f,
				 const struct nat_addr *pub)
{
	const struct engine_forward *fw = &e->conf.forwards[f];
	unsigned int n = n_inside(fw), paired = 0;
	uint8_t family;

	for (unsigned int k = 0; k < n && k < fw->n_public; k++)
		if (nat_addr_eq(&fw->public_addrs[k], pub)) {
			paired = k;
			break;
		}
	family = forward_inside_addr(fw, paired)->family;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = (paired + i) % n;

		if (forward_inside_addr(fw, k)->family == family &&
		    engine_forward_inside_up(e, (unsigned int)f, k))
			return k;
	}
	return paired;
}

bool forward_inside_usable(const struct engine *e, int f,
			   const struct nat_addr *inside)
{
	int k = addr_map_forward_public(&e->conf.forwards[f], inside);

	return k < 0 ||
	       engine_forward_inside_up(e, (unsigned int)f, (unsigned int)k);
}

/* A binding unless x->a has it; no room: none. */
static void bind_one(struct xlate_ctx *x, const struct nat_addr *inside,
		     const struct nat_addr *pub)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;

	for (int i = 0; i < a->n_locals; i++)
		if (nat_addr_eq(&a->locals[i].inside, inside) &&
		    nat_addr_eq(local_public(e, &a->locals[i]), pub))
			return;
	if (!assoc_room_locals(e->table, a, a->n_locals + 1u))
		return;
	local_add(e, a, inside, pub,
		  (int8_t)addr_map_public_uplink(&e->conf, pub));
}

/*
 * The inside address chosen for an INIT to x->dst: bound to x->dst, so
 * the INIT and what follows it to x->dst go there, and to the public
 * address the rule pairs it with, as the INIT ACK listing it would have
 * (addr_list.c map_local; an address already bound gets nothing more
 * from the list).
 */
static void bind_chosen(struct xlate_ctx *x, int f)
{
	const struct engine_forward *fw = &x->e->conf.forwards[f];
	unsigned int k = forward_inside_pick(x->e, f, &x->dst);

	bind_one(x, forward_inside_addr(fw, k), &x->dst);
	bind_one(x, forward_inside_addr(fw, k), &fw->public_addrs[k]);
}

void forward_inside_bind_new(struct xlate_ctx *x, int f)
{
	const struct engine_forward *fw = &x->e->conf.forwards[f];

	bind_one(x, &fw->inside_addr, &x->dst);
	for (int i = 0; i < fw->n_public; i++)
		bind_one(x, &fw->inside_addr, &fw->public_addrs[i]);
	bind_chosen(x, f);
}

/*
 * The peer's INIT again (same tag), during the handshake it began, at
 * another public address of the rule: RFC 9260 5.1 has a peer retransmit
 * its INIT, and a multihomed one sends it to another of the addresses it
 * knows when the first does not answer (6.4).  It is the same handshake
 * (the caller found the association by its ports and addresses, and
 * handshake_cand_init takes it as a retransmission); it goes to the
 * inside address a first INIT to that public address would have gone to.
 * Nothing changes for a live association (an INIT there is a restart,
 * whose addresses wait aside) or for another tag; no room or no port
 * reference leaves the bindings as they were.
 */
void forward_inside_join(struct xlate_ctx *x, uint32_t itag)
{
	struct engine *e = x->e;
	struct assoc *a = x->a;

	if (!(a->flags & ASSOC_F_INBOUND) || a->forward < 0 ||
	    a->forward >= e->conf.n_forwards || handshake_assoc_live(a) ||
	    !handshake_cand_has_tag(e, a, itag, false, x->now))
		return;
	x->locals_before = a->n_locals;
	bind_chosen(x, a->forward);
	if (handshake_ref_new_locals(x))
		local_truncate(e, a, x->locals_before);
}
