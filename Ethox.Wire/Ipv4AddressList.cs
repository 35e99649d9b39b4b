using System;

namespace Ethox.Wire;

/// <summary>
/// A read-only list of IPv4 addresses without allocation, over either wire bytes (4 per address, as in
/// DHCP router/DNS options and IGMPv3 source lists) or a caller's <see cref="Ipv4Address"/> span (for emitting).
/// Enumerate with <c>foreach</c>.
/// </summary>
public readonly ref struct Ipv4AddressList
{
    private readonly ReadOnlySpan<byte> _wire;
    private readonly ReadOnlySpan<Ipv4Address> _addresses;

    /// <summary>Wraps addresses the caller holds, e.g. to emit them.</summary>
    public Ipv4AddressList(ReadOnlySpan<Ipv4Address> addresses) { _addresses = addresses; _wire = default; }

    // Bytes past the last whole address are ignored; the parsers check the lengths before wrapping.
    private Ipv4AddressList(ReadOnlySpan<byte> wire) { _wire = wire[..(wire.Length / Ipv4Address.Length * Ipv4Address.Length)]; _addresses = default; }

    /// <summary>Wraps wire bytes: consecutive 4-byte addresses in network order (a trailing partial address is ignored).</summary>
    public static Ipv4AddressList FromWire(ReadOnlySpan<byte> wire) => new(wire);

    /// <summary>The number of addresses.</summary>
    public int Count => _addresses.IsEmpty ? _wire.Length / Ipv4Address.Length : _addresses.Length;

    /// <summary>True when the list holds no address.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Address <paramref name="index"/>; <see cref="Ipv4Address.Unspecified"/> when out of range.</summary>
    public Ipv4Address this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) return default;
            return _addresses.IsEmpty ? Ipv4Address.Read(_wire[(index * Ipv4Address.Length)..]) : _addresses[index];
        }
    }

    /// <summary>Writes the addresses in network order; false when <paramref name="destination"/> is shorter than 4 × <see cref="Count"/>.</summary>
    public bool TryWriteTo(Span<byte> destination)
    {
        if (destination.Length / Ipv4Address.Length < Count) return false;
        for (int i = 0; i < Count; i++) this[i].WriteTo(destination[(i * Ipv4Address.Length)..]);
        return true;
    }

    /// <summary>An allocation-free enumerator for <c>foreach</c>.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Enumerates an <see cref="Ipv4AddressList"/>.</summary>
    public ref struct Enumerator
    {
        private readonly Ipv4AddressList _list;
        private int _index;

        internal Enumerator(Ipv4AddressList list) { _list = list; _index = -1; }

        /// <summary>The current address.</summary>
        public readonly Ipv4Address Current => _list[_index];

        /// <summary>Moves to the next address.</summary>
        public bool MoveNext() => ++_index < _list.Count;
    }
}
