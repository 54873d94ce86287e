#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_baseline_routing.sh - proves the end-to-end harness itself, with no
# NAT and no sctpalgd: a multihomed usrsctp association between two
# namespaces across a box that only routes, then the primary path is broken
# (the box's uplink 1 goes down) and the messages must keep flowing over the
# second path with none lost.
#
#   client ns  lan0: 192.0.2.10 + 192.0.2.11  (routable: TEST-NET-1, so
#        |           usrsctp's scoping lists both in the INIT)
#   box ns     routes only: lan0 192.0.2.1, wan1 198.51.100.1, wan2 203.0.113.1
#     |wan1        |wan2
#   server ns  198.51.100.100 on wan1, 203.0.113.100 on wan2
#
#   path 1: 192.0.2.10 <-> 198.51.100.100 over wan1 (primary)
#   path 2: 192.0.2.11 <-> 203.0.113.100  over wan2
#
# The server reaches 192.0.2.10 only via wan1 and 192.0.2.11 only via wan2;
# stateless nftables fix-ups give each path its own source address on both
# ends (lib.sh, sctp_src_fixup).  What must hold (no timing assertions; the
# gap is printed, not judged):
#   - the INIT lists both client addresses, the INIT ACK both server ones;
#   - every message is acknowledged, none lost or duplicated on either side;
#   - after the break the server receives from the second client address and
#     the client declares the first server address unreachable;
#   - each uplink carries only its own path's addresses (the fix-up works),
#     and every SCTP packet on the wire has a valid CRC32c.
# Exit: 0 pass, 1 fail, 77 skip.

# routable client addresses (read by lib.sh)
# shellcheck disable=SC2034
CLI_NET=192.0.2
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=200
INTERVAL=20
BREAK_AT=60

require_env
topo_create
topo_route_clients_per_uplink
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'
sctp_src_fixup "$NS_CLI" path1 "$CLI_ADDR1" ip daddr 198.51.100.0/24
sctp_src_fixup "$NS_CLI" path2 "$CLI_ADDR2" ip daddr 203.0.113.0/24

capture_start wan1 "$NS_BOX" wan1
capture_start wan2 "$NS_BOX" wan2

start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60 \
	--report "$WORK/srv.report"
start_client cli "$CLI_ADDR1,$CLI_ADDR2" "$SRV_ADDR1,$SRV_ADDR2" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 60 \
	--report "$WORK/cli.report"

wait_for 30 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
link_down "$NS_BOX" wan1
say "uplink 1 (box wan1) down after $(grep PROGRESS "$(out_of cli)" |
	tail -n 1 | sed 's/.*PROGRESS //')"

wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop wan1
capture_stop wan2

say "--- client ---"
grep -E 'PEERS|EVENT (assoc|peer)' "$(out_of cli)" | head -n 12
grep -E '^(FROM|PATH|RESULT)' "$(out_of cli)"
say "--- server ---"
grep -E 'PEERS|EVENT (assoc|peer)' "$(out_of srv)" | head -n 12
grep -E '^(FROM|PATH|RESULT)' "$(out_of srv)"
say "--- wire (box uplinks) ---"
say "INIT / INIT ACK:"
pcap_init_addrs wan1 | sed 's/^/  /'
for l in wan1 wan2; do
	say "$l flows:"
	pcap_sctp_flows "$l" | sed 's/^/  /'
done
say "source fix-ups (server, then client):"
sctp_src_fixup_show "$NS_SRV"
sctp_src_fixup_show "$NS_CLI"


init_line=$(pcap_init_addrs wan1 | grep '^INIT ' | head -n 1)
ack_line=$(pcap_init_addrs wan1 | grep '^INIT_ACK ' | head -n 1)
# shellcheck disable=SC2317 # called through check()
has_addrs() { # LINE A B: the address list of LINE holds A and B
	local list=${1##*addrs=}

	[[ ",$list," == *",$2,"* && ",$list," == *",$3,"* ]]
}
from_count() { # NAME ADDR
	grep -E "^FROM addr=$2 " "$(out_of "$1")" | sed 's/.*count=//'
}
sources_on() { # LINK: distinct SCTP source addresses on that uplink
	pcap_sctp_sources "$1" | awk '{ print $1 }' | sort -u | tr '\n' ' '
}

check "client exit status 0 (every message acknowledged)" [ "$cli_rc" = 0 ]
check "server exit status 0 (every message received)" [ "$srv_rc" = 0 ]
check "INIT lists both client addresses" \
	has_addrs "$init_line" "$CLI_ADDR1" "$CLI_ADDR2"
check "INIT ACK lists both server addresses" \
	has_addrs "$ack_line" "$SRV_ADDR1" "$SRV_ADDR2"
check "client: acked=$COUNT lost=0" \
	[ "$(result_field cli acked)" = "$COUNT" -a \
	"$(result_field cli lost)" = 0 ]
check "server: unique=$COUNT lost=0 dup=0" \
	[ "$(result_field srv unique)" = "$COUNT" -a \
	"$(result_field srv lost)" = 0 -a "$(result_field srv dup)" = 0 ]
check "client saw $SRV_ADDR1 become unreachable" \
	grep_out cli "peer_addr_change addr=$SRV_ADDR1 state=ADDR_UNREACHABLE"
c1=$(from_count srv "$CLI_ADDR1")
c2=$(from_count srv "$CLI_ADDR2")
check "server received on both paths (from $CLI_ADDR1: ${c1:-0}, from $CLI_ADDR2: ${c2:-0})" \
	[ "${c1:-0}" -gt 0 -a "${c2:-0}" -gt 0 ]
s1=$(sources_on wan1)
s2=$(sources_on wan2)
check "uplink 1 carries only path 1 addresses ($s1)" \
	[ "$s1" = "$CLI_ADDR1 $SRV_ADDR1 " ]
check "uplink 2 carries only path 2 addresses ($s2)" \
	[ "$s2" = "$CLI_ADDR2 $SRV_ADDR2 " ]
for l in wan1 wan2; do
	n=$(pcap_sctp_count "$l")
	bad=$(pcap_crc_bad "$l")
	check "$l: $n SCTP packets, CRC32c bad: $bad" [ "$n" -gt 0 -a "$bad" = 0 ]
done

say "figures: client sent=$(result_field cli sent) acked=$(result_field cli acked) lost=$(result_field cli lost) max_gap_ms=$(result_field cli max_gap_ms); server received=$(result_field srv received) lost=$(result_field srv lost) max_gap_ms=$(result_field srv max_gap_ms); server per-path: $CLI_ADDR1=${c1:-0} $CLI_ADDR2=${c2:-0}"
if [ "$errors" != 0 ]; then
	fail "$errors check(s) failed"
fi
pass "multihomed usrsctp association failed over to path 2 with no loss"
exit 0
