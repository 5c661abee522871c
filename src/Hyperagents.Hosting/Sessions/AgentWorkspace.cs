using System.Text;

namespace Hyperagents.Hosting.Sessions;

/// <summary>The host-held files of a hyperagent being modified. The meta agent edits them through capabilities; the
/// child is the snapshot taken when <c>ModifySelf</c> returns.</summary>
/// <remarks>
/// Every path is validated: relative, forward slashes, no <c>..</c>, no empty segment, no reserved folder, no protected
/// prefix. Sizes and counts are capped. Refusals are values (<see cref="WorkspaceError"/>) and attempts on protected
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
    /// <param name="limits">Caps and protected prefixes.</param>
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
            if (CheckPath(path, writing: false) is { } error)
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
            if (CheckPath(path, writing: true) is { } error)
            {
                return error;
            }

            var size = Encoding.UTF8.GetByteCount(content);
            if (size > _limits.MaxFileBytes)
            {
                return new WorkspaceError("too-large", $"'{path}' would be {size} bytes; the cap is {_limits.MaxFileBytes}.");
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
            if (CheckPath(path, writing: true) is { } error)
            {
                return error;
            }

            return _files.Remove(path) ? null : new WorkspaceError("not-found", $"No file '{path}' in the workspace.");
        }
    }

    /// <summary>Checks a path without touching anything. A well-formed path under a protected prefix is refused and
    /// recorded as an attempt (so the loop rejects the child); any other path breaking the rule is refused.</summary>
    private WorkspaceError? CheckPath(string path, bool writing)
    {
        if (AgentFilePaths.ShapeProblem(path) is { } shape)
        {
            // Shown neutralised and short: the path may be megabytes of control characters.
            return new WorkspaceError("bad-path", $"'{Native.OutputText.Line(path ?? string.Empty, 160)}' is refused: {shape}.");
        }

        foreach (var prefix in _limits.ProtectedPrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                _protectedAttempts.Add(path);
                return new WorkspaceError("protected-path", $"'{path}' is protected ({prefix}*): evaluators, data, budgets and policy are outside the agent's reach.");
            }
        }

        if (AgentFilePaths.Problem(path) is { } problem)
        {
            return new WorkspaceError("bad-path", $"'{path}' is refused: {problem}.");
        }

        _ = writing;
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

    /// <summary>Path prefixes the agent may neither read nor write (case-insensitive).</summary>
    /// <value>Default: the archive's reserved folder and the names of evaluator, data, budget and policy folders.</value>
    public IReadOnlyList<string> ProtectedPrefixes { get; init; } = WorkspacePaths.DefaultProtectedPrefixes;
}

/// <summary>What the workspace protects beyond the path rule every hyperagent file follows (<see cref="AgentFilePaths"/>).</summary>
public static class WorkspacePaths
{
    /// <summary>The folder of a variant commit reserved for the archive's own files (provenance, transcript).</summary>
    public const string ReservedFolder = AgentFilePaths.Reserved + "/";

    /// <summary>Prefixes no agent may touch: the archive's folder, and evaluator/data/budget/policy names
    /// (threat rows I1, I8), so that a diff touching them is refused before compile.</summary>
    public static IReadOnlyList<string> DefaultProtectedPrefixes { get; } =
        [ReservedFolder, ".git/", "eval/", "evaluator/", "evaluators/", "domains/", "data/", "policy/", "sandbox/", "budget", ".editorconfig", ".globalconfig"];
}
