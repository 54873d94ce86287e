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
# Exit: 0 when every target ran clean; a finding prints its report.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
replay=${FUZZ_REPLAY_ONLY-fuzz_adversary}

echo "== fuzzers (fuzz_engine $secs s, others a third;" \
	"corpus only: ${replay:-none})"
for f in "$@"; do
	n=$(basename "$f") c=build/fuzz/corpus-$n log=build/fuzz/$n.log
	t=$secs
	[ "$n" = fuzz_engine ] || t=$((t / 3))
	[ $t -ge 1 ] || t=1
	lim=-max_total_time=$t
	case " $replay " in *" $n "*) lim=-runs=0 t=0 ;; esac
	rm -rf "$c"
	mkdir -p "$c"
	cp test/fuzz/corpus/"$n"/* "$c"/ 2>/dev/null
	"$f" $lim -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/"$n"- "$c" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "-- $n: $runs executions in $t s, exit $rc"
	if [ $rc -ne 0 ]; then
		grep -A30 -E '^==[0-9]+==|ERROR' "$log" | head -60
		echo "FAIL: $n (log $log)"
		exit 1
	fi
done
