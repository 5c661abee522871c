using System.Diagnostics;
using Hyperagents.Compiler;
using Hyperagents.Hosting;

namespace Hyperagents.Bench.Compile;

/// <summary>What compiling in a memory-bounded worker process costs: compile+gate of the same agent in process and in a
/// warm compile worker, interleaved, plus the first compile of a cold worker (process start and Roslyn warm-up).</summary>
/// <remarks>Both sides keep their parsed-file cache warm (the loop's usual case: a child shares most files with its
/// parent), so the difference is the worker's own overhead: the request and reply on the pipe and the host's re-read of
/// the image (IL scan, entry points).</remarks>
public sealed class CompileWorkerBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "compile-worker";

    /// <inheritdoc/>
    public string Description => "compile+gate latency in a warm compile worker vs in process; a cold worker's first compile (args: [agent-folder] [--compiles N] [--starts N])";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var compiles = 100;
        var starts = 3;
        string? folder = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--compiles" when i + 1 < args.Length:
                    compiles = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--starts" when i + 1 < args.Length:
                    starts = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    folder = args[i];
                    break;
            }
        }

        var source = AgentSource.FromDirectory(folder ?? SeedFolder());
        var options = new AgentCompilerOptions
        {
            Worker = new CompileWorkerOptions { Launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) },
        };
        Console.WriteLine($"compile-worker benchmark: {compiles} compiles of {source.CSharpFiles.Count()} .cs files each way, {starts} cold starts");

        var cold = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            using var fresh = new AgentCompiler(options);
            var clock = Stopwatch.StartNew();
            Require(fresh.Compile(source));
            cold.Add(clock.Elapsed.TotalMilliseconds);
        }

        var inProcess = new AgentCompiler();
        using var worker = new AgentCompiler(options);
        for (var i = 0; i < 10; i++)
        {
            Require(inProcess.Compile(source));
            Require(worker.Compile(source));
        }

        var local = new List<double>(compiles);
        var remote = new List<double>(compiles);
        var stopwatch = new Stopwatch();
        for (var i = 0; i < compiles; i++)
        {
            stopwatch.Restart();
            Require(inProcess.Compile(source));
            local.Add(stopwatch.Elapsed.TotalMilliseconds);
            stopwatch.Restart();
            Require(worker.Compile(source));
            remote.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        var localMedian = Stats.Median(local);
        var remoteMedian = Stats.Median(remote);
        Console.WriteLine($"  in process:        median {localMedian:0.0} ms, p90 {Stats.Quantile(local, 0.9):0.0} ms");
        Console.WriteLine($"  warm worker:       median {remoteMedian:0.0} ms, p90 {Stats.Quantile(remote, 0.9):0.0} ms ({worker.WorkersStarted} worker started)");
        Console.WriteLine($"  cold worker, first compile: median {Stats.Median(cold):0} ms (process start, Roslyn warm-up, compile)");
        Console.WriteLine($"  warm worker overhead: {remoteMedian - localMedian:0.0} ms");
        var ok = Stats.Target("warm worker / in process (median)", remoteMedian / localMedian, 1.1, "x");
        ok &= Stats.Target("workers started for the warm series", worker.WorkersStarted, 1, "workers");
        return Task.FromResult(ok ? 0 : 1);
    }

    private static void Require(CompileResult result)
    {
        if (!result.Success)
        {
            throw new InvalidOperationException("compile failed: " + string.Join("; ", result.Report.Diagnostics));
        }
    }

    private static string SeedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperagents.sln")))
            {
                return Path.Combine(dir.FullName, "seeds", "default");
            }
        }

        throw new InvalidOperationException("Run from inside the repository or pass an agent folder.");
    }
}
