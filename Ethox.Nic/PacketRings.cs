using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// The PACKET_MMAP receive and transmit rings of a packet socket (TPACKET_V2, see the kernel's
/// Documentation/networking/packet_mmap.rst). Frames are handed over where the kernel wrote them and
/// filled where the kernel will read them: no copy and no system call per received frame, one send(2)
/// per batch of transmitted frames. Ownership of each frame is passed through its tp_status word.
/// With PACKET_VNET_HDR the kernel writes each received frame's virtio-net header right in front of its MAC header,
/// and reads one in front of each transmitted frame.
/// </summary>
internal sealed unsafe class PacketRings : IDisposable
{
    // Room before the frame data in an RX frame: the tpacket2_hdr, the sockaddr_ll and the alignment
    // the kernel adds (tp_mac is TPACKET_ALIGN(32 + 20 + 16) - 14 = 66 for Ethernet; 76 with the
    // 10-byte virtio-net header the kernel then puts before the MAC header).
    private const int RxHeadroom = 96;

    private readonly int _fd;
    private readonly MappedMemory _memory;
    private readonly byte* _rxRing, _txRing;
    private readonly int _frameSize, _blockSize, _framesPerBlock, _frameCount, _maxReceive, _maxTransmit, _header;
    private readonly DeviceOffloads _transmitOffloads;
    private readonly Medium _medium;
    private readonly bool _filterOutgoing;
    private int _rxHead, _txHead;
    private bool _kickPending;
    private PacketVerdict _verdict;

    private PacketRings(int fd, MappedMemory memory, TpacketReq req, in DeviceCapabilities capabilities, bool filterOutgoing)
    {
        _fd = fd;
        _memory = memory;
        _frameSize = (int)req.FrameSize;
        _blockSize = (int)req.BlockSize;
        _framesPerBlock = _blockSize / _frameSize;
        _frameCount = (int)req.FrameCount;
        _rxRing = memory.Pointer;
        _txRing = memory.Pointer + (nint)req.BlockSize * req.BlockCount;
        _maxReceive = capabilities.MaxReceiveFrameLength;
        _maxTransmit = capabilities.MaxTransmitFrameLength;
        _header = capabilities.Offloads == DeviceOffloads.None ? 0 : VirtioNetHeader.Length;
        _transmitOffloads = capabilities.TransmitOffloads;
        _medium = capabilities.Medium;
        _filterOutgoing = filterOutgoing;
    }

