#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kroute.sh - the kroute module (routes, neighbours and links from
# netlink) against a real kernel, through kroute_probe.
#
#   +----------------------------- $NS_A (kroute_probe) -----------------+
#   | e1: 10.1.0.1/24, 2001:db8:1::1/64   e2: 10.2.0.1/24   e3: 10.3.0.1/24|
#   | default via 10.1.0.254 metric 100   (static neighbour 02:..:01:fe)   |
#   | default via 10.2.0.254 metric 200   (a real host in $NS_B)           |
#   | 198.51.100.0/24 via 10.2.0.254                                       |
#   | 10.9.0.0/16 via 10.1.0.99           (nobody there: never resolves)   |
#   | 2001:db8:99::/48 via 2001:db8:1::fe (static neighbour 02:..:06:fe)   |
#   +------+------------------------+-----------------------+--------------+
#          | veth e1 - p1           | veth e2 - p2          | veth e3 - p3
#   +------+-------------------- $NS_B ---------------------+--------------+
#   | p1: 10.1.0.2/24        p2: 10.2.0.254/24        p3: no address       |
#   +----------------------------------------------------------------------+
#
# Nothing here routes off the machine: the default routes point at
# addresses inside the namespaces, and only lookups are made (the one
# packet the kernel sends is the ARP request kroute_resolve() asks for,
# on a veth).
#
# Checks: longest prefix and metrics as the kernel applies them, on-link
# destinations, per-interface lookups (and their refusal when no route
# goes through the interface), static, resolved and unresolved neighbours,
# resolution on request with the cache updated in place (no new route
# query), IPv6, local and broadcast destinations refused, cache hits, a
# route change invalidating the cache, link down/up by admin state and by
# carrier, links appearing and going away, address add/remove events.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$E2E_DIR/lib.sh"

PROBE=${KROUTE_PROBE:-$REPO_ROOT/build/test/e2e/kroute_probe}
NS_A="sa-kra-$$"
NS_B="sa-krb-$$"
TAG=0
ANSWER=""
# Regex pieces of the expected answers.
GW1='10\.1\.0\.254'
GW2='10\.2\.0\.254'
SRC1='10\.1\.0\.1'
SRC2='10\.2\.0\.1'
MAC_GW1='02:00:00:00:01:fe'
N_PASS=0

