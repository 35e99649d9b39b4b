using System;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// The buffers of every TCP connection, carved out of one array allocated at start-up: per connection a send
/// ring, a receive ring and a small head buffer (the HTTP request or response head being read). A connection
/// takes a set when it is accepted or opened and gives it back when it is over; an empty arena is a refusal,
/// never an allocation.
/// </summary>
internal sealed class ConnectionArena
{
    private readonly byte[] _memory;
    private readonly int[] _free;
    private int _freeCount;

    public ConnectionArena(int count, int sendSize, int receiveSize, int headSize)
    {
        Count = count;
        SendSize = sendSize;
        ReceiveSize = receiveSize;
        HeadSize = headSize;
        long total = (long)count * SetSize;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, Array.MaxLength, nameof(count));
        _memory = new byte[total];
        _free = new int[count];
        for (int i = 0; i < count; i++) _free[i] = count - 1 - i;
        _freeCount = count;
    }

    public int Count { get; }
    public int SendSize { get; }
    public int ReceiveSize { get; }
    public int HeadSize { get; }
    /// <summary>Sets not in use.</summary>
    public int Available => _freeCount;
    /// <summary>Bytes allocated for all sets.</summary>
    public long Bytes => _memory.LongLength;

    private int SetSize => SendSize + ReceiveSize + HeadSize;

    /// <summary>Takes a free set; false when every set is in use.</summary>
    public bool TryTake(out int index)
    {
        index = -1;
        if (_freeCount == 0) return false;
        index = _free[--_freeCount];
        return true;
    }

    /// <summary>Gives set <paramref name="index"/> back.</summary>
    public void Return(int index) => _free[_freeCount++] = index;

    /// <summary>The send and receive rings of set <paramref name="index"/>.</summary>
    public TcpBuffers BuffersOf(int index)
    {
        var set = _memory.AsMemory(index * SetSize, SendSize + ReceiveSize);
        return new TcpBuffers(set[..SendSize], set[SendSize..]);
    }

    /// <summary>The head buffer of set <paramref name="index"/>.</summary>
    public Span<byte> HeadOf(int index) => _memory.AsSpan(index * SetSize + SendSize + ReceiveSize, HeadSize);
}
