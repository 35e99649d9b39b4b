using System;
using System.Buffers.Binary;
using System.Threading;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Ethox.Wire;

namespace Ethox.Native;

/// <summary>
/// One stack behind the C ABI: the layers (Ethernet or bare IP, IPv4 and IPv6, TCP and UDP), the socket table the
/// caller's handles name (NativeStack.Sockets.cs, .Tcp.cs, .Udp.cs), and the guard every call passes (one thread at a
/// time, time never going back, a stack that failed inside refusing further calls). All memory is allocated here, from
/// the capacities of the configuration; nothing is allocated per frame or per call afterwards.
/// </summary>
internal sealed partial class NativeStack
{
    private readonly bool _overEthernet;
    private EthernetLayer<IpLayer<Transports>> _ethernetStack;
    private IpLayer<Transports> _ipStack;
    private int _busy;
    private bool _failed;
    private Instant _now;
    private long _framesIn, _framesOut, _answeredInPlace;

    /// <summary>The handle the registry gave this stack.</summary>
    public long Handle { get; }
    /// <summary>Ethernet state (null on the IP medium).</summary>
    public EthernetEndpoint? Ethernet { get; }
    /// <summary>IP state: addresses, routes, neighbours.</summary>
    public IpEndpoint Ip { get; }
    /// <summary>TCP state.</summary>
    public TcpEndpoint Tcp { get; }
    /// <summary>UDP state.</summary>
    public UdpEndpoint Udp { get; }
    /// <summary>The bytes a frame buffer lent to <see cref="Input"/> or <see cref="Output"/> must hold: the MTU plus the link header.</summary>
    public int FrameCapacity { get; }

