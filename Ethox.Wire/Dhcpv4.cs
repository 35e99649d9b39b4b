using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>The BOOTP op field (RFC 951, RFC 2131 §2).</summary>
public enum Dhcpv4Operation : byte
{
    /// <summary>Client to server.</summary>
    BootRequest = 1,
    /// <summary>Server to client.</summary>
    BootReply = 2,
}

/// <summary>DHCP message types, option 53 (RFC 2132 §9.6).</summary>
public enum Dhcpv4MessageType : byte
{
    /// <summary>Client broadcast to locate servers.</summary>
    Discover = 1,
    /// <summary>Server offer of configuration parameters.</summary>
    Offer = 2,
    /// <summary>Client request for offered parameters, or renewal.</summary>
    Request = 3,
    /// <summary>Client says the address is already in use.</summary>
    Decline = 4,
    /// <summary>Server acknowledgment with the committed parameters.</summary>
    Ack = 5,
    /// <summary>Server refusal.</summary>
    Nak = 6,
    /// <summary>Client gives the address up.</summary>
    Release = 7,
    /// <summary>Client asks for local parameters only.</summary>
    Inform = 8,
}

/// <summary>DHCP option codes this library names (RFC 2132).</summary>
public enum Dhcpv4OptionCode : byte
{
    /// <summary>Padding, one byte, no length (§3.1).</summary>
    Pad = 0,
    /// <summary>Subnet mask (§3.3).</summary>
    SubnetMask = 1,
    /// <summary>Routers, in order of preference (§3.5).</summary>
    Router = 3,
    /// <summary>DNS servers, in order of preference (§3.8).</summary>
    DomainNameServer = 6,
    /// <summary>Host name (§3.14).</summary>
    HostName = 12,
    /// <summary>Requested IP address (§9.1).</summary>
    RequestedIpAddress = 50,
    /// <summary>IP address lease time in seconds (§9.2).</summary>
    LeaseTime = 51,
    /// <summary>Option overload: options continue in file and/or sname (§9.3).</summary>
    OptionOverload = 52,
    /// <summary>DHCP message type (§9.6).</summary>
    MessageType = 53,
    /// <summary>Server identifier (§9.7).</summary>
    ServerIdentifier = 54,
    /// <summary>Parameter request list (§9.8).</summary>
    ParameterRequestList = 55,
    /// <summary>Maximum DHCP message size (§9.10).</summary>
    MaxMessageSize = 57,
    /// <summary>Renewal (T1) time in seconds (§9.11).</summary>
    RenewalTime = 58,
    /// <summary>Rebinding (T2) time in seconds (§9.12).</summary>
    RebindingTime = 59,
    /// <summary>Client identifier (§9.14).</summary>
    ClientIdentifier = 61,
    /// <summary>End of options, one byte, no length (§3.2).</summary>
    End = 255,
}

