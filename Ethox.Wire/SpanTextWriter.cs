using System;

namespace Ethox.Wire;

/// <summary>
/// Appends text into a caller-owned <see cref="Span{T}"/> without allocating. When the span is
/// full, further appends are dropped and <see cref="Overflowed"/> is set, so a line is cut, never lost
/// with an exception.
/// </summary>
public ref struct SpanTextWriter
{
    private readonly Span<char> _destination;
    private int _position;

    /// <summary>Writes into <paramref name="destination"/>.</summary>
    public SpanTextWriter(Span<char> destination) { _destination = destination; _position = 0; Overflowed = false; }

    /// <summary>Characters written so far.</summary>
    public readonly int Length => _position;
    /// <summary>True when some text did not fit.</summary>
    public bool Overflowed { get; private set; }
    /// <summary>The text written so far.</summary>
    public readonly ReadOnlySpan<char> Written => _destination[.._position];

    /// <summary>Appends a string.</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        if (Overflowed) return;
        if (text.Length > _destination.Length - _position)
        {
            text[..(_destination.Length - _position)].CopyTo(_destination[_position..]);
            _position = _destination.Length;
            Overflowed = true;
            return;
        }
        text.CopyTo(_destination[_position..]);
        _position += text.Length;
    }

    /// <summary>Appends one character.</summary>
    public void Append(char c)
    {
        if (Overflowed) return;
        if (_position == _destination.Length) { Overflowed = true; return; }
        _destination[_position++] = c;
    }

    /// <summary>Appends a formattable value (address, number) without boxing.</summary>
    public void Append<T>(T value, ReadOnlySpan<char> format = default) where T : ISpanFormattable
    {
        if (Overflowed) return;
        if (value.TryFormat(_destination[_position..], out int n, format, null)) _position += n;
        else Overflowed = true;
    }
}
