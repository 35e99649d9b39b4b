using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Ethox.Wire;

/// <summary>An IPv4 address, held as the big-endian 32-bit number (first octet most significant).</summary>
public readonly struct Ipv4Address : IEquatable<Ipv4Address>, IComparable<Ipv4Address>, ISpanFormattable, ISpanParsable<Ipv4Address>
{
    private readonly uint _value;

    /// <summary>The length of an address in bytes.</summary>
    public const int Length = 4;

    /// <summary>Builds an address from its 32-bit value (first octet most significant).</summary>
    public Ipv4Address(uint value) => _value = value;

    /// <summary>Builds an address from its four octets.</summary>
    public Ipv4Address(byte a, byte b, byte c, byte d) => _value = (uint)(a << 24 | b << 16 | c << 8 | d);

    /// <summary>0.0.0.0.</summary>
    public static Ipv4Address Unspecified => default;
    /// <summary>255.255.255.255.</summary>
    public static Ipv4Address Broadcast => new(0xFFFF_FFFF);
    /// <summary>127.0.0.1.</summary>
    public static Ipv4Address Loopback => new(0x7F00_0001);

    /// <summary>The 32-bit value, first octet most significant.</summary>
    public uint Value => _value;

    /// <summary>Reads an address from four wire bytes.</summary>
    public static Ipv4Address Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt32BigEndian(bytes));

    /// <summary>Writes the four wire bytes.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, _value);

    /// <summary>0.0.0.0.</summary>
    public bool IsUnspecified => _value == 0;
    /// <summary>255.255.255.255.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF;
    /// <summary>224.0.0.0/4.</summary>
    public bool IsMulticast => (_value & 0xF000_0000) == 0xE000_0000;
    /// <summary>127.0.0.0/8.</summary>
    public bool IsLoopback => (_value >> 24) == 127;
    /// <summary>169.254.0.0/16.</summary>
    public bool IsLinkLocal => (_value >> 16) == 0xA9FE;
    /// <summary>Neither unspecified, broadcast nor multicast.</summary>
    public bool IsUnicast => !IsUnspecified && !IsBroadcast && !IsMulticast;

    /// <summary>Converts from <see cref="IPAddress"/> (allocation-free for the read).</summary>
    public static Ipv4Address FromIPAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("not an IPv4 address", nameof(address));
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return Read(b);
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates; for convenience outside packet paths).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[4];
        WriteTo(b);
        return new IPAddress(b);
    }

    /// <inheritdoc/>
    public bool Equals(Ipv4Address other) => _value == other._value;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Ipv4Address o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => (int)_value;
    /// <inheritdoc/>
    public int CompareTo(Ipv4Address other) => _value.CompareTo(other._value);
    /// <summary>Equality.</summary>
    public static bool operator ==(Ipv4Address a, Ipv4Address b) => a._value == b._value;
    /// <summary>Inequality.</summary>
    public static bool operator !=(Ipv4Address a, Ipv4Address b) => a._value != b._value;

    /// <summary>Dotted quad.</summary>
    public override string ToString()
    {
        Span<char> buf = stackalloc char[15];
        TryFormat(buf, out int n);
        return new string(buf[..n]);
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the dotted quad without allocating.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        int pos = 0;
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                if (pos >= destination.Length) { charsWritten = 0; return false; }
                destination[pos++] = '.';
            }
            byte octet = (byte)(_value >> (24 - 8 * i));
            if (!octet.TryFormat(destination[pos..], out int n)) { charsWritten = 0; return false; }
            pos += n;
        }
        charsWritten = pos;
        return true;
    }

    /// <summary>Parses a strict dotted quad (four decimal octets, no leading zeros beyond "0").</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Ipv4Address result)
    {
        result = default;
        uint value = 0;
        int octets = 0, i = 0;
        while (octets < 4)
        {
            int start = i, octet = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9' && i - start < 3)
                octet = octet * 10 + (s[i++] - '0');
            int digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && s[start] == '0')) return false;
            value = (value << 8) | (uint)octet;
            octets++;
            if (octets < 4)
            {
                if (i >= s.Length || s[i] != '.') return false;
                i++;
            }
        }
        if (i != s.Length) return false;
        result = new Ipv4Address(value);
        return true;
    }

    /// <summary>Parses a dotted quad.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out Ipv4Address result) => TryParse(s, null, out result);
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Ipv4Address result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static Ipv4Address Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an IPv4 address");
    /// <inheritdoc/>
    public static Ipv4Address Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}
