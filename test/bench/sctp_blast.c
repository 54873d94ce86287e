/*
 * sctp_blast: the client end of the box benchmark -- N real SCTP
 * associations through the NAT, then DATA spread over them round-robin
 * as fast as one core can send.
 *
 * The handshakes (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, RFC 9260 5.1)
 * go over a raw IPv4 socket, so the kernel routes them like any SCTP
 * stack's packets; sctp_respond answers them on the server.  They are
 * pipelined, BLAST_WINDOW at a time (below the 256 frames a veth queue
 * holds), each lost packet retransmitted, so 100,000 associations take
 * seconds.  The NATs under test then hold every association as
 * ESTABLISHED with both verification tags, which they check on every
 * later packet (sctpalgd finds the association by vtag, the kernel's SCTP
 * conntrack marks a packet with the wrong vtag invalid and leaves it
 * untranslated).
 *
 * Association i uses source port sport + i % BLAST_PORT_SPAN and
 * destination port dport + i / BLAST_PORT_SPAN, so every one is its own
 * 5-tuple (the kernel's conntrack and masquerade need that; sctpalgd
 * would tell them apart by tag alone).
 *
 * The DATA flood bypasses the client's own stack: an AF_PACKET socket
 * with PACKET_QDISC_BYPASS hands prebuilt Ethernet frames straight to the
 * veth (the box's MAC given by --dmac), sendmmsg() a batch at a time, so
 * the generator costs one skb per packet and nothing else.  Every DATA
 * chunk carries TSN 1 (no NAT under test looks at TSNs); the frames differ
 * only in ports, tag and CRC32c, computed once per association when the
 * flood starts, and patched into the batch's frames as they go.
 *
 * --xdp-live floods instead by BPF_PROG_RUN in live-frame mode
 * (test/bench/blast_live.c): the kernel runs a small XDP program that
 * writes the next association's headers into a frame and sends it by
 * XDP_TX into the box's end of the veth as an xdp_frame, with neither an
 * skb nor a syscall per packet: a tenth of AF_PACKET's CPU per packet or
 * less.
 *
 * "Offered" counts every frame handed to the veth, including those its
 * peer -- the box -- refused because its receive queue was full (the
 * veth then reports ENOBUFS for that frame): the box's loss, not ours.
 *
 *   sctp_blast --src A --dst B --sport N --dport N [--assocs N]
 *              [--save FILE]                  handshakes only
 *   sctp_blast ... --ifname IF --dmac MAC [--load FILE | --no-handshake]
 *              [--ip-len BYTES] [--seconds S] [--batch N]
 *              [--via-qdisc | --xdp-live] [--burst N]
 *
 * --via-qdisc: through dev_queue_xmit(), so that the flow hash, not the
 * sending CPU, picks the veth queue (a multi-queue box).
 * --save: set the associations up, write them to FILE (one line each:
 * sport dport tag peer_tag) and exit; --load: flood associations set up
 * by an earlier --save, so several runs share one set-up.
 * --no-handshake: invent the peer's tags, for a stateless NAT that needs
 * no handshake.  Without either, handshake then flood.
 * --burst N: N packets of an association in a row before the next one
 * (default 1: every packet another association, the worst order for a
 * NAT's caches; a sender with a window open sends several back to back).
 *
 * --ip-len is the IP packet's length, as bench_engine counts it: 48 bytes
 * of headers (IPv4, SCTP common header, DATA chunk header) and the rest
 * user data, a multiple of 4 so the chunk needs no padding.
 *
 * Prints "ESTABLISHED n=... of ..." after the handshakes, then one
 * "RESULT ..." line; exits 1 when the handshakes (fewer than 99 % of
 * them) or the socket fail.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "blast_live.h"
#include "crc32c.h"
#include "pkt_build.h"
#include "sctp_wire.h"

/*
 * 64 frames, sent 64 per sendmmsg(): one syscall per 64 packets keeps the
 * generator's per-packet cost near the kernel's own skb build, and the
 * frames stay in the cache.
 */
