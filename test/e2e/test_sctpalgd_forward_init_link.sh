#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_forward_init_link.sh - a multihomed server inside, on two
# inside links, behind a [forward] rule with two `inside` lines: while
# inside link A is broken, NEW associations must come up over link B.
#
#   server ns  lan0: 192.168.1.10        lan1: 192.168.2.10   (usrsctp server)
#     |lan0 (inside link A)                |lan1 (inside link B)
#   box ns     sctpalgd: lan0 + lan1 inside, wan1 = isp1 198.51.100.1,
#     |wan1                                    wan2 = isp2 203.0.113.1
#     |         |wan2          [forward srv] 198.51.100.1 -> 192.168.1.10
#   client ns  198.51.100.100 on wan1,         203.0.113.1  -> 192.168.2.10
#              203.0.113.100 on wan2   (usrsctp client, outside)
#
# (lib.sh's "client" namespace holds the inside server here, and its
# "server" namespace the outside client.)  The box has a default route by
# isp1, as a real one would.  The client's INIT goes to 198.51.100.1,
# whose paired inside address is 192.168.1.10 (sctpalgd.conf(5),
# `inside`).  Two ways link A breaks:
#   1. the box's lan0 goes down: its route to 192.168.1.0/24 goes with it,
#      and 192.168.1.10 would be routed out by the uplink (the default
#      route);
#   2. (link A back up, then) the server's end of link A goes down: the
#      box's lan0 loses its carrier, its route stays.
# Each time sctpalgd must find 192.168.1.10 unusable (forward_link.c,
# logged), and a new association from the client must come up through
# link B: its INIT reaches 192.168.2.10 over lan1, the INIT ACK leaves
# from the public address the INIT came to, every message arrives once
# and is acknowledged.  The server's own routing moves to link B by
# itself (a backup default route by lan1; routes over a link without
# carrier ignored).  Before sctpalgd knew about usable inside addresses,
# every INIT went to the first inside address: no association came up.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=100
INTERVAL=20
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
topo_create
topo_add_inside_link2
ip -n "$NS_CLI" route add "$SRV_ADDR2/32" via "$BOX_LAN2" dev lan1
# The server fails over its own routes when link A breaks.
ip -n "$NS_CLI" route add default via "$BOX_LAN2" dev lan1 metric 100
n_cli sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
# The box's default route: an inside address without a route of its own
# would leave by isp1.
ip -n "$NS_BOX" route add default via "$SRV_ADDR1" dev wan1
sctp_src_fixup "$NS_CLI" inside-a "$CLI_ADDR1" oifname '"lan0"'
sctp_src_fixup "$NS_CLI" inside-b "$CLI2_ADDR" oifname '"lan1"'
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

cat > "$WORK/box.conf" <<CONF
[daemon]
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid
log-level = debug

[inside]
interface = lan0
interface = lan1
network = $CLI_NET.0/24 uplink isp1
network = $INSIDE2_NET.0/24 uplink isp2

[uplink isp1]
interface = wan1
address = $BOX_WAN1

[uplink isp2]
interface = wan2
address = $BOX_WAN2

[forward srv]
public = $BOX_WAN1:$SCTP_PORT
public = $BOX_WAN2:$SCTP_PORT
inside = $CLI_ADDR1:$SCTP_PORT
inside = $CLI2_ADDR:$SCTP_PORT
CONF
say "--- sctpalgd.conf ---"
grep -v '^$' "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

# _count PATTERN: how many lines of the box's log match so far.
_count() { grep -cE -- "$1" "$(out_of box)"; }

# saw BEFORE WHAT PATTERN: waits (up to 30 s) for a matching log line
# beyond the BEFORE ones logged before the change, a check rather than a
# fatal wait, so that a daemon that never says it still shows what
# happens to the association.  Counting from BEFORE matters: the same
# line may already be in the log from start-up (a veth's carrier comes
# up after the daemon first looks).
saw() {
	local n=30

	while [ $n -gt 0 ] && [ "$(_count "$3")" -le "$1" ]; do
		sleep 1
		n=$((n - 1))
	done
	check "$2" [ "$(_count "$3")" -gt "$1" ]
}

# The daemon's last word on 192.168.1.10, if any, is that it is usable.
_a_usable() {
	! grep -E "inside address $CLI_ADDR1 is (unusable|usable again)" \
		"$(out_of box)" | tail -n 1 | grep -q unusable
}
wait_for 30 "sctpalgd finds $CLI_ADDR1 usable after start-up" _a_usable

