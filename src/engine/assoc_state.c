/*
 * assoc_state.c: what the chunks of a translated packet do to the
 * association's state and timer (RFC 9260 4; sctpalgd.conf(5),
 * [timeouts]).
 *
 * The handshake itself (tags, COOKIE ECHO / COOKIE ACK, restarts) is
 * handshake_cand.c's: a packet of a handshake candidate never comes
 * here unless it completes it.  What is left is when to use which
 * timeout: setup until the handshake completes, established (refreshed
 * by DATA and HEARTBEAT on any path), shutdown (refreshed by every
 * packet of the association while it drains, RFC 9260 9.2), and a short
 * linger after ABORT / SHUTDOWN COMPLETE so stray retransmissions still
 * translate.
 * The transitions that matter to a person (up, down, restart) are also
 * reported as association events (assoc_event.c).
 */
#include "engine_impl.h"

void assoc_state_update(struct xlate_ctx *x)
{
	const uint16_t *n = x->sv.count;
	struct engine *e = x->e;
	struct assoc *a = x->a;

	/* Another association's close (engine.c, lookup_closed_pair). */
	if (x->closed_pair)
		return;
	if (n[ENGINE_CS_ABORT] || n[ENGINE_CS_SHUTDOWN_COMPLETE]) {
		engine_end_assoc(e, a, n[ENGINE_CS_ABORT] ? ENGINE_EVR_ABORT :
				 ENGINE_EVR_SHUTDOWN, x->now);
		engine_set_state(e, a, ASSOC_CLOSED, x->now);
		/* The inside host's new attempt on the same mapping (its
		 * INIT passed first, handshake.c) has the setup time. */
		if (handshake_cand_outbound(e, a, x->now))
			assoc_set_expiry(e->table, a,
					 x->now + engine_timeout_ns(
						 e, ASSOC_COOKIE_WAIT));
		return;
	}
	if (a->state == ASSOC_CLOSED)
		return;
	/*
	 * A peer may still be sending DATA after SHUTDOWN (RFC 9260 9.2:
	 * the queue drains first): every packet carrying the association's
	 * tag keeps it alive while it does.
	 */
	if (n[ENGINE_CS_SHUTDOWN] || n[ENGINE_CS_SHUTDOWN_ACK] ||
	    a->state == ASSOC_SHUTDOWN) {
		/* handshake.c: the peer's INIT from now on is not one of
		 * this association's (RFC 9260 9.2). */
		if (n[ENGINE_CS_SHUTDOWN_ACK] && x->dir == ENGINE_INBOUND)
			a->flags |= ASSOC_F_PEER_SHUT_ACK;
		/* engine.c: that end's COOKIE ECHO from now on is a copy
		 * the network kept (RFC 9260 9.2, 5.1 C, E).  Only with the
		 * live tags: the old pair's SHUTDOWN, late after a restart,
		 * says nothing of the new pair's handshake. */
		if (n[ENGINE_CS_SHUTDOWN] &&
		    x->sv.vtag == (x->dir == ENGINE_OUTBOUND ? a->tag_peer :
							       a->tag_inside))
			a->shut_by |= x->dir == ENGINE_OUTBOUND ?
					      ASSOC_SHUT_INSIDE :
					      ASSOC_SHUT_PEER;
		engine_set_state(e, a, ASSOC_SHUTDOWN, x->now);
		return;
	}
	if (a->state == ASSOC_ESTABLISHED &&
	    (n[ENGINE_CS_DATA] || n[ENGINE_CS_I_DATA] ||
	     n[ENGINE_CS_HEARTBEAT] || n[ENGINE_CS_HEARTBEAT_ACK]))
		engine_set_state(e, a, ASSOC_ESTABLISHED, x->now);
}
