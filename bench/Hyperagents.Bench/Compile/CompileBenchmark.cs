using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using Hyperagents.Compiler;
using Hyperagents.Transport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Hyperagents.Bench.Compile;

/// <summary>The compile pipeline end to end: compile → gate → load into a collectible context → SolveTask → unload,
/// against a bare Roslyn parse+compile+emit of the same source.</summary>
/// <remarks>
/// Fairness: both sides share the same <see cref="MetadataReference"/> objects (so both reuse Roslyn's cached metadata
/// symbols), the same parse and compilation options, and run in the same warmed-up process. The bare side parses
/// every time (no tree cache) and runs no gate; the full cycle uses the compiler's syntax-tree cache, as the host does
/// for a child that shares files with its parent. Both are measured after a warm-up, interleaved cycle by cycle.
/// RSS is read after a full blocking collection at cycle 100 and at the end, so its growth measures what is retained.
/// </remarks>
public sealed class CompileBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "compile";

    /// <inheritdoc/>
    public string Description => "compile+gate+load+SolveTask+unload cycles vs bare Roslyn compile (args: [agent-folder] [--cycles N])";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var cycles = 1000;
        string? folder = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--cycles" && i + 1 < args.Length)
            {
                cycles = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                folder = args[i];
            }
        }

        folder ??= DefaultAgent();
        var source = AgentSource.FromDirectory(folder);
        var compiler = new AgentCompiler();
        Console.WriteLine($"compile benchmark: {cycles} cycles on {folder} ({source.CSharpFiles.Count()} .cs files, {source.Files.Values.Sum(v => v.Length):N0} chars)");

        var first = compiler.Compile(source);
        if (!first.Success)
        {
            Console.WriteLine("the agent does not compile or pass the gate:");
            foreach (var d in first.Report.Diagnostics)
            {
                Console.WriteLine("  " + d);
            }

            return 1;
        }

        // Warm-up of both paths (JIT, Roslyn's metadata caches).
        for (var i = 0; i < 20; i++)
        {
            BareCompile(source);
            await FullCycle(compiler, source, i, [], []);
        }

        var full = new List<double>(cycles);
        var bare = new List<double>(cycles);
        var weak = new List<WeakReference>(cycles);
        var runParts = new List<double>(cycles);
        var completed = 0;
        double rssAt100 = 0;
        var stopwatch = new Stopwatch();
        for (var i = 0; i < cycles; i++)
        {
            stopwatch.Restart();
            var size = BareCompile(source);
            bare.Add(stopwatch.Elapsed.TotalMilliseconds);
            GC.KeepAlive(size);

            stopwatch.Restart();
            if (await FullCycle(compiler, source, i, weak, runParts))
            {
                completed++;
            }

            full.Add(stopwatch.Elapsed.TotalMilliseconds);
            if (i == 99)
            {
                rssAt100 = RssAfterGc();
            }
        }

        await Task.Yield();
        var rssEnd = RssAfterGc();
        for (var i = 0; i < 10 && weak.Any(w => w.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        var alive = weak.Count(w => w.IsAlive);
        if (alive > 0)
        {
            Console.WriteLine($"  alive context indices: {string.Join(", ", weak.Select((w, i) => (w, i)).Where(p => p.w.IsAlive).Select(p => p.i).Take(10))}");
        }

        var fullMedian = Stats.Median(full);
        var bareMedian = Stats.Median(bare);
        Console.WriteLine($"  full cycle (compile+gate+load+SolveTask+unload): median {fullMedian:0.00} ms, p90 {Stats.Quantile(full, 0.9):0.00} ms");
        Console.WriteLine($"    of which load+SolveTask+unload:                median {Stats.Median(runParts):0.00} ms, p90 {Stats.Quantile(runParts, 0.9):0.00} ms");
        Console.WriteLine($"  bare Roslyn parse+compile+emit:                  median {bareMedian:0.00} ms, p90 {Stats.Quantile(bare, 0.9):0.00} ms");
        Console.WriteLine($"  SolveTask completed in {completed}/{cycles} cycles; syntax-tree cache hits {compiler.SyntaxTreeCacheHits}, misses {compiler.SyntaxTreeCacheMisses}");
        Console.WriteLine($"  RSS after 100 cycles {rssAt100:0.0} MiB, after {cycles} cycles {rssEnd:0.0} MiB");
        Console.WriteLine($"  collectible contexts still alive after GC: {alive}/{weak.Count}");
        Console.WriteLine($"  gate+load+unload overhead over a bare compile: {fullMedian - bareMedian:0.00} ms = {(fullMedian - bareMedian) / bareMedian:0.00}x bare");
        // The brief's target "gate+load+unload overhead <= 1.3x bare compile" has two readings; both are printed.
        var ok = Stats.Target("overhead (full - bare) / bare compile", (fullMedian - bareMedian) / bareMedian, 1.3, "x");
        ok &= Stats.Target("full cycle / bare compile (strict reading)", fullMedian / bareMedian, 1.3, "x");
        ok &= Stats.Target("RSS growth after the first 100 cycles", rssEnd - rssAt100, 50, "MiB");
        ok &= Stats.Target("contexts alive after GC", alive, 0, "contexts");
        ok &= Stats.Target("SolveTask completions", completed, cycles, "calls", lowerIsBetter: false);
        return ok ? 0 : 1;
    }

    /// <summary>RSS after a full blocking collection, so that the growth figure measures what is retained, not garbage.</summary>
    private static double RssAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Stats.RssMiB();
    }

    private static int BareCompile(AgentSource source)
    {
        var trees = source.CSharpFiles
            .Select(f => CSharpSyntaxTree.ParseText(SourceText.From(f.Value, Encoding.UTF8, SourceHashAlgorithm.Sha256), AgentCompiler.ParseOptions, f.Key))
            .Append(CSharpSyntaxTree.ParseText(AgentCompiler.GlobalUsingsText, AgentCompiler.ParseOptions, AgentCompiler.GlobalUsingsPath))
            .ToList();
        var compilation = CSharpCompilation.Create(AgentCompiler.AssemblyNameOf(source), trees, AgentReferences.All, AgentCompiler.CreateCompilationOptions());
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        return result.Success ? (int)stream.Length : throw new InvalidOperationException("bare compile failed");
    }

    private static async Task<bool> FullCycle(AgentCompiler compiler, AgentSource source, int index, List<WeakReference> weak, List<double> runParts)
    {
        var result = compiler.Compile(source);
        var started = Stopwatch.GetTimestamp();
        if (!result.Success)
        {
            throw new InvalidOperationException("compile failed: " + string.Join("; ", result.Report.Diagnostics));
        }

        var (completed, reference) = await LoadRunUnload(result.Agent!.Image, index);
        runParts.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        weak.Add(reference);
        return completed;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<(bool Completed, WeakReference Context)> LoadRunUnload(byte[] image, int index)
    {
        var context = new AssemblyLoadContext("agent-" + index, isCollectible: true);
        var reference = new WeakReference(context);
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(image));
            var task = new TaskSpec("bench", "t" + index, "benchmark task", new Dictionary<string, string> { ["n"] = "5" }, null);
            var outcome = await AgentInvoker.SolveTaskAsync(assembly, new TaskInvocation(task, (ulong)index), new NullChannel()).ConfigureAwait(false);
            return (outcome.Status == InvocationStatus.Completed, reference);
        }
        finally
        {
            context.Unload();
        }
    }

    private static string DefaultAgent()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperagents.sln")))
            {
                var seed = Path.Combine(dir.FullName, "seeds", "default");
                return Directory.Exists(seed) && Directory.EnumerateFiles(seed, "*.cs", SearchOption.AllDirectories).Any()
                    ? seed
                    : Path.Combine(dir.FullName, "tests", "Hyperagents.Compiler.Tests", "Agents", "Benign");
            }
        }

        throw new InvalidOperationException("Run from inside the repository or pass an agent folder.");
    }

    /// <summary>A host that acknowledges logs and refuses everything else, in process.</summary>
    private sealed class NullChannel : IHostChannel
    {
        private static readonly byte[] Ack = "{}"u8.ToArray();

        public ValueTask<byte[]> CallAsync(string capability, byte[] request) =>
            capability == Capabilities.Log
                ? ValueTask.FromResult(Ack)
                : ValueTask.FromException<byte[]>(new HostCallException(capability, "not-available", "The benchmark host serves only the log."));
    }
}
