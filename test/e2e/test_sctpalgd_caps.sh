#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_caps.sh - what a running sctpalgd with `user = nobody`
# may still do, in each backend, and that it is enough.
#
#   client ns  lan0: 192.168.1.10
#        |
#   box ns     sctpalgd, user = nobody: lan0 inside, wan1 = isp1
#        |wan1
#   server ns  198.51.100.100
#
# The box runs three times on one topology: AF_XDP with the XDP program
# in native mode, in generic (SKB) mode, and backend = packet.  Each run:
#   - /proc/PID/status of the running daemon: uid and gid nobody, and
#     CapEff, CapPrm, CapBnd exactly the set sctpalgd(8) documents for
#     the backend (CapInh and CapAmb empty, NoNewPrivs 1);
#   - an association goes through (every message acknowledged);
#   - SIGHUP reloads the configuration, and another association goes
#     through after it;
#   - sctpalgctl stats answers;
#   - SIGTERM: exit status 0, no XDP program left, nothing refused in the
#     log ("Operation not permitted" / "Permission denied").
# Exit: 0 pass, 1 fail, 77 skip.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCTPALGCTL=$REPO_ROOT/build/sctpalgctl
COUNT=20

# Capability numbers (linux/capability.h).
CAP_NET_ADMIN=12
CAP_NET_RAW=13
# The sets of sctpalgd(8), CAPABILITIES: what the running daemon keeps.
caps_hex() {
	local c v=0

	for c in "$@"; do
		v=$((v | (1 << c)))
	done
	printf '%016x' "$v"
}
EXPECT_XDP=$(caps_hex $CAP_NET_ADMIN)
EXPECT_PACKET=$(caps_hex)
CAP_DAC_OVERRIDE=1
EXPECT_DISPATCHER=$(caps_hex $CAP_NET_ADMIN $CAP_DAC_OVERRIDE)

require_env
[ -x "$SCTPALGCTL" ] || skip "build/sctpalgctl not built (make all)"
id nobody >/dev/null 2>&1 || skip "no user nobody on this system"
topo_create

ctl() { n_box "$SCTPALGCTL" -s "$WORK/ctl.sock" "$@"; }
xdp_count() {
	local i n=0

	for i in lan0 wan1; do
		ip -n "$NS_BOX" link show dev "$i" | grep -q xdp && n=$((n + 1))
	done
	echo "$n"
}
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# After the drop ("capabilities kept"), nothing may fail for lack of
# privilege.
no_refusal() {
	! sed -n '/capabilities kept:/,$p' "$(out_of box)" |
		grep -qiE 'not permitted|permission denied'
}
no_fallback() { ! grep -qE 'without dispatcher|No bpffs' "$(out_of box)"; }
reloads() { grep -c 'configuration reloaded' "$(out_of box)"; }
# Evaluated on every try of wait_for (an argument "$(...)" would be
# expanded once, before the first).
reloads_at_least() { test "$(reloads)" -ge "$1"; }

# one_association NAME: COUNT messages through the box; 0 when every one
# was acknowledged and received.
one_association() {
	start_server "srv-$1" "$SRV_ADDR1" --count "$COUNT" --timeout 30
	start_client "cli-$1" "$CLI_ADDR1" "$SRV_ADDR1" --count "$COUNT" \
		--interval 10 --timeout 30
	wait_bg "cli-$1" 40 && wait_bg "srv-$1" 20
}

# start_with_bpffs CONF: start_sctpalgd, but with a bpffs of its own
# mounted in the daemon's mount namespace (ip netns exec gives it a fresh
# /sys without one), so libxdp attaches through its dispatcher and pins
# it, as on a host where systemd mounts /sys/fs/bpf.
start_with_bpffs() {
	local bin=${SCTPALGD:-$REPO_ROOT/build/sctpalgd}

	run_bg box "$NS_BOX" sh -c \
		'mount -t bpf bpf /sys/fs/bpf || exit 1; exec "$@"' sh \
		"$bin" -f -c "$1"
	wait_for 15 "sctpalgd running" grep_out box 'sctpalgd running'
}

