namespace Ethox.Nic.Hosting;

/// <summary>What a <see cref="ConnectionCommand"/> does to a connection.</summary>
internal enum ConnectionCommandKind : byte
{
    /// <summary>Half-close: a FIN after the data written; reading goes on.</summary>
    ShutdownOutput,
    /// <summary>The user is done: a FIN after the data written (a RST when received data was left unread, RFC 1122 §4.2.2.13).</summary>
    Close,
    /// <summary>A RST now; unsent data is dropped.</summary>
    Abort,
    /// <summary>Sets the connection's options (Nagle, keep-alive) from the command's fields.</summary>
    Configure,
}
