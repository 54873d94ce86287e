/*
 * usrsctp_ep.c: see usrsctp_ep.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <usrsctp.h>

#include "usrsctp_ep.h"

static void fail(struct uep *ep, const char *what)
{
	if (!ep->err[0])
		snprintf(ep->err, sizeof(ep->err), "%c: %s", ep->id, what);
}

static void conn_addr(struct sockaddr_conn *sc, struct urelay *r,
		      enum urelay_end end, uint16_t port)
{
	memset(sc, 0, sizeof(*sc));
	sc->sconn_family = AF_CONN;
	sc->sconn_port = htons(port);
	sc->sconn_addr = urelay_conn(r, end);
}

static int setup(struct socket *so)
{
	struct sctp_event ev;
	int one = 1;

	if (usrsctp_set_non_blocking(so, 1) < 0)
		return -errno;
	/* Every message its own packet: more packets through the box. */
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_NODELAY, &one,
			       sizeof(one)) < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_type = SCTP_ASSOC_CHANGE;
	ev.se_on = 1;
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) <
	    0)
		return -errno;
	return 0;
}

static struct socket *open_bound(struct urelay *r, enum urelay_end end,
				 uint16_t port)
{
	struct sockaddr_conn sc;
	struct socket *so;

	so = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0,
			    NULL);
	if (!so)
		return NULL;
	conn_addr(&sc, r, end, port);
	if (setup(so) < 0 ||
	    usrsctp_bind(so, (struct sockaddr *)&sc, sizeof(sc)) < 0) {
		usrsctp_close(so);
		return NULL;
	}
	return so;
}

int uep_connect(struct uep *ep, struct urelay *r, enum urelay_end end,
		uint16_t port, uint16_t peer_port)
{
	struct sockaddr_conn sc;

	ep->so = open_bound(r, end, port);
	if (!ep->so)
		return -errno;
	/* AF_CONN: a packet's source and destination are both the end it
	 * came in by (usrsctp_conninput), so an end connects to itself. */
	conn_addr(&sc, r, end, peer_port);
	if (usrsctp_connect(ep->so, (struct sockaddr *)&sc, sizeof(sc)) < 0 &&
	    errno != EINPROGRESS)
		return -errno;
	return 0;
}

int uep_listen(struct uep *ep, struct urelay *r, enum urelay_end end,
	       uint16_t port)
{
	ep->lso = open_bound(r, end, port);
	if (!ep->lso)
		return -errno;
	if (usrsctp_listen(ep->lso, 1) < 0)
		return -errno;
	return 0;
}

static void msg_fill(uint8_t *m, char id, uint32_t seq)
{
	unsigned int i;

	m[0] = (uint8_t)(seq >> 24);
	m[1] = (uint8_t)(seq >> 16);
	m[2] = (uint8_t)(seq >> 8);
	m[3] = (uint8_t)seq;
	m[4] = (uint8_t)id;
	for (i = 5; i < UEP_MSG_LEN; i++)
		m[i] = (uint8_t)(seq * 31 + i + (uint8_t)id);
}

static void on_message(struct uep *ep, const uint8_t *m, ssize_t n, int flags)
{
	uint8_t want[UEP_MSG_LEN];
	char what[96];
	uint32_t seq;

	if (n != UEP_MSG_LEN || !(flags & MSG_EOR)) {
		snprintf(what, sizeof(what), "message of %zd bytes, flags %#x",
			 n, flags);
		fail(ep, what);
		return;
	}
	seq = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	      (uint32_t)m[2] << 8 | m[3];
	if (seq != ep->next_recv) {
		snprintf(what, sizeof(what), "message %u, expected %u", seq,
			 ep->next_recv);
		fail(ep, what);
		return;
	}
	msg_fill(want, ep->peer_id, seq);
	if (memcmp(m, want, UEP_MSG_LEN)) {
		snprintf(what, sizeof(what), "message %u garbled", seq);
		fail(ep, what);
		return;
	}
	ep->next_recv++;
}

