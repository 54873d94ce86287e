#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_ipv6.sh - the Linux kernel's SCTP over IPv6 through
# sctpalgd: no NAT66, so the kernel client's address stays and only the
# port is translated, one public port on both paths; then the first path
# breaks.  The kernel runs in a qemu VM (test/vm/vm.sh).
#
#   VM (Debian kernel)  eth0 2001:db8:aa::10 (bridged via the client ns)
#        |
#   box ns     lan0 2001:db8:aa::1; sctpalgd (IPv6 paths follow routes)
#     |wan1        |wan2     wan1 2001:db8:1::1, wan2 2001:db8:2::1
#   server ns  usrsctp on 2001:db8:1::100 (wan1), 2001:db8:2::100 (wan2)
#
# What must hold (the gap is printed, never judged):
#   - every message acknowledged and received once;
#   - the server learned the kernel's own address (no NAT66);
#   - every packet from the kernel on both outside links keeps that
#     address and carries one source port, the association's public port;
#     CRC32c valid on every packet; DATA on both links.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

COUNT=${KSCTP_COUNT:-250}
INTERVAL=20
BREAK_AT=${KSCTP_BREAK_AT:-80}
CLI6=2001:db8:aa::10
BOX_LAN6=2001:db8:aa::1
BOX_WAN1_6=2001:db8:1::1
BOX_WAN2_6=2001:db8:2::1
SRV1_6=2001:db8:1::100
SRV2_6=2001:db8:2::100
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
vm_require
topo_create
topo_enable_ipv6
vm_tap "$NS_CLI" tap0 lan0
ip -n "$NS_BOX" addr add "$BOX_LAN6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN1_6/64" dev wan1 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN2_6/64" dev wan2 nodad
ip -n "$NS_SRV" addr add "$SRV1_6/64" dev wan1 nodad
ip -n "$NS_SRV" addr add "$SRV2_6/64" dev wan2 nodad
topo_wait_ipv6
# No NAT66: the server routes the inside prefix back through the box, by
# either link; a link without carrier must not keep its route.
for c in all wan1 wan2; do
	n_srv sysctl -qw "net.ipv6.conf.$c.ignore_routes_with_linkdown=1"
done
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN1_6" dev wan1 \
	metric 10
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN2_6" dev wan2 \
	metric 20
box_conf 2 > "$WORK/box.conf"
# [inside] again (a section may be opened again): the inside IPv6 prefix
printf '\n[inside]\nnetwork = 2001:db8:aa::/64 uplink isp1\n' >> "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

cap() { # NAME NS IFACE: every SCTP packet, IPv4 and IPv6
	run_bg "cap-$1" "$2" dumpcap -q -i "$3" -f 'sctp' -w "$WORK/$1.pcap"
	CAPTURES+=("$1")
	wait_for 10 "capture on $2/$3" grep_out "cap-$1" 'Capturing on'
}
cap wan1 "$NS_SRV" wan1
cap wan2 "$NS_SRV" wan2
start_server srv "$SRV1_6,$SRV2_6" --count "$COUNT" --timeout 150

cat > "$WORK/guest.sh" <<EOF
ip link set lo up
sysctl -qw net.ipv6.conf.all.accept_dad=0
sysctl -qw net.ipv6.conf.default.accept_dad=0
sysctl -qw net.ipv6.conf.default.accept_ra=0
sysctl -qw net.ipv6.conf.all.accept_ra=0
sysctl -qw net.ipv6.conf.eth0.accept_dad=0
sysctl -qw net.ipv6.conf.eth0.accept_ra=0
ip link set eth0 up
ip -6 addr add $CLI6/64 dev eth0
ip -6 route add default via $BOX_LAN6
ksctp_peer client --bind $CLI6 --connect $SRV1_6,$SRV2_6 \
	--port $SCTP_PORT --count $COUNT --interval $INTERVAL --timeout 120
EOF
vm_start kcli "$NS_CLI" "$WORK/guest.sh" tap0
vm_wait_booted kcli
wait_for 90 "kernel client acknowledged $BREAK_AT messages" \
	vm_progress kcli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
public_port=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j associations |
	jq -r '.associations[0].public_port' 2>/dev/null)
link_down "$NS_BOX" wan1
say "first path (box wan1) down"
vm_wait_done kcli 150
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop wan1
capture_stop wan2

say "--- kernel client (VM) ---"
grep -E 'CONNECTED|PEERS|LOCAL|EVENT|^PATH |FROM|RESULT' "$(out_of kcli)"
say "--- usrsctp server ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of srv)"
for l in wan1 wan2; do
	_tshark -r "$WORK/$l.pcap" -T fields -e ipv6.src -e ipv6.dst \
		-e sctp.srcport -e sctp.chunk_type -e sctp.checksum.status \
		-E aggregator=, > "$WORK/$l.tsv"
done
from_cli() { awk -F'\t' -v c="$CLI6" '$1 == c' "$WORK/$1.tsv"; }
ports=$(for l in wan1 wan2; do from_cli "$l" | cut -f3; done | sort -u |
	tr '\n' ' ')
other_src=$(awk -F'\t' -v a="$SRV1_6" -v b="$SRV2_6" -v c="$CLI6" \
	'($2 == a || $2 == b) && $1 != c' "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
	wc -l)
crc_bad=$(awk -F'\t' '$3 != "" && $5 != 1' "$WORK/wan1.tsv" \
	"$WORK/wan2.tsv" | wc -l)
data_on() { from_cli "$1" | awk -F'\t' '$4 ~ /(^|,)0(,|$)/' | wc -l; }
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)
say "outside: wan1 $(from_cli wan1 | wc -l) packets from $CLI6, wan2 $(from_cli wan2 | wc -l); source ports: $ports; public port $public_port"

check "kernel client: every message acknowledged (VM exit 0)" [ "$cli_rc" = 0 ]
check "usrsctp server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
check "server learned the kernel's own address $CLI6" \
	bash -c "[[ '$srv_peers' == *'$CLI6'* ]]"
check "the kernel's packets kept their address on both links ($other_src others)" \
	[ "$other_src" = 0 ]
check "one source port on both links, the public port $public_port: $ports" \
	[ "$ports" = "$public_port " ]
check "CRC32c valid on every packet ($crc_bad bad)" [ "$crc_bad" = 0 ]
check "DATA on both links (wan1 $(data_on wan1), wan2 $(data_on wan2))" \
	[ "$(data_on wan1)" -gt 0 -a "$(data_on wan2)" -gt 0 ]
say "failover gap at the kernel client: max_gap_ms=$(result_field kcli max_gap_ms), at the server: max_gap_ms=$(result_field srv max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "kernel SCTP over IPv6 through sctpalgd, no NAT66, one port, failover"
