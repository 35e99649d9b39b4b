using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>What the kernel says about a network interface: its MTU, hardware type and address.</summary>
internal readonly record struct NetInterface(int Mtu, ushort HardwareType, EthernetAddress HardwareAddress)
{
    /// <summary>The one-line error for a name that cannot be an interface name.</summary>
    public static string BadName(string name) => $"interface name '{name}' is not valid (1 to 15 printable bytes, no '/' or ':')";

    /// <summary>
    /// Asks through <paramref name="fd"/> (any socket; -1 opens a throw-away UDP socket, which needs no privilege)
    /// with SIOCGIFMTU and SIOCGIFHWADDR.
    /// </summary>
    public static unsafe bool TryQuery(string name, int fd, out NetInterface info, out string error)
    {
        info = default;
        if (name.Length == 0 || !IfReq.TryCreate(name, out var req)) { error = BadName(name); return false; }
        bool own = fd < 0;
        if (own && (fd = Native.Socket(Native.AF_INET, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, 0)) < 0)
        {
            error = "cannot open a socket to query interfaces: " + Native.Describe(Native.Errno);
            return false;
        }
        try
        {
            if (Native.Ioctl(fd, Native.SIOCGIFMTU, &req) != 0)
            {
                int errno = Native.Errno;
                error = errno == Native.ENODEV ? $"interface '{name}' does not exist" : $"cannot read the MTU of '{name}': {Native.Describe(errno)}";
                return false;
            }
            int mtu = req.Mtu;
            if (Native.Ioctl(fd, Native.SIOCGIFHWADDR, &req) != 0)
            {
                error = $"cannot read the hardware address of '{name}': {Native.Describe(Native.Errno)}";
                return false;
            }
            info = new NetInterface(mtu, req.HwAddrFamily, new EthernetAddress(new System.ReadOnlySpan<byte>(req.HwAddrData, 6)));
            error = "";
            return true;
        }
        finally
        {
            if (own) Native.Close(fd);
        }
    }
}
