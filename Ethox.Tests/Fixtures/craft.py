#!/usr/bin/python3
"""Writes the crafted-*.pcap fixtures: protocol edge cases built with scapy (Debian python3-scapy).

Usage: craft.py OUTPUT_DIR

Every frame uses only documentation/benchmark addresses (198.18.0.0/15, 2001:db8::/32),
link-local (fe80::/10), multicast or broadcast addresses, and locally administered MACs
02:00:00:00:00:xx. Timestamps are fixed so a re-run writes byte-identical files.
Checksums and lengths are computed by scapy unless a frame sets them on purpose
(only in crafted-broken.pcap).
"""
import ipaddress
import os
import socket
import struct
import sys

from scapy.all import (ARP, BOOTP, DHCP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPerror,
                       IPOption, IPOption_EOL, IPOption_NOP, IPOption_RR, IPOption_Router_Alert,
                       IPv6, IPerror6, Raw, UDPerror, TCPerror, wrpcap)
from scapy.contrib.igmp import IGMP
from scapy.layers.inet import in4_chksum
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3gr, IGMPv3mq, IGMPv3mr
from scapy.layers.inet6 import (HBHOptUnknown, ICMPv6DestUnreach, ICMPv6EchoReply,
                                ICMPv6EchoRequest, ICMPv6MLDone, ICMPv6MLDMultAddrRec,
                                ICMPv6MLQuery, ICMPv6MLQuery2, ICMPv6MLReport, ICMPv6MLReport2,
                                ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_Redirect,
                                ICMPv6ND_RS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU,
                                ICMPv6NDOptPrefixInfo, ICMPv6NDOptRedirectedHdr,
                                ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                                ICMPv6TimeExceeded, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting,
                                PadN, Pad1, RouterAlert)

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
MAC_C = "02:00:00:00:00:03"
BCAST = "ff:ff:ff:ff:ff:ff"
V4_A, V4_B, V4_C = "198.18.0.1", "198.18.0.2", "198.18.1.3"
V4_ROUTER = "198.18.0.254"
V6_A, V6_B, V6_C = "2001:db8::1", "2001:db8::2", "2001:db8:1::3"
LL_A, LL_B = "fe80::200:ff:fe00:1", "fe80::200:ff:fe00:2"
BASE_TIME = 1_700_000_000  # 2023-11-14T22:13:20Z; fixed so the files do not change between runs


def eth(dst=MAC_B, src=MAC_A):
    return Ether(dst=dst, src=src)


def mcast_mac_v4(group):
    """RFC 1112 section 6.4: 01:00:5e + low 23 bits of the group."""
    o = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (o[1] & 0x7F, o[2], o[3])


def mcast_mac_v6(group):
    """RFC 2464 section 7: 33:33 + low 32 bits of the group."""
    b = ipaddress.IPv6Address(group).packed
    return "33:33:%02x:%02x:%02x:%02x" % tuple(b[12:16])


def write(out_dir, name, frames):
    """Stamps the frames 1 ms apart from BASE_TIME and writes them (microsecond pcap, Ethernet)."""
    for i, f in enumerate(frames):
        f.time = BASE_TIME + i / 1000
    wrpcap(os.path.join(out_dir, name), frames, linktype=1)


def vlan_frames():
    udp = IP(src=V4_A, dst=V4_B) / UDP(sport=40000, dport=9999) / Raw(b"vlan payload")
    arp = ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B)
    return [
        # 802.1Q single tag, priority 5, VID 100.
        eth() / Dot1Q(prio=5, vlan=100) / udp,
        eth(dst=BCAST) / Dot1Q(vlan=100) / arp,
        # Drop-eligible bit set, VID 4094 (highest usable).
        eth() / Dot1Q(prio=1, id=1, vlan=4094) / udp,
        # 802.1ad QinQ: S-tag 0x88a8 outside, C-tag 0x8100 inside.
        eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / udp,
        eth(dst=BCAST) / Dot1AD(prio=3, vlan=10) / Dot1Q(vlan=20) / arp,
        # Legacy double 0x8100 stacking, as some switches still send.
        eth() / Dot1Q(vlan=30) / Dot1Q(vlan=40) / udp,
        # ARP reply in a single tag.
        eth(dst=MAC_A, src=MAC_B) / Dot1Q(vlan=100) /
        ARP(op=2, hwsrc=MAC_B, psrc=V4_B, hwdst=MAC_A, pdst=V4_A),
        # Priority-tagged frame (VID 0, RFC-less 802.1p only).
        eth() / Dot1Q(prio=6, vlan=0) / udp,
    ]


