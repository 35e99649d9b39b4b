using System;
using System.Diagnostics.CodeAnalysis;

namespace Ethox.Wire;

/// <summary>An IPv4 address with a prefix length, e.g. 198.18.0.1/24 (an interface address or a route).</summary>
public readonly struct Ipv4Cidr : IEquatable<Ipv4Cidr>, ISpanFormattable, ISpanParsable<Ipv4Cidr>
{
    /// <summary>The address (host bits kept: an interface address keeps its own host part).</summary>
    public Ipv4Address Address { get; }
    /// <summary>The prefix length, 0..32.</summary>
    public int PrefixLength { get; }

    /// <summary>Builds a CIDR; <paramref name="prefixLength"/> must be 0..32.</summary>
    public Ipv4Cidr(Ipv4Address address, int prefixLength)
    {
        if ((uint)prefixLength > 32) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        Address = address;
        PrefixLength = prefixLength;
    }

    /// <summary>The netmask as an address.</summary>
    public Ipv4Address Netmask => new(Mask);
    private uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    /// <summary>The network address (host bits cleared).</summary>
    public Ipv4Address Network => new(Address.Value & Mask);
    /// <summary>The directed broadcast address of the subnet.</summary>
    public Ipv4Address BroadcastAddress => new(Address.Value | ~Mask);
    /// <summary>True when <paramref name="address"/> is inside the prefix.</summary>
    public bool Contains(Ipv4Address address) => ((address.Value ^ Address.Value) & Mask) == 0;

    /// <inheritdoc/>
    public bool Equals(Ipv4Cidr other) => Address == other.Address && PrefixLength == other.PrefixLength;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Ipv4Cidr o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength);
    /// <summary>Equality.</summary>
    public static bool operator ==(Ipv4Cidr a, Ipv4Cidr b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Ipv4Cidr a, Ipv4Cidr b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();
    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
        => CidrText.TryFormat(Address, PrefixLength, destination, out charsWritten);

    /// <summary>Parses <c>a.b.c.d/len</c>; a bare address gets /32.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Ipv4Cidr result)
    {
        result = default;
        if (!CidrText.Split(s, 32, out var addr, out int len) || !Ipv4Address.TryParse(addr, out var a)) return false;
        result = new Ipv4Cidr(a, len);
        return true;
    }
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Ipv4Cidr result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static Ipv4Cidr Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an IPv4 CIDR");
    /// <inheritdoc/>
    public static Ipv4Cidr Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}

/// <summary>An IPv6 address with a prefix length, e.g. 2001:db8::1/64.</summary>
public readonly struct Ipv6Cidr : IEquatable<Ipv6Cidr>, ISpanFormattable, ISpanParsable<Ipv6Cidr>
{
    /// <summary>The address (host bits kept).</summary>
    public Ipv6Address Address { get; }
    /// <summary>The prefix length, 0..128.</summary>
    public int PrefixLength { get; }

    /// <summary>Builds a CIDR; <paramref name="prefixLength"/> must be 0..128.</summary>
    public Ipv6Cidr(Ipv6Address address, int prefixLength)
    {
        if ((uint)prefixLength > 128) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        Address = address;
        PrefixLength = prefixLength;
    }

    private static ulong MaskOf(int bits) => bits <= 0 ? 0 : bits >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - bits);
    private ulong HighMask => MaskOf(PrefixLength);
    private ulong LowMask => MaskOf(PrefixLength - 64);

    /// <summary>The network prefix (host bits cleared).</summary>
    public Ipv6Address Network => new(Address.High & HighMask, Address.Low & LowMask);
    /// <summary>True when <paramref name="address"/> is inside the prefix.</summary>
    public bool Contains(Ipv6Address address)
        => ((address.High ^ Address.High) & HighMask) == 0 && ((address.Low ^ Address.Low) & LowMask) == 0;

    /// <inheritdoc/>
    public bool Equals(Ipv6Cidr other) => Address == other.Address && PrefixLength == other.PrefixLength;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Ipv6Cidr o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength);
    /// <summary>Equality.</summary>
    public static bool operator ==(Ipv6Cidr a, Ipv6Cidr b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Ipv6Cidr a, Ipv6Cidr b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();
    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
        => CidrText.TryFormat(Address, PrefixLength, destination, out charsWritten);

    /// <summary>Parses <c>addr/len</c>; a bare address gets /128.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Ipv6Cidr result)
    {
        result = default;
        if (!CidrText.Split(s, 128, out var addr, out int len) || !Ipv6Address.TryParse(addr, out var a)) return false;
        result = new Ipv6Cidr(a, len);
        return true;
    }
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Ipv6Cidr result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static Ipv6Cidr Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an IPv6 CIDR");
    /// <inheritdoc/>
    public static Ipv6Cidr Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}

/// <summary>The text form shared by both CIDR types: address, '/', decimal prefix length.</summary>
internal static class CidrText
{
    public static bool Split(ReadOnlySpan<char> s, int maxLength, out ReadOnlySpan<char> address, out int length)
    {
        int slash = s.IndexOf('/');
        if (slash < 0) { address = s; length = maxLength; return true; }
        address = s[..slash];
        var digits = s[(slash + 1)..];
        length = 0;
        if (digits.Length is 0 or > 3) return false;
        foreach (char c in digits)
        {
            if (c < '0' || c > '9') return false;
            length = length * 10 + (c - '0');
        }
        return length <= maxLength;
    }

    public static bool TryFormat<T>(T address, int prefixLength, Span<char> destination, out int charsWritten) where T : ISpanFormattable
    {
        charsWritten = 0;
        if (!address.TryFormat(destination, out int n, default, null) || n >= destination.Length) return false;
        destination[n++] = '/';
        if (!prefixLength.TryFormat(destination[n..], out int m)) return false;
        charsWritten = n + m;
        return true;
    }
}
