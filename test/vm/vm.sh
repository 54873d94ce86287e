# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# vm.sh - a qemu VM running Debian's own kernel, so the end-to-end tests can
# put the Linux kernel's SCTP stack (the one Diameter, S1AP/NGAP and M3UA
# users run) at either end of an association, on a host whose kernel has
# no SCTP module.  Source it after test/e2e/lib.sh.
#
# What it does, and what it never does:
#  - the kernel and its modules come from Debian's linux-image-*-amd64
#    package, fetched with `apt-get download` and unpacked with
#    `dpkg-deb -x` into a cache ($SCTPALG_VM_CACHE, default
#    /var/cache/sctpalg-vm), never installed on the host;
#  - the initramfs is built per run: busybox-static, the SCTP and virtio
#    modules with their dependencies (read from each module's .modinfo, so
#    no depmod is needed), test/vm/ksctp_peer (static, lksctp-tools'
#    libsctp.a), test/vm/init and the scenario's own guest script;
#  - every VM NIC is a virtio-net on a tap device that the test creates in
#    one of its namespaces (vm_tap), so the VM is one more host of the
#    namespace topology and nothing touches the host's own network;
#  - two serial ports come back as files: ttyS0 the console
#    ($WORK/NAME-console.out), ttyS1 the guest script's output in raw mode
#    ($WORK/NAME.out, lines as sctp_peer prints them, so lib.sh's
#    result_field and progress_at_least read it).
#
# Any missing piece (qemu, busybox-static, libsctp.a, the package, a VM that
# never reaches its init) is a skip, exit 77, said out loud.
#
# Usage:
#   vm_require                       # skip unless everything is there
#   vm_tap NS TAP [BRIDGE_PORT]      # a tap in NS (bridged with a port)
#   vm_guest_script > FILE           # the scenario's commands, run by init
#   vm_start NAME NS GUEST_SCRIPT TAP...   # boots; returns at once
#   vm_wait_booted NAME              # the guest's init ran (else skip)
#   vm_wait_done NAME TIMEOUT        # guest printed VM-DONE and powered off

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE=${SCTPALG_VM_CACHE:-/var/cache/sctpalg-vm}
KSCTP_PEER=${KSCTP_PEER:-$REPO_ROOT/build/test/vm/ksctp_peer}
# Modules the guest loads (dependencies are added, in order).  virtio_pci
# and virtio_net carry the NICs; crc32c_generic provides the "crc32c"
# algorithm libcrc32c asks the crypto API for (no modprobe in the guest to
# load it on demand); sctp pulls libcrc32c, udp_tunnel, ip6_udp_tunnel.
VM_MODULES=${VM_MODULES:-virtio_pci virtio_net crc32c_generic sctp}
# Booting takes about 6 s under TCG on an idle machine; the suite runs on
# a busy one.
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-120}
VM_KVER=""
declare -A VM_PID_OF=()

vm_skip() {
	local f

	for f in "$WORK"/*-console.out; do
		[ -s "$f" ] || continue
		say "----- ${f##*/} (last lines) -----"
		tail -n 30 "$f"
	done
	skip "$*"
}

# vm_require: the tools, the static test program and the kernel.
vm_require() {
	local c

	for c in qemu-system-x86_64 cpio dpkg-deb apt-get objcopy readelf; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "VM: '$c' missing (make deps: qemu-system-x86 cpio binutils)"
	done
	# busybox-static replaces /bin/busybox with a static binary
	[ -x /bin/busybox ] && ! readelf -l /bin/busybox 2>/dev/null |
		grep -q 'Requesting program interpreter' ||
		skip "VM: /bin/busybox is not static (apt-get install busybox-static)"
	vm_build_peer
	vm_fetch_kernel
}

# The Makefile builds it (make tools); built here too when missing, like
# lib.sh's sctp_peer.
vm_build_peer() {
	local src="$VM_DIR/ksctp_peer.c"
	local common="$VM_DIR/../e2e/peer_common.c"

	if [ -x "$KSCTP_PEER" ] && [ "$KSCTP_PEER" -nt "$src" ] &&
		[ "$KSCTP_PEER" -nt "$common" ]; then
		return 0
	fi
	[ -e /usr/lib/x86_64-linux-gnu/libsctp.a ] ||
		skip "VM: libsctp.a missing (apt-get install libsctp-dev)"
	mkdir -p "$(dirname "$KSCTP_PEER")"
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
		-Wpointer-arith -Wcast-qual -Wmissing-prototypes \
		-Wstrict-prototypes -static -I"$VM_DIR/../e2e" "$src" \
		"$common" -l:libsctp.a \
		-o "$KSCTP_PEER.$$" && mv -f "$KSCTP_PEER.$$" "$KSCTP_PEER" ||
		fail "cannot build $KSCTP_PEER"
}

