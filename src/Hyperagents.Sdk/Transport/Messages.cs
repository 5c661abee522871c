using System.Text.Json.Serialization;

namespace Hyperagents.Transport;

/// <summary>Request of <see cref="Capabilities.Log"/>.</summary>
/// <param name="Level">One of <c>debug</c>, <c>info</c>, <c>warning</c>, <c>error</c>.</param>
/// <param name="Message">The line; the host caps its length.</param>
public sealed record LogRequest(string Level, string Message);

/// <summary>A reply with nothing to say beyond success.</summary>
public sealed record Ack();

/// <summary>Request of the workspace capabilities that name one file.</summary>
/// <param name="Path">A relative path inside the hyperagent, with forward slashes.</param>
public sealed record PathRequest(string Path);

/// <summary>Request of <see cref="Capabilities.WorkspaceWrite"/>.</summary>
/// <param name="Path">A relative path inside the hyperagent.</param>
/// <param name="Content">The new content.</param>
public sealed record WriteRequest(string Path, string Content);

/// <summary>Request of <see cref="Capabilities.WorkspaceReplace"/>.</summary>
/// <param name="Path">A relative path inside the hyperagent.</param>
/// <param name="OldText">Text that must occur exactly once.</param>
/// <param name="NewText">Its replacement.</param>
public sealed record ReplaceRequest(string Path, string OldText, string NewText);

/// <summary>Reply of <see cref="Capabilities.WorkspaceList"/>.</summary>
/// <param name="Files">The workspace files.</param>
public sealed record FileListReply(IReadOnlyList<WorkspaceFile> Files);

/// <summary>Reply of <see cref="Capabilities.WorkspaceRead"/>.</summary>
/// <param name="Content">The file content.</param>
public sealed record FileContentReply(string Content);

/// <summary>Request of <see cref="Capabilities.Lineage"/>.</summary>
/// <param name="MaxAncestors">How many ancestors to return, nearest first.</param>
public sealed record LineageRequest(int MaxAncestors);

/// <summary>Reply of <see cref="Capabilities.Lineage"/>.</summary>
/// <param name="Entries">The variant being modified first, then its ancestors, nearest first.</param>
public sealed record LineageReply(IReadOnlyList<LineageEntry> Entries);

/// <summary>Request of <see cref="Capabilities.RunSnippet"/>.</summary>
/// <param name="Code">The snippet.</param>
public sealed record SnippetRequest(string Code);

/// <summary>Request of <see cref="Capabilities.Evaluate"/>.</summary>
/// <param name="MaxTasks">How many training tasks to run at most.</param>
public sealed record EvaluateRequest(int MaxTasks);

/// <summary>Request of <see cref="Capabilities.MutationSites"/>.</summary>
/// <param name="Path">The file to inspect.</param>
public sealed record MutationSitesRequest(string Path);

/// <summary>Reply of <see cref="Capabilities.MutationSites"/>.</summary>
/// <param name="Sites">The mutable places in the file.</param>
public sealed record MutationSitesReply(IReadOnlyList<MutationSite> Sites);

/// <summary>Reply of <see cref="Capabilities.SharedBest"/>.</summary>
/// <param name="Answer">The best archived answer of the task, or <see langword="null"/>.</param>
/// <param name="Reason">Why there is none: <c>not-granted</c> (the run does not share, or the task is not a train task),
/// <c>no-answer-yet</c>; <see langword="null"/> when <paramref name="Answer"/> is given.</param>
public sealed record SharedBestReply(string? Answer, string? Reason);

/// <summary>What <c>SolveTask</c> is started with.</summary>
/// <param name="Task">The task.</param>
/// <param name="Seed">The seed of <see cref="TaskContext.Random"/>.</param>
/// <param name="Choice">When set, the call runs <c>SelectParent</c> on this view instead of <c>SolveTask</c> (its answer
/// is the chosen id): the parent choice travels the way every task does, through no capability of its own.</param>
public sealed record TaskInvocation(TaskSpec Task, ulong Seed, ParentChoice? Choice = null);

/// <summary>What <c>ModifySelf</c> is started with.</summary>
/// <param name="Instruction">The instruction to the meta agent.</param>
/// <param name="Seed">The seed of <see cref="MetaContext.Random"/>.</param>
/// <param name="ModelAvailable">Whether a model is configured for the meta role.</param>
/// <param name="Domains">The domains the run evaluates on.</param>
public sealed record MetaInvocation(string Instruction, ulong Seed, bool ModelAvailable, IReadOnlyList<string> Domains);

/// <summary>The end of one entry-point call, as the guest reports it. The host trusts none of it beyond its shape.</summary>
/// <param name="Status">How the call ended.</param>
/// <param name="Answer">The answer of <c>SolveTask</c>; <see langword="null"/> otherwise.</param>
/// <param name="ExceptionType">The exception type, when the agent threw.</param>
/// <param name="ExceptionMessage">The exception message, when the agent threw.</param>
public sealed record InvocationResult(
    InvocationStatus Status,
    string? Answer = null,
    string? ExceptionType = null,
    string? ExceptionMessage = null);

/// <summary>How an entry-point call ended inside the guest.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvocationStatus>))]
public enum InvocationStatus
{
    /// <summary>The entry point returned.</summary>
    Completed,
    /// <summary>The entry point threw; see the exception fields.</summary>
    GuestException,
    /// <summary>The assembly has no valid entry point of the requested kind.</summary>
    NoEntryPoint,
}

/// <summary>The host's reply envelope: exactly one of <paramref name="Error"/> and a payload.</summary>
/// <param name="Error">The error code when the call failed, else <see langword="null"/>.</param>
/// <param name="Message">The error message when the call failed.</param>
public sealed record HostError(string Error, string Message);

/// <summary>Source-generated JSON contracts for every transport message, shared by host and guest.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(LogRequest))]
[JsonSerializable(typeof(Ack))]
[JsonSerializable(typeof(PathRequest))]
[JsonSerializable(typeof(WriteRequest))]
[JsonSerializable(typeof(ReplaceRequest))]
[JsonSerializable(typeof(FileListReply))]
[JsonSerializable(typeof(FileContentReply))]
[JsonSerializable(typeof(LineageRequest))]
[JsonSerializable(typeof(LineageReply))]
[JsonSerializable(typeof(EvaluateRequest))]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(SnippetRequest))]
[JsonSerializable(typeof(SnippetReport))]
[JsonSerializable(typeof(CompileReport))]
[JsonSerializable(typeof(MutationSitesRequest))]
[JsonSerializable(typeof(MutationSitesReply))]
[JsonSerializable(typeof(MutationRequest))]
[JsonSerializable(typeof(MutationReport))]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatReply))]
[JsonSerializable(typeof(BudgetStatus))]
[JsonSerializable(typeof(SharedBestReply))]
[JsonSerializable(typeof(TaskInvocation))]
[JsonSerializable(typeof(MetaInvocation))]
[JsonSerializable(typeof(InvocationResult))]
[JsonSerializable(typeof(HostError))]
public sealed partial class SdkJson : JsonSerializerContext;
