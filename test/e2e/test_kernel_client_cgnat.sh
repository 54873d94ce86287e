#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_client_cgnat.sh - test_kernel_client.sh with the inside
# hosts in RFC 6598 shared address space (100.64.1.0/24), as behind a
# carrier-grade NAT, and the whole inside network behind isp1 (one
# network line, as in the README's case 1): the kernel counts 100.64/10
# as a global scope, so its INIT lists both inside addresses and the box
# must rewrite them; its second address reaches the second server
# address, pinned to isp2, where only the first address has a binding.
KSCTP_PLAN=cgnat KSCTP_ONE_NETWORK=1 \
	exec bash "$(dirname "$0")/test_kernel_client.sh"
