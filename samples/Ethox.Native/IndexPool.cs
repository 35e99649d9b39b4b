namespace Ethox.Native;

/// <summary>
/// The free indices of one range of the socket table, handed out oldest-freed first: a slot's generation then moves on
/// only once every <c>count</c> closes, so a stale handle aliases a new socket as late as possible.
/// </summary>
internal sealed class IndexPool
{
    private readonly int[] _ring;
    private int _head, _count;

    /// <summary>A pool holding <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1, all free.</summary>
    public IndexPool(int first, int count)
    {
        _ring = new int[count];
        for (int i = 0; i < count; i++) _ring[i] = first + i;
        _count = count;
    }

    /// <summary>Takes the index freed longest ago; false when none is free.</summary>
    public bool TryTake(out int index)
    {
        index = -1;
        if (_count == 0) return false;
        index = _ring[_head];
        _head = _head + 1 == _ring.Length ? 0 : _head + 1;
        _count--;
        return true;
    }

    /// <summary>Gives an index back (each taken index exactly once).</summary>
    public void Return(int index)
    {
        int tail = _head + _count;
        if (tail >= _ring.Length) tail -= _ring.Length;
        _ring[tail] = index;
        _count++;
    }
}
