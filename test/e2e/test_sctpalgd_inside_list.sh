#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_inside_list.sh - an inside client that lists two private
# addresses in its INIT; the box rewrites the list (RFC 9260 3.3.2;
# README, How a packet goes through).
#
#   client ns  lan0: 192.168.1.10 + 192.168.1.11, both bound explicitly
#        |
#   box ns     sctpalgd: uplink isp1 = wan1 10.200.0.1 (a carrier-grade,
#     |wan1              private "public" side), isp2 = wan2 203.0.113.1
#   server ns  10.200.0.100 on wan1
#
# How usrsctp decides what its INIT lists (sctp_add_addresses_to_i_ia,
# sctp_is_address_in_scope in usrsctp's sctp_output.c / sctp_pcb.c): the
# FIRST address given to connect sets the scope.  A private destination
# (RFC 1918) turns on "private scope" and the bound private addresses are
# listed; a public destination leaves them out (and with fewer than two
# addresses left, no address parameter is sent at all).  Explicit bindx
# does not change that.  So the client connects to a private server
# address: its INIT lists 192.168.1.10 and .11, which the box must replace
# by its own addresses before the INIT leaves.
# What must hold: the INIT on the wire lists only the box's addresses (and
# carries no 192.168.1.x anywhere), the association comes up and every
# message is acknowledged.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=50
INTERVAL=20
CGN_BOX=10.200.0.1
CGN_SRV=10.200.0.100

require_env
topo_create
ip -n "$NS_BOX" addr add "$CGN_BOX/24" dev wan1
ip -n "$NS_SRV" addr add "$CGN_SRV/24" dev wan1

cat > "$WORK/box.conf" <<CONF
[daemon]
control-socket = $WORK/ctl.sock
pidfile = $WORK/sctpalgd.pid

[inside]
interface = lan0
network = $CLI_NET.0/24 uplink isp1

[uplink isp1]
interface = wan1
address = $CGN_BOX

[uplink isp2]
interface = wan2
address = $BOX_WAN2
CONF

start_sctpalgd "$WORK/box.conf"
capture_start lan "$NS_CLI" lan0
capture_start wan1 "$NS_SRV" wan1
start_server srv "$CGN_SRV" --count "$COUNT" --timeout 30
start_client cli "$CLI_ADDR1,$CLI_ADDR2" "$CGN_SRV" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 30
wait_bg cli 40
cli_rc=$?
wait_bg srv 20
srv_rc=$?
capture_stop lan
capture_stop wan1
stop_bg box

inside_init=$(pcap_init_addrs lan | grep '^INIT ' | head -n 1)
outside_init=$(pcap_init_addrs wan1 | grep '^INIT ' | head -n 1)
say "INIT as the client sent it: $inside_init"
say "INIT as it left the box:    $outside_init"

check "the client's INIT lists both private addresses" \
	bash -c "[[ '$inside_init' == *'$CLI_ADDR1'* && '$inside_init' == *'$CLI_ADDR2'* ]]"
check "the INIT leaving the box lists $CGN_BOX" \
	bash -c "[[ '${outside_init##*addrs=}' == *'$CGN_BOX'* ]]"
check "and no private inside address" \
	bash -c "[[ '$outside_init' != *192.168.* ]]"
check "client: every message acknowledged (exit 0)" [ "$cli_rc" = 0 ]
check "server: every message received (exit 0)" [ "$srv_rc" = 0 ]
check "CRC32c valid on the outside ($(pcap_crc_bad wan1) bad)" \
	[ "$(pcap_crc_bad wan1)" = 0 ]
say "mode: $(grep -oE 'AF_XDP [a-z]+ mode' "$(out_of box)" | sort -u | tr '\n' ' ')"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "inside address list rewritten"
