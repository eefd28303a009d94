#!/usr/bin/env bash
# Reference run of the rambox scenario with dnsmasq as DHCP+TFTP server: the figure bootfw is
# compared against. Builds the TFTP root, makes a private namespace (br0 = 192.168.24.202),
# runs dnsmasq there in the foreground, PXE-boots the VM and reports the wall time from the
# QEMU start to the guest's "RAMBOX-UP" line, plus a timeline taken from dnsmasq's log.
#
# usage: examples/rambox/boot-with-dnsmasq.sh [OUTDIR]      (default OUTDIR: build/rambox-root)
# env:   RAMBOX_TIMEOUT (default 180), RAMBOX_LOGDIR (default build/rambox-logs/dnsmasq),
#        RAMBOX / RAMBOX_LAYOUT (passed to build-root.sh; this script expects the poweroff mode)
# exit:  0 when the guest came up with 192.168.24.203, 1 otherwise.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
outdir=${1:-$top/build/rambox-root}
logdir=${RAMBOX_LOGDIR:-$top/build/rambox-logs/dnsmasq}
timeout=${RAMBOX_TIMEOUT:-180}
mac=08:00:07:26:c0:a5
client_ip=192.168.24.203
# A per-run namespace name, so concurrent runs (other engineers, CI jobs) never collide.
ns=rbx-dnsmasq-$$
tap=tap0

[ "$(id -u)" -eq 0 ] || { echo "boot-with-dnsmasq: needs root" >&2; exit 1; }
command -v dnsmasq >/dev/null || { echo "boot-with-dnsmasq: dnsmasq missing (apt-get install dnsmasq-base)" >&2; exit 1; }

"$here/build-root.sh" "$outdir"
outdir=$(cd "$outdir" && pwd)
mkdir -p "$logdir"
tmp=$(mktemp -d /tmp/rambox-dnsmasq.XXXXXX)
vmpid=""

# shellcheck disable=SC2317  # called from the trap
teardown() {
  trap - EXIT INT TERM
  if [ -n "$vmpid" ]; then kill "$vmpid" 2>/dev/null || true; wait "$vmpid" 2>/dev/null || true; fi
  if [ -s "$tmp/pid" ]; then kill "$(cat "$tmp/pid")" 2>/dev/null || true; fi
  "$here/netns.sh" down "$ns" >/dev/null 2>&1 || true   # also stops anything left in it
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$here/netns.sh" up "$ns"
"$here/netns.sh" tap "$ns" "$tap"

# Each dnsmasq line gets an absolute timestamp (s.ms) so it can be put on the VM's timeline.
stamp_abs() {
  local line t
  while IFS= read -r line; do t=$EPOCHREALTIME; printf '%s.%s %s\n' "${t%.*}" "${t#*.}" "$line"; done
}

# -k -d: foreground, log to stderr; --port=0: no DNS; --conf-file=/dev/null: ignore
# /etc/dnsmasq.conf. The only address in the range is the one reserved for the rambox MAC.
ip netns exec "$ns" dnsmasq -k -d --port=0 --interface=br0 --bind-interfaces \
  --dhcp-range=192.168.24.203,192.168.24.203,255.255.255.0 \
  --dhcp-host=$mac,$client_ip --dhcp-boot=pxelinux.0 \
  --enable-tftp --tftp-root="$outdir" --log-dhcp \
  --dhcp-leasefile="$tmp/leases" --pid-file="$tmp/pid" --conf-file=/dev/null \
  2>&1 </dev/null | stamp_abs > "$logdir/dnsmasq.log" &

# Wait until dnsmasq serves (it logs its TFTP root once the sockets are bound).
for _ in $(seq 50); do grep -q 'TFTP root is' "$logdir/dnsmasq.log" 2>/dev/null && break; sleep 0.1; done
grep -q 'TFTP root is' "$logdir/dnsmasq.log" || { echo "boot-with-dnsmasq: dnsmasq did not start:" >&2; cat "$logdir/dnsmasq.log" >&2; exit 1; }
echo "boot-with-dnsmasq: dnsmasq $(dnsmasq --version | awk 'NR==1 {print $3}') serving $outdir in netns $ns"

# In the background + wait: a TERM/INT to this script is handled at once (bash defers traps
# while a foreground child runs), and teardown stops boot-vm, which stops QEMU.
rc=0
"$here/boot-vm.sh" --netns "$ns" --tap "$tap" --mac "$mac" --log "$logdir/serial.log" --timeout "$timeout" \
  > >(tee "$tmp/vm.out") &
vmpid=$!
wait "$vmpid" || rc=$?
vmpid=""
sleep 0.2   # let tee flush

t0=$(sed -n 's/^boot-vm: qemu pid [0-9]* started at \([0-9.]*\).*/\1/p' "$tmp/vm.out")
marker=$(grep -a -m1 -o 'RAMBOX-UP ip=[^ ]*.*' "$logdir/serial.log" | tr -d '\r' || true)
up_after=$(sed -n 's/^boot-vm: RAMBOX-UP after \([0-9.]*\) s.*/\1/p' "$tmp/vm.out")

# Timeline relative to the QEMU start, from dnsmasq's view of the wire.
echo
echo "== timeline (seconds after QEMU start; server side from dnsmasq's log) =="
awk -v t0="${t0:-0}" '
  function at(s) { return sprintf("%7.3f", $1 - t0) }
  # Only the first DISCOVER of each client stage (boot ROM, then udhcpc after the TFTP downloads).
  / DHCPDISCOVER\(/ { if (!seen_disc || after_tftp) print at() "  DHCPDISCOVER" (n_sent ? " (udhcpc in the initramfs)" : " (boot ROM)"); seen_disc = 1; after_tftp = 0 }
  / DHCPACK\(/ { print at() "  DHCPACK " $5 (n_sent ? " (udhcpc in the initramfs)" : " (boot ROM)") }
  /dnsmasq-tftp/ && / sent / { n_sent++; f = $0; sub(/.* sent /, "", f); sub(/ to .*/, "", f); print at() "  TFTP sent " f; after_tftp = 1 }
  /dnsmasq-tftp/ && /not found/ { f = $0; sub(/.*file /, "", f); sub(/ not found.*/, "", f); print at() "  TFTP miss " f }
  /dnsmasq-tftp/ && /error/ && !/not found/ { e = $0; sub(/^[0-9.]+ /, "", e); print at() "  " e }
' "$logdir/dnsmasq.log" | sed "s|$outdir/||"
[ -z "$up_after" ] || printf '%7.3f  %s\n' "$up_after" "$marker"

echo
echo "logs: $logdir/dnsmasq.log, $logdir/serial.log"
if [ $rc -eq 0 ] && [[ $marker == "RAMBOX-UP ip=$client_ip "* ]]; then
  echo "boot-with-dnsmasq: OK, wall time QEMU start -> RAMBOX-UP: ${up_after} s"
  exit 0
fi
echo "boot-with-dnsmasq: FAILED (boot-vm status $rc, marker '${marker:-none}')" >&2
exit 1
