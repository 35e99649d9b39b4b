namespace Ethox.Layer.Tcp;

/// <summary>
/// A first-in first-out set of occupied slots, kept in the <see cref="SlotMap"/>'s own link arrays (see its remarks),
/// so adding, removing and taking are O(1), a slot is in it at most once, and it costs no memory of its own.
/// The endpoint keeps two: the connections with something to send (taking one and adding it back when it has
/// more gives every busy connection its turn), and the TIME-WAIT slots oldest first. A slot is in at most one
/// of them: adding a slot that waits in the other changes nothing.
/// </summary>
internal readonly struct SlotQueue(SlotMap map, int queue)
{
    public int Count => map.QueuedCount(queue);

    public bool Contains(int slot) => map.IsQueued(slot, queue);

    public void Add(int slot) => map.Enqueue(slot, queue);

    public void Remove(int slot) => map.Remove(slot, queue);

    /// <summary>Whether <paramref name="slot"/> may go now without passing anyone: it is at the head, or the queue is empty.</summary>
    public bool IsFirstOrEmpty(int slot)
    {
        int head = map.First(queue);
        return head < 0 || head == slot;
    }

    public bool TryTake(out int slot)
    {
        slot = map.First(queue);
        if (slot < 0) return false;
        map.Remove(slot, queue);
        return true;
    }
}
