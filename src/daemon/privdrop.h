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
 * What a running sctpalgd still does that needs privilege, found by
 * trying each capability away on Linux 6.18 (test_sctpalgd_caps.sh;
 * sctpalgd(8), CAPABILITIES, says the same to administrators):
 *   CAP_NET_ADMIN     AF_XDP backend only: the IFLA_XDP change that
 *                     detaches the XDP programs at exit, and RTM_NEWNEIGH
 *                     with NTF_USE, so the kernel resolves a next hop the
 *                     packet path found unresolved (kroute_resolve)
 *   CAP_DAC_OVERRIDE  only when an XDP program runs behind libxdp's
 *                     dispatcher and the user is not root: the exit
 *                     removes the dispatcher's pins and takes libxdp's
 *                     lock in its bpffs directory, which is root's, 0700
 * Everything else is set up before the drop and only used after it:
 * the AF_XDP, AF_PACKET and raw IP sockets (CAP_NET_RAW), the BPF
 * programs and maps, read through the fds held (CAP_BPF; Linux 6.5+
 * checks privilege at BPF_PROG_LOAD / BPF_MAP_CREATE, not at every
 * bpf() call), and the dispatcher's identity, looked up by id while
 * still root (CAP_SYS_ADMIN, BPF_PROG_GET_FD_BY_ID; xdp_prog.c keeps the
 * handle).  A reload never adds an interface, so it needs none of them.
 * backend = packet attaches nothing and never resolves (the kernel routes
 * its packets): it keeps no capability at all.
 */
#ifndef SCTPALG_PRIVDROP_H
#define SCTPALG_PRIVDROP_H

#include <stdint.h>
#include <linux/capability.h>

#define PRIVDROP_CAP(c)	(1ull << (c))

/* AF_XDP backend: the XDP detach at exit, neighbour resolution. */
#define PRIVDROP_CAPS_XDP	PRIVDROP_CAP(CAP_NET_ADMIN)
/* Added when a program runs behind libxdp's dispatcher (its pins). */
#define PRIVDROP_CAPS_XDP_PINS	PRIVDROP_CAP(CAP_DAC_OVERRIDE)

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
