using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The memory of a host's connection pipes (<see cref="EthoxDuplexPipe"/>): blocks of one size on the pinned object heap,
/// taken again and again. The shared array pool keeps only a few dozen arrays of a size per core, so 64 connections each
/// holding a read's block and a response's blocks made it allocate a new array for most rents (3.6 % of the process's CPU
/// in the GC under kestrel-rps.sh's /bytes/16384); here a returned block waits for the next rent, up to a bound, and a
/// rent in the steady state allocates nothing.
/// </summary>
internal sealed class PipeBlockPool(int blockSize, int keep) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;

    /// <inheritdoc/>
    public override int MaxBufferSize => blockSize;

    /// <summary>A block (of <see cref="MaxBufferSize"/> bytes); a larger size, which a pipe never asks of a pool, from the shared pool.</summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > blockSize) return Shared.Rent(minBufferSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            return block;
        }
        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    private void Return(Block block)
    {
        // Beyond the bound (more than the connections ever use at once, after a burst) the block is left to the GC.
        if (Interlocked.Increment(ref _freeCount) > keep)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }
        _free.Enqueue(block);
    }

    /// <summary>Nothing to release: the blocks are the GC's.</summary>
    protected override void Dispose(bool disposing) { }

    /// <summary>One block; disposing it (the pipe does, once it is read) gives it back.</summary>
    private sealed unsafe class Block(PipeBlockPool pool, byte[] array) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => array;

        // On the pinned object heap: the address never moves.
        public override MemoryHandle Pin(int elementIndex = 0)
            => new((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array)) + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) => pool.Return(this);
    }
}
