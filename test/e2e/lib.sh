# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh - namespace topology and capture helpers for sctpalg's end-to-end
# tests, in the style of the kernel's WireGuard selftest (netns.sh): PID in
# every namespace name, one trap that tears everything down, waiting for
# conditions instead of sleeping, an explicit skip (exit 77) said out loud.
#
# The standard topology (all addresses documentation/private ranges, no
# namespace has a route off the machine: nothing here touches the host's
# own namespace except creating and deleting the namespaces):
#
#   +-------------------------- $NS_CLI ---------------------------+
#   | lan0: $CLI_ADDR1/24 + $CLI_ADDR2/24   default via $BOX_LAN     |
#   +-------------------------------+-------------------------------+
#                                   | veth lan0 <-> lan0
#   +-------------------------- $NS_BOX ---------------------------+
#   | lan0: $BOX_LAN/24        ip_forward=1  (the NAT box)          |
#   | wan1: $BOX_WAN1/24 (uplink 1)    wan2: $BOX_WAN2/24 (uplink 2) |
#   +-----------+---------------------------------------+-----------+
#               | veth wan1 <-> wan1                    | veth wan2 <-> wan2
#   +-----------+-------------- $NS_SRV ----------------+-----------+
#   | wan1: $SRV_ADDR1/24 (198.51.100.0/24, "ISP 1")                |
#   | wan2: $SRV_ADDR2/24 (203.0.113.0/24, "ISP 2")   multihomed    |
#   +---------------------------------------------------------------+
#
# The two uplinks are disjoint links: the server reaches the box's uplink 1
# address only through wan1 and uplink 2 only through wan2, so breaking one
# veth breaks exactly one path.  The client LAN is 192.168.1.0/24 by default
# (a NATed office); a test that wants routable client addresses sets
# CLI_NET=192.0.2 (TEST-NET-1) before topo_create and calls
# topo_route_clients_per_uplink so the server reaches client address 1 via
# uplink 1 and client address 2 via uplink 2.
#
# Usage: source this file, then topo_create; the EXIT trap cleans up.  Set
# KEEP=1 to keep the work directory (logs, pcaps) after the run.

set -u
set -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
SCTP_PEER=${SCTP_PEER:-$REPO_ROOT/build/test/e2e/sctp_peer}

NS_CLI="sa-cli-$$"
NS_BOX="sa-box-$$"
NS_SRV="sa-srv-$$"

CLI_NET=${CLI_NET:-192.168.1}
SRV_ADDR1=198.51.100.100
SRV_ADDR2=203.0.113.100
BOX_WAN1=198.51.100.1
BOX_WAN2=203.0.113.1
SCTP_PORT=${SCTP_PORT:-5001}

WORK=""
declare -A BG_PID=()
CAPTURES=()
_TOPO_UP=0

say() { printf '%s\n' "$*"; }
say_err() { printf '%s\n' "$*" >&2; }

skip() {
	say "SKIP: $*"
	say_err "SKIP: $*"
	exit 77
}

fail() {
	say "FAIL: $*"
	dump_logs
	exit 1
}

pass() {
	say "PASS: $*"
}

# Prints every log of this run, so a failure in CI explains itself.
dump_logs() {
	local f

	[ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	for f in "$WORK"/*.out; do
		[ -e "$f" ] || continue
		say "----- ${f##*/} -----"
		cat "$f"
	done
	say "----- end of logs -----"
}

cleanup() {
	local name pid

	set +e
	for name in "${!BG_PID[@]}"; do
		pid=${BG_PID[$name]}
		kill -TERM "$pid" 2>/dev/null
	done
	for name in "${!BG_PID[@]}"; do
		pid=${BG_PID[$name]}
		_wait_pid_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	BG_PID=()
	if [ "$_TOPO_UP" = 1 ]; then
		# Daemons (sctpalgd without -f) are nobody's child here; a
		# process would outlive its deleted namespace.
		for name in "$NS_CLI" "$NS_BOX" "$NS_SRV"; do
			pid=$(ip netns pids "$name" 2>/dev/null)
			[ -z "$pid" ] || kill -KILL $pid 2>/dev/null
		done
		ip netns del "$NS_CLI" 2>/dev/null
		ip netns del "$NS_BOX" 2>/dev/null
		ip netns del "$NS_SRV" 2>/dev/null
	fi
	san_check || _san_bad=1
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			say_err "kept work directory $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	# A sanitizer report fails the test, whatever it said before.
	[ "${_san_bad:-0}" = 0 ] || exit 1
}
trap cleanup EXIT
# a signal must end the script through exit, so the EXIT trap cleans up
trap 'exit 130' INT TERM HUP

