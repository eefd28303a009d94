#!/usr/bin/env bash
# A private L2 segment for PXE tests: a network namespace holding bridge br0 with the server
# address of the seed scenario (192.168.24.202/24) and one tap device per VM. Nothing here
# touches the host's own interfaces, so DHCP/TFTP traffic never leaves the namespace.
#
# usage: examples/rambox/netns.sh up NAME             create NAME with br0 (idempotent)
#        examples/rambox/netns.sh tap NAME TAPNAME    add tap TAPNAME on br0 (idempotent)
#        examples/rambox/netns.sh down NAME           stop what runs in NAME, delete it (idempotent)
# env:   RAMBOX_SERVER_CIDR (default 192.168.24.202/24), RAMBOX_NETNS_IPV6 (default 1; 0 disables IPv6)
set -euo pipefail

server_cidr=${RAMBOX_SERVER_CIDR:-192.168.24.202/24}

die() { echo "netns: error: $*" >&2; exit 1; }
usage() { sed -n '6,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, bridges and taps)"
[ $# -ge 2 ] || usage
cmd=$1 ns=$2
[[ $ns =~ ^[A-Za-z0-9_.-]{1,32}$ ]] || die "bad namespace name '$ns'"

exists() { ip netns list | awk '{print $1}' | grep -qx -- "$ns"; }
nsip() { ip -n "$ns" "$@"; }

case "$cmd" in
  up)
    exists || ip netns add "$ns"
    nsip link set lo up
    if ! nsip link show br0 >/dev/null 2>&1; then
      # STP off and no forward delay: a port forwards at once, so the first DHCPDISCOVER of
      # the boot ROM is not eaten by the bridge's learning phase.
      nsip link add br0 type bridge stp_state 0 forward_delay 0
    fi
    # IPv6 stays on by default: bootfw's router-advertisement responder needs a link-local address
    # on br0 to answer iPXE's router solicitations (which ends iPXE's ~13 s wait after DHCP).
    # RAMBOX_NETNS_IPV6=0 turns it off (quieter captures; the reference dnsmasq run sends no RA anyway).
    if [ "${RAMBOX_NETNS_IPV6:-1}" = 0 ]; then
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        >/dev/null 2>&1 || true
    fi
    nsip addr replace "$server_cidr" dev br0
    nsip link set br0 up
    echo "netns: $ns up (br0 $server_cidr)"
    ;;
  tap)
    [ $# -eq 3 ] || usage
    tap=$3
    [[ $tap =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "bad tap name '$tap'"
    exists || die "namespace $ns does not exist (run: $0 up $ns)"
    # Created inside the namespace, so only a QEMU started there (ip netns exec) can attach it.
    nsip link show "$tap" >/dev/null 2>&1 || nsip tuntap add dev "$tap" mode tap
    nsip link set "$tap" master br0
    nsip link set "$tap" up
    echo "netns: tap $tap on br0 in $ns"
    ;;
  down)
    if exists; then
      # Whatever the rig left running in there (QEMU, DHCP/TFTP servers) would keep the
      # namespace alive after its name is gone; these are only processes inside this namespace.
      mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
      if [ ${#pids[@]} -gt 0 ]; then
        kill "${pids[@]}" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
          [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
          sleep 0.2
        done
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
        [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
      fi
      # Deleting the namespace removes br0 and the taps with it.
      ip netns del "$ns"
      echo "netns: $ns down"
    fi
    ;;
  *) usage ;;
esac
