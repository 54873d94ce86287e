/*
 * assoc_log.c: association events to log lines.  See assoc_log.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "assoc_log.h"
#include "log.h"
#include "time_ns.h"

/*
 * Budgets.  Associations that came up: 100 lines at once, then 10 a
 * second -- a busy office opens a few a second, an inside host running
 * away opens thousands.  Set-ups that failed (a scan, a dead peer): 10 at
 * once, then one a second; they say little one by one.
 */
#define RL_UP_BURST	      100
#define RL_UP_INTERVAL_MS     100
#define RL_FAILED_BURST	      10
#define RL_FAILED_INTERVAL_MS 1000

struct assoc_log {
	const struct engine_config *conf;
	struct log_ratelimit rl_up, rl_failed;
};

int assoc_log_create(const struct engine_config *conf, struct assoc_log **out)
{
	struct assoc_log *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->conf = conf;
	l->rl_up = (struct log_ratelimit)LOG_RATELIMIT_INIT(RL_UP_BURST,
							    RL_UP_INTERVAL_MS);
	l->rl_failed = (struct log_ratelimit)LOG_RATELIMIT_INIT(
		RL_FAILED_BURST, RL_FAILED_INTERVAL_MS);
	*out = l;
	return 0;
}

void assoc_log_destroy(struct assoc_log *l)
{
	free(l);
}

/* ---- formatting ---- */

struct line {
	char *buf;
	size_t len, off;
};

static void put(struct line *ln, const char *fmt, ...) LOG_PRINTF(2, 3);

static void put(struct line *ln, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ln->off >= ln->len)
		return; /* already full: the line is cut short */
	va_start(ap, fmt);
	n = vsnprintf(ln->buf + ln->off, ln->len - ln->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		ln->off += (size_t)n;
}

/* Which side of the view an address list comes from. */
enum side {
	SIDE_INSIDE,
	SIDE_PUBLIC,
	SIDE_PEER
};

static const struct nat_addr *side_addr(const struct engine_assoc_view *v,
					enum side s, int i)
{
	switch (s) {
	case SIDE_INSIDE:
		return &v->locals[i].inside;
	case SIDE_PUBLIC:
		return &v->locals[i].public_;
	default:
		return &v->paths[i].peer;
	}
}

/*
 * "a,b:port", each address once; IPv6 lists in brackets so the port
 * cannot be read as part of the last address.
 */
static void put_endpoint(struct line *ln, const struct engine_assoc_view *v,
			 enum side s, uint16_t port)
{
	int n = s == SIDE_PEER ? v->n_paths : v->n_locals;
	char a[NAT_ADDR_STRLEN];
	bool v6 = false, first = true;

	for (int i = 0; i < n; i++)
		v6 |= side_addr(v, s, i)->family == AF_INET6;
	if (v6)
		put(ln, "[");
	for (int i = 0; i < n; i++) {
		const struct nat_addr *x = side_addr(v, s, i);
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = nat_addr_eq(side_addr(v, s, j), x);
		if (seen)
			continue;
		put(ln, "%s%s", first ? "" : ",",
		    nat_addr_str(x, a, sizeof(a)));
		first = false;
	}
	if (first)
		put(ln, "?");
	put(ln, "%s:%u", v6 ? "]" : "", port);
}

static void put_assoc(struct line *ln, const struct engine_assoc_view *v)
{
	put_endpoint(ln, v, SIDE_INSIDE, v->inside_port);
	put(ln, " -> ");
	put_endpoint(ln, v, SIDE_PUBLIC, v->public_port);
	put(ln, " -> ");
	put_endpoint(ln, v, SIDE_PEER, v->peer_port);
	put(ln, " vtags 0x%08x/0x%08x%s", v->tag_inside, v->tag_peer,
	    v->inbound ? " inbound" : "");
}

