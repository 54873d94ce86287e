#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_fragments.sh - IP fragments of SCTP through sctpalgd.
#
#   client ns  lan0 192.168.1.10, MTU 1500
#        |
#   router ns  c0 192.168.1.254 | b0 10.77.0.2, MTU 1200: fragments
#        |
#   box ns     lan0 10.77.0.1 (MTU 1200), sctpalgd; wan1 198.51.100.1
#        |
#   server ns  198.51.100.100
#
# usrsctp sends 1500-byte packets; the router between the client and the
# box clears DF (as "clear-df" routers and tunnels do; usrsctp would
# never lower its path MTU, as it ignores ICMP) and has a 1200-byte link,
# so every large packet reaches the box as two IPv4 fragments.  The SCTP header is in the first one
# only, the CRC32c covers both: the box must reassemble, translate, and
# cut the result again (no larger than the sender's fragments).  What
# must hold:
#   - every message of 3000 bytes is acknowledged;
#   - fragments arrive at the server (captured there), each at most 1200
#     bytes, from the public address only;
#   - the server's kernel reassembles them into SCTP packets with a valid
#     CRC32c and the public port.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

NS_RTR="sa-rtr-$$"
COUNT=40
SIZE=3000
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
topo_create
cleanup_rtr() { ip netns del "$NS_RTR" 2>/dev/null; cleanup; }
trap cleanup_rtr EXIT

# Rewire: client -- router -- box instead of client -- box.
ip -n "$NS_CLI" link del lan0
_ns_base "$NS_RTR"
ip -n "$NS_CLI" link add lan0 type veth peer name c0 netns "$NS_RTR"
ip -n "$NS_RTR" link add b0 type veth peer name lan0 netns "$NS_BOX"
ip -n "$NS_CLI" addr add "$CLI_ADDR1/24" dev lan0
ip -n "$NS_RTR" addr add "$CLI_NET.254/24" dev c0
ip -n "$NS_RTR" addr add 10.77.0.2/30 dev b0
ip -n "$NS_BOX" addr add 10.77.0.1/30 dev lan0
ip -n "$NS_RTR" link set b0 mtu 1200
ip -n "$NS_BOX" link set lan0 mtu 1200
for l in "$NS_CLI lan0" "$NS_RTR c0" "$NS_RTR b0" "$NS_BOX lan0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$NS_CLI" route add default via "$CLI_NET.254" dev lan0
ip -n "$NS_RTR" route add default via 10.77.0.1 dev b0
ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_RTR" nft -f - <<'NFT' || fail "router: nft clear-df"
table ip clear_df {
	chain prerouting {
		type filter hook prerouting priority mangle; policy accept;
		ip protocol sctp ip frag-off 0x4000 ip frag-off set 0
	}
}
NFT
ip -n "$NS_BOX" route add "$CLI_NET.0/24" via 10.77.0.2 dev lan0
wait_for 5 "router links up" bash -c \
	"ip -n $NS_RTR -o link show b0 | grep -q 'state UP'"

box_conf 1 > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

# All IPv4 to or from the server (fragments carry no SCTP header).
run_bg cap-wan1 "$NS_SRV" dumpcap -q -i wan1 -f 'ip' -w "$WORK/wan1.pcap"
CAPTURES+=(wan1)
run_bg cap-lan "$NS_RTR" dumpcap -q -i b0 -f "ip" -w "$WORK/lan.pcap"
run_bg cap-cli "$NS_RTR" dumpcap -q -i c0 -f "ip" -w "$WORK/cli.pcap"
CAPTURES+=(cli)
CAPTURES+=(lan)
wait_for 5 "captures running" bash -c \
	"[ -s '$WORK/wan1.pcap' ] && [ -s '$WORK/lan.pcap' ]"
start_server srv "$SRV_ADDR1" --count "$COUNT" --timeout 40
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval 20 --size "$SIZE" --timeout 40
wait_bg cli 50
cli_rc=$?
wait_bg srv 20
srv_rc=$?
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | sed -n '/^datapath:/,/^interfaces:/p' |
	sed 's/^/box: /'
reassembled=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
	jq -r '.datapath.ip_reassembled')
capture_stop wan1
capture_stop lan

frags_in=$(_tshark -r "$WORK/lan.pcap" -Y 'ip.flags.mf == 1 || ip.frag_offset > 0' | wc -l)
frags_out=$(_tshark -r "$WORK/wan1.pcap" -Y 'ip.src == '"$BOX_WAN1"' && (ip.flags.mf == 1 || ip.frag_offset > 0)' | wc -l)
largest_out=$(_tshark -r "$WORK/wan1.pcap" -Y "ip.src == $BOX_WAN1" -T fields -e ip.len | sort -n | tail -n 1)
private_out=$(_tshark -r "$WORK/wan1.pcap" -T fields -e ip.src -e ip.dst | grep -c '192\.168\.')
sctp_ports=$(_tshark -r "$WORK/wan1.pcap" -Y "ip.src == $BOX_WAN1 && sctp" -T fields -e sctp.srcport | sort -u | tr '\n' ' ')
crc_bad=$(_tshark -r "$WORK/wan1.pcap" -Y 'sctp.checksum.status == 0' | wc -l)
reasm_data=$(_tshark -r "$WORK/wan1.pcap" -Y "ip.src == $BOX_WAN1 && sctp.chunk_length > 1200" | wc -l)

say "fragments from the router to the box: $frags_in"
say "fragments from the box to the server: $frags_out, largest packet $largest_out bytes"
grep -E '^RESULT' "$(out_of cli)" "$(out_of srv)"
check "client: every $SIZE-byte message acknowledged (exit $cli_rc)" \
	[ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "the box received IP fragments ($frags_in)" [ "$frags_in" -gt 0 ]
check "the box sent IP fragments ($frags_out)" [ "$frags_out" -gt 0 ]
check "sctpalgctl counts the reassembled datagrams ($reassembled)" \
	[ "${reassembled:-0}" -gt 0 ]
check "no packet from the box over 1200 bytes ($largest_out)" \
	[ "${largest_out:-0}" -le 1200 ]
check "reassembled DATA chunks over 1200 bytes reached the server ($reasm_data)" \
	[ "$reasm_data" -gt 0 ]
check "one public port: $sctp_ports" [ "$(echo $sctp_ports | wc -w)" = 1 ]
check "no private address on the outside ($private_out)" \
	[ "$private_out" = 0 ]
check "CRC32c valid on every reassembled packet ($crc_bad bad)" \
	[ "$crc_bad" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "IP fragments reassembled, translated and fragmented again"
