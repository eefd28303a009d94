#!/usr/bin/env bash
# (d) Two VMs PXE-boot at the same time from one server, each to its own address and marker: the seed
# host and a second host added to the seed's dhcpd.conf (pxelinux.cfg/C0A818CB and C0A818CC).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/e2e-lib.sh"

other_mac=08:00:07:26:c0:a6 other_ip=192.168.24.204

e2e_init two_vms
e2e_root "$work/root" C0A818CB C0A818CC
e2e_dhcpd_with_host "$work/dhcpd.conf" rambox2 $other_mac $other_ip
e2e_server "$work/root" passthrough "$work/dhcpd.conf"
e2e_vm first $seed_mac
e2e_vm second $other_mac
e2e_wait_vms
e2e_expect_marker first $seed_ip
e2e_expect_marker second $other_ip
for vm in "first $seed_mac $seed_ip" "second $other_mac $other_ip"; do
  set -- $vm
  [ "$(e2e_rrqs "$2" "$3" bzImage)" -ge 1 ] || e2e_fail "$1: no kernel request from $3 in the server log"
done
e2e_timeline first
e2e_timeline second
e2e_pass
