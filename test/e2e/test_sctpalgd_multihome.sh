#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_multihome.sh - a multihomed association through sctpalgd,
# then the primary uplink breaks (sctpalgd.conf(5), multihome;
# README, Configuration, case 1).
#
#   client ns  lan0: 192.168.1.10 (single-homed, private)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1,
#     |wan1        |wan2      wan2 = isp2 203.0.113.1, multihome = uplinks
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2
#
# usrsctp leaves its private address out of the INIT to a public peer, so
# the client looks single-homed; with multihome = uplinks the box adds both
# uplinks' addresses and pins each server address to an uplink.  What must
# hold (the gap is printed, never judged):
#   - the association comes up; the server learns both public addresses of
#     the box and no private one;
#   - every SCTP packet on both uplinks carries one public port, valid
#     CRC32c, and no private address;
#   - SIGHUP with an unchanged, a broken and a changed config while the
#     messages flow: the broken one is rejected with its line number in
#     the log, the others apply, no message is lost (sctpalgd(8), SIGNALS);
#   - after wan1 goes down, every message is still acknowledged;
#   - the box logs the association going up (with its public port) and,
#     once the run ends, down;
#   - SIGTERM: sctpalgd exits 0 and no XDP program stays attached
#     (sctpalgd(8), SIGNALS).
#
# The same script runs each backend and mode (test_sctpalgd_packet.sh and
# test_sctpalgd_generic.sh are thin wrappers): SCTPALG_BACKEND=xdp|packet
# (default xdp), SCTPALG_XDP_MODE=auto|native|generic (default auto: native on
# veth), SCTPALG_BUSY_POLL=yes|no (default no), SCTPALG_USER (default: stay
# root; else the daemon drops to that user after set-up).
# SCTPALG_FAST_PATH=xdp|off (default off; test_sctpalgd_fast_path.sh).
# With fast-path = xdp the established timeout is shorter than the run,
# so the association lives only if what the XDP program forwarded keeps
# it alive; DATA must have taken the fast path, and the failover must
# move its entries to the other uplink.
# With backend = packet the box drops SCTP in netfilter prerouting, as
# sctpalgd.conf(5) tells hosts to, and no XDP program may be attached.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=20
BREAK_AT=60
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
BACKEND=${SCTPALG_BACKEND:-xdp}
XDP_MODE=${SCTPALG_XDP_MODE:-auto}
BUSY_POLL=${SCTPALG_BUSY_POLL:-no}
RUN_AS=${SCTPALG_USER:-}
FAST_PATH=${SCTPALG_FAST_PATH:-off}
# Shorter than the traffic between the last reload and the break, when
# only the fold before expiry tells the engine of the fast path's packets
# (sctpalgctl and entry changes fold too, and after the break the
# client's probes of the lost path go the slow way).
FAST_IDLE=2
if [ "$FAST_PATH" = xdp ]; then
	COUNT=400
	BREAK_AT=250
fi

require_env
topo_create
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

cat > "$WORK/box.conf" <<CONF
[daemon]
backend = $BACKEND
xdp-mode = $XDP_MODE
busy-poll = $BUSY_POLL
fast-path = $FAST_PATH
${RUN_AS:+user = $RUN_AS}
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid
log-level = debug

[inside]
interface = lan0
network = $CLI_NET.0/24 uplink isp1

[uplink isp1]
interface = wan1
address = $BOX_WAN1

[uplink isp2]
interface = wan2
address = $BOX_WAN2

[nat]
multihome = uplinks
CONF
if [ "$FAST_PATH" = xdp ]; then
	printf '\n[timeouts]\nestablished = %s\n' "$FAST_IDLE" >> "$WORK/box.conf"
	# A redirect to a veth is taken only when its peer runs NAPI: an
	# XDP program there, or GRO (sctpalgd.conf(5), fast-path).
	ip netns exec "$NS_CLI" ethtool -K lan0 gro on >/dev/null ||
		skip "ethtool -K lan0 gro on failed: veth cannot take redirects"
	ip netns exec "$NS_SRV" ethtool -K wan1 gro on >/dev/null
	ip netns exec "$NS_SRV" ethtool -K wan2 gro on >/dev/null
fi
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"

if [ "$BACKEND" = packet ]; then
	# AF_PACKET only taps: without this the kernel would forward (or
	# answer) its own untranslated copy of every SCTP packet.
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
	say "box: nftables drops SCTP in prerouting (backend = packet)"
fi
start_sctpalgd "$WORK/box.conf"
grep -E 'AF_XDP|packet backend|uplink' "$(out_of box)" | sed 's/^/box: /'

# Captured at the server's end of each link: on the box, XDP takes frames
# before the kernel's packet taps and AF_XDP transmits bypass them.
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60
start_client cli "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60

