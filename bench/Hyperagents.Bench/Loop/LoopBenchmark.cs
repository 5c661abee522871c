using System.Diagnostics;
using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Sandbox;

namespace Hyperagents.Bench.Loop;

/// <summary>An offline circle-packing DGM-H run in the Wasmtime sandbox for a wall-clock budget: best-so-far val score
/// against generation and wall time, the seed's and the best's val and test scores with standard errors, the best Σr at
/// n = 26, evaluations per minute, the share of accepted children whose meta files changed, and how many accepted
/// children's gains over their parents are within noise. Target: n = 26 best ≥ 2.60.</summary>
/// <remarks>Arguments: minutes (default 10), run seed (default 1), replicates K (default the run default).</remarks>
public sealed class LoopBenchmark : IBenchmark
{
    private const double Target26 = 2.60;

    /// <inheritdoc />
    public string Name => "loop";

    /// <inheritdoc />
    public string Description => "Offline circle-packing run in the sandbox: loop [minutes=10] [seed=1] [replicates]; best val and test ± s.e., gains within noise, n=26 target 2.60.";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var seedArg = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 1UL;
        var replicates = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : RunSettings.DefaultReplicates;
        var seedFolder = FindSeed();
        var folder = Path.Combine(Path.GetTempPath(), "hyperagents-bench-loop-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new RunSettings
        {
            Domain = "circle-packing",
            Generations = 100_000,
            Seed = seedArg,
            Replicates = replicates,
            WallClockBudget = TimeSpan.FromMinutes(minutes),
            SeedFolder = seedFolder,
        }.Validate();

        Console.WriteLine($"loop: offline circle-packing, sandbox, {minutes} min budget, seed {seedArg}, replicates {replicates}, {Environment.ProcessorCount} cores, archive {folder}");
        var domain = Hyperagents.Bench.Domains.BenchDomains.Open(settings.Domain);
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

                        if (a.NewBest && a.Score is { } score)
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

        // Every accepted, fully evaluated child against its parent on val: paired on identical draws.
        int beats = 0, within = 0, worse = 0, unchanged = 0;
        var gains = new List<double>();
        var errors = new List<double>();
        foreach (var child in accepted.Where(v => v.Scores.ContainsKey(SplitNames.Val)))
        {
            var mine = archive.GetEvaluations(child.Id).Last(e => e.Splits.ContainsKey(SplitNames.Val));
            var theirs = archive.GetEvaluations(child.Parent!).LastOrDefault(e => e.Splits.ContainsKey(SplitNames.Val));
            unchanged += ScoreStatistics.SameAnswers(mine, archive.GetEvaluations(child.Parent!)) == true ? 1 : 0;
            errors.Add(ScoreStatistics.StdErrOf(mine.Splits[SplitNames.Val]) ?? double.NaN);
            if (theirs is null)
            {
                continue;
            }

            var c = ScoreStatistics.Compare(mine.Splits[SplitNames.Val], theirs.Splits[SplitNames.Val]);
            if (c.BeatsNoise)
            {
                beats++;
                gains.Add(c.Gain);
            }
            else if (c.WithinNoise)
            {
                within++;
            }
            else
            {
                worse++;
            }
        }

        var compared = beats + within + worse;
        var seedId = variants.OrderBy(v => v.Sequence).First().Id;
        var bestId = archive.Best!;
        var seedTest = await loop.EvaluateVariantAsync(seedId, [Split.Test], CancellationToken.None);
        var bestTest = bestId == seedId ? seedTest : await loop.EvaluateVariantAsync(bestId, [Split.Test], CancellationToken.None);
        string Val(string id) => Fmt(archive.GetEvaluations(id).Last(e => e.Splits.ContainsKey(SplitNames.Val)).Splits[SplitNames.Val]);

        Console.WriteLine();
        Console.WriteLine($"run seed {seedArg}, replicates {replicates}");
        Console.WriteLine($"seed                  val {Val(seedId)}   test {Fmt(seedTest.Splits[SplitNames.Test])}   (n26 Σr {seed26:0.0000})");
        Console.WriteLine($"best {bestId[..12]}     val {Val(bestId)}   test {Fmt(bestTest.Splits[SplitNames.Test])}");
        Console.WriteLine($"best n26 Σr           {best26:0.0000}   (published record {Hyperagents.Bench.Domains.BenchDomains.Reference26:0.0000})");
        Console.WriteLine($"gain over parent (val, paired, one-sided 95 % t bound): beats noise {beats}, within noise {within} ({(compared == 0 ? 0 : (double)within / compared):P1} of {compared} accepted children), worse beyond noise {worse}; no behavioural change {unchanged}");
        Console.WriteLine($"typical gain beating noise {(gains.Count == 0 ? double.NaN : Median(gains)):0.00000}; median val standard error {(errors.Count == 0 ? double.NaN : Median(errors)):0.00000}");
        Console.WriteLine($"evaluations/minute    {evaluations / Math.Max(1e-9, elapsed.TotalMinutes):0.0}   ({evaluations} staged-or-full evaluations of accepted variants, seed included, {replicates} draws per task)");
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
            if (evaluation.Splits.TryGetValue(SplitNames.Val, out var val) && val.Tasks.Where(t => t.Task == "n26").ToList() is { Count: > 0 } draws)
            {
                // The normalised score is Σr ÷ the published reference at n = 26; the best of the variant's draws.
                return draws.Max(t => t.Score) * Hyperagents.Bench.Domains.BenchDomains.Reference26;
            }
        }

        return null;
    }

    private static string Fmt(SplitEvaluation split) => split.Score.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) + (ScoreStatistics.StdErrOf(split) is { } se ? "±" + se.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) : "");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
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