# _wait_pid_gone PID TENTHS: true once PID has exited.
_wait_pid_gone() {
	local pid=$1 n=$2

	while [ "$n" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# poll_until TIMEOUT_S CMD [ARGS...]: polls CMD every 100 ms until it
# succeeds (0), or 1 on timeout, for a test that checks what happened
# either way.  Never a bare sleep.
poll_until() {
	local n=$(($1 * 10))

	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_for TIMEOUT_S WHAT CMD [ARGS...]: poll_until, failing the test
# (saying WHAT) on timeout.
wait_for() {
	local timeout=$1 what=$2

	shift 2
	poll_until "$timeout" "$@" ||
		fail "timed out after ${timeout}s waiting for: $what"
}

n_cli() { ip netns exec "$NS_CLI" "$@"; }
n_box() { ip netns exec "$NS_BOX" "$@"; }
n_srv() { ip netns exec "$NS_SRV" "$@"; }

# require_env: everything these tests need, else exit 77 saying what.
require_env() {
	local c

	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for c in ip nft tshark dumpcap; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "'$c' not installed (apt-get install iproute2 nftables tshark)"
	done
	ip netns add "sa-probe-$$" 2>/dev/null ||
		skip "cannot create network namespaces here"
	ip netns del "sa-probe-$$"
	WORK=$(mktemp -d /tmp/sctpalg-e2e.XXXXXX)
	chmod 755 "$WORK"
	ensure_sctp_peer
}

# The Makefile builds the tool (make tools); built here too, with the
# project's flags, when missing or older than its sources.  No usrsctp
# headers means skip, loudly.
ensure_sctp_peer() {
	local src="$E2E_DIR/sctp_peer.c" common="$E2E_DIR/peer_common.c"

	if [ -x "$SCTP_PEER" ] && [ "$SCTP_PEER" -nt "$src" ] &&
		[ "$SCTP_PEER" -nt "$common" ]; then
		return 0
	fi
	[ -e /usr/include/usrsctp.h ] ||
		skip "usrsctp not installed (apt-get install libusrsctp-dev)"
	mkdir -p "$(dirname "$SCTP_PEER")"
	# build beside the target and rename: parallel tests never see half
	if ! gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
		-Wpointer-arith -Wcast-qual -Wmissing-prototypes \
		-Wstrict-prototypes -I"$E2E_DIR" "$src" "$common" \
		-lusrsctp -lpthread \
		-o "$SCTP_PEER.$$" ||
		! mv -f "$SCTP_PEER.$$" "$SCTP_PEER"; then
		fail "cannot build $SCTP_PEER"
	fi
}

_ns_base() {
	local ns=$1

	ip netns add "$ns" || fail "ip netns add $ns"
	ip -n "$ns" link set lo up
	# IPv4 only: no router solicitations or DAD chatter in the captures
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

# topo_create: the three namespaces, veths, addresses and routes above.
# The box only routes; NAT (kernel or sctpalgd) is the caller's business.
topo_create() {
	CLI_ADDR1=$CLI_NET.10
	CLI_ADDR2=$CLI_NET.11
	BOX_LAN=$CLI_NET.1

	_TOPO_UP=1
	_ns_base "$NS_CLI"
	_ns_base "$NS_BOX"
	_ns_base "$NS_SRV"

	ip -n "$NS_CLI" link add lan0 type veth peer name lan0 netns "$NS_BOX"
	ip -n "$NS_BOX" link add wan1 type veth peer name wan1 netns "$NS_SRV"
	ip -n "$NS_BOX" link add wan2 type veth peer name wan2 netns "$NS_SRV"

	ip -n "$NS_CLI" addr add "$CLI_ADDR1/24" dev lan0
	ip -n "$NS_CLI" addr add "$CLI_ADDR2/24" dev lan0
	ip -n "$NS_BOX" addr add "$BOX_LAN/24" dev lan0
	ip -n "$NS_BOX" addr add "$BOX_WAN1/24" dev wan1
	ip -n "$NS_BOX" addr add "$BOX_WAN2/24" dev wan2
	ip -n "$NS_SRV" addr add "$SRV_ADDR1/24" dev wan1
	ip -n "$NS_SRV" addr add "$SRV_ADDR2/24" dev wan2

	ip -n "$NS_CLI" link set lan0 up
	ip -n "$NS_BOX" link set lan0 up
	ip -n "$NS_BOX" link set wan1 up
	ip -n "$NS_BOX" link set wan2 up
	ip -n "$NS_SRV" link set wan1 up
	ip -n "$NS_SRV" link set wan2 up

	ip -n "$NS_CLI" route add default via "$BOX_LAN" dev lan0
	n_box sysctl -qw net.ipv4.ip_forward=1
	# The box sees each client address arrive on lan0 but, once NAT or
	# the server's per-uplink routes are in place, replies may come back
	# on either uplink: strict reverse-path filtering would be a third,
	# unrelated failure mode.
	n_box sysctl -qw net.ipv4.conf.all.rp_filter=0
	n_box sysctl -qw net.ipv4.conf.default.rp_filter=0
	local i
	for i in lan0 wan1 wan2; do
		n_box sysctl -qw "net.ipv4.conf.$i.rp_filter=0"
	done

	wait_for 5 "veth carrier in $NS_SRV" _links_up
}

# topo_enable_ipv6: IPv6 on in the three namespaces (topo_create keeps
# it off for quiet captures), the box forwarding it.  DAD goes off before
# IPv6 comes on: otherwise the link-local addresses start tentative, and
# a router whose link-local is tentative discards the first packets it
# should forward while neighbour discovery waits (Ip6InDiscards on the
# box, a lost first INIT).  Add addresses with nodad, then call
# topo_wait_ipv6.
topo_enable_ipv6() {
	local ns c

	for ns in "$NS_CLI" "$NS_BOX" "$NS_SRV"; do
		for c in all default lan0 wan1 wan2; do
			ip netns exec "$ns" sysctl -qw \
				"net.ipv6.conf.$c.accept_dad=0" 2>/dev/null
		done
		for c in all default lan0 wan1 wan2; do
			ip netns exec "$ns" sysctl -qw \
				"net.ipv6.conf.$c.disable_ipv6=0" 2>/dev/null
		done
	done
	n_box sysctl -qw net.ipv6.conf.all.forwarding=1
}

_no_tentative() {
	local ns

	for ns in "$NS_CLI" "$NS_BOX" "$NS_SRV"; do
		[ -z "$(ip -n "$ns" -6 addr show tentative)" ] || return 1
	done
}

# topo_wait_ipv6: until no address of the topology is tentative.
topo_wait_ipv6() {
	wait_for 5 "IPv6 addresses usable (no DAD pending)" _no_tentative
}

# Both ends of each veth: the box's too, whose state sctpalgd reads at
# start (a [forward] rule's inside address behind a link not yet up is
# skipped for new associations).  The kernel sets a veth's operational
# state some time after the carrier (linkwatch), up to a second later.
_links_up() {
	local ns dev

	for ns in "$NS_SRV:wan1" "$NS_SRV:wan2" "$NS_CLI:lan0" \
		"$NS_BOX:lan0" "$NS_BOX:wan1" "$NS_BOX:wan2"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		ip -n "$ns" -o link show "$dev" | grep -q 'state UP' || return 1
	done
}

# topo_route_clients_per_uplink: routed (no NAT) mode.  The server reaches
# client address 1 through uplink 1 and client address 2 through uplink 2,
# so each client address is one disjoint path end to end.
topo_route_clients_per_uplink() {
	ip -n "$NS_SRV" route add "$CLI_ADDR1/32" via "$BOX_WAN1" dev wan1
	ip -n "$NS_SRV" route add "$CLI_ADDR2/32" via "$BOX_WAN2" dev wan2
}

# box_kernel_nat: plain kernel NAT, what a small-office router does today:
# masquerade on both uplinks (the conntrack SCTP tracker is built in).
box_kernel_nat() {
	n_box nft -f - <<-EOF || fail "nft: kernel NAT rules"
	table ip kernel_nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan1" counter masquerade
			oifname "wan2" counter masquerade
		}
	}
	EOF
}

# sctp_src_fixup NS NAME NEWSRC MATCH...: the usrsctp multihoming fix-up.
#
# usrsctp (see sctp_peer.c) writes ONE source address into every packet of
# an association and sends it through a raw IP_HDRINCL socket; the kernel
# routes such packets by destination only.  A multihomed usrsctp endpoint
# would therefore send path 2's packets out of link 2 with link 1's source
# address, and the peer would answer them on path 1.  This rule rewrites the
# source of SCTP packets matching MATCH (an nft expression: the egress link,
# e.g. 'oifname "wan2"', or the destination, e.g. 'ip daddr 203.0.113.0/24')
# to NEWSRC, so every path leaves with its own address.
#
# Why it is safe and stateless: a filter-type chain at postrouting (after
# the routing decision, so no re-route) with a payload statement; there is
# no nat chain and no ct expression, so conntrack never even attaches to
# this namespace.  nft fixes the IPv4 header checksum; SCTP's CRC32c covers
# no pseudo-header (RFC 9260 section 6.8), so the SCTP packet stays valid.
# Only IP protocol 132 is touched.
sctp_src_fixup() {
	local ns=$1 name=$2 newsrc=$3

	shift 3
	ip netns exec "$ns" nft list table ip sctp_src_fixup >/dev/null 2>&1 ||
		ip netns exec "$ns" nft -f - <<-EOF || fail "nft: fix-up table in $ns"
		table ip sctp_src_fixup {
			chain postrouting {
				type filter hook postrouting priority 100; policy accept;
			}
		}
		EOF
	ip netns exec "$ns" nft add rule ip sctp_src_fixup postrouting \
		"$@" ip protocol sctp ip saddr != "$newsrc" \
		ip saddr set "$newsrc" counter comment "\"$name\"" ||
		fail "nft: fix-up rule $name in $ns"
}

# sctp_src_fixup_show NS: the fix-up rules with their packet counters.
sctp_src_fixup_show() {
	ip netns exec "$1" nft list table ip sctp_src_fixup 2>/dev/null |
		grep -E 'saddr set' | sed -e 's/^[[:space:]]*/  /'
}

# sctp_deaf_to NS ADDR: from now on, NS drops every SCTP packet that
# arrives for ADDR, as a host does once the address is gone.  For a host
# about to delete ADDR from a live association (ASCONF Delete IP, RFC
# 5061): usrsctp forgets the address as the ASCONF leaves, not when the
# ASCONF-ACK comes (sctp_asconf.c, sctp_asconf_iterator_ep_end), so a
# heartbeat or a retransmission the peer still sends to it finds no
# association there and is answered with an out-of-the-blue ABORT (RFC
# 9260 8.4), which ends the association.  That race belongs to the two
# stacks, not to the box between them.
sctp_deaf_to() {
	local ns=$1 addr=$2 family=ip

	case $addr in *:*) family=ip6 ;; esac
	ip netns exec "$ns" nft -f - <<-EOF || fail "nft: drop SCTP to $addr in $ns"
	table inet sctp_deaf_to {
		chain input {
			type filter hook input priority 0; policy accept;
			meta l4proto sctp $family daddr $addr counter drop
		}
	}
	EOF
}

# sctp_deaf_to_show NS: what sctp_deaf_to dropped there.
sctp_deaf_to_show() {
	ip netns exec "$1" nft list table inet sctp_deaf_to 2>/dev/null |
		grep -E 'counter' | sed -e 's/^[[:space:]]*/  /'
}

link_down() { ip -n "$1" link set "$2" down || fail "link down $1/$2"; }
link_up() { ip -n "$1" link set "$2" up || fail "link up $1/$2"; }

# run_bg NAME NS CMD...: starts CMD in NS, output in $WORK/NAME.out.
run_bg() {
	local name=$1 ns=$2

	shift 2
	# Emptied here rather than by the child's redirection, which may come
	# after the caller first reads it: a reused NAME must not show the
	# previous run's output.
	: >"$WORK/$name.out"
	ip netns exec "$ns" "$@" >>"$WORK/$name.out" 2>&1 &
	BG_PID[$name]=$!
}

# wait_bg NAME TIMEOUT_S: waits for NAME to exit; returns its exit status.
wait_bg() {
	local name=$1 timeout=$2 pid rc

	pid=${BG_PID[$name]}
	_wait_pid_gone "$pid" $((timeout * 10)) ||
		fail "$name still running after ${timeout}s"
	wait "$pid"
	rc=$?
	unset "BG_PID[$name]"
	return $rc
}

# stop_bg NAME: SIGTERM (sctp_peer reports on it), then wait.
stop_bg() {
	local name=$1 pid

	pid=${BG_PID[$name]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	_wait_pid_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "BG_PID[$name]"
}

out_of() { printf '%s/%s.out' "$WORK" "$1"; }

# grep_out NAME PATTERN: true when NAME's output has a line matching.
grep_out() { grep -qE -- "$2" "$(out_of "$1")"; }

# result_field NAME KEY: value of KEY= on NAME's RESULT line.
result_field() {
	grep -E '^(\[[ 0-9]+ ms\] )?RESULT ' "$(out_of "$1")" | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$2=//p"
}

# progress_at_least NAME KEY MIN: NAME's last PROGRESS line has KEY >= MIN.
progress_at_least() {
	local v

	v=$(grep -E 'PROGRESS ' "$(out_of "$1")" | tail -n 1 | tr ' ' '\n' |
		sed -n "s/^$2=//p")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

# start_server NAME ADDRS [ARGS...] / start_client NAME ADDRS PEERS [ARGS]
start_server() {
	local name=$1 addrs=$2

	shift 2
	run_bg "$name" "$NS_SRV" "$SCTP_PEER" server --bind "$addrs" \
		--port "$SCTP_PORT" "$@"
	wait_for 10 "$name listening" grep_out "$name" 'LISTEN port'
}

start_client() {
	local name=$1 addrs=$2 peers=$3

	shift 3
	run_bg "$name" "$NS_CLI" "$SCTP_PEER" client --bind "$addrs" \
		--connect "$peers" --port "$SCTP_PORT" "$@"
}

# start_sctpalgd CONF: sctpalgd in the box namespace, in the foreground,
# output in $WORK/box.out; returns once it says it is running.
start_sctpalgd() {
	local bin=${SCTPALGD:-$REPO_ROOT/build/sctpalgd}

	[ -x "$bin" ] || skip "build/sctpalgd not built (make all)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	san_env "$1"
	run_bg box "$NS_BOX" "$bin" -f -c "$1"
	wait_for 15 "sctpalgd running" grep_out box 'sctpalgd running'
}

# box_conf UPLINKS: prints the plain sctpalgd.conf of the standard
# topology: control socket and pidfile in $WORK, lan0 inside with
# $CLI_NET.0/24 behind isp1, uplink isp1 on wan1 and, with UPLINKS=2,
# isp2 on wan2.  Tests add their own keys in sections of their own after
# it (a section may be opened again).
box_conf() {
	cat <<CONF
[daemon]
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid

[inside]
interface = lan0
network = $CLI_NET.0/24 uplink isp1

[uplink isp1]
interface = wan1
address = $BOX_WAN1
CONF
	[ "${1:-1}" = 1 ] || printf '\n[uplink isp2]\ninterface = wan2\naddress = %s\n' \
		"$BOX_WAN2"
}

# check WHAT CMD...: runs CMD, says ok or FAIL for WHAT, counts failures
# in $errors (the test ends with: [ $errors -eq 0 ] || fail ...).
errors=0
check() {
	local what=$1

	shift
	if "$@"; then
		say "ok:   $what"
	else
		say "FAIL: $what"
		errors=$((errors + 1))
	fi
}

# capture_start NAME NS IFACE: SCTP-only capture into $WORK/NAME.pcap.
capture_start() {
	local name=$1 ns=$2 ifc=$3

	run_bg "cap-$name" "$ns" dumpcap -q -i "$ifc" -f 'ip proto 132' \
		-w "$WORK/$name.pcap"
	CAPTURES+=("$name")
	wait_for 10 "capture on $ns/$ifc" grep_out "cap-$name" 'Capturing on'
}

# capture_stop NAME: SIGINT makes dumpcap flush and close the file.
capture_stop() {
	local name=$1 pid

	pid=${BG_PID[cap-$name]:-}
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null
	_wait_pid_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "BG_PID[cap-$name]"
}

pcap_of() { printf '%s/%s.pcap' "$WORK" "$1"; }

_tshark() { tshark -n -o sctp.checksum:CRC-32c "$@" 2>/dev/null; }

# pcap_sctp_sources NAME: distinct "src-ip src-port" SCTP tuples.
pcap_sctp_sources() {
	_tshark -r "$(pcap_of "$1")" -Y sctp -T fields -e ip.src \
		-e sctp.srcport | sort -u
}

# pcap_sctp_flows NAME: distinct "src:port > dst:port" with packet counts.
pcap_sctp_flows() {
	_tshark -r "$(pcap_of "$1")" -Y sctp -T fields -e ip.src \
		-e sctp.srcport -e ip.dst -e sctp.dstport |
		awk '{ print $1 ":" $2 " > " $3 ":" $4 }' | sort | uniq -c
}

# pcap_sctp_count NAME: number of SCTP packets.
pcap_sctp_count() {
	_tshark -r "$(pcap_of "$1")" -Y sctp -T fields -e frame.number |
		wc -l
}

# pcap_crc_bad NAME: number of SCTP packets whose CRC32c does not verify.
# tshark 4.0: with sctp.checksum set to CRC-32c, sctp.checksum.status is
# 1 (good) or 0 (bad); 2 would mean "unverified", which we also count bad
# so a dissector that silently stopped checking cannot make us pass.
pcap_crc_bad() {
	_tshark -r "$(pcap_of "$1")" -Y sctp -T fields \
		-e sctp.checksum.status | awk '$1 != 1 { n++ } END { print n + 0 }'
}

# pcap_init_addrs NAME: one line per INIT / INIT ACK:
#   "INIT src > dst addrs=a,b" (addrs= empty when the chunk lists none).
# The INIT ACK's own address parameters are outside its state cookie, so
# tshark sees them; addresses inside the (opaque) cookie are not shown.
pcap_init_addrs() {
	_tshark -r "$(pcap_of "$1")" \
		-Y 'sctp.chunk_type == 1 || sctp.chunk_type == 2' \
		-T fields -E aggregator=, -e sctp.chunk_type -e ip.src \
		-e ip.dst -e sctp.parameter_ipv4_address \
		-e sctp.parameter_ipv6_address |
		awk -F'\t' '{ t = ($1 ~ /^2/) ? "INIT_ACK" : "INIT";
			a = $4 (($4 != "" && $5 != "") ? "," : "") $5;
			print t, $2, ">", $3, "addrs=" a }'
}

# pcap_chunk_summary NAME FILTER [FROM_EPOCH [TO_EPOCH]]: chunk types of
# the SCTP packets matching the display FILTER (optionally only those
# captured in [FROM, TO), epoch seconds as from `date +%s.%N`), e.g.
# "ABORT(T) x12, DATA x40, HEARTBEAT x3" ("none" when nothing matched).
pcap_chunk_summary() {
	_tshark -r "$(pcap_of "$1")" -Y "sctp && ($2)" -T fields \
		-e frame.time_epoch -e sctp.chunk_type -e sctp.abort_t_bit |
		awk -F'\t' -v from="${3:-0}" -v to="${4:-0}" '
		BEGIN {
			split("DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK " \
			      "ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO " \
			      "COOKIE_ACK ECNE CWR SHUTDOWN_COMPLETE AUTH", nm, " ")
		}
		$1 + 0 < from + 0 { next }
		to + 0 > 0 && $1 + 0 >= to + 0 { next }
		{
			k = split($2, t, ",")
			for (i = 1; i <= k; i++) {
				name = (t[i] + 1 in nm) ? nm[t[i] + 1] : "type" t[i]
				if (t[i] == 6 && $3 ~ /1/)
					name = "ABORT(T)"
				c[name]++
			}
		}
		END {
			n = 0
			for (x in c)
				out[++n] = x " x" c[x]
			if (!n) { print "none"; exit }
			# insertion sort: stable output for logs
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && out[j] < out[j - 1]; j--) {
					s = out[j]; out[j] = out[j - 1]; out[j - 1] = s
				}
			line = out[1]
			for (i = 2; i <= n; i++)
				line = line ", " out[i]
			print line
		}'
}

# box_nft_drop_sctp: backend = packet only taps, so the box's kernel must
# not forward (or answer) its own untranslated copy of SCTP and of ICMP
# errors quoting SCTP: drop them in prerouting, as sctpalgd.conf(5) says.
box_nft_drop_sctp() {
	n_box nft -f - <<'NFT' || fail "nftables prerouting drop"
table inet sctpalg_packet {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		meta l4proto sctp drop
		meta l4proto icmp @th,136,8 132 drop
		meta l4proto ipv6-icmp @th,112,8 132 drop
	}
}
NFT
}

