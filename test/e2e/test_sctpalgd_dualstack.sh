#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_dualstack.sh - one association with an IPv4 path and an
# IPv6 path through sctpalgd: the IPv4 path is NATed, the IPv6 path keeps
# its addresses (no NAT66) but gets the same port translation, so the
# server sees one port on both; then the IPv4 path breaks and the
# association carries on over IPv6 (failover across address families).
#
#   client ns  lan0: 192.0.2.10/24, 2001:db8:aa::10/64
#        |
#   box ns     lan0: 192.0.2.1, 2001:db8:aa::1      sctpalgd
#     |wan1    wan1: 198.51.100.1 (isp1), 2001:db8:1::1
#   server ns  wan1: 198.51.100.100, 2001:db8:1::100 (binds both)
#
# Both families share wan1 (wan2 stays unused), so no link isolates IPv4:
# the IPv4 path is broken by an nftables drop of IPv4 SCTP in the server
# namespace (the box's XDP program sees frames before its own netfilter).
#
# Why the inside IPv4 network is 192.0.2.0/24 (TEST-NET-1, NATed by the
# box like any inside network) and not 192.168.1.0/24: usrsctp 0.9.5
# lists its addresses in an INIT only when two or more are in scope (see
# sctp_peer.c), and an RFC 1918 address is out of scope toward a public
# peer.  A client bound to 192.168.1.10 and 2001:db8:aa::10 therefore
# sends an INIT with no address at all, the server learns one family
# only, and the client's first packet on the other family would draw an
# ABORT (T bit) from the server; sctpalgd refuses those packets instead
# and the association stays on IPv4 alone
# (test_sctpalgd_dualstack_unlisted.sh), so no failover to IPv6 could be
# shown.  With 192.0.2.10 both addresses are listed, the box
# rewrites 192.0.2.10 to 198.51.100.1 and keeps 2001:db8:aa::10.  The
# client connects to 198.51.100.100 first, so IPv4 is the primary path
# on both ends until it breaks.
#
# What must hold (the failover gap is printed, never judged):
#   - every message is acknowledged, before and after the IPv4 break;
#   - the server learned 2001:db8:aa::10 and 198.51.100.1, never the
#     client's inside IPv4 address;
#   - outside, the client's IPv6 packets keep 2001:db8:aa::10 and carry the
#     same source port as its IPv4 packets, which all come from
#     198.51.100.1; that port is the association's public port;
#   - DATA crossed on IPv4 before the break and on IPv6 after it;
#   - valid CRC32c on every packet, no inside IPv4 address outside
#     (IP headers or address parameters).
# Exit: 0 pass, 1 fail, 77 skip.

# routable client addresses (TEST-NET-1), see above
CLI_NET=192.0.2
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=20
BREAK_AT=60
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
# no NAT66: the server routes the inside prefix back through the box
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
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_all() { # NAME NS IFACE: every SCTP packet, IPv4 and IPv6
	run_bg "cap-$1" "$2" dumpcap -q -i "$3" -f 'sctp' -w "$WORK/$1.pcap"
	CAPTURES+=("$1")
	wait_for 10 "capture on $2/$3" grep_out "cap-$1" 'Capturing on'
}
capture_all wan1 "$NS_SRV" wan1
start_server srv "$SRV_ADDR1,$SRV6" --count "$COUNT" --timeout 60
start_client cli "$CLI_ADDR1,$CLI6" "$SRV_ADDR1,$SRV6" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60
wait_for 30 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
public_port=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j associations |
	jq -r '.associations[0].public_port' 2>/dev/null)
# capture time stamps: DATA before and after the break
t_break=$(date +%s.%N)
n_srv nft -f - <<'NFT' || fail "nftables: break the IPv4 path"
table ip v4break {
	chain in {
		type filter hook prerouting priority raw; policy accept;
		ip protocol sctp counter drop
	}
	chain out {
		type filter hook output priority raw; policy accept;
		ip protocol sctp counter drop
	}
}
NFT
say "IPv4 path broken (server drops IPv4 SCTP both ways)"
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop wan1

