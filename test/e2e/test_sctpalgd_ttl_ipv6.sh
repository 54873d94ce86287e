#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_ttl_ipv6.sh - test_sctpalgd_ttl.sh over IPv6 with fast-path
# = xdp: the Hop Limit taken down by the XDP program and the engine, and
# ICMPv6 Time Exceeded from the box at Hop Limit 1.
SCTPALG_TTL_FAMILY=6 SCTPALG_FAST_PATH=xdp \
	exec bash "$(dirname "$0")/test_sctpalgd_ttl.sh"
