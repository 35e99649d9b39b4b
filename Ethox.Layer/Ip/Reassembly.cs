using System;
using System.Buffers.Binary;
using System.Numerics;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>What <see cref="Reassembler"/> did with a packet.</summary>
public enum ReassemblyStatus : byte
{
    /// <summary>The fragment was stored; the datagram still has holes.</summary>
    Incomplete,
    /// <summary>The datagram is whole: the <c>datagram</c> span holds it as an unfragmented packet.</summary>
    Complete,
    /// <summary>An exact copy of a fragment already held (same offset, length and bytes): ignored (RFC 5722 §4).</summary>
    Duplicate,
    /// <summary>
    /// Not a fragment, to be processed as it is: an IPv4 packet with More Fragments clear and offset 0, an IPv6 packet
    /// without a Fragment header, or an IPv6 atomic fragment (offset 0, M clear), which RFC 6946 §4 says to process
    /// in isolation from any reassembly.
    /// </summary>
    NotFragment,
    /// <summary>
    /// The fragment was discarded: More Fragments is set but its data length is not a multiple of 8 (RFC 791 §3.2,
    /// RFC 8200 §4.5; for IPv6 the IP layer should send Parameter Problem code 0 pointing at Payload Length).
    /// </summary>
    BadLength,
    /// <summary>The fragment was discarded: no data, an IPv6 header chain that does not parse, or an unusable header.</summary>
    Invalid,
    /// <summary>
    /// An IPv6 first fragment was discarded because its extension header chain runs past its end: RFC 8200 §4.5
    /// (after RFC 7112) wants every header through the upper-layer header in the first fragment, and the IP layer
    /// should send Parameter Problem code 3.
    /// </summary>
    IncompleteHeaderChain,
    /// <summary>
    /// The fragment was discarded: its offset and length would make a datagram longer than 65535 bytes (the IPv4
    /// "ping of death"; RFC 8200 §4.5: Parameter Problem code 0 pointing at the Fragment Offset). Also reported, with
    /// the datagram dropped, when the first fragment's header makes the finished datagram too long.
    /// </summary>
    TooLarge,
    /// <summary>
    /// The datagram does not fit a slot (data past <see cref="Reassembler.MaxPayloadLength"/>, or an unfragmentable
    /// part longer than <see cref="Reassembler.HeaderRoom"/>): the whole datagram is dropped, since it cannot complete.
    /// </summary>
    NoRoom,
    /// <summary>The fragment overlaps data already held: the whole datagram is dropped (RFC 5722 §4; see <see cref="Reassembler"/>).</summary>
    Overlap,
    /// <summary>
    /// The fragments disagree: two last fragments with different ends, data past the end set by the last fragment,
    /// or ECN codepoints that cannot be combined (RFC 3168 §5.3). The whole datagram is dropped.
    /// </summary>
    Conflict,
}

/// <summary>
/// A datagram whose reassembly timed out after its first fragment (offset 0) arrived, reported by
/// <see cref="Reassembler.TryTakeExpired"/> so that the IP layer can send ICMP Time Exceeded code 1
/// ("fragment reassembly time exceeded", RFC 792; RFC 4443 §3.3), quoting the first fragment.
/// </summary>
public readonly ref struct ExpiredDatagram
{
    internal ExpiredDatagram(IpVersion version, Span<byte> firstFragment) { Version = version; FirstFragment = firstFragment; }

    /// <summary>IPv4 or IPv6.</summary>
    public IpVersion Version { get; }

    /// <summary>
    /// The first fragment as it was received: its IP header (for IPv6 the unfragmentable part and the Fragment
    /// header) followed by the data it carried. This is the invoking packet to quote; the IP layer cuts it to the
    /// quote length it sends (at least the header and 8 bytes of data, RFC 792; as much as fits 1280, RFC 4443 §2.4).
    /// </summary>
    public Span<byte> FirstFragment { get; }
}

