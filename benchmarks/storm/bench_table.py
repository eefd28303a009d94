#!/usr/bin/env python3
"""Turns one scripts/bench run (results/<case> key=value lines) into ONE table: metric, bootfw, each peer,
and the ratio bootfw / best peer. Prints it and writes it with the machine's description to docs/performance.md.

usage: bench_table.py RESULTS "PEERS" "STORMS" MACS INFLIGHT WINDOWSIZE ELAPSED_S OUT.md
"""
import datetime
import os
import platform
import re
import sys

results, peers, storms, macs, inflight, windowsize, elapsed, out = sys.argv[1:9]
peers = peers.split()
storms = storms.split()
columns = [("bootfw", "bootfw"), ("dnsmasq", "dnsmasq"), ("isc", "ISC dhcpd + tftp-hpa"), ("kea1", "Kea 1 thread"),
           ("kea2", "Kea 2 threads (+ tftp-hpa)")]
columns = [c for c in columns if c[0] in peers or (c[0].startswith("kea") and "kea" in peers)]


def load(key):
    path = os.path.join(results, key)
    try:
        text = open(path).read()
    except OSError:
        return None
    kv = dict(re.findall(r"(\w+)=(\S+)", text))
    return kv or {"failed": "no output"}


def storm_case(n, col):
    if col == "kea1":
        return None
    return load(f"storm{n}-{'kea' if col == 'kea2' else col}")


rows = []  # (metric, {col: text}, {col: number}, better)
INCOMPLETE = object()


def add(metric, better, getter):
    texts, nums = {}, {}
    for col, _ in columns:
        v = getter(col)
        if v is None:
            texts[col] = "—"
        elif isinstance(v, str):
            texts[col] = v
        elif isinstance(v, tuple) and v[0] is INCOMPLETE:  # a figure over the nodes that booted only
            texts[col] = (f"{v[1]:,.1f}" if abs(v[1]) < 1000 else f"{v[1]:,.0f}") + f" ({v[2]})"
        else:
            texts[col] = f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
            nums[col] = v
    rows.append((metric, texts, nums, better))


def field(kv, name, scale=1.0):
    if kv is None:
        return None
    if name not in kv:
        return f"failed ({kv.get('failed', '?')})"
    return float(kv[name]) * scale


def within(kv):
    """ " within N s" when the storm ended at its storm-wide deadline (bootfw_storm --storm-deadline-s)."""
    if kv is not None and kv.get("deadline_hit") == "1":
        return f" within {kv.get('deadline_s', '?')} s"
    return ""


def cut_note(kv):
    """How an incomplete storm ended."""
    return "not all booted" + within(kv)


def storm_label(s):
    """ "200" → "storm 200"; "200w4" → "storm 200, windowsize 4" (scripts/bench's NwK notation)."""
    n, _, w = s.partition("w")
    return f"storm {n}" + (f", windowsize {w}" if w else "")


for n in storms:
    label = storm_label(n)

    def booted(col, n=n):
        kv = storm_case(n, col)
        if kv is None:
            return None
        if "booted" not in kv:
            return f"failed ({kv.get('failed', '?')})"
        if kv.get("deadline_hit") == "1":
            return f"{kv['booted']}/{kv['nodes']} ({cut_note(kv)})"
        return f"{kv['booted']}/{kv['nodes']}"
    add(f"{label}: nodes booted", None, booted)
    def complete(kv):
        return kv is not None and "booted" in kv and kv["booted"] == kv.get("nodes")

    def timing(c, key, n=n):
        kv = storm_case(n, c)
        v = field(kv, key, 0.001)
        # A time over the nodes that booted is not comparable with one over all nodes: no ratio.
        if isinstance(v, float) and not complete(kv) and kv.get("booted") == "0":
            return "none booted" + within(kv)
        return v if not isinstance(v, float) or complete(kv) else (INCOMPLETE, v, cut_note(kv))
    add(f"{label}: time to last booted node, s", "low", lambda c: timing(c, "max_ms"))
    add(f"{label}: per-node boot p50, s", "low", lambda c: timing(c, "p50_ms"))
    add(f"{label}: per-node boot p99, s", "low", lambda c: timing(c, "p99_ms"))
    add(f"{label}: server CPU, s", "low", lambda c, n=n: field(storm_case(n, c), "server_cpu_s"))
    # No ratio: the same generator for every stack. Near the wall time, it bounds the storm (docs below).
    add(f"{label}: load generator (benchmarks/storm) CPU, s", None,
        lambda c, n=n: field(storm_case(n, c), "client_cpu_s"))
    add(f"{label}: server peak RSS (process tree), MB", "low",
        lambda c, n=n: field(storm_case(n, c), "server_peak_rss_kb", 1 / 1024))
    add(f"{label}: TFTP retransmissions", "low", lambda c, n=n: field(storm_case(n, c), "tftp_retransmits"))

    def received(c, n=n):
        """TFTP data received by the end, as a share of what all nodes need (scripts/bench's BENCH_NODE_BYTES):
        how far a stack cut at the deadline had come."""
        kv = storm_case(n, c)
        per_node = float(os.environ.get("BENCH_NODE_BYTES", "0"))
        if kv is None or "received_bytes" not in kv or per_node <= 0:
            return None
        return f"{100.0 * float(kv['received_bytes']) / (per_node * float(kv['nodes'])):.1f}"
    add(f"{label}: TFTP data received by the end, % of all nodes' files", None, received)

