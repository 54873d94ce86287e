/*
 * xsk_port: AF_XDP sockets on one shared UMEM, the steering program on every
 * interface, and the frame accounting between them.
 *
 * Frames.  The UMEM is cut into n_frames equal frames (aligned mode).  At
 * any time a frame is in exactly one place: the free stack (user space),
 * a socket's fill ring or the kernel's RX path (in_fill), the caller's
 * hands (held), or a TX ring / the kernel's TX path until its completion
 * comes back (tx_inflight).  xsk_port_check_frames() adds these up; a leak
 * shows as a missing frame.
 *
 * Rings.  Each socket has its own fill and completion ring (the kernel
 * requires one pair per device and queue when a UMEM is shared across
 * them).  Fill rings are topped up from the free stack after every RX
 * batch and every flush, in one reservation each; completions go straight
 * back to the free stack.  Every ring has ring_size entries; a socket's
 * fill ring holds at most ring_size frames, so with frames_per_socket >=
 * ring_size the rest of the UMEM stays available for frames in flight.
 *
 * Wake-ups (XDP_USE_NEED_WAKEUP).  The kernel says when it needs a
 * syscall: TX is kicked with sendto() only when the TX ring's flag is set
 * (in copy mode it always is: the copy happens inside sendto()), the fill
 * ring with recvfrom() only when its flag is set (zero-copy drivers that
 * ran dry).  Copy-mode sendto() sends at most a small batch (32 in Linux)
 * and answers EAGAIN when more is left, so a kick repeats while it does.
 *
 * Multi-buffer (xsk_port.h, "Jumbo frames").  A chain's descriptors
 * are published together (the kernel moves the RX producer once per
 * flush, after the whole packet), but a peek limited to max may end inside
 * one: the unread tail is handed back with xsk_ring_cons__cancel() and
 * read whole on the next call.  Gathered chains live in bounce buffers
 * counted apart from the UMEM frames (jumbo_held); their UMEM frames go
 * straight back to the free stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>

#include <xdp/xsk.h>

/* Linux 6.6 UAPI, missing from older <linux/if_xdp.h>. */
#ifndef XDP_USE_SG
#define XDP_USE_SG		(1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD		(1 << 0)
#endif

#include "xdp_prog.h"
#include "xsk_port.h"

_Static_assert(XSK_PORT_IFNAMSIZ == IF_NAMESIZE, "interface name size");

#define DEFAULT_FRAME_SIZE	4096
#define DEFAULT_FRAMES		4096
#define DEFAULT_RING_SIZE	2048
#define MIN_RING_SIZE		64
/* Frames and ring entries of the throw-away zero-copy probe socket. */
#define PROBE_FRAMES		64
/* Linux's copy-mode sendto() sends at most this many (TX_BATCH_SIZE). */
#define COPY_TX_BATCH		32
#define ZC_NOT_TRIED		1

struct xsk_port_sock {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_socket *xsk;
	int fd;
	uint16_t ifi;
	uint32_t queue;
	uint32_t tx_queued;	/* written to the TX ring, not submitted */
	uint32_t tx_inflight;	/* in the TX ring until completed */
	uint32_t in_fill;	/* given to the fill ring, not received */
};

struct xsk_port_if {
	char name[XSK_PORT_IFNAMSIZ];
	int ifindex;
	uint8_t mac[6];
	unsigned int mtu;
	enum xsk_port_mode mode;
	int zc_probe;
	unsigned int hw_queues;
	unsigned int sock_base, n_socks;
	struct xdp_prog *prog;
	struct xsk_port_if_stats st;
};

struct xsk_port {
	uint8_t *area;
	size_t area_len;
	struct xsk_umem *umem;
	uint32_t frame_size;
	uint64_t frame_mask;
	uint32_t ring_size;
	uint32_t n_frames;
	uint64_t *free_stack;
	uint32_t n_free;
	uint32_t held;
	/* Multi-buffer: XDP_USE_SG, bounce buffers and their free stack. */
	bool sg;
	uint32_t max_frame;
	uint8_t *jumbo_area;
	uint16_t jumbo_free[XSK_PORT_JUMBO_BUFS];
	uint32_t n_jumbo_free;
	uint32_t jumbo_held;
	unsigned int n_ifs, n_socks;
	struct xsk_port_stats st;
	struct xsk_port_if ifs[XSK_PORT_MAX_IFS];
	struct xsk_port_sock socks[XSK_PORT_MAX_SOCKETS];
};

static const char *const mode_names[] = {
#define XSK_PORT_MODE_NAME(n, s) [XSK_PORT_MODE_##n] = s,
	CONF_XDP_MODES(XSK_PORT_MODE_NAME)
#undef XSK_PORT_MODE_NAME
};

