#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh - what `make bench` prints: the engine's translation rate in
# process (bench_engine), its association set-ups and memory
# (bench_setup), the fast path's XDP program alone against the limit's
# (fast_bench), then DATA packets/s through the box on veth and
# the box's CPU time per packet, for four NATs on the same namespace
# topology in the same run, then side by side:
#   kernel  the kernel's NAT: nftables masquerade, SCTP conntrack
#   afxdp   sctpalgd, fast-path = off: every packet through AF_XDP (native
#           copy mode on veth) and the engine
#   xdp     sctpalgd, fast-path = xdp: established associations forwarded
#           by its XDP program, the rest as afxdp
#   limit   test/bench/xdp_limit.bpf.c, a stateless XDP source NAT that
#           rewrites, patches the IPv4 checksum, sets MACs and redirects:
#           the least a NAT on this path can cost
# with 1, 10,000 and 100,000 established associations (DATA spread over
# them round-robin), at 64 and 1200 IP bytes.  Then the multi-queue case:
# veths with two queues, the box's work on both cores, for kernel, xdp and
# limit, one queue against two in alternating rounds, with the share of
# the box's lan0 packets each RX queue took (ethtool -S).
# Figures, not a test: nothing is judged on speed.  It exits non-zero only
# when the setup is broken (handshakes fail, nothing gets through, a NAT
# does not start, packets through the box are not what was sent).
#
#   +------------------ cli ------------------+
#   | sctp_blast: handshakes over raw IP, then|  generator: N real
#   | DATA by BPF_PROG_RUN, XDP live frames   |  associations, DATA only
#   +-------------------+---------------------+
#                       | lan0 (veth, GRO on: NAPI; the DATA enters
#                       |  the box's ring as xdp_frames, no skb)
#   +------------------ box ------------------+
#   | one NAT at a time (above)               |  the NAT under test
#   +-------------------+---------------------+
#                       | wan1 (veth)
#   +------------------ srv ------------------+
#   | sctp_respond answers the handshakes;    |  sink: counts and drops
#   | xdp_sink counts and drops the DATA      |  DATA from the box only
#   +-----------------------------------------+   (in XDP, on wan1)
#
# GRO is on at the box's lan0 and the server's wan1 (TSO off on the
# sending ends, see links()) so that every NAT's receive work runs in a
# NAPI poll of its own, the kernel NAT's too; the sink's XDP program
# makes the server's wan1 take frames redirected by XDP (a veth takes
# them only when its peer has an XDP program or GRO on).  Those NAPIs run
# as threads (/sys/class/net/*/threaded), which makes each side's CPU
# time its own: the box's CPU time is that of its lan0 NAPI threads plus
# sctpalgd's threads (/proc/PID/schedstat, nanoseconds), not that of
# whatever else the machine runs.  The server's sink is not part of it.
#
# The generator (BENCH_GEN=live, the default): sctp_blast --xdp-live
# runs test/bench/xdp_live_gen.bpf.c by BPF_PROG_RUN in live-frame mode
# on the client's lan0, which sends every frame by XDP_TX through the
# veth's ndo_xdp_xmit into the box's ring: 14 to 92 ns of the
# generator's CPU per packet (2026-12-06), where AF_PACKET's skbs took
# 560 to 640 ns with an XDP program in the box and kept the offered load
# below what the box could take.
# BENCH_GEN=packet: the AF_PACKET generator (PACKET_QDISC_BYPASS,
# sendmmsg), for comparison; its skbs reach an XDP program in the box
# only after veth copies them into an xdp_buff, which the box pays for.
#
# Placement, one-core table: the generator and the sink on CPU 0, the box
# (lan0's NAPI thread, sctpalgd) on CPU 1.  Multi-queue: lan0 and wan1
# with two queues, one lan0 NAPI thread on each CPU, against the same with
# one queue (its NAPI thread on either CPU); sctpalgd (queues = all, one
# AF_XDP socket per queue, checked) on both.  Two generators, one pinned
# to each CPU with half of the associations: the sending CPU picks the
# veth queue (veth_select_rxq() for live frames, packet_pick_tx_queue()
# with PACKET_QDISC_BYPASS), so CPU k's frames go to RX queue k, polled
# on CPU k (BENCH_MQ_GEN=1: one AF_PACKET generator through the
# (noqueue) qdisc path, where the flow hash spreads the associations
# over the queues and every frame of queue 1 wakes the other CPU).  The
# sink floats.  The box's and the sink's NAPI threads run SCHED_FIFO
# (BENCH_MQ_RT=0: not), as a softirq preempts user tasks: else the
# generators and whatever else runs on the machine take their CPU, and
# the rings overflow on the way into the box; in the one-core case too,
# except the box's with fast-path = off (place()).  The generators run
# SCHED_FIFO below them (BENCH_GEN_RT=0: not): they take what the box
# and the sink leave, and other jobs cannot take it from them.
#
# Environment: BENCH_GEN (live or packet, above), BENCH_SECONDS (2) per
# run, BENCH_SIZES ("64 1200"),
# BENCH_ASSOCS ("1 10000 100000"; empty: only the multi-queue case),
# BENCH_MODES ("kernel afxdp xdp limit"), BENCH_REPEAT (2, back to back on
# the same associations; the tables show the run with the median
# delivered rate), BENCH_MQ (1: the multi-queue case, 0: skip it),
# BENCH_MQ_ASSOCS (10000), BENCH_MQ_GEN (2, above), BENCH_MQ_ROUNDS (2: one queue, two queues,
# one queue, two queues, each round set up afresh and run BENCH_REPEAT
# times: a load that comes and goes hits both), KEEP=1 keeps the logs, BENCH_PERF=DIR records
# a perf profile of the box's CPU during the first run of each one-core
# case into DIR (DIR/<case>.data and a flat DIR/<case>.txt by symbol),
# BENCH_BURST (1: each DATA packet another association's; N: N packets of
# an association in a row, as a sender with its window open sends them).

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$BENCH_DIR/../e2e/lib.sh"

