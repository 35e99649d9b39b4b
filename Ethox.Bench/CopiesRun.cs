using System;
using System.Diagnostics;
using System.Globalization;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// The copies of <c>tcpbulk</c>'s payload without TCP around them, the ceiling of that benchmark on a machine:
/// <c>copies [--mtu N] [--burst N] [--frames N] [--mib N] [--rounds N] [--copy-received]</c> moves N MiB per round as
/// <c>tcpbulk</c> does at MTU N: the application's 64 KiB chunks into a send ring (<see cref="PayloadCopy.TryCopy"/>, as the
/// send ring's write does), each segment's payload out of the ring into a frame with its checksum
/// (<see cref="Checksum.TryCopyAndSum"/>, as TCP's send does), and the frame's payload summed where it lies
/// (<see cref="Checksum.Sum"/>): TCP leaves in-order data that reaches an empty receive ring in the frame, and
/// <c>tcpbulk</c>'s receiver consumes it there. <c>--copy-received</c> copies it into a receive ring with its checksum
/// instead, as TCP did before (and still does when the ring holds data). <c>--burst</c> segments go at a time (a round
/// of the pipe moves several before the other side takes them). The frames are <c>--frames</c> buffers used in turn: as
/// many as the burst, warm, as the pipe's buffer stack gives them; 256 for a ring that hands its buffers out in order.
/// Prints, per round, Gbit/s of payload, then the median.
/// </summary>
public static class CopiesRun
{
    private const int ChunkSize = 64 * 1024;
    // Where a segment's payload starts in its frame: Ethernet (14), IPv4 (20) and TCP with timestamps (32).
    private const int PayloadOffset = 14 + 20 + 32;

    /// <summary>Runs the copies as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--mtu", "--burst", "--frames", "--mib", "--rounds"], ["--copy-received"]);
        int mtu = options.Int("--mtu", 65535), burst = options.Int("--burst", 3), mib = options.Int("--mib", 1024), rounds = options.Int("--rounds", 20);
        int frameCount = options.Int("--frames", burst);
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (mtu < 576 || mtu > ushort.MaxValue || burst <= 0 || frameCount < burst || mib <= 0 || rounds <= 0)
        {
            Console.Error.WriteLine("--mtu must be in 576..65535, --burst, --mib and --rounds positive, --frames at least --burst");
            return 2;
        }
        int payload = mtu - (PayloadOffset - 14);
        bool copyReceived = options.Flag("--copy-received");
        var copies = new Copies(payload, burst, frameCount, copyReceived);
        long bytes = (long)mib << 20;
        Console.WriteLine($"copies: MTU {mtu} ({payload}-byte payloads), {burst} segments a burst, {frameCount} frame buffers, " +
                          $"{TcpBulkSetup.BufferSize / 1024} KiB rings, received payloads {(copyReceived ? "copied into a receive ring" : "summed in the frame")}, {mib} MiB per round");
        copies.Move(bytes); // the JIT's tiers settle before the first measured round
        var results = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            copies.Move(bytes);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            results[round] = bytes * 8 / seconds / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {results[round]:F2} Gbit/s ({seconds * 1e3:F1} ms)"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median {TcpBulkRun.Median(results):F2} Gbit/s over {rounds} rounds (checksum {copies.Sum:X4})"));
        return 0;
    }

    private sealed class Copies(int payload, int burst, int frameCount, bool copyReceived)
    {
        private readonly byte[] _chunk = CreateChunk();
        private readonly byte[] _send = new byte[TcpBulkSetup.BufferSize];
        private readonly byte[] _receive = new byte[TcpBulkSetup.BufferSize];
        private readonly byte[][] _frames = CreateFrames(frameCount, PayloadOffset + payload);
        private long _written, _sent;
        private int _nextFrame;

        // Folded into the output so that no copy can be dropped as dead code.
        public ushort Sum { get; private set; }

        public void Move(long bytes)
        {
            for (long end = _sent + bytes; _sent < end;)
            {
                // The application fills the send ring as far as the unsent data leaves room.
                while (_send.Length - (_written - _sent) >= ChunkSize)
                {
                    int at = (int)(_written % _send.Length), length = Math.Min(ChunkSize, _send.Length - at);
                    PayloadCopy.TryCopy(_chunk.AsSpan(0, length), _send.AsSpan(at));
                    _written += length;
                }
                int first = _nextFrame;
                long from = _sent;
                for (int i = 0; i < burst; i++, from += payload) Sum = Checksum.Add(Sum, CopyAndSum(_send, from, NextFrame().AsSpan(PayloadOffset, payload), toRing: false));
                _nextFrame = first;
                for (int i = 0; i < burst; i++, _sent += payload)
                {
                    var frame = NextFrame().AsSpan(PayloadOffset, payload);
                    Sum = Checksum.Add(Sum, copyReceived ? CopyAndSum(_receive, _sent, frame, toRing: true) : Checksum.Sum(frame));
                }
            }
        }

        private byte[] NextFrame()
        {
            var frame = _frames[_nextFrame];
            _nextFrame = _nextFrame + 1 == _frames.Length ? 0 : _nextFrame + 1;
            return frame;
        }

        // Copies between the ring, at stream position position, and the frame, in one or two pieces (the ring wraps).
        private static ushort CopyAndSum(byte[] ring, long position, Span<byte> frame, bool toRing)
        {
            int at = (int)(position % ring.Length), first = Math.Min(frame.Length, ring.Length - at);
            ushort sum = 0;
            if (toRing)
            {
                Checksum.TryCopyAndSum(frame[..first], ring.AsSpan(at), out sum);
                if (first < frame.Length && Checksum.TryCopyAndSum(frame[first..], ring, out ushort wrapped))
                    sum = Checksum.Add(sum, Checksum.Shift(wrapped, first));
            }
            else
            {
                Checksum.TryCopyAndSum(ring.AsSpan(at, first), frame, out sum);
                if (first < frame.Length && Checksum.TryCopyAndSum(ring.AsSpan(0, frame.Length - first), frame[first..], out ushort wrapped))
                    sum = Checksum.Add(sum, Checksum.Shift(wrapped, first));
            }
            return sum;
        }

        private static byte[] CreateChunk()
        {
            var chunk = new byte[ChunkSize];
            new Random(863).NextBytes(chunk);
            return chunk;
        }

        private static byte[][] CreateFrames(int count, int length)
        {
            var frames = new byte[count][];
            for (int i = 0; i < count; i++) frames[i] = new byte[length];
            return frames;
        }
    }
}
