#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_kernel_both.sh - test_kernel_client.sh with the Linux kernel's SCTP
# at both ends: a second VM is the multihomed server, one NIC on each of
# the server's links, so each path leaves with its own source address
# without the usrsctp fix-up.
KSCTP_PEER_STACK=kernel exec bash "$(dirname "$0")/test_kernel_client.sh"
