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
        .Add(ContainedRunner.RunnerName, "native workers under bubblewrap, seccomp and cgroups; Linux", r => new ContainedRunner(NativeOptions(r.Parallel)));

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
