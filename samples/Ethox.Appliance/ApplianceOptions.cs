using System;
using System.Collections.Generic;
using System.Globalization;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Samples;
using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>Which kind of device the appliance owns.</summary>
internal enum DeviceKind : byte
{
    /// <summary>An AF_PACKET socket on an existing Ethernet interface.</summary>
    AfPacket,
    /// <summary>A TAP interface created by the appliance (Ethernet frames, the kernel on the other side).</summary>
    Tap,
    /// <summary>A TUN interface created by the appliance (bare IP packets, no link layer).</summary>
    Tun,
}

/// <summary>An interface address given with <c>--ip</c>.</summary>
internal readonly record struct AddressOption(IpAddress Address, int PrefixLength)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>The command line, parsed and checked. Parsing never throws: a bad argument is one line of text.</summary>
internal sealed class ApplianceOptions
{
    public const string Usage = """
        usage: ethox-appliance (--iface NAME [--mmap] | --tap NAME | --tun NAME) --ip CIDR... [options]

        A user-space network stack on a raw device: answers ARP, neighbour discovery, ping (v4 and v6),
        UDP echo and TCP echo, discard, chargen, HTTP and (with --iperf) iperf3, and prints its counters when
        it stops (Ctrl-C, SIGTERM or --duration). With --fetch it downloads one URL over HTTP and exits.

        device (exactly one):
          --iface NAME       AF_PACKET socket on the Ethernet interface NAME (needs CAP_NET_RAW)
          --mmap             with --iface: use PACKET_MMAP rings instead of one system call per frame
          --qdisc-bypass     with --iface: send straight to the driver (PACKET_QDISC_BYPASS)
          --tap NAME         create the TAP interface NAME (Ethernet; needs CAP_NET_ADMIN)
          --tun NAME         create the TUN interface NAME (bare IP, no Ethernet/ARP; needs CAP_NET_ADMIN)
          --queues N         with --iface or --tap: N complete stacks on N threads (1 to 64, default 1), each on
                             its own socket of a PACKET_FANOUT hash group or its own queue of a multi-queue
                             TAP, so the kernel gives each flow to one stack; counters are summed, then per queue

        addresses:
          --mac MAC          our Ethernet address (default: the interface's for --iface, a random
                             locally administered one for --tap)
          --ip CIDR          an address with its prefix, e.g. 198.18.0.1/24 or 2001:db8::1/64 (repeatable)
          --gateway ADDR     the default router, IPv4 or IPv6 (once per family)
          --slaac            IPv6 stateless autoconfiguration from router advertisements
          --mtu N            the IP MTU (default: the interface's)
          --offloads MODE    on (default): virtio-net headers, so checksums the kernel left partial
                             and its TCP super-segments (up to 64 KiB) are taken as they are, and our
                             checksums and large TCP segments are finished by the kernel; rx: the same
                             on receive, but every checksum we send is finished here (a capture then
                             shows it); off: no header (the kernel's side then needs
                             ethtool -K IFACE tx off tso off gso off)

        services and output:
          --udp-echo PORT    UDP echo service port, 0 to turn it off (default 7)
          --tcp-echo PORT    TCP echo (RFC 862) port, 0 to turn it off (default 7)
          --tcp-discard PORT TCP discard (RFC 863) port, 0 to turn it off (default 9)
          --tcp-chargen PORT TCP character generator (RFC 864) port, 0 to turn it off (default 19)
          --http PORT        HTTP/1.1 server port, 0 to turn it off (default 80): GET / is a short page,
                             GET /bytes/N answers N bytes of the chargen pattern
          --iperf PORT       iperf3 server (TCP tests of a stock iperf3 -c, -R, -P, --bidir; one test at a
                             time) on PORT, e.g. 5201; 0 (the default) to leave it off
          --iperf-client ADDR[:PORT]  run one iperf3 TCP test against the iperf3 server at ADDR (port 5201
                             unless given; [IPV6]:PORT), print both sides' byte counts and exit (0 when it
                             completed, 1 otherwise)
          --iperf-time SEC   with --iperf-client: the test's length (1 to 86400, default 10)
          --iperf-parallel N with --iperf-client: streams (1 to 128, default 1)
          --iperf-reverse    with --iperf-client: the server sends, as iperf3 -R
          --max-connections N  TCP connections at once, buffers included (default 64)
          --tcp-buffer KIB   each connection's send ring and receive ring, in KiB (4 to 65536, default 256):
                             the receive ring is the window the peer may fill before it waits for us
          --backlog N        half-open connections per listening port before SYN cookies (default 128)
          --fetch URL        HTTP GET of URL (http://198.18.0.2:8000/f or http://[2001:db8::2]/f), the
                             body to stdout; exit 0 on status 200, 1 with a one-line error otherwise
          --output FILE      with --fetch: write the body to FILE instead
          --pcap FILE        write every frame on the device to FILE (pcap)
          --verbose          print one line per frame received and sent
          --duration SEC     stop after SEC seconds (default: run until Ctrl-C or SIGTERM)
          --busy-poll USEC   after the last frame, keep polling the device without sleeping for USEC
                             microseconds (1 to 1000000) before waiting in poll(2): lower latency for a
                             CPU kept busy (default 0: sleep at once)

        fault injection (both directions; --rx-X / --tx-X for one direction only):
          --drop P           probability that a frame is lost
          --duplicate P      probability that a frame is delivered twice
          --reorder P        probability that a frame is held back behind the next one
          --corrupt P        probability that one bit of a frame is flipped
          --delay MS         delay every frame by MS milliseconds
          --seed N           seed of the fault generator (default: random, printed at start)

          --help             this text

        exit status: 0 after a clean stop, 1 on a runtime error or a failed --fetch, 2 on a usage error
        """;

