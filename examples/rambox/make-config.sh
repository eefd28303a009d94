#!/usr/bin/env bash
# Writes a run directory for bootfw from examples/rambox/plugins.toml: RUNDIR/plugins.toml (the
# example with absolute paths), RUNDIR/dhcpd.conf (the seed's, or the one given) and RUNDIR/state
# (a fresh state_directory, so leases of one run never leak into the next).
#
# usage: examples/rambox/make-config.sh RUNDIR TFTP_ROOT [--mode passthrough|server-side]
#                                       [--dhcpd-conf FILE] [--log-level LEVEL]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '6,7s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
rundir=$1 root=$2; shift 2
mode=passthrough dhcpd="$here/dhcpd.conf" level=info
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=${2:?}; shift 2 ;;
    --dhcpd-conf) dhcpd=${2:?}; shift 2 ;;
    --log-level) level=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
case "$mode" in passthrough|server-side) ;; *) echo "make-config: bad mode '$mode'" >&2; exit 2 ;; esac
[ -d "$root" ] || { echo "make-config: no TFTP root '$root'" >&2; exit 1; }

mkdir -p "$rundir/state"
rundir=$(cd "$rundir" && pwd)
root=$(cd "$root" && pwd)
cp "$dhcpd" "$rundir/dhcpd.conf"

# Only the values change; keys, order and comments stay those of the example.
sed -e "s|^state_directory = .*|state_directory = \"$rundir/state\"|" \
    -e "s|^log_level = .*|log_level = \"$level\"|" \
    -e "s|^dhcpd_conf = .*|dhcpd_conf = \"$rundir/dhcpd.conf\"|" \
    -e "s|^mode = .*|mode = \"$mode\"|" \
    -e "s|^root = .*|root = \"$root\"|" \
    "$here/plugins.toml" > "$rundir/plugins.toml"
for key in state_directory dhcpd_conf mode root; do
  grep -q "^$key = " "$rundir/plugins.toml" ||
    { echo "make-config: '$key' not found in $here/plugins.toml" >&2; exit 1; }
done
echo "$rundir/plugins.toml"
