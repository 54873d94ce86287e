/*
 * sctp_blast: the client end of the box benchmark -- one real SCTP
 * association through the NAT, then DATA as fast as one core can send.
 *
 * The handshake (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, RFC 9260 5.1)
 * goes over a raw IPv4 socket, so the kernel routes it like any SCTP
 * stack's packets; sctp_respond answers it on the server.  Both NATs
 * under test then hold the association as ESTABLISHED with both
 * verification tags, which they check on every later packet (sctpalgd
 * finds the association by vtag, the kernel's SCTP conntrack marks a
 * packet with the wrong vtag invalid and leaves it untranslated).
 *
 * The DATA flood bypasses the client's own stack: an AF_PACKET socket
 * with PACKET_QDISC_BYPASS hands prebuilt Ethernet frames straight to the
 * veth (the box's MAC given by --dmac), sendmmsg() a batch at a time, so
 * the generator costs one skb per packet and nothing else.  The frames carry the peer's tag, distinct
 * TSNs and a correct CRC32c (a NAT may verify it; the kernel's conntrack
 * does), computed once when the frames are built.
 *
 * "Offered" counts every frame handed to the veth, including those its
 * peer -- the box -- refused because its receive queue was full (the
 * veth then reports ENOBUFS for that frame): the box's loss, not ours.
 *
 *   sctp_blast --src A --dst B --sport N --dport N --ifname IF
 *              --dmac MAC [--ip-len BYTES] [--seconds S] [--batch N]
 *
 * --ip-len is the IP packet's length, as bench_engine counts it: 48 bytes
 * of headers (IPv4, SCTP common header, DATA chunk header) and the rest
 * user data, a multiple of 4 so the chunk needs no padding.
 *
 * Prints "ESTABLISHED ..." after the handshake, then one "RESULT ..."
 * line; exits 1 when the handshake or the socket fails.
 */
#define _GNU_SOURCE /* sendmmsg() */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "pkt_build.h"
#include "sctp_wire.h"

/*
 * 64 distinct frames, sent round-robin 64 per sendmmsg(): one syscall per
 * 64 packets keeps the generator's per-packet cost near the kernel's own
 * skb build, and the frames stay in the cache.
 */
#define BLAST_FRAMES   64
#define BLAST_ETH_HLEN 14
#define BLAST_HDRS     48 /* IPv4 20, SCTP 12, DATA chunk 16 */
#define BLAST_TRIES    5 /* handshake retransmissions, 1 s apart */

struct blast_opts {
	const char *src, *dst, *ifname;
	uint16_t sport, dport, ip_len;
	uint8_t dmac[6];
	double seconds;
	unsigned int batch;
};

struct blast_assoc {
	uint32_t my_tag, peer_tag;
	uint8_t cookie[512];
	uint16_t cookie_len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int blast_send(int fd, const struct blast_opts *o, struct pb *p)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	pb_finish(p);
	inet_pton(AF_INET, o->dst, &to.sin_addr);
	if (sendto(fd, p->buf + p->sctp_off, p->len - p->sctp_off, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sctp_blast: sendto");
		return -errno;
	}
	return 0;
}

/*
 * Waits up to a second for a chunk of `type` from the peer on our ports
 * with our tag; returns its offset in buf (the IP packet) or -ETIMEDOUT.
 */
static int blast_expect(int fd, const struct blast_opts *o, uint32_t tag,
			uint8_t type, uint8_t *buf, size_t cap, size_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = now_s() + 1.0;
	struct in_addr peer;
	ssize_t n;

	inet_pton(AF_INET, o->dst, &peer);
	while (now_s() < end) {
		const uint8_t *s;
		size_t hl;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n < 20)
			continue;
		hl = (size_t)(buf[0] & 0x0f) * 4;
		s = buf + hl;
		if ((size_t)n < hl + SCTP_HDR_LEN + SCTP_CHUNK_HDR_LEN ||
		    memcmp(buf + 12, &peer, 4) || sctp_get16(s) != o->dport ||
		    sctp_get16(s + 2) != o->sport ||
		    sctp_get32(s + SCTP_OFF_VTAG) != tag ||
		    s[SCTP_HDR_LEN] != type ||
		    !sctp_csum_verify(s, (size_t)n - hl))
			continue;
		*len = (size_t)n;
		return (int)(hl + SCTP_HDR_LEN);
	}
	return -ETIMEDOUT;
}

