/*
 * mbit_reply.c: build the natsupp answers a middlebox sends toward an
 * inside host (draft-ietf-tsvwg-natsupp-23 5.1: the M bit says "sent by
 * a middlebox"; 5.2: the error causes 0x00B0-0x00B2).
 *
 * One builder for every such answer -- the Missing State ERROR (ootb.c)
 * and the collision ABORTs (handshake.c) -- and one rate limit for all of
 * them (`ootb-reply-rate`), so an inside host that keeps provoking them
 * cannot make the box a packet source.  The answer replaces the packet in
 * its buffer, addresses and ports swapped: it seems to come from the
 * peer, as the draft requires (6.3.1, 6.4.1).  The caller chooses the
 * tag and the T bit so that the host accepts the answer in the state it
 * is in (RFC 9260 8.5.1): the Missing State ERROR and the answers to an
 * ASCONF reflect the tag of the packet they answer, T bit set (natsupp
 * 6.4.1); an ABORT answering an INIT carries the INIT's Initiate Tag, T
 * bit clear (RFC 9260 8.4 item 3), the only form a host in COOKIE-WAIT,
 * which knows no peer tag yet, accepts (8.5.1 B).
 */
#include <netinet/in.h>
#include <string.h>

#include "crc32c.h"
#include "engine_impl.h"
#include "inet_csum.h"
#include "sctp_wire.h"

/* Quote at most this much: enough to identify what was refused. */
#define MBIT_QUOTE_MAX	512u

bool mbit_reply(struct xlate_ctx *x, uint8_t chunk_type, uint32_t vtag,
		bool t_bit, uint16_t cause, const uint8_t *quote,
		uint32_t qlen, enum drop_reason why)
{
	struct engine *e = x->e;
	uint8_t *d = x->pkt->data, *s;
	uint32_t hlen = x->ip.family == AF_INET ? 20 : 40;
	uint16_t sport = x->sv.sport, dport = x->sv.dport;
	uint32_t total;

	if (qlen > MBIT_QUOTE_MAX)
		qlen = MBIT_QUOTE_MAX;
	total = hlen + SCTP_HDR_LEN + 8 + sctp_pad4(qlen);
	if (total > x->pkt->cap)
		return false;
	if (!token_bucket_take(&e->ootb_bucket, e->conf.ootb_reply_rate,
			       e->conf.ootb_reply_rate, x->now))
		return false;

	/* The quote may live in the packet we are about to overwrite. */
	memmove(e->scratch, quote, qlen);
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
	s[12] = chunk_type;
	s[13] = SCTP_FLAG_M | (t_bit ? SCTP_FLAG_T : 0);
	sctp_put16(s + 14, (uint16_t)(8 + qlen));
	sctp_put16(s + 16, cause);
	sctp_put16(s + 18, (uint16_t)(4 + qlen));
	memcpy(s + 20, e->scratch, qlen);
	memset(s + 20 + qlen, 0, sctp_pad4(qlen) - qlen);
	sctp_csum_fill(s, total - hlen);

	x->pkt->len = total;
	x->v->action = ENGINE_REPLY;
	x->v->reason = (uint8_t)why;
	x->v->len = total;
	e->stats.replies++;
	e->stats.drops[why]++;	/* the packet itself was not forwarded */
	e->stats.csum_full++;
	return true;
}