const char *xsk_port_mode_name(enum xsk_port_mode m)
{
	if ((unsigned int)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[m];
}

int xsk_port_mode_parse(const char *s, enum xsk_port_mode *m)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum xsk_port_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Say which step failed in cfg->err (if given); returns err. */
__attribute__((format(printf, 3, 4)))
static int fail(const struct xsk_port_config *cfg, int err,
		const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!cfg->err || !cfg->err_len)
		return err;
	va_start(ap, fmt);
	vsnprintf(cfg->err, cfg->err_len, fmt, ap);
	va_end(ap);
	n = strlen(cfg->err);
	if (err && n < cfg->err_len)
		snprintf(cfg->err + n, cfg->err_len - n, ": %s",
			 strerror(-err));
	return err;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* One interface ioctl on a throwaway socket: 0 or a negative errno. */
static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

static int if_get_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int err = if_ioctl(name, SIOCGIFHWADDR, &ifr);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

static int if_get_mtu(const char *name, unsigned int *mtu)
{
	struct ifreq ifr = { 0 };
	int err = if_ioctl(name, SIOCGIFMTU, &ifr);

	if (!err)
		*mtu = ifr.ifr_mtu > 0 ? (unsigned int)ifr.ifr_mtu : 0;
	return err;
}

/* Active RX queues (ethtool channels); 1 for devices without channels. */
static int if_rx_queues(const char *name)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (void *)&ch };
	int n = if_ioctl(name, SIOCETHTOOL, &ifr);

	if (n)
		return n == -EOPNOTSUPP ? 1 : n;
	n = (int)(ch.combined_count + ch.rx_count);
	return n > 0 ? n : 1;
}

/*
 * libxdp leaves the first socket's fill and completion rings mapped when
 * that socket fails or was never created; unmap them before the UMEM goes.
 */
static void unmap_umem_rings(int fd, struct xsk_ring_prod *fill,
			     struct xsk_ring_cons *comp, uint32_t fill_size,
			     uint32_t comp_size)
{
	struct xdp_mmap_offsets off;
	socklen_t optlen = sizeof(off);

	if (!fill->ring ||
	    getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) ||
	    optlen != sizeof(off))
		return;
	munmap((uint8_t *)fill->ring - off.fr.desc,
	       off.fr.desc + fill_size * sizeof(__u64));
	munmap((uint8_t *)comp->ring - off.cr.desc,
	       off.cr.desc + comp_size * sizeof(__u64));
	fill->ring = NULL;
	comp->ring = NULL;
}

/*
 * Zero-copy is probed by trying it: a small UMEM and a socket bound with
 * XDP_ZEROCOPY on queue 0.  Drivers without zero-copy refuse the bind
 * (EOPNOTSUPP).  On a real NIC the bind reconfigures the queue, once, at
 * start-up.  With multi-buffer the probe asks for it too: a driver with
 * zero-copy but without zero-copy multi-buffer then runs in copy mode
 * rather than failing at the real bind.
 */
static int probe_zerocopy(const char *ifname, uint32_t frame_size, bool sg)
{
	struct xsk_umem_config ucfg = {
		.fill_size = PROBE_FRAMES,
		.comp_size = PROBE_FRAMES,
		.frame_size = frame_size,
	};
	struct xsk_socket_config scfg = {
		.rx_size = PROBE_FRAMES,
		.tx_size = PROBE_FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP |
			      (sg ? XDP_USE_SG : 0),
	};
	struct xsk_ring_prod fill = { 0 }, tx;
	struct xsk_ring_cons comp = { 0 }, rx;
	size_t len = (size_t)PROBE_FRAMES * frame_size;
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	void *area;
	int err;

	area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&umem, area, len, &fill, &comp, &ucfg);
	if (err)
		goto out_area;
	err = xsk_socket__create(&xsk, ifname, 0, umem, &rx, &tx, &scfg);
	if (!err)
		xsk_socket__delete(xsk);	/* unmaps fill and comp */
	else
		unmap_umem_rings(xsk_umem__fd(umem), &fill, &comp,
				 PROBE_FRAMES, PROBE_FRAMES);
	xsk_umem__delete(umem);
out_area:
	munmap(area, len);
	return err;
}

static void free_push(struct xsk_port *x, uint64_t addr)
{
	if (x->n_free >= x->n_frames) {
		x->st.frame_errors++;
		return;
	}
	x->free_stack[x->n_free++] = addr & x->frame_mask;
}

static void refill(struct xsk_port *x, struct xsk_port_sock *s)
{
	uint32_t n, idx, i;

	if (!x->n_free)
		return;
	n = xsk_prod_nb_free(&s->fill, x->n_free);
	if (n > x->n_free)
		n = x->n_free;
	if (!n || xsk_ring_prod__reserve(&s->fill, n, &idx) != n)
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) =
			x->free_stack[--x->n_free];
	xsk_ring_prod__submit(&s->fill, n);
	s->in_fill += n;
}