/* Peer's Initiate Tag and State Cookie out of its INIT ACK chunk. */
static int blast_parse_init_ack(const uint8_t *chunk, size_t avail,
				struct blast_assoc *a)
{
	size_t clen = sctp_get16(chunk + 2), off = SCTP_INIT_FIXED_LEN;

	if (clen < SCTP_INIT_FIXED_LEN || clen > avail)
		return -EINVAL;
	a->peer_tag = sctp_get32(chunk + SCTP_INIT_OFF_ITAG);
	while (off + SCTP_PARAM_HDR_LEN <= clen) {
		uint16_t t = sctp_get16(chunk + off);
		uint16_t l = sctp_get16(chunk + off + 2);

		if (l < SCTP_PARAM_HDR_LEN || off + l > clen)
			return -EINVAL;
		if (t == SCTP_PARAM_STATE_COOKIE) {
			a->cookie_len = (uint16_t)(l - SCTP_PARAM_HDR_LEN);
			if (a->cookie_len > sizeof(a->cookie))
				return -E2BIG;
			memcpy(a->cookie, chunk + off + SCTP_PARAM_HDR_LEN,
			       a->cookie_len);
			return 0;
		}
		off += sctp_pad4(l);
	}
	return -ENOENT;
}

static int blast_handshake(const struct blast_opts *o, struct blast_assoc *a)
{
	static uint8_t buf[65536];
	struct sockaddr_in me = { .sin_family = AF_INET };
	int fd, off = -ETIMEDOUT, i, err = -ETIMEDOUT;
	size_t len;
	struct pb p;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0) {
		perror("sctp_blast: raw socket");
		return -errno;
	}
	inet_pton(AF_INET, o->src, &me.sin_addr);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("sctp_blast: bind");
		goto out;
	}
	do {
		if (getrandom(&a->my_tag, sizeof(a->my_tag), 0) < 0)
			a->my_tag = (uint32_t)time(NULL);
	} while (a->my_tag == 0);

	for (i = 0; i < BLAST_TRIES && off < 0; i++) {
		pb_ip4(&p, o->src, o->dst);
		pb_sctp(&p, o->sport, o->dport, 0);
		pb_init(&p, SCTP_CID_INIT, a->my_tag);
		if (blast_send(fd, o, &p))
			goto out;
		off = blast_expect(fd, o, a->my_tag, SCTP_CID_INIT_ACK, buf,
				   sizeof(buf), &len);
	}
	if (off < 0) {
		fprintf(stderr, "sctp_blast: no INIT ACK from %s\n", o->dst);
		goto out;
	}
	err = blast_parse_init_ack(buf + off, len - (size_t)off, a);
	if (err) {
		fprintf(stderr, "sctp_blast: bad INIT ACK (%s)\n",
			strerror(-err));
		goto out;
	}
	for (i = 0, off = -ETIMEDOUT; i < BLAST_TRIES && off < 0; i++) {
		pb_ip4(&p, o->src, o->dst);
		pb_sctp(&p, o->sport, o->dport, a->peer_tag);
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, a->cookie, a->cookie_len);
		if (blast_send(fd, o, &p))
			goto out;
		off = blast_expect(fd, o, a->my_tag, SCTP_CID_COOKIE_ACK, buf,
				   sizeof(buf), &len);
	}
	if (off < 0) {
		fprintf(stderr, "sctp_blast: no COOKIE ACK from %s\n", o->dst);
		err = -ETIMEDOUT;
		goto out;
	}
	err = 0;
out:
	close(fd);
	return err;
}

struct blast_frames {
	uint8_t buf[BLAST_FRAMES][BLAST_ETH_HLEN + 1500];
	uint32_t len;
};

static int blast_build(const struct blast_opts *o, const struct blast_assoc *a,
		       struct blast_frames *f)
{
	static uint8_t payload[PB_MAX];
	struct ifreq ifr = { 0 };
	struct pb p;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("sctp_blast: SIOCGIFHWADDR");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	memset(payload, 0xa5, sizeof(payload));
	for (unsigned int i = 0; i < BLAST_FRAMES; i++) {
		uint8_t *e = f->buf[i];

		pb_ip4(&p, o->src, o->dst);
		pb_sctp(&p, o->sport, o->dport, a->peer_tag);
		/* Our first TSN was 1 (pb_init): continue from there. */
		pb_data(&p, 1 + i, 0, payload,
			(uint16_t)(o->ip_len - BLAST_HDRS));
		pb_finish(&p);
		if (!sctp_csum_verify(p.buf + p.sctp_off, p.len - p.sctp_off))
			return -1;
		memcpy(e, o->dmac, 6);
		memcpy(e + 6, ifr.ifr_hwaddr.sa_data, 6);
		e[12] = ETHERTYPE_IP >> 8;
		e[13] = ETHERTYPE_IP & 0xff;
		memcpy(e + BLAST_ETH_HLEN, p.buf, p.len);
		f->len = BLAST_ETH_HLEN + p.len;
	}
	return 0;
}