# run_backend LABEL BACKEND XDP_MODE EXPECTED_CAPS [bpffs]
run_backend() {
	local label=$1 backend=$2 mode=$3 want=$4 bpffs=${5:-}
	local pid eff prm bnd inh amb nnp uid gid rc1 rc2 rc stats_rc left

	say "=== $label: backend $backend, xdp-mode $mode, user nobody"
	box_conf 1 > "$WORK/box-$label.conf"
	printf '\n[daemon]\nbackend = %s\nxdp-mode = %s\nuser = nobody\n' \
		"$backend" "$mode" >> "$WORK/box-$label.conf"
	printf 'log-level = debug\n' >> "$WORK/box-$label.conf"
	if [ "$backend" = packet ]; then
		# AF_PACKET only taps (sctpalgd.conf(5)): the kernel must not
		# forward its own copy of the SCTP packets.
		n_box nft -f - <<-'NFT' || fail "nftables prerouting drop"
		table inet sctpalg_packet {
			chain prerouting {
				type filter hook prerouting priority raw; policy accept;
				meta l4proto sctp drop
			}
		}
		NFT
	fi
	if [ -n "$bpffs" ]; then
		start_with_bpffs "$WORK/box-$label.conf"
	else
		start_sctpalgd "$WORK/box-$label.conf"
	fi
	pid=${BG_PID[box]}
	if [ -n "$bpffs" ] && grep_out box 'without dispatcher'; then
		# Seen on kernels that refuse the dispatcher's freplace
		# programs even to root: libxdp attaches alone, and so the
		# daemon keeps what the other XDP runs keep.
		say "NOT RUN: $label: libxdp fell back to attaching without" \
			"its dispatcher (see the log); checking the fallback's" \
			"capabilities instead"
		want=$EXPECT_XDP
		bpffs=""
	fi

	eff=$(status_field "$pid" CapEff)
	prm=$(status_field "$pid" CapPrm)
	bnd=$(status_field "$pid" CapBnd)
	inh=$(status_field "$pid" CapInh)
	amb=$(status_field "$pid" CapAmb)
	nnp=$(status_field "$pid" NoNewPrivs)
	uid=$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "/proc/$pid/status")
	gid=$(awk '$1 == "Gid:" { print $2 $3 $4 $5 }' "/proc/$pid/status")
	say "$label: CapEff $eff CapPrm $prm CapBnd $bnd CapInh $inh" \
		"CapAmb $amb NoNewPrivs $nnp"

	one_association "$label-1"
	rc1=$?
	kill -HUP "$pid"
	wait_for 10 "$label: configuration reloaded" reloads_at_least 1
	one_association "$label-2"
	rc2=$?
	ctl stats > "$WORK/stats-$label.out" 2>&1
	stats_rc=$?
	grep -E '^  (lan0|wan1) ' "$WORK/stats-$label.out" | sed "s/^/$label: /"
	kill -TERM "$pid"
	wait_bg box 15
	rc=$?
	left=$(xdp_count)
	sed -n '/capabilities kept:/,$p' "$(out_of box)" |
		grep -iE 'not permitted|permission denied|cannot|fail' |
		sed "s/^/$label: box: /"

	local nobody_ids="$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)"
	check "$label: uid nobody ($uid)" [ "$uid" = "$nobody_ids" ]
	check "$label: gid not root ($gid)" [ "${gid:0:1}" != 0 ]
	check "$label: CapEff $eff = $want" [ "$eff" = "$want" ]
	check "$label: CapPrm $prm = $want" [ "$prm" = "$want" ]
	check "$label: CapBnd $bnd = $want" [ "$bnd" = "$want" ]
	check "$label: CapInh and CapAmb empty ($inh $amb)" \
		[ "$inh" = 0000000000000000 -a "$amb" = 0000000000000000 ]
	check "$label: no_new_privs ($nnp)" [ "$nnp" = 1 ]
	check "$label: association before the reload" [ "$rc1" = 0 ]
	check "$label: SIGHUP reloaded ($(reloads))" [ "$(reloads)" = 1 ]
	check "$label: association after the reload" [ "$rc2" = 0 ]
	check "$label: sctpalgctl stats answered" [ "$stats_rc" = 0 ]
	check "$label: SIGTERM: exit status $rc" [ "$rc" = 0 ]
	check "$label: no XDP program left ($left)" [ "$left" = 0 ]
	check "$label: nothing refused for lack of privilege" no_refusal
	if [ -n "$bpffs" ]; then
		check "$label: attached through libxdp's dispatcher" \
			no_fallback
	elif [ "$backend" != packet ]; then
		check "$label: attached alone (no bpffs, no dispatcher)" \
			grep_out box 'without dispatcher'
	fi
	if [ "$backend" = packet ]; then
		n_box nft delete table inet sctpalg_packet
	fi
	mv "$(out_of box)" "$WORK/box-$label.out"
}

run_backend native xdp native "$EXPECT_XDP"
run_backend generic xdp generic "$EXPECT_XDP"
run_backend packet packet auto "$EXPECT_PACKET"
run_backend dispatcher xdp native "$EXPECT_DISPATCHER" bpffs

[ $errors -eq 0 ] || fail "$errors check(s) failed"
pass "sctpalgd keeps only its documented capabilities after start"
