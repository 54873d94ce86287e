/*
 * ctl_filter: the selection of "sctpalgctl associations KEY VALUE ...",
 * applied in the daemon so that an answer from a box with thousands of
 * associations stays as small as what the administrator asked for
 * (sctpalgctl(8), associations).
 *
 * Keys, each at most once, all of them must match:
 *   inside ADDR   one of the association's inside addresses
 *   public ADDR   one of its public addresses
 *   peer ADDR     one of the peer's addresses
 *   port N        its inside, public or peer port
 *   state NAME    its state (established, cookie-wait...; any case)
 *   uplink NAME   one of its paths or addresses uses that uplink
 * Pure and bounded: the text is at most a request line, parsed in place
 * without allocation; anything else is refused with a sentence.
 */
#ifndef SCTPALG_CTL_FILTER_H
#define SCTPALG_CTL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

enum {
	CTL_F_INSIDE = 1u << 0,
	CTL_F_PUBLIC = 1u << 1,
	CTL_F_PEER = 1u << 2,
	CTL_F_PORT = 1u << 3,
	CTL_F_STATE = 1u << 4,
	CTL_F_UPLINK = 1u << 5,
};

struct ctl_filter {
	unsigned int keys; /* CTL_F_*: which are set */
	struct nat_addr inside, public_, peer;
	uint16_t port;
	uint8_t state; /* enum assoc_state */
	char uplink[ENGINE_NAME_LEN];
};

/*
 * Parses n bytes of "KEY VALUE ..." (blanks between words; empty: match
 * everything).  0, or -EINVAL with a sentence in why (why_len bytes).
 */
int ctl_filter_parse(const char *s, size_t n, struct ctl_filter *f, char *why,
		     size_t why_len);

/*
 * Whether v passes f.  uplink_name(arg, i) names uplink i (NULL: none).
 */
bool ctl_filter_match(const struct ctl_filter *f,
		      const struct engine_assoc_view *v,
		      const char *(*uplink_name)(void *arg, unsigned int i),
		      void *arg);

#endif
