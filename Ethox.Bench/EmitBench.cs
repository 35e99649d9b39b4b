using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using BenchmarkDotNet.Attributes;
using Ethox.Wire;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Ethox.Bench;

/// <summary>
/// Building the reference frames from their field values, IPv4 header checksum and TCP checksum included: Ethox
/// writes the reprs into a preallocated buffer; PacketDotNet builds its packet objects and serialises them with
/// <c>Bytes</c>. The setup checks that both produce the scapy bytes exactly before anything is timed.
/// </summary>
[MemoryDiagnoser]
public class EmitBench
{
    private readonly byte[] _buffer = new byte[1514];
    private byte[] _expected = [];
    // Addresses are prepared once on both sides: Ethox's are plain values, PacketDotNet's are objects.
    private PhysicalAddress _pdnSourceMac = null!, _pdnDestinationMac = null!;
    private IPAddress _pdnSource = null!, _pdnDestination = null!;

    [Params(FrameKind.Ipv4Tcp, FrameKind.Ipv6Tcp)]
    public FrameKind Frame { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _expected = BenchFrames.Bytes(Frame);
        _pdnSourceMac = new PhysicalAddress(MacBytes(BenchFrames.SourceMac));
        _pdnDestinationMac = new PhysicalAddress(MacBytes(BenchFrames.DestinationMac));
        (_pdnSource, _pdnDestination) = Frame == FrameKind.Ipv4Tcp
            ? (BenchFrames.SourceV4.ToIPAddress(), BenchFrames.DestinationV4.ToIPAddress())
            : (BenchFrames.SourceV6.ToIPAddress(), BenchFrames.DestinationV6.ToIPAddress());

        int length = Ethox();
        if (!_buffer.AsSpan(0, length).SequenceEqual(_expected))
            throw new InvalidOperationException($"Ethox emitted {Convert.ToHexString(_buffer, 0, length)}\n expected {Convert.ToHexString(_expected)}");
        var pdn = PacketDotNet();
        if (!pdn.AsSpan().SequenceEqual(_expected))
            throw new InvalidOperationException($"PacketDotNet emitted {Convert.ToHexString(pdn)}\n expected {Convert.ToHexString(_expected)}");
    }

    [Benchmark(Description = "Ethox")]
    public int Ethox()
    {
        var tcp = new TcpRepr
        {
            SourcePort = BenchFrames.SourcePort,
            DestinationPort = BenchFrames.DestinationPort,
            SequenceNumber = new TcpSeqNumber(BenchFrames.SequenceNumber),
            AcknowledgmentNumber = new TcpSeqNumber(BenchFrames.AcknowledgmentNumber),
            Flags = BenchFrames.Flags,
            WindowSize = BenchFrames.WindowSize,
            MaxSegmentSize = BenchFrames.MaxSegmentSize,
            SackPermitted = true,
            Timestamps = new TcpTimestamps(BenchFrames.TimestampValue, BenchFrames.TimestampEchoReply),
            WindowScale = BenchFrames.WindowScale,
        };
        var buffer = _buffer.AsSpan();
        int tcpLength = tcp.EmittedLength;
        if (Frame == FrameKind.Ipv4Tcp)
        {
            var eth = new EthernetRepr(BenchFrames.SourceMac, BenchFrames.DestinationMac, EtherType.Ipv4);
            var ip = new Ipv4Repr(BenchFrames.SourceV4, BenchFrames.DestinationV4, IpProtocol.Tcp, tcpLength, BenchFrames.TimeToLive)
            {
                Identification = BenchFrames.Identification,
            };
            int at = eth.HeaderLength + ip.HeaderLength;
            if (!eth.TryEmit(buffer) || !ip.TryEmit(buffer[eth.HeaderLength..]) || !tcp.TryEmit(buffer[at..], ip.Source, ip.Destination))
                return 0;
            return at + tcpLength;
        }
        else
        {
            var eth = new EthernetRepr(BenchFrames.SourceMac, BenchFrames.DestinationMac, EtherType.Ipv6);
            var ip = new Ipv6Repr(BenchFrames.SourceV6, BenchFrames.DestinationV6, IpProtocol.Tcp, tcpLength, BenchFrames.TimeToLive);
            int at = eth.HeaderLength + ip.HeaderLength;
            if (!eth.TryEmit(buffer) || !ip.TryEmit(buffer[eth.HeaderLength..]) || !tcp.TryEmit(buffer[at..], ip.Source, ip.Destination))
                return 0;
            return at + tcpLength;
        }
    }

    [Benchmark(Baseline = true, Description = "PacketDotNet")]
    public byte[] PacketDotNet()
    {
        // TcpPacket(ushort, ushort) makes a 20-byte header with no room for options, so a header with options is
        // made over a 40-byte segment whose data offset is set first (the constructor reads it).
        var header = new byte[BenchFrames.TcpHeaderLength];
        header[12] = BenchFrames.TcpHeaderLength / 4 << 4;
        var tcp = new TcpPacket(new ByteArraySegment(header))
        {
            SourcePort = BenchFrames.SourcePort,
            DestinationPort = BenchFrames.DestinationPort,
            SequenceNumber = BenchFrames.SequenceNumber,
            AcknowledgmentNumber = BenchFrames.AcknowledgmentNumber,
            Synchronize = true,
            Acknowledgment = true,
            WindowSize = BenchFrames.WindowSize,
            // PacketDotNet has no typed option builder: the option bytes are laid out by hand, as a user must.
            Options = OptionBytes(),
        };
        IPPacket ip = Frame == FrameKind.Ipv4Tcp
            ? new IPv4Packet(_pdnSource, _pdnDestination) { TimeToLive = BenchFrames.TimeToLive, Id = BenchFrames.Identification }
            : new IPv6Packet(_pdnSource, _pdnDestination) { HopLimit = BenchFrames.TimeToLive };
        ip.PayloadPacket = tcp;
        var eth = new EthernetPacket(_pdnSourceMac, _pdnDestinationMac, Frame == FrameKind.Ipv4Tcp ? EthernetType.IPv4 : EthernetType.IPv6)
        {
            PayloadPacket = ip,
        };
        ip.UpdateCalculatedValues();
        tcp.UpdateTcpChecksum();
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        return eth.Bytes;
    }

    // MSS, SACK-permitted, timestamps, NOP, window scale: the layout scapy and Linux use.
    private static byte[] OptionBytes()
    {
        var o = new byte[BenchFrames.TcpHeaderLength - TcpSegment.MinHeaderLength];
        o[0] = (byte)TcpOptionKind.MaxSegmentSize; o[1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(2), BenchFrames.MaxSegmentSize);
        o[4] = (byte)TcpOptionKind.SackPermitted; o[5] = 2;
        o[6] = (byte)TcpOptionKind.Timestamps; o[7] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(8), BenchFrames.TimestampValue);
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(12), BenchFrames.TimestampEchoReply);
        o[16] = (byte)TcpOptionKind.NoOperation;
        o[17] = (byte)TcpOptionKind.WindowScale; o[18] = 3; o[19] = BenchFrames.WindowScale;
        return o;
    }

    private static byte[] MacBytes(EthernetAddress address)
    {
        var b = new byte[EthernetAddress.Length];
        address.WriteTo(b);
        return b;
    }
}
