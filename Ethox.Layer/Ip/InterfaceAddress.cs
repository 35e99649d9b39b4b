using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>The life of one of our addresses (RFC 4862 §2, §5.5.4).</summary>
public enum AddressState : byte
{
    /// <summary>Being checked by duplicate address detection; not used yet.</summary>
    Tentative,
    /// <summary>In use.</summary>
    Preferred,
    /// <summary>Still valid, no longer chosen for new traffic (preferred lifetime over).</summary>
    Deprecated,
    /// <summary>Another node has it: never used (RFC 4862 §5.4.5).</summary>
    Duplicate,
}

/// <summary>One address of the interface with its prefix and lifetimes.</summary>
public struct InterfaceAddress
{
    /// <summary>The address.</summary>
    public IpAddress Address;
    /// <summary>The on-link prefix length.</summary>
    public byte PrefixLength;
    /// <summary>Where it is in its life.</summary>
    public AddressState State;
    /// <summary>Configured from a router advertisement (SLAAC) rather than by the user.</summary>
    public bool Autoconfigured;
    /// <summary>When it stops being preferred.</summary>
    public Instant PreferredUntil;
    /// <summary>When it is removed.</summary>
    public Instant ValidUntil;
    /// <summary>DAD probes still to send.</summary>
    internal byte DadProbesLeft;
    /// <summary>When the next DAD step is due.</summary>
    internal Instant DadDeadline;

    /// <summary>True when the address may be the source or destination of traffic.</summary>
    public readonly bool IsUsable => State is AddressState.Preferred or AddressState.Deprecated;

    /// <summary>True when <paramref name="other"/> is on this address's prefix.</summary>
    public readonly bool OnLink(in IpAddress other)
    {
        if (other.Version != Address.Version) return false;
        return Address.IsV4
            ? new Ipv4Cidr(Address.V4, PrefixLength).Contains(other.V4)
            : new Ipv6Cidr(Address.V6, PrefixLength).Contains(other.V6);
    }
}

/// <summary>Result of adding an address.</summary>
public enum AddressUpdate : byte
{
    /// <summary>Added (tentative if DAD runs).</summary>
    Added,
    /// <summary>Already there; lifetimes refreshed.</summary>
    Updated,
    /// <summary>No free slot.</summary>
    Full,
    /// <summary>Not a unicast address, or prefix out of range.</summary>
    Invalid,
}
