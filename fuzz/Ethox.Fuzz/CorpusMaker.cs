using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using Ethox.Wire;

namespace Ethox.Fuzzing;

/// <summary>
/// Cuts the frames of pcap files into seeds for each target: the whole frame for "frame" and
/// "ethernet", the IP packet for "ipv4"/"ipv6"/"rawip", the transport message for the others,
/// and small pcap files as they are for "pcap". Seeds are named by content hash, so reruns are idempotent.
/// </summary>
public static class CorpusMaker
{
    private const int MaxSeedsPerTarget = 48;

    public static int Make(string outDir, IEnumerable<string> pcapFiles)
    {
        var counts = new Dictionary<string, int>();
        var frame = new byte[1 << 16];
        foreach (var path in pcapFiles)
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length <= 4096) Save(outDir, "pcap", bytes, counts);
            using var stream = new MemoryStream(bytes);
            if (!PcapReader.TryOpen(stream, out var reader, out _)) continue;
            while (reader!.TryReadNext(frame, out var record) == PcapReadStatus.Record)
                Cut(outDir, frame.AsSpan(0, record.CapturedLength), reader.LinkType, counts);
        }
        foreach (var (target, n) in counts) Console.WriteLine($"{target,-10} {n} seeds");
        return 0;
    }

    private static void Cut(string outDir, Span<byte> data, PcapLinkType link, Dictionary<string, int> counts)
    {
        Span<byte> ip = data;
        if (link == PcapLinkType.Ethernet)
        {
            Save(outDir, "frame", data, counts);
            Save(outDir, "ethernet", data, counts);
            Save(outDir, "stack", data, counts);
            if (!EthernetFrame.TryParse(data, out var eth, out _)) return;
            if (eth.EtherType == EtherType.Arp) { Save(outDir, "arp", eth.Payload, counts); return; }
            ip = eth.Payload;
        }
        Save(outDir, "rawip", ip, counts);
        if (Ipv4Packet.TryParse(ip, out var v4, out _))
        {
            Save(outDir, "ipv4", ip, counts);
            if (!v4.IsFragment) Transport(outDir, v4.Protocol, v4.Payload, counts);
        }
        else if (Ipv6Packet.TryParse(ip, out var v6, out _))
        {
            Save(outDir, "ipv6", ip, counts);
            if (v6.TryGetUpperLayer(out var upper, out _) && upper.Offset <= v6.Payload.Length)
                Transport(outDir, upper.Protocol, v6.Payload[upper.Offset..], counts);
        }
    }

    private static void Transport(string outDir, IpProtocol protocol, Span<byte> payload, Dictionary<string, int> counts)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp: Save(outDir, "tcp", payload, counts); break;
            case IpProtocol.Icmp: Save(outDir, "icmpv4", payload, counts); break;
            case IpProtocol.Icmpv6: Save(outDir, "icmpv6", payload, counts); break;
            case IpProtocol.Igmp: Save(outDir, "igmp", payload, counts); break;
            case IpProtocol.Udp:
                Save(outDir, "udp", payload, counts);
                if (UdpDatagram.TryParse(payload, out var udp, out _) && (udp.DestinationPort is 67 or 68))
                    Save(outDir, "dhcpv4", udp.Payload, counts);
                break;
        }
    }

    private static void Save(string outDir, string target, ReadOnlySpan<byte> seed, Dictionary<string, int> counts)
    {
        counts.TryGetValue(target, out int n);
        if (n >= MaxSeedsPerTarget || seed.IsEmpty) return;
        var dir = Path.Combine(outDir, target);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, Convert.ToHexString(SHA256.HashData(seed))[..16].ToLowerInvariant());
        if (File.Exists(file)) return;
        File.WriteAllBytes(file, seed.ToArray());
        counts[target] = n + 1;
    }
}
