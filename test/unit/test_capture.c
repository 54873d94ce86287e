/*
 * Unit tests for capture, the daemon's side of "sctpalgctl capture": a
 * real io_uring loop and a socketpair standing for the control
 * connection, frames fed through the datapath's taps.
 *
 * What must hold: the stream is the hello line, then a pcapng section
 * (SHB, an IDB per interface and direction, EPBs on the right block with
 * the right direction, the frame's bytes cut at the snaplen, ISBs) that
 * ends by itself at the count; a frame the filter selected as received
 * is written as sent whatever it looks like then, and only then; a
 * client that does not read loses packets, never blocks the taps, and
 * the ISBs count exactly what was seen and dropped; the rate limit drops
 * beyond its budget; two sessions at most; a client that goes away frees
 * its session.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "capture.h"
#include "log.h"
#include "loop.h"
#include "pcapng.h"
#include "pkt_build.h"

static const uint8_t mac_lan[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_wan[6] = { 2, 0, 0, 0, 0, 2 };

static struct {
	struct loop *loop;
	struct capture *cap;
	uint8_t in[1600], out[1600];	/* Ethernet frames */
	uint32_t in_len, out_len;
} cx;

/* An Ethernet frame around p's IP packet. */
static uint32_t frame(uint8_t *f, const struct pb *p)
{
	memcpy(f, mac_wan, 6);
	memcpy(f + 6, mac_lan, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memcpy(f + 14, p->buf, p->len);
	return 14 + p->len;
}

static void setup(void)
{
	const struct capture_if ifs[2] = {
		{ .name = "lan0", .ifindex = 11, .mac = mac_lan },
		{ .name = "wan1", .ifindex = 12, .mac = mac_wan },
	};
	struct pb p;

	memset(&cx, 0, sizeof(cx));
	log_init("test_capture", true, LOG_DAEMON);
	log_setlevel(LOG_CRIT);
	cr_assert_eq(loop_create(64, &cx.loop), 0);
	cr_assert_eq(capture_create(cx.loop, PCAPNG_LINK_ETHERNET, ifs, 2,
				    &cx.cap), 0);
	/* The same DATA as received from the inside and as sent out. */
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 5001, 0x1a2b3c4d);
	pb_data(&p, 7, 0, "hello", 5);
	pb_finish(&p);
	cx.in_len = frame(cx.in, &p);
	pb_ip4(&p, "198.51.100.1", "198.51.100.100");
	pb_sctp(&p, 5000, 5001, 0x1a2b3c4d);
	pb_data(&p, 7, 0, "hello", 5);
	pb_finish(&p);
	cx.out_len = frame(cx.out, &p);
}

static void teardown(void)
{
	capture_destroy(cx.cap);
	loop_destroy(cx.loop);
}

TestSuite(capture, .init = setup, .fini = teardown);

/* Starts a session for "words"; returns the client's end. */
static int start(const char *words)
{
	struct cap_req r;
	char why[160];
	int sv[2];

	cr_assert_eq(cap_req_parse(words, strlen(words), &r, why, sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
		     0);
	cr_assert_eq(capture_start(cx.cap, sv[0], &r, 1, why, sizeof(why)),
		     0, "%s", why);
	return sv[1];
}

/* Runs the loop and reads fd to its end (the session closed it). */
static size_t drain(int fd, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	int idle = 0;

	for (;;) {
		ssize_t n;

		loop_run_once(cx.loop, false);
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n == 0)
			return len;
		if (n > 0) {
			len += (size_t)n;
			cr_assert_lt(len, cap, "stream larger than the buffer");
			idle = 0;
			continue;
		}
		cr_assert(errno == EAGAIN, "recv: %s", strerror(errno));
		cr_assert_lt(++idle, 100000, "the stream never ended");
		usleep(100);
	}
}

struct walk {
	unsigned int shb, idb, epb, isb;
	char idb_name[8][16];
	uint32_t epb_if[64], epb_flags[64], epb_caplen[64], epb_orig[64];
	uint64_t recv[8], drop[8];
	const uint8_t *epb_data[64];
};

