/*
 * ootb.c: the natsupp answer to an out-of-the-blue packet from inside.
 *
 * When an inside host sends on an association the ALG has no state for
 * (the box restarted, or the entry expired), draft-ietf-tsvwg-natsupp
 * lets the middlebox tell it with an ERROR chunk carrying the M bit
 * ("sent by a middlebox") and the T bit (the tag is reflected: the host
 * accepts it because it is the tag the host itself put in the packet),
 * with a Missing State cause (0x00B1) that quotes the packet.  A
 * natsupp-aware host then rebuilds the state.  Optional (`ootb-reply`),
 * rate-limited, and never sent for ABORT / SHUTDOWN COMPLETE or for a
 * packet that itself carries the M bit (engine.c checks that).
 */
#include "engine_impl.h"
#include "sctp_wire.h"

bool ootb_reply(struct xlate_ctx *x)
{
	if (x->sv.first_type == SCTP_CID_ABORT ||
	    x->sv.first_type == SCTP_CID_SHUTDOWN_COMPLETE ||
	    x->sv.first_type == SCTP_CID_INIT_ACK)
		return false;
	/* Missing State quotes the packet, common header first (5.2.2). */
	return mbit_reply(x, SCTP_CID_ERROR, x->sv.vtag,
			  SCTP_CAUSE_MISSING_STATE, x->sv.sctp, x->sv.len,
			  DROP_OUT_OF_THE_BLUE);
}
