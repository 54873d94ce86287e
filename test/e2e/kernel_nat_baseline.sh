#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel_nat_baseline.sh - why sctpalg exists.  The standard topology
# (lib.sh) with plain kernel NAT on the box: nftables masquerade on both
# uplinks and the kernel's built-in SCTP conntrack, no sctpalgd.  Real
# usrsctp endpoints, real captures; it prints what it observed, scenario by
# scenario, and a verdict.  Not a test (the demo calls it): exit 0 when the
# scenarios ran, whatever they showed; 1 when the harness itself broke (the
# association never came up); 77 when the machine lacks what it needs.
#
#   client ns  lan0: 192.168.1.10 + 192.168.1.11 (office LAN, RFC 1918)
#        |
#   box ns     kernel NAT: masquerade on wan1 (198.51.100.1) and
#     |wan1       |wan2    wan2 (203.0.113.1); scenario B adds a DNAT
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2 (multihomed)
#
# A: outbound.  The office host (bound to both LAN addresses) opens a
#    multihomed association to the server; after 60 messages uplink 1 fails.
# B: inbound port forward.  A multihomed outside peer connects to the box's
#    public addresses, DNATed to an inside server bound to both LAN
#    addresses; after 40 messages uplink 1 fails.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=20

require_env
topo_create
box_kernel_nat
# The server namespace is a multihomed usrsctp endpoint: one source address
# per egress link (see sctp_src_fixup in lib.sh).
sctp_src_fixup "$NS_SRV" uplink1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" uplink2 "$SRV_ADDR2" oifname '"wan2"'

obs() { say "  observed: $*"; }

# first_init NAME TYPE: the first INIT or INIT_ACK line of a capture.
first_init() {
	pcap_init_addrs "$1" | grep -m 1 "^$2 " | sed 's/addrs=$/addrs=(none)/'
}

conntrack_sctp() {
	n_box cat /proc/net/nf_conntrack 2>/dev/null | grep ' sctp ' |
		sed -e 's/^ipv4 *2 *//' -e 's/ mark=.*//' -e 's/^/    /'
}

down_at_progress() { # NAME KEY
	grep PROGRESS "$(out_of "$1")" | tail -n 1 | sed 's/.*PROGRESS //'
}

verdicts=()

# ---------------------------------------------------------------- scenario A
say "=== A: office host behind kernel NAT -> multihomed server"
say "    client binds $CLI_ADDR1,$CLI_ADDR2 and connects to $SRV_ADDR1,$SRV_ADDR2"
for l in lan0 wan1 wan2; do
	capture_start "a-$l" "$NS_BOX" "$l"
done
start_server a-srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 40
start_client a-cli "$CLI_ADDR1,$CLI_ADDR2" "$SRV_ADDR1,$SRV_ADDR2" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 40 \
	--drain-timeout 5000
wait_for 20 "scenario A: 60 messages acknowledged" \
	progress_at_least a-cli acked 60
t_break=$(date +%s.%N)
link_down "$NS_BOX" wan1
say "    uplink 1 down after $(down_at_progress a-cli)"
wait_bg a-cli 50
wait_bg a-srv 50
for l in lan0 wan1 wan2; do
	capture_stop "a-$l"
done

if ! grep_out a-cli 'state=COMM_UP'; then
	fail "scenario A: the association never came up; the harness is broken"
fi

say "--- A: the handshake"
obs "INIT on the LAN:        $(first_init a-lan0 INIT)"
obs "INIT on uplink 1:       $(first_init a-wan1 INIT)"
obs "INIT ACK on uplink 1:   $(first_init a-wan1 INIT_ACK)"
say "    (usrsctp's scoping left both private addresses out of an INIT to a"
say "    public peer; kernel NAT rewrote only the IP header)"
srv_peers=$(grep -m 1 'PEERS addrs' "$(out_of a-srv)" | sed 's/.*PEERS //')
obs "server's peer addresses for this client: $srv_peers"
pub1=$(pcap_sctp_sources a-wan1 | awk -v a="$BOX_WAN1" '$1 == a { print $2 }' |
	head -n 1)
pub2=$(pcap_sctp_sources a-wan2 | awk -v a="$BOX_WAN2" '$1 == a { print $2 }' |
	head -n 1)
