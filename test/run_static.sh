#!/usr/bin/env bash
# make check-static: cppcheck (warnings and portability) over every C
# file of src/ but the BPF program, with the include paths the tests use
# (Makefile, INC_test); any finding fails.
set -u
cd "$(dirname "$0")/.."
echo "== cppcheck"
dirs=(engine conf daemon ctl)
cppcheck -q --std=c11 --enable=warning,portability \
	--error-exitcode=1 --inline-suppr --suppress=unknownMacro \
	-Iinclude "${dirs[@]/#/-Isrc/}" -Ibuild -Itest/unit \
	"${dirs[@]/#/src/}"/*.c || exit 1
echo "cppcheck: clean"
