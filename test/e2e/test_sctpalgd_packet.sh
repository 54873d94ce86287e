#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_packet.sh - issue 3, scenario 6: scenario 1 (and the
# failover, reloads and exit of test_sctpalgd_multihome.sh) with
# backend = packet: AF_PACKET rings in, raw sockets out, no XDP.
SCTPALG_BACKEND=packet exec bash "$(dirname "$0")/test_sctpalgd_multihome.sh"
