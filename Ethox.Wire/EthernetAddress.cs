using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Ethox.Wire;

/// <summary>A 48-bit IEEE 802 MAC address, stored in network order in the low 48 bits of a <see cref="ulong"/>.</summary>
public readonly struct EthernetAddress : IEquatable<EthernetAddress>, ISpanFormattable, ISpanParsable<EthernetAddress>
{
    private readonly ulong _value; // bytes b0..b5 as the big-endian 48-bit number b0b1b2b3b4b5

    /// <summary>The length of an address in bytes.</summary>
    public const int Length = 6;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static EthernetAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    /// <summary>00:00:00:00:00:00.</summary>
    public static EthernetAddress Unspecified => default;

    /// <summary>Wraps a 48-bit value (first octet most significant); higher bits are dropped.</summary>
    internal EthernetAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    /// <summary>Reads an address from its six wire bytes.</summary>
    public EthernetAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length) throw new ArgumentException("an Ethernet address needs 6 bytes", nameof(bytes));
        _value = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
    }

    /// <summary>Builds an address from its six octets in order.</summary>
    public EthernetAddress(byte b0, byte b1, byte b2, byte b3, byte b4, byte b5)
        : this(((ulong)b0 << 40) | ((ulong)b1 << 32) | ((ulong)b2 << 24) | ((ulong)b3 << 16) | ((ulong)b4 << 8) | b5) { }

    /// <summary>Reads an address from the start of <paramref name="bytes"/> (which must hold at least 6 bytes).</summary>
    public static EthernetAddress Read(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>Writes the six wire bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>The 48-bit value, first octet most significant.</summary>
    public ulong Value => _value;

    /// <summary>Group bit (I/G) set: multicast or broadcast.</summary>
    public bool IsMulticast => (_value & 0x0100_0000_0000UL) != 0;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>Individual address (group bit clear).</summary>
    public bool IsUnicast => !IsMulticast;

    /// <summary>Locally administered (U/L bit set).</summary>
    public bool IsLocallyAdministered => (_value & 0x0200_0000_0000UL) != 0;

    /// <summary>The multicast MAC of an IPv4 group (RFC 1112 §6.4: 01:00:5e + low 23 bits).</summary>
    public static EthernetAddress FromIpv4Multicast(Ipv4Address group) => new(0x0100_5E00_0000UL | (group.Value & 0x7F_FFFF));

    /// <summary>The multicast MAC of an IPv6 group (RFC 2464 §7: 33:33 + low 32 bits).</summary>
    public static EthernetAddress FromIpv6Multicast(Ipv6Address group) => new(0x3333_0000_0000UL | (uint)group.Low);

    /// <inheritdoc/>
    public bool Equals(EthernetAddress other) => _value == other._value;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is EthernetAddress o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(EthernetAddress a, EthernetAddress b) => a._value == b._value;
    /// <summary>Inequality.</summary>
    public static bool operator !=(EthernetAddress a, EthernetAddress b) => a._value != b._value;

    /// <summary>Formats as <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public override string ToString() => string.Create(17, this, static (span, a) => a.TryFormat(span, out _, default, null));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Formats as <c>aa:bb:cc:dd:ee:ff</c> without allocating.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        if (destination.Length < 17) { charsWritten = 0; return false; }
        for (int i = 0; i < 6; i++)
        {
            byte b = (byte)(_value >> (40 - 8 * i));
            destination[3 * i] = HexDigits.Lower[b >> 4];
            destination[3 * i + 1] = HexDigits.Lower[b & 0xF];
            if (i < 5) destination[3 * i + 2] = ':';
        }
        charsWritten = 17;
        return true;
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> or <c>aa-bb-cc-dd-ee-ff</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out EthernetAddress result)
    {
        result = default;
        if (s.Length != 17) return false;
        char sep = s[2];
        if (sep != ':' && sep != '-') return false;
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            int hi = HexDigits.Value(s[3 * i]), lo = HexDigits.Value(s[3 * i + 1]);
            if (hi < 0 || lo < 0) return false;
            if (i < 5 && s[3 * i + 2] != sep) return false;
            v = (v << 8) | (uint)(hi << 4 | lo);
        }
        result = new EthernetAddress(v);
        return true;
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out EthernetAddress result) => TryParse(s, null, out result);
    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out EthernetAddress result) => TryParse(s.AsSpan(), provider, out result);
    /// <inheritdoc/>
    public static EthernetAddress Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
        => TryParse(s, provider, out var r) ? r : throw new FormatException("not an Ethernet address");
    /// <inheritdoc/>
    public static EthernetAddress Parse(string s, IFormatProvider? provider = null) => Parse(s.AsSpan(), provider);
}

internal static class HexDigits
{
    public static ReadOnlySpan<char> Lower => "0123456789abcdef";

    public static int Value(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
