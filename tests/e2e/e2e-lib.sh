# Shared helpers of the end-to-end tests (sourced). Each test gets its own network namespace with
# br0 = 192.168.24.202 (examples/rambox/netns.sh), its own TFTP root copy, its own bootfw run
# directory, VMs from examples/rambox/boot-vm.sh, and a trap that tears everything down and, when the
# test failed, prints every serial log and the server log.
#
# Environment (set by tests/e2e/CMakeLists.txt):
#   E2E_SOURCE_DIR   the source tree            E2E_BOOTFW      the bootfw binary
#   E2E_PLUGIN_DIR   built plugin modules       E2E_BASE_ROOT   TFTP root made by the e2e_root fixture
#   E2E_WORK_DIR     where runs keep their logs E2E_SERVER      bootfw (default) or dnsmasq (harness check)
#   E2E_VM_TIMEOUT   seconds per VM boot (180)
# shellcheck shell=bash disable=SC2034
set -euo pipefail
export LC_ALL=C

e2e_skip_rc=77   # ctest SKIP_RETURN_CODE
rambox="$E2E_SOURCE_DIR/examples/rambox"
server=${E2E_SERVER:-bootfw}
vm_timeout=${E2E_VM_TIMEOUT:-180}
seed_mac=08:00:07:26:c0:a5
seed_ip=192.168.24.203

say() { echo "[$name] $*"; }

# e2e_init NAME: root check (skip otherwise), directories, namespace, cleanup trap.
e2e_init() {
  name=$1
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: $name needs root (network namespaces, tap devices, QEMU on a private bridge)"
    exit $e2e_skip_rc
  fi
  for tool in qemu-system-x86_64 ip; do
    command -v $tool >/dev/null || { echo "$name: $tool missing (scripts/install-deps test)" >&2; exit 1; }
  done
  work="$E2E_WORK_DIR/$name"
  rm -rf "$work" && mkdir -p "$work"
  ns="e2e-$name-$$"
  ns=${ns:0:32}
  vm_pids=() vm_names=() server_pid="" e2e_ok=0 taps=0
  e2e_phase main
  trap e2e_teardown EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  "$rambox/netns.sh" up "$ns" >/dev/null
  say "namespace $ns, logs in $work, server $server"
}

