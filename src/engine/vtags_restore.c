/*
 * vtags_restore.c: rebuilding a lost mapping from the natsupp VTags
 * parameter (draft-ietf-tsvwg-natsupp-23 6.4, "restart of the NAT
 * function").
 *
 * An inside host told "Missing State" (ootb.c) answers with an ASCONF,
 * normally under AUTH, that carries a VTags parameter (5.3.2: both
 * verification tags) and possibly wildcard Add IPs.  When such a packet
 * comes from inside and no association matches, the mapping is made again
 * from it (6.4.1): the host's address and port, the peer's address and
 * port, both tags from the parameter.  The public port must be the one
 * the peer still knows, and the ALG kept nothing to tell it which that
 * was: it assumes port preservation (public port = inside port), the
 * only one it can recreate; a host whose port was translated gets no
 * useful answer from its peer and falls back to a new association.  If
 * that port or the tag is taken, the host is told with an ERROR (an
 * ASCONF, not an INIT, is refused: 6.3.1) with the M and T bits and the
 * Port Number Collision or VTag and Port Number Collision cause.
 *
 * The packet then goes through the ordinary translation (engine.c), so
 * the AUTH rule of asconf.c holds: nothing covered is rewritten, and the
 * wildcard Add IPs join the new mapping as they would any other.
 *
 * Conservative choices where the draft leaves room: state only from a
 * packet whose CRC32c verified; the common header must carry the
 * parameter's Remote Verification Tag (it is a packet of that
 * association); the usual limits (associations, per host, INIT rate)
 * apply as to an INIT; the association comes back ESTABLISHED.
 */
#include <errno.h>

#include "addr_map.h"
#include "crc32c.h"
#include "engine_impl.h"
#include "sctp_wire.h"

static void refuse(struct xlate_ctx *x, const uint8_t *asconf,
		   enum drop_reason r)
{
	uint16_t cause = r == DROP_VTAG_PORT_COLLISION ?
			 SCTP_CAUSE_VTAG_PORT_COLLISION :
			 SCTP_CAUSE_PORT_COLLISION;

	/* No port references were taken. */
	local_truncate(x->e, x->a, 0);
	assoc_free(x->e->table, x->a);
	x->a = NULL;
	/* The tag the host put in the packet, reflected (T bit). */
	if (!mbit_reply(x, SCTP_CID_ERROR, x->sv.vtag, true, cause, asconf,
			sctp_get16(asconf + 2), r))
		engine_drop(x, r);
}

bool vtags_restore(struct xlate_ctx *x)
{
	struct engine *e = x->e;
	const uint8_t *asconf;
	uint32_t tag_inside, tag_peer;
	struct nat_addr pub;
	enum drop_reason r;
	int8_t up;
	struct assoc *a;
	int err;

	x->a = NULL;
	/* Packets without state are parsed no further than needed
	 * (sctp_parse.h): the ASCONF leads the packet, or follows its AUTH
	 * chunk. */
	if (x->dir != ENGINE_OUTBOUND ||
	    (x->sv.first_type != SCTP_CID_ASCONF &&
	     x->sv.first_type != SCTP_CID_AUTH) ||
	    sctp_parse_chunks(&x->sv, e->conf.max_chunks) != DROP_NONE ||
	    !x->sv.first_off[ENGINE_CS_ASCONF])
		return false;
	asconf = x->sv.sctp + x->sv.first_off[ENGINE_CS_ASCONF];
	if (!natsupp_vtags(asconf, &tag_inside, &tag_peer) ||
	    tag_peer != x->sv.vtag ||
	    !sctp_csum_verify(x->sv.sctp, x->sv.len))
		return false;

	a = handshake_new_assoc(x, &x->src, 1);
	if (!a)
		return true;
	x->a = a;
	a->port_inside = a->port_public = x->sv.sport;
	a->port_peer = x->sv.dport;
	a->tag_inside = tag_inside;
	a->tag_peer = tag_peer;
	/*
	 * 6.4.1: the binding is rebuilt from the tags "and, if present,
	 * the Disable Restart parameter" (the host includes it when its
	 * association disabled restart, 6.4.2): both ends had disabled it.
	 */
	if (natsupp_asconf_disable_restart(asconf))
		a->flags |= ASSOC_F_NO_RESTART;
	x->locals_before = 0;
	err = addr_map_inside(&e->conf, &x->src, &pub, &up);
	if (err) {
		assoc_free(e->table, a);
		x->a = NULL;
		engine_drop(x, err == -ENOENT ? DROP_INSIDE_ADDR_UNKNOWN :
						DROP_NO_MAPPING);
		return true;
	}
	local_add(e, a, &x->src, &pub, up);
	xlate_add_peer(e, a, &x->dst);
	r = handshake_port_check(x, a->port_public, tag_inside);
	if (r == DROP_NONE && handshake_ref_new_locals(x))
		r = DROP_PORT_COLLISION;
	if (r != DROP_NONE) {
		refuse(x, asconf, r);
		return true;
	}
	handshake_finish_new(x, &x->src, NULL);
	engine_set_state(e, a, ASSOC_ESTABLISHED, x->now);
	engine_event_up(e, a, ENGINE_EVR_NEW, x->now);
	return false;
}
