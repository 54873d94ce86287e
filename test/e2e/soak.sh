#!/bin/bash
# SPDX-License-Identifier: MIT
#
# soak.sh - the long versions of the end-to-end tests (make soak): a
# runner of parts, each a test script run with long settings, one after
# the other; every part prints its own figures and the runner ends with
# one line per part.  SOAK_PARTS="a b" runs only those parts.
#
# A part: soak_part NAME COMMAND...  (the command's exit status is the
# part's: 0 pass, 77 skip, anything else fail).  Parts are appended at
# the end of this file, each with its settings.
# Exit: 0 when no part failed.

set -u
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
SUMMARY=()
FAILED=0

soak_part() {
	local name=$1 t0 rc

	shift
	if [ -n "${SOAK_PARTS:-}" ] && [[ " $SOAK_PARTS " != *" $name "* ]]; then
		return 0
	fi
	echo "=== soak part $name: $*"
	t0=$(date +%s)
	"$@"
	rc=$?
	case $rc in
	0) SUMMARY+=("$(printf '  %-16s ok       %5d s' "$name" $(($(date +%s) - t0)))") ;;
	77) SUMMARY+=("$(printf '  %-16s SKIPPED  %5d s' "$name" $(($(date +%s) - t0)))") ;;
	*) SUMMARY+=("$(printf '  %-16s FAILED   %5d s' "$name" $(($(date +%s) - t0)))")
	   FAILED=$((FAILED + 1)) ;;
	esac
}

soak_summary() {
	echo "== soak summary"
	printf '%s\n' "${SUMMARY[@]}"
	[ "$FAILED" -eq 0 ] || { echo "== soak: $FAILED part(s) FAILED"; exit 1; }
	echo "== soak: no part failed"
}

# ---- parts ----

# Malformed and odd traffic (sctp_inject.py, every kind) against a live
# multihomed association: packets per kind, drops by reason, RSS.
# In each backend and XDP mode (the ports differ in what reaches the
# engine: the XDP program drops or passes some kinds itself).
soak_part hostile env HOSTILE_ROUNDS="${SOAK_HOSTILE_ROUNDS:-200}" \
	HOSTILE_TIMEOUT="${SOAK_HOSTILE_TIMEOUT:-3600}" \
	bash "$E2E_DIR/test_sctpalgd_hostile.sh"
soak_part hostile-generic env SCTPALG_XDP_MODE=generic \
	HOSTILE_ROUNDS="${SOAK_HOSTILE_ROUNDS:-200}" \
	HOSTILE_TIMEOUT="${SOAK_HOSTILE_TIMEOUT:-3600}" \
	bash "$E2E_DIR/test_sctpalgd_hostile.sh"
soak_part hostile-packet env SCTPALG_BACKEND=packet \
	HOSTILE_ROUNDS="${SOAK_HOSTILE_ROUNDS:-200}" \
	HOSTILE_TIMEOUT="${SOAK_HOSTILE_TIMEOUT:-3600}" \
	bash "$E2E_DIR/test_sctpalgd_hostile.sh"

# (parts of other areas go here, appended)

# INIT floods (sctp_flood) from inside and outside, each for
# SOAK_FLOOD_SECONDS: flood rates, time to come up, RSS before / after.
soak_part flood bash "$E2E_DIR/soak_flood.sh"

soak_summary
