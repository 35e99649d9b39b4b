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
    private BridgedHost(BridgedNamespaces rig, AfPacketDevice nic, EthoxHost host)
    {
        Rig = rig;
        Nic = nic;
        Host = host;
    }

    public BridgedNamespaces Rig { get; }
    public AfPacketDevice Nic { get; }
    public EthoxHost Host { get; }

    /// <summary>
    /// Builds the rig (<paramref name="tag"/>: see <see cref="BridgedNamespaces.Create"/>) and starts the host;
    /// <paramref name="configure"/> may change the host's options first. Skips the test when not root.
    /// </summary>
    public static BridgedHost Start(string tag, Action<EthoxHostOptions>? configure = null)
    {
        Kernel.RequireRoot();
        var rig = BridgedNamespaces.Create(tag);
        AfPacketDevice? nic = null;
        try
        {
            Assert.That(AfPacketDevice.TryOpen(rig.Outer, new AfPacketOptions { Promiscuous = true }, out nic, out string error), Is.True, error);
            var options = new EthoxHostOptions { Mac = Kernel.OurMac, DadTransmits = 0 };
            options.Addresses.Add(HostAddress.Parse(PeerNamespace.OurV4 + "/24"));
            options.Addresses.Add(HostAddress.Parse(PeerNamespace.OurV6 + "/64"));
            configure?.Invoke(options);
            var host = EthoxHost.Create(nic!, options);
            host.Start();
            return new BridgedHost(rig, nic!, host);
        }
        catch
        {
            nic?.Dispose();
            rig.Dispose();
            throw;
        }
    }

    /// <summary>Stops the host, then closes the socket (the host does not own it) and deletes the namespaces.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            Nic.Dispose();
            Rig.Dispose();
        }
    }
}
