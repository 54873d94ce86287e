#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgctl.sh - conf/sctpalgctl, the bash completion, against the
# commands sctpalgctl itself lists (its usage) and the filter keys of
# sctpalgctl(8): every command offered and only those, -p only with
# stats, filter keys each once and only after associations, states after
# "state"; capture's options, interfaces after -i, its filter keys each
# once after the options.  Needs Debian's bash-completion (skipped, saying so, without).
# Exit: 0 pass, 1 fail, 77 skip.

cd "$(dirname "$0")/../.." || exit 1
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { echo "SKIP: bash-completion not installed"; exit 77; }
[ -x build/sctpalgctl ] || { echo "SKIP: build/sctpalgctl not built"; exit 77; }
# shellcheck source=/dev/null
. "$BC"
# shellcheck source=../../conf/sctpalgctl
. conf/sctpalgctl

errors=0
# complete LINE: what bash would offer at the end of LINE (sorted).
complete_line() {
	local line=$1

	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<< "$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_sctpalgctl sctpalgctl "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
	local got

	got=$(complete_line "$1")
	if [ "$got" = "$2" ]; then
		echo "ok:   '$1' -> '$got'"
	else
		echo "FAIL: '$1' -> '$got', want '$2'"
		errors=$((errors + 1))
	fi
}

# The commands sctpalgctl knows, from its own usage text.
cmds=$(build/sctpalgctl 2>&1 | sed -n '/^commands:/,/^filter/p' |
	awk '/^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
expect "sctpalgctl " "$cmds"
expect "sctpalgctl -j mon" "monitor"
expect "sctpalgctl -p " "stats"
expect "sctpalgctl -" "-j -p -s"
expect "sctpalgctl -j -" "-s"
expect "sctpalgctl associations " "inside peer port public state uplink"
expect "sctpalgctl associations peer 198.51.100.100 " \
	"inside port public state uplink"
expect "sctpalgctl associations peer " ""
expect "sctpalgctl associations state est" "established"
expect "sctpalgctl associations port 5000 state established " \
	"inside peer public uplink"
expect "sctpalgctl stats " ""
expect "sctpalgctl cap" "capture"
expect "sctpalgctl capture -" "-c -d -i -r -s -w"
expect "sctpalgctl capture -i l" "$(compgen -W "$(ls /sys/class/net)" -- l |
	sort | tr '\n' ' ' | sed 's/ $//')"
expect "sctpalgctl capture -i lo -w /tmp/x.pcapng " "host port vtag"
expect "sctpalgctl -s /run/x.sock capture -c 10 -w - host 192.0.2.1 " \
	"port vtag"
expect "sctpalgctl capture -w - port " ""
expect "sctpalgctl capture -w - port 5001 host 192.0.2.1 -" ""
expect "sctpalgctl -s /run/x.sock assoc" "associations"
[ $errors -eq 0 ] || { echo "FAIL: $errors"; exit 1; }
echo "PASS: bash completion of sctpalgctl"
