#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_capture.sh - "sctpalgctl capture": the daemon's own copy
# of what it receives and sends, read back by tshark.
#
#   client ns  lan0: 192.168.1.10 (private)
#        |
#   box ns     sctpalgd: lan0 inside, wan1 = isp1 198.51.100.1
#        |
#   server ns  wan1: 198.51.100.100
#
# tcpdump on the box sees none of this (AF_XDP takes and sends the
# frames); the captures come from sctpalgd itself over its control
# socket.  What must hold:
#   - a capture of every interface while an association runs is a pcapng
#     file tshark reads with no malformed packet and every CRC32c good;
#     it has "lan0 rx", "lan0 tx", "wan1 rx", "wan1 tx" interface blocks,
#     rx frames marked inbound and tx frames outbound (epb_flags);
#   - one DATA chunk (same verification tag and TSN) is in it twice: as
#     received on lan0, from the client's private address and port, and
#     as sent on wan1, from the public address and the public port the
#     daemon's association table shows (port preservation off and a port
#     range without the client's port, so the port changes too);
#   - two captures run at once, a third is refused (and makes no file);
#   - a capture limited to 1 packet a second drops, and its interface
#     statistics blocks (isb_ifdrop) and sctpalgctl's summary say how
#     many, the same number; written plus dropped is what it saw;
#   - `capture -i wan1 -c 5 -w - host CLIENT | tshark -r -` ends by itself
#     after exactly 5 packets, all sent on wan1 (translated, yet selected
#     by the client's private address, as received);
#   - SIGINT ends a capture with its statistics, and no capture is live
#     at the end.
# SCTPALG_BACKEND=packet (test_sctpalgd_capture_packet.sh) runs the same
# with the packet backend: IP packets without a link header, every one
# sent through the raw sockets.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BACKEND=${SCTPALG_BACKEND:-xdp}
CLI_PORT=40000
COUNT=50
INTERVAL=20
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
command -v jq >/dev/null || skip "jq not installed"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
topo_create

{
	box_conf 1
	printf '\n[daemon]\nlog-level = info\nbackend = %s\n' "$BACKEND"
	printf '\n[nat]\nport-preservation = no\nport-range = 20000-20999\n'
} > "$WORK/box.conf"
[ "$BACKEND" = packet ] && box_nft_drop_sctp
start_sctpalgd "$WORK/box.conf"

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
stat_of() { ctl -j stats | jq -r ".datapath.$1"; }
captures_live_is() { test "$(stat_of captures_live)" = "$1"; }
tsh() { tshark -n -o sctp.checksum:CRC-32c -r "$@" 2>/dev/null; }

# isb_drops FILE: "recv drop" summed over the file's statistics blocks
# (pcapng, draft-ietf-opsawg-pcapng 4.6: options 4 isb_ifrecv and 5
# isb_ifdrop), read by a parser of its own, not the daemon's.
isb_drops() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = recv = drop = n = 0
while off + 12 <= len(d):
    t, blen = struct.unpack_from("<II", d, off)
    if t == 5:
        n += 1
        o = off + 20
        while o + 4 <= off + blen - 4:
            code, vlen = struct.unpack_from("<HH", d, o)
            if code == 0:
                break
            if code == 4:
                recv += struct.unpack_from("<Q", d, o + 4)[0]
            if code == 5:
                drop += struct.unpack_from("<Q", d, o + 4)[0]
            o += 4 + ((vlen + 3) & ~3)
    off += blen
print(n, recv, drop)
PY
}

start_server srv "$SRV_ADDR1" --count "$COUNT" --timeout 60

# Two captures at once: everything, and lan0 at 1 packet a second.
run_bg capall "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" capture \
	-w "$WORK/all.pcapng"
run_bg caprate "$NS_BOX" "$SCTPALGCTL" -s "$WORK/ctl.sock" capture \
	-i lan0 -r 1 -w "$WORK/rate.pcapng"
wait_for 30 "two captures running" captures_live_is 2
third=$(ctl capture -w "$WORK/third.pcapng" 2>&1)
third_rc=$?

