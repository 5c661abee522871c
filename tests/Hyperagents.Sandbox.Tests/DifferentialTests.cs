using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Sandbox.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Sandbox.Tests;

/// <summary>The same compiled bytes, the same invocation: the sandbox and a native worker must give the same answer.
/// Agents are compiled by the real compiler and gate, as in a run.</summary>
[Collection(SandboxCollection.Name)]
public sealed class DifferentialTests(SandboxFixture fixture) : IAsyncLifetime
{
    private static readonly AgentCompiler Compiler = new();
    private NativeRunner _native = null!;

    public static TheoryData<string, string> SeedTasks()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation" })
        {
            data.Add(name, DomainCatalog.Shipped(name)!.Tasks.First(t => t.Split == Split.Train).Id);
        }

        data.Add("dataset", "line-1");
        return data;
    }

    [Theory]
    [MemberData(nameof(SeedTasks))]
    public async Task The_seed_gives_identical_answers_and_scores_in_sandbox_and_native_mode(string domainName, string taskId)
    {
        var launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        var domain = DomainCatalog.Create(domainName, package => EvaluatorWorker.Open(package, launch), domainName == "dataset" ? RepositoryRoot.Combine("seeds", "datasets", "arithmetic.jsonl") : null);
        using var owner = domain as IDisposable;
        var task = domain.AllTasks().Single(t => t.Task.Id == taskId).Task;
        var agent = Compile(RepositoryRoot.Combine("seeds", "default"));

        var (sandbox, native) = await RunBothAsync(agent, new TaskInvocation(task, 12345));

        Assert.Equal(native.Answer, sandbox.Answer);
        var sandboxScore = domain.Evaluate(task, sandbox.Answer!);
        var nativeScore = domain.Evaluate(task, native.Answer!);
        Assert.True(sandboxScore.Valid, sandboxScore.Feedback);
        Assert.Equal(nativeScore, sandboxScore);
    }

    [Fact]
    public async Task The_seeds_SelectParent_runs_in_the_sandbox_and_chooses_as_in_native_mode()
    {
        var agent = Compile(RepositoryRoot.Combine("seeds", "default"));
        var candidates = Enumerable.Range(0, 6).Select(i => new ParentCandidate($"v{i}", i == 0 ? null : "v0", i == 0 ? 0 : 1, 0.1 * i,
            new Dictionary<string, double> { ["t1"] = 0.1 * i }, i == 0 ? 5 : 0, 0, 0)).ToList();
        var choice = new ParentChoice(4, 777, candidates, 0);

        var (sandbox, native) = await RunBothAsync(agent, new TaskInvocation(Some.Task(n: 3, seed: 1).Task, choice.Seed, choice));

        Assert.True(sandbox.IsCompleted, sandbox.Detail);
        Assert.Contains(sandbox.Answer, candidates.Select(c => c.Id));
        Assert.Equal(native.Answer, sandbox.Answer);
    }

    [Fact]
    public async Task Arithmetic_is_bit_identical_and_libm_functions_agree_within_a_few_ulps()
    {
        var agent = Compile(Path.Combine(AppContext.BaseDirectory, "Agents", "Differential", "Numerics"));

        var (sandbox, native) = await RunBothAsync(agent, Some.Task(n: 17, seed: 99));

        var (sandboxExact, sandboxLibm) = Split2(sandbox.Answer!);
        var (nativeExact, nativeLibm) = Split2(native.Answer!);
        Assert.Equal(nativeExact, sandboxExact);
        var a = sandboxLibm.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var b = nativeLibm.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(b.Length, a.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Ulps(a[i], b[i]) <= MaxLibmUlps, $"value {i}: sandbox {a[i]:R}, native {b[i]:R} differ by {Ulps(a[i], b[i])} ulps");
        }

        Assert.Contains(a.Zip(b), p => p.First != p.Second);  // the runtimes' libm really differ: this is why the tolerance exists

        static (string Exact, string Libm) Split2(string answer) => (answer.Split('#')[0], answer.Split('#')[1]);
    }

    [Theory]
    [InlineData("Collections")]
    [InlineData("AsyncHost")]
    [InlineData("ControlChars")]
    public async Task Sample_agents_give_identical_answers_in_sandbox_and_native_mode(string sample)
    {
        var agent = Compile(Path.Combine(AppContext.BaseDirectory, "Agents", "Differential", sample));
        var invocation = Some.Task(n: 17, seed: 99);

        var (sandbox, native) = await RunBothAsync(agent, invocation);

        Assert.False(string.IsNullOrEmpty(sandbox.Answer));
        Assert.Equal(native.Answer, sandbox.Answer);
    }

    public async Task InitializeAsync()
    {
        _native = new NativeRunner(NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")));
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _native.DisposeAsync();

    private async Task<(AgentOutcome Sandbox, AgentOutcome Native)> RunBothAsync(CompiledAgent agent, TaskInvocation invocation)
    {
        var limits = Some.Limits(wall: TimeSpan.FromSeconds(120), fuel: 200_000_000_000);
        var sandbox = await fixture.Runner.SolveTaskAsync(agent, invocation, Session(), limits, CancellationToken.None);
        var native = await _native.SolveTaskAsync(agent, invocation, Session(), limits, CancellationToken.None);
        Assert.True(sandbox.IsCompleted, $"sandbox: {sandbox.Label} {sandbox.ExceptionType} {sandbox.Detail}");
        Assert.True(native.IsCompleted, $"native: {native.Label} {native.ExceptionType} {native.Detail}");
        return (sandbox, native);
    }

    [Fact]
    public void Every_assembly_the_gate_lets_agents_reference_is_bundled_in_the_sandbox()
    {
        // The reference set of sandbox/policy.txt's header (AgentReferences), minus the bind-only assemblies it forbids.
        var allowed = new[]
        {
            "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Collections.Immutable", "System.Linq",
            "System.Runtime.Numerics", "System.Text.RegularExpressions", "System.Text.Json", "System.Memory", "System.Console",
            "System.Threading", "System.ObjectModel", "Hyperagents.Sdk",
        };
        Assert.Empty(allowed.Except(fixture.Engine.BootAssemblyNames, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The largest distance seen between the sandbox's libm (musl) and glibc on the probe inputs is 2 ulps (cbrt).</summary>
    private const long MaxLibmUlps = 4;

    private static long Ulps(double a, double b) => Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    private static AgentSession Session() => AgentSession.ForTask(null, new SessionOptions());

    private static CompiledAgent Compile(string folder)
    {
        var result = Compiler.Compile(AgentSource.FromDirectory(folder));
        Assert.True(result.Success, string.Join("\n", result.Report.Diagnostics));
        return result.Agent!;
    }
}
