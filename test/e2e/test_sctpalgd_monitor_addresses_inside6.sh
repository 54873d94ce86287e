#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_monitor_addresses_inside6.sh - "sctpalgctl monitor" shows
# an INSIDE host adding and then deleting an address of its live
# association (ASCONF Add IP / Delete IP, RFC 5061), from a real stack.
#
#   client ns  lan0: 2001:db8:aa::10, and 2001:db8:aa::11 configured but
#        |     not bound: the client binds it to the live association
#        |     after ADD_AT acknowledgements (sctp_peer --add-addr, an
#        |     authenticated ASCONF Add IP naming it) and unbinds it on
#        |     SIGUSR2 (Delete IP), once the test has seen it added
#   box ns     sctpalgd: lan0 inside (2001:db8:aa::/64), wan1 = isp1
#        |wan1
#   server ns  wan1: 2001:db8:1::100, routes 2001:db8:aa::/64 via the box
#
# Why IPv6: IPv6 paths keep their addresses (no NAT66, README), so the
# address an authenticated ASCONF names explicitly needs no rewriting and
# the box may pass it; an IPv4 inside address would need its public
# mapping inside bytes the AUTH HMAC covers, and the box drops that
# (asconf-authenticated-private-address, test_kernel_asconf.sh).  The
# peer's side of the same event is test_sctpalgd_monitor_addresses.sh.
# The box takes the change only on the successful ASCONF-ACK (README,
# "Address changes").
#
# usrsctp picks one source address for all its packets (sctp_peer.c); an
# ip6 fix-up in the client namespace (the IPv6 twin of lib.sh
# sctp_src_fixup) makes every SCTP packet leave from 2001:db8:aa::10, the
# address the association began with, so only the ASCONF adds ::11.
# Before the delete, the client namespace stops taking packets for ::11
# (lib.sh sctp_deaf_to: usrsctp would answer the server's heartbeat or
# retransmission to it with an ABORT while the Delete IP is in flight).
#
# What must hold:
#   - the -j monitor shows an addresses event whose inside and public
#     lists gain 2001:db8:aa::11 (public = inside: no NAT66), then one
#     where both have lost it; the text monitor has both sentences;
#   - sctpalgctl associations lists it among the locals while it is
#     there, and not after the delete;
#   - every message arrives and is acknowledged (no loss), the client's
#     stack took both bindx calls and the server learned the address.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=100000	# an upper bound: SIGUSR1 ends the client
INTERVAL=20
ADD_AT=60
CLI6=2001:db8:aa::10
CLI6_NEW=2001:db8:aa::11
BOX_LAN6=2001:db8:aa::1
BOX_WAN1_6=2001:db8:1::1
SRV1_6=2001:db8:1::100
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create
topo_enable_ipv6
# Both before the client starts: usrsctp learns interface addresses at
# init.
ip -n "$NS_CLI" addr add "$CLI6/64" dev lan0 nodad
ip -n "$NS_CLI" addr add "$CLI6_NEW/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_LAN6/64" dev lan0 nodad
ip -n "$NS_BOX" addr add "$BOX_WAN1_6/64" dev wan1 nodad
ip -n "$NS_SRV" addr add "$SRV1_6/64" dev wan1 nodad
topo_wait_ipv6
ip -n "$NS_CLI" -6 route add default via "$BOX_LAN6" dev lan0
ip -n "$NS_SRV" -6 route add 2001:db8:aa::/64 via "$BOX_WAN1_6" dev wan1
n_cli nft -f - <<NFT || fail "nft: ip6 source fix-up in $NS_CLI"
table ip6 sctp_src_fixup {
	chain postrouting {
		type filter hook postrouting priority 100; policy accept;
		meta l4proto sctp ip6 saddr != $CLI6 ip6 saddr set $CLI6 counter
	}
}
NFT

