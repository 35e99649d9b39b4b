using Ethox.Layer.Common;

namespace Ethox.Layer.Ndisc;

/// <summary>Neighbour discovery and address autoconfiguration counters (RFC 4861, RFC 4862).</summary>
public struct NdiscCounters
{
    /// <summary>NDISC messages received.</summary>
    public long MessagesIn;
    /// <summary>Invalid messages (hop limit not 255, bad code, bad options…), by kind (RFC 4861 §7.1).</summary>
    public WireErrorCounts Errors;
    /// <summary>Neighbour solicitations sent (resolution, probes, DAD).</summary>
    public long SolicitationsSent;
    /// <summary>Neighbour advertisements sent.</summary>
    public long AdvertisementsSent;
    /// <summary>Router solicitations sent.</summary>
    public long RouterSolicitationsSent;
    /// <summary>Router advertisements accepted.</summary>
    public long RouterAdvertisementsIn;
    /// <summary>Addresses configured from router advertisements (SLAAC).</summary>
    public long AddressesAutoconfigured;
    /// <summary>Duplicate addresses detected (RFC 4862 §5.4.5).</summary>
    public long DuplicatesDetected;
    /// <summary>Redirects and other messages we do not act on.</summary>
    public long Ignored;
}
