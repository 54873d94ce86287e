#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_flood.sh - INIT floods against sctpalgd: whoever floods,
# a new legitimate association still comes up and an established one
# loses nothing (sctpalgd.conf(5): handshakes, source-init-rate,
# forward-handshakes).
#
#   cli ns  lan0 192.168.1.10          c2 ns  lan1 192.168.2.10 (+ .20)
#   (flood a, b from .100-.249 / .50)  (new association each phase;
#        |                              the [forward] server in phase c)
#        | lan0                               | lan1
#   +----+------------ box ns: sctpalgd ------+----+
#   |  inside lan0, lan1; uplink isp1 wan1 198.51.100.1,                |
#   |  [forward srv] 198.51.100.1:5003 -> 192.168.2.20:5003             |
#   +----+-----------------------------------------+
#        | wan1
#   srv ns  wan1 198.51.100.100 (+ .200, a sink that drops SCTP)
#   (the established association's server; floods c, d from
#    100.64.0.0/16, 256 /24s)      | s2
#                                  | (routed)
#   s2 ns  198.18.1.2 (the new association's server; in phase c its client)
#
# An association between cli and srv is set up before the first flood and
# carries sequence-numbered messages through all four; during each flood
#   (a) spoofed INITs from 150 inside sources,
#   (b) INITs from one inside host,
#   (c) spoofed outside INITs toward the [forward] port,
#   (d) spoofed outside INITs toward public ports with no rule,
# a new association (c2 -> s2; in (c) s2 -> the forwarded server in c2)
# comes up and carries all its messages.  Also checked: the daemon's RSS
# stays bounded, the drops are counted by reason, the floods are counted
# as sent.  Printed: the flood rate reached, the time the new association
# took to come up, RSS before and after.
#
# Every flood is bounded by count and time.  FLOOD_SECONDS (default 6)
# bounds each flood; `make soak` runs it longer (test/e2e/soak_flood.sh).
# Two usrsctp instances never share a namespace: each would see the
# other's packets on its raw socket.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

FLOOD=$REPO_ROOT/build/test/e2e/sctp_flood
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
FLOOD_SECONDS=${FLOOD_SECONDS:-6}
FLOOD_COUNT=${FLOOD_COUNT:-4000000}
FLOOD_RATE=${FLOOD_RATE:-0}
MSGS=${MSGS:-20}
# The long-lived association's messages span every phase.
LONG_MSGS=${LONG_MSGS:-100000}
# RSS may grow this much (kB) over the whole run: tables are sized at
# start, so a flood must not grow it.
RSS_SLACK_KB=${RSS_SLACK_KB:-8192}
NS_C2="sa-c2-$$"
NS_S2="sa-s2-$$"
C2_ADDR=192.168.2.10
FWD_SRV=192.168.2.20
S2_ADDR=198.18.1.2
SINK=198.51.100.200

require_env
[ -x "$FLOOD" ] || skip "build/test/e2e/sctp_flood not built (make tools)"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
command -v jq >/dev/null || skip "'jq' not installed"
topo_create

# Two more namespaces, so that no two usrsctp instances share one.
cleanup_extra() {
	ip netns pids "$NS_C2" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns pids "$NS_S2" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS_C2" 2>/dev/null
	ip netns del "$NS_S2" 2>/dev/null
	cleanup
}
trap cleanup_extra EXIT
_ns_base "$NS_C2"
_ns_base "$NS_S2"
ip -n "$NS_C2" link add lan1 type veth peer name lan1 netns "$NS_BOX"
ip -n "$NS_C2" addr add "$C2_ADDR/24" dev lan1
ip -n "$NS_C2" addr add "$FWD_SRV/24" dev lan1
ip -n "$NS_BOX" addr add 192.168.2.1/24 dev lan1
ip -n "$NS_C2" link set lan1 up
ip -n "$NS_BOX" link set lan1 up
ip -n "$NS_C2" route add default via 192.168.2.1 dev lan1
n_box sysctl -qw net.ipv4.conf.lan1.rp_filter=0
ip -n "$NS_S2" link add s2 type veth peer name s2 netns "$NS_SRV"
ip -n "$NS_S2" addr add "$S2_ADDR/24" dev s2
ip -n "$NS_SRV" addr add 198.18.1.1/24 dev s2
ip -n "$NS_S2" link set s2 up
ip -n "$NS_SRV" link set s2 up
ip -n "$NS_S2" route add default via 198.18.1.1 dev s2
n_srv sysctl -qw net.ipv4.ip_forward=1
n_srv sysctl -qw net.ipv4.conf.all.rp_filter=0
ip -n "$NS_BOX" route add 198.18.1.0/24 via "$SRV_ADDR1" dev wan1
# The inside floods' destination: it answers ARP, and drops SCTP before
# the server's usrsctp would see it.
ip -n "$NS_SRV" addr add "$SINK/24" dev wan1
n_srv nft -f - <<NFT || fail "nft: sink"
table ip flood_sink {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr $SINK ip protocol sctp counter drop
	}
}
NFT
wait_for 5 "veths up" bash -c "ip -n $NS_S2 -o link show s2 | grep -q 'state UP' &&
	ip -n $NS_C2 -o link show lan1 | grep -q 'state UP'"

