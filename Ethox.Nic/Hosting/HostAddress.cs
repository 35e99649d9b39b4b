using System;
using System.Diagnostics.CodeAnalysis;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>An address of the host and the length of its on-link prefix, e.g. <c>198.18.0.3/24</c> or <c>2001:db8::3/64</c>.</summary>
public readonly record struct HostAddress(IpAddress Address, int PrefixLength)
{
    /// <summary>Parses <c>address/prefix</c>; false for anything else (a prefix out of range for the family included).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out HostAddress result)
    {
        result = default;
        if (text is null) return false;
        int slash = text.IndexOf('/');
        if (slash <= 0 || !IpAddress.TryParse(text.AsSpan(0, slash), null, out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int prefix)
            || prefix > (address.IsV4 ? 32 : 128))
            return false;
        result = new HostAddress(address, prefix);
        return true;
    }

    /// <summary>Parses <c>address/prefix</c>; throws <see cref="FormatException"/> for anything else.</summary>
    public static HostAddress Parse(string text)
        => TryParse(text, out var result) ? result : throw new FormatException($"'{text}' is not an address with a prefix length (198.18.0.3/24, 2001:db8::3/64)");

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
