/*
 * ctl_fixture: the control-socket tests' shared setup (ctl_fixture.h).
 */
#define _GNU_SOURCE /* open_memstream */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_fixture.h"
#include "engine_fixture.h"
#include "log.h"
#include "sctp_wire.h"

void ctl_fx_setup(struct ctl_fx *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	log_init(name, true, LOG_DAEMON);
	log_setlevel(LOG_CRIT);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sctpalg-%s.XXXXXX", name);
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	cr_assert_eq(loop_create(64, &f->loop), 0);
	f->engine = fx_engine(MULTIHOME_OFF);
}

void ctl_fx_teardown(struct ctl_fx *f)
{
	ctl_server_destroy(f->srv);
	loop_destroy(f->loop);
	engine_destroy(f->engine);
	rmdir(f->dir);
}

void ctl_fx_start(struct ctl_fx *f, struct ctl_server_config *cfg,
		  const struct ctl_ops *ops)
{
	cfg->path = f->path;
	cfg->uid = (uid_t)-1;
	cfg->gid = (gid_t)-1;
	cr_assert_eq(ctl_server_create(cfg, ops, f->loop, &f->srv), 0);
}

void ctl_fx_client_connect(struct ctl_fx *f, struct ctl_fx_client *c,
			   int rcvbuf)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->loop = f->loop;
	c->id = -1;
	strcpy(sun.sun_path, f->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(c->fd, 0);
	if (rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	cr_assert_eq(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	c->mem = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->mem);
}

static void client_on_readable(void *arg, int res)
{
	struct ctl_fx_client *c = arg;
	char tmp[4096];
	ssize_t n;

	cr_assert_geq(res, 0);
	for (;;) {
		n = read(c->fd, tmp, sizeof(tmp));
		if (n > 0) {
			fwrite(tmp, 1, (size_t)n, c->mem);
			fflush(c->mem);
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			c->eof = true;
			loop_del(c->loop, c->id);
			c->id = -1;
		}
		return;
	}
}

void ctl_fx_client_read(struct ctl_fx_client *c)
{
	c->id = loop_add_fd(c->loop, c->fd, POLLIN, 0, client_on_readable, c);
	cr_assert_geq(c->id, 0);
}

unsigned int ctl_fx_interfaces(void *arg, struct ctl_if_info *ifs,
			       unsigned int max)
{
	(void)arg;
	cr_assert_geq(max, 2);
	strcpy(ifs[0].name, "wan1");
	ifs[0].mode = "native";
	ifs[0].queues = 2;
	ifs[0].up = true;
	ifs[0].rx_packets = 7;
	strcpy(ifs[1].name, "lan\"0\\");
	ifs[1].mode = "generic";
	ifs[1].queues = 1;
	return 2;
}

unsigned int ctl_fx_counters(void *arg, struct ctl_counter *out,
			     unsigned int max)
{
	(void)arg;
	cr_assert_geq(max, 2);
	out[0] = (struct ctl_counter){ "raw_sent", 12 };
	out[1] = (struct ctl_counter){ "ip_reassembled", 3 };
	return 2;
}

const char *ctl_fx_uplink_name(void *arg, unsigned int i)
{
	(void)arg;
	return i == 0 ? "isp-one" : i == 1 ? "isp-two" : NULL;
}

struct engine *ctl_fx_one_association(const char *const *peers,
				      uint32_t tag_peer)
{
	struct engine *e = fx_engine(MULTIHOME_UPLINKS);
	struct engine_verdict v;
	struct pb p;

	fx_init(&p, "192.168.1.10", "198.51.100.100", 5000, 5001, 0x1111);
	v = fx_run(e, &p, ENGINE_OUTBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD);
	fx_init_ack(&p, "198.51.100.100", "198.51.100.1", 5001, 5000, 0x1111,
		    tag_peer, peers);
	v = fx_run(e, &p, ENGINE_INBOUND, FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD);
	fx_chunk(&p, "192.168.1.10", "198.51.100.100", 5000, 5001, tag_peer,
		 SCTP_CID_COOKIE_ECHO, 0);
	v = fx_run(e, &p, ENGINE_OUTBOUND, 2 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD);
	fx_chunk(&p, "198.51.100.100", "198.51.100.1", 5001, 5000, 0x1111,
		 SCTP_CID_COOKIE_ACK, 0);
	v = fx_run(e, &p, ENGINE_INBOUND, 2 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_FORWARD);
	fx_data(&p, "198.51.100.100", "198.51.100.1", 5001, 5000, 0x9999, 1);
	v = fx_run(e, &p, ENGINE_INBOUND, 3 * FX_SEC);
	cr_assert_eq(v.action, ENGINE_DROP);
	return e;
}