/// <summary>
/// Reassembles IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) fragments into caller-owned storage split into equal
/// slots, one datagram per slot, keyed by source, destination, identification and (IPv4) protocol.
/// </summary>
/// <remarks>
/// <para>
/// Slot layout: the first <see cref="HeaderRoom"/> bytes hold the first fragment's header, written so that it ends
/// exactly where the data starts; the fragmentable data follows at its offset. When the datagram completes its header
/// is rewritten in place (IPv4: Total Length, flags and offset, checksum; IPv6: the Fragment header removed, the
/// Next Header before it and Payload Length fixed) so the whole datagram is one contiguous span, with no copy.
/// </para>
/// <para>
/// Holes are tracked with a bitmap of 8-byte blocks (the fragment offset unit) per slot, plus a second bitmap marking
/// where each fragment started, rather than RFC 815's hole list kept inside the data. The bitmap is fixed in size
/// (a slot's capacity over 64 bits per word), so a flood of tiny fragments cannot grow any state; it answers
/// "does this fragment touch data already held?" exactly, which RFC 5722 needs and a hole list cannot say without
/// extra state; and with the start marks it tells an exact retransmission (accepted) from an overlap (fatal).
/// Since overlaps are refused, counting the blocks received says when the datagram is whole.
/// </para>
/// <para>
/// Overlaps drop the whole datagram for IPv6 (RFC 5722 §4) and, by the same reasoning (RFC 1858, and what Linux
/// does since 2018), for IPv4 too: overlapping data is only ever made by attackers or broken stacks, and which copy
/// wins decides what a firewall and the host each see. An exact duplicate (same offset, length and bytes) is
/// ignored, as RFC 5722 §4 allows, since networks do duplicate packets.
/// </para>
/// <para>
/// Contract for the spans handed out: the <c>datagram</c> of a completed reassembly and the
/// <see cref="ExpiredDatagram.FirstFragment"/> of a timed-out one point into a slot that stays reserved until
/// <see cref="Release"/> or the next call to <see cref="TryAddIpv4"/>, <see cref="TryAddIpv6"/> or
/// <see cref="TryTakeExpired"/>, whichever comes first; then the slot is reused and the span must not be read.
/// </para>
/// <para>
/// A new datagram arriving when every slot is busy evicts the one that started earliest (counted in
/// <see cref="DroppedTableFull"/>), as Linux does: the oldest is the nearest to timing out and the least likely to
/// complete, and refusing new datagrams instead would let stale or hostile partial datagrams block reassembly for a
/// whole timeout. Slots are found by a linear scan: a slot holds up to 64 KiB, so tables are small.
/// Timers run only when the caller calls <see cref="TryTakeExpired"/> (see <see cref="NextDeadline"/>).
/// Nothing allocates after construction and nothing throws on any packet.
/// </para>
/// </remarks>
public sealed class Reassembler
{
    /// <summary>
    /// Bytes at the start of each slot reserved for the first fragment's header: an IPv4 header (at most 60 bytes), or
    /// an IPv6 unfragmentable part plus the 8-byte Fragment header. Longer IPv6 headers are <see cref="ReassemblyStatus.NoRoom"/>.
    /// </summary>
    public const int HeaderRoom = 256;

    /// <summary>A slot big enough for any datagram: the header room plus 65535 bytes.</summary>
    public const int LargestUsefulSlot = HeaderRoom + ushort.MaxValue;

    private const int NoSlot = -1;

    private enum SlotState : byte { Free, Assembling, HandedOut }

    private struct Slot
    {
        public SlotState State;
        public IpAddress Source;
        public IpAddress Destination;
        public uint Identification;
        public IpProtocol Protocol; // IPv4 only (RFC 791 §3.2); 0 for IPv6
        public Instant Arrival;
        public Instant Deadline;
        public int TotalLength;     // length of the fragmentable data, -1 until the last fragment arrives
        public int MaxEnd;          // highest end of data seen
        public int ReceivedBlocks;
        public int HeaderBytes;     // bytes kept before HeaderRoom from the first fragment, 0 until it arrives
        public int FirstDataLength; // data carried by the first fragment
        public int Overhead;        // IPv4: header length; IPv6: unfragmentable extension headers (Payload Length minus data)
        public int NextHeaderPatch; // IPv6: offset in the kept header of the Next Header byte that announced the Fragment header
        public byte EcnSeen;        // bit (1 << ECN codepoint) for every codepoint seen
    }