# ---- optional: a second inside link (multihomed inside hosts) ----
#
# topo_add_inside_link2: a second veth lan1 between $NS_CLI and $NS_BOX,
# $INSIDE2_NET.0/24 ($CLI2_ADDR on the inside host, $BOX_LAN2 on the box),
# for a test whose inside host is multihomed on two inside links.  The
# default topology is unchanged; routes over lan1 are the caller's.
INSIDE2_NET=${INSIDE2_NET:-192.168.2}
topo_add_inside_link2() {
	CLI2_ADDR=$INSIDE2_NET.10
	BOX_LAN2=$INSIDE2_NET.1

	ip -n "$NS_CLI" link add lan1 type veth peer name lan1 \
		netns "$NS_BOX" || fail "veth lan1"
	ip -n "$NS_CLI" addr add "$CLI2_ADDR/24" dev lan1
	ip -n "$NS_BOX" addr add "$BOX_LAN2/24" dev lan1
	ip -n "$NS_CLI" link set lan1 up
	ip -n "$NS_BOX" link set lan1 up
	# Packets for one inside address may arrive while the route back
	# to their source uses the other link.
	local i
	for i in all default lan0 lan1; do
		n_cli sysctl -qw "net.ipv4.conf.$i.rp_filter=0"
	done
	n_box sysctl -qw net.ipv4.conf.lan1.rp_filter=0
	wait_for 5 "veth carrier on lan1" _lan1_up
}

