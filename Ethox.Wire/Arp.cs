using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>ARP operation codes (RFC 826; IANA "ARP Parameters").</summary>
public enum ArpOperation : ushort
{
    /// <summary>ares_op$REQUEST.</summary>
    Request = 1,
    /// <summary>ares_op$REPLY.</summary>
    Reply = 2,
}

/// <summary>ARP hardware types (IANA "ARP Parameters", hardware type registry).</summary>
public enum ArpHardwareType : ushort
{
    /// <summary>Ethernet (10Mb and up).</summary>
    Ethernet = 1,
}

/// <summary>
/// A checked view of an ARP packet (RFC 826). The view accepts any hardware and protocol type whose
/// address lengths fit the buffer and exposes the generic fields; the typed Ethernet/IPv4 accessors
/// are meaningful when <see cref="IsEthernetIpv4"/> is true.
/// </summary>
public readonly ref struct ArpPacket
{
    /// <summary>hrd, pro, hln, pln and op: the part before the addresses.</summary>
    public const int FixedHeaderLength = 8;
    /// <summary>Length of an Ethernet/IPv4 ARP packet: 8 + 2 × (6 + 4).</summary>
    public const int EthernetIpv4Length = 28;

    private readonly Span<byte> _buffer;

    private ArpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks that <paramref name="buffer"/> holds the fixed header and the four addresses whose lengths it
    /// declares, and views exactly that much (Ethernet padding after the packet is left out).
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out ArpPacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < FixedHeaderLength) { error = WireError.Truncated; return false; }
        int length = FixedHeaderLength + 2 * (buffer[4] + buffer[5]);
        if (buffer.Length < length) { error = WireError.Truncated; return false; }
        packet = new ArpPacket(buffer[..length]);
        error = WireError.None;
        return true;
    }

    /// <summary>The packet bytes (exactly the declared length).</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>Hardware address space (ar$hrd).</summary>
    public ArpHardwareType HardwareType
    {
        get => (ArpHardwareType)BinaryPrimitives.ReadUInt16BigEndian(_buffer);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer, (ushort)value);
    }

    /// <summary>Protocol address space (ar$pro), an EtherType.</summary>
    public EtherType ProtocolType
    {
        get => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)value);
    }

    /// <summary>Byte length of each hardware address (ar$hln). Fixed by the parse: changing it would move the addresses.</summary>
    public byte HardwareLength => _buffer[4];

    /// <summary>Byte length of each protocol address (ar$pln). Fixed by the parse.</summary>
    public byte ProtocolLength => _buffer[5];

    /// <summary>Opcode (ar$op).</summary>
    public ArpOperation Operation
    {
        get => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], (ushort)value);
    }

    /// <summary>Sender hardware address bytes (ar$sha), of <see cref="HardwareLength"/> bytes.</summary>
    public Span<byte> SenderHardwareAddressBytes => _buffer.Slice(FixedHeaderLength, HardwareLength);
    /// <summary>Sender protocol address bytes (ar$spa), of <see cref="ProtocolLength"/> bytes.</summary>
    public Span<byte> SenderProtocolAddressBytes => _buffer.Slice(FixedHeaderLength + HardwareLength, ProtocolLength);
    /// <summary>Target hardware address bytes (ar$tha).</summary>
    public Span<byte> TargetHardwareAddressBytes => _buffer.Slice(FixedHeaderLength + HardwareLength + ProtocolLength, HardwareLength);
    /// <summary>Target protocol address bytes (ar$tpa).</summary>
    public Span<byte> TargetProtocolAddressBytes => _buffer.Slice(FixedHeaderLength + 2 * HardwareLength + ProtocolLength, ProtocolLength);

    /// <summary>True for Ethernet hardware addresses (type 1, 6 bytes) and IPv4 protocol addresses (0x0800, 4 bytes).</summary>
    public bool IsEthernetIpv4 => HardwareType == ArpHardwareType.Ethernet && ProtocolType == EtherType.Ipv4 && HasEthernetIpv4Layout;

    // The typed accessors only need the addresses to sit at the Ethernet/IPv4 offsets; this keeps them
    // in bounds whatever the type fields say.
    private bool HasEthernetIpv4Layout => HardwareLength == EthernetAddress.Length && ProtocolLength == Ipv4Address.Length;

    /// <summary>Sender hardware address; unspecified (and not written) unless the addresses have the Ethernet/IPv4 layout.</summary>
    public EthernetAddress SenderHardwareAddress
    {
        get => HasEthernetIpv4Layout ? EthernetAddress.Read(_buffer[8..]) : default;
        set { if (HasEthernetIpv4Layout) value.WriteTo(_buffer[8..]); }
    }

    /// <summary>Sender IPv4 address; unspecified (and not written) unless the addresses have the Ethernet/IPv4 layout.</summary>
    public Ipv4Address SenderProtocolAddress
    {
        get => HasEthernetIpv4Layout ? Ipv4Address.Read(_buffer[14..]) : default;
        set { if (HasEthernetIpv4Layout) value.WriteTo(_buffer[14..]); }
    }

    /// <summary>Target hardware address; unspecified (and not written) unless the addresses have the Ethernet/IPv4 layout.</summary>
    public EthernetAddress TargetHardwareAddress
    {
        get => HasEthernetIpv4Layout ? EthernetAddress.Read(_buffer[18..]) : default;
        set { if (HasEthernetIpv4Layout) value.WriteTo(_buffer[18..]); }
    }

    /// <summary>Target IPv4 address; unspecified (and not written) unless the addresses have the Ethernet/IPv4 layout.</summary>
    public Ipv4Address TargetProtocolAddress
    {
        get => HasEthernetIpv4Layout ? Ipv4Address.Read(_buffer[24..]) : default;
        set { if (HasEthernetIpv4Layout) value.WriteTo(_buffer[24..]); }
    }

    /// <summary>
    /// Turns a received Ethernet/IPv4 request into its reply in place (RFC 826, "Packet Reception"): the
    /// sender becomes the target, our hardware address and the requested protocol address become the
    /// sender, and the opcode becomes REPLY. The caller decides beforehand that the target address is ours.
    /// </summary>
    /// <returns>False with <see cref="WireError.Unsupported"/> for another address space or an opcode other than REQUEST.</returns>
    public bool TryMakeReply(EthernetAddress localHardwareAddress, out WireError error)
    {
        if (!IsEthernetIpv4 || Operation != ArpOperation.Request) { error = WireError.Unsupported; return false; }
        var requester = SenderHardwareAddress;
        var requesterIp = SenderProtocolAddress;
        SenderProtocolAddress = TargetProtocolAddress;
        SenderHardwareAddress = localHardwareAddress;
        TargetHardwareAddress = requester;
        TargetProtocolAddress = requesterIp;
        Operation = ArpOperation.Reply;
        error = WireError.None;
        return true;
    }
}

