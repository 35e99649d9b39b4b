using System;
using System.Buffers.Binary;
using System.IO;
using Ethox.Native;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>
/// TCP through the C ABI between two stacks on a wire in memory: listen, accept with the peer's address, connect,
/// read and write without blocking, half-close, close, abort, options, readiness, and the RFC behaviour behind them,
/// all on a virtual clock passed in by the caller.
/// </summary>
public unsafe class NativeTcpTests
{
    private static int Ev(long stack, long socket) => Abi.Events(stack, socket);

    // Connects A to B's listener on port 7 and returns (A's connection, B's listener, B's accepted connection).
    private static (long Client, long Listener, long Server) Connect(NativePair p, ushort port = 7, EthoxEndpoint? to = null)
    {
        long listener = Abi.Listen(p.B, p.Now, port, 4);
        Assert.That(listener, Is.GreaterThan(0), Abi.Text((int)listener));
        long client = Abi.Connect(p.A, p.Now, to ?? NativePair.V4B(port));
        Assert.That(client, Is.GreaterThan(0), Abi.Text((int)client));
        p.Shuttle();
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        Assert.That(server, Is.GreaterThan(0), Abi.Text((int)server));
        return (client, listener, server);
    }

    // Writes all of `data` from one side, moving frames until the other side has read it all.
    private static byte[] Transfer(NativePair p, long from, long fromSocket, long to, long toSocket, byte[] data)
    {
        var received = new MemoryStream();
        var chunk = new byte[16384];
        int sent = 0, rounds = 0;
        while (received.Length < data.Length && rounds++ < 100_000)
        {
            if (sent < data.Length)
            {
                int n = Abi.Write(from, p.Now, fromSocket, data.AsSpan(sent));
                if (n > 0) sent += n;
                else Assert.That(n, Is.EqualTo((int)EthoxStatus.Again));
            }
            p.Shuttle();
            int r;
            while ((r = Abi.Read(to, p.Now, toSocket, chunk)) > 0) received.Write(chunk, 0, r);
            if (r < 0) Assert.That(r, Is.EqualTo((int)EthoxStatus.Again), Abi.Text(r));
            p.Advance(1000);
        }
        return received.ToArray();
    }

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [TestCase(EthoxConfig.MediumEthernet)]
    [TestCase(EthoxConfig.MediumIp)]
    public void Accept_gives_the_peers_address_and_a_megabyte_goes_each_way_intact(uint medium)
    {
        using var p = new NativePair(medium);
        var (client, _, server) = Connect(p);
        EthoxEndpoint local, remote, peer;
        Assert.That(Abi.Endpoints(p.A, client, &local, &remote), Is.Zero);
        Assert.That(remote.Port, Is.EqualTo(7));
        Assert.That(local.Port, Is.GreaterThanOrEqualTo(49152), "RFC 6056 ephemeral range");
        Assert.That(Abi.Endpoints(p.B, server, null, &peer), Is.Zero);
        Assert.That(peer.Family, Is.EqualTo(EthoxEndpoint.FamilyIpv4));
        Assert.That(peer.Address[3], Is.EqualTo(1));
        Assert.That(peer.Port, Is.EqualTo(local.Port));
        Assert.That((SocketEvents)Ev(p.A, client) & (SocketEvents.Connected | SocketEvents.Writable), Is.EqualTo(SocketEvents.Connected | SocketEvents.Writable));
        var up = Pattern(1 << 20, 1);
        Assert.That(Transfer(p, p.A, client, p.B, server, up), Is.EqualTo(up));
        var down = Pattern(1 << 20, 2);
        Assert.That(Transfer(p, p.B, server, p.A, client, down), Is.EqualTo(down));
        var counters = Abi.Counters(p.A);
        Assert.That(counters.TcpActiveOpens, Is.EqualTo(1));
        Assert.That(counters.FramesIn, Is.EqualTo((ulong)p.FramesBtoA));
        Assert.That(counters.FramesOut, Is.EqualTo((ulong)p.FramesAtoB));
        Assert.That(Abi.Counters(p.B).TcpPassiveOpens, Is.EqualTo(1));
    }

