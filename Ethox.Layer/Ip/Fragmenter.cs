using System;
using System.Buffers.Binary;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>What <see cref="Fragmenter.Commit"/> made of a datagram.</summary>
public enum FragmentationStatus : byte
{
    /// <summary>The datagram is pending: call <see cref="Fragmenter.TryEmitNext"/> until <see cref="Fragmenter.HasPending"/> is false.</summary>
    Ready,
    /// <summary>A datagram is still pending; nothing was changed.</summary>
    Busy,
    /// <summary>The length is zero, negative, or longer than the storage or 65535 bytes; nothing is pending.</summary>
    BadLength,
    /// <summary>
    /// The bytes are not a whole IPv4 or IPv6 packet of that length, are already a fragment, or have options or an
    /// extension header chain that do not parse; nothing is pending.
    /// </summary>
    Malformed,
    /// <summary>
    /// IPv4 with Don't Fragment set and longer than the MTU: it must not be fragmented (RFC 791 §3.2), and the IP
    /// layer reports the MTU to the sender instead (RFC 1191); nothing is pending.
    /// </summary>
    DontFragment,
    /// <summary>
    /// The MTU cannot carry the headers plus 8 bytes of data, or is below the 1280 bytes every IPv6 link carries
    /// (RFC 8200 §5); nothing is pending.
    /// </summary>
    MtuTooSmall,
}

/// <summary>
/// Fragments one of our own IP datagrams that is longer than the MTU (IPv4: RFC 791 §3.2; IPv6: RFC 8200 §4.5),
/// one fragment per call into a transmit buffer, from caller-owned storage that holds the datagram.
/// </summary>
/// <remarks>
/// The upper layer writes the whole datagram, IP header first, into the span <see cref="Reserve"/> returns;
/// <see cref="Commit"/> checks it and fixes the MTU and identification; <see cref="TryEmitNext"/> then writes one
/// fragment per call (the link header goes in front of <c>destination</c>, the caller's business). A datagram that
/// fits the MTU is emitted whole and unchanged in one call, so the IP layer can send everything the same way.
/// IPv4 fragments carry data in multiples of 8 bytes; the first carries the whole header, the others only the
/// options whose copied flag is set (RFC 791 §3.1, §3.2); every header checksum is filled. IPv6 fragments repeat the
/// unfragmentable part — the fixed header, Hop-by-Hop, Routing, and Destination Options before a Routing header —
/// then a Fragment header, then data (RFC 8200 §4.5). The identification (a counter the IP layer keeps, RFC 6864,
/// RFC 7739) is the caller's: its low 16 bits for IPv4. No fragment is ever longer than the MTU. Nothing allocates
/// after construction and nothing throws after it.
/// </remarks>
public sealed class Fragmenter
{
    private readonly Memory<byte> _storage;
    private int _length;        // the pending datagram's length
    private bool _pending;
    private bool _whole;        // fits the MTU: emitted unchanged
    private bool _isV6;
    private int _headerLength;  // IPv4: the header; IPv6: the unfragmentable part
    private int _laterHeader;   // IPv4: the header of fragments after the first (copied options only)
    private int _announcer;     // IPv6: offset of the Next Header byte that names the first fragmentable header
    private int _offset;        // data bytes emitted
    private int _mtu;
    private uint _identification;

    /// <summary>A fragmenter whose datagrams are written to <paramref name="storage"/> (up to 65535 bytes of it are used).</summary>
    public Fragmenter(Memory<byte> storage) => _storage = storage;

    /// <summary>The longest datagram that can be reserved.</summary>
    public int Capacity => Math.Min(_storage.Length, ushort.MaxValue);

    /// <summary>True while fragments of a committed datagram remain to be emitted.</summary>
    public bool HasPending => _pending;

    /// <summary>Datagrams committed that had to be fragmented.</summary>
    public long DatagramsFragmented { get; private set; }
    /// <summary>Fragments emitted (a datagram emitted whole is not counted).</summary>
    public long FragmentsEmitted { get; private set; }

