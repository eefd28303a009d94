#!/usr/bin/env bash
# The rambox scenario served by bootfw, reported like boot-with-dnsmasq.sh so the two wall times can be
# compared in one run (make bench): the wall time from the QEMU start to the guest's "RAMBOX-UP" line.
# It is scripts/demo in poweroff mode (namespace, bootfw, VM, timeline, teardown).
#
# usage: examples/rambox/boot-with-bootfw.sh [OUTDIR]      (default OUTDIR: BUILD_DIR/rambox-root)
# env:   BOOTFW_BUILD_DIR (default build/default: holds framework/bootfw and plugins-out/),
#        RAMBOX_TIMEOUT (default 180)
# exit:  0 when the guest came up with 192.168.24.203, 1 otherwise.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BOOTFW_BUILD_DIR:-$top/build/default}
[ $# -ge 1 ] && export RAMBOX_ROOT="$1"

out=$(mktemp /tmp/boot-with-bootfw.XXXXXX)
trap 'rm -f "$out"' EXIT
rc=0
RAMBOX=poweroff "$top/scripts/demo" "$build" 2>&1 | tee "$out" || rc=$?
up=$(sed -n 's/^boot-vm: RAMBOX-UP after \([0-9.]*\) s: RAMBOX-UP ip=192\.168\.24\.203 .*/\1/p' "$out" | tail -n 1)
if [ "$rc" -ne 0 ] || [ -z "$up" ]; then
  echo "boot-with-bootfw: FAILED (the guest did not come up with 192.168.24.203)"
  exit 1
fi
echo "boot-with-bootfw: OK, wall time QEMU start -> RAMBOX-UP: ${up} s"
