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
#include <netinet/in.h>
#include <string.h>

#include "crc32c.h"
#include "engine_impl.h"
#include "inet_csum.h"
#include "sctp_wire.h"

/* Quote at most this much of the packet: enough to identify it. */
#define OOTB_QUOTE_MAX	512u

bool ootb_reply(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	uint8_t *d = x->pkt->data, *quote = e->scratch, *s;
	uint32_t hlen = x->ip.family == AF_INET ? 20 : 40;
	uint32_t qlen = x->sv.len, total;
	uint16_t sport = x->sv.sport, dport = x->sv.dport;
	uint32_t vtag = x->sv.vtag;

	if (x->sv.first_type == SCTP_CID_ABORT ||
	    x->sv.first_type == SCTP_CID_SHUTDOWN_COMPLETE ||
	    x->sv.first_type == SCTP_CID_INIT_ACK)
		return false;
	if (qlen > OOTB_QUOTE_MAX)
		qlen = OOTB_QUOTE_MAX;
	total = hlen + SCTP_HDR_LEN + 8 + sctp_pad4(qlen);
	if (total > x->pkt->cap)
		return false;
	if (!token_bucket_take(&e->ootb_bucket, e->conf.ootb_reply_rate,
			       e->conf.ootb_reply_rate, x->now))
		return false;

	memcpy(quote, x->sv.sctp, qlen);
	/* Addresses swap: the reply seems to come from the peer. */
	if (x->ip.family == AF_INET) {
		memset(d, 0, hlen);
		d[0] = 0x45;
		sctp_put16(d + 2, (uint16_t)total);
		sctp_put16(d + 6, 0x4000);	/* DF */
		d[8] = 64;
		d[9] = IPPROTO_SCTP_NUM;
		memcpy(d + 12, x->dst.bytes, 4);
		memcpy(d + 16, x->src.bytes, 4);
		ip4_csum_fill(d, hlen);
	} else {
		memset(d, 0, hlen);
		d[0] = 0x60;
		sctp_put16(d + 4, (uint16_t)(total - hlen));
		d[6] = IPPROTO_SCTP_NUM;
		d[7] = 64;
		memcpy(d + 8, x->dst.bytes, 16);
		memcpy(d + 24, x->src.bytes, 16);
	}
	s = d + hlen;
	sctp_put16(s + SCTP_OFF_SPORT, dport);
	sctp_put16(s + SCTP_OFF_DPORT, sport);
	sctp_put32(s + SCTP_OFF_VTAG, vtag);
	s[12] = SCTP_CID_ERROR;
	s[13] = SCTP_FLAG_T | SCTP_FLAG_M;
	sctp_put16(s + 14, (uint16_t)(8 + qlen));
	sctp_put16(s + 16, SCTP_CAUSE_MISSING_STATE);
	sctp_put16(s + 18, (uint16_t)(4 + qlen));
	memcpy(s + 20, quote, qlen);
	memset(s + 20 + qlen, 0, sctp_pad4(qlen) - qlen);
	sctp_csum_fill(s, total - hlen);

	x->pkt->len = total;
	x->v->action = ENGINE_REPLY;
	x->v->reason = DROP_OUT_OF_THE_BLUE;
	x->v->len = total;
	e->stats.replies++;
	e->stats.drops[DROP_OUT_OF_THE_BLUE]++;	/* the packet itself */
	e->stats.csum_full++;
	return true;
}