# Reloads while messages flow.
box_pid=${BG_PID[box]}
reloads() { grep -c 'configuration reloaded' "$(out_of box)"; }
# Evaluated on every try of wait_for (an argument "$(...)" would be
# expanded once, before the first).
reloads_at_least() { test "$(reloads)" -ge "$1"; }
wait_for 30 "client acknowledged 20 messages" progress_at_least cli acked 20
kill -HUP "$box_pid"
wait_for 10 "unchanged config reloaded" reloads_at_least 1
cp "$WORK/box.conf" "$WORK/box.conf.good"
printf '[nat]\nport-range = 9-1\n' >> "$WORK/box.conf"
bad_line=$(grep -n 'port-range = 9-1' "$WORK/box.conf" | cut -d: -f1)
kill -HUP "$box_pid"
wait_for 10 "broken config rejected" grep_out box 'reload rejected'
# A log level applies at once; queues only at the next start, and the
# daemon says so.
sed -e 's/^log-level = debug/log-level = info/' \
	-e 's/^busy-poll = .*/&\nqueues = 1/' "$WORK/box.conf.good" \
	> "$WORK/box.conf"
kill -HUP "$box_pid"
wait_for 10 "changed config reloaded" reloads_at_least 2
grep -E 'reload|reloaded' "$(out_of box)" | sed 's/^/box: /'

wait_for 30 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
# installs + removals: entries written or taken away.
fast_changes() {
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
		jq '.datapath.fast_path_installs + .datapath.fast_path_removals'
}
changes_before=$(fast_changes)
link_down "$NS_BOX" wan1
say "uplink isp1 (box wan1) down"
wan1_link() {
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
		jq -r '.interfaces[] | select(.name == "wan1") | .up'
}
wan1_link_is() { test "$(wan1_link)" = "$1"; }
wait_for 10 "sctpalgctl shows wan1 down" wan1_link_is false
fast_moved() { test "$(fast_changes)" -gt "$changes_before"; }
if [ "$FAST_PATH" = xdp ]; then
	# The path pinned to isp1 now leaves by isp2: its entry is rewritten,
	# or taken away while the kernel has no route for it there.
	wait_for 10 "fast-path entries changed at the failover" fast_moved
fi

wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
# The SHUTDOWN has just crossed the box: give its log line a moment.
for _ in $(seq 50); do grep_out box 'association down' && break; sleep 0.1; done
say "--- sctpalgctl associations (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats > "$WORK/stats.json"
rx_lan0=$(jq -r '.interfaces[] | select(.name == "lan0") | .rx_packets' \
	"$WORK/stats.json")
rx_all=$(jq '[.interfaces[].rx_packets] | add' "$WORK/stats.json")
turns=$(jq '.datapath.event_loop_turns' "$WORK/stats.json")
capture_stop wan1
capture_stop wan2
xdp_count() { # interfaces of the box with an XDP program attached
	local i n=0

	for i in lan0 wan1 wan2; do
		ip -n "$NS_BOX" link show dev "$i" | grep -q xdp && n=$((n + 1))
	done
	echo "$n"
}
xdp_running=$(xdp_count)
box_user=$(ps -o user= -p "$box_pid" | tr -d ' ')
# CPU seconds the daemon used (printed; busy-poll spends a core).
box_cpu=$(awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$box_pid/stat")
xdp_kind=$(ip -n "$NS_BOX" -d link show dev lan0 | grep -oE 'xdp[a-z]*' | head -n 1)
kill -TERM "$box_pid"
wait_bg box 15
box_rc=$?
xdp_left=$(xdp_count)

grep -E 'association|limit' "$(out_of box)" | sed 's/^/box: /'
say "--- client / server ---"
grep -E '^(PEERS|RESULT)' "$(out_of cli)"
grep -E '^(PEERS|RESULT)' "$(out_of srv)"
for l in wan1 wan2; do
	say "$l: $(pcap_sctp_count "$l") SCTP packets on the wire"
done

# Ports the box used on the uplinks (source port seen from the box side).
box_ports() {
	for l in wan1 wan2; do
		_tshark -r "$(pcap_of $l)" -Y "ip.src == $BOX_WAN1 ||
			ip.src == $BOX_WAN2" -T fields -e sctp.srcport
	done | sort -u
}
private_on_wire() {
	for l in wan1 wan2; do
		_tshark -r "$(pcap_of $l)" -T fields -e ip.src -e ip.dst \
			-e sctp.parameter_ipv4_address
	done | grep -c '192\.168\.'
}
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)

check "client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "server: every message received (exit 0)" [ "$srv_rc" = 0 ]
check "server learned $BOX_WAN1 and $BOX_WAN2" \
	bash -c "[[ '$srv_peers' == *'$BOX_WAN1'* && '$srv_peers' == *'$BOX_WAN2'* ]]"
