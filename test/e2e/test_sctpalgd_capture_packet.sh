#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_capture_packet.sh - test_sctpalgd_capture.sh with
# backend = packet: the capture's frames are IP packets (LINKTYPE_RAW),
# and every packet it sees sent left through the raw sockets.
SCTPALG_BACKEND=packet exec bash "$(dirname "$0")/test_sctpalgd_capture.sh"
