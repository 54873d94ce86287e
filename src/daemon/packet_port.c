/*
 * packet_port.c: AF_PACKET TPACKET_V2 RX rings for backend = packet; see
 * packet_port.h.
 *
 * Ring geometry.  A ring slot holds one whole frame of the interface's
 * MTU plus the TPACKET header and room for the engine to grow the packet
 * in place (an INIT whose address list is rewritten), rounded up to a
 * power of two: 2048 bytes for MTU 1500, 16384 for jumbo frames.  The
 * ring has RING_BYTES of slots (at least MIN_SLOTS), in 64 KiB blocks.
 *
 * Ownership.  A slot belongs to the kernel until its status has
 * TP_STATUS_USER; we keep the slots of the last batch (the caller works
 * on them in place) and give them back at the start of the next batch.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "packet_port.h"

#define RING_BYTES	(4u << 20)
#define BLOCK_BYTES	(64u << 10)
#define MIN_SLOTS	256u
/* Growth room the engine may use in place (INIT address lists). */
#define GROW_ROOM	256u

struct packet_port_if {
	char name[IF_NAMESIZE];
	int ifindex;
	int fd;
	uint8_t *ring;
	size_t ring_len;
	uint32_t slot_size, n_slots;
	uint32_t head;			/* next slot to look at */
	uint32_t held;			/* slots of the last batch, before head */
	struct packet_port_if_stats st;
};

struct packet_port {
	unsigned int n_ifs;
	struct packet_port_if ifs[PACKET_PORT_MAX_IFS];
};

/*
 * Only SCTP and ICMP errors quoting SCTP reach the ring (the engine
 * drops the rest anyway, and the ring would fill with the box's other
 * traffic).  Offsets are from the Ethernet header; VLAN tags are in the
 * packet's metadata on every driver that offloads them.
 *   IPv4: protocol 132; or ICMP whose quoted header says 132.
 *   IPv6: next header 132; ICMPv6 quoting 132 (no extension headers);
 *         hop-by-hop, routing, fragment or destination options headers
 *         (the engine walks them; reassembly keeps SCTP fragments only).
 */
static struct sock_filter sctp_filter[] = {
	/*  0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	/*  1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 6),
	/*  2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),
	/*  3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 14, 0),
	/*  4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 14),
	/*  5 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	/*  6 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 14 + 8 + 9),
	/*  7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 10, 11),
	/*  8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 10),
	/*  9 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 6),
	/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 7, 0),
	/* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 2),
	/* 12 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 40 + 8 + 6),
	/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 4, 5),
	/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0),
	/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 43, 2, 0),
	/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 44, 1, 0),
	/* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 60, 0, 1),
	/* 18 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	/* 19 */ BPF_STMT(BPF_RET | BPF_K, 0),
};

