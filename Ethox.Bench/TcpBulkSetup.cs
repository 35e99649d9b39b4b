using Ethox.Layer;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// The two-stack set-up of the bulk transfer, shared by <c>TcpBulkBench</c> (BenchmarkDotNet) and the
/// <c>tcpbulk</c> mode of both bench programs (the JIT one and the NativeAOT one in <c>Ethox.Bench/Aot</c>), so
/// that all of them measure the same thing.
/// </summary>
public static class TcpBulkSetup
{
    /// <summary>What the set-up moves before measuring.</summary>
    public const long WarmUpBytes = 16L << 20;
    /// <summary>Each connection's send and receive ring.</summary>
    public const int BufferSize = 256 * 1024;

    /// <summary>Two stacks at MTU <paramref name="mtu"/> over a perfect pipe, which performs <paramref name="offloads"/> (none by default).</summary>
    public static TcpBenchPair<PipeEnd> Perfect(int mtu, DeviceOffloads offloads = DeviceOffloads.None) => TcpBenchPair.OverPipe(mtu, 4, BufferSize, offloads);

    /// <summary>Two stacks at MTU <paramref name="mtu"/> over a fault-injecting pipe that drops <paramref name="loss"/> of each end's frames.</summary>
    public static TcpBenchPair<FaultInjector<PipeEnd>> Lossy(int mtu, double loss) => TcpBenchPair.OverLossyPipe(mtu, 4, BufferSize, loss, 1);
}
