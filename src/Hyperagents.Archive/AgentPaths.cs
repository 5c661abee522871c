using Hyperagents;

namespace Hyperagents.Archive;

/// <summary>Rules for the paths of an agent's files inside a variant: each path follows the SDK's
/// <see cref="AgentFilePaths"/> rule (the one the workspace and the compiler apply), and the set is one that every
/// supported file system can check out (<see cref="AgentFilePaths.SetProblem"/>).</summary>
public static class AgentPaths
{
    /// <summary>The folder of every variant's tree reserved for the archive (provenance, transcript, manifest).</summary>
    public const string Reserved = AgentFilePaths.Reserved;

    /// <summary>Checks a whole file set: every path valid, no two differing only in case, no file that is also a folder.</summary>
    /// <param name="paths">The paths.</param>
    /// <exception cref="ArchiveException">A path is invalid; the message names it.</exception>
    public static void Validate(IEnumerable<string> paths)
    {
        var all = new List<string>();
        foreach (var path in paths)
        {
            if (AgentFilePaths.Problem(path) is { } problem)
            {
                throw new ArchiveException($"Agent file path '{AgentFilePaths.Escape(path)}' is refused: {problem}.");
            }

            all.Add(path);
        }

        if (AgentFilePaths.SetProblem(all) is { } clash)
        {
            throw new ArchiveException($"Agent file paths are refused: {clash}.");
        }
    }
}
