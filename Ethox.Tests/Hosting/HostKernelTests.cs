using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Ethox.Tests.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The facade's errors against the Linux kernel as the peer (a <see cref="BridgedNamespaces"/> rig, our host on AF_PACKET):
/// what the kernel answers to a connection attempt becomes the <see cref="SocketError"/> a .NET socket would report.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class HostKernelTests
{
    private BridgedHost? _ethox;

    [SetUp]
    public void SetUp() => _ethox = BridgedHost.Start("hk");

    [TearDown]
    public async Task TearDown()
    {
        if (_ethox is not null) await _ethox.DisposeAsync();
    }

    // RFC 1122 §4.2.3.9: an ICMP "administratively prohibited" or "port unreachable" is a hard error that ends the
    // handshake at once; "host unreachable" and "net unreachable" are soft, and end it too as they end a Linux connect;
    // each becomes the SocketError Linux reports. A RST from the kernel's TCP is a refusal.
    [Test]
    public async Task Connect_answered_by_icmp_errors_throws_what_linux_reports_and_by_rst_connection_refused()
    {
        var (rig, host) = (_ethox!.Rig, _ethox.Host);
        rig.Run("nft", "add table inet ethox_reject; "
                       + "add chain inet ethox_reject input { type filter hook input priority 0; policy accept; }; "
                       + "add rule inet ethox_reject input tcp dport 81 reject with icmpx type admin-prohibited; "
                       + "add rule inet ethox_reject input tcp dport 83 reject with icmpx type port-unreachable; "
                       + "add rule inet ethox_reject input tcp dport 84 reject with icmpx type host-unreachable; "
                       + "add rule inet ethox_reject input tcp dport 85 reject with icmpx type no-route");

        var peer = IPAddress.Parse(BridgedNamespaces.PeerV4);
        var prohibited = Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(peer, 81)).AsTask().WaitAsync(HostPair.Patience));
        Assert.That(prohibited!.SocketErrorCode, Is.EqualTo(SocketError.HostUnreachable));
        var refused = Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(peer, 82)).AsTask().WaitAsync(HostPair.Patience));
        Assert.That(refused!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        foreach (var (port, expected) in new[] { (83, SocketError.ConnectionRefused), (84, SocketError.HostUnreachable), (85, SocketError.NetworkUnreachable) })
        {
            var e = Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(peer, port)).AsTask().WaitAsync(HostPair.Patience));
            Assert.That(e!.SocketErrorCode, Is.EqualTo(expected), $"port {port}");
        }
        var counters = await host.ReadCountersAsync();
        Assert.That(counters.Tcp.IcmpErrorsAccepted, Is.EqualTo(4));
        Assert.That(counters.Connections, Is.Zero);
    }
}
