using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>The transport header a <see cref="HeaderStack"/> has checked.</summary>
public enum TransportKind : byte
{
    /// <summary>None: not an IP packet, a fragment, or a protocol other than TCP and UDP (see <see cref="HeaderStack.Protocol"/>).</summary>
    None = 0,
    /// <summary>A TCP segment (RFC 9293).</summary>
    Tcp = 1,
    /// <summary>A UDP datagram (RFC 768).</summary>
    Udp = 2,
}

/// <summary>
/// The receive fast path: one walk over an Ethernet frame through IPv4 or IPv6 to TCP or UDP that checks every length
/// field exactly as the views' <c>TryParse</c> methods do (with the same <see cref="WireError"/> statuses), optionally
/// verifies the IPv4 header checksum and the TCP or UDP checksum as the reprs do, decodes the TCP options once, and
/// keeps only where each header starts and the few values the walk had to decode anyway.
/// </summary>
/// <remarks>
/// <para>
/// Field getters read straight from the checked frame, without slicing or bounds checks: the walk proved that every
/// header they read from is whole. A getter of a layer the frame does not have reads from a block of zeros instead of
/// the frame, so it returns 0 (or the zero address), never bytes from outside the frame, and costs no branch.
/// Everything a getter does not cover is reached through the layer's ordinary view (<see cref="Ethernet"/>,
/// <see cref="Ipv4"/>, <see cref="Ipv6"/>, <see cref="Tcp"/>, <see cref="Udp"/>), which also has the setters for
/// answering in place. Those views are built over the checked slices, not checked again.
/// </para>
/// <para>
/// How far the walk goes: a frame whose EtherType is neither IPv4 nor IPv6 stops after the Ethernet header
/// (<see cref="IpVersion"/> is <see cref="IpVersion.Unspecified"/>; hand <see cref="NetworkBytes"/> to the ARP parser).
/// A fragment (IPv4 with More Fragments or an offset, RFC 791 §3.2; IPv6 with a Fragment header that is not atomic,
/// RFC 8200 §4.5, RFC 6946) stops after the IP header, since its transport header is not whole or not there. So does
/// a protocol other than TCP or UDP (<see cref="Transport"/> is <see cref="TransportKind.None"/>; <see cref="Protocol"/>
/// and <see cref="TransportBytes"/> say what and where it is, for the ICMP, IGMP… parsers). The IPv6 extension header
/// chain is walked by <see cref="Ipv6Packet.TryGetUpperLayer"/>, and the TCP or UDP checksum then uses the final
/// destination of a routing header (RFC 8200 §8.1).
/// </para>
/// <para>
/// Failure order and statuses are those of <see cref="EthernetFrame.TryParse"/>, then <see cref="Ipv4Packet.TryParse(Span{byte}, out Ipv4Packet, out WireError)"/>
/// and <see cref="Ipv4Repr.TryParse(Ipv4Packet, out Ipv4Repr, out WireError)"/> (header checksum) or
/// <see cref="Ipv6Packet.TryParse(Span{byte}, out Ipv6Packet, out WireError)"/> and <see cref="Ipv6Packet.TryGetUpperLayer"/>, then
/// <see cref="TcpSegment.TryParse"/> and <see cref="TcpRepr.TryParse(TcpSegment, in IpAddress, in IpAddress, out TcpRepr, out WireError, bool)"/>
/// (checksum before options) or <see cref="UdpDatagram.TryParse"/> and <see cref="UdpRepr.TryParse"/>. The walk never
/// throws and never allocates.
/// </para>
/// </remarks>
public ref struct HeaderStack
{
    // Read by the getters of absent layers: longer than the longest fixed header read (IPv6, 40 bytes).
    private static readonly byte[] s_zeros = new byte[64];

    // Private, and written only by the walk, once each, straight into the caller's variable (see TcpOptionSet for why).
    // Offsets are from the start of the frame; those of absent layers stay 0, which makes their slices empty.
    private Span<byte> _frame;
    private ref byte _ipv4;       // the IPv4 header, or zeros
    private ref byte _ipv6;       // the IPv6 fixed header, or zeros
    private ref byte _tcp;        // the TCP header, or zeros
    private ref byte _ports;      // the TCP or the UDP header (both start with the ports), or zeros
    private int _ipHeaderEnd;     // where the IP payload starts (after the IPv4 options or the IPv6 fixed header)
    private int _ipEnd;           // where the IP packet ends (Total Length, 40 + Payload Length)
    private int _transportOffset; // where the upper-layer data starts (after any IPv6 extension headers)
    private int _payloadOffset;   // where the TCP or UDP payload starts
    private int _payloadEnd;      // where the TCP or UDP payload ends (the IP end, or the UDP length)
    private EtherType _etherType;
    private byte _tagCount;
    private IpVersion _ipVersion;
    private IpProtocol _protocol;
    private TransportKind _transport;
    private bool _isFragment;
    private TcpOptionSet _tcpOptions;

    /// <summary>
    /// Walks <paramref name="frame"/> (an Ethernet frame without FCS) as far as it goes; see the type's remarks. With
    /// <paramref name="verifyChecksums"/> false (the NIC verified them) neither the IPv4 header checksum nor the TCP or
    /// UDP checksum is checked. On failure <paramref name="stack"/> is empty and <paramref name="error"/> says why.
    /// </summary>
    // Inlined into the caller, so that the walk's results stay in registers for the getters instead of being stored
    // into the caller's variable and loaded back. To leave the caller's inlining budget to the getters, everything
    // long or rare is a call: the checksums, the general TCP option walk, the IPv6 extension header chain.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> frame, out HeaderStack stack, out WireError error, bool verifyChecksums = true)
    {
        stack = default;
        var e = EthernetFrame.Validate(frame, out int tags, out var etherType);
        if (e == WireError.None)
        {
            ref byte zeros = ref MemoryMarshal.GetArrayDataReference(s_zeros);
            stack._frame = frame;
            stack._ipv4 = ref zeros;
            stack._ipv6 = ref zeros;
            stack._tcp = ref zeros;
            stack._ports = ref zeros;
            stack._tagCount = (byte)tags;
            int offset = EthernetFrame.HeaderLengthUntagged + EthernetFrame.TagLength * tags;
            stack._etherType = etherType;
            if (etherType == EtherType.Ipv4) e = stack.WalkIpv4(frame, offset, verifyChecksums);
            else if (etherType == EtherType.Ipv6) e = stack.WalkIpv6(frame, offset, verifyChecksums);
            if (e == WireError.None)
            {
                error = WireError.None;
                return true;
            }
            stack = default;
        }
        error = e;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private WireError WalkIpv4(Span<byte> frame, int offset, bool verifyChecksums)
    {
        var ip = Within(frame, offset, frame.Length);
        var e = Ipv4Packet.Validate(ip, quoted: false, out int headerLength, out int length);
        if (e != WireError.None) return e;
        ref byte header = ref MemoryMarshal.GetReference(ip);
        if (verifyChecksums && !Checksum.VerifyIpv4Header(ref header, headerLength)) return WireError.BadChecksum;
        _ipv4 = ref header;
        _ipVersion = IpVersion.V4;
        int protocol = Unsafe.Add(ref header, 9); // an int: see WalkIpv6
        _protocol = (IpProtocol)protocol;
        int transportOffset = offset + headerLength, end = offset + length;
        _ipHeaderEnd = _transportOffset = transportOffset;
        _ipEnd = end;
        // More Fragments or a Fragment Offset (RFC 791 §3.1): the transport header is not whole or not here.
        if ((BigEndian.Read16(ref header, 6) & 0x3FFF) != 0)
        {
            _isFragment = true;
            return WireError.None;
        }
        if (protocol is not ((int)IpProtocol.Tcp or (int)IpProtocol.Udp)) return WireError.None;
        // The pseudo-header's addresses (RFC 9293 §3.1, RFC 768) lie together in the header.
        return WalkTransport(Within(frame, transportOffset, end), transportOffset, protocol, verifyChecksums,
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref header, 12), 2 * Ipv4Address.Length), zeroUdpChecksumPasses: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private WireError WalkIpv6(Span<byte> frame, int offset, bool verifyChecksums)
    {
        var ip = Within(frame, offset, frame.Length);
        var e = Ipv6Packet.Validate(ip, quoted: false, out int length);
        if (e != WireError.None) return e;
        ref byte header = ref MemoryMarshal.GetReference(ip);
        _ipv6 = ref header;
        _ipVersion = IpVersion.V6;
        // An int, not an IpProtocol: a byte-sized local spilled by a byte store and reloaded by a wider load (as the JIT
        // does) would stall on store forwarding.
        int protocol = Unsafe.Add(ref header, 6);
        int transportOffset = offset + Ipv6Packet.HeaderLength, end = offset + length;
        _ipHeaderEnd = transportOffset;
        _ipEnd = end;
        // The pseudo-header's addresses (RFC 8200 §8.1) lie together in the fixed header, unless a routing header names
        // another final destination: then they are copied together here.
        var addresses = new AddressPair();
        scoped ReadOnlySpan<byte> pseudoHeader = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref header, 8), 2 * Ipv6Address.Length);
        if (Ipv6ExtensionHeaderReader.IsExtensionHeader((IpProtocol)protocol))
        {
            e = WalkExtensionHeaders(ip[..length], addresses, out var upperProtocol, out int upperOffset, out bool isFragment);
            pseudoHeader = addresses;
            if (e != WireError.None) return e;
            protocol = (int)upperProtocol;
            transportOffset += upperOffset;
            _isFragment = isFragment;
            _protocol = upperProtocol;
            _transportOffset = transportOffset;
            if (isFragment) return WireError.None;
        }
        else
        {
            _protocol = (IpProtocol)protocol;
            _transportOffset = transportOffset;
        }
        if (protocol is not ((int)IpProtocol.Tcp or (int)IpProtocol.Udp)) return WireError.None;
        return WalkTransport(frame[transportOffset..end], transportOffset, protocol, verifyChecksums, pseudoHeader, zeroUdpChecksumPasses: false);
    }

    // Rare, so out of line: the chain walk of the view, which also finds the fragment header, and the final destination
    // of a routing header for the pseudo-header (RFC 8200 §8.1).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WireError WalkExtensionHeaders(Span<byte> packet, scoped Span<byte> addresses, out IpProtocol protocol, out int upperOffset,
        out bool isFragment)
    {
        var view = Ipv6Packet.Unchecked(packet);
        bool ok = view.TryGetUpperLayer(out var upper, out var error);
        protocol = upper.Protocol;
        upperOffset = upper.Offset;
        view.Source.WriteTo(addresses);
        upper.FinalDestination.WriteTo(addresses[Ipv6Address.Length..]);
        // An atomic fragment (offset 0, no More Fragments) is a whole packet (RFC 6946 §4).
        isFragment = ok && upper.Fragment is { } fragment && (fragment.FragmentOffset != 0 || fragment.MoreFragments);
        return error;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private WireError WalkTransport(Span<byte> bytes, int offset, int protocol, bool verifyChecksums, scoped ReadOnlySpan<byte> pseudoHeader,
        bool zeroUdpChecksumPasses)
    {
        ref byte header = ref MemoryMarshal.GetReference(bytes);
        WireError e;
        if (protocol == (int)IpProtocol.Tcp)
        {
            e = TcpSegment.Validate(bytes, out int headerLength);
            if (e != WireError.None) return e;
            if (verifyChecksums && !Checksum.VerifyWithPseudoHeader(pseudoHeader, (byte)protocol, bytes.Length, bytes)) return WireError.BadChecksum;
            if (!TcpOptionSet.TryParse(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref header, TcpSegment.MinHeaderLength),
                    headerLength - TcpSegment.MinHeaderLength), out _tcpOptions, out e))
                return e;
            _tcp = ref header;
            _ports = ref header;
            _transport = TransportKind.Tcp;
            _payloadOffset = offset + headerLength;
            _payloadEnd = offset + bytes.Length;
            return WireError.None;
        }
        e = UdpDatagram.Validate(bytes, out int length);
        if (e != WireError.None) return e;
        if (verifyChecksums && !VerifyUdpChecksum(bytes[..length], zeroUdpChecksumPasses, pseudoHeader)) return WireError.BadChecksum;
        _ports = ref header;
        _transport = TransportKind.Udp;
        _payloadOffset = offset + UdpDatagram.HeaderLength;
        _payloadEnd = offset + length;
        return WireError.None;
    }

    // A zero checksum field means "none" over IPv4 but is an error over IPv6 (RFC 768, RFC 8200 §8.1), as in the view.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool VerifyUdpChecksum(Span<byte> datagram, bool zeroChecksumPasses, scoped ReadOnlySpan<byte> addresses)
        => UdpDatagram.Unchecked(datagram).Checksum == 0
            ? zeroChecksumPasses
            : Checksum.VerifyWithPseudoHeader(addresses, (byte)IpProtocol.Udp, datagram.Length, datagram);

    // The source and final destination of a packet with a routing header, side by side as in a fixed header.
    [InlineArray(2 * Ipv6Address.Length)]
    private struct AddressPair
    {
        private byte _first;
    }

    // A slice of the frame that the checks so far have proven to lie inside it, made without checking again: the
    // Ethernet header's end (Ethernet validation), the IPv4 header's end and Total Length (IPv4 validation).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> Within(Span<byte> frame, int start, int end)
        => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), start), end - start);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ipv6Address ReadIpv6(ref byte at, int offset) => new(BigEndian.Read64(ref at, offset), BigEndian.Read64(ref at, offset + 8));

    private readonly int NetworkOffset => EthernetFrame.HeaderLengthUntagged + EthernetFrame.TagLength * _tagCount;

    private readonly ref byte FrameStart => ref MemoryMarshal.GetReference(_frame);

    // --- Ethernet ---

    /// <summary>The whole frame as given to <see cref="TryParse"/>.</summary>
    public readonly Span<byte> Bytes => _frame;

    // Each address is the top six bytes of one 8-byte read, which stays inside the 14-byte header.

    /// <summary>The Ethernet destination address.</summary>
    public readonly EthernetAddress EthernetDestination => new EthernetAddress(BigEndian.Read64(ref FrameStart, 0) >> 16);

    /// <summary>The Ethernet source address.</summary>
    public readonly EthernetAddress EthernetSource => new EthernetAddress(BigEndian.Read64(ref FrameStart, 6) >> 16);

    /// <summary>The EtherType after any VLAN tags.</summary>
    public readonly EtherType EtherType => _etherType;

    /// <summary>The number of 802.1Q/802.1ad tags (0..2); read them through <see cref="Ethernet"/>.</summary>
    public readonly int TagCount => _tagCount;

    /// <summary>The Ethernet view (tags, setters).</summary>
    public readonly EthernetFrame Ethernet => EthernetFrame.Unchecked(_frame, _tagCount);

    /// <summary>Everything after the Ethernet header (and its tags), padding included: what the EtherType describes.</summary>
    public readonly Span<byte> NetworkBytes => _frame[NetworkOffset..];

    // --- IP ---

    /// <summary>The IP version, or <see cref="IpVersion.Unspecified"/> when the frame does not carry IP.</summary>
    public readonly IpVersion IpVersion => _ipVersion;

    /// <summary>The IPv4 source address (zero unless <see cref="IpVersion"/> is <see cref="IpVersion.V4"/>).</summary>
    public readonly Ipv4Address Ipv4Source => new(BigEndian.Read32(ref _ipv4, 12));

    /// <summary>The IPv4 destination address (zero unless <see cref="IpVersion"/> is <see cref="IpVersion.V4"/>).</summary>
    public readonly Ipv4Address Ipv4Destination => new(BigEndian.Read32(ref _ipv4, 16));

    /// <summary>The IPv6 source address (zero unless <see cref="IpVersion"/> is <see cref="IpVersion.V6"/>).</summary>
    public readonly Ipv6Address Ipv6Source => ReadIpv6(ref _ipv6, 8);

    /// <summary>The IPv6 destination address of the fixed header (zero unless <see cref="IpVersion"/> is <see cref="IpVersion.V6"/>).</summary>
    public readonly Ipv6Address Ipv6Destination => ReadIpv6(ref _ipv6, 24);

    /// <summary>The source address of either version (unspecified when the frame does not carry IP).</summary>
    public readonly IpAddress IpSource => _ipVersion == IpVersion.V4 ? new(Ipv4Source) : _ipVersion == IpVersion.V6 ? new(Ipv6Source) : default;

    /// <summary>The destination address of either version (unspecified when the frame does not carry IP).</summary>
    public readonly IpAddress IpDestination
        => _ipVersion == IpVersion.V4 ? new(Ipv4Destination) : _ipVersion == IpVersion.V6 ? new(Ipv6Destination) : default;

    /// <summary>The IPv4 Time To Live or the IPv6 Hop Limit (0 when the frame does not carry IP).</summary>
    // One of the two headers is the zero block, so the other's byte is the answer without a branch.
    public readonly byte HopLimit => (byte)(Unsafe.Add(ref _ipv4, 8) | Unsafe.Add(ref _ipv6, 7));

    /// <summary>
    /// The upper-layer protocol: the IPv4 Protocol field, or the Next Header that ends the IPv6 extension header chain.
    /// Meaningful only when <see cref="IpVersion"/> is not <see cref="IpVersion.Unspecified"/>.
    /// </summary>
    public readonly IpProtocol Protocol => _protocol;

    /// <summary>True for a fragment, whose transport header was not parsed (reassemble it through <see cref="Ipv4"/> or <see cref="Ipv6"/>).</summary>
    public readonly bool IsFragment => _isFragment;

    /// <summary>
    /// The IP payload length: Total Length minus IHL × 4 for IPv4, Payload Length (extension headers included) for IPv6,
    /// as in <see cref="Ipv4Repr.PayloadLength"/> and <see cref="Ipv6Repr.PayloadLength"/>.
    /// </summary>
    public readonly int IpPayloadLength => _ipEnd - _ipHeaderEnd;

    /// <summary>The IPv4 view (empty unless <see cref="IpVersion"/> is <see cref="IpVersion.V4"/>).</summary>
    public readonly Ipv4Packet Ipv4 => _ipVersion == IpVersion.V4 ? Ipv4Packet.Unchecked(_frame[NetworkOffset.._ipEnd]) : default;

    /// <summary>The IPv6 view (empty unless <see cref="IpVersion"/> is <see cref="IpVersion.V6"/>).</summary>
    public readonly Ipv6Packet Ipv6 => _ipVersion == IpVersion.V6 ? Ipv6Packet.Unchecked(_frame[NetworkOffset.._ipEnd]) : default;

    /// <summary>The IP payload: exactly <see cref="IpPayloadLength"/> bytes, without link padding (empty when not IP).</summary>
    public readonly Span<byte> IpPayload => _frame[_ipHeaderEnd.._ipEnd];

    /// <summary>
    /// The upper-layer message: the TCP segment, the UDP datagram (exactly its length field), or, for other protocols
    /// and for fragments, the data after the IP header and any extension headers (empty when not IP).
    /// </summary>
    public readonly Span<byte> TransportBytes => _frame[_transportOffset..(_transport == TransportKind.None ? _ipEnd : _payloadEnd)];

    // --- TCP and UDP ---

    /// <summary>Which transport header was checked.</summary>
    public readonly TransportKind Transport => _transport;

    /// <summary>The TCP or UDP source port (0 when <see cref="Transport"/> is <see cref="TransportKind.None"/>).</summary>
    public readonly ushort SourcePort => BigEndian.Read16(ref _ports, 0);

    /// <summary>The TCP or UDP destination port (0 when <see cref="Transport"/> is <see cref="TransportKind.None"/>).</summary>
    public readonly ushort DestinationPort => BigEndian.Read16(ref _ports, 2);

    /// <summary>The TCP sequence number (0 unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly TcpSeqNumber SequenceNumber => new(BigEndian.Read32(ref _tcp, 4));

    /// <summary>The TCP acknowledgment number (0 unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly TcpSeqNumber AcknowledgmentNumber => new(BigEndian.Read32(ref _tcp, 8));

    /// <summary>The nine TCP control bits (none unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly TcpFlags TcpFlags => (TcpFlags)(BigEndian.Read16(ref _tcp, 12) & 0x01FF);

    /// <summary>The TCP window field, unscaled (0 unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly ushort WindowSize => BigEndian.Read16(ref _tcp, 14);

    /// <summary>The TCP urgent pointer (0 unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly ushort UrgentPointer => BigEndian.Read16(ref _tcp, 18);

    /// <summary>The TCP options this library speaks, decoded by the walk (empty unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    [UnscopedRef]
    public readonly ref readonly TcpOptionSet TcpOptions => ref _tcpOptions;

    /// <summary>The SACK blocks of the TCP options (RFC 2018 §3), read from the frame.</summary>
    public readonly TcpSackBlocks TcpSackBlocks
        => _transport == TransportKind.Tcp ? _tcpOptions.ReadSackBlocks(_frame[(_transportOffset + TcpSegment.MinHeaderLength).._payloadOffset]) : default;

    /// <summary>The TCP view (empty unless <see cref="Transport"/> is <see cref="TransportKind.Tcp"/>).</summary>
    public readonly TcpSegment Tcp => _transport == TransportKind.Tcp ? TcpSegment.Unchecked(_frame[_transportOffset.._ipEnd]) : default;

    /// <summary>The UDP view (empty unless <see cref="Transport"/> is <see cref="TransportKind.Udp"/>).</summary>
    public readonly UdpDatagram Udp => _transport == TransportKind.Udp ? UdpDatagram.Unchecked(_frame[_transportOffset.._payloadEnd]) : default;

    /// <summary>The TCP or UDP payload, exact (empty when <see cref="Transport"/> is <see cref="TransportKind.None"/>).</summary>
    public readonly Span<byte> Payload => _frame[_payloadOffset.._payloadEnd];
}
