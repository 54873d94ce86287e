#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_sctpalgd_busy_poll.sh - test_sctpalgd_multihome.sh with
# busy-poll = yes: the event loop never sleeps and the AF_XDP sockets ask
# for busy polling; timers, signals, reloads and the control socket must
# still work from the same loop.
SCTPALG_BUSY_POLL=yes exec bash "$(dirname "$0")/test_sctpalgd_multihome.sh"
