/*
 * privdrop: after set-up, sctpalgd stops being root.  It switches to the
 * configured user and group and keeps only the capabilities its running
 * work needs; everything else is dropped for good (permitted, effective,
 * inheritable, ambient and bounding sets; no_new_privs), so not even an
 * exec could bring it back.
 *
 * Raw capset(2) and prctl(2) rather than libcap: the whole job is a few
 * system calls on two 32-bit words, and one library less on a router.
 *
 * What a running sctpalgd needs, and why:
 *   CAP_NET_ADMIN   detach XDP programs at exit and attach them on reload
 *                   (IFLA_XDP), ask the kernel to resolve neighbours
 *                   (RTM_NEWNEIGH), enlarge netlink socket buffers
 *   CAP_NET_RAW     AF_XDP and raw IP sockets for interfaces added by a
 *                   reload and for the unresolved-neighbour path
 *   CAP_BPF         libxdp's program and map operations on reload/exit
 *   CAP_SYS_ADMIN   libxdp looks the attached dispatcher up by id
 *                   (BPF_*_GET_FD_BY_ID still demands CAP_SYS_ADMIN)
 *   CAP_DAC_OVERRIDE  libxdp's pins under /sys/fs/bpf/xdp are root's;
 *                   needed only when the user is not root
 * PRIVDROP_CAPS_XDP below is that set; a daemon that never detaches or
 * re-attaches XDP itself can keep less.  With backend = packet there is
 * no XDP and no pin: PRIVDROP_CAPS_PACKET keeps the network two, and
 * CAP_DAC_OVERRIDE only for writing the state file into a directory
 * that root created.
 */
#ifndef SCTPALG_PRIVDROP_H
#define SCTPALG_PRIVDROP_H

#include <stdint.h>
#include <linux/capability.h>

#define PRIVDROP_CAP(c)	(1ull << (c))

#define PRIVDROP_CAPS_XDP						\
	(PRIVDROP_CAP(CAP_NET_ADMIN) | PRIVDROP_CAP(CAP_NET_RAW) |	\
	 PRIVDROP_CAP(CAP_BPF) | PRIVDROP_CAP(CAP_SYS_ADMIN) |		\
	 PRIVDROP_CAP(CAP_DAC_OVERRIDE))
#define PRIVDROP_CAPS_PACKET						\
	(PRIVDROP_CAP(CAP_NET_ADMIN) | PRIVDROP_CAP(CAP_NET_RAW) |	\
	 PRIVDROP_CAP(CAP_DAC_OVERRIDE))

struct privdrop_config {
	const char *user;	/* NULL or "": keep the current user */
	const char *group;	/* NULL or "": the user's primary group */
	uint64_t keep_caps;	/* PRIVDROP_CAP() bits; unknown to the
				 * running kernel: silently not kept */
};

/*
 * Does it, in the only safe order (bounding set, then ids with
 * PR_SET_KEEPCAPS, then capset), and checks the result (root cannot be
 * regained).  0, or -errno with a sentence in *why.  A failure may leave
 * the process half-way: treat it as fatal.
 */
int privdrop_apply(const struct privdrop_config *c, const char **why);

/* The effective capability set now, as PRIVDROP_CAP() bits. */
uint64_t privdrop_caps_effective(void);

#endif
