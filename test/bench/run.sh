#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh - what `make bench` prints: the engine's translation rate in
# process (bench_engine), then packets/s through the box on veth, sctpalgd
# (AF_XDP, native copy mode) against the kernel's own NAT (nftables
# masquerade, SCTP conntrack) on the same namespace topology in the same
# run, then both side by side.  Figures, not a test: nothing is judged on
# speed.  It exits non-zero only when the setup is broken (a handshake
# fails, nothing gets through, sctpalgd is not in native mode or does not
# exit cleanly).
#
#   +------------------ cli ------------------+
#   | sctp_blast: handshake over raw IP, then |  generator: one real
#   | DATA frames by AF_PACKET (qdisc bypass) |  association, DATA only
#   +-------------------+---------------------+
#                       | lan0 (veth)
#   +------------------ box ------------------+
#   | A: sctpalgd, XDP on lan0/wan1, AF_XDP   |  the NAT under test, one
#   | B: nft masquerade + SCTP conntrack      |  at a time
#   +-------------------+---------------------+
#                       | wan1 (veth)
#   +------------------ srv ------------------+
#   | sctp_respond answers the handshakes;    |  sink: counts and drops
#   | nft ingress counter drops the DATA      |  DATA from the box only
#   +-----------------------------------------+
#
# Every run is a fresh association (its own client port), BENCH_SECONDS
# long, at each IP packet size of BENCH_SIZES (bench_engine's sizes), in
# two CPU placements, BENCH_REPEAT times with the two NATs taking turns
# (other jobs on a shared VM come and go: the table shows the median run
# and the range, the runs are listed as measured):
#   shared  the kernel's defaults: the scheduler puts the generator and the
#           box wherever it likes; the box's receive work runs in the
#           generator's softirq on the same CPU.
#   split   generator pinned to CPU 0; all the box's work on CPU 1:
#           sctpalgd pinned there with its lan0 XDP receive in a threaded
#           NAPI pinned there too, or, for the kernel's NAT, RPS steering
#           lan0's receive processing there.  The sink runs where the box
#           transmits (CPU 1).  This is the box's capacity on one core.
# Environment: BENCH_SECONDS (2), BENCH_SIZES ("64 1400"), BENCH_REPEAT
# (3), KEEP=1 keeps the logs; BENCH_CAPTURE=1 runs sctpalgd with a
# "sctpalgctl capture" of every interface (to /dev/null) for its whole
# phase, to see what capturing costs forwarding.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$BENCH_DIR/../e2e/lib.sh"

BENCH_SECONDS=${BENCH_SECONDS:-2}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_SIZES=${BENCH_SIZES:-64 1400}
BIN=$REPO_ROOT/build/test/bench
SCTPALGD=$REPO_ROOT/build/sctpalgd
NCPU=$(nproc)

declare -A R=()		# R[placement,nat,size,rep,field]
ROWS=()			# "placement nat size", table order
NEXT_PORT=40000

# ---------------------------------------------------------------- in process
say "== 1. the engine in process: build/test/bench/bench_engine"
ENGINE_OUT=$("$BIN/bench_engine") || fail "bench_engine exited $?"
say "$ENGINE_OUT"
say "== 1b. association set-up and memory in process: build/test/bench/bench_setup"
SETUP_OUT=$("$BIN/bench_setup") || fail "bench_setup exited $?"
say "$SETUP_OUT"

# engine_pps SIZE: bench_engine's outbound DATA packets/s at that IP
# size ("DATA out  1400 B (port+addr)  13.54  73.8"), or n/a.
engine_pps() {
	awk -v s="$1" '$1 == "DATA" && $2 == "out" && $3 == s {
		printf "%.0f", $6 * 1e6; found = 1 }
		END { if (!found) print "n/a" }' <<<"$ENGINE_OUT"
}

# ---------------------------------------------------------------- helpers
# cpu_snap FILE: per-CPU jiffies now.
cpu_snap() { grep -E '^cpu[0-9]+ ' /proc/stat >"$1"; }