    /// <summary>How long a frame held back for reordering waits for another one to overtake it.</summary>
    public static readonly Duration ReorderTimeout = Duration.FromMilliseconds(20);

    public DeviceKind Kind { get; private set; }
    public string DeviceName { get; private set; } = "";
    public bool Mmap { get; private set; }
    public bool QdiscBypass { get; private set; }
    /// <summary>The offloads asked of the device (<c>--offloads</c>): all by default.</summary>
    public DeviceOffloads Offloads { get; private set; } = DeviceOffloads.All;
    public EthernetAddress? Mac { get; private set; }
    public List<AddressOption> Addresses { get; } = [];
    public List<IpAddress> Gateways { get; } = [];
    public bool Slaac { get; private set; }
    public int Mtu { get; private set; }
    public ushort EchoPort { get; private set; } = 7;
    public ushort TcpEchoPort { get; private set; } = 7;
    public ushort TcpDiscardPort { get; private set; } = 9;
    public ushort TcpChargenPort { get; private set; } = 19;
    public ushort HttpPort { get; private set; } = 80;
    /// <summary>The iperf3 server's port (<c>--iperf</c>); 0 leaves it off.</summary>
    public ushort IperfPort { get; private set; }
    /// <summary>The server of the <c>--iperf-client</c> test, or null.</summary>
    public TransportAddress? IperfClient { get; private set; }
    /// <summary>The <c>--iperf-client</c> test's length in seconds (<c>--iperf-time</c>).</summary>
    public int IperfSeconds { get; private set; } = 10;
    /// <summary>The <c>--iperf-client</c> test's streams (<c>--iperf-parallel</c>).</summary>
    public int IperfParallel { get; private set; } = 1;
    /// <summary>The <c>--iperf-client</c> test has the server send (<c>--iperf-reverse</c>).</summary>
    public bool IperfReverse { get; private set; }
    private bool _iperfClientOptions;
    /// <summary>How long the loop keeps polling the device after the last frame before it sleeps (<c>--busy-poll</c>); zero: not at all.</summary>
    public Duration BusyPoll { get; private set; }
    public int MaxConnections { get; private set; } = 64;
    /// <summary>Bytes of each TCP connection's send ring and of its receive ring (<c>--tcp-buffer</c>, in KiB on the command line).</summary>
    public int TcpBuffer { get; private set; } = 256 * 1024;
    /// <summary>Stacks run side by side (<c>--queues</c>), each with its own device queue, state, services and thread.</summary>
    public int Queues { get; private set; } = 1;
    /// <summary>The most <c>--queues</c> takes.</summary>
    public const int MaxQueues = 64;
    public int Backlog { get; private set; } = 128;
    public FetchUrl? Fetch { get; private set; }
    public string? OutputFile { get; private set; }
    public string? PcapFile { get; private set; }
    public bool Verbose { get; private set; }
    public Duration? RunFor { get; private set; }
    public FaultSettings ReceiveFaults { get; private set; }
    public FaultSettings TransmitFaults { get; private set; }
    public ulong? Seed { get; private set; }
    public bool Help { get; private set; }

