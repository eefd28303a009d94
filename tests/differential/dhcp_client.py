#!/usr/bin/env python3
"""DHCP client for the differential test (tests/differential/dhcp_vs_isc.sh).

  dhcp_client.py direct IFACE OUT.json
      plays the direct clients' scenarios (waits until the server answers first) and writes the replies
  dhcp_client.py relay IFACE RELAY_ADDR SERVER_ADDR OUT.json
      plays the relayed scenario as a relay agent on RELAY_ADDR
  dhcp_client.py compare ISC_DIR BOOTFW_DIR
      merges DIR/*.json per server, prints a field-by-field diff; exit 1 when the servers differ or the
      reference looks broken

Direct clients use a UDP socket bound to 0.0.0.0:68 with SO_BINDTODEVICE on an interface that has no
address and set the broadcast flag (RFC 2131 §4.1), so replies come as broadcasts and need no ARP.
The relayed client is played by a relay agent: it sends from RELAY_ADDR:67 with giaddr = RELAY_ADDR
and the server must answer to giaddr:67 (RFC 2131 §4.1, RFC 1542 §4.1).
"""
import json
import os
import socket
import struct
import sys
import time

SO_BINDTODEVICE = 25
SEED_MAC = "08:00:07:26:c0:a5"
UNKNOWN_MAC = "52:54:00:d1:ff:07"
PXE_VENDOR_CLASS = b"PXEClient:Arch:00000:UNDI:002001"
# The parameter request list a PXE 2.1 BIOS ROM sends (PXE spec §2.2.1, seen from iPXE/Intel ROMs).
PXE_PRL = [1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58,
           59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135]
# What a Linux dhclient asks for.
LINUX_PRL = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]
REPLY_WAIT = 3.0  # seconds to wait for a reply before calling the server silent

DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, DHCPACK, DHCPNAK, DHCPINFORM = 1, 2, 3, 5, 6, 8
TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def opt(code, value):
    return bytes([code, len(value)]) + value


def pxe_options():
    # RFC 4578 §2.1 (93 arch 0 = x86 BIOS), §2.2 (94 UNDI 2.1), §2.3 (97 GUID type 0)
    return [(57, struct.pack("!H", 1260)), (93, b"\0\0"), (94, b"\x01\x02\x01"),
            (97, b"\0" + bytes(range(16))), (60, PXE_VENDOR_CLASS)]


# name, MAC, extra options, parameter request list, relayed
SCENARIOS = [
    ("pxe_client", SEED_MAC, pxe_options(), PXE_PRL, False),
    ("unknown_client", UNKNOWN_MAC, pxe_options(), PXE_PRL, False),
    ("known_client_no_pxe", SEED_MAC, [(57, struct.pack("!H", 576))], LINUX_PRL, False),
    ("relayed_pxe_client", SEED_MAC, pxe_options(), PXE_PRL, True),
    ("ipxe_user_class", SEED_MAC, pxe_options() + [(77, b"iPXE"), (175, b"\x13\x01\x01")],
     PXE_PRL + [175], False),
]


def build(mtype, xid, mac, options, prl, giaddr=b"\0" * 4, flags=0x8000, hops=0, ciaddr=b"\0" * 4):
    chaddr = bytes.fromhex(mac.replace(":", ""))
    # RFC 2131 §2: fixed header; §3 the magic cookie; RFC 2132 §9.6 message type first.
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, hops, xid, 0, flags, ciaddr,
                       b"\0" * 4, b"\0" * 4, giaddr, chaddr + b"\0" * 10, b"", b"")
    body = b"\x63\x82\x53\x63" + opt(53, bytes([mtype]))
    for code, value in options:
        body += opt(code, value)
    body += opt(55, bytes(prl)) + b"\xff"
    return head + body


def parse(data):
    """A reply as comparable fields; options by code with RFC 3396 concatenation of repeats."""
    if len(data) < 240 or data[236:240] != b"\x63\x82\x53\x63":
        return {"malformed": data.hex()}
    options, i = {}, 240
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        length = data[i + 1]
        options[code] = options.get(code, b"") + data[i + 2:i + 2 + length]
        i += 2 + length
    mtype = options.get(53, b"\0")[0]
    return {
        "op": data[0], "type": TYPE_NAMES.get(mtype, str(mtype)), "xid": "%08x" % struct.unpack("!I", data[4:8]),
        "ciaddr": socket.inet_ntoa(data[12:16]), "yiaddr": socket.inet_ntoa(data[16:20]),
        "siaddr": socket.inet_ntoa(data[20:24]), "giaddr": socket.inet_ntoa(data[24:28]),
        "chaddr": data[28:34].hex(":"), "sname": data[44:108].rstrip(b"\0").decode("latin-1"),
        "file": data[108:236].rstrip(b"\0").decode("latin-1"),
        "lease_time": struct.unpack("!I", options[51])[0] if len(options.get(51, b"")) == 4 else None,
        "options": {str(c): v.hex(":") for c, v in sorted(options.items())},
    }