# cpu_busy BEFORE AFTER: "cpu0 97% cpu1 12%" between two snapshots.
# Busy is user, nice, system, irq and softirq; steal (the hypervisor gave
# the vCPU to someone else) is shown apart when there is any.  Machine-
# wide: another job on this host shows up here too.
cpu_busy() {
	paste -d ' ' "$1" "$2" | awk '{
		n = NF / 2; t = 0
		for (k = 2; k <= 9 && k <= n; k++)
			t += d[k] = $(k + n) - $k
		b = d[2] + d[3] + d[4] + d[7] + d[8]
		printf "%s%s %3.0f%%", sep, $1, t ? 100 * b / t : 0
		if (t && 100 * d[9] / t >= 0.5)
			printf " (steal %.0f%%)", 100 * d[9] / t
		sep = " "
	} END { print "" }'
}

# delivered: DATA packets the server's ingress has counted so far.
delivered() {
	n_srv nft list counter netdev bench_sink delivered |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# settled: the sink counter stopped moving (the box drained its queues).
_last_delivered=-1
# shellcheck disable=SC2317  # called through wait_for
settled() {
	local d

	d=$(delivered)
	[ "$d" = "$_last_delivered" ] && return 0
	_last_delivered=$d
	return 1
}

# sink_install: count and drop, at the server's ingress, the DATA the box
# translated (source the box's uplink address): nothing reaches a socket,
# so the server's own stack costs nothing per packet.  Handshake chunks
# pass to sctp_respond.
sink_install() {
	n_srv nft -f - <<-EOF || fail "nft: sink"
	table netdev bench_sink {
		counter delivered { }
		chain ingress {
			type filter hook ingress device "wan1" priority filter; policy accept;
			ip saddr $BOX_WAN1 ip daddr $SRV_ADDR1 ip protocol sctp sctp dport $SCTP_PORT sctp chunk data exists counter name "delivered" drop
		}
	}
	EOF
}

box_mac() {
	ip -n "$NS_BOX" -o link show lan0 |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# blast PLACEMENT NAT SIZE REP: one timed run, results into R[].
blast() {
	local pl=$1 nat=$2 size=$3 rep=$4 name="blast-$1-$2-$3-$4" d0 d1
	local k="$pl,$nat,$size,$rep" pin="" cmd

	[ "$pl" = split ] && pin="taskset -c 0"
	NEXT_PORT=$((NEXT_PORT + 1))
	cmd="$BIN/sctp_blast --src $CLI_ADDR1 --dst $SRV_ADDR1 --sport $NEXT_PORT --dport $SCTP_PORT --ifname lan0 --dmac $BOX_MAC --ip-len $size --seconds $BENCH_SECONDS"
	[ "$rep" = 1 ] &&
		say "  [$pl/$nat/$size B] ip netns exec $NS_CLI ${pin:+$pin }$cmd"
	d0=$(delivered)
	cpu_snap "$WORK/cpu0"
	# shellcheck disable=SC2086
	run_bg "$name" "$NS_CLI" $pin $cmd
	wait_bg "$name" $((BENCH_SECONDS + 20)) ||
		fail "$name: sctp_blast failed ($(tail -n 1 "$(out_of "$name")"))"
	cpu_snap "$WORK/cpu1"
	_last_delivered=-1
	wait_for 10 "sink counter settled" settled
	d1=$(delivered)

	R[$k,offered]=$(result_field "$name" offered)
	R[$k,refused]=$(result_field "$name" refused)
	R[$k,frame]=$(result_field "$name" frame_len)
	R[$k,delivered]=$((d1 - d0))
	R[$k,secs]=$(result_field "$name" secs)
	R[$k,cpu]=$(cpu_busy "$WORK/cpu0" "$WORK/cpu1")
	[ "$rep" = 1 ] && ROWS+=("$pl $nat $size")
	printf '    run %s: offered %s/s (%s refused by the veth), delivered %s/s, %s\n' \
		"$rep" "$(pps "${R[$k,offered]}" "${R[$k,secs]}")" \
		"${R[$k,refused]}" "$(pps "${R[$k,delivered]}" "${R[$k,secs]}")" \
		"${R[$k,cpu]}"
	[ "${R[$k,delivered]}" -gt 0 ] ||
		fail "$nat ($pl, $size B): nothing delivered, the set-up is broken"
}

# verify NAT: a short run with the server side captured, to show the
# figures count real translated SCTP: box address as source, the port the
# client used, CRC32c valid on every captured packet.
verify() {
	local nat=$1 pcap bad n srcs

	run_bg "cap-$nat" "$NS_SRV" dumpcap -q -i wan1 -c 200 \
		-f "ip proto 132 and src host $BOX_WAN1" -w "$WORK/$nat.pcap"
	wait_for 10 "capture on $NS_SRV/wan1" grep_out "cap-$nat" 'Capturing on'
	NEXT_PORT=$((NEXT_PORT + 1))
	run_bg "verify-$nat" "$NS_CLI" "$BIN/sctp_blast" --src "$CLI_ADDR1" \
		--dst "$SRV_ADDR1" --sport "$NEXT_PORT" --dport "$SCTP_PORT" \
		--ifname lan0 --dmac "$BOX_MAC" --ip-len 128 --seconds 0.2
	wait_bg "verify-$nat" 20 || fail "$nat: handshake through the box failed"
	wait_bg "cap-$nat" 10 || fail "$nat: capture did not see 200 packets"
	pcap=$WORK/$nat.pcap
	n=$(_tshark -r "$pcap" -Y 'sctp.data_tsn' -T fields -e frame.number | wc -l)
	bad=$(_tshark -r "$pcap" -Y sctp -T fields -e sctp.checksum.status |
		awk '$1 != 1 { n++ } END { print n + 0 }')
	srcs=$(_tshark -r "$pcap" -Y 'sctp.data_tsn' -T fields -e ip.src \
		-e sctp.srcport | sort -u | tr '\t\n' ': ')
	say "  check: $n DATA packets captured at the server from ${srcs% }," \
		"$bad with a bad CRC32c"
	if [ "$n" = 0 ] || [ "$bad" != 0 ] ||
		[ "$srcs" != "$BOX_WAN1:$NEXT_PORT " ]; then
		fail "$nat: the packets through the box are not what was sent"
	fi
}

# pin_box_napi: lan0's NAPI (where veth runs the XDP program and copies
# into the AF_XDP ring) in its own thread, pinned to CPU 1.  The kthread is
# the one that appears when we switch threading on; anything else is
# ambiguous (another job enabling threads at the same moment) and we say
# so rather than pin a thread that is not ours.
pin_box_napi() {
	local before after kt

	before=$(napi_threads)
	n_box sh -c 'echo 1 > /sys/class/net/lan0/threaded' ||
		fail "cannot thread lan0's NAPI"
	after=$(napi_threads)
	kt=$(comm -13 <(echo "$before") <(echo "$after"))
	if [ -z "$kt" ] || [ "$(echo "$kt" | wc -l)" != 1 ]; then
		fail "cannot tell which NAPI thread is the box's lan0 ($kt)"
	fi
	taskset -p -c 1 "$kt" >/dev/null || fail "taskset NAPI thread $kt"
	if [ "$1" = 1 ]; then
		say "  split: sctpalgd and lan0's NAPI thread" \
			"($(ps -o comm= -p "$kt")) pinned to CPU 1"
	fi
}

napi_threads() {
	ps -eo pid=,comm= | awk '$2 ~ /^napi\/lan0-/ { print $1 }' | sort
}

# machine_load WHEN: what else keeps this machine busy, sampled over one
# second with nothing of ours running; a warning when it is more than a
# little, because every figure below then shares the CPUs with it.
machine_load() {
	local busy

	cpu_snap "$WORK/idle0"
	sleep 1		# a measurement interval, not a wait for a condition
	cpu_snap "$WORK/idle1"
	busy=$(cpu_busy "$WORK/idle0" "$WORK/idle1")
	say "  $1: load average $(cut -d ' ' -f 1-3 /proc/loadavg), busy over 1 s: $busy"
	if awk '{ for (i = 1; i < NF; i++)
			if ($i ~ /^cpu[0-9]+$/ && $(i + 1) + 0 > 15) w = 1 }
		END { exit !w }' <<<"$busy"; then
		say "  WARNING: other jobs are using this machine $1; the figures"
		say "  share the CPUs with them (see the ranges and CPU columns)"
	fi
}

placements() {
	echo shared
	[ "$NCPU" -ge 2 ] && echo split
}

# kernel_phase REP: the kernel's NAT, every placement and size.
kernel_phase() {
	local rep=$1 pl s

	box_kernel_nat
	[ "$rep" = 1 ] && verify kernel
	for pl in $(placements); do
		# RPS: lan0's receive processing (conntrack, NAT,
		# forwarding, the transmit to the server and so the sink)
		# moves to CPU 1.
		if [ "$pl" = split ]; then
			n_box sh -c 'echo 2 > /sys/class/net/lan0/queues/rx-0/rps_cpus' ||
				fail "RPS on lan0"
			[ "$rep" = 1 ] && say "  split: RPS on box lan0 to CPU 1"
		fi
		for s in $BENCH_SIZES; do
			blast "$pl" kernel "$s" "$rep"
		done
	done
	n_box sh -c 'echo 0 > /sys/class/net/lan0/queues/rx-0/rps_cpus'
	[ "$rep" = 1 ] && say "  box conntrack: $(n_box grep -c ' sctp .*ESTABLISHED' \
		/proc/net/nf_conntrack) SCTP associations ESTABLISHED"
	n_box nft delete table ip kernel_nat || fail "nft: remove kernel NAT"
}

write_conf() {
	cat >"$WORK/box.conf" <<-CONF
	[daemon]
	xdp-mode = native
	control-socket = $WORK/ctl.sock
	pidfile = $WORK/sctpalgd.pid
	log-level = info

	[inside]
	interface = lan0
	network = $CLI_NET.0/24 uplink isp1

	[uplink isp1]
	interface = wan1
	address = $BOX_WAN1

	[nat]
	multihome = off
	CONF
}

# sctpalgd_phase REP: sctpalgd started afresh, every placement and size,
# then stopped (it must exit 0).
sctpalgd_phase() {
	local rep=$1 pl s modes

	start_sctpalgd "$WORK/box.conf"
	modes=$(grep -oE 'interface [a-z0-9]+: AF_XDP [a-z-]+ mode' \
		"$(out_of box)")
	if ! grep -q 'lan0: AF_XDP native mode' <<<"$modes" ||
		! grep -q 'wan1: AF_XDP native mode' <<<"$modes"; then
		fail "sctpalgd is not in native mode on lan0 and wan1: $modes"
	fi
	if [ "$rep" = 1 ]; then
		while read -r l; do say "  sctpalgd: $l"; done <<<"$modes"
		verify sctpalgd
	fi
	if [ "${BENCH_CAPTURE:-0}" = 1 ]; then
		run_bg capture "$NS_BOX" "$REPO_ROOT/build/sctpalgctl" \
			-s "$WORK/ctl.sock" capture -w /dev/null
		wait_for 10 "the capture running" _capture_live
	fi
	for pl in $(placements); do
		if [ "$pl" = split ]; then
			taskset -a -p -c 1 "${BG_PID[box]}" >/dev/null ||
				fail "taskset sctpalgd"
			pin_box_napi "$rep"
		fi
		for s in $BENCH_SIZES; do
			blast "$pl" sctpalgd "$s" "$rep"
		done
	done
	n_box sh -c 'echo 0 > /sys/class/net/lan0/threaded'
	if [ "$rep" = "$BENCH_REPEAT" ]; then
		say "  sctpalgd's counters (this instance):"
		n_box "$REPO_ROOT/build/sctpalgctl" -s "$WORK/ctl.sock" stats |
			grep -E '^  (forwarded|assocs created)|^drops|^  (lan0|wan1|NAME) ' |
			sed 's/^/  /'
	fi
	if [ "${BENCH_CAPTURE:-0}" = 1 ]; then
		kill -INT "${BG_PID[capture]}"
		wait_bg capture 15 || fail "the capture did not end cleanly"
		say "  capture: $(grep captured "$(out_of capture)")"
	fi
	kill -TERM "${BG_PID[box]}"
	wait_bg box 15 || fail "sctpalgd did not exit cleanly"
}

_capture_live() {
	n_box "$REPO_ROOT/build/sctpalgctl" -s "$WORK/ctl.sock" -j stats |
		grep -q '"captures_live":1'
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", b ? 100 * (b - a) / b : 0 }'; }
pps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

# median_rep PL NAT SIZE: the repetition with the median delivered rate.
median_rep() {
	local r

	for r in $(seq 1 "$BENCH_REPEAT"); do
		echo "$(pps "${R[$1,$2,$3,$r,delivered]}" "${R[$1,$2,$3,$r,secs]}") $r"
	done | sort -n | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }'
}

# range PL NAT SIZE: "min-max" delivered/s over the repetitions.
range() {
	local r

	for r in $(seq 1 "$BENCH_REPEAT"); do
		pps "${R[$1,$2,$3,$r,delivered]}" "${R[$1,$2,$3,$r,secs]}"
		echo
	done | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf "%s-%s", lo, hi }'
}