def ipv4_frames():
    frames = []
    icmp = ICMP(type=8, id=0x4242, seq=1) / Raw(b"options")
    # RFC 791 options.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[IPOption_RR(routers=["0.0.0.0"] * 4)]) / icmp)
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[
        IPOption_RR(pointer=8, routers=[V4_C, "0.0.0.0", "0.0.0.0"])]) / icmp)
    # Timestamp option (RFC 791 p.22) written byte by byte, since scapy's class has one slot only:
    # flag 0 (timestamps only), 3 slots, the first filled (pointer 9);
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[
        IPOption(copy_flag=0, optclass=2, option=4,
                 value=bytes([9, 0x00]) + struct.pack("!III", 36_000_000, 0, 0))]) / icmp)
    # flag 1 (address + timestamp pairs), 2 pairs, the first filled (pointer 13), overflow count 1.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[
        IPOption(copy_flag=0, optclass=2, option=4,
                 value=bytes([13, 0x11]) + socket.inet_aton(V4_C) + struct.pack("!I", 36_000_001) + bytes(8))]) / icmp)
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[
        IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()]) / icmp)
    frames.append(eth() / IP(src=V4_A, dst="224.0.0.22", ttl=1, options=[IPOption_Router_Alert()]) /
                  UDP(sport=5000, dport=5000) / Raw(b"ra"))
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[
        IPOption_NOP(), IPOption_Router_Alert(), IPOption_RR(routers=["0.0.0.0"] * 2),
        IPOption_EOL()]) / icmp)
    # Maximum header: 40 bytes of options (IHL 15), record route with 9 slots.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, options=[IPOption_RR(routers=["0.0.0.0"] * 9)]) / icmp)
    # DSCP/ECN, DF, identification, TTL all set to non-default values.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, tos=0xB9, flags="DF", id=0xBEEF, ttl=3) /
                  UDP(sport=1234, dport=4321) / Raw(b"tos"))

    # RFC 791/815 fragmentation: a UDP datagram of 1200 bytes in 3 fragments, in order.
    dgram = IP(src=V4_A, dst=V4_B, id=0x1001) / UDP(sport=40001, dport=9999) / Raw(bytes(range(256)) * 4 + b"x" * 168)
    dgram = IP(bytes(dgram))  # freeze lengths and checksums of the whole datagram
    frags = fragment_v4(dgram, 512)
    frames += [eth() / f for f in frags]
    # The same datagram (new id) in reverse order.
    dgram2 = dgram.copy()
    dgram2.id = 0x1002
    dgram2.chksum = None
    frames += [eth() / f for f in reversed(fragment_v4(IP(bytes(dgram2)), 512))]
    # Overlapping fragments of a 600-byte UDP datagram: the second (bytes 320..519) starts inside the
    # first (0..399), with the same bytes in the overlap (RFC 791 leaves the outcome to the receiver).
    small = IP(bytes(IP(src=V4_A, dst=V4_B, id=0x1003) / UDP(sport=40002, dport=9999) / Raw(bytes(range(256)) * 2 + b"o" * 80)))
    payload = bytes(small.payload)
    hdr = dict(src=V4_A, dst=V4_B, id=0x1003, proto=17)
    frames.append(eth() / IP(flags="MF", frag=0, **hdr) / Raw(payload[:400]))
    frames.append(eth() / IP(flags="MF", frag=40, **hdr) / Raw(payload[320:520]))
    frames.append(eth() / IP(frag=65, **hdr) / Raw(payload[520:600]))
    # A tiny first fragment of 8 bytes (just the UDP header) of a 64-byte datagram.
    tiny = IP(bytes(IP(src=V4_A, dst=V4_B, id=0x1004) / UDP(sport=40003, dport=9999) / Raw(b"t" * 56)))
    payload = bytes(tiny.payload)
    hdr["id"] = 0x1004
    frames.append(eth() / IP(flags="MF", frag=0, **hdr) / Raw(payload[:8]))
    frames.append(eth() / IP(frag=1, **hdr) / Raw(payload[8:64]))
    return frames


