using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The local IPv6 addresses of a <see cref="ConnectionTable"/>'s tuples, each held once with a count of the tuples that
/// use it, so that a tuple stores a small index instead of 16 bytes. A host has few addresses of its own (link-local,
/// global, temporary); in transparent mode every foreign destination in use counts as one too. Fixed capacity, linear
/// search on insertion only (lookups compare the address at the tuple's index); nothing allocates after construction.
/// </summary>
internal sealed class LocalAddressTable
{
    private readonly Ipv6Address[] _addresses;
    private readonly int[] _users; // tuples using the entry; 0: free
    private int _last;             // the entry found or added last: connections to one address come in runs

    public LocalAddressTable(int capacity)
    {
        _addresses = new Ipv6Address[capacity];
        _users = new int[capacity];
    }

    public int Capacity => _addresses.Length;

    public Ipv6Address AddressAt(int index) => _addresses[index];

    /// <summary>The entry of <paramref name="address"/>, taken for one more tuple (added when new); false when the table is full.</summary>
    public bool TryAdd(Ipv6Address address, out int index)
    {
        if (_users.Length > 0 && _users[_last] > 0 && _addresses[_last] == address)
        {
            index = _last;
            _users[index]++;
            return true;
        }
        int free = -1;
        for (int i = 0; i < _addresses.Length; i++)
        {
            if (_users[i] == 0)
            {
                if (free < 0) free = i;
            }
            else if (_addresses[i] == address)
            {
                free = i;
                break;
            }
        }
        index = free;
        if (free < 0) return false;
        _addresses[free] = address;
        _users[free]++;
        _last = free;
        return true;
    }

    /// <summary>One tuple less uses entry <paramref name="index"/>; the entry is free again when none does.</summary>
    public void Release(int index)
    {
        if (--_users[index] == 0) _addresses[index] = default;
    }
}