BENCH_SECONDS=${BENCH_SECONDS:-2}
BENCH_REPEAT=${BENCH_REPEAT:-2}
BENCH_SIZES=${BENCH_SIZES:-64 1200}
BENCH_ASSOCS=${BENCH_ASSOCS-1 10000 100000}
BENCH_MODES=${BENCH_MODES:-kernel afxdp xdp limit}
BENCH_MQ=${BENCH_MQ:-1}
BENCH_MQ_ASSOCS=${BENCH_MQ_ASSOCS:-10000}
BENCH_MQ_ROUNDS=${BENCH_MQ_ROUNDS:-2}
BENCH_MQ_GEN=${BENCH_MQ_GEN:-2}
BENCH_MQ_RT=${BENCH_MQ_RT:-1}
BENCH_GEN_RT=${BENCH_GEN_RT:-1}
NAPI_PRIO=50		# SCHED_FIFO: the box's and the sink's NAPI threads
GEN_PRIO=10		# ... above the generators
BENCH_PERF=${BENCH_PERF:-}
BENCH_GEN=${BENCH_GEN:-live}
BENCH_BURST=${BENCH_BURST:-1}
case $BENCH_GEN in
live) GEN_FLAG=--xdp-live ;;
packet) GEN_FLAG="" ;;
*) echo "BENCH_GEN: live or packet, not $BENCH_GEN" >&2; exit 2 ;;
esac
BIN=$REPO_ROOT/build/test/bench
SCTPALGD=$REPO_ROOT/build/sctpalgd
SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
NCPU=$(nproc)
SPORT=10000		# sctp_blast: association i from SPORT + i % 50000
PORT_SPAN=50000		# ... to NEXT_DPORT + i / 50000
NEXT_DPORT=5001		# every set-up its own destination ports

declare -A R=()		# R[case,nat,assocs,size,rep,field]
ROWS=()			# "case nat assocs size", table order
MQRUNS=()		# multi-queue runs' R[] keys, in the order they ran
QUEUES=1
BOX_NAPI=""		# the box's lan0 NAPI threads
SRV_NAPI=""		# the server's wan1 NAPI threads
MODE=""			# the NAT in place now
ASSOC_FILE=""		# its associations (sctp_blast --save)
REP0=0			# runs numbered from REP0 + 1 (multi-queue rounds)

label() {
	case $1 in
	kernel) echo "kernel NAT (nft masquerade, conntrack)" ;;
	afxdp) echo "sctpalgd, fast-path = off (AF_XDP copy mode)" ;;
	xdp) echo "sctpalgd, fast-path = xdp" ;;
	limit) echo "stateless XDP redirect NAT (xdp_limit, the limit)" ;;
	esac
}

# ---------------------------------------------------------------- in process
say "== 1. the engine in process: build/test/bench/bench_engine"
ENGINE_OUT=$("$BIN/bench_engine") || fail "bench_engine exited $?"
say "$ENGINE_OUT"
say "== 1b. association set-up and memory in process: build/test/bench/bench_setup"
SETUP_OUT=$("$BIN/bench_setup") || fail "bench_setup exited $?"
say "$SETUP_OUT"
# The same one packet per engine_process() call, as measured before
# the engine took batches of set-up packets together (README, Performance).
SETUP_ONE_OUT=$(BENCH_SETUP_BATCH=1 "$BIN/bench_setup") ||
	fail "bench_setup (one by one) exited $?"
say "$SETUP_ONE_OUT"
# The fast path's XDP program alone against the limit's, by BPF_PROG_RUN:
# what the through-the-box tables below measure with veth around it.
say "== 1c. the fast path's program alone: build/test/fastpath/fast_bench"
FAST_OUT=$("$REPO_ROOT/build/test/fastpath/fast_bench") ||
	fail "fast_bench exited $?"
say "$FAST_OUT"

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

# task_ns PID...: nanoseconds on a CPU so far, every thread of each PID
# (/proc/PID/task/TID/schedstat, first field); a PID gone counts 0.
task_ns() {
	local p

	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# thread_snap FILE: each box NAPI thread's nanoseconds on a CPU so far.
thread_snap() {
	local p

	for p in $BOX_NAPI; do
		echo "$p $(task_ns "$p")"
	done >"$1"
}

# thread_share BEFORE SECS: each box NAPI thread's share of a core since
# the snapshot, "52%+48%": with two queues, whether both carry the load.
thread_share() {
	local p t

	while read -r p t; do
		echo $(($(task_ns "$p") - t))
	done <"$1" | awk -v s="$2" '{ printf "%s%.0f%%", (NR > 1 ? "+" : ""),
		$1 / s / 1e7 }'
}

# queue_snap FILE: frames each RX queue of the box's lan0 took so far
# (veth's rx_queue_N_xdp_packets: every frame its NAPI polled, with or
# without an XDP program).
queue_snap() {
	ip netns exec "$NS_BOX" ethtool -S lan0 |
		awk '$1 ~ /^rx_queue_[0-9]+_xdp_packets:$/ { print $2 }' >"$1"
}

# queue_share BEFORE AFTER: each RX queue's share of the frames between
# two snapshots, "50%+50%": whether the flows reached both queues.
queue_share() {
	paste -d ' ' "$1" "$2" | awk '{ d[NR] = $2 - $1; t += d[NR] }
		END { for (i = 1; i <= NR; i++)
			printf "%s%.0f%%", (i > 1 ? "+" : ""),
				(t ? 100 * d[i] / t : 0) }'
}

# daemon_pids: the box's processes (sctpalgd; xdp_limit's loader, which
# only sleeps); with the lan0 NAPI threads, the box's CPU time.
daemon_pids() {
	local p

	for p in box limit; do
		[ -n "${BG_PID[$p]:-}" ] && echo "${BG_PID[$p]}"
	done
}

# tx_dropped NS DEV: frames a veth end could not hand to its peer (the
# peer's ring full), skbs and XDP redirects alike.
tx_dropped() {
	ip -n "$1" -s link show "$2" | awk '/TX:/ { getline; print $4 }'
}

# drops_in / drops_out: frames lost on the way into the box (its lan0
# ring full: the box too slow) and out of it (the server's wan1 ring
# full: the sink too slow).
drops_in() { tx_dropped "$NS_CLI" lan0; }
drops_out() { tx_dropped "$NS_BOX" wan1; }

