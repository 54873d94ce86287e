/*
 * xdp_steer: what the XDP steering program (src/bpf/xdp_steer.bpf.c) and
 * user space (src/daemon/xdp_prog.c) share: map sizes, the counter value
 * and the list of counters.  Compiled by clang -target bpf as well as by
 * the host compiler, so only <linux/types.h> types and no libc headers.
 *
 * Every packet the program sees lands in exactly one counter, so the sum
 * of all counters is the number of packets seen.
 */
#ifndef SCTPALG_XDP_STEER_H
#define SCTPALG_XDP_STEER_H

#include <linux/types.h>

/*
 * Default size of the XSKMAP (one slot per RX queue, indexed by
 * ctx->rx_queue_index).  User space resizes it to the interface's queue
 * count before loading.
 */
#define XDP_STEER_MAX_QUEUES	64

/*
 * Where the program sends a packet of each kind; fragments of SCTP and ICMP
 * errors quoting SCTP go to user space too, because the engine must see them
 * (README, How a packet goes through).  The "passed" counters are all XDP_PASS:
 * the kernel handles those packets as if the program were not there.  The
 * REDIRECT_* counters come first: the program sends every kind before
 * PASS_OTHER to AF_XDP.  DROP_TOO_BIG: a frame to be redirected that is
 * longer than user space can take (max_frame in the program).
 * FAST_*: forwarded by the fast path itself (src/bpf/fast_path.h), never
 * seen by user space; they come last and classify() never returns them.
 */
#define XDP_STEER_COUNTERS(X)						\
	X(REDIRECT_SCTP4,	"redirected-sctp4")			\
	X(REDIRECT_SCTP6,	"redirected-sctp6")			\
	X(REDIRECT_FRAG4,	"redirected-sctp4-fragment")		\
	X(REDIRECT_FRAG6,	"redirected-sctp6-fragment")		\
	X(REDIRECT_ICMP4,	"redirected-icmp4-error")		\
	X(REDIRECT_ICMP6,	"redirected-icmp6-error")		\
	X(PASS_OTHER,		"passed-other")				\
	X(PASS_NO_SOCKET,	"passed-no-socket")			\
	X(PASS_MALFORMED,	"passed-malformed")			\
	X(PASS_EXT_LIMIT,	"passed-ip6-ext-header-limit")		\
	X(DROP_TOO_BIG,		"dropped-too-big")			\
	X(FAST_SCTP4,		"fast-path-sctp4")			\
	X(FAST_SCTP6,		"fast-path-sctp6")

enum xdp_steer_counter {
#define XDP_STEER_COUNTER_ENUM(name, str) XDP_STEER_##name,
	XDP_STEER_COUNTERS(XDP_STEER_COUNTER_ENUM)
#undef XDP_STEER_COUNTER_ENUM
	XDP_STEER__COUNT
};

/* Value of the per-CPU counter array (key: enum xdp_steer_counter). */
struct xdp_steer_count {
	__u64 packets;
	__u64 bytes;
};

#endif
