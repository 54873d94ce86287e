/*
 * ootb.c: the natsupp answer to an out-of-the-blue packet from inside.
 *
 * When an inside host sends on an association the ALG has no state for
 * (the box restarted, or the entry expired), draft-ietf-tsvwg-natsupp-23
 * 6.4.1 lets the middlebox tell it with an ERROR chunk carrying the M bit
 * ("sent by a middlebox") and the T bit (the tag is reflected: the host
 * accepts it because it is the tag the host itself put in the packet),
 * with a Missing State cause (0x00B1) that quotes the packet, IP header
 * included (5.2.2).  A natsupp-aware host then rebuilds the state.
 * Optional (`ootb-reply`) and rate-limited.  The draft's exceptions look
 * at every chunk of the packet, not only the first: never an answer to a
 * packet holding an M-bit ERROR (MUST NOT; engine.c drops those first),
 * nor to one holding an ABORT, SHUTDOWN COMPLETE, INIT ACK or an ASCONF
 * with the VTags parameter (SHOULD NOT).
 */
#include "engine_impl.h"
#include "sctp_wire.h"

/* Called on a packet whose chunks sctp_parse_chunks() validated. */
static bool may_answer(const struct sctp_view *sv)
{
	uint32_t off = SCTP_HDR_LEN;
	uint32_t tag_inside, tag_peer;

	while (off + 4 <= sv->len) {
		const uint8_t *c = sv->sctp + off;
		uint16_t clen = sctp_get16(c + 2);

		switch (c[0]) {
		case SCTP_CID_ABORT:
		case SCTP_CID_SHUTDOWN_COMPLETE:
		case SCTP_CID_INIT_ACK:
			return false;
		case SCTP_CID_ERROR:
			if (c[1] & SCTP_FLAG_M)
				return false;
			break;
		case SCTP_CID_ASCONF:
			if (natsupp_vtags(c, &tag_inside, &tag_peer))
				return false;
			break;
		default:
			break;
		}
		if (clen < 4)
			return false;
		off += sctp_pad4(clen);
	}
	return true;
}

bool ootb_reply(struct xlate_ctx *x)
{
	if (sctp_parse_chunks(&x->sv, x->e->conf.max_chunks) != DROP_NONE ||
	    !may_answer(&x->sv))
		return false;
	/* The whole packet from its IP header on (5.2.2). */
	return mbit_reply(x, SCTP_CID_ERROR, x->sv.vtag, true,
			  SCTP_CAUSE_MISSING_STATE, x->pkt->data,
			  x->ip.total_len, DROP_OUT_OF_THE_BLUE);
}
