namespace Hyperagents.Hosting;

/// <summary>How an entry-point call ended. Failures of agent code are values of this type, not exceptions.</summary>
public enum OutcomeKind
{
    /// <summary>The entry point returned.</summary>
    Completed,
    /// <summary>The deterministic fuel budget ran out (sandbox).</summary>
    OutOfFuel,
    /// <summary>The wall-clock deadline passed.</summary>
    Deadline,
    /// <summary>The isolate hit its memory cap.</summary>
    OutOfMemory,
    /// <summary>The call stack was exhausted.</summary>
    StackOverflow,
    /// <summary>Agent code threw (see <see cref="AgentOutcome.ExceptionType"/> and <see cref="AgentOutcome.Detail"/>), or
    /// <c>SolveTask</c> returned <see langword="null"/> instead of an answer (no exception type).</summary>
    GuestException,
    /// <summary>The agent did not compile, was rejected by the capability gate, or has no entry point of the kind called.</summary>
    GateRejected,
    /// <summary>The isolate died or broke the protocol (native worker crash, wasm trap of another kind, malformed message).</summary>
    Crashed,
    /// <summary>The host itself failed while serving the call; not the agent's fault.</summary>
    HostFault,
    /// <summary>The caller cancelled the call (its token); the isolate was stopped. Neither the agent's fault nor the host's.</summary>
    Cancelled,
    /// <summary>The agent made more capability requests than <see cref="RunLimits.MaxHostCalls"/>; the call was ended out
    /// of band (the agent cannot catch it).</summary>
    TooManyHostCalls,
}

/// <summary>The result of one entry-point call.</summary>
/// <param name="Kind">How it ended.</param>
/// <param name="Answer">The answer of <c>SolveTask</c> when completed (never <see langword="null"/> then); <see langword="null"/> otherwise.</param>
/// <param name="Detail">A human-readable explanation: the exception message, the trap, the limit hit.</param>
/// <param name="ExceptionType">The guest exception type for <see cref="OutcomeKind.GuestException"/>.</param>
/// <param name="Elapsed">Wall-clock time of the call, measured by the host.</param>
/// <param name="FuelConsumed">Fuel consumed in the sandbox; <see langword="null"/> in native mode.</param>
/// <param name="Output">The agent's captured console output, capped and with control sequences neutralised.</param>
/// <param name="HostCalls">How many capability requests the agent made.</param>
public sealed record AgentOutcome(
    OutcomeKind Kind,
    string? Answer,
    string? Detail,
    string? ExceptionType,
    TimeSpan Elapsed,
    long? FuelConsumed,
    string Output,
    int HostCalls)
{
    /// <summary>Whether the entry point returned normally.</summary>
    public bool IsCompleted => Kind == OutcomeKind.Completed;

    /// <summary>A short label for tables and logs, e.g. <c>completed</c>, <c>out-of-fuel</c>.</summary>
    public string Label => Kind switch
    {
        OutcomeKind.Completed => "completed",
        OutcomeKind.OutOfFuel => "out-of-fuel",
        OutcomeKind.Deadline => "deadline",
        OutcomeKind.OutOfMemory => "out-of-memory",
        OutcomeKind.StackOverflow => "stack-overflow",
        OutcomeKind.GuestException => "guest-exception",
        OutcomeKind.GateRejected => "gate-rejected",
        OutcomeKind.Crashed => "crashed",
        OutcomeKind.HostFault => "host-fault",
        OutcomeKind.Cancelled => "cancelled",
        OutcomeKind.TooManyHostCalls => "too-many-host-calls",
        _ => Kind.ToString(),
    };
}
