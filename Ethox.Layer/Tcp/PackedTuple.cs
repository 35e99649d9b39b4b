using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A four-tuple as the <see cref="ConnectionTable"/> keeps it, in 24 bytes instead of <see cref="FourTuple"/>'s 40: the
/// remote address in full (an IPv4 one as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, RFC 4291 §2.5.5.2, which marks the
/// tuple as IPv4), both ports, and the local address — an IPv4 one inline, an IPv6 one as its index (plus one) in the
/// table's <see cref="LocalAddressTable"/>, since a host's own IPv6 addresses are few and shared by its connections.
/// <c>default</c> is no tuple: no valid tuple packs to all zeros (an IPv4 one has the mapped prefix, an IPv6 one an index).
/// </summary>
internal readonly struct PackedTuple
{
    private const ulong MappedPrefix = 0xFFFFUL << 32;

    private readonly ulong _remoteHigh, _remoteLow;
    private readonly uint _ports;  // local << 16 | remote
    private readonly uint _local;  // the IPv4 local address, or the local IPv6 address's index + 1

    private PackedTuple(ulong remoteHigh, ulong remoteLow, uint ports, uint local)
    {
        _remoteHigh = remoteHigh;
        _remoteLow = remoteLow;
        _ports = ports;
        _local = local;
    }

    /// <summary>False for <c>default</c> (a free slot).</summary>
    public bool IsSome => (_remoteHigh | _remoteLow | _local) != 0;

    /// <summary>The packed form of the IPv4 tuple <paramref name="tuple"/>.</summary>
    public static PackedTuple V4(in FourTuple tuple)
        => new(0, MappedPrefix | tuple.RemoteAddress.V4.Value, Ports(tuple), tuple.LocalAddress.V4.Value);

    /// <summary>The packed form of the IPv6 tuple <paramref name="tuple"/> whose local address is entry <paramref name="localIndex"/> of the table.</summary>
    public static PackedTuple V6(in FourTuple tuple, int localIndex)
    {
        var remote = tuple.RemoteAddress.V6;
        return new(remote.High, remote.Low, Ports(tuple), (uint)localIndex + 1);
    }

    /// <summary>
    /// True when an IPv6 tuple cannot be packed apart from an IPv4 one: its remote address is IPv4-mapped, which RFC 4291
    /// §2.5.5.2 reserves for the API and which no segment on the wire may carry (Linux drops such SYNs as well).
    /// </summary>
    public static bool IsAmbiguous(in FourTuple tuple) => tuple.Version == IpVersion.V6 && tuple.RemoteAddress.V6.IsIpv4Mapped;

    /// <summary>The index of the local IPv6 address, or −1 for an IPv4 tuple.</summary>
    public int LocalIndex => IsV4 ? -1 : (int)_local - 1;

    private bool IsV4 => _remoteHigh == 0 && (_remoteLow & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

    /// <summary>True when this is <paramref name="tuple"/>; <paramref name="locals"/> holds the local IPv6 addresses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in FourTuple tuple, LocalAddressTable locals)
    {
        if (_ports != Ports(tuple)) return false;
        if (tuple.Version == IpVersion.V4)
            return _remoteHigh == 0 && _remoteLow == (MappedPrefix | tuple.RemoteAddress.V4.Value) && _local == tuple.LocalAddress.V4.Value;
        var remote = tuple.RemoteAddress.V6;
        return _remoteLow == remote.Low && _remoteHigh == remote.High && !IsV4 && _local != 0
            && locals.AddressAt((int)_local - 1) == tuple.LocalAddress.V6;
    }

    /// <summary>The tuple in full; <paramref name="locals"/> holds the local IPv6 addresses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FourTuple Unpack(LocalAddressTable locals)
    {
        if (!IsSome) return default;
        ushort localPort = (ushort)(_ports >> 16), remotePort = (ushort)_ports;
        if (IsV4) return new FourTuple(new Ipv4Address(_local), localPort, new Ipv4Address((uint)_remoteLow), remotePort);
        return new FourTuple(locals.AddressAt((int)_local - 1), localPort, new Ipv6Address(_remoteHigh, _remoteLow), remotePort);
    }

    /// <summary>Our port.</summary>
    public ushort LocalPort => (ushort)(_ports >> 16);
    /// <summary>The peer's port.</summary>
    public ushort RemotePort => (ushort)_ports;

    /// <summary>Our address; <paramref name="locals"/> holds the local IPv6 addresses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IpAddress LocalAddress(LocalAddressTable locals)
        => IsV4 ? new IpAddress(new Ipv4Address(_local)) : new IpAddress(locals.AddressAt((int)_local - 1));

    /// <summary>The peer's address.</summary>
    public IpAddress RemoteAddress => IsV4 ? new IpAddress(new Ipv4Address((uint)_remoteLow)) : new IpAddress(new Ipv6Address(_remoteHigh, _remoteLow));

    private static uint Ports(in FourTuple tuple) => (uint)tuple.LocalPort << 16 | tuple.RemotePort;
}
