#!/bin/bash
# SPDX-License-Identifier: MIT
#
# soak_flood.sh - the long version of test_sctpalgd_flood.sh (a part of
# `make soak`): each of the four floods runs SOAK_FLOOD_SECONDS (default
# 60) at full speed, the new association in each carries SOAK_FLOOD_MSGS
# messages, and the figures (flood rate reached, time to come up, INITs
# refused, RSS before and after) are printed at the end.
# Exit: the test's (0 pass, 1 fail, 77 skip).

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/sctpalg-soak-flood.XXXXXX)
trap 'rm -f "$out"' EXIT
FLOOD_SECONDS=${SOAK_FLOOD_SECONDS:-60} \
FLOOD_COUNT=${SOAK_FLOOD_COUNT:-100000000} \
MSGS=${SOAK_FLOOD_MSGS:-200} \
	bash "$E2E_DIR/test_sctpalgd_flood.sh" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
echo "== flood soak figures"
sed -n '/^--- figures ---$/,/^long-lived: RESULT role=server/p' "$out" |
	grep -v '^--- figures'
exit "$rc"
