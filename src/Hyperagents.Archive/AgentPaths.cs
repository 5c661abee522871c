namespace Hyperagents.Archive;

/// <summary>Rules for the paths of an agent's files inside a variant.</summary>
public static class AgentPaths
{
    /// <summary>The folder of every variant's tree reserved for the archive (provenance, transcript, manifest).</summary>
    public const string Reserved = ".hyperagent";

    /// <summary>Why <paramref name="path"/> cannot name an agent file, or <see langword="null"/> when it can.</summary>
    /// <param name="path">The candidate path.</param>
    public static string? Problem(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "the path is empty";
        }

        if (path.Contains('\\', StringComparison.Ordinal) || path.StartsWith('/') || path.EndsWith('/'))
        {
            return "use a relative path with forward slashes, not ending in '/'";
        }

        if (path.Any(c => char.IsControl(c)))
        {
            return "the path contains a control character";
        }

        var segments = path.Split('/');
        if (segments[0].Equals(Reserved, StringComparison.OrdinalIgnoreCase))
        {
            return $"'{Reserved}/' is reserved for the archive's provenance and transcript";
        }

        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return "empty, '.' and '..' segments are not allowed";
            }

            if (segment.Equals(".git", StringComparison.OrdinalIgnoreCase))
            {
                return "'.git' segments are not allowed";
            }
        }

        return null;
    }

    /// <summary>Checks a whole file set: every path valid, no file that is also a folder of another.</summary>
    /// <param name="paths">The paths.</param>
    /// <exception cref="ArchiveException">A path is invalid; the message names it.</exception>
    public static void Validate(IEnumerable<string> paths)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (Problem(path) is { } problem)
            {
                throw new ArchiveException($"Agent file path '{path}' is refused: {problem}.");
            }

            all.Add(path);
        }

        foreach (var path in all)
        {
            for (var i = path.IndexOf('/'); i > 0; i = path.IndexOf('/', i + 1))
            {
                if (all.Contains(path[..i]))
                {
                    throw new ArchiveException($"Agent file path '{path[..i]}' is both a file and the folder of '{path}'; rename one.");
                }
            }
        }
    }
}
