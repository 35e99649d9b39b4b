#!/usr/bin/python3
# Generates IpScapyVectors.cs: reference packets built by scapy (Debian python3-scapy), so that the IP/ICMP/NDISC/MLD
# parsers are checked against an encoder nobody here wrote. Run: /usr/bin/python3 ip_scapy_vectors.py > IpScapyVectors.cs
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, ICMP, Raw, IPOption_RR, IPOption_Router_Alert
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPv6ExtHdrFragment,
    RouterAlert, PadN, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded,
    ICMPv6ParamProblem, ICMPv6ND_RS, ICMPv6ND_RA, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_Redirect, ICMPv6NDOptSrcLLAddr,
    ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptRedirectedHdr,
    ICMPv6MLQuery, ICMPv6MLReport, ICMPv6MLDone, ICMPv6MLQuery2, ICMPv6MLReport2, ICMPv6MLDMultAddrRec)

A4, B4 = "198.18.0.1", "198.18.0.2"
A6, B6 = "2001:db8::1", "2001:db8::2"
MAC1, MAC2, MAC3 = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"
HBH_RA = IPv6ExtHdrHopByHop(options=[RouterAlert()])

offending4 = bytes(IP(src=B4, dst=A4, id=99, ttl=1) / UDP(sport=40000, dport=33434) / (b"Z" * 600))
offending6 = bytes(IPv6(src=B6, dst=A6, hlim=1) / UDP(sport=40000, dport=33434) / (b"Z" * 1400))
echo_data = b"0123456789abcdef"

