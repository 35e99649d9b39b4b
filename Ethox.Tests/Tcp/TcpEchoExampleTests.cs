using System;
using System.IO;
using Ethox.Examples;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>The echo server of docs/tcp.md, run against an Ethox client over a pipe.</summary>
public class TcpEchoExampleTests
{
    [Test]
    public void The_guide_echo_server_echoes_a_mebibyte_and_closes()
    {
        var now = Instant.FromMilliseconds(1000);
        var (clientEnd, serverEnd) = Pipe.CreatePair(256, 1500);
        var server = new TcpEchoHost(TwoHosts.MacB, TcpPair.V4B, now);
        var client = TcpHost.WithAddress(TwoHosts.MacA, TcpPair.V4A, now);
        const int Bytes = 1 << 20;
        var key = client.App.Connect(new TransportAddress(TcpPair.V4B, 7), Bytes, now);
        for (int round = 0; round < 100_000 && client.App.Closed == 0; round++)
        {
            int moved = client.Poll(ref clientEnd, now) + server.Poll(ref serverEnd, now);
            client.App.PumpAll();
            now = moved > 0 ? now + Duration.FromMicroseconds(50) : Instant.Min(client.NextDeadline(), server.Stack.NextDeadline());
        }
        ref var c = ref client.App[key];
        Assert.That(c.Read, Is.EqualTo(Bytes));
        Assert.That(c.PatternError, Is.False);
        Assert.That(c.Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None), "closed cleanly");
        Assert.That(server.Server.Echoed, Is.EqualTo(Bytes));
    }

    [Test]
    public void The_guide_shows_the_example_as_it_compiles()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "docs");
        string guide = File.ReadAllText(Path.Combine(dir, "tcp.md")).ReplaceLineEndings("\n");
        string example = File.ReadAllText(Path.Combine(dir, "TcpEchoServer.cs")).ReplaceLineEndings("\n").Trim();
        Assert.That(guide, Does.Contain(example), "docs/tcp.md must show docs/examples/TcpEchoServer.cs verbatim");
    }
}
