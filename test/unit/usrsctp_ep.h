/*
 * usrsctp_ep: one usrsctp endpoint of usrsctp_relay's tests, a one-to-one
 * (SOCK_STREAM) AF_CONN socket that sends numbered messages and checks
 * that the other end's arrive exactly once and in order.
 *
 * Sockets are non-blocking and polled: urelay_run()'s step calls
 * uep_service() for every endpoint after each packet, which accepts,
 * reads what arrived (messages and SCTP_ASSOC_CHANGE notifications) and
 * sends until `send_to` messages have gone.  A message is 64 bytes: its
 * sequence number (big-endian), the sender's id, and a pattern derived
 * from both, so a torn or foreign message is seen.
 */
#ifndef SCTPALG_TEST_USRSCTP_EP_H
#define SCTPALG_TEST_USRSCTP_EP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usrsctp_relay.h"

#define UEP_MSG_LEN 64

struct socket;

struct uep {
	char id; /* in every message it sends */
	char peer_id; /* expected in every message it reads */
	struct socket *lso; /* listening (a server before accept) */
	struct socket *so; /* the association's socket */
	uint32_t send_to; /* send until next_send reaches it */
	uint32_t next_send, next_recv;
	bool up; /* COMM_UP seen, or accepted */
	bool eof; /* the peer shut down */
	unsigned int restarts, lost; /* RESTART; COMM_LOST, CANT_STR */
	char err[160]; /* the first problem seen, "" if none */
};

/* A client bound to (end, port), connecting to (end, peer_port); a
 * server listening on (end, port).  0 or -errno. */
int uep_connect(struct uep *ep, struct urelay *r, enum urelay_end end,
		uint16_t port, uint16_t peer_port);
int uep_listen(struct uep *ep, struct urelay *r, enum urelay_end end,
	       uint16_t port);
void uep_service(struct uep *ep);
/* Nothing the endpoint sent waits for an acknowledgement. */
bool uep_idle(struct uep *ep);
/* Its association's SCTP_STATUS in words, for a failure's log. */
void uep_describe(struct uep *ep, char *buf, size_t len);
/* Close (abort: SO_LINGER 0, or the SHUTDOWN exchange). */
void uep_close(struct uep *ep, bool abort);

#endif