# shellcheck disable=SC2317  # called from the trap
e2e_teardown() {
  local rc=$?
  trap - EXIT INT TERM
  local p
  for p in "${vm_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  "$rambox/netns.sh" down "$ns" >/dev/null 2>&1 || true   # stops whatever is left inside
  wait 2>/dev/null || true
  if [ $rc -ne 0 ] || [ $e2e_ok -ne 1 ]; then
    local f
    for f in "$work"/*.serial; do
      [ -e "$f" ] || continue
      echo "----- serial log $(basename "$f") (last 60 lines) -----"
      tail -n 60 "$f" | tr -d '\r'
    done
    for f in "$work"/*.out; do
      [ -e "$f" ] || continue
      echo "----- $(basename "$f") (last 15 lines) -----"
      tail -n 15 "$f"
    done
    for f in "$work"/*server.log; do
      [ -e "$f" ] || continue
      echo "----- $(basename "$f") -----"
      cat "$f"
    done
    echo "[$name] FAILED (logs kept in $work)"
    [ $rc -ne 0 ] || rc=1
  fi
  exit $rc
}

e2e_fail() { echo "[$name] FAIL: $*" >&2; exit 1; }
e2e_pass() { e2e_ok=1; say "PASS"; }

# e2e_root DIR CFGNAME...: a copy of the base TFTP root whose pxelinux.cfg holds exactly these files,
# each with the base root's boot entry.
e2e_root() {
  local dir=$1; shift
  [ -s "$E2E_BASE_ROOT/pxelinux.0" ] || e2e_fail "no base TFTP root in $E2E_BASE_ROOT (the e2e_root fixture)"
  local entry
  entry=$(find "$E2E_BASE_ROOT/pxelinux.cfg" -type f | head -1)
  [ -n "$entry" ] || e2e_fail "base root has no pxelinux.cfg file"
  rm -rf "$dir" && mkdir -p "$dir/pxelinux.cfg"
  cp "$E2E_BASE_ROOT"/{pxelinux.0,ldlinux.c32,bzImage,initramfs.cpio.gz} "$dir/"
  local f
  for f in "$@"; do cp "$entry" "$dir/pxelinux.cfg/$f"; done
}

# e2e_dhcpd_with_host OUT NAME MAC IP: the seed's dhcpd.conf plus one more host block in its subnet.
e2e_dhcpd_with_host() {
  local out=$1 host=$2 mac=$3 ip=$4
  # The seed's file ends with the subnet's closing brace: insert the host before it.
  awk -v h="$host" -v m="$mac" -v a="$ip" '{ lines[NR] = $0 } /^}/ { last = NR }
    END { for (i = 1; i <= NR; i++) {
            if (i == last) printf "host %s {\nhardware ethernet %s;\nfixed-address %s;\n}\n", h, m, a
            print lines[i] } }' "$rambox/dhcpd.conf" > "$out"
  grep -q "hardware ethernet $mac;" "$out" || e2e_fail "could not add host $host to dhcpd.conf"
}

# Prefixes each line with the absolute time (dnsmasq -d logs none).
e2e_stamp() {
  local line t
  while IFS= read -r line; do t=$EPOCHREALTIME; printf '%s %s\n' "$t" "$line"; done
}

# e2e_phase NAME: stops the server; logs from now on are NAME.*, so one test can run several
# server configurations one after the other in its namespace.
e2e_phase() {
  if [ -n "$server_pid" ]; then
    # The server runs inside the namespace (behind a time-stamping pipe for dnsmasq, which then
    # ends on EOF): stop what runs there, then reap our side.
    ip netns pids "$ns" | xargs -r kill 2>/dev/null || true
    local _
    for _ in $(seq 50); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.1; done
    ip netns pids "$ns" | xargs -r kill -KILL 2>/dev/null || true
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  phase=$1
  log="$work/$phase.server.log"
}

# e2e_server ROOT [MODE] [DHCPD_CONF]: starts the server in the namespace and waits until it listens.
e2e_server() {
  local root=$1 mode=${2:-passthrough} conf=${3:-$rambox/dhcpd.conf}
  : > "$log"
  case "$server" in
    bootfw)
      [ -x "$E2E_BOOTFW" ] || e2e_fail "bootfw binary missing: $E2E_BOOTFW"
      "$rambox/make-config.sh" "$work/$phase.run" "$root" --mode "$mode" --dhcpd-conf "$conf" --log-level debug >/dev/null
      ip netns exec "$ns" "$E2E_BOOTFW" --plugins "$work/$phase.run/plugins.toml" --plugin-dir "$E2E_PLUGIN_DIR" \
        </dev/null >>"$log" 2>&1 &
      server_pid=$!
      ;;
    dnsmasq)
      command -v dnsmasq >/dev/null || e2e_fail "dnsmasq missing (apt-get install dnsmasq-base)"
      # The same hosts as the dhcpd.conf; the only range address is the seed host's, so an unknown
      # MAC gets nothing, like "deny unknown clients".
      local hosts=() h
      for h in $(awk '/hardware ethernet/ { gsub(";", "", $3); m = $3 } /fixed-address/ { gsub(";", "", $2); print m "," $2 }' "$conf"); do
        hosts+=(--dhcp-host="$h")
      done
      ip netns exec "$ns" dnsmasq -k -d --port=0 --interface=br0 --bind-interfaces \
        --dhcp-range=$seed_ip,$seed_ip,255.255.255.0 "${hosts[@]}" --dhcp-boot=pxelinux.0 \
        --enable-tftp --tftp-root="$root" --log-dhcp --dhcp-leasefile="$work/$phase.leases" \
        --conf-file=/dev/null </dev/null 2>&1 | e2e_stamp >>"$log" &
      server_pid=$!
      ;;
    *) e2e_fail "E2E_SERVER must be bootfw or dnsmasq" ;;
  esac
  local _
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || e2e_fail "$server exited at start"
    if ip netns exec "$ns" ss -Hlun 'sport = :67' | grep -q . && ip netns exec "$ns" ss -Hlun 'sport = :69' | grep -q .; then
      say "$server listening on :67 and :69 (TFTP root $root, mode $mode)"
      return 0
    fi
    sleep 0.1
  done
  e2e_fail "$server did not bind the DHCP and TFTP ports within 10 s"
}

# e2e_vm VMNAME MAC [--refused]: boots a VM in the background on its own tap.
e2e_vm() {
  local vm=$1 mac=$2; shift 2
  local tap="tap$taps"
  taps=$((taps + 1))
  "$rambox/netns.sh" tap "$ns" "$tap" >/dev/null
  "$rambox/boot-vm.sh" --netns "$ns" --tap "$tap" --mac "$mac" --log "$work/$phase.$vm.serial" \
    --timeout "$vm_timeout" "$@" > "$work/$phase.$vm.out" 2>&1 &
  vm_pids+=($!)
  vm_names+=("$vm")
  say "VM $vm ($mac) started on $tap"
}

# e2e_wait_vms: waits for every VM started so far; fails naming each VM that did not pass.
e2e_wait_vms() {
  local i bad=()
  for i in "${!vm_pids[@]}"; do
    if wait "${vm_pids[$i]}"; then say "VM ${vm_names[$i]}: $(grep -a '^boot-vm: \(RAMBOX-UP\|refused\)' "$work/$phase.${vm_names[$i]}.out")"
    else bad+=("${vm_names[$i]}"); fi
  done
  vm_pids=() vm_names=()
  [ ${#bad[@]} -eq 0 ] || e2e_fail "VM(s) ${bad[*]} did not do what was expected"
}

# e2e_expect_marker VMNAME IP: the VM's console shows the marker with that address and memory figures.
e2e_expect_marker() {
  local vm=$1 ip=$2 line
  line=$(grep -a -m1 -o 'RAMBOX-UP .*' "$work/$phase.$vm.serial" | tr -d '\r' || true)
  [[ $line =~ ^RAMBOX-UP\ ip=([0-9.]+)\ mem_total_mb=([0-9]+)\ mem_used_mb=([0-9]+)$ ]] ||
    e2e_fail "$vm: no well-formed marker line (got '${line:-nothing}')"
  [ "${BASH_REMATCH[1]}" = "$ip" ] || e2e_fail "$vm came up with ${BASH_REMATCH[1]}, expected $ip"
  [ "${BASH_REMATCH[2]}" -gt 0 ] && [ "${BASH_REMATCH[3]}" -gt 0 ] &&
    [ "${BASH_REMATCH[3]}" -lt "${BASH_REMATCH[2]}" ] || e2e_fail "$vm: implausible memory figures in '$line'"
  say "$vm: $line"
}

# e2e_rrqs MAC IP [PATH_PREFIX]: read requests the server logged for this client (optionally only
# for paths starting with PATH_PREFIX).
e2e_rrqs() {
  local mac=$1 ip=$2 prefix=${3:-}
  case "$server" in
    # A client whose ACK the session log has seen is named by MAC and boot time, otherwise by address.
    # A request for a missing file is logged as "failed FILE: not found" (no RRQ line).
    bootfw) grep -a -E -c "\[session\] ($mac \+[0-9.]*s|$ip) (RRQ $prefix|failed $prefix[^:]*: not found)" "$log" || true ;;
    dnsmasq) grep -a -E -c "dnsmasq-tftp.*(sent|file) [^ ]*/$prefix[^ ]* (to|not found for) $ip( |\$)" "$log" || true ;;
  esac
}

