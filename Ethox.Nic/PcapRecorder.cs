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
/// per frame: frames pass through one receive and one transmit buffer of the recorder's own, and the
/// frame bytes go straight to the stream (give it a buffered stream, such as a <see cref="FileStream"/>).
/// </summary>
/// <remarks>
/// Frames are copied between the wrapped device's buffers and the recorder's, so the adapters that reach
/// the wrapped device are fixed types. An adapter generic over the caller's handler (the natural way to
/// pass it down in place) makes the device's generic methods recurse through their own type arguments
/// (a recorder around a recorder), which the NativeAOT compiler cannot expand for by-ref-like handlers:
/// it rejects the whole assembly ("will always throw", BadImageFormatException) in unrelated methods.
/// An answer in place is recorded and handed to the wrapped device's transmit path.
/// Frames are written as they go to and come from the device, as tcpdump shows them on an interface with offloads: a
/// checksum left partial for the offload is written unfinished, a super-segment (GSO, TSO) is one large frame, and the
/// virtio-net header is not written. The offload metadata passes through to the layers and to the wrapped device.
/// </remarks>
/// <typeparam name="TDevice">The wrapped device; a struct device is held by value and reached through <see cref="Inner"/>.</typeparam>
public sealed class PcapRecorder<TDevice> : IDevice where TDevice : IDevice
{
    private TDevice _device;
    private readonly PcapWriter _writer;
    private readonly PcapDirections _directions;
    private readonly byte[] _rx, _tx;
    private int _rxLength, _txLength;
    private PacketOffload _rxOffload, _txOffload;
    private PacketVerdict _verdict; // the verdict the caller's handler gives on our buffers

    /// <summary>Records the traffic of <paramref name="device"/> into <paramref name="stream"/> (the pcap file header is written now).</summary>
    public PcapRecorder(TDevice device, Stream stream, PcapDirections directions = PcapDirections.Both, bool nanosecond = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _device = device;
        Capabilities = device.Capabilities;
        _directions = directions;
        _writer = new PcapWriter(stream, LinkTypeOf(Capabilities.Medium), nanosecond, Math.Max(Capabilities.MaxBufferLength, 65535));
        _rx = new byte[Capabilities.MaxReceiveFrameLength];
        // An answer in place, written into the receive buffer, passes through this one too.
        _tx = new byte[Capabilities.MaxBufferLength];
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
        int n = 0;
        var take = new TakeOne(this);
        while (n < max)
        {
            _rxLength = -1;
            if (_device.Receive(1, ref take, now) == 0 || _rxLength < 0) break;
            Record(_rx.AsSpan(0, _rxLength), now, PcapDirections.Receive);
            _verdict = PacketVerdict.None;
            receiver.Receive(new RawPacket(_rx, _rxLength, now, ref _verdict, _rxOffload, Capabilities.TransmitOffloads));
            n++;
            if (_verdict.SendLength >= 0) Send(_rx, _verdict.SendLength, _verdict.Offload, now);
        }
        return n;
    }

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        int n = 0;
        while (n < max)
        {
            _verdict = PacketVerdict.None;
            sender.Send(new RawPacket(_tx, 0, now, ref _verdict, default, Capabilities.TransmitOffloads));
            if (_verdict.SendLength < 0) break;
            Send(_tx, _verdict.SendLength, _verdict.Offload, now);
            n++;
        }
        return n;
    }

    // Records a frame and hands it to the wrapped device's transmit path.
    private void Send(byte[] frame, int length, PacketOffload offload, Instant now)
    {
        Record(frame.AsSpan(0, length), now, PcapDirections.Transmit);
        frame.AsSpan(0, length).CopyTo(_tx);
        _txLength = length;
        _txOffload = offload;
        var give = new GiveOne(this);
        _device.Transmit(1, ref give, now);
    }

    private void Record(ReadOnlySpan<byte> frame, Instant at, PcapDirections direction)
    {
        if ((_directions & direction) != 0) _writer.Write(frame, at.Microseconds * 1000);
    }

    // Copies the one frame the wrapped device receives into the recorder's receive buffer.
    private readonly struct TakeOne(PcapRecorder<TDevice> owner) : IRecv<RawPacket>
    {
        public void Receive(RawPacket packet)
        {
            var frame = packet.Frame;
            // The wrapped device lends frames of at most its maximum frame length, the size of our buffer.
            if (!frame.TryCopyTo(owner._rx)) return;
            owner._rxLength = frame.Length;
            owner._rxOffload = packet.Offload;
        }
    }

    // Fills the wrapped device's transmit buffer with the frame waiting in the recorder's transmit buffer.
    private readonly struct GiveOne(PcapRecorder<TDevice> owner) : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            int length = owner._txLength;
            if (length < 0 || !owner._tx.AsSpan(0, length).TryCopyTo(packet.Capacity)) return;
            packet.Send(length, owner._txOffload);
            owner._txLength = -1;
        }
    }
}
