#!/usr/bin/env bash
# (a) The seed scenario: the VM with the seed's MAC PXE-boots the rambox from the server with the
# seed's dhcpd.conf and the pxelinux.cfg/C0A818CB layout, and its console shows the marker with
# 192.168.24.203 and the memory figures. Prints the boot timeline.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/e2e-lib.sh"

e2e_init seed_boot
e2e_root "$work/root" C0A818CB
e2e_server "$work/root" passthrough
e2e_vm rambox $seed_mac
e2e_wait_vms
e2e_expect_marker rambox $seed_ip
# The boot really went through the server: pxelinux, its config and both boot files were requested.
for f in pxelinux.0 ldlinux.c32 pxelinux.cfg/C0A818CB bzImage initramfs.cpio.gz; do
  [ "$(e2e_rrqs $seed_mac $seed_ip "$f")" -ge 1 ] || e2e_fail "the server logged no request for $f"
done
e2e_timeline rambox
e2e_pass