    /// <summary>
    /// Lends the first <paramref name="length"/> bytes of the storage for the upper layers to write a datagram into.
    /// Empty when a datagram is pending or <paramref name="length"/> is not in 1..<see cref="Capacity"/>.
    /// </summary>
    public Span<byte> Reserve(int length)
    {
        if (_pending || length <= 0 || length > Capacity) return Span<byte>.Empty;
        return _storage.Span[..length];
    }

    /// <summary>
    /// Takes the datagram written in the first <paramref name="length"/> bytes of the storage (normally after
    /// <see cref="Reserve"/>) for sending over a link of <paramref name="mtu"/> bytes, fragments identified by
    /// <paramref name="identification"/>. Anything but <see cref="FragmentationStatus.Ready"/> (and
    /// <see cref="FragmentationStatus.Busy"/>) drops the datagram.
    /// </summary>
    public FragmentationStatus Commit(int length, uint identification, int mtu)
    {
        if (_pending) return FragmentationStatus.Busy;
        if (length <= 0 || length > Capacity) return FragmentationStatus.BadLength;
        var bytes = _storage.Span[..length];
        var status = (bytes[0] >> 4) switch
        {
            4 => CommitIpv4(bytes, mtu),
            6 => CommitIpv6(bytes, mtu),
            _ => FragmentationStatus.Malformed,
        };
        if (status != FragmentationStatus.Ready) return status;
        _length = length;
        _identification = identification;
        _mtu = mtu;
        _offset = 0;
        _pending = true;
        if (!_whole) DatagramsFragmented++;
        return status;
    }

    /// <summary>Drops the pending datagram, if any.</summary>
    public void Cancel() => _pending = false;

    private FragmentationStatus CommitIpv4(Span<byte> bytes, int mtu)
    {
        if (!Ipv4Packet.TryParse(bytes, out var packet, out _) || packet.TotalLength != bytes.Length || packet.IsFragment)
            return FragmentationStatus.Malformed;
        // Fragments after the first carry only the options with the copied flag (RFC 791 §3.1 "Options", §3.2).
        int copied = 0;
        var options = packet.Options;
        while (options.TryNext(out var option))
            if (option.Copied) copied += 2 + option.Data.Length;
        if (options.Error != WireError.None) return FragmentationStatus.Malformed;
        _isV6 = false;
        _headerLength = packet.HeaderLength;
        _laterHeader = Ipv4Packet.MinHeaderLength + (copied + 3) / 4 * 4;
        _whole = bytes.Length <= mtu;
        if (_whole) return FragmentationStatus.Ready;
        if (packet.DontFragment) return FragmentationStatus.DontFragment;
        return DataPerFragment(mtu, _headerLength) < 8 ? FragmentationStatus.MtuTooSmall : FragmentationStatus.Ready;
    }

    private FragmentationStatus CommitIpv6(Span<byte> bytes, int mtu)
    {
        if (!Ipv6Packet.TryParse(bytes, out var packet, out _) || Ipv6Packet.HeaderLength + packet.PayloadLength != bytes.Length)
            return FragmentationStatus.Malformed;
        // The unfragmentable part ends after the last Hop-by-Hop or Routing header (a Destination Options header before
        // a Routing header is covered by it); what follows is fragmentable (RFC 8200 §4.5).
        var reader = packet.ExtensionHeaders;
        int unfragmentableEnd = 0;
        int announcer = 6;
        while (true)
        {
            int before = reader.Offset;
            if (!reader.TryNext(out var header)) break;
            if (header.Type == IpProtocol.Ipv6Fragment) return FragmentationStatus.Malformed;
            if (header.Type is IpProtocol.HopByHop or IpProtocol.Ipv6Route)
            {
                unfragmentableEnd = reader.Offset;
                announcer = Ipv6Packet.HeaderLength + before;
            }
        }
        if (reader.Error != WireError.None) return FragmentationStatus.Malformed;
        _isV6 = true;
        _headerLength = Ipv6Packet.HeaderLength + unfragmentableEnd;
        _laterHeader = _headerLength + Ipv6FragmentHeader.Length;
        _announcer = announcer;
        _whole = bytes.Length <= mtu;
        if (_whole) return FragmentationStatus.Ready;
        return mtu < Ipv6Packet.MinimumMtu || DataPerFragment(mtu, _laterHeader) < 8
            ? FragmentationStatus.MtuTooSmall
            : FragmentationStatus.Ready;
    }

