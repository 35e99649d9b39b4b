using System;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>One route: packets to <see cref="Destination"/> go to <see cref="Gateway"/> (or straight to the destination when on-link).</summary>
public readonly record struct Route(IpAddress Destination, int PrefixLength, IpAddress Gateway, Instant ExpiresAt)
{
    /// <summary>True when the destination is reached directly (no gateway).</summary>
    public bool IsOnLink => Gateway.IsUnspecified;

    /// <summary>True when <paramref name="address"/> is inside this route's prefix.</summary>
    public bool Contains(IpAddress address)
    {
        if (address.Version != Destination.Version) return false;
        return address.IsV4
            ? new Ipv4Cidr(Destination.V4, PrefixLength).Contains(address.V4)
            : new Ipv6Cidr(Destination.V6, PrefixLength).Contains(address.V6);
    }
}

/// <summary>Result of adding a route.</summary>
public enum RouteUpdate : byte
{
    /// <summary>Added.</summary>
    Added,
    /// <summary>A route with the same prefix was replaced.</summary>
    Replaced,
    /// <summary>The table is full; nothing changed.</summary>
    Full,
    /// <summary>The prefix length is out of range for the address family.</summary>
    Invalid,
}

/// <summary>
/// A fixed-capacity routing table with longest-prefix match over IPv4 and IPv6 routes. Default routes
/// are prefix length 0. Routes learned from router advertisements carry an expiry time.
/// </summary>
public sealed class RouteTable
{
    private readonly Route[] _routes;
    private int _count;

    /// <summary>A table with room for <paramref name="capacity"/> routes.</summary>
    public RouteTable(int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        _routes = new Route[capacity];
    }

    /// <summary>The routes in the table.</summary>
    public ReadOnlySpan<Route> Routes => _routes.AsSpan(0, _count);

    /// <summary>Adds or replaces the route for a prefix.</summary>
    public RouteUpdate Add(IpAddress destination, int prefixLength, IpAddress gateway, Instant expiresAt = default)
    {
        int max = destination.IsV4 ? 32 : destination.IsV6 ? 128 : -1;
        if (prefixLength < 0 || prefixLength > max) return RouteUpdate.Invalid;
        var route = new Route(Normalize(destination, prefixLength), prefixLength, gateway, expiresAt == default ? Instant.Never : expiresAt);
        for (int i = 0; i < _count; i++)
            if (_routes[i].PrefixLength == prefixLength && _routes[i].Destination == route.Destination)
            {
                _routes[i] = route;
                return RouteUpdate.Replaced;
            }
        if (_count == _routes.Length) return RouteUpdate.Full;
        _routes[_count++] = route;
        return RouteUpdate.Added;
    }

    /// <summary>Adds a default route (0.0.0.0/0 or ::/0) through <paramref name="gateway"/>.</summary>
    public RouteUpdate AddDefault(IpAddress gateway, Instant expiresAt = default)
        => Add(gateway.IsV4 ? new IpAddress(Ipv4Address.Unspecified) : new IpAddress(Ipv6Address.Unspecified), 0, gateway, expiresAt);

    /// <summary>Removes the route for a prefix; false when there was none.</summary>
    public bool Remove(IpAddress destination, int prefixLength)
    {
        var normalized = Normalize(destination, prefixLength);
        for (int i = 0; i < _count; i++)
            if (_routes[i].PrefixLength == prefixLength && _routes[i].Destination == normalized)
            {
                _routes[i] = _routes[--_count];
                return true;
            }
        return false;
    }

    /// <summary>Removes the default routes (IPv4 or IPv6, by the gateway's family) through <paramref name="gateway"/>; false when there was none.</summary>
    public bool RemoveDefault(IpAddress gateway)
    {
        bool removed = false;
        for (int i = _count - 1; i >= 0; i--)
            if (_routes[i].PrefixLength == 0 && _routes[i].Gateway == gateway)
            {
                _routes[i] = _routes[--_count];
                removed = true;
            }
        return removed;
    }

    /// <summary>
    /// Removes the default routes through <paramref name="gateway"/> that were learned from its router advertisements
    /// (they carry an expiry); routes the user configured stay. RFC 4861 §6.3.4 and §7.2.5 act on the Default Router
    /// List, which holds only routers learned that way: a configured gateway is not dropped because a neighbour
    /// advertisement of it lacks the router flag (a transparent proxy or a host that forwards sets no such flag), as
    /// Linux keeps a static default route. False when none was removed.
    /// </summary>
    public bool ForgetRouter(IpAddress gateway)
    {
        bool removed = false;
        for (int i = _count - 1; i >= 0; i--)
            if (_routes[i].PrefixLength == 0 && _routes[i].Gateway == gateway && _routes[i].ExpiresAt != Instant.Never)
            {
                _routes[i] = _routes[--_count];
                removed = true;
            }
        return removed;
    }

    /// <summary>The longest-prefix route for <paramref name="destination"/> that has not expired.</summary>
    public bool TryLookup(IpAddress destination, Instant now, out Route route)
    {
        int best = -1;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var r = ref _routes[i];
            if (r.ExpiresAt <= now || !r.Contains(destination)) continue;
            if (best < 0 || r.PrefixLength > _routes[best].PrefixLength) best = i;
        }
        route = best < 0 ? default : _routes[best];
        return best >= 0;
    }

    /// <summary>The earliest expiry among the routes.</summary>
    public Instant NextExpiry()
    {
        var next = Instant.Never;
        foreach (ref readonly var r in Routes)
            if (r.ExpiresAt < next) next = r.ExpiresAt;
        return next;
    }

    /// <summary>Drops expired routes.</summary>
    public void Expire(Instant now)
    {
        for (int i = _count - 1; i >= 0; i--)
            if (_routes[i].ExpiresAt <= now) _routes[i] = _routes[--_count];
    }

    private static IpAddress Normalize(IpAddress address, int prefixLength)
        => address.IsV4 ? new Ipv4Cidr(address.V4, prefixLength).Network : new Ipv6Cidr(address.V6, prefixLength).Network;
}
