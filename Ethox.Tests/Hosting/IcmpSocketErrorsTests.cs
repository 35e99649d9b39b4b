using System.Net.Sockets;
using Ethox.Layer.Ip;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The facade reports an ICMP error that ended a connect as a Linux socket does: the kernel's ICMP-to-errno tables
/// (icmp_err_convert, icmpv6_err_convert) through .NET's errno-to-<see cref="SocketError"/> mapping.
/// </summary>
public class IcmpSocketErrorsTests
{
    [TestCase(Icmpv4UnreachableCode.NetUnreachable, SocketError.NetworkUnreachable)]
    [TestCase(Icmpv4UnreachableCode.HostUnreachable, SocketError.HostUnreachable)]
    [TestCase(Icmpv4UnreachableCode.ProtocolUnreachable, SocketError.ProtocolOption)]
    [TestCase(Icmpv4UnreachableCode.PortUnreachable, SocketError.ConnectionRefused)]
    [TestCase(Icmpv4UnreachableCode.SourceRouteFailed, SocketError.OperationNotSupported)]
    [TestCase(Icmpv4UnreachableCode.DestinationNetworkUnknown, SocketError.NetworkUnreachable)]
    [TestCase(Icmpv4UnreachableCode.DestinationHostUnknown, SocketError.HostDown)]
    [TestCase(Icmpv4UnreachableCode.NetworkProhibited, SocketError.NetworkUnreachable)]
    [TestCase(Icmpv4UnreachableCode.HostProhibited, SocketError.HostUnreachable)]
    [TestCase(Icmpv4UnreachableCode.CommunicationProhibited, SocketError.HostUnreachable)]
    public void Icmpv4_destination_unreachable_codes_map_as_linux_connect_reports_them(Icmpv4UnreachableCode code, SocketError expected)
    {
        var error = new IcmpTransportError
        {
            Class = IcmpErrorClass.Unreachable, Version = IpVersion.V4, Type = (byte)Icmpv4Type.DestinationUnreachable, Code = (byte)code,
        };
        Assert.That(IcmpSocketErrors.Of(error), Is.EqualTo(expected));
    }

    [TestCase(Icmpv6UnreachableCode.NoRoute, SocketError.NetworkUnreachable)]
    [TestCase(Icmpv6UnreachableCode.AdministrativelyProhibited, SocketError.AccessDenied)]
    [TestCase(Icmpv6UnreachableCode.BeyondScope, SocketError.HostUnreachable)]
    [TestCase(Icmpv6UnreachableCode.AddressUnreachable, SocketError.HostUnreachable)]
    [TestCase(Icmpv6UnreachableCode.PortUnreachable, SocketError.ConnectionRefused)]
    [TestCase(Icmpv6UnreachableCode.SourcePolicyFailed, SocketError.AccessDenied)]
    [TestCase(Icmpv6UnreachableCode.RejectRoute, SocketError.AccessDenied)]
    public void Icmpv6_destination_unreachable_codes_map_as_linux_connect_reports_them(Icmpv6UnreachableCode code, SocketError expected)
    {
        var error = new IcmpTransportError
        {
            Class = IcmpErrorClass.Unreachable, Version = IpVersion.V6, Type = (byte)Icmpv6Type.DestinationUnreachable, Code = (byte)code,
        };
        Assert.That(IcmpSocketErrors.Of(error), Is.EqualTo(expected));
    }

    [TestCase(IpVersion.V4)]
    [TestCase(IpVersion.V6)]
    public void Time_exceeded_is_host_unreachable(IpVersion version)
    {
        var error = new IcmpTransportError { Class = IcmpErrorClass.TimeExceeded, Version = version };
        Assert.That(IcmpSocketErrors.Of(error), Is.EqualTo(SocketError.HostUnreachable));
    }
}
