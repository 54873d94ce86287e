#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_hostile.sh - malformed and odd traffic thrown at sctpalgd
# while a multihomed association carries sequence-numbered messages
# through it.  sctp_inject.py builds the frames (every kind is listed by
# `sctp_inject.py --list`): malformed chunks and parameters of every kind,
# chunks bundled after an INIT, unknown chunk types with each of the four
# upper-bit actions, INITs with hundreds (and, at a jumbo MTU, a thousand)
# address parameters, IP fragments overlapping, out of order and never
# completing, ICMP and ICMPv6 errors quoting forged SCTP headers, and
# frames over the largest the box takes.  Some kinds are aimed at the
# live association itself (its ports and verification tag, read from
# sctpalgctl), from the inside and from the outside.
#
#   client ns  lan0 (MTU 12000: oversized and multi-buffer frames)
#   box ns     sctpalgd: lan0 inside, wan1 isp1, wan2 isp2, multihome
#   server ns  wan1 + wan2 (MTU 1500)
#
# What must hold:
#   - the association stays intact: every message sent before, during
#     and after the assault is acknowledged (client exit 0) and the
#     server saw each exactly once, undamaged;
#   - the daemon is alive throughout and exits 0 on SIGTERM;
#   - its resident memory stays bounded (VmRSS grows by less than
#     RSS_GROWTH_KB);
#   - an INIT listing hundreds of addresses (every address of the
#     client's /24, then unmappable ones) leaves the box with its own
#     public addresses only, at most max-addresses of them: the list is
#     bounded and nothing private or unmappable leaks;
#   - the drops are counted by the reasons each kind must produce
#     (sctpalgctl stats -j), at least once per packet sent of that kind
#     where the kind maps to one reason.
# HOSTILE_ROUNDS (default 2) repeats the whole list; test/e2e/soak.sh
# runs it long.  SCTPALG_BACKEND=xdp|packet and SCTPALG_XDP_MODE=auto|
# native|generic pick the daemon's ports (default xdp, auto).
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${HOSTILE_ROUNDS:-2}
PACE_US=${HOSTILE_PACE_US:-200}
TIMEOUT=${HOSTILE_TIMEOUT:-600}
RSS_GROWTH_KB=${HOSTILE_RSS_GROWTH_KB:-32768}
INJECT=$E2E_DIR/sctp_inject.py
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
LAN_MTU=12000
BACKEND=${SCTPALG_BACKEND:-xdp}
XDP_MODE=${SCTPALG_XDP_MODE:-auto}

require_env
command -v python3 >/dev/null || skip "python3 not installed (apt-get install python3)"
command -v jq >/dev/null || skip "jq not installed (apt-get install jq)"
topo_create
ip -n "$NS_CLI" link set dev lan0 mtu $LAN_MTU || fail "MTU on client lan0"
ip -n "$NS_BOX" link set dev lan0 mtu $LAN_MTU || fail "MTU on box lan0"
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'

{
	box_conf 2
	printf '\n[daemon]\nlog-level = info\nbackend = %s\nxdp-mode = %s\n' \
		"$BACKEND" "$XDP_MODE"
	printf '\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
[ "$BACKEND" = packet ] && box_nft_drop_sctp
start_sctpalgd "$WORK/box.conf"
box_pid=${BG_PID[box]}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$box_pid/status"; }
ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }

capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --timeout "$TIMEOUT"
start_client cli "$CLI_ADDR1" "$SRV_ADDR1,$SRV_ADDR2" \
	--count 1000000 --interval 20 --timeout "$TIMEOUT"
wait_for 30 "client acknowledged 20 messages" progress_at_least cli acked 20
rss_before=$(rss)

# The live association, as the box sees it.
ctl -j associations > "$WORK/assocs.json"
jq -e '.associations | length == 1' "$WORK/assocs.json" >/dev/null ||
	fail "expected one association: $(cat "$WORK/assocs.json")"
