/*
 * assoc_state.c: what the chunks of a translated packet do to the
 * association's state and timer (SPEC 2, lifecycle).
 *
 * The ALG follows the handshake loosely -- it only has to know when to
 * use which timeout: setup until COOKIE ACK, established (refreshed by
 * DATA and HEARTBEAT on any path), shutdown, and a short linger after
 * ABORT / SHUTDOWN COMPLETE so stray retransmissions still translate.
 * The transitions that matter to a person (up, down, restart) are also
 * reported as association events (assoc_event.c).
 */
#include "engine_impl.h"

void assoc_state_update(struct xlate_ctx *x)
{
	const uint16_t *n = x->sv.count;
	struct engine *e = x->e;
	struct assoc *a = x->a;

	if (n[ENGINE_CS_ABORT] || n[ENGINE_CS_SHUTDOWN_COMPLETE]) {
		engine_end_assoc(e, a, n[ENGINE_CS_ABORT] ? ENGINE_EVR_ABORT :
				 ENGINE_EVR_SHUTDOWN, x->now);
		engine_set_state(e, a, ASSOC_CLOSED, x->now);
		return;
	}
	if (a->state == ASSOC_CLOSED)
		return;
	if (n[ENGINE_CS_SHUTDOWN] || n[ENGINE_CS_SHUTDOWN_ACK]) {
		if (a->state != ASSOC_SHUTDOWN)
			engine_set_state(e, a, ASSOC_SHUTDOWN, x->now);
		return;
	}
	if (n[ENGINE_CS_COOKIE_ACK]) {
		/* An association that was up and had its tags replaced
		 * (INIT on a live association, RFC 9260 5.2.4 A) restarted:
		 * the old one ends here, the new one comes up. */
		bool restart = (a->flags & ASSOC_F_UP) &&
			       (a->prev_tag_inside || a->prev_tag_peer);

		if (restart)
			engine_event_down(e, a, ENGINE_EVR_RESTART, x->now);
		/* The new tag pair is confirmed; old tags stop matching. */
		handshake_clear_prev_tags(e, a);
		engine_set_state(e, a, ASSOC_ESTABLISHED, x->now);
		/* A duplicate COOKIE ACK is not a second "up". */
		if (restart || !(a->flags & ASSOC_F_UP))
			engine_event_up(e, a, restart ? ENGINE_EVR_RESTART :
					ENGINE_EVR_NEW, x->now);
		return;
	}
	if (n[ENGINE_CS_COOKIE_ECHO] && a->state == ASSOC_COOKIE_WAIT) {
		engine_set_state(e, a, ASSOC_COOKIE_ECHOED, x->now);
		return;
	}
	if (a->state == ASSOC_ESTABLISHED &&
	    (n[ENGINE_CS_DATA] || n[ENGINE_CS_I_DATA] ||
	     n[ENGINE_CS_HEARTBEAT] || n[ENGINE_CS_HEARTBEAT_ACK]))
		engine_set_state(e, a, ASSOC_ESTABLISHED, x->now);
}