say "--- client / server ---"
grep -E '^(PEERS|RESULT|FROM)|PRIMARY' "$(out_of cli)" "$(out_of srv)"
say "--- IPv4 break: $(n_srv nft list table ip v4break | grep -c 'counter packets [1-9]') of 2 drop rules hit"
srv_peers=$(grep -E '^PEERS' "$(out_of srv)" | tail -n 1)

# from the client, on the outside: "family src port" per packet
client_sources() {
	_tshark -r "$(pcap_of wan1)" -Y "sctp && (ipv6.dst == $SRV6 ||
		ip.dst == $SRV_ADDR1)" -T fields -e ip.src -e ipv6.src \
		-e sctp.srcport |
		awk -F'\t' '{ print ($1 != "" ? "v4 " $1 : "v6 " $2), $3 }' |
		sort | uniq -c
}
sources=$(client_sources)
say "--- client's packets outside (count family source port) ---"
say "$sources"
v6_ports=$(awk '$2 == "v6" { print $4 }' <<<"$sources" | sort -u)
v4_ports=$(awk '$2 == "v4" { print $4 }' <<<"$sources" | sort -u)
v6_srcs=$(awk '$2 == "v6" { print $3 }' <<<"$sources" | sort -u)
v4_srcs=$(awk '$2 == "v4" { print $3 }' <<<"$sources" | sort -u)
private_out=$(_tshark -r "$(pcap_of wan1)" -T fields -e ip.src -e ip.dst \
	-e sctp.parameter_ipv4_address | grep -c "$CLI_NET\\.")
crc_bad=$(pcap_crc_bad wan1)
# DATA chunks from the client per family, before / after the break
data_from() { # FAMILY-FILTER FROM TO
	pcap_chunk_summary wan1 "($1) && sctp.chunk_type == 0" "$2" "$3" |
		grep -oE 'DATA x[0-9]+' | grep -oE '[0-9]+' || echo 0
}
v4_data_before=$(data_from "ip.src == $BOX_WAN1" 0 "$t_break")
v6_data_after=$(data_from "ipv6.src == $CLI6" "$t_break" 0)
say "client DATA outside: IPv4 before the break $v4_data_before," \
	"IPv6 after it $v6_data_after"

check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "server learned the client's own IPv6 address $CLI6" \
	bash -c "[[ '$srv_peers' == *'$CLI6'* ]]"
check "server learned the box's public IPv4 address $BOX_WAN1" \
	bash -c "[[ '$srv_peers' == *'$BOX_WAN1'* ]]"
check "server never saw the inside address $CLI_ADDR1" \
	bash -c "[[ '$srv_peers' != *'$CLI_ADDR1'* ]]"
check "IPv6 packets kept the client's address (no NAT66): $v6_srcs" \
	[ "$v6_srcs" = "$CLI6" ]
check "IPv4 packets came from the public address: $v4_srcs" \
	[ "$v4_srcs" = "$BOX_WAN1" ]
check "one source port on both families: IPv4 $v4_ports, IPv6 $v6_ports" \
	[ -n "$v4_ports" -a "$v4_ports" = "$v6_ports" ]
check "and it is the association's public port ($public_port)" \
	[ "$v4_ports" = "$public_port" ]
check "DATA crossed on IPv4 before the break ($v4_data_before)" \
	[ "$v4_data_before" -gt 0 ]
check "DATA crossed on IPv6 after the break ($v6_data_after)" \
	[ "$v6_data_after" -gt 0 ]
check "CRC32c valid on every packet ($crc_bad bad)" [ "$crc_bad" = 0 ]
check "no inside IPv4 address ($CLI_NET.x) outside ($private_out)" [ "$private_out" = 0 ]
say "failover gap at the client: max_gap_ms=$(result_field cli max_gap_ms)"
say "mode: $(grep -oE 'AF_XDP [a-z]+ mode' "$(out_of box)" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "dual-stack association through sctpalgd, one port, IPv4 to IPv6 failover"
