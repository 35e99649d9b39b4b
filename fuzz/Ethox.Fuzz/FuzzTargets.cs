using System;
using System.IO;
using Ethox.Wire;

namespace Ethox.Fuzz;

/// <summary>
/// One fuzz target per wire parser. Each parses the input, and where it parses, checks the
/// round trip (repr → emit → parse gives the same repr). A failed invariant throws, which AFL++
/// records as a crash; the unit tests replay the seed corpora through the same code.
/// </summary>
public static class FuzzTargets
{
    public static readonly string[] Names = ["ethernet", "pcap"];

    public static bool IsKnown(string name) => Array.IndexOf(Names, name) >= 0;

    public static void Run(string name, Span<byte> data)
    {
        switch (name)
        {
            case "ethernet": Ethernet(data); break;
            case "pcap": Pcap(data); break;
            default: throw new ArgumentException($"unknown target {name}");
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("fuzz invariant failed: " + what);
    }

    private static void Ethernet(Span<byte> data)
    {
        if (!EthernetRepr.TryParse(data, out var repr, out _)) return;
        Span<byte> scratch = stackalloc byte[64];
        Check(repr.TryEmit(scratch), "ethernet emit");
        Check(EthernetRepr.TryParse(scratch, out var again, out _) && again == repr, "ethernet round trip");
    }

    private static void Pcap(Span<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        if (!PcapReader.TryOpen(stream, out var reader, out _)) return;
        var frame = new byte[1 << 16];
        for (int i = 0; i < 10_000; i++)
        {
            var status = reader!.TryReadNext(frame, out var record);
            if (status != PcapReadStatus.Record) return;
            Check(record.CapturedLength <= frame.Length, "pcap record fits");
        }
    }
}