    // One fragment, as the family-specific front ends found it.
    private readonly ref struct Piece
    {
        public required IpAddress Source { get; init; }
        public required IpAddress Destination { get; init; }
        public required uint Identification { get; init; }
        public required IpProtocol Protocol { get; init; }
        public required int Offset { get; init; }
        public required bool More { get; init; }
        public required ReadOnlySpan<byte> Data { get; init; }
        public required ReadOnlySpan<byte> Header { get; init; }
        public required int Overhead { get; init; }
        public required int NextHeaderPatch { get; init; }
        public required byte Ecn { get; init; }
    }

    private readonly Memory<byte> _storage;
    private readonly int _slotSize;
    private readonly Slot[] _slots;
    private readonly ulong[] _received; // per slot: a bit per 8-byte block of data held
    private readonly ulong[] _starts;   // per slot: a bit per block where a fragment began
    private readonly int _wordsPerSlot;
    private readonly int _blocksPerSlot;
    private int _handedOut = NoSlot;

    /// <summary>
    /// A reassembler over <paramref name="storage"/>, split into slots of <paramref name="slotSize"/> bytes (at most
    /// <see cref="LargestUsefulSlot"/> is used of each; bytes past the last whole slot are unused). A slot reassembles
    /// datagrams whose fragmentable data is up to <paramref name="slotSize"/> − <see cref="HeaderRoom"/> bytes.
    /// Throws only here, on a configuration that cannot hold one slot.
    /// </summary>
    public Reassembler(Memory<byte> storage, int slotSize)
    {
        if (slotSize < HeaderRoom + 8) throw new ArgumentOutOfRangeException(nameof(slotSize), $"a slot needs more than {HeaderRoom} bytes");
        int slots = storage.Length / slotSize;
        if (slots < 1) throw new ArgumentException("storage holds no slot", nameof(storage));
        _storage = storage;
        _slotSize = slotSize;
        MaxPayloadLength = Math.Min(slotSize, LargestUsefulSlot) - HeaderRoom;
        _blocksPerSlot = (MaxPayloadLength + 7) / 8;
        _wordsPerSlot = (_blocksPerSlot + 63) / 64;
        _slots = new Slot[slots];
        _received = new ulong[slots * _wordsPerSlot];
        _starts = new ulong[slots * _wordsPerSlot];
    }

    /// <summary>
    /// How long a datagram may take to complete, counted from its first fragment: 60 s, the value of RFC 8200 §4.5
    /// and within RFC 1122 §3.3.2's 60–120 s.
    /// </summary>
    public Duration Timeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>Number of slots, i.e. datagrams reassembled at once.</summary>
    public int Capacity => _slots.Length;
    /// <summary>The longest fragmentable part (IPv4 payload, IPv6 data after the Fragment header) a slot holds.</summary>
    public int MaxPayloadLength { get; }
    /// <summary>Slots holding a datagram in progress.</summary>
    public int InProgress
    {
        get
        {
            int n = 0;
            foreach (ref readonly var s in _slots.AsSpan()) if (s.State == SlotState.Assembling) n++;
            return n;
        }
    }

    /// <summary>Fragments given to the reassembler (every packet that was a fragment, whatever became of it).</summary>
    public long FragmentsReceived { get; private set; }
    /// <summary>Datagrams completed.</summary>
    public long DatagramsReassembled { get; private set; }
    /// <summary>Datagrams dropped because they did not complete in <see cref="Timeout"/>.</summary>
    public long DatagramsTimedOut { get; private set; }
    /// <summary>Exact duplicate fragments ignored.</summary>
    public long Duplicates { get; private set; }
    /// <summary>Datagrams dropped because a fragment overlapped (RFC 5722).</summary>
    public long DroppedOverlap { get; private set; }
    /// <summary>Fragments or datagrams dropped for size: over 65535 bytes or larger than a slot.</summary>
    public long DroppedTooLarge { get; private set; }
    /// <summary>Fragments dropped as invalid (bad length, no data, bad header) and datagrams dropped on a conflict.</summary>
    public long DroppedInvalid { get; private set; }
    /// <summary>Datagrams in progress evicted to make room for a new one.</summary>
    public long DroppedTableFull { get; private set; }

