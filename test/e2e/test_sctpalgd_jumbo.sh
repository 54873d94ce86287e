#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_jumbo.sh - jumbo frames through sctpalgd: MTU 9000 on every
# link, 8000-byte messages each in one SCTP packet, in every backend and
# mode: backend = xdp with xdp-mode = native and generic (AF_XDP
# multi-buffer: the UMEM frame is one page, the packet spans several), and
# backend = packet (AF_PACKET ring slots sized from the MTU).
#
#   client ns lan0 (MTU 9000) -- box lan0 | box wan1 -- server ns wan1
#
# Per mode, what must hold:
#   - every one of the 8000-byte messages (sequence-numbered, every byte
#     of the payload checked by sctp_peer) reaches the server and every
#     8000-byte acknowledgement comes back: client and server exit 0,
#     nothing corrupt, the longest message 8000 bytes both ways;
#   - they crossed as single packets: the server's capture holds SCTP
#     frames of 8000 + headers bytes;
#   - backend = xdp: the packets came in as multi-buffer chains
#     (xsk_rx_multibuf) and left as chains (xsk_tx_multibuf), none
#     dropped as too big;
#   - then a message of 8952 bytes: an IP packet of exactly 9000 bytes,
#     the link's MTU, also crosses (the largest frame is reported);
#   - sctpalgd exits 0 on SIGTERM.
# usrsctp learns no MTU from the link: sctp_peer --pathmtu 9000 sets it.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MTU=9000
SIZE=8000
# 20 (IPv4) + 12 (SCTP common header) + 16 (DATA chunk header) + this
# = the MTU: the largest message one packet carries.
FULL=$((MTU - 48))
COUNT=${JUMBO_COUNT:-40}
MODES=${JUMBO_MODES:-native generic packet}
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
declare -A LARGEST=()

require_env
topo_create
for l in "$NS_CLI lan0" "$NS_BOX lan0" "$NS_BOX wan1" "$NS_BOX wan2" \
	"$NS_SRV wan1" "$NS_SRV wan2"; do
	set -- $l
	ip -n "$1" link set dev "$2" mtu "$MTU" || fail "MTU $MTU on $1/$2"
done
say "MTU $MTU on every link"
if command -v ping >/dev/null; then
	n_cli ping -c 1 -W 5 -M do -s $((MTU - 28)) "$BOX_LAN" >/dev/null &&
		n_srv ping -c 1 -W 5 -M do -s $((MTU - 28)) "$BOX_WAN1" \
			>/dev/null || fail "a $MTU-byte ping does not cross a link"
	say "$MTU-byte pings cross both links"
fi

stat_of() { # KEY: a datapath counter of sctpalgctl -j stats
	jq -r ".datapath.$1 // 0" "$WORK/stats-$mode.json"
}

