using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// A UDP super-datagram (UDP GSO: a sender's <c>UDP_SEGMENT</c>, virtio-net <c>GSO_UDP_L4</c>) cut into its datagrams in
/// place, one at a time, as the kernel's own software segmentation would cut it: every datagram but the last carries
/// <see cref="PacketOffload.SegmentSize"/> bytes of payload, each gets the headers of the first with its own IPv4 Total
/// Length, Identification (+1 per datagram) and header checksum or IPv6 Payload Length, and its own UDP Length and partial
/// checksum (the pseudo-header sum of its own length, as the kernel leaves it for a device to finish).
/// </summary>
/// <remarks>
/// Datagram i is laid out in the receive buffer at i × SegmentSize: its headers are written right in front of its payload,
/// over the tail of datagram i − 1, which has been handed over by then. So the headers are copied aside first (the receiver
/// may rewrite the first datagram's for an answer in place), and a datagram's buffer ends where the next datagram's payload
/// starts: an answer in place must fit in the datagram's own bytes, except for the last datagram's, which has the rest of
/// the buffer. Nothing is allocated: the copy of the headers lives in the caller's (stack) memory.
/// </remarks>
internal ref struct UdpSuperDatagram
{
    /// <summary>The room for the copy of the headers: Ethernet with an 802.1Q tag, IPv4 with the longest options (or IPv6), UDP.</summary>
    public const int MaxHeaderLength = 18 + 60 + 8;
    /// <summary>The most datagrams one super-datagram may hold: UDP_MAX_SEGMENTS of Linux (include/linux/udp.h).</summary>
    public const int MaxDatagrams = 128;
    private const int UdpHeaderLength = 8;
    private const byte UdpProtocol = 17;

    private readonly Span<byte> _buffer;
    private readonly ReadOnlySpan<byte> _headers;
    private readonly int _network, _transport, _payload, _segmentSize;
    private readonly bool _v4;
    private readonly ushort _firstId, _addressSum;
    private int _next;

    private UdpSuperDatagram(Span<byte> buffer, ReadOnlySpan<byte> headers, int network, int transport, int payload, int segmentSize, bool v4,
        ushort firstId, ushort addressSum)
    {
        _buffer = buffer;
        _headers = headers;
        _network = network;
        _transport = transport;
        _payload = payload;
        _segmentSize = segmentSize;
        _v4 = v4;
        _firstId = firstId;
        _addressSum = addressSum;
        _next = 0;
    }

    /// <summary>How many datagrams the super-datagram holds.</summary>
    public readonly int Count => (_payload + _segmentSize - 1) / _segmentSize;

    /// <summary>
    /// Checks the super-datagram of <paramref name="length"/> bytes at the start of <paramref name="buffer"/> (the receive
    /// buffer, from the link header on) and copies its headers into <paramref name="headerCopy"/> (at least
    /// <see cref="MaxHeaderLength"/> bytes). False, and nothing to hand over, when it does not split: not UDP over IPv4
    /// (unfragmented) or IPv6 (no extension headers), lengths that disagree with the frame, a checksum not left partial at
    /// the UDP header (virtio 1.2 §5.1.6.2: a GSO frame's checksum is always partial), a segment size of 0, or more than
    /// <see cref="MaxDatagrams"/> datagrams.
    /// </summary>
    public static bool TryStart(Span<byte> buffer, int length, in PacketOffload offload, Medium medium, Span<byte> headerCopy, out UdpSuperDatagram split)
    {
        split = default;
        if ((uint)length > (uint)buffer.Length || offload.Segmentation != SegmentationKind.Udp || offload.Checksum != ChecksumStatus.Partial
            || offload.SegmentSize == 0 || headerCopy.Length < MaxHeaderLength)
            return false;
        var frame = buffer[..length];
        int network = 0, version;
        if (medium == Medium.Ethernet)
        {
            if (frame.Length < 14) return false;
            network = 14;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            if (type == 0x8100 && frame.Length >= 18) // IEEE 802.1Q: the tag comes before the real EtherType
            {
                network = 18;
                type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            }
            version = type switch { 0x0800 => 4, 0x86DD => 6, _ => 0 };
        }
        else version = frame.Length > 0 ? frame[0] >> 4 : 0;

        int transport, end;
        ushort firstId = 0;
        if (version == 4)
        {
            if (frame.Length < network + 20 || frame[network] >> 4 != 4) return false;
            int headerLength = (frame[network] & 0xF) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(frame[(network + 2)..]);
            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(frame[(network + 6)..]);
            // RFC 791 §3.1: a fragment (More Fragments, or an offset) cannot be cut into datagrams.
            if (headerLength < 20 || total < headerLength || network + total > frame.Length || (fragment & 0x3FFF) != 0
                || frame[network + 9] != UdpProtocol)
                return false;
            firstId = BinaryPrimitives.ReadUInt16BigEndian(frame[(network + 4)..]);
            transport = network + headerLength;
            end = network + total;
        }
        else if (version == 6)
        {
            // RFC 8200 §3: the UDP header follows the fixed header directly (a super-datagram with extension headers is refused).
            if (frame.Length < network + 40 || frame[network] >> 4 != 6 || frame[network + 6] != UdpProtocol) return false;
            transport = network + 40;
            end = transport + BinaryPrimitives.ReadUInt16BigEndian(frame[(network + 4)..]);
            if (end > frame.Length) return false;
        }
        else return false;

        int headers = transport + UdpHeaderLength;
        int payload = end - headers;
        if (headers > MaxHeaderLength || payload <= 0 || offload.ChecksumStart != transport || offload.ChecksumOffset != 6
            || (payload + offload.SegmentSize - 1) / offload.SegmentSize > MaxDatagrams)
            return false;
        frame[..headers].CopyTo(headerCopy);
        // RFC 768: the pseudo-header's addresses are the same in every datagram; only the length changes.
        var addresses = version == 4 ? frame.Slice(network + 12, 8) : frame.Slice(network + 8, 32);
        split = new UdpSuperDatagram(buffer, headerCopy[..headers], network, transport, payload, offload.SegmentSize, version == 4,
            firstId, Checksum.Sum(addresses));
        return true;
    }

    /// <summary>
    /// Writes the headers of the next datagram in front of its payload; gives where it starts in the buffer, its length,
    /// the room it may use (up to the next datagram's payload, or the end of the buffer for the last) and its offload (a
    /// partial checksum at its UDP header). False when every datagram has been made.
    /// </summary>
    public bool TryNext(out int start, out int length, out int capacity, out PacketOffload offload)
    {
        int index = _next;
        int offset = index * _segmentSize;
        start = offset;
        if (offset >= _payload)
        {
            length = capacity = 0;
            offload = default;
            return false;
        }
        _next++;
        int payload = Math.Min(_segmentSize, _payload - offset);
        length = _headers.Length + payload;
        bool last = offset + payload == _payload;
        capacity = last ? _buffer.Length - offset : length;
        var datagram = _buffer.Slice(offset, capacity);
        if (index > 0) _headers.CopyTo(datagram);

        var ip = datagram[_network..];
        int udpLength = UdpHeaderLength + payload;
        if (_v4)
        {
            int headerLength = _transport - _network;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(headerLength + udpLength));
            // As the kernel's segmentation does (inet_gso_segment): each datagram takes the next Identification.
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(_firstId + index));
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..headerLength]));
        }
        else BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)udpLength);

        var udp = datagram[_transport..];
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], Checksum.Add(Checksum.Add(_addressSum, UdpProtocol), (ushort)udpLength));
        offload = PacketOffload.PartialChecksum(_transport, 6);
        return true;
    }
}
