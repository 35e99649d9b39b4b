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

    // RFC 1122 §4.2.3.9: an ICMP "administratively prohibited" is a hard error that ends the handshake at once; a RST
    // from the kernel's TCP is a refusal.
    [Test]
    public async Task Connect_answered_by_icmp_administratively_prohibited_throws_host_unreachable_and_by_rst_connection_refused()
    {
        var (rig, host) = (_ethox!.Rig, _ethox.Host);
        rig.Run("nft", "add table inet ethox_reject; "
                       + "add chain inet ethox_reject input { type filter hook input priority 0; policy accept; }; "
                       + "add rule inet ethox_reject input tcp dport 81 reject with icmpx type admin-prohibited");

        var peer = IPAddress.Parse(BridgedNamespaces.PeerV4);
        var prohibited = Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(peer, 81)).AsTask().WaitAsync(HostPair.Patience));
        Assert.That(prohibited!.SocketErrorCode, Is.EqualTo(SocketError.HostUnreachable));
        var refused = Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(peer, 82)).AsTask().WaitAsync(HostPair.Patience));
        Assert.That(refused!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        var counters = await host.ReadCountersAsync();
        Assert.That(counters.Tcp.IcmpErrorsAccepted, Is.EqualTo(1));
        Assert.That(counters.Connections, Is.Zero);
    }
}