/// <summary>The high-level form of an Ethernet/IPv4 ARP request or reply (RFC 826).</summary>
public readonly record struct ArpRepr(
    ArpOperation Operation,
    EthernetAddress SenderHardwareAddress,
    Ipv4Address SenderProtocolAddress,
    EthernetAddress TargetHardwareAddress,
    Ipv4Address TargetProtocolAddress)
{
    /// <summary>The emitted length: always <see cref="ArpPacket.EthernetIpv4Length"/>.</summary>
    public int EmittedLength => ArpPacket.EthernetIpv4Length;

    /// <summary>
    /// Reads a checked packet. Other address spaces and opcodes other than REQUEST/REPLY (RARP, InARP)
    /// are <see cref="WireError.Unsupported"/>.
    /// </summary>
    public static bool TryParse(ArpPacket packet, out ArpRepr repr, out WireError error)
    {
        repr = default;
        if (!packet.IsEthernetIpv4 || packet.Operation is not (ArpOperation.Request or ArpOperation.Reply))
        {
            error = WireError.Unsupported;
            return false;
        }
        repr = new ArpRepr(packet.Operation, packet.SenderHardwareAddress, packet.SenderProtocolAddress,
            packet.TargetHardwareAddress, packet.TargetProtocolAddress);
        error = WireError.None;
        return true;
    }

    /// <summary>Views and reads in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out ArpRepr repr, out WireError error)
    {
        if (!ArpPacket.TryParse(buffer, out var packet, out error)) { repr = default; return false; }
        return TryParse(packet, out repr, out error);
    }

    /// <summary>Writes the 28-byte packet at the start of <paramref name="buffer"/>; false when it is too small.</summary>
    public bool TryEmit(Span<byte> buffer)
    {
        if (buffer.Length < ArpPacket.EthernetIpv4Length) return false;
        var header = buffer[..ArpPacket.FixedHeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)ArpHardwareType.Ethernet);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)EtherType.Ipv4);
        header[4] = EthernetAddress.Length;
        header[5] = Ipv4Address.Length;
        ArpPacket.TryParse(buffer, out var packet, out _);
        packet.Operation = Operation;
        packet.SenderHardwareAddress = SenderHardwareAddress;
        packet.SenderProtocolAddress = SenderProtocolAddress;
        packet.TargetHardwareAddress = TargetHardwareAddress;
        packet.TargetProtocolAddress = TargetProtocolAddress;
        return true;
    }
}
