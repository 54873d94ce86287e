#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_capture_fast_path.sh - test_sctpalgd_capture.sh with
# fast-path = xdp: a capture pauses the XDP fast path so that it sees
# every packet, and the fast path resumes after it.
# Exit: 0 pass, 1 fail, 77 skip.
SCTPALG_FAST_PATH=xdp exec bash "$(dirname "$0")/test_sctpalgd_capture.sh"
