using System;
using System.Diagnostics.CodeAnalysis;

namespace Ethox.Wire;

/// <summary>The IP version of an address or packet.</summary>
public enum IpVersion : byte
{
    /// <summary>No address.</summary>
    Unspecified = 0,
    /// <summary>IPv4.</summary>
    V4 = 4,
    /// <summary>IPv6.</summary>
    V6 = 6,
}

/// <summary>An IPv4 or an IPv6 address, without allocation.</summary>
public readonly struct IpAddress : IEquatable<IpAddress>, ISpanFormattable, ISpanParsable<IpAddress>
{
    private readonly Ipv6Address _bits; // v4 stored in the low 32 bits
    private readonly IpVersion _version;

    /// <summary>Wraps an IPv4 address.</summary>
    public IpAddress(Ipv4Address v4) { _bits = new Ipv6Address(0, v4.Value); _version = IpVersion.V4; }
    /// <summary>Wraps an IPv6 address.</summary>
    public IpAddress(Ipv6Address v6) { _bits = v6; _version = IpVersion.V6; }

    /// <summary>Which family this is.</summary>
    public IpVersion Version => _version;
    /// <summary>True for IPv4.</summary>
    public bool IsV4 => _version == IpVersion.V4;
    /// <summary>True for IPv6.</summary>
    public bool IsV6 => _version == IpVersion.V6;
    /// <summary>The IPv4 address (meaningful when <see cref="IsV4"/>).</summary>
    public Ipv4Address V4 => new((uint)_bits.Low);
    /// <summary>The IPv6 address (meaningful when <see cref="IsV6"/>).</summary>
    public Ipv6Address V6 => _bits;
    /// <summary>Multicast (or IPv4 broadcast).</summary>
    public bool IsMulticast => IsV4 ? V4.IsMulticast || V4.IsBroadcast : _bits.IsMulticast;
    /// <summary>Unspecified address of either family.</summary>
    public bool IsUnspecified => _version == IpVersion.Unspecified || (IsV4 ? V4.IsUnspecified : _bits.IsUnspecified);

    /// <summary>Implicit conversion.</summary>
    public static implicit operator IpAddress(Ipv4Address a) => new(a);
    /// <summary>Implicit conversion.</summary>
    public static implicit operator IpAddress(Ipv6Address a) => new(a);

    /// <inheritdoc/>
    public bool Equals(IpAddress other) => _version == other._version && _bits == other._bits;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IpAddress o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_bits, _version);
    /// <summary>Equality.</summary>
    public static bool operator ==(IpAddress a, IpAddress b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(IpAddress a, IpAddress b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => IsV4 ? V4.ToString() : IsV6 ? V6.ToString() : "unspecified";
    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        if (IsV4) return V4.TryFormat(destination, out charsWritten);
        if (IsV6) return V6.TryFormat(destination, out charsWritten);
        charsWritten = 0;
        return true;
    }

    /// <summary>Parses a dotted quad or an IPv6 text form.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out IpAddress result)
    {
        if (s.Contains(':'))
        {
            bool ok = Ipv6Address.TryParse(s, out var v6);
            result = ok ? new IpAddress(v6) : default;
            return ok;
        }
        bool ok4 = Ipv4Address.TryParse(s, out var v4);
        result = ok4 ? new IpAddress(v4) : default;
        return ok4;
    }

    /// <summary>Parses either family.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out IpAddress result) => TryParse(s, null, out result);
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out IpAddress result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static IpAddress Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an IP address");
    /// <inheritdoc/>
    public static IpAddress Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}
