#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_ttl_fast_path.sh - test_sctpalgd_ttl.sh with fast-path =
# xdp: the XDP program decrements the TTL of the DATA it forwards and
# hands a packet at TTL 1 to the daemon, which answers Time Exceeded.
SCTPALG_FAST_PATH=xdp exec bash "$(dirname "$0")/test_sctpalgd_ttl.sh"
