using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Layer.Transparent;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Tests.Transparent;

/// <summary>
/// An application on the packet API (<see cref="TransparentStack{THandler}"/>): accepts every TCP connection to any
/// address (or refuses), echoes what it takes (taking only what the send ring has room for, so a slow peer holds the
/// data in the receive ring and its window closes), closes once its peer did and everything went back; echoes UDP
/// datagrams from their original destination. Outgoing packets are written straight into the slots of an outbox (the
/// "TUN write buffers"), which the test moves to the wire. Nothing is allocated per packet.
/// </summary>
public sealed class EchoFlows
{
    private readonly byte[] _arena;
    private readonly int _ring;
    private readonly int[] _free;
    private readonly int[] _bufferOf;
    private readonly bool[] _peerClosed;
    private int _freeCount, _lent = -1;
    private readonly byte[][] _outbox;
    private readonly int[] _outLengths;

    public EchoFlows(int capacity, int ring, int outboxSlots = 512, int mtu = 1500)
    {
        _ring = ring;
        _arena = new byte[capacity * 2 * ring];
        _free = new int[capacity];
        _bufferOf = new int[capacity];
        _peerClosed = new bool[capacity];
        for (int i = 0; i < capacity; i++) _free[i] = i;
        _freeCount = capacity;
        _outbox = new byte[outboxSlots][];
        for (int i = 0; i < outboxSlots; i++) _outbox[i] = new byte[mtu];
        _outLengths = new int[outboxSlots];
        Flows = new Flow[capacity * 4];
    }

    public TransparentStack<EchoFlowsHandler> Stack = null!;
    /// <summary>The time handed to the calls the handler makes (the test sets it as it moves time on).</summary>
    public Instant Now;
    public bool Refuse;
    /// <summary>How many bytes of each offer to take at most (0: the application is stalled).</summary>
    public int TakeAtMost = int.MaxValue;
    /// <summary>A packet to hand back into the stack from inside the next Data call (re-entry must be refused).</summary>
    public byte[]? ReenterWith;
    public bool? ReentryAccepted;

    /// <summary>The flows accepted, in order (their keys set).</summary>
    public readonly Flow[] Flows;
    public int FlowCount, Asked, Closed, PeerClosedEvents, Datagrams;
    public long Taken;
    public TcpEvents AllEvents;
    /// <summary>Packets sent, and those lost because the outbox was full.</summary>
    public int OutCount, OutDropped;

    public bool TryAccept(in Flow flow, out TcpBuffers buffers)
    {
        Asked++;
        buffers = default;
        if (Refuse || _freeCount == 0) return false;
        _lent = _free[--_freeCount];
        var memory = _arena.AsMemory(_lent * 2 * _ring, 2 * _ring);
        buffers = new TcpBuffers(memory[.._ring], memory[_ring..]);
        return true;
    }

    public void Accepted(in Flow flow)
    {
        if (flow.Key == SlotKey.None)
        {
            _free[_freeCount++] = _lent;
            return;
        }
        _bufferOf[flow.Key.Index] = _lent;
        _peerClosed[flow.Key.Index] = false;
        if (FlowCount < Flows.Length) Flows[FlowCount++] = flow;
    }

    public int Data(in Flow flow, ReadOnlySpan<byte> data)
    {
        if (ReenterWith is { } packet)
        {
            ReentryAccepted = Stack.Receive(packet, packet.Length, Now);
            ReenterWith = null;
        }
        if (!flow.IsTcp)
        {
            Datagrams++;
            Stack.TrySend(flow, data, Now, out _);
            return data.Length;
        }
        Stack.TrySend(flow, data[..Math.Min(data.Length, TakeAtMost)], Now, out int sent);
        Taken += sent;
        return sent;
    }

    public void Events(in Flow flow, TcpEvents events)
    {
        AllEvents |= events;
        int slot = flow.Key.Index;
        if ((events & TcpEvents.PeerClosed) != 0)
        {
            PeerClosedEvents++;
            _peerClosed[slot] = true;
        }
        if ((events & TcpEvents.Writable) != 0) Stack.Resume(flow, Now);
        if ((events & TcpEvents.Closed) != 0)
        {
            Closed++;
            _free[_freeCount++] = _bufferOf[slot];
            return;
        }
        CloseIfDone(flow);
    }

    /// <summary>Takes what a stalled application left behind, then closes the flows whose peer closed and which are drained.</summary>
    public void Resume(in Flow flow)
    {
        Stack.Resume(flow, Now);
        CloseIfDone(flow);
    }