static const char *uplink_name(const struct engine_config *c, int u)
{
	if (u < 0)
		return "routing";
	return u < c->n_uplinks ? c->uplinks[u].name : "?";
}

/* "12.3 s" from nanoseconds, without floating point. */
static void put_age(struct line *ln, uint64_t ns)
{
	uint64_t ds = ns / 100000000u; /* tenths of a second */

	put(ln, "%llu.%llu s", (unsigned long long)(ds / 10),
	    (unsigned long long)(ds % 10));
}

const char *assoc_log_format(const struct engine_event *ev,
			     const struct engine_config *conf, char *buf,
			     size_t len)
{
	const struct engine_assoc_view *v = ev->assoc;
	struct line ln = { .buf = buf, .len = len };
	const char *why = engine_event_reason_name(ev->reason);

	if (len)
		buf[0] = '\0';
	switch (ev->type) {
	case ENGINE_EV_UP:
		put(&ln, "association up%s: ",
		    ev->reason == ENGINE_EVR_RESTART ? " (restart)" : "");
		put_assoc(&ln, v);
		break;
	case ENGINE_EV_DOWN:
		/* Never up: the handshake failed, which says something
		 * else (no answer, refused) than an association ending. */
		put(&ln, "association %s (%s", ev->was_up ? "down" : "failed",
		    why);
		if (!ev->was_up)
			put(&ln, " in %s",
			    assoc_state_name((enum assoc_state)v->state));
		put(&ln, " after ");
		put_age(&ln, ev->age_ns);
		put(&ln,
		    ", %llu/%llu packets): ", (unsigned long long)ev->pkts_out,
		    (unsigned long long)ev->pkts_in);
		put_assoc(&ln, v);
		break;
	case ENGINE_EV_MOVED:
		put(&ln, "association paths moved (uplink %s %s): ",
		    uplink_name(conf, ev->uplink),
		    ev->reason == ENGINE_EVR_UPLINK_UP ? "up" : "down");
		put_assoc(&ln, v);
		for (int i = 0; i < v->n_paths; i++) {
			char a[NAT_ADDR_STRLEN];

			if (!(ev->moved_paths & (1u << i)))
				continue;
			put(&ln, "; %s now via %s",
			    nat_addr_str(&v->paths[i].peer, a, sizeof(a)),
			    uplink_name(conf, v->paths[i].uplink));
		}
		break;
	default:
		put(&ln, "association event %u (%s): ", ev->type, why);
		put_assoc(&ln, v);
		break;
	}
	return buf;
}

/* ---- logging ---- */

void assoc_log_event(void *arg, const struct engine_event *ev)
{
	struct assoc_log *l = arg;
	struct log_ratelimit *rl;
	char line[768];
	uint64_t held;

	/* Hidden lines cost neither formatting nor tokens. */
	if (log_getlevel() < LOG_INFO)
		return;
	rl = ev->type == ENGINE_EV_DOWN && !ev->was_up ? &l->rl_failed :
							 &l->rl_up;
	if (!log_ratelimit_allow(rl, mono_ns(), &held))
		return;
	assoc_log_format(ev, l->conf, line, sizeof(line));
	if (held)
		log_info("%s (%llu association lines before this one not "
			 "logged: rate limit)",
			 line, (unsigned long long)held);
	else
		log_info("%s", line);
}

static void tick_one(struct log_ratelimit *rl, const char *what,
		     uint64_t now_ns)
{
	uint64_t held;

	if (rl->suppressed && log_ratelimit_allow(rl, now_ns, &held))
		log_info("%llu %s lines not logged (rate limit); "
			 "sctpalgctl lists the live associations",
			 (unsigned long long)held, what);
}

void assoc_log_tick(struct assoc_log *l, uint64_t now_ns)
{
	if (log_getlevel() < LOG_INFO)
		return;
	tick_one(&l->rl_up, "association", now_ns);
	tick_one(&l->rl_failed, "failed association", now_ns);
}
