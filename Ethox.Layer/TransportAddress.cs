using System;
using Ethox.Wire;

namespace Ethox.Layer;

/// <summary>An IP address and a port: one end of a UDP exchange or a TCP connection.</summary>
public readonly record struct TransportAddress(IpAddress Address, ushort Port) : ISpanFormattable
{
    /// <summary>Formats as <c>198.18.0.1:7</c> or <c>[2001:db8::1]:7</c> without allocating.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        int n = 0;
        bool v6 = Address.IsV6;
        if (v6) { if (destination.IsEmpty) return false; destination[n++] = '['; }
        if (!Address.TryFormat(destination[n..], out int written)) return false;
        n += written;
        if (v6) { if (n >= destination.Length) return false; destination[n++] = ']'; }
        if (n >= destination.Length) return false;
        destination[n++] = ':';
        if (!Port.TryFormat(destination[n..], out written)) return false;
        charsWritten = n + written;
        return true;
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<char> text = stackalloc char[64];
        return TryFormat(text, out int n) ? new string(text[..n]) : Address.ToString();
    }
}
