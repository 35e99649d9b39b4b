using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Tunnel;

/// <summary>The command line, parsed and checked. Parsing never throws: a bad argument is one line of text.</summary>
internal sealed class TunnelOptions
{
    public const string Usage = """
        usage: ethox-tunnel --tun NAME --to ADDRESS[:PORT] [options]

        A transparent TCP relay: creates the TUN interface NAME and accepts, in Ethox, every TCP connection the
        kernel routes into it, to any address and port, answering from that address; each is relayed to the
        server at ADDRESS (a kernel socket), both directions, half-close included. The kernel's side is yours to
        configure, e.g. for 198.18.200.0/24:
            ip link set NAME up && ip route add 198.18.200.0/24 dev NAME

          --tun NAME           the TUN interface to create (needs CAP_NET_ADMIN)
          --to ADDRESS[:PORT]  the server: 198.18.1.1:8000 or [2001:db8::1]:8000; without a port, the port
                               each connection was made to
          --accept CIDR        take only connections to addresses in CIDR (repeatable; default: every address);
                               the others are refused with a RST
          --max-connections N  connections at once (1 to 4096, default 64)
          --buffer BYTES       each connection's receive and send rings in Ethox (4096 to 16777216, default 262144)
          --offloads MODE      on (default): the kernel's checksum and segmentation offloads on the TUN (virtio-net
                               header); off: none
          --verbose            print each connection's four-tuple when it opens and its byte counts when it ends
          --duration SEC       stop after SEC seconds (default: run until Ctrl-C or SIGTERM)
          --help               this text

        exit status: 0 after a clean stop, 1 on a runtime error (no privilege, no TUN), 2 on a usage error
        """;

    /// <summary>The most connections <c>--max-connections</c> takes.</summary>
    public const int MaxConnectionLimit = 4096;

    public string TunName { get; private set; } = "";
    public IPEndPoint? Server { get; private set; }
    public List<AddressRange> Accept { get; } = [];
    public int MaxConnections { get; private set; } = 64;
    public int BufferBytes { get; private set; } = 256 * 1024;
    public DeviceOffloads Offloads { get; private set; } = DeviceOffloads.All;
    public bool Verbose { get; private set; }
    public Duration? RunFor { get; private set; }
    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> is one line naming the problem.</summary>
    public static bool TryParse(ReadOnlySpan<string> args, out TunnelOptions options, out string error)
    {
        options = new TunnelOptions();
        error = "";
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name = arg;
            string? value = null;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            switch (name)
            {
                case "--help" or "-h": options.Help = true; return true;
                case "--verbose" or "-v": options.Verbose = true; continue;
                case "--tun" or "--to" or "--accept" or "--max-connections" or "--buffer" or "--offloads" or "--duration": break;
                default:
                    error = name.StartsWith('-') ? $"unknown option '{name}' (see --help)" : $"unexpected argument '{arg}' (see --help)";
                    return false;
            }
            if (value is null)
            {
                if (i + 1 >= args.Length) { error = $"{name} needs a value"; return false; }
                value = args[++i];
            }
            if (!options.Apply(name, value, out error)) return false;
        }
        if (options.TunName.Length == 0) error = "give the TUN interface to create with --tun NAME (see --help)";
        else if (options.Server is null) error = "give the server to relay to with --to ADDRESS[:PORT] (see --help)";
        return error.Length == 0;
    }

    private bool Apply(string name, string value, out string error)
    {
        error = "";
        switch (name)
        {
            case "--tun":
                if (value.Length is 0 or > 15 || value.Contains('/') || value.Contains(':'))
                {
                    error = $"--tun '{value}' is not a valid interface name (1 to 15 characters, no '/' or ':')";
                    return false;
                }
                TunName = value;
                return true;
            case "--to":
                if (!IPEndPoint.TryParse(value, out var server) || server.Address.Equals(IPAddress.Any) || server.Address.Equals(IPAddress.IPv6Any))
                {
                    error = $"--to '{value}' is not an IPv4 or IPv6 address with an optional port (198.18.1.1:8000, [2001:db8::1]:8000)";
                    return false;
                }
                Server = server;
                return true;
            case "--accept":
                if (!AddressRange.TryParse(value, out var cidr))
                {
                    error = $"--accept '{value}' is not an IPv4 or IPv6 prefix (198.18.200.0/24, 2001:db8:200::/64)";
                    return false;
                }
                Accept.Add(cidr);
                return true;
            case "--max-connections":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int connections) || connections is < 1 or > MaxConnectionLimit)
                {
                    error = $"--max-connections '{value}' is not a number from 1 to {MaxConnectionLimit}";
                    return false;
                }
                MaxConnections = connections;
                return true;
            case "--buffer":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes) || bytes is < 4096 or > 16 << 20)
                {
                    error = $"--buffer '{value}' is not a number of bytes from 4096 to 16777216";
                    return false;
                }
                BufferBytes = bytes;
                return true;
            case "--offloads":
                switch (value)
                {
                    case "on": Offloads = DeviceOffloads.All; return true;
                    case "off": Offloads = DeviceOffloads.None; return true;
                }
                error = $"--offloads '{value}' is not on or off";
                return false;
            default: // --duration
                if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds > 1e9)
                {
                    error = $"--duration '{value}' is not a number of seconds";
                    return false;
                }
                RunFor = new Duration((long)(seconds * 1e6));
                return true;
        }
    }
}