#define BLAST_FRAMES	 64
#define BLAST_ETH_HLEN	 14
#define BLAST_HDRS	 48 /* IPv4 20, SCTP 12, DATA chunk 16 */
#define BLAST_TRIES	 10 /* handshake transmissions per packet */
#define BLAST_RTO_S	 0.3 /* wait before retransmitting */
#define BLAST_WINDOW	 128 /* handshakes in flight */
#define BLAST_PORT_SPAN	 50000u
#define BLAST_COOKIE_MAX 64 /* sctp_respond's is 12 bytes */
#define BLAST_MAX_ASSOCS 1000000

struct blast_opts {
	const char *src, *dst, *ifname, *save, *load;
	uint16_t sport, dport, ip_len;
	uint8_t dmac[6];
	double seconds;
	unsigned int batch, assocs, burst;
	bool no_handshake, via_qdisc, xdp_live;
};

enum {
	HS_INIT,
	HS_COOKIE,
	HS_UP
};

struct blast_assoc {
	uint16_t sport, dport;
	uint32_t my_tag, peer_tag;
	uint8_t state, cookie_len;
	uint8_t cookie[BLAST_COOKIE_MAX];
};

static uint32_t blast_tag(void)
{
	uint32_t t = 0;

	while (t == 0) /* a zero Initiate Tag is illegal (RFC 9260 3.3.2) */
		if (getrandom(&t, sizeof(t), 0) != sizeof(t))
			t = (uint32_t)rand();
	return t;
}

static void blast_ports(const struct blast_opts *o, struct blast_assoc *as)
{
	for (unsigned int i = 0; i < o->assocs; i++) {
		as[i].sport = (uint16_t)(o->sport + i % BLAST_PORT_SPAN);
		as[i].dport = (uint16_t)(o->dport + i / BLAST_PORT_SPAN);
		as[i].my_tag = blast_tag();
		as[i].state = HS_INIT;
	}
}

static int blast_send(int fd, const struct blast_opts *o, struct pb *p)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	pb_finish(p);
	inet_pton(AF_INET, o->dst, &to.sin_addr);
	/* A full socket buffer loses the packet; the retransmission helps. */
	if (sendto(fd, p->buf + p->sctp_off, p->len - p->sctp_off, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0 &&
	    errno != ENOBUFS && errno != EAGAIN) {
		perror("sctp_blast: sendto");
		return -errno;
	}
	return 0;
}

static int blast_send_hs(int fd, const struct blast_opts *o,
			 const struct blast_assoc *a)
{
	struct pb p;

	pb_ip4(&p, o->src, o->dst);
	if (a->state == HS_INIT) {
		pb_sctp(&p, a->sport, a->dport, 0);
		pb_init(&p, SCTP_CID_INIT, a->my_tag);
	} else {
		pb_sctp(&p, a->sport, a->dport, a->peer_tag);
		pb_chunk_begin(&p, SCTP_CID_COOKIE_ECHO, 0);
		pb_bytes(&p, a->cookie, a->cookie_len);
	}
	return blast_send(fd, o, &p);
}

/* Peer's Initiate Tag and State Cookie out of its INIT ACK chunk. */
static int blast_parse_init_ack(const uint8_t *chunk, size_t avail,
				struct blast_assoc *a)
{
	size_t clen = sctp_get16(chunk + 2), off = SCTP_INIT_FIXED_LEN;

