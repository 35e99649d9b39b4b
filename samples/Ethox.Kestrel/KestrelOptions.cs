using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Ethox.Nic.Hosting;
using Ethox.Wire;

namespace Ethox.Kestrel;

/// <summary>The command line, parsed and checked. Parsing never throws: a bad argument is one line of text.</summary>
internal sealed class KestrelOptions
{
    public const string Usage = """
        usage: ethox-kestrel --iface NAME --ip CIDR... [options]

        An ASP.NET Core minimal-API app (GET /hello: JSON; GET /bytes/N: N bytes) served by Kestrel over the
        Ethox stack on an AF_PACKET socket of the Ethernet interface NAME (needs CAP_NET_RAW). Stops on
        Ctrl-C, SIGTERM or --duration.

          --iface NAME         the Ethernet interface
          --ip CIDR            our address with its prefix, e.g. 198.18.0.1/24 or 2001:db8::1/64 (repeatable)
          --mac MAC            our Ethernet address (default: the interface's; another one receives promiscuously)
          --gateway ADDR       the default router, IPv4 or IPv6 (once per family)
          --port N             the TCP port served over Ethox (default 8080)
          --kernel ADDR:PORT   also serve the app on Kestrel's socket transport over the kernel (repeatable;
                               ADDR is the kernel's, [v6]:PORT for IPv6), for side-by-side comparison
          --max-connections N  connections at once over Ethox (default 1024)
          --receive-buffer N   the packet socket's receive buffer in bytes (default 8 MiB): frames that arrive
                               while it is full are dropped by the kernel and cost a retransmission
          --mmap               PACKET_MMAP rings (256 frames each way) instead of one system call per frame
          --busy-poll USEC     the host's thread keeps looking for frames and requests for USEC microseconds
                               after the last one before it sleeps (default 0: it sleeps at once)
          --queues N           N hosts (1 to 16, default 1), each a stack on its own thread with its own packet
                               socket of one PACKET_FANOUT hash group: the kernel shares the connections out, and
                               responses leave from N threads; Kestrel listens on every host's port
          --duration SEC       stop after SEC seconds
          --help               this text
        """;

    public string? Interface { get; private set; }
    public List<HostAddress> Addresses { get; } = [];
    public List<IpAddress> Gateways { get; } = [];
    public EthernetAddress? Mac { get; private set; }
    public int Port { get; private set; } = 8080;
    public List<IPEndPoint> KernelEndPoints { get; } = [];
    public int MaxConnections { get; private set; } = 1024;
    public int ReceiveBufferBytes { get; private set; } = 8 << 20;
    public bool Mmap { get; private set; }
    public int BusyPollMicroseconds { get; private set; }
    public int Queues { get; private set; } = 1;
    public const int MaxQueues = 16;
    public double? Duration { get; private set; }
    public bool Help { get; private set; }

    public static bool TryParse(string[] args, out KestrelOptions options, out string error)
    {
        options = new KestrelOptions();
        error = "";
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                options.Help = true;
                return true;
            }
            if (arg == "--mmap")
            {
                options.Mmap = true;
                continue;
            }
            if (i + 1 >= args.Length)
            {
                error = arg.StartsWith("--", System.StringComparison.Ordinal) ? $"{arg} needs a value" : $"unexpected argument '{arg}'";
                return false;
            }
            string value = args[++i];
            switch (arg)
            {
                case "--iface":
                    options.Interface = value;
                    break;
                case "--ip":
                    if (!HostAddress.TryParse(value, out var address)) return Fail($"--ip: '{value}' is not an address with a prefix (198.18.0.1/24, 2001:db8::1/64)", out error);
                    options.Addresses.Add(address);
                    break;
                case "--mac":
                    if (!EthernetAddress.TryParse(value, out var mac)) return Fail($"--mac: '{value}' is not an Ethernet address", out error);
                    options.Mac = mac;
                    break;
                case "--gateway":
                    if (!IpAddress.TryParse(value, null, out var gateway)) return Fail($"--gateway: '{value}' is not an IP address", out error);
                    options.Gateways.Add(gateway);
                    break;
                case "--port":
                    if (!TryInt(value, 1, ushort.MaxValue, out int port)) return Fail($"--port: '{value}' is not a port (1 to 65535)", out error);
                    options.Port = port;
                    break;
                case "--kernel":
                    if (!IPEndPoint.TryParse(value, out var kernel) || kernel.Port == 0) return Fail($"--kernel: '{value}' is not ADDRESS:PORT", out error);
                    options.KernelEndPoints.Add(kernel);
                    break;
                case "--max-connections":
                    if (!TryInt(value, 1, 65536, out int max)) return Fail($"--max-connections: '{value}' is not a number from 1 to 65536", out error);
                    options.MaxConnections = max;
                    break;
                case "--receive-buffer":
                    if (!TryInt(value, 65536, 1 << 30, out int bytes)) return Fail($"--receive-buffer: '{value}' is not a number of bytes from 65536 to 1073741824", out error);
                    options.ReceiveBufferBytes = bytes;
                    break;
                case "--busy-poll":
                    if (!TryInt(value, 0, 1_000_000, out int micros)) return Fail($"--busy-poll: '{value}' is not a number of microseconds from 0 to 1000000", out error);
                    options.BusyPollMicroseconds = micros;
                    break;
                case "--queues":
                    if (!TryInt(value, 1, MaxQueues, out int queues)) return Fail($"--queues: '{value}' is not a number from 1 to {MaxQueues}", out error);
                    options.Queues = queues;
                    break;
                case "--duration":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0))
                        return Fail($"--duration: '{value}' is not a positive number of seconds", out error);
                    options.Duration = seconds;
                    break;
                default:
                    return Fail($"unknown option '{arg}' (--help lists them)", out error);
            }
        }
        if (options.Interface is null) return Fail("--iface NAME is required (--help for usage)", out error);
        if (options.Addresses.Count == 0) return Fail("at least one --ip CIDR is required", out error);
        return true;
    }

    private static bool TryInt(string text, int min, int max, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
