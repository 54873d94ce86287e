#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_server.sh - the Linux kernel's SCTP as a multihomed server
# inside, reached through a [forward] rule of sctpalgd on both public
# addresses by the multihomed usrsctp client outside; then uplink 1
# breaks.  The kernel runs in a qemu VM (test/vm/vm.sh).
#
#   VM (Debian kernel)  eth0: 192.168.1.10 + .11, ksctp_peer server :5001
#        |
#   client ns  br-tap0 = tap0 + lan0 (a plain bridge)
#        |
#   box ns     sctpalgd: [forward] 198.51.100.1:5001, 203.0.113.1:5001
#     |wan1        |wan2      -> 192.168.1.10:5001; multihome = uplinks
#   server ns  usrsctp sctp_peer CLIENT on 198.51.100.100 + 203.0.113.100
#
# The kernel lists both of its private addresses in the INIT ACK; the box
# must replace them by its public ones.  What must hold (the failover gap
# is printed, never judged):
#   - every message received once by the kernel and acknowledged;
#   - the usrsctp client learned the box's two public addresses and no
#     inside one; the INIT ACK on the wire lists public addresses only;
#   - on both uplinks: no inside address, one port (5001) on every packet
#     from the box, CRC32c valid, DATA on both uplinks.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

COUNT=${KSCTP_COUNT:-250}
INTERVAL=20
BREAK_AT=${KSCTP_BREAK_AT:-80}
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
vm_require
topo_create
vm_tap "$NS_CLI" tap0 lan0
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

{
	box_conf 2 | sed -e "s|^network = .*|network = $CLI_ADDR1/32 uplink isp1\\
network = $CLI_ADDR2/32 uplink isp2|"
	cat <<CONF

[nat]
multihome = uplinks

[forward kernel]
public = $BOX_WAN1:$SCTP_PORT
public = $BOX_WAN2:$SCTP_PORT
inside = $CLI_ADDR1:$SCTP_PORT
CONF
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_start lan "$NS_CLI" br-tap0
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2

{
	vm_guest_preamble
	cat <<EOF
ip link set eth0 up
ip addr add $CLI_ADDR1/24 dev eth0
ip addr add $CLI_ADDR2/24 dev eth0
ip route add default via $BOX_LAN
ksctp_peer server --bind $CLI_ADDR1,$CLI_ADDR2 --port $SCTP_PORT \
	--count $COUNT --timeout 150
EOF
} > "$WORK/guest.sh"
vm_start ksrv "$NS_CLI" "$WORK/guest.sh" tap0
vm_wait_booted ksrv
wait_for 60 "kernel server listening" grep_out ksrv 'LISTEN port'

run_bg cli "$NS_SRV" "$SCTP_PEER" client --bind "$SRV_ADDR1,$SRV_ADDR2" \
	--connect "$BOX_WAN1,$BOX_WAN2" --port "$SCTP_PORT" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 120
wait_for 90 "usrsctp client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
t_break=$(date +%s.%N)
link_down "$NS_BOX" wan1
say "uplink isp1 (box wan1) down"

wait_bg cli 120
cli_rc=$?
vm_wait_done ksrv 60
srv_rc=$?
say "--- sctpalgctl associations and stats (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | grep -A30 '^drops'
capture_stop lan
capture_stop wan1
capture_stop wan2

say "--- kernel server (VM) ---"
grep -E 'ACCEPT|PEERS|LOCAL|EVENT|^PATH |FROM|RESULT' "$(out_of ksrv)"
say "--- usrsctp client ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of cli)"
for c in lan wan1 wan2; do vm_pcap_table "$c"; done
inits() {
	awk -F'\t' '$5 ~ /^[12]$/ { print ($5 == 1 ? "INIT" : "INIT_ACK"),
		$2, ">", $3, "addrs=" $7 }' "$WORK/$1.tsv"
}
say "--- INIT / INIT ACK ---"
for c in lan wan1 wan2; do inits "$c" | sed "s/^/$c: /"; done
data_on() { tsv_count "$1" '$5 ~ /(^|,)0(,|$)/'; }
box_ports=$(awk -F'\t' -v a="$BOX_WAN1" -v b="$BOX_WAN2" \
	'$4 != "" && ($2 == a || $2 == b) { print $4 }' \
	"$WORK/wan1.tsv" "$WORK/wan2.tsv" | sort -u | tr '\n' ' ')
inside_out=$(cut -f2,3,7 "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
	grep -c "${CLI_NET//./\\.}\\.")
crc_bad=$(( $(tsv_count wan1 '$4 != "" && $6 != 1') +
	$(tsv_count wan2 '$4 != "" && $6 != 1') ))
lan_ack=$(inits lan | grep '^INIT_ACK' | head -n 1)
wan_ack=$(inits wan1 | grep '^INIT_ACK' | head -n 1)
[ -n "$wan_ack" ] || wan_ack=$(inits wan2 | grep '^INIT_ACK' | head -n 1)
cli_peers=$(grep -E '^PEERS' "$(out_of cli)" | tail -n 1)

check "usrsctp client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "kernel server: every message received once (VM exit 0)" [ "$srv_rc" = 0 ]
check "client learned $BOX_WAN1 and $BOX_WAN2" \
	bash -c "[[ '$cli_peers' == *'$BOX_WAN1'* && '$cli_peers' == *'$BOX_WAN2'* ]]"
check "client never saw an inside address" \
	bash -c "[[ '$cli_peers' != *'$CLI_NET.'* ]]"
check "the kernel listed its inside addresses in the INIT ACK ($lan_ack)" \
	bash -c "[[ '$lan_ack' == *'$CLI_ADDR1'* && '$lan_ack' == *'$CLI_ADDR2'* ]]"
check "the INIT ACK on the wire lists public addresses only ($wan_ack)" \
	bash -c "[[ '$wan_ack' == INIT_ACK* && '$wan_ack' != *'$CLI_NET.'* ]]"
check "no inside address on either uplink" [ "$inside_out" = 0 ]
check "one public port on every packet from the box: $box_ports" \
	[ "$box_ports" = "$SCTP_PORT " ]
check "CRC32c valid on every packet ($crc_bad bad)" [ "$crc_bad" = 0 ]
check "DATA crossed both uplinks (wan1 $(data_on wan1), wan2 $(data_on wan2))" \
	[ "$(data_on wan1)" -gt 0 -a "$(data_on wan2)" -gt 0 ]
say "break at $t_break; failover gap at the usrsctp client: max_gap_ms=$(result_field cli max_gap_ms), at the kernel server: max_gap_ms=$(result_field ksrv max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "kernel SCTP server behind [forward] through sctpalgd, uplink failover"
