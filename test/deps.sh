#!/usr/bin/env bash
# Install the Debian 12 packages the build and the tests need, the missing
# ones only (make deps; make check, demo and bench run it first).  As
# root it installs them with apt-get; otherwise it names them and fails.
set -u

packages=(
	# build: compilers, BPF, the daemon's libraries, the unit tests
	build-essential clang llvm libclang-rt-14-dev pkg-config
	libxdp-dev libbpf-dev bpftool liburing-dev libnl-3-dev
	libnl-route-3-dev libnl-genl-3-dev libinih-dev libcriterion-dev
	# the control socket's JSON, both sides (sctpalgctl(8), JSON OUTPUT)
	libjson-c-dev
	# e2e: usrsctp endpoints, captures, namespaces and their tools
	libusrsctp-dev tshark nftables iproute2 xdp-tools ethtool procps jq
	# check-man, check-static, lint
	mandoc cppcheck clang-format
	# the metrics export (conf/, test_sctpalgd_metrics.sh)
	prometheus python3-prometheus-client
	# sctpalgctl's bash completion test (make check-completion)
	bash-completion
	# test_sctpalgd_hostile.sh's injector (standard library only)
	python3
	# the kernel SCTP VM (test/vm/, test/e2e/test_kernel_*.sh): qemu
	# runs Debian's own kernel with busybox and a static lksctp peer
	qemu-system-x86 busybox-static libsctp-dev cpio
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "== packages: all present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run make deps as root)"
	exit 1
fi
echo "== installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq &&
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends "${missing[@]}"
