// SPDX-License-Identifier: MIT
/*
 * sctp_forge - send forged SCTP packets from a raw IPv4 socket, for the
 * forgery end-to-end test (test_sctpalgd_forgery.sh).
 *
 *   sctp_forge --src A --dst B --sport P --dport P --kind K
 *              [--vtag T] [--addr A] [--count N] [--interval-ms M]
 *
 * Kinds: init, init-new-addr, init-ack, cookie-echo, abort, abort-t,
 * shutdown, shutdown-complete-t, asconf-add, auth-asconf-add,
 * asconf-set-primary, data, heartbeat.  The source address is whatever
 * --src says (IP_HDRINCL): an off-path attacker spoofs the peer's
 * addresses; one who has watched the link uses the live tags from its
 * own address.  The CRC32c is right (the repository's crc32c), so the
 * box judges the packet on its tags and addresses, not its checksum.
 *
 * Every forged packet that can carry it carries the 4 bytes "FORG" (an
 * Initiate Tag, a serial number, a cause, a payload), so a capture on
 * the inside can tell a forgery that got through from legitimate
 * traffic.  Prints "SENT n kind" at the end.  Exit 0, or 1 on errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"

#define MARK	0x464f5247u	/* "FORG" */

struct pkt {
	uint8_t b[512];
	size_t len;
	size_t chunk;		/* open chunk's offset */
};

