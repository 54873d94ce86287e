#!/usr/bin/env bash
# make check-e2e: every test/e2e/test_*.sh (root, network namespaces).
# Exit status of a test: 0 pass, 77 skipped (it says why), else fail.
#
# Every test runs against the ASan + UBSan daemon (build/san/sctpalgd,
# -O2; test/e2e/lib.sh san_env / san_check: any report fails the test)
# except PLAIN's, which run the shipped -O2 daemon, as do make demo and
# make bench.  The first two are variants of test_sctpalgd_multihome.sh
# (busy-poll, generic XDP) whose code the sanitized multihome and packet
# runs cover; busy-poll spins a core, the dearest thing to do under ASan
# on a shared machine.  The sanitized daemon costs little wall time: the
# tests wait on traffic.  The flood test bounds the daemon's RSS, which
# means something only for the shipped build (ASan's quarantine keeps
# freed memory resident); the handshake budgets it floods run sanitized
# in the unit tests and the hostile e2e test.
set -u
cd "$(dirname "$0")/.."
PLAIN="test/e2e/test_sctpalgd_busy_poll.sh test/e2e/test_sctpalgd_generic.sh
	test/e2e/test_sctpalgd_flood.sh"

echo "== end-to-end tests (network namespaces)"
pass=0 fail=0 skip=0 failed="" skipped=""
for t in test/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	d=build/san/sctpalgd
	case " $(echo $PLAIN) " in *" $t "*) d=build/sctpalgd ;; esac
	echo "-- $t ($d)"
	SCTPALGD=$PWD/$d bash "$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77)
		skip=$((skip + 1)) skipped="$skipped $t"
		echo "SKIPPED: $t (see above why)"
		;;
	*) fail=$((fail + 1)) failed="$failed $t" ;;
	esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $skip -eq 0 ] || echo "WARNING: SKIPPED, NOT RUN:$skipped"
[ $fail -eq 0 ] || { echo "FAILED:$failed"; exit 1; }