static void kick_fill(struct xsk_port *x, struct xsk_port_sock *s)
{
	if (!xsk_ring_prod__needs_wakeup(&s->fill))
		return;
	x->st.fill_kicks++;
	if (recvfrom(s->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 &&
	    errno != EAGAIN && errno != EBUSY && errno != ENETDOWN)
		x->st.kick_errors++;
}

static void reclaim(struct xsk_port *x, struct xsk_port_sock *s)
{
	uint32_t n, idx, i;

	n = xsk_ring_cons__peek(&s->comp, x->ring_size, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++)
		free_push(x, *xsk_ring_cons__comp_addr(&s->comp, idx + i));
	xsk_ring_cons__release(&s->comp, n);
	s->tx_inflight -= n;
}

static void kick_tx(struct xsk_port *x, struct xsk_port_sock *s)
{
	unsigned int tries = s->tx_inflight / COPY_TX_BATCH + 2;

	while (tries--) {
		x->st.tx_kicks++;
		if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			return;
		if (errno != EAGAIN)
			break;
		reclaim(x, s);
		if (!s->tx_inflight)
			return;
	}
	/* EBUSY, ENOBUFS, ENETDOWN: the ring stays as it is; retry later. */
	if (errno != EAGAIN && errno != EBUSY && errno != ENOBUFS &&
	    errno != ENETDOWN)
		x->st.kick_errors++;
}

static void flush_sock(struct xsk_port *x, struct xsk_port_sock *s)
{
	if (s->tx_queued) {
		xsk_ring_prod__submit(&s->tx, s->tx_queued);
		s->tx_queued = 0;
	}
	if (s->tx_inflight && xsk_ring_prod__needs_wakeup(&s->tx))
		kick_tx(x, s);
	if (s->tx_inflight)
		reclaim(x, s);
}

/*
 * Length of the chain starting at desc i (of n), or 0 if it ends later.
 * Linux chains at most MAX_SKB_FRAGS + 1 (18) descriptors, fewer than a
 * batch, so a chain cut by the peek is read whole on the next call.
 */
static uint32_t chain_len(struct xsk_port_sock *s, uint32_t idx, uint32_t i,
			  uint32_t n)
{
	uint32_t k;

	for (k = i; k < n; k++)
		if (!(xsk_ring_cons__rx_desc(&s->rx, idx + k)->options &
		      XDP_PKT_CONTD))
			return k - i + 1;
	return 0;
}

/*
 * Gather the chain of descs [i, i + k) into a bounce buffer; its UMEM
 * frames go back to the free stack.  Returns false (counted) if dropped.
 */
static bool gather(struct xsk_port *x, struct xsk_port_sock *s, uint32_t idx,
		   uint32_t i, uint32_t k, struct xsk_port_frame *f)
{
	const struct xdp_desc *d;
	uint32_t j, len = 0, b;
	uint8_t *buf = NULL;
	bool ok = true;

	for (j = 0; j < k; j++)
		len += xsk_ring_cons__rx_desc(&s->rx, idx + i + j)->len;
	if (len > x->max_frame) {
		x->st.rx_too_big++;
		ok = false;
	} else if (!x->n_jumbo_free) {
		x->st.rx_no_buffer++;
		ok = false;
	}
	if (ok) {
		b = x->jumbo_free[--x->n_jumbo_free];
		x->jumbo_held++;
		buf = x->jumbo_area + (size_t)b * XSK_PORT_JUMBO_SIZE;
		f->data = buf + XDP_PACKET_HEADROOM;
		f->len = len;
		f->cap = XSK_PORT_JUMBO_SIZE - XDP_PACKET_HEADROOM;
		f->headroom = XDP_PACKET_HEADROOM;
		f->jumbo = (uint16_t)(b + 1);
		x->st.rx_multibuf++;
	}
	len = 0;
	for (j = 0; j < k; j++) {
		d = xsk_ring_cons__rx_desc(&s->rx, idx + i + j);
		if (ok)
			memcpy(f->data + len, x->area + d->addr, d->len);
		len += d->len;
		free_push(x, d->addr);
	}
	return ok;
}

unsigned int xsk_port_rx_batch(struct xsk_port *x, unsigned int sock,
			       struct xsk_port_frame *frames, unsigned int max)
{
	struct xsk_port_sock *s = &x->socks[sock];
	struct xsk_port_if *ifc = &x->ifs[s->ifi];
	const struct xdp_desc *d;
	uint32_t n, idx, i, k, off, out = 0, held = 0;
	struct xsk_port_frame *f;

	n = xsk_ring_cons__peek(&s->rx, max, &idx);
	if (!n) {
		refill(x, s);
		kick_fill(x, s);
		return 0;
	}
	for (i = 0; i < n; i += k) {
		d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		f = &frames[out];
		k = 1;
		if (d->options & XDP_PKT_CONTD) {
			k = chain_len(s, idx, i, n);
			if (!k)
				break;	/* the rest on the next call */
			if (!gather(x, s, idx, i, k, f))
				continue;
		} else {
			off = (uint32_t)(d->addr & ~x->frame_mask);
			f->data = x->area + d->addr;
			f->len = d->len;
			f->cap = x->frame_size - off;
			f->headroom = off;
			f->jumbo = 0;
			held++;
		}
		f->sock = (uint16_t)sock;
		f->in_if = s->ifi;
		f->ifindex = ifc->ifindex;
		ifc->st.rx_bytes += f->len;
		out++;
	}
	if (i < n)
		xsk_ring_cons__cancel(&s->rx, n - i);
	xsk_ring_cons__release(&s->rx, i);
	ifc->st.rx_packets += out;
	s->in_fill -= i;
	x->held += held;
	refill(x, s);
	return out;
}

void xsk_port_frame_release(struct xsk_port *x, struct xsk_port_frame *f)
{
	if (f->jumbo) {
		if (!x->jumbo_held || f->jumbo > XSK_PORT_JUMBO_BUFS ||
		    x->n_jumbo_free >= XSK_PORT_JUMBO_BUFS) {
			x->st.frame_errors++;
			return;
		}
		x->jumbo_held--;
		x->jumbo_free[x->n_jumbo_free++] = (uint16_t)(f->jumbo - 1);
		f->jumbo = 0;
		return;
	}
	if (!x->held) {
		x->st.frame_errors++;
		return;
	}
	x->held--;
	free_push(x, (uint64_t)(f->data - x->area));
}

/*
 * A gathered frame out as a chain: UMEM frames from the free stack, each
 * filled from its start, XDP_PKT_CONTD on all but the last descriptor.
 */
static int tx_chain(struct xsk_port *x, struct xsk_port_sock *s,
		    struct xsk_port_frame *f)
{
	uint32_t k = (f->len + x->frame_size - 1) / x->frame_size;
	uint32_t idx, j, off = 0, n;
	struct xdp_desc *d;
	uint64_t addr;

	if (x->n_free < k) {
		x->st.alloc_failed++;
		return -ENOBUFS;
	}
	if (xsk_ring_prod__reserve(&s->tx, k, &idx) != k) {
		flush_sock(x, s);
		if (xsk_ring_prod__reserve(&s->tx, k, &idx) != k)
			return -ENOBUFS;
	}
	for (j = 0; j < k; j++) {
		n = f->len - off < x->frame_size ? f->len - off :
						   x->frame_size;
		addr = x->free_stack[--x->n_free];
		memcpy(x->area + addr, f->data + off, n);
		d = xsk_ring_prod__tx_desc(&s->tx, idx + j);
		d->addr = addr;
		d->len = n;
		d->options = j + 1 < k ? XDP_PKT_CONTD : 0;
		off += n;
	}
	s->tx_queued += k;
	s->tx_inflight += k;
	/* A gathered packet the engine shrank may fit one frame. */
	if (k > 1)
		x->st.tx_multibuf++;
	xsk_port_frame_release(x, f);
	return 0;
}

int xsk_port_tx_frame(struct xsk_port *x, unsigned int out_if,
		      struct xsk_port_frame *f)
{
	struct xsk_port_sock *s;
	struct xsk_port_if *ifc;
	struct xdp_desc *d;
	uint32_t idx, q;
	int err;

	if (out_if >= x->n_ifs || !f->len || f->len > f->cap) {
		err = -EINVAL;
		goto drop;
	}
	ifc = &x->ifs[out_if];
	/* Keep a flow on one TX queue: the queue it was received on. */
	q = f->sock < x->n_socks ? x->socks[f->sock].queue : 0;
	s = &x->socks[ifc->sock_base + q % ifc->n_socks];
	if (f->jumbo) {
		err = tx_chain(x, s, f);
		if (err)
			goto drop;
		ifc->st.tx_packets++;
		ifc->st.tx_bytes += f->len;
		return 0;
	}
	if (xsk_ring_prod__reserve(&s->tx, 1, &idx) != 1) {
		/* Ring full of this batch: send it now, then retry. */
		flush_sock(x, s);
		if (xsk_ring_prod__reserve(&s->tx, 1, &idx) != 1) {
			err = -ENOBUFS;
			goto drop;
		}
	}
	d = xsk_ring_prod__tx_desc(&s->tx, idx);
	d->addr = (uint64_t)(f->data - x->area);
	d->len = f->len;
	d->options = 0;
	s->tx_queued++;
	s->tx_inflight++;
	x->held--;
	ifc->st.tx_packets++;
	ifc->st.tx_bytes += f->len;
	return 0;

drop:
	if (out_if < x->n_ifs)
		x->ifs[out_if].st.tx_dropped++;
	xsk_port_frame_release(x, f);
	return err;
}

unsigned int xsk_port_flush(struct xsk_port *x)
{
	unsigned int i, inflight = 0;
	struct xsk_port_sock *s;

	for (i = 0; i < x->n_socks; i++) {
		s = &x->socks[i];
		flush_sock(x, s);
		refill(x, s);
		inflight += s->tx_inflight;
	}
	return inflight;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int xsk_port_l3_offset(const struct xsk_port_frame *f, uint16_t *ethertype)
{
	uint32_t off = XSK_PORT_ETH_HLEN;
	uint16_t type;
	int tags;

	if (f->len < XSK_PORT_ETH_HLEN)
		return -1;
	type = rd16(f->data + 12);
	for (tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8);
	     tags++) {
		if (f->len < off + 4)
			return -1;
		type = rd16(f->data + off + 2);
		off += 4;
	}
	if ((type != 0x0800 && type != 0x86dd) || f->len <= off)
		return -1;
	*ethertype = type;
	return (int)off;
}

int xsk_port_frame_set_eth(struct xsk_port_frame *f, uint32_t l3_off,
			   uint32_t l3_len, const uint8_t dst[6],
			   const uint8_t src[6])
{
	uint8_t macs[12], *l3, *eth;
	uint16_t type;

	if (!l3_len || l3_off > f->cap || l3_len > f->cap - l3_off)
		return -EINVAL;
	l3 = f->data + l3_off;
	switch (l3[0] >> 4) {
	case 4:
		type = 0x0800;
		break;
	case 6:
		type = 0x86dd;
		break;
	default:
		return -EINVAL;
	}
	if (l3_off < XSK_PORT_ETH_HLEN &&
	    f->headroom < XSK_PORT_ETH_HLEN - l3_off)
		return -ENOSPC;
	/* The MACs may point into the header being overwritten. */
	memcpy(macs, dst, 6);
	memcpy(macs + 6, src, 6);
	eth = l3 - XSK_PORT_ETH_HLEN;
	f->headroom = (uint32_t)(eth - (f->data - f->headroom));
	f->cap = f->cap - l3_off + XSK_PORT_ETH_HLEN;
	f->data = eth;
	f->len = XSK_PORT_ETH_HLEN + l3_len;
	memcpy(eth, macs, 12);
	eth[12] = (uint8_t)(type >> 8);
	eth[13] = (uint8_t)type;
	return 0;
}

/* Native XDP where the driver has it, else (auto only) generic. */
static int attach_progs(struct xsk_port *x, const struct xsk_port_config *cfg)
{
	struct xsk_port_if *ifc;
	int err, native_err;
	bool generic;
	unsigned int i;

	for (i = 0; i < x->n_ifs; i++) {
		struct xdp_prog_fast fast = {
			.entries = cfg->fast_entries,
			.stats_fd = cfg->fast_stats_fd,
			.stats_slots = cfg->fast_stats_slots,
			.inbound = cfg->ifs[i].inbound,
		};
		const struct xdp_prog_fast *f = cfg->fast ? &fast : NULL;

		ifc = &x->ifs[i];
		generic = cfg->mode == XSK_PORT_MODE_GENERIC;
		err = xdp_prog_attach(ifc->ifindex, generic, ifc->hw_queues,
				      x->max_frame, f, &ifc->prog);
		/*
		 * Any native failure falls back: drivers say "no native
		 * XDP" in several ways (EOPNOTSUPP, EINVAL for an MTU too
		 * large for their XDP buffers, ...).
		 */
		if (err && cfg->mode == XSK_PORT_MODE_AUTO) {
			native_err = err;
			generic = true;
			err = xdp_prog_attach(ifc->ifindex, generic,
					      ifc->hw_queues, x->max_frame, f,
					      &ifc->prog);
			if (err)
				return fail(cfg, err, "%s: attaching the XDP "
					    "program failed in native mode "
					    "(%s) and in generic mode",
					    ifc->name, strerror(-native_err));
		}
		if (err)
			return fail(cfg, err, "%s: attaching the XDP program "
				    "in %s mode", ifc->name,
				    generic ? "generic" : "native");
		ifc->mode = generic ? XSK_PORT_MODE_GENERIC :
				      XSK_PORT_MODE_NATIVE;
		ifc->zc_probe = ZC_NOT_TRIED;
	}
	return 0;
}

/* Returns whether the UMEM runs zero-copy; fills zc_probe per interface. */
static int choose_zerocopy(struct xsk_port *x,
			   const struct xsk_port_config *cfg, bool *zc)
{
	struct xsk_port_if *ifc;
	unsigned int i;
	bool all = true;

	*zc = false;
	if (cfg->mode != XSK_PORT_MODE_AUTO &&
	    cfg->mode != XSK_PORT_MODE_ZEROCOPY)
		return 0;
	for (i = 0; i < x->n_ifs; i++) {
		ifc = &x->ifs[i];
		if (ifc->mode != XSK_PORT_MODE_NATIVE) {
			all = false;
			continue;
		}
		ifc->zc_probe = probe_zerocopy(ifc->name, x->frame_size,
					       x->sg);
		if (ifc->zc_probe)
			all = false;
		if (cfg->mode == XSK_PORT_MODE_ZEROCOPY && ifc->zc_probe)
			return fail(cfg, ifc->zc_probe, "%s: zero-copy AF_XDP "
				    "bind", ifc->name);
	}
	*zc = all;
	if (all)
		for (i = 0; i < x->n_ifs; i++)
			x->ifs[i].mode = XSK_PORT_MODE_ZEROCOPY;
	return 0;
}

static int create_umem(struct xsk_port *x, const struct xsk_port_config *cfg,
		       uint32_t frames_per_socket)
{
	struct xsk_umem_config ucfg = {
		.fill_size = x->ring_size,
		.comp_size = x->ring_size,
		.frame_size = x->frame_size,
		.frame_headroom = 0,	/* XDP_PACKET_HEADROOM is enough */
	};
	uint32_t i;
	int err;

	x->n_frames = frames_per_socket * x->n_socks;
	x->area_len = (size_t)x->n_frames * x->frame_size;
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return fail(cfg, -errno, "UMEM of %zu bytes", x->area_len);
	}
	x->free_stack = calloc(x->n_frames, sizeof(*x->free_stack));
	if (!x->free_stack)
		return fail(cfg, -ENOMEM, "frame stack");
	/* Lowest addresses on top: the first fills use the start. */
	for (i = 0; i < x->n_frames; i++)
		x->free_stack[i] = (uint64_t)(x->n_frames - 1 - i) *
				   x->frame_size;
	x->n_free = x->n_frames;

	err = xsk_umem__create(&x->umem, x->area, x->area_len,
			       &x->socks[0].fill, &x->socks[0].comp, &ucfg);
	if (err) {
		x->umem = NULL;
		return fail(cfg, err, "registering the UMEM");
	}
	return 0;
}