static void put16(struct pkt *p, uint16_t v)
{
	p->b[p->len++] = (uint8_t)(v >> 8);
	p->b[p->len++] = (uint8_t)v;
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void put_bytes(struct pkt *p, const void *v, size_t n)
{
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void chunk_end(struct pkt *p)
{
	size_t l;

	if (!p->chunk)
		return;
	l = p->len - p->chunk;
	p->b[p->chunk + 2] = (uint8_t)(l >> 8);
	p->b[p->chunk + 3] = (uint8_t)l;
	while (p->len & 3)
		p->b[p->len++] = 0;
	p->chunk = 0;
}

static void chunk(struct pkt *p, uint8_t type, uint8_t flags)
{
	chunk_end(p);
	p->chunk = p->len;
	p->b[p->len++] = type;
	p->b[p->len++] = flags;
	put16(p, 0);
}

static void param_ip4(struct pkt *p, struct in_addr a)
{
	put16(p, 5);
	put16(p, 8);
	put_bytes(p, &a.s_addr, 4);
}

static void init_fixed(struct pkt *p, uint8_t type)
{
	chunk(p, type, 0);
	put32(p, MARK);			/* Initiate Tag */
	put32(p, 65536);
	put16(p, 10);
	put16(p, 10);
	put32(p, MARK);			/* initial TSN */
}

static int usage(void)
{
	fprintf(stderr, "usage: sctp_forge --src A --dst B --sport P "
		"--dport P --kind K [--vtag T] [--addr A] [--count N] "
		"[--interval-ms M]\n");
	return 1;
}

static int build(struct pkt *p, const char *kind, struct in_addr src,
		 struct in_addr dst, struct in_addr addr, uint16_t sport,
		 uint16_t dport, uint32_t vtag)
{
	struct in_addr any = { 0 };
	static const uint8_t hmac[20];
	size_t sctp = 20;

	memset(p, 0, sizeof(*p));
	p->b[0] = 0x45;
	p->b[8] = 64;
	p->b[9] = IPPROTO_SCTP;
	memcpy(p->b + 12, &src.s_addr, 4);
	memcpy(p->b + 16, &dst.s_addr, 4);
	p->len = sctp;
	put16(p, sport);
	put16(p, dport);
	put32(p, vtag);
	put32(p, 0);
	if (!strcmp(kind, "init") || !strcmp(kind, "init-new-addr")) {
		p->b[sctp + 4] = p->b[sctp + 5] = 0;	/* 8.5.1 A: tag 0 */
		p->b[sctp + 6] = p->b[sctp + 7] = 0;
		init_fixed(p, 1);
		if (kind[4])
			param_ip4(p, addr);
	} else if (!strcmp(kind, "init-ack")) {
		init_fixed(p, 2);
		param_ip4(p, src);
		put16(p, 7);			/* State Cookie */
		put16(p, 4 + 8);
		put32(p, MARK);
		put32(p, MARK);
	} else if (!strcmp(kind, "cookie-echo")) {
		chunk(p, 10, 0);
		for (int i = 0; i < 8; i++)
			put32(p, MARK);
	} else if (!strcmp(kind, "abort") || !strcmp(kind, "abort-t")) {
		chunk(p, 6, kind[5] ? 1 : 0);
		put16(p, 12);			/* User-Initiated Abort */
		put16(p, 8);
		put32(p, MARK);
	} else if (!strcmp(kind, "shutdown")) {
		chunk(p, 7, 0);
		put32(p, MARK);			/* Cumulative TSN Ack */
	} else if (!strcmp(kind, "shutdown-complete-t")) {
		chunk(p, 14, 1);
	} else if (!strcmp(kind, "asconf-add") ||
		   !strcmp(kind, "auth-asconf-add") ||
		   !strcmp(kind, "asconf-set-primary")) {
		bool auth = kind[0] == 'a' && kind[1] == 'u';
		bool prim = strstr(kind, "primary") != NULL;

		if (auth) {
			chunk(p, 15, 0);
			put16(p, 0);
			put16(p, 1);
			put_bytes(p, hmac, sizeof(hmac));
		}
		chunk(p, 0xc1, 0);
		put32(p, MARK);			/* serial */
		param_ip4(p, auth ? any : src);
		put16(p, prim ? 0xc004 : 0xc001);
		put16(p, 16);
		put32(p, MARK);			/* correlation id */
		param_ip4(p, auth ? any : addr);
	} else if (!strcmp(kind, "data")) {
		chunk(p, 0, 3);
		put32(p, MARK);			/* TSN */
		put16(p, 0);
		put16(p, 0);
		put32(p, 0);
		put_bytes(p, "FORGED", 6);
	} else if (!strcmp(kind, "heartbeat")) {
		chunk(p, 4, 0);
		put16(p, 1);
		put16(p, 12);
		put32(p, MARK);
		put32(p, MARK);
	} else {
		return -EINVAL;
	}
	chunk_end(p);
	p->b[2] = (uint8_t)(p->len >> 8);
	p->b[3] = (uint8_t)p->len;
	sctp_csum_fill(p->b + sctp, p->len - sctp);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "vtag", required_argument, NULL, 'v' },
		{ "kind", required_argument, NULL, 'k' },
		{ "addr", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr src = { 0 }, dst = { 0 }, addr = { 0 };
	unsigned long sport = 0, dport = 0, count = 1, interval = 0;
	uint32_t vtag = MARK;
	const char *kind = NULL;
	struct sockaddr_in to;
	struct pkt p;
	unsigned long sent = 0;
	int c, fd;

	inet_pton(AF_INET, "192.0.2.66", &addr);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				return usage();
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				return usage();
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &addr) != 1)
				return usage();
			break;
		case 'S':
			sport = strtoul(optarg, NULL, 0);
			break;
		case 'D':
			dport = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			vtag = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			kind = optarg;
			break;
		case 'c':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	if (!kind || !src.s_addr || !dst.s_addr || !sport || !dport ||
	    sport > 65535 || dport > 65535)
		return usage();
	if (build(&p, kind, src, dst, addr, (uint16_t)sport, (uint16_t)dport,
		  vtag)) {
		fprintf(stderr, "sctp_forge: unknown kind %s\n", kind);
		return 1;
	}
	/* IPPROTO_RAW implies IP_HDRINCL: our source address goes out. */
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("sctp_forge: raw socket");
		return 1;
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = dst;
	for (unsigned long i = 0; i < count; i++) {
		struct timespec ts = { .tv_sec = (time_t)(interval / 1000),
				       .tv_nsec = (long)(interval % 1000) *
						  1000000L };

		if (sendto(fd, p.b, p.len, 0, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)p.len)
			sent++;
		else
			perror("sctp_forge: sendto");
		if (interval && i + 1 < count)
			nanosleep(&ts, NULL);
	}
	close(fd);
	printf("SENT %lu %s\n", sent, kind);
	return sent == count ? 0 : 1;
}
