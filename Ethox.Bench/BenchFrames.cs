using System;
using System.Buffers.Binary;
using System.Net.NetworkInformation;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>Which of the two reference frames a benchmark runs on.</summary>
public enum FrameKind
{
    /// <summary>Ethernet + IPv4 + TCP SYN-ACK with MSS, SACK-permitted, timestamps, NOP, window scale.</summary>
    Ipv4Tcp,
    /// <summary>Ethernet + IPv6 + TCP SYN-ACK with the same options.</summary>
    Ipv6Tcp,
    /// <summary>
    /// Ethernet + IPv4 + TCP SYN-ACK with the same option values in the order macOS sends them (MSS, NOP,
    /// window scale, NOP, NOP, timestamps, SACK-permitted, EOL): a layout the option prediction does not know, so the
    /// general option walk decodes it.
    /// </summary>
    Ipv4TcpOtherOrder,
}

/// <summary>
/// The two reference frames, made by scapy (not by either library under test), and the values they carry.
/// <code>
/// Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="198.18.0.1", dst="198.18.0.2", id=1, ttl=64)
///   / TCP(sport=40000, dport=80, seq=1000, ack=2000, flags="SA", window=65535,
///         options=[("MSS",1460), ("SAckOK",b""), ("Timestamp",(123456,654321)), ("NOP",None), ("WScale",7)])
/// </code>
/// and the same TCP segment over <c>IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64)</c>; the third is the IPv4 frame with
/// <c>options=[("MSS",1460), ("NOP",None), ("WScale",7), ("NOP",None), ("NOP",None), ("Timestamp",(123456,654321)),
/// ("SAckOK",b""), ("EOL",None)]</c> (scapy pads the list to 24 bytes with a second EOL).
/// </summary>
internal static class BenchFrames
{
    public const string Ipv4TcpHex =
        "02000000000202000000000108004500003c000100004006ee93c6120001c61200029c400050000003e8000007d0a012ffff35430000"
        + "020405b40402080a0001e2400009fbf101030307";

    public const string Ipv6TcpHex =
        "02000000000202000000000186dd600000000028064020010db800000000000000000000000120010db8000000000000000000000002"
        + "9c400050000003e8000007d0a012ffff65f60000020405b40402080a0001e2400009fbf101030307";

    public const string Ipv4TcpOtherOrderHex =
        "020000000002020000000001080045000040000100004006ee8fc6120001c61200029c400050000003e8000007d0b012ffff243e0000"
        + "020405b4010303070101080a0001e2400009fbf104020000";

    public static readonly EthernetAddress SourceMac = new(0x02, 0, 0, 0, 0, 0x01);
    public static readonly EthernetAddress DestinationMac = new(0x02, 0, 0, 0, 0, 0x02);
    public static readonly Ipv4Address SourceV4 = new(198, 18, 0, 1);
    public static readonly Ipv4Address DestinationV4 = new(198, 18, 0, 2);
    public static readonly Ipv6Address SourceV6 = new(0x2001_0db8_0000_0000UL, 1);
    public static readonly Ipv6Address DestinationV6 = new(0x2001_0db8_0000_0000UL, 2);
    public const byte TimeToLive = 64;
    public const ushort Identification = 1;
    public const ushort SourcePort = 40000;
    public const ushort DestinationPort = 80;
    public const uint SequenceNumber = 1000;
    public const uint AcknowledgmentNumber = 2000;
    public const TcpFlags Flags = TcpFlags.Syn | TcpFlags.Ack;
    public const ushort WindowSize = 65535;
    public const ushort MaxSegmentSize = 1460;
    public const byte WindowScale = 7;
    public const uint TimestampValue = 123456;
    public const uint TimestampEchoReply = 654321;
    /// <summary>TCP header with its 20 option bytes; the segment has no payload.</summary>
    public const int TcpHeaderLength = 40;
    /// <summary>The same with the 24 option bytes of <see cref="FrameKind.Ipv4TcpOtherOrder"/>.</summary>
    public const int OtherOrderTcpHeaderLength = 44;

    public static byte[] Bytes(FrameKind kind) => Convert.FromHexString(kind switch
    {
        FrameKind.Ipv4Tcp => Ipv4TcpHex,
        FrameKind.Ipv6Tcp => Ipv6TcpHex,
        _ => Ipv4TcpOtherOrderHex,
    });

