using Ethox.Wire;

namespace Ethox.Tunnel;

/// <summary>An IPv4 or IPv6 prefix given with <c>--accept</c>.</summary>
internal readonly record struct AddressRange(Ipv4Cidr? V4, Ipv6Cidr? V6)
{
    /// <summary>Parses 198.18.200.0/24 or 2001:db8:200::/64.</summary>
    public static bool TryParse(string text, out AddressRange range)
    {
        range = default;
        if (!text.Contains('/')) return false; // a bare address would read as a /32 or /128: say the length
        if (Ipv4Cidr.TryParse(text, null, out var v4)) range = new AddressRange(v4, null);
        else if (Ipv6Cidr.TryParse(text, null, out var v6)) range = new AddressRange(null, v6);
        else return false;
        return true;
    }

    /// <summary>True when <paramref name="address"/> lies in the prefix.</summary>
    public bool Contains(in IpAddress address)
        => address.IsV4 ? V4 is { } v4 && v4.Contains(address.V4) : V6 is { } v6 && v6.Contains(address.V6);

    public override string ToString() => V4?.ToString() ?? V6?.ToString() ?? "";
}
