using System.Diagnostics;
using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Sandbox;

namespace Hyperagents.Bench.Loop;

/// <summary>An offline circle-packing DGM-H run in the Wasmtime sandbox for a wall-clock budget: best-so-far val score
/// against generation and wall time, the seed's score, the best Σr at n = 26, evaluations per minute, and the share of
/// accepted children whose meta files changed. Target: n = 26 best ≥ 2.60.</summary>
public sealed class LoopBenchmark : IBenchmark
{
    private const double Target26 = 2.60;

    /// <inheritdoc />
    public string Name => "loop";

    /// <inheritdoc />
    public string Description => "Offline circle-packing run in the sandbox for N minutes (default 10): best-so-far curve, n=26 target 2.60.";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var seedArg = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 1UL;
        var seedFolder = FindSeed();
        var folder = Path.Combine(Path.GetTempPath(), "hyperagents-bench-loop-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new RunSettings
        {
            Domain = "circle-packing",
            Generations = 100_000,
            Seed = seedArg,
            WallClockBudget = TimeSpan.FromMinutes(minutes),
            SeedFolder = seedFolder,
        }.Validate();

        Console.WriteLine($"loop: offline circle-packing, sandbox, {minutes} min budget, seed {seedArg}, {Environment.ProcessorCount} cores, archive {folder}");
        var domain = DomainCatalog.Create(settings.Domain);
        var clock = Stopwatch.StartNew();
        var curve = new List<(int Attempt, double Seconds, double Best, double Best26)>();
        var evaluations = 0;
        double seedScore = double.NaN, seed26 = double.NaN, best = double.NegativeInfinity, best26 = double.NegativeInfinity;
        using var archive = ArchiveRun.Create(folder, new RunManifest("bench-loop", settings.Domain, "default"));
        await using var runner = SandboxRunner.Create();
        var gate = new object();

        void OnEvent(RunEvent e)
        {
            lock (gate)
            {
                switch (e)
                {
                    case SeedEvaluated s:
                        seedScore = best = s.Score;
                        seed26 = best26 = Raw26(archive, s.VariantId) ?? double.NaN;
                        evaluations++;
                        curve.Add((0, clock.Elapsed.TotalSeconds, best, best26));
                        break;
                    case AttemptArchived a:
                        if (a.Status == "accepted")
                        {
                            evaluations++;
                        }

                        if (a.Score is { } score && score > best)
                        {
                            best = score;
                        }

                        if (Raw26(archive, a.VariantId) is { } r && r > best26)
                        {
                            best26 = r;
                        }

                        curve.Add((a.Attempt, clock.Elapsed.TotalSeconds, best, best26));
                        if (a.Attempt % 10 == 0)
                        {
                            Console.WriteLine($"  attempt {a.Attempt,5}  {clock.Elapsed.TotalMinutes,6:0.00} min  best val {best:0.0000}  best n26 Σr {best26:0.0000}");
                        }

                        break;
                }
            }
        }

        var loop = new DgmhLoop(new RunServices
        {
            Archive = archive,
            Settings = settings,
            Domain = domain,
            Compiler = new AgentCompiler(),
            Runner = runner,
            EvaluatorHash = EvaluatorHash.For(domain),
            Listener = OnEvent,
        });
        var summary = await loop.RunAsync(AgentSource.FromDirectory(seedFolder).Files, CancellationToken.None);
        var elapsed = clock.Elapsed;

        var variants = archive.ListVariants();
        var children = variants.Where(v => v.Parent is not null).ToList();
        var accepted = children.Where(v => v.Status.State == VariantState.Accepted).ToList();
        var metaChanged = accepted.Where(v => archive.GetDiff(v.Id).Any(d => FileKinds.Of(d.Path) == FileKind.Meta)).ToList();
        var metaIds = metaChanged.Select(v => v.Id).ToHashSet();
        var metaParentsOfAccepted = accepted.Where(v => v.Parent is not null && metaIds.Contains(v.Parent)).Select(v => v.Parent).Distinct().Count();
        var fullyEvaluated = accepted.Count(v => v.Scores.ContainsKey(SplitNames.Val));

        Console.WriteLine();
        Console.WriteLine($"stopped: {summary.Reason} after {elapsed.TotalMinutes:0.00} min");
        Console.WriteLine($"attempts {children.Count}: accepted {accepted.Count} (fully evaluated {fullyEvaluated}), rejected {children.Count(v => v.Status.State == VariantState.Rejected)}, failed {children.Count(v => v.Status.State == VariantState.Failed)}");
        Console.WriteLine();
        Console.WriteLine("best-so-far val score against generation (attempt) and wall time:");
        Console.WriteLine("  attempt   minutes   best val   best n26 Σr");
        foreach (var point in Thin(curve, 25))
        {
            Console.WriteLine($"  {point.Attempt,7}   {point.Seconds / 60,7:0.00}   {point.Best,8:0.0000}   {point.Best26,10:0.0000}");
        }

        Console.WriteLine();
        Console.WriteLine($"seed val score        {seedScore:0.0000}   (n26 Σr {seed26:0.0000})");
        Console.WriteLine($"best val score        {best:0.0000}");
        Console.WriteLine($"best n26 Σr           {best26:0.0000}   (published record {CirclePackingDomain.Reference26:0.0000})");
        Console.WriteLine($"evaluations/minute    {evaluations / Math.Max(1e-9, elapsed.TotalMinutes):0.0}   ({evaluations} staged-or-full evaluations of accepted variants, seed included)");
        Console.WriteLine($"attempts/minute       {children.Count / Math.Max(1e-9, elapsed.TotalMinutes):0.0}");
        Console.WriteLine($"meta-changed share    {(accepted.Count == 0 ? 0 : (double)metaChanged.Count / accepted.Count):P1} of accepted children ({metaChanged.Count}/{accepted.Count}); {metaParentsOfAccepted} of them parents of accepted children");
        var met = best26 >= Target26;
        Console.WriteLine($"target n26 best >= {Target26:0.00}: {(met ? "MET" : "MISSED")}");
        Console.WriteLine($"archive: {folder} (git -C {folder} log --graph --all --oneline)");
        return met ? 0 : 1;
    }

    private static double? Raw26(ArchiveRun archive, string variantId)
    {
        foreach (var evaluation in archive.GetEvaluations(variantId))
        {
            if (evaluation.Splits.TryGetValue(SplitNames.Val, out var val) && val.Tasks.FirstOrDefault(t => t.Task == "n26") is { } task)
            {
                // The normalised score is Σr ÷ the published reference at n = 26.
                return task.Score * CirclePackingDomain.Reference26;
            }
        }

        return null;
    }

    private static IEnumerable<(int Attempt, double Seconds, double Best, double Best26)> Thin(List<(int Attempt, double Seconds, double Best, double Best26)> curve, int points)
    {
        // Every improvement, plus evenly spaced points so the flat stretches show.
        var step = Math.Max(1, curve.Count / points);
        for (var i = 0; i < curve.Count; i++)
        {
            var improved = i == 0 || curve[i].Best > curve[i - 1].Best || curve[i].Best26 > curve[i - 1].Best26;
            if (improved || i % step == 0 || i == curve.Count - 1)
            {
                yield return curve[i];
            }
        }
    }

    private static string FindSeed()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "seeds", "default");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("seeds/default not found: run the benchmark from the repository.");
    }
}