    [Test]
    public void Accept_reports_the_peer_it_returns_and_a_connection_over_ipv6_works_the_same()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        long client = Abi.Connect(p.A, p.Now, NativePair.V6B(7));
        Assert.That(client, Is.GreaterThan(0), Abi.Text((int)client));
        p.Shuttle();
        long server = Abi.Accept(p.B, p.Now, listener, out var peer);
        Assert.That(server, Is.GreaterThan(0));
        Assert.That(peer.Family, Is.EqualTo(EthoxEndpoint.FamilyIpv6));
        Assert.That(peer.Address[0], Is.EqualTo(0x20));
        Assert.That(peer.Address[15], Is.EqualTo(1));
        var data = Pattern(100_000, 3);
        Assert.That(Transfer(p, p.A, client, p.B, server, data), Is.EqualTo(data));
    }

    // RFC 9293 §3.10.4: CLOSE closes only our sending side; the peer's data keeps coming until its FIN.
    [Test]
    public void Shutdown_is_a_half_close_the_peer_reads_end_of_stream_and_still_sends()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        Assert.That(Abi.Write(p.A, p.Now, client, "last words"u8), Is.EqualTo(10));
        Assert.That(Abi.Shutdown(p.A, p.Now, client), Is.Zero);
        Assert.That(Abi.Shutdown(p.A, p.Now, client), Is.Zero, "twice is fine");
        Assert.That(Abi.Write(p.A, p.Now, client, "more"u8), Is.EqualTo((int)EthoxStatus.InvalidState));
        p.Shuttle();
        var buffer = new byte[64];
        Assert.That(Abi.Read(p.B, p.Now, server, buffer), Is.EqualTo(10));
        Assert.That(Abi.Read(p.B, p.Now, server, buffer), Is.Zero, "end of stream");
        Assert.That((SocketEvents)Ev(p.B, server) & SocketEvents.PeerClosed, Is.EqualTo(SocketEvents.PeerClosed));
        Assert.That(Abi.Write(p.B, p.Now, server, "reply"u8), Is.EqualTo(5));
        p.Shuttle();
        Assert.That(Abi.Read(p.A, p.Now, client, buffer), Is.EqualTo(5));
        Assert.That(buffer.AsSpan(0, 5).SequenceEqual("reply"u8), Is.True);
        Assert.That(Abi.Read(p.A, p.Now, client, buffer), Is.EqualTo((int)EthoxStatus.Again), "B has not closed");
        Assert.That(Abi.Close(p.B, p.Now, server), Is.Zero);
        p.Shuttle();
        Assert.That(Abi.Read(p.A, p.Now, client, buffer), Is.Zero);
        Assert.That((SocketEvents)Ev(p.A, client) & SocketEvents.Closed, Is.EqualTo(SocketEvents.Closed), "both FINs acknowledged: A is in TIME-WAIT, over for the caller");
        Assert.That(Abi.Error(p.A, client), Is.Zero);
        Assert.That(Abi.Close(p.A, p.Now, client), Is.Zero);
        Assert.That(Abi.Close(p.A, p.Now, client), Is.EqualTo((int)EthoxStatus.BadHandle));
    }

    // RFC 9293 §3.10.7.3: a RST acknowledging our SYN in SYN-SENT: connection refused.
    [Test]
    public void Connecting_to_a_port_nobody_listens_on_is_refused()
    {
        using var p = new NativePair();
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(9));
        p.Shuttle();
        var events = (SocketEvents)Ev(p.A, client);
        Assert.That(events & (SocketEvents.Error | SocketEvents.Closed | SocketEvents.Readable), Is.EqualTo(SocketEvents.Error | SocketEvents.Closed | SocketEvents.Readable));
        Assert.That(events & SocketEvents.Connected, Is.EqualTo(SocketEvents.None));
        Assert.That(Abi.Error(p.A, client), Is.EqualTo((int)EthoxStatus.Refused));
        Assert.That(Abi.Read(p.A, p.Now, client, new byte[8]), Is.EqualTo((int)EthoxStatus.Refused));
        Assert.That(Abi.Write(p.A, p.Now, client, "x"u8), Is.EqualTo((int)EthoxStatus.Refused));
        Assert.That(Abi.Close(p.A, p.Now, client), Is.Zero);
    }

    // RFC 9293 §3.10.5 ABORT: a RST to the peer, which reports "connection reset".
    [Test]
    public void Abort_resets_the_connection_the_peer_reads_reset_and_the_handle_is_gone()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        Assert.That(Abi.Abort(p.B, p.Now, server), Is.Zero);
        Assert.That(Abi.Read(p.B, p.Now, server, new byte[8]), Is.EqualTo((int)EthoxStatus.BadHandle));
        p.Shuttle();
        Assert.That(Abi.Read(p.A, p.Now, client, new byte[8]), Is.EqualTo((int)EthoxStatus.Reset));
        Assert.That(Abi.Error(p.A, client), Is.EqualTo((int)EthoxStatus.Reset));
        Assert.That((SocketEvents)Ev(p.A, client) & SocketEvents.Closed, Is.EqualTo(SocketEvents.Closed));
        Assert.That(Abi.Counters(p.A).TcpResets, Is.EqualTo(1));
    }

    // RFC 1122 §4.2.2.13: a CLOSE with received data unread (or data arriving after it) sends RST, showing the data was lost.
    [Test]
    public void Closing_with_unread_data_resets_the_connection()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        Abi.Write(p.A, p.Now, client, "unread"u8);
        p.Shuttle();
        Assert.That(Abi.Close(p.B, p.Now, server), Is.Zero);
        p.Shuttle();
        Assert.That(Abi.Read(p.A, p.Now, client, new byte[8]), Is.EqualTo((int)EthoxStatus.Reset));
    }

    [Test]
    public void Data_arriving_after_close_resets_the_connection()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        Assert.That(Abi.Close(p.B, p.Now, server), Is.Zero);
        p.Shuttle();
        Assert.That(Abi.Read(p.A, p.Now, client, new byte[8]), Is.Zero, "B's FIN");
        Assert.That(Abi.Write(p.A, p.Now, client, "too late"u8), Is.EqualTo(8), "A may still send: it only heard a FIN");
        p.Shuttle();
        Assert.That(Abi.Error(p.A, client), Is.EqualTo((int)EthoxStatus.Reset));
    }

    // RFC 1122 §4.2.3.9: a port unreachable is a hard error that ends the attempt; like Linux's connect, the socket says
    // refused (ECONNREFUSED), and a host unreachable (soft) leaves the SYN retrying.
    [Test]
    public void An_icmp_port_unreachable_answering_the_syn_is_refused_and_a_host_unreachable_changes_nothing()
    {
        using var p = new NativePair(EthoxConfig.MediumIp);
        long refused = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        Assert.That(InjectIcmpAboutSyn(p, Icmpv4UnreachableCode.PortUnreachable), Is.Zero);
        Assert.That(Abi.Error(p.A, refused), Is.EqualTo((int)EthoxStatus.Refused));

        long waiting = Abi.Connect(p.A, p.Now, NativePair.V4B(8));
        Assert.That(InjectIcmpAboutSyn(p, Icmpv4UnreachableCode.HostUnreachable), Is.Zero);
        Assert.That(Abi.Error(p.A, waiting), Is.Zero, "still trying");
    }

    // Takes A's SYN off the wire (bare IP) and hands A an ICMP destination unreachable from B quoting it.
    private static int InjectIcmpAboutSyn(NativePair p, Icmpv4UnreachableCode code)
    {
        var buffer = new byte[Abi.FrameCapacity(p.A)];
        int n;
        fixed (byte* b = buffer) n = Abi.Output(p.A, p.Now, b, buffer.Length);
        Assert.That(n, Is.GreaterThan(40), "A's SYN");
        var syn = buffer.AsSpan(20, 20); // IPv4 header without options, then the TCP header
        var head = Ethox.Tests.Layer.IcmpErrors.TcpHead(BinaryPrimitives.ReadUInt16BigEndian(syn), BinaryPrimitives.ReadUInt16BigEndian(syn[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(syn[4..]));
        var a = new Ipv4Address(198, 18, 0, 1);
        var b4 = new Ipv4Address(198, 18, 0, 2);
        var quote = Ethox.Tests.Layer.IcmpErrors.Quote4(a, b4, IpProtocol.Tcp, head, n);
        var packet = Ethox.Tests.Layer.IcmpErrors.Error4(b4, Icmpv4Type.DestinationUnreachable, (byte)code, 0, quote, to: a)[14..]; // bare IP
        var input = new byte[buffer.Length];
        packet.CopyTo(input, 0);
        fixed (byte* i = input) return Abi.Input(p.A, p.Now, i, packet.Length, input.Length);
    }

    // RFC 9293 §3.8.1 / RFC 1122 §4.2.3.5: the SYN is retransmitted with backoff until R2 for a SYN (180 s) passes.
    [Test]
    public void A_connection_attempt_to_a_silent_host_times_out_on_the_callers_clock()
    {
        using var p = new NativePair();
        p.Drop = _ => true;
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        long start = p.Now;
        p.Advance(170_000_000);
        Assert.That(Abi.Error(p.A, client), Is.Zero, "still trying after 170 s");
        p.Advance(20_000_000);
        Assert.That(Abi.Error(p.A, client), Is.EqualTo((int)EthoxStatus.TimedOut), $"after {(p.Now - start) / 1_000_000} s");
        Assert.That(Abi.Counters(p.A).TcpRetransmits, Is.GreaterThan(3));
    }

    // RFC 6298 §5: a lost segment comes again when the retransmission timer, at the deadline poll reported, fires.
    [Test]
    public void A_lost_segment_is_sent_again_when_the_caller_reaches_the_deadline_poll_gave()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        int dropped = 0;
        p.Drop = aToB => aToB && dropped++ == 0;
        Assert.That(Abi.Write(p.A, p.Now, client, "lost once"u8), Is.EqualTo(9));
        p.Shuttle();
        Assert.That(dropped, Is.EqualTo(1));
        Assert.That(Abi.Read(p.B, p.Now, server, new byte[16]), Is.EqualTo((int)EthoxStatus.Again));
        long deadline = Abi.Poll(p.A, p.Now);
        Assert.That(deadline, Is.GreaterThan(p.Now).And.LessThan(p.Now + 2_000_000), "the RTO, on the caller's clock");
        p.Now = deadline - 1;
        p.Shuttle();
        Assert.That(Abi.Read(p.B, p.Now, server, new byte[16]), Is.EqualTo((int)EthoxStatus.Again), "not before the deadline");
        p.Now = deadline;
        p.Shuttle();
        Assert.That(Abi.Read(p.B, p.Now, server, new byte[16]), Is.EqualTo(9));
        Assert.That(Abi.Counters(p.A).TcpRetransmits, Is.EqualTo(1));
    }

    // What arrived before both FINs were exchanged stays readable after TCP is done with the connection.
    [Test]
    public void Bytes_received_before_the_connection_ended_are_still_read_after_it_ended()
    {
        using var p = new NativePair();
        var (client, _, server) = Connect(p);
        Abi.Write(p.A, p.Now, client, "tail of the stream"u8);
        Abi.Shutdown(p.A, p.Now, client);
        p.Shuttle();
        Assert.That(Abi.Shutdown(p.B, p.Now, server), Is.Zero);
        p.Shuttle();
        var events = (SocketEvents)Ev(p.B, server);
        Assert.That(events & (SocketEvents.Closed | SocketEvents.Readable | SocketEvents.PeerClosed), Is.EqualTo(SocketEvents.Closed | SocketEvents.Readable | SocketEvents.PeerClosed));
        var buffer = new byte[8];
        Assert.That(Abi.Read(p.B, p.Now, server, buffer), Is.EqualTo(8));
        Assert.That(buffer.AsSpan().SequenceEqual("tail of "u8), Is.True);
        var rest = new byte[64];
        Assert.That(Abi.Read(p.B, p.Now, server, rest), Is.EqualTo(10));
        Assert.That(rest.AsSpan(0, 10).SequenceEqual("the stream"u8), Is.True);
        Assert.That(Abi.Read(p.B, p.Now, server, rest), Is.Zero);
    }

    // The receive ring wraps: the unread bytes lie in two pieces, its end and its start, and come out in order.
    [Test]
    public void Unread_bytes_that_wrap_the_receive_ring_are_read_in_order_after_the_connection_ended()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        Abi.SetOption(p.B, p.Now, listener, (int)SocketOption.ReceiveBuffer, 1000);
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        var first = Pattern(700, 4);
        Assert.That(Transfer(p, p.A, client, p.B, server, first), Is.EqualTo(first));
        var second = Pattern(600, 5);
        Assert.That(Abi.Write(p.A, p.Now, client, second), Is.EqualTo(600));
        Abi.Shutdown(p.A, p.Now, client);
        p.Advance(1_000_000);
        Abi.Shutdown(p.B, p.Now, server);
        p.Advance(1_000_000);
        Assert.That((SocketEvents)Ev(p.B, server) & SocketEvents.Closed, Is.EqualTo(SocketEvents.Closed));
        var got = new MemoryStream();
        var piece = new byte[250]; // 300 at the ring's end, then 300 from its start: pieces cross the seam
        int n;
        while ((n = Abi.Read(p.B, p.Now, server, piece)) > 0) got.Write(piece, 0, n);
        Assert.That(n, Is.Zero);
        Assert.That(got.ToArray(), Is.EqualTo(second));
    }

    [Test]
    public void Ready_lists_each_changed_socket_once_with_its_readiness_now()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        var events = new EthoxEvent[8];
        Assert.That(Abi.Ready(p.B, events), Is.EqualTo(1));
        Assert.That(events[0].Socket, Is.EqualTo(listener));
        Assert.That((SocketEvents)events[0].Events, Is.EqualTo(SocketEvents.Readable));
        Assert.That(Abi.Ready(p.B, events), Is.Zero, "edge-triggered: nothing changed since");
        Assert.That(Abi.Ready(p.A, events), Is.EqualTo(1));
        Assert.That(events[0].Socket, Is.EqualTo(client));
        Assert.That((SocketEvents)events[0].Events & SocketEvents.Connected, Is.EqualTo(SocketEvents.Connected));
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        Assert.That(Abi.Accept(p.B, p.Now, listener, out _), Is.EqualTo((long)EthoxStatus.Again));
        Abi.Write(p.A, p.Now, client, "one"u8);
        p.Shuttle();
        Assert.That(Abi.Ready(p.B, events), Is.EqualTo(1));
        Assert.That(events[0].Socket, Is.EqualTo(server));
        Assert.That((SocketEvents)events[0].Events & SocketEvents.Readable, Is.EqualTo(SocketEvents.Readable));
        Assert.That(Abi.Read(p.B, p.Now, server, new byte[8]), Is.EqualTo(3));
        Assert.That((SocketEvents)Ev(p.B, server) & SocketEvents.Readable, Is.EqualTo(SocketEvents.None), "level: nothing left");
        Abi.Write(p.A, p.Now, client, "two"u8);
        p.Advance(100_000); // Nagle holds "two" until "one" is acknowledged: B's delayed ACK (RFC 1122 §4.2.3.2)
        Assert.That(Abi.Ready(p.B, events), Is.EqualTo(1), "a new change lists it again");
        Assert.That(Abi.Ready(p.B, events.AsSpan(0, 0)), Is.Zero);
    }

    [Test]
    public void A_listeners_options_pass_to_what_it_accepts_and_ring_sizes_are_fixed_once_connected()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        Assert.That(Abi.SetOption(p.B, p.Now, listener, (int)SocketOption.NoDelay, 1), Is.Zero);
        Assert.That(Abi.SetOption(p.B, p.Now, listener, (int)SocketOption.ReceiveBuffer, 2000), Is.Zero);
        Assert.That(Abi.SetOption(p.B, p.Now, listener, (int)SocketOption.ReceiveBuffer, 1 << 20), Is.EqualTo((int)EthoxStatus.InvalidArgument), "beyond tcp_receive_buffer");
        Assert.That(Abi.SetOption(p.B, p.Now, listener, 99, 1), Is.EqualTo((int)EthoxStatus.InvalidArgument));
        Assert.That(Abi.SetOption(p.B, p.Now, listener, (int)SocketOption.KeepAlive, 2), Is.EqualTo((int)EthoxStatus.InvalidArgument));
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7), new EthoxTcpOptions { SendBuffer = 3000 });
        p.Shuttle();
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        Assert.That(Abi.GetOption(p.B, server, (int)SocketOption.NoDelay), Is.EqualTo(1));
        Assert.That(Abi.GetOption(p.B, server, (int)SocketOption.ReceiveBuffer), Is.EqualTo(2000));
        Assert.That(Abi.GetOption(p.B, server, (int)SocketOption.SendBuffer), Is.EqualTo(64 * 1024));
        Assert.That(Abi.GetOption(p.A, client, (int)SocketOption.SendBuffer), Is.EqualTo(3000));
        Assert.That(Abi.GetOption(p.A, client, (int)SocketOption.NoDelay), Is.Zero, "Nagle on by default (RFC 1122 §4.2.3.4)");
        Assert.That(Abi.SetOption(p.B, p.Now, server, (int)SocketOption.SendBuffer, 1000), Is.EqualTo((int)EthoxStatus.InvalidState));
        Assert.That(Abi.SetOption(p.A, p.Now, client, (int)SocketOption.NoDelay, 1), Is.Zero);
        Assert.That(Abi.SetOption(p.A, p.Now, client, (int)SocketOption.KeepAlive, 1), Is.Zero);
        Assert.That(Abi.GetOption(p.A, client, (int)SocketOption.KeepAlive), Is.EqualTo(1));
        // A send ring of 3000 bytes takes 3000 bytes and no more until some are acknowledged.
        var big = new byte[10_000];
        Assert.That(Abi.Write(p.A, p.Now, client, big), Is.EqualTo(3000));
        Assert.That(Abi.Write(p.A, p.Now, client, big), Is.EqualTo((int)EthoxStatus.Again));
        Assert.That((SocketEvents)Ev(p.A, client) & SocketEvents.Writable, Is.EqualTo(SocketEvents.None));
        long udp = Abi.UdpBind(p.A, p.Now, 5000);
        Assert.That(Abi.SetOption(p.A, p.Now, udp, (int)SocketOption.NoDelay, 1), Is.EqualTo((int)EthoxStatus.InvalidArgument));
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7), new EthoxTcpOptions { ReceiveBuffer = 1 << 20 }), Is.EqualTo((long)EthoxStatus.InvalidArgument));
    }

    [Test]
    public void A_full_backlog_drops_the_syn_and_the_clients_retransmission_gets_in_once_there_is_room()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 1);
        long first = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        long second = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        Assert.That((SocketEvents)Ev(p.A, first) & SocketEvents.Connected, Is.EqualTo(SocketEvents.Connected));
        Assert.That((SocketEvents)Ev(p.A, second) & SocketEvents.Connected, Is.EqualTo(SocketEvents.None));
        Assert.That(Abi.Counters(p.B).TcpAcceptDrops, Is.EqualTo(1));
        Assert.That(Abi.Accept(p.B, p.Now, listener, out _), Is.GreaterThan(0));
        p.Advance(1_500_000); // the SYN's retransmission timer (RFC 6298 §2.1: 1 s)
        Assert.That((SocketEvents)Ev(p.A, second) & SocketEvents.Connected, Is.EqualTo(SocketEvents.Connected));
        Assert.That(Abi.Accept(p.B, p.Now, listener, out _), Is.GreaterThan(0));
    }

    [Test]
    public void Connections_beyond_the_configured_capacity_are_no_space_and_a_closed_one_makes_room()
    {
        using var p = new NativePair();
        Abi.Listen(p.B, p.Now, 7, 8);
        var handles = new long[8];
        for (int i = 0; i < handles.Length; i++) handles[i] = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        Assert.That(handles, Is.All.GreaterThan(0));
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7)), Is.EqualTo((long)EthoxStatus.NoSpace));
        Assert.That(Abi.Abort(p.A, p.Now, handles[3]), Is.Zero);
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7)), Is.GreaterThan(0));
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(8), new EthoxTcpOptions()), Is.EqualTo((long)EthoxStatus.NoSpace));
    }

    // Linux's tcp_fin_timeout: a closed connection whose peer never sends its FIN keeps its buffers in FIN-WAIT-2 for
    // tcp_fin_timeout_ms (60 s by default), then is dropped and makes room.
    [Test]
    public void A_closed_connection_whose_peer_never_closes_is_dropped_after_the_fin_timeout_and_makes_room()
    {
        using var p = new NativePair();
        EthoxConfig defaults;
        Abi.ConfigInit(&defaults);
        Assert.That(defaults.TcpFinTimeoutMs, Is.EqualTo(60_000u));
        long listener = Abi.Listen(p.B, p.Now, 7, 8);
        var handles = new long[8];
        for (int i = 0; i < handles.Length; i++) handles[i] = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        Assert.That(handles, Is.All.GreaterThan(0));
        long server = Abi.Accept(p.B, p.Now, listener, out _);
        Assert.That(server, Is.GreaterThan(0));
        Assert.That(Abi.Close(p.A, p.Now, handles[0]), Is.Zero);
        p.Shuttle(); // A's FIN and B's ACK: A is in FIN-WAIT-2, and B never closes
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7)), Is.EqualTo((long)EthoxStatus.NoSpace), "the orphan keeps its buffers");
        p.Advance(59_000_000);
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7)), Is.EqualTo((long)EthoxStatus.NoSpace), "59 s: still waiting for B's FIN");
        p.Advance(2_000_000);
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.V4B(7)), Is.GreaterThan(0), "dropped after 60 s: room for a new one");
    }

    [Test]
    public void Listening_twice_on_a_port_is_in_use_and_closing_a_listener_resets_what_it_did_not_accept()
    {
        using var p = new NativePair();
        long listener = Abi.Listen(p.B, p.Now, 7, 4);
        Assert.That(Abi.Listen(p.B, p.Now, 7, 4), Is.EqualTo((long)EthoxStatus.InUse));
        Assert.That(Abi.Listen(p.B, p.Now, 0, 4), Is.EqualTo((long)EthoxStatus.InvalidArgument));
        Assert.That(Abi.Listen(p.B, p.Now, 8, 0), Is.EqualTo((long)EthoxStatus.InvalidArgument));
        long client = Abi.Connect(p.A, p.Now, NativePair.V4B(7));
        p.Shuttle();
        Assert.That(Abi.Close(p.B, p.Now, listener), Is.Zero);
        p.Shuttle();
        Assert.That(Abi.Error(p.A, client), Is.EqualTo((int)EthoxStatus.Reset));
        Assert.That(Abi.Listen(p.B, p.Now, 7, 4), Is.GreaterThan(0), "the port is free again");
    }

    [Test]
    public void Connecting_where_no_route_leads_is_no_route()
    {
        using var p = new NativePair();
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.Endpoint(4, 80, 198, 19, 5, 1)), Is.EqualTo((long)EthoxStatus.NoRoute));
        Assert.That(Abi.Connect(p.A, p.Now, NativePair.Endpoint(4, 0, 198, 18, 0, 2)), Is.EqualTo((long)EthoxStatus.InvalidArgument));
    }
}