    /// <summary>True for the frames over IPv4.</summary>
    public static bool IsIpv4(FrameKind kind) => kind != FrameKind.Ipv6Tcp;

    /// <summary>The field values every parser must report for <paramref name="kind"/>, indexed by <see cref="Field"/>.</summary>
    public static ulong[] Expected(FrameKind kind)
    {
        bool v4 = IsIpv4(kind);
        var v = new ulong[FieldSinks.Count];
        v[(int)Field.EthSource] = SourceMac.Value;
        v[(int)Field.EthDestination] = DestinationMac.Value;
        v[(int)Field.EtherType] = (ushort)(v4 ? EtherType.Ipv4 : EtherType.Ipv6);
        v[(int)Field.IpSourceHigh] = v4 ? 0 : SourceV6.High;
        v[(int)Field.IpSource] = v4 ? SourceV4.Value : SourceV6.Low;
        v[(int)Field.IpDestinationHigh] = v4 ? 0 : DestinationV6.High;
        v[(int)Field.IpDestination] = v4 ? DestinationV4.Value : DestinationV6.Low;
        v[(int)Field.Protocol] = (byte)IpProtocol.Tcp;
        v[(int)Field.TimeToLive] = TimeToLive;
        v[(int)Field.IpPayloadLength] = (ulong)(kind == FrameKind.Ipv4TcpOtherOrder ? OtherOrderTcpHeaderLength : TcpHeaderLength);
        v[(int)Field.SourcePort] = SourcePort;
        v[(int)Field.DestinationPort] = DestinationPort;
        v[(int)Field.SequenceNumber] = SequenceNumber;
        v[(int)Field.AcknowledgmentNumber] = AcknowledgmentNumber;
        v[(int)Field.Flags] = (ushort)Flags;
        v[(int)Field.WindowSize] = WindowSize;
        v[(int)Field.MaxSegmentSize] = MaxSegmentSize;
        v[(int)Field.WindowScale] = WindowScale;
        v[(int)Field.SackPermitted] = 1;
        v[(int)Field.TimestampValue] = TimestampValue;
        v[(int)Field.TimestampEchoReply] = TimestampEchoReply;
        return v;
    }
}

/// <summary>The header fields both parsers extract. IP addresses are two 64-bit halves (IPv4 in the low half).</summary>
internal enum Field
{
    EthSource, EthDestination, EtherType,
    IpSourceHigh, IpSource, IpDestinationHigh, IpDestination, Protocol, TimeToLive, IpPayloadLength,
    SourcePort, DestinationPort, SequenceNumber, AcknowledgmentNumber, Flags, WindowSize,
    MaxSegmentSize, WindowScale, SackPermitted, TimestampValue, TimestampEchoReply,
}

/// <summary>
/// Where a parser puts the fields it read. The parsers are generic over the sink, so the JIT specialises them: in
/// the benchmarks <see cref="FoldSink"/> (the same for both libraries) adds every value into a sum that the
/// benchmark returns, so that no read can be dropped; in the setup <see cref="RecordSink"/> keeps them for checking.
/// </summary>
internal interface IFieldSink
{
    void Add(Field field, ulong value);
    /// <summary>PacketDotNet hands Ethernet addresses out as objects.</summary>
    void Add(Field field, PhysicalAddress address);
}

/// <summary>The benchmark sink: a running sum; Ethernet address objects count by their hash code (no copy is made).</summary>
internal struct FoldSink : IFieldSink
{
    public ulong Sum;
    public void Add(Field field, ulong value) => Sum += value;
    public void Add(Field field, PhysicalAddress address) => Sum += (uint)address.GetHashCode();
}

/// <summary>The setup sink: every field by its value, Ethernet addresses included.</summary>
internal readonly struct RecordSink : IFieldSink
{
    public RecordSink() => Values = new ulong[FieldSinks.Count];
    public ulong[] Values { get; }
    public void Add(Field field, ulong value) => Values[(int)field] = value;

    public void Add(Field field, PhysicalAddress address)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        address.GetAddressBytes().CopyTo(b[2..]);
        Add(field, BinaryPrimitives.ReadUInt64BigEndian(b));
    }
}

internal static class FieldSinks
{
    public const int Count = (int)Field.TimestampEchoReply + 1;
}
