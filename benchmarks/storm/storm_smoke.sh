#!/usr/bin/env bash
# bench-smoke ctest: a 5-node boot storm against bootfw through scripts/bench (two private network
# namespaces, bootfw on ports 67/69 there). Asserts only that every node booted — never a timing.
# usage: storm_smoke.sh BUILD_DIR        exit 77 (skipped) when not root or bootfw is not built.
set -uo pipefail
build=$1
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "storm_smoke: needs root for network namespaces; skipped"; exit 77; }
for f in "$build/framework/bootfw" "$build/benchmarks/bootfw_storm" "$build/plugins-out/bootfw-isc-dhcp.so" \
         "$build/plugins-out/bootfw-tftp.so"; do
  [ -e "$f" ] || { echo "storm_smoke: $f not built; skipped"; exit 77; }
done
out=$(BENCH_PEERS=bootfw BENCH_STORMS=5 BENCH_MACS=0 BENCH_OUT= BENCH_QEMU=0 BENCH_MICRO=0 BENCH_TFTP_MATRIX=0 \
      "$top/scripts/bench" "$build" 2>&1)
echo "$out"
echo "$out" | grep -q '^| storm 5: nodes booted | 5/5 |' || { echo "storm_smoke: not every node booted" >&2; exit 1; }
echo "storm_smoke: 5/5 nodes booted from bootfw"
