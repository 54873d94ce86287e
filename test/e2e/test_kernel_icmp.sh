#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_icmp.sh - ICMP about an association, through sctpalgd, read
# by the Linux kernel's SCTP (usrsctp ignores ICMP).  A router beyond the
# box, on uplink 1, has a 1280-byte link toward the server: it answers the
# kernel client's 1400-byte messages with Fragmentation Needed, MTU 1280
# (RFC 1191); the box translates the error back to the inside host and the
# kernel must lower that path's MTU and keep its messages flowing.  Later
# the router rejects SCTP toward the server's first address with Host
# Unreachable: translated and accepted by the kernel (its ICMP InErrors
# stay 0: an error it cannot match to a socket is counted there), and the
# association moves to the second path.
#
#   VM (Debian kernel)  eth0 $CLI_NET.10 + .11 (bridged via client ns)
#        |
#   box ns     sctpalgd (KSCTP_ROUTED=1: a plain router, no sctpalgd)
#     |wan1                         |wan2
#   rtr ns     rbox: 198.51.100.254    |        (proxy ARP both sides)
#     |rsrv, MTU 1280                 |
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2 (usrsctp)
#
# KSCTP_ROUTED=1 runs the same scenario with routable client addresses
# (192.0.2.0/24) and no NAT, for comparison (test_kernel_icmp_routed.sh).
# What must hold:
#   - every message acknowledged and received once;
#   - the kernel's path to 198.51.100.100 has MTU 1280
#     (SCTP_GET_PEER_ADDR_INFO spinfo_mtu) after the router's error;
#   - Fragmentation Needed and Host Unreachable reached the VM, quoting
#     the VM's own address; the VM's ICMP InErrors stayed 0;
#   - through sctpalgd: no inside address beyond the box, one public
#     port, CRC32c valid; DATA on both uplinks.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

ROUTED=${KSCTP_ROUTED:-0}
[ "$ROUTED" = 1 ] && CLI_NET=192.0.2
COUNT=${KSCTP_COUNT:-400}
INTERVAL=20
SIZE=1400
UNREACH_AT=${KSCTP_UNREACH_AT:-60}
RTR_A=198.51.100.254
NS_RTR="sa-rtr-$$"
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

rtr_cleanup() { ip netns del "$NS_RTR" 2>/dev/null; }

require_env
vm_require
topo_create
trap 'cleanup; rtr_cleanup' EXIT
vm_tap "$NS_CLI" tap0 lan0

# The router: box wan1 <-> rtr rbox, rtr rsrv <-> server wan1.  Proxy ARP on
# both sides keeps everyone's addresses and /24s as they were.
ip -n "$NS_BOX" link del wan1
ip netns add "$NS_RTR" || fail "ip netns add $NS_RTR"
ip -n "$NS_RTR" link set lo up
ip -n "$NS_BOX" link add wan1 type veth peer name rbox netns "$NS_RTR"
ip -n "$NS_RTR" link add rsrv type veth peer name wan1 netns "$NS_SRV"
ip -n "$NS_BOX" addr add "$BOX_WAN1/24" dev wan1
ip -n "$NS_SRV" addr add "$SRV_ADDR1/24" dev wan1
ip -n "$NS_RTR" addr add "$RTR_A/32" dev rbox
for c in all default; do
	ip netns exec "$NS_RTR" sysctl -qw "net.ipv4.conf.$c.rp_filter=0"
	ip netns exec "$NS_RTR" sysctl -qw "net.ipv6.conf.$c.disable_ipv6=1"
done
ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_RTR" sysctl -qw net.ipv4.conf.rbox.proxy_arp=1
ip netns exec "$NS_RTR" sysctl -qw net.ipv4.conf.rsrv.proxy_arp=1
n_box sysctl -qw net.ipv4.conf.wan1.rp_filter=0
ip -n "$NS_RTR" link set rsrv mtu 1280
ip -n "$NS_SRV" link set wan1 mtu 1280
for l in "$NS_BOX wan1" "$NS_RTR rbox" "$NS_RTR rsrv" "$NS_SRV wan1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$NS_RTR" route add "$SRV_ADDR1/32" dev rsrv
ip -n "$NS_RTR" route add "$BOX_WAN1/32" dev rbox
if [ "$ROUTED" = 1 ]; then
	topo_route_clients_per_uplink
	ip -n "$NS_RTR" route add "$CLI_NET.0/24" via "$BOX_WAN1" dev rbox
