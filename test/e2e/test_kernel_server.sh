#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_server.sh - the Linux kernel's SCTP as a multihomed server
# inside, reached through a [forward] rule of sctpalgd on both public
# addresses by the multihomed usrsctp client outside.  The kernel sits on
# two inside links, one address on each, and the rule has two `inside`
# lines (the n-th serving the n-th `public` address).  Phase 1: uplink 1
# breaks.  Phase 2: uplink 1 comes back, then inside link B (which
# carries everything since phase 1) breaks.  The
# kernel runs in a qemu VM (test/vm/vm.sh).
#
#   VM (Debian kernel)  eth0: 192.168.1.10       eth1: 192.168.2.10
#        |  ksctp_peer server :5001 on both        |
#   client ns  br-tap0 = tap0 + lan0           br-tap1 = tap1 + lan1
#        |  (inside link A)                        |  (inside link B)
#   box ns     sctpalgd: [forward] 198.51.100.1:5001 -> 192.168.1.10:5001,
#     |wan1        |wan2   203.0.113.1:5001 -> 192.168.2.10:5001;
#                          multihome = uplinks
#   server ns  usrsctp sctp_peer CLIENT on 198.51.100.100 + 203.0.113.100
#
# The kernel lists both of its private addresses in the INIT ACK; the box
# must replace them by its public ones.  What must hold (the failover gaps
# are printed, never judged):
#   - every message received once by the kernel and acknowledged;
#   - the usrsctp client learned the box's two public addresses and no
#     inside one; the INIT ACK on the wire lists public addresses only;
#   - on both uplinks: no inside address, one port (5001) on every packet
#     from the box, CRC32c valid, DATA on both uplinks;
#   - both inside links carried packets to the server's address on that
#     link, and link A did after link B broke.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

COUNT=${KSCTP_COUNT:-400}
INTERVAL=20
BREAK_AT=${KSCTP_BREAK_AT:-80}
BREAK2_AT=${KSCTP_BREAK2_AT:-160}
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
vm_require
topo_create
topo_add_inside_link2
vm_tap "$NS_CLI" tap0 lan0
vm_tap "$NS_CLI" tap1 lan1
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

{
	box_conf 2 | sed -e "s|^network = .*|network = $CLI_ADDR1/32 uplink isp1\\
network = $CLI2_ADDR/32 uplink isp2\\
interface = lan1|"
	cat <<CONF

[nat]
multihome = uplinks

[forward kernel]
public = $BOX_WAN1:$SCTP_PORT
public = $BOX_WAN2:$SCTP_PORT
inside = $CLI_ADDR1:$SCTP_PORT
inside = $CLI2_ADDR:$SCTP_PORT
CONF
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_start lan "$NS_CLI" br-tap0
capture_start lan2 "$NS_CLI" br-tap1
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2

{
	vm_guest_preamble
	cat <<EOF
ip link set eth0 up
ip addr add $CLI_ADDR1/24 dev eth0
ip link set eth1 up
ip addr add $CLI2_ADDR/24 dev eth1
ip route add default via $BOX_LAN dev eth0
ip route add $SRV_ADDR2/32 via $BOX_LAN2 dev eth1
ksctp_peer server --bind $CLI_ADDR1,$CLI2_ADDR --port $SCTP_PORT \
	--count $COUNT --timeout 240
EOF
} > "$WORK/guest.sh"
vm_start ksrv "$NS_CLI" "$WORK/guest.sh" tap0 tap1
vm_wait_booted ksrv
wait_for 60 "kernel server listening" grep_out ksrv 'LISTEN port'

run_bg cli "$NS_SRV" "$SCTP_PEER" client --bind "$SRV_ADDR1,$SRV_ADDR2" \
	--connect "$BOX_WAN1,$BOX_WAN2" --port "$SCTP_PORT" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 210
wait_for 90 "usrsctp client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
t_break=$(date +%s.%N)
link_down "$NS_BOX" wan1
say "uplink isp1 (box wan1) down"

wait_for 120 "usrsctp client acknowledged $BREAK2_AT messages" \
	progress_at_least cli acked "$BREAK2_AT"
link_up "$NS_BOX" wan1
say "uplink isp1 (box wan1) up again"
# Both ends must see path 1 alive again (heartbeats every 500 ms) before
# link B, which carries everything since the uplink broke, fails.
wait_for 60 "usrsctp client sees $BOX_WAN1 available again" \
	grep_out cli "peer_addr_change addr=$BOX_WAN1 state=ADDR_AVAILABLE"
wait_for 60 "kernel server sees $SRV_ADDR1 available again" \
	grep_out ksrv "peer_addr_change addr=$SRV_ADDR1 state=ADDR_AVAILABLE"
t_break2=$(date +%s.%N)
link_down "$NS_BOX" lan1
say "inside link B (box lan1) down"

wait_bg cli 150
cli_rc=$?
vm_wait_done ksrv 60
srv_rc=$?
say "--- sctpalgctl associations and stats (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | grep -A30 '^drops'
capture_stop lan
capture_stop lan2
capture_stop wan1
capture_stop wan2

say "--- kernel server (VM) ---"
grep -E 'ACCEPT|PEERS|LOCAL|EVENT|^PATH |FROM|RESULT' "$(out_of ksrv)"
say "--- usrsctp client ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of cli)"
for c in lan lan2 wan1 wan2; do vm_pcap_table "$c"; done
inits() {
	awk -F'\t' '$5 ~ /^[12]$/ { print ($5 == 1 ? "INIT" : "INIT_ACK"),
		$2, ">", $3, "addrs=" $7 }' "$WORK/$1.tsv"
}
say "--- INIT / INIT ACK ---"
for c in lan lan2 wan1 wan2; do inits "$c" | sed "s/^/$c: /"; done
data_on() { tsv_count "$1" '$5 ~ /(^|,)0(,|$)/'; }
box_ports=$(awk -F'\t' -v a="$BOX_WAN1" -v b="$BOX_WAN2" \
	'$4 != "" && ($2 == a || $2 == b) { print $4 }' \
	"$WORK/wan1.tsv" "$WORK/wan2.tsv" | sort -u | tr '\n' ' ')