    /// <summary>
    /// Adds an IPv4 packet. <see cref="ReassemblyStatus.NotFragment"/> for a whole datagram; on
    /// <see cref="ReassemblyStatus.Complete"/>, <paramref name="datagram"/> is the reassembled packet, header included,
    /// with Total Length, More Fragments and Fragment Offset rewritten and the header checksum refilled (see the
    /// class remarks for how long it stays valid). The header checksum of <paramref name="fragment"/> is the caller's
    /// to verify, as for any packet.
    /// </summary>
    public ReassemblyStatus TryAddIpv4(Ipv4Packet fragment, Instant now, out Span<byte> datagram)
    {
        datagram = default;
        ReleaseHandedOut();
        if (!fragment.IsFragment) return ReassemblyStatus.NotFragment;
        FragmentsReceived++;
        var piece = new Piece
        {
            Source = fragment.Source,
            Destination = fragment.Destination,
            Identification = fragment.Identification,
            Protocol = fragment.Protocol,
            Offset = fragment.FragmentByteOffset,
            More = fragment.MoreFragments,
            Data = fragment.Payload,
            Header = fragment.Header,
            Overhead = fragment.HeaderLength,
            NextHeaderPatch = 0,
            Ecn = fragment.Ecn,
        };
        return Add(in piece, now, out datagram);
    }

    /// <summary>
    /// Adds an IPv6 packet: finds its Fragment header in the extension header chain (RFC 8200 §4.5).
    /// <see cref="ReassemblyStatus.NotFragment"/> when there is none or for an atomic fragment (RFC 6946). On
    /// <see cref="ReassemblyStatus.Complete"/>, <paramref name="datagram"/> is the reassembled packet: the first
    /// fragment's unfragmentable part without the Fragment header, the Next Header that named it changed to the
    /// Fragment header's Next Header, Payload Length fixed, then the data (see the class remarks for its lifetime).
    /// </summary>
    public ReassemblyStatus TryAddIpv6(Ipv6Packet packet, Instant now, out Span<byte> datagram)
    {
        datagram = default;
        ReleaseHandedOut();
        // Find the Fragment header and the byte that announces it: byte 6 of the fixed header, or byte 0 of the
        // extension header before it.
        var reader = packet.ExtensionHeaders;
        int announcer = 6;
        int fragmentAt = -1;
        while (true)
        {
            int before = reader.Offset;
            if (!reader.TryNext(out var header)) break;
            if (header.Type == IpProtocol.Ipv6Fragment) { fragmentAt = Ipv6Packet.HeaderLength + before; break; }
            announcer = Ipv6Packet.HeaderLength + before;
        }
        if (fragmentAt < 0)
        {
            if (reader.Error == WireError.None) return ReassemblyStatus.NotFragment;
            FragmentsReceived++; // the chain is broken: it may have been a fragment, we cannot tell
            DroppedInvalid++;
            return ReassemblyStatus.Invalid;
        }
        var bytes = packet.Bytes;
        var view = ParseFragmentHeader(bytes[fragmentAt..]);
        var fragmentHeader = Ipv6FragmentInfo.Parse(view);
        if (fragmentHeader.FragmentOffset == 0 && !fragmentHeader.MoreFragments) return ReassemblyStatus.NotFragment;
        FragmentsReceived++;
        int dataStart = fragmentAt + Ipv6FragmentHeader.Length;
        if (fragmentHeader.FragmentOffset == 0 && !IsChainWhole(view.NextHeader, bytes[dataStart..]))
            return Discard(ReassemblyStatus.IncompleteHeaderChain);
        var piece = new Piece
        {
            Source = packet.Source,
            Destination = packet.Destination,
            Identification = fragmentHeader.Identification,
            Protocol = 0,
            Offset = fragmentHeader.FragmentByteOffset,
            More = fragmentHeader.MoreFragments,
            Data = bytes[dataStart..],
            Header = bytes[..dataStart],
            Overhead = fragmentAt - Ipv6Packet.HeaderLength,
            NextHeaderPatch = announcer,
            Ecn = packet.Ecn,
        };
        return Add(in piece, now, out datagram);
    }

