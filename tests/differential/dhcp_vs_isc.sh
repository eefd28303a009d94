#!/usr/bin/env bash
# Differential test: bootfw's DHCP (bootfw-isc-dhcp.so + bootfw-pxe-policy.so loading the seed's
# dhcpd.conf as printed) against ISC dhcpd 4.4 (Debian isc-dhcp-server) loading the same file with
# only the seed's invalid `hostname rambox01.home.dev;` line replaced by `option host-name`.
# Both servers run, one after the other, on the same address 192.168.24.202 on bridge br0 of a private
# namespace; dhcp_client.py plays the same exchanges against each (PXE client, unknown client, known
# client without PXE, relayed client, iPXE user class) and the replies must match field by field.
#
# Topology (all namespaces are created here and removed by the trap, whatever happens):
#   dfs-PID: br0 192.168.24.202/24 <- ports dfs-c, dfs-r
#   dfc-PID: dfc0, no address (the direct clients, sending from 0.0.0.0:68)
#   dfr-PID: dfr0 192.168.24.250/24 (a relay agent: from .250:67 with giaddr .250)
#
# Environment (set by tests/differential/CMakeLists.txt):
#   DIFF_SOURCE_DIR  the source tree     DIFF_BOOTFW   the bootfw binary
#   DIFF_PLUGIN_DIR  built plugin dir    DIFF_WORK_DIR where runs keep their logs
# Exit 77 (ctest skip) without root or without /usr/sbin/dhcpd.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=${DIFF_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bootfw=${DIFF_BOOTFW:?DIFF_BOOTFW must name the bootfw binary}
plugin_dir=${DIFF_PLUGIN_DIR:?DIFF_PLUGIN_DIR must name the plugin directory}
work=${DIFF_WORK_DIR:-/tmp}/dhcp_vs_isc
dhcpd=/usr/sbin/dhcpd
seed_conf=$src/examples/rambox/dhcpd.conf
server_addr=192.168.24.202
relay_addr=192.168.24.250

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: dhcp_vs_isc needs root (network namespaces, port 67)"
  exit 77
fi
if [ ! -x "$dhcpd" ]; then
  echo "SKIP: $dhcpd missing (apt-get install isc-dhcp-server, see scripts/install-deps test)"
  exit 77
fi
for tool in ip python3; do
  command -v $tool >/dev/null || { echo "dhcp_vs_isc: $tool missing (scripts/install-deps test)" >&2; exit 1; }
done
[ -x "$bootfw" ] || { echo "dhcp_vs_isc: no bootfw binary at $bootfw" >&2; exit 1; }
for lib in bootfw-isc-dhcp.so bootfw-pxe-policy.so; do
  [ -f "$plugin_dir/$lib" ] || { echo "dhcp_vs_isc: $plugin_dir/$lib missing (build bootfw_all_plugins)" >&2; exit 1; }
done

ns_s=dfs-$$ ns_c=dfc-$$ ns_r=dfr-$$
# A run killed by SIGKILL (a ctest timeout) cannot run its trap: remove namespaces of dead runs.
for stale in $(ip netns list | awk '{print $1}' | grep -E '^df[scr]-[0-9]+$' || true); do
  kill -0 "${stale#df?-}" 2>/dev/null && continue
  for pid in $(ip netns pids "$stale" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  ip netns delete "$stale" 2>/dev/null || true
done
server_pid=""
rm -rf "$work" && mkdir -p "$work/isc" "$work/bootfw" "$work/state"

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# shellcheck disable=SC2317  # called from the trap
cleanup() {
  local rc=$? ns pid
  trap - EXIT INT TERM
  stop_server
  for ns in "$ns_s" "$ns_c" "$ns_r"; do
    ip netns list | awk '{print $1}' | grep -qx -- "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns delete "$ns" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$work"/*.log; do
      [ -e "$f" ] || continue
      echo "----- $(basename "$f") (last 40 lines) -----"
      tail -n 40 "$f"
    done
    echo "dhcp_vs_isc: FAILED (logs and replies kept in $work)"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the private segment ---------------------------------------------------------------------------
for ns in "$ns_s" "$ns_c" "$ns_r"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
done
# STP off, no forward delay: the bridge forwards the first DISCOVER at once.
ip -n "$ns_s" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$ns_s" addr add "$server_addr/24" dev br0
ip -n "$ns_s" link add dfs-c type veth peer name dfc0 netns "$ns_c"
ip -n "$ns_s" link add dfs-r type veth peer name dfr0 netns "$ns_r"
for port in dfs-c dfs-r; do
  ip -n "$ns_s" link set "$port" master br0
  ip -n "$ns_s" link set "$port" up
done
ip -n "$ns_s" link set br0 up
ip -n "$ns_c" link set dfc0 up
ip -n "$ns_r" addr add "$relay_addr/24" dev dfr0
ip -n "$ns_r" link set dfr0 up

# play NAME: run every scenario against the server now running; replies go to $work/NAME/*.json.
play() {
  if ! ip netns exec "$ns_c" python3 "$here/dhcp_client.py" direct dfc0 "$work/$1/direct.json"; then
    kill -0 "$server_pid" 2>/dev/null || echo "dhcp_vs_isc: $1 exited early (see $work/$1*.log)" >&2
    echo "dhcp_vs_isc: $1 never answered on br0" >&2
    exit 1
  fi
  ip netns exec "$ns_r" python3 "$here/dhcp_client.py" relay dfr0 "$relay_addr" "$server_addr" "$work/$1/relay.json"
}

# --- ISC dhcpd, the reference ----------------------------------------------------------------------
# ISC 4.4 rejects the seed's `hostname` statement; that one line becomes what it means.
sed 's/^hostname rambox01\.home\.dev;$/option host-name "rambox01.home.dev";/' "$seed_conf" >"$work/isc-dhcpd.conf"
[ "$(diff "$seed_conf" "$work/isc-dhcpd.conf" | grep -c '^[<>]')" -eq 2 ] ||
  { echo "dhcp_vs_isc: the seed's hostname line was not found exactly once" >&2; exit 1; }
: >"$work/isc.leases"
ip netns exec "$ns_s" "$dhcpd" -f -d -4 -cf "$work/isc-dhcpd.conf" -lf "$work/isc.leases" \
  -pf "$work/isc.pid" br0 >"$work/isc.log" 2>&1 &
server_pid=$!
echo "dhcp_vs_isc: ISC dhcpd (pid $server_pid) in $ns_s"
play isc
stop_server

# --- bootfw ------------------------------------------------------------------------------------------
cat >"$work/plugins.toml" <<EOF
[server]
interfaces = ["br0"]
log_level = "debug"
state_directory = "$work/state"
[server.ipv6_ra]
enabled = false
[[plugin]]
name = "dhcp"
kind = "dhcp-responder"
library = "$plugin_dir/bootfw-isc-dhcp.so"
[plugin.config]
dhcpd_conf = "$seed_conf"
[[plugin]]
name = "pxe"
kind = "boot-policy"
library = "$plugin_dir/bootfw-pxe-policy.so"
[plugin.config]
dhcpd_conf = "$seed_conf"
EOF
ip netns exec "$ns_s" "$bootfw" --plugins "$work/plugins.toml" >"$work/bootfw.log" 2>&1 &
server_pid=$!
echo "dhcp_vs_isc: bootfw (pid $server_pid) in $ns_s"
play bootfw
stop_server

# --- the verdict ---------------------------------------------------------------------------------------
python3 "$here/dhcp_client.py" compare "$work/isc" "$work/bootfw"