{
	box_conf 1
	printf '\n[inside]\nnetwork = 2001:db8:aa::/64 uplink isp1\n'
	printf '\n[daemon]\nlog-level = info\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r ".datapath.$1"; }
monitors_live_is() { test "$(stat_of monitors_live)" = "$1"; }
# "inside|public" of the last addresses event, each list sorted.
last_event_locals() {
	jq -r 'select(.event == "addresses") |
		"\(.inside | sort | join(","))|\(.public | sort | join(","))"' \
		"$(out_of monjson)" 2>/dev/null | tail -n 1
}
event_locals_are() { test "$(last_event_locals)" = "$1"; }
assoc_inside() {
	ctl -j associations |
		jq -r '.associations[0].locals | map(.inside) | sort | join(",")'
}
bindx_ok() { ! grep -q 'EVENT bindx_.*_failed' "$(out_of cli)"; }

run_bg montext "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" monitor
run_bg monjson "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" -j monitor
wait_for 30 "two monitors subscribed" monitors_live_is 2

start_server srv "$SRV1_6" --timeout 150
start_client cli "$CLI6" "$SRV1_6" --count "$COUNT" --interval "$INTERVAL" \
	--timeout 150 --add-addr "$CLI6_NEW" --add-at "$ADD_AT"
wait_for 30 "monitor saw the association up" grep_out montext 'association up'
up_inside=$(jq -r 'select(.event == "up") | .inside | sort | join(",")' \
	"$(out_of monjson)" | head -n 1)
up_id=$(jq -r 'select(.event == "up") | "\(.id):\(.public_port)"' \
	"$(out_of monjson)" | head -n 1)

wait_for 60 "the client bound $CLI6_NEW to the association" \
	grep_out cli 'EVENT bindx_add '
wait_for 30 "an addresses event with $CLI6_NEW inside and public" \
	event_locals_are "$CLI6,$CLI6_NEW|$CLI6,$CLI6_NEW"
added_event=$(jq -c 'select(.event == "addresses")' "$(out_of monjson)" |
	tail -n 1)
inside_added=$(assoc_inside)

sctp_deaf_to "$NS_CLI" "$CLI6_NEW"
kill -USR2 "${BG_PID[cli]}"
wait_for 30 "the client unbound $CLI6_NEW" grep_out cli 'EVENT bindx_remove '
wait_for 30 "an addresses event without $CLI6_NEW" \
	event_locals_are "$CLI6|$CLI6"
removed_event=$(jq -c 'select(.event == "addresses")' "$(out_of monjson)" |
	tail -n 1)
inside_removed=$(assoc_inside)

# The client sends no more, and exits once all it sent is acknowledged.
kill -USR1 "${BG_PID[cli]}"
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?
wait_for 20 "monitor saw the association down" grep_out monjson '"event":"down"'
lost=$(stat_of monitor_events_lost)

say "--- sctpalgctl monitor ---"
sed 's/^/monitor: /' "$(out_of montext)"
say "--- sctpalgctl -j monitor ---"
sed 's/^/monitor -j: /' "$(out_of monjson)"
say "--- client ---"
grep -E 'EVENT|LOCAL|PEERS|RESULT' "$(out_of cli)" | sed 's/^/cli: /'
say "--- server ---"
grep -E 'EVENT|LOCAL|PEERS|RESULT' "$(out_of srv)" | sed 's/^/srv: /'
say "--- client source fix-up ---"
n_cli nft list table ip6 sctp_src_fixup | grep counter
say "--- dropped for $CLI6_NEW after the delete began (sctp_deaf_to) ---"
sctp_deaf_to_show "$NS_CLI"

stop_bg montext
stop_bg monjson

ev_ids=$(jq -r 'select(.event == "addresses") | "\(.id):\(.public_port)"' \
	"$(out_of monjson)" | sort -u | tr '\n' ' ')
added_were=$(jq -r '"\(.inside_were) -> \(.inside | length), peer \(.peer | join(","))"' \
	<<<"$added_event")
removed_were=$(jq -r '"\(.inside_were) -> \(.inside | length), peer \(.peer | join(","))"' \
	<<<"$removed_event")
text_added=$(grep -c "association addresses changed (peer 1 -> 1, inside 1 -> 2).*$CLI6_NEW" \
	"$(out_of montext)")
text_removed=$(grep -c 'association addresses changed (peer 1 -> 1, inside 2 -> 1' \
	"$(out_of montext)")
cli_lost=$(result_field cli lost)
srv_lost=$(result_field srv lost)
srv_unique=$(result_field srv unique)
cli_sent=$(result_field cli sent)

check "up: the association began with inside $CLI6 alone ($up_inside)" \
	[ "$up_inside" = "$CLI6" ]
check "addresses events name the association ($ev_ids, up $up_id)" \
	[ "$ev_ids" = "$up_id " ]
check "added: inside $added_were" \
	[ "$added_were" = "1 -> 2, peer $SRV1_6" ]
check "associations listed $CLI6_NEW after the add ($inside_added)" \
	[ "$inside_added" = "$CLI6,$CLI6_NEW" ]
check "removed: inside $removed_were" \
	[ "$removed_were" = "2 -> 1, peer $SRV1_6" ]
check "associations no longer list $CLI6_NEW ($inside_removed)" \
	[ "$inside_removed" = "$CLI6" ]
check "text stream: both changes (add $text_added, delete $text_removed)" \
	[ "$text_added" -ge 1 -a "$text_removed" -ge 1 ]
check "the client's stack took both bindx calls" bindx_ok
check "server: learned $CLI6_NEW by ASCONF" \
	grep_out srv "peer_addr_change addr=$CLI6_NEW state=ADDR_ADDED"
check "client: all $cli_sent messages acknowledged (lost=$cli_lost)" \
	[ "$cli_rc" = 0 -a "$cli_lost" = 0 -a "$cli_sent" -gt "$ADD_AT" ]
check "server: all $cli_sent arrived once ($srv_unique, lost=$srv_lost)" \
	[ "$srv_rc" = 0 -a "$srv_lost" = 0 -a "$srv_unique" = "$cli_sent" ]
check "no monitor event lost ($lost)" [ "$lost" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgctl monitor: an inside host's ASCONF address add and delete (IPv6)"
