/*
 * backend.c: see backend.h.  The one place that knows which backend
 * runs: backend_create() picks its table (backend_impl.h), everything
 * else goes through it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "backend_impl.h"
#include "log.h"

/* Inside interfaces first, then every uplink's, each once. */
unsigned int backend_collect_ifs(const struct conf *c,
				 char names[][IF_NAMESIZE], unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_inside_ifs && n < max; i++)
		snprintf(names[n++], IF_NAMESIZE, "%s", c->inside_ifs[i]);
	for (int u = 0; u < c->engine.n_uplinks && n < max; u++) {
		const char *name = c->engine.uplinks[u].ifname;
		bool dup = false;

		for (unsigned int i = 0; i < n; i++)
			dup |= !strcmp(names[i], name);
		if (!dup)
			snprintf(names[n++], IF_NAMESIZE, "%s", name);
	}
	return n;
}

int backend_send_raw(void *ctx, const uint8_t *ip, uint32_t len, int oif)
{
	struct backend *b = ctx;

	return raw_out_send(b->raw, ip, len, oif);
}

int backend_create(const struct conf *c, const struct fast_map *fm,
		   struct backend **out)
{
	struct backend *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->busy_poll = c->busy_poll;
	b->kind = c->backend == CONF_BACKEND_PACKET ? &backend_packet_kind :
						      &backend_xsk_kind;
	r = b->kind->create(b, c, fm);
	if (r) {
		free(b);
		return r;
	}
	/* The fallback path: the kernel routes and resolves. */
	r = raw_out_create(&b->raw);
	if (r) {
		log_warnx("raw sockets: %s; sctpalgd needs CAP_NET_RAW "
			  "(run it as root)", strerror(-r));
		backend_destroy(b);
		return r;
	}
	*out = b;
	return 0;
}

void backend_destroy(struct backend *b)
{
	if (!b)
		return;
	raw_out_destroy(b->raw);
	b->kind->destroy(b);
	free(b);
}

const struct datapath_ops *backend_datapath_ops(const struct backend *b)
{
	return &b->kind->dp;
}

struct xsk_port *backend_xsk_port(const struct backend *b)
{
	return b->x;
}

unsigned int backend_nfds(const struct backend *b)
{
	return b->kind->nfds(b);
}

int backend_fd(const struct backend *b, unsigned int i)
{
	return b->kind->fd(b, i);
}

void backend_clear_error(struct backend *b, unsigned int i)
{
	const char *name = b->kind->fd_if_name(b, i);
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(backend_fd(b, i), SOL_SOCKET, SO_ERROR, &err, &len) ||
	    !err)
		return;
	if (err == ENETDOWN)
		log_info("interface %s: link down; its socket resumes when "
			 "the link is back", name);
	else
		log_warnx("interface %s: socket error: %s", name,
			  strerror(err));
}

void backend_flush(struct backend *b)
{
	if (b->kind->flush)
		b->kind->flush(b);
}

void backend_busy_poll(struct backend *b, struct datapath *d,
		       uint64_t now_ns)
{
	for (unsigned int i = 0; i < backend_nfds(b); i++) {
		if (b->kind->busy_kick)
			b->kind->busy_kick(b, i);
		datapath_rx(d, i, now_ns);
	}
}

unsigned int backend_if_info(struct backend *b, struct ctl_if_info *ifs,
			     unsigned int max)
{
	unsigned int n = b->kind->dp.if_count(b);

	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++) {
		memset(&ifs[i], 0, sizeof(ifs[i]));
		ifs[i].up = true;
		b->kind->if_info(b, i, &ifs[i]);
	}
	return n;
}

unsigned int backend_capture_ifs(const struct backend *b,
				 struct capture_if *ifs, unsigned int max,
				 uint16_t *linktype)
{
	void *ctx = (void *)(uintptr_t)b;
	unsigned int n = b->kind->dp.if_count(ctx);

	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++)
		ifs[i] = (struct capture_if){
			.name = b->kind->dp.if_name(ctx, i),
			.ifindex = b->kind->if_ifindex(b, i),
			.mac = b->kind->dp.if_mac(ctx, i),
		};
	*linktype = b->kind->linktype;
	return n;
}

unsigned int backend_counters(struct backend *b, struct ctl_counter *out,
			      unsigned int max)
{
	return b->kind->counters ? b->kind->counters(b, out, max) : 0;
}

uint64_t backend_keep_caps(const struct backend *b, bool not_root)
{
	return b->kind->keep_caps ? b->kind->keep_caps(b, not_root) : 0;
}
