using System;

namespace Ethox.Layer.Ip;

/// <summary>A set of address families, IPv4 and IPv6 (for <see cref="IpEndpoint.AcceptAny"/>).</summary>
[Flags]
public enum IpFamilies : byte
{
    /// <summary>Neither family.</summary>
    None = 0,
    /// <summary>IPv4.</summary>
    V4 = 1,
    /// <summary>IPv6.</summary>
    V6 = 2,
    /// <summary>IPv4 and IPv6.</summary>
    All = V4 | V6,
}