static int create_sockets(struct xsk_port *x, const struct xsk_port_config *cfg,
			  bool zc)
{
	struct xsk_socket_config scfg = {
		.rx_size = x->ring_size,
		.tx_size = x->ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = (zc ? XDP_ZEROCOPY : XDP_COPY) |
			      XDP_USE_NEED_WAKEUP | (x->sg ? XDP_USE_SG : 0),
	};
	struct xsk_port_sock *s;
	struct xsk_port_if *ifc;
	unsigned int i, q;
	int err;

	for (i = 0; i < x->n_ifs; i++) {
		ifc = &x->ifs[i];
		for (q = 0; q < ifc->n_socks; q++) {
			s = &x->socks[ifc->sock_base + q];
			s->ifi = (uint16_t)i;
			s->queue = q;
			/* The first socket binds the UMEM, the rest share. */
			err = xsk_socket__create_shared(&s->xsk, ifc->name, q,
							x->umem, &s->rx,
							&s->tx, &s->fill,
							&s->comp, &scfg);
			if (err) {
				s->xsk = NULL;
				return fail(cfg, err, "%s queue %u: AF_XDP "
					    "socket (%s%s)", ifc->name, q,
					    zc ? "zero-copy" : "copy",
					    x->sg ? ", multi-buffer for MTU "
					    "over one frame" : "");
			}
			s->fd = xsk_socket__fd(s->xsk);
			err = xsk_socket__update_xskmap(s->xsk,
				xdp_prog_xsks_map_fd(ifc->prog));
			if (err)
				return fail(cfg, err, "%s queue %u: XSKMAP "
					    "update", ifc->name, q);
		}
	}
	for (i = 0; i < x->n_socks; i++)
		refill(x, &x->socks[i]);
	return 0;
}

