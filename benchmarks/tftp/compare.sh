#!/bin/sh
# compare.sh — bootfw's tftp plugin against tftpd-hpa, dnsmasq and atftpd, in one run, on 127.0.0.1.
#
#   benchmarks/tftp/compare.sh [BUILD_DIR]        (default: build/default; needs bootfw, bootfw-tftp.so,
#                                                  tftp_bench_client and a file provider built there)
#
# Every server is measured with the same client, tftp_bench_client:
# one 64 MB file at blksize 512 and 1468 lockstep; blksize 1468 with windowsize 8/16/64; 50 and 500
# concurrent clients fetching an 8 MB file (blksize 1468, lockstep), and 50 clients again with windowsize
# 4 and 16. Servers without RFC 7440 answer the windowed requests lockstep: for them the lockstep figure
# is reused (see granted_window).
# Prints seconds per scenario, bootfw's ratio to the best peer, and each server's peak RSS (VmHWM of its
# main process after the 50- and the 500-client storms). Numbers are for reports, never for tests.
# The single-client scenarios run with every server on CPU 0 and the client on CPU 1 (PIN=0 turns that
# off): a lockstep transfer is one wake-up per block on each side, and left to the scheduler a run lands
# either on one core (a hand-off without wake-up latency, 4x faster here) or on two (an inter-processor
# wake-up each way), which swamps the servers' differences. Two cores model two machines.
# The storms run unpinned.
# Environment: ATFTPD=path (else `atftpd` in PATH, else extracted with apt-get download into the work dir),
# BOOTFW_THREADS (default 1), REPEAT (runs per measurement, best kept; default 2), KEEP=1 keeps the work dir.
set -eu

BUILD=$(cd "${1:-build/default}" && pwd)
CLIENT=$BUILD/benchmarks/tftp_bench_client
BOOTFW=$BUILD/framework/bootfw
TFTP_SO=$BUILD/plugins-out/bootfw-tftp.so
PROVIDER=$BUILD/plugins-out/bootfw-file.so
[ -f "$PROVIDER" ] || PROVIDER=$BUILD/plugin-tests/tftp/tftp_test_provider.so
for f in "$CLIENT" "$BOOTFW" "$TFTP_SO" "$PROVIDER"; do
  [ -e "$f" ] || { echo "missing $f (build bootfw, bootfw_plugin_tftp, tftp_bench_client first)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/tftp-compare.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/state"
head -c 64000000 /dev/urandom >"$ROOT/f64"
head -c 8000000 /dev/urandom >"$ROOT/k8"
head -c 65536 /dev/urandom >"$ROOT/probe"
chmod 755 "$ROOT"; chmod 644 "$ROOT"/*

ATFTPD=${ATFTPD:-$(command -v atftpd || true)}
if [ -z "$ATFTPD" ]; then  # Debian's atftpd conflicts with tftpd-hpa: unpack it instead of installing it
  (cd "$WORK" && apt-get download atftpd >/dev/null 2>&1 && dpkg -x atftpd_*.deb peers) || true
  ATFTPD=$WORK/peers/usr/sbin/atftpd
fi

PORT=17000
RESULTS=$WORK/results
: >"$RESULTS"
: >"$WORK/runs"
PIDS=

start_server() {  # $1 = name; records its port and pid as PORT_<name> / PID_<name>
  PORT=$((PORT + 1))
  case $1 in
  bootfw)
    cat >"$WORK/plugins.toml" <<EOF
[server]
threads = ${BOOTFW_THREADS:-1}
log_level = "warn"
state_directory = "$WORK/state"
[[plugin]]
name = "files"
kind = "artifact-provider"
library = "$PROVIDER"
[plugin.config]
root = "$ROOT"
[[plugin]]
name = "tftp"
kind = "tftp-transport"
library = "$TFTP_SO"
[plugin.config]
address = "127.0.0.1"
port = $PORT
max_sessions_per_client = 1000     # every benchmark client is 127.0.0.1
max_new_sessions_per_second = 0
EOF
    "$BOOTFW" --plugins "$WORK/plugins.toml" >"$WORK/bootfw.log" 2>&1 &
    ;;
  tftpd-hpa) in.tftpd -L -s "$ROOT" -a "127.0.0.1:$PORT" >/dev/null 2>&1 & ;;
  dnsmasq)
    # dnsmasq 2.90 has no option for the TFTP port (--tftp-port would abbreviate --tftp-port-range): it
    # always listens on 69, here on 127.0.0.1 only.
    PORT=69
    dnsmasq -d --conf-file=/dev/null --pid-file= --port=0 --enable-tftp --tftp-root="$ROOT" \
      --listen-address=127.0.0.1 --bind-interfaces --tftp-max=1000 --log-facility=/dev/null >/dev/null 2>&1 &
    ;;
  atftpd)
    "$ATFTPD" --daemon --no-fork --port "$PORT" --bind-address 127.0.0.1 --maxthread 1000 --logfile /dev/null \
      "$ROOT" >/dev/null 2>&1 &
    ;;
  esac
  id=$(echo "$1" | tr -c 'a-z0-9\n' _)
  eval "PID_$id=$!; PORT_$id=$PORT"
  PIDS="$PIDS $!"
  if [ "$PORT" -lt 17000 ]; then PORT=17010; fi  # dnsmasq took 69: the next server gets a high port again
}
var() { eval "echo \$$1_$(echo "$2" | tr -c 'a-z0-9\n' _)"; }

PINNED=0
[ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null && PINNED=1
pin_servers() {  # $1 = CPU list for every server's threads (children forked later inherit it)
  [ "$PINNED" = 1 ] || return 0
  for p in $PIDS; do taskset -a -c -p "$1" "$p" >/dev/null 2>&1 || true; done
}
# A windowed scenario for a server without RFC 7440 is its lockstep scenario again: such a server is
# probed (a 64 KB file with the same options) and, when it grants no window, the lockstep figure is
# reused instead of measured twice (LOCKSTEP=scenario names that figure; the table says so).
granted_window() {  # $1 server, rest: client arguments (without --file)
  g_server=$1
  shift
  $CLIENT --port "$(var PORT "$g_server")" --file probe "$@" 2>/dev/null |
    sed -n 's/.*window=\([0-9]*\).*/\1/p' | tail -1
}
measure() {  # $1 scenario, rest: client arguments; best of $REPEAT runs per server, the runs round-robin
  scenario=$1
  shift
  run_client=$CLIENT
  case " $* " in
  *" --clients "*) pin_servers "0-$(($(nproc) - 1))" ;;
  *) if [ "$PINNED" = 1 ]; then pin_servers 0; run_client="taskset -c 1 $CLIENT"; fi ;;
  esac
  measured=
  for s in $SERVERS; do
    if [ -n "${LOCKSTEP:-}" ]; then
      lockstep=$(awk -v s="$s" -v sc="$LOCKSTEP" '$1 == s && $2 == sc { print $3 }' "$RESULTS")
      opts=$(echo " $* " | sed 's/ --file [^ ]*//; s/ --clients [^ ]*//')
      # shellcheck disable=SC2086  # opts is a list of client arguments
      if [ -n "$lockstep" ] && [ "$(granted_window "$s" $opts)" = 1 ]; then
        echo "$s $scenario $lockstep" >>"$RESULTS"
        echo "$s" >>"$WORK/no-window"
        continue
      fi
    fi
    measured="$measured $s"
  done
  # Round-robin (run 1 of every server, then run 2 ...): a burst of load from another job on a shared
  # machine lands on one run of each server rather than on every run of one server.
  for _ in $(seq "${REPEAT:-2}"); do
    for s in $measured; do
      if out=$($run_client --port "$(var PORT "$s")" "$@" 2>&1); then
        echo "$out" | sed -n "s/.*seconds=\([0-9.]*\).*/$s \1/p" | tail -1 >>"$WORK/runs"
      fi
    done
  done
  for s in $measured; do
    best=$(awk -v s="$s" '$1 == s && (b == "" || $2 + 0 < b + 0) { b = $2 } END { print (b == "" ? "fail" : b) }' \
      "$WORK/runs")
    echo "$s $scenario $best" >>"$RESULTS"
  done
  : >"$WORK/runs"
}
rss() {  # $1 row label
  for s in $SERVERS; do
    echo "$s $1 $(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$(var PID "$s")/status" 2>/dev/null || echo fail)" >>"$RESULTS"
  done
}

