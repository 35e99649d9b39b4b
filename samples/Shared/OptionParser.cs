using System;
using System.Globalization;
using Ethox.Layer;

namespace Ethox.Samples;

/// <summary>
/// The parts of command-line parsing the sample programs share (each links this file): an option's name and value,
/// whole numbers in a range, and seconds. Nothing throws: a bad argument is false and one line of text.
/// </summary>
internal static class OptionParser
{
    /// <summary>
    /// The option an argument names: for <c>--name=value</c> the part before the '=', with the value in
    /// <paramref name="inlineValue"/>; any other argument is its own name, with no value.
    /// </summary>
    public static string Name(string arg, out string? inlineValue)
    {
        inlineValue = null;
        int eq = arg.IndexOf('=');
        if (!arg.StartsWith("--", StringComparison.Ordinal) || eq <= 2) return arg;
        inlineValue = arg[(eq + 1)..];
        return arg[..eq];
    }

    /// <summary>The error for an argument that names no option of the program.</summary>
    public static string Unknown(string name, string arg)
        => name.StartsWith('-') ? $"unknown option '{name}' (see --help)" : $"unexpected argument '{arg}' (see --help)";

    /// <summary>
    /// The value of option <paramref name="name"/>: <paramref name="inlineValue"/> when it was given as
    /// <c>--name=value</c>, else the next argument, which <paramref name="index"/> then moves past.
    /// </summary>
    public static bool TryTakeValue(ReadOnlySpan<string> args, ref int index, string name, string? inlineValue, out string value, out string error)
    {
        error = "";
        value = inlineValue ?? "";
        if (inlineValue is not null) return true;
        if (index + 1 >= args.Length) { error = $"{name} needs a value"; return false; }
        value = args[++index];
        return true;
    }

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>, digits only. The error names the
    /// <paramref name="unit"/> when there is one: "--buffer 'x' is not a number of bytes from 4096 to 16777216".
    /// </summary>
    public static bool TryParseNumber(string name, string value, int min, int max, string unit, out int number, out string error)
    {
        error = "";
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number >= min && number <= max) return true;
        string what = unit.Length == 0 ? "a number" : "a number of " + unit;
        error = $"{name} '{value}' is not {what} from {min} to {max}";
        return false;
    }

    /// <summary>A length of time in seconds, fractions allowed (<c>--duration 2.5</c>), up to 10^9.</summary>
    public static bool TryParseSeconds(string name, string value, out Duration duration, out string error)
    {
        error = "";
        duration = default;
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds > 1e9)
        {
            error = $"{name} '{value}' is not a number of seconds";
            return false;
        }
        duration = new Duration((long)(seconds * 1e6));
        return true;
    }
}
