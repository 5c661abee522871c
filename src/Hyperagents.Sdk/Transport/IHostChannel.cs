namespace Hyperagents.Transport;

/// <summary>The one request/response channel from agent code to the host. Every SDK capability travels over it.</summary>
/// <remarks>
/// Implemented by the native worker (a pipe to the host process) and by the sandbox bootstrap (a re-entrant host-call
/// channel out of Wasmtime). Requests and replies are UTF-8 JSON documents of the types in <see cref="SdkJson"/>.
/// The host validates, caps, meters and records every request; nothing the guest sends is trusted.
/// This namespace is infrastructure: the capability gate does not let agent code use it.
/// </remarks>
public interface IHostChannel
{
    /// <summary>Sends one request to the host and waits for its reply.</summary>
    /// <param name="capability">One of the names in <see cref="Capabilities"/>.</param>
    /// <param name="request">The request document.</param>
    /// <returns>The reply document.</returns>
    /// <exception cref="HostCallException">The host refused or failed the request.</exception>
    ValueTask<byte[]> CallAsync(string capability, byte[] request);
}

/// <summary>The capability names a host serves.</summary>
public static class Capabilities
{
    /// <summary>Appends a line to the agent's log.</summary>
    public const string Log = "log";
    /// <summary>Reads the remaining budget.</summary>
    public const string Budget = "budget";
    /// <summary>One model chat completion.</summary>
    public const string Chat = "chat";
    /// <summary>Lists the workspace files.</summary>
    public const string WorkspaceList = "workspace.list";
    /// <summary>Reads a workspace file.</summary>
    public const string WorkspaceRead = "workspace.read";
    /// <summary>Creates or overwrites a workspace file.</summary>
    public const string WorkspaceWrite = "workspace.write";
    /// <summary>Replaces one exact occurrence of a string in a workspace file.</summary>
    public const string WorkspaceReplace = "workspace.replace";
    /// <summary>Deletes a workspace file.</summary>
    public const string WorkspaceDelete = "workspace.delete";
    /// <summary>Reads the lineage of the variant being modified.</summary>
    public const string Lineage = "lineage";
    /// <summary>Compiles and gates the workspace.</summary>
    public const string Compile = "compile";
    /// <summary>Evaluates the workspace on training tasks in a fresh isolate.</summary>
    public const string Evaluate = "evaluate";
    /// <summary>Lists mutation sites of a workspace file.</summary>
    public const string MutationSites = "mutation.sites";
    /// <summary>Applies seeded syntax mutations to a workspace file.</summary>
    public const string Mutate = "mutation.apply";

    /// <summary>Compiles, gates and runs a C# snippet in a fresh isolate (the meta agent's scratchpad).</summary>
    public const string RunSnippet = "snippet.run";

    /// <summary>Reads the best archived answer of the current train task when the run shares it (<c>--share-best</c>).</summary>
    public const string SharedBest = "shared.best";

    /// <summary>Every capability name, for hosts that validate requests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Log, Budget, Chat, WorkspaceList, WorkspaceRead, WorkspaceWrite, WorkspaceReplace, WorkspaceDelete,
        Lineage, Compile, Evaluate, MutationSites, Mutate, RunSnippet, SharedBest,
    ];
}
