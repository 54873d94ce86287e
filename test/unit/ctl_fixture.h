/*
 * ctl_fixture: what the control-socket tests share -- a ctl_server's
 * surroundings (an io_uring loop, the engine fixture's small office, a
 * socket path in a fresh directory), the daemon callbacks the answers
 * render (ctl_server.h, struct ctl_ops) with fixed figures, and one
 * established association to render.
 */
#ifndef SCTPALG_TEST_CTL_FIXTURE_H
#define SCTPALG_TEST_CTL_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl_server.h"
#include "loop.h"

struct ctl_fx {
	struct loop *loop;
	struct engine *engine;
	struct ctl_server *srv;
	char path[108];
	char dir[64];
};

/* Logging quiet (the expected refusals are not news), a new directory. */
void ctl_fx_setup(struct ctl_fx *f, const char *name);
void ctl_fx_teardown(struct ctl_fx *f);
/* A server on f->path for cfg (its path, uid and gid filled in). */
void ctl_fx_start(struct ctl_fx *f, struct ctl_server_config *cfg,
		  const struct ctl_ops *ops);

/*
 * A test client: one more fd on the loop, reading into buf (a memstream,
 * flushed after each read) until EOF.  id is its loop entry, -1 when it
 * has none.
 */
struct ctl_fx_client {
	struct loop *loop;
	int fd, id;
	bool eof;
	char *buf;
	size_t len;
	FILE *mem;
};

/* Connects to f->path (rcvbuf: its SO_RCVBUF, if non-zero); no reading. */
void ctl_fx_client_connect(struct ctl_fx *f, struct ctl_fx_client *c,
			   int rcvbuf);
/* From now on the loop reads what arrives. */
void ctl_fx_client_read(struct ctl_fx_client *c);

/*
 * Callbacks with fixed figures: interfaces "wan1" (native, 2 queues, up,
 * 7 packets received) and "lan\"0\\" (a name that needs escaping;
 * generic, 1 queue); datapath counters raw_sent 12 and ip_reassembled 3;
 * uplinks "isp-one" and "isp-two".
 */
unsigned int ctl_fx_interfaces(void *arg, struct ctl_if_info *ifs,
			       unsigned int max);
unsigned int ctl_fx_counters(void *arg, struct ctl_counter *out,
			     unsigned int max);
const char *ctl_fx_uplink_name(void *arg, unsigned int i);

/*
 * A new engine (proxy multihoming, which pins every peer address to an
 * uplink) with one association established from 192.168.1.10:5000 to
 * 198.51.100.100:5001 through uplink 0, the INIT ACK listing peers
 * (NULL-terminated) and carrying tag_peer, then one DATA with a wrong
 * tag dropped (a vtag-mismatch drop).
 */
struct engine *ctl_fx_one_association(const char *const *peers,
				      uint32_t tag_peer);

#endif
