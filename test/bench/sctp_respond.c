/*
 * sctp_respond: the server end of the box benchmark's associations.
 *
 * A stateless SCTP responder on a raw IPv4 socket (the kernel has no SCTP
 * module here): it answers every INIT with an INIT ACK and every COOKIE
 * ECHO with a COOKIE ACK, which is all a NAT in the path -- sctpalgd or the
 * kernel's SCTP conntrack -- needs to see for the association to be
 * ESTABLISHED.  Its State Cookie (RFC 9260 5.1.3) carries both tags, so
 * it keeps no state and serves any number of handshakes.  DATA is not
 * answered: the benchmark counts and drops it at the server's ingress
 * before it reaches this socket.
 *
 *   sctp_respond [SECONDS]     exit 0 after SECONDS without a packet
 *                              (default: run until killed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "pkt_build.h"
#include "sctp_wire.h"

#define COOKIE_MAGIC 0x53414c47u /* "SALG" */
#define COOKIE_LEN   12 /* magic, our tag, peer's tag */

static uint32_t respond_tag(void)
{
	uint32_t t = 0;

	while (t == 0) /* a zero Initiate Tag is illegal (RFC 9260 3.3.2) */
		if (getrandom(&t, sizeof(t), 0) != sizeof(t))
			t = (uint32_t)time(NULL);
	return t;
}

static void respond_send(int fd, const struct sockaddr_in *to, struct pb *p)
{
	pb_finish(p);
	/* Without IP_HDRINCL the kernel writes the IP header itself. */
	if (sendto(fd, p->buf + p->sctp_off, p->len - p->sctp_off, 0,
		   (const struct sockaddr *)to, sizeof(*to)) < 0)
		perror("sctp_respond: sendto");
}

/* Find the State Cookie parameter of the INIT ACK we sent: our cookie. */
static int respond_cookie(const uint8_t *chunk, uint32_t clen, uint32_t *ours,
			  uint32_t *peers)
{
	const uint8_t *c = chunk + SCTP_CHUNK_HDR_LEN;

	if (clen < SCTP_CHUNK_HDR_LEN + COOKIE_LEN ||
	    sctp_get32(c) != COOKIE_MAGIC)
		return -EINVAL;
	*ours = sctp_get32(c + 4);
	*peers = sctp_get32(c + 8);
	return 0;
}

static void respond_one(int fd, const uint8_t *ip, size_t len,
			unsigned long *n_est)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	const uint8_t *s = ip + hl, *chunk = s + SCTP_HDR_LEN;
	struct sockaddr_in to = { .sin_family = AF_INET };
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	uint32_t clen, ours, peers;
	uint8_t cookie[COOKIE_LEN];
	struct pb p;

	if (len < hl + SCTP_HDR_LEN + SCTP_CHUNK_HDR_LEN ||
	    !sctp_csum_verify(s, len - hl))
		return;
	clen = sctp_get16(chunk + 2);
	if (clen > len - hl - SCTP_HDR_LEN)
		return;
	memcpy(&to.sin_addr, ip + 12, 4);
	inet_ntop(AF_INET, ip + 12, src, sizeof(src));
	inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));

	switch (chunk[0]) {
	case SCTP_CID_INIT:
		if (clen < SCTP_INIT_FIXED_LEN)
			return;
		ours = respond_tag();
		peers = sctp_get32(chunk + SCTP_INIT_OFF_ITAG);
		sctp_put32(cookie, COOKIE_MAGIC);
		sctp_put32(cookie + 4, ours);
		sctp_put32(cookie + 8, peers);
		pb_ip4(&p, dst, src);
		pb_sctp(&p, sctp_get16(s + 2), sctp_get16(s), peers);
		pb_init(&p, SCTP_CID_INIT_ACK, ours);
		pb_param(&p, SCTP_PARAM_STATE_COOKIE, cookie, COOKIE_LEN);
		respond_send(fd, &to, &p);
		break;
	case SCTP_CID_COOKIE_ECHO:
		if (respond_cookie(chunk, clen, &ours, &peers) ||
		    sctp_get32(s + SCTP_OFF_VTAG) != ours)
			return;
		pb_ip4(&p, dst, src);
		pb_sctp(&p, sctp_get16(s + 2), sctp_get16(s), peers);
		pb_simple(&p, SCTP_CID_COOKIE_ACK, 0);
		respond_send(fd, &to, &p);
		/* A retransmitted COOKIE ECHO is answered, counted again. */
		printf("ESTABLISHED peer=%s:%u tag=0x%08x peer_tag=0x%08x n=%lu\n",
		       src, sctp_get16(s), ours, peers, ++*n_est);
		fflush(stdout);
		break;
	default:
		break; /* DATA, SACK, ABORT...: not ours to answer */
	}
}

int main(int argc, char **argv)
{
	static uint8_t buf[65536];
	int timeout_ms = argc > 1 ? atoi(argv[1]) * 1000 : -1;
	struct pollfd pfd;
	unsigned long n_est = 0;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0) {
		perror("sctp_respond: raw socket");
		return 1;
	}
	printf("LISTEN raw IPv4 protocol 132\n");
	fflush(stdout);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&pfd, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			respond_one(fd, buf, (size_t)n, &n_est);
	}
	close(fd);
	return 0;
}
