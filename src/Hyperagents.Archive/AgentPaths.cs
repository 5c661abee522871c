using Hyperagents;

namespace Hyperagents.Archive;

/// <summary>Rules for the paths of an agent's files inside a variant: each path follows the SDK's
/// <see cref="AgentFilePaths"/> rule, and the set is a valid tree.</summary>
public static class AgentPaths
{
    /// <summary>The folder of every variant's tree reserved for the archive (provenance, transcript, manifest).</summary>
    public const string Reserved = AgentFilePaths.Reserved;

    /// <summary>Checks a whole file set: every path valid, no file that is also a folder of another.</summary>
    /// <param name="paths">The paths.</param>
    /// <exception cref="ArchiveException">A path is invalid; the message names it.</exception>
    public static void Validate(IEnumerable<string> paths)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (AgentFilePaths.Problem(path) is { } problem)
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
