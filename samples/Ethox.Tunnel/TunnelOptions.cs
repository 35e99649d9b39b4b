using System;
using System.Collections.Generic;
using System.Net;
using Ethox.Layer;
using Ethox.Samples;
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
            string name = OptionParser.Name(arg, out string? inlineValue);
            switch (name)
            {
                case "--help" or "-h": options.Help = true; return true;
                case "--verbose" or "-v": options.Verbose = true; continue;
                case "--tun" or "--to" or "--accept" or "--max-connections" or "--buffer" or "--offloads" or "--duration": break;
                default:
                    error = OptionParser.Unknown(name, arg);
                    return false;
            }
            if (!OptionParser.TryTakeValue(args, ref i, name, inlineValue, out string value, out error)) return false;
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
                if (!OptionParser.TryParseNumber(name, value, 1, MaxConnectionLimit, "", out int connections, out error)) return false;
                MaxConnections = connections;
                return true;
            case "--buffer":
                if (!OptionParser.TryParseNumber(name, value, 4096, 16 << 20, "bytes", out int bytes, out error)) return false;
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
                if (!OptionParser.TryParseSeconds(name, value, out var runFor, out error)) return false;
                RunFor = runFor;
                return true;
        }
    }
}