def socket_on(iface, addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    s.bind((addr, port))
    return s


def receive(sock, xid, wait=REPLY_WAIT):
    """First BOOTREPLY for xid within wait seconds, with its source; None when the server is silent."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data, source = sock.recvfrom(4096)
        except socket.timeout:
            return None
        if len(data) >= 8 and data[0] == 2 and struct.unpack("!I", data[4:8])[0] == xid:
            reply = parse(data)
            reply["from"] = "%s:%d" % source
            return reply


def exchange(sock, dest, kw, scenario, xid):
    """DISCOVER, then REQUEST in SELECTING state (RFC 2131 §4.3.2) when an OFFER came back."""
    name, mac, options, prl, relayed = scenario
    steps = {}
    sock.sendto(build(DHCPDISCOVER, xid, mac, options, prl, **kw), dest)
    offer = receive(sock, xid)
    steps["discover"] = offer
    if offer and offer.get("type") == "OFFER":
        server_id = bytes.fromhex(offer["options"].get("54", "").replace(":", ""))
        req = options + [(50, socket.inet_aton(offer["yiaddr"])), (54, server_id)]
        sock.sendto(build(DHCPREQUEST, xid + 1, mac, req, prl, **kw), dest)
        steps["request"] = receive(sock, xid + 1)
        if relayed and steps["request"] and steps["request"].get("type") == "ACK":
            # RFC 2131 §4.3.5: a configured client asks for its other parameters; relayed, the answer goes
            # to giaddr. The seed's subnet has no `authoritative;`, which decides whether ISC answers.
            ciaddr = socket.inet_aton(steps["request"]["yiaddr"])
            sock.sendto(build(DHCPINFORM, xid + 2, mac, options, prl, ciaddr=ciaddr, **kw), dest)
            steps["inform"] = receive(sock, xid + 2)
    return steps


def wait_until_serving(direct):
    """The server is up once it answers the seed's known client (probe from a throwaway xid)."""
    for attempt in range(20):
        xid = 0x7e570000 + attempt
        direct.sendto(build(DHCPDISCOVER, xid, SEED_MAC, [], LINUX_PRL), ("255.255.255.255", 67))
        if receive(direct, xid, wait=1.0):
            return True
    return False


def play(relayed, sock, dest, kw, out):
    results = {}
    for n, scenario in enumerate(SCENARIOS):
        if scenario[4] == relayed:
            results[scenario[0]] = exchange(sock, dest, kw, scenario, 0x5eed0000 + n * 16)
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    return 0


def run_direct(iface, out):
    sock = socket_on(iface, "0.0.0.0", 68)
    if not wait_until_serving(sock):
        print("client: the server never answered the readiness probe", file=sys.stderr)
        return 1
    return play(False, sock, ("255.255.255.255", 67), {}, out)


def run_relay(iface, relay_addr, server_addr, out):
    sock = socket_on(iface, relay_addr, 67)
    kw = {"giaddr": socket.inet_aton(relay_addr), "flags": 0, "hops": 1}
    return play(True, sock, (server_addr, 67), kw, out)


def load(directory):
    merged = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name)) as f:
                merged.update(json.load(f))
    return merged


# Fields a user of either server would notice; xid/chaddr are checked against the request instead.
FIELDS = ["type", "from", "op", "ciaddr", "yiaddr", "siaddr", "giaddr", "sname", "file", "lease_time"]


def describe(reply):
    return "silent" if reply is None else reply.get("type", "malformed")


def diff_step(ref, got):
    lines = []
    if (ref is None) != (got is None):
        return ["reply: isc=%s bootfw=%s" % (describe(ref), describe(got))]
    if ref is None:
        return []
    for field in FIELDS:
        if ref.get(field) != got.get(field):
            lines.append("%s: isc=%r bootfw=%r" % (field, ref.get(field), got.get(field)))
    ro, go = ref.get("options", {}), got.get("options", {})
    for code in sorted(set(ro) | set(go), key=int):
        if ro.get(code) != go.get(code):
            lines.append("option %s: isc=%s bootfw=%s" % (code, ro.get(code, "(absent)"), go.get(code, "(absent)")))
    return lines


def reference_sane(isc):
    """Guards against a harness that passes because both servers are unreachable."""
    problems = []
    offer = isc.get("pxe_client", {}).get("discover")
    if not offer or offer.get("yiaddr") != "192.168.24.203" or offer.get("file") != "pxelinux.0":
        problems.append("ISC dhcpd did not offer 192.168.24.203 with pxelinux.0 to the seed's PXE client")
    if isc.get("unknown_client", {}).get("discover") is not None:
        problems.append("ISC dhcpd answered the unknown client (the seed denies unknown clients)")
    return problems


def compare(isc_dir, bootfw_dir):
    isc, bootfw = load(isc_dir), load(bootfw_dir)
    failed = False
    for problem in reference_sane(isc):
        print("REFERENCE BROKEN: " + problem)
        failed = True
    for name, *_ in SCENARIOS:
        for step in ("discover", "request", "inform"):
            if step == "inform" and step not in isc.get(name, {}) and step not in bootfw.get(name, {}):
                continue
            ref, got = isc.get(name, {}).get(step), bootfw.get(name, {}).get(step)
            lines = diff_step(ref, got)
            status = "DIFF" if lines else "same"
            print("%-22s %-9s %-5s isc=%s bootfw=%s" % (name, step, status, describe(ref), describe(got)))
            for line in lines:
                print("    " + line)
            failed = failed or bool(lines)
    print("RESULT: " + ("bootfw differs from ISC dhcpd" if failed else "bootfw answers exactly like ISC dhcpd"))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "direct":
        sys.exit(run_direct(*sys.argv[2:]))
    if len(sys.argv) == 6 and sys.argv[1] == "relay":
        sys.exit(run_relay(*sys.argv[2:]))
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