static void on_notification(struct uep *ep, const uint8_t *buf, ssize_t n)
{
	const union sctp_notification *sn = (const void *)buf;

	if (n < (ssize_t)sizeof(struct sctp_assoc_change) ||
	    sn->sn_header.sn_type != SCTP_ASSOC_CHANGE)
		return;
	switch (sn->sn_assoc_change.sac_state) {
	case SCTP_COMM_UP:
		ep->up = true;
		break;
	case SCTP_RESTART:
		ep->restarts++;
		break;
	case SCTP_COMM_LOST:
	case SCTP_CANT_STR_ASSOC:
		ep->lost++;
		break;
	default:
		break;
	}
}

static void do_accept(struct uep *ep)
{
	struct sockaddr_conn sc;
	socklen_t l = sizeof(sc);

	ep->so = usrsctp_accept(ep->lso, (struct sockaddr *)&sc, &l);
	if (!ep->so) {
		if (errno != EWOULDBLOCK && errno != EAGAIN)
			fail(ep, "accept failed");
		return;
	}
	if (setup(ep->so) < 0)
		fail(ep, "setup of the accepted socket failed");
	ep->up = true;
}

static void do_recv(struct uep *ep)
{
	/* uint64_t: notifications are read as structs */
	uint64_t buf[1024];
	struct sockaddr_conn from;
	struct sctp_rcvinfo rcv;
	socklen_t fromlen, infolen;
	unsigned int infotype;
	ssize_t n;
	int flags;

	while (!ep->eof) {
		fromlen = sizeof(from);
		infolen = sizeof(rcv);
		infotype = 0;
		flags = 0;
		n = usrsctp_recvv(ep->so, buf, sizeof(buf),
				  (struct sockaddr *)&from, &fromlen, &rcv,
				  &infolen, &infotype, &flags);
		if (n < 0) {
			if (errno != EWOULDBLOCK && errno != EAGAIN &&
			    errno != ENOTCONN)
				fail(ep, strerror(errno));
			return;
		}
		if (n == 0) {
			ep->eof = true;
			return;
		}
		if (flags & MSG_NOTIFICATION)
			on_notification(ep, (const uint8_t *)buf, n);
		else
			on_message(ep, (const uint8_t *)buf, n, flags);
	}
}

static void do_send(struct uep *ep)
{
	uint8_t m[UEP_MSG_LEN];

	while (ep->next_send < ep->send_to) {
		msg_fill(m, ep->id, ep->next_send);
		if (usrsctp_sendv(ep->so, m, sizeof(m), NULL, 0, NULL, 0,
				  SCTP_SENDV_NOINFO, 0) < 0) {
			if (errno != EWOULDBLOCK && errno != EAGAIN)
				fail(ep, "send failed");
			return;
		}
		ep->next_send++;
	}
}

void uep_service(struct uep *ep)
{
	if (!ep->so && ep->lso)
		do_accept(ep);
	if (!ep->so)
		return;
	do_recv(ep);
	if (ep->up && !ep->eof)
		do_send(ep);
}

bool uep_idle(struct uep *ep)
{
	struct sctp_status st;
	socklen_t l = sizeof(st);

	if (!ep->so)
		return false;
	memset(&st, 0, sizeof(st));
	if (usrsctp_getsockopt(ep->so, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0)
		return false;
	return st.sstat_unackdata == 0 && st.sstat_penddata == 0;
}

void uep_close(struct uep *ep, bool abort)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (ep->so) {
		if (abort)
			usrsctp_setsockopt(ep->so, SOL_SOCKET, SO_LINGER, &lg,
					   sizeof(lg));
		usrsctp_close(ep->so);
		ep->so = NULL;
	}
	if (ep->lso) {
		usrsctp_close(ep->lso);
		ep->lso = NULL;
	}
}

void uep_describe(struct uep *ep, char *buf, size_t len)
{
	struct sctp_status st;
	socklen_t l = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (!ep->so || usrsctp_getsockopt(ep->so, IPPROTO_SCTP, SCTP_STATUS,
					  &st, &l) < 0) {
		snprintf(buf, len, "no association");
		return;
	}
	snprintf(buf, len,
		 "state %d unacked %u pending %u rto %u srtt %u cwnd %u "
		 "path state %d",
		 st.sstat_state, st.sstat_unackdata, st.sstat_penddata,
		 st.sstat_primary.spinfo_rto, st.sstat_primary.spinfo_srtt,
		 st.sstat_primary.spinfo_cwnd, st.sstat_primary.spinfo_state);
}