    // The reader yielded the header, so its 8 bytes are there.
    private static Ipv6FragmentHeader ParseFragmentHeader(Span<byte> bytes)
    {
        Ipv6FragmentHeader.TryParse(bytes, out var header, out _);
        return header;
    }

    // True unless the extension headers after the Fragment header run past the fragment's data.
    private static bool IsChainWhole(IpProtocol next, Span<byte> data)
    {
        var reader = new Ipv6ExtensionHeaderReader(next, data);
        while (reader.TryNext(out _)) { }
        return reader.Error != WireError.Truncated;
    }

    /// <summary>
    /// Ends the lifetime of the last datagram or expired first fragment handed out and frees its slot. Optional: the
    /// next add or <see cref="TryTakeExpired"/> does it too.
    /// </summary>
    public void Release() => ReleaseHandedOut();

    /// <summary>
    /// Runs the reassembly timers. Datagrams older than <see cref="Timeout"/> are dropped and counted; the first one
    /// whose first fragment had arrived is returned in <paramref name="expired"/> (its slot stays reserved under the
    /// class's span contract) so the IP layer can send Time Exceeded code 1 — RFC 792 and RFC 4443 §3.3 send it only
    /// when fragment zero was received. Call until false; then <see cref="NextDeadline"/> says when to call again.
    /// </summary>
    public bool TryTakeExpired(Instant now, out ExpiredDatagram expired)
    {
        ReleaseHandedOut();
        for (int i = 0; i < _slots.Length; i++)
        {
            ref var s = ref _slots[i];
            if (s.State != SlotState.Assembling || s.Deadline > now) continue;
            DatagramsTimedOut++;
            if (s.HeaderBytes == 0) { Free(i); continue; }
            s.State = SlotState.HandedOut;
            _handedOut = i;
            expired = new ExpiredDatagram(s.Source.Version, SlotBytes(i).Slice(HeaderRoom - s.HeaderBytes, s.HeaderBytes + s.FirstDataLength));
            return true;
        }
        expired = default;
        return false;
    }

    /// <summary>When the earliest datagram in progress times out (<see cref="Instant.Never"/> when none is).</summary>
    public Instant NextDeadline()
    {
        var next = Instant.Never;
        foreach (ref readonly var s in _slots.AsSpan())
            if (s.State == SlotState.Assembling && s.Deadline < next) next = s.Deadline;
        return next;
    }