	if (clen < SCTP_INIT_FIXED_LEN || clen > avail)
		return -EINVAL;
	while (off + SCTP_PARAM_HDR_LEN <= clen) {
		uint16_t t = sctp_get16(chunk + off);
		uint16_t l = sctp_get16(chunk + off + 2);

		if (l < SCTP_PARAM_HDR_LEN || off + l > clen)
			return -EINVAL;
		if (t == SCTP_PARAM_STATE_COOKIE) {
			if (l - SCTP_PARAM_HDR_LEN > BLAST_COOKIE_MAX)
				return -E2BIG;
			a->peer_tag = sctp_get32(chunk + SCTP_INIT_OFF_ITAG);
			a->cookie_len = (uint8_t)(l - SCTP_PARAM_HDR_LEN);
			memcpy(a->cookie, chunk + off + SCTP_PARAM_HDR_LEN,
			       a->cookie_len);
			return 0;
		}
		off += sctp_pad4(l);
	}
	return -ENOENT;
}

/*
 * One packet from the server: moves the association it answers a step
 * on.  The ports name the association, its tag must be ours.
 */
static void blast_hs_recv(const struct blast_opts *o, struct blast_assoc *as,
			  const uint8_t *buf, size_t n, const void *peer,
			  unsigned int *done)
{
	size_t hl = (size_t)(buf[0] & 0x0f) * 4;
	const uint8_t *s = buf + hl, *c = s + SCTP_HDR_LEN;
	unsigned int i, sp, dp;
	struct blast_assoc *a;

	if (n < hl + SCTP_HDR_LEN + SCTP_CHUNK_HDR_LEN ||
	    memcmp(buf + 12, peer, 4) || !sctp_csum_verify(s, n - hl))
		return;
	sp = sctp_get16(s + 2); /* our port */
	dp = sctp_get16(s);
	if (sp < o->sport || sp >= o->sport + BLAST_PORT_SPAN + 0u ||
	    dp < o->dport)
		return;
	i = (dp - o->dport) * BLAST_PORT_SPAN + (sp - o->sport);
	if (i >= o->assocs)
		return;
	a = &as[i];
	if (sctp_get32(s + SCTP_OFF_VTAG) != a->my_tag)
		return;
	if (a->state == HS_INIT && c[0] == SCTP_CID_INIT_ACK) {
		if (blast_parse_init_ack(c, n - hl - SCTP_HDR_LEN, a) == 0)
			a->state = HS_COOKIE;
	} else if (a->state == HS_COOKIE && c[0] == SCTP_CID_COOKIE_ACK) {
		a->state = HS_UP;
		++*done;
	}
}

/*
 * Sets up every association: a window of BLAST_WINDOW handshakes in
 * flight; a step unanswered for BLAST_RTO_S is sent again (the INIT or
 * the COOKIE ECHO, whichever is due), at most BLAST_TRIES times.
 * Returns how many are up.
 */
static long blast_handshakes(const struct blast_opts *o, struct blast_assoc *as)
{
	static uint8_t buf[65536];
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct in_addr peer;
	unsigned int done = 0, next = 0, lo = 0;
	int fd, rcvbuf = 8 << 20;
	double *sent = calloc(o->assocs, sizeof(*sent));
	uint8_t *tries = calloc(o->assocs, 1), *step = calloc(o->assocs, 1);
	long ret = -1;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0 || !sent || !tries || !step) {
		perror("sctp_blast: raw socket");
		goto out;
	}
	inet_pton(AF_INET, o->src, &me.sin_addr);
	inet_pton(AF_INET, o->dst, &peer);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("sctp_blast: bind");
		goto out;
	}
	while (lo < o->assocs) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double t = blast_now();
		ssize_t n;

		/* The window: [lo, next), lo the oldest not yet done. */
		while (lo < next &&
		       (as[lo].state == HS_UP || tries[lo] > BLAST_TRIES))
			lo++;
		while (next < o->assocs && next < lo + BLAST_WINDOW) {
			if (blast_send_hs(fd, o, &as[next]))
				goto out;
			sent[next] = t;
			tries[next] = 1;
			step[next] = as[next].state;
			next++;
		}
		for (unsigned int i = lo; i < next; i++) {
			struct blast_assoc *a = &as[i];

			if (a->state == HS_UP || tries[i] > BLAST_TRIES)
				continue;
			if (a->state != step[i]) { /* answered: next step */
				step[i] = a->state;
				tries[i] = 0;
			} else if (t - sent[i] < BLAST_RTO_S) {
				continue;
			}
			if (++tries[i] > BLAST_TRIES)
				continue;
			if (blast_send_hs(fd, o, a))
				goto out;
			sent[i] = t;
		}
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 20)
			blast_hs_recv(o, as, buf, (size_t)n, &peer, &done);
	}
	ret = done;
