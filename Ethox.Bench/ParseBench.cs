using System;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ethox.Wire;
using PacketDotNet;
using PacketDotNet.Tcp;

namespace Ethox.Bench;

/// <summary>
/// Parsing Ethernet + IP + TCP (with options) with Ethox and with PacketDotNet on the same scapy-made bytes.
/// Ethox runs twice: through <see cref="HeaderStack"/>, its receive fast path, and through the views and reprs of each
/// layer ("repr path"). All extract the same fields (Ethernet addresses and type; IP addresses, protocol, TTL or hop limit and
/// payload length; TCP ports, sequence and acknowledgment numbers, flags, window; the MSS, window scale,
/// SACK-permitted and timestamps options) and return their sum. "Verified" also checks the IPv4 header checksum
/// and the TCP checksum (pseudo-header included) on every side; "HeadersOnly" skips both checksums. The third frame
/// carries the same options in an order Ethox's option prediction does not know, to show the general option walk.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ParseBench
{
    private byte[] _frame = [];

    [Params(FrameKind.Ipv4Tcp, FrameKind.Ipv6Tcp, FrameKind.Ipv4TcpOtherOrder)]
    public FrameKind Frame { get; set; }

    /// <summary>Correctness before speed: every parser must read exactly the scapy values, and must verify.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _frame = BenchFrames.Bytes(Frame);
        var expected = BenchFrames.Expected(Frame);
        foreach (bool verify in (ReadOnlySpan<bool>)[true, false])
        {
            var stack = new RecordSink();
            Check($"Ethox (verify: {verify})", ParseEthox(_frame, verify, ref stack), stack.Values, expected);
            var reprs = new RecordSink();
            Check($"Ethox repr path (verify: {verify})", ParseEthoxReprs(_frame, verify, ref reprs), reprs.Values, expected);
            var pdn = new RecordSink();
            Check($"PacketDotNet (verify: {verify})", ParsePacketDotNet(_frame, verify, ref pdn), pdn.Values, expected);
        }
        // The verified variants must really verify: a flipped bit in the TCP payload area (here the last option
        // byte) and, for IPv4, in the TTL (covered by the header checksum only) must be refused by all.
        RefuseCorrupted(_frame.Length - 1);
        if (BenchFrames.IsIpv4(Frame)) RefuseCorrupted(EthernetFrame.HeaderLengthUntagged + 8);
    }

    private void Check(string who, bool parsed, ulong[] actual, ulong[] expected)
    {
        if (!parsed) throw new InvalidOperationException($"{who} on {Frame}: the frame did not parse");
        for (int i = 0; i < expected.Length; i++)
        {
            if (actual[i] != expected[i])
                throw new InvalidOperationException($"{who} on {Frame}: {(Field)i} = {actual[i]:x}, expected {expected[i]:x}");
        }
    }

    private void RefuseCorrupted(int offset)
    {
        var corrupt = (byte[])_frame.Clone();
        corrupt[offset] ^= 0x01;
        var sink = new FoldSink();
        if (ParseEthox(corrupt, verify: true, ref sink) || ParseEthoxReprs(corrupt, verify: true, ref sink)
            || ParsePacketDotNet(corrupt, verify: true, ref sink))
            throw new InvalidOperationException($"{Frame}: a frame with byte {offset} corrupted passed checksum verification");
    }

    [Benchmark(Description = "Ethox"), BenchmarkCategory("Verified")]
    public ulong EthoxVerified()
    {
        var sink = new FoldSink();
        return ParseEthox(_frame, verify: true, ref sink) ? sink.Sum : 0;
    }

    [Benchmark(Description = "Ethox repr path"), BenchmarkCategory("Verified")]
    public ulong EthoxReprsVerified()
    {
        var sink = new FoldSink();
        return ParseEthoxReprs(_frame, verify: true, ref sink) ? sink.Sum : 0;
    }

    [Benchmark(Baseline = true, Description = "PacketDotNet"), BenchmarkCategory("Verified")]
    public ulong PacketDotNetVerified()
    {
        var sink = new FoldSink();
        return ParsePacketDotNet(_frame, verify: true, ref sink) ? sink.Sum : 0;
    }

    [Benchmark(Description = "Ethox"), BenchmarkCategory("HeadersOnly")]
    public ulong EthoxHeadersOnly()
    {
        var sink = new FoldSink();
        return ParseEthox(_frame, verify: false, ref sink) ? sink.Sum : 0;
    }

    [Benchmark(Description = "Ethox repr path"), BenchmarkCategory("HeadersOnly")]
    public ulong EthoxReprsHeadersOnly()
    {
        var sink = new FoldSink();
        return ParseEthoxReprs(_frame, verify: false, ref sink) ? sink.Sum : 0;
    }

    [Benchmark(Baseline = true, Description = "PacketDotNet"), BenchmarkCategory("HeadersOnly")]
    public ulong PacketDotNetHeadersOnly()
    {
        var sink = new FoldSink();
        return ParsePacketDotNet(_frame, verify: false, ref sink) ? sink.Sum : 0;
    }

    // Every parse method below, for both libraries, adds into a local copy of the sink and stores it back once. Added
    // to through the reference, the sum lives in memory, and each add is a read-modify-write that waits for the one
    // before it through store forwarding (about 5 cycles): some 20 ns per frame of sink, not of parsing.

    // The receive fast path: one walk, checksums verified or not, then the fields straight from the frame. Compiled on
    // its own like the layers below, so the getters are inlined here and not into the tiny benchmark method.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ParseEthox<TSink>(Span<byte> bytes, bool verify, ref TSink sinkRef) where TSink : struct, IFieldSink
    {
        var sink = sinkRef;
        bool parsed = ParseEthoxFields(bytes, verify, ref sink);
        sinkRef = sink;
        return parsed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ParseEthoxFields<TSink>(Span<byte> bytes, bool verify, ref TSink sink) where TSink : struct, IFieldSink
    {
        if (!HeaderStack.TryParse(bytes, out var stack, out _, verifyChecksums: verify) || stack.Transport != TransportKind.Tcp)
            return false;
        sink.Add(Field.EthSource, stack.EthernetSource.Value);
        sink.Add(Field.EthDestination, stack.EthernetDestination.Value);
        sink.Add(Field.EtherType, (ushort)stack.EtherType);
        if (stack.IpVersion == IpVersion.V4)
        {
            sink.Add(Field.IpSource, stack.Ipv4Source.Value);
            sink.Add(Field.IpDestination, stack.Ipv4Destination.Value);
        }
        else
        {
            var source = stack.Ipv6Source;
            var destination = stack.Ipv6Destination;
            sink.Add(Field.IpSourceHigh, source.High);
            sink.Add(Field.IpSource, source.Low);
            sink.Add(Field.IpDestinationHigh, destination.High);
            sink.Add(Field.IpDestination, destination.Low);
        }
        sink.Add(Field.Protocol, (byte)stack.Protocol);
        sink.Add(Field.TimeToLive, stack.HopLimit);
        sink.Add(Field.IpPayloadLength, (ulong)stack.IpPayloadLength);
        sink.Add(Field.SourcePort, stack.SourcePort);
        sink.Add(Field.DestinationPort, stack.DestinationPort);
        sink.Add(Field.SequenceNumber, stack.SequenceNumber.Value);
        sink.Add(Field.AcknowledgmentNumber, stack.AcknowledgmentNumber.Value);
        sink.Add(Field.Flags, (ushort)stack.TcpFlags);
        sink.Add(Field.WindowSize, stack.WindowSize);
        ref readonly var options = ref stack.TcpOptions;
        if (options.MaxSegmentSize is { } mss) sink.Add(Field.MaxSegmentSize, mss);
        if (options.WindowScale is { } scale) sink.Add(Field.WindowScale, scale);
        if (options.SackPermitted) sink.Add(Field.SackPermitted, 1);
        if (options.Timestamps is { } ts)
        {
            sink.Add(Field.TimestampValue, ts.Value);
            sink.Add(Field.TimestampEchoReply, ts.EchoReply);
        }
        return true;
    }

    // The receive path through the general API: view, checked repr, next layer; one method per layer, each
    // compiled on its own as the layers of a stack are. (Inlined into the tiny benchmark method, they would share
    // its small inlining budget, which runs out halfway and leaves even one-line getters as calls.)
    private static bool ParseEthoxReprs<TSink>(Span<byte> bytes, bool verify, ref TSink sink) where TSink : struct, IFieldSink
    {
        var local = sink;
        if (!EthernetFrame.TryParse(bytes, out var frame, out _)) return false;
        local.Add(Field.EthSource, frame.Source.Value);
        local.Add(Field.EthDestination, frame.Destination.Value);
        var type = frame.EtherType;
        local.Add(Field.EtherType, (ushort)type);
        sink = local;
        return type switch
        {
            EtherType.Ipv4 => ParseEthoxIpv4(frame.Payload, verify, ref sink),
            EtherType.Ipv6 => ParseEthoxIpv6(frame.Payload, verify, ref sink),
            _ => false,
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ParseEthoxIpv4<TSink>(Span<byte> bytes, bool verify, ref TSink sink) where TSink : struct, IFieldSink
    {
        var local = sink;
        if (!Ipv4Packet.TryParse(bytes, out var packet, out _)) return false;
        Ipv4Repr ip;
        if (verify)
        {
            if (!Ipv4Repr.TryParse(packet, out ip, out _)) return false;
        }
        else
        {
            ip = new Ipv4Repr(packet.Source, packet.Destination, packet.Protocol, packet.TotalLength - packet.HeaderLength, packet.TimeToLive);
        }
        if (ip.Protocol != IpProtocol.Tcp) return false;
        local.Add(Field.IpSource, ip.Source.Value);
        local.Add(Field.IpDestination, ip.Destination.Value);
        local.Add(Field.Protocol, (byte)ip.Protocol);
        local.Add(Field.TimeToLive, ip.TimeToLive);
        local.Add(Field.IpPayloadLength, (ulong)ip.PayloadLength);
        sink = local;
        return ParseEthoxTcp(packet.Payload, ip.Source, ip.Destination, verify, ref sink);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ParseEthoxIpv6<TSink>(Span<byte> bytes, bool verify, ref TSink sink) where TSink : struct, IFieldSink
    {
        var local = sink;
        if (!Ipv6Packet.TryParse(bytes, out var packet, out _)) return false;
        var ip = Ipv6Repr.Parse(packet);
        if (!packet.TryGetUpperLayer(out var upper, out _) || upper.Protocol != IpProtocol.Tcp) return false;
        local.Add(Field.IpSourceHigh, ip.Source.High);
        local.Add(Field.IpSource, ip.Source.Low);
        local.Add(Field.IpDestinationHigh, ip.Destination.High);
        local.Add(Field.IpDestination, ip.Destination.Low);
        local.Add(Field.Protocol, (byte)upper.Protocol);
        local.Add(Field.TimeToLive, ip.HopLimit);
        local.Add(Field.IpPayloadLength, (ulong)ip.PayloadLength);
        sink = local;
        return ParseEthoxTcp(packet.Payload[upper.Offset..], ip.Source, ip.Destination, verify, ref sink);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ParseEthoxTcp<TSink>(Span<byte> bytes, in IpAddress source, in IpAddress destination, bool verify, ref TSink sink)
        where TSink : struct, IFieldSink
    {
        var local = sink;
        if (!TcpSegment.TryParse(bytes, out var segment, out _)
            || !TcpRepr.TryParse(segment, source, destination, out var tcp, out _, verifyChecksum: verify))
            return false;
        local.Add(Field.SourcePort, tcp.SourcePort);
        local.Add(Field.DestinationPort, tcp.DestinationPort);
        local.Add(Field.SequenceNumber, tcp.SequenceNumber.Value);
        local.Add(Field.AcknowledgmentNumber, tcp.AcknowledgmentNumber.Value);
        local.Add(Field.Flags, (ushort)tcp.Flags);
        local.Add(Field.WindowSize, tcp.WindowSize);
        if (tcp.MaxSegmentSize is { } mss) local.Add(Field.MaxSegmentSize, mss);
        if (tcp.WindowScale is { } scale) local.Add(Field.WindowScale, scale);
        if (tcp.SackPermitted) local.Add(Field.SackPermitted, 1);
        if (tcp.Timestamps is { } ts)
        {
            local.Add(Field.TimestampValue, ts.Value);
            local.Add(Field.TimestampEchoReply, ts.EchoReply);
        }
        sink = local;
        return true;
    }

    // The same with PacketDotNet's public API.
    private static bool ParsePacketDotNet<TSink>(byte[] bytes, bool verify, ref TSink sink) where TSink : struct, IFieldSink
    {
        var local = sink;
        if (Packet.ParsePacket(LinkLayers.Ethernet, bytes) is not EthernetPacket eth) return false;
        local.Add(Field.EthSource, eth.SourceHardwareAddress);
        local.Add(Field.EthDestination, eth.DestinationHardwareAddress);
        local.Add(Field.EtherType, (ushort)eth.Type);
        if (eth.PayloadPacket is not IPPacket ip) return false;
        if (verify && ip is IPv4Packet v4 && !v4.ValidIPChecksum) return false;
        AddAddress(ref local, Field.IpSourceHigh, Field.IpSource, ip.SourceAddress);
        AddAddress(ref local, Field.IpDestinationHigh, Field.IpDestination, ip.DestinationAddress);
        local.Add(Field.Protocol, (byte)ip.Protocol);
        local.Add(Field.TimeToLive, (byte)ip.TimeToLive);
        local.Add(Field.IpPayloadLength, ip.PayloadLength);
        var tcp = eth.Extract<TcpPacket>();
        if (tcp is null || (verify && !tcp.ValidTcpChecksum)) return false;
        local.Add(Field.SourcePort, tcp.SourcePort);
        local.Add(Field.DestinationPort, tcp.DestinationPort);
        local.Add(Field.SequenceNumber, tcp.SequenceNumber);
        local.Add(Field.AcknowledgmentNumber, tcp.AcknowledgmentNumber);
        local.Add(Field.Flags, tcp.Flags);
        local.Add(Field.WindowSize, tcp.WindowSize);
        foreach (var option in tcp.OptionsCollection)
        {
            switch (option)
            {
                case MaximumSegmentSizeOption mss: local.Add(Field.MaxSegmentSize, mss.Value); break;
                case WindowScaleFactorOption scale: local.Add(Field.WindowScale, scale.ScaleFactor); break;
                case SelectiveAcknowledgmentPermittedOption: local.Add(Field.SackPermitted, 1); break;
                case TimeStampOption ts:
                    local.Add(Field.TimestampValue, ts.Value);
                    local.Add(Field.TimestampEchoReply, ts.EchoReply);
                    break;
            }
        }
        sink = local;
        return true;
    }

    // IPAddress writes its bytes into a caller's span without allocating.
    private static void AddAddress<TSink>(ref TSink sink, Field high, Field low, IPAddress address) where TSink : struct, IFieldSink
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int written);
        if (written == 4)
        {
            sink.Add(low, BinaryPrimitives.ReadUInt32BigEndian(b));
            return;
        }
        sink.Add(high, BinaryPrimitives.ReadUInt64BigEndian(b));
        sink.Add(low, BinaryPrimitives.ReadUInt64BigEndian(b[8..]));
    }
}
