using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Basic.Reference.Assemblies;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hyperagents.Bench.Native;

/// <summary><c>native</c>: calls per second and latency of a trivial <c>SolveTask</c> through the native runner (a fresh
/// worker process per call, one spare started ahead), the start-up time of a worker, and the seed's evaluation on
/// circle-packing.</summary>
public sealed class NativeRunnerBenchmark : IBenchmark
{
    private const string TrivialAgent = """
        using System.Threading.Tasks;
        using Hyperagents;

        public static class Agent
        {
            public static async Task<string> SolveTask(TaskContext context)
            {
                await context.Log.InfoAsync("solving " + context.Task.Id);
                return (context.Task.GetInt("n") * 2).ToString();
            }
        }
        """;

    /// <inheritdoc/>
    public string Name => "native";

    /// <inheritdoc/>
    public string Description => "Native runner: calls/s and latency of a trivial SolveTask (fresh worker per call, spares ahead); worker start; seed evaluation.";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var calls = Option(args, "--calls", 100);
        var starts = Option(args, "--starts", 5);
        var worker = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var agent = Compile();
        var invocation = new TaskInvocation(new TaskSpec("bench", "t1", "trivial", new Dictionary<string, string> { ["n"] = "21" }, null), 1);
        var limits = new RunLimits { WallClock = TimeSpan.FromSeconds(30) };
        var memory = limits.MemoryBytes;
        var host = new AckHandler();
        var options = NativeRunnerOptions.ForCliAssembly(worker) with { PoolSize = 1, SpareWorkers = Option(args, "--spares", 1) };

        var startTimes = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            await using var cold = new NativeRunner(options);
            var clock = Stopwatch.StartNew();
            await cold.WarmUpAsync(memory, CancellationToken.None);
            startTimes.Add(clock.Elapsed.TotalMilliseconds);
        }

        var cpu = Stats.CpuClock.Start();
        var runner = new NativeRunner(options);
        await runner.WarmUpAsync(memory, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await Check(runner.SolveTaskAsync(agent, invocation, host, limits, CancellationToken.None));
        }

        var latencies = new List<double>(calls);
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var clock = Stopwatch.StartNew();
            await Check(runner.SolveTaskAsync(agent, invocation, host, limits, CancellationToken.None));
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }

        total.Stop();
        var perSecond = calls / total.Elapsed.TotalSeconds;
        var stats = runner.Statistics;
        await runner.DisposeAsync();
        var (hostCpu, workerCpu) = cpu.PerCall(stats.Calls);
        Console.WriteLine($"native runner, trivial SolveTask with one log call, {calls} sequential calls, each in a fresh worker ({options.SpareWorkers} spare started ahead)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  calls/s: {perSecond:0.0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  latency: median {Stats.Median(latencies):0.###} ms, p90 {Stats.Quantile(latencies, 0.9):0.###} ms, max {latencies.Max():0.###} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  worker start (process start to ready, {starts} runs): median {Stats.Median(startTimes):0.#} ms, max {startTimes.Max():0.#} ms"));
        Console.WriteLine($"  calls {stats.Calls}, on a spare started ahead {stats.CallsOnSpares}, workers started {stats.WorkersStarted}, killed {stats.WorkersKilled}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CPU per call (user + system, load-independent): workers {workerCpu:0.0} ms, host {hostCpu:0.0} ms"));
        await SeedAsync(options);
        // A fresh process per call costs its start and its first-call JIT: worker CPU is the load-independent figure.
        var met = Stats.Target("worker CPU per call", workerCpu, 200, "ms");
        met &= Stats.Target("median call latency", Stats.Median(latencies), 250, "ms");
        met &= Stats.Target("median worker start", Stats.Median(startTimes), 1000, "ms");
        met &= Stats.Target("workers started per call (the last spare is never used)", (double)stats.WorkersStarted / stats.Calls, 1.05, "");
        return met ? 0 : 1;
    }

    /// <summary>The seed's evaluation on every circle-packing val task, one task at a time, as `hyperagents try
    /// --isolation native` runs it: per-call latency (runner call only) and the whole evaluation's wall time.</summary>
    private static async Task SeedAsync(NativeRunnerOptions options)
    {
        var domain = Hyperagents.Bench.Domains.BenchDomains.Open("circle-packing");
        var tasks = domain.GetTasks(Hyperagents.Domains.Split.Val);
        var agent = new Hyperagents.Compiler.AgentCompiler().Compile(Hyperagents.Compiler.AgentSource.FromDirectory(Path.Combine(Sandbox.SandboxBenchmark.FindRoot(), "seeds", "default"))).Agent!;
        var cpu = Stats.CpuClock.Start();
        var runner = new NativeRunner(options);
        await runner.WarmUpAsync(new RunLimits().MemoryBytes, CancellationToken.None);
        var evaluator = new Hyperagents.Engine.TaskEvaluator(domain, runner, Hyperagents.Engine.ModelAccess.None, new RunLimits { WallClock = TimeSpan.FromSeconds(120) }, 1);
        var calls = new List<double>();
        var evaluations = new List<double>();
        for (var round = 0; round < 4; round++)
        {
            var clock = Stopwatch.StartNew();
            var results = await evaluator.EvaluateAsync(agent, tasks, 1, CancellationToken.None);
            if (round > 0)
            {
                evaluations.Add(clock.Elapsed.TotalMilliseconds);
                calls.AddRange(results.Select(r => r.Milliseconds));
            }

            if (results.FirstOrDefault(r => r.Outcome != "completed") is { } failed)
            {
                throw new InvalidOperationException($"The seed failed on {failed.TaskId}: {failed.Outcome}: {failed.Feedback}");
            }
        }

        var statistics = runner.Statistics;
        await runner.DisposeAsync();
        var (hostCpu, workerCpu) = cpu.PerCall(statistics.Calls);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed evaluation, circle-packing val ({tasks.Count} tasks, one at a time), 3 rounds after one warm-up round:"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  per call: median {Stats.Median(calls):0.0} ms, p90 {Stats.Quantile(calls, 0.9):0.0} ms; whole evaluation: median {Stats.Median(evaluations):0} ms; calls {statistics.Calls}, on spares {statistics.CallsOnSpares}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CPU per call (all rounds): workers {workerCpu:0.0} ms, host {hostCpu:0.0} ms"));
    }

    private static async Task Check(Task<AgentOutcome> call)
    {
        var outcome = await call;
        if (outcome.Kind != OutcomeKind.Completed || outcome.Answer != "42")
        {
            throw new InvalidOperationException($"The benchmark agent did not complete: {outcome.Label}: {outcome.Detail}");
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static CompiledAgent Compile()
    {
        var compilation = CSharpCompilation.Create(
            "agent.bench",
            [CSharpSyntaxTree.ParseText(TrivialAgent)],
            Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(TaskContext).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true));
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        if (!emit.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, emit.Diagnostics));
        }

        var bytes = image.ToArray();
        return new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(bytes)), "agent.bench", bytes);
    }

    private sealed class AckHandler : ICapabilityHandler
    {
        private static readonly byte[] Ack = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Ack(), SdkJson.Default.Ack);

        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(capability == Capabilities.Log ? HostReply.Ok(Ack) : HostReply.Fail("unknown-capability", capability));
    }
}
