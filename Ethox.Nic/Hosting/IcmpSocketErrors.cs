using System.Net.Sockets;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The <see cref="SocketError"/> a Linux socket reports for an ICMP error that ended a connection attempt: the kernel's
/// conversion of ICMP codes to errno (net/ipv4/icmp.c <c>icmp_err_convert</c>, net/ipv6/icmp.c <c>icmpv6_err_convert</c>),
/// read through .NET's mapping of errno to <see cref="SocketError"/>.
/// </summary>
internal static class IcmpSocketErrors
{
    /// <summary>What <paramref name="error"/> means to a .NET caller of <c>connect</c>.</summary>
    public static SocketError Of(in IcmpTransportError error)
    {
        if (error.Class == IcmpErrorClass.TimeExceeded) return SocketError.HostUnreachable; // EHOSTUNREACH, both families
        if (error.Class != IcmpErrorClass.Unreachable) return SocketError.HostUnreachable;
        return error.Version == IpVersion.V4 ? OfV4((Icmpv4UnreachableCode)error.Code) : OfV6((Icmpv6UnreachableCode)error.Code);
    }

    private static SocketError OfV4(Icmpv4UnreachableCode code) => code switch
    {
        Icmpv4UnreachableCode.NetUnreachable or Icmpv4UnreachableCode.DestinationNetworkUnknown or Icmpv4UnreachableCode.NetworkProhibited
            or Icmpv4UnreachableCode.NetworkUnreachableForTos => SocketError.NetworkUnreachable,          // ENETUNREACH
        Icmpv4UnreachableCode.PortUnreachable => SocketError.ConnectionRefused,                             // ECONNREFUSED
        Icmpv4UnreachableCode.ProtocolUnreachable => SocketError.ProtocolOption,                            // ENOPROTOOPT
        Icmpv4UnreachableCode.SourceRouteFailed => SocketError.OperationNotSupported,                       // EOPNOTSUPP
        Icmpv4UnreachableCode.DestinationHostUnknown => SocketError.HostDown,                               // EHOSTDOWN
        // Host unreachable, host prohibited, host for TOS, administratively filtered (RFC 1812), precedence: EHOSTUNREACH;
        // source host isolated is ENONET, which .NET has no name for.
        _ => SocketError.HostUnreachable,
    };

    private static SocketError OfV6(Icmpv6UnreachableCode code) => code switch
    {
        Icmpv6UnreachableCode.NoRoute => SocketError.NetworkUnreachable,                                    // ENETUNREACH
        Icmpv6UnreachableCode.PortUnreachable => SocketError.ConnectionRefused,                             // ECONNREFUSED
        Icmpv6UnreachableCode.AdministrativelyProhibited or Icmpv6UnreachableCode.SourcePolicyFailed
            or Icmpv6UnreachableCode.RejectRoute => SocketError.AccessDenied,                               // EACCES
        _ => SocketError.HostUnreachable,                                                                   // beyond scope, address unreachable
    };
}
