#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_monitor.sh - "sctpalgctl monitor" follows an association's
# life through an uplink failover, from the live event stream.
#
#   client ns  lan0: 192.168.1.10 (single-homed, private)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1,
#     |wan1        |wan2      wan2 = isp2 203.0.113.1, multihome = uplinks
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2
#
# Two monitors (text and -j) subscribe before the association starts and
# stay for the whole run, longer than the control socket's idle time.
# What must hold:
#   - both streams show, in this order, the association up, its paths
#     moved when wan1 goes down (uplink isp1 down), and down (shutdown);
#   - the -j stream is JSON lines (jq reads every one), its up/moved/down
#     name the same association (id, public port), moved names isp1;
#   - the text stream has the same sentences as the box's log;
#   - twenty packets for no association show as drops of reason
#     out-of-the-blue, counted in aggregate lines, not one per packet;
#   - ten packets on the live association's ports with a wrong
#     verification tag show as that association's drops (class vtag,
#     its id and public port), in aggregate lines, not one per packet;
#   - sctpalgctl stats counts 2 live monitors at the end (none was cut by
#     the idle timeout) and none lost an event;
#   - a monitor that goes away frees its slot (0 live after both stop).
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=20
BREAK_AT=60
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

{
	box_conf 2
	printf '\n[daemon]\nlog-level = info\n\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r ".datapath.$1"; }
# Evaluated on every try of wait_for (an argument "$(...)" would be
# expanded once, before the first).
monitors_live_is() { test "$(stat_of monitors_live)" = "$1"; }

run_bg montext "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" monitor
run_bg monjson "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" -j monitor
wait_for 30 "two monitors subscribed" monitors_live_is 2

start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60
start_client cli "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60
wait_for 30 "monitor saw the association up" grep_out montext 'association up'
# Ten packets to the association's public port from the server's port
# with a wrong verification tag: dropped, and counted on the association.
pub_port=$(ctl -j associations | jq -r '.associations[0].public_port')
n_srv python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
hdr = struct.pack("!HHII", int(sys.argv[2]), int(sys.argv[3]), 0x0badf00d, 0)
chunk = struct.pack("!BBHIHHI", 0, 3, 16, 1, 0, 0, 0)
for _ in range(10):
    s.sendto(hdr + chunk, (sys.argv[1], 0))' "$BOX_WAN1" "$SCTP_PORT" \
	"$pub_port" || fail "cannot send raw SCTP from the server namespace"
wait_for 20 "monitor saw the association's drops" \
	grep_out monjson '"event":"assoc_drops"'
wait_for 30 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
link_down "$NS_BOX" wan1
say "uplink isp1 (box wan1) down"
wait_for 20 "monitor saw the paths move" grep_out montext 'paths moved'
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
wait_for 20 "text monitor saw the association down" \
	grep_out montext 'association down'
wait_for 20 "JSON monitor saw the association down" \
	grep_out monjson '"event":"down"'
# Twenty SCTP packets for no association at the box's public address:
# dropped as out of the blue, reported in aggregate lines (one per
# second), not one per packet.
n_srv python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
hdr = struct.pack("!HHII", 5001, 40000, 0x01020304, 0xdeadbeef)
chunk = struct.pack("!BBHIHHI", 0, 3, 16, 1, 0, 0, 0)
for _ in range(20):
    s.sendto(hdr + chunk, (sys.argv[1], 0))' "$BOX_WAN2" ||
	fail "cannot send raw SCTP from the server namespace"
wait_for 20 "monitor saw the out-of-the-blue drops" \
	grep_out monjson '"event":"drops".*"reason":"out-of-the-blue"'
live=$(stat_of monitors_live)
lost=$(stat_of monitor_events_lost)

say "--- sctpalgctl monitor ---"
sed 's/^/monitor: /' "$(out_of montext)"
say "--- sctpalgctl -j monitor ---"
sed 's/^/monitor -j: /' "$(out_of monjson)"

stop_bg montext
stop_bg monjson
wait_for 30 "the monitors' slots freed" monitors_live_is 0

# The order of the association's events in each stream.
text_order=$(grep -oE 'association (up|paths moved|down)' \
	"$(out_of montext)" | sed 's/association //' | tr '\n' ',')
json_ok=$(jq -c . "$(out_of monjson)" >/dev/null 2>&1 && echo yes)
json_order=$(jq -r '.event' "$(out_of monjson)" 2>/dev/null |
	grep -E '^(up|moved|down)$' | tr '\n' ',')
ids=$(jq -r 'select(.event == "up" or .event == "moved" or
	.event == "down") | "\(.id):\(.public_port)"' "$(out_of monjson)" |
	sort -u | wc -l)