def fragment_v4(dgram, size):
    """Splits an IPv4 datagram into fragments carrying `size` payload bytes (a multiple of 8)."""
    data = bytes(dgram.payload)
    out = []
    for off in range(0, len(data), size):
        chunk = data[off:off + size]
        more = off + size < len(data)
        f = IP(src=dgram.src, dst=dgram.dst, id=dgram.id, proto=dgram.proto, ttl=dgram.ttl,
               flags="MF" if more else 0, frag=off // 8) / Raw(chunk)
        out.append(f)
    return out


def ipv6_frames():
    frames = []
    udp = UDP(sport=40000, dport=9999) / Raw(b"v6 ext")
    ip = IPv6(src=V6_A, dst=V6_B)
    # RFC 8200 4.3 hop-by-hop: router alert (RFC 2711) + PadN.
    frames.append(eth() / ip / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"\x00\x00")]) / udp)
    # Pad1 padding only.
    frames.append(eth() / ip / IPv6ExtHdrHopByHop(options=[Pad1(), Pad1(), Pad1(), Pad1(), Pad1(), Pad1()]) / udp)
    # 4.6 destination options with an unknown option (type 0x1e: skip-over) and padding.
    frames.append(eth() / ip / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1E, optdata=b"\xaa\xbb\xcc\xdd")]) / udp)
    # 4.4 routing header type 0 (deprecated by RFC 5095, still has to be parsed) with 2 addresses.
    frames.append(eth() / IPv6(src=V6_A, dst=V6_C) /
                  IPv6ExtHdrRouting(type=0, segleft=2, addresses=["2001:db8:1::10", V6_B]) / udp)
    # Type 2 (RFC 6275 Mobile IPv6): one home address, segments left 1.
    frames.append(eth() / ip / IPv6ExtHdrRouting(type=2, segleft=1, addresses=["2001:db8:2::1"]) / udp)
    # Type 4 segment routing header (RFC 8754): 3 segments, last entry 2.
    frames.append(eth() / IPv6(src=V6_A, dst="2001:db8:1::11") /
                  IPv6ExtHdrSegmentRouting(addresses=[V6_B, "2001:db8:1::12", "2001:db8:1::11"],
                                           segleft=2, lastentry=2) / udp)
    # Fragment header on an atomic fragment (offset 0, M=0, RFC 6946).
    frames.append(eth() / ip / IPv6ExtHdrFragment(id=0xCAFE, offset=0, m=0) / udp)
    # A chain: hop-by-hop, destination options, routing, fragment, destination options, UDP.
    frames.append(eth() / IPv6(src=V6_A, dst=V6_C) /
                  IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"\x00\x00")]) /
                  IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
                  IPv6ExtHdrRouting(type=0, segleft=1, addresses=[V6_B]) /
                  IPv6ExtHdrFragment(id=0x1234, offset=0, m=0) /
                  IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) / udp)
    # A chain ending in "no next header" (59) with nothing after it.
    frames.append(eth() / ip / IPv6ExtHdrDestOpt(nh=59, options=[PadN(optdata=b"\x00" * 4)]))
    # Flow label and traffic class set.
    frames.append(eth() / IPv6(src=V6_A, dst=V6_B, tc=0xB8, fl=0xABCDE, hlim=7) / udp)

    # Real fragmentation: a 1400-byte UDP datagram in 3 fragments (offsets 0, 512, 1024), then reversed.
    data = bytes(IPv6(src=V6_A, dst=V6_B) / UDP(sport=40001, dport=9999) / Raw(bytes(range(256)) * 5 + b"y" * 112))
    whole = IPv6(data)
    upper = bytes(whole.payload)
    for ident, order in ((0x0600D001, 1), (0x0600D002, -1)):
        pieces = []
        for off in range(0, len(upper), 512):
            more = 1 if off + 512 < len(upper) else 0
            pieces.append(eth() / IPv6(src=V6_A, dst=V6_B) /
                          IPv6ExtHdrFragment(nh=17, id=ident, offset=off // 8, m=more) / Raw(upper[off:off + 512]))
        frames += pieces[::order]
    # A fragment behind a hop-by-hop header (unfragmentable part + fragmentable part).
    frames.append(eth() / IPv6(src=V6_A, dst=V6_B) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)]) /
                  IPv6ExtHdrFragment(nh=17, id=0x0600D003, offset=0, m=1) / Raw(upper[:64]))
    return frames