# ---------------------------------------------------------------- topology
say ""
say "== 2. through the box on veth: sctpalgd against the kernel's NAT"
require_env
if [ ! -x "$BIN/sctp_blast" ] || [ ! -x "$BIN/sctp_respond" ]; then
	fail "build/test/bench/sctp_blast, sctp_respond not built (make tools)"
fi
[ -x "$SCTPALGD" ] || fail "build/sctpalgd not built (make all)"
say "  machine: $(uname -r), $NCPU CPU(s) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
machine_load "before the runs"
say "  the generator, the box and the sink share these CPUs: figures are"
say "  for this VM; compare the two NATs, not the absolute rates."
[ "$NCPU" -ge 2 ] || say "  only one CPU: the split placement is skipped"
topo_create
sink_install
BOX_MAC=$(box_mac)
run_bg respond "$NS_SRV" "$BIN/sctp_respond"
wait_for 5 "sctp_respond listening" grep_out respond LISTEN
write_conf
say "  kernel NAT: nftables masquerade on the uplinks (box_kernel_nat in"
say "  test/e2e/lib.sh), SCTP conntrack"
say "  sctpalgd: ip netns exec $NS_BOX $SCTPALGD -f -c box.conf, box.conf:"
grep -v '^$' "$WORK/box.conf" | sed 's/^/    /'