out:
	if (fd >= 0)
		close(fd);
	free(sent);
	free(tries);
	free(step);
	return ret;
}

static int blast_save(const char *path, const struct blast_assoc *as,
		      unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		if (as[i].state == HS_UP)
			fprintf(f, "%u %u %u %u\n", as[i].sport, as[i].dport,
				as[i].my_tag, as[i].peer_tag);
	return fclose(f);
}

/* Associations of an earlier --save; their number, or -1. */
static long blast_load(const char *path, struct blast_assoc *as,
		       unsigned int cap)
{
	FILE *f = fopen(path, "r");
	unsigned int sp, dp, t, pt;
	long n = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (n < cap && fscanf(f, "%u %u %u %u", &sp, &dp, &t, &pt) == 4) {
		as[n] = (struct blast_assoc){ .sport = (uint16_t)sp,
					      .dport = (uint16_t)dp,
					      .my_tag = t,
					      .peer_tag = pt,
					      .state = HS_UP };
		n++;
	}
	fclose(f);
	return n;
}

/* Compacts the associations that are up to the front; their number. */
static unsigned int blast_up(struct blast_assoc *as, unsigned int n)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++)
		if (as[i].state == HS_UP)
			as[k++] = as[i];
	return k;
}

struct blast_frames {
	uint8_t buf[BLAST_FRAMES][BLAST_ETH_HLEN + 1500];
	uint32_t len;
};

/*
 * The frame of association 0 in every slot; each association's CRC32c
 * over its own ports and tag (the rest of the packet is the same).
 */
static int blast_build(const struct blast_opts *o, struct blast_flow *as,
		       unsigned int n, struct blast_frames *f)
{
	static uint8_t payload[PB_MAX];
	struct ifreq ifr = { 0 };
	struct pb p;
	uint8_t *s;
	size_t slen;
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
	pb_ip4(&p, o->src, o->dst);
	pb_sctp(&p, as[0].sport, as[0].dport, as[0].peer_tag);
	/* Our first TSN was 1 (pb_init). */
	pb_data(&p, 1, 0, payload, (uint16_t)(o->ip_len - BLAST_HDRS));
	pb_finish(&p);
	s = p.buf + p.sctp_off;
	slen = p.len - p.sctp_off;
	for (unsigned int i = 0; i < n; i++) {
		sctp_put16(s + SCTP_OFF_SPORT, as[i].sport);
		sctp_put16(s + SCTP_OFF_DPORT, as[i].dport);
		sctp_put32(s + SCTP_OFF_VTAG, as[i].peer_tag);
		sctp_csum_fill(s, slen);
		as[i].csum = sctp_csum_get(s);
		if (!sctp_csum_verify(s, slen))
			return -1;
	}
	for (unsigned int i = 0; i < BLAST_FRAMES; i++) {
		uint8_t *e = f->buf[i];

		memcpy(e, o->dmac, 6);
		memcpy(e + 6, ifr.ifr_hwaddr.sa_data, 6);
		e[12] = ETHERTYPE_IP >> 8;
		e[13] = ETHERTYPE_IP & 0xff;
		memcpy(e + BLAST_ETH_HLEN, p.buf, p.len);
		f->len = BLAST_ETH_HLEN + p.len;
	}
	return 0;
}

