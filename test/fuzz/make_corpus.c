/*
 * make_corpus: writes the fuzzers' seed corpus (test/fuzz/corpus/) from
 * packets built with pkt_build -- whole exchanges for fuzz_engine, single
 * packets for fuzz_parse, the tables those exchanges leave saved for
 * fuzz_state.  Run by hand after changing it:
 *   make build/test/fuzz-corpus && build/test/fuzz-corpus test/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip_reasm.h"
#include "engine_fixture.h"
#include "engine_persist.h"
#include "pkt_build.h"

#define TI 0x11111111u
#define TP 0x22222222u

static uint8_t seq[65536];
static size_t seq_len;

static void add(const struct pb *p, int inbound, int advance)
{
	seq[seq_len++] = (uint8_t)((inbound ? 1 : 0) | (advance << 1));
	seq[seq_len++] = (uint8_t)(p->len >> 8);
	seq[seq_len++] = (uint8_t)p->len;
	memcpy(seq + seq_len, p->buf, p->len);
	seq_len += p->len;
}

/* fuzz_reasm records: time step, length, packet. */
static void add_frag(void *arg, const uint8_t *frag, uint32_t len)
{
	(void)arg;
	seq[seq_len++] = 1;
	seq[seq_len++] = (uint8_t)(len >> 8);
	seq[seq_len++] = (uint8_t)len;
	memcpy(seq + seq_len, frag, len);
	seq_len += len;
}

static void write_file(const char *dir, const char *name, const void *b,
		       size_t n);

/* A 3000-byte DATA packet cut at mtu 1200 (v4) or 1280 (v6). */
static void reasm_seed(const char *dir, const char *name, bool v6)
{
	static uint8_t scratch[2048], data[3000];
	struct ip_frag_info info = { .id = 0x4242, .unfrag_len = 40,
				     .nh_off = 6 };
	struct pb p;

	if (v6)
		pb_ip6(&p, "2001:db8:aa::10", "2001:db8:ff::1");
	else
		pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, TP);
	pb_data(&p, 1, 46, data, sizeof(data));
	pb_finish(&p);
	seq_len = 0;
	ip_fragment(p.buf, p.len, v6 ? 1280 : 1200, &info, scratch, add_frag,
		    NULL);
	write_file(dir, name, seq, seq_len);
}

