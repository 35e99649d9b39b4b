using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Where the rings of every connection are, in 4 bytes a connection instead of two 16-byte <see cref="Memory{T}"/>s.
/// Applications carve their rings out of one array (or a few), all of one size: such rings differ only in where they
/// start. So the endpoint keeps each group once — a <em>region</em>: the arrays (or memory managers) the send and the
/// receive rings lie in, the two ring sizes, how far the receive ring lies from the send ring, and a 128 MiB window
/// of the send array — and a connection keeps its region's number and where its send ring starts in the window, in
/// steps of 8 bytes (<see cref="BufferHandle"/>). Regions are found or made when a connection takes its
/// <see cref="TcpBuffers"/> and freed when the last connection in them gives its rings back, so any rings work, as
/// before; only the number of distinct groups in use at once is bounded (a ring of a size of its own, or in an
/// array of its own, is a group of its own).
/// </summary>
internal sealed class BufferRegions
{
    /// <summary>Ring starts are numbered in steps of this many bytes (rings carved from an array at multiples of 8 share a region).</summary>
    private const int Grain = 8;
    private const int IndexBits = 24;
    private const long Window = (long)Grain << IndexBits; // 128 MiB of send-array offsets per region

    private struct Region
    {
        public Memory<byte> Send, Receive; // the whole array (or manager's memory) each ring lies in
        public byte[]? SendArray, ReceiveArray; // the arrays themselves, when they are arrays: their rings are reached directly
        public int SendBytes, ReceiveBytes;
        public int Base;                   // the send-array offset of index 0
        public int Delta;                  // receive-array offset − send-array offset
        public int Users;                  // connections holding a handle to it; 0: free
    }

    // Region 0 is empty and never used: the handle 0 (no buffers) resolves to empty rings.
    private readonly Region[] _regions;
    private int _last = 1;

    /// <summary>Room for <paramref name="capacity"/> regions in use at once (1 to 255).</summary>
    public BufferRegions(int capacity) => _regions = new Region[Math.Clamp(capacity, 1, 255) + 1];

    /// <summary>The most regions in use at once.</summary>
    public int Capacity => _regions.Length - 1;

    /// <summary>
    /// A handle to <paramref name="buffers"/>'s rings, counted as one more user of their region (made when new); false
    /// when a new region is needed and none is free, or a memory is of no array or memory manager.
    /// </summary>
    public bool TryTake(in TcpBuffers buffers, out BufferHandle handle)
    {
        handle = default;
        if (!TryLocate(buffers.Send, out var sendWhole, out int sendOffset) || !TryLocate(buffers.Receive, out var receiveWhole, out int receiveOffset))
            return false;
        int delta = receiveOffset - sendOffset;
        long window = (sendOffset - sendOffset % Grain) / Window * Window + sendOffset % Grain;
        int index = (int)((sendOffset - window) / Grain);
        int region = Matches(_last, sendWhole, receiveWhole, buffers, delta, (int)window) ? _last : Find(sendWhole, receiveWhole, buffers, delta, (int)window);
        if (region < 0) return false;
        ref var r = ref _regions[region];
        if (r.Users == 0)
        {
            r = new Region
            {
                Send = sendWhole, Receive = receiveWhole, SendBytes = buffers.Send.Length, ReceiveBytes = buffers.Receive.Length,
                Base = (int)window, Delta = delta,
            };
            MemoryMarshal.TryGetArray<byte>(sendWhole, out var sendArray);
            MemoryMarshal.TryGetArray<byte>(receiveWhole, out var receiveArray);
            r.SendArray = sendArray.Array;
            r.ReceiveArray = receiveArray.Array;
        }
        r.Users++;
        _last = region;
        handle = new BufferHandle((uint)region << IndexBits | (uint)index);
        return true;
    }

    /// <summary>One user less for <paramref name="handle"/>'s region (nothing for the empty handle); the region is free again when it has none.</summary>
    public void Release(BufferHandle handle)
    {
        int region = handle.Region;
        if (region == 0) return;
        ref var r = ref _regions[region];
        if (--r.Users == 0) r = default;
    }

    /// <summary>The send ring of <paramref name="handle"/> (empty for the empty handle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Send(BufferHandle handle)
    {
        ref var r = ref _regions[handle.Region];
        int offset = r.Base + handle.Index * Grain;
        // The ring was checked to lie inside the array when the region was made: no bounds to check again per segment.
        return r.SendArray is { } array
            ? MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), offset), r.SendBytes)
            : r.Send.Span.Slice(offset, r.SendBytes);
    }

    /// <summary>The receive ring of <paramref name="handle"/> (empty for the empty handle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Receive(BufferHandle handle)
    {
        ref var r = ref _regions[handle.Region];
        int offset = r.Base + handle.Index * Grain + r.Delta;
        return r.ReceiveArray is { } array
            ? MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), offset), r.ReceiveBytes)
            : r.Receive.Span.Slice(offset, r.ReceiveBytes);
    }

    /// <summary>The size of <paramref name="handle"/>'s send ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SendCapacity(BufferHandle handle) => _regions[handle.Region].SendBytes;

    /// <summary>The size of <paramref name="handle"/>'s receive ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveCapacity(BufferHandle handle) => _regions[handle.Region].ReceiveBytes;

    /// <summary>The regions in use (for tests and diagnostics).</summary>
    public int InUse
    {
        get
        {
            int n = 0;
            for (int i = 1; i < _regions.Length; i++) if (_regions[i].Users > 0) n++;
            return n;
        }
    }

    // A region in use that holds these rings, else a free one; −1 when there is neither.
    private int Find(Memory<byte> send, Memory<byte> receive, in TcpBuffers buffers, int delta, int window)
    {
        int free = -1;
        for (int i = 1; i < _regions.Length; i++)
        {
            if (_regions[i].Users == 0)
            {
                if (free < 0) free = i;
            }
            else if (Matches(i, send, receive, buffers, delta, window)) return i;
        }
        return free;
    }

    private bool Matches(int region, Memory<byte> send, Memory<byte> receive, in TcpBuffers buffers, int delta, int window)
    {
        ref var r = ref _regions[region];
        return r.Users > 0 && r.Base == window && r.Delta == delta && r.SendBytes == buffers.Send.Length && r.ReceiveBytes == buffers.Receive.Length
            && r.Send.Equals(send) && r.Receive.Equals(receive);
    }

    // The whole memory a ring lies in and the ring's offset there.
    private static bool TryLocate(Memory<byte> ring, out Memory<byte> whole, out int offset)
    {
        if (MemoryMarshal.TryGetArray<byte>(ring, out var segment) && segment.Array is { } array)
        {
            whole = array;
            offset = segment.Offset;
            return true;
        }
        if (MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(ring, out var manager, out int start, out _))
        {
            whole = manager.Memory;
            offset = start;
            return true;
        }
        whole = default;
        offset = 0;
        return false;
    }
}

/// <summary>A connection's rings as <see cref="BufferRegions"/> finds them: a region's number and where the send ring starts in it.</summary>
internal readonly struct BufferHandle(uint value)
{
    /// <summary>The region (0: no rings).</summary>
    public int Region { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (int)(value >> 24); }
    /// <summary>The send ring's start in the region, in steps of 8 bytes.</summary>
    public int Index { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (int)(value & 0xFF_FFFF); }
}
