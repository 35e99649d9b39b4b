using Ethox.Layer.Common;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
/// where M is a timer ticking every 4 microseconds and F is keyed SipHash-2-4 over the four-tuple. A new
/// incarnation of a connection starts ahead of the old one's sequence numbers (the clock moves on), while an
/// off-path attacker who does not know the key cannot predict the ISN of anyone else's connection. The same keyed
/// hash also gives the connection's timestamp offset (RFC 7323 §5.4 / RFC 6528 §4 suggest F for it as well): F is the
/// low half of the 64-bit hash and the offset the high half, two independent values from one hash, so a connection
/// costs one SipHash for both.
/// </summary>
public sealed class IsnGenerator
{
    /// <summary>Microseconds per tick of the RFC 6528 timer M (250,000 ticks a second, RFC 9293 §3.4.1).</summary>
    public const int MicrosecondsPerTick = 4;

    private readonly SipHash _key;

    /// <summary>A generator with the secret <paramref name="key"/> (keep it secret; RFC 6528 §3 asks for at least 128 bits).</summary>
    public IsnGenerator(SipHash key) => _key = key;

    /// <summary>A generator with a key from the operating system's CSPRNG.</summary>
    public static IsnGenerator WithRandomKey() => new(SipHash.WithRandomKey());

    /// <summary>The initial sequence number for a connection on <paramref name="tuple"/> opened at <paramref name="now"/>.</summary>
    public TcpSeqNumber Next(in FourTuple tuple, Instant now) => Next(tuple, now, out _);

    /// <summary>
    /// The initial sequence number for a connection on <paramref name="tuple"/> opened at <paramref name="now"/>, and its
    /// <paramref name="timestampOffset"/> (<see cref="TimestampOffset"/>), from one hash.
    /// </summary>
    public TcpSeqNumber Next(in FourTuple tuple, Instant now, out uint timestampOffset)
    {
        ulong hash = tuple.Hash(_key);
        timestampOffset = (uint)(hash >> 32);
        uint m = unchecked((uint)(now.Microseconds / MicrosecondsPerTick));
        return new TcpSeqNumber(unchecked(m + (uint)hash));
    }

    /// <summary>
    /// The offset of the timestamp clock of connections on <paramref name="tuple"/> (RFC 7323 §5.4): the same for every
    /// incarnation of the tuple, so their timestamps keep increasing (RFC 6191), and unpredictable to anyone without the key.
    /// </summary>
    public uint TimestampOffset(in FourTuple tuple) => (uint)(tuple.Hash(_key) >> 32);
}
