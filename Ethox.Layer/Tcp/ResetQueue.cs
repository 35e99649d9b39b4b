using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Resets owed to peers of connections that are already gone (the user aborted them outside a receive
/// call): a small fixed ring, sent before other traffic. When it is full the RST is not sent; the peer's
/// next segment finds no connection and gets its RST then (RFC 9293 §3.10.7.1).
/// </summary>
internal sealed class ResetQueue
{
    private readonly Entry[] _entries;
    private int _head;

    public ResetQueue(int capacity) => _entries = new Entry[capacity];

    public int Count { get; private set; }

    public bool TryAdd(in FourTuple tuple, TcpSeqNumber seq, TcpSeqNumber ack)
    {
        if (Count == _entries.Length) return false;
        _entries[(_head + Count) % _entries.Length] = new Entry(tuple, seq, ack);
        Count++;
        return true;
    }

    public bool TryPeek(out FourTuple tuple, out TcpSeqNumber seq, out TcpSeqNumber ack)
    {
        tuple = default; seq = ack = default;
        if (Count == 0) return false;
        ref readonly var e = ref _entries[_head];
        (tuple, seq, ack) = (e.Tuple, e.Seq, e.Ack);
        return true;
    }

    public void Drop()
    {
        if (Count == 0) return;
        _head = (_head + 1) % _entries.Length;
        Count--;
    }

    private readonly record struct Entry(FourTuple Tuple, TcpSeqNumber Seq, TcpSeqNumber Ack);
}