# e2e_dhcp_replies MAC: DHCP OFFER/ACK lines the server logged for this client.
e2e_dhcp_replies() {
  case "$server" in
    bootfw) grep -a -E -c "\[session\] $1 \+[0-9.]*s (OFFER|ACK) " "$log" || true ;;
    dnsmasq) grep -a -E -c "DHCP(OFFER|ACK)\(br0\) [0-9.]+ $1" "$log" || true ;;
  esac
}

# e2e_dhcp_requests MAC: DHCP requests (any type) the server logged from this client.
e2e_dhcp_requests() {
  case "$server" in
    bootfw) grep -a -E -c "\[session\] $1 \+[0-9.]*s (DISCOVER|REQUEST)" "$log" || true ;;
    dnsmasq) grep -a -E -c "DHCP(DISCOVER|REQUEST)\(br0\) .*$1" "$log" || true ;;
  esac
}

# e2e_timeline VMNAME: the server's session lines for the run, in seconds since that VM's start.
e2e_timeline() {
  local vm=$1 t0
  t0=$(sed -n 's/^boot-vm: qemu pid [0-9]* started at \([0-9.]*\).*/\1/p' "$work/$phase.$vm.out")
  echo "== timeline of $vm (seconds after QEMU start, from the $server log) =="
  "$rambox/timeline.sh" "$server" "$log" "$t0"
  grep -a '^boot-vm: \(RAMBOX-UP\|refused\)' "$work/$phase.$vm.out" || true
}
