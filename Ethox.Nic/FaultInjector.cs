using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// Wraps a device and makes its link misbehave, reproducibly: per direction, frames are dropped,
/// duplicated, reordered, corrupted, delayed and rate-limited as <see cref="FaultSettings"/> say, decided
/// by a seeded generator (the same seed and the same calls give the same outcome). Time is only the
/// <c>now</c> given to each call; <see cref="NextDue"/> says when a held frame wants a call.
/// </summary>
/// <remarks>
/// Every frame is copied into the injector's own queue (allocated once, <c>queueCapacity</c> frames per
/// direction) and leaves it when due. The receiver's answers in place are transmitted through the
/// transmit direction's faults. When the transmit queue is full, <see cref="Transmit"/> lends no more
/// buffers; receiving pulls from the wrapped device only what the receive queue has room for.
/// Offload metadata travels with each frame. The injector stands for the wire, where frames are at most MTU-sized: it
/// does not offer transmit segmentation (TSO) even when the wrapped device does, so that a dropped or corrupted frame is
/// one segment, as on a real link (super-segments the wrapped device receives pass whole). A corrupted frame loses the
/// device's word for its checksum (see <see cref="FaultSettings.CorruptProbability"/>).
/// </remarks>
/// <typeparam name="TDevice">The wrapped device; a struct device is held by value and reached through <see cref="Inner"/>.</typeparam>
public sealed class FaultInjector<TDevice> : IDevice where TDevice : IDevice
{
    private TDevice _device;
    private readonly FaultLane _rx, _tx;
    private PacketVerdict _verdict;

    /// <summary>Wraps <paramref name="device"/> with faults <paramref name="receive"/> on received and <paramref name="transmit"/> on transmitted frames.</summary>
    public FaultInjector(TDevice device, FaultSettings receive, FaultSettings transmit, ulong seed, int queueCapacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueCapacity);
        _device = device;
        var inner = device.Capabilities;
        Capabilities = inner with { Offloads = inner.Offloads & ~DeviceOffloads.TransmitSegmentation, MaxTransmitFrameLength = 0 };
        // Each direction draws from its own stream: what happens to received frames does not depend on
        // how transmissions interleave with them.
        ulong state = seed;
        _rx = new FaultLane(queueCapacity, Capabilities.MaxReceiveFrameLength, receive, XorShiftRandom.SplitMix64(ref state));
        _tx = new FaultLane(queueCapacity, Capabilities.MaxTransmitFrameLength, transmit, XorShiftRandom.SplitMix64(ref state));
    }

    /// <summary>The wrapped device.</summary>
    public ref TDevice Inner => ref _device;

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>Faults applied to received frames (may be changed between calls).</summary>
    public FaultSettings ReceiveSettings { get => _rx.Settings; set => _rx.Settings = value; }
    /// <summary>Faults applied to transmitted frames (may be changed between calls).</summary>
    public FaultSettings TransmitSettings { get => _tx.Settings; set => _tx.Settings = value; }
    /// <summary>What happened to received frames.</summary>
    public FaultCounters ReceiveCounters => _rx.Counters;
    /// <summary>What happened to transmitted frames.</summary>
    public FaultCounters TransmitCounters => _tx.Counters;
    /// <summary>When a delayed or held frame is next due: call <see cref="Receive"/> and <see cref="Transmit"/> then.</summary>
    public Instant NextDue => Instant.Min(_rx.NextDue, _tx.NextDue);

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
    {
        _rx.ReleaseHeld(now);
        int pull = Math.Min(max, _rx.Room);
        if (pull > 0)
        {
            var admit = new Admit(_rx, now);
            _device.Receive(pull, ref admit, now);
        }
        int n = 0;
        var transmitOffloads = Capabilities.TransmitOffloads;
        while (n < max && _rx.TryPeekDue(now, out var buffer, out int length, out var offload))
        {
            _verdict = PacketVerdict.None;
            receiver.Receive(new RawPacket(buffer, length, now, ref _verdict, offload, transmitOffloads));
            n++;
            int answer = _verdict.SendLength;
            if (answer >= 0)
            {
                // An answer longer than a transmit slot (from a super-segment's buffer) cannot go out whole: lost, and counted.
                if (_tx.HasRoom && buffer[..answer].TryCopyTo(_tx.Slot)) _tx.Offer(answer, now, _verdict.Offload);
                else _tx.Counters.queueFull++;
            }
            _rx.PopDelivered();
        }
        Flush(now);
        return n;
    }

    /// <inheritdoc/>
    /// <remarks>Also hands the wrapped device the transmitted frames that are due, including answers given in place.</remarks>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        _tx.ReleaseHeld(now);
        int n = 0;
        var transmitOffloads = Capabilities.TransmitOffloads;
        while (n < max && _tx.HasRoom)
        {
            _verdict = PacketVerdict.None;
            sender.Send(new RawPacket(_tx.Slot, 0, now, ref _verdict, default, transmitOffloads));
            if (_verdict.SendLength < 0) break;
            _tx.Offer(_verdict.SendLength, now, _verdict.Offload);
            n++;
        }
        Flush(now);
        return n;
    }

    private void Flush(Instant now)
    {
        var drain = new Drain(_tx, now);
        _device.Transmit(int.MaxValue, ref drain, now);
    }

    // Copies each frame the wrapped device receives into the receive lane.
    private readonly struct Admit(FaultLane lane, Instant now) : IRecv<RawPacket>
    {
        public void Receive(RawPacket packet)
        {
            var frame = packet.Frame;
            frame.CopyTo(lane.Slot);
            lane.Offer(frame.Length, now, packet.Offload);
        }
    }

    // Fills the wrapped device's transmit buffers with the due frames of the transmit lane; stops when none is due.
    private readonly struct Drain(FaultLane lane, Instant now) : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            if (!lane.TryPeekDue(now, out var buffer, out int length, out var offload)) return;
            // A device lends buffers of its maximum frame length, the size of the lane's: the copy fits. The offloads asked
            // for are the wrapped device's own (the injector offers no others).
            if (buffer[..length].TryCopyTo(packet.Capacity)) packet.Send(length, offload);
            lane.PopDelivered();
        }
    }
}
