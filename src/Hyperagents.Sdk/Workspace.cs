using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>The meta agent's view of its own files. Paths are relative, with forward slashes.</summary>
/// <remarks>
/// The host keeps the files: sizes and counts are capped, every path must follow <see cref="AgentFilePaths"/> (an ASCII
/// allow-list of names and file kinds; a refusal, code <c>bad-path</c>, says what is allowed), and a path that reaches a
/// protected name is refused (code <c>protected-path</c>) and recorded, which gets the child rejected. Every change is
/// recorded in the transcript.
/// </remarks>
public sealed class Workspace
{
    private readonly IHostChannel _channel;

    internal Workspace(IHostChannel channel) => _channel = channel;

    /// <summary>Lists the files with their sizes and kinds.</summary>
    public async ValueTask<IReadOnlyList<WorkspaceFile>> ListAsync() =>
        (await _channel.CallAsync(Capabilities.WorkspaceList, new Ack(), SdkJson.Default.Ack, SdkJson.Default.FileListReply)
            .ConfigureAwait(false)).Files;

    /// <summary>Reads a file.</summary>
    /// <param name="path">The relative path.</param>
    /// <exception cref="HostCallException">No such file (<c>not-found</c>) or a bad path.</exception>
    public async ValueTask<string> ReadAsync(string path) =>
        (await _channel.CallAsync(Capabilities.WorkspaceRead, new PathRequest(path), SdkJson.Default.PathRequest, SdkJson.Default.FileContentReply)
            .ConfigureAwait(false)).Content;

    /// <summary>Creates or overwrites a file.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="content">The new content.</param>
    public async ValueTask WriteAsync(string path, string content) =>
        await _channel.CallAsync(Capabilities.WorkspaceWrite, new WriteRequest(path, content), SdkJson.Default.WriteRequest, SdkJson.Default.Ack)
            .ConfigureAwait(false);

    /// <summary>Replaces the one occurrence of <paramref name="oldText"/> in a file.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="oldText">Text that must occur exactly once.</param>
    /// <param name="newText">Its replacement.</param>
    /// <exception cref="HostCallException">The text occurs zero or several times (<c>no-unique-match</c>).</exception>
    public async ValueTask ReplaceAsync(string path, string oldText, string newText) =>
        await _channel.CallAsync(Capabilities.WorkspaceReplace, new ReplaceRequest(path, oldText, newText), SdkJson.Default.ReplaceRequest, SdkJson.Default.Ack)
            .ConfigureAwait(false);

    /// <summary>Deletes a file.</summary>
    /// <param name="path">The relative path.</param>
    public async ValueTask DeleteAsync(string path) =>
        await _channel.CallAsync(Capabilities.WorkspaceDelete, new PathRequest(path), SdkJson.Default.PathRequest, SdkJson.Default.Ack)
            .ConfigureAwait(false);
}

/// <summary>A file of the workspace.</summary>
/// <param name="Path">The relative path.</param>
/// <param name="Size">Its size in bytes (UTF-8).</param>
/// <param name="Kind">Whether it belongs to the task agent, the meta agent, or neither.</param>
public sealed record WorkspaceFile(string Path, long Size, FileKind Kind);

/// <summary>Classifies hyperagent files by folder.</summary>
public static class FileKinds
{
    /// <summary>The kind of a relative path: under <c>task/</c> a task file, under <c>meta/</c> a meta file, else other.</summary>
    /// <param name="path">A relative path with forward slashes.</param>
    public static FileKind Of(string path) =>
        path.StartsWith("task/", StringComparison.Ordinal) ? FileKind.Task
        : path.StartsWith("meta/", StringComparison.Ordinal) ? FileKind.Meta
        : FileKind.Other;
}

/// <summary>Which part of a hyperagent a file belongs to, by folder: <c>task/</c>, <c>meta/</c>, anything else.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FileKind>))]
public enum FileKind
{
    /// <summary>A file under <c>task/</c>: the task agent.</summary>
    Task,
    /// <summary>A file under <c>meta/</c>: the meta agent, including its prompts and policy.</summary>
    Meta,
    /// <summary>Any other file.</summary>
    Other,
}

/// <summary>A read-only view of the ancestry of the variant being modified, with train-split evidence only.</summary>
public sealed class Lineage
{
    private readonly IHostChannel _channel;

    internal Lineage(IHostChannel channel) => _channel = channel;

    /// <summary>The variant being modified, then its ancestors, nearest first.</summary>
    /// <param name="maxAncestors">How many ancestors to include beyond the variant itself.</param>
    public async ValueTask<IReadOnlyList<LineageEntry>> GetAsync(int maxAncestors = 8) =>
        (await _channel.CallAsync(Capabilities.Lineage, new LineageRequest(maxAncestors), SdkJson.Default.LineageRequest, SdkJson.Default.LineageReply)
            .ConfigureAwait(false)).Entries;
}

/// <summary>One variant of the lineage.</summary>
/// <param name="VariantId">The variant id (its git commit id).</param>
/// <param name="ParentId">The parent's id, or <see langword="null"/> for the seed.</param>
/// <param name="Generation">The generation that produced it.</param>
/// <param name="TrainScore">The mean train score, or <see langword="null"/> when not evaluated.</param>
/// <param name="Status">Its archive status, e.g. <c>accepted</c>, <c>rejected: ...</c>.</param>
/// <param name="ChangedFiles">Files changed from its parent.</param>
/// <param name="Diff">The unified diff from its parent (capped).</param>
/// <param name="Tasks">Per-task train feedback.</param>
public sealed record LineageEntry(
    string VariantId,
    string? ParentId,
    int Generation,
    double? TrainScore,
    string Status,
    IReadOnlyList<string> ChangedFiles,
    string Diff,
    IReadOnlyList<TaskFeedback> Tasks);
