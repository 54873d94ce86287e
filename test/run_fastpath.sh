#!/usr/bin/env bash
# The fast path's differential test (make check-fastpath): the engine in
# process against the XDP program under BPF_PROG_RUN, for two seeds.
# FAST_DIFF_PACKETS packets each (make check 4000, make fuzz a hundred
# times as many).  Needs root and BPF: says so and passes when it cannot
# run (fast_diff exits 77).
set -u
cd "$(dirname "$0")/.."
packets=${FAST_DIFF_PACKETS:-4000}
echo "== fast path against the engine ($packets packets)"
for seed in 1 2; do
	build/test/fastpath/fast_diff "$packets" $seed
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIPPED, NOT RUN: check-fastpath (needs root and BPF)"
		exit 0
	fi
	[ $rc = 0 ] || exit 1
done