def tcp_frames():
    frames = []
    ip4 = IP(src=V4_A, dst=V4_B)
    ip4r = IP(src=V4_B, dst=V4_A)
    all_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (0x01020304, 0)), ("NOP", None),
                ("WScale", 7), (99, b"\x4e\x58")]  # kind 99 is unassigned: parsers must skip it by length
    frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240, options=all_opts))
    frames.append(eth(MAC_A, MAC_B) / ip4r / TCP(sport=80, dport=40000, flags="SA", seq=5000, ack=1001, window=65160,
                                                 options=[("MSS", 1400), ("SAckOK", b""),
                                                          ("Timestamp", (0x0A0B0C0D, 0x01020304)),
                                                          ("NOP", None), ("WScale", 9)]))
    frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5001, window=502,
                                    options=[("NOP", None), ("NOP", None), ("Timestamp", (0x01020305, 0x0A0B0C0D))]))
    # Data with PSH, then ACKs carrying 1..4 SACK blocks (RFC 2018).
    frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=5001, window=502) /
                  Raw(b"GET / HTTP/1.0\r\n\r\n"))
    for n in range(1, 5):
        blocks = tuple(v for i in range(n) for v in (6001 + 2000 * i, 7001 + 2000 * i))
        opts = [("NOP", None), ("NOP", None), ("SAck", blocks)]
        if n <= 3:
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (0x01020306, 0x0A0B0C0E))] + opts
        frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="A", seq=1019, ack=5001, window=502,
                                        options=opts))
    # Options ended by EOL, then zero padding up to the data offset (RFC 9293 3.2).
    frames.append(eth() / ip4 / TCP(sport=40001, dport=80, flags="S", seq=2000, window=1024,
                                    options=[("MSS", 536), ("NOP", None), ("WScale", 2), ("EOL", None)]))
    # URG with urgent pointer, FIN, RST, RST+ACK, ECN flags (ECE/CWR).
    frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="PAU", seq=1019, ack=5001, urgptr=3, window=502) /
                  Raw(b"!!!urgent"))
    frames.append(eth() / ip4 / TCP(sport=40000, dport=80, flags="FA", seq=1028, ack=5001, window=502))
    frames.append(eth(MAC_A, MAC_B) / ip4r / TCP(sport=80, dport=40002, flags="R", seq=0, window=0))
    frames.append(eth(MAC_A, MAC_B) / ip4r / TCP(sport=80, dport=40003, flags="RA", seq=0, ack=3001, window=0))
    frames.append(eth() / ip4 / TCP(sport=40004, dport=80, flags="SEC", seq=4000, window=64240,
                                    options=[("MSS", 1460)]))
    # The same handshake over IPv6 (checksum over the IPv6 pseudo-header).
    ip6 = IPv6(src=V6_A, dst=V6_B)
    ip6r = IPv6(src=V6_B, dst=V6_A)
    frames.append(eth() / ip6 / TCP(sport=40010, dport=80, flags="S", seq=7000, window=64800, options=all_opts))
    frames.append(eth(MAC_A, MAC_B) / ip6r / TCP(sport=80, dport=40010, flags="SA", seq=9000, ack=7001,
                                                 window=64260, options=[("MSS", 1440), ("SAckOK", b""),
                                                                        ("NOP", None), ("WScale", 7)]))
    frames.append(eth() / ip6 / TCP(sport=40010, dport=80, flags="PA", seq=7001, ack=9001, window=502) /
                  Raw(b"hello over tcp6"))
    return frames


