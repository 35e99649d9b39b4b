using System.Threading;
using Ethox.Layer;

namespace Ethox.Native;

/// <summary>
/// The stacks of the process, found by handle. A stack handle holds the registry slot (high 32 bits) and a serial
/// number (low 32 bits) that no other stack of that slot had, so a destroyed stack's handle is refused rather than
/// reaching the next one. Creating and destroying take a lock; finding a stack (every call) does not.
/// </summary>
internal static class StackRegistry
{
    /// <summary>The most stacks a process may have at once.</summary>
    public const int Capacity = 256;

    private static readonly NativeStack?[] _stacks = new NativeStack?[Capacity];
    private static readonly Lock _lock = new();
    private static uint _serial;

    /// <summary>Builds a stack for a checked configuration; its handle, or <see cref="EthoxStatus.NoSpace"/> when <see cref="Capacity"/> stacks exist.</summary>
    public static long Create(in EthoxConfig config, in StackKeys keys, Instant now)
    {
        lock (_lock)
        {
            int slot = System.Array.IndexOf(_stacks, null);
            if (slot < 0) return (long)EthoxStatus.NoSpace;
            _serial = _serial == uint.MaxValue ? 1 : _serial + 1;
            long handle = ((long)(slot + 1) << 32) | _serial;
            // The tag in every socket handle of this stack: 15 bits, never 0.
            int tag = (int)(_serial % 0x7FFF) + 1;
            Volatile.Write(ref _stacks[slot], NativeStack.Create(config, keys, now, handle, tag));
            return handle;
        }
    }

    /// <summary>The live stack <paramref name="handle"/> names.</summary>
    public static bool TryGet(long handle, out NativeStack stack)
    {
        long slot = (handle >> 32) - 1;
        stack = null!;
        if ((ulong)slot >= Capacity) return false;
        var found = Volatile.Read(ref _stacks[slot]);
        if (found is null || found.Handle != handle) return false;
        stack = found;
        return true;
    }

    /// <summary>Forgets the stack (its memory goes with the garbage collector); refused while another thread is inside a call on it.</summary>
    public static EthoxStatus Destroy(long handle)
    {
        lock (_lock)
        {
            if (!TryGet(handle, out var stack)) return EthoxStatus.BadHandle;
            var status = stack.EnterWithoutTime();
            if (status == EthoxStatus.Busy) return status;
            // The call is never left: a thread that found the stack just before this point is refused (Busy). A stack that
            // failed inside (Internal) is destroyed all the same.
            Volatile.Write(ref _stacks[(handle >> 32) - 1], null);
            return EthoxStatus.Ok;
        }
    }
}
