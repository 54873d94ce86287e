#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_ttl.sh - sctpalgd forwards as a router (RFC 1812 5.3.1):
# one hop less on every packet, and a packet that arrives with TTL 1 is
# not forwarded but answered with ICMP Time Exceeded from the box, which
# is what traceroute relies on to show the hop.
#
#   client ns  lan0 192.168.1.10 --- box ns lan0 192.168.1.1 |
#                                           wan1 198.51.100.1 --- server ns
#                                                wan1 198.51.100.100
#
# An nftables rule in the client's namespace sets the TTL of its SCTP
# packets (ip ttl set N), like traceroute's probes:
#   1. TTL 1: the client's INITs stop at the box; it answers each with
#      Time Exceeded (type 11 code 0) from its LAN address, quoting the
#      client's own packet, valid checksums; nothing reaches the server;
#   2. TTL 2: the association comes up and the messages flow; every SCTP
#      packet of the client reaches the server with TTL 1, and the
#      server's reach the client with one hop less than they left with;
#   3. TTL 1 again for a while, the association established: its DATA
#      is answered with Time Exceeded too (with fast-path = xdp the XDP
#      program hands such packets to the daemon), then TTL 2: every
#      message arrives all the same;
#   - sctpalgctl counts icmp_time_exceeded_sent and the ttl-exceeded drop.
# SCTPALG_FAST_PATH=xdp (test_sctpalgd_ttl_fast_path.sh): the same with
# fast-path = xdp, and the DATA at TTL 2 must have taken the fast path.
# SCTPALG_TTL_FAMILY=6 (test_sctpalgd_ttl_ipv6.sh, with fast-path = xdp):
# the same over IPv6 (client 2001:db8:aa::10, box 2001:db8:aa::1 and
# 2001:db8:1::1, server 2001:db8:1::100, no NAT66) with the Hop Limit and
# ICMPv6 Time Exceeded (type 3 code 0, RFC 4443 3.3).
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
FAST_PATH=${SCTPALG_FAST_PATH:-off}
FAMILY=${SCTPALG_TTL_FAMILY:-4}
COUNT=300

require_env
command -v nft >/dev/null || skip "nft not installed"
topo_create

{
	box_conf 1
	printf '\n[daemon]\nfast-path = %s\n' "$FAST_PATH"
} > "$WORK/box.conf"
if [ "$FAMILY" = 6 ]; then
	CLI=2001:db8:aa::10
	BOX_HOP=2001:db8:aa::1
	BOX_UP=2001:db8:1::1
	SRV=2001:db8:1::100
	topo_enable_ipv6
	ip -n "$NS_CLI" addr add "$CLI/64" dev lan0 nodad
	ip -n "$NS_BOX" addr add "$BOX_HOP/64" dev lan0 nodad
	ip -n "$NS_BOX" addr add "$BOX_UP/64" dev wan1 nodad
	ip -n "$NS_SRV" addr add "$SRV/64" dev wan1 nodad
	topo_wait_ipv6
	ip -n "$NS_CLI" -6 route add default via "$BOX_HOP" dev lan0
	ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_UP" dev wan1
	printf '\n[inside]\nnetwork = 2001:db8:aa::/64 uplink isp1\n' \
		>> "$WORK/box.conf"
	NFT_FAMILY=ip6 NFT_TTL="ip6 hoplimit"
	CAPF=ip6 IPF=ipv6 TTLF=ipv6.hlim PROTOF=ipv6.nxt
	TE_F='icmpv6.type == 3 && icmpv6.code == 0'
	SUMS_OK='icmpv6.checksum.status == 1'
else
	CLI=$CLI_ADDR1 BOX_HOP=$BOX_LAN SRV=$SRV_ADDR1
	NFT_FAMILY=ip NFT_TTL="ip ttl"
	CAPF=ip IPF=ip TTLF=ip.ttl PROTOF=ip.proto
	TE_F='icmp.type == 11 && icmp.code == 0'
	SUMS_OK='icmp.checksum.status == 1 && ip.checksum.status == 1'
fi
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"
if [ "$FAST_PATH" = xdp ]; then
	# A redirect to a veth is taken only when its peer runs NAPI
	# (sctpalgd.conf(5), fast-path).
	ip netns exec "$NS_CLI" ethtool -K lan0 gro on >/dev/null ||
		skip "ethtool -K lan0 gro on failed: veth cannot take redirects"
	ip netns exec "$NS_SRV" ethtool -K wan1 gro on >/dev/null
fi

# client_ttl N: the TTL of every SCTP packet the client sends from now.
client_ttl() {
	n_cli nft -f - <<NFT || fail "nft in the client namespace"
flush chain $NFT_FAMILY ttl_probe out
add rule $NFT_FAMILY ttl_probe out meta l4proto sctp $NFT_TTL set $1
NFT
}
n_cli nft -f - <<NFT || skip "nftables cannot load a table here"
table $NFT_FAMILY ttl_probe {
	chain out {
		type filter hook output priority 0; policy accept;
	}
}
NFT
client_ttl 1

start_sctpalgd "$WORK/box.conf"
stat() { # JQ: a value of sctpalgctl -j stats
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats | jq -r "$1"
}
te_sent() { stat '.datapath.icmp_time_exceeded_sent // 0'; }
te_above() { [ "$(te_sent)" -gt "$1" ]; }

