using System;
using System.Runtime.CompilerServices;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// Frame I/O on a non-blocking file descriptor, one frame per read(2)/write(2): the one piece of code
/// behind <see cref="TapDevice"/>, <see cref="TunDevice"/> and <see cref="AfPacketDevice"/> without rings.
/// </summary>
/// <remarks>
/// Buffers are one byte longer than the largest frame, so a frame the kernel would deliver longer than
/// that fills the extra byte and is recognised and dropped as truncated instead of being handed over cut.
/// With the virtio-net header (PACKET_VNET_HDR, IFF_VNET_HDR) every frame read or written is preceded by one: the
/// buffers keep room for it in front of the frame, so an answer in place gets its own header without a copy.
/// The verdict lives in a field so that the <see cref="RawPacket"/> referring to it can reach the receiver.
/// </remarks>
internal sealed unsafe class FdPort
{
    private readonly int _fd;
    private readonly int _maxReceive, _maxTransmit, _header;
    private readonly byte[] _rx, _tx;
    private readonly bool _filterOutgoing;
    private readonly DeviceOffloads _transmitOffloads;
    private readonly Medium _medium;
    private PacketVerdict _verdict;

    /// <param name="fd">A non-blocking descriptor (owned by the caller).</param>
    /// <param name="capabilities">The device's frame lengths and offloads; any offload means the descriptor carries virtio-net headers.</param>
    /// <param name="filterOutgoing">
    /// For a packet socket whose kernel lacks PACKET_IGNORE_OUTGOING: read with recvfrom(2) and skip frames
    /// whose sockaddr_ll says PACKET_OUTGOING (our own transmissions, looped back to packet taps).
    /// </param>
    public FdPort(int fd, in DeviceCapabilities capabilities, bool filterOutgoing)
    {
        _fd = fd;
        _maxReceive = capabilities.MaxReceiveFrameLength;
        _maxTransmit = capabilities.MaxTransmitFrameLength;
        _header = capabilities.Offloads == DeviceOffloads.None ? 0 : VirtioNetHeader.Length;
        _transmitOffloads = capabilities.TransmitOffloads;
        _medium = capabilities.Medium;
        _rx = new byte[_header + _maxReceive + 1];
        _tx = new byte[_header + _maxTransmit];
        _filterOutgoing = filterOutgoing;
    }

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now, ref DeviceCounters counters)
        where TRecv : IRecv<RawPacket>, allows ref struct
    {
        // Frames passed over (too long, offloads we cannot take) count against a budget of max as well, so that a
        // flood of them cannot hold the caller here.
        int n = 0, skipped = 0;
        while (n < max && skipped < max)
        {
            int read = ReadOne(ref counters);
            if (read < 0) break;
            int length = read - _header;
            if (length < 0) { counters.rxErrors++; skipped++; continue; }
            if (length > _maxReceive) { counters.rxTruncated++; skipped++; continue; }
            PacketOffload offload = default;
            if (_header > 0
                && !(VirtioNetHeader.TryRead(_rx, out var header) && VirtioOffload.TryFromReceived(header, length, out offload)))
            {
                counters.rxUnsupportedOffload++;
                skipped++;
                continue;
            }
            if (offload.Segmentation == SegmentationKind.Udp)
            {
                int made = ReceiveSuperDatagram(length, offload, ref receiver, now, ref counters);
                if (made == 0) skipped++;
                n += made;
                continue;
            }
            counters.Received(length, offload);
            _verdict = PacketVerdict.None;
            receiver.Receive(new RawPacket(_rx.AsSpan(_header, _maxReceive), length, now, ref _verdict, offload, _transmitOffloads));
            n++;
            if (_verdict.SendLength >= 0) WriteOne(_rx, _header, _verdict.SendLength, _verdict.Offload, ref counters);
        }
        return n;
    }

    // A UDP super-datagram in the receive buffer, handed over as its datagrams; each answer in place gets its own
    // virtio-net header in front of it, over bytes already handed over.
    private int ReceiveSuperDatagram<TRecv>(int length, in PacketOffload offload, ref TRecv receiver, Instant now, ref DeviceCounters counters)
        where TRecv : IRecv<RawPacket>, allows ref struct
    {
        var answers = new InPlaceAnswers(this);
        return SuperDatagramDelivery.Deliver(_rx.AsSpan(_header, _maxReceive), length, offload, _medium, _transmitOffloads, ref _verdict, ref receiver, ref answers, now, ref counters);
    }

    private readonly struct InPlaceAnswers(FdPort port) : SuperDatagramDelivery.IAnswers
    {
        public void Send(Span<byte> buffer, int start, int length, in PacketOffload offload, ref DeviceCounters counters)
            => port.WriteOne(port._rx, port._header + start, length, offload, ref counters);
    }

    public int Transmit<TSend>(int max, ref TSend sender, Instant now, ref DeviceCounters counters)
        where TSend : ISend<RawPacket>, allows ref struct
    {
        int n = 0;
        while (n < max)
        {
            _verdict = PacketVerdict.None;
            sender.Send(new RawPacket(_tx.AsSpan(_header), 0, now, ref _verdict, default, _transmitOffloads));
            if (_verdict.SendLength < 0) break;
            WriteOne(_tx, _header, _verdict.SendLength, _verdict.Offload, ref counters);
            n++;
        }
        return n;
    }

    public bool WaitReadable(Duration timeout) => Native.WaitReadable(_fd, timeout);

    // The length of the next read (header included), or -1 when there is none (or the read failed; counted).
    private int ReadOne(ref DeviceCounters counters)
    {
        fixed (byte* p = _rx)
        {
            while (true)
            {
                nint r;
                if (_filterOutgoing)
                {
                    SockaddrLl from;
                    int fromLength = sizeof(SockaddrLl);
                    r = Native.RecvFrom(_fd, p, (nuint)_rx.Length, 0, &from, &fromLength);
                    if (r >= 0 && from.PktType == Native.PACKET_OUTGOING) continue;
                }
                else r = Native.Read(_fd, p, (nuint)_rx.Length);
                if (r > 0) return (int)r;
                if (r == 0) return -1;
                int errno = Native.Errno;
                if (errno == Native.EINTR) continue;
                if (errno != Native.EAGAIN) counters.rxErrors++;
                return -1;
            }
        }
    }

    // Writes the frame of length bytes that starts at frame in buffer, with its header in the header room in front of it.
    private void WriteOne(byte[] buffer, int frame, int length, in PacketOffload offload, ref DeviceCounters counters)
    {
        int start = frame - _header;
        if (_header > 0) VirtioOffload.ForTransmit(offload).TryWrite(buffer.AsSpan(start));
        fixed (byte* p = &buffer[start])
        {
            while (true)
            {
                if (Native.Write(_fd, p, (nuint)(_header + length)) >= 0) { counters.Sent(length, offload); return; }
                int errno = Native.Errno;
                if (errno == Native.EINTR) continue;
                if (errno is Native.EAGAIN or Native.ENOBUFS) counters.txQueueFull++;
                else counters.txErrors++;
                return;
            }
        }
    }
}