/* Checks the hello line and walks the pcapng blocks after it. */
static void walk(const uint8_t *buf, size_t len, struct walk *w)
{
	static const char hello[] = "{\"ok\":true,\"capture\":true}\n";
	size_t off = sizeof(hello) - 1;
	uint32_t type, blen;

	memset(w, 0, sizeof(*w));
	cr_assert_geq(len, off);
	cr_assert_eq(memcmp(buf, hello, off), 0);
	while (off < len) {
		const uint8_t *b = buf + off;

		cr_assert_eq(pcapng_block(b, len - off, &type, &blen), 0,
			     "a whole block at %zu", off);
		switch (type) {
		case PCAPNG_SHB:
			cr_assert_eq(off, sizeof(hello) - 1, "SHB first");
			w->shb++;
			break;
		case PCAPNG_IDB:
			cr_assert_eq(w->epb, 0, "IDBs before packets");
			cr_assert_lt(w->idb, 8);
			memcpy(w->idb_name[w->idb], b + 20, 7);
			w->idb_name[w->idb][7] = '\0';
			w->idb++;
			break;
		case PCAPNG_EPB: {
			uint32_t caplen;

			cr_assert_lt(w->epb, 64);
			cr_assert_eq(w->isb, 0, "packets before statistics");
			memcpy(&w->epb_if[w->epb], b + 8, 4);
			memcpy(&caplen, b + 20, 4);
			w->epb_caplen[w->epb] = caplen;
			memcpy(&w->epb_orig[w->epb], b + 24, 4);
			w->epb_data[w->epb] = b + 28;
			/* epb_flags: the first option after the data. */
			memcpy(&w->epb_flags[w->epb],
			       b + 28 + ((caplen + 3) & ~3u) + 4, 4);
			w->epb++;
			break;
		}
		case PCAPNG_ISB: {
			uint32_t id;

			memcpy(&id, b + 8, 4);
			cr_assert_lt(id, w->idb);
			cr_assert_eq(pcapng_isb_counts(b, blen, &w->recv[id],
						       &w->drop[id]), 0);
			w->isb++;
			break;
		}
		default:
			cr_assert_fail("block type %#x", type);
		}
		off += blen;
	}
}

Test(capture, stream_ends_at_its_count)
{
	static uint8_t buf[1 << 16];
	struct walk w;
	unsigned int hit;
	int fd = start("count 3 snap 64 port 5001");

	cr_assert(capture_live(cx.cap));
	capture_batch(cx.cap);
	hit = capture_rx(cx.cap, 0, cx.in, cx.in_len, 14);
	cr_assert_eq(hit, 1, "the filter matched");
	capture_tx(cx.cap, 1, cx.out, cx.out_len, 14, hit);
	/* Not SCTP to port 5001 at all: an Ethernet frame of 0x41s. */
	memset(cx.in + 14 + 20, 0x41, 8);
	cr_assert_eq(capture_rx(cx.cap, 0, cx.in, cx.in_len, 14), 0);
	capture_rx(cx.cap, 1, cx.out, cx.out_len, 14);
	cr_assert_not(capture_live(cx.cap), "ended at 3 packets");
	capture_rx(cx.cap, 1, cx.out, cx.out_len, 14);
	walk(buf, drain(fd, buf, sizeof(buf)), &w);
	cr_assert_eq(w.shb, 1);
	cr_assert_eq(w.idb, 4);
	cr_assert_str_eq(w.idb_name[0], "lan0 rx");
	cr_assert_str_eq(w.idb_name[1], "lan0 tx");
	cr_assert_str_eq(w.idb_name[2], "wan1 rx");
	cr_assert_str_eq(w.idb_name[3], "wan1 tx");
	cr_assert_eq(w.epb, 3);
	cr_assert_eq(w.epb_if[0], 0);
	cr_assert_eq(w.epb_flags[0] & 3, PCAPNG_EPB_INBOUND);
	cr_assert_eq(w.epb_if[1], 3);
	cr_assert_eq(w.epb_flags[1] & 3, PCAPNG_EPB_OUTBOUND);
	cr_assert_eq(w.epb_if[2], 2);
	cr_assert_eq(w.epb_caplen[0], 64, "cut at the snaplen");
	cr_assert_eq(w.epb_orig[0], cx.in_len);
	cr_assert_eq(memcmp(w.epb_data[1], cx.out, 64), 0);
	cr_assert_eq(w.isb, 4);
	cr_assert_eq(w.recv[0] + w.recv[1] + w.recv[2] + w.recv[3], 3);
	cr_assert_eq(w.drop[0] + w.drop[1] + w.drop[2] + w.drop[3], 0);
	close(fd);
}

/*
 * The translated copy no longer has the inside address; it is written
 * because its received form matched, and a sent frame nothing selected
 * is not.
 */
