#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_client.sh - the Linux kernel's SCTP as a multihomed client
# inside, through sctpalgd, to the usrsctp server outside; then uplink 1
# breaks.  The kernel runs in a qemu VM (test/vm/vm.sh) whose NIC is
# bridged onto the client namespace's LAN.
#
#   VM (Debian kernel)  eth0: $CLI_NET.10 + $CLI_NET.11, routes:
#        |              198.51.100.100 src .10, 203.0.113.100 src .11
#   client ns  br-tap0 = tap0 + lan0 (a plain bridge)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1,
#     |wan1        |wan2      wan2 = isp2 203.0.113.1, multihome = uplinks
#   server ns  usrsctp sctp_peer on 198.51.100.100 (wan1), 203.0.113.100
#
# Two inside address plans (KSCTP_PLAN):
#   rfc1918  192.168.1.0/24 (default)
#   cgnat    100.64.1.0/24 (RFC 6598 shared space; test_kernel_client_cgnat.sh)
# The kernel decides per plan whether its INIT lists its own addresses:
# its scope rule (net.sctp.addr_scope_policy, default 1) leaves RFC 1918
# addresses out of an INIT to a global peer but counts 100.64/10 as
# global, so the CGNAT plan puts both private addresses in the INIT and
# the box must rewrite them.  The LAN capture shows which it was.
#
# KSCTP_PEER_STACK=kernel puts the kernel at the server end too, in a
# second VM with one NIC on each of the server's links
# (test_kernel_both.sh).
#
# What must hold (the failover gap is printed, never judged):
#   - every message acknowledged and received once (both exit 0);
#   - on both outside links: no inside address (IP header or address
#     parameter), one public port on every packet from the box, CRC32c
#     valid on every packet, DATA on both uplinks (before and after the
#     break);
#   - the server learned both public addresses of the box and no private
#     one; with the CGNAT plan the INIT on the LAN listed the inside
#     addresses and the INIT on the wire listed public ones only.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

PLAN=${KSCTP_PLAN:-rfc1918}
# the server's stack: usrsctp (sctp_peer) or kernel (a second VM)
PEER_STACK=${KSCTP_PEER_STACK:-usrsctp}
case $PLAN in
rfc1918) CLI_NET=192.168.1 ;;
cgnat) CLI_NET=100.64.1 ;;
*) fail "KSCTP_PLAN must be rfc1918 or cgnat" ;;
esac
COUNT=${KSCTP_COUNT:-250}
INTERVAL=20
BREAK_AT=${KSCTP_BREAK_AT:-80}
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
vm_require
topo_create
vm_tap "$NS_CLI" tap0 lan0
if [ "$PEER_STACK" = kernel ]; then
	# a second VM takes the server's addresses, one NIC on each link
	vm_tap "$NS_SRV" tap1 wan1
	vm_tap "$NS_SRV" tap2 wan2
else
	sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
	sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'
fi