static int fail(const struct packet_port_config *cfg, int err, const char *fmt,
		...)
{
	va_list ap;

	if (cfg->err && cfg->err_len) {
		va_start(ap, fmt);
		vsnprintf(cfg->err, cfg->err_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int if_mtu(int fd, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return 1500;
	return ifr.ifr_mtu;
}

static int open_if(const struct packet_port_config *cfg,
		   struct packet_port_if *pi)
{
	struct sock_fprog prog = {
		.len = sizeof(sctp_filter) / sizeof(sctp_filter[0]),
		.filter = sctp_filter,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct tpacket_req req = { 0 };
	int version = TPACKET_V2, one = 1;
	uint32_t need;

	pi->ifindex = (int)if_nametoindex(pi->name);
	if (!pi->ifindex)
		return fail(cfg, -ENODEV, "interface %s: no such interface",
			    pi->name);
	/* Protocol 0: nothing arrives before the filter is in place. */
	pi->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pi->fd < 0)
		return fail(cfg, -errno, "interface %s: AF_PACKET socket: %s",
			    pi->name, strerror(errno));
	if (setsockopt(pi->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) ||
	    setsockopt(pi->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) ||
	    setsockopt(pi->fd, SOL_PACKET, PACKET_VERSION, &version,
		       sizeof(version)))
		return fail(cfg, -errno, "interface %s: packet socket "
			    "options: %s", pi->name, strerror(errno));
	need = TPACKET_ALIGN(TPACKET2_HDRLEN) + ETH_HLEN + 8 +
	       (uint32_t)if_mtu(pi->fd, pi->name) + GROW_ROOM;
	pi->slot_size = pow2_at_least(need);
	if (pi->slot_size > BLOCK_BYTES)
		return fail(cfg, -EMSGSIZE, "interface %s: MTU too large for "
			    "the packet backend", pi->name);
	pi->n_slots = RING_BYTES / pi->slot_size;
	if (pi->n_slots < MIN_SLOTS)
		pi->n_slots = MIN_SLOTS;
	req.tp_block_size = BLOCK_BYTES;
	req.tp_frame_size = pi->slot_size;
	req.tp_block_nr = pi->n_slots / (BLOCK_BYTES / pi->slot_size);
	req.tp_frame_nr = pi->n_slots;
	if (setsockopt(pi->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return fail(cfg, -errno, "interface %s: PACKET_RX_RING: %s",
			    pi->name, strerror(errno));
	pi->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	pi->ring = mmap(NULL, pi->ring_len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, pi->fd, 0);
	if (pi->ring == MAP_FAILED) {
		pi->ring = NULL;
		return fail(cfg, -errno, "interface %s: mmap of the RX ring: "
			    "%s", pi->name, strerror(errno));
	}
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = pi->ifindex;
	if (bind(pi->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return fail(cfg, -errno, "interface %s: bind: %s", pi->name,
			    strerror(errno));
	return 0;
}

int packet_port_create(const struct packet_port_config *cfg,
		       struct packet_port **out)
{
	struct packet_port *p;
	int r;

	if (!cfg->n_ifs || cfg->n_ifs > PACKET_PORT_MAX_IFS)
		return fail(cfg, -EINVAL, "between 1 and %d interfaces",
			    PACKET_PORT_MAX_IFS);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->n_ifs; i++) {
		struct packet_port_if *pi = &p->ifs[i];

		pi->fd = -1;
		snprintf(pi->name, sizeof(pi->name), "%s", cfg->ifnames[i]);
		p->n_ifs = i + 1;
		r = open_if(cfg, pi);
		if (r) {
			packet_port_destroy(p);
			return r;
		}
	}
	*out = p;
	return 0;
}

void packet_port_destroy(struct packet_port *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < p->n_ifs; i++) {
		if (p->ifs[i].ring)
			munmap(p->ifs[i].ring, p->ifs[i].ring_len);
		if (p->ifs[i].fd >= 0)
			close(p->ifs[i].fd);
	}
	free(p);
}

unsigned int packet_port_if_count(const struct packet_port *p)
{
	return p->n_ifs;
}

const char *packet_port_if_name(const struct packet_port *p, unsigned int i)
{
	return p->ifs[i].name;
}

int packet_port_if_ifindex(const struct packet_port *p, unsigned int i)
{
	return p->ifs[i].ifindex;
}

int packet_port_fd(const struct packet_port *p, unsigned int i)
{
	return p->ifs[i].fd;
}

static struct tpacket2_hdr *slot(struct packet_port_if *pi, uint32_t n)
{
	return (struct tpacket2_hdr *)(pi->ring +
				       (size_t)(n % pi->n_slots) *
				       pi->slot_size);
}

void packet_port_rx_release(struct packet_port *p, unsigned int i)
{
	struct packet_port_if *pi = &p->ifs[i];

	for (uint32_t k = pi->held; k > 0; k--) {
		struct tpacket2_hdr *h = slot(pi, pi->head + pi->n_slots - k);

		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
	}
	pi->held = 0;
}

unsigned int packet_port_rx_batch(struct packet_port *p, unsigned int i,
				  struct packet_port_pkt *pkts,
				  unsigned int max)
{
	struct packet_port_if *pi = &p->ifs[i];
	unsigned int n = 0;

	packet_port_rx_release(p, i);
	while (n < max) {
		struct tpacket2_hdr *h = slot(pi, pi->head);
		uint32_t status = __atomic_load_n(&h->tp_status,
						  __ATOMIC_ACQUIRE);
		uint32_t l3_skip;

		if (!(status & TP_STATUS_USER))
			break;
		pi->head = (pi->head + 1) % pi->n_slots;
		pi->held++;
		l3_skip = (uint32_t)(h->tp_net - h->tp_mac);
		if ((status & TP_STATUS_COPY) || h->tp_snaplen < h->tp_len ||
		    h->tp_snaplen < l3_skip) {
			pi->st.truncated++;
			continue;
		}
		pkts[n].l3 = (uint8_t *)h + h->tp_net;
		pkts[n].len = h->tp_snaplen - l3_skip;
		pkts[n].cap = pi->slot_size - h->tp_net;
		pi->st.rx_packets++;
		pi->st.rx_bytes += pkts[n].len;
		n++;
	}
	return n;
}

void packet_port_if_stats(struct packet_port *p, unsigned int i,
			  struct packet_port_if_stats *out)
{
	struct packet_port_if *pi = &p->ifs[i];
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);

	/* The kernel's counters reset on every read: keep the sum. */
	if (!getsockopt(pi->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len))
		pi->st.k_dropped += ks.tp_drops;
	*out = pi->st;
}
