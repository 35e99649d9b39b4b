using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ethox.Bench;

/// <summary>
/// The command line of the bench modes (<c>tcpbulk</c>, <c>tcphandshake</c>, <c>tcpscale</c>, <c>memcpy</c>):
/// options with a value (<c>--name value</c>) and flags (<c>--name</c>). An unknown option, a missing value or a
/// value that is not a number becomes a one-line <see cref="Error"/>, never an exception.
/// </summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = new();
    private readonly HashSet<string> _flags = new();

    private BenchArgs() { }

    /// <summary>The first problem found, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Reads <paramref name="args"/>, knowing which names take a value and which are flags.</summary>
    public static BenchArgs Parse(string[] args, string[] valued, string[]? flags = null)
    {
        var parsed = new BenchArgs();
        for (int i = 0; i < args.Length && parsed.Error is null; i++)
        {
            string name = args[i];
            if (flags is not null && Array.IndexOf(flags, name) >= 0) parsed._flags.Add(name);
            else if (Array.IndexOf(valued, name) < 0) parsed.Error = $"unknown option {name}";
            else if (i + 1 == args.Length) parsed.Error = $"{name} needs a value";
            else parsed._values[name] = args[++i];
        }
        return parsed;
    }

    /// <summary>True when the flag was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>The option's value as an integer, or <paramref name="fallback"/> when it was not given.</summary>
    public int Int(string name, int fallback)
    {
        if (!_values.TryGetValue(name, out var text)) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        Error ??= $"{name} '{text}' is not a whole number";
        return fallback;
    }

    /// <summary>The option's value as a number, or <paramref name="fallback"/> when it was not given.</summary>
    public double Double(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var text)) return fallback;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        Error ??= $"{name} '{text}' is not a number";
        return fallback;
    }
}
