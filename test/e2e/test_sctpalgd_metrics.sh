#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_metrics.sh - `sctpalgctl -p stats` against the running
# daemon, read by real Prometheus parsers while an association is alive:
#
#   cli (192.168.1.x) -- lan0 [box: sctpalgd, multihome = uplinks]
#                              wan1 (isp1) / wan2 (isp2) -- srv (multihomed)
#
#   - promtool (Debian's prometheus package) lints the exposition: names,
#     HELP/TYPE, counters named *_total;
#   - prometheus_client's own text parser (python3-prometheus-client)
#     reads every family, and the figures agree with `sctpalgctl -j stats`
#     taken just before: live associations, the paths pinned to each
#     uplink (one peer address per uplink with proxy multihoming), packets
#     forwarded, drop reasons all present, and one interface_info per
#     interface with its AF_XDP mode.
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
PY=/usr/bin/python3
COUNT=400

require_env
command -v promtool >/dev/null ||
	skip "promtool not installed (Debian package prometheus; make deps)"
"$PY" -c 'import prometheus_client' 2>/dev/null ||
	skip "python3-prometheus-client not installed (make deps)"
ensure_sctp_peer
topo_create

{
	box_conf 2
	printf '\n[nat]\nmultihome = uplinks\n'
} > "$WORK/box.conf"
start_sctpalgd "$WORK/box.conf"
ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }

# usrsctp writes one source address into every packet of an association
# (lib.sh, sctp_src_fixup): without the fix-up its INIT ACK would leave
# wan1 from the wan2 address, which the box rightly refuses (the INIT
# was not sent there).
sctp_src_fixup "$NS_SRV" uplink1 "$SRV_ADDR1" oifname '"wan1"'
sctp_src_fixup "$NS_SRV" uplink2 "$SRV_ADDR2" oifname '"wan2"'
start_server srv "$SRV_ADDR1,$SRV_ADDR2" --count "$COUNT" --timeout 60
start_client cli "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
	--interval 20 --timeout 60
wait_for 30 "association carrying messages" progress_at_least cli acked 20

# Both views at one moment of a live association (the counters move
# between the two commands; only what does not move is compared).
ctl -j stats > "$WORK/stats.json" || fail "sctpalgctl -j stats"
ctl -p stats > "$WORK/metrics.prom" || fail "sctpalgctl -p stats"
wait_bg cli 90
cli_rc=$?
wait_bg srv 30
srv_rc=$?

promtool check metrics < "$WORK/metrics.prom" > "$WORK/promtool.out" 2>&1
prom_rc=$?
sed 's/^/promtool: /' "$WORK/promtool.out"

# prometheus_client parses the text; print "name{labels} value" lines
# for the checks below, or fail on anything it cannot read.
"$PY" - "$WORK/metrics.prom" > "$WORK/parsed.txt" 2> "$WORK/parse.err" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join('%s=%s' % kv for kv in sorted(s.labels.items()))
        print("%s %s{%s} %d" % (fam.type, s.name, labels, s.value))
PY
parse_rc=$?
[ -s "$WORK/parse.err" ] && sed 's/^/parser: /' "$WORK/parse.err"

value() { awk -v k="$1" '$2 == k { print $3 }' "$WORK/parsed.txt"; }
jq_stats() { jq -r "$1" "$WORK/stats.json"; }

assocs=$(value 'sctpalg_associations{}')
paths1=$(value 'sctpalg_uplink_paths{uplink=isp1}')
paths2=$(value 'sctpalg_uplink_paths{uplink=isp2}')
reasons=$(grep -c ' sctpalg_drops_total{reason=' "$WORK/parsed.txt")
json_reasons=$(jq_stats '.drops | length')
fwd_out=$(value 'sctpalg_forwarded_packets_total{direction=outbound}')
json_fwd_out=$(jq_stats '.engine.forwarded_out')
modes=$(grep -c ' sctpalg_interface_info{interface=[a-z0-9]*,mode=native} 1' \
	"$WORK/parsed.txt")
counters_total=$(awk '$1 == "counter" && $2 !~ /_total\{/' \
	"$WORK/parsed.txt" | wc -l)

say "metrics: $(grep -vc '^#' "$WORK/metrics.prom") samples;" \
	"associations $assocs, paths isp1 $paths1 isp2 $paths2," \
	"drop reasons $reasons, forwarded out $fwd_out (json $json_fwd_out)"

check "client: every message acknowledged (exit $cli_rc)" [ "$cli_rc" = 0 ]
check "server: every message received (exit $srv_rc)" [ "$srv_rc" = 0 ]
check "promtool check metrics: clean (exit $prom_rc)" [ "$prom_rc" = 0 ]
check "prometheus_client parsed it (exit $parse_rc)" [ "$parse_rc" = 0 ]
check "one live association ($assocs)" [ "${assocs:-x}" = 1 ]
check "one path pinned to each uplink ($paths1, $paths2)" \
	[ "${paths1:-x}" = 1 ] && [ "${paths2:-x}" = 1 ]
check "every drop reason a sample ($reasons of $json_reasons)" \
	[ "$reasons" -gt 0 ] && [ "$reasons" = "$json_reasons" ]
check "forwarded outbound at least as in the JSON taken before" \
	[ "${fwd_out:-0}" -ge "${json_fwd_out:-1}" ] && [ "$fwd_out" -gt 0 ]
check "interface_info for lan0, wan1, wan2 in native mode ($modes)" \
	[ "$modes" = 3 ]
check "every counter sample named *_total ($counters_total others)" \
	[ "$counters_total" = 0 ]
[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "Prometheus metrics of a running sctpalgd"
