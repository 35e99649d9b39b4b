using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>Router Advertisement flags (RFC 4861 §4.2, RFC 6275 §7.1).</summary>
[Flags]
public enum NdiscRouterFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>M: addresses are available from DHCPv6.</summary>
    ManagedAddressConfiguration = 0x80,
    /// <summary>O: other configuration is available from DHCPv6.</summary>
    OtherConfiguration = 0x40,
    /// <summary>H: the router is a Mobile IPv6 home agent (RFC 6275).</summary>
    HomeAgent = 0x20,
}

/// <summary>Neighbor Advertisement flags (RFC 4861 §4.4).</summary>
[Flags]
public enum NdiscNeighborFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>R: the sender is a router.</summary>
    Router = 0x80,
    /// <summary>S: sent in response to a Neighbor Solicitation.</summary>
    Solicited = 0x40,
    /// <summary>O: override an existing cache entry.</summary>
    Override = 0x20,
}

/// <summary>Neighbor discovery option types (RFC 4861 §4.6).</summary>
public enum NdiscOptionType : byte
{
    /// <summary>Source Link-Layer Address (§4.6.1).</summary>
    SourceLinkLayerAddress = 1,
    /// <summary>Target Link-Layer Address (§4.6.1).</summary>
    TargetLinkLayerAddress = 2,
    /// <summary>Prefix Information (§4.6.2).</summary>
    PrefixInformation = 3,
    /// <summary>Redirected Header (§4.6.3).</summary>
    RedirectedHeader = 4,
    /// <summary>MTU (§4.6.4).</summary>
    Mtu = 5,
}