# delivered: DATA packets the server's sink has counted so far.
delivered() {
	bpftool -j map dump id "$SINK_MAP" |
		jq '[.[0].formatted.values[].value] | add // 0'
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

# sink_install: count and drop, in XDP at the server's wan1, the DATA the
# box translated (source the box's uplink address; xdp_sink in
# test/bench/xdp_limit.bpf.c): nothing reaches the server's stack, so
# the sink costs little per packet on the CPU it shares with the
# generator.  Handshake chunks pass to sctp_respond.
sink_install() {
	stop_bg sink
	run_bg sink "$NS_SRV" "$BIN/xdp_limit" --ifname wan1 --sink "$BOX_WAN1"
	wait_for 10 "the sink attached" grep_out sink ATTACHED
	SINK_MAP=$(sed -n 's/.*map_id=\([0-9]*\).*/\1/p' "$(out_of sink)")
	delivered >/dev/null || fail "cannot read the sink's counter"
}

# sink_pass 1|0: the sink passes what it counts (for a capture) or not.
# shellcheck disable=SC2317  # called through wait_for
_sink_said() { [ "$(tail -n 1 "$(out_of sink)")" = "PASS $1" ]; }
sink_pass() {
	if [ "$1" = 1 ]; then
		kill -USR1 "${BG_PID[sink]}"
	else
		kill -USR2 "${BG_PID[sink]}"
	fi
	wait_for 5 "sink pass $1" _sink_said "$1"
}

mac_of() {
	ip -n "$1" -o link show "$2" |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# napi_threads DEV: PIDs of the NAPI threads of devices named DEV (in
# any namespace: names are not unique across namespaces), in the order
# of their NAPI ids ("napi/DEV-ID"): a veth adds its NAPIs queue by
# queue, so that is RX queue 0, 1, ...  Not the order of the PIDs: the
# kernel starts the threads from its list of the device's NAPIs, the
# last queue's first.
napi_threads() {
	ps -eo pid=,comm= |
		awk -v p="napi/$1-" 'index($2, p) == 1 {
			print substr($2, length(p) + 1), $1 }' |
		sort -n | awk '{ print $2 }'
}

# napi_thread NS DEV: DEV's NAPI polls in threads of their own (one per
# queue); prints their PIDs, RX queue 0's first.  Ours are the threads
# that appear when we switch threading on; if another job does the same
# at that moment the count is wrong and we try again.
napi_thread() {
	local ns=$1 dev=$2 try before after kt

	for try in 1 2 3 4 5; do
		ip netns exec "$ns" sh -c "echo 0 > /sys/class/net/$dev/threaded"
		before=$(napi_threads "$dev")
		ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded" ||
			fail "cannot thread $ns/$dev's NAPI"
		after=$(napi_threads "$dev")
		kt=$(grep -vxF -f <(echo "$before") <<<"$after")
		if [ "$(echo "$kt" | grep -c .)" = "$QUEUES" ]; then
			echo "$kt"
			return 0
		fi
		say_err "  $ns/$dev: NAPI threads ambiguous ($kt), try $try"
	done
	fail "cannot tell which NAPI threads are $ns/$dev's"
}

# pin CPUS PID...: PID k to CPU k of the list CPUS ("0,1": any of both;
# "1": CPU 1; "0 1": one each).
pin() {
	local cpus i=0 p

	read -r -a cpus <<<"$1"
	shift
	for p in "$@"; do
		taskset -p -c "${cpus[i % ${#cpus[@]}]}" "$p" >/dev/null ||
			fail "taskset $p"
		i=$((i + 1))
	done
}

# box_cpus / outside_cpus: where the box's and the outside world's
# (generator, sink) threads run, per case.
box_cpus() {
	if [ "$NCPU" -lt 2 ]; then echo 0
	elif [ "$1" = one ]; then echo 1
	elif [ "$QUEUES" = 2 ]; then echo "0 1"
	else echo "0,1"
	fi
}
outside_cpus() {
	if [ "$NCPU" -lt 2 ] || [ "$1" = one ]; then echo 0; else echo "0,1"; fi
}

# place CASE: threads the NAPIs (again: attaching XDP may replace them)
# and pins the box's and the sink's threads.
place() {
	local p rt

	BOX_NAPI=$(napi_thread "$NS_BOX" lan0 | tr '\n' ' ')
	SRV_NAPI=$(napi_thread "$NS_SRV" wan1 | tr '\n' ' ')
	# shellcheck disable=SC2086  # lists of PIDs
	pin "$(box_cpus "$1")" $BOX_NAPI
	# shellcheck disable=SC2086
	pin "$(outside_cpus "$1")" $SRV_NAPI
	# Multi-queue: the NAPI threads preempt user tasks, as NAPI in a
	# softirq would, so that the generators and other jobs on the
	# machine do not take the box's (and the sink's) CPU away.
	# One core, the same: the sink's NAPI thread preempts the generator
	# it shares CPU 0 with (the generator never sleeps; under the fair
	# scheduler the two would take turns of milliseconds, and while the
	# sink ran the box's ring would run dry and the box idle), and the
	# box's preempts other jobs on CPU 1.  Not with fast-path = off:
	# there the NAPI thread, always busy, would starve sctpalgd.
	if [ "$BENCH_MQ_RT" = 1 ]; then
		rt="$BOX_NAPI $SRV_NAPI"
		[ "$1" = one ] && [ "$MODE" = afxdp ] && rt=$SRV_NAPI
		for p in $rt; do
			chrt -f -p "$NAPI_PRIO" "$p" >/dev/null || fail "chrt $p"
		done
	fi
	if [ -n "${BG_PID[box]:-}" ]; then
		taskset -a -p -c "$(box_cpus "$1" | tr ' ' ',')" \
			"${BG_PID[box]}" >/dev/null || fail "taskset sctpalgd"
	fi
}

# links QUEUES: (re)creates the veths lan0 (client-box) and wan1
# (box-server) with QUEUES queues each way, addresses, routes, GRO, the
# sink.  wan2 stays as topo_create made it, unused.
links() {
	local q=$1

	QUEUES=$q
	stop_bg sink
	ip -n "$NS_CLI" link del lan0 2>/dev/null
	ip -n "$NS_BOX" link del wan1 2>/dev/null
	ip -n "$NS_CLI" link add lan0 numtxqueues "$q" numrxqueues "$q" \
		type veth peer name lan0 netns "$NS_BOX" numtxqueues "$q" \
		numrxqueues "$q" || fail "veth lan0 with $q queues"
	ip -n "$NS_BOX" link add wan1 numtxqueues "$q" numrxqueues "$q" \
		type veth peer name wan1 netns "$NS_SRV" numtxqueues "$q" \
		numrxqueues "$q" || fail "veth wan1 with $q queues"
	ip -n "$NS_CLI" addr add "$CLI_ADDR1/24" dev lan0
	ip -n "$NS_BOX" addr add "$BOX_LAN/24" dev lan0
	ip -n "$NS_BOX" addr add "$BOX_WAN1/24" dev wan1
	ip -n "$NS_SRV" addr add "$SRV_ADDR1/24" dev wan1
	n_box sysctl -qw net.ipv4.conf.lan0.rp_filter=0
	n_box sysctl -qw net.ipv4.conf.wan1.rp_filter=0
	# veth hands an skb to the peer's NAPI only if the sender has no TSO
	# (veth_skb_is_eligible_for_gro()), else to the backlog of the
	# sending CPU: TSO off where frames enter lan0 and wan1.
	n_cli ethtool -K lan0 tso off >/dev/null || fail "TSO off on cli lan0"
	n_box ethtool -K wan1 tso off >/dev/null || fail "TSO off on box wan1"
	n_box ethtool -K lan0 gro on >/dev/null || fail "GRO on box lan0"
	n_srv ethtool -K wan1 gro on >/dev/null || fail "GRO on srv wan1"
	ip -n "$NS_CLI" link set lan0 up
	ip -n "$NS_BOX" link set lan0 up
	ip -n "$NS_BOX" link set wan1 up
	ip -n "$NS_SRV" link set wan1 up
	wait_for 5 "veth carrier" _links_up
	ip -n "$NS_CLI" route add default via "$BOX_LAN" dev lan0 ||
		fail "client route"
	BOX_MAC=$(mac_of "$NS_BOX" lan0)
	SRV_MAC=$(mac_of "$NS_SRV" wan1)
	sink_install
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
		say "  share the CPUs with them (see the CPU columns)"
	fi
}

write_conf() {
	cat >"$WORK/box-$1.conf" <<-CONF
	[daemon]
	xdp-mode = native
	fast-path = $2
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

	# 100,000 associations from one inside host, set up as fast as the
	# generator can: no per-host, handshake or INIT rate limits.
	[limits]
	associations = 262144
	per-host = 0
	handshakes = 0
	init-rate = 0
	source-init-rate = 0
	CONF
}

ctl_stat() {
	n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
		jq -r "[.. | objects | .\"$1\"? // empty][0] // empty"
}

# shellcheck disable=SC2317  # called through wait_for
fast_entries_at_least() {
	local n

	n=$(ctl_stat fast_path_entries)
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}

# nat_start MODE: puts MODE in place in the box.
nat_start() {
	local modes

	MODE=$1
	case $1 in
	kernel)
		box_kernel_nat
		;;
	afxdp | xdp)
		start_sctpalgd "$WORK/box-$1.conf"
		modes=$(grep -oE 'interface [a-z0-9]+: AF_XDP [a-z-]+ mode' \
			"$(out_of box)")
		if ! grep -q 'lan0: AF_XDP native mode' <<<"$modes" ||
			! grep -q 'wan1: AF_XDP native mode' <<<"$modes"; then
			fail "sctpalgd is not in native mode on lan0 and wan1: $modes"
		fi
		if [ "$1" = xdp ]; then
			grep_out box 'fast path: xdp' ||
				fail "sctpalgd: no 'fast path: xdp' in its log"
		fi
		# queues = all: an AF_XDP socket on every RX queue.
		modes=$(n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" -j stats |
			jq -r '[.. | objects | select(.name? == "lan0") |
				.queues][0] // empty')
		[ "$modes" = "$QUEUES" ] ||
			fail "sctpalgd serves ${modes:-?} queue(s) of lan0's $QUEUES"
		;;
	limit)
		run_bg limit "$NS_BOX" "$BIN/xdp_limit" --ifname lan0 \
			--out wan1 --inside "$CLI_NET.0/24" --public "$BOX_WAN1" \
			--dmac "$SRV_MAC"
		wait_for 10 "xdp_limit attached" grep_out limit ATTACHED
		;;
	esac
}

