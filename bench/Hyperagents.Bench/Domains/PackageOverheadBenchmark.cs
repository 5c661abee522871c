using System.Diagnostics;
using System.Text.Json;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Bench.Domains;

/// <summary>A user evaluator's overhead: the same circle-packing answers scored by the built-in and by a domain package
/// whose evaluator implements the same exact check (<c>Domains/CirclePackingPackage</c>), warm per evaluation, and the
/// package's one-off start (evaluator worker start + compile of the evaluator under its policy).</summary>
public sealed class PackageOverheadBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "package-overhead";

    /// <inheritdoc/>
    public string Description => "per-evaluation cost of a package evaluator vs the built-in of the same problem (target <= 1.2x), and its one-off start";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 200;
        var data = JsonDocument.Parse(File.ReadAllText(DomainsBenchmark.FindData())).RootElement;
        var answer = "{\"circles\": " + data.GetProperty("circle_packing_32").GetProperty("circles_x_y_r").GetRawText() + "}";
        var builtIn = new CirclePackingDomain();

        var folder = Path.Combine(AppContext.BaseDirectory, "Domains", "CirclePackingPackage");
        var launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        var start = Stopwatch.StartNew();
        using var package = EvaluatorWorker.Open(DomainPackage.LoadFolder(folder), launch);
        var packageTask = package.FindTask("n32")!.Value.Task;
        var first = package.Evaluate(packageTask, answer);
        var startMs = start.Elapsed.TotalMilliseconds;

        var builtInTask = builtIn.FindTask("n32")!.Value.Task;
        var expected = builtIn.Evaluate(builtInTask, answer);
        Console.WriteLine($"built-in: valid={expected.Valid} raw={expected.Raw:R}; package: valid={first.Valid} raw={first.Raw:R}{(first.Fault is { } f ? " fault: " + f : "")}");
        if (first.Raw != expected.Raw || first.Valid != expected.Valid)
        {
            Console.WriteLine("the package and the built-in disagree: figures below compare different work");
            return Task.FromResult(1);
        }

        // Warm: both sides past tiered JIT's first tier (the worker's evaluator is JIT-compiled there, not here).
        for (var i = 0; i < 100; i++)
        {
            builtIn.Evaluate(builtInTask, answer);
            package.Evaluate(packageTask, answer);
        }

        // Interleaved so that load on the machine falls on both alike.
        var builtInMs = new List<double>();
        var packageMs = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            builtIn.Evaluate(builtInTask, answer);
            builtInMs.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            package.Evaluate(packageTask, answer);
            packageMs.Add(watch.Elapsed.TotalMilliseconds);
        }

        var (b, p) = (Stats.Median(builtInMs), Stats.Median(packageMs));
        Console.WriteLine($"circle packing n=32, published answer, {runs} warm evaluations each: built-in median {b:0.###} ms, package median {p:0.###} ms (p90 {Stats.Quantile(packageMs, 0.9):0.###} ms), ratio {p / b:0.##}x");
        Console.WriteLine($"package one-off start (load, worker start, evaluator compile, first evaluation): {startMs:0} ms");
        return Task.FromResult(Stats.Target("package / built-in per-evaluation time", p / b, 1.2, "x") ? 0 : 1);
    }
}
