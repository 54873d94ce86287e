#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_fast_path.sh - test_sctpalgd_multihome.sh with
# fast-path = xdp: DATA of the established association is forwarded by
# the XDP program, the association outlives an established timeout
# shorter than the run on the fast path's counters alone, and the
# failover to the second uplink moves its entries.
SCTPALG_FAST_PATH=xdp exec bash "$(dirname "$0")/test_sctpalgd_multihome.sh"