/* Association a's ports, tag and CRC32c into a frame. */
static inline void blast_patch(uint8_t *e, const struct blast_flow *a)
{
	uint8_t *s = e + BLAST_ETH_HLEN + 20;

	sctp_put16(s + SCTP_OFF_SPORT, a->sport);
	sctp_put16(s + SCTP_OFF_DPORT, a->dport);
	sctp_put32(s + SCTP_OFF_VTAG, a->peer_tag);
	sctp_csum_set(s, a->csum);
}

static int blast_flood(const struct blast_opts *o, struct blast_frames *f,
		       const struct blast_flow *as, unsigned int n,
		       struct blast_count *c)
{
	static struct mmsghdr msgs[BLAST_FRAMES];
	static struct iovec iov[BLAST_FRAMES];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	unsigned int next = 0, left = o->burst, k;
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
	/*
	 * With PACKET_QDISC_BYPASS the kernel picks the TX queue -- and so
	 * the veth peer's RX queue -- by the sending CPU; through the
	 * (noqueue) qdisc path it picks it by the flow hash, ports
	 * included, so associations spread over the queues.
	 */
	if (!ll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0 ||
	    (!o->via_qdisc && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS,
					 &one, sizeof(one)))) {
		perror("sctp_blast: AF_PACKET on the LAN interface");
		close(fd);
		return -1;
	}
	for (unsigned int i = 0; i < o->batch; i++) {
		iov[i] = (struct iovec){ f->buf[i], f->len };
		msgs[i].msg_hdr =
			(struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		blast_patch(f->buf[i], &as[i / o->burst % n]);
	}
	memset(c, 0, sizeof(*c));
	t0 = t = blast_now();
	end = t0 + o->seconds;
	while (t < end) {
		int sent = sendmmsg(fd, msgs, o->batch, 0);

		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && errno != ENOBUFS) {
			perror("sctp_blast: sendmmsg");
			close(fd);
			return -1;
		}
		/* sendmmsg() stops at the first frame the veth refused. */
		if (sent < 0) {
			k = 1;
			c->refused++;
		} else if ((unsigned int)sent < o->batch) {
			k = (unsigned int)sent + 1;
			c->refused++;
		} else {
			k = (unsigned int)sent;
		}
		c->offered += k;
		/*
		 * Round-robin: the k frames gone carry the next k packets'
		 * associations, --burst in a row each.  Rotating the frames
		 * instead would reorder nothing worth the bookkeeping; with
		 * one association there is nothing to patch.
		 */
		if (n > 1)
			for (unsigned int i = 0; i < k; i++) {
				blast_patch(f->buf[i], &as[next]);
				if (--left)
					continue;
				left = o->burst;
				if (++next == n)
					next = 0;
			}
		t = blast_now();
	}
	c->secs = t - t0;
	close(fd);
	return 0;
}

