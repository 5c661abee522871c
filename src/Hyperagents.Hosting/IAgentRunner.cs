using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>Runs a compiled hyperagent's entry points in an isolate. Implemented by the native runner (a worker
/// process with a collectible load context) and the sandbox runner (Mono in Wasmtime).</summary>
/// <remarks>
/// Contract, for every implementation:
/// <list type="bullet">
/// <item><description>Failures of agent code are values (<see cref="AgentOutcome"/>), never exceptions. Exceptions
/// are for misuse and infrastructure faults of the host itself.</description></item>
/// <item><description>Every limit in <see cref="RunLimits"/> is enforced out of band (trap or kill), never by an
/// exception the agent could catch.</description></item>
/// <item><description>Every capability request is passed to the <see cref="ICapabilityHandler"/>, after the runner
/// has checked its size; nothing else of the host is reachable.</description></item>
/// <item><description>One call, one fresh isolate state: nothing of one call is visible to the next.</description></item>
/// <item><description>Request checks, host-call accounting and the mapping of what happened to an outcome are shared
/// (<see cref="CallRules"/>, <see cref="HostCallChannel"/>), so every runner reports the same event as the same outcome; the
/// runner contract tests (<c>RunnerContract</c>) run the same cases against every runner.</description></item>
/// </list>
/// </remarks>
public interface IAgentRunner : IAsyncDisposable
{
    /// <summary>The name the runner is registered under (<see cref="RunnerRegistry"/>), e.g. <c>sandbox</c>.</summary>
    string Name { get; }

    /// <summary>How many calls this runner can run at once; callers size their parallelism by it.</summary>
    int Capacity { get; }

    /// <summary>Runs <c>SolveTask</c>.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="invocation">The task and its seed.</param>
    /// <param name="host">Serves the agent's capability requests.</param>
    /// <param name="limits">The limits of this call.</param>
    /// <param name="cancellationToken">Stops the call (the isolate is killed or trapped).</param>
    Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken);

    /// <summary>Runs <c>ModifySelf</c>.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="invocation">The instruction and its seed.</param>
    /// <param name="host">Serves the agent's capability requests (workspace, lineage, compile, ...).</param>
    /// <param name="limits">The limits of this call.</param>
    /// <param name="cancellationToken">Stops the call (the isolate is killed or trapped).</param>
    Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken);
}

/// <summary>A hyperagent compiled and gated by the host, ready to run.</summary>
/// <param name="Id">The content hash of <paramref name="Image"/> (lower-case hex SHA-256).</param>
/// <param name="AssemblyName">The assembly's simple name.</param>
/// <param name="Image">The emitted IL image. Both isolation modes run exactly these bytes.</param>
public sealed record CompiledAgent(string Id, string AssemblyName, byte[] Image);

/// <summary>Serves the capability requests of one agent call on the host side.</summary>
/// <remarks>Implementations validate every field: the request bytes come from untrusted code.</remarks>
public interface ICapabilityHandler
{
    /// <summary>Handles one request.</summary>
    /// <param name="capability">The capability name; unknown names must be refused.</param>
    /// <param name="request">The request document (UTF-8 JSON), already size-checked by the runner.</param>
    /// <param name="cancellationToken">Cancelled when the call's deadline passes.</param>
    /// <returns>The reply, or a refusal.</returns>
    ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken);
}

/// <summary>The host's answer to one capability request: a payload or an error, never both.</summary>
public readonly record struct HostReply
{
    private HostReply(byte[]? payload, HostError? error)
    {
        Payload = payload;
        Error = error;
    }

    /// <summary>The reply document when the call succeeded.</summary>
    public byte[]? Payload { get; }

    /// <summary>The refusal when the call failed.</summary>
    public HostError? Error { get; }

    /// <summary>A successful reply.</summary>
    /// <param name="payload">The reply document.</param>
    public static HostReply Ok(byte[] payload) => new(payload, null);

    /// <summary>A refusal; the guest sees it as a <see cref="HostCallException"/>.</summary>
    /// <param name="code">A stable reason code, e.g. <c>unknown-capability</c>.</param>
    /// <param name="message">A human-readable explanation.</param>
    public static HostReply Fail(string code, string message) => new(null, new HostError(code, message));
}
