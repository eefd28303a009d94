#!/usr/bin/env bash
# (c) "deny unknown clients": a second VM with a MAC that has no host entry is heard but refused (no
# OFFER, no ACK) and never requests a boot file, while the seed VM boots next to it.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/e2e-lib.sh"

stranger=52:54:00:12:34:99

e2e_init unknown_mac
e2e_root "$work/root" C0A818CB
e2e_server "$work/root" passthrough
e2e_vm rambox $seed_mac
e2e_vm stranger $stranger --refused
e2e_wait_vms
e2e_expect_marker rambox $seed_ip
[ "$(e2e_dhcp_requests $stranger)" -ge 1 ] || e2e_fail "the server never saw the stranger's DHCP requests"
[ "$(e2e_dhcp_replies $stranger)" -eq 0 ] || e2e_fail "the server answered the unknown MAC $stranger"
grep -a -q 'Filename:' "$work/$phase.stranger.serial" && e2e_fail "the stranger's ROM was given a boot file"
say "stranger $stranger: $(e2e_dhcp_requests $stranger) DHCP requests logged, 0 replies, no boot file"
e2e_pass
