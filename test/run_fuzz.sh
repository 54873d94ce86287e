#!/usr/bin/env bash
# Run each libFuzzer target given as an argument (build/fuzz/NAME) from a
# copy of its committed seed corpus (test/fuzz/corpus/NAME).
#
# FUZZ_SECONDS is fuzz_engine's budget; the smaller targets (parsers,
# config, state file) get a third of it each.  FUZZ_REPLAY_ONLY names the
# targets that only replay their corpus, without exploring: fuzz_adversary
# still finds, within minutes of exploring, schedules that break an
# invariant (test/fuzz/open/README; README, Limits and known gaps:
# handshakes), so make check replays its corpus and runs its 300 fixed
# schedules in the unit tests, while make fuzz explores it.
# FUZZ_JOBS targets run at once (default: one per core; each is one
# process with a time budget, so a core each keeps their executions up),
# the longest first; the report comes in the order given.
# Exit: 0 when every target ran clean; a finding prints its report.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=${FUZZ_SECONDS:-60}
replay=${FUZZ_REPLAY_ONLY-fuzz_adversary}
jobs=${FUZZ_JOBS:-$(nproc)}

budget() { # NAME: seconds, 0 for a replay
	case " $replay " in *" $1 "*) echo 0; return ;; esac
	local t=$secs
	[ "$1" = fuzz_engine ] || t=$((t / 3))
	[ "$t" -ge 1 ] || t=1
	echo "$t"
}

# run_one PATH: the target's log in build/fuzz/NAME.log, its exit status
# in build/fuzz/NAME.rc.
run_one() {
	local f=$1 n lim t c
	n=$(basename "$f") c=build/fuzz/corpus-$n t=$(budget "$n")
	lim=-max_total_time=$t
	[ "$t" -eq 0 ] && lim=-runs=0
	rm -rf "$c"
	mkdir -p "$c"
	cp test/fuzz/corpus/"$n"/* "$c"/ 2>/dev/null
	"$f" "$lim" -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/"$n"- "$c" >build/fuzz/"$n".log 2>&1
	echo $? >build/fuzz/"$n".rc
}

echo "== fuzzers (fuzz_engine $secs s, others a third;" \
	"corpus only: ${replay:-none}; $jobs at once)"
mkdir -p build/fuzz
# The longest first, so that the others fill the remaining lanes.
mapfile -t order < <(for t in "$@"; do
	echo "$(budget "$(basename "$t")") $t"
done | sort -rn -k1,1 | cut -d' ' -f2-)
for f in "${order[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	rm -f build/fuzz/"$(basename "$f")".rc
	run_one "$f" &
done
wait

failed=""
for f in "$@"; do
	n=$(basename "$f") log=build/fuzz/$n.log
	rc=$(cat build/fuzz/"$n".rc 2>/dev/null || echo "none")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "-- $n: $runs executions in $(budget "$n") s, exit $rc"
	if [ "$rc" != 0 ]; then
		grep -A30 -E '^==[0-9]+==|ERROR' "$log" | head -60
		echo "FAIL: $n (log $log)"
		failed+=" $n"
	fi
done
[ -z "$failed" ] || exit 1
