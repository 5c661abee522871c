using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Sandbox;

/// <summary>Runs agent entry points in the Wasmtime sandbox: the Mono IL interpreter of the pinned browser-wasm runtime
/// pack, in a fresh store per call, under fuel, an epoch (wall-clock) deadline, a memory cap and store limits.</summary>
/// <remarks>
/// Each call takes a fresh VM (from a small pool of pre-booted, pre-warmed VMs when <see cref="SandboxOptions.PoolSize"/>
/// is above zero), uses it for exactly that call and disposes it, whatever happened. Every failure of agent code is an
/// <see cref="AgentOutcome"/>; the runner throws only for misuse (invalid limits) or when the sandbox cannot start.
/// </remarks>
public sealed class SandboxRunner : IAgentRunner
{
    /// <summary>The name this runner is registered under.</summary>
    public const string RunnerName = "sandbox";

    private readonly SandboxEngine _engine;
    private readonly bool _ownsEngine;
    private readonly VmPool _pool;

    /// <summary>Creates a runner over a shared engine.</summary>
    /// <param name="engine">The engine; not disposed by this runner.</param>
    public SandboxRunner(SandboxEngine engine)
        : this(engine, ownsEngine: false)
    {
    }

    private SandboxRunner(SandboxEngine engine, bool ownsEngine)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _ownsEngine = ownsEngine;
        _pool = new VmPool(engine);
    }

    /// <summary>Creates a runner with its own engine.</summary>
    /// <param name="options">The sandbox options.</param>
    /// <exception cref="SandboxUnavailableException">The runtime pack is missing or does not match its manifest.</exception>
    public static SandboxRunner Create(SandboxOptions? options = null) => new(SandboxEngine.Create(options), ownsEngine: true);

    /// <inheritdoc/>
    public string Name => RunnerName;

    /// <inheritdoc/>
    /// <value><see cref="SandboxOptions.Capacity"/> of the engine's options.</value>
    public int Capacity => _engine.Options.Capacity;

    /// <summary>The engine this runner uses.</summary>
    public SandboxEngine Engine => _engine;

    /// <inheritdoc/>
    public Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        CallRules.CheckRequest(agent, invocation, host, limits);
        return RunAsync(EntryPoint.SolveTask, agent, JsonSerializer.SerializeToUtf8Bytes(invocation, SdkJson.Default.TaskInvocation), host, limits, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        CallRules.CheckRequest(agent, invocation, host, limits);
        return RunAsync(EntryPoint.ModifySelf, agent, JsonSerializer.SerializeToUtf8Bytes(invocation, SdkJson.Default.MetaInvocation), host, limits, cancellationToken);
    }

    private async Task<AgentOutcome> RunAsync(EntryPoint entry, CompiledAgent agent, byte[] invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (cancellationToken.IsCancellationRequested)
        {
            return CallRules.Cancelled(started: false).ToOutcome(started.Elapsed, null, "", 0);
        }

        GuestVm vm;
        try
        {
            vm = await _pool.TakeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CallRules.Cancelled(started: false).ToOutcome(started.Elapsed, null, "", 0);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SandboxUnavailableException)
        {
            return new AgentOutcome(OutcomeKind.HostFault, null, "the sandbox VM failed to boot: " + ex.Message, null, started.Elapsed, null, "", 0);
        }

        using (vm)
        {
            // Guest code runs synchronously until its first host call: keep it off the caller's thread.
            return await Task.Run(() => vm.RunAsync(entry, agent.Image, invocation, host, limits, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync().ConfigureAwait(false);
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }
}