fi
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

if [ "$ROUTED" = 1 ]; then
	say "routed: the box only forwards (no sctpalgd, no NAT)"
else
	box_conf 2 | sed -e "s|^network = .*|network = $CLI_ADDR1/32 uplink isp1\\
network = $CLI_ADDR2/32 uplink isp2|" > "$WORK/box.conf"
	printf '\n[nat]\nmultihome = uplinks\n' >> "$WORK/box.conf"
	start_sctpalgd "$WORK/box.conf"
fi

# captures with ICMP: the LAN (what the VM gets), the router's box side
# (what leaves the box on uplink 1, and the router's errors), wan2
cap() { # NAME NS IFACE
	run_bg "cap-$1" "$2" dumpcap -q -i "$3" -f 'ip proto 132 or icmp' \
		-w "$WORK/$1.pcap"
	CAPTURES+=("$1")
	wait_for 10 "capture on $2/$3" grep_out "cap-$1" 'Capturing on'
}
cap lan "$NS_CLI" br-tap0
cap wan1 "$NS_RTR" rbox
cap wan2 "$NS_SRV" wan2
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 240

# The kernel connects to the first address only: given both, it sends a
# retransmitted INIT to the second (RFC 9260 6.4, an alternate path), and
# when that one is answered first its path becomes primary; the DATA must
# cross the router's small link.
{
	vm_guest_preamble
	cat <<EOF
ip link set eth0 up
ip addr add $CLI_ADDR1/24 dev eth0
ip addr add $CLI_ADDR2/24 dev eth0
ip route add default via $BOX_LAN
ip route add $SRV_ADDR1/32 via $BOX_LAN src $CLI_ADDR1
ip route add $SRV_ADDR2/32 via $BOX_LAN src $CLI_ADDR2
ksctp_peer client --bind $CLI_ADDR1,$CLI_ADDR2 \
	--connect $SRV_ADDR1 --port $SCTP_PORT --size $SIZE \
	--count $COUNT --interval $INTERVAL --timeout 200
rc=\$?
grep -E '^Icmp:' /proc/net/snmp | sed 's/^/SNMP /'
grep -E 'SctpOutOfBlues|SctpAborteds|SctpT3Retransmits|SctpFragUsrMsgs' \
	/proc/net/sctp/snmp | sed 's/^/SNMP /'
exit \$rc
EOF
} > "$WORK/guest.sh"
vm_start kcli "$NS_CLI" "$WORK/guest.sh" tap0
vm_wait_booted kcli

mtu1() { # the kernel's path MTU toward the server's first address, last seen
	grep -E "PATHINFO addr=$SRV_ADDR1 " "$(out_of kcli)" | tail -n 1 |
		tr ' ' '\n' | sed -n 's/^mtu=//p'
}
mtu_is_1280() { [ "$(mtu1)" = 1280 ] || grep_out kcli '^VM-DONE'; }
wait_for 120 "the kernel lowered its path MTU to 1280" mtu_is_1280
say "kernel path MTU to $SRV_ADDR1: $(mtu1) (at: $(grep -E "PATHINFO addr=$SRV_ADDR1 .*mtu=1280" \
	"$(out_of kcli)" | head -n 1 | cut -d']' -f1)])"
wait_for 120 "kernel client acknowledged $UNREACH_AT messages" \
	vm_progress kcli acked "$UNREACH_AT"
ip netns exec "$NS_RTR" nft -f - <<EOF || fail "nft reject on the router"
table ip rtr {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip daddr $SRV_ADDR1 ip protocol sctp counter reject with icmp type host-unreachable
	}
}
EOF
say "router: SCTP to $SRV_ADDR1 now answered with Host Unreachable"

vm_wait_done kcli 200
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop lan
capture_stop wan1
capture_stop wan2
if [ "$ROUTED" != 1 ]; then
	say "--- sctpalgctl (after) ---"
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | grep -E -A14 '^drops'
fi
say "--- kernel client (VM) ---"
grep -E 'EVENT|^PATH |FROM|RESULT|SNMP' "$(out_of kcli)"
say "--- usrsctp server ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of srv)"

