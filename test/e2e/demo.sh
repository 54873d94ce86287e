#!/bin/bash
# SPDX-License-Identifier: MIT
#
# demo.sh - what `make demo` shows: the same multihomed association
# first through sctpalgd, then through plain kernel NAT, each time with
# the primary uplink broken halfway.  Namespaces only; all cleaned up.
set -u
cd "$(dirname "$0")/../.."

banner() { printf '\n==== %s ====\n' "$*"; }

banner "1/2  through sctpalgd (multihome = uplinks)"
echo "An inside host with one private address, a server with two public"
echo "addresses behind two ISPs; uplink isp1 goes down mid-way."
bash test/e2e/test_sctpalgd_multihome.sh 2>&1 |
	grep -vE '^\[ *[0-9]+ ms\] PROGRESS'
alg_rc=${PIPESTATUS[0]}

banner "2/2  the same through the kernel's NAT (nftables masquerade)"
bash test/e2e/kernel_nat_baseline.sh 2>&1 |
	grep -vE '^\[ *[0-9]+ ms\] PROGRESS'

banner "summary"
if [ "$alg_rc" = 0 ]; then
	echo "sctpalgd: the association survived the uplink failure, one public"
	echo "port on every path, no private address on the wire."
else
	echo "sctpalgd: the run FAILED (exit $alg_rc), see above."
fi
echo "kernel NAT: see the VERDICT lines above."
exit "$alg_rc"
