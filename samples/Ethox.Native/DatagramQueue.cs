using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Native;

/// <summary>
/// A FIFO of UDP datagrams with their local port and remote endpoint, packed into memory given once (a receive queue of
/// one socket, or the send queue of a stack). Each record is a <see cref="HeaderLength"/>-byte header and the data
/// rounded up to 4 bytes; a record never wraps: when it does not fit before the end, the writer marks the rest unused and
/// starts again at the front. Nothing is allocated after construction; a full queue refuses the datagram.
/// </summary>
internal sealed class DatagramQueue
{
    /// <summary>Bytes of header in front of each datagram: length, local port, remote port, family, address.</summary>
    public const int HeaderLength = 28;
    private const int WrapMark = -1;

    private readonly Memory<byte> _memory;
    private int _head, _tail, _count;

    /// <summary>A queue over <paramref name="memory"/>.</summary>
    public DatagramQueue(Memory<byte> memory) => _memory = memory;

    /// <summary>Datagrams queued.</summary>
    public int Count => _count;

    /// <summary>The largest datagram an empty queue takes.</summary>
    public int LargestDatagram => Math.Max(0, (_memory.Length - HeaderLength) & ~3);

    /// <summary>True when a datagram of <paramref name="length"/> bytes fits now.</summary>
    public bool HasRoomFor(int length) => Place(RecordLength(length)) >= 0;

    private static int RecordLength(int length) => HeaderLength + ((length + 3) & ~3);

    // Where a record of `need` bytes goes, or -1: after the tail, or at the front once the tail is too near the end.
    // While the data does not wrap (tail >= head) the front is free up to head; once it wraps, the free space is between
    // tail and head, kept strictly smaller than the gap so that head == tail only ever means empty.
    private int Place(int need)
    {
        if (_count == 0) return need <= _memory.Length ? 0 : -1;
        if (_tail >= _head)
        {
            if (_memory.Length - _tail >= need) return _tail;
            return need < _head ? 0 : -1;
        }
        return _head - _tail > need ? _tail : -1;
    }

    /// <summary>Queues a datagram; false (nothing queued) when it does not fit.</summary>
    public bool TryPush(ushort localPort, in TransportAddress remote, ReadOnlySpan<byte> data)
    {
        int need = RecordLength(data.Length);
        int at = Place(need);
        if (at < 0) return false;
        var bytes = _memory.Span;
        if (_count == 0) _head = 0;
        else if (at == 0 && _tail != 0 && bytes.Length - _tail >= 4) BinaryPrimitives.WriteInt32LittleEndian(bytes[_tail..], WrapMark);
        var record = bytes.Slice(at, need);
        BinaryPrimitives.WriteInt32LittleEndian(record, data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(record[4..], localPort);
        BinaryPrimitives.WriteUInt16LittleEndian(record[6..], remote.Port);
        record[8] = (byte)remote.Address.Version;
        record[9..12].Clear();
        var address = record[12..28];
        address.Clear();
        if (remote.Address.IsV4) remote.Address.V4.WriteTo(address);
        else remote.Address.V6.WriteTo(address);
        data.CopyTo(record[HeaderLength..]);
        _tail = at + need;
        _count++;
        return true;
    }

    /// <summary>The oldest datagram, in place (valid until the next push or pop); false when empty.</summary>
    public bool TryPeek(out ushort localPort, out TransportAddress remote, out ReadOnlySpan<byte> data)
    {
        localPort = 0;
        remote = default;
        data = default;
        if (_count == 0) return false;
        var record = _memory.Span[SkipWrap()..];
        int length = BinaryPrimitives.ReadInt32LittleEndian(record);
        localPort = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        ushort port = BinaryPrimitives.ReadUInt16LittleEndian(record[6..]);
        var address = record[12..28];
        remote = (IpVersion)record[8] == IpVersion.V4
            ? new TransportAddress(Ipv4Address.Read(address), port)
            : new TransportAddress(Ipv6Address.Read(address), port);
        data = record.Slice(HeaderLength, length);
        return true;
    }

    /// <summary>Forgets every datagram.</summary>
    public void Clear() => _head = _tail = _count = 0;

    /// <summary>Drops the oldest datagram (nothing when empty).</summary>
    public void Pop()
    {
        if (_count == 0) return;
        _head = SkipWrap();
        _head += RecordLength(BinaryPrimitives.ReadInt32LittleEndian(_memory.Span[_head..]));
        if (--_count == 0) _head = _tail = 0;
    }

    // The head, moved to the front when the writer left the rest of the memory unused.
    private int SkipWrap()
    {
        var bytes = _memory.Span;
        return bytes.Length - _head < HeaderLength || BinaryPrimitives.ReadInt32LittleEndian(bytes[_head..]) == WrapMark ? 0 : _head;
    }
}
