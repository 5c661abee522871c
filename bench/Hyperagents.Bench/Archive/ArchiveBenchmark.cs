using System.Diagnostics;
using System.Globalization;
using Hyperagents.Archive;
using LibGit2Sharp;

namespace Hyperagents.Bench.Archive;

/// <summary>
/// The run archive at scale: synthetic small variants (five files, one changed per child, parents drawn DGM-style from
/// recent accepted variants), each evaluated. Reports the add-variant median, the lineage query of the deepest
/// variant, listing every variant with scores from a freshly opened run, and the repository size.
/// </summary>
public sealed class ArchiveBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "archive";

    /// <inheritdoc/>
    public string Description => "run archive: add-variant median, deepest lineage, listing with scores, size [--variants N] [--durability syncfs|fsync|none] [--compare N] [--keep DIR (reused if it holds a run)]";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var variants = IntOption(args, "--variants", 100_000);
        var durability = ParseDurability(StringOption(args, "--durability", null)) ?? ArchiveOptions.Default.Durability;
        var compare = IntOption(args, "--compare", 500);
        var keep = StringOption(args, "--keep", null);
        var root = keep ?? Path.Combine(Path.GetTempPath(), "ha-bench-archive-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var reuse = keep is not null && Directory.Exists(Path.Combine(root, "main"));
            Console.WriteLine(reuse
                ? $"archive benchmark: reading the existing run in {root}/main (no writes measured)"
                : $"archive benchmark: {variants:N0} variants, durability {durability}, in {root}");
            var main = reuse ? Read(Path.Combine(root, "main"), new ArchiveOptions { Durability = durability }, new Result(0, 0, 0, 0, 0))
                : Measure(Path.Combine(root, "main"), variants, durability, detailed: true);
            var met = reuse || Stats.Target("add-variant median", main.AddMedian, 5, "ms");
            met &= Stats.Target("lineage of the deepest variant", main.Lineage, 50, "ms");
            met &= Stats.Target("listing all variants with scores", main.Listing, 2000, "ms");

            // The other durability modes on a smaller run, for comparison: their cost is per write, not per run size.
            foreach (var other in Enum.GetValues<Durability>().Where(d => d != durability && compare > 0 && !reuse))
            {
                var sample = Measure(Path.Combine(root, other.ToString()), compare, other, detailed: false);
                Console.WriteLine($"  durability {other} ({compare:N0} variants): add median {sample.AddMedian:0.###} ms, p90 {sample.AddP90:0.###} ms; attach-evaluation median {sample.AttachMedian:0.###} ms");
            }

            return Task.FromResult(met ? 0 : 1);
        }
        finally
        {
            if (keep is null && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static Durability? ParseDurability(string? text) => text switch
    {
        null => null,
        "syncfs" => Durability.SyncFileSystem,
        "fsync" => Durability.FsyncEachFile,
        "none" => Durability.None,
        _ => throw new ArgumentException($"--durability {text}: use syncfs, fsync or none"),
    };

    private static Result Measure(string path, int count, Durability durability, bool detailed)
    {
        var options = new ArchiveOptions { Durability = durability };
        var random = new Random(42);
        var addTimes = new List<double>(count);
        var attachTimes = new List<double>(count);
        var accepted = new List<string>();
        var files = new Dictionary<string, string>
        {
            ["task/Solve.cs"] = "class Solve { int Answer => 41; }\n",
            ["task/Helpers.cs"] = "static class Helpers { }\n",
            ["meta/Modify.cs"] = "class Modify { }\n",
            ["meta/prompt.md"] = "Improve the task agent.\n",
            ["README.md"] = "synthetic\n",
        };
        var paths = files.Keys.ToArray();
        var total = Stopwatch.StartNew();
        using (var run = ArchiveRun.Create(path, new RunManifest("bench", "synthetic", "synthetic"), options))
        {
            string? parent = null;
            for (var i = 0; i < count; i++)
            {
                var child = new Dictionary<string, string>(files);
                var changed = paths[random.Next(paths.Length)];
                child[changed] = $"// variant {i}\n" + files[changed];
                var status = i > 0 && random.Next(5) == 0 ? VariantStatus.Rejected("gate: forbidden symbol") : VariantStatus.Accepted;
                var clock = Stopwatch.StartNew();
                var id = run.AddVariant(new NewVariant
                {
                    Parent = parent,
                    Files = child,
                    Status = status,
                    Model = new ModelUsage("offline", "mutation-toolkit", 100, 50, 1),
                    EvaluatorHash = "bench",
                    Transcript = $"{{\"type\":\"tool\",\"name\":\"mutate\",\"file\":\"{changed}\"}}\n",
                });
                addTimes.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                var score = random.NextDouble();
                run.AttachEvaluation(id, new Evaluation
                {
                    EvaluatorHash = "bench",
                    Splits = new Dictionary<string, SplitEvaluation> { ["train"] = new(score, [new TaskEvaluation("t1", score, "ok")]) },
                });
                attachTimes.Add(clock.Elapsed.TotalMilliseconds);
                if (status.State == VariantState.Accepted)
                {
                    accepted.Add(id);
                }

                // DGM-style: mostly a recent accepted variant, sometimes any accepted one.
                parent = random.Next(4) == 0
                    ? accepted[random.Next(accepted.Count)]
                    : accepted[Math.Max(0, accepted.Count - 1 - random.Next(Math.Min(accepted.Count, 50)))];
                if (detailed && (i + 1) % 10_000 == 0)
                {
                    Console.WriteLine($"  {i + 1:N0} variants, {total.Elapsed.TotalSeconds:0} s, add median so far {Stats.Median(addTimes):0.###} ms");
                }
            }
        }

        var result = new Result(Stats.Median(addTimes), Stats.Quantile(addTimes, 0.9), Stats.Median(attachTimes), 0, 0);
        if (!detailed)
        {
            return result;
        }

        Console.WriteLine($"  wrote {count:N0} variants + {count:N0} evaluations in {total.Elapsed.TotalSeconds:0.#} s");
        Console.WriteLine($"  add-variant: median {result.AddMedian:0.###} ms, p90 {result.AddP90:0.###} ms, max {addTimes.Max():0.###} ms");
        Console.WriteLine($"  attach-evaluation: median {result.AttachMedian:0.###} ms, p90 {Stats.Quantile(attachTimes, 0.9):0.###} ms");
        return Read(path, options, result);
    }

    private static Result Read(string path, ArchiveOptions options, Result result)
    {
        var count = 0;

        // Listing from a freshly opened run: opening replays the journal, so this is the cold figure.
        var cold = Stopwatch.StartNew();
        using var reopened = ArchiveRun.Open(path, options);
        var open = cold.Elapsed.TotalMilliseconds;
        var list = reopened.ListVariants();
        var listing = cold.Elapsed.TotalMilliseconds;
        count = list.Count;
        var scored = list.Count(v => v.Scores.Count > 0);
        var warm = Stopwatch.StartNew();
        _ = reopened.ListVariants();
        var warmListing = warm.Elapsed.TotalMilliseconds;
        Console.WriteLine($"  listing {list.Count:N0} variants ({scored:N0} scored): {listing:0.#} ms from a fresh open (open + reconcile {open:0.#} ms), {warmListing:0.#} ms warm");
        var opens = new List<double> { listing };
        for (var again = 0; again < 4; again++)
        {
            var clock = Stopwatch.StartNew();
            using var more = ArchiveRun.Open(path, options);
            var n = more.ListVariants().Count;
            Console.WriteLine($"  again: open + list {n:N0} variants {clock.Elapsed.TotalMilliseconds:0.#} ms");
            opens.Add(clock.Elapsed.TotalMilliseconds);
        }

        // The first open of the process also pays for JIT; the target is checked on the median of five fresh opens.
        listing = Stats.Median(opens);
        Console.WriteLine($"  open + list, median of {opens.Count} fresh opens: {listing:0.#} ms");


        var deepest = list.MaxBy(v => v.Generation)!;
        var lineageTimes = new List<double>();
        IReadOnlyList<VariantSummary> lineage = [];
        for (var i = 0; i < 21; i++)
        {
            var clock = Stopwatch.StartNew();
            lineage = reopened.GetLineage(deepest.Id);
            lineageTimes.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"  lineage of the deepest variant (generation {deepest.Generation}, {lineage.Count} entries): first {lineageTimes[0]:0.###} ms, median {Stats.Median(lineageTimes):0.###} ms");
        var gitWalk = Stopwatch.StartNew();
        var walked = 0;
        using (var repo = new LibGit2Sharp.Repository(path))
        {
            for (var c = repo.Lookup<LibGit2Sharp.Commit>(deepest.Id); c is not null; c = c.Parents.FirstOrDefault())
            {
                walked++;
            }
        }

        Console.WriteLine($"  the same lineage by walking git commits: {gitWalk.Elapsed.TotalMilliseconds:0.#} ms ({walked} commits incl. the manifest)");
        var (bytes, fileCount) = Size(path);
        Console.WriteLine($"  repository size: {bytes / (1024.0 * 1024.0):0.#} MiB in {fileCount:N0} files ({bytes / (double)count:0} bytes a variant with its evaluation)");
        Console.WriteLine($"  journal: {new FileInfo(Path.Combine(path, "hyperagents", "journal")).Length / 1024.0:0} KiB");
        Console.WriteLine($"  process RSS: {Stats.RssMiB():0} MiB");
        return result with { Lineage = Stats.Median(lineageTimes), Listing = listing };
    }

    private static (long Bytes, long Files) Size(string path)
    {
        long bytes = 0, files = 0;
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            bytes += file.Length;
            files++;
        }

        return (bytes, files);
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        StringOption(args, name, null) is { } text ? int.Parse(text.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;

    private static string? StringOption(string[] args, string name, string? fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private sealed record Result(double AddMedian, double AddP90, double AttachMedian, double Lineage, double Listing);
}
