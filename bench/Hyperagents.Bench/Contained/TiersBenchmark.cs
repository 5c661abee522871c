using System.Diagnostics;
using System.Globalization;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;
using Hyperagents.Transport;

namespace Hyperagents.Bench.Contained;

/// <summary><c>tiers</c>: the isolation tiers side by side — sandbox (Wasmtime), contained (bubblewrap, seccomp,
/// cgroups), contained under gVisor (<c>--runtime runsc</c>) and native — on the CPU kernel of the <c>sandbox</c>
/// benchmark and on the seed's circle-packing n = 26 evaluation, plus the start of a native and a contained worker.</summary>
/// <remarks>Targets: contained ≤ 1.1× native on both workloads; contained worker start ≤ native + 50 ms. runsc is
/// reported against the same targets but is expected to miss the start one (its sandbox takes 0.5–1 s to boot).</remarks>
public sealed class TiersBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "tiers";

    /// <inheritdoc/>
    public string Description => "sandbox vs contained vs contained+runsc vs native: CPU kernel, seed n26 evaluation, worker start (targets: contained <= 1.1x native, start <= native + 50 ms) [--calls N] [--reps N]";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var calls = Option(args, "--calls", 7);
        var reps = Option(args, "--reps", 20);
        var availability = ContainedAvailability.Check();
        if (!availability.Available)
        {
            Console.WriteLine("The contained tier cannot run here: " + availability.Detail);
            return 1;
        }

        Console.WriteLine("contained: " + availability.Detail);
        var runscOptions = new ContainedOptions { Runtime = ContainedRuntime.Runsc };
        var runsc = ContainedAvailability.Check(runscOptions);
        if (!runsc.Available)
        {
            Console.WriteLine("The contained tier cannot run under runsc here: " + runsc.Detail);
            return 1;
        }

        Console.WriteLine("contained-runsc: " + runsc.Detail);
        var worker = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var native = NativeRunnerOptions.ForCliAssembly(worker) with { PoolSize = 1, SpareWorkers = 1 };

        // Worker start: process start to the worker's hello, one runner per start so nothing is warm.
        var nativeStart = await StartsAsync(() => new NativeRunner(native), r => r.WarmUpAsync(new RunLimits().MemoryBytes, CancellationToken.None), calls);
        var containedStart = await StartsAsync(() => new ContainedRunner(native), r => r.WarmUpAsync(new RunLimits().MemoryBytes, CancellationToken.None), calls);
        var runscStart = await StartsAsync(() => new ContainedRunner(native, runscOptions), r => r.WarmUpAsync(new RunLimits().MemoryBytes, CancellationToken.None), calls);
        Console.WriteLine(Line($"worker start (process start to ready, {calls} runs): native median {Stats.Median(nativeStart):0.0} ms, contained median {Stats.Median(containedStart):0.0} ms (overhead {Stats.Median(containedStart) - Stats.Median(nativeStart):0.0} ms), contained-runsc median {Stats.Median(runscStart):0.0} ms (overhead {Stats.Median(runscStart) - Stats.Median(nativeStart):0.0} ms)"));

        using var engine = SandboxEngine.Create(new SandboxOptions { PoolSize = 1 });
        await using var sandbox = new SandboxRunner(engine);
        await using var nativeRunner = new NativeRunner(native);
        await using var containedRunner = new ContainedRunner(native);
        await using var runscRunner = new ContainedRunner(native, runscOptions);
        var tiers = new (string Name, IAgentRunner Runner)[] { ("sandbox", sandbox), ("contained", containedRunner), ("contained-runsc", runscRunner), ("native", nativeRunner) };

        // The kernel: whole calls (a fresh worker per native call, so its JIT is in every call) at --reps repetitions.
        var kernel = Sandbox.SandboxBenchmark.Compile(Sandbox.SandboxBenchmark.Kernel, "Kernel");
        var invocation = new TaskInvocation(new TaskSpec("bench", "k", "kernel", new Dictionary<string, string> { ["n"] = "24", ["reps"] = reps.ToString(CultureInfo.InvariantCulture) }, null), 1);
        var limits = new RunLimits { Fuel = 1_000_000_000_000, WallClock = TimeSpan.FromMinutes(5) };
        var kernelMs = new Dictionary<string, double>(StringComparer.Ordinal);
        string? answer = null;
        foreach (var (name, runner) in tiers)
        {
            var times = new List<double>();
            for (var i = 0; i <= calls; i++)
            {
                var outcome = await runner.SolveTaskAsync(kernel, invocation, new NullHandler(), limits, CancellationToken.None);
                if (!outcome.IsCompleted || (answer is not null && outcome.Answer != answer))
                {
                    throw new InvalidOperationException($"The kernel failed or differs under {name}: {outcome.Label} {outcome.Answer} {outcome.Detail}");
                }

                answer = outcome.Answer;
                if (i > 0)
                {
                    times.Add(outcome.Elapsed.TotalMilliseconds);
                }
            }

            kernelMs[name] = Stats.Median(times);
        }

        Console.WriteLine(Line($"CPU kernel (fib 24 + sieve 2e5 + 48x48 matmul) x {reps}, whole call, median of {calls}: sandbox {kernelMs["sandbox"]:0.0} ms, contained {kernelMs["contained"]:0.0} ms, contained-runsc {kernelMs["contained-runsc"]:0.0} ms, native {kernelMs["native"]:0.0} ms; contained/native {kernelMs["contained"] / kernelMs["native"]:0.00}x, contained-runsc/native {kernelMs["contained-runsc"] / kernelMs["native"]:0.00}x, sandbox/native {kernelMs["sandbox"] / kernelMs["native"]:0.0}x"));

        // The seed on circle-packing n26, as `try` runs it; the time is the runner call only.
        var domain = Hyperagents.Bench.Domains.BenchDomains.Open("circle-packing");
        var task = domain.GetTasks(Hyperagents.Domains.Split.Val).Single(t => t.Id == "n26");
        var seed = new Hyperagents.Compiler.AgentCompiler().Compile(Hyperagents.Compiler.AgentSource.FromDirectory(Path.Combine(Sandbox.SandboxBenchmark.FindRoot(), "seeds", "default"))).Agent!;
        var seedMs = new Dictionary<string, double>(StringComparer.Ordinal);
        double? raw = null;
        foreach (var (name, runner) in tiers)
        {
            var evaluator = new Hyperagents.Engine.TaskEvaluator(domain, runner, Hyperagents.Engine.ModelAccess.None, new RunLimits { WallClock = TimeSpan.FromSeconds(120) }, 1);
            var times = new List<double>();
            for (var i = 0; i <= calls; i++)
            {
                var result = await evaluator.EvaluateOneAsync(seed, task, 1, CancellationToken.None);
                if (result.Outcome != "completed")
                {
                    throw new InvalidOperationException($"The seed failed under {name}: {result.Outcome}: {result.Feedback}");
                }

                raw ??= result.Raw;
                if (i > 0)
                {
                    times.Add(result.Milliseconds);
                }
            }

            seedMs[name] = Stats.Median(times);
        }

        Console.WriteLine(Line($"seed on circle-packing n26, runner call, median of {calls}: sandbox {seedMs["sandbox"]:0.0} ms, contained {seedMs["contained"]:0.0} ms, contained-runsc {seedMs["contained-runsc"]:0.0} ms, native {seedMs["native"]:0.0} ms; contained/native {seedMs["contained"] / seedMs["native"]:0.00}x, contained-runsc/native {seedMs["contained-runsc"] / seedMs["native"]:0.00}x, sandbox/native {seedMs["sandbox"] / seedMs["native"]:0.0}x; Σr = {raw:0.000000}"));

        var met = Stats.Target("contained/native on the kernel", kernelMs["contained"] / kernelMs["native"], 1.1, "x");
        met &= Stats.Target("contained/native on the seed n26", seedMs["contained"] / seedMs["native"], 1.1, "x");
        met &= Stats.Target("contained worker start over native", Stats.Median(containedStart) - Stats.Median(nativeStart), 50, "ms");

        // runsc against the same targets, reported but not gating: its start is expected to miss (the sandbox boots).
        Stats.Target("contained-runsc/native on the kernel", kernelMs["contained-runsc"] / kernelMs["native"], 1.1, "x");
        Stats.Target("contained-runsc/native on the seed n26", seedMs["contained-runsc"] / seedMs["native"], 1.1, "x");
        Stats.Target("contained-runsc worker start over native (expected to miss)", Stats.Median(runscStart) - Stats.Median(nativeStart), 50, "ms");
        return met ? 0 : 1;
    }

    private static async Task<List<double>> StartsAsync<TRunner>(Func<TRunner> create, Func<TRunner, Task> warmUp, int count)
        where TRunner : IAgentRunner
    {
        var times = new List<double>();
        for (var i = 0; i <= count; i++)
        {
            await using var runner = create();
            var clock = Stopwatch.StartNew();
            await warmUp(runner);
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return times;
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class NullHandler : ICapabilityHandler
    {
        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HostReply.Ok("{}"u8.ToArray()));
    }
}