def icmp_frames():
    frames = []
    # ICMPv4 (RFC 792). Each error quotes the offending IP header + first 8 bytes.
    quoted_udp = IPerror(src=V4_A, dst=V4_B, id=0x77, ttl=64) / UDPerror(sport=40000, dport=9998)
    quoted_tcp = IPerror(src=V4_A, dst=V4_C, id=0x78, flags="DF") / TCPerror(sport=40000, dport=80, seq=1000, flags="S")
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / ICMP(type=8, id=0x1111, seq=1) / Raw(b"abcdefgh" * 4))
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_B, dst=V4_A) / ICMP(type=0, id=0x1111, seq=1) / Raw(b"abcdefgh" * 4))
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_B, dst=V4_A) / ICMP(type=3, code=3) / quoted_udp /
                  Raw(b"payload"))
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_ROUTER, dst=V4_A) / ICMP(type=3, code=4, nexthopmtu=1400) / quoted_tcp)
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_ROUTER, dst=V4_A) / ICMP(type=3, code=1) / quoted_tcp)
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_ROUTER, dst=V4_A) / ICMP(type=11, code=0) / quoted_udp)
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_B, dst=V4_A) / ICMP(type=11, code=1) / quoted_udp)
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_ROUTER, dst=V4_A) / ICMP(type=12, code=0, ptr=8) / quoted_udp)
    frames.append(eth(MAC_A, MAC_B) / IP(src=V4_ROUTER, dst=V4_A) / ICMP(type=5, code=1, gw="198.18.0.253") / quoted_tcp)
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / ICMP(type=13, id=0x2222, seq=1, ts_ori=1000, ts_rx=0, ts_tx=0))

    # ICMPv6 (RFC 4443). Errors quote as much of the invoking packet as fits in 1280 bytes.
    q6 = IPerror6(src=V6_A, dst=V6_C, hlim=1) / UDPerror(sport=40000, dport=33434) / Raw(b"traceroute")
    frames.append(eth() / IPv6(src=V6_A, dst=V6_B) / ICMPv6EchoRequest(id=0x3333, seq=1, data=b"ping6 data"))
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6EchoReply(id=0x3333, seq=1, data=b"ping6 data"))
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6DestUnreach(code=4) /
                  IPerror6(src=V6_A, dst=V6_B) / UDPerror(sport=40000, dport=9998) / Raw(b"closed port"))
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6DestUnreach(code=1) / q6)
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6PacketTooBig(mtu=1280) /
                  IPerror6(src=V6_A, dst=V6_C) / UDPerror(sport=40000, dport=9999) / Raw(b"z" * 1184))  # fills the 1280-byte minimum MTU
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6TimeExceeded(code=0) / q6)
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6TimeExceeded(code=1) / q6)
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6ParamProblem(code=1, ptr=40) /
                  IPerror6(src=V6_A, dst=V6_B, nh=0x8F) / Raw(b"\x00" * 8))
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A) / ICMPv6ParamProblem(code=0, ptr=4) / q6)
    return frames


