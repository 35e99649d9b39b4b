namespace Ethox.Layer.Tcp;

/// <summary>
/// A first-in first-out set of slots: an intrusive doubly linked list over slot indices (two ints a slot,
/// given at construction), so adding, removing and taking are O(1) and a slot is in it at most once.
/// The endpoint keeps two: the connections with something to send (taking one and adding it back when
/// it has more gives every busy connection its turn), and the TIME-WAIT slots oldest first.
/// </summary>
internal sealed class SlotQueue
{
    private const int Unlinked = -2, End = -1;
    private readonly int[] _next, _prev;
    private int _head = End, _tail = End;

    public SlotQueue(int capacity)
    {
        _next = new int[capacity];
        _prev = new int[capacity];
        System.Array.Fill(_next, Unlinked);
    }

    public int Count { get; private set; }

    /// <summary>Bytes per slot: its two list links.</summary>
    public const int BytesPerSlot = 2 * sizeof(int);

    public bool Contains(int slot) => _next[slot] != Unlinked;

    public void Add(int slot)
    {
        if (Contains(slot)) return;
        _next[slot] = End;
        _prev[slot] = _tail;
        if (_tail == End) _head = slot; else _next[_tail] = slot;
        _tail = slot;
        Count++;
    }

    public void Remove(int slot)
    {
        if (!Contains(slot)) return;
        int next = _next[slot], prev = _prev[slot];
        if (prev == End) _head = next; else _next[prev] = next;
        if (next == End) _tail = prev; else _prev[next] = prev;
        _next[slot] = Unlinked;
        Count--;
    }

    /// <summary>Whether <paramref name="slot"/> may go now without passing anyone: it is at the head, or the queue is empty.</summary>
    public bool IsFirstOrEmpty(int slot) => _head == End || _head == slot;

    public bool TryTake(out int slot)
    {
        slot = _head;
        if (slot == End) return false;
        Remove(slot);
        return true;
    }
}
