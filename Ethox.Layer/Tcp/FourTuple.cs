using System;
using System.Diagnostics.CodeAnalysis;
using Ethox.Layer.Common;
using Ethox.Wire;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The identity of a TCP connection (RFC 9293 §3.3.2): local address and port, remote address and port,
/// both addresses of one family. Stored compactly (40 bytes: four 64-bit address words, two ports and the
/// version) because a <see cref="ConnectionTable"/> keeps one per connection slot.
/// </summary>
public readonly struct FourTuple : IEquatable<FourTuple>, ISpanFormattable
{
    // IPv4 addresses sit in the low 32 bits of the low word, as in IpAddress.
    private readonly ulong _localHigh, _localLow, _remoteHigh, _remoteLow;
    private readonly ushort _localPort, _remotePort;
    private readonly IpVersion _version;

    /// <summary>
    /// The tuple of <paramref name="local"/> and <paramref name="remote"/>. When the two addresses are not of
    /// one family (or have none) the result is <c>default</c>, whose <see cref="IsValid"/> is false and which
    /// every table refuses; <see cref="TryCreate(TransportAddress, TransportAddress, out FourTuple)"/> says so
    /// explicitly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FourTuple(TransportAddress local, TransportAddress remote)
        : this(local.Address, local.Port, remote.Address, remote.Port) { }

    /// <summary>The tuple from addresses and ports as they come off a segment; <c>default</c> for mixed families, as above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FourTuple(IpAddress localAddress, ushort localPort, IpAddress remoteAddress, ushort remotePort)
    {
        if (localAddress.Version != remoteAddress.Version || localAddress.Version == IpVersion.Unspecified) return;
        (_localHigh, _localLow) = Words(localAddress);
        (_remoteHigh, _remoteLow) = Words(remoteAddress);
        _localPort = localPort;
        _remotePort = remotePort;
        _version = localAddress.Version;
    }

    /// <summary>The tuple of <paramref name="local"/> and <paramref name="remote"/>; false when their families differ or are unspecified.</summary>
    public static bool TryCreate(TransportAddress local, TransportAddress remote, out FourTuple tuple)
    {
        tuple = new FourTuple(local, remote);
        return tuple.IsValid;
    }

    /// <summary>False for <c>default</c> and for a tuple built from mixed families.</summary>
    public bool IsValid => _version != IpVersion.Unspecified;
    /// <summary>The family of both addresses (<see cref="IpVersion.Unspecified"/> when not <see cref="IsValid"/>).</summary>
    public IpVersion Version => _version;
    /// <summary>Our address.</summary>
    public IpAddress LocalAddress => Address(_localHigh, _localLow);
    /// <summary>The peer's address.</summary>
    public IpAddress RemoteAddress => Address(_remoteHigh, _remoteLow);
    /// <summary>Our port.</summary>
    public ushort LocalPort => _localPort;
    /// <summary>The peer's port.</summary>
    public ushort RemotePort => _remotePort;
    /// <summary>Our end.</summary>
    public TransportAddress Local => new(LocalAddress, _localPort);
    /// <summary>The peer's end.</summary>
    public TransportAddress Remote => new(RemoteAddress, _remotePort);

    /// <summary>
    /// Keyed SipHash-2-4 of the whole tuple: the hot path of connection lookups and ISNs. An IPv4 tuple is hashed as two
    /// words (both addresses, then ports and version), an IPv6 one as five: the message lengths differ, and the version
    /// is in both, so no IPv4 tuple hashes the input of an IPv6 one.
    /// </summary>
    public ulong Hash(in SipHash key)
        => _version == IpVersion.V4 ? key.Hash(AddressesV4, PortsAndVersion) : key.Hash(_localHigh, _localLow, _remoteHigh, _remoteLow, PortsAndVersion);

    /// <summary>Keyed SipHash-2-4 of the whole tuple (as <see cref="Hash(in SipHash)"/>) followed by <paramref name="extra"/> (e.g. a sequence number and a counter).</summary>
    public ulong Hash(in SipHash key, ulong extra)
        => _version == IpVersion.V4 ? key.Hash(AddressesV4, PortsAndVersion, extra) : key.Hash([_localHigh, _localLow, _remoteHigh, _remoteLow, PortsAndVersion, extra]);

    // Both IPv4 addresses in one word.
    private ulong AddressesV4 => _localLow << 32 | (uint)_remoteLow;

    // Both ports and the version in one word after the addresses: the version keeps an IPv4 tuple apart from the
    // IPv6 tuple of ::a.b.c.d addresses.
    private ulong PortsAndVersion => (ulong)_version << 32 | (uint)_localPort << 16 | _remotePort;

    private static (ulong High, ulong Low) Words(IpAddress address)
        => address.IsV4 ? (0UL, address.V4.Value) : (address.V6.High, address.V6.Low);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IpAddress Address(ulong high, ulong low) => _version switch
    {
        IpVersion.V4 => new IpAddress(new Ipv4Address((uint)low)),
        IpVersion.V6 => new IpAddress(new Ipv6Address(high, low)),
        _ => default,
    };

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FourTuple other)
        => _localLow == other._localLow && _remoteLow == other._remoteLow
        && _localPort == other._localPort && _remotePort == other._remotePort
        && _localHigh == other._localHigh && _remoteHigh == other._remoteHigh
        && _version == other._version;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is FourTuple other && Equals(other);
    /// <summary>An unkeyed hash for .NET collections; tables indexed by peer data use <see cref="Hash(in SipHash)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(_localHigh, _localLow, _remoteHigh, _remoteLow, _localPort, _remotePort, _version);
    /// <summary>Equality.</summary>
    public static bool operator ==(FourTuple a, FourTuple b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(FourTuple a, FourTuple b) => !a.Equals(b);

    /// <summary>Formats as <c>198.18.0.1:80 &lt;-&gt; 198.18.0.2:40000</c> (IPv6 addresses in brackets) without allocating.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        if (!IsValid) return TryCopy("invalid", destination, ref charsWritten);
        if (!Local.TryFormat(destination, out int n)) return false;
        const string arrow = " <-> ";
        if (!arrow.AsSpan().TryCopyTo(destination[n..])) return false;
        n += arrow.Length;
        if (!Remote.TryFormat(destination[n..], out int written)) return false;
        charsWritten = n + written;
        return true;
    }

    private static bool TryCopy(string text, Span<char> destination, ref int charsWritten)
    {
        if (!text.AsSpan().TryCopyTo(destination)) return false;
        charsWritten = text.Length;
        return true;
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<char> text = stackalloc char[128];
        return TryFormat(text, out int n) ? new string(text[..n]) : "invalid";
    }
}