for rep in $(seq 1 "$BENCH_REPEAT"); do
	say ""
	say "-- round $rep of $BENCH_REPEAT: kernel NAT"
	kernel_phase "$rep"
	say "-- round $rep of $BENCH_REPEAT: sctpalgd (AF_XDP native copy mode)"
	sctpalgd_phase "$rep"
done

say ""
machine_load "after the runs"

# ---------------------------------------------------------------- tables
say ""
say "== 3. results: median of $BENCH_REPEAT runs of $BENCH_SECONDS s, one association each,"
say "   DATA client -> server.  offered: frames the generator handed to the"
say "   veth (those the box's side refused when full included); delivered:"
say "   DATA counted at the server's ingress from the box's address; loss:"
say "   the difference; CPU: busy share of each CPU in that run, whole machine."
printf '%-9s %-9s %5s %6s %10s %12s %6s %15s  %s\n' placement NAT "IP B" \
	frame "offered/s" "delivered/s" loss "delivered range" "CPU"
for row in "${ROWS[@]}"; do
	read -r pl nat size <<<"$row"
	m=$(median_rep "$pl" "$nat" "$size")
	k="$pl,$nat,$size,$m"
	printf '%-9s %-9s %5s %6s %10s %12s %6s %15s  %s\n' "$pl" "$nat" \
		"$size" "${R[$k,frame]}" "$(pps "${R[$k,offered]}" "${R[$k,secs]}")" \
		"$(pps "${R[$k,delivered]}" "${R[$k,secs]}")" \
		"$(pct "${R[$k,delivered]}" "${R[$k,offered]}")" \
		"$(range "$pl" "$nat" "$size")" "${R[$k,cpu]}"
