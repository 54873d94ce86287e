#!/usr/bin/env bash
# make check-man: mandoc -Tlint -Wstyle on every man page; any output
# fails.  Run inside man/: mandoc resolves .Xr between our own pages
# only there.
set -u
cd "$(dirname "$0")/../man" || exit 1
echo "== man pages (mandoc -Tlint -Wstyle)"
pages=(*.[58])
[ -e "${pages[0]}" ] || { echo "no man pages yet"; exit 0; }
out=$(mandoc -Tlint -Wstyle "${pages[@]}" 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "${#pages[@]} pages clean"
