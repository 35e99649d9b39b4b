using System;

namespace Ethox.Native;

/// <summary>The text of each <see cref="EthoxStatus"/>, NUL-terminated UTF-8 for <c>ethox_strerror</c>.</summary>
internal static class StatusTexts
{
    /// <summary>The text of <paramref name="status"/> (any value: unknown ones have a text too), including its terminating NUL.</summary>
    public static ReadOnlySpan<byte> Of(int status) => (EthoxStatus)status switch
    {
        EthoxStatus.Ok => "success\0"u8,
        EthoxStatus.InvalidArgument => "invalid argument\0"u8,
        EthoxStatus.BadHandle => "stale, foreign or wrong-kind handle\0"u8,
        EthoxStatus.Again => "would block: try again later\0"u8,
        EthoxStatus.NoSpace => "capacity exhausted\0"u8,
        EthoxStatus.InUse => "port or connection in use\0"u8,
        EthoxStatus.InvalidState => "not allowed in the socket's state\0"u8,
        EthoxStatus.NoRoute => "no route to the destination\0"u8,
        EthoxStatus.Refused => "connection refused\0"u8,
        EthoxStatus.Reset => "connection reset\0"u8,
        EthoxStatus.TimedOut => "connection timed out\0"u8,
        EthoxStatus.Unreachable => "destination unreachable\0"u8,
        EthoxStatus.TimeWentBack => "time went backwards\0"u8,
        EthoxStatus.BufferTooSmall => "frame buffer too small\0"u8,
        EthoxStatus.MessageTooLong => "datagram too long\0"u8,
        EthoxStatus.Busy => "stack in use by another thread\0"u8,
        EthoxStatus.Internal => "internal failure: destroy the stack\0"u8,
        _ => "unknown status\0"u8,
    };
}