nat_stop() {
	case $MODE in
	kernel)
		n_box nft delete table ip kernel_nat ||
			fail "nft: remove kernel NAT"
		;;
	afxdp | xdp)
		kill -TERM "${BG_PID[box]}"
		wait_bg box 30 || fail "sctpalgd did not exit cleanly"
		;;
	limit)
		kill -TERM "${BG_PID[limit]}"
		wait_bg limit 10 || fail "xdp_limit did not detach cleanly"
		;;
	esac
	MODE=""
}

# setup N: N associations through the NAT in place, saved for the runs
# (the limit needs none: its sctp_blast invents the tags).
setup() {
	local n=$1 name="setup-$MODE-$1" secs

	ASSOC_FILE=""
	[ "$MODE" = limit ] && return 0
	ASSOC_FILE=$WORK/assocs-$MODE-$n
	run_bg "$name" "$NS_CLI" "$BIN/sctp_blast" --src "$CLI_ADDR1" \
		--dst "$SRV_ADDR1" --sport "$SPORT" --dport "$NEXT_DPORT" \
		--assocs "$n" --save "$ASSOC_FILE"
	NEXT_DPORT=$((NEXT_DPORT + (n + PORT_SPAN - 1) / PORT_SPAN))
	wait_bg "$name" $((60 + n / 500)) ||
		fail "$MODE: handshakes through the box failed: $(tail -n 2 "$(out_of "$name")" | tr '\n' ' ')"
	secs=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$(out_of "$name")")
	say "  $n associations set up in $secs s: $(grep -c . "$ASSOC_FILE") established"
	# Halves for the multi-queue case's two generators.
	awk -v f="$ASSOC_FILE" '{ print > (f "." (NR > '"$((n / 2))"')) }' \
		"$ASSOC_FILE"
	if [ "$MODE" = xdp ]; then
		# Each established association: one entry per direction.
		wait_for 30 "fast path entries for $n associations" \
			fast_entries_at_least "$n"
		say "  fast path entries: $(ctl_stat fast_path_entries)"
	fi
	if [ "$MODE" = kernel ]; then
		say "  box conntrack: $(n_box grep -c ' sctp .*ESTABLISHED' \
			/proc/net/nf_conntrack) SCTP entries ESTABLISHED"
	fi
}

