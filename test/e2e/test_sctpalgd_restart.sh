#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_restart.sh - sctpalgd is restarted in the middle of an
# association and the association lives on (sctpalgd.conf(5), state-file).
#
#   client ns  lan0: 192.168.1.10 (single-homed, private)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1,
#     |wan1        |wan2      wan2 = isp2 203.0.113.1, multihome = uplinks,
#     |            |          state-file = $WORK/lib/sctpalgd.state,
#     |            |          user = nobody (the file is written after the
#     |            |          privilege drop)
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2
#
# Phase 1, with the state file: messages flow client -> server; sctpalgd
# gets SIGTERM mid-stream (it saves the table and detaches XDP), and is
# started again with the same config (it restores the table).  What must
# hold (the restart gap is printed, never judged):
#   - "saved 1 associations" at exit, "restored 1 associations" at start;
#   - the association keeps its public port: sctpalgctl shows the same one
#     before and after, and every packet either daemon sent on both uplinks
#     carries that one port with a valid CRC32c;
#   - every message is acknowledged (client and server exit 0);
#   - both daemons exit 0.
# Phase 2, the control: the same restart without a state file must lose
# the association (client exit non-zero), which shows that phase 1 passes
# because of the state file and not because the association would have
# survived anyway.
# Phase 3, a crash: with state-interval = 1 the running daemon saves the
# table every second; it is killed with SIGKILL (no save at exit, XDP
# left attached) and started again: it restores the periodic save,
# replaces its dead predecessor's XDP programs, and the association lives.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=150
INTERVAL=20
STOP_AT=40
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
# The peers give up after a few timeouts (Path.Max.Retrans 1 per path:
# about 4 s of silence with an RTO ceiling of 1 s, as the control phase
# shows); the restart, XDP attach included, has to fit in that.
PEER_OPTS=(--rto-max 1000)

require_env
topo_create
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

STATE=$WORK/lib/sctpalgd.state
# write_conf FILE STATE-FILE
write_conf() {
	{
		box_conf 2
		printf '\n[daemon]\nuser = nobody\nlog-level = debug\n'
		printf 'state-file = %s\n\n[nat]\nmultihome = uplinks\n' "$2"
	} > "$1"
}
write_conf "$WORK/box.conf" "$STATE"
write_conf "$WORK/box-nostate.conf" none
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
# public_ports: the public port of every association, one per line.
public_ports() {
	ctl -j associations | grep -oE '"public_port": *[0-9]+' |
		grep -oE '[0-9]+$'
}
one_assoc() { [ "$(public_ports | wc -l)" = 1 ]; }
now_ms() { date +%s%3N; }

# restart CONF LOG: SIGTERM the running sctpalgd, keep its log as
# LOG.out and its exit status in LOG_rc, start it again; AWAY_MS is the
# time it was away.  (Not in a subshell: BG_PID must follow.)
restart() {
	local conf=$1 log=$2 t0

	t0=$(now_ms)
	kill -TERM "${BG_PID[box]}"
	wait_bg box 15
	printf -v "${log//-/_}_rc" '%s' "$?"
	cp "$(out_of box)" "$WORK/$log.out"
	start_sctpalgd "$conf"
	AWAY_MS=$(($(now_ms) - t0))
}

# ---- phase 1: with the state file ----
start_sctpalgd "$WORK/box.conf"
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60 \
	"${PEER_OPTS[@]}"
start_client cli "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 60 "${PEER_OPTS[@]}"
wait_for 30 "client acknowledged $STOP_AT messages" \
	progress_at_least cli acked "$STOP_AT"
wait_for 10 "sctpalgctl lists the association" one_assoc
port_before=$(public_ports)
say "--- sctpalgctl associations (before the restart) ---"
ctl associations

restart "$WORK/box.conf" box-first
gap_ms=$AWAY_MS
first_rc=$box_first_rc
say "sctpalgd restarted: away for ${gap_ms} ms"
grep -E 'state file|associations (to|from)' "$WORK/box-first.out" \
	"$(out_of box)" | sed 's/^/box: /'
port_after=$(public_ports | head -n 1)
say "--- sctpalgctl associations (after the restart) ---"
ctl associations

wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
kill -TERM "${BG_PID[box]}"
wait_bg box 15
second_rc=$?
capture_stop wan1
capture_stop wan2

say "--- client / server ---"
grep -E '^(PEERS|RESULT)' "$(out_of cli)"
grep -E '^(PEERS|RESULT)' "$(out_of srv)"
for l in wan1 wan2; do
	say "$l: $(pcap_sctp_count "$l") SCTP packets on the wire"
done
# Ports the box used on the uplinks, over both daemons' lifetimes.
box_ports() {
	for l in wan1 wan2; do
		_tshark -r "$(pcap_of $l)" -Y "ip.src == $BOX_WAN1 ||
			ip.src == $BOX_WAN2" -T fields -e sctp.srcport
	done | sort -u
}
state_mode=$(stat -c '%a %U' "$STATE" 2>/dev/null)

