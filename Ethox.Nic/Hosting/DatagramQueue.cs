using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Datagrams waiting for a receiver, in a byte ring the caller allocated: each record is a 24-byte header (length,
/// family, address, port) and the payload, aligned to 4 bytes; a record that does not fit before the end of the
/// ring starts again at the front, after a marker (length -1) when there is room for one. A full ring refuses the
/// datagram (the caller counts it), as a kernel socket's full receive buffer does.
/// </summary>
internal struct DatagramQueue
{
    private const int Header = 24, WrapMarker = -1;

    private byte[] _ring;
    private int _head, _tail, _count;

    /// <summary>A queue in <paramref name="ring"/> (its length rounded down to a multiple of 4 is used).</summary>
    public DatagramQueue(byte[] ring)
    {
        _ring = ring;
        _head = _tail = _count = 0;
    }

    /// <summary>Datagrams waiting.</summary>
    public readonly int Count => _count;

    private readonly int Length => _ring.Length & ~3;

    private static int RecordLength(int payload) => (Header + payload + 3) & ~3;

    /// <summary>Keeps a copy of the datagram; false when it does not fit.</summary>
    public bool TryWrite(in TransportAddress from, ReadOnlySpan<byte> payload)
    {
        int need = RecordLength(payload.Length);
        if (_count == 0) _head = _tail = 0;
        int at;
        if (_count == 0 || _tail > _head)
        {
            // Free: from the tail to the end, and the front up to the head.
            if (Length - _tail >= need) at = _tail;
            else if (_head >= need)
            {
                if (Length - _tail >= sizeof(int)) BinaryPrimitives.WriteInt32LittleEndian(_ring.AsSpan(_tail), WrapMarker);
                at = 0;
            }
            else return false;
        }
        else if (_head - _tail >= need) at = _tail; // wrapped: free from the tail to the head
        else return false;
        var record = _ring.AsSpan(at, need);
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        record[4] = (byte)from.Address.Version;
        if (from.Address.IsV4) from.Address.V4.WriteTo(record[5..]);
        else from.Address.V6.WriteTo(record[5..]);
        BinaryPrimitives.WriteUInt16LittleEndian(record[21..], from.Port);
        payload.CopyTo(record[Header..]);
        _tail = at + need;
        _count++;
        return true;
    }

    /// <summary>Copies the oldest datagram into <paramref name="destination"/> (cut to its length) and forgets it; false when none waits.</summary>
    public bool TryRead(Span<byte> destination, out int copied, out int length, out TransportAddress from)
    {
        copied = length = 0;
        from = default;
        if (_count == 0) return false;
        if (Length - _head < Header || BinaryPrimitives.ReadInt32LittleEndian(_ring.AsSpan(_head)) == WrapMarker) _head = 0;
        var header = _ring.AsSpan(_head, Header);
        length = BinaryPrimitives.ReadInt32LittleEndian(header);
        IpAddress address = header[4] == (byte)IpVersion.V4 ? Ipv4Address.Read(header[5..]) : Ipv6Address.Read(header[5..]);
        from = new TransportAddress(address, BinaryPrimitives.ReadUInt16LittleEndian(header[21..]));
        copied = Math.Min(length, destination.Length);
        _ring.AsSpan(_head + Header, copied).CopyTo(destination);
        _head += RecordLength(length);
        if (--_count == 0) _head = _tail = 0;
        return true;
    }

    /// <summary>Forgets every datagram.</summary>
    public void Clear() => _head = _tail = _count = 0;
}
