using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Ethox.Wire;

/// <summary>An IPv6 address, held as two big-endian 64-bit halves.</summary>
public readonly struct Ipv6Address : IEquatable<Ipv6Address>, IComparable<Ipv6Address>, ISpanFormattable, ISpanParsable<Ipv6Address>
{
    private readonly ulong _high, _low;

    /// <summary>The length of an address in bytes.</summary>
    public const int Length = 16;

    /// <summary>Builds an address from its two 64-bit halves (network order).</summary>
    public Ipv6Address(ulong high, ulong low) { _high = high; _low = low; }

    /// <summary>The first 64 bits (routing prefix and subnet).</summary>
    public ulong High => _high;
    /// <summary>The last 64 bits (interface identifier).</summary>
    public ulong Low => _low;

    /// <summary>::.</summary>
    public static Ipv6Address Unspecified => default;
    /// <summary>::1.</summary>
    public static Ipv6Address Loopback => new(0, 1);
    /// <summary>ff02::1, all nodes on the link.</summary>
    public static Ipv6Address LinkLocalAllNodes => new(0xFF02_0000_0000_0000UL, 1);
    /// <summary>ff02::2, all routers on the link.</summary>
    public static Ipv6Address LinkLocalAllRouters => new(0xFF02_0000_0000_0000UL, 2);
    /// <summary>ff02::16, all MLDv2-capable routers (RFC 3810 §5.2.14).</summary>
    public static Ipv6Address LinkLocalAllMldRouters => new(0xFF02_0000_0000_0000UL, 0x16);

    /// <summary>Reads an address from 16 wire bytes.</summary>
    public static Ipv6Address Read(ReadOnlySpan<byte> bytes)
        => new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    /// <summary>Writes the 16 wire bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>Builds the 16-bit group <paramref name="index"/> (0..7).</summary>
    public ushort Group(int index) => (ushort)((index < 4 ? _high : _low) >> (48 - 16 * (index & 3)));

    /// <summary>::.</summary>
    public bool IsUnspecified => _high == 0 && _low == 0;
    /// <summary>::1.</summary>
    public bool IsLoopback => _high == 0 && _low == 1;
    /// <summary>ff00::/8.</summary>
    public bool IsMulticast => (_high >> 56) == 0xFF;
    /// <summary>fe80::/10.</summary>
    public bool IsLinkLocal => (_high >> 54) == (0xFE80 >> 6);
    /// <summary>Neither unspecified nor multicast.</summary>
    public bool IsUnicast => !IsUnspecified && !IsMulticast;
    /// <summary>::ffff:0:0/96, an IPv4-mapped address.</summary>
    public bool IsIpv4Mapped => _high == 0 && (_low >> 32) == 0xFFFF;

    /// <summary>The solicited-node multicast group ff02::1:ffXX:XXXX of this address (RFC 4291 §2.7.1).</summary>
    public Ipv6Address SolicitedNode => new(0xFF02_0000_0000_0000UL, 0x0000_0001_FF00_0000UL | (_low & 0xFF_FFFF));

    /// <summary>The link-local address fe80::/64 with an interface identifier made from a MAC (modified EUI-64, RFC 4291 App. A).</summary>
    public static Ipv6Address LinkLocalFromMac(EthernetAddress mac) => new(0xFE80_0000_0000_0000UL, InterfaceIdFromMac(mac));

    /// <summary>The modified EUI-64 interface identifier of a MAC (U/L bit inverted, ff:fe inserted).</summary>
    public static ulong InterfaceIdFromMac(EthernetAddress mac)
    {
        ulong m = mac.Value;
        ulong oui = (m >> 24) ^ 0x02_0000;
        return (oui << 40) | (0xFFFEUL << 24) | (m & 0xFF_FFFF);
    }

    /// <summary>Converts from <see cref="IPAddress"/>.</summary>
    public static Ipv6Address FromIPAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException("not an IPv6 address", nameof(address));
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        return Read(b);
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates; for convenience outside packet paths).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        WriteTo(b);
        return new IPAddress(b);
    }

    /// <inheritdoc/>
    public bool Equals(Ipv6Address other) => _high == other._high && _low == other._low;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Ipv6Address o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);
    /// <inheritdoc/>
    public int CompareTo(Ipv6Address other) => _high != other._high ? _high.CompareTo(other._high) : _low.CompareTo(other._low);
    /// <summary>Equality.</summary>
    public static bool operator ==(Ipv6Address a, Ipv6Address b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Ipv6Address a, Ipv6Address b) => !a.Equals(b);

    /// <summary>The RFC 5952 text form.</summary>
    public override string ToString()
    {
        Span<char> buf = stackalloc char[39];
        TryFormat(buf, out int n);
        return new string(buf[..n]);
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the RFC 5952 canonical text form (lower case, longest run of zero groups of length ≥ 2 compressed, first such run on ties).</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8;)
        {
            if (Group(i) != 0) { i++; continue; }
            int start = i;
            while (i < 8 && Group(i) == 0) i++;
            if (i - start > bestLen && i - start >= 2) { bestStart = start; bestLen = i - start; }
        }
        int pos = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                if (!Put(destination, ref pos, ':')) return false;
                if (i == 0 && !Put(destination, ref pos, ':')) return false;
                i += bestLen - 1; // the loop's i++ lands on the group after the run
                continue;
            }
            if (!Group(i).TryFormat(destination[pos..], out int n, "x")) return false;
            pos += n;
            if (i < 7 && !Put(destination, ref pos, ':')) return false;
        }
        charsWritten = pos;
        return true;

        static bool Put(Span<char> d, ref int p, char c)
        {
            if (p >= d.Length) return false;
            d[p++] = c;
            return true;
        }
    }

    /// <summary>Parses any RFC 4291 §2.2 text form, including "::" compression and a trailing dotted quad.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Ipv6Address result)
    {
        result = default;
        Span<ushort> groups = stackalloc ushort[8];
        int count = 0, gap = -1, i = 0;
        if (s.Length < 2) return false;
        if (s[0] == ':')
        {
            if (s[1] != ':') return false;
            gap = 0;
            i = 2;
            if (i == s.Length) { result = default; return true; }
        }
        while (i < s.Length)
        {
            if (count == 8) return false;
            // A trailing dotted quad fills the last two groups.
            int colon = s[i..].IndexOf(':');
            ReadOnlySpan<char> token = colon < 0 ? s[i..] : s.Slice(i, colon);
            if (colon < 0 && token.Contains('.'))
            {
                if (count > 6 || !Ipv4Address.TryParse(token, out var v4)) return false;
                groups[count++] = (ushort)(v4.Value >> 16);
                groups[count++] = (ushort)v4.Value;
                i = s.Length;
                break;
            }
            if (token.Length is 0 or > 4) return false;
            int g = 0;
            foreach (char c in token)
            {
                int d = HexDigits.Value(c);
                if (d < 0) return false;
                g = g << 4 | d;
            }
            groups[count++] = (ushort)g;
            i += token.Length;
            if (i == s.Length) break;
            i++; // the ':'
            if (i == s.Length) return false; // trailing single ':'
            if (s[i] == ':')
            {
                if (gap >= 0) return false;
                gap = count;
                i++;
            }
        }
        if (gap < 0 && count != 8) return false;
        if (gap >= 0 && count == 8) return false;
        Span<ushort> full = stackalloc ushort[8];
        if (gap < 0) groups.CopyTo(full);
        else
        {
            full.Clear();
            groups[..gap].CopyTo(full);
            groups[gap..count].CopyTo(full[(8 - (count - gap))..]);
        }
        ulong hi = 0, lo = 0;
        for (int k = 0; k < 4; k++) { hi = hi << 16 | full[k]; lo = lo << 16 | full[k + 4]; }
        result = new Ipv6Address(hi, lo);
        return true;
    }

    /// <summary>Parses an IPv6 address.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out Ipv6Address result) => TryParse(s, null, out result);
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Ipv6Address result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static Ipv6Address Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an IPv6 address");
    /// <inheritdoc/>
    public static Ipv6Address Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}