static int setup_ifs(struct xsk_port *x, const struct xsk_port_config *cfg)
{
	const struct xsk_port_if_config *ic;
	struct xsk_port_if *ifc;
	unsigned int i, j;
	int n, err;

	for (i = 0; i < cfg->n_ifs; i++) {
		ic = &cfg->ifs[i];
		ifc = &x->ifs[i];
		snprintf(ifc->name, sizeof(ifc->name), "%s", ic->name);
		for (j = 0; j < i; j++)
			if (!strcmp(x->ifs[j].name, ifc->name))
				return fail(cfg, -EINVAL, "%s: configured "
					    "twice", ifc->name);
		ifc->ifindex = (int)if_nametoindex(ifc->name);
		if (!ifc->ifindex)
			return fail(cfg, -errno, "%s", ifc->name);
		err = if_get_mac(ifc->name, ifc->mac);
		if (err)
			return fail(cfg, err, "%s: reading its MAC address",
				    ifc->name);
		err = if_get_mtu(ifc->name, &ifc->mtu);
		if (err)
			return fail(cfg, err, "%s: reading its MTU",
				    ifc->name);
		n = if_rx_queues(ifc->name);
		if (n < 0)
			return fail(cfg, n, "%s: reading its queue count",
				    ifc->name);
		ifc->hw_queues = (unsigned int)n;
		ifc->n_socks = ic->queues ? ic->queues : ifc->hw_queues;
		if (ifc->n_socks > ifc->hw_queues)
			return fail(cfg, -ERANGE, "%s: %u queues configured, "
				    "the device has %u", ifc->name,
				    ifc->n_socks, ifc->hw_queues);
		if (x->n_socks + ifc->n_socks > XSK_PORT_MAX_SOCKETS)
			return fail(cfg, -E2BIG, "more than %d AF_XDP sockets",
				    XSK_PORT_MAX_SOCKETS);
		ifc->sock_base = x->n_socks;
		x->n_socks += ifc->n_socks;
		x->n_ifs++;
	}
	return 0;
}

