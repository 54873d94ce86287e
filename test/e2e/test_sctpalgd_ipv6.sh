#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_ipv6.sh - a multihomed IPv6 association through sctpalgd:
# no NAT66, so the addresses stay and only the port is translated, one
# public port on both paths; then the first path breaks.
#
#   client ns  lan0 2001:db8:aa::10 (and 192.168.1.10)
#        |
#   box ns     lan0 2001:db8:aa::1; sctpalgd (IPv6 paths follow routes)
#     |wan1        |wan2     wan1 2001:db8:1::1 (isp1), wan2 2001:db8:2::1 (isp2)
#   server ns  2001:db8:1::100 on wan1, 2001:db8:2::100 on wan2
#
# The mixed case, one IPv4 path and one IPv6 path sharing the public
# port, is test_sctpalgd_dualstack.sh.  What must hold (the gap is
# printed, never judged):
#   - the association comes up over IPv6 and the server learns the
#     client's own address 2001:db8:aa::10 (no NAT66);
#   - every packet from the client on both outside links keeps that
#     address and carries one source port, the association's public port
#     as sctpalgctl shows it; valid CRC32c on every packet;
#   - after wan1 goes down, every message is still acknowledged.
# SCTPALG_FAST_PATH=xdp (test_sctpalgd_fast_path_ipv6.sh): the same with
# fast-path = xdp, and the DATA must have taken the fast path.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=150
INTERVAL=20
BREAK_AT=50
CLI6=2001:db8:aa::10
BOX_LAN6=2001:db8:aa::1
BOX_WAN1_6=2001:db8:1::1
BOX_WAN2_6=2001:db8:2::1
SRV1_6=2001:db8:1::100
SRV2_6=2001:db8:2::100
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
FAST_PATH=${SCTPALG_FAST_PATH:-off}

require_env
topo_create
topo_enable_ipv6
ip -n "$NS_CLI" addr add "$CLI6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_LAN6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN1_6/64" dev wan1 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN2_6/64" dev wan2 nodad
ip -n "$NS_SRV" addr add "$SRV1_6/64" dev wan1 nodad
ip -n "$NS_SRV" addr add "$SRV2_6/64" dev wan2 nodad
topo_wait_ipv6
ip -n "$NS_CLI" -6 route add default via "$BOX_LAN6" dev lan0
# No NAT66: the server routes the inside prefix back through the box,
# by either link; a link without carrier must not keep its route.
for c in all wan1 wan2; do
	n_srv sysctl -qw "net.ipv6.conf.$c.ignore_routes_with_linkdown=1"
done
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN1_6" dev wan1 \
	metric 10
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN2_6" dev wan2 \
	metric 20

cat > "$WORK/box.conf" <<CONF
[daemon]
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid
fast-path = $FAST_PATH

[inside]
interface = lan0
network = $CLI_NET.0/24 uplink isp1
network = 2001:db8:aa::/64 uplink isp1

[uplink isp1]
interface = wan1
address = $BOX_WAN1

[uplink isp2]
interface = wan2
address = $BOX_WAN2
CONF
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"
if [ "$FAST_PATH" = xdp ]; then
	# A redirect to a veth is taken only when its peer runs NAPI
	# (sctpalgd.conf(5), fast-path).
	ip netns exec "$NS_CLI" ethtool -K lan0 gro on >/dev/null ||
		skip "ethtool -K lan0 gro on failed: veth cannot take redirects"
	ip netns exec "$NS_SRV" ethtool -K wan1 gro on >/dev/null
	ip netns exec "$NS_SRV" ethtool -K wan2 gro on >/dev/null
fi
start_sctpalgd "$WORK/box.conf"

capture_all() { # NAME NS IFACE: every SCTP packet, IPv4 and IPv6
	run_bg "cap-$1" "$2" dumpcap -q -i "$3" -f 'sctp' -w "$WORK/$1.pcap"
	CAPTURES+=("$1")
}
capture_all wan1 "$NS_SRV" wan1
capture_all wan2 "$NS_SRV" wan2
wait_for 5 "captures running" bash -c \
	"[ -s '$WORK/wan1.pcap' ] && [ -s '$WORK/wan2.pcap' ]"
start_server srv "$SRV1_6,$SRV2_6" --count "$COUNT" --timeout 60
start_client cli "$CLI6" "$SRV1_6,$SRV2_6" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60
wait_for 30 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
link_down "$NS_BOX" wan1
say "first path (box wan1) down"
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop wan1
capture_stop wan2

say "--- client / server ---"
grep -E '^(PEERS|RESULT)' "$(out_of cli)" "$(out_of srv)"
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)
public_port=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j associations |
	jq -r '.associations[0].public_port' 2>/dev/null)
client_ports() { # the source ports of the client's packets on one link
	_tshark -r "$(pcap_of "$1")" -Y "ipv6.src == $CLI6" -T fields \
		-e sctp.srcport | sort -u | tr '\n' ' '
}
count_from_client() {
	_tshark -r "$(pcap_of "$1")" -Y "ipv6.src == $CLI6 && sctp" | wc -l
}
other_src=$(for l in wan1 wan2; do
	_tshark -r "$(pcap_of $l)" -Y "sctp && ipv6.dst == $SRV1_6 ||
		sctp && ipv6.dst == $SRV2_6" -T fields -e ipv6.src
done | sort -u | grep -vc "^$CLI6\$")
crc_bad=$(for l in wan1 wan2; do
	_tshark -r "$(pcap_of $l)" -Y 'sctp.checksum.status == 0'
done | wc -l)
ports1=$(client_ports wan1)
ports2=$(client_ports wan2)
say "outside: wan1 $(count_from_client wan1) packets from $CLI6, ports $ports1; wan2 $(count_from_client wan2), ports $ports2; public port $public_port"

check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "server learned the client's own address $CLI6" \
	bash -c "[[ '$srv_peers' == *'$CLI6'* ]]"
check "the client's packets kept their address on both links" \
	[ "$other_src" = 0 -a "$(count_from_client wan1)" -gt 0 -a \
	  "$(count_from_client wan2)" -gt 0 ]
check "one source port on both links: $ports1/ $ports2" \
	[ "$(echo $ports1 $ports2 | tr ' ' '\n' | sort -u | wc -l)" = 1 ]
check "and it is the association's public port ($public_port)" \
	[ "$(echo $ports1 | tr -d ' ')" = "$public_port" ]
check "CRC32c valid on every packet ($crc_bad bad)" [ "$crc_bad" = 0 ]
if [ "$FAST_PATH" = xdp ]; then
	fast_pkts=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
		jq '.datapath.fast_path_packets')
	check "DATA took the fast path over IPv6: $fast_pkts packets" \
		[ "${fast_pkts:-0}" -ge "$COUNT" ]
fi
say "failover gap at the client: max_gap_ms=$(result_field cli max_gap_ms)"
say "mode: $(grep -oE 'AF_XDP [a-z]+ mode' "$(out_of box)" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "multihomed IPv6 association through sctpalgd, no NAT66, one port"