SERVERS="bootfw tftpd-hpa dnsmasq atftpd"
[ -x "$ATFTPD" ] || SERVERS="bootfw tftpd-hpa dnsmasq"
# All servers run at once (idle ones cost nothing) and the scenarios interleave them, so a load change on
# a shared machine hits every server alike.
for s in $SERVERS; do start_server "$s"; done
sleep 1
echo "measuring $SERVERS ..." >&2
measure 64MB_blksize512 --file f64 --blksize 512
measure 64MB_blksize1468 --file f64 --blksize 1468
LOCKSTEP=64MB_blksize1468
for w in 8 16 64; do measure "64MB_1468_window$w" --file f64 --blksize 1468 --windowsize "$w"; done
LOCKSTEP=
measure 50x8MB_1468 --file k8 --blksize 1468 --clients 50
# The same storm from clients that ask for a window: 4 is UEFI's (EDK2 PcdPxeTftpWindowSize), 16 what an
# operator may configure on U-Boot (CONFIG_TFTP_WINDOWSIZE). Servers without RFC 7440 answer lockstep.
LOCKSTEP=50x8MB_1468
for w in 4 16; do measure "50x8MB_1468_window$w" --file k8 --blksize 1468 --clients 50 --windowsize "$w"; done
LOCKSTEP=
rss RSS_MB_after_50
REPEAT=1 measure 500x8MB_1468 --file k8 --blksize 1468 --clients 500
rss RSS_MB_after_500
for p in $PIDS; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=

# The table: one row per scenario, one column per server, then bootfw / best peer (lower is better).
awk -v servers="$SERVERS" '
  { v[$1, $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } }
  END {
    ns = split(servers, s, " ")
    printf "%-20s", "scenario"
    for (i = 1; i <= ns; i++) printf " %10s", s[i]
    printf " %16s\n", "bootfw/best peer"
    for (k = 0; k < n; k++) {
      sc = order[k]; printf "%-20s", sc
      best = ""
      for (i = 1; i <= ns; i++) {
        x = v[s[i], sc]; printf " %10s", x
        if (s[i] != "bootfw" && x != "fail" && x != "" && (best == "" || x + 0 < best + 0)) best = x
      }
      b = v["bootfw", sc]
      if (best != "" && b != "fail" && b != "" && best + 0 > 0) printf " %16.2f\n", b / best; else printf " %16s\n", "-"
    }
  }' "$RESULTS"
[ "$PINNED" = 1 ] && echo "(single-client rows: servers on CPU 0, client on CPU 1; storms unpinned)"
no_window=$(sort -u "$WORK/no-window" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
[ -n "$no_window" ] && echo "(window rows of $no_window: no RFC 7440 window granted, so the lockstep figure)"
echo "(seconds, except RSS_MB: VmHWM of the server's main process in MiB; tftpd-hpa forks and atftpd threads per client)"