dhcp = lambda c: load(f"dhcp-{c}")
add(f"DHCP relay DORA ({inflight} in flight), exchanges/s", "high", lambda c: field(dhcp(c), "rate_per_s"))
add("DHCP exchanges completed", None,
    lambda c: None if dhcp(c) is None else (f"{dhcp(c).get('booted', 0)}/{dhcp(c).get('started', '?')} "
                                            f"(of {macs})" + (f", {dhcp(c)['cut']} in flight cut at "
                                                              f"{dhcp(c).get('deadline_s', '?')} s"
                                                              if dhcp(c).get('cut', '0') != '0' else "")))
add("DHCP NAKs received (retried from DISCOVER)", None, lambda c: field(dhcp(c), "naks"))
add("DHCP DORA latency p50, ms", "low", lambda c: field(dhcp(c), "p50_ms"))
add("DHCP DORA latency p99, ms", "low", lambda c: field(dhcp(c), "p99_ms"))
add("DHCP server idle RSS, MB", "low", lambda c: field(dhcp(c), "server_idle_rss_kb", 1 / 1024))
add("DHCP server RSS after the run, MB", "low", lambda c: field(dhcp(c), "server_end_rss_kb", 1 / 1024))
# RSS counts the pages of shared libraries the process touched (libstdc++, libc …); RssAnon is its own memory.
add("DHCP server idle private memory (RssAnon), MB", "low", lambda c: field(dhcp(c), "server_idle_anon_kb", 1 / 1024))
add("DHCP server private memory after the run (RssAnon), MB", "low",
    lambda c: field(dhcp(c), "server_end_anon_kb", 1 / 1024))


def per_lease(c):
    kv = dhcp(c)
    if not kv or "server_end_rss_kb" not in kv or int(kv.get("booted", 0)) == 0:
        return None
    return (float(kv["server_end_rss_kb"]) - float(kv["server_idle_rss_kb"])) * 1024 / float(kv["booted"])


add("DHCP memory per lease (RSS growth / leases), bytes", "low", per_lease)
add("DHCP server CPU, s", "low", lambda c: field(dhcp(c), "server_cpu_s"))


def qemu(col):
    try:
        text = open(os.path.join(results, f"qemu-{col}")).read()
    except OSError:
        return None
    m = re.search(r"wall time[^:]*:\s*([0-9.]+)", text)
    return float(m.group(1)) if m else "failed"


add("QEMU rambox PXE boot, wall s", "low", lambda c: qemu(c) if c in ("bootfw", "dnsmasq") else None)


def ratio(nums, better):
    if better is None or "bootfw" not in nums:
        return ""
    others = [v for c, v in nums.items() if c != "bootfw" and v > 0]
    if not others:
        return ""
    best = min(others) if better == "low" else max(others)
    return f"{nums['bootfw'] / best:.2f}×"


header = ["metric"] + [name for _, name in columns] + ["bootfw / best peer"]
lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
for metric, texts, nums, better in rows:
    lines.append("| " + " | ".join([metric] + [texts[c] for c, _ in columns] + [ratio(nums, better)]) + " |")
