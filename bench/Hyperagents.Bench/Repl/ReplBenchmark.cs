using System.Diagnostics;
using Hyperagents.Compiler;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Sandbox;
using Hyperagents.Transport;

namespace Hyperagents.Bench.Repl;

/// <summary><c>repl</c>: latency of one REPL or scratchpad submission, a one-line expression after one earlier
/// submission: compile and gate in the compile worker, emit, and the sandbox call that runs the chain.</summary>
public sealed class ReplBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "repl";

    /// <inheritdoc/>
    public string Description => "REPL/scratchpad: latency of a one-line submission (gate + emit in the compile worker + sandbox call), median and p90.";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 && args[0] == "--submissions" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40;
        using var compiler = new AgentCompiler(new AgentCompilerOptions
        {
            Worker = new CompileWorkerOptions { Launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) },
        });
        using var engine = SandboxEngine.Create(new SandboxOptions());
        await using var runner = new SandboxRunner(engine);
        var limits = new RunLimits { WallClock = TimeSpan.FromSeconds(10) };
        var task = new TaskSpec("bench", "t1", "repl", new Dictionary<string, string>(), null);

        var first = compiler.CompileScript(new ScriptSource(["var a = 20;"], [], [], "repl"));
        var earlier = first.Image ?? throw new InvalidOperationException(string.Join("; ", first.Report.Diagnostics));
        var compile = new List<double>();
        var run = new List<double>();
        var total = new List<double>();
        for (var i = 0; i < count + 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var compiled = compiler.CompileScript(new ScriptSource(["var a = 20;", "a * 2 + 2"], [], [], "repl"));
            var compiledAt = clock.Elapsed.TotalMilliseconds;
            var bundle = ScriptBundle.Pack([], [earlier, compiled.Image!]);
            var session = AgentSession.ForTask(null, new SessionOptions { WallClock = limits.WallClock, MaxEvaluations = 0 });
            var outcome = await runner.SolveTaskAsync(new CompiledAgent("bench", "repl", bundle), new TaskInvocation(task, 1), session, limits, CancellationToken.None);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (outcome.Answer != "42")
            {
                Console.WriteLine($"unexpected: {outcome.Label} {outcome.Answer} {outcome.Detail}");
                return 1;
            }

            if (i >= 5)
            {
                compile.Add(compiledAt);
                run.Add(elapsed - compiledAt);
                total.Add(elapsed);
            }
        }

        // The same call for a plain agent of the same work, for comparison: what the chain's loading adds.
        var plain = compiler.Compile(AgentSource.FromFiles(new Dictionary<string, string>
        {
            ["task/Agent.cs"] = "public static class Agent { public static Task<string> SolveTask(TaskContext context) { var a = 20; return Task.FromResult((a * 2 + 2).ToString()); } public static Task ModifySelf(MetaContext context) => Task.CompletedTask; }",
        })).Agent ?? throw new InvalidOperationException("the plain agent did not compile");
        var plainCalls = new List<double>();
        for (var i = 0; i < count + 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var session = AgentSession.ForTask(null, new SessionOptions { WallClock = limits.WallClock, MaxEvaluations = 0 });
            await runner.SolveTaskAsync(plain, new TaskInvocation(task, 1), session, limits, CancellationToken.None);
            if (i >= 5)
            {
                plainCalls.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"sandbox call (plain agent):     median {Stats.Median(plainCalls):0.0} ms, p90 {Stats.Quantile(plainCalls, 0.9):0.0} ms");
        Console.WriteLine($"compile + gate + emit (worker): median {Stats.Median(compile):0.0} ms, p90 {Stats.Quantile(compile, 0.9):0.0} ms");
        Console.WriteLine($"sandbox call (chain of 2):      median {Stats.Median(run):0.0} ms, p90 {Stats.Quantile(run, 0.9):0.0} ms");
        Console.WriteLine($"submission:                     median {Stats.Median(total):0.0} ms, p90 {Stats.Quantile(total, 0.9):0.0} ms over {count} warm submissions");
        return Stats.Target("median submission latency", Stats.Median(total), 150, "ms") ? 0 : 1;
    }
}