def ndisc_mld_frames():
    frames = []
    all_nodes, all_routers, mldv2 = "ff02::1", "ff02::2", "ff02::16"
    sn_b = "ff02::1:ff00:2"  # solicited-node multicast of ...:2 (RFC 4291 2.7.1)
    # RFC 4861 router solicitation / advertisement.
    frames.append(eth(mcast_mac_v6(all_routers)) / IPv6(src=LL_A, dst=all_routers, hlim=255) /
                  ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    frames.append(eth(mcast_mac_v6(all_nodes), MAC_B) / IPv6(src=LL_B, dst=all_nodes, hlim=255) /
                  ICMPv6ND_RA(chlim=64, M=0, O=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000) /
                  ICMPv6NDOptSrcLLAddr(lladdr=MAC_B) / ICMPv6NDOptMTU(mtu=1500) /
                  ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400, preferredlifetime=14400,
                                        prefix="2001:db8::"))
    # Neighbour solicitation (address resolution) and solicited advertisement.
    frames.append(eth(mcast_mac_v6(sn_b)) / IPv6(src=V6_A, dst=sn_b, hlim=255) /
                  ICMPv6ND_NS(tgt=V6_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=V6_B, dst=V6_A, hlim=255) /
                  ICMPv6ND_NA(R=0, S=1, O=1, tgt=V6_B) / ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    # DAD probe from the unspecified address (no SLLA allowed, RFC 4862 5.4.2).
    frames.append(eth(mcast_mac_v6(sn_b)) / IPv6(src="::", dst=sn_b, hlim=255) / ICMPv6ND_NS(tgt=V6_B))
    # Unsolicited NA to all-nodes (override set), and unicast NUD probe.
    frames.append(eth(mcast_mac_v6(all_nodes), MAC_B) / IPv6(src=LL_B, dst=all_nodes, hlim=255) /
                  ICMPv6ND_NA(R=1, S=0, O=1, tgt=LL_B) / ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    frames.append(eth() / IPv6(src=LL_A, dst=LL_B, hlim=255) / ICMPv6ND_NS(tgt=LL_B))
    # Redirect (RFC 4861 4.5) with target LLA and redirected header options.
    frames.append(eth(MAC_A, MAC_B) / IPv6(src=LL_B, dst=V6_A, hlim=255) /
                  ICMPv6ND_Redirect(tgt="fe80::200:ff:fe00:3", dst=V6_C) /
                  ICMPv6NDOptDstLLAddr(lladdr=MAC_C) /
                  ICMPv6NDOptRedirectedHdr(pkt=IPv6(src=V6_A, dst=V6_C) / UDP(sport=40000, dport=9999) / Raw(b"redir")))

    # MLDv1 (RFC 2710): sent with hop limit 1, link-local source, hop-by-hop router alert.
    ra = IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"\x00\x00")])
    group = "ff02::1:3"
    frames.append(eth(mcast_mac_v6(all_nodes), MAC_B) / IPv6(src=LL_B, dst=all_nodes, hlim=1) / ra /
                  ICMPv6MLQuery(mrd=10000, mladdr="::"))
    frames.append(eth(mcast_mac_v6(group), MAC_B) / IPv6(src=LL_B, dst=group, hlim=1) / ra /
                  ICMPv6MLQuery(mrd=1000, mladdr=group))
    frames.append(eth(mcast_mac_v6(group)) / IPv6(src=LL_A, dst=group, hlim=1) / ra / ICMPv6MLReport(mladdr=group))
    frames.append(eth(mcast_mac_v6(all_routers)) / IPv6(src=LL_A, dst=all_routers, hlim=1) / ra /
                  ICMPv6MLDone(mladdr=group))
    # MLDv2 (RFC 3810): general query, source-specific query, report with several records.
    frames.append(eth(mcast_mac_v6(all_nodes), MAC_B) / IPv6(src=LL_B, dst=all_nodes, hlim=1) / ra /
                  ICMPv6MLQuery2(mrd=10000, mladdr="::", S=0, QRV=2, QQIC=125))
    frames.append(eth(mcast_mac_v6("ff3e::8000:1"), MAC_B) / IPv6(src=LL_B, dst="ff3e::8000:1", hlim=1) / ra /
                  ICMPv6MLQuery2(mrd=1000, mladdr="ff3e::8000:1", QRV=2, QQIC=125, sources=[V6_C, "2001:db8:1::4"]))
    frames.append(eth(mcast_mac_v6(mldv2)) / IPv6(src=LL_A, dst=mldv2, hlim=1) / ra /
                  ICMPv6MLReport2(records=[
                      ICMPv6MLDMultAddrRec(rtype=4, dst="ff02::1:3"),  # CHANGE_TO_EXCLUDE {}: join
                      ICMPv6MLDMultAddrRec(rtype=1, dst="ff3e::8000:1", sources=[V6_C, "2001:db8:1::4"]),
                      ICMPv6MLDMultAddrRec(rtype=6, dst="ff3e::8000:2", sources=[V6_C]),
                  ]))
    frames.append(eth(mcast_mac_v6(mldv2)) / IPv6(src=LL_A, dst=mldv2, hlim=1) / ra /
                  ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(rtype=3, dst="ff02::1:3")]))  # TO_INCLUDE {}: leave
    return frames