/// <summary>
/// A checked view of a neighbor discovery message (RFC 4861 §4) inside an <see cref="Icmpv6Packet"/>: Router
/// Solicitation and Advertisement, Neighbor Solicitation and Advertisement, and Redirect. Fields that the message type
/// does not have read as zero and ignore writes.
/// </summary>
public readonly ref struct NdiscPacket
{
    private readonly Span<byte> _buffer;

    private NdiscPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks that <paramref name="packet"/> is a neighbor discovery type (else <see cref="WireError.Unsupported"/>)
    /// long enough for its fixed part (else <see cref="WireError.Truncated"/>). The checksum is checked by
    /// <see cref="NdiscRepr.TryParse"/>, which needs the addresses.
    /// </summary>
    public static bool TryParse(Icmpv6Packet packet, out NdiscPacket view, out WireError error)
    {
        view = default;
        int fixedLength = FixedLength(packet.Type);
        if (fixedLength == 0) { error = WireError.Unsupported; return false; }
        if (packet.Bytes.Length < fixedLength) { error = WireError.Truncated; return false; }
        view = new NdiscPacket(packet.Bytes);
        error = WireError.None;
        return true;
    }

    /// <summary>The length of the fixed part of each message type (RFC 4861 §4.1-§4.5), or 0 for other types.</summary>
    public static int FixedLength(Icmpv6Type type) => type switch
    {
        Icmpv6Type.RouterSolicitation => 8,
        Icmpv6Type.RouterAdvertisement => 16,
        Icmpv6Type.NeighborSolicitation or Icmpv6Type.NeighborAdvertisement => 24,
        Icmpv6Type.Redirect => 40,
        _ => 0,
    };

    /// <summary>The whole ICMPv6 message.</summary>
    public Span<byte> Bytes => _buffer;
    /// <summary>The message type.</summary>
    public Icmpv6Type Type => (Icmpv6Type)_buffer[0];
    /// <summary>The message code (0 for every valid message).</summary>
    public byte Code => _buffer[1];

    private bool Is(Icmpv6Type type) => Type == type;
    private bool HasTarget => Type is Icmpv6Type.NeighborSolicitation or Icmpv6Type.NeighborAdvertisement or Icmpv6Type.Redirect;

    /// <summary>Router Advertisement: the Cur Hop Limit hosts should use (0: unspecified).</summary>
    public byte CurrentHopLimit
    {
        get => Is(Icmpv6Type.RouterAdvertisement) ? _buffer[4] : (byte)0;
        set { if (Is(Icmpv6Type.RouterAdvertisement)) _buffer[4] = value; }
    }

    /// <summary>Router Advertisement: the M, O (and H) flags; other bits of the byte are kept as they are.</summary>
    public NdiscRouterFlags RouterFlags
    {
        get => Is(Icmpv6Type.RouterAdvertisement) ? (NdiscRouterFlags)_buffer[5] : NdiscRouterFlags.None;
        set { if (Is(Icmpv6Type.RouterAdvertisement)) _buffer[5] = (byte)value; }
    }

    /// <summary>Router Advertisement: Router Lifetime in seconds (0: not a default router).</summary>
    public ushort RouterLifetime
    {
        get => Is(Icmpv6Type.RouterAdvertisement) ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) : (ushort)0;
        set { if (Is(Icmpv6Type.RouterAdvertisement)) BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value); }
    }

    /// <summary>Router Advertisement: Reachable Time in milliseconds (0: unspecified).</summary>
    public uint ReachableTime
    {
        get => Is(Icmpv6Type.RouterAdvertisement) ? BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]) : 0;
        set { if (Is(Icmpv6Type.RouterAdvertisement)) BinaryPrimitives.WriteUInt32BigEndian(_buffer[8..], value); }
    }

    /// <summary>Router Advertisement: Retrans Timer in milliseconds (0: unspecified).</summary>
    public uint RetransTimer
    {
        get => Is(Icmpv6Type.RouterAdvertisement) ? BinaryPrimitives.ReadUInt32BigEndian(_buffer[12..]) : 0;
        set { if (Is(Icmpv6Type.RouterAdvertisement)) BinaryPrimitives.WriteUInt32BigEndian(_buffer[12..], value); }
    }

    /// <summary>Neighbor Advertisement: the R, S and O flags.</summary>
    public NdiscNeighborFlags NeighborFlags
    {
        get => Is(Icmpv6Type.NeighborAdvertisement) ? (NdiscNeighborFlags)(_buffer[4] & 0xE0) : NdiscNeighborFlags.None;
        set { if (Is(Icmpv6Type.NeighborAdvertisement)) _buffer[4] = (byte)((byte)value & 0xE0 | _buffer[4] & 0x1F); }
    }

    /// <summary>Neighbor Solicitation/Advertisement and Redirect: the Target Address.</summary>
    public Ipv6Address Target
    {
        get => HasTarget ? Ipv6Address.Read(_buffer[8..]) : default;
        set { if (HasTarget) value.WriteTo(_buffer[8..]); }
    }

    /// <summary>Redirect: the Destination Address being redirected.</summary>
    public Ipv6Address Destination
    {
        get => Is(Icmpv6Type.Redirect) ? Ipv6Address.Read(_buffer[24..]) : default;
        set { if (Is(Icmpv6Type.Redirect)) value.WriteTo(_buffer[24..]); }
    }

    /// <summary>The option bytes after the fixed part.</summary>
    public Span<byte> OptionBytes => _buffer[FixedLength(Type)..];

    /// <summary>A reader over the options (RFC 4861 §4.6).</summary>
    public NdiscOptionReader Options => new(OptionBytes);
}