/// <summary>
/// A checked view of a DHCPv4 message (RFC 2131 §2): the fixed BOOTP part, the magic cookie and the
/// options area that follows it up to the end of the buffer (the UDP payload).
/// </summary>
public readonly ref struct Dhcpv4Message
{
    /// <summary>The BOOTP fixed part: 236 bytes.</summary>
    public const int FixedLength = 236;
    /// <summary>Where the options start: after the fixed part and the 4-byte magic cookie.</summary>
    public const int OptionsOffset = FixedLength + 4;
    /// <summary>The magic cookie 99.130.83.99 that marks DHCP options (RFC 2131 §3, RFC 2132 §2).</summary>
    public const uint MagicCookieValue = 0x6382_5363;
    /// <summary>The size of the chaddr field.</summary>
    public const int ClientHardwareAddressFieldLength = 16;

    private readonly Span<byte> _buffer;

    private Dhcpv4Message(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks that the fixed part and magic cookie are present: a shorter buffer is
    /// <see cref="WireError.Truncated"/>, a wrong cookie (plain BOOTP or garbage) is <see cref="WireError.Malformed"/>.
    /// Options are checked as they are read.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Dhcpv4Message message, out WireError error)
    {
        message = default;
        if (buffer.Length < OptionsOffset) { error = WireError.Truncated; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(buffer[FixedLength..]) != MagicCookieValue) { error = WireError.Malformed; return false; }
        message = new Dhcpv4Message(buffer);
        error = WireError.None;
        return true;
    }

    /// <summary>The whole message.</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>op: request (client) or reply (server).</summary>
    public Dhcpv4Operation Operation { get => (Dhcpv4Operation)_buffer[0]; set => _buffer[0] = (byte)value; }

    /// <summary>htype: ARP hardware type of chaddr.</summary>
    public ArpHardwareType HardwareType { get => (ArpHardwareType)_buffer[1]; set => _buffer[1] = (byte)value; }

    /// <summary>hlen: length of the hardware address in chaddr.</summary>
    public byte HardwareLength { get => _buffer[2]; set => _buffer[2] = value; }

    /// <summary>hops: incremented by relay agents.</summary>
    public byte Hops { get => _buffer[3]; set => _buffer[3] = value; }

    /// <summary>xid: transaction id chosen by the client.</summary>
    public uint TransactionId
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value);
    }

    /// <summary>secs: seconds since the client began acquisition or renewal.</summary>
    public ushort Seconds
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[8..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[8..], value);
    }

    /// <summary>flags: the whole 16-bit field (RFC 2131 §2, figure 2).</summary>
    public ushort Flags
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[10..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], value);
    }

    /// <summary>The BROADCAST bit of <see cref="Flags"/>: the client cannot receive unicast before it is configured.</summary>
    public bool Broadcast
    {
        get => (Flags & 0x8000) != 0;
        set => Flags = (ushort)(value ? Flags | 0x8000 : Flags & 0x7FFF);
    }

    /// <summary>ciaddr: the client's address when it already has one (BOUND, RENEW, REBIND).</summary>
    public Ipv4Address ClientAddress { get => Ipv4Address.Read(_buffer[12..]); set => value.WriteTo(_buffer[12..]); }

    /// <summary>yiaddr: "your" address, offered or assigned by the server.</summary>
    public Ipv4Address YourAddress { get => Ipv4Address.Read(_buffer[16..]); set => value.WriteTo(_buffer[16..]); }

    /// <summary>siaddr: the next server to use in bootstrap.</summary>
    public Ipv4Address ServerAddress { get => Ipv4Address.Read(_buffer[20..]); set => value.WriteTo(_buffer[20..]); }

    /// <summary>giaddr: the relay agent address.</summary>
    public Ipv4Address RelayAgentAddress { get => Ipv4Address.Read(_buffer[24..]); set => value.WriteTo(_buffer[24..]); }

    /// <summary>The whole 16-byte chaddr field.</summary>
    public Span<byte> ClientHardwareAddressField => _buffer.Slice(28, ClientHardwareAddressFieldLength);

    /// <summary>The first six bytes of chaddr as an Ethernet address (meaningful for htype 1, hlen 6).</summary>
    public EthernetAddress ClientHardwareAddress { get => EthernetAddress.Read(_buffer[28..]); set => value.WriteTo(_buffer[28..]); }

    /// <summary>sname: optional server host name, NUL-terminated, 64 bytes (or options when overloaded).</summary>
    public Span<byte> ServerName => _buffer.Slice(44, 64);

    /// <summary>file: boot file name, NUL-terminated, 128 bytes (or options when overloaded).</summary>
    public Span<byte> BootFileName => _buffer.Slice(108, 128);

    /// <summary>The magic cookie (always <see cref="MagicCookieValue"/> in a parsed message).</summary>
    public uint MagicCookie => BinaryPrimitives.ReadUInt32BigEndian(_buffer[FixedLength..]);

    /// <summary>The options area: from byte 240 to the end of the buffer.</summary>
    public Span<byte> Options => _buffer[OptionsOffset..];

    /// <summary>A reader over <see cref="Options"/>.</summary>
    public Dhcpv4OptionReader OptionReader => new(Options);
}

