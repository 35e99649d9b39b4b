using System;
using Ethox.Layer.Common;

namespace Ethox.Layer.Udp;

/// <summary>UDP counters (RFC 768, RFC 1122 §4.1), read through <see cref="UdpEndpoint.Counters"/>.</summary>
public struct UdpCounters
{
    /// <summary>Datagrams received.</summary>
    public long DatagramsIn;
    /// <summary>Datagrams delivered to the application.</summary>
    public long Delivered;
    /// <summary>Datagrams sent (replies included).</summary>
    public long DatagramsOut;
    /// <summary>Malformed datagrams or bad checksums, by kind.</summary>
    public WireErrorCounts Errors;
    /// <summary>Datagrams to a port nobody bound (answered with port unreachable where allowed).</summary>
    public long NoPort;
    /// <summary>ICMP errors received about our datagrams (unreachable, packet too big, time exceeded, parameter problem).</summary>
    public long IcmpErrors;
}

/// <summary>
/// The UDP state: which ports are bound (a fixed 8 KiB bitmap, one bit per port, so binding never
/// allocates) and the counters.
/// </summary>
public sealed class UdpEndpoint
{
    private readonly ulong[] _bound = new ulong[65536 / 64];
    internal UdpCounters _counters;

    /// <summary>The counters.</summary>
    public ref readonly UdpCounters Counters => ref _counters;

    /// <summary>Checks received checksums (turn off only when the NIC verified them already).</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>Binds <paramref name="port"/>; false when it was bound already or is 0.</summary>
    public bool Bind(ushort port)
    {
        if (port == 0 || IsBound(port)) return false;
        _bound[port >> 6] |= 1UL << (port & 63);
        return true;
    }

    /// <summary>Unbinds <paramref name="port"/>; false when it was not bound.</summary>
    public bool Unbind(ushort port)
    {
        if (!IsBound(port)) return false;
        _bound[port >> 6] &= ~(1UL << (port & 63));
        return true;
    }

    /// <summary>True when datagrams to <paramref name="port"/> are delivered.</summary>
    public bool IsBound(ushort port) => (_bound[port >> 6] & (1UL << (port & 63))) != 0;
}