for c in lan wan1 wan2; do vm_pcap_table "$c"; done
# fields: 1 time, 2 ip.src, 3 ip.dst, 4 sport, 5 chunk types, 6 crc ok,
# 7 address parameters, 8 icmp type, 9 icmp code, 10 icmp mtu
icmp_first() { # NAME CODE: "src,quoted-src mtu" of the first such error
	awk -F'\t' -v c="$2" '$8 == 3 && $9 == c { print $2, $10; exit }' \
		"$WORK/$1.tsv"
}
frag_lan=$(icmp_first lan 4)
unr_lan=$(icmp_first lan 1)
n_frag_out=$(tsv_count wan1 '$8 == 3 && $9 == 4')
n_frag_lan=$(tsv_count lan '$8 == 3 && $9 == 4')
n_unr_out=$(tsv_count wan1 '$8 == 3 && $9 == 1')
n_unr_lan=$(tsv_count lan '$8 == 3 && $9 == 1')
say "Fragmentation Needed: $n_frag_out from the router, $n_frag_lan on the LAN; first on the LAN (src,quoted src mtu): $frag_lan; first beyond the box: $(icmp_first wan1 4)"
say "Host Unreachable: $n_unr_out from the router, $n_unr_lan on the LAN; first on the LAN: $unr_lan; beyond the box: $(icmp_first wan1 1)"
snmp() { # KEY: the VM's Icmp counter KEY at the end
	awk -v k="$1" '/^SNMP Icmp:/ { if (!h) { for (i = 3; i <= NF; i++) n[i] = $i; h = 1 }
		else for (i = 3; i <= NF; i++) if (n[i] == k) print $i }' \
		"$(out_of kcli)"
}
in_err=$(snmp InErrors)
in_unr=$(snmp InDestUnreachs)
say "VM: Icmp InDestUnreachs=$in_unr InErrors=$in_err"
data_on() { tsv_count "$1" '$5 ~ /(^|,)0(,|$)/'; }

check "kernel client: every message acknowledged (VM exit 0)" [ "$cli_rc" = 0 ]
check "usrsctp server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
check "the kernel's path MTU to $SRV_ADDR1 fell to 1280" \
	grep_out kcli "PATHINFO addr=$SRV_ADDR1 .*mtu=1280 "
check "Fragmentation Needed reached the VM, quoting $CLI_ADDR1" \
	bash -c "[[ '$frag_lan' == *,$CLI_ADDR1* && '$frag_lan' == *1280* ]]"
check "Host Unreachable reached the VM, quoting $CLI_ADDR1" \
	bash -c "[[ '$unr_lan' == *,$CLI_ADDR1* ]]"
check "the kernel matched every ICMP error (InErrors $in_err, InDestUnreachs $in_unr)" \
	[ "${in_err:-1}" = 0 -a "${in_unr:-0}" -gt 0 ]
check "DATA on both uplinks (wan1 $(data_on wan1), wan2 $(data_on wan2))" \
	[ "$(data_on wan1)" -gt 0 -a "$(data_on wan2)" -gt 0 ]
if [ "$ROUTED" != 1 ]; then
	inside_out=$(cut -f2,3,7 "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
		grep -c "${CLI_NET//./\\.}\\.")
	ports=$(awk -F'\t' -v a="$BOX_WAN1" -v b="$BOX_WAN2" \
		'$4 != "" && ($2 == a || $2 == b) { print $4 }' \
		"$WORK/wan1.tsv" "$WORK/wan2.tsv" | sort -u | tr '\n' ' ')
	crc_bad=$(( $(tsv_count wan1 '$4 != "" && $8 == "" && $6 != 1') +
		$(tsv_count wan2 '$4 != "" && $8 == "" && $6 != 1') ))
	check "no inside address beyond the box (ICMP quotes included)" \
		[ "$inside_out" = 0 ]
	check "one public port on both uplinks: $ports" \
		[ "$(echo $ports | wc -w)" = 1 ]
	check "CRC32c valid on every SCTP packet beyond the box ($crc_bad bad)" \
		[ "$crc_bad" = 0 ]
fi
say "gap at the kernel client: max_gap_ms=$(result_field kcli max_gap_ms), at the server: max_gap_ms=$(result_field srv max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "kernel SCTP and ICMP $([ "$ROUTED" = 1 ] && echo routed || echo through sctpalgd): path MTU 1280 learned, Host Unreachable accepted"
