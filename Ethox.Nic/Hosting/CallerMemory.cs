using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The spans of memory a caller lent to a request, taken on the host's thread. Memory backed by a
/// <see cref="System.Buffers.MemoryManager{T}"/> runs the caller's code to give its span, and that code may throw (a pool
/// buffer returned too early): the request then fails with that exception (<see cref="HostFailure.BadBuffer"/>), as
/// Linux fails a call with an unusable buffer (EFAULT), instead of the exception ending the host's loop.
/// </summary>
internal static class CallerMemory
{
    public static bool TryGetSpan(HostOperation operation, Memory<byte> memory, out Span<byte> span)
    {
        try
        {
            span = memory.Span;
            return true;
        }
        catch (Exception owner)
        {
            span = default;
            operation.Fault = owner;
            return false;
        }
    }

    // The same try for read-only memory (data to send). AsMemory only relabels it: its Span comes by the same path (the
    // array, or the manager's GetSpan), nothing is written through it, and the span handed back is read-only again.
    /// <summary>
    /// The bytes of <paramref name="data"/> from <paramref name="offset"/> to the end of the segment holding it (a write of
    /// a pipe's segments; empty past the end). Walking the sequence may reach the owners' memory too, so it is inside the try.
    /// </summary>
    public static bool TryGetSpan(HostOperation operation, in ReadOnlySequence<byte> data, long offset, out ReadOnlySpan<byte> span)
    {
        try
        {
            var position = data.GetPosition(offset);
            while (data.TryGet(ref position, out var memory))
            {
                if (memory.IsEmpty) continue;
                span = memory.Span;
                return true;
            }
            span = default;
            return true;
        }
        catch (Exception owner)
        {
            span = default;
            operation.Fault = owner;
            return false;
        }
    }

    public static bool TryGetSpan(HostOperation operation, ReadOnlyMemory<byte> memory, out ReadOnlySpan<byte> span)
    {
        bool taken = TryGetSpan(operation, MemoryMarshal.AsMemory(memory), out var writable);
        span = writable;
        return taken;
    }
}
