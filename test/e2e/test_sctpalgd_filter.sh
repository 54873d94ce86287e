#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_filter.sh - "sctpalgctl associations" with a filter: the
# daemon answers with only the associations it selects.
#
#   client ns  lan0: 192.168.1.10 (private), two associations
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1,
#     |wan1        |wan2      wan2 = isp2 203.0.113.1
#   server ns  srv1 and srv2 on 198.51.100.100
#
# cli1 talks to srv1 (port 5001), cli2 to srv2 (port 5002), both on
# 198.51.100.100.  While both associations are established:
#   - no filter lists both; "port 5001" cli1's only; "peer 198.51.100.100
#     port 5002 state established" cli2's only, in -j and in text;
#   - "peer 203.0.113.100" none; "uplink isp1" both, "uplink isp2" none;
#   - a filter nothing matches lists none ("state cookie-wait");
#   - five packets with a wrong tag on cli2's ports count as 5 vtag
#     drops on cli2's association, 0 on cli1's, in -j and in text;
#   - an invalid filter is refused by sctpalgctl (exit 1, a reason), and,
#     sent raw to the socket, by the daemon with {"ok":false}.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=400
INTERVAL=20
PORT2=$((SCTP_PORT + 1))
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create

box_conf 2 > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
count() { ctl -j associations "$@" | jq '.associations | length'; }
ports_of() { ctl -j associations "$@" | jq -r '[.associations[].peer_port] | join(",")'; }

# Two sctp_peers per namespace: each must leave the other's packets alone.
start_server srv1 "$SRV_ADDR1" --count "$COUNT" --timeout 60 --blackhole
SCTP_PORT=$PORT2 start_server srv2 "$SRV_ADDR1" --count "$COUNT" \
	--timeout 60 --blackhole
# The clients go together: a stack still starting up answers the other's
# packets before --blackhole takes effect, which once aborted cli2's
# handshake with cli1 not yet ready.
start_client cli1 "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 60 --blackhole --start-on "$WORK/go"
SCTP_PORT=$PORT2 start_client cli2 "$CLI_ADDR1" "$SRV_ADDR1" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60 --blackhole \
	--start-on "$WORK/go"
clients_ready() { grep_out cli1 READY && grep_out cli2 READY; }
wait_for 30 "both clients ready" clients_ready
touch "$WORK/go"
wait_for 30 "cli1 under way" progress_at_least cli1 acked 5
wait_for 30 "cli2 under way" progress_at_least cli2 acked 5
wait_for 10 "two established associations" \
	test "$(count state established)" = 2

say "--- sctpalgctl associations ---"
ctl associations
say "--- sctpalgctl associations port $PORT2 ---"
ctl associations port "$PORT2" | tee "$WORK/text2.out"
all=$(count)
by_port=$(ports_of port "$SCTP_PORT")
sel2=$(ports_of peer "$SRV_ADDR1" port "$PORT2" state established)
other_peer=$(count peer "$SRV_ADDR2")
isp1=$(count uplink isp1)
isp2=$(count uplink isp2)
none=$(count state cookie-wait)
text_rows=$(grep -c "$SRV_ADDR1:$PORT2" "$WORK/text2.out")
text_other=$(grep -c "$SRV_ADDR1:$SCTP_PORT" "$WORK/text2.out")
# Five packets on cli2's ports with a tag that is not its own: dropped,
# and counted on cli2's association only (the DROPS column, "drops").
pub2=$(ctl -j associations port "$PORT2" | jq -r '.associations[0].public_port')
n_srv python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
hdr = struct.pack("!HHII", int(sys.argv[2]), int(sys.argv[3]), 0x0badbad0, 0)
chunk = struct.pack("!BBHIHHI", 4, 0, 8, 0, 0, 0, 0)[:8]
for _ in range(5):
    s.sendto(hdr + chunk, (sys.argv[1], 0))' "$BOX_WAN1" "$PORT2" "$pub2" ||
	fail "cannot send raw SCTP from the server namespace"
vtag_drops() { ctl -j associations port "$1" | jq '.associations[0].drops.vtag'; }
wait_for 10 "the forged packets counted on cli2's association" \
	test "$(vtag_drops "$PORT2")" -ge 5
drops2=$(vtag_drops "$PORT2")
drops1=$(vtag_drops "$SCTP_PORT")
ctl associations port "$PORT2" > "$WORK/text2d.out"
ctl associations peer 198.51.100 > "$WORK/bad.out" 2>&1
bad_rc=$?
# The daemon's own check, past sctpalgctl's: a raw request line.
raw=$(n_box python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"associations peer 198.51.100.100 colour blue\n")
print(s.makefile().read().strip())' "$WORK/ctl.sock")

wait_bg cli1 60
cli1_rc=$?
wait_bg cli2 60
cli2_rc=$?

check "both clients done (exit $cli1_rc, $cli2_rc)" \
	[ "$cli1_rc" = 0 -a "$cli2_rc" = 0 ]
check "no filter: both associations ($all)" [ "$all" = 2 ]
check "port $SCTP_PORT: cli1's only (peer port $by_port)" \
	[ "$by_port" = "$SCTP_PORT" ]
check "peer $SRV_ADDR1 port $PORT2 state established: cli2's only ($sel2)" \
	[ "$sel2" = "$PORT2" ]
check "peer $SRV_ADDR2: none ($other_peer)" [ "$other_peer" = 0 ]
check "uplink isp1: both ($isp1); uplink isp2: none ($isp2)" \
	[ "$isp1" = 2 -a "$isp2" = 0 ]
check "state cookie-wait: none ($none)" [ "$none" = 0 ]
check "text form: the selected association only ($text_rows/$text_other)" \
	[ "$text_rows" -ge 1 -a "$text_other" = 0 ]
check "wrong tag on cli2's ports: $drops2 vtag drops on it, $drops1 on cli1's" \
	[ "$drops2" = 5 -a "$drops1" = 0 ]
check "the DROPS column shows them" grep -q 'vtag:5' "$WORK/text2d.out"
bad_said=$(grep -c 'invalid value for peer' "$WORK/bad.out")
check "sctpalgctl refuses an invalid filter (exit $bad_rc: $(cat "$WORK/bad.out"))" \
	[ "$bad_rc" = 1 -a "$bad_said" = 1 ]
check "the daemon refuses an unknown key ($raw)" \
	bash -c "[[ '$raw' == *'\"ok\":false'*'unknown key colour'* ]]"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgctl associations filters"
