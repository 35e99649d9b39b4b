namespace Ethox.Nic.Hosting;

/// <summary>How a request ended when it did not succeed; turned into the exception .NET callers expect by <see cref="HostErrors"/>.</summary>
internal enum HostFailure : byte
{
    /// <summary>It succeeded.</summary>
    None,
    /// <summary>A network error: <see cref="HostOperation.Error"/> says which.</summary>
    Socket,
    /// <summary>The caller's cancellation token fired.</summary>
    Canceled,
    /// <summary>The request's timeout passed.</summary>
    TimedOut,
    /// <summary>The connection, listener or socket was disposed (before or while the request waited).</summary>
    Disposed,
    /// <summary>The host stopped, or is stopping and takes no new work.</summary>
    HostStopped,
    /// <summary>The host's loop failed with an exception (<see cref="HostOperation.Fault"/>).</summary>
    HostFaulted,
    /// <summary>The caller's memory could not be reached: its owner threw <see cref="HostOperation.Fault"/>.</summary>
    BadBuffer,
}