# perf_start NAME / perf_stop: with BENCH_PERF, a system-wide profile of
# the box's CPU only (in the one-core case nothing else runs there), for
# the duration of the run; perf_stop writes the flat profile by symbol.
PERF_PID=""
PERF_NAME=""
perf_start() {
	[ -n "$BENCH_PERF" ] || return 0
	mkdir -p "$BENCH_PERF"
	PERF_NAME=$1
	perf record -q -g -a -C "$(box_cpus one)" -o "$BENCH_PERF/$1.data" \
		-- sleep "$BENCH_SECONDS" >/dev/null 2>&1 &
	PERF_PID=$!
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	wait "$PERF_PID" || say "    perf record failed for $PERF_NAME"
	perf report -q -g none --no-children --sort comm,dso,symbol \
		-i "$BENCH_PERF/$PERF_NAME.data" 2>/dev/null |
		grep -v '^$' | head -n 40 >"$BENCH_PERF/$PERF_NAME.txt"
	PERF_PID=""
}

# gen_field sum|max KEY NAME...: KEY of the generators' RESULT lines,
# summed or the largest.
gen_field() {
	local how=$1 key=$2 g

	shift 2
	for g in "$@"; do
		result_field "$g" "$key"
	done | awk -v how="$how" '{ s += $1; if ($1 > m) m = $1 }
		END { if (how == "sum") print s; else print m }'
}

# blast CASE ASSOCS SIZE REP: one timed run, results into R[].
blast() {
	local c=$1 n=$2 size=$3 rep=$4 name="blast-$1-$MODE-$2-$3-$4" d0 d1
	local k="$c,$MODE,$n,$size,$rep" pin="" cmd b0 b1 s0 s1 p0 p1 i0 o0
	local gens g gcmd

	[ "$c" = one ] && pin="taskset -c $(outside_cpus one)"
	# The generators run SCHED_FIFO too, below the box's and the sink's
	# NAPI threads: they take what those leave, and other jobs on the
	# machine cannot starve them (the box's ring would run dry).
	[ "$BENCH_MQ_RT" = 1 ] && [ "$BENCH_GEN_RT" = 1 ] &&
		pin="${pin:+$pin }chrt -f $GEN_PRIO"
	cmd="$BIN/sctp_blast --src $CLI_ADDR1 --dst $SRV_ADDR1 --dport $SCTP_PORT --ifname lan0 --dmac $BOX_MAC --ip-len $size --seconds $BENCH_SECONDS"
	[ "$BENCH_BURST" = 1 ] || cmd="$cmd --burst $BENCH_BURST"
	gens=("$name")
	if [ "$c" = one ] || [ "$BENCH_MQ_GEN" = 1 ]; then
		cmd="$cmd --sport $SPORT --assocs $n"
		# Multi-queue: the flow hash, not the generator's CPU, picks
		# the queue (AF_PACKET through the qdisc path).
		if [ "$c" = one ]; then
			cmd="$cmd $GEN_FLAG"
		else
			cmd="$cmd --via-qdisc"
		fi
		if [ -n "$ASSOC_FILE" ]; then
			cmd="$cmd --load $ASSOC_FILE"
		else
			cmd="$cmd --no-handshake"
		fi
		[ "$rep" = 1 ] && [ "$size" = "${BENCH_SIZES%% *}" ] &&
			say "  ip netns exec $NS_CLI ${pin:+$pin }${cmd//$WORK\//}"
	else
		gens=("$name-0" "$name-1")
	fi
	d0=$(delivered)
	queue_snap "$WORK/queues0"
	i0=$(drops_in)
	o0=$(drops_out)
	cpu_snap "$WORK/cpu0"
	thread_snap "$WORK/threads0"
	# shellcheck disable=SC2086,SC2046  # lists of PIDs
	{
		b0=$(task_ns $BOX_NAPI)
		p0=$(task_ns $(daemon_pids))
		s0=$(task_ns $SRV_NAPI)
	}
	if [ "${#gens[@]}" = 1 ]; then
		# shellcheck disable=SC2086
		run_bg "$name" "$NS_CLI" $pin $cmd
	else
		# Two generators, one pinned to each CPU, each with half of the
		# associations: the sending CPU picks the veth queue
		# (veth_select_rxq(), or packet_pick_tx_queue() with
		# PACKET_QDISC_BYPASS), so with two queues CPU k's frames go
		# to RX queue k, whose NAPI thread runs on CPU k: a NIC's RSS
		# queue with its IRQ on its core.
		# With one queue both feed queue 0.
		for g in 0 1; do
			gcmd="$cmd $GEN_FLAG --sport $((SPORT + g * (n / 2))) --assocs $(((n + 1 - g) / 2))"
			if [ -n "$ASSOC_FILE" ]; then
				gcmd="$gcmd --load $ASSOC_FILE.$g"
			else
				gcmd="$gcmd --no-handshake"
			fi
			[ "$rep" = 1 ] && [ "$size" = "${BENCH_SIZES%% *}" ] &&
				say "  ip netns exec $NS_CLI taskset -c $g ${pin:+$pin }${gcmd//$WORK\//}"
			# shellcheck disable=SC2086
			run_bg "$name-$g" "$NS_CLI" taskset -c "$g" $pin $gcmd
		done
	fi
	[ "$c" = one ] && [ "$rep" = 1 ] && perf_start "$name"
	for g in "${gens[@]}"; do
		wait_bg "$g" $((BENCH_SECONDS + 60)) ||
			fail "$g: sctp_blast failed ($(tail -n 1 "$(out_of "$g")"))"
	done
	perf_stop
	_last_delivered=-1
	wait_for 10 "sink counter settled" settled
	cpu_snap "$WORK/cpu1"
	# shellcheck disable=SC2086,SC2046
	{
		b1=$(task_ns $BOX_NAPI)
		p1=$(task_ns $(daemon_pids))
		s1=$(task_ns $SRV_NAPI)
	}
	d1=$(delivered)
	queue_snap "$WORK/queues1"
	R[$k,queues]=$(queue_share "$WORK/queues0" "$WORK/queues1")
	R[$k,load]=$(cut -d ' ' -f 1 /proc/loadavg)
	R[$c,$MODE,$n,$size,nrep]=$rep
	R[$k,in]=$(($(drops_in) - i0))
	R[$k,out]=$(($(drops_out) - o0))
	# What the box forwarded: delivered, and lost after the box.
	R[$k,fwd]=$((d1 - d0 + R[$k,out]))

	# Two generators: their sums, over the longer of their runs.
	R[$k,offered]=$(gen_field sum offered "${gens[@]}")
	R[$k,gen]=$(gen_field sum cpu_s "${gens[@]}")
	R[$k,frame]=$(result_field "${gens[0]}" frame_len)
	R[$k,delivered]=$((d1 - d0))
	R[$k,secs]=$(gen_field max secs "${gens[@]}")
	# Over the generators' time: a flood's last call to the kernel may
	# end after BENCH_SECONDS.
	R[$k,threads]=$(thread_share "$WORK/threads0" "${R[$k,secs]}")
	R[$k,napi]=$((b1 - b0))
	R[$k,daemon]=$((p1 - p0))
	R[$k,box]=$((b1 - b0 + p1 - p0))
	R[$k,sink]=$((s1 - s0))
	R[$k,cpu]=$(cpu_busy "$WORK/cpu0" "$WORK/cpu1")
	[ "$rep" = 1 ] && ROWS+=("$c $MODE $n $size")
	[ "$c" = one ] || MQRUNS+=("$k")
	printf '    %5s B run %s: offered %s/s, delivered %s/s, box %s ns per packet forwarded (NAPI %s + daemon %s; %s of a core, NAPI threads %s, RX queues %s), generator %s ns/pkt, sink %s ns/pkt; dropped into the box %s, out of it %s; %s, load %s\n' \
		"$size" "$rep" "$(pps "${R[$k,offered]}" "${R[$k,secs]}")" \
		"$(pps "${R[$k,delivered]}" "${R[$k,secs]}")" \
		"$(per "${R[$k,box]}" "${R[$k,fwd]}")" \
		"$(per "${R[$k,napi]}" "${R[$k,fwd]}")" \
		"$(per "${R[$k,daemon]}" "${R[$k,fwd]}")" \
		"$(core "${R[$k,box]}" "${R[$k,secs]}")" "${R[$k,threads]}" \
		"${R[$k,queues]}" \
		"$(per "$(awk -v s="${R[$k,gen]}" 'BEGIN { printf "%.0f", s * 1e9 }')" "${R[$k,offered]}")" \
		"$(per "${R[$k,sink]}" "${R[$k,delivered]}")" "${R[$k,in]}" \
		"${R[$k,out]}" "${R[$k,cpu]}" "${R[$k,load]}"
	# Two queues, and one of them took nothing: the flows did not spread,
	# the figures would be one queue's.
	if [ "$QUEUES" -gt 1 ] && grep -qE '(^|\+)0%' <<<"${R[$k,queues]}"; then
		fail "$MODE: $QUEUES RX queues but one took no frames (${R[$k,queues]})"
	fi
	[ "${R[$k,delivered]}" -gt 0 ] ||
		fail "$MODE ($n associations, $size B): nothing delivered, the set-up is broken"
}

