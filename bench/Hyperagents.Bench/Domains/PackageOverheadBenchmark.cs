using System.Diagnostics;
using System.Text.Json;
using Hyperagents.Compiler;
using Hyperagents.Domains;

namespace Hyperagents.Bench.Domains;

/// <summary>A user's evaluator against the built-in of the same problem: the shipped circle-packing package, and a copy
/// of it in a folder of the user's (loaded as <c>--domain &lt;folder&gt;</c> loads one), each scoring AlphaEvolve's
/// published n = 32 packing through its own evaluator worker, warm, in alternating blocks so load drift hits both
/// alike. Every built-in is a package, so both go through one mechanism; the ratio shows that a user's folder pays
/// nothing the shipped package does not. Also each one's one-off start (worker start + evaluator load, from the
/// compiled-evaluator cache when warm, else compiled under the evaluator policy).</summary>
public sealed class PackageOverheadBenchmark : IBenchmark
{
    private const int Block = 20;

    /// <inheritdoc/>
    public string Name => "package-overhead";

    /// <inheritdoc/>
    public string Description => "a user's copy of circle-packing vs the shipped package, per warm evaluation (target <= 1.2x, and <= 50 ms at n=32), and one-off starts";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 200;
        var data = JsonDocument.Parse(File.ReadAllText(DomainsBenchmark.FindData())).RootElement;
        var answer = "{\"circles\": " + data.GetProperty("circle_packing_32").GetProperty("circles_x_y_r").GetRawText() + "}";

        var shipped = DomainCatalog.Shipped("circle-packing")!;
        var userFolder = Path.Combine(Path.GetTempPath(), "hyperagents-bench-package-" + Environment.ProcessId);
        CopyFolder(Path.Combine(AppContext.BaseDirectory, DomainCatalog.ShippedFolderName, "circle-packing"), userFolder);
        try
        {
            var builtIn = Open("built-in", shipped, answer);
            var user = Open("user folder", DomainPackage.LoadFolder(userFolder), answer);
            using (builtIn.Package)
            using (user.Package)
            {
                if (builtIn.Task is null || user.Task is null)
                {
                    Console.WriteLine("the published packing did not score as valid: figures below would measure a rejection");
                    return Task.FromResult(1);
                }

                // Warm both: past tiered JIT's first tier in each worker.
                for (var i = 0; i < 100; i++)
                {
                    builtIn.Package.Evaluate(builtIn.Task, answer);
                    user.Package.Evaluate(user.Task, answer);
                }

                var builtInSamples = new List<double>();
                var userSamples = new List<double>();
                for (var done = 0; done < runs; done += Block)
                {
                    Time(builtIn, answer, builtInSamples);
                    Time(user, answer, userSamples);
                }

                var builtInMedian = Stats.Median(builtInSamples);
                var userMedian = Stats.Median(userSamples);
                Console.WriteLine($"circle packing n=32, published answer, {builtInSamples.Count} warm evaluations each, alternating blocks of {Block}:");
                Console.WriteLine($"  built-in package : median {builtInMedian:0.###} ms (p90 {Stats.Quantile(builtInSamples, 0.9):0.###} ms)");
                Console.WriteLine($"  user's folder    : median {userMedian:0.###} ms (p90 {Stats.Quantile(userSamples, 0.9):0.###} ms)");
                Console.WriteLine($"one-off start (load, worker start, evaluator load or compile, first evaluation): built-in {builtIn.StartMs:0} ms, user's folder {user.StartMs:0} ms");
                var ratioMet = Stats.Target("user evaluator vs built-in, per evaluation", userMedian / builtInMedian, 1.2, "x");
                var timeMet = Stats.Target("user evaluator per-evaluation time", userMedian, 50, "ms");
                return Task.FromResult(ratioMet && timeMet ? 0 : 1);
            }
        }
        finally
        {
            Directory.Delete(userFolder, recursive: true);
        }
    }

    private static Opened Open(string label, DomainPackage source, string answer)
    {
        var start = Stopwatch.StartNew();
        var package = EvaluatorWorker.Open(source, BenchDomains.Launch);
        var task = package.FindTask("n32")!.Value.Task;
        var first = package.Evaluate(task, answer);
        Console.WriteLine($"{label}: valid={first.Valid} raw={first.Raw:R}{(first.Fault is { } f ? " fault: " + f : "")}");
        return new Opened(package, first.Valid ? task : null, start.Elapsed.TotalMilliseconds);
    }

    private static void Time(Opened opened, string answer, List<double> samples)
    {
        for (var i = 0; i < Block; i++)
        {
            var watch = Stopwatch.StartNew();
            opened.Package.Evaluate(opened.Task!, answer);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private sealed record Opened(PackageDomain Package, TaskSpec? Task, double StartMs);
}