/// <summary>
/// One DHCP option as read by <see cref="Dhcpv4OptionReader"/>. Typed accessors answer for their own
/// codes only (zero/empty otherwise); the reader has already checked the lengths of the codes it names.
/// </summary>
public readonly ref struct Dhcpv4Option
{
    /// <summary>The option code (unnamed codes keep their number).</summary>
    public Dhcpv4OptionCode Code { get; }

    /// <summary>The option data after code and length.</summary>
    public ReadOnlySpan<byte> Data { get; }

    internal Dhcpv4Option(Dhcpv4OptionCode code, ReadOnlySpan<byte> data) { Code = code; Data = data; }

    /// <summary>The message type of option 53.</summary>
    public Dhcpv4MessageType MessageType => Code == Dhcpv4OptionCode.MessageType ? (Dhcpv4MessageType)Data[0] : 0;

    /// <summary>The address of a single-address option: subnet mask (1), requested IP (50), server identifier (54).</summary>
    public Ipv4Address Address => Code is Dhcpv4OptionCode.SubnetMask or Dhcpv4OptionCode.RequestedIpAddress or Dhcpv4OptionCode.ServerIdentifier
        ? Ipv4Address.Read(Data) : default;

    /// <summary>The addresses of a list option: routers (3), DNS servers (6).</summary>
    public Ipv4AddressList Addresses => Code is Dhcpv4OptionCode.Router or Dhcpv4OptionCode.DomainNameServer
        ? Ipv4AddressList.FromWire(Data) : default;

    /// <summary>The duration in seconds of lease time (51), T1 (58) or T2 (59); 0xFFFFFFFF means infinity (RFC 2132 §9.2).</summary>
    public uint Seconds => Code is Dhcpv4OptionCode.LeaseTime or Dhcpv4OptionCode.RenewalTime or Dhcpv4OptionCode.RebindingTime
        ? BinaryPrimitives.ReadUInt32BigEndian(Data) : 0;

    /// <summary>The 16-bit value of option 57 (maximum message size).</summary>
    public ushort MaxMessageSize => Code == Dhcpv4OptionCode.MaxMessageSize ? BinaryPrimitives.ReadUInt16BigEndian(Data) : (ushort)0;

    /// <summary>The value of option 52: 1 = file holds options, 2 = sname, 3 = both.</summary>
    public byte Overload => Code == Dhcpv4OptionCode.OptionOverload ? Data[0] : (byte)0;
}

/// <summary>
/// Walks a DHCP options area (RFC 2132 §2) without allocating: Pad bytes are skipped, End stops the
/// walk (as does the end of the area, for senders that omit End). An option whose length runs past
/// the area is <see cref="WireError.Truncated"/>; a named option with a length its definition forbids
/// is <see cref="WireError.Malformed"/>. The walk is bounded by the area length.
/// </summary>
public ref struct Dhcpv4OptionReader
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Reads the given options area.</summary>
    public Dhcpv4OptionReader(ReadOnlySpan<byte> options) { _rest = options; Error = WireError.None; }

    /// <summary>Why the walk stopped early; <see cref="WireError.None"/> at a clean end.</summary>
    public WireError Error { get; private set; }

    /// <summary>Reads the next option; false at the end or on a bad option (see <see cref="Error"/>).</summary>
    public bool TryNext(out Dhcpv4Option option)
    {
        option = default;
        int pads = _rest.IndexOfAnyExcept((byte)Dhcpv4OptionCode.Pad);
        if (pads < 0 || Error != WireError.None) { _rest = default; return false; }
        _rest = _rest[pads..];
        var code = (Dhcpv4OptionCode)_rest[0];
        if (code == Dhcpv4OptionCode.End) { _rest = default; return false; }
        if (_rest.Length < 2 || _rest.Length - 2 < _rest[1]) return Fail(WireError.Truncated);
        int length = _rest[1];
        if (!HasValidLength(code, length)) return Fail(WireError.Malformed);
        option = new Dhcpv4Option(code, _rest.Slice(2, length));
        _rest = _rest[(2 + length)..];
        return true;
    }

    private static bool HasValidLength(Dhcpv4OptionCode code, int length) => code switch
    {
        Dhcpv4OptionCode.MessageType or Dhcpv4OptionCode.OptionOverload => length == 1,
        Dhcpv4OptionCode.MaxMessageSize => length == 2,
        Dhcpv4OptionCode.SubnetMask or Dhcpv4OptionCode.RequestedIpAddress or Dhcpv4OptionCode.ServerIdentifier
            or Dhcpv4OptionCode.LeaseTime or Dhcpv4OptionCode.RenewalTime or Dhcpv4OptionCode.RebindingTime => length == 4,
        Dhcpv4OptionCode.Router or Dhcpv4OptionCode.DomainNameServer => length >= 4 && length % 4 == 0,
        Dhcpv4OptionCode.ClientIdentifier => length >= 2,
        Dhcpv4OptionCode.ParameterRequestList or Dhcpv4OptionCode.HostName => length >= 1,
        _ => true,
    };

    private bool Fail(WireError error)
    {
        Error = error;
        _rest = default;
        return false;
    }
}