box_conf 1 > "$WORK/box.conf"
cat >> "$WORK/box.conf" <<CONF

[inside]
interface = lan1
network = 192.168.2.0/24 uplink isp1

[forward srv]
public = $BOX_WAN1:5003
inside = $FWD_SRV:5003

[limits]
per-host = 64
CONF
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"
box_pid=${BG_PID[box]}

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r "$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$box_pid/status"; }
mac_of() { ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2 }'; }
# The time since start on a peer's COMM_UP line, in ms.
up_ms() {
	grep -E 'assoc_change state=COMM_UP' "$(out_of "$1")" | head -n 1 |
		sed -E 's/^\[ *([0-9]+) ms\].*/\1/'
}
# Dropped INITs so far, all reasons together.
init_drops() {
	stat_of '[.drops["init-rate-limit","init-source-rate-limit",
		"handshake-limit","per-host-limit","association-limit",
		"inbound-init-no-forward"]] | add'
}

LAN_MAC=$(mac_of "$NS_BOX" lan0)
WAN_MAC=$(mac_of "$NS_BOX" wan1)
PEER_ARGS=(--init-attempts 30 --path-max-retrans 5 --rto-max 1000
	--timeout 50)

# The association established before the floods: cli -> srv, all along.
# No --count for its server: stopped mid-run, it counts only the holes
# below the highest sequence number it saw.
run_bg long-srv "$NS_SRV" "$SCTP_PEER" server --bind "$SRV_ADDR1" \
	--port 5001 "${PEER_ARGS[@]}" --timeout 600
wait_for 10 "long-lived server listening" grep_out long-srv 'LISTEN port'
run_bg long-cli "$NS_CLI" "$SCTP_PEER" client --bind "$CLI_ADDR1" \
	--connect "$SRV_ADDR1" --port 5001 --count "$LONG_MSGS" \
	--interval 20 "${PEER_ARGS[@]}" --timeout 600 --progress 10
wait_for 20 "the long-lived association acked 10 messages" \
	progress_at_least long-cli acked 10
rss_before=$(rss_kb)
say "sctpalgd RSS before the floods: $rss_before kB"

drops_above() { [ "$(init_drops)" -gt "$1" ]; }
declare -A RATE UP_MS DROPS
# phase NAME NS IFACE MAC FLOOD-ARGS...: one flood with a new association
# through it.  Sets RATE, UP_MS, DROPS for NAME.
phase() {
	local name=$1 ns=$2 ifc=$3 mac=$4 srv_ns srv_addr cli_ns cli_bind
	local dst port d0 rc_c rc_s

	shift 4
	d0=$(init_drops)
	run_bg "flood-$name" "$ns" "$FLOOD" -I "$ifc" -M "$mac" \
		-n "$FLOOD_COUNT" -t "$FLOOD_SECONDS" -r "$FLOOD_RATE" "$@"
	# The flood is on once the box refuses INITs (not a fixed sleep).
	wait_for 30 "flood $name refused by the box" drops_above $((d0 + 1000))
	if [ "$name" = c ]; then
		srv_ns=$NS_C2 srv_addr=$FWD_SRV cli_ns=$NS_S2 cli_bind=$S2_ADDR
		dst=$BOX_WAN1 port=5003
	else
		srv_ns=$NS_S2 srv_addr=$S2_ADDR cli_ns=$NS_C2 cli_bind=$C2_ADDR
		dst=$S2_ADDR port=5002
	fi
	run_bg "srv-$name" "$srv_ns" "$SCTP_PEER" server --bind "$srv_addr" \
		--port "$port" --count "$MSGS" "${PEER_ARGS[@]}"
	wait_for 10 "server $name listening" grep_out "srv-$name" 'LISTEN port'
	run_bg "cli-$name" "$cli_ns" "$SCTP_PEER" client --bind "$cli_bind" \
		--connect "$dst" --port "$port" --count "$MSGS" --interval 20 \
		"${PEER_ARGS[@]}"
	wait_bg "cli-$name" 60
	rc_c=$?
	wait_bg "srv-$name" 30
	rc_s=$?
	UP_MS[$name]=$(up_ms "cli-$name")
	# The association was set up while the flood was still on.
	check "($name) flood still running when the new association was up" \
		kill -0 "${BG_PID[flood-$name]}"
	wait_bg "flood-$name" $((FLOOD_SECONDS + 30))
	RATE[$name]=$(sed -nE 's/.* = ([0-9]+) pps/\1/p' "$(out_of "flood-$name")")
	DROPS[$name]=$(( $(init_drops) - d0 ))
	say "($name) $(cat "$(out_of "flood-$name")"); new association up" \
		"after ${UP_MS[$name]:-never} ms; $(grep RESULT "$(out_of "cli-$name")")"
	check "($name) new association carried all $MSGS messages" \
		[ "$rc_c" = 0 -a "$rc_s" = 0 ]
	check "($name) INITs refused and counted by reason (${DROPS[$name]})" \
		[ "${DROPS[$name]}" -gt 1000 ]
	check "($name) the long-lived association kept going" \
		progress_at_least long-cli acked 1
}

