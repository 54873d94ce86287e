/*
 * sctp_flood: send SCTP INITs from spoofed IPv4 sources as fast as the
 * machine allows, for the flood tests (test/e2e/test_sctpalgd_flood.sh)
 * and `make soak`.  Every INIT is a valid one (RFC 9260 3.3.2: non-zero
 * Initiate Tag, zero verification tag, correct CRC32c from
 * src/engine/crc32c.c), so the daemon spends on it what it would spend on
 * a real one; only its source address, source port and tag vary.
 *
 *   sctp_flood -I lan0 -M 02:..:01 -s 192.168.1.100-192.168.1.249 \
 *              -d 198.51.100.100 -p 80 [-n count] [-t seconds] [-r pps]
 *              [-m packet|raw] [-b batch]
 *
 * -m packet (default): AF_PACKET with a PACKET_TX_RING, PACKET_QDISC_BYPASS,
 *   Ethernet frames to -M (the next hop's MAC) from the interface's own;
 *   one sendto() per ring batch.
 * -m raw: a raw IP socket (IP_HDRINCL), sendmmsg() in batches; needs no
 *   MAC, costs a route lookup per packet.
 * -s takes A-B (a range) or A/LEN (a prefix).  -p takes P or P-Q.
 *
 * Prints one line: "sent N in S s = R pps".  Exit 0, or 1 on a setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"

#define INIT_LEN	(12 + 20)	/* common header + INIT fixed part */
#define IP_LEN		(20 + INIT_LEN)
#define FRAME_LEN	(14 + IP_LEN)
#define RING_FRAME	256u
#define RING_BLOCK	(1u << 16)
#define RING_BLOCKS	64u

struct opts {
	const char *ifname;
	uint8_t dmac[6];
	bool have_dmac;
	uint32_t src_lo, src_hi;	/* host order, inclusive */
	uint32_t dst;			/* network order */
	uint16_t dport_lo, dport_hi;
	uint64_t count;			/* 0: until -t */
	double seconds;			/* 0: until -n */
	uint64_t rate;			/* pps, 0: as fast as possible */
	bool raw;
	unsigned int batch;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One IPv4 INIT at ip (IP_LEN bytes), fresh source, port and tag. */
static void build_init(uint8_t *ip, const struct opts *o)
{
	uint64_t r = next_rand();
	uint32_t span = o->src_hi - o->src_lo + 1;
	uint32_t src = o->src_lo + (span ? (uint32_t)(r % span) : 0);
	uint32_t dspan = (uint32_t)(o->dport_hi - o->dport_lo) + 1;
	uint8_t *s = ip + 20;

	memset(ip, 0, IP_LEN);
	ip[0] = 0x45;
	put16(ip + 2, IP_LEN);
	put16(ip + 4, (uint16_t)(r >> 32));
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;
	ip[9] = 132;			/* SCTP */
	put32(ip + 12, src);
	memcpy(ip + 16, &o->dst, 4);
	put16(ip + 10, ip_csum(ip));
	r = next_rand();
	put16(s, (uint16_t)(1024 + (r & 0xffff) % 64000));
	put16(s + 2, (uint16_t)(o->dport_lo + (uint32_t)(r >> 16) % dspan));
	/* vtag 0 */
	s[12] = 1;			/* INIT */
	put16(s + 14, 20);
	put32(s + 16, (uint32_t)(r >> 32) | 1);	/* Initiate Tag */
	put32(s + 20, 65536);		/* a_rwnd */
	put16(s + 24, 10);
	put16(s + 26, 10);
	put32(s + 28, (uint32_t)r);	/* initial TSN */
	sctp_csum_fill(s, INIT_LEN);
}

/* Pace to o->rate: sleep while ahead of schedule. */
static void pace(const struct opts *o, uint64_t sent, double t0)
{
	double due;

	if (!o->rate)
		return;
	due = t0 + (double)sent / (double)o->rate;
	while (now_s() < due)
		usleep(200);
}

static bool done(const struct opts *o, uint64_t sent, double t0)
{
	if (o->count && sent >= o->count)
		return true;
	return o->seconds > 0 && now_s() - t0 >= o->seconds;
}

static int run_raw(const struct opts *o, uint64_t *sent, double t0)
{
	enum { MAXB = 256 };
	static uint8_t bufs[MAXB][IP_LEN];
	struct mmsghdr msgs[MAXB];
	struct iovec iov[MAXB];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned int b = o->batch > MAXB ? MAXB : o->batch;
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one,
				 sizeof(one))) {
		perror("sctp_flood: raw socket");
		return -1;
	}
	to.sin_addr.s_addr = o->dst;
	memset(msgs, 0, sizeof(msgs));
	for (unsigned int i = 0; i < b; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = IP_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	while (!done(o, *sent, t0)) {
		unsigned int n = b;
		int r;

		if (o->count && o->count - *sent < n)
			n = (unsigned int)(o->count - *sent);
		for (unsigned int i = 0; i < n; i++)
			build_init(bufs[i], o);
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("sctp_flood: sendmmsg");
			close(fd);
			return -1;
		}
		if (r > 0)
			*sent += (uint64_t)r;
		pace(o, *sent, t0);
	}
	close(fd);
	return 0;
}

