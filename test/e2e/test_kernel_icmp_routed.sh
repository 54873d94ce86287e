#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_icmp_routed.sh - test_kernel_icmp.sh with routable client
# addresses and no NAT on the box: the same ICMP errors reach the kernel
# untranslated, the reference the run through sctpalgd is compared with.
KSCTP_ROUTED=1 exec bash "$(dirname "$0")/test_kernel_icmp.sh"
