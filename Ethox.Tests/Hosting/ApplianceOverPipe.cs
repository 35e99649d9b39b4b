using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Appliance;
using Ethox.Wire;

namespace Ethox.Tests.Hosting;

/// <summary>
/// A device for a host whose other end of a <see cref="Pipe"/> is the appliance's own stack (<see cref="PipeAppliance"/>: its
/// HTTP server and the rest), run on the host's thread within the device's calls: a pipe is not to be shared between threads.
/// Frames moved on either end count as moved, so the host keeps turning while the appliance works; the appliance's
/// timers are the device's (<see cref="ITimed"/>), so the host wakes for them too.
/// </summary>
internal sealed class ApplianceOverPipe : IDevice, ITimed
{
    public static readonly Ipv4Address ApplianceV4 = Ipv4Address.Parse("198.18.0.1");
    public static readonly Ipv6Address ApplianceV6 = Ipv6Address.Parse("2001:db8::1");

    private PipeEnd _ours, _theirs;

    public ApplianceOverPipe(params string[] args)
    {
        (_ours, _theirs) = Pipe.CreatePair(512, 1500);
        Appliance = new PipeAppliance(new EthernetAddress(0x02, 0, 0x5e, 0, 0, 0x01), ApplianceV4, ApplianceV6, Instant.Now, null, 42, args);
    }

    /// <summary>The appliance: read it only once the host has stopped (it runs on the host's thread).</summary>
    public PipeAppliance Appliance { get; }

    public DeviceCapabilities Capabilities => _ours.Capabilities;

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => Appliance.Poll(ref _theirs, now) + _ours.Receive(max, ref receiver, now);

    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _ours.Transmit(max, ref sender, now) + Appliance.Poll(ref _theirs, now);

    public Instant NextDeadline() => Appliance.Stack.NextDeadline();
}
