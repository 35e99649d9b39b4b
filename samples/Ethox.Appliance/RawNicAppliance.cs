using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;
using Transports = Ethox.Layer.Ip.TransportMux<Ethox.Layer.Tcp.TcpLayer<Ethox.Appliance.TcpServiceHandler>, Ethox.Layer.Udp.UdpLayer<Ethox.Appliance.EchoService>, Ethox.Layer.Ip.NoTransport>;

namespace Ethox.Appliance;

/// <summary>
/// The appliance: one device (AF_PACKET, TAP or TUN; optionally recorded to pcap and run through the
/// fault injector), the stack Ethernet → IP → transport multiplexer → TCP and UDP → the services
/// (<see cref="ApplianceServices"/>; IP → … on TUN) and the poll loop. The multiplexer brings ICMP errors to TCP
/// and UDP (and Packet Too Big lowers the path MTU table). Everything, the TCP connections' buffers included, is
/// allocated by <see cref="TryOpen"/>; <see cref="Run"/> allocates nothing per frame. With <c>--queues</c> this is one queue's
/// stack, run with the others by <see cref="ApplianceQueues"/>.
/// </summary>
internal sealed class RawNicAppliance : IDisposable
{
    /// <summary>Frames handed over per receive or transmit call.</summary>
    private const int Batch = 64;
    /// <summary>
    /// The longest sleep, there only for the stop flag: the stack's own deadlines decide every other wake-up.
    /// <see cref="Stop"/> is called from another thread (the runtime's signal-handling thread, or a test), which
    /// cannot interrupt the poll(2) this thread sleeps in; even a signal that lands on this thread and ends the
    /// poll with EINTR arrives before the handler has set the flag. So an idle appliance wakes once a second to
    /// look, and a stop takes at most that long.
    /// </summary>
    private static readonly Duration StopCheckInterval = Duration.FromSeconds(1);
    /// <summary>The sleep when a deadline is due but nothing moved (a timer the stack did not act on yet).</summary>
    private static readonly Duration IdleWait = Duration.FromMilliseconds(1);
    private const int AddressCapacity = 16, RouteCapacity = 32, NeighborCapacity = 128, HoldSlots = 16, ReassemblySlots = 4, PathMtuCapacity = 256;

    private readonly AfPacketDevice? _afPacket;
    private readonly TunTapDevice? _tunTap;
    private readonly FileStream? _pcap;
    private readonly Stream? _fetchOutput;
    private readonly FrameLog? _log;
    private volatile bool _stop;
    private Func<FaultCounters>? _receiveFaults, _transmitFaults;

