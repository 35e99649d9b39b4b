using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Answers larger than the question, built in place in <see cref="IpPacket.ReplyPayload"/> (an ACK with data, a SYN-ACK with more options than the SYN).</summary>
public class IpReplyTests
{
    private static readonly byte[] Question = Enumerable.Range(0, 40).Select(i => (byte)(200 - i)).ToArray();

    private static MuxAndPeer Answering(int length, IpSendOptions options = IpSendOptions.None)
    {
        var net = new MuxAndPeer();
        net.Host.Tcp.ReplyLength = length;
        net.Host.Tcp.ReplyOptions = options;
        return net;
    }

    private static void AssertPattern(ReadOnlySpan<byte> payload, int length)
    {
        var expected = new byte[length];
        ProbeTransport.Pattern(expected);
        Assert.That(payload.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void A_60_byte_datagram_is_answered_with_a_1000_byte_reply_carrying_df_when_asked()
    {
        var net = Answering(1000, IpSendOptions.DontFragment);
        var sent = net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, Question));
        Assert.That(net.Host.Tcp.Head, Is.EqualTo(Question[..16]), "the question was read before the answer was written");
        Assert.That(net.Host.Tcp.ReplyRoom, Is.EqualTo(1480));
        Assert.That(net.Host.Tcp.ReplyResult, Is.True);
        Assert.That(Ipv4Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var reply, out _), Is.True);
        Assert.That(reply.TotalLength, Is.EqualTo(1020));
        Assert.That(reply.DontFragment, Is.True);
        Assert.That(reply.VerifyChecksum(), Is.True);
        Assert.That((reply.Source, reply.Destination, reply.Protocol), Is.EqualTo((TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp)));
        AssertPattern(reply.Payload, 1000);
    }

    [Test]
    public void Without_options_the_reply_has_no_df_and_over_ipv6_the_room_is_the_mtu_less_40()
    {
        var net = Answering(1000);
        var sent = net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, Question));
        Assert.That(Ipv4Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var v4, out _) && !v4.DontFragment, Is.True);
        sent = net.Exchange(RawPeer.Ipv6(RawPeer.V6, TwoHosts.V6A, IpProtocol.Tcp, Question));
        Assert.That(net.Host.Tcp.ReplyRoom, Is.EqualTo(1460));
        Assert.That(Ipv6Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var v6, out _), Is.True);
        Assert.That((v6.Source, v6.Destination, v6.NextHeader, (int)v6.PayloadLength), Is.EqualTo((TwoHosts.V6A, RawPeer.V6, IpProtocol.Tcp, 1000)));
        AssertPattern(v6.Payload, 1000);
    }

    [Test]
    public void A_reply_longer_than_reply_payload_is_refused_and_counted()
    {
        var net = Answering(1481);
        var sent = net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, Question));
        Assert.That(net.Host.Tcp.ReplyResult, Is.False);
        Assert.That(sent, Is.Empty, "never fragmented");
        Assert.That(net.Host.Ip.Counters.DroppedTooBig, Is.EqualTo(1));
        Assert.That(net.Host.Ip.Fragmenter!.DatagramsFragmented, Is.Zero);
    }

    [Test]
    public void The_reply_room_follows_the_path_mtu_toward_the_sender()
    {
        var net = Answering(1180, IpSendOptions.DontFragment);
        net.Host.Ip.TryLowerPathMtu(RawPeer.V4, 1200, net.Now);
        var sent = net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, Question));
        Assert.That(net.Host.Tcp.ReplyRoom, Is.EqualTo(1180));
        Assert.That(sent.Single().Length, Is.EqualTo(14 + 1200));
    }

    [Test]
    public void With_ipv4_options_in_the_question_the_answer_payload_sits_after_a_plain_header()
    {
        var net = Answering(300);
        var packet = new byte[28 + Question.Length];
        Question.CopyTo(packet.AsSpan(28));
        new Ipv4Repr(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, Question.Length, 64) { OptionsLength = 8 }.TryEmit(packet, [1, 1, 1, 1, 1, 1, 1, 0]);
        var sent = net.Exchange(RawPeer.Ethernet(TwoHosts.MacA, EtherType.Ipv4, packet));
        Assert.That(net.Host.Tcp.Head, Is.EqualTo(Question[..16]));
        Assert.That(Ipv4Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var reply, out _), Is.True);
        Assert.That(reply.HeaderLength, Is.EqualTo(20));
        AssertPattern(reply.Payload, 300);
    }

    [Test]
    public void With_ipv6_extension_headers_in_the_question_the_answer_carries_none()
    {
        var net = Answering(300);
        byte[] payload = [.. IcmpErrors.DestinationOptions(IpProtocol.Tcp), .. Question];
        var sent = net.Exchange(RawPeer.Ipv6(RawPeer.V6, TwoHosts.V6A, IpProtocol.Ipv6Options, payload));
        Assert.That(net.Host.Tcp.Head, Is.EqualTo(Question[..16]));
        Assert.That(Ipv6Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var reply, out _), Is.True);
        Assert.That(reply.NextHeader, Is.EqualTo(IpProtocol.Tcp));
        AssertPattern(reply.Payload, 300);
    }

    [Test]
    public void A_reassembled_question_is_answered_from_the_device_buffer()
    {
        var net = Answering(500, IpSendOptions.DontFragment);
        var data = new byte[2980];
        new Random(3).NextBytes(data);
        var fragmenter = new Fragmenter(new byte[4000]);
        var whole = fragmenter.Reserve(20 + data.Length);
        data.CopyTo(whole[20..]);
        new Ipv4Repr(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, data.Length, 64).TryEmit(whole);
        Assert.That(fragmenter.Commit(whole.Length, 0x1234, 1500), Is.EqualTo(FragmentationStatus.Ready));
        var buffer = new byte[1500];
        while (fragmenter.TryEmitNext(buffer, out int length))
            net.Peer.Inject(RawPeer.Ethernet(TwoHosts.MacA, EtherType.Ipv4, buffer.AsSpan(0, length)), net.Now);
        net.Host.Poll(net.HostLink, net.Now);
        var sent = net.Peer.Drain(net.Now);
        Assert.That(net.Host.Ip.Counters.Reassembled, Is.EqualTo(1));
        Assert.That(net.Host.Tcp.LastLength, Is.EqualTo(2980));
        Assert.That(net.Host.Tcp.Head, Is.EqualTo(data[..16]));
        Assert.That(Ipv4Packet.TryParse(IcmpErrors.IpOf(sent.Single()), out var reply, out _), Is.True);
        Assert.That((reply.TotalLength, reply.DontFragment), Is.EqualTo((520, true)));
        AssertPattern(reply.Payload, 500);
    }
}
