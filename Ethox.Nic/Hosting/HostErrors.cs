using System;
using System.IO;
using System.Net.Sockets;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The exceptions .NET code expects from sockets and streams, made from how a request ended (on the pool thread that
/// completes it, never on the host's thread): <see cref="SocketException"/> with the <see cref="SocketError"/> from
/// connect, accept, bind and datagram calls; <see cref="IOException"/> around it from stream reads and writes, as
/// <see cref="System.Net.Sockets.NetworkStream"/> does.
/// </summary>
internal static class HostErrors
{
    /// <summary>The exception of a socket-like request (connect, listen, accept, UDP) on an object named <paramref name="objectName"/>.</summary>
    public static Exception ForSocket(HostOperation operation, string objectName) => operation.Failure switch
    {
        HostFailure.Socket => new SocketException((int)operation.Error),
        HostFailure.Canceled => new OperationCanceledException(operation.Token),
        HostFailure.TimedOut => new SocketException((int)SocketError.TimedOut),
        HostFailure.Disposed => new ObjectDisposedException(objectName),
        HostFailure.HostStopped => Stopped(),
        HostFailure.BadBuffer => BadBuffer(operation.Fault),
        _ => Faulted(operation.Fault),
    };

    /// <summary>The exception of a stream read or write.</summary>
    public static Exception ForStream(HostOperation operation) => operation.Failure switch
    {
        HostFailure.Socket => new IOException(Describe(operation.Error), new SocketException((int)operation.Error)),
        HostFailure.Canceled => new OperationCanceledException(operation.Token),
        HostFailure.TimedOut => new IOException(Describe(SocketError.TimedOut), new SocketException((int)SocketError.TimedOut)),
        HostFailure.Disposed => new ObjectDisposedException(nameof(EthoxStream)),
        HostFailure.HostStopped => Stopped(),
        HostFailure.BadBuffer => BadBuffer(operation.Fault),
        _ => Faulted(operation.Fault),
    };

    private static ArgumentException BadBuffer(Exception? owner) => new("The buffer could not be reached: its owner threw; the inner exception says how.", owner);

    private static ObjectDisposedException Stopped() => new(nameof(EthoxHost), "The Ethox host has stopped.");

    private static IOException Faulted(Exception? fault) => new("The Ethox host's loop failed; the inner exception says how.", fault);

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionReset => "The connection was reset by the peer.",
        SocketError.ConnectionAborted => "The connection was aborted.",
        SocketError.OperationAborted => "The operation was aborted: the connection was closed or aborted here.",
        SocketError.TimedOut => "The connection timed out.",
        SocketError.Shutdown => "The connection is shut down for sending.",
        SocketError.HostUnreachable => "The peer is unreachable.",
        SocketError.NetworkUnreachable => "There is no route to the peer.",
        _ => $"The connection failed: {error}.",
    };
}
