using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

/// <summary>What a completed connect or accept hands the caller: the connection's handle and both its ends.</summary>
internal readonly record struct OpenedConnection(HostHandle Handle, FourTuple Tuple);
