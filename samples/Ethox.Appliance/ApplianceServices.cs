using System.IO;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Transports = Ethox.Layer.Ip.TransportMux<Ethox.Layer.Tcp.TcpLayer<Ethox.Appliance.TcpServiceHandler>, Ethox.Layer.Udp.UdpLayer<Ethox.Appliance.EchoService>, Ethox.Layer.Ip.NoTransport>;

namespace Ethox.Appliance;

/// <summary>
/// Everything above IP: UDP with its echo service, TCP with its services (echo, discard, chargen, HTTP, iperf3) and the
/// <c>--fetch</c> client, and the transport multiplexer that puts them side by side over one IP layer. Built
/// once at start-up over any <see cref="IpEndpoint"/>, so the same services run on a raw device and, in tests,
/// over a <c>Pipe</c>.
/// </summary>
internal sealed class ApplianceServices
{
    private readonly ushort _udpEchoPort;

    /// <param name="iperf">The iperf3 test shared with the other <c>--queues</c> stacks (null: this stack's own).</param>
    public ApplianceServices(ApplianceOptions options, IpEndpoint ip, SipHash key, Instant start, Stream? fetchOutput, IperfTest? iperf = null)
    {
        _udpEchoPort = options.EchoPort;
        if (options.EchoPort != 0) Udp.Bind(options.EchoPort);
        Tcp = new TcpEndpoint(ip, options.MaxConnections, key, listenerCapacity: 5, start: start);
        Fetch = options.Fetch is { } url ? new HttpFetchClient(url, fetchOutput ?? Stream.Null) : null;
        IperfClient = options.IperfClient is { } target ? new IperfClient(target.Address, target.Port, options.IperfSeconds, options.IperfParallel, options.IperfReverse) : null;
        TcpServices = new TcpServices(Tcp, options, Fetch, iperf, IperfClient);
    }

    public UdpEndpoint Udp { get; } = new();
    public EchoCounters Echo { get; } = new();
    public TcpEndpoint Tcp { get; }
    public TcpServices TcpServices { get; }
    public HttpFetchClient? Fetch { get; }
    /// <summary>The <c>--iperf-client</c> test, or null.</summary>
    public IperfClient? IperfClient { get; }

    /// <summary>True once a client (<c>--fetch</c>, <c>--iperf-client</c>) has finished its work: the appliance then stops.</summary>
    public bool IsFinished(Instant now) => (Fetch?.IsFinished(now) ?? false) || (IperfClient?.IsFinished(now) ?? false);

    /// <summary>
    /// When the loop should run again for the services' sake even with no frame and no TCP timer due: while an iperf3 test
    /// waits for something another queue does, and when the iperf3 client's time is up. <see cref="Instant.Never"/> otherwise.
    /// </summary>
    public Instant NextWake(Instant now)
        => Instant.Min(TcpServices.Iperf?.NextWake(now) ?? Instant.Never, IperfClient?.NextWake(now) ?? Instant.Never);

    /// <summary>Opens the listening ports; false with a one-line reason.</summary>
    public bool TryStart(out string error) => TcpServices.TryListen(out error);

    /// <summary>The transport layers for one stack (value types: build them once per poll loop).</summary>
    public Transports CreateTransports()
        => new(new TcpLayer<TcpServiceHandler>(Tcp, new TcpServiceHandler(TcpServices)), new UdpLayer<EchoService>(Udp, new EchoService(_udpEchoPort, Echo)), default);
}
