/*
 * xdp_features: what an interface's driver says it can do with XDP, from
 * the kernel's "netdev" generic netlink family (Linux 6.3 and later;
 * Documentation/netlink/specs/netdev.yaml).  The fast path asks it
 * whether an egress interface takes redirected frames (ndo_xdp_xmit): a
 * frame redirected to one that does not is dropped without a trace.  A
 * veth reports it only while its peer runs an XDP program or has GRO on,
 * and the flag follows the peer, so the answer is asked again over time.
 */
#ifndef SCTPALG_XDP_FEATURES_H
#define SCTPALG_XDP_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

/* NETDEV_XDP_ACT_NDO_XMIT in <linux/netdev.h> (not in Debian 12's headers). */
#define XDP_FEATURE_NDO_XMIT	(UINT64_C(1) << 2)

struct xdp_features;

/* 0, -ENOENT when the kernel has no "netdev" family, or -errno. */
int xdp_features_open(struct xdp_features **out);
void xdp_features_close(struct xdp_features *xf);
/* The interface's NETDEV_XDP_ACT_* flags.  0 or -errno. */
int xdp_features_get(struct xdp_features *xf, int ifindex, uint64_t *flags);
/*
 * A non-blocking socket that turns readable when an interface's features
 * change (the family's "mgmt" notifications: a veth's follow its peer's
 * GRO and XDP settings, in whatever namespace the peer is).  The fd, or
 * -errno.
 */
int xdp_features_watch(struct xdp_features *xf);
/* Reads what arrived; whether some interface was added, changed or left. */
bool xdp_features_changed(struct xdp_features *xf);

#endif
