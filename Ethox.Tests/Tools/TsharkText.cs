using System;
using System.Collections.Generic;

namespace Ethox.Tests.Tools;

/// <summary>How tshark's <c>-T fields</c> text is read for comparison with our values.</summary>
public static class TsharkText
{
    /// <summary>tshark's expert severity "Warning" (<c>PI_WARN</c>) as printed in <c>_ws.expert.severity</c>.</summary>
    public const string SeverityWarning = "6291456";
    /// <summary>tshark's expert severity "Error" (<c>PI_ERROR</c>) as printed in <c>_ws.expert.severity</c>.</summary>
    public const string SeverityError = "8388608";

    /// <summary>Fields whose value tshark prints as the raw bytes of a present item (an FT_PROTOCOL); only presence counts.</summary>
    private static readonly HashSet<string> PresenceFields = new(StringComparer.Ordinal) { "tcp.options.sack_perm" };

    /// <summary>
    /// tshark's text for <paramref name="field"/> in our spelling: booleans as 0/1 (tshark 4.0 prints 0/1, newer
    /// versions True/False), presence-only fields as 1 per occurrence. Occurrences stay joined by commas.
    /// </summary>
    public static string Normalize(string field, string value)
    {
        if (value.Length == 0) return value;
        var parts = value.Split(',');
        for (int i = 0; i < parts.Length; i++)
            parts[i] = PresenceFields.Contains(field) ? "1" : parts[i] switch { "True" => "1", "False" => "0", _ => parts[i] };
        return string.Join(',', parts);
    }

    /// <summary>The occurrences of a field (empty when absent).</summary>
    public static string[] Occurrences(string value) => value.Length == 0 ? [] : value.Split(',');
}
