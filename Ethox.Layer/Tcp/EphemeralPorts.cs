using System;
using Ethox.Layer.Common;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Chooses local ports for active opens by RFC 6056 §3.3.3, "Algorithm 3: Simple Hash-Based Port Selection":
/// port = first + (offset + counter) mod range, where offset = F(local address, remote address, remote port,
/// secret) and counter advances with every port tried. Each destination therefore walks the range in its
/// own secret order (an off-path attacker cannot guess the next port used towards a given server), while
/// successive connections to the same destination get fresh ports, so a tuple is not reused soon after
/// it was closed. A port whose four-tuple is in use is skipped: selection never collides with a live tuple.
/// </summary>
public sealed class EphemeralPorts
{
    private readonly SipHash _key;
    private readonly ushort _first;
    private readonly int _count;
    private int _next; // RFC 6056 next_ephemeral, kept modulo the range size so it never wraps mid-walk

    /// <summary>
    /// A selector over the ports <paramref name="first"/> .. <paramref name="last"/> (inclusive; the default is the
    /// IANA dynamic range 49152–65535, RFC 6335 §6) with the secret <paramref name="key"/>.
    /// </summary>
    public EphemeralPorts(SipHash key, ushort first = 49152, ushort last = 65535)
    {
        ArgumentOutOfRangeException.ThrowIfZero(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        _key = key;
        _first = first;
        _count = last - first + 1;
    }

    /// <summary>The lowest port handed out.</summary>
    public ushort First => _first;
    /// <summary>The highest port handed out.</summary>
    public ushort Last => (ushort)(_first + _count - 1);

    /// <summary>
    /// A local port for a connection from <paramref name="local"/>'s address (its port is ignored) to
    /// <paramref name="remote"/> whose four-tuple is not in <paramref name="inUse"/>. False when every port of
    /// the range is taken towards that destination, or when the two addresses are not of one family.
    /// </summary>
    public bool TrySelect(in TransportAddress local, in TransportAddress remote, ConnectionTable inUse, out ushort port)
    {
        port = 0;
        // F(local address, remote address, remote port, key): the tuple with local port 0 is exactly those inputs.
        var destination = new FourTuple(local.Address, 0, remote.Address, remote.Port);
        if (!destination.IsValid) return false;
        int offset = (int)(destination.Hash(_key) % (ulong)_count);
        for (int tried = 0; tried < _count; tried++)
        {
            ushort candidate = (ushort)(_first + (offset + _next) % _count);
            // RFC 6056 §3.3.3: next_ephemeral advances for every port tried, taken or not.
            _next = _next + 1 == _count ? 0 : _next + 1;
            if (!inUse.Contains(new FourTuple(local.Address, candidate, remote.Address, remote.Port)))
            {
                port = candidate;
                return true;
            }
        }
        return false;
    }
}
