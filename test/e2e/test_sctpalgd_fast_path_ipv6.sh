#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_fast_path_ipv6.sh - test_sctpalgd_ipv6.sh with
# fast-path = xdp: the IPv6 paths' DATA is forwarded by the XDP program,
# one public port on both links, valid CRC32c, and the failover works.
SCTPALG_FAST_PATH=xdp exec bash "$(dirname "$0")/test_sctpalgd_ipv6.sh"
