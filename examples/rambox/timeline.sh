#!/usr/bin/env bash
# Prints a boot's server-side timeline in seconds after the VM start: bootfw's per-node session lines
# (DHCP phases, each TFTP request and transfer with size and duration), or dnsmasq's DHCP and TFTP lines
# (its log time-stamped with absolute seconds, as boot-with-dnsmasq.sh and tests/e2e write it).
#
# usage: examples/rambox/timeline.sh bootfw|dnsmasq SERVER_LOG T0   (T0: VM start, seconds since epoch)
set -euo pipefail
export LC_ALL=C
[ $# -eq 3 ] || { sed -n '6s/^# \{0,1\}//p' "$0" >&2; exit 2; }
kind=$1 log=$2 t0=$3
case "$kind" in
  bootfw)
    # "2026-11-24T10:00:00.123Z info  [session] 08:00:07:26:c0:a5 +0.000s DISCOVER …" (UTC)
    TZ=UTC awk -v t0="$t0" '/\[session\]/ {
        split($1, d, /[-T:Z]/)
        t = mktime(d[1] " " d[2] " " d[3] " " d[4] " " d[5] " " int(d[6])) + (d[6] - int(d[6]))
        line = $0; sub(/^[^]]*\] /, "", line); printf "%8.3f  %s\n", t - t0, line }' "$log" ;;
  dnsmasq)
    awk -v t0="$t0" '/DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK)\(|dnsmasq-tftp: (sent|file|error)/ {
        line = $0; sub(/^[0-9.]+ /, "", line); printf "%8.3f  %s\n", $1 - t0, line }' "$log" ;;
  *) echo "timeline: server must be bootfw or dnsmasq" >&2; exit 2 ;;
esac