    /// <summary>True when any fault is configured (the device is then wrapped in a <see cref="FaultInjector{TDevice}"/>).</summary>
    public bool HasFaults => ReceiveFaults != FaultSettings.None || TransmitFaults != FaultSettings.None;

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> is one line naming the problem.</summary>
    public static bool TryParse(ReadOnlySpan<string> args, out ApplianceOptions options, out string error)
    {
        options = new ApplianceOptions();
        error = "";
        int devices = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name = OptionParser.Name(arg, out string? inlineValue);
            switch (name)
            {
                case "--help" or "-h": options.Help = true; return true;
                case "--mmap": options.Mmap = true; continue;
                case "--qdisc-bypass": options.QdiscBypass = true; continue;
                case "--slaac": options.Slaac = true; continue;
                case "--verbose" or "-v": options.Verbose = true; continue;
                case "--iperf-reverse": options.IperfReverse = options._iperfClientOptions = true; continue;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal) || !IsValued(name))
            {
                error = OptionParser.Unknown(name, arg);
                return false;
            }
            if (!OptionParser.TryTakeValue(args, ref i, name, inlineValue, out string value, out error)) return false;
            if (!options.Apply(name, value, ref devices, out error)) return false;
        }
        return options.Check(devices, out error);
    }

    private static bool IsValued(string name) => name switch
    {
        "--iface" or "--tap" or "--tun" or "--mac" or "--ip" or "--gateway" or "--mtu" or "--udp-echo" or "--pcap"
            or "--duration" or "--seed" or "--tcp-echo" or "--tcp-discard" or "--tcp-chargen" or "--http"
            or "--max-connections" or "--backlog" or "--fetch" or "--output" or "--offloads" or "--queues" or "--iperf"
            or "--busy-poll" or "--tcp-buffer" or "--iperf-client" or "--iperf-time" or "--iperf-parallel" => true,
        _ => FaultName(name, out _, out _) is not null,
    };

    private bool Apply(string name, string value, ref int devices, out string error)
    {
        error = "";
        switch (name)
        {
            case "--iface": return SetDevice(DeviceKind.AfPacket, value, ref devices, out error);
            case "--tap": return SetDevice(DeviceKind.Tap, value, ref devices, out error);
            case "--tun": return SetDevice(DeviceKind.Tun, value, ref devices, out error);
            case "--mac":
                if (!EthernetAddress.TryParse(value, out var mac) || !mac.IsUnicast)
                {
                    error = $"--mac '{value}' is not a unicast Ethernet address (aa:bb:cc:dd:ee:ff)";
                    return false;
                }
                Mac = mac;
                return true;
            case "--ip":
                if (!TryParseCidr(value, out var address))
                {
                    error = $"--ip '{value}' is not an IPv4 or IPv6 unicast address with a prefix length (198.18.0.1/24, 2001:db8::1/64)";
                    return false;
                }
                Addresses.Add(address);
                return true;
            case "--gateway":
                if (!IpAddress.TryParse(value, out var gateway) || gateway.IsUnspecified || gateway.IsMulticast)
                {
                    error = $"--gateway '{value}' is not an IPv4 or IPv6 unicast address";
                    return false;
                }
                Gateways.Add(gateway);
                return true;
            case "--mtu":
                if (!OptionParser.TryParseNumber(name, value, 576, 65535, "", out int mtu, out error)) return false;
                Mtu = mtu;
                return true;
            case "--udp-echo":
                if (!TryParsePort(name, value, out ushort port, out error)) return false;
                EchoPort = port;
                return true;
            case "--tcp-echo":
                if (!TryParsePort(name, value, out port, out error)) return false;
                TcpEchoPort = port;
                return true;
            case "--tcp-discard":
                if (!TryParsePort(name, value, out port, out error)) return false;
                TcpDiscardPort = port;
                return true;
            case "--tcp-chargen":
                if (!TryParsePort(name, value, out port, out error)) return false;
                TcpChargenPort = port;
                return true;
            case "--http":
                if (!TryParsePort(name, value, out port, out error)) return false;
                HttpPort = port;
                return true;
            case "--iperf":
                if (!TryParsePort(name, value, out port, out error)) return false;
                IperfPort = port;
                return true;
            case "--iperf-client":
                if (!Appliance.IperfClient.TryParseTarget(value, out var server, out ushort serverPort, out string problem))
                {
                    error = $"--iperf-client '{value}': {problem}";
                    return false;
                }
                IperfClient = new TransportAddress(server, serverPort);
                return true;
            case "--iperf-time":
                if (!OptionParser.TryParseNumber(name, value, 1, 86400, "seconds", out int iperfSeconds, out error)) return false;
                IperfSeconds = iperfSeconds;
                _iperfClientOptions = true;
                return true;
            case "--iperf-parallel":
                if (!OptionParser.TryParseNumber(name, value, 1, IperfParameters.MaxStreams, "", out int streams, out error)) return false;
                IperfParallel = streams;
                _iperfClientOptions = true;
                return true;
            case "--busy-poll":
                if (!OptionParser.TryParseNumber(name, value, 1, 1_000_000, "microseconds", out int micros, out error)) return false;
                BusyPoll = Duration.FromMicroseconds(micros);
                return true;
            case "--max-connections":
                if (!OptionParser.TryParseNumber(name, value, 1, MaxConnectionLimit, "", out int connections, out error)) return false;
                MaxConnections = connections;
                return true;
            case "--tcp-buffer":
                if (!OptionParser.TryParseNumber(name, value, 4, 65536, "KiB", out int kib, out error)) return false;
                TcpBuffer = kib * 1024;
                return true;
            case "--queues":
                if (!OptionParser.TryParseNumber(name, value, 1, MaxQueues, "", out int queues, out error)) return false;
                Queues = queues;
                return true;
            case "--backlog":
                if (!OptionParser.TryParseNumber(name, value, 1, 65535, "", out int backlog, out error)) return false;
                Backlog = backlog;
                return true;
            case "--fetch":
                if (!FetchUrl.TryParse(value, out var url, out string why))
                {
                    error = $"--fetch '{value}': {why}";
                    return false;
                }
                Fetch = url;
                return true;
            case "--output":
                if (value.Length == 0) { error = "--output needs a file name"; return false; }
                OutputFile = value;
                return true;
            case "--pcap":
                if (value.Length == 0) { error = "--pcap needs a file name"; return false; }
                PcapFile = value;
                return true;
            case "--duration":
                if (!OptionParser.TryParseSeconds(name, value, out var runFor, out error)) return false;
                RunFor = runFor;
                return true;
            case "--offloads":
                switch (value)
                {
                    case "on": Offloads = DeviceOffloads.All; return true;
                    case "rx": Offloads = DeviceOffloads.Receive; return true;
                    case "off": Offloads = DeviceOffloads.None; return true;
                }
                error = $"--offloads '{value}' is not on, rx or off";
                return false;
            case "--seed":
                if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
                {
                    error = $"--seed '{value}' is not a non-negative integer";
                    return false;
                }
                Seed = seed;
                return true;
        }
        return ApplyFault(name, value, out error);
    }

    /// <summary>The most connections <c>--max-connections</c> takes: each holds its buffers in the arena allocated at start-up.</summary>
    public const int MaxConnectionLimit = 4096;

    private static bool TryParsePort(string name, string value, out ushort port, out string error)
    {
        error = "";
        if (ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port)) return true;
        error = $"{name} '{value}' is not a port number (0 to 65535)";
        return false;
    }

    private bool SetDevice(DeviceKind kind, string name, ref int devices, out string error)
    {
        error = "";
        if (++devices > 1) { error = "give exactly one of --iface, --tap and --tun"; return false; }
        if (name.Length is 0 or > 15) { error = $"interface name '{name}' is not valid (1 to 15 characters)"; return false; }
        Kind = kind;
        DeviceName = name;
        return true;
    }

    // --drop, --rx-drop, --tx-drop and the like: the fault and which directions it applies to.
    private static string? FaultName(string option, out bool receive, out bool transmit)
    {
        receive = transmit = true;
        string fault = option;
        if (fault.StartsWith("--rx-", StringComparison.Ordinal)) { transmit = false; fault = "--" + fault[5..]; }
        else if (fault.StartsWith("--tx-", StringComparison.Ordinal)) { receive = false; fault = "--" + fault[5..]; }
        return fault is "--drop" or "--duplicate" or "--reorder" or "--corrupt" or "--delay" ? fault : null;
    }

    private bool ApplyFault(string option, string value, out string error)
    {
        error = "";
        string fault = FaultName(option, out bool receive, out bool transmit)!;
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
        {
            error = $"{option} '{value}' is not a number";
            return false;
        }
        if (fault == "--delay" ? number > 60_000 : number > 1)
        {
            error = fault == "--delay" ? $"{option} '{value}' is more than a minute" : $"{option} '{value}' is not a probability from 0 to 1";
            return false;
        }
        if (receive) ReceiveFaults = With(ReceiveFaults, fault, number);
        if (transmit) TransmitFaults = With(TransmitFaults, fault, number);
        return true;
    }

    private static FaultSettings With(FaultSettings s, string fault, double value) => fault switch
    {
        "--drop" => s with { DropProbability = value },
        "--duplicate" => s with { DuplicateProbability = value },
        "--reorder" => s with { ReorderProbability = value, ReorderTimeout = ReorderTimeout },
        "--corrupt" => s with { CorruptProbability = value },
        _ => s with { Delay = new Duration((long)(value * 1000)) },
    };

    private static bool TryParseCidr(string text, out AddressOption address)
    {
        address = default;
        if (text.IndexOf('/') < 0) return false;
        if (Ipv4Cidr.TryParse(text, null, out var v4))
        {
            if (!v4.Address.IsUnicast) return false;
            address = new AddressOption(v4.Address, v4.PrefixLength);
            return true;
        }
        if (Ipv6Cidr.TryParse(text, null, out var v6))
        {
            if (!v6.Address.IsUnicast) return false;
            address = new AddressOption(v6.Address, v6.PrefixLength);
            return true;
        }
        return false;
    }

    private ushort? SharedTcpPort()
    {
        ReadOnlySpan<ushort> ports = [TcpEchoPort, TcpDiscardPort, TcpChargenPort, HttpPort, IperfPort];
        for (int i = 0; i < ports.Length; i++)
            for (int j = i + 1; j < ports.Length; j++)
                if (ports[i] != 0 && ports[i] == ports[j]) return ports[i];
        return null;
    }

    private bool Check(int devices, out string error)
    {
        error = "";
        if (devices == 0) error = "give one of --iface NAME, --tap NAME or --tun NAME (see --help)";
        else if (Mmap && Kind != DeviceKind.AfPacket) error = "--mmap goes with --iface only";
        else if (QdiscBypass && Kind != DeviceKind.AfPacket) error = "--qdisc-bypass goes with --iface only";
        else if (Kind == DeviceKind.Tun && Mac is not null) error = "--mac has no meaning on a TUN device (no Ethernet)";
        else if (Kind == DeviceKind.Tun && Slaac) error = "--slaac needs Ethernet (use --iface or --tap)";
        else if (Addresses.Count == 0 && !Slaac) error = "give at least one --ip CIDR (or --slaac)";
        else if (Addresses.Count > 14) error = "at most 14 --ip addresses";
        else if (Gateways.FindAll(g => g.IsV4).Count > 1 || Gateways.FindAll(g => g.IsV6).Count > 1) error = "one --gateway per address family (one IPv4, one IPv6)";
        else if (OutputFile is not null && Fetch is null) error = "--output goes with --fetch only";
        else if (Queues > 1 && Kind == DeviceKind.Tun) error = "--queues goes with --iface or --tap only";
        // The kernel steers the answers to our connection attempt by its own flow hash, most likely to another queue.
        else if (Queues > 1 && Fetch is not null) error = "--fetch needs --queues 1 (the server's answers may reach another queue's stack)";
        else if (Queues > 1 && PcapFile is not null) error = "--pcap needs --queues 1";
        else if (_iperfClientOptions && IperfClient is null) error = "--iperf-time, --iperf-parallel and --iperf-reverse go with --iperf-client";
        else if (IperfClient is not null && Fetch is not null) error = "give --fetch or --iperf-client, not both";
        else if (IperfClient is not null && Queues > 1) error = "--iperf-client needs --queues 1 (the server's answers may reach another queue's stack)";
        else if (IperfClient is not null && MaxConnections <= IperfParallel) error = $"--iperf-client with {IperfParallel} streams needs --max-connections above {IperfParallel}";
        // All connections' buffers are one array (ConnectionArena), allocated at start-up.
        else if ((long)MaxConnections * (2L * TcpBuffer + TcpServices.HeadSize) > Array.MaxLength)
            error = $"--max-connections {MaxConnections} with --tcp-buffer {TcpBuffer / 1024} needs more than {Array.MaxLength / (1 << 20)} MiB of buffers: give fewer or smaller";
        else if (SharedTcpPort() is { } shared) error = $"two TCP services on port {shared}: give each its own port, or 0 to turn one off";
        else if (Mtu is > 0 and < 1280 && (Slaac || Addresses.Exists(a => a.Address.IsV6))) error = "IPv6 needs an MTU of at least 1280 (RFC 8200 §5)";
        return error.Length == 0;
    }
}