a() { jq -r ".associations[0].$1" "$WORK/assocs.json"; }
inside_port=$(a inside_port)
public_port=$(a public_port)
peer_port=$(a peer_port)
tag_inside=$(a tag_inside)
tag_peer=$(a tag_peer)
say "association: inside port $inside_port, public port $public_port," \
	"peer port $peer_port, tags $tag_inside / $tag_peer"

mac_of() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }

# From the inside: everything, packets toward the server as the client.
run_bg inj-out "$NS_CLI" python3 "$INJECT" --ifname lan0 \
	--dst-mac "$(mac_of "$NS_BOX" lan0)" --src "$CLI_ADDR1" \
	--dst "$SRV_ADDR1" --assoc "$inside_port:$peer_port:$tag_peer" \
	--rounds "$ROUNDS" --pace-us "$PACE_US"
# From the outside (wan1, MTU 1500: the kinds that fit), toward the box's
# public address as the server.
INBOUND_KINDS=sctp-truncated,no-chunks,port-zero,first-chunk-zero-length
INBOUND_KINDS+=,first-chunk-too-short,first-chunk-truncated,init-bundled
INBOUND_KINDS+=,init-nonzero-vtag,init-zero-itag,init-param-zero-length
INBOUND_KINDS+=,init-param-overrun,init-bad-padding,init-bad-crc
INBOUND_KINDS+=,unknown-chunks-ootb,assoc-zero-length,assoc-too-short
INBOUND_KINDS+=,assoc-truncated,assoc-bad-padding,assoc-chunk-after-init
INBOUND_KINDS+=,assoc-too-many-chunks,assoc-unknown-chunks,ip-truncated
INBOUND_KINDS+=,ip-bad-ihl,frag-overlap,frag-out-of-order
INBOUND_KINDS+=,frag-never-complete,icmp-forged,icmp-truncated-quote
INBOUND_KINDS+=,icmp-forged-assoc-tag,icmp6-forged
run_bg inj-in "$NS_SRV" python3 "$INJECT" --ifname wan1 \
	--dst-mac "$(mac_of "$NS_BOX" wan1)" --src "$SRV_ADDR1" \
	--dst "$BOX_WAN1" --assoc "$peer_port:$public_port:$tag_inside" \
	--kinds "$INBOUND_KINDS" --rounds "$ROUNDS" --pace-us "$PACE_US"

alive() { kill -0 "$box_pid" 2>/dev/null; }
wait_bg inj-out "$TIMEOUT"
out_rc=$?
check "daemon alive after the inside injector" alive
wait_bg inj-in "$TIMEOUT"
in_rc=$?
check "daemon alive after the outside injector" alive

# Messages after the assault: the association still carries traffic.
acked_now=$(grep -E 'PROGRESS ' "$(out_of cli)" | tail -n 1 | tr ' ' '\n' |
	sed -n 's/^acked=//p')
wait_for 60 "50 more messages acknowledged after the assault" \
	progress_at_least cli acked $((${acked_now:-0} + 50))
# Fragments that never complete are dropped when reassembly gives up
# on them (10 s): wait for that, not for a time.
frag_timeouts() { ctl -j stats | jq '.datapath.ip_fragment_timeouts + .datapath.ip_fragment_evicted'; }
# (Not wait_for: a miss is one failed check below, with the figures.)
for _ in $(seq 600); do
	[ "$(frag_timeouts)" -ge "$((2 * ROUNDS))" ] && break
	sleep 0.1
done
rss_after=$(rss)
kill -USR1 "${BG_PID[cli]}"
wait_bg cli 60
cli_rc=$?
wait_bg srv 30
srv_rc=$?

ctl -j stats > "$WORK/stats.json"
ctl stats
capture_stop wan1
capture_stop wan2
kill -TERM "$box_pid"
wait_bg box 15
box_rc=$?

say "--- injectors ---"
sed 's/^/inside:  /' "$(out_of inj-out)"
sed 's/^/outside: /' "$(out_of inj-in)"
grep -E '^(\[[ 0-9]+ ms\] )?RESULT' "$(out_of cli)" "$(out_of srv)"