moved_uplink=$(jq -r 'select(.event == "moved") | "\(.uplink) \(.reason)"' \
	"$(out_of monjson)" | head -n 1)
down_reason=$(jq -r 'select(.event == "down") | .reason' \
	"$(out_of monjson)" | head -n 1)
up_text=$(jq -r 'select(.event == "up") | .text' "$(out_of monjson)")
ootb_sum=$(jq -r 'select(.event == "drops" and .reason == "out-of-the-blue") |
	.count' "$(out_of monjson)" | awk '{ n += $1 } END { print n + 0 }')
ootb_lines=$(grep -c 'drops* of reason out-of-the-blue' "$(out_of montext)")
up_id=$(jq -r 'select(.event == "up") | "\(.id):\(.public_port)"' \
	"$(out_of monjson)" | head -n 1)
adrop_ids=$(jq -r 'select(.event == "assoc_drops") |
	"\(.id):\(.public_port)"' "$(out_of monjson)" | sort -u | tr '\n' ' ')
adrop_vtag=$(jq -r 'select(.event == "assoc_drops") | .drops.vtag // 0' \
	"$(out_of monjson)" | awk '{ n += $1 } END { print n + 0 }')
adrop_lines=$(grep -c '"event":"assoc_drops"' "$(out_of monjson)")
adrop_text=$(grep -c 'association drops: .* (vtag [0-9]*' "$(out_of montext)")

check "client: every message acknowledged across the failover" \
	[ "$cli_rc" = 0 ]
check "text stream: up, paths moved, down in order ($text_order)" \
	[ "$text_order" = "up,paths moved,down," ]
check "-j stream: JSON lines jq reads" [ "$json_ok" = yes ]
check "-j stream: up, moved, down in order ($json_order)" \
	[ "$json_order" = "up,moved,down," ]
check "-j stream: one association throughout ($ids id:port pairs)" \
	[ "$ids" = 1 ]
check "-j moved: uplink isp1 went down ($moved_uplink)" \
	[ "$moved_uplink" = "isp1 uplink-down" ]
check "-j down: reason shutdown ($down_reason)" [ "$down_reason" = shutdown ]
check "drops: 20 out of the blue counted ($ootb_sum) on $ootb_lines line(s), not one each" \
	[ "$ootb_sum" -ge 20 -a "$ootb_lines" -ge 1 -a "$ootb_lines" -lt 20 ]
check "assoc_drops: the association's id and port ($adrop_ids, up $up_id)" \
	[ "$adrop_ids" = "$up_id " ]
check "assoc_drops: 10 wrong-tag packets counted as vtag ($adrop_vtag) on $adrop_lines line(s)" \
	[ "$adrop_vtag" -ge 10 -a "$adrop_lines" -ge 1 -a "$adrop_lines" -lt 10 ]
check "assoc_drops in the text stream ($adrop_text line(s))" \
	[ "$adrop_text" -ge 1 ]
check "the text line is the one in the box's log" \
	grep -qF -- "$up_text" "$(out_of box)"
check "both monitors outlived the idle timeout ($live live at the end)" \
	[ "$live" = 2 ]
check "no event lost ($lost)" [ "$lost" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgctl monitor"