kr_cleanup() {
	exec 3>&- 2>/dev/null
	cleanup
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap kr_cleanup EXIT

ok() {
	N_PASS=$((N_PASS + 1))
	pass "$*"
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
ip netns add "sa-probe-$$" 2>/dev/null ||
	skip "cannot create network namespaces here"
ip netns del "sa-probe-$$"
WORK=$(mktemp -d /tmp/sctpalg-e2e.XXXXXX)

# The Makefile builds the probe (make tools); by hand when run alone.
if [ ! -x "$PROBE" ]; then
	mkdir -p "$(dirname "$PROBE")"
	# shellcheck disable=SC2046
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$REPO_ROOT/include" \
		-I"$REPO_ROOT/src/daemon" \
		$(pkg-config --cflags libnl-3.0 libnl-route-3.0) \
		"$E2E_DIR/kroute_probe.c" "$REPO_ROOT/src/daemon/kroute.c" \
		"$REPO_ROOT/src/daemon/log.c" \
		"$REPO_ROOT/src/engine/nat_addr.c" \
		$(pkg-config --libs libnl-3.0 libnl-route-3.0) -o "$PROBE" ||
		fail "cannot build $PROBE"
fi

# ---- topology ----
for ns in "$NS_A" "$NS_B"; do
	ip netns add "$ns" || fail "ip netns add $ns"
	ip -n "$ns" link set lo up
	# No duplicate address detection, no router solicitations: nothing
	# should change the tables behind the test's back.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.default.router_solicitations=0
done
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
for i in 1 2 3; do
	ip -n "$NS_A" link add "e$i" type veth peer name "p$i" netns "$NS_B" ||
		fail "veth e$i"
done
ip -n "$NS_A" addr add 10.1.0.1/24 dev e1
ip -n "$NS_A" addr add 2001:db8:1::1/64 dev e1 nodad
ip -n "$NS_A" addr add 10.2.0.1/24 dev e2
ip -n "$NS_A" addr add 10.3.0.1/24 dev e3
ip -n "$NS_B" addr add 10.1.0.2/24 dev p1
ip -n "$NS_B" addr add 10.2.0.254/24 dev p2
for i in 1 2 3; do
	ip -n "$NS_A" link set "e$i" up
	ip -n "$NS_B" link set "p$i" up
done
ip -n "$NS_A" route add default via 10.1.0.254 metric 100
ip -n "$NS_A" route add default via 10.2.0.254 metric 200
ip -n "$NS_A" route add 198.51.100.0/24 via 10.2.0.254
ip -n "$NS_A" route add 10.9.0.0/16 via 10.1.0.99
ip -n "$NS_A" -6 route add 2001:db8:99::/48 via 2001:db8:1::fe
ip -n "$NS_A" neigh replace 10.1.0.254 lladdr 02:00:00:00:01:fe dev e1 \
	nud permanent
ip -n "$NS_A" -6 neigh replace 2001:db8:1::fe lladdr 02:00:00:00:06:fe \
	dev e1 nud permanent
P2_MAC=$(ip netns exec "$NS_B" cat /sys/class/net/p2/address)

links_up() {
	ip -n "$NS_A" -o link show e1 | grep -q LOWER_UP &&
		ip -n "$NS_A" -o link show e2 | grep -q LOWER_UP &&
		ip -n "$NS_A" -o link show e3 | grep -q LOWER_UP
}
wait_for 5 "veth carrier in $NS_A" links_up

# ---- the probe, fed through a FIFO ----
mkfifo "$WORK/probe.in"
ip netns exec "$NS_A" "$PROBE" <"$WORK/probe.in" >"$WORK/probe.out" 2>&1 &
BG_PID[probe]=$!
exec 3>"$WORK/probe.in"
wait_for 5 "kroute_probe ready" grep -q '^ready$' "$WORK/probe.out"

# ask CMD...: sends CMD with a fresh tag, waits for its answer in $ANSWER.
ask() {
	TAG=$((TAG + 1))
	printf '%s %s\n' "$TAG" "$*" >&3
	wait_for 5 "answer to '$*'" grep -q "^$TAG " "$WORK/probe.out"
	ANSWER=$(grep -m1 "^$TAG " "$WORK/probe.out" | cut -d' ' -f2-)
}

# expect CMD REGEX: the answer to CMD matches REGEX (bash =~).
expect() {
	ask "$1"
	[[ $ANSWER =~ $2 ]] || fail "$1: got '$ANSWER', wanted /$2/"
	ok "$1 -> $ANSWER"
}

# counter NAME: a counter from the probe's last "stats" answer.
counter() {
	printf '%s\n' "$ANSWER" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# event REGEX: the probe printed an event line matching REGEX.
has_event() {
	grep -qE "^event $1\$" "$WORK/probe.out"
}

# ---- lookups ----
expect "lookup 192.0.2.55" \
	"^ok dev e1 via $GW1 gateway src $SRC1 mtu 1500 mac $MAC_GW1\$"
expect "lookup 198.51.100.7" \
	'^ok dev e2 via 10\.2\.0\.254 gateway src 10\.2\.0\.1 '
expect "lookup 10.1.0.77" \
	"^ok dev e1 via 10\.1\.0\.77 onlink src $SRC1 mtu 1500 mac unresolved\$"
expect "lookup 192.0.2.55 dev e2" \
	"^ok dev e2 via $GW2 gateway src $SRC2 mtu 1500 mac unresolved\$"
expect "lookup 192.0.2.55 dev e3" '^err Network is unreachable$'
expect "lookup 192.0.2.55 via 10.1.0.9" \
	'^ok dev e1 via 10\.1\.0\.9 gateway src 10\.1\.0\.1 '
expect "lookup 192.0.2.55 via 10.7.0.1" '^err No route to host$'
expect "lookup 10.1.0.1" '^err Invalid argument$'
expect "lookup 10.1.0.255" '^err Invalid argument$'
expect "lookup 2001:db8:99::1" \
	"^ok dev e1 via 2001:db8:1::fe gateway src 2001:db8:1::1 mtu 1500 \
mac 02:00:00:00:06:fe\$"
expect "lookup 2001:db8:99::1 dev e2" '^err Network is unreachable$'
expect "lookup 2001:db8:5::1" '^err Network is unreachable$'

# ---- the cache: a repeated lookup is a hit, no new route query ----
ask stats
hits0=$(counter hits)
q0=$(counter queries)
expect "lookup 192.0.2.55" 'mac 02:00:00:00:01:fe$'
expect "lookup 192.0.2.55 dev e3" '^err Network is unreachable$'
ask stats
if [ "$(counter hits)" -ne $((hits0 + 2)) ] ||
	[ "$(counter queries)" -ne "$q0" ]; then
	fail "repeated lookups were not cache hits: $ANSWER" \
		"(before: hits=$hits0 queries=$q0)"
fi
ok "repeated lookups (also a negative one) are cache hits: $ANSWER"

# ---- resolution on request; the entry is updated in place ----
ask stats
q0=$(counter queries)
inv0=$(counter invalidations)
expect "resolve 192.0.2.55 dev e2" '^ok requested$'
resolved_p2() {
	ask "lookup 192.0.2.55 dev e2"
	[[ $ANSWER == *"mac $P2_MAC" ]]
}
wait_for 5 "10.2.0.254 resolved to $P2_MAC" resolved_p2
ok "next hop 10.2.0.254 resolved on request: $ANSWER"
ask stats
[ "$(counter invalidations)" -eq "$inv0" ] ||
	fail "something invalidated the cache during the test: $ANSWER"
[ "$(counter queries)" -eq "$q0" ] ||
	fail "resolution caused a new route query: $ANSWER" \
		"(before: queries=$q0)"
ok "the neighbour update reached the cached entry without a new query"

# A next hop nobody answers for stays unresolved; the request still made
# the kernel try (its entry exists, INCOMPLETE or FAILED).
expect "lookup 10.9.1.1" \
	"^ok dev e1 via 10\.1\.0\.99 gateway src $SRC1 mtu 1500 \
mac unresolved\$"
expect "resolve 10.9.1.1" '^ok requested$'
probing_99() {
	ip -n "$NS_A" neigh show 10.1.0.99 dev e1 | grep -qE 'INCOMPLETE|FAILED'
}
wait_for 5 "kernel probing 10.1.0.99" probing_99
expect "lookup 10.9.1.1" 'mac unresolved$'

# ---- a route change invalidates the cache ----
expect "lookup 203.0.113.9" '^ok dev e1 via 10\.1\.0\.254 '
ip -n "$NS_A" route add 203.0.113.0/24 via 10.2.0.254 || fail "route add"
expect "lookup 203.0.113.9" "^ok dev e2 via 10\.2\.0\.254 .* mac $P2_MAC\$"
ip -n "$NS_A" route del 203.0.113.0/24 || fail "route del"
expect "lookup 203.0.113.9" '^ok dev e1 via 10\.1\.0\.254 '

# ---- link state ----
idx_e1=$(ip netns exec "$NS_A" cat /sys/class/net/e1/ifindex)
idx_e2=$(ip netns exec "$NS_A" cat /sys/class/net/e2/ifindex)

ip -n "$NS_A" link set e2 down
wait_for 5 "event: e2 down" has_event "link e2 $idx_e2 down"
ok "admin down of e2 reported"
# The kernel dropped the routes through e2; the cache follows.
expect "lookup 198.51.100.7" '^ok dev e1 via 10\.1\.0\.254 '
ip -n "$NS_A" link set e2 up
wait_for 5 "event: e2 up" has_event "link e2 $idx_e2 up"
ok "e2 back up reported"

ip -n "$NS_B" link set p1 down
wait_for 5 "event: e1 down (carrier)" has_event "link e1 $idx_e1 down"
ok "carrier loss on e1 (peer p1 down) reported"
expect "link e1" '^ok index [0-9]+ down mtu 1500 mac '
ip -n "$NS_B" link set p1 up
wait_for 5 "event: e1 up (carrier)" has_event "link e1 $idx_e1 up"
ok "carrier back on e1 reported"

ip -n "$NS_A" link add x7 type veth peer name y7 || fail "veth x7"
idx_x=$(ip netns exec "$NS_A" cat /sys/class/net/x7/ifindex)
wait_for 5 "event: x7 appears down" has_event "link x7 $idx_x down"
ip -n "$NS_A" link set y7 up
ip -n "$NS_A" link set x7 up
wait_for 5 "event: x7 up" has_event "link x7 $idx_x up"
ip -n "$NS_A" link del x7
x7_gone() {
	[ "$(grep -c "^event link x7 $idx_x down\$" "$WORK/probe.out")" -ge 2 ]
}
wait_for 5 "event: x7 gone" x7_gone
ok "a new link reported down, then up, then gone"

# ---- addresses ----
ip -n "$NS_A" addr add 10.1.0.5/24 dev e1
wait_for 5 "event: address added" has_event "addr add $idx_e1 10\.1\.0\.5/24"
ip -n "$NS_A" addr del 10.1.0.5/24 dev e1
wait_for 5 "event: address removed" has_event "addr del $idx_e1 10\.1\.0\.5/24"
ok "address add and remove reported"

# ---- lost notifications: overrun the socket, expect a full resync ----
# 20000 route notifications (several MB) while the probe does not read,
# and e3 loses its carrier meanwhile: after the resync the new routes
# are used and e3's change is reported all the same.
expect "pause" '^ok$'
for i in $(seq 0 19999); do
	printf 'route add 100.64.%d.%d/32 via 10.2.0.254\n' \
		$((i / 250)) $((i % 250 + 1))
done >"$WORK/routes.batch"
ip -n "$NS_A" -batch "$WORK/routes.batch" || fail "ip -batch"
idx_e3=$(ip netns exec "$NS_A" cat /sys/class/net/e3/ifindex)
ip -n "$NS_B" link set p3 down
expect "resume" '^ok$'
wait_for 20 "event: resync" has_event resync
ok "socket overrun detected, tables read again"
wait_for 5 "event: e3 down after resync" has_event "link e3 $idx_e3 down"
ok "carrier loss during the overrun reported after the resync"
expect "lookup 100.64.79.250" '^ok dev e2 via 10\.2\.0\.254 '
expect "lookup 192.0.2.55" '^ok dev e1 via 10\.1\.0\.254 '

grep -q 'kroute_process' "$WORK/probe.out" &&
	fail "kroute_process reported an error"

exec 3>&-
wait_bg probe 5 || fail "kroute_probe exited with an error"
say "test_kroute: $N_PASS passed, 0 failed"