struct blast_count {
	unsigned long long offered, refused;
	double secs;
};

static int blast_flood(const struct blast_opts *o, struct blast_frames *f,
		       struct blast_count *c)
{
	static struct mmsghdr msgs[BLAST_FRAMES];
	static struct iovec iov[BLAST_FRAMES];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	double t0, t, end;
	int fd, one = 1;

	/* Protocol 0: this socket only sends, it never sees a frame. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sctp_blast: AF_PACKET socket");
		return -1;
	}
	ll.sll_ifindex = (int)if_nametoindex(o->ifname);
	ll.sll_protocol = htons(ETH_P_IP);
	if (!ll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one))) {
		perror("sctp_blast: AF_PACKET on the LAN interface");
		close(fd);
		return -1;
	}
	for (unsigned int i = 0; i < o->batch; i++) {
		iov[i] = (struct iovec){ f->buf[i], f->len };
		msgs[i].msg_hdr =
			(struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	memset(c, 0, sizeof(*c));
	t0 = t = now_s();
	end = t0 + o->seconds;
	while (t < end) {
		int n = sendmmsg(fd, msgs, o->batch, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ENOBUFS) {
			perror("sctp_blast: sendmmsg");
			close(fd);
			return -1;
		}
		/* sendmmsg() stops at the first frame the veth refused. */
		if (n < 0) {
			c->offered++;
			c->refused++;
		} else if ((unsigned int)n < o->batch) {
			c->offered += (unsigned int)n + 1;
			c->refused++;
		} else {
			c->offered += (unsigned int)n;
		}
		t = now_s();
	}
	c->secs = t - t0;
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sctp_blast --src A --dst B --sport N --dport N "
		"--ifname IF --dmac MAC\n"
		"                  [--ip-len BYTES] [--seconds S] [--batch N]\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct blast_opts *o)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "ip-len", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mac = false;
	int c;

	*o = (struct blast_opts){ .ip_len = 64,
				  .seconds = 3.0,
				  .batch = BLAST_FRAMES };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->src = optarg;
			break;
		case 'd':
			o->dst = optarg;
			break;
		case 'S':
			o->sport = (uint16_t)atoi(optarg);
			break;
		case 'D':
			o->dport = (uint16_t)atoi(optarg);
			break;
		case 'i':
			o->ifname = optarg;
			break;
		case 'l':
			o->ip_len = (uint16_t)atoi(optarg);
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'b':
			o->batch = (unsigned int)atoi(optarg);
			break;
		case 'm':
			have_mac = sscanf(optarg,
					  "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
					  &o->dmac[0], &o->dmac[1], &o->dmac[2],
					  &o->dmac[3], &o->dmac[4],
					  &o->dmac[5]) == 6;
			break;
		default:
			usage();
		}
	}
	/* At least 4 bytes of user data; within the veth's 1500 MTU. */
	if (!o->src || !o->dst || !o->ifname || !have_mac || !o->sport ||
	    !o->dport || o->ip_len < BLAST_HDRS + 4 || o->ip_len > 1500 ||
	    o->ip_len % 4 || o->seconds <= 0 || o->batch < 1 ||
	    o->batch > BLAST_FRAMES)
		usage();
}

int main(int argc, char **argv)
{
	static struct blast_frames frames;
	struct blast_opts o;
	struct blast_assoc a = { 0 };
	struct blast_count c;

	parse_opts(argc, argv, &o);
	if (blast_handshake(&o, &a))
		return 1;
	printf("ESTABLISHED %s:%u -> %s:%u tag=0x%08x peer_tag=0x%08x\n", o.src,
	       o.sport, o.dst, o.dport, a.my_tag, a.peer_tag);
	fflush(stdout);
	if (blast_build(&o, &a, &frames) || blast_flood(&o, &frames, &c))
		return 1;
	printf("RESULT ip_len=%u frame_len=%u secs=%.3f "
	       "offered=%llu refused=%llu offered_pps=%.0f\n",
	       o.ip_len, frames.len, c.secs, c.offered, c.refused,
	       (double)c.offered / c.secs);
	return 0;
}
