#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_client_cgnat.sh - test_kernel_client.sh with the inside
# hosts in RFC 6598 shared address space (100.64.1.0/24), as behind a
# carrier-grade NAT: the kernel counts 100.64/10 as a global scope, so its
# INIT lists both inside addresses and the box must rewrite them.
KSCTP_PLAN=cgnat exec bash "$(dirname "$0")/test_kernel_client.sh"
