using System;

namespace Ethox.Wire;

/// <summary>
/// One line per frame, like tcpdump: each layer it understood, then the first error it met, in plain
/// words. Writes into a caller-owned span; never allocates, never throws.
/// </summary>
public static class PacketPrinter
{
    /// <summary>Formats <paramref name="frame"/> into <paramref name="writer"/>.</summary>
    public static void Format(Span<byte> frame, PcapLinkType link, ref SpanTextWriter writer)
    {
        if (link == PcapLinkType.Ethernet) Ethernet(frame, ref writer);
        else writer.Append("raw-ip");
    }

    /// <summary>Formats into a char span and returns the number of characters written.</summary>
    public static int Format(Span<byte> frame, PcapLinkType link, Span<char> destination)
    {
        var writer = new SpanTextWriter(destination);
        Format(frame, link, ref writer);
        return writer.Length;
    }

    private static void Ethernet(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!EthernetFrame.TryParse(bytes, out var frame, out var error)) { Error(ref w, "ethernet", error); return; }
        w.Append(frame.Source);
        w.Append(" > ");
        w.Append(frame.Destination);
        for (int i = 0; i < frame.TagCount; i++)
        {
            var tag = frame.Tag(i);
            w.Append(" vlan ");
            w.Append(tag.VlanId);
            if (tag.Priority != 0) { w.Append(" p"); w.Append(tag.Priority); }
        }
        w.Append(", ethertype 0x");
        w.Append((ushort)frame.EtherType, "x4");
    }

    private static void Error(ref SpanTextWriter w, ReadOnlySpan<char> layer, WireError error)
    {
        w.Append(" [");
        w.Append(layer);
        w.Append(' ');
        w.Append(error.Describe());
        w.Append(']');
    }
}
