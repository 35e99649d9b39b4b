using Ethox.Layer.Common;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
/// where M is a timer ticking every 4 microseconds and F is keyed SipHash-2-4 over the four-tuple. A new
/// incarnation of a connection starts ahead of the old one's sequence numbers (the clock moves on), while an
/// off-path attacker who does not know the key cannot predict the ISN of anyone else's connection.
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
    public TcpSeqNumber Next(in FourTuple tuple, Instant now)
    {
        uint m = unchecked((uint)(now.Microseconds / MicrosecondsPerTick));
        uint f = unchecked((uint)tuple.Hash(_key));
        return new TcpSeqNumber(unchecked(m + f));
    }
}