/*
 * Multi-buffer when a frame of some interface's MTU (behind Ethernet and
 * two VLAN tags) does not fit in one UMEM frame after the kernel's
 * headroom: XDP_USE_SG sockets and bounce buffers.  The MTU is read once;
 * raising it later needs a restart (sctpalgd(8)).
 */
static int setup_multibuf(struct xsk_port *x, const struct xsk_port_config *cfg)
{
	uint32_t one = x->frame_size - XDP_PACKET_HEADROOM;
	unsigned int i;

	x->max_frame = one;
	for (i = 0; i < x->n_ifs; i++)
		if (x->ifs[i].mtu + XSK_PORT_ETH_HLEN + 8 > one)
			x->sg = true;
	if (!x->sg)
		return 0;
	x->max_frame = XSK_PORT_MAX_FRAME;
	x->jumbo_area = mmap(NULL,
			     (size_t)XSK_PORT_JUMBO_BUFS * XSK_PORT_JUMBO_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->jumbo_area == MAP_FAILED) {
		x->jumbo_area = NULL;
		return fail(cfg, -errno, "multi-buffer bounce buffers");
	}
	for (i = 0; i < XSK_PORT_JUMBO_BUFS; i++)
		x->jumbo_free[i] = (uint16_t)(XSK_PORT_JUMBO_BUFS - 1 - i);
	x->n_jumbo_free = XSK_PORT_JUMBO_BUFS;
	return 0;
}

