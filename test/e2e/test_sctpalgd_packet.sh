#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_packet.sh - test_sctpalgd_multihome.sh (the
# association, failover, reloads and exit) with
# backend = packet: AF_PACKET rings in, raw sockets out, no XDP; the
# daemon drops to user nobody with the packet backend's capabilities.
SCTPALG_BACKEND=packet SCTPALG_USER=nobody exec bash "$(dirname "$0")/test_sctpalgd_multihome.sh"