acked_long() {
	grep -E 'PROGRESS ' "$(out_of long-cli)" | tail -n 1 | tr ' ' '\n' |
		sed -n 's/^acked=//p'
}

phase a "$NS_CLI" lan0 "$LAN_MAC" -s 192.168.1.100-192.168.1.249 \
	-d "$SINK" -p 9
phase b "$NS_CLI" lan0 "$LAN_MAC" -s 192.168.1.50 -d "$SINK" -p 9
phase c "$NS_SRV" wan1 "$WAN_MAC" -s 100.64.0.0/16 -d "$BOX_WAN1" -p 5003
phase d "$NS_SRV" wan1 "$WAN_MAC" -s 100.64.0.0/16 -d "$BOX_WAN1" \
	-p 1000-2000

before_end=$(acked_long)
wait_for 30 "the long-lived association still acknowledges messages" \
	progress_at_least long-cli acked $((before_end + 20))
rss_after=$(rss_kb)
# Before it is stopped (its SHUTDOWN then ends it, as it should).
check "the established association was never ended by the box" \
	bash -c "! grep -q 'association down.*:5001 vtags' '$(out_of box)'"
stop_bg long-cli
stop_bg long-srv
cli_result=$(grep -E 'RESULT' "$(out_of long-cli)" | tail -n 1)
srv_result=$(grep -E 'RESULT' "$(out_of long-srv)" | tail -n 1)
say "--- sctpalgctl stats ---"
ctl stats | grep -E 'handshake|assocs|limit|no-forward|forwarded'
evicted=$(stat_of '.engine.handshakes_evicted')

say "--- figures ---"
for p in a b c d; do
	say "flood ($p): ${RATE[$p]:-?} INITs/s sent, new association up" \
		"after ${UP_MS[$p]:-?} ms, ${DROPS[$p]:-?} INITs refused"
done
say "sctpalgd RSS: $rss_before kB before, $rss_after kB after;" \
	"handshakes evicted: $evicted"
say "long-lived: $cli_result"
say "long-lived: $srv_result"

lost_c=$(sed -nE 's/.* lost=([0-9]+).*/\1/p' <<< "$cli_result")
lost_s=$(sed -nE 's/.* lost=([0-9]+).*/\1/p' <<< "$srv_result")
sent_l=$(sed -nE 's/.* sent=([0-9]+).*/\1/p' <<< "$cli_result")
acked_l=$(sed -nE 's/.* acked=([0-9]+).*/\1/p' <<< "$cli_result")
# Stopped mid-run: the last few messages may still be in flight (not
# acknowledged yet), but the server saw no hole in the sequence.
check "long-lived association: $acked_l of $sent_l acknowledged (the rest in flight)" \
	[ "${lost_c:-9}" -le 5 ]
check "long-lived server: no hole in the sequence (lost=${lost_s:-?})" \
	[ "${lost_s:-1}" = 0 ]
check "RSS bounded: $rss_before -> $rss_after kB (slack $RSS_SLACK_KB)" \
	[ "$rss_after" -le $((rss_before + RSS_SLACK_KB)) ]
kill -TERM "$box_pid"
wait_bg box 15
check "sctpalgd exits 0" [ $? = 0 ]

[ "$errors" -eq 0 ] || fail "$errors check(s) failed"
pass "floods from inside, one host, toward a forward port and toward no rule"
