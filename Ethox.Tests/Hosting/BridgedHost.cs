using System;
using System.Threading.Tasks;
using Ethox.Nic;
using Ethox.Nic.Hosting;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The rig of the facade's kernel tests: a <see cref="BridgedNamespaces"/> rig with the kernel's default offloads and a
/// started <see cref="EthoxHost"/> on AF_PACKET at our end, holding <see cref="PeerNamespace.OurV4"/>/24 and
/// <see cref="PeerNamespace.OurV6"/>/64. The socket is promiscuous: our MAC is not the interface's. Made in a test's
/// set-up and disposed in its tear-down, so that the namespaces are deleted also after a failure.
/// </summary>
internal sealed class BridgedHost : IAsyncDisposable
{
    private BridgedHost(BridgedNamespaces rig, AfPacketDevice[] nics, EthoxHost[] hosts)
    {
        Rig = rig;
        Nics = nics;
        Hosts = hosts;
    }

    public BridgedNamespaces Rig { get; }
    /// <summary>The first queue's socket (the only one without <c>queues</c>).</summary>
    public AfPacketDevice Nic => Nics[0];
    /// <summary>The first queue's host (the only one without <c>queues</c>).</summary>
    public EthoxHost Host => Hosts[0];
    /// <summary>One socket per queue, in one PACKET_FANOUT hash group when there are several.</summary>
    public AfPacketDevice[] Nics { get; }
    /// <summary>One host per queue, all with the same Ethernet and IP addresses, learning neighbours from packets when there are several.</summary>
    public EthoxHost[] Hosts { get; }

    /// <summary>
    /// Builds the rig (<paramref name="tag"/>: see <see cref="BridgedNamespaces.Create"/>) and starts the host, or
    /// <paramref name="queues"/> hosts on the sockets of one fanout group; <paramref name="configure"/> may change the
    /// hosts' options first. Skips the test when not root.
    /// </summary>
    public static BridgedHost Start(string tag, Action<EthoxHostOptions>? configure = null, int queues = 1)
    {
        Kernel.RequireRoot();
        var rig = BridgedNamespaces.Create(tag);
        var nics = new AfPacketDevice[queues];
        var hosts = new EthoxHost[queues];
        try
        {
            for (int q = 0; q < queues; q++)
            {
                var socket = new AfPacketOptions
                {
                    Promiscuous = true, FanoutMode = FanoutMode.Hash,
                    FanoutUniqueGroup = queues > 1 && q == 0, FanoutGroup = q > 0 ? nics[0].FanoutGroup : null,
                };
                Assert.That(AfPacketDevice.TryOpen(rig.Outer, socket, out var nic, out string error), Is.True, error);
                nics[q] = nic!;
                var options = new EthoxHostOptions { Mac = Kernel.OurMac, DadTransmits = 0, GleanNeighbors = queues > 1 };
                options.Addresses.Add(HostAddress.Parse(PeerNamespace.OurV4 + "/24"));
                options.Addresses.Add(HostAddress.Parse(PeerNamespace.OurV6 + "/64"));
                configure?.Invoke(options);
                hosts[q] = EthoxHost.Create(nic!, options);
                hosts[q].Start();
            }
            return new BridgedHost(rig, nics, hosts);
        }
        catch
        {
            foreach (var host in hosts) host?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            foreach (var nic in nics) nic?.Dispose();
            rig.Dispose();
            throw;
        }
    }

    /// <summary>Stops the hosts, then closes the sockets (the hosts do not own them) and deletes the namespaces.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var host in Hosts) await host.DisposeAsync();
        }
        finally
        {
            foreach (var nic in Nics) nic.Dispose();
            Rig.Dispose();
        }
    }
}
