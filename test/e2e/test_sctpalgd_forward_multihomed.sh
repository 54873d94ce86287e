#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_forward_multihomed.sh - a multihomed server inside, on two
# inside links, behind a [forward] rule; one inside link fails mid-run.
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
# "server" namespace the outside client.)  The server answers the INIT
# with both of its private addresses (the INIT came to a private address,
# which opens usrsctp's scope); the box tells the client they are
# 198.51.100.1 and 203.0.113.1, and packets to each must reach the inside
# address it stands for, over that address's own inside link.  Both
# multihomed usrsctp endpoints get an nftables source fix-up per egress
# link (lib.sh, sctp_src_fixup).  What must hold:
#   - the INIT ACK leaving the box lists both public addresses and no
#     private one; no inside address appears anywhere outside;
#   - both inside links carry the association's packets toward the
#     server (192.168.2.10 reached over lan1 while link A still works);
#   - after inside link A breaks, every sequence-numbered message still
#     arrives, exactly once, and is acknowledged;
#   - CRC32c is valid on every packet outside and inside.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=300
INTERVAL=20
BREAK_AT=60
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
topo_create
topo_add_inside_link2
# The inside server reaches the client's second address over link B.
ip -n "$NS_CLI" route add "$SRV_ADDR2/32" via "$BOX_LAN2" dev lan1
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

# Captured at the far end of each link: on the box, XDP takes frames
# before the kernel's packet taps and AF_XDP transmits bypass them.
capture_start in-a "$NS_CLI" lan0
capture_start in-b "$NS_CLI" lan1
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2

run_bg srv "$NS_CLI" "$SCTP_PEER" server --bind "$CLI_ADDR1,$CLI2_ADDR" \
	--port "$SCTP_PORT" --count "$COUNT" --timeout 90
wait_for 10 "inside server listening" grep_out srv 'LISTEN port'
run_bg cli "$NS_SRV" "$SCTP_PEER" client --bind "$SRV_ADDR1,$SRV_ADDR2" \
	--connect "$BOX_WAN1,$BOX_WAN2" --port "$SCTP_PORT" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 90

wait_for 60 "client acknowledged $BREAK_AT messages" \
	progress_at_least cli acked "$BREAK_AT"
say "--- sctpalgctl associations (before the break) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
link_down "$NS_BOX" lan0
break_at=$(date +%s.%N)
say "inside link A (box lan0) down"

wait_bg cli 120
cli_rc=$?
wait_bg srv 60
srv_rc=$?
say "--- sctpalgctl associations (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
for c in in-a in-b wan1 wan2; do
	capture_stop "$c"
done
stop_bg box

say "--- client / server ---"
grep -E '^(PEERS|RESULT|FROM)' "$(out_of cli)"
grep -E '^(PEERS|RESULT|FROM)' "$(out_of srv)"
sctp_src_fixup_show "$NS_CLI"
for c in in-a in-b wan1 wan2; do
	say "$c: $(pcap_sctp_count "$c") SCTP packets"
	pcap_sctp_flows "$c" | sed 's/^/    /'
done

# Packets toward the server on a link (optionally only after the break).
to_server() {
	_tshark -r "$(pcap_of "$1")" \
		-Y "sctp && ip.dst == $2 && frame.time_epoch >= ${3:-0}" \
		-T fields -e frame.number | wc -l
}
private_outside() {
	for l in wan1 wan2; do
		_tshark -r "$(pcap_of $l)" -T fields -e ip.src -e ip.dst \
			-e sctp.parameter_ipv4_address
	done | grep -cE "$CLI_NET\.|$INSIDE2_NET\."
}
init_ack=$( { pcap_init_addrs wan1; pcap_init_addrs wan2; } |
	grep '^INIT_ACK' | head -n 1)
say "INIT ACK as it left the box: $init_ack"
cli_peers=$(grep -E '^PEERS' "$(out_of cli)" | tail -n 1)
in_a=$(to_server in-a "$CLI_ADDR1")
in_b=$(to_server in-b "$CLI2_ADDR")
in_b_after=$(to_server in-b "$CLI2_ADDR" "$break_at")
# Link B carried inbound packets (the client's heartbeats to
# 203.0.113.1) before anything failed.
in_b_before=$(_tshark -r "$(pcap_of in-b)" \
	-Y "sctp && ip.dst == $CLI2_ADDR && frame.time_epoch < $break_at" \
	-T fields -e frame.number | wc -l)

check "the INIT ACK outside lists $BOX_WAN1 and $BOX_WAN2" \
	bash -c "[[ '$init_ack' == *'$BOX_WAN1'* && '$init_ack' == *'$BOX_WAN2'* ]]"
check "no inside address on either uplink" [ "$(private_outside)" = 0 ]
check "the client never learned an inside address" \
	bash -c "[[ '$cli_peers' != *192.168.* ]]"
check "inside link A carried packets to $CLI_ADDR1 ($in_a)" [ "$in_a" -gt 0 ]
check "inside link B carried packets to $CLI2_ADDR ($in_b)" [ "$in_b" -gt 0 ]
check "while link A worked, link B already carried packets to $CLI2_ADDR ($in_b_before)" \
	[ "$in_b_before" -gt 0 ]
check "after link A broke, link B carried the inbound path ($in_b_after)" \
	[ "$in_b_after" -gt 0 ]
check "client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
check "server lost none: $(result_field srv lost)" \
	[ "$(result_field srv lost)" = 0 ]
check "CRC32c valid everywhere (bad: $(for c in in-a in-b wan1 wan2; do pcap_crc_bad $c; done | tr '\n' ' '))" \
	[ "$(for c in in-a in-b wan1 wan2; do pcap_crc_bad $c; done | sort -u)" = 0 ]
say "failover gap at the client: max_gap_ms=$(result_field cli max_gap_ms)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "multihomed server behind [forward] survives an inside link failure"