    private void CloseIfDone(in Flow flow)
    {
        if (_peerClosed[flow.Key.Index] && Stack.Tcp.GetInfo(flow.Key, out var info) == TcpStatus.Ok && info.Readable == 0
            && info.State == TcpState.CloseWait)
            Stack.Close(flow, Now);
    }

    public Span<byte> TransmitBuffer() => OutCount < _outbox.Length ? _outbox[OutCount] : default;

    public void Transmit(ReadOnlySpan<byte> packet)
    {
        if (OutCount == _outbox.Length)
        {
            OutDropped++;
            return;
        }
        var slot = _outbox[OutCount];
        // Written into the slot lent by TransmitBuffer: nothing to copy. An answer made in place lies in the receive buffer.
        if (!packet.Overlaps(slot)) packet.CopyTo(slot);
        _outLengths[OutCount++] = packet.Length;
    }

    public ReadOnlySpan<byte> Sent(int i) => _outbox[i].AsSpan(0, _outLengths[i]);

    /// <summary>Moves the outbox onto <paramref name="wire"/> (the TUN's kernel side) and empties it.</summary>
    public void FlushTo(PipeEnd wire, Instant now)
    {
        var sender = new OutboxSender(this);
        wire.Transmit(OutCount, ref sender, now);
        OutCount = 0;
    }

    private struct OutboxSender(EchoFlows flows) : ISend<RawPacket>
    {
        private int _next;
        public void Send(RawPacket packet)
        {
            var bytes = flows.Sent(_next++);
            bytes.CopyTo(packet.Capacity);
            packet.Send(bytes.Length);
        }
    }
}

/// <summary>The value type the stack is generic over; it forwards to an <see cref="EchoFlows"/>.</summary>
public readonly struct EchoFlowsHandler(EchoFlows app) : ITransparentHandler
{
    public bool TryAccept(in Flow flow, out TcpBuffers buffers) => app.TryAccept(flow, out buffers);
    public void Accepted(in Flow flow) => app.Accepted(flow);
    public int Data(in Flow flow, ReadOnlySpan<byte> data) => app.Data(flow, data);
    public void Events(in Flow flow, TcpEvents events) => app.Events(flow, events);
    public Span<byte> TransmitBuffer() => app.TransmitBuffer();
    public void Transmit(ReadOnlySpan<byte> packet) => app.Transmit(packet);
}

/// <summary>
/// An <see cref="IpClient"/> on one end of a bare-IP pipe, an <see cref="EchoFlows"/> on a <see cref="TransparentStack{THandler}"/>
/// at the other, the test carrying packets from the pipe into <c>Receive</c> and from the outbox back onto the pipe.
/// </summary>
public sealed class FlowsPair
{
    private readonly PipeEnd _clientLink, _tunLink;
    public readonly IpClient Client;
    public readonly EchoFlows Server;
    public Instant Now = Instant.FromMilliseconds(1000);

    public FlowsPair(int capacity = 8, int ring = 64 * 1024)
    {
        (_clientLink, _tunLink) = Pipe.CreatePair(512, 1500, Medium.Ip);
        Client = new IpClient(Now, capacity, ring);
        Client.App.CloseWhenDone = true;
        Server = new EchoFlows(capacity, ring);
        Server.Stack = new TransparentStack<EchoFlowsHandler>(new EchoFlowsHandler(Server), capacity, Now);
        Server.Now = Now;
    }

    /// <summary>One round: the client runs, the stack takes what arrived, the outbox goes out. Returns packets moved.</summary>
    public int Round()
    {
        Server.Now = Now;
        int moved = Client.Poll(_clientLink, Now);
        var feeder = new TunFeeder(Server.Stack, Now);
        moved += _tunLink.Receive(64, ref feeder, Now);
        Server.Stack.Poll(Now);
        moved += Server.OutCount;
        Server.FlushTo(_tunLink, Now);
        Client.App.PumpAll();
        return moved;
    }

    /// <summary>Runs until <paramref name="done"/>, moving time by 100 µs per busy round, to the next deadline when idle.</summary>
    public bool RunUntil(Func<bool> done, Duration limit)
    {
        var end = Now + limit;
        while (!done())
        {
            if (Now >= end) return false;
            int moved = Round();
            if (done()) return true;
            var next = Instant.Min(Client.Stack.NextDeadline(), Server.Stack.Poll(Now));
            Now = moved > 0 || next <= Now ? Now + Duration.FromMicroseconds(100) : Instant.Min(next, end);
        }
        return true;
    }

    private readonly struct TunFeeder(TransparentStack<EchoFlowsHandler> stack, Instant now) : IRecv<RawPacket>
    {
        public void Receive(RawPacket packet) => stack.Receive(packet.Capacity, packet.Frame.Length, now);
    }
}
