/*
 * ppid_filter.c: payload protocol identifier allow / deny rules
 * (sctpalgd.conf(5), [limits] ppid-*).  A packet carrying any DATA or I-DATA
 * chunk whose PPID is denied is dropped whole: a partial bundle would confuse
 * the receiver's TSN accounting more than a loss does.
 */
#include "engine_impl.h"
#include "sctp_wire.h"

static bool ppid_denied(const struct engine_config *c, uint32_t ppid)
{
	for (int i = 0; i < c->n_ppid_rules; i++)
		if (c->ppid_rules[i].ppid == ppid)
			return c->ppid_rules[i].action == PPID_DENY;
	return c->ppid_default_deny;
}

enum drop_reason ppid_filter(const struct xlate_ctx *x)
{
	const struct engine_config *c = &x->e->conf;
	const uint8_t *s = x->sv.sctp;
	uint32_t off = SCTP_HDR_LEN;

	if ((!c->n_ppid_rules && !c->ppid_default_deny) ||
	    (!x->sv.count[ENGINE_CS_DATA] && !x->sv.count[ENGINE_CS_I_DATA]))
		return DROP_NONE;
	while (off + SCTP_CHUNK_HDR_LEN <= x->sv.len) {
		uint8_t type = s[off], flags = s[off + 1];
		uint16_t len = sctp_get16(s + off + 2);

		/* DATA: PPID at 12.  I-DATA: at 16, only in the first
		 * fragment (B bit), where the field is not an FSN. */
		if (type == SCTP_CID_DATA &&
		    ppid_denied(c, sctp_get32(s + off + 12)))
			return DROP_PPID_DENIED;
		if (type == SCTP_CID_I_DATA && (flags & 0x02) &&
		    ppid_denied(c, sctp_get32(s + off + 16)))
			return DROP_PPID_DENIED;
		if (len < SCTP_CHUNK_HDR_LEN)
			break;
		off += sctp_pad4(len);
	}
	return DROP_NONE;
}
