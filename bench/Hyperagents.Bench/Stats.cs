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

    /// <summary>CPU time (user + system) of this process and of its reaped child processes, e.g. native workers: a figure
    /// that does not depend on how loaded the machine is, unlike wall time.</summary>
    public sealed class CpuClock
    {
        private readonly double _self;
        private readonly double _children;

        private CpuClock(double self, double children)
        {
            _self = self;
            _children = children;
        }

        /// <summary>Starts measuring.</summary>
        public static CpuClock Start() => new(SelfMs(), ChildrenMs());

        /// <summary>CPU milliseconds per call since the start: this process, and its children that have exited and been
        /// reaped (Linux only; 0 elsewhere).</summary>
        /// <param name="calls">How many calls were made.</param>
        public (double Self, double Children) PerCall(long calls) =>
            ((SelfMs() - _self) / Math.Max(1, calls), (ChildrenMs() - _children) / Math.Max(1, calls));

        private static double SelfMs()
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime.TotalMilliseconds;
        }

        // Fields 16 and 17 of /proc/self/stat: cutime and cstime, in clock ticks (100 per second on Linux).
        private static double ChildrenMs()
        {
            if (!OperatingSystem.IsLinux())
            {
                return 0;
            }

            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture)) * 10.0;
        }
    }
}
