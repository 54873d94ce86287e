#!/usr/bin/env bash
# make check-unit: the Criterion tests (build/test/unit, built with ASan
# and UBSan), any sanitizer finding fatal.  Arguments go to the runner
# (--filter 'suite/*').
set -u
cd "$(dirname "$0")/.."
echo "== unit tests (ASan + UBSan)"
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	exec build/test/unit --jobs 2 "$@"
