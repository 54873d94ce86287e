#!/usr/bin/env bash
# make check's stages: every stage given as an argument runs (make STAGE),
# even when an earlier one failed, then one line per stage with its time
# (README, Tests).  MAKE is the make that called us.
set -u
make=${MAKE:-make}
sum="" bad=""
for s in "$@"; do
	t0=$(date +%s)
	if $make --no-print-directory "$s"; then r=ok; else r=FAILED bad="$bad $s"; fi
	sum+=$(printf '  %-13s %-6s %4d s' "$s" "$r" $(($(date +%s) - t0)))$'\n'
done
echo "== make check summary"
printf '%s' "$sum"
if [ -n "$bad" ]; then
	echo "== make check: FAILED:$bad"
	exit 1
fi
echo "== make check: all passed"