sent() { # KIND: packets of that kind, both injectors
	cat "$(out_of inj-out)" "$(out_of inj-in)" |
		sed -n "s/^SENT kind=$1 packets=\([0-9]*\).*/\1/p" |
		awk '{ n += $1 } END { print n + 0 }'
}
drop() { jq -r ".drops[\"$1\"] // 0" "$WORK/stats.json"; }
dp() { jq -r ".datapath.$1 // 0" "$WORK/stats.json"; }
# check_drop REASON N WHAT: the reason counted at least N times
check_drop() {
	check "drop reason $1: $(drop "$1") >= $2 ($3)" [ "$(drop "$1")" -ge "$2" ]
}
check_dp() {
	check "datapath $1: $(dp "$1") >= $2 ($3)" [ "$(dp "$1")" -ge "$2" ]
}

cli_sent=$(result_field cli sent)
check "injectors sent everything (exit $out_rc / $in_rc)" \
	[ "$out_rc" = 0 -a "$in_rc" = 0 ]
check "client: all $cli_sent messages acknowledged (exit $cli_rc)" \
	[ "$cli_rc" = 0 ]
check "server: $(result_field srv unique) unique = $cli_sent sent, none lost" \
	[ "$(result_field srv unique)" = "$cli_sent" -a \
	  "$(result_field srv lost)" = 0 ]
check "no damaged message (client $(result_field cli corrupt), server $(result_field srv corrupt))" \
	[ "$(result_field cli corrupt)" = 0 -a "$(result_field srv corrupt)" = 0 ]
check "server: no message of ours malformed ($(result_field srv bad))" \
	[ "$(result_field srv bad)" = 0 ]
check "RSS bounded: $rss_before kB before, $rss_after kB after (+$((rss_after - rss_before)) < $RSS_GROWTH_KB)" \
	[ $((rss_after - rss_before)) -lt "$RSS_GROWTH_KB" ]
check "SIGTERM: sctpalgd exit status $box_rc" [ "$box_rc" = 0 ]

# INITs the box sent: how many addresses each listed, and which.
{ pcap_init_addrs wan1; pcap_init_addrs wan2; } | grep '^INIT ' \
	> "$WORK/inits.txt"
init_max_addrs=$(sed -n 's/.*addrs=//p' "$WORK/inits.txt" |
	awk -F, '{ n = ($0 == "" ? 0 : NF); if (n > m) m = n } END { print m + 0 }')
init_foreign=$(sed -n 's/.*addrs=//p' "$WORK/inits.txt" | tr ',' '\n' |
	grep -v -e '^$' -e "^$BOX_WAN1\$" -e "^$BOX_WAN2\$" | sort -u | head -n 3)
check "INITs through the box: $(wc -l < "$WORK/inits.txt"), the longest address list $init_max_addrs (<= 8)" \
	[ "$(wc -l < "$WORK/inits.txt")" -ge $(($(sent init-many-addrs) + \
	  $(sent init-jumbo-addrs))) -a "$init_max_addrs" -le 8 ]
check "INITs list only the box's public addresses (others: ${init_foreign:-none})" \
	[ -z "$init_foreign" ]

# One reason per kind where the kind maps to one.
check_drop sctp-truncated "$(sent sctp-truncated)" "sctp-truncated"
check_drop no-chunks "$(sent no-chunks)" "no-chunks"
check_drop port-zero "$(sent port-zero)" "port-zero"
check_drop chunk-zero-length \
	$(($(sent first-chunk-zero-length) + $(sent assoc-zero-length))) \
	"first-chunk-zero-length, assoc-zero-length"
check_drop chunk-too-short \
	$(($(sent first-chunk-too-short) + $(sent assoc-too-short))) \
	"first-chunk-too-short, assoc-too-short"
check_drop chunk-truncated \
	$(($(sent first-chunk-truncated) + $(sent assoc-truncated))) \
	"first-chunk-truncated, assoc-truncated"
check_drop chunk-bad-padding \
	$(($(sent init-bad-padding) + $(sent assoc-bad-padding))) \
	"init-bad-padding, assoc-bad-padding"
