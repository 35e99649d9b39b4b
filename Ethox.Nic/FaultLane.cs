using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// One direction of a <see cref="FaultInjector{TDevice}"/>: decides the fate of each frame written into
/// <see cref="Slot"/> and queues the survivors, tagged with the instant they are due, in pre-allocated
/// buffers. Frames leave in queue order once due. Time is only ever the <c>now</c> given to each call.
/// </summary>
internal sealed class FaultLane
{
    // Slots one admission may take: the frame, its duplicate, and the held frame released behind it.
    private const int SlotsPerAdmission = 3;

    private readonly FrameRing _queue;
    private readonly FrameRing _held; // capacity 1: the frame held back to be delivered after the next one
    private readonly int _maxFrame;
    private XorShiftRandom _random;
    private FaultSettings _settings;
    private ulong _drop, _duplicate, _reorder, _corrupt; // XorShiftRandom.Threshold of each probability
    private Instant _heldSince;
    private long _tokens;        // token bucket content, in bytes x 1e6 (so refills need no division)
    private Instant _refilledAt;
    private bool _bucketFilled;
    public FaultCounters Counters;

    public FaultLane(int capacity, int maxFrameLength, FaultSettings settings, ulong seed)
    {
        _queue = new FrameRing(Math.Max(capacity, SlotsPerAdmission), maxFrameLength);
        _held = new FrameRing(1, maxFrameLength);
        _maxFrame = maxFrameLength;
        _random = new XorShiftRandom(seed);
        Settings = settings;
    }

    public FaultSettings Settings
    {
        get => _settings;
        set
        {
            value.Validate();
            _settings = value;
            _drop = XorShiftRandom.Threshold(value.DropProbability);
            _duplicate = XorShiftRandom.Threshold(value.DuplicateProbability);
            _reorder = XorShiftRandom.Threshold(value.ReorderProbability);
            _corrupt = XorShiftRandom.Threshold(value.CorruptProbability);
            _bucketFilled = false;
        }
    }

    /// <summary>Frames that can be offered now, each with room for the worst case.</summary>
    public int Room => _queue.Free / SlotsPerAdmission;
    public bool HasRoom => _queue.Free >= SlotsPerAdmission;

    /// <summary>The buffer the next frame is written into before <see cref="Offer"/> (only when <see cref="HasRoom"/>).</summary>
    public Span<byte> Slot => _queue.TailBuffer;

    /// <summary>When a queued or held frame is next due; <see cref="Instant.Never"/> when there is none.</summary>
    public Instant NextDue
    {
        get
        {
            var due = _queue.IsEmpty ? Instant.Never : _queue.HeadTime;
            return _held.IsEmpty ? due : Instant.Min(due, _heldSince + _settings.ReorderTimeout);
        }
    }

    /// <summary>Decides what happens to the <paramref name="length"/>-byte frame written into <see cref="Slot"/>, with its offload metadata.</summary>
    public void Offer(int length, Instant now, PacketOffload offload = default)
    {
        Counters.offered++;
        if (_random.Chance(_drop)) { Counters.dropped++; return; }
        if (!TakeTokens(length, now)) { Counters.rateLimited++; return; }
        if (length > 0 && _random.Chance(_corrupt))
        {
            // On a wire the bit flips after the checksum was finished, and no device vouches for the frame any more: a
            // partial checksum is finished now, over the bytes as they were, so that the receiver's check sees the flip.
            offload.TryFinishChecksum(_queue.TailBuffer[..length]);
            offload = offload with { Checksum = ChecksumStatus.Unverified, ChecksumStart = 0, ChecksumOffset = 0 };
            int bit = _random.Below(length * 8);
            _queue.TailBuffer[bit >> 3] ^= (byte)(1 << (bit & 7));
            Counters.corrupted++;
        }
        var due = now + _settings.Delay;
        if (_settings.Delay > Duration.Zero) Counters.delayed++;
        bool duplicate = _random.Chance(_duplicate);
        if (duplicate) Counters.duplicated++;
        if (_held.IsEmpty && _random.Chance(_reorder))
        {
            // Held back: delivered right after the next frame (or at the timeout). A duplicate goes first.
            Counters.reordered++;
            _heldSince = now;
            if (duplicate)
            {
                _queue.Push(length, due, offload);
                _queue.LastFrame.CopyTo(_held.TailBuffer);
                _held.Push(length, due, offload);
            }
            else _queue.PushTailInto(_held, length, due, offload);
            return;
        }
        _queue.Push(length, due, offload);
        if (duplicate)
        {
            _queue.LastFrame.CopyTo(_queue.TailBuffer);
            _queue.Push(length, due, offload);
        }
        if (!_held.IsEmpty) _held.PopInto(_queue, _held.HeadLength, _held.HeadTime, _held.HeadOffload);
    }

    /// <summary>Queues the held frame if no frame overtook it within <see cref="FaultSettings.ReorderTimeout"/>.</summary>
    public void ReleaseHeld(Instant now)
    {
        if (!_held.IsEmpty && now >= _heldSince + _settings.ReorderTimeout && !_queue.IsFull)
            _held.PopInto(_queue, _held.HeadLength, _held.HeadTime, _held.HeadOffload);
    }

    /// <summary>The oldest queued frame, with its offload metadata, if it is due at <paramref name="now"/>.</summary>
    public bool TryPeekDue(Instant now, out Span<byte> buffer, out int length, out PacketOffload offload)
    {
        if (_queue.IsEmpty || _queue.HeadTime > now) { buffer = default; length = 0; offload = default; return false; }
        buffer = _queue.HeadBuffer;
        length = _queue.HeadLength;
        offload = _queue.HeadOffload;
        return true;
    }

    /// <summary>Forgets the oldest frame, counted as delivered.</summary>
    public void PopDelivered()
    {
        _queue.Pop();
        Counters.delivered++;
    }

    // Token bucket policer: tokens accrue at the rate up to the burst size; a frame takes its length in tokens.
    private bool TakeTokens(int length, Instant now)
    {
        long rate = _settings.RateBytesPerSecond;
        if (rate == 0) return true;
        long capacity = Math.Max(_settings.BurstBytes, _maxFrame) * 1_000_000;
        long elapsed = (now - _refilledAt).Microseconds;
        if (!_bucketFilled || elapsed >= capacity / rate) { _tokens = capacity; _bucketFilled = true; }
        else if (elapsed > 0) _tokens = Math.Min(capacity, _tokens + elapsed * rate);
        _refilledAt = now;
        long need = (long)length * 1_000_000;
        if (_tokens < need) return false;
        _tokens -= need;
        return true;
    }
}
