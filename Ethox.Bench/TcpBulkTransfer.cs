using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// One established TCP connection between the two hosts of a <see cref="TcpBenchPair{TDevice}"/>: the client
/// streams, the server discards (port 9, RFC 863). <see cref="Move"/> pumps both stacks until the server has
/// taken a given number of bytes more; the connection stays open between calls, so every call measures the
/// steady state (windows open, neighbours resolved, congestion window grown).
/// </summary>
public sealed class TcpBulkTransfer<TDevice> where TDevice : IDevice
{
    /// <summary>The discard port the server listens on.</summary>
    public const ushort DiscardPort = 9;

    /// <summary>The hosts and the link.</summary>
    public readonly TcpBenchPair<TDevice> Pair;
    /// <summary>The client's connection.</summary>
    public readonly SlotKey Connection;

    /// <summary>Opens the connection over <paramref name="pair"/> and warms it up with <paramref name="warmUpBytes"/>.</summary>
    public TcpBulkTransfer(TcpBenchPair<TDevice> pair, long warmUpBytes)
    {
        Pair = pair;
        var client = pair.Client.App;
        pair.Server.Tcp.Listen(DiscardPort);
        var status = client.Connect(new TransportAddress(TcpBenchPair<TDevice>.ServerV4, DiscardPort), pair.Now, out Connection);
        if (status != TcpStatus.Ok) throw new InvalidOperationException($"connect: {status}");
        client.Source = Connection;
        if (!pair.RunUntil(() => client.Established == 1 && pair.Server.App.Established == 1))
            throw new InvalidOperationException("the handshake did not complete");
        if (Move(warmUpBytes) != warmUpBytes) throw new InvalidOperationException("the warm-up transfer stalled");
    }

    /// <summary>
    /// Pumps until the server has discarded <paramref name="bytes"/> more (it may take up to one segment more,
    /// which counts towards the next call); returns the bytes taken, or fewer when the transfer stalled for
    /// 10^6 rounds.
    /// </summary>
    public long Move(long bytes)
    {
        var server = Pair.Server.App;
        long start = server.Received, target = start + bytes;
        Pair.Client.App.Feed();
        for (int stalled = 0; server.Received < target && stalled < 1_000_000; )
        {
            if (Pair.Round() == 0) stalled++;
            else stalled = 0;
            Pair.Client.App.Feed();
        }
        return Math.Min(server.Received - start, bytes);
    }
}