check_drop chunk-must-stand-alone \
	$(($(sent init-bundled) + $(sent assoc-chunk-after-init))) \
	"init-bundled, assoc-chunk-after-init"
check_drop too-many-chunks "$(sent assoc-too-many-chunks)" \
	"assoc-too-many-chunks"
check_drop init-nonzero-vtag "$(sent init-nonzero-vtag)" "init-nonzero-vtag"
check_drop init-zero-initiate-tag "$(sent init-zero-itag)" "init-zero-itag"
check_drop param-bad-length \
	$(($(sent init-param-zero-length) + $(sent init-param-short) + \
	   $(sent init-ipv4-param-bad-length))) \
	"init-param-zero-length, init-param-short, init-ipv4-param-bad-length"
check_drop param-truncated \
	$(($(sent init-param-overrun) + $(sent init-param-truncated))) \
	"init-param-overrun, init-param-truncated"
check_drop bad-checksum "$(sent init-bad-crc)" "init-bad-crc"
check_drop asconf-malformed "$(sent assoc-asconf-no-address)" \
	"assoc-asconf-no-address"
check_drop ip-truncated "$(sent ip-truncated)" "ip-truncated"
check_drop out-of-the-blue \
	$(($(sent unknown-chunks-ootb) + $(sent ip-options))) \
	"unknown-chunks-ootb, ip-options"
check_drop icmp-no-state \
	$(($(sent icmp-forged) + $(sent icmp6-forged) + \
	   $(sent icmp-forged-assoc-tag))) \
	"icmp-forged, icmp6-forged, icmp-forged-assoc-tag"
check_drop icmp-malformed "$(sent icmp-truncated-quote)" \
	"icmp-truncated-quote"
check_dp ip_fragment_overlaps $(($(sent frag-overlap) / 3)) \
	"frag-overlap: the overlapping fragment of every datagram"
check "incomplete datagrams dropped by reassembly: $(($(dp ip_fragment_timeouts) + $(dp ip_fragment_evicted))) >= $(($(sent frag-never-complete)))" \
	[ $(($(dp ip_fragment_timeouts) + $(dp ip_fragment_evicted))) -ge \
	  "$(sent frag-never-complete)" ]
check_dp ip_reassembled $(($(sent frag-out-of-order) / 3)) \
	"frag-out-of-order: every datagram whole again"
if [ "$BACKEND" = xdp ]; then
	check_dp xdp_dropped_too_big "$(sent ip-oversized-frame)" \
		"ip-oversized-frame"
	check_dp xdp_passed_malformed "$(sent ip-bad-ihl)" "ip-bad-ihl"
	check_dp xsk_rx_multibuf $(($(sent init-jumbo-addrs))) \
		"init-jumbo-addrs as multi-buffer chains"
else
	# No XDP program: the engine sees them (a 16 KiB ring slot holds
	# the oversized frame) and refuses them itself.
	check_drop ip-bad-header \
		$(($(sent ip-bad-ihl) + $(sent ip-oversized-frame))) \
		"ip-bad-ihl, ip-oversized-frame"
fi

say "--- figures ---"
say "packets sent: $(cat "$(out_of inj-out)" "$(out_of inj-in)" |
	sed -n 's/^TOTAL packets=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n }')" \
	"in $ROUNDS round(s) of $(python3 "$INJECT" --list | wc -l) kinds"
say "drops by reason: $(jq -r '.drops | to_entries | map(select(.value > 0)) |
	map("\(.key)=\(.value)") | join(" ")' "$WORK/stats.json")"
say "datapath: $(jq -r '.datapath | to_entries | map(select(.value > 0 and
	(.key | test("fragment|reassembled|xdp_|xsk_|over_mtu")))) |
	map("\(.key)=\(.value)") | join(" ")' "$WORK/stats.json")"
say "RSS: $rss_before kB before, $rss_after kB after"
say "messages through the association: $cli_sent, all acknowledged: $([ "$cli_rc" = 0 ] && echo yes || echo no)"
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd under hostile traffic ($ROUNDS rounds, backend $BACKEND, xdp-mode $XDP_MODE)"
