#!/usr/bin/env bash
# Golden configuration tests: every test/config/NAME.conf is parsed by
# conf_dump and its output (canonical form, or the error line) compared
# with NAME.expected.  The printed form of every good file must parse to
# the same output again, and the shipped example must parse.
set -u
cd "$(dirname "$0")/../.."
dump=build/test/config/conf_dump
fail=0 n=0
for conf in test/config/*.conf; do
	name=${conf%.conf}
	n=$((n + 1))
	out=$("$dump" "$conf")
	rc=$?
	if ! diff -u "$name.expected" <(printf '%s\n' "$out") >/dev/null; then
		echo "FAIL: $conf differs from $name.expected:"
		diff -u "$name.expected" <(printf '%s\n' "$out") | head -20
		fail=$((fail + 1))
		continue
	fi
	if [ $rc -eq 0 ]; then
		tmp=$(mktemp)
		printf '%s\n' "$out" > "$tmp"
		if [ "$("$dump" "$tmp")" != "$out" ]; then
			echo "FAIL: printed form of $conf does not round-trip"
			fail=$((fail + 1))
		fi
		rm -f "$tmp"
	fi
done
if ! "$dump" conf/sctpalgd.conf >/dev/null; then
	echo "FAIL: the shipped conf/sctpalgd.conf does not parse"
	fail=$((fail + 1))
fi
echo "config golden tests: $((n - fail)) of $n passed (plus the example)"
[ $fail -eq 0 ]
