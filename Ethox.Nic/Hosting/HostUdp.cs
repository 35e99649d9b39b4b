using System;
using System.Net.Sockets;
using Ethox.Layer.Udp;

namespace Ethox.Nic.Hosting;

// UDP sockets: binding, datagrams received (to a waiting receive, or queued), datagrams to send (one per transmit
// buffer the UDP layer is lent, in the order they were asked for). In transparent mode one socket without a port of
// its own takes every datagram to a foreign address (UdpPacket.IsForeign), whatever its port.
internal sealed partial class HostCore
{
    private const ushort FirstEphemeralPort = 49152; // RFC 6335 §6: the dynamic range

    private readonly HostUdpSocket[] _udpSockets;
    private readonly ushort[] _udpByPort; // port → socket entry + 1, 0 for none
    private UdpSendOperation? _sendHead, _sendTail;
    private int _nextEphemeral;
    private int _transparentUdp = -1; // the transparent socket's entry, -1 for none

    private bool TryResolveUdp(HostHandle handle, out int index)
    {
        index = handle.Index;
        return (uint)index < (uint)_udpSockets.Length && _udpSockets[index].InUse && _udpSockets[index].Generation == handle.Generation;
    }

    /// <summary>A bind request: the port asked for, the next free one of the dynamic range for 0, or the transparent socket.</summary>
    public void BindUdp(UdpBindOperation operation)
    {
        if (_stopping)
        {
            operation.Complete(HostFailure.HostStopped);
            return;
        }
        int index = Array.FindIndex(_udpSockets, static s => !s.InUse);
        if (index < 0)
        {
            operation.Complete(HostFailure.Socket, SocketError.TooManyOpenSockets);
            return;
        }
        if (operation.Transparent)
        {
            BindTransparentUdp(operation, index);
            return;
        }
        ushort port = operation.Port;
        if (port == 0)
        {
            int range = ushort.MaxValue + 1 - FirstEphemeralPort;
            for (int tried = 0; tried < range && port == 0; tried++)
            {
                var candidate = (ushort)(FirstEphemeralPort + (_nextEphemeral++ % range));
                if (!Udp.IsBound(candidate)) port = candidate;
            }
        }
        if (port == 0 || !Udp.Bind(port))
        {
            operation.Complete(HostFailure.Socket, SocketError.AddressAlreadyInUse);
            return;
        }
        ref var s = ref _udpSockets[index];
        s = new HostUdpSocket { Generation = s.Generation + 1, InUse = true, Port = port, Queue = new DatagramQueue(operation.Queue) };
        _udpByPort[port] = (ushort)(index + 1);
        operation.Port = port;
        operation.Handle = new HostHandle(index, s.Generation);
        operation.Complete();
    }

    // One transparent socket at a time: who else would the foreign datagrams go to?
    private void BindTransparentUdp(UdpBindOperation operation, int index)
    {
        if (_transparentUdp >= 0)
        {
            operation.Complete(HostFailure.Socket, SocketError.AddressAlreadyInUse);
            return;
        }
        ref var s = ref _udpSockets[index];
        s = new HostUdpSocket { Generation = s.Generation + 1, InUse = true, Transparent = true, Queue = new DatagramQueue(operation.Queue) };
        _transparentUdp = index;
        operation.Port = 0;
        operation.Handle = new HostHandle(index, s.Generation);
        operation.Complete();
    }

    /// <summary>A send request: waits for the next transmit buffer the UDP layer is lent.</summary>
    public void SendUdp(UdpSendOperation operation)
    {
        if (!TryResolveUdp(operation.Socket, out _))
        {
            operation.Complete(Gone);
            return;
        }
        if (_sendTail is null) _sendHead = operation;
        else _sendTail.Next = operation;
        _sendTail = operation;
        operation.Pending = true;
    }

    /// <summary>
    /// One transmit buffer: the oldest datagram waiting is copied straight from the caller's memory into it, from the
    /// socket's port, or from the source it pinned (an original destination in transparent mode).
    /// </summary>
    public void OnUdpTransmit(UdpPacket packet)
    {
        // A datagram that needs fragmenting waits while the fragmenter still holds another (whose next hop is being
        // resolved): the IP layer would refuse it, and the refusal is no error of the caller's. Order is kept.
        if (_sendHead is { } head && Ip.Fragmenter is { HasPending: true }
            && head.Data.Length > packet.MaxPayload(head.Remote.Address)) return;
        if (TakeQueuedDatagram() is not { } send) return;
        ushort port = _udpSockets[send.Socket.Index].Port;
        if (!CallerMemory.TryGetSpan(send, send.Data, out var data)) send.Complete(HostFailure.BadBuffer);
        else if (send.Pinned ? packet.TrySend(send.Local, send.Remote, data) : packet.TrySend(send.Remote, port, data))
        {
            send.Result = send.Data.Length;
            send.Complete();
        }
        // A pinned source that is neither ours nor foreign in transparent mode cannot be sent from (EADDRNOTAVAIL, as a
        // kernel socket bound to it says); otherwise no route or no source address leads there.
        else if (send.Pinned && !Ip.CanSendFrom(send.Local.Address)) send.Complete(HostFailure.Socket, SocketError.AddressNotAvailable);
        else send.Complete(HostFailure.Socket, SocketError.NetworkUnreachable);
    }

