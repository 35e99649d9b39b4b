using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// A light stand-in for a TCP client that makes the server endpoint do all of a handshake's work: it writes SYNs
/// as raw Ethernet/IPv4/TCP frames (the options Linux sends: MSS, SACK-permitted, timestamps, window scale), answers
/// each SYN-ACK in place with the final ACK (reading only the SYN-ACK's sequence number, ports and timestamp), and
/// releases the connections with RSTs at the sequence number the server expects. It keeps no state but the ISNs and
/// ports of the batch in flight, builds every frame from a template with a full checksum, and never allocates.
/// </summary>
public sealed class ScriptedTcpClient
{
    private const int EthernetLength = 14, Ipv4Length = 20;
    private const int SynTcpLength = 40, AckTcpLength = 32, RstTcpLength = 20;
    private const int Tcp = EthernetLength + Ipv4Length; // offset of the TCP header in a frame

    private readonly EthernetAddress _mac, _serverMac;
    private readonly Ipv4Address _address, _server;
    private readonly ushort[] _ports;
    private readonly uint[] _isns;
    private int _count;
    private uint _next;

    /// <summary>A client at <paramref name="mac"/>/<paramref name="address"/> talking to the server at <paramref name="serverMac"/>/<paramref name="server"/>, at most <paramref name="batch"/> connections in flight.</summary>
    public ScriptedTcpClient(EthernetAddress mac, Ipv4Address address, EthernetAddress serverMac, Ipv4Address server, int batch)
    {
        _mac = mac;
        _address = address;
        _serverMac = serverMac;
        _server = server;
        _ports = new ushort[batch];
        _isns = new uint[batch];
    }

    /// <summary>The server's port the next batch goes to.</summary>
    public ushort ServerPort { get; set; }
    /// <summary>SYN-ACKs answered with an ACK in the current batch.</summary>
    public int Acked { get; private set; }
    /// <summary>Frames that were not the SYN-ACK of a connection of the batch.</summary>
    public long Unexpected { get; private set; }

    /// <summary>Starts a batch of <paramref name="count"/> connections: new ports and ISNs, no SYN-ACK answered yet.</summary>
    public void StartBatch(int count)
    {
        _count = Math.Min(count, _ports.Length);
        Acked = 0;
        for (int i = 0; i < _count; i++)
        {
            _next++;
            // Ports 1024..65023 in turn; a port comes back after 64,000 connections, long after its RST freed the server's slot.
            _ports[i] = (ushort)(1024 + _next % 64_000);
            _isns[i] = _next * 2_654_435_761u;
        }
    }

    /// <summary>The device's sender for the batch's SYNs.</summary>
    public Syns SynSender(Instant now) => new(this, now);
    /// <summary>The device's receiver that answers each SYN-ACK with the handshake's ACK, in place.</summary>
    public Acks AckResponder(Instant now) => new(this, now);
    /// <summary>The device's sender for the RSTs that release the batch's connections on the server.</summary>
    public Resets ResetSender() => new(this);

    private static uint TsClock(Instant now) => unchecked((uint)(now.Microseconds / 1000));

