using System.Diagnostics;
using System.Globalization;
using Hyperagents.Engine;

namespace Hyperagents.Bench.Experiment;

/// <summary><c>experiment</c>: the issue's benchmark — <c>hyperagents experiment</c> on circle-packing, offline, N seeds ×
/// every registered strategy (<see cref="SelectionStrategies.Names"/>) and the ablations no-selfimprove and no-archive ×
/// G generations, cells two at once; prints imp@G per strategy with its 95 % interval and the wall time.
/// No target: the point is numbers a researcher can trust, not which strategy wins.</summary>
/// <remarks>Arguments: <c>[generations=30] [seeds=3] [strategies=every registered one] [parallel=2] [any further
/// experiment flags, e.g. --isolation native --tasks 1 --replicates 1]</c>; <c>--baselines no-selfimprove,no-archive</c>
/// is added unless the further flags name <c>--baselines</c>. The grid runs in
/// the program itself (<c>hyperagents.dll</c> beside this one), in a temporary folder it names; rerunning the printed
/// command resumes it.</remarks>
public sealed class ExperimentBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "experiment";

    /// <inheritdoc />
    public string Description => "imp@G per strategy: experiment [generations=30] [seeds=3] [strategies=…] [parallel=2] [flags…], circle-packing offline.";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var generations = args.Length > 0 ? args[0] : "30";
        var seeds = args.Length > 1 ? args[1] : "3";
        var strategies = args.Length > 2 ? args[2] : string.Join(',', SelectionStrategies.Names);
        var parallel = args.Length > 3 ? args[3] : "2";
        var extra = args.Skip(4).ToList();
        if (!extra.Contains("--baselines"))
        {
            extra.AddRange(["--baselines", "no-selfimprove,no-archive"]);
        }

        var folder = Path.Combine(Path.GetTempPath(), "hyperagents-bench-experiment-" + Guid.NewGuid().ToString("N")[..8]);
        string[] command =
        [
            Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"), "experiment", "--domain", "circle-packing", "--strategies", strategies,
            "--seeds", seeds, "--generations", generations, "--parallel", parallel, "--seed-agent", FindSeed(), "--out", folder, .. extra,
        ];
        Console.WriteLine($"experiment: {Environment.ProcessorCount} cores, dotnet {string.Join(' ', command)}");
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = false };
        foreach (var a in command)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment.Remove("ANTHROPIC_API_KEY");
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        Console.WriteLine($"wall time {clock.Elapsed.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min, exit {process.ExitCode}");
        var summary = Path.Combine(folder, "summary.csv");
        if (process.ExitCode != 0 || !File.Exists(summary))
        {
            return 1;
        }

        foreach (var line in File.ReadLines(summary).Skip(1).Select(l => l.Split(',')).Where(f => f[1] == generations))
        {
            Console.WriteLine($"imp@{generations} {line[0],-18} {Number(line[3])} ± {Number(line[4])} (n = {line[2]}; evaluations {line[7]}, tokens {line[8]})");
        }

        return 0;
    }

    private static string Number(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v.ToString("0.000000", CultureInfo.InvariantCulture) : "n/a";

    private static string FindSeed()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "seeds", "default");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("seeds/default not found above the benchmark's folder.");
    }
}