run_bg cap-cli "$NS_CLI" dumpcap -q -i lan0 -f "$CAPF" -w "$WORK/cli.pcap"
CAPTURES+=(cli)
run_bg cap-wan1 "$NS_SRV" dumpcap -q -i wan1 -f "$CAPF" -w "$WORK/wan1.pcap"
CAPTURES+=(wan1)
wait_for 5 "captures running" bash -c \
	"[ -s '$WORK/cli.pcap' ] && [ -s '$WORK/wan1.pcap' ]"

start_server srv "$SRV" --count "$COUNT" --timeout 90
start_client cli "$CLI" "$SRV" --count "$COUNT" --interval 20 \
	--init-attempts 60 --path-max-retrans 20 --timeout 90

# 1. TTL 1: the INITs stop at the box.
wait_for 20 "the box answered the TTL 1 INIT with Time Exceeded" te_above 0
te1=$(te_sent)
up_before=$(stat '.engine.assocs_created')

# 2. TTL 2: through, with one hop left.
client_ttl 2
wait_for 30 "client acknowledged 60 messages at TTL 2" \
	progress_at_least cli acked 60
fast_before=$(stat '.datapath.fast_path_packets // 0')

# 3. TTL 1 on the established association, then 2 again.
te2=$(te_sent)
client_ttl 1
wait_for 20 "the box answered the association's TTL 1 DATA" te_above "$te2"
te3=$(te_sent)
client_ttl 2
wait_bg cli 90
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop cli
capture_stop wan1
drops=$(stat '.drops["ttl-exceeded"] // 0')

te_f=$TE_F
te_from=$(_tshark -r "$WORK/cli.pcap" -Y "$te_f" -T fields -e $IPF.src |
	cut -d, -f1 | sort -u | tr '\n' ' ')
quoted_src=$(_tshark -r "$WORK/cli.pcap" -Y "$te_f" -T fields -e $IPF.src |
	head -n 1 | cut -d, -f2)
quoted_proto=$(_tshark -r "$WORK/cli.pcap" -Y "$te_f" -T fields \
	-e $PROTOF | head -n 1 | cut -d, -f2)
te_ok=$(_tshark -r "$WORK/cli.pcap" -o ip.check_checksum:TRUE \
	-Y "$te_f && $SUMS_OK" | wc -l)
te_at_cli=$(_tshark -r "$WORK/cli.pcap" -Y "$te_f" | wc -l)
# What the client's packets arrive with at the server.
srv_ttls=$(_tshark -r "$WORK/wan1.pcap" -Y "sctp && $IPF.dst == $SRV" \
	-T fields -e $TTLF | sort -u | tr '\n' ' ')
srv_pkts=$(_tshark -r "$WORK/wan1.pcap" -Y "sctp && $IPF.dst == $SRV" |
	wc -l)
# The server's packets as they leave it and as they reach the client.
srv_sent_ttl=$(_tshark -r "$WORK/wan1.pcap" -Y "sctp && $IPF.src == $SRV" \
	-T fields -e $TTLF | sort -u | tr '\n' ' ')
cli_got_ttl=$(_tshark -r "$WORK/cli.pcap" -Y "sctp && $IPF.src == $SRV" \
	-T fields -e $TTLF | sort -u | tr '\n' ' ')

say "Time Exceeded sent: $te1 at the INIT, $te3 after the DATA at TTL 1; at the client $te_at_cli from $te_from"
say "TTLs at the server of the client's $srv_pkts packets: $srv_ttls"
say "server's TTLs sent: $srv_sent_ttl; at the client: $cli_got_ttl"
say "mode: $(grep -oE 'AF_XDP [a-z]+ mode' "$(out_of box)" | sort -u | tr '\n' ' ')"

check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "no association from the TTL 1 INITs ($up_before created)" \
	[ "$up_before" = 0 ]
check "Time Exceeded from the box's LAN address ($te_from)" \
	[ "$te_from" = "$BOX_HOP " ]
check "it quotes the client's own SCTP packet ($quoted_src, $quoted_proto)" \
	[ "$quoted_src" = "$CLI" -a "$quoted_proto" = 132 ]
check "valid IP and ICMP checksums ($te_ok of $te_at_cli)" \
	[ "$te_at_cli" -gt 0 -a "$te_ok" = "$te_at_cli" ]
check "the established association's DATA at TTL 1 answered too ($te2 -> $te3)" \
	[ "$te3" -gt "$te2" ]
check "sctpalgctl: ttl-exceeded drops ($drops) >= errors sent ($te3)" \
	[ "$drops" -ge "$te3" ]
check "every client packet reached the server with TTL 1 ($srv_ttls)" \
	[ "$srv_pkts" -gt 0 -a "$srv_ttls" = "1 " ]
check "the server's reach the client one hop less ($srv_sent_ttl -> $cli_got_ttl)" \
	[ -n "$srv_sent_ttl" -a "$(echo "$srv_sent_ttl" | wc -w)" = 1 -a \
	  "$cli_got_ttl" = "$((${srv_sent_ttl% } - 1)) " ]
if [ "$FAST_PATH" = xdp ]; then
	check "DATA at TTL 2 took the fast path ($fast_before packets)" \
		[ "${fast_before:-0}" -gt 0 ]
fi
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "TTL decremented and Time Exceeded (IPv$FAMILY, fast path $FAST_PATH)"