    private void WriteHeaders(Span<byte> frame, int tcpLength, ushort port, uint seq, uint ack, TcpFlags flags, ushort window)
    {
        _serverMac.WriteTo(frame);
        _mac.WriteTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);
        var ip = frame.Slice(EthernetLength, Ipv4Length);
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(Ipv4Length + tcpLength));
        BinaryPrimitives.WriteUInt32BigEndian(ip[4..], 0x0000_4000); // ID 0, DF
        ip[8] = 64;
        ip[9] = (byte)IpProtocol.Tcp;
        ip[10] = ip[11] = 0;
        _address.WriteTo(ip[12..]);
        _server.WriteTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
        var tcp = frame.Slice(Tcp, tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], ServerPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = (byte)(tcpLength / 4 << 4);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[16..], 0); // checksum, urgent pointer
    }

    private void FinishTcp(Span<byte> frame, int tcpLength)
    {
        var tcp = frame.Slice(Tcp, tcpLength);
        ushort sum = Checksum.Compute(Checksum.PseudoHeaderSum(_address, _server, (byte)IpProtocol.Tcp, tcpLength), tcp);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], sum);
    }

    private int WriteSyn(Span<byte> frame, int i, Instant now)
    {
        WriteHeaders(frame, SynTcpLength, _ports[i], _isns[i], 0, TcpFlags.Syn, 64_240);
        var options = frame.Slice(Tcp + 20, SynTcpLength - 20);
        // As Linux orders them: MSS 1460, SACK-permitted, timestamps, NOP, window scale 7.
        options[0] = 2; options[1] = 4; BinaryPrimitives.WriteUInt16BigEndian(options[2..], 1460);
        options[4] = 4; options[5] = 2;
        options[6] = 8; options[7] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(options[8..], TsClock(now));
        BinaryPrimitives.WriteUInt32BigEndian(options[12..], 0);
        options[16] = 1;
        options[17] = 3; options[18] = 3; options[19] = 7;
        FinishTcp(frame, SynTcpLength);
        return EthernetLength + Ipv4Length + SynTcpLength;
    }

    // The SYN-ACK of connection i becomes its ACK: false when the frame is not one of ours.
    private bool TryAnswer(Span<byte> frame, int length, Instant now)
    {
        if (length < Tcp + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800 || frame[EthernetLength + 9] != (byte)IpProtocol.Tcp) return false;
        var tcp = frame[Tcp..length];
        if ((tcp[13] & (byte)(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) != (byte)(TcpFlags.Syn | TcpFlags.Ack)) return false;
        int i = IndexOf(BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]));
        if (i < 0 || BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]) != _isns[i] + 1) return false;
        uint serverIsn = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        uint echo = TimestampOf(tcp[20..Math.Min(tcp.Length, (tcp[12] >> 4) * 4)]);
        WriteHeaders(frame, AckTcpLength, _ports[i], _isns[i] + 1, serverIsn + 1, TcpFlags.Ack, 502); // 502 << 7: 64 KiB
        var options = frame.Slice(Tcp + 20, AckTcpLength - 20);
        options[0] = options[1] = 1;
        options[2] = 8; options[3] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(options[4..], TsClock(now));
        BinaryPrimitives.WriteUInt32BigEndian(options[8..], echo);
        FinishTcp(frame, AckTcpLength);
        return true;
    }

    private int WriteReset(Span<byte> frame, int i)
    {
        // RFC 5961 §3.2: a RST at exactly RCV.NXT resets; without ACK it needs no acknowledgment number.
        WriteHeaders(frame, RstTcpLength, _ports[i], _isns[i] + 1, 0, TcpFlags.Rst, 0);
        FinishTcp(frame, RstTcpLength);
        return EthernetLength + Ipv4Length + RstTcpLength;
    }

    private int IndexOf(ushort port)
    {
        // The batch's ports are consecutive, so the index is the distance from the first (the counter wraps at 64,000).
        int i = (port - _ports[0] + 64_000) % 64_000;
        return i < _count && _ports[i] == port ? i : -1;
    }

    private static uint TimestampOf(ReadOnlySpan<byte> options)
    {
        for (int at = 0; at < options.Length;)
        {
            byte kind = options[at];
            if (kind == 0) break;
            if (kind == 1) { at++; continue; }
            if (at + 1 >= options.Length) break;
            int size = options[at + 1];
            if (size < 2 || at + size > options.Length) break;
            if (kind == 8 && size == 10) return BinaryPrimitives.ReadUInt32BigEndian(options[(at + 2)..]);
            at += size;
        }
        return 0;
    }

    /// <summary>Writes one SYN of the batch per transmit buffer, in order, until all are out.</summary>
    public struct Syns(ScriptedTcpClient client, Instant now) : ISend<RawPacket>
    {
        private int _sent;

        /// <summary>The next SYN, or nothing when the batch is out.</summary>
        public void Send(RawPacket packet)
        {
            if (_sent == client._count) return;
            packet.Send(client.WriteSyn(packet.Capacity, _sent++, now));
        }
    }

    /// <summary>Answers each SYN-ACK with the ACK that completes the handshake, in the same buffer.</summary>
    public readonly struct Acks(ScriptedTcpClient client, Instant now) : IRecv<RawPacket>
    {
        /// <summary>One received frame.</summary>
        public void Receive(RawPacket packet)
        {
            var frame = packet.Capacity;
            if (frame.Length >= EthernetLength + Ipv4Length + AckTcpLength && client.TryAnswer(frame, packet.Frame.Length, now))
            {
                packet.Send(EthernetLength + Ipv4Length + AckTcpLength);
                client.Acked++;
            }
            else client.Unexpected++;
        }
    }

    /// <summary>Writes one RST of the batch per transmit buffer, in order, until all are out.</summary>
    public struct Resets(ScriptedTcpClient client) : ISend<RawPacket>
    {
        private int _sent;

        /// <summary>The next RST, or nothing when the batch is out.</summary>
        public void Send(RawPacket packet)
        {
            if (_sent == client._count) return;
            packet.Send(client.WriteReset(packet.Capacity, _sent++));
        }
    }
}