inside_out=$(cut -f2,3,7 "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
	grep -cE "${CLI_NET//./\\.}\\.|${INSIDE2_NET//./\\.}\\.")
crc_bad=$(( $(tsv_count wan1 '$4 != "" && $6 != 1') +
	$(tsv_count wan2 '$4 != "" && $6 != 1') ))
# Packets toward the server's address on each inside link (optionally
# only from a time on).
to_server() {
	tsv_count "$1" "\$4 != \"\" && \$3 == \"$2\" && \$1 >= ${3:-0}"
}
in_a=$(to_server lan "$CLI_ADDR1")
in_b=$(to_server lan2 "$CLI2_ADDR")
in_a_after=$(to_server lan "$CLI_ADDR1" "$t_break2")
lan_crc_bad=$(( $(tsv_count lan '$4 != "" && $6 != 1') +
	$(tsv_count lan2 '$4 != "" && $6 != 1') ))
lan_ack=$(inits lan | grep '^INIT_ACK' | head -n 1)
wan_ack=$(inits wan1 | grep '^INIT_ACK' | head -n 1)
[ -n "$wan_ack" ] || wan_ack=$(inits wan2 | grep '^INIT_ACK' | head -n 1)
cli_peers=$(grep -E '^PEERS' "$(out_of cli)" | tail -n 1)

check "usrsctp client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "kernel server: every message received once (VM exit 0)" [ "$srv_rc" = 0 ]
check "client learned $BOX_WAN1 and $BOX_WAN2" \
	bash -c "[[ '$cli_peers' == *'$BOX_WAN1'* && '$cli_peers' == *'$BOX_WAN2'* ]]"
check "client never saw an inside address" \
	bash -c "[[ '$cli_peers' != *'$CLI_NET.'* && '$cli_peers' != *'$INSIDE2_NET.'* ]]"
check "the kernel listed its inside addresses in the INIT ACK ($lan_ack)" \
	bash -c "[[ '$lan_ack' == *'$CLI_ADDR1'* && '$lan_ack' == *'$CLI2_ADDR'* ]]"
check "the INIT ACK on the wire lists public addresses only ($wan_ack)" \
	bash -c "[[ '$wan_ack' == INIT_ACK* && '$wan_ack' != *'$CLI_NET.'* && '$wan_ack' != *'$INSIDE2_NET.'* ]]"
check "no inside address on either uplink" [ "$inside_out" = 0 ]
check "one public port on every packet from the box: $box_ports" \
	[ "$box_ports" = "$SCTP_PORT " ]
check "CRC32c valid on every packet ($crc_bad bad)" [ "$crc_bad" = 0 ]
check "DATA crossed both uplinks (wan1 $(data_on wan1), wan2 $(data_on wan2))" \
	[ "$(data_on wan1)" -gt 0 -a "$(data_on wan2)" -gt 0 ]
check "inside link A carried packets to $CLI_ADDR1 ($in_a)" [ "$in_a" -gt 0 ]
check "inside link B carried packets to $CLI2_ADDR ($in_b)" [ "$in_b" -gt 0 ]
check "after link B broke, link A carried packets to $CLI_ADDR1 ($in_a_after)" \
	[ "$in_a_after" -gt 0 ]
check "CRC32c valid on every packet inside ($lan_crc_bad bad)" \
	[ "$lan_crc_bad" = 0 ]
# wire_gap_ms T0 T1: the longest wait between two DATA packets reaching
# the server (either inside link) that ends in [T0, T1): each phase's
# failover gap on the wire, printed, never judged.
wire_gap_ms() {
	cat "$WORK/lan.tsv" "$WORK/lan2.tsv" |
		awk -F'\t' -v a="$CLI_ADDR1" -v b="$CLI2_ADDR" \
		'($3 == a || $3 == b) && $5 ~ /(^|,)0(,|$)/ { print $1 }' |
		sort -n | awk -v t0="$1" -v t1="$2" \
		'NR > 1 && $1 >= t0 && $1 < t1 && $1 - p > m { m = $1 - p }
		{ p = $1 } END { printf "%d", m * 1000 }'
}
say "uplink break at $t_break, inside link B break at $t_break2"
say "failover gaps on the wire (DATA to the server): uplink $(wire_gap_ms "$t_break" "$t_break2") ms, inside link $(wire_gap_ms "$t_break2" 9e9) ms"
say "largest gap over the run at the usrsctp client: max_gap_ms=$(result_field cli max_gap_ms), at the kernel server: max_gap_ms=$(result_field ksrv max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "kernel SCTP server behind [forward] on two inside links, uplink and inside link failover"