    private ReassemblyStatus Add(scoped in Piece piece, Instant now, out Span<byte> datagram)
    {
        datagram = default;
        int length = piece.Data.Length;
        int end = piece.Offset + length;
        // RFC 791 §3.2 and RFC 8200 §4.5: every fragment but the last carries a multiple of 8 bytes.
        if (piece.More && length % 8 != 0) return Discard(ReassemblyStatus.BadLength);
        if (length == 0) return Discard(ReassemblyStatus.Invalid);
        // RFC 8200 §4.5: a fragment that would make the reassembled packet longer than 65535 bytes is discarded;
        // for IPv4 the Total Length field sets the same bound.
        if (end + piece.Overhead > ushort.MaxValue) return Discard(ReassemblyStatus.TooLarge);

        int i = Find(in piece);
        if (end > MaxPayloadLength || (piece.Offset == 0 && piece.Header.Length > HeaderRoom))
            return i == NoSlot ? Discard(ReassemblyStatus.NoRoom) : Drop(i, ReassemblyStatus.NoRoom);
        if (i == NoSlot) i = Claim(in piece, now);
        ref var s = ref _slots[i];
        var slot = SlotBytes(i);

        // The last fragment fixes the length; every other fragment must stay within it (RFC 791 §3.2, RFC 8200 §4.5).
        if (s.TotalLength >= 0 ? end > s.TotalLength || (!piece.More && end != s.TotalLength) : !piece.More && end < s.MaxEnd)
            return Drop(i, ReassemblyStatus.Conflict);

        var received = _received.AsSpan(i * _wordsPerSlot, _wordsPerSlot);
        var starts = _starts.AsSpan(i * _wordsPerSlot, _wordsPerSlot);
        int first = piece.Offset / 8, last = (end + 7) / 8; // blocks [first, last)
        int held = CountSet(received, first, last);
        var target = slot.Slice(HeaderRoom + piece.Offset, length);
        if (held != 0)
        {
            // An exact duplicate starts where an earlier fragment started and ends where it ended (no fragment starts
            // inside, and the block after it is a hole or the start of another fragment), with the same bytes.
            bool duplicate = held == last - first && IsSet(starts, first) && CountSet(starts, first + 1, last) == 0
                             && (last == _blocksPerSlot || !IsSet(received, last) || IsSet(starts, last))
                             && target.SequenceEqual(piece.Data);
            if (!duplicate) return Drop(i, ReassemblyStatus.Overlap);
            Duplicates++;
            return ReassemblyStatus.Duplicate;
        }

        piece.Data.CopyTo(target);
        SetRange(received, first, last);
        SetRange(starts, first, first + 1);
        s.ReceivedBlocks += last - first;
        s.MaxEnd = Math.Max(s.MaxEnd, end);
        if (!piece.More) s.TotalLength = end;
        s.EcnSeen |= (byte)(1 << piece.Ecn);
        if (piece.Offset == 0)
        {
            // Only the first fragment's header is kept (RFC 791 §3.2; RFC 8200 §4.5: the unfragmentable part comes from
            // the offset-zero fragment), placed to end where the data starts.
            piece.Header.CopyTo(slot[(HeaderRoom - piece.Header.Length)..]);
            s.HeaderBytes = piece.Header.Length;
            s.FirstDataLength = length;
            s.Overhead = piece.Overhead;
            s.NextHeaderPatch = piece.NextHeaderPatch;
        }
        if (s.HeaderBytes == 0 || s.TotalLength < 0 || s.ReceivedBlocks != (s.TotalLength + 7) / 8)
            return ReassemblyStatus.Incomplete;
        return Finish(i, out datagram);
    }