# run_mode MODE: one daemon, one 8000-byte run and one full-MTU run.
run_mode() {
	local mode=$1 backend=xdp xmode=$1 port cli_rc srv_rc box_rc largest
	local full_rc fullsrv_rc

	if [ "$mode" = packet ]; then
		backend=packet
		xmode=auto
		box_nft_drop_sctp
	fi
	{
		box_conf 1
		printf '\n[daemon]\nbackend = %s\nxdp-mode = %s\n' \
			"$backend" "$xmode"
		printf 'log-level = info\n'
	} > "$WORK/box-$mode.conf"
	start_sctpalgd "$WORK/box-$mode.conf"
	mv "$(out_of box)" "$(out_of "box-$mode")"
	ln -s "box-$mode.out" "$(out_of box)"
	grep -E 'AF_XDP|packet backend|multi-buffer' "$(out_of box)" |
		sed "s/^/box ($mode): /"
	capture_start "wan1-$mode" "$NS_SRV" wan1

	port=$((SCTP_PORT + ${#LARGEST[@]} * 2))
	SCTP_PORT=$port start_server "srv-$mode" "$SRV_ADDR1" \
		--count "$COUNT" --size "$SIZE" --pathmtu "$MTU" --timeout 90
	SCTP_PORT=$port start_client "cli-$mode" "$CLI_ADDR1" "$SRV_ADDR1" \
		--count "$COUNT" --interval 20 --size "$SIZE" \
		--pathmtu "$MTU" --timeout 90
	wait_bg "cli-$mode" 120
	cli_rc=$?
	wait_bg "srv-$mode" 30
	srv_rc=$?

	# The whole MTU: one message in a 9000-byte IP packet.
	port=$((port + 1))
	SCTP_PORT=$port start_server "srvfull-$mode" "$SRV_ADDR1" \
		--count 5 --size "$FULL" --pathmtu "$MTU" --timeout 60
	SCTP_PORT=$port start_client "clifull-$mode" "$CLI_ADDR1" \
		"$SRV_ADDR1" --count 5 --interval 20 --size "$FULL" \
		--pathmtu "$MTU" --timeout 60
	wait_bg "clifull-$mode" 90
	full_rc=$?
	wait_bg "srvfull-$mode" 30
	fullsrv_rc=$?

	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats > "$WORK/stats-$mode.json"
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats |
		grep -E 'xdp_|xsk_|rx_dropped|lan0|wan1' | sed "s/^/box ($mode): /"
	capture_stop "wan1-$mode"
	kill -TERM "${BG_PID[box]}"
	wait_bg box 15
	box_rc=$?
	rm -f "$(out_of box)"
	[ "$mode" = packet ] && n_box nft delete table inet sctpalg_packet

	largest=$(_tshark -r "$(pcap_of "wan1-$mode")" -Y sctp -T fields \
		-e frame.len | sort -n | tail -n 1)
	LARGEST[$mode]=${largest:-0}
	grep -E '^(\[[ 0-9]+ ms\] )?RESULT' "$(out_of "cli-$mode")" \
		"$(out_of "srv-$mode")" "$(out_of "clifull-$mode")" |
		sed "s/^/$mode: /"

	check "$mode: client got every acknowledgement of $COUNT x $SIZE bytes (exit $cli_rc)" \
		[ "$cli_rc" = 0 ]
	check "$mode: server got every message (exit $srv_rc)" [ "$srv_rc" = 0 ]
	check "$mode: no message damaged (client $(result_field "cli-$mode" corrupt), server $(result_field "srv-$mode" corrupt))" \
		[ "$(result_field "cli-$mode" corrupt)" = 0 \
		-a "$(result_field "srv-$mode" corrupt)" = 0 ]
	check "$mode: $SIZE-byte messages both ways" \
		[ "$(result_field "srv-$mode" max_len)" = "$SIZE" \
		-a "$(result_field "cli-$mode" max_len)" = "$SIZE" ]
	check "$mode: single packets over $SIZE bytes on the wire (largest frame $largest)" \
		[ "${largest:-0}" -gt "$SIZE" ]
	check "$mode: full-MTU messages ($FULL bytes) through (exit $full_rc/$fullsrv_rc)" \
		[ "$full_rc" = 0 -a "$fullsrv_rc" = 0 ]
	check "$mode: a frame of the whole MTU carried ($largest = $MTU + 14)" \
		[ "${largest:-0}" = $((MTU + 14)) ]
	if [ "$backend" = xdp ]; then
		# Every message and every acknowledgement, both runs.
		check "$mode: chains received ($(stat_of xsk_rx_multibuf)) and sent ($(stat_of xsk_tx_multibuf)), >= $((2 * COUNT + 10)) each" \
			[ "$(stat_of xsk_rx_multibuf)" -ge $((2 * COUNT + 10)) \
			-a "$(stat_of xsk_tx_multibuf)" -ge $((2 * COUNT + 10)) ]
		check "$mode: none dropped as too big ($(stat_of xdp_dropped_too_big) / $(stat_of xsk_rx_too_big))" \
			[ "$(stat_of xdp_dropped_too_big)" = 0 \
			-a "$(stat_of xsk_rx_too_big)" = 0 ]
		check "$mode: the log says multi-buffer" \
			grep -q 'AF_XDP multi-buffer' "$(out_of "box-$mode")"
		check "$mode: AF_XDP $mode mode" \
			grep -q "interface lan0: AF_XDP $mode mode" \
			"$(out_of "box-$mode")"
	fi
	check "$mode: sctpalgd exit status $box_rc" [ "$box_rc" = 0 ]
}

for mode in $MODES; do
	say "=== mode $mode ==="
	run_mode "$mode"
done

say "--- largest SCTP frame carried through the box (server side of wan1) ---"
for mode in $MODES; do
	say "$mode: ${LARGEST[$mode]} bytes"
done
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd jumbo frames (MTU $MTU) in: $MODES"
