using System;
using Ethox.Layer.Ip;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Where the IP identifiers start (RFC 7739 §5.1: unpredictable to peers, so they cannot count our traffic).</summary>
public class IpIdentificationTests
{
    [Test]
    public void Identifiers_start_at_the_given_seed_and_count_up_per_datagram()
    {
        var ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null, [0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF]);
        Assert.That(ip.NextIpv4Identification(), Is.EqualTo(0x1234));
        Assert.That(ip.NextIpv4Identification(), Is.EqualTo(0x1235));
        Assert.That(ip.NextIpv6Identification(), Is.EqualTo(0xDEADBEEF));
        Assert.That(() => new IpEndpoint(null, 1500, 4, new RouteTable(4), null, new byte[5]), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Without_a_seed_two_endpoints_start_at_different_identifiers()
    {
        // 48 random bits each: equal by chance once in 2^48 runs.
        var a = new IpEndpoint(null, 1500, 4, new RouteTable(4), null);
        var b = new IpEndpoint(null, 1500, 4, new RouteTable(4), null);
        Assert.That((a.NextIpv4Identification(), a.NextIpv6Identification()), Is.Not.EqualTo((b.NextIpv4Identification(), b.NextIpv6Identification())));
    }
}