    // Rewrites the kept header so the datagram reads as unfragmented, and hands it out.
    private ReassemblyStatus Finish(int i, out Span<byte> datagram)
    {
        datagram = default;
        ref var s = ref _slots[i];
        var slot = SlotBytes(i);
        if (s.TotalLength + s.Overhead > ushort.MaxValue) return Drop(i, ReassemblyStatus.TooLarge);
        // RFC 3168 §5.3: CE on any fragment is kept on the datagram; Not-ECT mixed with ECT or CE cannot be combined.
        const int notEct = 1 << 0, ce = 1 << 3;
        bool anyEct = (s.EcnSeen & ~notEct) != 0;
        if ((s.EcnSeen & notEct) != 0 && anyEct) return Drop(i, ReassemblyStatus.Conflict);
        bool congested = (s.EcnSeen & ce) != 0;

        if (s.Source.IsV4)
        {
            var bytes = slot.Slice(HeaderRoom - s.HeaderBytes, s.HeaderBytes + s.TotalLength);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], (ushort)bytes.Length);
            if (!Ipv4Packet.TryParse(bytes, out var packet, out _)) return Drop(i, ReassemblyStatus.Invalid);
            packet.MoreFragments = false;
            packet.FragmentOffset = 0;
            if (congested) packet.Ecn = 3;
            packet.FillChecksum();
            datagram = bytes;
        }
        else
        {
            // Kept: unfragmentable part, then the Fragment header. The Fragment header's Next Header goes into the
            // byte that announced it, then the unfragmentable part slides over the Fragment header.
            int unfragmentable = s.HeaderBytes - Ipv6FragmentHeader.Length;
            var kept = slot.Slice(HeaderRoom - s.HeaderBytes, s.HeaderBytes);
            kept[s.NextHeaderPatch] = kept[unfragmentable];
            kept[..unfragmentable].CopyTo(kept[Ipv6FragmentHeader.Length..]);
            var bytes = slot.Slice(HeaderRoom - unfragmentable, unfragmentable + s.TotalLength);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)(bytes.Length - Ipv6Packet.HeaderLength));
            if (!Ipv6Packet.TryParse(bytes, out var packet, out _)) return Drop(i, ReassemblyStatus.Invalid);
            if (congested) packet.Ecn = 3;
            datagram = bytes;
        }
        DatagramsReassembled++;
        s.State = SlotState.HandedOut;
        _handedOut = i;
        return ReassemblyStatus.Complete;
    }

    private ReassemblyStatus Discard(ReassemblyStatus status)
    {
        Count(status);
        return status;
    }

    private ReassemblyStatus Drop(int i, ReassemblyStatus status)
    {
        Free(i);
        Count(status);
        return status;
    }

    private void Count(ReassemblyStatus status)
    {
        switch (status)
        {
            case ReassemblyStatus.Overlap: DroppedOverlap++; break;
            case ReassemblyStatus.TooLarge or ReassemblyStatus.NoRoom: DroppedTooLarge++; break;
            default: DroppedInvalid++; break;
        }
    }

    private int Find(in Piece piece)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            ref readonly var s = ref _slots[i];
            if (s.State == SlotState.Assembling && s.Identification == piece.Identification && s.Protocol == piece.Protocol
                && s.Source == piece.Source && s.Destination == piece.Destination)
                return i;
        }
        return NoSlot;
    }

    // A free slot, or the oldest datagram in progress evicted (see the class remarks).
    private int Claim(in Piece piece, Instant now)
    {
        int victim = NoSlot;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].State == SlotState.Free) { victim = i; break; }
            if (victim == NoSlot || _slots[i].Arrival < _slots[victim].Arrival) victim = i;
        }
        if (_slots[victim].State != SlotState.Free) DroppedTableFull++;
        _received.AsSpan(victim * _wordsPerSlot, _wordsPerSlot).Clear();
        _starts.AsSpan(victim * _wordsPerSlot, _wordsPerSlot).Clear();
        _slots[victim] = new Slot
        {
            State = SlotState.Assembling,
            Source = piece.Source,
            Destination = piece.Destination,
            Identification = piece.Identification,
            Protocol = piece.Protocol,
            Arrival = now,
            Deadline = now + Timeout,
            TotalLength = -1,
        };
        return victim;
    }

    private void Free(int i)
    {
        _slots[i].State = SlotState.Free;
        if (_handedOut == i) _handedOut = NoSlot;
    }

    private void ReleaseHandedOut()
    {
        if (_handedOut != NoSlot) Free(_handedOut);
    }

    private Span<byte> SlotBytes(int i) => _storage.Span.Slice(i * _slotSize, _slotSize);

    private static bool IsSet(ReadOnlySpan<ulong> map, int bit) => (map[bit >> 6] & (1UL << (bit & 63))) != 0;

    // The number of set bits in [from, to), a word at a time.
    private static int CountSet(ReadOnlySpan<ulong> map, int from, int to)
    {
        int n = 0;
        while (from < to)
        {
            int take = Math.Min(64 - (from & 63), to - from);
            n += BitOperations.PopCount(map[from >> 6] & Mask(from & 63, take));
            from += take;
        }
        return n;
    }

    private static void SetRange(Span<ulong> map, int from, int to)
    {
        while (from < to)
        {
            int take = Math.Min(64 - (from & 63), to - from);
            map[from >> 6] |= Mask(from & 63, take);
            from += take;
        }
    }

    private static ulong Mask(int shift, int count) => (count == 64 ? ulong.MaxValue : (1UL << count) - 1) << shift;
}