/// <summary>The fields of a Prefix Information option (RFC 4861 §4.6.2).</summary>
/// <param name="PrefixLength">Leading bits of <paramref name="Prefix"/> that are valid (0-128).</param>
/// <param name="OnLink">L: the prefix can be used for on-link determination.</param>
/// <param name="Autonomous">A: the prefix can be used for stateless address autoconfiguration (RFC 4862).</param>
/// <param name="ValidLifetime">Seconds the prefix is valid for on-link determination; all ones is infinity.</param>
/// <param name="PreferredLifetime">Seconds addresses made from the prefix stay preferred; all ones is infinity.</param>
/// <param name="Prefix">The prefix (bits after <paramref name="PrefixLength"/> are zero by the sender).</param>
public readonly record struct NdiscPrefixInformation(byte PrefixLength, bool OnLink, bool Autonomous, uint ValidLifetime, uint PreferredLifetime, Ipv6Address Prefix)
{
    /// <summary>The option's length: 32 bytes.</summary>
    public const int Length = 32;

    /// <summary>Reads the option from its 32 bytes (type and length included).</summary>
    internal static NdiscPrefixInformation Read(ReadOnlySpan<byte> option)
        => new(option[2], (option[3] & 0x80) != 0, (option[3] & 0x40) != 0,
            BinaryPrimitives.ReadUInt32BigEndian(option[4..]), BinaryPrimitives.ReadUInt32BigEndian(option[8..]), Ipv6Address.Read(option[16..]));

    /// <summary>Writes the whole 32-byte option (type and length included); false when the buffer is short.</summary>
    public bool TryEmit(Span<byte> buffer)
    {
        if (buffer.Length < Length || PrefixLength > 128) return false;
        var option = buffer[..Length];
        option.Clear();
        option[0] = (byte)NdiscOptionType.PrefixInformation;
        option[1] = Length / 8;
        option[2] = PrefixLength;
        option[3] = (byte)((OnLink ? 0x80 : 0) | (Autonomous ? 0x40 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(option[4..], ValidLifetime);
        BinaryPrimitives.WriteUInt32BigEndian(option[8..], PreferredLifetime);
        Prefix.WriteTo(option[16..]);
        return true;
    }
}

/// <summary>One neighbor discovery option found by <see cref="NdiscOptionReader"/>. Accessors for another type read as zero.</summary>
public readonly ref struct NdiscOption
{
    /// <summary>Wraps one option's bytes (type and length included), whose length the reader has checked for its type.</summary>
    internal NdiscOption(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>The whole option, type and length bytes included.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    /// <summary>The option type.</summary>
    public NdiscOptionType Type => (NdiscOptionType)Bytes[0];
    /// <summary>The option length in bytes (a multiple of 8).</summary>
    public int Length => Bytes.Length;
    /// <summary>The bytes after type and length.</summary>
    public ReadOnlySpan<byte> Data => Bytes[2..];

    /// <summary>Source or Target Link-Layer Address: the first six bytes of the address, an Ethernet MAC (RFC 2464 §6).</summary>
    public EthernetAddress LinkLayerAddress
        => Type is NdiscOptionType.SourceLinkLayerAddress or NdiscOptionType.TargetLinkLayerAddress ? EthernetAddress.Read(Bytes[2..]) : default;

    /// <summary>MTU option: the recommended link MTU.</summary>
    public uint Mtu => Type == NdiscOptionType.Mtu ? BinaryPrimitives.ReadUInt32BigEndian(Bytes[4..]) : 0;

    /// <summary>Prefix Information option fields.</summary>
    public NdiscPrefixInformation PrefixInformation => Type == NdiscOptionType.PrefixInformation ? NdiscPrefixInformation.Read(Bytes) : default;

    /// <summary>Redirected Header option: the quoted packet after the 8-byte option header (RFC 4861 §4.6.3).</summary>
    public ReadOnlySpan<byte> RedirectedPacket => Type == NdiscOptionType.RedirectedHeader ? Bytes[8..] : default;
}

/// <summary>
/// Walks neighbor discovery options (RFC 4861 §4.6), yielding the five types of <see cref="NdiscOptionType"/> and
/// skipping others (§4.6: "Receivers MUST silently ignore any options they do not recognize"). An option of length
/// zero stops the walk with <see cref="WireError.Malformed"/> (§4.6: such packets MUST be silently discarded); so does
/// a known option of the wrong length. An option that runs past the message is <see cref="WireError.Truncated"/>.
/// Each step consumes at least 8 bytes, so the walk is bounded by the message length.
/// </summary>
public ref struct NdiscOptionReader
{
    private readonly ReadOnlySpan<byte> _options;
    private int _offset;

    /// <summary>Reads the options area <paramref name="options"/> (everything after a message's fixed part).</summary>
    public NdiscOptionReader(ReadOnlySpan<byte> options) { _options = options; _offset = 0; Error = WireError.None; }

    /// <summary>Why the walk stopped: <see cref="WireError.None"/> at the end of the options.</summary>
    public WireError Error { get; private set; }

    /// <summary>Yields the next known option; false at the end or on an error.</summary>
    public bool TryNext(out NdiscOption option)
    {
        option = default;
        while (Error == WireError.None && _offset < _options.Length)
        {
            var rest = _options[_offset..];
            if (rest.Length < 2) return Fail(WireError.Truncated);
            int length = rest[1] * 8;
            if (length == 0) return Fail(WireError.Malformed);
            if (length > rest.Length) return Fail(WireError.Truncated);
            _offset += length;
            var bytes = rest[..length];
            var type = (NdiscOptionType)bytes[0];
            bool known = type is >= NdiscOptionType.SourceLinkLayerAddress and <= NdiscOptionType.Mtu;
            if (!known) continue;
            if (!HasValidLength(type, bytes)) return Fail(WireError.Malformed);
            option = new NdiscOption(bytes);
            return true;
        }
        return false;
    }

    // Prefix Information is 32 bytes with a prefix length up to 128 (§4.6.2) and MTU is 8 bytes (§4.6.4); link-layer
    // addresses and the Redirected Header take any non-zero length.
    private static bool HasValidLength(NdiscOptionType type, ReadOnlySpan<byte> bytes) => type switch
    {
        NdiscOptionType.PrefixInformation => bytes.Length == NdiscPrefixInformation.Length && bytes[2] <= 128,
        NdiscOptionType.Mtu => bytes.Length == 8,
        _ => true,
    };

    private bool Fail(WireError error)
    {
        Error = error;
        return false;
    }
}

/// <summary>
/// The high-level form of a neighbor discovery message (RFC 4861 §4) with the options a host stack acts on: source and
/// target link-layer addresses (Ethernet), the MTU, and the first Prefix Information. Other prefixes and the Redirected
/// Header are read through <see cref="NdiscPacket.Options"/>. Fields a message type does not have are zero.
/// </summary>
public readonly record struct NdiscRepr
{
    /// <summary>The message type: one of Router Solicitation/Advertisement, Neighbor Solicitation/Advertisement, Redirect.</summary>
    public Icmpv6Type Type { get; init; }
    /// <summary>Router Advertisement: Cur Hop Limit.</summary>
    public byte CurrentHopLimit { get; init; }
    /// <summary>Router Advertisement: M/O flags.</summary>
    public NdiscRouterFlags RouterFlags { get; init; }
    /// <summary>Router Advertisement: Router Lifetime, seconds.</summary>
    public ushort RouterLifetime { get; init; }
    /// <summary>Router Advertisement: Reachable Time, milliseconds.</summary>
    public uint ReachableTime { get; init; }
    /// <summary>Router Advertisement: Retrans Timer, milliseconds.</summary>
    public uint RetransTimer { get; init; }
    /// <summary>Neighbor Advertisement: R/S/O flags.</summary>
    public NdiscNeighborFlags NeighborFlags { get; init; }
    /// <summary>Neighbor Solicitation/Advertisement, Redirect: Target Address.</summary>
    public Ipv6Address Target { get; init; }
    /// <summary>Redirect: Destination Address.</summary>
    public Ipv6Address Destination { get; init; }
    /// <summary>The Source Link-Layer Address option, if present.</summary>
    public EthernetAddress? SourceLinkLayerAddress { get; init; }
    /// <summary>The Target Link-Layer Address option, if present.</summary>
    public EthernetAddress? TargetLinkLayerAddress { get; init; }
    /// <summary>The MTU option, if present.</summary>
    public uint? Mtu { get; init; }
    /// <summary>The first Prefix Information option, if present.</summary>
    public NdiscPrefixInformation? Prefix { get; init; }

    private const int LinkLayerOptionLength = 8;

    /// <summary>The emitted message length: the fixed part and the options this repr holds.</summary>
    public int BufferLength => NdiscPacket.FixedLength(Type)
        + (SourceLinkLayerAddress is null ? 0 : LinkLayerOptionLength)
        + (TargetLinkLayerAddress is null ? 0 : LinkLayerOptionLength)
        + (Mtu is null ? 0 : 8)
        + (Prefix is null ? 0 : NdiscPrefixInformation.Length);

    /// <summary>A Router Solicitation, with the sender's link-layer address unless it has no address yet (§4.1).</summary>
    public static NdiscRepr RouterSolicitation(EthernetAddress? sourceLinkLayerAddress)
        => new() { Type = Icmpv6Type.RouterSolicitation, SourceLinkLayerAddress = sourceLinkLayerAddress };

    /// <summary>A Router Advertisement (§4.2); add options with <c>with { Mtu = …, Prefix = … }</c>.</summary>
    public static NdiscRepr RouterAdvertisement(byte currentHopLimit, NdiscRouterFlags flags, ushort routerLifetime, uint reachableTime, uint retransTimer, EthernetAddress? sourceLinkLayerAddress)
        => new()
        {
            Type = Icmpv6Type.RouterAdvertisement, CurrentHopLimit = currentHopLimit, RouterFlags = flags, RouterLifetime = routerLifetime,
            ReachableTime = reachableTime, RetransTimer = retransTimer, SourceLinkLayerAddress = sourceLinkLayerAddress,
        };

    /// <summary>A Neighbor Solicitation for <paramref name="target"/> (§4.3); no source link-layer address during DAD (§7.2.2).</summary>
    public static NdiscRepr NeighborSolicitation(Ipv6Address target, EthernetAddress? sourceLinkLayerAddress)
        => new() { Type = Icmpv6Type.NeighborSolicitation, Target = target, SourceLinkLayerAddress = sourceLinkLayerAddress };

    /// <summary>A Neighbor Advertisement for <paramref name="target"/> (§4.4), normally with its link-layer address (§7.2.4).</summary>
    public static NdiscRepr NeighborAdvertisement(NdiscNeighborFlags flags, Ipv6Address target, EthernetAddress? targetLinkLayerAddress)
        => new() { Type = Icmpv6Type.NeighborAdvertisement, NeighborFlags = flags, Target = target, TargetLinkLayerAddress = targetLinkLayerAddress };

    /// <summary>A Redirect of <paramref name="destination"/> to <paramref name="target"/> (§4.5), without a Redirected Header.</summary>
    public static NdiscRepr Redirect(Ipv6Address target, Ipv6Address destination, EthernetAddress? targetLinkLayerAddress)
        => new() { Type = Icmpv6Type.Redirect, Target = target, Destination = destination, TargetLinkLayerAddress = targetLinkLayerAddress };

    /// <summary>
    /// Reads and validates a message sent from <paramref name="source"/> to <paramref name="destination"/>: the checksum
    /// (<see cref="WireError.BadChecksum"/>), the type (<see cref="WireError.Unsupported"/>), the options, and the rules
    /// under which RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1 say a message MUST be silently discarded
    /// (<see cref="WireError.Malformed"/>): non-zero code, a multicast target, an NS or RS from the unspecified address
    /// with a source link-layer address, a DAD NS not sent to a solicited-node group, a solicited NA to a multicast
    /// group, an RA or Redirect from a non-link-local source, a Redirect of a multicast destination or to a target
    /// that is neither link-local nor the destination. The IP hop limit of 255 is for the IP layer to check.
    /// </summary>
    public static bool TryParse(Icmpv6Packet packet, Ipv6Address source, Ipv6Address destination, out NdiscRepr repr, out WireError error)
    {
        repr = default;
        if (!packet.TryVerify(source, destination, out error) || !NdiscPacket.TryParse(packet, out var view, out error)) return false;
        var parsed = new NdiscRepr
        {
            Type = view.Type,
            CurrentHopLimit = view.CurrentHopLimit,
            RouterFlags = view.RouterFlags,
            RouterLifetime = view.RouterLifetime,
            ReachableTime = view.ReachableTime,
            RetransTimer = view.RetransTimer,
            NeighborFlags = view.NeighborFlags,
            Target = view.Target,
            Destination = view.Destination,
        };
        var options = view.Options;
        while (options.TryNext(out var option))
        {
            // The first option of each kind counts; RFC 4861 leaves repeats undefined except for prefixes, which
            // the caller reads through the view.
            parsed = option.Type switch
            {
                NdiscOptionType.SourceLinkLayerAddress when parsed.SourceLinkLayerAddress is null => parsed with { SourceLinkLayerAddress = option.LinkLayerAddress },
                NdiscOptionType.TargetLinkLayerAddress when parsed.TargetLinkLayerAddress is null => parsed with { TargetLinkLayerAddress = option.LinkLayerAddress },
                NdiscOptionType.Mtu when parsed.Mtu is null => parsed with { Mtu = option.Mtu },
                NdiscOptionType.PrefixInformation when parsed.Prefix is null => parsed with { Prefix = option.PrefixInformation },
                _ => parsed,
            };
        }
        if (options.Error != WireError.None) { error = options.Error; return false; }
        if (view.Code != 0 || !parsed.IsValid(source, destination)) { error = WireError.Malformed; return false; }
        repr = parsed;
        return true;
    }

    private bool IsValid(Ipv6Address source, Ipv6Address destination) => Type switch
    {
        Icmpv6Type.RouterSolicitation => !(source.IsUnspecified && SourceLinkLayerAddress is not null),
        Icmpv6Type.RouterAdvertisement => source.IsLinkLocal,
        Icmpv6Type.NeighborSolicitation => !Target.IsMulticast
            && !(source.IsUnspecified && (SourceLinkLayerAddress is not null || !IsSolicitedNodeGroup(destination))),
        Icmpv6Type.NeighborAdvertisement => !Target.IsMulticast
            && !(destination.IsMulticast && (NeighborFlags & NdiscNeighborFlags.Solicited) != 0),
        Icmpv6Type.Redirect => source.IsLinkLocal && !Destination.IsMulticast && (Target.IsLinkLocal || Target == Destination),
        _ => false,
    };

    // ff02::1:ff00:0/104 (RFC 4291 §2.7.1).
    private static bool IsSolicitedNodeGroup(Ipv6Address address)
        => address.High == 0xFF02_0000_0000_0000UL && (address.Low >> 24) == 0x0000_0001_FFUL;

    /// <summary>
    /// Writes the message and its options (source link-layer address, target link-layer address, MTU, prefix, in that
    /// order) into the start of <paramref name="buffer"/>, with the checksum for <paramref name="source"/> and
    /// <paramref name="destination"/>. Nothing is read from <paramref name="buffer"/>, so a received solicitation can be
    /// overwritten by its advertisement in place. False when the buffer is shorter than <see cref="BufferLength"/> or
    /// the type is not a neighbor discovery type.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, Ipv6Address source, Ipv6Address destination)
    {
        int fixedLength = NdiscPacket.FixedLength(Type);
        if (fixedLength == 0 || buffer.Length < BufferLength || Prefix is { PrefixLength: > 128 }) return false;
        var message = buffer[..BufferLength];
        var packet = Icmpv6Packet.Begin(message, Type, 0);
        message[Icmpv6Packet.MinimumLength..fixedLength].Clear();
        NdiscPacket.TryParse(packet, out var view, out _);
        view.CurrentHopLimit = CurrentHopLimit;
        view.RouterFlags = RouterFlags;
        view.RouterLifetime = RouterLifetime;
        view.ReachableTime = ReachableTime;
        view.RetransTimer = RetransTimer;
        view.NeighborFlags = NeighborFlags;
        view.Target = Target;
        view.Destination = Destination;
        var at = message[fixedLength..];
        if (SourceLinkLayerAddress is { } sll) at = WriteLinkLayerOption(at, NdiscOptionType.SourceLinkLayerAddress, sll);
        if (TargetLinkLayerAddress is { } tll) at = WriteLinkLayerOption(at, NdiscOptionType.TargetLinkLayerAddress, tll);
        if (Mtu is { } mtu)
        {
            at[..8].Clear();
            at[0] = (byte)NdiscOptionType.Mtu;
            at[1] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(at[4..], mtu);
            at = at[8..];
        }
        if (Prefix is { } prefix) prefix.TryEmit(at);
        packet.FillChecksum(source, destination);
        return true;
    }

    private static Span<byte> WriteLinkLayerOption(Span<byte> at, NdiscOptionType type, EthernetAddress address)
    {
        at[0] = (byte)type;
        at[1] = LinkLayerOptionLength / 8;
        address.WriteTo(at[2..]);
        return at[LinkLayerOptionLength..];
    }
}
