#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_forgery.sh - forged SCTP packets at a live multihomed
# association through sctpalgd: none may cost the association a message,
# change its mapping, or reach the inside host.
#
#   client ns  lan0: 192.168.1.10                 (capture: inside)
#        |
#   box ns     sctpalgd, multihome = uplinks
#     |wan1        |wan2
#   server ns  br1 (wan1 + att1, a hub): 198.51.100.100; wan2 203.0.113.100
#     |att1
#   attacker ns att0: 198.51.100.66 on the outside link of uplink 1
#
# The attacker sits on the link between the box's wan1 and the server, as
# a host of the same ISP segment would (the bridge floods, so it sees the
# traffic like an on-path observer).  It learns from what it sees the
# public port, the peer port and the live tags, then, while the client
# sends sequence-numbered messages:
#   - off path, guessing the tag: INIT, INIT listing a new address,
#     INIT ACK, COOKIE ECHO, ABORT (with and without the T bit), SHUTDOWN,
#     SHUTDOWN COMPLETE (T), ASCONF Add IP (with and without AUTH), ASCONF
#     Set Primary and DATA, spoofing the server's address;
#   - with the live tags but from its own address and from 192.0.2.66
#     (outside the association): the same kinds.
# What must hold:
#   - every message acknowledged, none lost (client and server exit 0);
#   - the association's tags, ports and state in sctpalgctl are the same
#     after the attacks as before;
#   - on the inside link no forged packet reaches the client (each forged
#     packet carries the bytes "FORG"; forged chunk types legitimate
#     traffic never sends inbound are counted too).  An INIT from the
#     server's own address with tag 0 is told apart: the box may pass it,
#     since a real restart looks the same (RFC 9260 5.2.2), and so is an
#     AUTH chunk with the ASCONF it covers adding its own source, with the
#     live tag (RFC 5061 4.2.1: only the inside host can check the HMAC);
#     both are printed, not judged.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=${COUNT:-1500}
INTERVAL=20
ROUNDS=3
FORGE=$REPO_ROOT/build/test/e2e/sctp_forge
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
NS_ATT="sa-att-$$"
ATT_ADDR=198.51.100.66
FOREIGN=192.0.2.66

att_cleanup() {
	local pid

	pid=$(ip netns pids "$NS_ATT" 2>/dev/null)
	[ -z "$pid" ] || kill -KILL $pid 2>/dev/null
	ip netns del "$NS_ATT" 2>/dev/null
}
trap 'cleanup; att_cleanup' EXIT

require_env
[ -x "$FORGE" ] || skip "build/test/e2e/sctp_forge not built (make tools)"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
command -v jq >/dev/null || skip "'jq' not installed (apt-get install jq)"
topo_create

# The attacker on uplink 1's outside link: the server's wan1 moves into
# a bridge with the attacker's port, so its packets reach the box like
# any host's of that segment; a tc mirror copies what crosses wan1 to the
# attacker, so it sees the traffic like an on-path observer.
_ns_base "$NS_ATT"
n_srv ip addr del "$SRV_ADDR1/24" dev wan1
n_srv ip link add br1 type bridge
n_srv ip link set wan1 master br1
n_srv ip link add att1 type veth peer name att0 netns "$NS_ATT"
n_srv ip link set att1 master br1
n_srv ip link set att1 up
n_srv ip link set br1 up
n_srv ip addr add "$SRV_ADDR1/24" dev br1
ip -n "$NS_ATT" addr add "$ATT_ADDR/24" dev att0
n_srv tc qdisc add dev wan1 clsact || fail "tc clsact on the server's wan1"
for dir in ingress egress; do
	n_srv tc filter add dev wan1 "$dir" protocol all u32 match u32 0 0 \
		action mirred egress mirror dev att1 ||
		skip "tc mirred not available (the attacker could not watch)"
done
ip -n "$NS_ATT" link set att0 up
att_ready() {
	ip -n "$NS_ATT" -o link show att0 | grep -q 'state UP' &&
		n_srv ip -o link show br1 | grep -q 'state UP'
}
wait_for 10 "attacker's link up" att_ready

sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"br1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'
# The fix-up is for the server's own packets: with br_netfilter, packets
# the bridge merely passes on (the attacker's) go through the same hook,
# and rewriting their source would turn every forgery into the server's.
n_srv sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null
for i in br1 att1 wan1; do
	n_srv nft insert rule ip sctp_src_fixup postrouting \
		iifname "\"$i\"" accept || fail "nft: leave bridged packets alone"
done

