using System;
using System.IO;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>Which frames a <see cref="PcapRecorder{TDevice}"/> writes.</summary>
[Flags]
public enum PcapDirections : byte
{
    /// <summary>Frames handed to the receiver.</summary>
    Receive = 1,
    /// <summary>Frames transmitted: those filled by a sender and those answered in place.</summary>
    Transmit = 2,
    /// <summary>Both.</summary>
    Both = Receive | Transmit,
}

/// <summary>
/// Wraps a device and writes every frame it receives and transmits to a pcap file (link type Ethernet or
/// raw IP, after the device's medium), stamped with the <see cref="Instant"/> of the call. No allocation
/// per frame: the receiver and sender are wrapped in struct adapters and the frame bytes go straight to
/// the stream (give it a buffered stream, such as a <see cref="FileStream"/>).
/// </summary>
/// <typeparam name="TDevice">The wrapped device; a struct device is held by value and reached through <see cref="Inner"/>.</typeparam>
public sealed class PcapRecorder<TDevice> : IDevice where TDevice : IDevice
{
    private TDevice _device;
    private readonly PcapWriter _writer;
    private readonly PcapDirections _directions;
    private PacketVerdict _innerVerdict; // the verdict the wrapped handler sees; copied out once recorded

    /// <summary>Records the traffic of <paramref name="device"/> into <paramref name="stream"/> (the pcap file header is written now).</summary>
    public PcapRecorder(TDevice device, Stream stream, PcapDirections directions = PcapDirections.Both, bool nanosecond = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _device = device;
        Capabilities = device.Capabilities;
        _directions = directions;
        _writer = new PcapWriter(stream, LinkTypeOf(Capabilities.Medium), nanosecond, Math.Max(Capabilities.MaxFrameLength, 65535));
    }

    /// <summary>The pcap link type of frames on <paramref name="medium"/>.</summary>
    public static PcapLinkType LinkTypeOf(Medium medium) => medium == Medium.Ethernet ? PcapLinkType.Ethernet : PcapLinkType.RawIp;

    /// <summary>The wrapped device.</summary>
    public ref TDevice Inner => ref _device;

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>Flushes the pcap stream.</summary>
    public void Flush() => _writer.Flush();

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
    {
        var tap = new ReceiveTap<TRecv>(this, receiver);
        int n = _device.Receive(max, ref tap, now);
        receiver = tap.Inner;
        return n;
    }

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        var tap = new TransmitTap<TSend>(this, sender);
        int n = _device.Transmit(max, ref tap, now);
        sender = tap.Inner;
        return n;
    }

    private void Record(ReadOnlySpan<byte> frame, Instant at, PcapDirections direction)
    {
        if ((_directions & direction) != 0) _writer.Write(frame, at.Microseconds * 1000);
    }

    // The wrapped handler travels by value inside the adapter (a ref field cannot refer to a ref struct)
    // and is copied back after the call. It is lent the same buffer with a verdict of our own
    // (_innerVerdict), so that the length of an answer or of a transmitted frame is known here (RawPacket
    // does not expose it); PassOn records that frame and hands the decision on to the device.
    private void PassOn(RawPacket packet)
    {
        int sent = _innerVerdict.SendLength;
        if (sent < 0) return;
        Record(packet.Capacity[..sent], packet.Timestamp, PcapDirections.Transmit);
        packet.Send(sent);
    }

    private ref struct ReceiveTap<TRecv> : IRecv<RawPacket> where TRecv : IRecv<RawPacket>, allows ref struct
    {
        private readonly PcapRecorder<TDevice> _owner;
        public TRecv Inner;

        public ReceiveTap(PcapRecorder<TDevice> owner, TRecv inner) { _owner = owner; Inner = inner; }

        public void Receive(RawPacket packet)
        {
            _owner.Record(packet.Frame, packet.Timestamp, PcapDirections.Receive);
            _owner._innerVerdict = PacketVerdict.None;
            Inner.Receive(new RawPacket(packet.Capacity, packet.Frame.Length, packet.Timestamp, ref _owner._innerVerdict));
            _owner.PassOn(packet);
        }
    }

    private ref struct TransmitTap<TSend> : ISend<RawPacket> where TSend : ISend<RawPacket>, allows ref struct
    {
        private readonly PcapRecorder<TDevice> _owner;
        public TSend Inner;

        public TransmitTap(PcapRecorder<TDevice> owner, TSend inner) { _owner = owner; Inner = inner; }

        public void Send(RawPacket packet)
        {
            _owner._innerVerdict = PacketVerdict.None;
            Inner.Send(new RawPacket(packet.Capacity, 0, packet.Timestamp, ref _owner._innerVerdict));
            _owner.PassOn(packet);
        }
    }
}
