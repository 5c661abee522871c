using System.Diagnostics;

namespace Hyperagents.Bench;

/// <summary>Small statistics helpers shared by the benchmarks.</summary>
public static class Stats
{
    /// <summary>The q-quantile (0..1) of the samples, by nearest rank.</summary>
    /// <param name="samples">The samples; not modified.</param>
    /// <param name="q">The quantile.</param>
    public static double Quantile(IReadOnlyList<double> samples, double q)
    {
        var sorted = samples.OrderBy(x => x).ToArray();
        var index = (int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index];
    }

    /// <summary>The median of the samples.</summary>
    /// <param name="samples">The samples.</param>
    public static double Median(IReadOnlyList<double> samples) => Quantile(samples, 0.5);

    /// <summary>The resident set size of this process, in MiB.</summary>
    public static double RssMiB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Prints a target line and returns whether it was met.</summary>
    /// <param name="label">What is measured.</param>
    /// <param name="value">The figure.</param>
    /// <param name="target">The bound.</param>
    /// <param name="unit">The unit, for printing.</param>
    /// <param name="lowerIsBetter">Whether the figure must be at most (true) or at least (false) the target.</param>
    public static bool Target(string label, double value, double target, string unit, bool lowerIsBetter = true)
    {
        var met = lowerIsBetter ? value <= target : value >= target;
        Console.WriteLine($"  target {label}: {value:0.###} {unit} {(lowerIsBetter ? "<=" : ">=")} {target:0.###} {unit}: {(met ? "MET" : "MISSED")}");
        return met;
    }
}
