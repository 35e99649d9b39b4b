using System;
using Ethox.Layer;
using Ethox.Layer.Udp;

namespace Ethox.Native;

// UDP sockets: a bound port with a queue of received datagrams each, and one send queue for the stack that the next
// transmit calls drain.
internal sealed partial class NativeStack
{
    /// <summary>The largest UDP payload in one IPv4 datagram (65,535 − 20 − 8).</summary>
    public const int MaxUdpPayloadV4 = 65507;
    /// <summary>The largest UDP payload in one IPv6 packet without a jumbogram (65,535 − 8; the Payload Length excludes the fixed header).</summary>
    public const int MaxUdpPayloadV6 = 65527;
    private const ushort FirstEphemeralPort = 49152;

    private DatagramQueue[] _udpQueues = null!;
    private DatagramQueue _udpSend = null!;
    private PortMap _udpPorts = null!;
    private ushort _nextEphemeral = FirstEphemeralPort;
    private long _udpQueueDrops, _udpSendFailures;

    private void InitializeUdp(in EthoxConfig config)
    {
        int sockets = (int)config.UdpSockets, queue = (int)config.UdpReceiveQueue;
        var arena = new byte[(long)sockets * queue + config.UdpSendQueue];
        _udpQueues = new DatagramQueue[sockets];
        for (int i = 0; i < sockets; i++) _udpQueues[i] = new DatagramQueue(arena.AsMemory(i * queue, queue));
        _udpSend = new DatagramQueue(arena.AsMemory(sockets * queue));
        _udpPorts = new PortMap(sockets);
    }

    private DatagramQueue QueueOf(int index) => _udpQueues[index - _udpBase];

    /// <summary>Binds <paramref name="port"/> (0: an unused one from 49152–65535); returns the socket's handle.</summary>
    public long UdpBind(ushort port)
    {
        if (port == 0 && !TryPickPort(out port)) return (long)EthoxStatus.InUse;
        if (Udp.IsBound(port)) return (long)EthoxStatus.InUse;
        if (!_freeUdp.TryTake(out int index)) return (long)EthoxStatus.NoSpace;
        Udp.Bind(port);
        ref var s = ref _sockets[index];
        s.Kind = SocketKind.Udp;
        s.Flags = (s.Flags & SocketFlags.InReady) | SocketFlags.Open;
        s.Port = port;
        QueueOf(index).Clear();
        _udpPorts.Add(port, index);
        return HandleOf(index);
    }

    private bool TryPickPort(out ushort port)
    {
        for (int tries = 0; tries <= ushort.MaxValue - FirstEphemeralPort; tries++)
        {
            port = _nextEphemeral;
            _nextEphemeral = _nextEphemeral == ushort.MaxValue ? FirstEphemeralPort : (ushort)(_nextEphemeral + 1);
            if (!Udp.IsBound(port)) return true;
        }
        port = 0;
        return false;
    }

    private int CloseUdp(int index)
    {
        ref var s = ref _sockets[index];
        Udp.Unbind(s.Port);
        _udpPorts.Remove(s.Port);
        QueueOf(index).Clear();
        Free(index);
        return 0;
    }

    /// <summary>Queues a datagram from the socket's port to <paramref name="to"/>; it leaves with the next <see cref="Output"/> calls. Returns its length.</summary>
    public int UdpSend(long handle, in TransportAddress to, ReadOnlySpan<byte> data)
    {
        if (!TryResolve(handle, SocketKind.Udp, out int index)) return (int)EthoxStatus.BadHandle;
        if (to.Port == 0 || to.Address.IsUnspecified) return (int)EthoxStatus.InvalidArgument;
        int largest = Math.Min(to.Address.IsV4 ? MaxUdpPayloadV4 : MaxUdpPayloadV6, _udpSend.LargestDatagram);
        if (data.Length > largest) return (int)EthoxStatus.MessageTooLong;
        if (!_udpSend.TryPush(_sockets[index].Port, to, data)) return (int)EthoxStatus.Again;
        return data.Length;
    }

    /// <summary>
    /// Takes the oldest received datagram: copies what fits into <paramref name="destination"/> (the rest is dropped) and
    /// returns that count; <see cref="EthoxStatus.Again"/> when none waits.
    /// </summary>
    public int UdpReceive(long handle, Span<byte> destination, out TransportAddress from)
    {
        from = default;
        if (!TryResolve(handle, SocketKind.Udp, out int index)) return (int)EthoxStatus.BadHandle;
        var queue = QueueOf(index);
        if (!queue.TryPeek(out _, out from, out var data)) return (int)EthoxStatus.Again;
        int n = Math.Min(data.Length, destination.Length);
        data[..n].CopyTo(destination);
        queue.Pop();
        return n;
    }

    private SocketEvents UdpEvents(int index)
    {
        var events = QueueOf(index).Count > 0 ? SocketEvents.Readable : SocketEvents.None;
        return _udpSend.HasRoomFor(1) ? events | SocketEvents.Writable : events;
    }

    /// <summary>A datagram for a bound port: into its socket's queue, or dropped and counted when the queue is full.</summary>
    internal void OnDatagram(ushort port, in TransportAddress source, ReadOnlySpan<byte> payload)
    {
        int index = _udpPorts.Find(port);
        if (index < 0) return;
        if (!QueueOf(index).TryPush(port, source, payload))
        {
            _udpQueueDrops++;
            return;
        }
        MarkReady(index);
    }

    /// <summary>The oldest queued datagram into a transmit buffer. One that cannot leave (no route or source address) is dropped and counted.</summary>
    internal void SendQueuedDatagram(UdpPacket packet)
    {
        if (!_udpSend.TryPeek(out ushort localPort, out var remote, out var data)) return;
        if (!packet.TrySend(remote, localPort, data)) _udpSendFailures++;
        _udpSend.Pop();
    }
}