check "server never saw a private address" \
	bash -c "[[ '$srv_peers' != *192.168.* ]]"
check "one public port on every packet of both uplinks: $(box_ports | tr '\n' ' ')" \
	[ "$(box_ports | wc -l)" = 1 ]
check "no private address on the wire" [ "$(private_on_wire)" = 0 ]
check "CRC32c valid on every packet (wan1 $(pcap_crc_bad wan1) bad, wan2 $(pcap_crc_bad wan2) bad)" \
	[ "$(pcap_crc_bad wan1)" = 0 -a "$(pcap_crc_bad wan2)" = 0 ]
check "packets crossed uplink isp2" [ "$(pcap_sctp_count wan2)" -gt 0 ]
check "broken config rejected naming line $bad_line" \
	grep_out box "reload rejected.*box.conf:$bad_line: port-range"
public_port=$(box_ports | head -n 1)
check "box log: association up on public port $public_port" \
	grep_out box "association up: .* -> [^ ]*:$public_port -> "
check "box log: association down once the run ended" \
	grep_out box 'association down \('
check "unchanged and changed configs applied (2 reloads)" \
	[ "$(reloads)" = 2 ]
check "the reload named queues as waiting for a restart" \
	grep_out box 'reload: queues changed'
check "and only after the changed config" \
	[ "$(grep -c 'reload: .* changed' "$(out_of box)")" = 1 ]
if [ "$BACKEND" = packet ]; then
	check "backend = packet: no XDP program attached ($xdp_running)" \
		[ "$xdp_running" = 0 ]
	check "backend = packet announced in the log" \
		grep_out box 'lan0: packet backend'
	check "packets came in through the AF_PACKET ring: $rx_lan0 on lan0" \
		[ "${rx_lan0:-0}" -gt 0 ]
else
	check "XDP attached on all 3 interfaces while running ($xdp_kind)" \
		[ "$xdp_running" = 3 ]
fi
if [ -n "$RUN_AS" ]; then
	check "the daemon ran as $RUN_AS ($box_user)" [ "$box_user" = "$RUN_AS" ]
fi
# Not a timing check: a turn needs an event unless busy-poll spins, so
# the count is bounded by the traffic (and a few ticks and requests),
# whatever the speed of the machine.
if [ "$BUSY_POLL" = yes ]; then
	check "busy-poll: the loop ran without sleeping" \
		grep_out box 'busy-poll: the event loop polls without sleeping'
	check "busy-poll: $turns loop turns for $rx_all packets" \
		[ "$turns" -gt $((100 * rx_all)) ]
else
	check "no busy loop: $turns loop turns for $rx_all packets" \
		[ "$turns" -le $((4 * rx_all + 500)) ]
fi
if [ "$FAST_PATH" = xdp ]; then
	fast_pkts=$(jq '.datapath.fast_path_packets' "$WORK/stats.json")
	slow_pkts=$(jq '.datapath.slow_path_packets' "$WORK/stats.json")
	folded=$(jq '.datapath.fast_path_folded_packets' "$WORK/stats.json")
	check "fast path announced at start" grep_out box 'fast path: xdp'
	check "DATA took the fast path: $fast_pkts packets (slow path $slow_pkts)" \
		[ "${fast_pkts:-0}" -ge "$COUNT" ]
	check "the engine counted what the fast path forwarded ($folded)" \
		[ "${folded:-0}" -gt 0 ]
	check "alive past the ${FAST_IDLE} s established timeout: no timeout" \
		bash -c "! grep -q 'timeout-established' '$(out_of box)'"
	check "entries changed at the failover and removed at the end: $(jq -c '[.datapath.fast_path_installs, .datapath.fast_path_removals]' "$WORK/stats.json")" \
		[ "$(jq '.datapath.fast_path_removals' "$WORK/stats.json")" -gt 0 ]
else
	check "fast path off unless asked for" grep_out box 'fast path: off'
fi
if [ "$XDP_MODE" = generic ]; then
	check "generic mode: XDP attached as xdpgeneric ($xdp_kind)" \
		[ "$xdp_kind" = xdpgeneric ]
fi
check "SIGTERM: sctpalgd exit status $box_rc" [ "$box_rc" = 0 ]
check "no XDP program left attached on the box ($xdp_left)" \
	[ "$xdp_left" = 0 ]
say "sctpalgd used $box_cpu s of CPU"
say "failover gap at the client: max_gap_ms=$(result_field cli max_gap_ms)"
say "mode: backend $BACKEND, busy-poll $BUSY_POLL, $(grep -oE 'AF_XDP [a-z]+ mode|packet backend' \
	"$(out_of box)" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd multihoming and failover"