    // Data in a fragment that is not the last: what fits after the header, in whole 8-byte units.
    private static int DataPerFragment(int mtu, int header) => Math.Max(0, mtu - header) & ~7;

    /// <summary>
    /// Writes the next fragment (or the whole datagram, when it fits the MTU) at the start of
    /// <paramref name="destination"/> and sets <paramref name="length"/> to its length, never more than the MTU.
    /// False, with nothing consumed, when nothing is pending or <paramref name="destination"/> is too short for it.
    /// </summary>
    public bool TryEmitNext(Span<byte> destination, out int length)
    {
        length = 0;
        if (!_pending) return false;
        var datagram = _storage.Span[.._length];
        if (_whole)
        {
            if (!datagram.TryCopyTo(destination)) return false;
            length = datagram.Length;
            _pending = false;
            return true;
        }
        int dataLength = datagram.Length - _headerLength;
        int header = _isV6 || _offset > 0 ? _laterHeader : _headerLength;
        int remaining = dataLength - _offset;
        int chunk = header + remaining <= _mtu ? remaining : DataPerFragment(_mtu, header);
        bool more = _offset + chunk < dataLength;
        int total = header + chunk;
        if (destination.Length < total) return false;
        var fragment = destination[..total];
        datagram.Slice(_headerLength + _offset, chunk).CopyTo(fragment[header..]);
        if (_isV6) WriteIpv6Header(datagram, fragment, more);
        else WriteIpv4Header(datagram, fragment, header, more, first: _offset == 0);
        _offset += chunk;
        _pending = more;
        length = total;
        FragmentsEmitted++;
        return true;
    }

    private void WriteIpv4Header(Span<byte> datagram, Span<byte> fragment, int header, bool more, bool first)
    {
        if (first)
            datagram[..header].CopyTo(fragment);
        else
        {
            datagram[..Ipv4Packet.MinHeaderLength].CopyTo(fragment);
            var options = new Ipv4OptionReader(datagram[Ipv4Packet.MinHeaderLength.._headerLength]);
            int at = Ipv4Packet.MinHeaderLength;
            while (options.TryNext(out var option))
            {
                if (!option.Copied) continue;
                fragment[at] = (byte)option.Type;
                fragment[at + 1] = (byte)(2 + option.Data.Length);
                option.Data.CopyTo(fragment[(at + 2)..]);
                at += 2 + option.Data.Length;
            }
            fragment[at..header].Clear(); // End of Option List pads to the header length
            fragment[0] = (byte)(0x40 | header / 4);
        }
        BinaryPrimitives.WriteUInt16BigEndian(fragment[2..], (ushort)fragment.Length);
        Ipv4Packet.TryParse(fragment, out var packet, out _); // header and length just written
        packet.Identification = (ushort)_identification;
        packet.MoreFragments = more;
        packet.FragmentOffset = (ushort)(_offset / 8);
        packet.FillChecksum();
    }

    private void WriteIpv6Header(Span<byte> datagram, Span<byte> fragment, bool more)
    {
        datagram[.._headerLength].CopyTo(fragment);
        fragment[_announcer] = (byte)IpProtocol.Ipv6Fragment;
        new Ipv6FragmentInfo((ushort)(_offset / 8), more, _identification).TryEmit(fragment[_headerLength..], (IpProtocol)datagram[_announcer]);
        BinaryPrimitives.WriteUInt16BigEndian(fragment[4..], (ushort)(fragment.Length - Ipv6Packet.HeaderLength));
    }
}