{
	box_conf 2
	printf '\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_start inside "$NS_CLI" lan0
capture_start spy "$NS_ATT" att0
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 90
start_client cli "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" \
	--count "$COUNT" --interval "$INTERVAL" --timeout 90
wait_for 30 "client acknowledged 20 messages" progress_at_least cli acked 20

# What the attacker learns on the wire: box -> server carries the public
# port and the server's tag; server -> box the client's tag.
spy() { # FILTER: "srcport dstport vtag" of the last matching packet
	_tshark -r "$(pcap_of spy)" -Y "sctp && $1" -T fields \
		-e sctp.srcport -e sctp.dstport -e sctp.verification_tag |
		tail -n 1
}
seen() { [ -n "$(spy "$1")" ]; }
wait_for 30 "the attacker sees the box's packets" seen "ip.src == $BOX_WAN1"
wait_for 30 "the attacker sees the server's packets" seen "ip.dst == $BOX_WAN1"
read -r PUB_PORT PEER_PORT TAG_PEER < <(spy "ip.src == $BOX_WAN1")
read -r _ _ TAG_INSIDE < <(spy "ip.dst == $BOX_WAN1")
[ -n "${PUB_PORT:-}" ] && [ -n "${TAG_INSIDE:-}" ] ||
	fail "the attacker saw no SCTP traffic on the link"
say "attacker learned: public port $PUB_PORT, peer port $PEER_PORT," \
	"client's tag $TAG_INSIDE, server's tag $TAG_PEER"

mapping() { # the association's tags, ports and state, as sctpalgctl sees
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j associations |
		jq -c '[.. | objects | select(has("tag_inside")) |
			{state, public_port, peer_port, tag_inside, tag_peer}]'
}
before=$(mapping)
say "mapping before: $before"

KINDS="init init-new-addr init-ack cookie-echo abort abort-t shutdown
	shutdown-complete-t asconf-add auth-asconf-add asconf-set-primary
	data heartbeat"
forge() { # SRC VTAG KIND
	ip netns exec "$NS_ATT" "$FORGE" --src "$1" --dst "$BOX_WAN1" \
		--sport "$PEER_PORT" --dport "$PUB_PORT" --vtag "$2" \
		--kind "$3" --addr "$FOREIGN" --count 5 --interval-ms 2 \
		>> "$WORK/forge.out" 2>&1 || fail "sctp_forge $3 failed"
}
sent=0
for round in $(seq "$ROUNDS"); do
	for k in $KINDS; do
		# Off path: the server's address, a guessed tag.
		forge "$SRV_ADDR1" 0x464f5247 "$k"
		# The live tags (the peer's own for T-bit packets), from
		# addresses outside the association.
		t=$TAG_INSIDE
		case $k in abort-t|shutdown-complete-t) t=$TAG_PEER;; esac
		forge "$ATT_ADDR" "$t" "$k"
		forge "$FOREIGN" "$t" "$k"
		sent=$((sent + 15))
	done
	say "attack round $round: $sent forged packets so far"
	wait_for 30 "client makes progress after round $round" \
		progress_at_least cli acked $((20 + round * 10))
done
after=$(mapping)
say "mapping after:  $after"

wait_bg cli 120
cli_rc=$?
wait_bg srv 30
srv_rc=$?
capture_stop inside
grep -E '^RESULT' "$(out_of cli)" "$(out_of srv)"

# Forged packets on the inside link, by source and chunk type.
forged_inside() { # EXTRA display filter
	_tshark -r "$(pcap_of inside)" -Y "ip.dst == $CLI_ADDR1 &&
		(frame contains \"FORG\" || sctp.chunk_type == 1 ||
		 sctp.chunk_type == 6 || sctp.chunk_type == 10 ||
		 sctp.chunk_type == 14 || sctp.chunk_type == 193) && ($1)" \
		-T fields -e ip.src -e sctp.verification_tag -e sctp.chunk_type
}
forged_inside frame | sort | uniq -c | sed 's/^/inside: /'
n_restart_like=$(forged_inside "sctp.chunk_type == 1 &&
	sctp.verification_tag == 0" | wc -l)
# RFC 5061 4.2.1 / natsupp: an AUTH chunk and the ASCONF it covers,
# adding its own source, is how a peer adds an address; only the inside
# host can check the HMAC, so the box may pass it with the live tag.
n_auth_asconf=$(forged_inside "sctp.chunk_type == 15" | wc -l)
n_bad=$(forged_inside "!(sctp.chunk_type == 1 &&
	sctp.verification_tag == 0) && !(sctp.chunk_type == 15)" | wc -l)
say "forged INITs with tag 0 that reached the client (a restart looks" \
	"the same): $n_restart_like"
say "forged AUTH + ASCONF (own source) that reached the client (only the" \
	"host can check the HMAC): $n_auth_asconf"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | grep -iE 'drop|mismatch|unknown|blue' |
	sed 's/^/box: /' | head -n 30

check "client: all $COUNT messages acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: all $COUNT messages received in sequence (exit $srv_rc)" \
	[ "$srv_rc" = 0 ]
check "no message lost ($(result_field cli lost) at the client, $(result_field srv lost) at the server)" \
	[ "$(result_field cli lost)" = 0 -a "$(result_field srv lost)" = 0 ]
check "the mapping did not change under $sent forged packets" \
	[ "$before" = "$after" -a -n "$before" ]
check "no forged packet reached the inside ($n_bad did)" [ "$n_bad" = 0 ]
check "CRC32c valid on every packet inside ($(pcap_crc_bad inside) bad)" \
	[ "$(pcap_crc_bad inside)" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "forged packets at a live multihomed association through sctpalgd"