vectors = [
    ("Ipv4Udp", IP(src=A4, dst=B4, ttl=64, id=0x1234, flags="DF", tos=0xB9) / UDP(sport=1234, dport=5678) / b"hello"),
    ("Ipv4Options", IP(src=A4, dst=B4, options=[IPOption_RR(routers=["198.18.0.9"]), IPOption_Router_Alert()]) / ICMP()),
    ("Ipv4Fragment", IP(src=A4, dst=B4, flags="MF", frag=185, id=77, proto=17) / Raw(b"x" * 16)),
    ("Offending4", offending4),
    ("Icmpv4EchoRequest", IP(src=A4, dst=B4) / ICMP(type=8, id=0x1234, seq=7) / echo_data),
    ("Icmpv4EchoReply", IP(src=B4, dst=A4) / ICMP(type=0, id=0x1234, seq=7) / echo_data),
    ("Icmpv4PortUnreachable", IP(src=A4, dst=B4) / ICMP(type=3, code=3) / offending4[:548]),
    ("Icmpv4FragmentationNeeded", IP(src=A4, dst=B4) / ICMP(type=3, code=4, nexthopmtu=1400) / offending4[:548]),
    ("Icmpv4TimeExceeded", IP(src=A4, dst=B4) / ICMP(type=11, code=0) / offending4[:548]),
    ("Icmpv4ParameterProblem", IP(src=A4, dst=B4) / ICMP(type=12, code=0, ptr=8) / offending4[:28]),
    ("Icmpv4Redirect", IP(src=A4, dst=B4) / ICMP(type=5, code=1, gw="198.18.0.254") / offending4[:28]),
    ("Ipv6Udp", IPv6(src=A6, dst=B6, tc=0xB9, fl=0x12345, hlim=64) / UDP(sport=1234, dport=5678) / b"hello"),
    ("Ipv6ExtensionChain", IPv6(src=A6, dst=B6) / HBH_RA / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")])
        / IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=1) / IPv6ExtHdrFragment(offset=0, m=1, id=0xDEADBEEF)
        / UDP(sport=1234, dport=5678) / b"data"),
    ("Ipv6LaterFragment", IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(nh=17, offset=100, m=0, id=7) / Raw(b"y" * 24)),
    ("Ipv6HopByHopNotFirst", IPv6(src=A6, dst=B6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / UDP()),
    ("Offending6", offending6),
    ("Icmpv6EchoRequest", IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=0x4321, seq=9, data=echo_data)),
    ("Icmpv6EchoReply", IPv6(src=B6, dst=A6) / ICMPv6EchoReply(id=0x4321, seq=9, data=echo_data)),
    ("Icmpv6PortUnreachable", IPv6(src=A6, dst=B6) / ICMPv6DestUnreach(code=4) / offending6[:1232]),
    ("Icmpv6PacketTooBig", IPv6(src=A6, dst=B6) / ICMPv6PacketTooBig(mtu=1280) / offending6[:1232]),
    ("Icmpv6TimeExceeded", IPv6(src=A6, dst=B6) / ICMPv6TimeExceeded(code=0) / offending6[:1232]),
    ("Icmpv6ParameterProblem", IPv6(src=A6, dst=B6) / ICMPv6ParamProblem(code=1, ptr=40) / offending6[:1232]),
    ("NdiscRouterSolicitation", IPv6(src="fe80::1", dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC1)),
    ("NdiscRouterAdvertisement", IPv6(src="fe80::2", dst="ff02::1", hlim=255)
        / ICMPv6ND_RA(chlim=64, M=1, O=1, prf=0, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
        / ICMPv6NDOptSrcLLAddr(lladdr=MAC2) / ICMPv6NDOptMTU(mtu=1500)
        / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400, preferredlifetime=14400, prefix="2001:db8:1::")),
    ("NdiscRouterAdvertisementMore", IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_RA(chlim=64, prf=0)
        / ICMPv6NDOptRDNSS(dns=["2001:db8::53"], lifetime=600)
        / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=0, validlifetime=600, preferredlifetime=300, prefix="2001:db8:1::")
        / ICMPv6NDOptPrefixInfo(prefixlen=48, L=0, A=1, validlifetime=700, preferredlifetime=400, prefix="2001:db8:2::")),
    ("NdiscNeighborSolicitation", IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2") / ICMPv6NDOptSrcLLAddr(lladdr=MAC1)),
    ("NdiscNeighborSolicitationDad", IPv6(src="::", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2")),
    ("NdiscNeighborAdvertisement", IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_NA(R=0, S=1, O=1, tgt="fe80::2") / ICMPv6NDOptDstLLAddr(lladdr=MAC2)),
    ("NdiscRedirect", IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_Redirect(tgt="fe80::3", dst="2001:db8::99")
        / ICMPv6NDOptDstLLAddr(lladdr=MAC3) / ICMPv6NDOptRedirectedHdr(pkt=bytes(IPv6(src="fe80::1", dst="2001:db8::99") / UDP()))),
    ("MldV1Query", IPv6(src="fe80::2", dst="ff02::1", hlim=1) / HBH_RA / ICMPv6MLQuery(mrd=10000, mladdr="::")),
    ("MldV1Report", IPv6(src="fe80::1", dst="ff02::1:3", hlim=1) / HBH_RA / ICMPv6MLReport(mrd=0, mladdr="ff02::1:3")),
    ("MldV1Done", IPv6(src="fe80::1", dst="ff02::2", hlim=1) / HBH_RA / ICMPv6MLDone(mrd=0, mladdr="ff02::1:3")),
    ("MldV2Query", IPv6(src="fe80::2", dst="ff05::1:3", hlim=1) / HBH_RA
        / ICMPv6MLQuery2(mrd=0x9234, mladdr="ff05::1:3", S=1, QRV=2, QQIC=0x8A, sources=["2001:db8::1", "2001:db8::2"])),
    ("MldV2Report", IPv6(src="fe80::1", dst="ff02::16", hlim=1) / HBH_RA / ICMPv6MLReport2(records=[
        ICMPv6MLDMultAddrRec(rtype=4, dst="ff05::1:3"),
        ICMPv6MLDMultAddrRec(rtype=1, dst="ff05::1:4", sources=["2001:db8::1", "2001:db8::2"])])),
]

print("// <auto-generated> by ip_scapy_vectors.py with scapy; do not edit. </auto-generated>")
print("namespace Ethox.Tests.Wire;")
print()
print("/// <summary>Reference packets built by scapy (IPv4 or IPv6 header first); see ip_scapy_vectors.py.</summary>")
print("internal static class IpScapyVectors")
print("{")
for name, pkt in vectors:
    print(f'    public const string {name} = "{bytes(pkt).hex()}";')
print("}")
