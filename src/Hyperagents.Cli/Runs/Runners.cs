using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Cli.Runs;

/// <summary>Creates the runner for an isolation mode, and reports the versions recorded in provenance.</summary>
internal static class Runners
{
    /// <summary>The runner of <paramref name="isolation"/>: the Wasmtime sandbox by default, native workers (plain or
    /// contained) on request.</summary>
    /// <param name="isolation">The isolation mode.</param>
    /// <param name="parallel">How many children run at once. Native calls each hold a worker of their own and a meta call
    /// holds one while its try-evaluations and snippets need others, so two calls may run per parallel child, and one
    /// fresh spare worker per child is kept started ahead.</param>
    /// <exception cref="SandboxUnavailableException">The sandbox (or the contained tier) cannot start; the message says how
    /// to fix it.</exception>
    public static IAgentRunner Create(Isolation isolation, int parallel = 1)
    {
        if (isolation == Isolation.Sandbox)
        {
            return SandboxRunner.Create();
        }

        var options = WorkerLaunch();
        if (isolation == Isolation.Contained)
        {
            var availability = ContainedAvailability.Check();
            if (!availability.Available)
            {
                throw new SandboxUnavailableException("The contained tier cannot run here: " + availability.Detail, [availability.Detail]);
            }

            options = options with { Containment = new ContainedOptions() };
        }

        return new NativeRunner(options with
        {
            PoolSize = Math.Max(options.PoolSize, 2 * Math.Max(1, parallel)),
            SpareWorkers = Math.Max(options.SpareWorkers, parallel),
        });
    }

    /// <summary>The compiler every command uses: it compiles agent code in compile workers bounded in memory
    /// (<see cref="CompileWorkerOptions"/>), never in this process.</summary>
    /// <param name="policyPath">A gate policy instead of the shipped one.</param>
    /// <exception cref="GatePolicyException">The policy is missing or malformed.</exception>
    public static AgentCompiler Compiler(string? policyPath = null) =>
        new(new AgentCompilerOptions { PolicyPath = policyPath, Worker = new CompileWorkerOptions { Launch = WorkerLaunch() } });

    /// <summary>How worker processes start: this program with its hidden <c>worker</c> command when it is the CLI; when
    /// the CLI runs inside another program (tests), <c>dotnet</c> with the CLI assembly.</summary>
    private static NativeRunnerOptions WorkerLaunch() =>
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