def dhcp_frames():
    frames = []
    client_mac = MAC_A
    chaddr = bytes.fromhex(client_mac.replace(":", ""))
    server = V4_ROUTER
    offered = "198.18.0.100"
    xid = 0x3903F326
    common_reply = [("server_id", server), ("lease_time", 3600), ("renewal_time", 1800), ("rebinding_time", 3150),
                    ("subnet_mask", "255.255.255.0"), ("router", server), ("name_server", "198.18.0.53"),
                    ("domain", b"example.test")]

    def client(msg, opts):
        return (eth(BCAST, client_mac) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
                BOOTP(op=1, chaddr=chaddr, xid=xid, flags=0x8000) /
                DHCP(options=[("message-type", msg)] + opts + ["end"]))

    def server_msg(msg, opts):
        return (eth(BCAST, MAC_B) / IP(src=server, dst="255.255.255.255") / UDP(sport=67, dport=68) /
                BOOTP(op=2, chaddr=chaddr, xid=xid, yiaddr=offered, siaddr=server, flags=0x8000) /
                DHCP(options=[("message-type", msg)] + opts + ["end"]))

    # RFC 2131 3.1 DORA.
    frames.append(client("discover", [("client_id", b"\x01" + chaddr), ("hostname", b"ethox"),
                                      ("param_req_list", [1, 3, 6, 15, 51, 54])]))
    frames.append(server_msg("offer", common_reply))
    frames.append(client("request", [("client_id", b"\x01" + chaddr), ("requested_addr", offered),
                                     ("server_id", server), ("param_req_list", [1, 3, 6, 15, 51, 54])]))
    frames.append(server_msg("ack", common_reply))
    return frames


def igmp_frames():
    frames = []
    ra = [IPOption_Router_Alert()]
    group = "239.1.2.3"
    # IGMPv2 (RFC 2236): general query, group-specific query, report, leave.
    frames.append(eth(mcast_mac_v4("224.0.0.1"), MAC_B) / IP(src=V4_B, dst="224.0.0.1", ttl=1, options=ra) /
                  IGMP(type=0x11, mrcode=100, gaddr="0.0.0.0"))
    frames.append(eth(mcast_mac_v4(group), MAC_B) / IP(src=V4_B, dst=group, ttl=1, options=ra) /
                  IGMP(type=0x11, mrcode=10, gaddr=group))
    frames.append(eth(mcast_mac_v4(group)) / IP(src=V4_A, dst=group, ttl=1, options=ra) / IGMP(type=0x16, gaddr=group))
    frames.append(eth(mcast_mac_v4("224.0.0.2")) / IP(src=V4_A, dst="224.0.0.2", ttl=1, options=ra) /
                  IGMP(type=0x17, gaddr=group))
    # IGMPv3 (RFC 3376): general query, group-and-source query, report with three records.
    frames.append(eth(mcast_mac_v4("224.0.0.1"), MAC_B) / IP(src=V4_B, dst="224.0.0.1", ttl=1, options=ra) /
                  IGMPv3(type=0x11, mrcode=100) / IGMPv3mq(gaddr="0.0.0.0", qrv=2, qqic=125))
    frames.append(eth(mcast_mac_v4("232.1.1.1"), MAC_B) / IP(src=V4_B, dst="232.1.1.1", ttl=1, options=ra) /
                  IGMPv3(type=0x11, mrcode=10) /
                  IGMPv3mq(gaddr="232.1.1.1", qrv=2, qqic=125, srcaddrs=[V4_C, "198.18.1.4"]))
    frames.append(eth(mcast_mac_v4("224.0.0.22")) / IP(src=V4_A, dst="224.0.0.22", ttl=1, options=ra) /
                  IGMPv3(type=0x22) / IGMPv3mr(records=[
                      IGMPv3gr(rtype=4, maddr=group),
                      IGMPv3gr(rtype=1, maddr="232.1.1.1", srcaddrs=[V4_C, "198.18.1.4"]),
                      IGMPv3gr(rtype=6, maddr="232.1.1.2", srcaddrs=[V4_C]),
                  ]))
    return frames


