#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_pmtu.sh - path MTU discovery through sctpalgd: the box's
# uplink is smaller than its LAN (MTU 1400, as PPPoE and tunnels make
# it), so the client's 1500-byte packets with DF do not fit.  A router
# answers with ICMP Fragmentation Needed; so must the box, about the
# packet the client sent (its private address and port), or the path is
# a black hole.
#
#   client ns  lan0 192.168.1.10, MTU 1500
#   box ns     lan0 | wan1 198.51.100.1, MTU 1400
#   server ns  wan1 198.51.100.100, MTU 1400
#
# usrsctp ignores ICMP, so it never lowers its path MTU and the messages
# are not expected through; the client's kernel does record the MTU the
# box reports (checked with `ip route get`).  What must hold:
#   - an ICMP type 3 code 4 with next-hop MTU 1400 reaches the client,
#     from the box's address, quoting the client's own packet: source
#     192.168.1.10 and the client's own port, valid checksums;
#   - the client's kernel now has a path MTU of 1400 to the server;
#   - no packet over 1400 bytes left the box;
#   - sctpalgctl counts the error sent.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
topo_create
ip -n "$NS_BOX" link set wan1 mtu 1400
ip -n "$NS_SRV" link set wan1 mtu 1400

box_conf 1 > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

run_bg cap-cli "$NS_CLI" dumpcap -q -i lan0 -f 'ip' -w "$WORK/cli.pcap"
CAPTURES+=(cli)
run_bg cap-wan1 "$NS_SRV" dumpcap -q -i wan1 -f 'ip' -w "$WORK/wan1.pcap"
CAPTURES+=(wan1)
wait_for 5 "captures running" bash -c \
	"[ -s '$WORK/cli.pcap' ] && [ -s '$WORK/wan1.pcap' ]"
start_server srv "$SRV_ADDR1" --count 3 --timeout 8
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count 3 --interval 100 \
	--size 3000 --timeout 8
wait_for 10 "the box sent a Fragmentation Needed" bash -c \
	"ip netns exec $NS_BOX $SCTPALGCTL -s $WORK/ctl.sock -j stats |
	 jq -e '.datapath.icmp_too_big_sent > 0'"
pmtu=$(n_cli ip route get "$SRV_ADDR1" | grep -oE 'mtu [0-9]+' | head -n 1)
sent=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
	jq -r '.datapath.icmp_too_big_sent')
wait_bg cli 15
wait_bg srv 15
capture_stop cli
capture_stop wan1

icmp_f='icmp.type == 3 && icmp.code == 4'
fields=$(_tshark -r "$WORK/cli.pcap" -Y "$icmp_f" -T fields -e ip.src \
	-e icmp.mtu -e sctp.srcport -e ip.checksum.status \
	-e icmp.checksum.status | head -n 1)
quoted_src=$(_tshark -r "$WORK/cli.pcap" -Y "$icmp_f" -T fields -e ip.src |
	head -n 1 | cut -d, -f2)
client_port=$(_tshark -r "$WORK/cli.pcap" -Y 'sctp.chunk_type == 1' \
	-T fields -e sctp.srcport | head -n 1)
icmp_ok=$(_tshark -r "$WORK/cli.pcap" -o ip.check_checksum:TRUE \
	-Y "$icmp_f && icmp.checksum.status == 1 && ip.checksum.status == 1" |
	wc -l)
largest=$(_tshark -r "$WORK/wan1.pcap" -T fields -e ip.len | sort -n |
	tail -n 1)

say "ICMP at the client (src, mtu, quoted port, ...): $fields"
say "client's route to the server: $pmtu"
check "the box reports its errors in sctpalgctl ($sent sent)" \
	[ "${sent:-0}" -gt 0 ]
check "Fragmentation Needed reached the client with MTU 1400" \
	bash -c "[[ '$fields' == *'	1400	'* ]]"
check "it comes from the box ($BOX_LAN or $BOX_WAN1)" \
	bash -c "[[ '$fields' == '$BOX_LAN'* || '$fields' == '$BOX_WAN1'* ]]"
check "it quotes the client's packet: source $quoted_src" \
	[ "$quoted_src" = "$CLI_ADDR1" ]
check "and the client's port $client_port" \
	bash -c "[[ '$fields' == *'	$client_port	'* ]]"
check "valid IP and ICMP checksums ($icmp_ok)" [ "$icmp_ok" -gt 0 ]
check "the client's kernel learned path MTU 1400 ($pmtu)" \
	[ "$pmtu" = "mtu 1400" ]
check "nothing over 1400 bytes on the uplink ($largest)" \
	[ "${largest:-0}" -le 1400 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "path MTU discovery through the box"
