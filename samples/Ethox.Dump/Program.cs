using System;
using System.IO;
using Ethox.Wire;

// ethox-dump FILE.pcap: one line per frame, like tcpdump, from Ethox's own parsers.
if (args.Length != 1 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Ethox.Dump FILE.pcap");
    return 2;
}

FileStream file;
try
{
    file = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
{
    Console.Error.WriteLine($"ethox-dump: cannot open '{args[0]}': {e.Message}");
    return 1;
}

using (file)
{
    if (!PcapReader.TryOpen(file, out var reader, out string reason))
    {
        Console.Error.WriteLine($"ethox-dump: '{args[0]}': {reason}");
        return 1;
    }
    if (reader!.LinkType is not (PcapLinkType.Ethernet or PcapLinkType.RawIp))
    {
        Console.Error.WriteLine($"ethox-dump: '{args[0]}': link type {(uint)reader.LinkType} is not supported (Ethernet or raw IP only)");
        return 1;
    }

    var frame = new byte[Math.Max(reader.SnapLength, 65536)];
    var line = new char[4096];
    var stdout = Console.Out;
    for (long number = 1; ; number++)
    {
        var status = reader.TryReadNext(frame, out var record);
        if (status == PcapReadStatus.EndOfFile) break;
        if (status != PcapReadStatus.Record)
        {
            stdout.Flush();
            Console.Error.WriteLine(status == PcapReadStatus.Truncated
                ? $"ethox-dump: '{args[0]}': file is truncated in record {number}"
                : $"ethox-dump: '{args[0]}': record {number} is malformed; stopping");
            return 1;
        }
        var writer = new SpanTextWriter(line);
        writer.Append(number);
        writer.Append(' ');
        PacketPrinter.Format(frame.AsSpan(0, record.CapturedLength), reader.LinkType, ref writer);
        stdout.Write(writer.Written);
        stdout.Write('\n');
    }
}
return 0;