check "first sctpalgd: saved 1 associations at SIGTERM" \
	grep -q "saved 1 associations to $STATE" "$WORK/box-first.out"
check "first sctpalgd: exit status $first_rc" [ "$first_rc" = 0 ]
check "second sctpalgd: restored 1 associations, none skipped" \
	grep_out box "restored 1 associations from $STATE \(0 skipped\)"
check "public port before and after the restart: $port_before / $port_after" \
	[ -n "$port_before" -a "$port_before" = "$port_after" ]
check "one public port on every packet of both uplinks: $(box_ports | tr '\n' ' ')" \
	[ "$(box_ports)" = "$port_before" ]
check "CRC32c valid on every packet (wan1 $(pcap_crc_bad wan1) bad, wan2 $(pcap_crc_bad wan2) bad)" \
	[ "$(pcap_crc_bad wan1)" = 0 -a "$(pcap_crc_bad wan2)" = 0 ]
check "client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "server: every message received (exit 0)" [ "$srv_rc" = 0 ]
check "second sctpalgd: exit status $second_rc" [ "$second_rc" = 0 ]
check "state file rewritten by user nobody, mode 600 ($state_mode)" \
	[ "$state_mode" = "600 nobody" ]
check "the file read at start was kept as .old" [ -e "$STATE.old" ]

# ---- phase 2: the control, without a state file ----
say "--- control: the same restart without a state file ---"
start_sctpalgd "$WORK/box-nostate.conf"
start_server srv2 "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 40 \
	"${PEER_OPTS[@]}"
start_client cli2 "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 40 "${PEER_OPTS[@]}"
wait_for 30 "control client acknowledged $STOP_AT messages" \
	progress_at_least cli2 acked "$STOP_AT"
restart "$WORK/box-nostate.conf" box-control
gap2_ms=$AWAY_MS
say "sctpalgd restarted without a state file: away for ${gap2_ms} ms"
wait_bg cli2 60
cli2_rc=$?
stop_bg srv2
grep -E '^RESULT' "$(out_of cli2)"
check "control: without the state file the association is lost (client exit $cli2_rc)" \
	[ "$cli2_rc" != 0 ]
check "control: nothing restored" \
	bash -c "! grep -q 'restored' '$(out_of box)'"

# ---- phase 3: a crash, restarted from the periodic save ----
say "--- crash: SIGKILL, restarted from the save of state-interval ---"
stop_bg box
CRASH_STATE=$WORK/lib/crash.state
write_conf "$WORK/box-crash.conf" "$CRASH_STATE"
printf '\n[daemon]\nstate-interval = 1\n' >> "$WORK/box-crash.conf"
start_sctpalgd "$WORK/box-crash.conf"
start_server srv3 "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60 \
	"${PEER_OPTS[@]}"
start_client cli3 "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 60 "${PEER_OPTS[@]}"
wait_for 30 "crash client acknowledged $STOP_AT messages" \
	progress_at_least cli3 acked "$STOP_AT"
wait_for 5 "a periodic save of the association" test -s "$CRASH_STATE"
t0=$(now_ms)
kill -KILL "${BG_PID[box]}"
wait_bg box 5
cp "$(out_of box)" "$WORK/box-crashed.out"
start_sctpalgd "$WORK/box-crash.conf"
gap3_ms=$(($(now_ms) - t0))
say "sctpalgd killed and started again: away for ${gap3_ms} ms"
grep -E 'restored|stale' "$(out_of box)" | sed 's/^/box: /'
wait_bg cli3 60
cli3_rc=$?
stop_bg srv3
grep -E '^RESULT' "$(out_of cli3)"
check "crash: periodic saves ran ($(grep -c '^checkpoint:' "$WORK/box-crashed.out"))" \
	grep -q '^checkpoint: 1 associations saved' "$WORK/box-crashed.out"
check "crash: nothing saved at exit (SIGKILL)" \
	bash -c "! grep -q '^saved .* associations to' '$WORK/box-crashed.out'"
check "crash: the new daemon restored the periodic save" \
	grep_out box "restored 1 associations from $CRASH_STATE \(0 skipped\)"
check "crash: every message acknowledged (client exit $cli3_rc)" \
	[ "$cli3_rc" = 0 ]

say "restart gap: sctpalgd away ${gap_ms} ms, client max_gap_ms=$(result_field cli max_gap_ms)"
say "crash gap: sctpalgd away ${gap3_ms} ms, client max_gap_ms=$(result_field cli3 max_gap_ms)"
say "mode: $(grep -oE 'AF_XDP [a-z]+ mode' "$(out_of box)" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd restart keeps the association through the state file"
