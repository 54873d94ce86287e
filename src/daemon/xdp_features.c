/*
 * xdp_features.c: one "netdev" generic netlink request per interface
 * (xdp_features.h).  Synchronous: the kernel answers from memory, and the
 * fast path asks for its few egress interfaces once a second at most.
 */
#include <errno.h>
#include <stdlib.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "xdp_features.h"

/* From <linux/netdev.h> (Linux 6.3), which Debian 12's headers predate. */
#define NETDEV_FAMILY_NAME		"netdev"
#define NETDEV_CMD_DEV_GET		1
#define NETDEV_MCGRP_MGMT		"mgmt"
#define NETDEV_A_DEV_IFINDEX		1
#define NETDEV_A_DEV_XDP_FEATURES	3
#define NETDEV_A_DEV_MAX		NETDEV_A_DEV_XDP_FEATURES

struct xdp_features {
	struct nl_sock *sk;
	struct nl_sock *watch; /* notifications; NULL until asked */
	int family;
	bool changed;
};

struct answer {
	int ifindex;
	uint64_t flags;
	int found;
};

int xdp_features_open(struct xdp_features **out)
{
	struct xdp_features *xf = calloc(1, sizeof(*xf));
	int r = -ENOMEM;

	if (!xf || !(xf->sk = nl_socket_alloc()))
		goto fail;
	if (genl_connect(xf->sk)) {
		r = -EIO;
		goto fail;
	}
	nl_socket_disable_auto_ack(xf->sk);
	xf->family = genl_ctrl_resolve(xf->sk, NETDEV_FAMILY_NAME);
	if (xf->family < 0) {
		r = -ENOENT;
		goto fail;
	}
	*out = xf;
	return 0;
fail:
	xdp_features_close(xf);
	return r;
}

void xdp_features_close(struct xdp_features *xf)
{
	if (!xf)
		return;
	nl_socket_free(xf->sk);
	nl_socket_free(xf->watch);
	free(xf);
}

static int on_answer(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETDEV_A_DEV_MAX + 1];
	struct answer *a = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETDEV_A_DEV_MAX, NULL) ||
	    !tb[NETDEV_A_DEV_IFINDEX] || !tb[NETDEV_A_DEV_XDP_FEATURES] ||
	    (int)nla_get_u32(tb[NETDEV_A_DEV_IFINDEX]) != a->ifindex)
		return NL_SKIP;
	a->flags = nla_get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
	a->found = 1;
	return NL_OK;
}

int xdp_features_get(struct xdp_features *xf, int ifindex, uint64_t *flags)
{
	struct answer a = { .ifindex = ifindex };
	struct nl_msg *msg = nlmsg_alloc();
	int r;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, xf->family, 0, 0,
			 NETDEV_CMD_DEV_GET, 1) ||
	    nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, (uint32_t)ifindex)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_socket_modify_cb(xf->sk, NL_CB_VALID, NL_CB_CUSTOM, on_answer, &a);
	r = nl_send_auto(xf->sk, msg);
	nlmsg_free(msg);
	/* One answer or one error, nothing else: no acknowledgement asked. */
	if (r >= 0)
		r = nl_recvmsgs_default(xf->sk);
	if (r < 0)
		return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV ? -ENODEV :
								   -EIO;
	if (!a.found)
		return -EIO;
	*flags = a.flags;
	return 0;
}

static int on_notice(struct nl_msg *msg, void *arg)
{
	struct xdp_features *xf = arg;

	(void)msg;
	xf->changed = true; /* added, changed or gone: all mean look again */
	return NL_OK;
}

int xdp_features_watch(struct xdp_features *xf)
{
	int grp;

	if (xf->watch)
		return nl_socket_get_fd(xf->watch);
	grp = genl_ctrl_resolve_grp(xf->sk, NETDEV_FAMILY_NAME,
				    NETDEV_MCGRP_MGMT);
	if (grp < 0)
		return -ENOENT;
	if (!(xf->watch = nl_socket_alloc()))
		return -ENOMEM;
	nl_socket_disable_seq_check(xf->watch);
	nl_socket_modify_cb(xf->watch, NL_CB_VALID, NL_CB_CUSTOM, on_notice,
			    xf);
	if (genl_connect(xf->watch) ||
	    nl_socket_add_membership(xf->watch, grp) ||
	    nl_socket_set_nonblocking(xf->watch)) {
		nl_socket_free(xf->watch);
		xf->watch = NULL;
		return -EIO;
	}
	return nl_socket_get_fd(xf->watch);
}

bool xdp_features_changed(struct xdp_features *xf)
{
	bool changed;

	if (!xf->watch)
		return false;
	/*
	 * Until the socket is empty (or for a while: what is left keeps it
	 * readable); an overrun (ENOBUFS) also means look again.
	 */
	for (int i = 0; i < 64; i++) {
		int r = nl_recvmsgs_default(xf->watch);

		if (r == -NLE_AGAIN)
			break;
		if (r < 0) {
			xf->changed = true;
			if (r != -NLE_NOMEM)
				break;
		}
	}
	changed = xf->changed;
	xf->changed = false;
	return changed;
}