static int check_config(const struct xsk_port_config *cfg, uint32_t *frames)
{
	uint32_t fs = cfg->frame_size ? cfg->frame_size : DEFAULT_FRAME_SIZE;
	uint32_t rs = cfg->ring_size ? cfg->ring_size : DEFAULT_RING_SIZE;

	*frames = cfg->frames_per_socket ? cfg->frames_per_socket :
					   DEFAULT_FRAMES;
	if (!cfg->n_ifs || cfg->n_ifs > XSK_PORT_MAX_IFS || !cfg->ifs)
		return fail(cfg, -EINVAL, "1 to %d interfaces",
			    XSK_PORT_MAX_IFS);
	if ((unsigned int)cfg->mode > XSK_PORT_MODE_GENERIC)
		return fail(cfg, -EINVAL, "unknown xdp mode %d", cfg->mode);
	if (fs != 2048 && fs != 4096)
		return fail(cfg, -EINVAL, "frame size %u (2048 or 4096)", fs);
	if (!is_pow2(rs) || rs < MIN_RING_SIZE)
		return fail(cfg, -EINVAL, "ring size %u (a power of 2, "
			    ">= %d)", rs, MIN_RING_SIZE);
	if (!is_pow2(*frames) || *frames < rs)
		return fail(cfg, -EINVAL, "frames per socket %u (a power "
			    "of 2, >= ring size %u)", *frames, rs);
	return 0;
}

int xsk_port_create(const struct xsk_port_config *cfg, struct xsk_port **out)
{
	uint32_t frames;
	struct xsk_port *x;
	bool zc;
	int err;

	err = check_config(cfg, &frames);
	if (err)
		return err;
	x = calloc(1, sizeof(*x));
	if (!x)
		return fail(cfg, -ENOMEM, "xsk_port");
	x->frame_size = cfg->frame_size ? cfg->frame_size : DEFAULT_FRAME_SIZE;
	x->frame_mask = ~(uint64_t)(x->frame_size - 1);
	x->ring_size = cfg->ring_size ? cfg->ring_size : DEFAULT_RING_SIZE;

	err = setup_ifs(x, cfg);
	if (!err)
		err = setup_multibuf(x, cfg);
	if (!err)
		err = attach_progs(x, cfg);
	if (!err)
		err = choose_zerocopy(x, cfg, &zc);
	if (!err)
		err = create_umem(x, cfg, frames);
	if (!err)
		err = create_sockets(x, cfg, zc);
	if (err) {
		xsk_port_destroy(x);
		return err;
	}
	*out = x;
	return 0;
}