# verify: a short run with the server side captured, to show the figures
# count real translated SCTP: box address as source, the port the client
# used, IPv4 header checksum and CRC32c valid on every captured packet.
verify() {
	local pcap=$WORK/$MODE.pcap bad n srcs hs="" dport=$NEXT_DPORT

	NEXT_DPORT=$((NEXT_DPORT + 1))
	sink_pass 1
	run_bg "cap-$MODE" "$NS_SRV" dumpcap -q -i wan1 -c 200 \
		-f "ip proto 132 and src host $BOX_WAN1" -w "$pcap"
	wait_for 10 "capture on $NS_SRV/wan1" grep_out "cap-$MODE" 'Capturing on'
	[ "$MODE" = limit ] && hs=--no-handshake
	run_bg "verify-$MODE" "$NS_CLI" "$BIN/sctp_blast" --src "$CLI_ADDR1" \
		--dst "$SRV_ADDR1" --sport "$SPORT" --dport "$dport" \
		--ifname lan0 --dmac "$BOX_MAC" --ip-len 128 --seconds 0.2 $hs \
		$GEN_FLAG
	wait_bg "verify-$MODE" 30 || fail "$MODE: handshake through the box failed"
	wait_bg "cap-$MODE" 10 || fail "$MODE: capture did not see 200 packets"
	sink_pass 0
	n=$(_tshark -r "$pcap" -Y 'sctp.data_tsn' -T fields -e frame.number | wc -l)
	bad=$(_tshark -o ip.check_checksum:TRUE -r "$pcap" -Y sctp -T fields \
		-e sctp.checksum.status -e ip.checksum.status |
		awk '$1 != 1 || $2 != 1 { n++ } END { print n + 0 }')
	srcs=$(_tshark -r "$pcap" -Y 'sctp.data_tsn' -T fields -e ip.src \
		-e sctp.srcport | sort -u | tr '\t\n' ': ')
	say "  check: $n DATA packets captured at the server from ${srcs% }," \
		"$bad with a bad CRC32c or IPv4 checksum"
	if [ "$n" = 0 ] || [ "$bad" != 0 ] ||
		[ "$srcs" != "$BOX_WAN1:$SPORT " ]; then
		fail "$MODE: the packets through the box are not what was sent"
	fi
}

# sctpalgd_counters: what took the packets (fast path or AF_XDP).
sctpalgd_counters() {
	case $MODE in
	afxdp | xdp) ;;
	*) return 0 ;;
	esac
	say "  sctpalgd: SCTP packets taken by the XDP fast path" \
		"$(ctl_stat fast_path_packets), handed to AF_XDP" \
		"$(ctl_stat slow_path_packets)"
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b ? 100 * a / b : 0) }'; }
pps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
per() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", c / n; else printf "n/a" }'; }
core() { awk -v c="$1" -v t="$2" 'BEGIN { printf "%.0f%%", (t > 0 ? c / t / 1e7 : 0) }'; }

# med CASE NAT ASSOCS SIZE FIELD: FIELD of the repetition with the median
# delivered rate.
med_rep() {
	local r

	for r in $(seq 1 "${R[$1,$2,$3,$4,nrep]}"); do
		echo "$(pps "${R[$1,$2,$3,$4,$r,delivered]}" "${R[$1,$2,$3,$4,$r,secs]}") $r"
	done | sort -n | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }'
}

