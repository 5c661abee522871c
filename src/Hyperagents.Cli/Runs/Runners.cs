using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Cli.Runs;

/// <summary>The runners by name, and the versions recorded in provenance.</summary>
internal static class Runners
{
    /// <summary>Every runner <c>--isolation</c> can name, one line each; the first is the default. A manifest stores the name.</summary>
    public static RunnerRegistry Registry { get; } = new RunnerRegistry()
        .Add(SandboxRunner.RunnerName, "Wasmtime, the default", _ => SandboxRunner.Create(), deterministic: true)
        .Add(NativeRunner.RunnerName, "worker processes; not a sandbox", r => new NativeRunner(NativeOptions(r.Parallel)))
        .Add(ContainedRunner.RunnerName, "native workers under bubblewrap, seccomp and cgroups; Linux", r => new ContainedRunner(NativeOptions(r.Parallel)),
            availability: () => Contained(new ContainedOptions()))
        .Add(ContainedRunner.RunscRunnerName, "contained workers under gVisor's runsc (--runtime runsc); Linux", r => new ContainedRunner(NativeOptions(r.Parallel), Runsc),
            availability: () => Contained(Runsc));

    /// <summary>The runtimes <c>--runtime</c> can name, and the runner each turns <c>--isolation contained</c> into.</summary>
    private static readonly Dictionary<string, string> ContainedRuntimes = new(StringComparer.Ordinal)
    {
        ["bubblewrap"] = ContainedRunner.RunnerName,
        ["runsc"] = ContainedRunner.RunscRunnerName,
    };

    private static ContainedOptions Runsc => new() { Runtime = ContainedRuntime.Runsc };

    /// <summary>The runner that <c>--isolation</c> and <c>--runtime</c> name together: <c>--runtime runsc</c> turns
    /// <c>contained</c> into <c>contained-runsc</c>; null with a one-line error when the pair names none.</summary>
    /// <param name="isolation">The <c>--isolation</c> value.</param>
    /// <param name="runtime">The <c>--runtime</c> value, or null.</param>
    /// <param name="error">What is wrong and how to fix it, when null is returned.</param>
    public static string? Resolve(string isolation, string? runtime, out string? error)
    {
        error = null;
        var name = RunnerRegistry.Normalize(isolation);
        if (!Registry.Contains(name))
        {
            error = $"--isolation '{isolation}' is not one of {string.Join(", ", Registry.Names)}.";
            return null;
        }

        if (runtime is null)
        {
            return name;
        }

        if (name is not (ContainedRunner.RunnerName or ContainedRunner.RunscRunnerName))
        {
            error = $"--runtime applies to --isolation contained only (was --isolation {name}); drop --runtime or use --isolation contained.";
            return null;
        }

        if (!ContainedRuntimes.TryGetValue(RunnerRegistry.Normalize(runtime), out var runner))
        {
            error = $"--runtime '{runtime}' is not one of {string.Join(", ", ContainedRuntimes.Keys)}.";
            return null;
        }

        return runner;
    }

    private static RunnerAvailability Contained(ContainedOptions options)
    {
        var availability = ContainedAvailability.Check(options);
        return new RunnerAvailability(availability.Available, availability.Detail);
    }

    /// <summary>The runner registered as <paramref name="name"/>.</summary>
    /// <param name="name">The runner's name (any case; old manifests store <c>Sandbox</c>/<c>Native</c>).</param>
    /// <param name="parallel">How many children run at once.</param>
    /// <exception cref="SandboxUnavailableException">The sandbox cannot start; the message says how to fix it.</exception>
    /// <exception cref="ContainedUnavailableException">The contained tier cannot run here; the message says how to fix it.</exception>
    /// <exception cref="UnknownRunnerException">No runner has this name; the message lists those there are.</exception>
    public static IAgentRunner Create(string name, int parallel = 1) => Registry.Create(name, new RunnerRequest(Math.Max(1, parallel)));

    /// <summary>The native (and contained) runner's options. Native calls each hold a worker of their own and a meta call holds one while
    /// its try-evaluations and snippets need others, so two calls may run per parallel child, and one fresh spare worker
    /// per child is kept started ahead.</summary>
    private static NativeRunnerOptions NativeOptions(int parallel)
    {
        var options = WorkerLaunch();
        return options with
        {
            PoolSize = Math.Max(options.PoolSize, 2 * parallel),
            SpareWorkers = Math.Max(options.SpareWorkers, parallel),
        };
    }

    /// <summary>The compiler every command uses: it compiles agent code in compile workers bounded in memory
    /// (<see cref="CompileWorkerOptions"/>), never in this process.</summary>
    /// <param name="policyPath">A gate policy instead of the shipped one.</param>
    /// <exception cref="GatePolicyException">The policy is missing or malformed.</exception>
    public static AgentCompiler Compiler(string? policyPath = null) =>
        new(new AgentCompilerOptions { PolicyPath = policyPath, Worker = new CompileWorkerOptions { Launch = WorkerLaunch() } });

    /// <summary>How worker processes start: this program with its hidden <c>worker</c> command when it is the CLI; when
    /// the CLI runs inside another program (tests), <c>dotnet</c> with the CLI assembly.</summary>
    internal static NativeRunnerOptions WorkerLaunch() =>
        System.Reflection.Assembly.GetEntryAssembly() == typeof(Runners).Assembly
            ? NativeRunnerOptions.ForCurrentProcess()
            : NativeRunnerOptions.ForCliAssembly(typeof(Runners).Assembly.Location);
}

/// <summary>The versions of the tools a variant was built and evaluated with.</summary>
internal static class Versions
{
    /// <summary>The versions in use; the runtime pack (with the options Mono starts with, which change fuel per unit of
    /// work and so the guest's virtual clock) only when agent code runs in the sandbox.</summary>
    public static ToolVersions Current(IAgentRunner runner) => new(
        Hyperagents: typeof(Versions).Assembly.GetName().Version?.ToString(),
        Dotnet: Environment.Version.ToString(),
        Roslyn: typeof(Microsoft.CodeAnalysis.CSharp.CSharpCompilation).Assembly.GetName().Version?.ToString(),
        Wasmtime: SandboxEngine.WasmtimeVersion,
        RuntimePack: runner is SandboxRunner sandbox
            ? $"{sandbox.Engine.Manifest.Package} {sandbox.Engine.Manifest.Version} ({string.Join(' ', SandboxEngine.RuntimeOptions)})"
            : null);
}
