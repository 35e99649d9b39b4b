using System;
using Ethox.Native;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>
/// The per-frame path of the exports allocates nothing: frames in and out, reads and writes, readiness, datagrams, and
/// the boundary's checks, through the same function pointers a C program uses. Each test also checks the work was done.
/// </summary>
public class NativeAllocationTests
{
    [Test]
    public void Tcp_data_through_the_exports_allocates_nothing_per_frame()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        var chunk = new byte[8192];
        var events = new EthoxEvent[16];
        long received = 0, frames = 0;
        void Loop()
        {
            for (int i = 0; i < 200; i++)
            {
                Abi.Write(p.A, p.Now, client, chunk);
                frames += p.Shuttle();
                Abi.Ready(p.B, events);
                int n;
                while ((n = Abi.Read(p.B, p.Now, server, chunk)) > 0) received += n;
                Abi.Events(p.A, client);
                p.Now += 100;
            }
        }
        Loop(); // warm up
        long before = received;
        long allocated = Allocations.Least(Loop);
        Assert.That(allocated, Is.Zero);
        // At least one measured run of 200 writes of 8 KiB, all but the last window's worth read at its end.
        Assert.That(received - before, Is.GreaterThan(200 * 8192L - 65536), "the measured runs moved their data");
        Assert.That(frames, Is.GreaterThan(1000));
    }

    [Test]
    public void Udp_datagrams_through_the_exports_allocate_nothing()
    {
        using var p = new NativePair(EthoxConfig.MediumIp);
        long a = Abi.UdpBind(p.A, p.Now, 4000);
        long b = Abi.UdpBind(p.B, p.Now, 53);
        var data = new byte[512];
        var to = NativePair.V4B(53);
        long delivered = 0;
        void Loop()
        {
            for (int i = 0; i < 500; i++)
            {
                Abi.UdpSend(p.A, p.Now, a, to, data);
                p.Shuttle();
                if (Abi.UdpReceive(p.B, p.Now, b, data, out _) == 512) delivered++;
            }
        }
        Loop();
        long before = delivered;
        long allocated = Allocations.Least(Loop);
        Assert.That(allocated, Is.Zero);
        Assert.That(delivered - before, Is.GreaterThanOrEqualTo(500), "every datagram of the measured runs arrived");
        Assert.That((delivered - before) % 500, Is.Zero);
    }
}
