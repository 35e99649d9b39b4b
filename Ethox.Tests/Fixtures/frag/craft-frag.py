#!/usr/bin/python3
"""Writes the fragment fixtures for ReassemblyTests: IP fragments made by scapy (Debian python3-scapy).

Usage: /usr/bin/python3 craft-frag.py OUTPUT_DIR

One pcap per case, link type Ethernet. Frame 0 of every file is the original, unfragmented datagram as scapy
builds it (what reassembly must give back); the frames after it are the fragments in delivery order. For the
well-formed cases the script checks that scapy's own defragment()/defragment6() gives back the original, so
the expected bytes come from an implementation nobody on this project wrote. The "overlap" cases are made by
hand from scapy fragments and must be dropped (RFC 5722). Addresses are 198.18.0.0/15 and 2001:db8::/32;
IDs, payloads and timestamps are fixed so a re-run writes the same bytes (except where scapy itself varies).
"""
import logging
import os
import random
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import IP, UDP, ICMP, Ether, Raw, wrpcap, fragment, defragment, IPOption_Router_Alert, IPOption_RR
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrRouting, ICMPv6EchoRequest, fragment6, defragment6)

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"
V4_A, V4_B = "198.18.0.1", "198.18.0.2"
V6_A, V6_B, V6_C = "2001:db8::1", "2001:db8::2", "2001:db8:1::3"
BASE_TIME = 1_700_000_000


def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def write(out, name, original, fragments):
    frames = [Ether(dst=MAC_B, src=MAC_A) / original] + [Ether(dst=MAC_B, src=MAC_A) / f for f in fragments]
    for i, f in enumerate(frames):
        f.time = BASE_TIME + i / 1000
    wrpcap(os.path.join(out, name), frames)


def v4_original(ident=0x1234, size=3000, options=None):
    ip = IP(src=V4_A, dst=V4_B, id=ident, ttl=64)
    if options:
        ip.options = options
    return IP(bytes(ip / UDP(sport=5000, dport=6000) / Raw(pattern(size, ident & 0xFF))))


def v4_frags(original, size):
    return [IP(bytes(f)) for f in fragment(original, fragsize=size)]


def check_v4(original, fragments):
    got = defragment([IP(bytes(f)) for f in fragments])
    whole = [p for p in got if not (p.flags.MF or p.frag)]
    assert len(whole) == 1, "scapy did not defragment"
    # scapy keeps the first fragment's id/flags; compare what matters: the payload and the header fields we rebuild.
    assert bytes(whole[0].payload) == bytes(original.payload), "scapy's reassembly differs from the original"


def v6_packet(ident, size, ext=None):
    head = IPv6(src=V6_A, dst=V6_B, hlim=64)
    if ext is not None:
        head = head / ext
    body = ICMPv6EchoRequest(id=0x77, seq=ident & 0xFFFF, data=pattern(size, ident & 0xFF))
    original = IPv6(bytes(head / body))
    with_fragment_header = head / IPv6ExtHdrFragment(id=ident) / body
    return original, with_fragment_header


def v6_frags(with_fragment_header, size):
    return [IPv6(bytes(f)) for f in fragment6(with_fragment_header, size)]


def check_v6(original, fragments):
    got = defragment6([IPv6(bytes(f)) for f in fragments])
    assert bytes(got) == bytes(original), "scapy's reassembly differs from the original"


def main(out):
    rng = random.Random(8200)
    os.makedirs(out, exist_ok=True)

    # IPv4 (RFC 791 §3.2): in order, reversed, shuffled with duplicates, 8-byte fragments, copied options.
    o = v4_original(0x1001)
    f = v4_frags(o, 1000)
    check_v4(o, f)
    write(out, "v4-in-order.pcap", o, f)

    o = v4_original(0x1002)
    f = list(reversed(v4_frags(o, 1000)))
    check_v4(o, f)
    write(out, "v4-reversed.pcap", o, f)

    o = v4_original(0x1003, 5000)
    f = v4_frags(o, 600)
    check_v4(o, f)  # scapy's defragment() itself treats duplicates as overlaps, so it checks the unique set
    f = f + [f[1], f[3], f[0]]
    rng.shuffle(f)
    write(out, "v4-shuffled-duplicates.pcap", o, f)

    o = v4_original(0x1004, 200)
    f = v4_frags(o, 8)
    rng.shuffle(f)
    check_v4(o, f)
    write(out, "v4-tiny.pcap", o, f)

    o = v4_original(0x1005, 2000, [IPOption_Router_Alert(), IPOption_RR(routers=["198.18.0.9"])])
    f = v4_frags(o, 504)
    check_v4(o, f)
    write(out, "v4-options.pcap", o, f)

    # Overlap: the second fragment sent again 8 bytes earlier with different bytes (a Teardrop-style overlap).
    o = v4_original(0x1006)
    f = v4_frags(o, 1000)
    evil = IP(bytes(f[1]))
    evil.frag -= 1
    evil.payload = Raw(bytes(x ^ 0x5A for x in bytes(evil.payload)))
    del evil.chksum, evil.len
    write(out, "v4-overlap.pcap", o, [f[0], IP(bytes(evil)), f[1], f[2]])

    # IPv6 (RFC 8200 §4.5).
    o, w = v6_packet(0xABC0001, 3000)
    f = v6_frags(w, 1280)
    check_v6(o, f)
    write(out, "v6-in-order.pcap", o, f)

    o, w = v6_packet(0xABC0002, 3000)
    f = v6_frags(w, 1000)
    check_v6(o, f)  # scapy's defragment6() needs the fragments in order, so it checks them before reordering
    f = list(reversed(f))
    write(out, "v6-reversed.pcap", o, f)

    o, w = v6_packet(0xABC0003, 4000)
    f = v6_frags(w, 700)
    check_v6(o, f)
    f = f + [f[0], f[2]]
    rng.shuffle(f)
    write(out, "v6-shuffled-duplicates.pcap", o, f)

    o, w = v6_packet(0xABC0004, 300)
    f = v6_frags(w, 64)
    check_v6(o, f)
    rng.shuffle(f)
    write(out, "v6-tiny.pcap", o, f)

    # Unfragmentable part with Hop-by-Hop, Destination Options before Routing, and Routing (RFC 8200 §4.5).
    ext = IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[V6_C], segleft=0)
    o, w = v6_packet(0xABC0005, 2500, ext)
    f = v6_frags(w, 1280)
    check_v6(o, f)
    write(out, "v6-extension-headers.pcap", o, f)

    o, w = v6_packet(0xABC0006, 3000)
    f = v6_frags(w, 1000)
    evil = IPv6(bytes(f[1]))
    evil[IPv6ExtHdrFragment].offset -= 2
    evil[IPv6ExtHdrFragment].payload = Raw(bytes(x ^ 0x5A for x in bytes(evil[IPv6ExtHdrFragment].payload)))
    write(out, "v6-overlap.pcap", o, [f[0], IPv6(bytes(evil)), f[1], f[2]])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