# cell CASE NAT ASSOCS SIZE: "delivered/s box-ns/pkt" of the median run,
# or "- -" when that case did not run.
cell() {
	local m k

	if [ -z "${R[$1,$2,$3,$4,1,secs]:-}" ]; then
		echo "- -"
		return
	fi
	m=$(med_rep "$@")
	k="$1,$2,$3,$4,$m"
	echo "$(pps "${R[$k,delivered]}" "${R[$k,secs]}") $(per "${R[$k,box]}" "${R[$k,fwd]}")"
}

# run_case CASE ASSOCS...: every mode of the case, each set up once per
# association count and blasted at every size BENCH_REPEAT times.
run_case() {
	local c=$1 mode n rep s verified

	shift
	for n in "$@"; do
		for mode in $BENCH_MODES; do
			case $c/$mode in
			mq*/kernel | mq*/xdp | mq*/limit | one/*) ;;
			*) continue ;;
			esac
			say ""
			say "-- $c, $QUEUES queue(s), $n associations: $(label "$mode")"
			nat_start "$mode"
			place "$c"
			case " ${verified:-} " in
			*" $mode "*) ;;
			*)
				[ "$c" = one ] && verify
				verified="${verified:-} $mode"
				;;
			esac
			setup "$n"
			for rep in $(seq $((REP0 + 1)) $((REP0 + BENCH_REPEAT))); do
				for s in $BENCH_SIZES; do
					blast "$c" "$n" "$s" "$rep"
				done
			done
			sctpalgd_counters
			nat_stop
		done
	done
}

# ---------------------------------------------------------------- topology
say ""
say "== 2. through the box on veth: four NATs, 1 to 100,000 associations"
require_env
for t in sctp_blast sctp_respond xdp_limit; do
	[ -x "$BIN/$t" ] || fail "build/test/bench/$t not built (make tools)"
done
[ -x "$SCTPALGD" ] || fail "build/sctpalgd not built (make all)"
command -v ethtool >/dev/null || fail "ethtool not installed"
command -v jq >/dev/null || fail "jq not installed"
say "  machine: $(uname -r), $NCPU CPU(s) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
machine_load "before the runs"
[ "$NCPU" -ge 2 ] ||
	say "  only one CPU: everything shares it, the multi-queue case is skipped"
topo_create
links 1
run_bg respond "$NS_SRV" "$BIN/sctp_respond"
wait_for 5 "sctp_respond listening" grep_out respond LISTEN
write_conf afxdp off
write_conf xdp xdp
say "  kernel NAT: nftables masquerade on the uplinks (box_kernel_nat in"
say "  test/e2e/lib.sh), SCTP conntrack"
say "  sctpalgd: ip netns exec $NS_BOX $SCTPALGD -f -c box-xdp.conf, box-xdp.conf:"
grep -v '^$' "$WORK/box-xdp.conf" | sed 's/^/    /'
say "  box-afxdp.conf: the same with fast-path = off"
say "  limit: ip netns exec $NS_BOX $BIN/xdp_limit --ifname lan0 --out wan1" \
	"--inside $CLI_NET.0/24 --public $BOX_WAN1 --dmac (server's wan1)"
# Some kernels refuse BPF_PROG_RUN in live-frame mode whatever the
# program (EPERM seen on a 6.18 built for Firecracker): try one short
# flood on the client's loopback, where XDP_TX goes nowhere, first.
if [ "$BENCH_GEN" = live ] &&
	! n_cli "$BIN/sctp_blast" --src 127.0.0.1 --dst 127.0.0.2 --sport 1 \
		--dport 1 --ifname lo --dmac 00:00:00:00:00:00 --no-handshake \
		--xdp-live --seconds 0.01 >"$WORK/live-probe.out" 2>&1; then
	say "  live frames refused here ($(tail -n 1 "$WORK/live-probe.out")):"
	say "  the AF_PACKET generator instead, as with BENCH_GEN=packet"
	BENCH_GEN=packet
	GEN_FLAG=""
fi
if [ "$BENCH_GEN" = live ]; then
	say "  generator: sctp_blast --xdp-live (BPF_PROG_RUN, XDP live frames)"
else
	say "  generator: sctp_blast by AF_PACKET (BENCH_GEN=packet)"
fi
if [ "$BENCH_BURST" = 1 ]; then
	say "  DATA: each packet the next association's, round-robin"
else
	say "  DATA: round-robin, $BENCH_BURST packets of an association in a row (BENCH_BURST)"
fi
say "  one core: generator and sink on CPU 0, the box on CPU $(box_cpus one)"

T0=$SECONDS
# shellcheck disable=SC2086
run_case one $BENCH_ASSOCS
if [ "$BENCH_MQ" = 1 ] && [ "$NCPU" -ge 2 ]; then
	say ""
	say "== 3. multi-queue: $BENCH_MQ_ASSOCS associations, the box on both CPUs"
	say "   (generator and sink too, wherever the scheduler puts them),"
	say "   one queue on lan0 and wan1 against two, $BENCH_MQ_ROUNDS round(s)"
	for round in $(seq 1 "$BENCH_MQ_ROUNDS"); do
		REP0=$(((round - 1) * BENCH_REPEAT))
		for q in 1 2; do
			say ""
			say "-- round $round: $q queue(s)"
			links "$q"
			run_case "mq$q" "$BENCH_MQ_ASSOCS"
		done
	done
	REP0=0
fi

say ""
machine_load "after the runs ($((SECONDS - T0)) s)"

# ---------------------------------------------------------------- tables
say ""
say "== 4. every case: the median of its runs of $BENCH_SECONDS s ($BENCH_REPEAT, multi-queue"
say "   $((BENCH_REPEAT * BENCH_MQ_ROUNDS))), DATA client -> server"
say "   offered: frames the generator handed to the veth; delivered: DATA"
say "   counted by the server's sink; lost in, out: dropped on the way into"
say "   the box (its lan0 ring full) and out of it (the sink's ring full);"
say "   box ns: CPU time of the box's threads per packet it forwarded"
say "   (delivered + lost out): NAPI, its lan0 NAPI threads (XDP, AF_XDP"
say "   copy, kernel forwarding, the redirect or transmit to the server),"
say "   and daemon, sctpalgd's threads (AF_XDP rings, engine, transmit,"
say "   fast-path upkeep); core: the box's time as a share of one core;"
say "   gen ns: the generator's CPU per offered packet; CPU: each CPU's"
say "   busy share, whole machine (other jobs included)."
printf '%-4s %-6s %7s %5s %10s %11s %6s %6s %7s %6s %6s %5s %7s  %s\n' \
	case NAT assocs "IP B" "offered/s" "delivered/s" "in" out "box ns" \
	NAPI daemon core "gen ns" CPU
for row in "${ROWS[@]}"; do
	read -r c nat n size <<<"$row"
	m=$(med_rep "$c" "$nat" "$n" "$size")
	k="$c,$nat,$n,$size,$m"
	printf '%-4s %-6s %7s %5s %10s %11s %6s %6s %7s %6s %6s %5s %7s  %s\n' \
		"$c" "$nat" \
		"$n" "$size" "$(pps "${R[$k,offered]}" "${R[$k,secs]}")" \
		"$(pps "${R[$k,delivered]}" "${R[$k,secs]}")" \
		"$(pct "${R[$k,in]}" "${R[$k,offered]}")" \
		"$(pct "${R[$k,out]}" "${R[$k,offered]}")" \
		"$(per "${R[$k,box]}" "${R[$k,fwd]}")" \
		"$(per "${R[$k,napi]}" "${R[$k,fwd]}")" \
		"$(per "${R[$k,daemon]}" "${R[$k,fwd]}")" \
		"$(core "${R[$k,box]}" "${R[$k,secs]}")" \
		"$(per "$(awk -v s="${R[$k,gen]}" 'BEGIN { printf "%.0f", s * 1e9 }')" "${R[$k,offered]}")" \
		"${R[$k,cpu]}"
done

say ""
say "== 5. side by side, the box on one core (CPU $(box_cpus one)), the generator and"
say "   the sink on the other: DATA packets/s delivered, the box's CPU ns per"
say "   packet forwarded"
printf '%-7s %5s | %-18s | %-18s | %-18s | %-18s\n' "" "" "kernel NAT" \
	"sctpalgd off" "sctpalgd xdp" "XDP limit"
printf '%-7s %5s | %9s %8s | %9s %8s | %9s %8s | %9s %8s\n' assocs "IP B" \
	pkt/s ns/pkt pkt/s ns/pkt pkt/s ns/pkt pkt/s ns/pkt
for n in $BENCH_ASSOCS; do
	for s in $BENCH_SIZES; do
		read -r -a v <<<"$(cell one kernel "$n" "$s") $(cell one afxdp "$n" "$s") $(cell one xdp "$n" "$s") $(cell one limit "$n" "$s")"
		printf '%-7s %5s | %9s %8s | %9s %8s | %9s %8s | %9s %8s\n' \
			"$n" "$s" "${v[@]}"
	done
done
if [ "$BENCH_MQ" = 1 ] && [ "$NCPU" -ge 2 ]; then
	say ""
	say "== 6. multi-queue, $BENCH_MQ_ASSOCS associations, the box's work on both CPUs:"
	say "   every run in the order it ran (rounds alternate one queue and two);"
	say "   box ns: the box's CPU per packet forwarded; core: the box's time"
	say "   in cores; RX queues: each lan0 RX queue's share of the frames the"
	say "   box took (ethtool -S rx_queue_N_xdp_packets); gen ns: the"
	say "   generator's CPU per offered packet; load: 1-minute load average"
	printf '%-6s %6s %5s %5s %10s %11s %6s %5s %9s %7s %5s  %s\n' NAT \
		queues run "IP B" "offered/s" "delivered/s" "box ns" core \
		"RX queues" "gen ns" load CPU
	for k in "${MQRUNS[@]}"; do
		IFS=, read -r c nat n size r <<<"$k"
		printf '%-6s %6s %5s %5s %10s %11s %6s %5s %9s %7s %5s  %s\n' \
			"$nat" "${c#mq}" "$r" "$size" \
			"$(pps "${R[$k,offered]}" "${R[$k,secs]}")" \
			"$(pps "${R[$k,delivered]}" "${R[$k,secs]}")" \
			"$(per "${R[$k,box]}" "${R[$k,fwd]}")" \
			"$(awk -v c="${R[$k,box]}" -v t="${R[$k,secs]}" 'BEGIN { printf "%.2f", (t > 0 ? c / t / 1e9 : 0) }')" \
			"${R[$k,queues]}" \
			"$(per "$(awk -v s="${R[$k,gen]}" 'BEGIN { printf "%.0f", s * 1e9 }')" "${R[$k,offered]}")" \
			"${R[$k,load]}" "${R[$k,cpu]}"
	done
	say ""
	say "   median run of each: DATA packets/s delivered and the box's CPU ns"
	say "   per packet forwarded, one queue against two"
	printf '%-6s %5s | %-18s | %-18s\n' "" "" "1 queue" "2 queues"
	printf '%-6s %5s | %9s %8s | %9s %8s\n' NAT "IP B" pkt/s ns/pkt pkt/s ns/pkt
	for nat in $BENCH_MODES; do
		[ "$nat" = afxdp ] && continue
		for s in $BENCH_SIZES; do
			read -r -a v <<<"$(cell mq1 "$nat" "$BENCH_MQ_ASSOCS" "$s") $(cell mq2 "$nat" "$BENCH_MQ_ASSOCS" "$s")"
			printf '%-6s %5s | %9s %8s | %9s %8s\n' "$nat" "$s" "${v[@]}"
		done
	done
fi
say ""
say "command: make bench (bash test/bench/run.sh; BENCH_SECONDS=$BENCH_SECONDS" \
	"BENCH_REPEAT=$BENCH_REPEAT BENCH_SIZES=\"$BENCH_SIZES\"" \
	"BENCH_ASSOCS=\"$BENCH_ASSOCS\" BENCH_MODES=\"$BENCH_MODES\"" \
	"BENCH_MQ=$BENCH_MQ BENCH_MQ_ASSOCS=$BENCH_MQ_ASSOCS" \
	"BENCH_MQ_ROUNDS=$BENCH_MQ_ROUNDS BENCH_BURST=$BENCH_BURST), $(date -u +%Y-%m-%d)"
exit 0