obs "public transport addresses: uplink 1 $BOX_WAN1:${pub1:-none}, uplink 2 $BOX_WAN2:${pub2:-none}"

say "--- A: the second path (client -> $SRV_ADDR2 over uplink 2), before the break"
obs "client -> server on uplink 2: $(pcap_chunk_summary a-wan2 "ip.src == $BOX_WAN2" 0 "$t_break")"
obs "server -> client on uplink 2: $(pcap_chunk_summary a-wan2 "ip.src == $SRV_ADDR2" 0 "$t_break")"
obs "of those, reached the client (box LAN): $(pcap_chunk_summary a-lan0 "ip.src == $SRV_ADDR2" 0 "$t_break")"
ev=$(grep -m 1 -E "addr=$SRV_ADDR2 state=ADDR_UNREACHABLE" "$(out_of a-cli)")
obs "client: ${ev:-no ADDR_UNREACHABLE event for $SRV_ADDR2}"

say "--- A: after uplink 1 failed"
obs "client -> server on uplink 2: $(pcap_chunk_summary a-wan2 "ip.src == $BOX_WAN2" "$t_break")"
obs "server -> client on uplink 2: $(pcap_chunk_summary a-wan2 "ip.src == $SRV_ADDR2" "$t_break")"
obs "of those, reached the client (box LAN): $(pcap_chunk_summary a-lan0 "ip.src == $SRV_ADDR2" "$t_break")"
grep -E 'EVENT (assoc_change|peer_addr_change)' "$(out_of a-cli)" |
	sed 's/^/    client /'
grep -E 'EVENT (assoc_change|peer_addr_change)' "$(out_of a-srv)" |
	sed 's/^/    server /'
obs "client $(grep '^RESULT' "$(out_of a-cli)" | sed 's/^RESULT //')"
obs "server $(grep '^RESULT' "$(out_of a-srv)" | sed 's/^RESULT //')"
say "    box conntrack (SCTP):"
conntrack_sctp
say "    CRC32c errors on the wire: lan0 $(pcap_crc_bad a-lan0)," \
	"wan1 $(pcap_crc_bad a-wan1), wan2 $(pcap_crc_bad a-wan2)"

a_lost=$(result_field a-cli lost)
a_npeers=$(echo "$srv_peers" | sed -n 's/.*count=//p')
if [ "${a_npeers:-0}" -le 1 ]; then
	verdicts+=("A: the server learned ${a_npeers:-0} address for the NATed host: it can never use uplink 2")
fi
if grep_out a-cli "addr=$SRV_ADDR2 state=ADDR_UNREACHABLE"; then
	verdicts+=("A: the second path (uplink 2) never worked: the client declared $SRV_ADDR2 unreachable")
fi
if [ "${a_lost:-0}" -gt 0 ] || grep_out a-cli 'COMM_LOST'; then
	verdicts+=("A: failover failed: $a_lost of $(result_field a-cli sent) messages never acknowledged$(grep_out a-cli COMM_LOST && echo ', association lost (COMM_LOST)')")
else
	verdicts+=("A: NOT OBSERVED: failover through kernel NAT lost nothing this time")
fi

# ---------------------------------------------------------------- scenario B
say ""
say "=== B: port forward (kernel DNAT) to an inside server <- multihomed outside peer"
link_up "$NS_BOX" wan1
wait_for 5 "uplink 1 back" _links_up
n_box nft -f - <<-EOF || fail "nft: port forward"
table ip kernel_fwd {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname { "wan1", "wan2" } ip protocol sctp sctp dport 5002 counter dnat to $CLI_ADDR1
	}
}
EOF
# A kernel SCTP stack sends from the address its route picks (here
# $CLI_ADDR1); usrsctp would use one arbitrary bound address for all, and an
# INIT ACK from $CLI_ADDR2 would not even match the DNAT entry.  Pin it, so
# what follows is kernel NAT's doing, not usrsctp's.
sctp_src_fixup "$NS_CLI" lan "$CLI_ADDR1" oifname '"lan0"'
say "    inside server binds $CLI_ADDR1,$CLI_ADDR2 port 5002; box forwards"
say "    $BOX_WAN1:5002 and $BOX_WAN2:5002 to $CLI_ADDR1; outside peer binds"
say "    $SRV_ADDR1,$SRV_ADDR2 and connects to $BOX_WAN1,$BOX_WAN2"
for l in lan0 wan1 wan2; do
	capture_start "b-$l" "$NS_BOX" "$l"
