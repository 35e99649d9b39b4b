using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Datagrams waiting for a receiver, in a byte ring the caller allocated: each record is a 44-byte header (length, then
/// family, address and port of the sender and of the destination) and the payload, aligned to 4 bytes; a record that does not fit before the end of the
/// ring starts again at the front, after a marker (length -1) when there is room for one. A full ring refuses the
/// datagram (the caller counts it), as a kernel socket's full receive buffer does.
/// </summary>
internal struct DatagramQueue
{
    private const int Header = 44, AddressLength = 20, WrapMarker = -1;

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

    /// <summary>Keeps a copy of the datagram from <paramref name="from"/> to <paramref name="to"/>; false when it does not fit.</summary>
    public bool TryWrite(in TransportAddress from, in TransportAddress to, ReadOnlySpan<byte> payload)
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
        WriteAddress(record[4..], from);
        WriteAddress(record[(4 + AddressLength)..], to);
        payload.CopyTo(record[Header..]);
        _tail = at + need;
        _count++;
        return true;
    }

    /// <summary>
    /// Copies the oldest datagram into <paramref name="destination"/> (cut to its length) and forgets it, with its sender
    /// <paramref name="from"/> and the address it was sent to, <paramref name="to"/>; false when none waits.
    /// </summary>
    public bool TryRead(Span<byte> destination, out int copied, out int length, out TransportAddress from, out TransportAddress to)
    {
        copied = length = 0;
        from = to = default;
        if (_count == 0) return false;
        if (Length - _head < Header || BinaryPrimitives.ReadInt32LittleEndian(_ring.AsSpan(_head)) == WrapMarker) _head = 0;
        var header = _ring.AsSpan(_head, Header);
        length = BinaryPrimitives.ReadInt32LittleEndian(header);
        from = ReadAddress(header[4..]);
        to = ReadAddress(header[(4 + AddressLength)..]);
        copied = Math.Min(length, destination.Length);
        _ring.AsSpan(_head + Header, copied).CopyTo(destination);
        _head += RecordLength(length);
        if (--_count == 0) _head = _tail = 0;
        return true;
    }

    // An address in AddressLength bytes: family, 16 bytes of address (4 used for IPv4), port.
    private static void WriteAddress(Span<byte> field, in TransportAddress address)
    {
        field[0] = (byte)address.Address.Version;
        if (address.Address.IsV4) address.Address.V4.WriteTo(field[1..]);
        else address.Address.V6.WriteTo(field[1..]);
        BinaryPrimitives.WriteUInt16LittleEndian(field[17..], address.Port);
    }

    private static TransportAddress ReadAddress(ReadOnlySpan<byte> field)
    {
        IpAddress address = field[0] == (byte)IpVersion.V4 ? Ipv4Address.Read(field[1..]) : Ipv6Address.Read(field[1..]);
        return new TransportAddress(address, BinaryPrimitives.ReadUInt16LittleEndian(field[17..]));
    }

    /// <summary>Forgets every datagram.</summary>
    public void Clear() => _head = _tail = _count = 0;
}
