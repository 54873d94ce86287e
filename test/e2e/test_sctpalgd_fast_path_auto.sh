#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_fast_path_auto.sh - fast-path = auto, the default: the
# XDP program redirects only to interfaces that take redirected frames,
# and follows them when that changes.
#
#   client ns  lan0: 192.168.1.10 (private)      GRO on: the box's lan0
#        |                                        takes redirected frames
#   box ns     sctpalgd (no fast-path key: the default), lan0 inside,
#        |     wan1 = isp1 198.51.100.1
#   server ns  wan1: 198.51.100.100               GRO off, then on, then off
#
# A veth takes frames redirected to it only while its peer runs an XDP
# program or has GRO on (sctpalgd.conf(5), fast-path); otherwise the
# kernel drops them without a trace, so a fast path that redirected to
# wan1 regardless would lose every outbound DATA and the association
# would stall.  What must hold:
#   - the start-up log says fast path: auto; lan0 is found to take
#     redirected frames and wan1 not; the inbound direction gets a
#     fast-path entry, the outbound one stays on the slow path
#     (fast_path_no_xmit counts it), and DATA flows;
#   - GRO turned on at the server's wan1: the daemon notices by itself
#     (log), the outbound direction gets its entry too, and DATA keeps
#     flowing;
#   - GRO turned off again: the outbound entry goes (log), DATA still
#     flows;
#   - the client's every message is acknowledged and the server receives
#     every one exactly once (sctp_peer exits 0 only then).
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=600
INTERVAL=20
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
command -v ethtool >/dev/null || skip "ethtool not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create

{
	box_conf 1
	printf '\n[daemon]\nlog-level = info\n'
} > "$WORK/box.conf"
n_cli ethtool -K lan0 gro on >/dev/null ||
	skip "ethtool -K lan0 gro on failed: veth cannot take redirects"
n_srv ethtool -K wan1 gro off >/dev/null || fail "ethtool -K wan1 gro off"
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r ".datapath.$1"; }
entries_are() { test "$(stat_of fast_path_entries)" = "$1"; }
stat_above() { test "$(stat_of "$1")" -gt "$2"; }
log_count() { grep -cE -- "$1" "$(out_of box)"; }
log_count_is() { test "$(log_count "$1")" -ge "$2"; }
acked_past() {
	local now

	now=$(grep -E 'PROGRESS ' "$(out_of cli)" | tail -n 1 | tr ' ' '\n' |
		sed -n 's/^acked=//p')
	[ -n "$now" ] && [ "$now" -gt "$1" ]
}
acked_now() {
	grep -E 'PROGRESS ' "$(out_of cli)" | tail -n 1 | tr ' ' '\n' |
		sed -n 's/^acked=//p'
}
WAN1_NO='fast path: wan1 does not take redirected frames'
WAN1_YES='fast path: wan1 takes redirected frames'

start_server srv "$SRV_ADDR1" --count "$COUNT" --timeout 120
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 120

# 1. wan1 takes no redirects: one entry (inbound, out by lan0).
wait_for 30 "50 messages acknowledged" progress_at_least cli acked 50
wait_for 30 "one fast-path entry (inbound)" entries_are 1
no_xmit=$(stat_of fast_path_no_xmit)
fast1=$(stat_of fast_path_packets)
acked1=$(acked_now)
wait_for 30 "DATA still acknowledged with wan1 on the slow path" \
	acked_past "$((acked1 + 20))"

# 2. GRO on at the server's wan1: the daemon follows.
n_srv ethtool -K wan1 gro on >/dev/null || fail "ethtool -K wan1 gro on"
wait_for 30 "daemon saw wan1 take redirected frames" \
	log_count_is "$WAN1_YES" 1
wait_for 30 "both directions on the fast path" entries_are 2
acked2=$(acked_now)
wait_for 30 "DATA acknowledged with both directions on the fast path" \
	acked_past "$((acked2 + 20))"
fast2=$(stat_of fast_path_packets)

# 3. GRO off again: the outbound entry goes, DATA keeps flowing.
n_srv ethtool -K wan1 gro off >/dev/null || fail "ethtool -K wan1 gro off"
wait_for 30 "daemon saw wan1 stop taking redirected frames" \
	log_count_is "$WAN1_NO" 2
wait_for 30 "back to one fast-path entry" entries_are 1
acked3=$(acked_now)
wait_for 30 "DATA acknowledged after wan1 left the fast path" \
	acked_past "$((acked3 + 20))"

wait_bg cli 150
cli_rc=$?
wait_bg srv 30
srv_rc=$?

check "start-up log: fast path: auto (the default)" \
	grep_out box 'fast path: auto'
check "lan0 found to take redirected frames" \
	grep_out box 'fast path: lan0 takes redirected frames'
check "wan1 found not to take them at first" \
	grep_out box "$WAN1_NO"
check "the outbound path was kept on the slow path ($no_xmit times)" \
	[ "${no_xmit:-0}" -gt 0 ]
check "inbound DATA took the fast path before GRO ($fast1 packets)" \
	[ "${fast1:-0}" -gt 0 ]
check "more after both directions were on it ($fast2 packets)" \
	[ "${fast2:-0}" -gt "${fast1:-0}" ]
check "client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
[ "$errors" -eq 0 ] || fail "$errors check(s) failed"
pass "fast-path = auto follows which interfaces take redirected frames"
