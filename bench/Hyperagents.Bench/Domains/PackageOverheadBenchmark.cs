using System.Diagnostics;
using System.Text.Json;
using Hyperagents.Compiler;
using Hyperagents.Domains;

namespace Hyperagents.Bench.Domains;

/// <summary>A package evaluator's cost: the shipped circle-packing package (every built-in is a package, so there is no
/// in-process evaluator to compare with any more) scoring AlphaEvolve's published n = 32 packing, warm per evaluation
/// through its evaluator worker, and its one-off start (worker start + evaluator load, from the compiled-evaluator cache
/// when warm, else compiled under the evaluator policy).</summary>
public sealed class PackageOverheadBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "package-overhead";

    /// <inheritdoc/>
    public string Description => "per-evaluation cost of the shipped circle-packing package through its evaluator worker (target <= 50 ms at n=32), and its one-off start";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 200;
        var data = JsonDocument.Parse(File.ReadAllText(DomainsBenchmark.FindData())).RootElement;
        var answer = "{\"circles\": " + data.GetProperty("circle_packing_32").GetProperty("circles_x_y_r").GetRawText() + "}";

        var start = Stopwatch.StartNew();
        using var package = EvaluatorWorker.Open(DomainCatalog.Shipped("circle-packing")!, BenchDomains.Launch);
        var task = package.FindTask("n32")!.Value.Task;
        var first = package.Evaluate(task, answer);
        var startMs = start.Elapsed.TotalMilliseconds;
        Console.WriteLine($"package: valid={first.Valid} raw={first.Raw:R}{(first.Fault is { } f ? " fault: " + f : "")}");
        if (!first.Valid)
        {
            Console.WriteLine("the published packing did not score as valid: figures below would measure a rejection");
            return Task.FromResult(1);
        }

        // Warm: past tiered JIT's first tier in the worker.
        for (var i = 0; i < 100; i++)
        {
            package.Evaluate(task, answer);
        }

        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            package.Evaluate(task, answer);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        var median = Stats.Median(samples);
        Console.WriteLine($"circle packing n=32, published answer, {runs} warm evaluations: median {median:0.###} ms (p90 {Stats.Quantile(samples, 0.9):0.###} ms)");
        Console.WriteLine($"package one-off start (load, worker start, evaluator load or compile, first evaluation): {startMs:0} ms");
        return Task.FromResult(Stats.Target("package per-evaluation time", median, 50, "ms") ? 0 : 1);
    }
}