Test(capture, sent_copy_follows_the_received_match)
{
	static uint8_t buf[1 << 16];
	struct walk w;
	unsigned int hit;
	int fd = start("if wan1 host 192.168.1.10");

	capture_batch(cx.cap);
	hit = capture_rx(cx.cap, 0, cx.in, cx.in_len, 14);
	cr_assert_eq(hit, 1, "matched even though lan0 is not captured");
	capture_tx(cx.cap, 1, cx.out, cx.out_len, 14, hit);
	capture_tx(cx.cap, 1, cx.out, cx.out_len, 14, 0);
	/* A bare IP packet (raw socket): a made-up Ethernet header. */
	capture_tx(cx.cap, 1, cx.out + 14, cx.out_len - 14, 0, hit);
	shutdown(fd, SHUT_WR);
	walk(buf, drain(fd, buf, sizeof(buf)), &w);
	cr_assert_eq(w.idb, 2, "wan1 only");
	cr_assert_eq(w.epb, 2);
	cr_assert_eq(w.epb_if[0], 1);
	cr_assert_eq(w.epb_if[1], 1);
	cr_assert_eq(w.epb_caplen[1], cx.out_len);
	cr_assert_eq(memcmp(w.epb_data[1] + 6, mac_wan, 6), 0,
		     "source: the interface's MAC");
	cr_assert_eq(memcmp(w.epb_data[1] + 12, "\x08\x00", 2), 0);
	cr_assert_eq(memcmp(w.epb_data[1] + 14, cx.out + 14,
			    cx.out_len - 14), 0);
	cr_assert_eq(w.isb, 2);
	cr_assert_eq(w.recv[1], 2);
	close(fd);
}

/* A client that reads nothing: the taps go on, the ring drops. */
Test(capture, slow_client_loses_packets_never_blocks)
{
	static uint8_t buf[4 << 20];
	static uint8_t big[1500], payload[1300];
	uint64_t seen = 0, dropped = 0;
	unsigned int fed = 3000;
	int fd = start("if lan0");
	uint32_t big_len;
	struct pb p;
	size_t len;

	/* 3000 frames of 1400 bytes: 4 MB against a 1 MiB ring. */
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 5001, 0x1a2b3c4d);
	pb_data(&p, 7, 0, payload, sizeof(payload));
	pb_finish(&p);
	big_len = frame(big, &p);
	capture_batch(cx.cap);
	for (unsigned int i = 0; i < fed; i++) {
		capture_rx(cx.cap, 0, big, big_len, 14);
		if (i % 500 == 0)
			loop_run_once(cx.loop, false);
	}
	shutdown(fd, SHUT_WR);
	len = drain(fd, buf, sizeof(buf));
	{
		/* walk() keeps 64 packets; count the rest here. */
		size_t off = strlen("{\"ok\":true,\"capture\":true}\n");
		size_t n = 0;
		uint32_t type, blen;

		while (off < len &&
		       pcapng_block(buf + off, len - off, &type, &blen) == 0) {
			if (type == PCAPNG_ISB) {
				uint64_t r, d;

				pcapng_isb_counts(buf + off, blen, &r, &d);
				seen += r;
				dropped += d;
			}
			n += type == PCAPNG_EPB;
			off += blen;
		}
		cr_assert_eq(off, len, "whole blocks to the end");
		cr_assert_eq(seen, fed);
		cr_assert_gt(dropped, 0, "the ring filled");
		cr_assert_eq(n + dropped, fed, "written + dropped = seen");
	}
	close(fd);
}

Test(capture, rate_limit)
{
	static uint8_t buf[1 << 16];
	struct walk w;
	int fd = start("rate 10");

	capture_batch(cx.cap);
	for (unsigned int i = 0; i < 50; i++)
		capture_rx(cx.cap, 0, cx.in, cx.in_len, 14);
	shutdown(fd, SHUT_WR);
	walk(buf, drain(fd, buf, sizeof(buf)), &w);
	cr_assert_eq(w.epb, 10, "a second's worth, no more");
	cr_assert_eq(w.recv[0], 50);
	cr_assert_eq(w.drop[0], 40);
	close(fd);
}

Test(capture, two_at_most_and_known_interfaces)
{
	struct cap_req r;
	char why[160] = "";
	int sv[2], a = start(""), b = start("");

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cap_req_parse("", 0, &r, why, sizeof(why));
	cr_assert_eq(capture_start(cx.cap, sv[0], &r, 1, why, sizeof(why)),
		     -EBUSY);
	cr_assert(strstr(why, "2 captures are running"), "%s", why);
	close(a);
	close(b);
	/* Both clients gone: their sessions are freed (within 10 s). */
	for (int i = 0; i < 100000 && capture_live(cx.cap); i++) {
		loop_run_once(cx.loop, false);
		usleep(100);
	}
	cr_assert_not(capture_live(cx.cap));
	cap_req_parse("if eth9", 7, &r, why, sizeof(why));
	cr_assert_eq(capture_start(cx.cap, sv[0], &r, 1, why, sizeof(why)),
		     -ENOENT);
	cr_assert(strstr(why, "eth9"), "%s", why);
	close(sv[0]);
	close(sv[1]);
}
