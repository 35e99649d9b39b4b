using System;
using BenchmarkDotNet.Attributes;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// The Internet checksum next to a plain memory copy of the same bytes: the copy is the
/// memory-bandwidth reference the checksum is measured against.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBench
{
    private byte[] _data = [];
    private byte[] _copy = [];

    [Params(64, 576, 1500, 9000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        _copy = new byte[Size];
        new Random(42).NextBytes(_data);
    }

    [Benchmark(Description = "Checksum.Compute")]
    public ushort Compute() => Checksum.Compute(_data);

    [Benchmark(Baseline = true, Description = "Span.CopyTo (bandwidth reference)")]
    public void Copy() => _data.AsSpan().CopyTo(_copy);
}
