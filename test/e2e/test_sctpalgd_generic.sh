#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_generic.sh - test_sctpalgd_multihome.sh with the XDP
# program in generic (SKB) mode and AF_XDP in copy mode, the ladder's last
# step for drivers without native XDP.
SCTPALG_XDP_MODE=generic exec bash "$(dirname "$0")/test_sctpalgd_multihome.sh"