start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 60 --lport "$CLI_PORT"
wait_for 30 "client acknowledged $((COUNT / 2)) messages" \
	progress_at_least cli acked "$((COUNT / 2))"
public_port=$(ctl -j associations | jq -r '.associations[0].public_port')
wait_bg cli 60
cli_rc=$?

# SIGINT: the client shuts its side, the daemon ends the stream with
# its statistics, the client reads to the end.
kill -INT "${BG_PID[capall]}" "${BG_PID[caprate]}"
wait_bg capall 30
all_rc=$?
wait_bg caprate 30
rate_rc=$?
wait_for 30 "no capture running" captures_live_is 0
wait_bg srv 30
start_server srv2 "$SRV_ADDR1" --count "$COUNT" --timeout 60

# The pipe into tshark, limited to 5 packets, filtered on the client's
# private address, on wan1 only.
run_bg capwan "$NS_BOX" bash -c "'$SCTPALGCTL' -s '$WORK/ctl.sock' \
	capture -i wan1 -c 5 -w - host $CLI_ADDR1 | tshark -n -r - -T fields \
	-e frame.interface_name -e ip.src > '$WORK/wan.txt'"
wait_for 30 "the wan1 capture running" captures_live_is 1
start_client cli2 "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval "$INTERVAL" --timeout 60
wait_bg capwan 60
wan_rc=$?
wait_bg cli2 60
cli2_rc=$?
wait_bg srv2 30

say "--- captures ---"
tsh "$WORK/all.pcapng" -T fields -e frame.number -e frame.interface_name \
	-e frame.packet_flags_direction -e ip.src -e ip.dst -e sctp.srcport \
	-e sctp.dstport -e sctp.verification_tag -e sctp.chunk_type |
	head -n 40 | sed 's/^/all: /'
sed 's/^/capture -i wan1 | tshark: /' "$WORK/wan.txt"
say "capture -i wan1: $(grep captured "$(out_of capwan)")"
say "capture all: $(cat "$(out_of capall)")"
say "capture -r 1: $(cat "$(out_of caprate)")"
say "third capture: $third"

# The malformed filter prints one line per malformed packet.
malformed=$(tsh "$WORK/all.pcapng" -Y _ws.malformed | wc -l)
malformed_rate=$(tsh "$WORK/rate.pcapng" -Y _ws.malformed | wc -l)
total=$(tsh "$WORK/all.pcapng" -Y sctp -T fields -e frame.number | wc -l)
crc_bad=$(tsh "$WORK/all.pcapng" -Y sctp -T fields -e sctp.checksum.status |
	awk '$1 != 1 { n++ } END { print n + 0 }')
blocks=$(capinfos -I "$WORK/all.pcapng" 2>/dev/null |
	sed -n 's/^ *Name = //p' | sort | tr '\n' ',')
encaps=$(capinfos -I "$WORK/all.pcapng" 2>/dev/null |
	sed -n 's/^ *Encapsulation = \([^(]*\) (.*/\1/p' | sort -u |
	sed 's/ *$//' | tr '\n' ',')
