using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class EthernetTests
{
    private static readonly EthernetAddress A = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress B = EthernetAddress.Parse("02:00:00:00:00:02");

    [Test]
    public void Stacked_8021ad_tags_round_trip()
    {
        var repr = new EthernetRepr(A, B, EtherType.Ipv6)
        {
            OuterTag = new VlanTag(EtherType.QinQ, 3, false, 100),
            InnerTag = new VlanTag(EtherType.Vlan, 5, true, 4000),
        };
        var buf = new byte[64];
        Assert.That(repr.TryEmit(buf), Is.True);
        Assert.That(EthernetFrame.TryParse(buf, out var frame, out var err), Is.True, err.Describe());
        Assert.That(frame.HeaderLength, Is.EqualTo(22));
        Assert.That(frame.Payload.Length, Is.EqualTo(64 - 22));
        Assert.That(EthernetRepr.Parse(frame), Is.EqualTo(repr));
    }

    [Test]
    public void More_than_two_tags_is_too_long_and_cut_tags_are_truncated()
    {
        var buf = new byte[30];
        new EthernetRepr(A, B, EtherType.Vlan) { OuterTag = new VlanTag(EtherType.Vlan, 0, false, 1), InnerTag = new VlanTag(EtherType.Vlan, 0, false, 2) }.TryEmit(buf);
        Assert.That(EthernetFrame.TryParse(buf, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.TooLong));
        Assert.That(EthernetFrame.TryParse(buf.AsSpan(0, 17), out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Too_small_buffer_is_a_status_not_an_exception()
    {
        Assert.That(new EthernetRepr(A, B, EtherType.Arp).TryEmit(new byte[13]), Is.False);
        Assert.That(EthernetFrame.TryParse(Span<byte>.Empty, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
    }
}
