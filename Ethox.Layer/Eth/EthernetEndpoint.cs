using System;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Eth;

/// <summary>Why the Ethernet layer dropped a frame.</summary>
public enum EthernetDrop : byte
{
    /// <summary>Shorter than a header, or a tag chain cut off.</summary>
    Malformed,
    /// <summary>Addressed to another station's unicast address or to a group we did not join.</summary>
    NotForUs,
    /// <summary>Tagged with another VLAN, untagged while we use a VLAN, or double-tagged.</summary>
    WrongVlan,
    /// <summary>An EtherType no layer above handles, or an 802.3 length field.</summary>
    UnknownType,
    /// <summary>Sent by ourselves (our own source address coming back, e.g. a looped frame).</summary>
    OwnSource,
}

/// <summary>Per-interface Ethernet counters; read them through <see cref="EthernetEndpoint.Counters"/> without allocation.</summary>
public struct EthernetCounters
{
    /// <summary>Frames received from the device.</summary>
    public long FramesIn;
    /// <summary>Bytes received from the device.</summary>
    public long BytesIn;
    /// <summary>Frames handed to the device for transmission.</summary>
    public long FramesOut;
    /// <summary>Bytes handed to the device.</summary>
    public long BytesOut;
    /// <summary>Frames delivered to the layer above.</summary>
    public long Delivered;
    /// <summary>Malformed frames.</summary>
    public long DroppedMalformed;
    /// <summary>Frames for other stations.</summary>
    public long DroppedNotForUs;
    /// <summary>Frames on another VLAN.</summary>
    public long DroppedWrongVlan;
    /// <summary>Frames of a type nobody above handles.</summary>
    public long DroppedUnknownType;
    /// <summary>Our own frames seen again.</summary>
    public long DroppedOwnSource;

    internal void Count(EthernetDrop reason)
    {
        switch (reason)
        {
            case EthernetDrop.Malformed: DroppedMalformed++; break;
            case EthernetDrop.NotForUs: DroppedNotForUs++; break;
            case EthernetDrop.WrongVlan: DroppedWrongVlan++; break;
            case EthernetDrop.UnknownType: DroppedUnknownType++; break;
            case EthernetDrop.OwnSource: DroppedOwnSource++; break;
        }
    }

    /// <summary>All drops together.</summary>
    public readonly long Dropped => DroppedMalformed + DroppedNotForUs + DroppedWrongVlan + DroppedUnknownType + DroppedOwnSource;
}

/// <summary>
/// The state of one Ethernet interface: our station address, the multicast groups we listen to, the
/// optional 802.1Q VLAN, and the counters. Capacity (the group table) is fixed at construction.
/// </summary>
public sealed class EthernetEndpoint
{
    private readonly EthernetAddress[] _groups;
    private readonly int[] _groupUsers;
    private int _groupCount;
    internal EthernetCounters _counters;

