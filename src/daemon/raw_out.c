/*
 * raw_out.c: see raw_out.h.
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_out.h"

struct raw_out {
	int raw4, raw6;
};

int raw_out_create(struct raw_out **out)
{
	struct raw_out *r = calloc(1, sizeof(*r));
	int one = 1;

	if (!r)
		return -ENOMEM;
	r->raw4 = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_RAW);
	r->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_RAW);
	if (r->raw4 < 0 || r->raw6 < 0) {
		int err = -errno;

		raw_out_destroy(r);
		return err;
	}
	setsockopt(r->raw4, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	*out = r;
	return 0;
}

void raw_out_destroy(struct raw_out *r)
{
	if (!r)
		return;
	if (r->raw4 >= 0)
		close(r->raw4);
	if (r->raw6 >= 0)
		close(r->raw6);
	free(r);
}

/* The one control message of a send: level, type and its data. */
static void raw_out_cmsg(struct msghdr *msg, int level, int type,
			 const void *data, size_t len)
{
	struct cmsghdr *cm = (struct cmsghdr *)msg->msg_control;

	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), data, len);
	msg->msg_controllen = CMSG_SPACE(len);
}

/*
 * oif, when > 0, is the egress interface the route lookup chose, passed
 * as IP_PKTINFO / IPV6_PKTINFO so a path pinned to an uplink leaves by
 * it (ip(7), ipv6(7)).
 */
int raw_out_send(struct raw_out *r, const uint8_t *ip, uint32_t len, int oif)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct sockaddr_storage ss = { 0 };
	struct iovec iov = {
		.iov_base = (void *)(uintptr_t)ip,
		.iov_len = len,
	};
	struct msghdr msg = {
		.msg_name = &ss,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
	};
	int fd;

	if ((ip[0] >> 4) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { .ipi_ifindex = oif };

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip + 16, 4);
		msg.msg_namelen = sizeof(*sin);
		raw_out_cmsg(&msg, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
		fd = r->raw4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned int)oif };

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip + 24, 16);
		sin6->sin6_scope_id = (uint32_t)oif;
		msg.msg_namelen = sizeof(*sin6);
		raw_out_cmsg(&msg, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		fd = r->raw6;
	}
	if (oif <= 0) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	return 0;
}