def tcp_with_raw_options(ip, options):
    """A TCP SYN with the given option bytes taken verbatim (scapy would fix them), correct checksum."""
    assert len(options) % 4 == 0
    header = bytearray(bytes(TCP(sport=40000, dport=80, flags="S", seq=1000, window=1024, chksum=0))[:20])
    header[12] = ((20 + len(options)) // 4) << 4
    segment = bytes(header) + options
    ip = ip.copy()
    ip.proto = 6
    csum = in4_chksum(6, ip, segment)
    return ip / Raw(segment[:16] + struct.pack("!H", csum) + segment[18:])


def broken_frames():
    """Deliberately invalid frames: parsers must report a status, tshark flags them."""
    frames = []
    udp = UDP(sport=40000, dport=9999) / Raw(b"broken")
    # 1. IPv4 header checksum wrong.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, chksum=0x1234) / udp)
    # 2. TCP checksum wrong.
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / TCP(sport=40000, dport=80, flags="S", chksum=0xBEEF))
    # 3. UDP checksum wrong (IPv4).
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / UDP(sport=40000, dport=9999, chksum=0xBEEF) / Raw(b"broken"))
    # 4. IPv4 total length larger than the frame (datagram cut short).
    frames.append(eth() / IP(src=V4_A, dst=V4_B, len=200) / udp)
    # 5. IPv4 total length smaller than the header.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, len=12) / udp)
    # 6. TCP option with length 0 (would loop forever in a naive walker); checksum is right.
    frames.append(eth() / tcp_with_raw_options(IP(src=V4_A, dst=V4_B), b"\x02\x04\x05\xb4\x08\x00\x00\x00"))
    # 7. UDP checksum wrong over IPv6 (where a zero checksum is also invalid, RFC 8200 8.1).
    frames.append(eth() / IPv6(src=V6_A, dst=V6_B) / UDP(sport=40000, dport=9999, chksum=0xBEEF) / Raw(b"broken"))
    # 8. IPv4 header length (IHL) below 5.
    frames.append(eth() / IP(src=V4_A, dst=V4_B, ihl=4) / udp)
    # 9. IPv6 payload length larger than the frame.
    frames.append(eth() / IPv6(src=V6_A, dst=V6_B, plen=400) / udp)
    # 10. TCP data offset below 5.
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / TCP(sport=40000, dport=80, flags="S", dataofs=4))
    # 11. UDP length field larger than the IP payload.
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / UDP(sport=40000, dport=9999, len=300) / Raw(b"broken"))
    # 12. ICMPv4 checksum wrong.
    frames.append(eth() / IP(src=V4_A, dst=V4_B) / ICMP(type=8, id=1, seq=1, chksum=0x1234) / Raw(b"broken"))
    # 13. Ethernet frame cut inside the IPv4 header.
    frames.append(Ether(bytes(eth() / IP(src=V4_A, dst=V4_B) / udp)[:14 + 12]))
    # 14. TCP option whose length runs past the header (MSS claiming 8 bytes in a 4-byte space).
    frames.append(eth() / tcp_with_raw_options(IP(src=V4_A, dst=V4_B), b"\x02\x08\x05\xb4"))
    return frames


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write(out, "crafted-vlan.pcap", vlan_frames())
    write(out, "crafted-ipv4.pcap", ipv4_frames())
    write(out, "crafted-ipv6.pcap", ipv6_frames())
    write(out, "crafted-tcp.pcap", tcp_frames())
    write(out, "crafted-icmp.pcap", icmp_frames())
    write(out, "crafted-ndisc-mld.pcap", ndisc_mld_frames())
    write(out, "crafted-dhcp-igmp.pcap", dhcp_frames() + igmp_frames())
    write(out, "crafted-broken.pcap", broken_frames())


if __name__ == "__main__":
    main()