done
run_bg b-srv "$NS_CLI" "$SCTP_PEER" server --bind "$CLI_ADDR1,$CLI_ADDR2" \
	--port 5002 --count 100 --timeout 30
wait_for 10 "inside server listening" grep_out b-srv 'LISTEN port'
run_bg b-cli "$NS_SRV" "$SCTP_PEER" client --bind "$SRV_ADDR1,$SRV_ADDR2" \
	--connect "$BOX_WAN1,$BOX_WAN2" --port 5002 --count 100 \
	--interval "$INTERVAL" --timeout 30 --drain-timeout 5000
wait_for 20 "scenario B: 40 messages acknowledged" \
	progress_at_least b-cli acked 40
t_break=$(date +%s.%N)
link_down "$NS_BOX" wan1
say "    uplink 1 down after $(down_at_progress b-cli)"
wait_bg b-cli 40
wait_bg b-srv 40
for l in lan0 wan1 wan2; do
	capture_stop "b-$l"
done

say "--- B: the handshake"
obs "INIT on uplink 1:       $(first_init b-wan1 INIT)"
obs "INIT ACK on the LAN:    $(first_init b-lan0 INIT_ACK)"
obs "INIT ACK on uplink 1:   $(first_init b-wan1 INIT_ACK)"
say "    (the inside server saw a private destination, so its scope let it"
say "    list its private addresses; kernel NAT passed them to the Internet)"
grep -E 'PATH addr' "$(out_of b-cli)" | sed 's/^/    outside peer /'
obs "outside peer -> $CLI_NET.x: $(grep -cE "peer_addr_change addr=$CLI_NET\.[0-9]+ state=ADDR_UNREACHABLE" "$(out_of b-cli)") private path(s) declared unreachable"
if grep -q "^PATH addr=$BOX_WAN2 " "$(out_of b-cli)"; then
	obs "outside peer still has a path to $BOX_WAN2"
else
	obs "outside peer has NO path to $BOX_WAN2 any more, though it connected to it:" \
		"the INIT ACK's (private) address list replaced it (RFC 9260 section 5.1.2)"
fi
say "--- B: after uplink 1 failed"
obs "outside peer -> box on uplink 2: $(pcap_chunk_summary b-wan2 "ip.src == $SRV_ADDR2" "$t_break")"
obs "box -> outside peer on uplink 2: $(pcap_chunk_summary b-wan2 "ip.dst == $SRV_ADDR2" "$t_break")"
grep -E 'EVENT (assoc_change|peer_addr_change)' "$(out_of b-cli)" |
	sed 's/^/    outside peer /'
obs "outside peer $(grep '^RESULT' "$(out_of b-cli)" | sed 's/^RESULT //')"
obs "inside server $(grep '^RESULT' "$(out_of b-srv)" | sed 's/^RESULT //')"
say "    CRC32c errors on the wire: lan0 $(pcap_crc_bad b-lan0)," \
	"wan1 $(pcap_crc_bad b-wan1), wan2 $(pcap_crc_bad b-wan2)"

b_ack=$(first_init b-wan1 INIT_ACK)
if [[ "$b_ack" == *"$CLI_NET."* ]]; then
	verdicts+=("B: private addresses left the box inside the INIT ACK: ${b_ack##*addrs=}")
fi
if ! grep -q "^PATH addr=$BOX_WAN2 " "$(out_of b-cli)"; then
	verdicts+=("B: the outside peer lost its path to uplink 2 ($BOX_WAN2): only unreachable private addresses replaced it")
fi
b_lost=$(result_field b-cli lost)
if [ "${b_lost:-0}" -gt 0 ] || grep_out b-cli 'COMM_LOST'; then
	verdicts+=("B: failover failed: $b_lost of $(result_field b-cli sent) messages never acknowledged$(grep_out b-cli COMM_LOST && echo ', association lost (COMM_LOST)')")
else
	verdicts+=("B: NOT OBSERVED: failover through the port forward lost nothing this time")
fi

say ""
say "=== verdict: kernel NAT and multihomed SCTP"
for v in "${verdicts[@]}"; do
	say "VERDICT $v"
done
exit 0
