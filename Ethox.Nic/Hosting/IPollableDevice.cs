using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A device whose arriving frames can be waited for with poll(2) on a descriptor: the host sleeps on it (and on its
/// wake-up eventfd) instead of only until its next deadline. <see cref="AfPacketDevice"/> and <see cref="TunTapDevice"/> are
/// known to the host without it; a device of your own implements it.
/// </summary>
public interface IPollableDevice : IDevice
{
    /// <summary>The descriptor that turns readable (POLLIN) when frames wait; owned by the device.</summary>
    int PollDescriptor { get; }
}