/// <summary>
/// The high-level form of a DHCP message (RFC 2131) for an Ethernet client: the fixed fields a client or
/// server sets and the options this library writes. Variable-length values (client identifier, parameter
/// request list, routers, DNS servers) are spans: into the received buffer after parsing, or the caller's
/// memory for emitting.
/// </summary>
public readonly ref struct Dhcpv4Repr
{
    /// <summary>
    /// Emitted messages are padded to this length: the 300-byte BOOTP message of RFC 951 that some relays
    /// and servers still require (RFC 1542 §2.1).
    /// </summary>
    public const int MinEmittedLength = 300;

    private const int MaxOptionData = byte.MaxValue;

    /// <summary>The DHCP message type (option 53).</summary>
    public Dhcpv4MessageType MessageType { get; init; }
    /// <summary>xid.</summary>
    public uint TransactionId { get; init; }
    /// <summary>secs.</summary>
    public ushort Seconds { get; init; }
    /// <summary>The BROADCAST flag.</summary>
    public bool Broadcast { get; init; }
    /// <summary>chaddr (Ethernet).</summary>
    public EthernetAddress ClientHardwareAddress { get; init; }
    /// <summary>ciaddr.</summary>
    public Ipv4Address ClientAddress { get; init; }
    /// <summary>yiaddr.</summary>
    public Ipv4Address YourAddress { get; init; }
    /// <summary>siaddr.</summary>
    public Ipv4Address ServerAddress { get; init; }
    /// <summary>giaddr.</summary>
    public Ipv4Address RelayAgentAddress { get; init; }
    /// <summary>Option 54.</summary>
    public Ipv4Address? ServerIdentifier { get; init; }
    /// <summary>Option 50.</summary>
    public Ipv4Address? RequestedIpAddress { get; init; }
    /// <summary>Option 51, seconds.</summary>
    public uint? LeaseTime { get; init; }
    /// <summary>Option 58 (T1), seconds.</summary>
    public uint? RenewalTime { get; init; }
    /// <summary>Option 59 (T2), seconds.</summary>
    public uint? RebindingTime { get; init; }
    /// <summary>Option 1.</summary>
    public Ipv4Address? SubnetMask { get; init; }
    /// <summary>Option 3 (empty: absent). At most 63 addresses fit one option.</summary>
    public Ipv4AddressList Routers { get; init; }
    /// <summary>Option 6 (empty: absent). At most 63 addresses fit one option.</summary>
    public Ipv4AddressList DnsServers { get; init; }
    /// <summary>Option 57.</summary>
    public ushort? MaxMessageSize { get; init; }
    /// <summary>Option 61, type byte first (empty: absent).</summary>
    public ReadOnlySpan<byte> ClientIdentifier { get; init; }
    /// <summary>Option 55, one option code per byte (empty: absent).</summary>
    public ReadOnlySpan<byte> ParameterRequestList { get; init; }

    /// <summary>The op implied by the message type: replies are OFFER, ACK and NAK (RFC 2131 §3).</summary>
    public Dhcpv4Operation Operation => MessageType is Dhcpv4MessageType.Offer or Dhcpv4MessageType.Ack or Dhcpv4MessageType.Nak
        ? Dhcpv4Operation.BootReply : Dhcpv4Operation.BootRequest;

    /// <summary>Bytes <see cref="TryEmit"/> writes: fixed part, cookie, options, End, padded to <see cref="MinEmittedLength"/>.</summary>
    public int EmittedLength => Math.Max(MinEmittedLength, Dhcpv4Message.OptionsOffset + OptionsLength + 1);

    private int OptionsLength
        => 3
         + (ClientIdentifier.IsEmpty ? 0 : 2 + ClientIdentifier.Length)
         + (RequestedIpAddress is null ? 0 : 6)
         + (ServerIdentifier is null ? 0 : 6)
         + (LeaseTime is null ? 0 : 6)
         + (RenewalTime is null ? 0 : 6)
         + (RebindingTime is null ? 0 : 6)
         + (SubnetMask is null ? 0 : 6)
         + (Routers.IsEmpty ? 0 : 2 + 4 * Routers.Count)
         + (DnsServers.IsEmpty ? 0 : 2 + 4 * DnsServers.Count)
         + (MaxMessageSize is null ? 0 : 4)
         + (ParameterRequestList.IsEmpty ? 0 : 2 + ParameterRequestList.Length);

    /// <summary>
    /// Reads a checked message: op must be 1 or 2 and agree with the message type (else
    /// <see cref="WireError.Malformed"/>); hardware other than Ethernet, or no message type option (plain
    /// BOOTP), is <see cref="WireError.Unsupported"/>; option errors are those of <see cref="Dhcpv4OptionReader"/>.
    /// Options continued in file and sname (option 52, RFC 2131 §4.1) are read too, in that order.
    /// When an option repeats, the last one counts.
    /// </summary>
    public static bool TryParse(Dhcpv4Message message, out Dhcpv4Repr repr, out WireError error)
    {
        repr = default;
        if (message.Operation is not (Dhcpv4Operation.BootRequest or Dhcpv4Operation.BootReply)) { error = WireError.Malformed; return false; }
        if (message.HardwareType != ArpHardwareType.Ethernet || message.HardwareLength != EthernetAddress.Length)
        {
            error = WireError.Unsupported;
            return false;
        }
        var values = new OptionValues();
        if (!values.TryRead(message.Options, out error)) return false;
        // Overload is only honoured from the options field itself (RFC 2131 §4.1).
        byte overload = values.Overload;
        if ((overload & 1) != 0 && !values.TryRead(message.BootFileName, out error)) return false;
        if ((overload & 2) != 0 && !values.TryRead(message.ServerName, out error)) return false;
        if (values.MessageType is not { } type) { error = WireError.Unsupported; return false; }

        repr = new Dhcpv4Repr
        {
            MessageType = type,
            TransactionId = message.TransactionId,
            Seconds = message.Seconds,
            Broadcast = message.Broadcast,
            ClientHardwareAddress = message.ClientHardwareAddress,
            ClientAddress = message.ClientAddress,
            YourAddress = message.YourAddress,
            ServerAddress = message.ServerAddress,
            RelayAgentAddress = message.RelayAgentAddress,
            ServerIdentifier = values.ServerIdentifier,
            RequestedIpAddress = values.RequestedIpAddress,
            LeaseTime = values.LeaseTime,
            RenewalTime = values.RenewalTime,
            RebindingTime = values.RebindingTime,
            SubnetMask = values.SubnetMask,
            Routers = values.Routers,
            DnsServers = values.DnsServers,
            MaxMessageSize = values.MaxMessageSize,
            ClientIdentifier = values.ClientIdentifier,
            ParameterRequestList = values.ParameterRequestList,
        };
        if (repr.Operation != message.Operation) { repr = default; error = WireError.Malformed; return false; }
        error = WireError.None;
        return true;
    }

    /// <summary>Views and reads in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out Dhcpv4Repr repr, out WireError error)
    {
        if (!Dhcpv4Message.TryParse(buffer, out var message, out error)) { repr = default; return false; }
        return TryParse(message, out repr, out error);
    }

    /// <summary>
    /// Writes the message at the start of <paramref name="buffer"/> (<see cref="EmittedLength"/> bytes, sname
    /// and file zeroed). Options go in the order 53, 61, 50, 54, 51, 58, 59, 1, 3, 6, 57, 55, then End and Pad.
    /// False when the buffer is too small or a value does not fit one option (more than 255 bytes).
    /// </summary>
    public bool TryEmit(Span<byte> buffer)
    {
        int length = EmittedLength;
        if (buffer.Length < length
            || ClientIdentifier.Length > MaxOptionData || ParameterRequestList.Length > MaxOptionData
            || Routers.Count * Ipv4Address.Length > MaxOptionData || DnsServers.Count * Ipv4Address.Length > MaxOptionData)
            return false;
        var bytes = buffer[..length];
        bytes.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(bytes[Dhcpv4Message.FixedLength..], Dhcpv4Message.MagicCookieValue);
        Dhcpv4Message.TryParse(bytes, out var message, out _);
        message.Operation = Operation;
        message.HardwareType = ArpHardwareType.Ethernet;
        message.HardwareLength = EthernetAddress.Length;
        message.TransactionId = TransactionId;
        message.Seconds = Seconds;
        message.Broadcast = Broadcast;
        message.ClientAddress = ClientAddress;
        message.YourAddress = YourAddress;
        message.ServerAddress = ServerAddress;
        message.RelayAgentAddress = RelayAgentAddress;
        message.ClientHardwareAddress = ClientHardwareAddress;

        var at = message.Options;
        at[0] = (byte)Dhcpv4OptionCode.MessageType; at[1] = 1; at[2] = (byte)MessageType;
        at = at[3..];
        if (!ClientIdentifier.IsEmpty) at = WriteBytes(at, Dhcpv4OptionCode.ClientIdentifier, ClientIdentifier);
        if (RequestedIpAddress is { } requested) at = WriteUInt32(at, Dhcpv4OptionCode.RequestedIpAddress, requested.Value);
        if (ServerIdentifier is { } server) at = WriteUInt32(at, Dhcpv4OptionCode.ServerIdentifier, server.Value);
        if (LeaseTime is { } lease) at = WriteUInt32(at, Dhcpv4OptionCode.LeaseTime, lease);
        if (RenewalTime is { } t1) at = WriteUInt32(at, Dhcpv4OptionCode.RenewalTime, t1);
        if (RebindingTime is { } t2) at = WriteUInt32(at, Dhcpv4OptionCode.RebindingTime, t2);
        if (SubnetMask is { } mask) at = WriteUInt32(at, Dhcpv4OptionCode.SubnetMask, mask.Value);
        if (!Routers.IsEmpty) at = WriteAddresses(at, Dhcpv4OptionCode.Router, Routers);
        if (!DnsServers.IsEmpty) at = WriteAddresses(at, Dhcpv4OptionCode.DomainNameServer, DnsServers);
        if (MaxMessageSize is { } max)
        {
            at[0] = (byte)Dhcpv4OptionCode.MaxMessageSize; at[1] = 2;
            BinaryPrimitives.WriteUInt16BigEndian(at[2..], max);
            at = at[4..];
        }
        if (!ParameterRequestList.IsEmpty) at = WriteBytes(at, Dhcpv4OptionCode.ParameterRequestList, ParameterRequestList);
        at[0] = (byte)Dhcpv4OptionCode.End; // the rest is already Pad (zero)
        return true;
    }

    private static Span<byte> WriteBytes(Span<byte> at, Dhcpv4OptionCode code, scoped ReadOnlySpan<byte> data)
    {
        at[0] = (byte)code; at[1] = (byte)data.Length;
        data.CopyTo(at[2..]);
        return at[(2 + data.Length)..];
    }

    private static Span<byte> WriteAddresses(Span<byte> at, Dhcpv4OptionCode code, scoped Ipv4AddressList addresses)
    {
        int length = addresses.Count * Ipv4Address.Length;
        at[0] = (byte)code; at[1] = (byte)length;
        addresses.TryWriteTo(at[2..]);
        return at[(2 + length)..];
    }

    // Four-byte options: times, and single addresses (whose Value is already in network order).
    private static Span<byte> WriteUInt32(Span<byte> at, Dhcpv4OptionCode code, uint value)
    {
        at[0] = (byte)code; at[1] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(at[2..], value);
        return at[6..];
    }

    // Collects option values over the options field and any overloaded file/sname fields.
    private ref struct OptionValues
    {
        public Dhcpv4MessageType? MessageType;
        public byte Overload;
        public Ipv4Address? ServerIdentifier, RequestedIpAddress, SubnetMask;
        public uint? LeaseTime, RenewalTime, RebindingTime;
        public ushort? MaxMessageSize;
        public Ipv4AddressList Routers, DnsServers;
        public ReadOnlySpan<byte> ClientIdentifier, ParameterRequestList;
        private int _areas;

        public bool TryRead(ReadOnlySpan<byte> area, out WireError error)
        {
            bool first = _areas++ == 0;
            var reader = new Dhcpv4OptionReader(area);
            while (reader.TryNext(out var option))
            {
                switch (option.Code)
                {
                    case Dhcpv4OptionCode.MessageType: MessageType = option.MessageType; break;
                    case Dhcpv4OptionCode.OptionOverload when first: Overload = option.Overload; break;
                    case Dhcpv4OptionCode.ServerIdentifier: ServerIdentifier = option.Address; break;
                    case Dhcpv4OptionCode.RequestedIpAddress: RequestedIpAddress = option.Address; break;
                    case Dhcpv4OptionCode.SubnetMask: SubnetMask = option.Address; break;
                    case Dhcpv4OptionCode.LeaseTime: LeaseTime = option.Seconds; break;
                    case Dhcpv4OptionCode.RenewalTime: RenewalTime = option.Seconds; break;
                    case Dhcpv4OptionCode.RebindingTime: RebindingTime = option.Seconds; break;
                    case Dhcpv4OptionCode.MaxMessageSize: MaxMessageSize = option.MaxMessageSize; break;
                    case Dhcpv4OptionCode.Router: Routers = option.Addresses; break;
                    case Dhcpv4OptionCode.DomainNameServer: DnsServers = option.Addresses; break;
                    case Dhcpv4OptionCode.ClientIdentifier: ClientIdentifier = option.Data; break;
                    case Dhcpv4OptionCode.ParameterRequestList: ParameterRequestList = option.Data; break;
                }
            }
            error = reader.Error;
            return error == WireError.None;
        }
    }
}
