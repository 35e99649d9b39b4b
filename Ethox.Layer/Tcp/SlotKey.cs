namespace Ethox.Layer.Tcp;

/// <summary>
/// A handle to one occupant of a <see cref="SlotMap"/>: the slot's index and the generation it had when
/// the occupant was allocated. When the slot is freed and reused the generation moves on, so an old
/// handle is recognised as stale instead of reaching the new occupant. Generations start at 1:
/// <c>default</c> is never a valid key.
/// </summary>
/// <param name="Index">The slot index (the caller's arrays of connection state are indexed by it).</param>
/// <param name="Generation">The slot's generation when this key was issued (never 0 for a real key).</param>
public readonly record struct SlotKey(int Index, uint Generation)
{
    /// <summary>The key that names nothing (<c>default</c>).</summary>
    public static SlotKey None => default;

    /// <summary>False for <see cref="None"/>; true for a key a <see cref="SlotMap"/> may have issued (it may still be stale).</summary>
    public bool IsSome => Generation != 0;
}
