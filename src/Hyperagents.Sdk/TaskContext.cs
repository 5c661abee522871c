using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>Everything <c>SolveTask</c> may use: the task, a model chat, a seeded random source, a log and the budget.</summary>
/// <remarks>
/// A hyperagent declares its task entry point as a public static method of a public class:
/// <code>public static Task&lt;string&gt; SolveTask(TaskContext context)</code>
/// The returned string is the answer (for the built-in domains, a JSON document). The host evaluator scores it; the
/// agent never reports its own score. Every capability is served by the host and is checked, metered and recorded there.
/// Timeouts are enforced out of band (the sandbox traps, the native worker is killed), so there is no cancellation token
/// to observe and nothing an agent can catch to outlive its deadline.
/// </remarks>
public sealed class TaskContext
{
    private readonly IHostChannel _channel;

    internal TaskContext(TaskSpec task, IHostChannel channel, ulong seed)
    {
        Task = task;
        Chat = new Chat(channel, ChatRole.Task);
        Random = new SeededRandom(seed);
        Log = new AgentLog(channel);
        Budget = new Budget(channel);
        _channel = channel;
    }

    /// <summary>The task to solve.</summary>
    public TaskSpec Task { get; }

    /// <summary>The language model configured for the task role, metered against the budget.</summary>
    public Chat Chat { get; }

    /// <summary>A random source seeded by the host, so that a replay draws the same numbers.</summary>
    public SeededRandom Random { get; }

    /// <summary>The agent's log; lines land in the evaluation record.</summary>
    public AgentLog Log { get; }

    /// <summary>What is left of this evaluation's budget.</summary>
    public Budget Budget { get; }

    /// <summary>The best answer to this task archived in the run so far (fanout's shared pool), or <see langword="null"/>.</summary>
    /// <remarks>Served only when the run shares answers (<c>hyperagents run --share-best</c>) and only for a train task:
    /// a validation or test task, a try-evaluation, <c>eval</c> and a run without the flag always get
    /// <see langword="null"/>. "So far" means among the variants archived before this attempt began. The host records
    /// every use, and <c>audit</c> flags the variants whose answers used it.</remarks>
    /// <returns>The answer text (the domain's answer format), or <see langword="null"/>.</returns>
    public async ValueTask<string?> SharedBestAsync() =>
        (await _channel.CallAsync(Capabilities.SharedBest, new Ack(), SdkJson.Default.Ack, SdkJson.Default.SharedBestReply).ConfigureAwait(false)).Answer;
}

/// <summary>One task of a domain, as the task agent sees it.</summary>
/// <param name="Domain">The domain name, e.g. <c>circle-packing</c>.</param>
/// <param name="Id">The task id, unique within the domain, e.g. <c>n26</c>.</param>
/// <param name="Description">What a valid answer is and how it is scored, in prose.</param>
/// <param name="Parameters">The instance parameters, e.g. <c>n = 26</c>.</param>
/// <param name="Input">Domain-specific input text (for the <c>dataset</c> domain, the input of the example), or <see langword="null"/>.</param>
public sealed record TaskSpec(
    string Domain,
    string Id,
    string Description,
    IReadOnlyDictionary<string, string> Parameters,
    string? Input)
{
    /// <summary>Reads an integer parameter.</summary>
    /// <param name="name">The parameter name.</param>
    /// <exception cref="KeyNotFoundException">The task has no such parameter.</exception>
    /// <exception cref="FormatException">The parameter is not an integer.</exception>
    public int GetInt(string name) => int.Parse(GetRequired(name), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads a floating-point parameter.</summary>
    /// <param name="name">The parameter name.</param>
    /// <exception cref="KeyNotFoundException">The task has no such parameter.</exception>
    /// <exception cref="FormatException">The parameter is not a number.</exception>
    public double GetDouble(string name) => double.Parse(GetRequired(name), System.Globalization.CultureInfo.InvariantCulture);

    private string GetRequired(string name) =>
        Parameters.TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException($"Task '{Id}' of domain '{Domain}' has no parameter '{name}'.");
}