# A multihomed host's addresses each get their own ISP (one network line
# per address).  KSCTP_ONE_NETWORK=1 puts both behind isp1 instead (the
# README's case 1): then the kernel's second source address, which it
# uses for the path to the second server address, has a binding on isp1
# only, and the peer address's pin to isp2 must still hold for it (before
# the engine kept it, those packets left by wan1, "no route" here, and
# the association died with wan1).  usrsctp, which sends every path from
# one address, never shows it.
{
	if [ "${KSCTP_ONE_NETWORK:-0}" = 1 ]; then
		box_conf 2
	else
		box_conf 2 | sed -e "s|^network = .*|network = $CLI_ADDR1/32 uplink isp1\\
network = $CLI_ADDR2/32 uplink isp2|"
	fi
	printf '\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_start lan "$NS_CLI" br-tap0
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2
if [ "$PEER_STACK" = kernel ]; then
	cat > "$WORK/guest-srv.sh" <<EOF
ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip link set eth0 up
ip link set eth1 up
ip addr add $SRV_ADDR1/24 dev eth0
ip addr add $SRV_ADDR2/24 dev eth1
ksctp_peer server --bind $SRV_ADDR1,$SRV_ADDR2 --port $SCTP_PORT \
	--count $COUNT --timeout 150
EOF
	vm_start srv "$NS_SRV" "$WORK/guest-srv.sh" tap1 tap2
	vm_wait_booted srv
	wait_for 60 "kernel server listening" grep_out srv 'LISTEN port'
else
	start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 150
fi

{
	vm_guest_preamble
	cat <<EOF
ip link set eth0 up
ip addr add $CLI_ADDR1/24 dev eth0
ip addr add $CLI_ADDR2/24 dev eth0
ip route add default via $BOX_LAN
ip route add $SRV_ADDR1/32 via $BOX_LAN src $CLI_ADDR1
ip route add $SRV_ADDR2/32 via $BOX_LAN src $CLI_ADDR2
echo "addr_scope_policy=\$(cat /proc/sys/net/sctp/addr_scope_policy)"
ksctp_peer client --bind $CLI_ADDR1,$CLI_ADDR2 \
	--connect $SRV_ADDR1,$SRV_ADDR2 --port $SCTP_PORT \
	--count $COUNT --interval $INTERVAL --timeout 120
EOF
} > "$WORK/guest.sh"
vm_start kcli "$NS_CLI" "$WORK/guest.sh" tap0
vm_wait_booted kcli

wait_for 90 "kernel client acknowledged $BREAK_AT messages" \
	vm_progress kcli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
t_break=$(date +%s.%N)
link_down "$NS_BOX" wan1
say "uplink isp1 (box wan1) down"

vm_wait_done kcli 150
cli_rc=$?
if [ "$PEER_STACK" = kernel ]; then
	vm_wait_done srv 60
else
	wait_bg srv 30
fi
srv_rc=$?
say "--- sctpalgctl associations and stats (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats
capture_stop lan
capture_stop wan1
capture_stop wan2

say "--- kernel client (VM) ---"
grep -E 'addr_scope|CONNECTED|PEERS|LOCAL|EVENT|^PATH |FROM|RESULT' \
	"$(out_of kcli)"
say "--- $PEER_STACK server ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of srv)"
say "--- INIT / INIT ACK on the LAN and on the uplinks ---"
for c in lan wan1 wan2; do vm_pcap_table "$c"; done
# fields: 1 time, 2 ip.src, 3 ip.dst, 4 sport, 5 chunk types, 6 crc ok,
# 7 address parameters
inits() { # NAME: "INIT|INIT_ACK src > dst addrs=..."
	awk -F'\t' '$5 ~ /^[12]$/ { print ($5 == 1 ? "INIT" : "INIT_ACK"),
		$2, ">", $3, "addrs=" $7 }' "$WORK/$1.tsv"
}
inits lan | sed 's/^/lan:  /'
inits wan1 | sed 's/^/wan1: /'
inits wan2 | sed 's/^/wan2: /'
data_on() { # NAME [AWK_CONDITION]: packets with DATA
	tsv_count "$1" "\$5 ~ /(^|,)0(,|\$)/ ${2:+&& $2}"
}
for l in wan1 wan2; do
	say "$l: $(tsv_count "$l" '$4 != ""') SCTP packets, with DATA before the break: $(
		data_on "$l" "\$1 < $t_break"), after: $(data_on "$l" "\$1 >= $t_break")"
done
box_ports() {
	awk -F'\t' -v a="$BOX_WAN1" -v b="$BOX_WAN2" \
		'$4 != "" && ($2 == a || $2 == b) { print $4 }' \
		"$WORK/wan1.tsv" "$WORK/wan2.tsv" | sort -u
}
inside_on_wire() {
	cut -f2,3,7 "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
		grep -c "${CLI_NET//./\\.}\\."
}
crc_bad() { tsv_count "$1" '$4 != "" && $6 != 1'; }
lan_init=$(inits lan | grep '^INIT ' | head -n 1)
wan_init=$(inits wan1 | grep '^INIT ' | head -n 1)
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)

check "kernel client: every message acknowledged (VM exit 0)" [ "$cli_rc" = 0 ]
check "$PEER_STACK server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
check "server learned $BOX_WAN1 and $BOX_WAN2" \
	bash -c "[[ '$srv_peers' == *'$BOX_WAN1'* && '$srv_peers' == *'$BOX_WAN2'* ]]"
check "server never saw an inside address" \
	bash -c "[[ '$srv_peers' != *'$CLI_NET.'* ]]"
check "no inside address on either uplink" [ "$(inside_on_wire)" = 0 ]
check "one public port on every packet of both uplinks: $(box_ports | tr '\n' ' ')" \
	[ "$(box_ports | wc -l)" = 1 ]
check "CRC32c valid on every packet (wan1 $(crc_bad wan1) bad, wan2 $(crc_bad wan2) bad)" \
	[ "$(crc_bad wan1)" = 0 -a "$(crc_bad wan2)" = 0 ]
check "DATA crossed both uplinks (wan1 $(data_on wan1), wan2 $(data_on wan2))" \
	[ "$(data_on wan1)" -gt 0 -a "$(data_on wan2)" -gt 0 ]
check "the INIT on the wire lists only public addresses ($wan_init)" \
	bash -c "[[ '$wan_init' == INIT* && '$wan_init' != *'$CLI_NET.'* ]]"
if [ "$PLAN" = cgnat ]; then
	check "the kernel listed its inside addresses in the INIT ($lan_init)" \
		bash -c "[[ '$lan_init' == *'$CLI_ADDR1'* && '$lan_init' == *'$CLI_ADDR2'* ]]"
fi
say "inside plan $PLAN: the kernel's INIT on the LAN: $lan_init"
say "failover gap at the kernel client: max_gap_ms=$(result_field kcli max_gap_ms), at the server: max_gap_ms=$(result_field srv max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "kernel SCTP client ($PLAN) to a $PEER_STACK server through sctpalgd, uplink failover"
