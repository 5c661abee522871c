using System.Text;
using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>The entry point of an agent that a call runs.</summary>
public enum EntryPoint
{
    /// <summary><c>SolveTask(TaskContext)</c>: returns the answer.</summary>
    SolveTask,
    /// <summary><c>ModifySelf(MetaContext)</c>: edits the agent's workspace; no answer.</summary>
    ModifySelf,
}

/// <summary>What every runner does the same way, written once: the checks of a request, and how what happened in the
/// isolate becomes an <see cref="AgentOutcome"/>. A runner only reports what it saw; the kind and the message come from here.</summary>
public static class CallRules
{
    /// <summary>Checks the arguments of one call. Misuse by the host is an exception; nothing of the agent is.</summary>
    /// <param name="agent">The compiled agent; its image must not be empty.</param>
    /// <param name="invocation">The task or meta invocation.</param>
    /// <param name="host">The capability handler.</param>
    /// <param name="limits">The limits, validated here.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The image is empty or a limit is out of bounds.</exception>
    public static void CheckRequest(CompiledAgent agent, object invocation, ICapabilityHandler host, RunLimits limits)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        if (agent.Image is null || agent.Image.Length == 0)
        {
            throw new ArgumentException("The compiled agent has no image.", nameof(agent));
        }
    }

    /// <summary>The kind, answer, detail and exception type of a call whose entry point ran to its end in the isolate.</summary>
    /// <param name="entry">The entry point called.</param>
    /// <param name="result">What the trusted invoker inside the isolate reported.</param>
    /// <param name="answerBytes">The answer's size when the isolate dropped it for being over the cap; else <see langword="null"/>.</param>
    /// <param name="limits">The call's limits.</param>
    public static Ending Ended(EntryPoint entry, InvocationResult result, long? answerBytes, RunLimits limits)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(limits);
        var message = result.ExceptionMessage is null ? null : Line(result.ExceptionMessage, 4096);
        switch (result.Status)
        {
            case InvocationStatus.Completed when entry == EntryPoint.ModifySelf:
                return new Ending(OutcomeKind.Completed);
            case InvocationStatus.Completed when answerBytes is { } size:
                return new Ending(OutcomeKind.Crashed, Detail: AnswerTooLarge(size, limits));
            case InvocationStatus.Completed when result.Answer is null:
                return new Ending(OutcomeKind.GuestException, Detail: "SolveTask returned null instead of an answer; return a string (an empty one for no answer).");
            case InvocationStatus.Completed when Encoding.UTF8.GetByteCount(result.Answer) > limits.MaxMessageBytes:
                return new Ending(OutcomeKind.Crashed, Detail: AnswerTooLarge(Encoding.UTF8.GetByteCount(result.Answer), limits));
            case InvocationStatus.Completed:
                return new Ending(OutcomeKind.Completed, Answer: result.Answer);
            case InvocationStatus.NoEntryPoint:
                return new Ending(OutcomeKind.GateRejected, Detail: message ?? $"The agent has no {entry} entry point.");
            default:
                var type = result.ExceptionType is null ? null : Line(result.ExceptionType, 256);
                return type switch
                {
                    "System.OutOfMemoryException" => new Ending(OutcomeKind.OutOfMemory, Detail: $"The agent exceeded its memory cap of {limits.MemoryBytes / (1024 * 1024)} MiB (RunLimits.MemoryBytes): {message}", ExceptionType: type),
                    "System.InsufficientExecutionStackException" => new Ending(OutcomeKind.StackOverflow, Detail: message, ExceptionType: type),
                    _ => new Ending(OutcomeKind.GuestException, Detail: message, ExceptionType: type),
                };
        }
    }

    /// <summary>The call was cancelled by the caller's token.</summary>
    /// <param name="started">Whether the isolate had started (and so was stopped).</param>
    public static Ending Cancelled(bool started) => new(OutcomeKind.Cancelled, Detail: started
        ? "The caller cancelled the call; the isolate was stopped."
        : "The caller cancelled the call before it started.");

    /// <summary>The wall-clock deadline passed.</summary>
    /// <param name="limits">The call's limits.</param>
    /// <param name="how">What the runner did, e.g. <c>the worker process tree was killed</c>; or <see langword="null"/>.</param>
    public static Ending Deadline(RunLimits limits, string? how = null) => new(OutcomeKind.Deadline,
        Detail: $"The wall-clock deadline of {limits.WallClock.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s passed (RunLimits.WallClock)" + (how is null ? "." : $"; {how}."));

    /// <summary>The capability handler threw.</summary>
    /// <param name="capability">The capability it served.</param>
    /// <param name="error">What it threw.</param>
    public static Ending HandlerFailed(string capability, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new Ending(OutcomeKind.HostFault, Detail: $"The capability handler failed on '{Line(capability, 64)}': {error.GetType().Name}: {Line(error.Message, 1024)}");
    }

    /// <summary>One line of untrusted text, capped and made safe to show.</summary>
    /// <param name="text">The text.</param>
    /// <param name="max">The cap in characters.</param>
    public static string Line(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.Split('\n')[0].Trim();
        return SafeText.ForDisplay(line.Length <= max ? line : line[..max] + "…");
    }

    private static string AnswerTooLarge(long size, RunLimits limits) =>
        $"The answer of {size} bytes exceeds the limit of {limits.MaxMessageBytes} bytes (RunLimits.MaxMessageBytes).";
}

/// <summary>How a call ended, before the runner adds what it measured (time, fuel, output, host calls).</summary>
/// <param name="Kind">The outcome kind.</param>
/// <param name="Answer">The answer, for a completed <c>SolveTask</c>.</param>
/// <param name="Detail">The explanation.</param>
/// <param name="ExceptionType">The guest exception type, when there is one.</param>
public readonly record struct Ending(OutcomeKind Kind, string? Answer = null, string? Detail = null, string? ExceptionType = null)
{
    /// <summary>The outcome, with the runner's measurements.</summary>
    /// <param name="elapsed">Wall-clock time of the call.</param>
    /// <param name="fuel">Fuel consumed, where fuel is metered.</param>
    /// <param name="output">The captured output, already capped and neutralised.</param>
    /// <param name="hostCalls">Capability requests made.</param>
    public AgentOutcome ToOutcome(TimeSpan elapsed, long? fuel, string output, int hostCalls) =>
        new(Kind, Answer, Detail, ExceptionType, elapsed, fuel, output, hostCalls);
}