# round NAME: one new association from the client to $BOX_WAN1 (then
# $BOX_WAN2), COUNT messages, captured on link B and the uplinks.
round() {
	local r=$1 c

	# At the far end of each link: on the box, XDP takes frames before
	# the kernel's packet taps.  (Link A's far end may be down: libpcap
	# refuses such an interface.)
	capture_start "$r-in-b" "$NS_CLI" lan1
	capture_start "$r-wan1" "$NS_SRV" wan1
	capture_start "$r-wan2" "$NS_SRV" wan2
	run_bg "$r-srv" "$NS_CLI" "$SCTP_PEER" server \
		--bind "$CLI_ADDR1,$CLI2_ADDR" --port "$SCTP_PORT" \
		--count "$COUNT" --timeout 60
	wait_for 10 "inside server listening ($r)" grep_out "$r-srv" 'LISTEN port'
	run_bg "$r-cli" "$NS_SRV" "$SCTP_PEER" client \
		--bind "$SRV_ADDR1,$SRV_ADDR2" --connect "$BOX_WAN1,$BOX_WAN2" \
		--port "$SCTP_PORT" --count "$COUNT" --interval "$INTERVAL" \
		--timeout 60
	wait_bg "$r-cli" 90
	cli_rc=$?
	wait_bg "$r-srv" 60
	srv_rc=$?
	say "--- sctpalgctl associations ($r) ---"
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
	for c in in-b wan1 wan2; do
		capture_stop "$r-$c"
		say "$r-$c: $(pcap_sctp_count "$r-$c") SCTP packets"
		pcap_sctp_flows "$r-$c" | sed 's/^/    /'
	done
	grep -E '^(PEERS|RESULT|FROM)' "$(out_of "$r-cli")"
	grep -E '^(PEERS|RESULT|FROM)' "$(out_of "$r-srv")"

	local inits data init_ack private bad
	inits=$(_tshark -r "$(pcap_of "$r-in-b")" \
		-Y "sctp.chunk_type == 1 && ip.dst == $CLI2_ADDR" \
		-T fields -e frame.number | wc -l)
	data=$(_tshark -r "$(pcap_of "$r-in-b")" \
		-Y "sctp.chunk_type == 0 && ip.dst == $CLI2_ADDR" \
		-T fields -e frame.number | wc -l)
	# The INIT ACK as the client got it, answering an INIT to BOX_WAN1.
	init_ack=$(pcap_init_addrs "$r-wan1" | grep '^INIT_ACK' | head -n 1)
	private=$(for c in wan1 wan2; do
		_tshark -r "$(pcap_of "$r-$c")" -T fields -e ip.src -e ip.dst \
			-e sctp.parameter_ipv4_address
	done | grep -cE "$CLI_NET\.|$INSIDE2_NET\.")
	bad=$(for c in in-b wan1 wan2; do pcap_crc_bad "$r-$c"; done |
		sort -u | tr '\n' ' ')
	say "INIT ACK as it left the box: $init_ack"
	check "$r: the INIT reached $CLI2_ADDR over link B ($inits)" \
		[ "$inits" -gt 0 ]
	check "$r: link B carried DATA to $CLI2_ADDR ($data)" [ "$data" -gt 0 ]
	check "$r: the INIT ACK left from $BOX_WAN1, where the INIT came" \
		bash -c "[[ '$init_ack' == 'INIT_ACK $BOX_WAN1 '* ]]"
	check "$r: it lists $BOX_WAN1 and $BOX_WAN2" \
		bash -c "[[ '$init_ack' == *'$BOX_WAN1'* && '$init_ack' == *'$BOX_WAN2'* ]]"
	check "$r: no inside address on either uplink" [ "$private" = 0 ]
	check "$r: client: every message acknowledged (exit $cli_rc)" \
		[ "$cli_rc" = 0 ]
	check "$r: server: every message received once (exit $srv_rc)" \
		[ "$srv_rc" = 0 ]
	check "$r: server lost none: $(result_field "$r-srv" lost)" \
		[ "$(result_field "$r-srv" lost)" = 0 ]
	check "$r: CRC32c valid everywhere (bad: $bad)" [ "$bad" = "0 " ]
}

# 1. The box's end of link A down: no route to 192.168.1.10 but the
#    default one by isp1.
P_UPLINK="inside address $CLI_ADDR1 is unusable \\(routed out by an uplink\\)"
P_BACK="inside address $CLI_ADDR1 is usable again"
P_NO_CARRIER="inside address $CLI_ADDR1 is unusable \\(its route's link is down\\)"
before=$(_count "$P_UPLINK")
link_down "$NS_BOX" lan0
say "inside link A down at the box (lan0)"
saw "$before" "sctpalgd found $CLI_ADDR1 unusable (routed out by an uplink)" \
	"$P_UPLINK"
round box-down

# 2. Link A back, then its far end down: the box keeps its route, over a
#    link without carrier.
before=$(_count "$P_BACK")
link_up "$NS_BOX" lan0
saw "$before" "link A back: sctpalgd found $CLI_ADDR1 usable again" "$P_BACK"
before=$(_count "$P_NO_CARRIER")
link_down "$NS_CLI" lan0
say "inside link A down at the server (box lan0 without carrier)"
saw "$before" "sctpalgd found $CLI_ADDR1 unusable (its link is down)" \
	"$P_NO_CARRIER"
round carrier-lost

stop_bg box
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "new associations to a [forward] server come up over its other inside link"
