namespace Hyperagents.Hosting.Sessions;

/// <summary>A language model as the host serves it to agents: metered, recorded and budgeted by the implementation.</summary>
public interface IChatService
{
    /// <summary>Completes one chat request for the given role.</summary>
    /// <param name="request">The validated request; its <see cref="ChatRequest.Role"/> was set by the host.</param>
    /// <param name="cancellationToken">Cancelled at the call's deadline.</param>
    /// <exception cref="ChatUnavailableException">No model, budget spent, or the model failed.</exception>
    Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken);
}

/// <summary>A chat request the host could not serve; the agent sees it as a <see cref="HostCallException"/> with <see cref="Code"/>.</summary>
/// <param name="code">A stable code, e.g. <c>no-model</c>, <c>budget-exhausted</c>, <c>model-failed</c>.</param>
/// <param name="message">What happened.</param>
public sealed class ChatUnavailableException(string code, string message) : Exception(message)
{
    /// <summary>A stable code, e.g. <c>no-model</c>, <c>budget-exhausted</c>, <c>model-failed</c>.</summary>
    public string Code { get; } = code;
}

/// <summary>The host tools a meta agent reaches through its session: compile, try-evaluate, mutate, lineage.</summary>
public interface IMetaTools
{
    /// <summary>Compiles and gates a file set as the host will compile the child.</summary>
    /// <param name="files">The workspace snapshot.</param>
    CompileReport Compile(IReadOnlyDictionary<string, string> files);

    /// <summary>Scores a file set on at most <paramref name="maxTasks"/> training tasks in fresh isolates.</summary>
    /// <param name="files">The workspace snapshot.</param>
    /// <param name="maxTasks">Cap on the tasks run.</param>
    /// <param name="cancellationToken">Cancelled at the call's deadline.</param>
    Task<EvaluationReport> EvaluateAsync(IReadOnlyDictionary<string, string> files, int maxTasks, CancellationToken cancellationToken);

    /// <summary>Compiles, gates and runs a scratchpad snippet in a fresh isolate with a task's limits.</summary>
    /// <param name="code">The snippet.</param>
    /// <param name="cancellationToken">Cancelled at the call's deadline.</param>
    Task<SnippetReport> RunSnippetAsync(string code, CancellationToken cancellationToken);

    /// <summary>Lists the mutation sites of C# source.</summary>
    /// <param name="code">The source.</param>
    IReadOnlyList<MutationSite> GetSites(string code);

    /// <summary>Applies a seeded mutation request to C# source.</summary>
    /// <param name="code">The source.</param>
    /// <param name="request">The request (its path is informational here).</param>
    (string Code, MutationReport Report) Mutate(string code, MutationRequest request);

    /// <summary>The variant being modified, then its ancestors, with train evidence only.</summary>
    /// <param name="maxAncestors">How many ancestors beyond the variant itself.</param>
    IReadOnlyList<LineageEntry> GetLineage(int maxAncestors);
}