# _vm_kver: the version linux-image-amd64 depends on now, e.g.
# 6.1.0-57-amd64 (empty when apt knows no lists).
_vm_kver() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' |
		head -n 1
}

# _mod_deps FILE: the "depends=" of a module, from its .modinfo section.
_mod_deps() {
	objcopy -O binary -j .modinfo "$1" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# _mod_add NAME: appends NAME after its dependencies to _MOD_ORDER.
declare -A _MOD_PATH=() _MOD_DONE=()
_MOD_ORDER=""
_mod_add() {
	local name=${1//-/_} f d

	[ -z "${_MOD_DONE[$name]:-}" ] || return 0
	_MOD_DONE[$name]=1
	f=${_MOD_PATH[$name]:-}
	[ -n "$f" ] || { say_err "VM: no module $name"; return 1; }
	for d in $(_mod_deps "$f"); do
		_mod_add "$d" || return 1
	done
	_MOD_ORDER="$_MOD_ORDER $name"
}

# _vm_unpack VER DIR: downloads linux-image-VER and keeps, in DIR, vmlinuz,
# the modules the guest needs and load.order.
_vm_unpack() {
	local ver=$1 dir=$2 tmp f n

	tmp=$(mktemp -d "$VM_CACHE/dl.XXXXXX") || return 1
	# apt's sandbox user must be able to write the download directory
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null
	if ! (cd "$tmp" && apt-get download -q "linux-image-$ver" \
		>"$tmp/apt.log" 2>&1); then
		cat "$tmp/apt.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/x" || { rm -rf "$tmp"; return 1; }
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%.ko*}
		_MOD_PATH[${n//-/_}]=$f
	done < <(find "$tmp/x/lib/modules/$ver" -name '*.ko' -o -name '*.ko.xz')
	_MOD_ORDER=""
	for n in $VM_MODULES; do
		_mod_add "$n" || { rm -rf "$tmp"; return 1; }
	done
	mkdir -p "$dir.new/modules"
	cp "$tmp/x/boot/vmlinuz-$ver" "$dir.new/vmlinuz"
	for n in $_MOD_ORDER; do
		f=${_MOD_PATH[$n]}
		case $f in
		*.xz) xz -dc "$f" > "$dir.new/modules/$n.ko" ;;
		*) cp "$f" "$dir.new/modules/$n.ko" ;;
		esac
	done
	echo "$_MOD_ORDER" | tr ' ' '\n' | sed '/^$/d' > "$dir.new/load.order"
	rm -rf "$tmp" "$dir"
	mv "$dir.new" "$dir"
	# a newer kernel replaces the older ones in the cache
	find "$VM_CACHE" -mindepth 1 -maxdepth 1 -type d -name '*-amd64' \
		! -name "$ver" -exec rm -rf {} +
}

# vm_fetch_kernel: sets VM_KVER and makes $VM_CACHE/$VM_KVER ready; one
# download at a time (flock), reused by every later run.
vm_fetch_kernel() {
	local ver dir

	mkdir -p "$VM_CACHE" || skip "VM: cannot create $VM_CACHE"
	ver=${SCTPALG_VM_KERNEL:-$(_vm_kver)}
	if [ -z "$ver" ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1
		ver=$(_vm_kver)
	fi
	if [ -z "$ver" ]; then
		# no apt lists: the newest kernel already in the cache
		ver=$(ls -1 "$VM_CACHE" 2>/dev/null | grep -E -- '-amd64$' |
			sort -V | tail -n 1)
	fi
	[ -n "$ver" ] || skip "VM: apt names no linux-image-amd64 kernel and none is cached"
	dir=$VM_CACHE/$ver
	exec {vm_lock}>"$VM_CACHE/.lock"
	flock "$vm_lock"
	if [ ! -s "$dir/vmlinuz" ] || [ ! -s "$dir/load.order" ]; then
		say "VM: fetching linux-image-$ver into $VM_CACHE (once)"
		_vm_unpack "$ver" "$dir" ||
			{ flock -u "$vm_lock"; skip "VM: cannot fetch linux-image-$ver through apt"; }
	fi
	flock -u "$vm_lock"
	exec {vm_lock}>&-
	VM_KVER=$ver
}

# vm_tap NS TAP [BRIDGE_PORT]: a tap for a VM NIC in NS; with
# BRIDGE_PORT, a bridge br-TAP in NS joins the tap and that port (which
# then loses its addresses: the VM takes them).
vm_tap() {
	local ns=$1 tap=$2 port=${3:-}

	ip -n "$ns" tuntap add dev "$tap" mode tap || fail "tuntap $tap in $ns"
	ip -n "$ns" link set "$tap" up
	if [ -n "$port" ]; then
		ip -n "$ns" link add "br-$tap" type bridge
		ip -n "$ns" link set "br-$tap" type bridge stp_state 0 \
			forward_delay 0
		ip -n "$ns" addr flush dev "$port"
		ip -n "$ns" link set "$port" master "br-$tap"
		ip -n "$ns" link set "$tap" master "br-$tap"
		ip -n "$ns" link set "br-$tap" up
	fi
}

# _vm_initramfs GUEST_SCRIPT OUT: a newc cpio (uncompressed: the kernel
# reads it as is, and it saves the compression time).
_vm_initramfs() {
	local script=$1 out=$2 root

	root=$(mktemp -d "$WORK/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
	cp /bin/busybox "$root/bin/busybox"
	cp "$KSCTP_PEER" "$root/bin/ksctp_peer"
	cp "$VM_CACHE/$VM_KVER"/modules/*.ko "$root/lib/modules/"
	cp "$VM_CACHE/$VM_KVER/load.order" "$root/lib/modules/load.order"
	cp "$VM_DIR/init" "$root/init"
	cp "$script" "$root/run.sh"
	chmod 755 "$root/init" "$root/run.sh"
	# the kernel opens /dev/console before init mounts devtmpfs
	mknod -m 600 "$root/dev/console" c 5 1
	(cd "$root" && find . | cpio -o -H newc --quiet) > "$out" ||
		fail "cpio"
	rm -rf "$root"
}

# no_timer_check: a guest whose vCPU thread starves (TCG on a loaded
# host) otherwise may fail the kernel's IO-APIC timer check and panic
# ("IO-APIC + timer doesn't work!"), as it did here once under load 11.
#
# vm_start NAME NS GUEST_SCRIPT TAP...: qemu in NS, one virtio NIC per
# tap (eth0, eth1... in that order), MACs 52:54:00:5a:N:M.  TCG unless
# /dev/kvm works (SCTPALG_VM_ACCEL=tcg|kvm forces one).
vm_start() {
	local name=$1 ns=$2 script=$3 accel i=0 tap

	shift 3
	_vm_initramfs "$script" "$WORK/$name.cpio"
	accel=${SCTPALG_VM_ACCEL:-}
	if [ -z "$accel" ]; then
		accel=tcg
		# After one guest hung under KVM (nested KVM in some VMs), TCG.
		[ -w /dev/kvm ] && [ -z "${VM_KVM_HUNG:-}" ] && accel=kvm
	fi
	VM_ACCEL_OF[$name]=$accel
	local args=(-nodefaults -no-user-config -display none -no-reboot
		-m 256M -smp 1 -kernel "$VM_CACHE/$VM_KVER/vmlinuz"
		-initrd "$WORK/$name.cpio"
		-append "console=ttyS0 quiet panic=-1 net.ifnames=0 no_timer_check"
		-serial "file:$WORK/$name-console.out"
		-serial "file:$WORK/$name.out")
	if [ "$accel" = kvm ]; then
		args+=(-accel kvm -cpu host)
	else
		# -cpu max: SSE4.2 etc., as a real host would have
		args+=(-accel tcg -cpu max)
	fi
	for tap in "$@"; do
		args+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:5a:$(printf %02x "${#VM_PID_OF[@]}"):$(printf %02x $i)")
		i=$((i + 1))
	done
	# Quoted for the shell: -append's value holds spaces.
	VM_ARGS_OF[$name]="$ns $(printf '%q ' "${args[@]}")"
	_vm_launch "$name" "$ns" "${args[@]}"
}

# _vm_launch NAME NS QEMU_ARGS...: qemu for NAME, in NS ("-": none).
_vm_launch() {
	local name=$1 ns=$2

	shift 2
	: > "$WORK/$name.out"
	if [ "$ns" = - ]; then
		# no NIC: nothing of the host's network is reachable anyway
		qemu-system-x86_64 "$@" >"$WORK/qemu-$name.out" 2>&1 &
		BG_PID[qemu-$name]=$!
	else
		run_bg "qemu-$name" "$ns" qemu-system-x86_64 "$@"
	fi
	VM_PID_OF[$name]=${BG_PID[qemu-$name]}
}
declare -A VM_ACCEL_OF=() VM_ARGS_OF=()

# _vm_gone NAME: qemu has exited (a zombie until wait_bg reaps it, and
# kill -0 succeeds on a zombie).
_vm_gone() {
	local st

	st=$(awk '{ print $3 }' "/proc/${VM_PID_OF[$1]}/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# vm_wait_booted NAME: until the guest's init says VM-READY (modules in);
# a VM that dies or never gets there is a skip.  Under KVM a guest that
# does not reach init in 20 s is restarted under TCG.
vm_wait_booted() {
	local name=$1 n limit

	limit=$((VM_BOOT_TIMEOUT * 10))
	[ "${VM_ACCEL_OF[$name]}" = kvm ] && limit=200
	for ((n = 0; n < limit; n++)); do
		grep_out "$name" '^VM-READY' && break
		grep_out "$name" '^VM-ERROR' &&
			fail "VM $name: $(grep '^VM-ERROR' "$(out_of "$name")")"
		_vm_gone "$name" && break
		sleep 0.1
	done
	if grep_out "$name" '^VM-READY'; then
		say "VM $name: booted kernel $VM_KVER (${VM_ACCEL_OF[$name]}) in $((n / 10)).$((n % 10)) s"
		return 0
	fi
	if [ "${VM_ACCEL_OF[$name]}" = kvm ] && [ -z "${SCTPALG_VM_ACCEL:-}" ]; then
		say "VM $name: no init under KVM after 20 s; again under TCG"
		VM_KVM_HUNG=1
		stop_bg "qemu-$name"
		SCTPALG_VM_ACCEL=tcg vm_restart_tcg "$name"
		vm_wait_booted "$name"
		return
	fi
	vm_skip "VM $name did not boot within ${VM_BOOT_TIMEOUT} s"
}

vm_restart_tcg() {
	local name=$1 ns rest
	local -a args

	read -r ns rest <<<"${VM_ARGS_OF[$name]}"
	rest=${rest/-accel kvm -cpu host/-accel tcg -cpu max}
	eval "args=($rest)"
	VM_ACCEL_OF[$name]=tcg
	_vm_launch "$name" "$ns" "${args[@]}"
}

# vm_wait_done NAME TIMEOUT_S: the guest script ended (VM-DONE) and the VM
# powered off; returns the script's exit status.
vm_wait_done() {
	local name=$1 timeout=$2 rc

	wait_for "$timeout" "VM $name finished its script" grep_out "$name" '^VM-DONE'
	wait_bg "qemu-$name" 30 >/dev/null 2>&1
	rc=$(sed -n 's/^VM-DONE rc=//p' "$(out_of "$name")" | tail -n 1)
	return "${rc:-1}"
}

# vm_guest_preamble: the guest's network basics, for the top of a guest
# script: loopback up, IPv4 only (quiet captures), no rp_filter.
vm_guest_preamble() {
	cat <<'EOF'
ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1
sysctl -qw net.ipv6.conf.default.disable_ipv6=1
sysctl -qw net.ipv4.conf.all.rp_filter=0
sysctl -qw net.ipv4.conf.default.rp_filter=0
EOF
}

# vm_pcap_table NAME: one tshark pass over $WORK/NAME.pcap into
# $WORK/NAME.tsv, tab-separated: time, ip.src, ip.dst, sctp.srcport,
# sctp.chunk_type, sctp.checksum.status, address parameters, icmp.type,
# icmp.code, icmp.mtu (lists comma-joined; an ICMP error's ip.src is
# "outer,quoted").  tshark is slow on a busy machine: the checks read the
# table, one pass per capture.
vm_pcap_table() {
	_tshark -r "$WORK/$1.pcap" -T fields -E aggregator=, \
		-e frame.time_epoch -e ip.src -e ip.dst -e sctp.srcport \
		-e sctp.chunk_type -e sctp.checksum.status \
		-e sctp.parameter_ipv4_address -e icmp.type -e icmp.code \
		-e icmp.mtu > "$WORK/$1.tsv"
}

# tsv_count NAME AWK_CONDITION: rows of NAME.tsv matching (fields $1..$10
# as above).
tsv_count() {
	awk -F'\t' "$2 { n++ } END { print n + 0 }" "$WORK/$1.tsv"
}

# vm_progress NAME KEY MIN: for wait_for: the guest's program reported
# KEY >= MIN, or the guest script already ended (VM-DONE): no use waiting
# then, and the test's checks say what went wrong.
vm_progress() {
	progress_at_least "$1" "$2" "$3" || grep_out "$1" '^VM-DONE'
}
