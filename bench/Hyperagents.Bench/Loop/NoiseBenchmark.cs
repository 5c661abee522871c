using System.Diagnostics;
using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Bench.Loop;

/// <summary>How noisy a circle-packing val score is, and whether code <c>SolveTask</c> never reaches changes it: the
/// default seed and eight copies differing only in the offline policy's <c>MetaProbability</c> (0.25 … 0.32) on val with
/// one replicate (their scores must be identical), then the seed on val with R replicates: the spread of one-replicate
/// val means, and the standard error at K = 1, 2, 3, 5 (what <c>--replicates</c> trades against time).</summary>
public sealed class NoiseBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "noise";

    /// <inheritdoc />
    public string Description => "Circle-packing val noise: noise [replicates=10] [seed=1]; meta-only variants score alike; s.e. at K = 1, 2, 3, 5.";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var replicates = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var runSeed = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 1UL;
        var seedFolder = Path.Combine(FindRoot(), "seeds", "default");
        var domain = Hyperagents.Bench.Domains.BenchDomains.Open("circle-packing");
        var compiler = new AgentCompiler();
        await using var runner = SandboxRunner.Create();
        var evaluator = new TaskEvaluator(domain, runner, ModelAccess.None, new RunLimits { WallClock = TimeSpan.FromSeconds(120) }, Environment.ProcessorCount);
        var val = domain.GetTasks(Split.Val);
        Console.WriteLine($"noise: circle-packing val ({string.Join(", ", val.Select(t => t.Id))}), sandbox, run seed {runSeed}, {Environment.ProcessorCount} cores");

        var files = AgentSource.FromDirectory(seedFolder).Files;
        var policy = files["meta/MutationPolicy.cs"];
        var scores = new List<double>();
        foreach (var p in new[] { 0.25, 0.26, 0.27, 0.28, 0.29, 0.30, 0.31, 0.32 })
        {
            var variant = new Dictionary<string, string>(files, StringComparer.Ordinal)
            {
                ["meta/MutationPolicy.cs"] = policy.Replace("*/ 0.25;", $"*/ {p.ToString("0.00", CultureInfo.InvariantCulture)};", StringComparison.Ordinal),
            };
            var agent = compiler.Compile(AgentSource.FromFiles(variant)).Agent ?? throw new InvalidOperationException("a variant does not compile");
            var results = await evaluator.EvaluateDrawsAsync(agent, Draws(val, runSeed, 0, 1), CancellationToken.None);
            scores.Add(results.Average(r => r.Score));
            Console.WriteLine($"  MetaProbability {p:0.00}  image {agent.Id[..12]}  val {scores[^1]:0.000000}");
        }

        Console.WriteLine($"meta-only variants: {scores.Distinct().Count()} distinct val score(s) over {scores.Count} (1 expected: seeds belong to the evaluation)");

        var seedAgent = compiler.Compile(AgentSource.FromFiles(files)).Agent!;
        var clock = Stopwatch.StartNew();
        var draws = await evaluator.EvaluateDrawsAsync(seedAgent, Draws(val, runSeed, 0, replicates), CancellationToken.None);
        var perReplicate = Enumerable.Range(0, replicates).Select(r => draws.Where(d => d.Replicate == r).Average(d => d.Score)).ToList();
        var spread = ScoreStatistics.StdErr(perReplicate.Select(m => ("val", m)).ToList())!.Value * Math.Sqrt(replicates);
        Console.WriteLine($"seed on val, {replicates} replicates in {clock.Elapsed.TotalSeconds:0.0} s: mean {perReplicate.Average():0.00000}, one-replicate val means {string.Join(" ", perReplicate.Select(m => m.ToString("0.0000", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"standard deviation of a one-replicate val mean: {spread:0.00000}");
        Console.WriteLine("   K   true noise (sd / √K)   recorded s.e. (first K replicates)   task calls per val evaluation");
        foreach (var k in new[] { 1, 2, 3, 5 }.Where(k => k <= replicates))
        {
            var se = ScoreStatistics.StdErr(draws.Where(d => d.Replicate < k).Select(d => (d.TaskId, d.Score)).ToList());
            Console.WriteLine($"  {k,2}   {spread / Math.Sqrt(k),20:0.00000}   {se,34:0.00000}   {k * val.Count,29}");
        }

        return scores.Distinct().Count() == 1 ? 0 : 1;
    }

    private static List<TaskDraw> Draws(IReadOnlyList<TaskSpec> tasks, ulong runSeed, int from, int count) =>
        tasks.SelectMany(t => Enumerable.Range(from, count).Select(r => new TaskDraw(t, r, Seeds.Draw(runSeed, SplitNames.Val, t.Id, r)))).ToList();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "seeds", "default")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("seeds/default not found: run the benchmark from the repository.");
    }
}
