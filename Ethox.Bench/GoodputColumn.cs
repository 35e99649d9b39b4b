using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Ethox.Bench;

/// <summary>
/// A BenchmarkDotNet column: Gbit/s of payload, from the mean time of one operation that moves
/// <see cref="BytesPerOperation"/> bytes (8 × bytes / mean in ns). The mean is BenchmarkDotNet's, outliers
/// removed; the column adds nothing but the division.
/// </summary>
public sealed class GoodputColumn(long bytesPerOperation) : IColumn
{
    /// <summary>The bytes each operation of every benchmark in the class moves.</summary>
    public long BytesPerOperation { get; } = bytesPerOperation;

    /// <inheritdoc/>
    public string Id => nameof(GoodputColumn);
    /// <inheritdoc/>
    public string ColumnName => "Gbit/s";
    /// <inheritdoc/>
    public bool AlwaysShow => true;
    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc/>
    public int PriorityInCategory => 0;
    /// <inheritdoc/>
    public bool IsNumeric => true;
    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc/>
    public string Legend => $"Payload bits per nanosecond: 8 × {BytesPerOperation} B / Mean";

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || statistics.Mean <= 0) return "NA";
        return (8.0 * BytesPerOperation / statistics.Mean).ToString("F2", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}