done

say ""
say "== side by side: DATA packets/s.  engine: bench_engine above, in process,"
say "   one core, no I/O.  sctpalgd, kernel NAT: median delivered through the"
say "   box.  shared: the kernel NAT's forwarding runs in the generator's"
say "   softirq on the generator's CPU, while sctpalgd's daemon gets the other"
say "   CPU; split: the box has exactly CPU 1 either way (one-core capacity)."
printf '%-6s %-9s %16s %12s %12s %16s\n' "IP B" placement "engine (1 core)" \
	sctpalgd "kernel NAT" "sctpalgd/kernel"
for s in $BENCH_SIZES; do
	for pl in $(placements); do
		m=$(median_rep "$pl" sctpalgd "$s")
		a=$(pps "${R[$pl,sctpalgd,$s,$m,delivered]}" \
			"${R[$pl,sctpalgd,$s,$m,secs]}")
		m=$(median_rep "$pl" kernel "$s")
		b=$(pps "${R[$pl,kernel,$s,$m,delivered]}" \
			"${R[$pl,kernel,$s,$m,secs]}")
		printf '%-6s %-9s %16s %12s %12s %16s\n' "$s" "$pl" \
			"$(engine_pps "$s")" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
	done
done
say ""
say "command: make bench (bash test/bench/run.sh; BENCH_SECONDS=$BENCH_SECONDS" \
	"BENCH_SIZES=\"$BENCH_SIZES\" BENCH_REPEAT=$BENCH_REPEAT)"
exit 0