    /// <summary>An interface with station address <paramref name="address"/> and room for <paramref name="groupCapacity"/> multicast groups.</summary>
    public EthernetEndpoint(EthernetAddress address, int groupCapacity = 16)
    {
        if (!address.IsUnicast) throw new ArgumentException("The station address must be unicast.", nameof(address));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupCapacity);
        Address = address;
        _groups = new EthernetAddress[groupCapacity];
        _groupUsers = new int[groupCapacity];
    }

    /// <summary>Our station (MAC) address.</summary>
    public EthernetAddress Address { get; }

    /// <summary>
    /// The 802.1Q VLAN this interface lives on, or null for untagged frames. With a VLAN set, only frames
    /// carrying that single tag are accepted and every frame we send carries it (IEEE 802.1Q §9).
    /// </summary>
    public ushort? VlanId { get; set; }

    /// <summary>Priority code point written into the tag of frames we send on a VLAN.</summary>
    public byte VlanPriority { get; set; }

    /// <summary>Accept unicast frames for any station (the group filter still applies to multicast unless set too).</summary>
    public bool Promiscuous { get; set; }

    /// <summary>The counters.</summary>
    public ref readonly EthernetCounters Counters => ref _counters;

    /// <summary>The length of the header of frames we send: 14, or 18 on a VLAN.</summary>
    public int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => VlanId is null ? EthernetFrame.HeaderLengthUntagged : EthernetFrame.HeaderLengthUntagged + EthernetFrame.TagLength;
    }

    /// <summary>
    /// Starts listening to a multicast group. Joins are counted, so two users of one group (say two IPv6
    /// addresses with the same solicited-node group) leave it independently. False when the table is full
    /// or the address is not a group address.
    /// </summary>
    public bool Join(EthernetAddress group)
    {
        if (!group.IsMulticast || group.IsBroadcast) return false;
        int i = IndexOf(group);
        if (i >= 0) { _groupUsers[i]++; return true; }
        if (_groupCount == _groups.Length) return false;
        _groups[_groupCount] = group;
        _groupUsers[_groupCount++] = 1;
        return true;
    }

    /// <summary>Stops one user's membership of <paramref name="group"/>; false when it was not joined.</summary>
    public bool Leave(EthernetAddress group)
    {
        int i = IndexOf(group);
        if (i < 0) return false;
        if (--_groupUsers[i] == 0)
        {
            _groupCount--;
            _groups[i] = _groups[_groupCount];
            _groupUsers[i] = _groupUsers[_groupCount];
        }
        return true;
    }

    /// <summary>True when frames to <paramref name="group"/> are accepted.</summary>
    public bool IsMember(EthernetAddress group) => IndexOf(group) >= 0;

    /// <summary>
    /// Decides whether a parsed frame is ours (IEEE 802.3 address filtering: our unicast address, broadcast,
    /// joined groups) and on our VLAN. Returns the reason when it is not.
    /// </summary>
    internal bool Accepts(EthernetFrame frame, out EthernetDrop reason)
    {
        var destination = frame.Destination;
        if (frame.Source == Address) { reason = EthernetDrop.OwnSource; return false; }
        if (destination != Address && !destination.IsBroadcast && !(destination.IsMulticast ? IsMember(destination) : Promiscuous))
        {
            reason = EthernetDrop.NotForUs;
            return false;
        }
        bool vlanOk = VlanId is { } vlan
            ? frame.TagCount == 1 && frame.Tag(0).VlanId == vlan
            : frame.TagCount == 0;
        if (!vlanOk) { reason = EthernetDrop.WrongVlan; return false; }
        if (frame.IsLengthField) { reason = EthernetDrop.UnknownType; return false; }
        reason = default;
        return true;
    }

    /// <summary>
    /// Writes our header in front of the <paramref name="payloadLength"/> bytes already placed at
    /// <see cref="HeaderLength"/>, pads short frames to the 60-byte minimum (IEEE 802.3 §3.2.8, RFC 894)
    /// and asks the device to send, finishing what <paramref name="offload"/> says (offsets from the start of the payload).
    /// The one transmit path of every layer over Ethernet.
    /// </summary>
    internal bool Transmit(RawPacket raw, EthernetAddress destination, EtherType type, int payloadLength, in PacketOffload offload = default)
    {
        var buffer = raw.Capacity;
        int length = HeaderLength + payloadLength;
        if (payloadLength < 0 || length > buffer.Length) return false;
        WriteHeader(buffer, destination, type);
        if (length < EthernetFrame.MinimumLength && buffer.Length >= EthernetFrame.MinimumLength)
        {
            buffer[length..EthernetFrame.MinimumLength].Clear();
            length = EthernetFrame.MinimumLength;
        }
        // Zero padding leaves a partial checksum's sum, taken to the end of the frame, as it was.
        if (!(offload == default ? raw.Send(length) : raw.Send(length, offload.Shifted(HeaderLength)))) return false;
        _counters.FramesOut++;
        _counters.BytesOut += length;
        return true;
    }

    private void WriteHeader(Span<byte> frame, EthernetAddress destination, EtherType type)
    {
        destination.WriteTo(frame);
        Address.WriteTo(frame[6..]);
        if (VlanId is { } vlan)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame[12..], (ushort)EtherType.Vlan);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame[14..], new VlanTag(EtherType.Vlan, VlanPriority, false, vlan).Tci);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame[16..], (ushort)type);
        }
        else
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame[12..], (ushort)type);
        }
    }

    private int IndexOf(EthernetAddress group)
    {
        for (int i = 0; i < _groupCount; i++)
            if (_groups[i] == group) return i;
        return -1;
    }
}
