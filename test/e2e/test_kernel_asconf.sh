#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_asconf.sh - the Linux kernel's authenticated ASCONF through
# sctpalgd.  With net.sctp.addip_enable = 1 and net.sctp.auth_enable = 1
# the kernel client, on binding a third address to its live association,
# sends an ASCONF Add IP Address naming that private address, under an
# AUTH chunk (RFC 5061 4.1.1, RFC 4895).  The box cannot rewrite bytes
# the HMAC covers and must drop it (asconf-authenticated-private-address);
# the kernel retransmits it on its T4 timer (RFC 5061 5.1) for as long as
# the association lives.
#
#   VM (Debian kernel)  eth0: 192.168.1.10, .11, .12; client bound to
#        |              .10 + .11, binds .12 after 40 messages
#   client ns  br-tap0 = tap0 + lan0
#   box ns     sctpalgd, uplinks isp1 (wan1), isp2 (wan2)
#   server ns  usrsctp sctp_peer (ASCONF and AUTH on: its defaults)
#
# What must hold:
#   - every ASCONF the kernel sent is dropped by the box and counted as
#     asconf-authenticated-private-address, none crosses an uplink, no
#     inside address on the uplinks;
#   - the association survives: every message acknowledged.
# Printed, not judged: ASCONFs sent and the interval of their
# retransmission (what an operator sees as "retransmitted forever").
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/vm.sh
. "$REPO_ROOT/test/vm/vm.sh"

COUNT=${KSCTP_COUNT:-300}
INTERVAL=20
ADD_AT=40
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl

require_env
vm_require
topo_create
vm_tap "$NS_CLI" tap0 lan0
sctp_src_fixup "$NS_SRV" path1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" path2 "$SRV_ADDR2" oifname '"wan2"'
CLI_ADDR3=$CLI_NET.12
{
	box_conf 2 | sed -e "s|^network = .*|network = $CLI_ADDR1/32 uplink isp1\\
network = $CLI_ADDR2/32 uplink isp2\\
network = $CLI_ADDR3/32 uplink isp1|"
	printf '\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"

capture_start lan "$NS_CLI" br-tap0
capture_start wan1 "$NS_SRV" wan1
capture_start wan2 "$NS_SRV" wan2
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 150

{
	vm_guest_preamble
	cat <<EOF
sysctl -qw net.sctp.addip_enable=1
sysctl -qw net.sctp.auth_enable=1
ip link set eth0 up
ip addr add $CLI_ADDR1/24 dev eth0
ip addr add $CLI_ADDR2/24 dev eth0
ip addr add $CLI_ADDR3/24 dev eth0
ip route add default via $BOX_LAN
ip route add $SRV_ADDR1/32 via $BOX_LAN src $CLI_ADDR1
ip route add $SRV_ADDR2/32 via $BOX_LAN src $CLI_ADDR2
ksctp_peer client --bind $CLI_ADDR1,$CLI_ADDR2 \
	--connect $SRV_ADDR1 --port $SCTP_PORT \
	--count $COUNT --interval $INTERVAL --timeout 120 \
	--add-addr $CLI_ADDR3 --add-at $ADD_AT
EOF
} > "$WORK/guest.sh"
vm_start kcli "$NS_CLI" "$WORK/guest.sh" tap0
vm_wait_booted kcli
vm_wait_done kcli 150
cli_rc=$?
wait_bg srv 30
srv_rc=$?
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats > "$WORK/stats.json"
say "--- sctpalgctl (after) ---"
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" associations
n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" stats | grep -A12 '^drops'
capture_stop lan
capture_stop wan1
capture_stop wan2
say "--- kernel client (VM) ---"
grep -E 'ADDADDR|EVENT|^PATH |FROM|RESULT' "$(out_of kcli)"
say "--- usrsctp server ---"
grep -E '^(PEERS|FROM|RESULT)' "$(out_of srv)"

for c in lan wan1 wan2; do vm_pcap_table "$c"; done
# chunk type 193 = ASCONF, 15 = AUTH
asconf_rows() { awk -F'\t' '$5 ~ /(^|,)193(,|$)/' "$WORK/$1.tsv"; }
n_lan=$(asconf_rows lan | wc -l)
n_auth=$(asconf_rows lan | awk -F'\t' '$5 ~ /^15,193/' | wc -l)
n_out=$(( $(asconf_rows wan1 | wc -l) + $(asconf_rows wan2 | wc -l) ))
intervals=$(asconf_rows lan | awk -F'\t' 'NR > 1 { printf "%d ", ($1 - t) * 1000 } { t = $1 }')
dropped=$(jq -r '.drops["asconf-authenticated-private-address"] // 0' \
	"$WORK/stats.json" 2>/dev/null)
inside_out=$(cut -f2,3,7 "$WORK/wan1.tsv" "$WORK/wan2.tsv" |
	grep -c "${CLI_NET//./\\.}\\.")
say "ASCONFs from the kernel on the LAN: $n_lan ($n_auth behind AUTH); beyond the box: $n_out"
say "ASCONF retransmission intervals (ms): $intervals"
say "box: asconf-authenticated-private-address drops: $dropped"

check "the kernel sent an authenticated ASCONF (ADD_IP $CLI_ADDR3): $n_auth" \
	[ "$n_auth" -gt 0 ]
check "no ASCONF crossed an uplink ($n_out)" [ "$n_out" = 0 ]
check "every ASCONF counted as asconf-authenticated-private-address ($dropped of $n_lan)" \
	[ "${dropped:-0}" -ge "$n_lan" ]
check "no inside address on either uplink" [ "$inside_out" = 0 ]
check "the association survived: every message acknowledged (VM exit 0)" \
	[ "$cli_rc" = 0 ]
check "usrsctp server: every message received once (exit 0)" [ "$srv_rc" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "the kernel's authenticated ASCONF dropped and counted by sctpalgd, association alive"
