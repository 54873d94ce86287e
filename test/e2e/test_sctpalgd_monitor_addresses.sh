#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_monitor_addresses.sh - "sctpalgctl monitor" shows a peer
# adding and then deleting an address of a live association (ASCONF Add
# IP / Delete IP, RFC 5061) from a real stack, and the box applies them.
#
#   client ns  lan0: 192.168.1.10 (single-homed, private)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1
#        |wan1
#   server ns  wan1: 198.51.100.100, and 198.51.100.101 configured but
#              not bound: the server binds it to the live association
#              after ADD_AT messages (sctp_peer --add-addr, an
#              authenticated ASCONF Add IP) and unbinds it on SIGUSR2
#              (Delete IP), which the test sends once it has seen the
#              address added
#
# The box takes an ASCONF's address change only on the successful
# ASCONF-ACK that answers it (README, "Address changes").  Before the
# delete, the server namespace stops taking packets for 198.51.100.101
# (lib.sh sctp_deaf_to: usrsctp would answer the client's heartbeat or
# retransmission to it with an ABORT while the Delete IP is in flight).
# What must hold:
#   - the -j monitor shows an addresses event of the association whose
#     peer list gains 198.51.100.101 (198.51.100.100 stays), then one
#     whose peer list has lost it again; the text monitor has both
#     sentences;
#   - sctpalgctl associations lists the added peer address while it is
#     there, and not after the delete;
#   - the client confirms the new peer address (its heartbeat through
#     the box answered, RFC 9260 5.4);
#   - every message arrives and is acknowledged (no loss); the server's
#     stack took both bindx calls.
# Not here: an inside host adding an IPv4 address.  usrsctp leaves a
# private address out of the association of a public peer (scope,
# sctp_peer.c), and names a routable one explicitly under AUTH, which the
# box must drop (asconf-authenticated-private-address,
# test_kernel_asconf.sh); the wildcard form natsupp asks for it sends only
# after a Missing State error.  An inside host adding an IPv6 address
# (untranslated) is test_sctpalgd_monitor_addresses_inside6.sh.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=100000	# an upper bound: SIGUSR1 ends the client
INTERVAL=20
ADD_AT=60
SRV_ADDR3=198.51.100.101
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create
# Before the server starts: usrsctp learns interface addresses at init.
ip -n "$NS_SRV" addr add "$SRV_ADDR3/24" dev wan1 ||
	fail "cannot add $SRV_ADDR3 in the server namespace"