    /// <summary>
    /// Sets up both rings on an unbound packet socket (with PACKET_VNET_HDR already set when the capabilities have offloads)
    /// and maps them. Frames are a power of two when they fit a page (so none of the block is wasted), blocks are whole pages.
    /// </summary>
    public static bool TryCreate(int fd, in DeviceCapabilities capabilities, int frames, bool filterOutgoing, out PacketRings? rings, out string error)
    {
        rings = null;
        if (!Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_VERSION, Native.TPACKET_V2))
        {
            error = "cannot switch the packet socket to TPACKET_V2 rings: " + Native.Describe(Native.Errno);
            return false;
        }
        int page = Environment.SystemPageSize;
        int needed = capabilities.MaxBufferLength + RxHeadroom;
        int frameSize = needed <= page ? (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)needed) : (needed + 15) & ~15;
        int blockSize = (frameSize + page - 1) / page * page;
        int perBlock = blockSize / frameSize;
        int blocks = (Math.Max(frames, 1) + perBlock - 1) / perBlock;
        var req = new TpacketReq
        {
            BlockSize = (uint)blockSize, BlockCount = (uint)blocks,
            FrameSize = (uint)frameSize, FrameCount = (uint)(blocks * perBlock),
        };
        long ringBytes = (long)blockSize * blocks;
        if (Native.SetSockOpt(fd, Native.SOL_PACKET, Native.PACKET_RX_RING, &req, sizeof(TpacketReq)) != 0
            || Native.SetSockOpt(fd, Native.SOL_PACKET, Native.PACKET_TX_RING, &req, sizeof(TpacketReq)) != 0)
        {
            int errno = Native.Errno;
            error = errno == Native.ENOMEM
                ? $"cannot allocate packet rings of {req.FrameCount} frames x {frameSize} bytes: out of memory (use fewer RingFrames)"
                : $"cannot set up packet rings of {req.FrameCount} frames x {frameSize} bytes: {Native.Describe(errno)}";
            return false;
        }
        // A malformed frame in the TX ring is skipped (and marked available) rather than blocking the ring.
        Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_LOSS, 1);
        nuint total = (nuint)(2 * ringBytes);
        void* map = Native.Mmap(null, total, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED | Native.MAP_POPULATE, fd, 0);
        if (map == (void*)-1)
        {
            error = $"cannot map the packet rings ({total} bytes): {Native.Describe(Native.Errno)}";
            return false;
        }
        rings = new PacketRings(fd, new MappedMemory(map, total), req, capabilities, filterOutgoing);
        error = "";
        return true;
    }

    private Tpacket2Hdr* Frame(byte* ring, int index)
        => (Tpacket2Hdr*)(ring + (nint)(index / _framesPerBlock) * _blockSize + (index % _framesPerBlock) * _frameSize);

    private int Next(int index) => index + 1 == _frameCount ? 0 : index + 1;

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now, ref DeviceCounters counters)
        where TRecv : IRecv<RawPacket>, allows ref struct
    {
        // Frames passed over (outgoing, too long) count against one lap of the ring, so that a flood of
        // them cannot hold the caller here.
        int n = 0, skipped = 0;
        while (n < max && skipped < _frameCount)
        {
            var hdr = Frame(_rxRing, _rxHead);
            // Acquire: the frame's bytes are read only after the kernel's TP_STATUS_USER is seen.
            if ((Volatile.Read(ref hdr->Status) & Native.TP_STATUS_USER) == 0) break;
            var from = (SockaddrLl*)((byte*)hdr + Native.TPACKET2_HDR_ALIGNED);
            PacketOffload offload = default;
            if (_filterOutgoing && from->PktType == Native.PACKET_OUTGOING) skipped++;
            else if (hdr->SnapLen < hdr->Len || hdr->Len > (uint)_maxReceive) { counters.rxTruncated++; skipped++; }
            else if (_header > 0 && !(hdr->Mac >= _header
                && VirtioNetHeader.TryRead(new ReadOnlySpan<byte>((byte*)hdr + hdr->Mac - _header, _header), out var header)
                && VirtioOffload.TryFromReceived(header, (int)hdr->Len, out offload)))
            {
                counters.rxUnsupportedOffload++;
                skipped++;
            }
            else
            {
                int length = (int)hdr->Len;
                var buffer = new Span<byte>((byte*)hdr + hdr->Mac, Math.Min(_maxReceive, _frameSize - hdr->Mac));
                if (offload.Segmentation == SegmentationKind.Udp)
                {
                    int made = ReceiveSuperDatagram(buffer, length, offload, ref receiver, now, ref counters);
                    if (made == 0) skipped++;
                    n += made;
                }
                else
                {
                    counters.Received(length, offload);
                    _verdict = PacketVerdict.None;
                    receiver.Receive(new RawPacket(buffer, length, now, ref _verdict, offload, _transmitOffloads));
                    n++;
                    int answer = _verdict.SendLength;
                    if (answer >= 0) QueueCopy(buffer[..answer], _verdict.Offload, ref counters);
                }
            }
            // Release: our reads (and in-place writes) of the frame complete before the kernel may reuse it.
            Volatile.Write(ref hdr->Status, Native.TP_STATUS_KERNEL);
            _rxHead = Next(_rxHead);
        }
        if (_kickPending) Kick(ref counters);
        return n;
    }

    // A UDP super-datagram in an RX frame, handed over as its datagrams; each answer in place is copied to a TX frame.
    private int ReceiveSuperDatagram<TRecv>(Span<byte> buffer, int length, in PacketOffload offload, ref TRecv receiver, Instant now, ref DeviceCounters counters)
        where TRecv : IRecv<RawPacket>, allows ref struct
    {
        var answers = new InPlaceAnswers(this);
        return SuperDatagramDelivery.Deliver(buffer, length, offload, _medium, _transmitOffloads, ref _verdict, ref receiver, ref answers, now, ref counters);
    }

    private readonly struct InPlaceAnswers(PacketRings rings) : SuperDatagramDelivery.IAnswers
    {
        public void Send(Span<byte> buffer, int start, int length, in PacketOffload offload, ref DeviceCounters counters)
            => rings.QueueCopy(buffer.Slice(start, length), offload, ref counters);
    }

    public int Transmit<TSend>(int max, ref TSend sender, Instant now, ref DeviceCounters counters)
        where TSend : ISend<RawPacket>, allows ref struct
    {
        int n = 0;
        while (n < max)
        {
            var hdr = Frame(_txRing, _txHead);
            // A frame still being sent (or not yet sent) by the kernel: the ring is full, the sender waits.
            if (Volatile.Read(ref hdr->Status) != Native.TP_STATUS_AVAILABLE) break;
            int data = Native.TPACKET2_HDR_ALIGNED + _header;
            var buffer = new Span<byte>((byte*)hdr + data, Math.Min(_maxTransmit, _frameSize - data));
            _verdict = PacketVerdict.None;
            sender.Send(new RawPacket(buffer, 0, now, ref _verdict, default, _transmitOffloads));
            if (_verdict.SendLength < 0) break;
            Submit(hdr, _verdict.SendLength, _verdict.Offload, ref counters);
            n++;
        }
        if (_kickPending) Kick(ref counters);
        return n;
    }

    public bool WaitReadable(Duration timeout)
        => (Volatile.Read(ref Frame(_rxRing, _rxHead)->Status) & Native.TP_STATUS_USER) != 0 || Native.WaitReadable(_fd, timeout);

    // An answer written in place into the RX ring is copied to the next TX frame (if the kernel is done with it).
    private void QueueCopy(ReadOnlySpan<byte> frame, in PacketOffload offload, ref DeviceCounters counters)
    {
        var hdr = Frame(_txRing, _txHead);
        int data = Native.TPACKET2_HDR_ALIGNED + _header;
        if (Volatile.Read(ref hdr->Status) != Native.TP_STATUS_AVAILABLE) { counters.txQueueFull++; return; }
        if (!frame.TryCopyTo(new Span<byte>((byte*)hdr + data, _frameSize - data))) { counters.txErrors++; return; }
        Submit(hdr, frame.Length, offload, ref counters);
    }

    // Hands the frame written after the TX frame's header room to the kernel, with its virtio-net header in front.
    private void Submit(Tpacket2Hdr* hdr, int length, in PacketOffload offload, ref DeviceCounters counters)
    {
        if (_header > 0) VirtioOffload.ForTransmit(offload).TryWrite(new Span<byte>((byte*)hdr + Native.TPACKET2_HDR_ALIGNED, _header));
        hdr->Len = (uint)(_header + length);
        Volatile.Write(ref hdr->Status, Native.TP_STATUS_SEND_REQUEST);
        _txHead = Next(_txHead);
        counters.Sent(length, offload);
        _kickPending = true;
    }

    // One send(2) asks the kernel to transmit every frame marked SEND_REQUEST. When the kernel cannot take
    // them now (qdisc full), they stay marked and the next call kicks again.
    private void Kick(ref DeviceCounters counters)
    {
        while (true)
        {
            if (Native.Send(_fd, null, 0, Native.MSG_DONTWAIT) >= 0) { _kickPending = false; return; }
            int errno = Native.Errno;
            if (errno == Native.EINTR) continue;
            if (errno is not (Native.EAGAIN or Native.ENOBUFS)) { counters.txErrors++; _kickPending = false; }
            return;
        }
    }

    public void Dispose() => _memory.Dispose();
}
