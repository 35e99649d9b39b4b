using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class BufferRegionsTests
{
    private static bool Aliases(Span<byte> span, Memory<byte> memory)
        => span.Length == memory.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(span), ref MemoryMarshal.GetReference(memory.Span));

    private static TcpBuffers Pair(byte[] arena, int index, int send, int receive)
    {
        var memory = arena.AsMemory(index * (send + receive), send + receive);
        return new TcpBuffers(memory[..send], memory[send..]);
    }

    [Test]
    public void Rings_carved_from_one_array_share_one_region_and_each_handle_finds_its_own_rings()
    {
        var regions = new BufferRegions(4);
        var arena = new byte[64 * 3000];
        var handles = new BufferHandle[64];
        for (int i = 0; i < 64; i++) Assert.That(regions.TryTake(Pair(arena, i, 1000, 2000), out handles[i]), Is.True);
        Assert.That(regions.InUse, Is.EqualTo(1));
        for (int i = 0; i < 64; i++)
        {
            var pair = Pair(arena, i, 1000, 2000);
            Assert.That(Aliases(regions.Send(handles[i]), pair.Send) && Aliases(regions.Receive(handles[i]), pair.Receive), Is.True, $"pair {i}");
            Assert.That(regions.SendCapacity(handles[i]) == 1000 && regions.ReceiveCapacity(handles[i]) == 2000, Is.True);
        }
    }

    [Test]
    public void Rings_of_their_own_take_a_region_each_until_none_is_left_and_a_region_frees_with_its_last_user()
    {
        var regions = new BufferRegions(2);
        var a = new TcpBuffers(new byte[100], new byte[100]);
        var b = new TcpBuffers(new byte[100], new byte[100]);
        var c = new TcpBuffers(new byte[100], new byte[100]);
        Assert.That(regions.TryTake(a, out var ha), Is.True);
        Assert.That(regions.TryTake(b, out var hb), Is.True);
        Assert.That(regions.TryTake(a, out var ha2), Is.True, "the same rings again: the same region, one more user");
        Assert.That(regions.TryTake(c, out _), Is.False, "a third region");
        regions.Release(hb);
        Assert.That(regions.InUse, Is.EqualTo(1));
        Assert.That(regions.TryTake(c, out var hc), Is.True, "b's region is free again");
        Assert.That(Aliases(regions.Send(hc), c.Send) && Aliases(regions.Receive(hc), c.Receive), Is.True);
        regions.Release(ha);
        Assert.That(regions.InUse, Is.EqualTo(2), "a's region still has a user");
        Assert.That(Aliases(regions.Send(ha2), a.Send), Is.True);
        regions.Release(ha2);
        regions.Release(hc);
        Assert.That(regions.InUse, Is.Zero);
    }

    [Test]
    public void A_size_of_its_own_or_a_start_off_the_8_byte_grid_makes_a_region_of_its_own()
    {
        var regions = new BufferRegions(8);
        var arena = new byte[10_000];
        // Rings of 1001 and 999 bytes back to back: each pair starts 2000 bytes on, a multiple of 8: one region.
        for (int i = 0; i < 4; i++) Assert.That(regions.TryTake(Pair(arena, i, 1001, 999), out _), Is.True);
        Assert.That(regions.InUse, Is.EqualTo(1));
        var odd = new TcpBuffers(arena.AsMemory(8003, 100), arena.AsMemory(8103, 100));
        Assert.That(regions.TryTake(odd, out var h), Is.True);
        Assert.That(regions.InUse, Is.EqualTo(2), "other sizes, and a start 3 bytes off the grid");
        Assert.That(Aliases(regions.Send(h), odd.Send) && Aliases(regions.Receive(h), odd.Receive), Is.True);
        var apart = new TcpBuffers(arena.AsMemory(9000, 100), arena.AsMemory(200, 100)); // the receive ring before the send ring
        Assert.That(regions.TryTake(apart, out h), Is.True);
        Assert.That(Aliases(regions.Send(h), apart.Send) && Aliases(regions.Receive(h), apart.Receive), Is.True);
    }

    private sealed class NativeRings(int length) : MemoryManager<byte>
    {
        private readonly byte[] _bytes = GC.AllocateArray<byte>(length, pinned: true);
        public override Span<byte> GetSpan() => _bytes;
        public override MemoryHandle Pin(int elementIndex = 0) => default;
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    [Test]
    public void Rings_in_a_memory_manager_are_found_as_in_an_array()
    {
        var regions = new BufferRegions(2);
        var manager = new NativeRings(4096);
        var memory = manager.Memory;
        for (int i = 0; i < 4; i++)
        {
            var pair = new TcpBuffers(memory.Slice(i * 1024, 512), memory.Slice(i * 1024 + 512, 512));
            Assert.That(regions.TryTake(pair, out var h), Is.True);
            Assert.That(Aliases(regions.Send(h), pair.Send) && Aliases(regions.Receive(h), pair.Receive), Is.True);
        }
        Assert.That(regions.InUse, Is.EqualTo(1));
    }

    [Test]
    public void The_empty_handle_has_empty_rings()
    {
        var regions = new BufferRegions(1);
        Assert.That(regions.Send(default).IsEmpty && regions.Receive(default).IsEmpty, Is.True);
        Assert.That(regions.SendCapacity(default) + regions.ReceiveCapacity(default), Is.Zero);
        regions.Release(default);
        Assert.That(regions.InUse, Is.Zero);
    }

    [Test]
    public void Taking_resolving_and_releasing_allocates_nothing()
    {
        var regions = new BufferRegions(4);
        var arena = new byte[32 * 256];
        for (int i = 0; i < 32; i++) regions.Release(Take(regions, arena, i));
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 1000; round++)
            for (int i = 0; i < 32; i++)
            {
                var h = Take(regions, arena, i);
                if (regions.Send(h).Length == 128 && regions.Receive(h).Length == 128) ok++;
                regions.Release(h);
            }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(32_000));
        Assert.That(allocated, Is.Zero);
    }

    // Taken or not, the caller checks the rings it gets (the empty handle's are empty).
    private static BufferHandle Take(BufferRegions regions, byte[] arena, int i)
    {
        regions.TryTake(Pair(arena, i, 128, 128), out var h);
        return h;
    }
}