{
	box_conf 1
	printf '\n[daemon]\nlog-level = info\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r ".datapath.$1"; }
monitors_live_is() { test "$(stat_of monitors_live)" = "$1"; }
# The peer addresses of the last addresses event, sorted, comma-joined.
last_event_peers() {
	jq -r 'select(.event == "addresses") | .peer | sort | join(",")' \
		"$(out_of monjson)" 2>/dev/null | tail -n 1
}
event_peers_are() { test "$(last_event_peers)" = "$1"; }
assoc_peers() {
	ctl -j associations |
		jq -r '.associations[0].paths | map(.peer) | sort | join(",")'
}
bindx_ok() { ! grep -q 'EVENT bindx_.*_failed' "$(out_of srv)"; }

run_bg montext "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" monitor
run_bg monjson "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" -j monitor
wait_for 30 "two monitors subscribed" monitors_live_is 2

start_server srv "$SRV_ADDR1" --timeout 150 \
	--add-addr "$SRV_ADDR3" --add-at "$ADD_AT"
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 150
wait_for 30 "monitor saw the association up" grep_out montext 'association up'
up_peers=$(jq -r 'select(.event == "up") | .peer | sort | join(",")' \
	"$(out_of monjson)" | head -n 1)
up_id=$(jq -r 'select(.event == "up") | "\(.id):\(.public_port)"' \
	"$(out_of monjson)" | head -n 1)

wait_for 60 "the server bound $SRV_ADDR3 to the association" \
	grep_out srv 'EVENT bindx_add '
wait_for 30 "an addresses event with $SRV_ADDR3 among the peers" \
	event_peers_are "$SRV_ADDR1,$SRV_ADDR3"
added_event=$(jq -c 'select(.event == "addresses")' "$(out_of monjson)" |
	tail -n 1)
peers_added=$(assoc_peers)

# The client heartbeats the new address (RFC 9260 5.4): its answer
# through the box confirms it.
wait_for 30 "the client confirmed $SRV_ADDR3" grep_out cli \
	"peer_addr_change addr=$SRV_ADDR3 state=ADDR_CONFIRMED"
sctp_deaf_to "$NS_SRV" "$SRV_ADDR3"
kill -USR2 "${BG_PID[srv]}"
wait_for 30 "the server unbound $SRV_ADDR3" grep_out srv 'EVENT bindx_remove '
wait_for 30 "an addresses event without $SRV_ADDR3" \
	event_peers_are "$SRV_ADDR1"
removed_event=$(jq -c 'select(.event == "addresses")' "$(out_of monjson)" |
	tail -n 1)
peers_removed=$(assoc_peers)

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
say "--- server ---"
grep -E 'EVENT|LOCAL|PEERS|RESULT' "$(out_of srv)" | sed 's/^/srv: /'
say "--- client ---"
grep -E 'EVENT|LOCAL|PEERS|RESULT' "$(out_of cli)" | sed 's/^/cli: /'
say "--- dropped for $SRV_ADDR3 after the delete began (sctp_deaf_to) ---"
sctp_deaf_to_show "$NS_SRV"

stop_bg montext
stop_bg monjson

ev_ids=$(jq -r 'select(.event == "addresses") | "\(.id):\(.public_port)"' \
	"$(out_of monjson)" | sort -u | tr '\n' ' ')
added_were=$(jq -r '"\(.peers_were) -> \(.peer | length)"' <<<"$added_event")
removed_were=$(jq -r '"\(.peers_were) -> \(.peer | length)"' \
	<<<"$removed_event")
text_lines=$(grep -c 'association addresses changed (peer' \
	"$(out_of montext)")
text_added=$(grep -c "association addresses changed (peer 1 -> 2.*$SRV_ADDR3" \
	"$(out_of montext)")
text_removed=$(grep -c 'association addresses changed (peer 2 -> 1' \
	"$(out_of montext)")
cli_lost=$(result_field cli lost)
srv_lost=$(result_field srv lost)
srv_unique=$(result_field srv unique)
cli_sent=$(result_field cli sent)

check "up: the association began with peer $SRV_ADDR1 alone ($up_peers)" \
	[ "$up_peers" = "$SRV_ADDR1" ]
check "addresses events name the association ($ev_ids, up $up_id)" \
	[ "$ev_ids" = "$up_id " ]
check "added: peer list $SRV_ADDR1,$SRV_ADDR3, peers $added_were" \
	[ "$added_were" = "1 -> 2" ]
check "associations listed $SRV_ADDR3 after the add ($peers_added)" \
	[ "$peers_added" = "$SRV_ADDR1,$SRV_ADDR3" ]
check "removed: peer list $SRV_ADDR1 again, peers $removed_were" \
	[ "$removed_were" = "2 -> 1" ]
check "associations no longer list $SRV_ADDR3 ($peers_removed)" \
	[ "$peers_removed" = "$SRV_ADDR1" ]
check "text stream: both changes ($text_lines line(s), add $text_added, delete $text_removed)" \
	[ "$text_added" -ge 1 -a "$text_removed" -ge 1 ]
check "the server's stack took both bindx calls" bindx_ok
check "client: all $cli_sent messages acknowledged (lost=$cli_lost)" \
	[ "$cli_rc" = 0 -a "$cli_lost" = 0 -a "$cli_sent" -gt "$ADD_AT" ]
check "server: all $cli_sent arrived once ($srv_unique, lost=$srv_lost)" \
	[ "$srv_rc" = 0 -a "$srv_lost" = 0 -a "$srv_unique" = "$cli_sent" ]
check "no monitor event lost ($lost)" [ "$lost" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgctl monitor: a peer's ASCONF address add and delete"
