/*
 * backend_packet.c: backend = packet -- packet_port's AF_PACKET rings
 * behind the datapath's operations (datapath.h) and the daemon's
 * (backend.h).  The datapath works on each batch in place in the RX ring;
 * there are no TX rings, so every packet leaves through the raw sockets
 * (the kernel resolves), and the batch's slots go back to the kernel when
 * it is done (rx_done).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend_impl.h"
#include "log.h"
#include "pcapng.h"

_Static_assert(PACKET_PORT_MAX_IFS <= DATAPATH_MAX_IFS, "interface count");
_Static_assert(PACKET_PORT_MAX_IFS <= BACKEND_MAX_FDS, "one fd per interface");

static int packet_create(struct backend *p, const struct conf *c,
			 const struct fast_map *fm)
{
	char names[PACKET_PORT_MAX_IFS][IF_NAMESIZE];
	const char *ptrs[PACKET_PORT_MAX_IFS];
	struct packet_port_config pc = { .ifnames = ptrs };
	char err[256] = "";
	int r;

	(void)fm;	/* no XDP program, no fast path */
	pc.n_ifs = backend_collect_ifs(c, names, PACKET_PORT_MAX_IFS);
	for (unsigned int i = 0; i < pc.n_ifs; i++)
		ptrs[i] = names[i];
	pc.err = err;
	pc.err_len = sizeof(err);
	r = packet_port_create(&pc, &p->p);
	if (r) {
		log_warnx("packet backend set-up failed: %s; check the "
			  "interface names in [inside] and [uplink] (ip link) "
			  "and run sctpalgd as root (AF_PACKET needs "
			  "CAP_NET_RAW)", err[0] ? err : strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < packet_port_if_count(p->p); i++)
		log_info("interface %s: packet backend (AF_PACKET in, raw "
			 "sockets out)",
			 packet_port_if_name(p->p, i));
	log_notice("backend = packet: the kernel also sees every SCTP "
		   "packet; drop SCTP in netfilter prerouting (see "
		   "sctpalgd.conf(5), backend) or it forwards untranslated "
		   "copies");
	return 0;
}

static void packet_destroy(struct backend *b)
{
	packet_port_destroy(b->p);
}

/* ---- the datapath's operations ---- */

static unsigned int packet_rx(void *ctx, unsigned int pif,
			      struct dp_frame *f, unsigned int max)
{
	struct backend *b = ctx;
	unsigned int n;
	int ifindex = packet_port_if_ifindex(b->p, pif);

	if (max > DATAPATH_RX_BATCH)
		max = DATAPATH_RX_BATCH;
	n = packet_port_rx_batch(b->p, pif, b->pp, max);
	for (unsigned int i = 0; i < n; i++)
		f[i] = (struct dp_frame){
			.data = b->pp[i].l3,
			.len = b->pp[i].len,
			.cap = b->pp[i].cap,
			.l3_off = 0,
			.in_if = pif,
			.ifindex = ifindex,
			.slot = i,
		};
	return n;
}

/* The ring slots go back as soon as the batch is done (packet_port.h);
 * after an empty batch too, for the truncated ones it skipped. */
static void packet_rx_done(void *ctx, unsigned int pif)
{
	struct backend *b = ctx;

	packet_port_rx_release(b->p, pif);
}

static unsigned int packet_if_count(void *ctx)
{
	struct backend *b = ctx;

	return packet_port_if_count(b->p);
}

static const char *packet_if_name(void *ctx, unsigned int i)
{
	struct backend *b = ctx;

	return packet_port_if_name(b->p, i);
}

/* No link header: capture shows raw IP. */
static const uint8_t *packet_if_mac(void *ctx, unsigned int i)
{
	(void)ctx;
	(void)i;
	return NULL;
}

/* ---- the daemon's ---- */

static unsigned int packet_nfds(const struct backend *b)
{
	return packet_port_if_count(b->p);
}

static int packet_fd(const struct backend *b, unsigned int i)
{
	return packet_port_fd(b->p, i);
}

static const char *packet_fd_if_name(const struct backend *b, unsigned int i)
{
	return packet_port_if_name(b->p, i);
}

static int packet_if_ifindex(const struct backend *b, unsigned int i)
{
	return packet_port_if_ifindex(b->p, i);
}

/* TX happens on the datapath's raw sockets, counted there. */
static void packet_if_info(struct backend *b, unsigned int i,
			   struct ctl_if_info *out)
{
	struct packet_port *pp = b->p;
	struct packet_port_if_stats st;

	packet_port_if_stats(pp, i, &st);
	snprintf(out->name, sizeof(out->name), "%s",
		 packet_port_if_name(pp, i));
	out->mode = "packet";
	out->queues = 1;		/* one ring for every queue */
	out->rx_packets = st.rx_packets;
	out->rx_bytes = st.rx_bytes;
	out->rx_dropped = st.k_dropped + st.truncated;
}

const struct backend_kind backend_packet_kind = {
	.dp = {
		.rx = packet_rx,
		.rx_done = packet_rx_done,
		/* No TX rings: release, tx_if, set_eth and tx stay NULL. */
		.if_mac = packet_if_mac,
		.send_raw = backend_send_raw,
		.if_count = packet_if_count,
		.if_name = packet_if_name,
	},
	.create = packet_create,
	.destroy = packet_destroy,
	.nfds = packet_nfds,
	.fd = packet_fd,
	.fd_if_name = packet_fd_if_name,
	.if_ifindex = packet_if_ifindex,
	.if_info = packet_if_info,
	.linktype = PCAPNG_LINK_RAW,
};
