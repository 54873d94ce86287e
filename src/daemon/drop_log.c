/*
 * drop_log.c: limit and policy drops to warnings.  See drop_log.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "drop_log.h"
#include "log.h"

/* One warning per reason per minute: enough to notice, too few to spam. */
#define DROP_LOG_INTERVAL_MS 60000

struct drop_log {
	uint64_t reported[DROP__COUNT]; /* counter at the last warning */
	struct log_ratelimit rl[DROP__COUNT];
};

int drop_log_create(struct drop_log **out)
{
	struct drop_log *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	for (int r = 0; r < DROP__COUNT; r++)
		w->rl[r] = (struct log_ratelimit)LOG_RATELIMIT_INIT(
			1, DROP_LOG_INTERVAL_MS);
	*out = w;
	return 0;
}

void drop_log_destroy(struct drop_log *w)
{
	free(w);
}

bool drop_log_format(enum drop_reason r, uint64_t n,
		     const struct engine_config *c, char *buf, size_t len)
{
	unsigned long long k = (unsigned long long)n;

	switch (r) {
	case DROP_TABLE_FULL:
		snprintf(buf, len,
			 "association limit %u reached: %llu new "
			 "associations refused; raise associations in "
			 "[limits] (takes a restart), or see with sctpalgctl "
			 "which hosts hold them",
			 c->max_assocs, k);
		break;
	case DROP_HOST_LIMIT:
		snprintf(buf, len,
			 "per-host limit %u reached: %llu INITs "
			 "from an inside host refused; if the host is "
			 "legitimate, raise per-host in [limits] (sctpalgctl "
			 "lists its associations)",
			 c->max_assocs_per_host, k);
		break;
	case DROP_HANDSHAKE_LIMIT:
		snprintf(buf, len,
			 "handshake limit %u reached: %llu INITs "
			 "refused while that many associations were still "
			 "setting up; raise handshakes in [limits], or look "
			 "for a host whose peers never answer",
			 c->max_handshakes, k);
		break;
	case DROP_INIT_RATE:
		snprintf(buf, len,
			 "INIT rate limit %u/s (burst %u) reached: "
			 "%llu INITs refused; if this is legitimate traffic, "
			 "raise init-rate or init-burst in [limits]",
			 c->init_rate, c->init_burst, k);
		break;
	case DROP_INIT_SOURCE_RATE:
		snprintf(buf, len,
			 "INIT share per source %u/s (burst %u) reached: "
			 "%llu INITs refused from one inside host or outside "
			 "prefix (a flood, or raise source-init-rate in "
			 "[limits])",
			 c->source_init_rate, c->source_init_rate * 2, k);
		break;
	case DROP_PORTS_EXHAUSTED:
		snprintf(buf, len,
			 "no free public port in %u-%u: %llu "
			 "associations refused; widen port-range in [nat] or "
			 "give the uplinks more public addresses",
			 c->port_min, c->port_max, k);
		break;
	case DROP_TOO_MANY_ADDRS:
		snprintf(buf, len,
			 "address list overflow: %llu packets "
			 "listed more than %u addresses for one side; raise "
			 "max-addresses in [nat] (takes a restart)",
			 k, c->max_addrs);
		break;
	case DROP_INSIDE_ADDR_UNKNOWN:
		snprintf(buf, len,
			 "%llu packets from inside addresses in no "
			 "inside network dropped; add their network to "
			 "[inside] (network = prefix uplink name)",
			 k);
		break;
	case DROP_ASCONF_AUTH_PRIVATE:
		snprintf(buf, len,
			 "%llu authenticated ASCONFs named private "
			 "addresses, which the ALG cannot rewrite under AUTH "
			 "(RFC 4895): dropped; make the inside host add "
			 "addresses as wildcards (0.0.0.0 or ::) or not use "
			 "ASCONF",
			 k);
		break;
	case DROP_HOST_NAME_ADDR:
		snprintf(buf, len,
			 "%llu INITs with a Host Name Address "
			 "dropped: a name cannot be translated; configure the "
			 "endpoint to list IP addresses",
			 k);
		break;
	case DROP_INSIDE_ADDR_UNADVERTISED:
		snprintf(buf, len,
			 "%llu packets from inside addresses the peer was "
			 "never told of dropped (the peer would abort the "
			 "association); make the host list all its addresses "
			 "in its INIT, or add them with ASCONF",
			 k);
		break;
	case DROP_ASCONF_PENDING_FULL:
		snprintf(buf, len,
			 "%llu ASCONFs found no room to wait for their "
			 "ASCONF-ACK; their senders retransmit them; if it "
			 "persists, raise associations in [limits] (takes a "
			 "restart)",
			 k);
		break;
	default:
		return false;
	}
	return true;
}

void drop_log_tick(struct drop_log *w, const struct engine_stats *st,
		   const struct engine_config *conf, uint64_t now_ns)
{
	char line[512];
	uint64_t held;

	for (int r = 0; r < DROP__COUNT; r++) {
		uint64_t n = st->drops[r] - w->reported[r];

		if (st->drops[r] < w->reported[r]) {
			/* The engine was made anew: start again. */
			w->reported[r] = st->drops[r];
			continue;
		}
		if (n == 0 || !drop_log_format((enum drop_reason)r, n, conf,
					       line, sizeof(line)))
			continue;
		/* Not yet: the count keeps growing for the next warning. */
		if (!log_ratelimit_allow(&w->rl[r], now_ns, &held))
			continue;
		w->reported[r] = st->drops[r];
		if (st->last_drop_src[r].family) {
			char a[NAT_ADDR_STRLEN];

			log_warnx("%s (latest from %s)", line,
				  nat_addr_str(&st->last_drop_src[r], a,
					       sizeof(a)));
		} else {
			log_warnx("%s", line);
		}
	}
}
