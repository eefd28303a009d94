#!/usr/bin/env bash
# PXE-boots one QEMU VM on a tap inside a network namespace (see netns.sh) and waits for the
# rambox marker line "RAMBOX-UP ip=…" on its serial console.
#
# usage: examples/rambox/boot-vm.sh --netns NAME --tap TAPNAME --mac MAC --log FILE
#                                   [--timeout SECONDS] [--interactive | --refused]
#   exit 0: the marker appeared; 1: timeout, QEMU died, kernel panic or no DHCP lease in the
#   guest (the tail of the log is printed); 2: usage.
#   --refused: the opposite check, for a client the server must not boot: exit 0 once the boot
#   ROM gives up without a DHCP lease, 1 if it got a boot file (or the rambox came up) or on timeout.
#   Non-interactive (default): serial goes to FILE and, timestamped relative to the QEMU start,
#   to stdout; stdin is not used (fine for CI). --interactive: serial on this terminal (and FILE),
#   no timeout; Ctrl-A x quits QEMU, Ctrl-A c toggles the QEMU monitor.
set -euo pipefail
export LC_ALL=C   # EPOCHREALTIME must use '.' as decimal separator

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ns="" tap="" mac="" log="" timeout=180 interactive=0 refused=0
die() { echo "boot-vm: error: $*" >&2; exit 2; }
usage() { sed -n '5,6s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --netns) ns=${2:?}; shift 2 ;;
    --tap) tap=${2:?}; shift 2 ;;
    --mac) mac=${2:?}; shift 2 ;;
    --log) log=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    --interactive) interactive=1; shift ;;
    --refused) refused=1; shift ;;
    -h|--help) usage ;;
    *) echo "boot-vm: unknown argument '$1'" >&2; usage ;;
  esac
done
if [ -z "$ns" ] || [ -z "$tap" ] || [ -z "$mac" ] || [ -z "$log" ]; then usage; fi
[ $((interactive + refused)) -le 1 ] || die "--interactive and --refused exclude each other"
[[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || die "bad MAC '$mac'"
[[ $timeout =~ ^[0-9]+$ ]] || die "bad timeout '$timeout'"
[ "$(id -u)" -eq 0 ] || die "needs root (ip netns exec, tap devices)"
ip netns list | awk '{print $1}' | grep -qx -- "$ns" || die "no namespace '$ns' (run: $here/netns.sh up $ns)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/install-deps demo)"

# The tap must live in the namespace; QEMU (started there too) attaches to it by name.
ip -n "$ns" link show "$tap" >/dev/null 2>&1 || "$here/netns.sh" tap "$ns" "$tap" >/dev/null

mkdir -p "$(dirname "$log")"
: > "$log"

# TCG, not KVM: KVM boots hung on these machines (docs/PXE-NOTES.md). -boot n boots the e1000's
# iPXE ROM; -no-reboot turns the guest's "poweroff -f"/reboot into a QEMU exit.
qemu=(qemu-system-x86_64 -machine accel=tcg -m 256 -boot n
  -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no"
  -device "e1000,netdev=n0,mac=$mac"
  -nographic -no-reboot)

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
fmt_us() { printf '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000)); }

if [ $interactive -eq 1 ]; then
  [ -t 0 ] || die "--interactive needs a terminal on stdin"
  # One stdio chardev shared by the serial port and the monitor (Ctrl-A c), also logged to FILE.
  # signal=off: Ctrl-C goes to the guest shell instead of killing QEMU.
  t0=$(now_us)
  ip netns exec "$ns" "${qemu[@]}" \
    -chardev "stdio,id=s0,mux=on,signal=off,logfile=$log" -serial chardev:s0 -mon chardev=s0 || true
  if grep -q 'RAMBOX-UP' "$log"; then
    echo "boot-vm: $(grep -a -m1 -o 'RAMBOX-UP.*' "$log" | tr -d '\r')"
    exit 0
  fi
  echo "boot-vm: QEMU exited without RAMBOX-UP after $(fmt_us $(($(now_us) - t0))) s" >&2
  exit 1
fi

qpid="" tailpid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill "$qpid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$qpid" 2>/dev/null || true
  fi
  # tail follows QEMU's pid and stops within a second of it; then the echo drains and ends.
  if [ -n "$tailpid" ]; then
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$tailpid" 2>/dev/null || break; sleep 0.2; done
    kill "$tailpid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Echo the serial log with "[seconds since QEMU start]" so a run shows its own timeline.
stamp_lines() {
  local line
  while IFS= read -r line; do
    printf '[%8s] %s\n' "$(fmt_us $(($(now_us) - t0)))" "${line%$'\r'}"
  done
}

t0=$(now_us)
# No stdio at all for QEMU: the serial port writes the file, the monitor is off, stdin unused.
ip netns exec "$ns" "${qemu[@]}" -monitor none -serial "file:$log" </dev/null &
qpid=$!
echo "boot-vm: qemu pid $qpid started at $(fmt_us "$t0") in netns $ns (tap $tap, mac $mac), timeout ${timeout}s"
tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | stamp_lines &
tailpid=$!

fail() {
  echo "boot-vm: $* after $(fmt_us $(($(now_us) - t0))) s; last lines of $log:" >&2
  tail -n 25 "$log" | tr -d '\r' | sed 's/^/  | /' >&2
  exit 1
}

deadline=$((t0 + timeout * 1000000))
while [ $refused -eq 1 ]; do
  # iPXE prints "Filename:" once a DHCP reply gave it a boot file; without any reply it ends with
  # "No configuration methods succeeded" and hands back to SeaBIOS ("No bootable device").
  if grep -aqE 'Filename:|PXELINUX|RAMBOX-UP' "$log"; then
    sleep 0.3
    fail "the client was given a boot file"
  fi
  if grep -aqE 'No more network devices|No bootable device' "$log"; then
    sleep 0.3
    echo "boot-vm: refused as expected after $(fmt_us $(($(now_us) - t0))) s: $(grep -a -m1 -o 'No configuration methods[^(]*' "$log" | tr -d '\r')"
    exit 0
  fi
  kill -0 "$qpid" 2>/dev/null || { wait "$qpid" && rc=0 || rc=$?; qpid=""; fail "QEMU exited (status $rc) before the boot ROM gave up"; }
  [ "$(now_us)" -lt "$deadline" ] || fail "timeout (${timeout}s) waiting for the boot ROM to give up"
  sleep 0.1
done
while :; do
  if grep -aq 'RAMBOX-UP' "$log"; then
    t_up=$(($(now_us) - t0))
    sleep 0.3   # let the echo catch up so the marker line is printed above the summary
    echo "boot-vm: RAMBOX-UP after $(fmt_us $t_up) s: $(grep -a -m1 -o 'RAMBOX-UP.*' "$log" | tr -d '\r')"
    # In poweroff mode the guest stops by itself right after the marker; give it a moment.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    exit 0
  fi
  grep -aq 'RAMBOX-NET-FAILED' "$log" && fail "guest got no DHCP lease"
  grep -aq 'Kernel panic' "$log" && fail "kernel panic"
  kill -0 "$qpid" 2>/dev/null || { wait "$qpid" && rc=0 || rc=$?; qpid=""; fail "QEMU exited (status $rc) without RAMBOX-UP"; }
  [ "$(now_us)" -lt "$deadline" ] || fail "timeout (${timeout}s) waiting for RAMBOX-UP"
  sleep 0.1
done