want_encaps="Ethernet,"
[ "$BACKEND" = packet ] && want_encaps="Raw IP,"
dir_bad=$(tsh "$WORK/all.pcapng" -T fields -e frame.interface_name \
	-e frame.packet_flags_direction | awk -F'\t' '
	$1 ~ / rx$/ && $2 != "0x00000001" { n++ }
	$1 ~ / tx$/ && $2 != "0x00000002" { n++ } END { print n + 0 }')
# The first DATA the client sent, as received on lan0 ...
read -r vtag tsn lan_src < <(tsh "$WORK/all.pcapng" \
	-Y "frame.interface_name == \"lan0 rx\" && sctp.data_tsn" \
	-T fields -E occurrence=f -e sctp.verification_tag -e sctp.data_tsn \
	-e ip.src | head -n 1)
# ... and the same chunk as sent on wan1.
wan_tx=$(tsh "$WORK/all.pcapng" -Y "frame.interface_name == \"wan1 tx\" \
	&& sctp.verification_tag == ${vtag:-0} && sctp.data_tsn == ${tsn:-0}" \
	-T fields -E occurrence=f -e ip.src -e sctp.srcport | head -n 1)
lan_rx_port=$(tsh "$WORK/all.pcapng" -Y "frame.interface_name == \"lan0 rx\" \
	&& sctp.verification_tag == ${vtag:-0} && sctp.data_tsn == ${tsn:-0}" \
	-T fields -E occurrence=f -e sctp.srcport | head -n 1)
read -r rate_isbs rate_seen rate_drop < <(isb_drops "$WORK/rate.pcapng")
read -r all_isbs _ all_drop < <(isb_drops "$WORK/all.pcapng")
rate_written=$(tsh "$WORK/rate.pcapng" -T fields -e frame.number | wc -l)
rate_said=$(sed -n 's/.*captured, \([0-9]*\) dropped.*/\1/p' \
	"$(out_of caprate)")
wan_lines=$(grep -c . "$WORK/wan.txt")
wan_other=$(grep -vc "^wan1 tx	$BOX_WAN1\$" "$WORK/wan.txt")

# Each check is one test command: "check W [ a ] && [ b ]" would check a
# only (the shell takes the && outside check).
third_said=$(grep -c "captures are running" <<< "$third")
third_file=$([ -e "$WORK/third.pcapng" ] && echo made || echo none)
check "client: every message acknowledged (first run)" [ "$cli_rc" = 0 ]
check "client: every message acknowledged (second run)" [ "$cli2_rc" = 0 ]
check "captures ended cleanly on SIGINT ($all_rc, $rate_rc)" \
	[ "$all_rc" = 0 -a "$rate_rc" = 0 ]
check "a third capture refused while two run ($third_rc: $third), file: $third_file" \
	[ "$third_rc" != 0 -a "$third_said" = 1 -a "$third_file" = none ]
check "tshark reads $total SCTP packets (each DATA twice at least)" \
	[ "$total" -ge "$((2 * COUNT))" ]
check "no malformed packet ($malformed, $malformed_rate)" \
	[ "$malformed" = 0 -a "$malformed_rate" = 0 ]
check "every CRC32c good ($crc_bad bad)" [ "$crc_bad" = 0 ]
check "interface blocks ($blocks)" \
	[ "$blocks" = "lan0 rx,lan0 tx,wan1 rx,wan1 tx," ]
check "rx inbound, tx outbound ($dir_bad wrong)" [ "$dir_bad" = 0 ]
check "link type with backend $BACKEND: $encaps" [ "$encaps" = "$want_encaps" ]
check "DATA tsn $tsn vtag $vtag received on lan0 from $lan_src:$lan_rx_port" \
	[ -n "$tsn" -a "$lan_src" = "$CLI_ADDR1" -a "$lan_rx_port" = "$CLI_PORT" ]
check "the same DATA sent on wan1 as $wan_tx (public port $public_port)" \
	[ "$wan_tx" = "$BOX_WAN1	$public_port" -a "$public_port" != "$CLI_PORT" ]
check "capture without drops: 4 statistics blocks, 0 dropped ($all_isbs, $all_drop)" \
	[ "$all_isbs" = 4 -a "$all_drop" = 0 ]
check "-r 1: 2 statistics blocks ($rate_isbs), dropped $rate_drop of $rate_seen, wrote $rate_written" \
	[ "$rate_isbs" = 2 -a "${rate_drop:-0}" -gt 0 -a \
	  "$((rate_written + ${rate_drop:-0}))" = "$rate_seen" ]
check "-r 1: sctpalgctl said $rate_said dropped, as the ISBs" \
	[ "$rate_said" = "$rate_drop" ]
check "-c 5 through tshark: 5 packets ($wan_lines), ended by itself ($wan_rc)" \
	[ "$wan_lines" = 5 -a "$wan_rc" = 0 ]
check "-i wan1 host $CLI_ADDR1: all sent on wan1 from $BOX_WAN1 ($wan_other other)" \
	[ "$wan_other" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgctl capture"