_lan1_up() {
	ip -n "$NS_CLI" -o link show lan1 | grep -q 'state UP' &&
		ip -n "$NS_BOX" -o link show lan1 | grep -q 'state UP'
}

# ---- sanitized daemon (SCTPALGD=build/san/sctpalgd, see the Makefile) ----
#
# san_env CONF: the ASan / UBSan options for a daemon about to start with
# CONF.  Reports go to files in $WORK/san (mode 1777: a daemon that
# dropped to `user` must still be able to create them; a daemonized one
# has no stderr); san_check, run by cleanup, fails the test on any.
# ASan and UBSan stop at the first error.  LeakSanitizer stops the
# threads with ptrace from a helper process at exit; a daemon that
# switched to `user` is no longer dumpable (the kernel clears it on the
# uid change), the helper may not attach and LeakSanitizer aborts: leaks
# are checked only in daemons that stay root.  Harmless for the plain
# daemon, which ignores these variables.
san_env() {
	local leaks=1

	[ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	mkdir -p "$WORK/san" && chmod 1777 "$WORK/san"
	if [ -n "${1:-}" ] && grep -qE '^[[:space:]]*user[[:space:]]*=[[:space:]]*[^[:space:]]' "$1"; then
		leaks=0
	fi
	export ASAN_OPTIONS="log_path=$WORK/san/report:detect_leaks=$leaks:halt_on_error=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$WORK/san/report:halt_on_error=1:print_stacktrace=1"
}

# san_check: false (after printing it) if a sanitizer reported anything,
# in its report files or in a daemon's output.
san_check() {
	local f bad=0

	[ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	for f in "$WORK"/san/report* "$WORK"/*.out; do
		[ -s "$f" ] || continue
		grep -qE 'ERROR: (Address|Leak)Sanitizer|LeakSanitizer has encountered|runtime error:' "$f" ||
			continue
		say "FAIL: sanitizer report (${f##*/}):"
		cat "$f"
		bad=1
	done
	return $bad
}
