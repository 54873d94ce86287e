/*
 * kroute_probe: the kroute module on a command line, for test_kroute.sh.
 *
 * Reads commands from stdin, one per line, each starting with a tag the
 * answer repeats (so a test can wait for the answer to the command it
 * sent), and processes netlink notifications between commands, exactly
 * as sctpalgd's loop does.  Output is line-buffered:
 *
 *   TAG lookup DST [dev IF] [via GW]
 *	TAG ok dev IF via ADDR gateway|onlink src ADDR|- mtu N
 *	       mac MAC|unresolved
 *	TAG err ERRNO-TEXT
 *   TAG resolve DST [dev IF] [via GW]    lookup, then kroute_resolve()
 *	TAG ok requested
 *   TAG stats
 *	TAG ok hits=N misses=N queries=N resolves=N invalidations=N
 *   TAG link IF
 *	TAG ok index N up|down mtu N mac MAC
 *   TAG pause / TAG resume
 *	TAG ok      stop / start reading notifications (so a test can
 *		    make the socket overrun and watch the resync)
 *
 * Notifications print as they are processed:
 *
 *   event link IF INDEX up|down
 *   event addr add|del INDEX ADDR/LEN
 *   event resync
 *
 * When netlink and stdin are both readable, netlink goes first, so a
 * command written after a route change sees the change.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kroute.h"
#include "log.h"
#include "nat_addr.h"
#include "time_ns.h"

static struct kroute *kr;
static bool paused;

static void on_link(void *arg, int ifindex, const char *name, bool up)
{
	(void)arg;
	printf("event link %s %d %s\n", name, ifindex, up ? "up" : "down");
}

static void on_addr(void *arg, int ifindex, const struct nat_addr *a,
		    unsigned int plen, bool added)
{
	char buf[NAT_ADDR_STRLEN];

	(void)arg;
	printf("event addr %s %d %s/%u\n", added ? "add" : "del", ifindex,
	       nat_addr_str(a, buf, sizeof(buf)), plen);
}

static void on_resync(void *arg)
{
	(void)arg;
	printf("event resync\n");
}

static const char *mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}

/* "DST [dev IF] [via GW]" -> a lookup; 0 or -errno (already printed). */
static int do_lookup(const char *tag, char **tok, int n,
		     struct kroute_nexthop *nh)
{
	struct nat_addr dst, gw;
	int oif = 0, i, ret;

	memset(&gw, 0, sizeof(gw));
	if (n < 1 || nat_addr_parse(&dst, tok[0]) < 0) {
		printf("%s err usage\n", tag);
		return -EINVAL;
	}
	for (i = 1; i < n; i += 2) {
		if (i + 1 >= n) {
			printf("%s err usage\n", tag);
			return -EINVAL;
		}
		if (strcmp(tok[i], "dev") == 0) {
			oif = kroute_ifindex(kr, tok[i + 1]);
			if (oif < 0) {
				printf("%s err no such device\n", tag);
				return oif;
			}
		} else if (strcmp(tok[i], "via") == 0 &&
			   nat_addr_parse(&gw, tok[i + 1]) == 0) {
			continue;
		} else {
			printf("%s err usage\n", tag);
			return -EINVAL;
		}
	}
	ret = kroute_lookup(kr, &dst, oif, &gw, nh);
	if (ret < 0)
		printf("%s err %s\n", tag, strerror(-ret));
	return ret;
}

static void print_nexthop(const char *tag, const struct kroute_nexthop *nh)
{
	char via[NAT_ADDR_STRLEN], src[NAT_ADDR_STRLEN], mac[18];
	struct kroute_link link;

	if (kroute_link(kr, nh->ifindex, &link) < 0)
		strcpy(link.name, "?");
	printf("%s ok dev %s via %s %s src %s mtu %u mac %s\n", tag,
	       link.name, nat_addr_str(&nh->via, via, sizeof(via)),
	       nh->gateway ? "gateway" : "onlink",
	       nh->src.family ? nat_addr_str(&nh->src, src, sizeof(src)) : "-",
	       nh->mtu,
	       nh->resolved ? mac_str(nh->dst_mac, mac, sizeof(mac))
			    : "unresolved");
}

static void command(char *line)
{
	const struct kroute_stats *st;
	struct kroute_nexthop nh;
	struct kroute_link link;
	char *tok[16], *save = NULL, *t, mac[18];
	const char *tag;
	int n = 0, ret, idx;

	for (t = strtok_r(line, " \t", &save); t && n < 16;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n < 2) {
		printf("? err usage\n");
		return;
	}
	tag = tok[0];
	if (strcmp(tok[1], "lookup") == 0) {
		if (do_lookup(tag, tok + 2, n - 2, &nh) == 0)
			print_nexthop(tag, &nh);
	} else if (strcmp(tok[1], "resolve") == 0) {
		if (do_lookup(tag, tok + 2, n - 2, &nh) < 0)
			return;
		ret = kroute_resolve(kr, &nh, mono_ns());
		if (ret < 0)
			printf("%s err %s\n", tag, strerror(-ret));
		else
			printf("%s ok requested\n", tag);
	} else if (strcmp(tok[1], "stats") == 0) {
		st = kroute_stats(kr);
		printf("%s ok hits=%llu misses=%llu queries=%llu resolves=%llu "
		       "invalidations=%llu\n", tag,
		       (unsigned long long)st->hits,
		       (unsigned long long)st->misses,
		       (unsigned long long)st->route_queries,
		       (unsigned long long)st->resolve_requests,
		       (unsigned long long)st->invalidations);
	} else if (strcmp(tok[1], "link") == 0 && n == 3) {
		idx = kroute_ifindex(kr, tok[2]);
		if (idx < 0 || kroute_link(kr, idx, &link) < 0) {
			printf("%s err no such device\n", tag);
			return;
		}
		printf("%s ok index %d %s mtu %u mac %s\n", tag, idx,
		       link.up ? "up" : "down", link.mtu,
		       link.has_mac ? mac_str(link.mac, mac, sizeof(mac))
				    : "-");
	} else if (strcmp(tok[1], "pause") == 0 ||
		   strcmp(tok[1], "resume") == 0) {
		paused = tok[1][0] == 'p';
		printf("%s ok\n", tag);
	} else {
		printf("%s err usage\n", tag);
	}
}

int main(void)
{
	struct kroute_ops ops = {
		.link_changed = on_link,
		.addr_changed = on_addr,
		.resynced = on_resync,
	};
	struct pollfd pfd[2];
	char buf[4096];
	size_t have = 0;
	char *nl;
	ssize_t n;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("kroute_probe", true, LOG_DAEMON);
	ret = kroute_create(&ops, &kr);
	if (ret < 0) {
		fprintf(stderr, "kroute_create: %s\n", strerror(-ret));
		return 1;
	}
	printf("ready\n");
	pfd[0].fd = kroute_fd(kr);
	pfd[0].events = POLLIN;
	pfd[1].fd = STDIN_FILENO;
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].events = paused ? 0 : POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (pfd[0].revents && !paused) {
			ret = kroute_process(kr);
			if (ret < 0)
				fprintf(stderr, "kroute_process: %s\n",
					strerror(-ret));
		}
		if (!pfd[1].revents)
			continue;
		n = read(STDIN_FILENO, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			command(buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line too long: drop it */
	}
	kroute_destroy(kr);
	return 0;
}
