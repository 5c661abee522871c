using System.Text;

namespace Hyperagents.Hosting.Sessions;

/// <summary>The host-held files of a hyperagent being modified. The meta agent edits them through capabilities; the
/// child is the snapshot taken when <c>ModifySelf</c> returns.</summary>
/// <remarks>
/// Every path follows the one rule of hyperagent files (<see cref="AgentFilePaths"/>: an ASCII allow-list of names
/// and file kinds, protected names refused in every folder), and the set of paths stays one a file system can hold
/// (<see cref="AgentFilePaths.SetProblem"/>). Sizes and counts are capped. Refusals are values (<see cref="WorkspaceError"/>) and attempts on protected
/// paths are remembered for the archive (threat rows I1, I8).
/// </remarks>
public sealed class AgentWorkspace
{
    private readonly Dictionary<string, string> _files;
    private readonly WorkspaceLimits _limits;
    private readonly List<string> _protectedAttempts = [];
    private readonly object _gate = new();

    /// <summary>Creates a workspace over a copy of <paramref name="files"/>.</summary>
    /// <param name="files">The hyperagent's files by relative path.</param>
    /// <param name="limits">Caps.</param>
    public AgentWorkspace(IReadOnlyDictionary<string, string> files, WorkspaceLimits limits)
    {
        _files = new Dictionary<string, string>(files, StringComparer.Ordinal);
        _limits = limits;
    }

    /// <summary>Paths the agent tried to touch that are protected, in order.</summary>
    public IReadOnlyList<string> ProtectedPathAttempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _protectedAttempts];
            }
        }
    }

    /// <summary>A copy of the current files.</summary>
    public IReadOnlyDictionary<string, string> Snapshot()
    {
        lock (_gate)
        {
            return new SortedDictionary<string, string>(_files, StringComparer.Ordinal);
        }
    }

    /// <summary>Lists the files.</summary>
    public IReadOnlyList<WorkspaceFile> List()
    {
        lock (_gate)
        {
            return _files.OrderBy(f => f.Key, StringComparer.Ordinal)
                .Select(f => new WorkspaceFile(f.Key, Encoding.UTF8.GetByteCount(f.Value), FileKinds.Of(f.Key)))
                .ToList();
        }
    }

    /// <summary>Reads a file.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="content">The content when found.</param>
    public WorkspaceError? TryRead(string path, out string content)
    {
        content = string.Empty;
        lock (_gate)
        {
            if (CheckPath(path) is { } error)
            {
                return error;
            }

            return _files.TryGetValue(path, out content!) ? null : new WorkspaceError("not-found", $"No file '{path}' in the workspace.");
        }
    }

    /// <summary>Creates or overwrites a file.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="content">The new content.</param>
    public WorkspaceError? Write(string path, string content)
    {
        lock (_gate)
        {
            if (CheckPath(path) is { } error)
            {
                return error;
            }

            var size = Encoding.UTF8.GetByteCount(content);
            if (size > _limits.MaxFileBytes)
            {
                return new WorkspaceError("too-large", $"'{path}' would be {size} bytes; the cap is {_limits.MaxFileBytes}.");
            }

            if (!_files.ContainsKey(path) && AgentFilePaths.SetProblem(_files.Keys.Append(path)) is { } clash)
            {
                return new WorkspaceError("bad-path", $"'{path}' is refused: {clash}.");
            }

            if (!_files.ContainsKey(path) && _files.Count >= _limits.MaxFiles)
            {
                return new WorkspaceError("too-many-files", $"The workspace already holds {_files.Count} files; the cap is {_limits.MaxFiles}.");
            }

            var total = _files.Where(f => f.Key != path).Sum(f => (long)Encoding.UTF8.GetByteCount(f.Value)) + size;
            if (total > _limits.MaxTotalBytes)
            {
                return new WorkspaceError("too-large", $"The workspace would hold {total} bytes; the cap is {_limits.MaxTotalBytes}.");
            }

            _files[path] = content;
            return null;
        }
    }

    /// <summary>Replaces the one occurrence of <paramref name="oldText"/>.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="oldText">Text that must occur exactly once.</param>
    /// <param name="newText">Its replacement.</param>
    public WorkspaceError? Replace(string path, string oldText, string newText)
    {
        lock (_gate)
        {
            if (TryRead(path, out var content) is { } error)
            {
                return error;
            }

            if (oldText.Length == 0)
            {
                return new WorkspaceError("no-unique-match", "The text to replace is empty.");
            }

            var first = content.IndexOf(oldText, StringComparison.Ordinal);
            if (first < 0 || content.IndexOf(oldText, first + 1, StringComparison.Ordinal) >= 0)
            {
                var count = first < 0 ? 0 : CountOccurrences(content, oldText);
                return new WorkspaceError("no-unique-match", $"The text occurs {count} times in '{path}'; it must occur exactly once.");
            }

            return Write(path, string.Concat(content.AsSpan(0, first), newText, content.AsSpan(first + oldText.Length)));
        }
    }

    /// <summary>Deletes a file.</summary>
    /// <param name="path">The relative path.</param>
    public WorkspaceError? Delete(string path)
    {
        lock (_gate)
        {
            if (CheckPath(path) is { } error)
            {
                return error;
            }

            return _files.Remove(path) ? null : new WorkspaceError("not-found", $"No file '{path}' in the workspace.");
        }
    }

    /// <summary>Checks a path without touching anything. A path that reaches a protected name (in any folder, after
    /// folding case, look-alike and invisible characters) is refused and recorded as an attempt, so the loop rejects
    /// the child; any other path breaking the rule (<see cref="AgentFilePaths"/>) is refused.</summary>
    private WorkspaceError? CheckPath(string? path)
    {
        // Shown escaped and short: the path may be megabytes of control, invisible or look-alike characters.
        var shown = AgentFilePaths.Escape(path, 160);
        if (AgentFilePaths.ProtectedProblem(path) is { } protectedName)
        {
            _protectedAttempts.Add(shown);
            return new WorkspaceError("protected-path", $"'{shown}' is refused: {protectedName}.");
        }

        if (AgentFilePaths.Problem(path) is { } problem)
        {
            return new WorkspaceError("bad-path", $"'{shown}' is refused: {problem}.");
        }

        return null;
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>A refused workspace operation.</summary>
/// <param name="Code">A stable code: <c>bad-path</c>, <c>not-found</c>, <c>too-large</c>, <c>too-many-files</c>, <c>protected-path</c>, <c>no-unique-match</c>.</param>
/// <param name="Message">What was wrong.</param>
public sealed record WorkspaceError(string Code, string Message);

/// <summary>Caps of a workspace.</summary>
public sealed record WorkspaceLimits
{
    /// <summary>Largest file.</summary>
    /// <value>Default 256 KiB.</value>
    public int MaxFileBytes { get; init; } = 256 * 1024;

    /// <summary>Largest total.</summary>
    /// <value>Default 2 MiB.</value>
    public long MaxTotalBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most files.</summary>
    /// <value>Default 200.</value>
    public int MaxFiles { get; init; } = 200;
}
