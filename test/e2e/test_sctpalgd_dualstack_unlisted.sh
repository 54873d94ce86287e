#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_dualstack_unlisted.sh - a dual-stack client whose INIT
# lists no address at all: the server learns its IPv4 public address
# only, so the client's IPv6 address is outside the association.  Its
# IPv6 packets (heartbeats to the server's IPv6 address, retransmissions)
# would be out of the blue at the server, which answers them with an
# ABORT (T bit) that ends the whole association (RFC 9260 8.4, 8.5.1).
# sctpalgd refuses them instead (inside-address-unadvertised) and the
# association lives on over IPv4.
#
#   client ns  lan0: 192.168.1.10/24, 2001:db8:aa::10/64
#        |
#   box ns     lan0: 192.168.1.1, 2001:db8:aa::1      sctpalgd
#     |wan1    wan1: 198.51.100.1 (isp1), 2001:db8:1::1
#   server ns  wan1: 198.51.100.100, 2001:db8:1::100 (binds both)
#
# Why the client lists nothing: usrsctp 0.9.5 lists its addresses in an
# INIT only when two or more are in scope, and an RFC 1918 address is out
# of scope toward a public peer (see sctp_peer.c), so the INIT carries no
# address and the server learns 198.51.100.1 from the IP header only.
#
# What must hold:
#   - every message is acknowledged and received: no ABORT;
#   - the server never learned the client's IPv6 address;
#   - the box refused at least one IPv6 packet of the client as
#     inside-address-unadvertised, and none of them reached the server.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=50
CLI6=2001:db8:aa::10
BOX_LAN6=2001:db8:aa::1
BOX_WAN1_6=2001:db8:1::1
SRV6=2001:db8:1::100
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
topo_create
topo_enable_ipv6
ip -n "$NS_CLI" addr add "$CLI6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_LAN6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN1_6/64" dev wan1 nodad
ip -n "$NS_SRV" addr add "$SRV6/64" dev wan1 nodad
topo_wait_ipv6
ip -n "$NS_CLI" -6 route add default via "$BOX_LAN6" dev lan0
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN1_6" dev wan1

cat > "$WORK/box.conf" <<CONF
[daemon]
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid

[inside]
interface = lan0
network = $CLI_NET.0/24 uplink isp1
network = 2001:db8:aa::/64 uplink isp1

[uplink isp1]
interface = wan1
address = $BOX_WAN1
CONF
start_sctpalgd "$WORK/box.conf"

run_bg "cap-wan1" "$NS_SRV" dumpcap -q -i wan1 -f 'sctp' \
	-w "$WORK/wan1.pcap"
CAPTURES+=(wan1)
wait_for 10 "capture on wan1" grep_out cap-wan1 'Capturing on'
start_server srv "$SRV_ADDR1,$SRV6" --count "$COUNT" --timeout 60
start_client cli "$CLI_ADDR1,$CLI6" "$SRV_ADDR1,$SRV6" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60

unadvertised() {
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
		jq -r '.drops["inside-address-unadvertised"]' 2>/dev/null
}
refused_some() { [ "$(unadvertised)" -gt 0 ]; }
# The client probes its IPv6 path (heartbeats) while the data flows.
wait_for 30 "the box refusing an IPv6 packet of the client" refused_some
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
refused=$(unadvertised)
capture_stop wan1

say "--- client / server ---"
grep -E '^(PEERS|RESULT)' "$(out_of cli)" "$(out_of srv)"
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)
v6_out=$(_tshark -r "$(pcap_of wan1)" -Y "ipv6.src == $CLI6" | wc -l)
aborts=$(_tshark -r "$(pcap_of wan1)" -Y 'sctp.chunk_type == 6' | wc -l)
say "box: inside-address-unadvertised $refused; outside: $v6_out IPv6" \
	"packets from $CLI6, $aborts ABORT chunks"

check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "no ABORT on the wire ($aborts)" [ "$aborts" = 0 ]
check "server never learned the client's IPv6 address" \
	bash -c "[[ '$srv_peers' != *'$CLI6'* ]]"
check "the box refused the client's IPv6 packets ($refused)" \
	[ "${refused:-0}" -gt 0 ]
check "none of them reached the server ($v6_out)" [ "$v6_out" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "dual-stack client with an unlisted IPv6 address: association kept"