static int run_packet(const struct opts *o, uint64_t *sent, double t0)
{
	struct tpacket_req req = {
		.tp_block_size = RING_BLOCK,
		.tp_block_nr = RING_BLOCKS,
		.tp_frame_size = RING_FRAME,
		.tp_frame_nr = RING_BLOCK / RING_FRAME * RING_BLOCKS,
	};
	int ver = TPACKET_V2, one = 1, fd;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	uint8_t smac[6];
	struct ifreq ifr;
	unsigned int cur = 0, queued = 0;
	uint8_t *ring;
	size_t ring_len = (size_t)RING_BLOCK * RING_BLOCKS;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("sctp_flood: AF_PACKET");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("sctp_flood: SIOCGIFHWADDR");
		return -1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req))) {
		perror("sctp_flood: PACKET_TX_RING");
		return -1;
	}
	/* Straight to the driver: the flood should not queue behind
	 * itself in the qdisc (best effort; older kernels lack it). */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			 sizeof(one));
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("sctp_flood: mmap");
		return -1;
	}
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(o->ifname);
	ll.sll_halen = 6;
	memcpy(ll.sll_addr, o->dmac, 6);
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("sctp_flood: bind");
		return -1;
	}
	while (!done(o, *sent + queued, t0)) {
		struct tpacket2_hdr *h =
			(void *)(ring + (size_t)cur * RING_FRAME);
		uint8_t *f;

		if (h->tp_status != TP_STATUS_AVAILABLE) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			/* Ring full: hand over what is queued, then wait. */
			if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN && errno != ENOBUFS) {
				perror("sctp_flood: send");
				return -1;
			}
			*sent += queued;
			queued = 0;
			if (h->tp_status & TP_STATUS_WRONG_FORMAT) {
				fprintf(stderr, "sctp_flood: bad frame\n");
				return -1;
			}
			if (h->tp_status != TP_STATUS_AVAILABLE)
				poll(&p, 1, 10);
			continue;
		}
		f = (uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
		memcpy(f, o->dmac, 6);
		memcpy(f + 6, smac, 6);
		put16(f + 12, ETH_P_IP);
		build_init(f + 14, o);
		h->tp_len = FRAME_LEN;
		h->tp_status = TP_STATUS_SEND_REQUEST;
		cur = (cur + 1) % req.tp_frame_nr;
		if (++queued >= o->batch) {
			if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN && errno != ENOBUFS) {
				perror("sctp_flood: send");
				return -1;
			}
			*sent += queued;
			queued = 0;
			pace(o, *sent, t0);
		}
	}
	if (queued)
		(void)send(fd, NULL, 0, 0);
	*sent += queued;
	munmap(ring, ring_len);
	close(fd);
	return 0;
}

static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[64], *sep;
	struct in_addr a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((sep = strchr(buf, '/'))) {
		int len = atoi(sep + 1);

		*sep = 0;
		if (!inet_aton(buf, &a) || len < 0 || len > 32)
			return -1;
		*lo = ntohl(a.s_addr);
		*hi = *lo | (len == 0 ? ~0u : (1u << (32 - len)) - 1);
		/* Leave out network and broadcast addresses of a /24-ish. */
		if (len <= 30) {
			*lo += 1;
			*hi -= 1;
		}
		return 0;
	}
	if ((sep = strchr(buf, '-')))
		*sep++ = 0;
	if (!inet_aton(buf, &a) || (sep && !inet_aton(sep, &b)))
		return -1;
	*lo = ntohl(a.s_addr);
	*hi = sep ? ntohl(b.s_addr) : *lo;
	return *lo <= *hi ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sctp_flood -s SRC-RANGE -d DST -p PORT[-PORT] "
		"[-I IFNAME -M DSTMAC] [-m packet|raw]\n"
		"                  [-n COUNT] [-t SECONDS] [-r PPS] "
		"[-b BATCH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	struct opts o = { .batch = 64, .dport_lo = 80, .dport_hi = 80 };
	struct in_addr d;
	uint64_t sent = 0;
	double t0, dt;
	int c, err;

	while ((c = getopt(argc, argv, "I:M:s:d:p:n:t:r:m:b:")) != -1) {
		switch (c) {
		case 'I':
			o.ifname = optarg;
			break;
		case 'M':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				   &o.dmac[0], &o.dmac[1], &o.dmac[2],
				   &o.dmac[3], &o.dmac[4], &o.dmac[5]) != 6)
				usage();
			o.have_dmac = true;
			break;
		case 's':
			if (parse_range(optarg, &o.src_lo, &o.src_hi))
				usage();
			break;
		case 'd':
			if (!inet_aton(optarg, &d))
				usage();
			o.dst = d.s_addr;
			break;
		case 'p': {
			unsigned int lo, hi;
			int n = sscanf(optarg, "%u-%u", &lo, &hi);

			if (n < 1 || lo == 0 || lo > 65535 ||
			    (n == 2 && (hi < lo || hi > 65535)))
				usage();
			o.dport_lo = (uint16_t)lo;
			o.dport_hi = (uint16_t)(n == 2 ? hi : lo);
			break;
		}
		case 'n':
			o.count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		case 'r':
			o.rate = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			o.raw = !strcmp(optarg, "raw");
			break;
		case 'b':
			o.batch = (unsigned int)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!o.src_lo || !o.dst || (!o.count && o.seconds <= 0) ||
	    !o.batch || (!o.raw && (!o.ifname || !o.have_dmac)))
		usage();
	rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	t0 = now_s();
	err = o.raw ? run_raw(&o, &sent, t0) : run_packet(&o, &sent, t0);
	dt = now_s() - t0;
	printf("sent %llu in %.3f s = %.0f pps\n", (unsigned long long)sent,
	       dt, dt > 0 ? (double)sent / dt : 0.0);
	return err ? 1 : 0;
}
