using System.Diagnostics;
using Hyperagents.Coding;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Bench.Coding;

/// <summary>Coding-domain throughput: each problem's reference solution compiled (in a compile worker, as in the CLI),
/// run on every example and hidden test in the sandbox (one call per input) and scored.</summary>
public sealed class CodingBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "coding";

    /// <inheritdoc/>
    public string Description => "coding-domain evaluations per minute (compile worker + sandbox, reference answers)";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var root = FindRoot();
        var problems = CodingEvaluator.ParseAll(File.ReadAllText(Path.Combine(root, "src", "Hyperagents.Domains", "packages", "coding", "data", "problems.jsonl")));
        var parallel = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : new CodeAnswerRunnerOptions().Parallel;
        using var compiler = new AgentCompiler(new AgentCompilerOptions
        {
            Worker = new CompileWorkerOptions { Launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) },
        });
        await using var sandbox = SandboxRunner.Create();
        var runner = new CodeAnswerRunner(compiler, sandbox, new CodeAnswerRunnerOptions { Parallel = parallel });

        // Warm-up: the first compile starts the worker and loads Roslyn; the first call boots the sandbox image.
        var warm = problems[0];
        await runner.RunAsync(Reference(root, warm.Id), Entry(warm), CodingEvaluator.Calls(warm), CancellationToken.None);

        var evaluations = new List<double>();
        var compiles = new List<double>();
        var calls = 0;
        var scoreSum = 0.0;
        var total = Stopwatch.StartNew();
        foreach (var problem in problems)
        {
            var source = Reference(root, problem.Id);
            var compileOnly = Stopwatch.StartNew();
            await runner.RunAsync(source + "\n// " + problem.Id + " compile only\n", Entry(problem), [], CancellationToken.None);
            compiles.Add(compileOnly.Elapsed.TotalMilliseconds);

            var clock = Stopwatch.StartNew();
            var report = await runner.RunAsync(source, Entry(problem), CodingEvaluator.Calls(problem), CancellationToken.None);
            var verdict = CodingEvaluator.Score(problem, report.Compiled, report.CompileError, report.Runs.Select(r => new CodingRun(r.Ok, r.OutputJson, r.Error)).ToList());
            evaluations.Add(clock.Elapsed.TotalMilliseconds);
            calls += report.Runs.Count;
            scoreSum += verdict.Score;
        }

        total.Stop();
        var evaluationMs = evaluations.Sum();
        var perMinute = problems.Count / (evaluationMs / 60_000);
        var callMs = (evaluationMs - compiles.Sum()) / calls;
        Console.WriteLine($"  {problems.Count} problems, {calls} calls, {parallel} at once, mean score {scoreSum / problems.Count:0.###}");
        Console.WriteLine($"  evaluation (compile + calls + score): median {Stats.Median(evaluations):0} ms, p90 {Stats.Quantile(evaluations, 0.9):0} ms, max {evaluations.Max():0} ms");
        Console.WriteLine($"  compile and gate alone: median {Stats.Median(compiles):0} ms; calls: {callMs:0.0} ms each on average (wall, {parallel} at once)");
        Console.WriteLine($"  {perMinute:0.0} coding evaluations per minute");
        var ok = Stats.Target("coding evaluations per minute", perMinute, 30, "/min", lowerIsBetter: false);
        ok &= Stats.Target("mean score of the reference answers", scoreSum / problems.Count, 1, "", lowerIsBetter: false);
        return ok ? 0 : 1;
    }

    private static CodeEntry Entry(CodingProblem p) => new(p.TypeName, p.MethodName, p.ParameterTypes, p.ReturnType);

    private static string Reference(string root, string id) =>
        File.ReadAllText(Path.Combine(root, "tests", "Hyperagents.Engine.Tests", "Coding", "Solutions", id + ".cs"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "src", "Hyperagents.Domains", "packages", "coding", "data", "problems.jsonl")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("src/Hyperagents.Domains/packages/coding/data/problems.jsonl not found above the benchmark's folder; run from the repository.");
    }
}
