#!/usr/bin/env bash
# Golden configuration tests, through the daemon itself: every
# test/config/NAME.conf is checked with `sctpalgd -t -v -c NAME.conf`
# (sctpalgd(8)) and what it prints -- the canonical form on standard
# output, or "file:line: reason" on standard error -- is compared with
# NAME.expected.  bad-*.conf must be refused (exit 1), every other file
# accepted (exit 0, and `sctpalgd -t` says "configuration OK").  The
# printed form of every good file must be accepted and print the same
# again, and the shipped example must be accepted.
#
# SCTPALGD names the binary (default build/sctpalgd).
set -u
cd "$(dirname "$0")/../.."
daemon=${SCTPALGD:-build/sctpalgd}
fail=0 n=0

[ -x "$daemon" ] || { echo "FAIL: $daemon not built"; exit 1; }
for conf in test/config/*.conf; do
	name=${conf%.conf}
	n=$((n + 1))
	out=$("$daemon" -t -v -c "$conf" 2>&1)
	rc=$?
	if ! diff -u "$name.expected" <(printf '%s\n' "$out") >/dev/null; then
		echo "FAIL: $conf differs from $name.expected:"
		diff -u "$name.expected" <(printf '%s\n' "$out") | head -20
		fail=$((fail + 1))
		continue
	fi
	case ${name##*/} in
	bad-*)
		if [ $rc -ne 1 ]; then
			echo "FAIL: $conf refused with exit $rc, not 1"
			fail=$((fail + 1))
		fi
		continue;;
	esac
	if [ $rc -ne 0 ]; then
		echo "FAIL: $conf accepted with exit $rc, not 0"
		fail=$((fail + 1))
		continue
	fi
	if [ "$("$daemon" -t -c "$conf" 2>&1)" != "configuration OK" ]; then
		echo "FAIL: sctpalgd -t -c $conf does not say configuration OK"
		fail=$((fail + 1))
	fi
	tmp=$(mktemp)
	printf '%s\n' "$out" > "$tmp"
	if [ "$("$daemon" -t -v -c "$tmp" 2>&1)" != "$out" ]; then
		echo "FAIL: printed form of $conf does not round-trip"
		fail=$((fail + 1))
	fi
	rm -f "$tmp"
done
if ! "$daemon" -t -c conf/sctpalgd.conf 2>/dev/null; then
	echo "FAIL: the shipped conf/sctpalgd.conf is refused"
	fail=$((fail + 1))
fi
echo "config golden tests ($daemon): $((n - fail)) of $n passed" \
	"(plus the example)"
[ $fail -eq 0 ]