table = "\n".join(lines)

micro = ""
try:
    micro_lines = [l for l in open(os.path.join(results, "micro.txt")) if re.match(r"^BM_|^-|^Benchmark", l)]
    micro = "".join(micro_lines)
except OSError:
    pass

stages = []  # (name, seconds) from scripts/bench's `stage`
try:
    stages = [l.rsplit(" ", 1) for l in open(os.path.join(results, "stages")) if l.strip()]
except OSError:
    pass
stage_text = ", ".join(f"{name} {float(secs):.0f} s" for name, secs in stages)

try:
    tftp_matrix = open(os.path.join(results, "tftp-matrix.txt")).read()
except OSError:
    tftp_matrix = ""


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


machine = (f"{os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}, "
           f"load average at the start {os.environ.get('BENCH_LOADAVG_START', '?')} "
           f"and at the end {' '.join(open('/proc/loadavg').read().split()[:3])} (other jobs share the CPUs), "
           f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, run took {elapsed} s")
print(table)
if micro:
    print("\nmicro-benchmarks (Google Benchmark):\n" + micro)
print("\n" + machine)
# Hand-written analysis below this heading survives re-runs: only the generated part above it is replaced.
KEPT = "## Notes (kept by make bench)"
kept = ""
if out and os.path.exists(out):
    text = open(out).read()
    if KEPT in text:
        kept = "\n" + text[text.index(KEPT):]
if out:
    with open(out, "w") as f:
        f.write(f"""# bootfw performance, measured against its peers

Written by `make bench` (`scripts/bench BUILD_DIR`): every figure comes from one run on one machine, all
servers started and stopped by the harness on the same network (two network namespaces joined by a veth;
DHCP relayed from 10.100.0.1, the servers on 10.99.0.1 ports 67/69) and the same TFTP root (files of the
rambox sizes: pxelinux.0 42 KB, ldlinux.c32 122 KB, bzImage 8 MB, initramfs 1.5 MB; pxelinux.cfg found after
the 01-MAC and hex-IP search, 7 RRQs). The load generator is `benchmarks/storm` (one thread, Asio): each
simulated PXE ROM does DORA (opt 60/93/94/97/55/57), then the TFTP sequence with tsize + blksize 1432 and
windowsize {windowsize} — except the storms marked "windowsize 4", whose nodes ask for a window of 4 as UEFI
firmware does (EDK2's PcdPxeTftpWindowSize); servers without RFC 7440 (dnsmasq, tftp-hpa) answer those
lockstep. Ratios are bootfw / best peer (below 1 is better for times, above 1 for rates).
Tests never assert these numbers.

Machine: {machine}.

{table}

Configuration notes: ISC dhcpd `ping-check false` and dnsmasq `--no-ping` (otherwise both wait for an ICMP
echo before every offer); dnsmasq `--tftp-max=2000 --dhcp-lease-max=70000` (defaults 50 and 1000 would refuse
the storm); tftp-hpa standalone (`in.tftpd -L -s`), one forked child per transfer, counted in the process-tree
RSS and (as reaped children) in CPU. Kea memfile writes its CSV without fsync; ISC dhcpd fsyncs its lease
file on every commit; bootfw group-commits its journal before each ACK. State files are on the real disk.
DHCP-only runs stop launching new exchanges after {os.environ.get('BENCH_DHCP_LIMIT_S', '60')} s and end
{os.environ.get('BENCH_DHCP_GRACE_S', '?')} s later; exchanges still in flight then are cut, not counted (see
"exchanges completed"; the rate is completed exchanges per second of the whole run). Every storm of N nodes
ends, for every stack alike, after max({os.environ.get('BENCH_STORM_MIN_S', '?')} s,
N × {os.environ.get('BENCH_STORM_MS_PER_NODE', '?')} ms): a stack that has not booted all nodes by then shows
"not all booted within … s", and its times, CPU and RSS are those up to the cut.
Where this run's time went (scripts/bench stages): {stage_text or '(not recorded)'}.

## Micro-benchmarks

```
{micro or '(not built)'}```

## TFTP single-file matrix (benchmarks/tftp/compare.sh, 127.0.0.1)

```
{tftp_matrix or '(not run)'}
```
""" + kept)