    private RawNicAppliance(ApplianceOptions options, QueueJoin join, AfPacketDevice? afPacket, TunTapDevice? tunTap, EthernetAddress? mac, int mtu, FileStream? pcap, Stream? fetchOutput,
        TextWriter? verbose)
    {
        int queue = join.Index;
        Queue = queue;
        int maxFrameLength = afPacket?.Capabilities.MaxBufferLength ?? tunTap!.Capabilities.MaxBufferLength;
        _fetchOutput = fetchOutput;
        Options = options;
        _afPacket = afPacket;
        _tunTap = tunTap;
        _pcap = pcap;
        Mtu = mtu;
        // Each queue its own fault sequence, reproducible from the one --seed.
        Seed = (options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8))) + (ulong)queue;
        Ethernet = mac is { } address ? new EthernetEndpoint(address) : null;
        Ip = new IpEndpoint(Ethernet, mtu, AddressCapacity, new RouteTable(RouteCapacity),
            Ethernet is null ? null : new NeighborCache(NeighborCapacity, SipHash.WithRandomKey()))
        {
            Hold = Ethernet is null ? null : new HoldQueue(new byte[HoldSlots * mtu], mtu),
            Reassembler = new Reassembler(new byte[ReassemblySlots * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
            PathMtu = new PathMtuTable(PathMtuCapacity, SipHash.WithRandomKey()),
        };
        Services = new ApplianceServices(options, Ip, SipHash.WithRandomKey(), Instant.Now, fetchOutput, join.Iperf);
        Medium = Ethernet is null ? Medium.Ip : Medium.Ethernet;
        if (verbose is not null) _log = new FrameLog(verbose, PcapRecorder<AfPacketDevice>.LinkTypeOf(Medium), Instant.Now, maxFrameLength);
    }

    public ApplianceOptions Options { get; }
    /// <summary>Which of the <c>--queues</c> stacks this is (0 for the first or only one).</summary>
    public int Queue { get; }
    /// <summary>With an AF_PACKET device, the fanout group its socket is in (the other queues join it), else null.</summary>
    public ushort? FanoutGroup => _afPacket?.FanoutGroup;
    public Medium Medium { get; }
    public int Mtu { get; }
    public ulong Seed { get; }
    public EthernetEndpoint? Ethernet { get; }
    public IpEndpoint Ip { get; }
    public ApplianceServices Services { get; }
    public UdpEndpoint Udp => Services.Udp;
    public EchoCounters Echo => Services.Echo;
    public TcpEndpoint Tcp => Services.Tcp;
    public HttpFetchClient? Fetch => Services.Fetch;

    /// <summary>The device's counters (AF_PACKET: with the kernel's drop count read now).</summary>
    public DeviceCounters DeviceCounters
    {
        get
        {
            _afPacket?.ReadKernelDrops();
            return _afPacket?.Counters ?? _tunTap!.Counters;
        }
    }

    /// <summary>The fault injector's counters per direction (zero without faults).</summary>
    public FaultCounters ReceiveFaults => _receiveFaults?.Invoke() ?? default;
    /// <inheritdoc cref="ReceiveFaults"/>
    public FaultCounters TransmitFaults => _transmitFaults?.Invoke() ?? default;

    /// <summary>
    /// Opens the device and the pcap file and builds the stack with the configured addresses and routes.
    /// False with a one-line reason (missing interface, missing privilege, unwritable file…).
    /// </summary>
    public static bool TryOpen(ApplianceOptions options, TextWriter? verbose, out RawNicAppliance? appliance, out string error)
        => TryOpen(options, default, verbose, out appliance, out error);

    /// <summary>
    /// As the other overload, for queue <see cref="QueueJoin.Index"/> of <c>--queues</c>: with more than one queue the device
    /// is a socket of a PACKET_FANOUT hash group (the first queue creates it, the others join <see cref="QueueJoin.FanoutGroup"/>)
    /// or a queue of a multi-queue TAP, with the Ethernet address of the first queue (<see cref="QueueJoin.Mac"/>).
    /// </summary>
    public static bool TryOpen(ApplianceOptions options, QueueJoin join, TextWriter? verbose, out RawNicAppliance? appliance, out string error)
    {
        appliance = null;
        if (!TryOpenDevice(options, join, out var afPacket, out var tunTap, out var mac, out int deviceMtu, out error)) return false;
        var device = (IDisposable?)afPacket ?? tunTap!;
        FileStream? pcap = null;
        Stream? fetchOutput = null;
        try
        {
            int mtu = Math.Min(options.Mtu > 0 ? options.Mtu : deviceMtu, 65535);
            if (options.Mtu > deviceMtu)
            {
                error = $"--mtu {options.Mtu} is larger than the MTU of '{options.DeviceName}' ({deviceMtu}); raise it first with: ip link set {options.DeviceName} mtu {options.Mtu}";
                return false;
            }
            if (mtu < 576) { error = $"the MTU of '{options.DeviceName}' ({mtu}) is below the IPv4 minimum of 576"; return false; }
            if (options.PcapFile is { } path && !TryCreate(path, "pcap file", out pcap, out error)) return false;
            if (options.Fetch is not null)
            {
                if (options.OutputFile is { } output)
                {
                    if (!TryCreate(output, "output file", out var file, out error)) return false;
                    fetchOutput = file;
                }
                else fetchOutput = Console.OpenStandardOutput();
            }
            appliance = new RawNicAppliance(options, join, afPacket, tunTap, mac, mtu, pcap, fetchOutput, options.Verbose ? verbose : null);
            if (!appliance.Configure(out error))
            {
                appliance.Dispose();
                appliance = null;
                return false;
            }
            return true;
        }
        finally
        {
            if (appliance is null)
            {
                pcap?.Dispose();
                fetchOutput?.Dispose();
                device.Dispose();
            }
        }
    }

    private static bool TryOpenDevice(ApplianceOptions options, QueueJoin join, out AfPacketDevice? afPacket, out TunTapDevice? tunTap,
        out EthernetAddress? mac, out int mtu, out string error)
    {
        bool shared = options.Queues > 1;
        var wantedMac = join.Mac ?? options.Mac;
        afPacket = null;
        tunTap = null;
        mac = null;
        mtu = 0;
        switch (options.Kind)
        {
            case DeviceKind.AfPacket:
            {
                // Without our own MAC on the interface, or with IPv6 (solicited-node groups the NIC does
                // not know), frames for us only get past a real NIC's filter in promiscuous mode.
                // With queues, each flow's frames reach one socket of the group (by the kernel's flow hash), so one stack.
                AfPacketOptions Socket(bool promiscuous) => new()
                {
                    UseMmapRings = options.Mmap, Mtu = options.Mtu, Offloads = options.Offloads, BypassQdisc = options.QdiscBypass, Promiscuous = promiscuous,
                    FanoutUniqueGroup = shared && join.FanoutGroup is null, FanoutGroup = shared ? join.FanoutGroup : null, FanoutMode = FanoutMode.Hash,
                    // Room for the TCP receive windows the peer may fill between two reads (see ReceiveRoom).
                    RingFrames = ReceiveRoom.RingFrames(options), ReceiveBufferBytes = ReceiveRoom.SocketBytes(options),
                };
                if (!AfPacketDevice.TryOpen(options.DeviceName, Socket(promiscuous: false), out var probe, out error)) return false;
                var hardware = probe!.HardwareAddress;
                bool promiscuous = (wantedMac is { } wanted && wanted != hardware) || options.Slaac || options.Addresses.Exists(a => a.Address.IsV6);
                if (promiscuous)
                {
                    probe.Dispose();
                    if (!AfPacketDevice.TryOpen(options.DeviceName, Socket(promiscuous: true), out probe, out error)) return false;
                }
                afPacket = probe!;
                mac = wantedMac ?? hardware;
                mtu = afPacket.Capabilities.Mtu;
                if (!mac.Value.IsUnicast || mac.Value == default)
                {
                    error = $"interface '{options.DeviceName}' has no unicast hardware address ({mac}); give one with --mac";
                    afPacket.Dispose();
                    afPacket = null;
                    return false;
                }
                return true;
            }
            case DeviceKind.Tap:
            {
                if (!TapDevice.TryOpen(options.DeviceName, options.Offloads, multiQueue: shared, out var tap, out error)) return false;
                var kernel = tap!.KernelHardwareAddress;
                if (wantedMac == kernel)
                {
                    error = $"--mac {kernel} is the kernel's own address on '{tap.Name}'; the appliance needs another one";
                    tap.Dispose();
                    return false;
                }
                tunTap = tap;
                mac = wantedMac ?? RandomLocalMac(kernel);
                mtu = tap.Capabilities.Mtu;
                return true;
            }
            default:
            {
                if (!TunDevice.TryOpen(options.DeviceName, options.Offloads, out var tun, out error)) return false;
                tunTap = tun;
                mtu = tun!.Capabilities.Mtu;
                return true;
            }
        }
    }

    // A random unicast, locally administered address (IEEE 802 U/L bit set, I/G bit clear).
    private static EthernetAddress RandomLocalMac(EthernetAddress avoid)
    {
        Span<byte> b = stackalloc byte[6];
        EthernetAddress mac;
        do
        {
            RandomNumberGenerator.Fill(b);
            b[0] = (byte)(b[0] & 0xFC | 0x02);
            mac = new EthernetAddress(b);
        } while (mac == avoid);
        return mac;
    }

    private static bool TryCreate(string path, string what, out FileStream? stream, out string error)
    {
        stream = null;
        error = "";
        try
        {
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot create the {what} '{path}': {e.Message}";
            return false;
        }
    }

    private bool Configure(out string error)
    {
        error = "";
        var now = Instant.Now;
        bool v6 = false;
        foreach (var a in Options.Addresses)
        {
            v6 |= a.Address.IsV6;
            var result = Ip.AddAddress(a.Address, a.PrefixLength, now);
            if (result is not (AddressUpdate.Added or AddressUpdate.Updated))
            {
                error = $"cannot add address {a}: {result}";
                return false;
            }
        }
        if (Ethernet is not null && Options.Slaac) Ip.EnableAutoconfiguration(now);
        else if (Ethernet is not null && v6)
        {
            // Every IPv6 interface has a link-local address (RFC 4291 §2.1); NDISC with routers needs it.
            var linkLocal = Ipv6Address.LinkLocalFromMac(Ethernet.Address);
            if (!Options.Addresses.Exists(a => a.Address == linkLocal)) Ip.AddAddress(linkLocal, 64, now);
        }
        foreach (var gateway in Options.Gateways)
        {
            var result = Ip.Routes.AddDefault(gateway);
            if (result is not (RouteUpdate.Added or RouteUpdate.Replaced))
            {
                error = $"cannot add the default route via {gateway}: {result}";
                return false;
            }
        }
        return Services.TryStart(out error);
    }

    /// <summary>Asks <see cref="Run"/> to return (from any thread, e.g. a signal handler).</summary>
    public void Stop() => _stop = true;

    /// <summary>
    /// Runs the poll loop until <see cref="Stop"/> or the <c>--duration</c> ends: receive a batch, transmit
    /// a batch, then sleep on the device until a frame arrives or the stack's next deadline (with <c>--busy-poll</c>,
    /// only once that long has passed without a frame).
    /// </summary>
    public void Run()
    {
        if (_afPacket is not null) WithPcap(_afPacket, _afPacket.WaitReadable);
        else WithPcap(_tunTap!, _tunTap!.WaitReadable);
    }

    // The pcap recorder sits right on the device, so the capture shows the wire: frames as they were
    // received, and as they were sent after the transmit faults.
    private void WithPcap<TDevice>(TDevice device, Func<Duration, bool> wait) where TDevice : IDevice
    {
        if (_pcap is null)
        {
            WithFaults(device, wait);
            return;
        }
        var recorder = new PcapRecorder<TDevice>(device, _pcap);
        try
        {
            WithFaults(recorder, wait);
        }
        finally
        {
            recorder.Flush();
        }
    }

    private void WithFaults<TDevice>(TDevice device, Func<Duration, bool> wait) where TDevice : IDevice
    {
        if (!Options.HasFaults)
        {
            WithStack(device, wait, null);
            return;
        }
        var faults = new FaultInjector<TDevice>(device, Options.ReceiveFaults, Options.TransmitFaults, Seed, queueCapacity: 256);
        _receiveFaults = () => faults.ReceiveCounters;
        _transmitFaults = () => faults.TransmitCounters;
        WithStack(faults, wait, () => faults.NextDue);
    }

    private void WithStack<TDevice>(TDevice device, Func<Duration, bool> wait, Func<Instant>? faultsDue) where TDevice : IDevice
    {
        var transports = Services.CreateTransports();
        if (Ethernet is not null && Options.Queues > 1)
        {
            var stack = new Traced<NeighborGleaner<EthernetLayer<IpLayer<Transports>>>>(new(new(Ethernet, new(Ip, transports)), Ip, Ethernet.Address), _log);
            Loop(device, ref stack, wait, faultsDue);
        }
        else if (Ethernet is not null)
        {
            var stack = new Traced<EthernetLayer<IpLayer<Transports>>>(new(Ethernet, new(Ip, transports)), _log);
            Loop(device, ref stack, wait, faultsDue);
        }
        else
        {
            var stack = new Traced<IpLayer<Transports>>(new(Ip, transports), _log);
            Loop(device, ref stack, wait, faultsDue);
        }
    }

    private void Loop<TDevice, TStack>(TDevice device, ref TStack stack, Func<Duration, bool> wait, Func<Instant>? faultsDue)
        where TDevice : IDevice where TStack : IRecv<RawPacket>, ISend<RawPacket>, ITimed
    {
        var until = Options.RunFor is { } runFor ? Instant.Now + runFor : Instant.Never;
        var busyPoll = new BusyPoll(Options.BusyPoll, Instant.Now);
        while (!_stop)
        {
            var now = Instant.Now;
            if (now >= until || Services.IsFinished(now)) break;
            int received = device.Receive(Batch, ref stack, now);
            int sent = device.Transmit(Batch, ref stack, now);
            if (received == Batch || sent == Batch) continue; // more is waiting
            if (received + sent > 0) busyPoll.Moved(now);
            var deadline = Instant.Min(Instant.Min(stack.NextDeadline(), Services.NextWake(now)), until);
            if (faultsDue is not null) deadline = Instant.Min(deadline, faultsDue());
            if (busyPoll.TrySpin(now)) continue; // --busy-poll (BusyPoll says why)
            var timeout = Duration.Min(deadline - Instant.Now, StopCheckInterval);
            if (received + sent == 0 && timeout < IdleWait) timeout = IdleWait;
            if (timeout > Duration.Zero) wait(timeout);
        }
    }

    /// <summary>The start-up line: device, MAC, MTU, addresses, routes, services, faults, capture.</summary>
    public string Describe()
    {
        var s = new StringBuilder("ethox-appliance: ");
        if (Options.Queues > 1) s.Append("queue ").Append(Queue).Append(' ');
        s.Append("running on ");
        s.Append(Options.Kind switch { DeviceKind.AfPacket => "af-packet", DeviceKind.Tap => "tap", _ => "tun" });
        s.Append(' ').Append(Options.DeviceName);
        if (Options.Mmap) s.Append(" (mmap rings)");
        if (Options.QdiscBypass) s.Append(" (qdisc bypass)");
        if (FanoutGroup is { } group) s.Append(" (fanout group ").Append(group).Append(')');
        else if (Options.Queues > 1) s.Append(" (multi-queue)");
        s.Append(Options.Offloads switch { DeviceOffloads.All => ", offloads on", DeviceOffloads.None => ", offloads off", _ => ", offloads rx" });
        if (Ethernet is not null) s.Append(", mac ").Append(Ethernet.Address.ToString());
        s.Append(", mtu ").Append(Mtu);
        s.Append(", ip");
        foreach (ref readonly var a in Ip.Addresses)
        {
            s.Append(' ').Append(a.Address.ToString()).Append('/').Append(a.PrefixLength);
            if (a.State == AddressState.Tentative) s.Append(" (tentative)");
        }
        if (Options.Slaac) s.Append(" + slaac");
        foreach (var g in Options.Gateways) s.Append(", gateway ").Append(g.ToString());
        s.Append(Options.EchoPort != 0 ? $", udp echo on port {Options.EchoPort}" : ", udp echo off");
        Service(s, "tcp echo", Options.TcpEchoPort);
        Service(s, "discard", Options.TcpDiscardPort);
        Service(s, "chargen", Options.TcpChargenPort);
        Service(s, "http", Options.HttpPort);
        Service(s, "iperf3", Options.IperfPort);
        s.Append(", ").Append(Tcp.Capacity).Append(" tcp connections (").Append(Services.TcpServices.Arena.Bytes >> 10).Append(" KiB of buffers)");
        if (Fetch is { } fetch) s.Append(", fetching ").Append(fetch.Url.ToString());
        if (Services.IperfClient is { } client)
            s.Append(", iperf3 test of ").Append(client.Seconds).Append(" s to ").Append(client.Target).Append(client.Reverse ? " (reverse)" : "")
                .Append(client.Parallel > 1 ? $" with {client.Parallel} streams" : "");
        if (Options.BusyPoll > Duration.Zero) s.Append(", busy poll ").Append(Options.BusyPoll.Microseconds).Append(" us");
        if (Options.HasFaults) s.Append(", faults with seed ").Append(Seed);
        if (Options.PcapFile is { } pcap) s.Append(", pcap ").Append(pcap);
        return s.ToString();
    }

    private static void Service(StringBuilder s, string name, ushort port)
    {
        if (port != 0) s.Append(", ").Append(name).Append(" on tcp port ").Append(port);
    }

    public void Dispose()
    {
        _pcap?.Dispose();
        _fetchOutput?.Dispose();
        _afPacket?.Dispose();
        _tunTap?.Dispose();
    }
}