    private NativeStack(in EthoxConfig config, in StackKeys keys, Instant now, long handle, int tag)
    {
        Handle = handle;
        _tag = tag;
        _now = now;
        _overEthernet = config.Medium == EthoxConfig.MediumEthernet;
        int mtu = config.Mtu;
        var medium = _overEthernet ? Medium.Ethernet : Medium.Ip;
        FrameCapacity = new DeviceCapabilities(medium, mtu).MaxFrameLength;
        Ethernet = _overEthernet ? new EthernetEndpoint(ConfigReader.Mac(config)) : null;
        // The identifiers' seed comes from the key, not from RandomNumberGenerator (OpenSSL on Linux): the C program then
        // needs no OpenSSL, at link time or at run time.
        Span<byte> identificationSeed = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(identificationSeed, keys.IpIdentification);
        Ip = new IpEndpoint(Ethernet, mtu, addressCapacity: 8, new RouteTable(8),
            _overEthernet ? new NeighborCache((int)config.Neighbors, keys.Neighbors) : null, identificationSeed)
        {
            // Packets wait here while their next hop is resolved (ARP, NDISC): only over Ethernet.
            Hold = _overEthernet ? new HoldQueue(new byte[16 * mtu], mtu) : null,
            Reassembler = new Reassembler(new byte[2 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
            PathMtu = new PathMtuTable(64, keys.PathMtu),
        };
        var timers = new TcpTimerSettings { OrphanFinWait2Timeout = Duration.FromMilliseconds(config.TcpFinTimeoutMs) };
        Tcp = new TcpEndpoint(Ip, TcpSlots(config), keys.Tcp, timers, listenerCapacity: Math.Max(1, (int)config.TcpListeners), start: now);
        Udp = new UdpEndpoint();
        InitializeSockets(config);
        var transports = new Transports(new TcpLayer<NativeTcpUser>(Tcp, new NativeTcpUser(this)), new UdpLayer<NativeUdpUser>(Udp, new NativeUdpUser(this)), default);
        if (_overEthernet) _ethernetStack = new(Ethernet!, new(Ip, transports));
        else _ipStack = new(Ip, transports);
        ConfigReader.AddAddresses(config, Ip, now);
    }

    // TCP keeps a connection's slot through TIME-WAIT after the caller's socket is gone: room for as many again
    // (when they are all taken, the oldest TIME-WAIT slot is reclaimed).
    private static int TcpSlots(in EthoxConfig config) => Math.Max(1, 2 * (int)config.TcpConnections);

    /// <summary>
    /// A stack for a configuration already checked by <see cref="ConfigReader.Check"/>; <paramref name="tag"/> marks the
    /// handles of its sockets.
    /// </summary>
    public static NativeStack Create(in EthoxConfig config, in StackKeys keys, Instant now, long handle, int tag)
        => new(config, keys, now, handle, tag);

    // ---- the guard of every call ------------------------------------------------------------------

    /// <summary>
    /// Starts a call: refused while another thread is inside one (<see cref="EthoxStatus.Busy"/>), after a failure inside
    /// (<see cref="EthoxStatus.Internal"/>), and when <paramref name="now"/> is earlier than the last call's
    /// (<see cref="EthoxStatus.TimeWentBack"/>). Every call that starts must end with <see cref="Leave"/>.
    /// </summary>
    public EthoxStatus Enter(long now)
    {
        var status = EnterWithoutTime();
        if (status != EthoxStatus.Ok) return status;
        if (now < _now.Microseconds)
        {
            Leave();
            return EthoxStatus.TimeWentBack;
        }
        _now = new Instant(now);
        return EthoxStatus.Ok;
    }

    /// <summary>Starts a call that only reads the stack (no time passes).</summary>
    public EthoxStatus EnterWithoutTime()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return EthoxStatus.Busy;
        if (!_failed) return EthoxStatus.Ok;
        Leave();
        return EthoxStatus.Internal;
    }

    /// <summary>Ends a call.</summary>
    public void Leave() => Volatile.Write(ref _busy, 0);

    /// <summary>An exception came out of the layers: their state cannot be trusted any more, so every later call is refused.</summary>
    public void Fail()
    {
        _failed = true;
        Leave();
    }

    // ---- frames in and out --------------------------------------------------------------------------

    /// <summary>
    /// Handles one received frame of <paramref name="length"/> bytes at the start of <paramref name="buffer"/>. Returns the
    /// length of the answer written in place into <paramref name="buffer"/> (an ACK, an echo reply, an ARP reply), to be
    /// sent by the caller, or 0.
    /// </summary>
    public int Input(Span<byte> buffer, int length)
    {
        var verdict = PacketVerdict.None;
        var packet = new RawPacket(buffer, length, _now, ref verdict);
        _framesIn++;
        if (_overEthernet) _ethernetStack.Receive(packet);
        else _ipStack.Receive(packet);
        if (verdict.SendLength <= 0) return 0;
        _framesOut++;
        _answeredInPlace++;
        return verdict.SendLength;
    }

    /// <summary>Writes the next frame to send (control traffic, due timers, data, datagrams) into <paramref name="buffer"/>; returns its length, or 0 when nothing is due.</summary>
    public int Output(Span<byte> buffer)
    {
        var verdict = PacketVerdict.None;
        var packet = new RawPacket(buffer, 0, _now, ref verdict);
        if (_overEthernet) _ethernetStack.Send(packet);
        else _ipStack.Send(packet);
        if (verdict.SendLength <= 0) return 0;
        _framesOut++;
        return verdict.SendLength;
    }

    /// <summary>When <see cref="Output"/> must next be called even if no frame arrives (a time at or before now: at once); <see cref="Instant.Never"/> for never.</summary>
    public Instant NextDeadline()
    {
        var next = _overEthernet ? _ethernetStack.NextDeadline() : _ipStack.NextDeadline();
        // The UDP layer keeps no timers, but datagrams the caller queued wait for a transmit call.
        return _udpSend.Count > 0 ? Instant.Min(next, _now) : next;
    }

    /// <summary>The counters of every layer and of the boundary, in the C struct's shape.</summary>
    public void ReadCounters(out EthoxCounters c)
    {
        ref readonly var ip = ref Ip.Counters;
        ref readonly var tcp = ref Tcp.Counters;
        ref readonly var udp = ref Udp.Counters;
        c = new EthoxCounters
        {
            FramesIn = (ulong)_framesIn,
            FramesOut = (ulong)_framesOut,
            AnsweredInPlace = (ulong)_answeredInPlace,
            EthernetDropped = (ulong)(Ethernet?.Counters.Dropped ?? 0),
            IpPacketsIn = (ulong)ip.PacketsIn,
            IpPacketsOut = (ulong)ip.PacketsOut,
            IpDropped = (ulong)(ip.Errors.Total + ip.DroppedNotForUs + ip.DroppedMartianSource + ip.DroppedUnknownProtocol + ip.DroppedRoutingHeader
                                + ip.DroppedNoRoute + ip.DroppedUnresolved + ip.DroppedSourceUnusable + ip.DroppedTooBig),
            ArpOut = (ulong)(Ip.ArpCounters.RepliesSent + Ip.ArpCounters.RequestsSent + Ip.ArpCounters.Announcements),
            IcmpEchoReplies = (ulong)Ip.IcmpCounters.EchoRepliesSent,
            IcmpErrorsOut = (ulong)Ip.IcmpCounters.ErrorsSent,
            TcpSegmentsIn = (ulong)tcp.SegmentsIn,
            TcpSegmentsOut = (ulong)tcp.SegmentsOut,
            TcpRetransmits = (ulong)tcp.Retransmits,
            TcpActiveOpens = (ulong)tcp.ActiveOpens,
            TcpPassiveOpens = (ulong)tcp.PassiveOpens,
            TcpResets = (ulong)tcp.Resets,
            TcpErrors = (ulong)tcp.Errors.Total,
            TcpAcceptDrops = (ulong)tcp.ListenDrops,
            UdpDatagramsIn = (ulong)udp.DatagramsIn,
            UdpDatagramsOut = (ulong)udp.DatagramsOut,
            UdpNoPort = (ulong)udp.NoPort,
            UdpErrors = (ulong)udp.Errors.Total,
            UdpQueueDrops = (ulong)_udpQueueDrops,
            UdpSendFailures = (ulong)_udpSendFailures,
        };
    }
}