/* User and system CPU seconds. */
static double rusage_s(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	       (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sctp_blast --src A --dst B --sport N --dport N "
		"[--assocs N]\n"
		"                  --save FILE | --ifname IF --dmac MAC "
		"[--load FILE | --no-handshake]\n"
		"                  [--ip-len BYTES] [--seconds S] [--batch N] "
		"[--via-qdisc | --xdp-live] [--burst N]\n");
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
		{ "assocs", required_argument, NULL, 'n' },
		{ "save", required_argument, NULL, 'w' },
		{ "load", required_argument, NULL, 'r' },
		{ "no-handshake", no_argument, NULL, 'x' },
		{ "via-qdisc", no_argument, NULL, 'q' },
		{ "xdp-live", no_argument, NULL, 'X' },
		{ "burst", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mac = false;
	unsigned int span;
	int c;

	*o = (struct blast_opts){ .ip_len = 64,
				  .seconds = 3.0,
				  .batch = BLAST_FRAMES,
				  .assocs = 1,
				  .burst = 1 };
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
		case 'n':
			o->assocs = (unsigned int)atoi(optarg);
			break;
		case 'w':
			o->save = optarg;
			break;
		case 'r':
			o->load = optarg;
			break;
		case 'x':
			o->no_handshake = true;
			break;
		case 'q':
			o->via_qdisc = true;
			break;
		case 'X':
			o->xdp_live = true;
			break;
		case 'B':
			o->burst = (unsigned int)atoi(optarg);
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
	span = o->assocs > BLAST_PORT_SPAN ? BLAST_PORT_SPAN : o->assocs;
	if (!o->src || !o->dst || !o->sport || !o->dport || o->assocs < 1 ||
	    o->assocs > BLAST_MAX_ASSOCS || o->sport + span > 65536 ||
	    o->dport + (o->assocs - 1) / BLAST_PORT_SPAN > 65535 ||
	    (o->save && (o->load || o->no_handshake)) ||
	    (o->load && o->no_handshake) || (o->via_qdisc && o->xdp_live))
		usage();
	if (o->save)
		return;
	/* At least 4 bytes of user data; within the veth's 1500 MTU. */
	if (!o->ifname || !have_mac || o->ip_len < BLAST_HDRS + 4 ||
	    o->ip_len > 1500 || o->ip_len % 4 || o->seconds <= 0 ||
	    o->batch < 1 || o->batch > BLAST_FRAMES || o->burst < 1)
		usage();
}

int main(int argc, char **argv)
{
	static struct blast_frames frames;
	struct blast_opts o;
	struct blast_assoc *as;
	struct blast_flow *flows;
	struct blast_count c;
	struct rusage ru0, ru;
	long n;

	parse_opts(argc, argv, &o);
	as = calloc(o.assocs, sizeof(*as));
	if (!as)
		return 1;
	blast_ports(&o, as);
	if (o.load) {
		n = blast_load(o.load, as, o.assocs);
	} else if (o.no_handshake) {
		for (unsigned int i = 0; i < o.assocs; i++) {
			as[i].peer_tag = blast_tag();
			as[i].state = HS_UP;
		}
		n = o.assocs;
	} else {
		double t0 = blast_now();

		n = blast_handshakes(&o, as);
		if (n >= 0)
			printf("ESTABLISHED n=%ld of %u in %.2f s "
			       "(%s:%u.. -> %s:%u..)\n",
			       n, o.assocs, blast_now() - t0, o.src, o.sport,
			       o.dst, o.dport);
		fflush(stdout);
		/* 99 %: a loaded machine may lose a handshake ten times. */
		if (n < 0 ||
		    (unsigned long)n * 100 < (unsigned long)o.assocs * 99)
			return 1;
		n = blast_up(as, o.assocs);
	}
	if (n <= 0) {
		fprintf(stderr, "sctp_blast: no association\n");
		return 1;
	}
	if (o.save)
		return blast_save(o.save, as, (unsigned int)n) ? 1 : 0;
	flows = calloc((size_t)n, sizeof(*flows));
	if (!flows)
		return 1;
	for (long i = 0; i < n; i++)
		flows[i] = (struct blast_flow){ .sport = as[i].sport,
						.dport = as[i].dport,
						.peer_tag = as[i].peer_tag };
	free(as);
	if (blast_build(&o, flows, (unsigned int)n, &frames))
		return 1;
	/* The generator's own CPU: user and system, the flood's share. */
	getrusage(RUSAGE_SELF, &ru0);
	if (o.xdp_live ?
		    blast_live_flood(o.ifname, frames.buf[0], frames.len, flows,
				     (unsigned int)n, o.burst, o.seconds,
				     &c) != 0 :
		    blast_flood(&o, &frames, flows, (unsigned int)n, &c) != 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("RESULT ip_len=%u frame_len=%u assocs=%ld secs=%.3f "
	       "offered=%llu refused=%llu offered_pps=%.0f cpu_s=%.3f\n",
	       o.ip_len, frames.len, n, c.secs, c.offered, c.refused,
	       (double)c.offered / c.secs, rusage_s(&ru) - rusage_s(&ru0));
	free(flows);
	return 0;
}
