#!/usr/bin/env bash
# clang-format over C sources and headers (make lint, make lint-all).
#
# lint.sh [BASE]: the lines changed since BASE (default HEAD: the
# uncommitted change; LINT_BASE=main for a branch), any difference fails.
# It judges the lines you changed, not the tree: hand-aligned kernel style
# (tab-aligned comments and macros, early parameter breaks) is not
# clang-format's fixed point, as in the kernel.
# lint.sh --all: the whole tree's differences per file, for information.
set -u
cd "$(dirname "$0")/.."
if [ "${1-}" = --all ]; then
	files=$(find src include -name '*.[ch]' | sort)
	echo "== clang-format, whole tree ($(echo "$files" | wc -w) files)"
	n=0
	for f in $files; do
		c=$(clang-format --dry-run "$f" 2>&1 | grep -c 'warning:')
		[ "$c" -eq 0 ] || { printf '  %-36s %4d\n' "$f" "$c"; n=$((n + c)); }
	done
	echo "clang-format: $n differences (information only)"
	exit 0
fi
base=${1:-HEAD}
echo "== clang-format on the lines changed since $base"
out=$(git diff -U0 --no-color "$base" -- 'src/*.c' 'src/*.h' 'include/*.h' \
	'test/*.c' 'test/*.h' | clang-format-diff -p1)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "clang-format: the change is clean"