    private UdpSendOperation? TakeQueuedDatagram()
    {
        var send = _sendHead;
        if (send is null) return null;
        _sendHead = (UdpSendOperation?)send.Next;
        if (_sendHead is null) _sendTail = null;
        send.Next = null;
        return send;
    }

    public void WithdrawUdpSend(UdpSendOperation operation)
    {
        UdpSendOperation? previous = null;
        for (var send = _sendHead; send is not null; previous = send, send = (UdpSendOperation?)send.Next)
        {
            if (send != operation) continue;
            if (previous is null) _sendHead = (UdpSendOperation?)send.Next;
            else previous.Next = send.Next;
            if (_sendTail == send) _sendTail = previous;
            send.Next = null;
            return;
        }
    }

    /// <summary>A receive request: the oldest queued datagram, or it waits for the next.</summary>
    public void ReceiveUdp(UdpReceiveOperation operation)
    {
        if (!TryResolveUdp(operation.Socket, out int index))
        {
            operation.Complete(Gone);
            return;
        }
        ref var s = ref _udpSockets[index];
        if (!CallerMemory.TryGetSpan(operation, operation.Buffer, out var destination))
        {
            operation.Complete(HostFailure.BadBuffer);
            return;
        }
        if (s.Queue.TryRead(destination, out int copied, out int length, out var from, out var to))
        {
            if (copied < length) _counters.UdpTruncated++;
            operation.Received = copied;
            operation.From = from;
            operation.To = to;
            operation.Complete();
            return;
        }
        if (s.WaitTail is null) s.WaitHead = operation;
        else s.WaitTail.Next = operation;
        s.WaitTail = operation;
        operation.Pending = true;
    }

    public void WithdrawUdpReceive(UdpReceiveOperation operation)
    {
        ref var s = ref _udpSockets[operation.Socket.Index];
        UdpReceiveOperation? previous = null;
        for (var receive = s.WaitHead; receive is not null; previous = receive, receive = (UdpReceiveOperation?)receive.Next)
        {
            if (receive != operation) continue;
            if (previous is null) s.WaitHead = (UdpReceiveOperation?)receive.Next;
            else previous.Next = receive.Next;
            if (s.WaitTail == receive) s.WaitTail = previous;
            receive.Next = null;
            return;
        }
    }

    private static UdpReceiveOperation? TakeWaitingReceive(ref HostUdpSocket s)
    {
        var receive = s.WaitHead;
        if (receive is null) return null;
        s.WaitHead = (UdpReceiveOperation?)receive.Next;
        if (s.WaitHead is null) s.WaitTail = null;
        receive.Next = null;
        return receive;
    }

    /// <summary>
    /// A datagram to a bound port, or in transparent mode to a foreign address (for the transparent socket, whatever its
    /// port): copied straight into a waiting receiver's memory, or queued (dropped when the queue is full). A foreign
    /// datagram with no transparent socket bound is dropped and counted, as the layer leaves that choice to us.
    /// </summary>
    public void OnDatagram(UdpPacket packet)
    {
        int index = packet.IsForeign ? _transparentUdp : _udpByPort[packet.Destination.Port] - 1;
        if (index < 0)
        {
            if (packet.IsForeign) _counters.UdpForeignUnclaimed++;
            return;
        }
        ref var s = ref _udpSockets[index];
        var payload = packet.Payload;
        if (TakeWaitingReceive(ref s) is { } receive)
        {
            if (!CallerMemory.TryGetSpan(receive, receive.Buffer, out var destination))
            {
                receive.Complete(HostFailure.BadBuffer);
                if (!s.Queue.TryWrite(packet.Source, packet.Destination, payload)) _counters.UdpQueueFull++;
                return;
            }
            int copied = Math.Min(payload.Length, destination.Length);
            if (copied < payload.Length) _counters.UdpTruncated++;
            payload[..copied].CopyTo(destination);
            receive.Received = copied;
            receive.From = packet.Source;
            receive.To = packet.Destination;
            receive.Complete();
        }
        else if (!s.Queue.TryWrite(packet.Source, packet.Destination, payload)) _counters.UdpQueueFull++;
    }

    /// <summary>A close request.</summary>
    public void CloseUdp(UdpCloseOperation operation)
    {
        if (TryResolveUdp(operation.Socket, out int index)) CloseUdpSocket(index, HostFailure.Disposed);
        operation.Complete();
    }

    /// <summary>Unbinds socket <paramref name="index"/>: its waiting receives and queued sends fail with <paramref name="failure"/>.</summary>
    private void CloseUdpSocket(int index, HostFailure failure)
    {
        ref var s = ref _udpSockets[index];
        if (s.Transparent) _transparentUdp = -1;
        else
        {
            Udp.Unbind(s.Port);
            _udpByPort[s.Port] = 0;
        }
        while (TakeWaitingReceive(ref s) is { } receive) receive.Complete(failure);
        for (var send = _sendHead; send is not null;)
        {
            var next = (UdpSendOperation?)send.Next;
            if (send.Socket.Index == index)
            {
                WithdrawUdpSend(send);
                send.Complete(failure);
            }
            send = next;
        }
        s.Queue.Clear();
        s.InUse = false;
    }
}
