#!/usr/bin/env bash
# (b) pxelinux fallback, in passthrough and in server-side mode of the pxelinux resolver. Two VMs boot
# at once from a TFTP root holding only pxelinux.cfg/default and pxelinux.cfg/01-08-00-07-26-c0-a5:
#   - the seed VM (08:00:07:26:c0:a5) has only its 01-<mac> file;
#   - a second host (08:00:07:26:c0:a6 -> 192.168.24.204, added to the seed's dhcpd.conf) has nothing
#     but default (no 01-<its mac>, no hex-IP file).
# Both must reach the marker. Passthrough: pxelinux walks 01-<mac>, C0A818CC … C, default: 10 config
# requests, 14 in all. Server-side: the first config request is answered, so 1 config request.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/e2e-lib.sh"

mac_cfg=01-$(echo $seed_mac | tr : -)
other_mac=08:00:07:26:c0:a6 other_ip=192.168.24.204
declare -A want_cfg=([passthrough]=10 [server-side]=1) total_default

e2e_init fallback
e2e_root "$work/root" default "$mac_cfg"
e2e_dhcpd_with_host "$work/dhcpd.conf" rambox2 $other_mac $other_ip
for mode in passthrough server-side; do
  e2e_phase "$mode"
  e2e_server "$work/root" "$mode" "$work/dhcpd.conf"
  e2e_vm mac-only $seed_mac
  e2e_vm default-only $other_mac
  e2e_wait_vms
  e2e_expect_marker mac-only $seed_ip
  e2e_expect_marker default-only $other_ip

  n=$(e2e_rrqs $seed_mac $seed_ip pxelinux.cfg/)
  say "$mode, only $mac_cfg: $(e2e_rrqs $seed_mac $seed_ip) TFTP requests, $n for pxelinux.cfg/"
  [ "$n" -eq 1 ] || e2e_fail "$mode: the seed VM made $n pxelinux.cfg requests, expected 1 (its own file is there)"
  n=$(e2e_rrqs $other_mac $other_ip pxelinux.cfg/)
  total_default[$mode]=$(e2e_rrqs $other_mac $other_ip)
  say "$mode, only default: ${total_default[$mode]} TFTP requests, $n for pxelinux.cfg/"
  [ "$n" -eq "${want_cfg[$mode]}" ] ||
    e2e_fail "$mode: the default-only VM made $n pxelinux.cfg requests, expected ${want_cfg[$mode]}"
  e2e_timeline default-only
done
[ "${total_default[server-side]}" -lt "${total_default[passthrough]}" ] ||
  e2e_fail "server-side made ${total_default[server-side]} requests, passthrough ${total_default[passthrough]}: not fewer"
say "default-only VM: ${total_default[passthrough]} TFTP requests in passthrough, ${total_default[server-side]} server-side"
e2e_pass
