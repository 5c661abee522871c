using Hyperagents.Hosting.Contained;
using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>The contained tier: the <see cref="NativeRunner"/> with every worker started by bubblewrap (new user, pid,
/// network, mount, ipc and uts namespaces, read-only runtime binds, a size-capped <c>/tmp</c>), under a seccomp filter
/// and in a cgroup of its own (<see cref="ContainedOptions"/>). The worker protocol, limits, pool and outcomes are the
/// native runner's: this class only names the tier and passes the launcher (<see cref="NativeRunnerOptions.Launcher"/>).
/// What it guarantees and what it does not is in <c>SAFETY.md</c>.</summary>
public sealed class ContainedRunner : IAgentRunner
{
    /// <summary>The name this runner is registered under (with bubblewrap).</summary>
    public const string RunnerName = "contained";

    /// <summary>The name this runner is registered under with <see cref="ContainedRuntime.Runsc"/>: a run's manifest stores
    /// it, so provenance and replay know the workers ran under gVisor.</summary>
    public const string RunscRunnerName = "contained-runsc";

    private readonly NativeRunner _workers;

    /// <summary>Creates the runner after checking that the tier can run here; workers start on first use or by
    /// <see cref="WarmUpAsync"/>.</summary>
    /// <param name="options">How to start and manage the workers (its <see cref="NativeRunnerOptions.Launcher"/> must be unset).</param>
    /// <param name="containment">How the workers are confined; default <see cref="ContainedOptions"/>' defaults.</param>
    /// <exception cref="ArgumentException">The native options are invalid.</exception>
    /// <exception cref="InvalidOptionsException">The contained options are invalid.</exception>
    /// <exception cref="ContainedUnavailableException">The tier cannot run on this machine; the message says how to fix it.</exception>
    public ContainedRunner(NativeRunnerOptions options, ContainedOptions? containment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Launcher is not null)
        {
            throw new ArgumentException($"The contained runner starts its workers itself; leave {nameof(NativeRunnerOptions)}.{nameof(NativeRunnerOptions.Launcher)} unset.", nameof(options));
        }

        containment = (containment ?? new ContainedOptions()).Validate();
        var availability = ContainedAvailability.Check(containment);
        if (!availability.Available)
        {
            throw new ContainedUnavailableException(availability.Detail);
        }

        _workers = new NativeRunner(options with
        {
            Launcher = containment.Runtime == ContainedRuntime.Runsc ? new RunscLaunch(containment) : new ContainedLaunch(containment),
        });
        Name = containment.Runtime == ContainedRuntime.Runsc ? RunscRunnerName : RunnerName;
    }

    /// <inheritdoc/>
    /// <value><see cref="RunnerName"/>, or <see cref="RunscRunnerName"/> under gVisor.</value>
    public string Name { get; }

    /// <inheritdoc/>
    /// <value>The worker pool's size (<see cref="NativeRunnerOptions.PoolSize"/>): one call per worker.</value>
    public int Capacity => _workers.Capacity;

    /// <summary>A snapshot of the worker counters.</summary>
    public NativeRunnerStatistics Statistics => _workers.Statistics;

    /// <inheritdoc/>
    public Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken) =>
        _workers.SolveTaskAsync(agent, invocation, host, limits, cancellationToken);

    /// <inheritdoc/>
    public Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken) =>
        _workers.ModifySelfAsync(agent, invocation, host, limits, cancellationToken);

    /// <inheritdoc cref="NativeRunner.WarmUpAsync"/>
    public Task WarmUpAsync(long memoryBytes, CancellationToken cancellationToken) => _workers.WarmUpAsync(memoryBytes, cancellationToken);

    /// <summary>Retires every worker (and removes its cgroup) and waits for them to exit.</summary>
    public ValueTask DisposeAsync() => _workers.DisposeAsync();

    /// <summary>Asks a fresh contained worker a diagnostic question (tests).</summary>
    internal Task<Native.WorkerProbeReply> ProbeAsync(string name, long memoryBytes, CancellationToken cancellationToken) =>
        _workers.ProbeAsync(name, memoryBytes, cancellationToken);
}

/// <summary>The contained tier cannot run on this machine (no bubblewrap or runsc, no user namespaces, not Linux on
/// x86-64 or aarch64); the
/// message says what is missing and how to fix it.</summary>
public sealed class ContainedUnavailableException : UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="detail">What is missing and the fix (<see cref="ContainedAvailability.Detail"/>).</param>
    public ContainedUnavailableException(string detail)
        : base("The contained tier cannot run here: " + detail)
    {
    }
}
