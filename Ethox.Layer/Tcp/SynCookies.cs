using System;
using Ethox.Layer.Common;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// SYN cookies (RFC 4987 §3.6): when the backlog of half-open connections is full, the listener answers a SYN
/// without keeping any state, encoding what it must remember in the initial sequence number of its SYN-ACK
/// (the cookie); the client's ACK returns it as ACK − 1, and the connection is created only then.
/// </summary>
/// <remarks>
/// <para>Cookie layout (32 bits, high to low): a 5-bit counter of 64-second periods, a 3-bit index into
/// <see cref="MssValues"/>, and 24 bits of keyed SipHash-2-4 over the four-tuple, the client's ISN, the full
/// period counter and the MSS index. The hash covers the MSS index, so flipping those bits is detected, and
/// the client's ISN, so a cookie is only good for the SYN it answered. A forger must guess 24 bits.</para>
/// <para>Window scale and SACK-permitted do not fit in the cookie: as Linux does, they travel in the low bits
/// of the timestamp value of the SYN-ACK (<see cref="EncodeTimestamp"/>), which the client echoes in every
/// segment (RFC 7323 §3). A client without timestamps gets neither option.</para>
/// </remarks>
public sealed class SynCookies
{
    /// <summary>The cookie clock's period (64 s, as in D. J. Bernstein's original design; Linux uses 60 s).</summary>
    public static Duration Period => Duration.FromSeconds(PeriodSeconds);

    /// <summary>How many periods a cookie stays valid: the one it was made in and the next (so 64 to 128 s).</summary>
    public const int ValidPeriods = 2;

    /// <summary>The window-scale value meaning "the client sent no window-scale option" (RFC 7323 §2.2: then neither side scales).</summary>
    public const byte NoWindowScale = 0xFF;

    private const int PeriodSeconds = 64;
    private const int CounterShift = 27, MssShift = 24;
    private const uint HashMask = (1u << MssShift) - 1;

    // The timestamp's low six bits: window-scale nibble (15 = none), SACK-permitted, and a marker that says
    // these bits were put there by EncodeTimestamp.
    private const uint WindowScaleMask = 0x0F, SackBit = 0x10, MarkerBit = 0x20, TimestampOptionMask = 0x3F;
    private const int MaxWindowScale = 14; // RFC 7323 §2.3

    private readonly SipHash _key;

    /// <summary>Cookies keyed with the secret <paramref name="key"/> (use a random key, distinct from the ISN key).</summary>
    public SynCookies(SipHash key) => _key = key;

    /// <summary>
    /// The MSS values a cookie can carry, ascending. Each is the MSS of a common path, so rounding a client's MSS
    /// down costs little: 536 (IPv4 default, RFC 9293 §3.7.1), 1220 (IPv6 minimum MTU 1280, RFC 8200 §5),
    /// 1360 and 1400 (common clamps behind VPNs and tunnels), 1440 (IPv6 over Ethernet), 1452 (IPv4 over PPPoE),
    /// 1460 (IPv4 over Ethernet), 8940 (9000-byte jumbo frames over IPv6; IPv4's 8960 rounds to it).
    /// </summary>
    public static ReadOnlySpan<ushort> MssValues => [536, 1220, 1360, 1400, 1440, 1452, 1460, 8940];

    /// <summary>
    /// The MSS a cookie carries for a client that announced <paramref name="mss"/>: the largest table value not
    /// above it. Below 536 it is 536, the segment size every IPv4 host must accept (RFC 1122 §3.3.2: a 576-byte datagram).
    /// </summary>
    public static ushort RoundMss(ushort mss) => MssValues[MssIndex(mss)];

    /// <summary>
    /// The cookie to use as our initial sequence number in the SYN-ACK answering a SYN on <paramref name="tuple"/>
    /// with sequence number <paramref name="clientIsn"/> and MSS option <paramref name="mss"/>.
    /// </summary>
    public TcpSeqNumber Encode(in FourTuple tuple, TcpSeqNumber clientIsn, ushort mss, Instant now)
    {
        uint counter = Counter(now);
        int index = MssIndex(mss);
        return new TcpSeqNumber(counter << CounterShift | (uint)index << MssShift | Hash(tuple, clientIsn, counter, index));
    }

    /// <summary>
    /// Checks the <paramref name="cookie"/> returned by the ACK of a handshake (its acknowledgment number − 1) on
    /// <paramref name="tuple"/>, whose client ISN is the ACK's sequence number − 1. True, with the rounded MSS,
    /// when we made this cookie for this tuple and ISN less than <see cref="ValidPeriods"/> periods ago.
    /// </summary>
    public bool TryDecode(in FourTuple tuple, TcpSeqNumber clientIsn, TcpSeqNumber cookie, Instant now, out ushort mss)
    {
        mss = 0;
        uint counter = Counter(now);
        // The cookie keeps 5 bits of the counter: its age is their distance from now's, modulo 32.
        uint age = (counter - (cookie.Value >> CounterShift)) & 31;
        if (age >= ValidPeriods) return false;
        int index = (int)(cookie.Value >> MssShift) & 7;
        if ((cookie.Value & HashMask) != Hash(tuple, clientIsn, counter - age, index)) return false;
        mss = MssValues[index];
        return true;
    }

    /// <summary>
    /// Our timestamp value for a cookie SYN-ACK: <paramref name="tsBase"/> (the timestamp clock now) with the
    /// client's window scale (<see cref="NoWindowScale"/> when it sent none; above 14 counts as 14, RFC 7323 §2.3)
    /// and SACK-permitted in its low six bits. The result is never above <paramref name="tsBase"/>, so the values
    /// the connection sends later from the clock never look older than this one to the client's PAWS check
    /// (RFC 7323 §5.2).
    /// </summary>
    public uint EncodeTimestamp(uint tsBase, byte windowScale, bool sackPermitted)
    {
        uint scale = windowScale == NoWindowScale ? WindowScaleMask : Math.Min(windowScale, (uint)MaxWindowScale);
        uint ts = (tsBase & ~TimestampOptionMask) | MarkerBit | (sackPermitted ? SackBit : 0) | scale;
        return ts > tsBase ? unchecked(ts - (TimestampOptionMask + 1)) : ts;
    }

    /// <summary>
    /// Reads back what <see cref="EncodeTimestamp"/> stored, from the timestamp echo reply (TSecr) of the client's
    /// ACK. False when the value carries no such options (it did not come from <see cref="EncodeTimestamp"/>).
    /// </summary>
    public static bool TryDecodeTimestamp(uint echoedTsval, out byte windowScale, out bool sackPermitted)
    {
        windowScale = NoWindowScale;
        sackPermitted = false;
        if ((echoedTsval & MarkerBit) == 0) return false;
        uint scale = echoedTsval & WindowScaleMask;
        windowScale = scale == WindowScaleMask ? NoWindowScale : (byte)scale;
        sackPermitted = (echoedTsval & SackBit) != 0;
        return true;
    }

    private static uint Counter(Instant now) => unchecked((uint)(now.Microseconds / (PeriodSeconds * 1_000_000L)));

    private static int MssIndex(ushort mss)
    {
        var values = MssValues;
        int index = values.Length - 1;
        while (index > 0 && values[index] > mss) index--;
        return index;
    }

    private uint Hash(in FourTuple tuple, TcpSeqNumber clientIsn, uint counter, int mssIndex)
        => (uint)tuple.Hash(_key, (ulong)clientIsn.Value << 32 | unchecked(counter << 3 | (uint)mssIndex)) & HashMask;
}