void xsk_port_destroy(struct xsk_port *x)
{
	unsigned int i;

	if (!x)
		return;
	/* Programs first, so SCTP goes back to the kernel, not to a void. */
	for (i = 0; i < x->n_ifs; i++)
		xdp_prog_detach(x->ifs[i].prog);
	for (i = 0; i < x->n_socks; i++)
		xsk_socket__delete(x->socks[i].xsk);
	if (x->umem) {
		if (!x->socks[0].xsk)
			unmap_umem_rings(xsk_umem__fd(x->umem),
					 &x->socks[0].fill, &x->socks[0].comp,
					 x->ring_size, x->ring_size);
		xsk_umem__delete(x->umem);
	}
	if (x->area)
		munmap(x->area, x->area_len);
	free(x->free_stack);
	if (x->jumbo_area)
		munmap(x->jumbo_area,
		       (size_t)XSK_PORT_JUMBO_BUFS * XSK_PORT_JUMBO_SIZE);
	free(x);
}

unsigned int xsk_port_nsocks(const struct xsk_port *x)
{
	return x->n_socks;
}

int xsk_port_fd(const struct xsk_port *x, unsigned int sock)
{
	return x->socks[sock].fd;
}

unsigned int xsk_port_sock_if(const struct xsk_port *x, unsigned int sock)
{
	return x->socks[sock].ifi;
}

unsigned int xsk_port_if_count(const struct xsk_port *x)
{
	return x->n_ifs;
}

int xsk_port_if_lookup(const struct xsk_port *x, int ifindex)
{
	unsigned int i;

	for (i = 0; i < x->n_ifs; i++)
		if (x->ifs[i].ifindex == ifindex)
			return (int)i;
	return -1;
}

const char *xsk_port_if_name(const struct xsk_port *x, unsigned int i)
{
	return x->ifs[i].name;
}

int xsk_port_if_ifindex(const struct xsk_port *x, unsigned int i)
{
	return x->ifs[i].ifindex;
}

const uint8_t *xsk_port_if_mac(const struct xsk_port *x, unsigned int i)
{
	return x->ifs[i].mac;
}

enum xsk_port_mode xsk_port_if_mode(const struct xsk_port *x, unsigned int i)
{
	return x->ifs[i].mode;
}

int xsk_port_if_zc_probe(const struct xsk_port *x, unsigned int i)
{
	return x->ifs[i].zc_probe;
}

bool xsk_port_multibuf(const struct xsk_port *x)
{
	return x->sg;
}

uint32_t xsk_port_max_frame(const struct xsk_port *x)
{
	return x->max_frame;
}

const struct xdp_prog *xsk_port_if_prog(const struct xsk_port *x,
					unsigned int i)
{
	return x->ifs[i].prog;
}

void xsk_port_if_stats(const struct xsk_port *x, unsigned int i,
		       struct xsk_port_if_stats *out)
{
	const struct xsk_port_if *ifc = &x->ifs[i];
	struct xdp_statistics ks;
	socklen_t len;
	unsigned int q;

	*out = ifc->st;
	for (q = 0; q < ifc->n_socks; q++) {
		len = sizeof(ks);
		if (getsockopt(x->socks[ifc->sock_base + q].fd, SOL_XDP,
			       XDP_STATISTICS, &ks, &len))
			continue;
		out->k_rx_dropped += ks.rx_dropped;
		out->k_rx_ring_full += ks.rx_ring_full;
		out->k_rx_fill_empty += ks.rx_fill_ring_empty_descs;
		out->k_rx_invalid += ks.rx_invalid_descs;
		out->k_tx_invalid += ks.tx_invalid_descs;
		out->k_tx_ring_empty += ks.tx_ring_empty_descs;
	}
}

void xsk_port_stats(const struct xsk_port *x, struct xsk_port_stats *out)
{
	unsigned int i;

	*out = x->st;
	out->frames_total = x->n_frames;
	out->frames_free = x->n_free;
	out->frames_held = x->held;
	out->frames_fill = 0;
	out->frames_tx = 0;
	out->jumbo_total = x->sg ? XSK_PORT_JUMBO_BUFS : 0;
	out->jumbo_held = x->jumbo_held;
	for (i = 0; i < x->n_socks; i++) {
		out->frames_fill += x->socks[i].in_fill;
		out->frames_tx += x->socks[i].tx_inflight;
	}
}

int xsk_port_check_frames(const struct xsk_port *x)
{
	struct xsk_port_stats st;

	xsk_port_stats(x, &st);
	if (st.frame_errors || st.frames_free + st.frames_held +
	    st.frames_fill + st.frames_tx != st.frames_total)
		return -EFAULT;
	return 0;
}