static void write_file(const char *dir, const char *name, const void *b,
		       size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static char st[256];
static uint8_t state[65536];
static size_t state_len;

static int state_write(const void *b, size_t n, void *arg)
{
	(void)arg;
	if (state_len + n > sizeof(state))
		return -1;
	memcpy(state + state_len, b, n);
	state_len += n;
	return 0;
}

/*
 * fuzz_state seeds: the engine sequence just written, replayed the way
 * fuzz_engine does, and the table it leaves saved behind a config byte.
 */
static void write_engine(const char *dir, const char *name)
{
	struct engine *e = fx_engine(seq[0] & 1 ? MULTIHOME_UPLINKS :
						  MULTIHOME_OFF);
	uint64_t now = FX_SEC;
	size_t off = 1;

	write_file(dir, name, seq, seq_len);
	while (off + 3 <= seq_len) {
		struct engine_pkt pkt;
		struct engine_verdict v;
		uint8_t flags = seq[off];
		uint32_t len = (uint32_t)seq[off + 1] << 8 | seq[off + 2];
		static uint8_t buf[PB_MAX + 512];

		memcpy(buf, seq + off + 3, len);
		off += 3 + len;
		now += (uint64_t)((flags >> 1) & 7) * FX_SEC;
		pkt = (struct engine_pkt){ .data = buf, .len = len,
					   .cap = sizeof(buf) };
		engine_process(e, &pkt, flags & 1 ? ENGINE_INBOUND :
				ENGINE_OUTBOUND, now, &v);
	}
	state[0] = seq[0] & 1;
	state_len = 1;
	if (engine_save(e, state_write, NULL, now) < 0)
		exit(1);
	write_file(st, name, state, state_len);
	engine_destroy(e);
}

int main(int argc, char **argv)
{
	char eng[256], par[256], rea[256];
	struct pb p;

	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus DIR\n");
		return 2;
	}
	snprintf(eng, sizeof(eng), "%s/fuzz_engine", argv[1]);
	snprintf(par, sizeof(par), "%s/fuzz_parse", argv[1]);
	snprintf(rea, sizeof(rea), "%s/fuzz_reasm", argv[1]);
	reasm_seed(rea, "data4", false);
	reasm_seed(rea, "data6", true);
	snprintf(st, sizeof(st), "%s/fuzz_state", argv[1]);

	for (int mh = 0; mh < 2; mh++) {
		seq_len = 0;
		seq[seq_len++] = (uint8_t)mh;
		pb_ip4(&p, "192.168.1.10", "198.51.100.100");
		pb_sctp(&p, 5000, 3868, 0);
		pb_init(&p, 1, TI);
		pb_param_addr(&p, "192.168.1.10");
		pb_finish(&p);
		add(&p, 0, 0);
		write_file(par, mh ? "init-mh" : "init", p.buf, p.len);
		pb_ip4(&p, "198.51.100.100", "198.51.100.1");
		pb_sctp(&p, 3868, 5000, TI);
		pb_init(&p, 2, TP);
		pb_param_addr(&p, "198.51.100.100");
		pb_param_addr(&p, "203.0.113.100");
		pb_param(&p, 7, "cookie", 6);
		pb_finish(&p);
		add(&p, 1, 0);
		write_file(par, mh ? "init-ack-mh" : "init-ack", p.buf, p.len);
		pb_ip4(&p, "192.168.1.10", "198.51.100.100");
		pb_sctp(&p, 5000, 3868, TP);
		pb_chunk_begin(&p, 10, 0);
		pb_bytes(&p, "cookie", 6);
		pb_data(&p, 1, 46, "hello", 5);
		pb_finish(&p);
		add(&p, 0, 1);
		write_file(par, "cookie-echo-data", p.buf, p.len);
		pb_ip4(&p, "198.51.100.100", "198.51.100.1");
		pb_sctp(&p, 3868, 5000, TI);
		pb_simple(&p, 11, 0);
		pb_sack(&p, 1);
		pb_finish(&p);
		add(&p, 1, 0);
		if (!mh)
			write_file(par, "cookie-ack-sack", p.buf, p.len);
		pb_ip4(&p, "203.0.113.100", "203.0.113.1");
		pb_sctp(&p, 3868, 5000, TI);
		pb_heartbeat(&p, 4, "hb");
		pb_finish(&p);
		add(&p, 1, 1);
		if (!mh)
			write_file(par, "heartbeat", p.buf, p.len);
		pb_ip4(&p, "192.168.1.10", "198.51.100.100");
		pb_sctp(&p, 5000, 3868, TP);
		pb_auth(&p);
		pb_asconf(&p, 1, "0.0.0.0");
		pb_asconf_param(&p, 0xc001, 1, "0.0.0.0");
		pb_finish(&p);
		add(&p, 0, 0);
		write_file(par, "auth-asconf", p.buf, p.len);
		/* The peer's ASCONF-ACK for it, then the peer adding a
		 * new source (natsupp wildcard) and the host's answer. */
		pb_ip4(&p, "198.51.100.100", "198.51.100.1");
		pb_sctp(&p, 3868, 5000, TI);
		pb_auth(&p);
		pb_asconf_ack(&p, 1);
		pb_finish(&p);
		add(&p, 1, 0);
		pb_ip4(&p, "203.0.113.77", "198.51.100.1");
		pb_sctp(&p, 3868, 5000, TI);
		pb_auth(&p);
		pb_asconf(&p, 5, "0.0.0.0");
		pb_asconf_param(&p, 0xc001, 5, "0.0.0.0");
		pb_finish(&p);
		add(&p, 1, 0);
		if (!mh)
			write_file(par, "peer-asconf-new-source", p.buf,
				   p.len);
		pb_ip4(&p, "192.168.1.10", "203.0.113.77");
		pb_sctp(&p, 5000, 3868, TP);
		pb_auth(&p);
		pb_asconf_ack(&p, 5);
		pb_asconf_success(&p, 5);
		pb_finish(&p);
		add(&p, 0, 0);
		if (!mh)
			write_file(par, "host-asconf-ack", p.buf, p.len);
		pb_ip4(&p, "198.51.100.100", "198.51.100.1");
		pb_sctp(&p, 3868, 5000, TP);
		pb_simple(&p, 6, 1);
		pb_finish(&p);
		add(&p, 1, 0);
		if (!mh)
			write_file(par, "abort-t", p.buf, p.len);
		write_engine(eng, mh ? "assoc-mh" : "assoc");
	}
	/* Handshake, an ICMP "fragmentation needed" quoting our DATA, then
	 * the graceful close: SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE. */
	seq_len = 0;
	seq[seq_len++] = 1;
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, 1, TI);
	pb_finish(&p);
	add(&p, 0, 0);
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 3868, 5000, TI);
	pb_init(&p, 2, TP);
	pb_param_addr(&p, "198.51.100.100");
	pb_param_addr(&p, "203.0.113.100");
	pb_param(&p, 7, "cookie", 6);
	pb_finish(&p);
	add(&p, 1, 0);
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, 10, 0);
	pb_bytes(&p, "cookie", 6);
	pb_finish(&p);
	add(&p, 0, 0);
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 3868, 5000, TI);
	pb_simple(&p, 11, 0);
	pb_finish(&p);
	add(&p, 1, 0);
	{
		struct pb q;

		pb_ip4(&q, "198.51.100.1", "198.51.100.100");
		pb_sctp(&q, 5000, 3868, TP);
		pb_data(&q, 1, 46, "x", 1);
		pb_finish(&q);
		pb_icmp4_error(&p, "198.51.100.254", "198.51.100.1", 3, 4,
			       1280, q.buf, q.len);
		add(&p, 1, 0);
	}
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, 7, 0);	/* SHUTDOWN, cumulative TSN ack */
	pb_u32(&p, 0);
	pb_finish(&p);
	add(&p, 0, 1);
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 3868, 5000, TI);
	pb_simple(&p, 8, 0);		/* SHUTDOWN ACK */
	pb_finish(&p);
	add(&p, 1, 0);
	pb_ip4(&p, "192.168.1.10", "198.51.100.100");
	pb_sctp(&p, 5000, 3868, TP);
	pb_simple(&p, 14, 0);		/* SHUTDOWN COMPLETE */
	pb_finish(&p);
	add(&p, 0, 0);
	write_file(par, "shutdown-complete", p.buf, p.len);
	write_engine(eng, "shutdown");
	/* An IPv6 association (no NAT66: addresses kept, ports translated). */
	seq_len = 0;
	seq[seq_len++] = 1;
	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:ff::1");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, 1, TI);
	pb_param_addr(&p, "2001:db8:aa::10");
	pb_finish(&p);
	add(&p, 0, 0);
	pb_ip6(&p, "2001:db8:ff::1", "2001:db8:aa::10");
	pb_sctp(&p, 3868, 5000, TI);
	pb_init(&p, 2, TP);
	pb_param_addr(&p, "2001:db8:ff::1");
	pb_param(&p, 7, "cookie", 6);
	pb_finish(&p);
	add(&p, 1, 0);
	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:ff::1");
	pb_sctp(&p, 5000, 3868, TP);
	pb_chunk_begin(&p, 10, 0);
	pb_bytes(&p, "cookie", 6);
	pb_data(&p, 1, 46, "hello", 5);
	pb_finish(&p);
	add(&p, 0, 0);
	write_engine(eng, "assoc6");
	/* Inbound through the forward rule, then the server's INIT ACK. */
	seq_len = 0;
	seq[seq_len++] = 0;
	pb_ip4(&p, "198.51.100.100", "198.51.100.1");
	pb_sctp(&p, 40000, 3868, 0);
	pb_init(&p, 1, TP);
	pb_finish(&p);
	add(&p, 1, 0);
	pb_ip4(&p, "192.168.1.20", "198.51.100.100");
	pb_sctp(&p, 3868, 40000, TP);
	pb_init(&p, 2, TI);
	pb_param_addr(&p, "192.168.1.20");
	pb_param(&p, 7, "cookie", 6);
	pb_finish(&p);
	add(&p, 0, 0);
	write_engine(eng, "forward");
	/* IPv6 and ICMP for the parser. */
	pb_ip6(&p, "2001:db8:aa::10", "2001:db8:ff::1");
	pb_sctp(&p, 5000, 3868, 0);
	pb_init(&p, 1, TI);
	pb_param_addr(&p, "2001:db8:aa::10");
	pb_finish(&p);
	write_file(par, "init6", p.buf, p.len);
	{
		struct pb q;

		pb_ip4(&q, "198.51.100.1", "198.51.100.100");
		pb_sctp(&q, 5000, 3868, TP);
		pb_data(&q, 1, 46, "x", 1);
		pb_finish(&q);
		pb_icmp4_error(&p, "198.51.100.254", "198.51.100.1", 3, 4,
			       1280, q.buf, q.len);
		write_file(par, "icmp-frag", p.buf, p.len);
	}
	return 0;
}
