#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_daemon.sh - sctpalgd as a classic daemon (no -f), the way
# init scripts run it:
#   - the command returns 0 only once the daemon is ready (its control
#     socket answers at that moment), and the daemon is not its child;
#   - the pidfile names the daemon; a second start is refused, naming it;
#   - an association goes through the daemonized box;
#   - SIGTERM to the pidfile's process: it exits, removes the pidfile and
#     detaches every XDP program.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCTPALGD=${SCTPALGD:-$REPO_ROOT/build/sctpalgd}
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
COUNT=50

require_env
[ -x "$SCTPALGD" ] || skip "build/sctpalgd not built (make all)"
topo_create
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null

box_conf 2 > "$WORK/box.conf"
san_env "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
xdp_count() {
	local i n=0

	for i in lan0 wan1 wan2; do
		ip -n "$NS_BOX" link show dev "$i" | grep -q xdp && n=$((n + 1))
	done
	echo "$n"
}

# The starting command: its status, and whether the daemon answered
# the moment it returned.
n_box "$SCTPALGD" -c "$WORK/box.conf" > "$WORK/start.out" 2>&1
start_rc=$?
ctl stats > "$WORK/stats-at-start.out" 2>&1
ctl_rc=$?
pid=$(cat "$WORK/sctpalgd.pid" 2>/dev/null)
say "started: exit $start_rc, pidfile says ${pid:-nothing}"
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || {
	cat "$WORK/start.out"
	fail "no running sctpalgd after the start command"
}
ppid=$(awk '{ print $4 }' "/proc/$pid/stat")
sid=$(awk '{ print $6 }' "/proc/$pid/stat")

n_box "$SCTPALGD" -c "$WORK/box.conf" > "$WORK/second.out" 2>&1
second_rc=$?
say "second start: exit $second_rc: $(cat "$WORK/second.out")"

start_server srv "$SRV_ADDR1" --count "$COUNT" --timeout 30
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval 10 --timeout 30
wait_bg cli 40
cli_rc=$?
wait_bg srv 20
srv_rc=$?
ctl stats | grep -E '^  (lan0|wan1|wan2) ' | sed 's/^/box: /'
xdp_running=$(xdp_count)

kill -TERM "$pid"
_wait_pid_gone "$pid" 100
gone=$?
xdp_left=$(xdp_count)

check "start command exit 0 ($start_rc)" [ "$start_rc" = 0 ]
check "control socket answered when the start command returned" \
	[ "$ctl_rc" = 0 ]
check "daemon detached: parent pid $ppid is not this shell ($$)" \
	[ "$ppid" != $$ ]
check "daemon is not a session leader (pid $pid, session $sid)" \
	[ "$sid" != "$pid" ]
check "second start refused (exit $second_rc), naming pid $pid" \
	grep -q "already running (pid $pid" "$WORK/second.out"
check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "XDP attached on 3 interfaces while running ($xdp_running)" \
	[ "$xdp_running" = 3 ]
check "SIGTERM: daemon gone" [ "$gone" = 0 ]
check "pidfile removed" [ ! -e "$WORK/sctpalgd.pid" ]
check "no XDP program left attached ($xdp_left)" [ "$xdp_left" = 0 ]
say "mode: daemonized, $(grep -oE '(native|generic|zerocopy)' \
	"$WORK/stats-at-start.out" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd as a daemon"
