namespace Hyperagents.Archive;

/// <summary>A run as listed by <see cref="ArchiveStore.ListRuns"/>.</summary>
/// <param name="Name">The run's folder name.</param>
/// <param name="Path">The run's folder.</param>
/// <param name="Domain">The manifest's domain.</param>
/// <param name="Seed">The manifest's seed.</param>
/// <param name="Variants">How many variants (every attempt).</param>
/// <param name="Accepted">How many accepted variants.</param>
/// <param name="Best">The best variant, when one was set.</param>
public sealed record RunInfo(string Name, string Path, string Domain, string Seed, int Variants, int Accepted, VariantSummary? Best)
{
    /// <summary>What the cheap integrity check found when the run was opened (<see cref="ArchiveRun.IntegrityProblems"/>).</summary>
    public IReadOnlyList<VerifyProblem> IntegrityProblems { get; init; } = [];
}

/// <summary>The folder that holds runs: <c>archive/</c> under the current directory unless told otherwise.</summary>
public static class ArchiveStore
{
    /// <summary>The environment variable naming the archive folder.</summary>
    public const string EnvironmentVariable = "HYPERAGENTS_ARCHIVE";

    /// <summary>The archive folder: the explicit one, else <c>$HYPERAGENTS_ARCHIVE</c>, else <c>./archive</c>.</summary>
    /// <param name="explicitFolder">The <c>--archive</c> option, if given.</param>
    public static string ResolveFolder(string? explicitFolder) =>
        Path.GetFullPath(
            !string.IsNullOrWhiteSpace(explicitFolder) ? explicitFolder
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env
            : "archive");

    /// <summary>The folder of a run inside an archive folder.</summary>
    /// <param name="archiveFolder">The archive folder.</param>
    /// <param name="run">The run's name (or a path to a run folder).</param>
    /// <exception cref="ArchiveException">The name is not a plain folder name and not an existing folder.</exception>
    public static string RunFolder(string archiveFolder, string run)
    {
        if (run.Contains('/') || run.Contains('\\'))
        {
            return Path.GetFullPath(run);
        }

        if (run is "." or ".." || run.Length == 0)
        {
            throw new ArchiveException($"'{run}' is not a run name.");
        }

        return Path.Combine(archiveFolder, run);
    }

    /// <summary>Every run in an archive folder, by name.</summary>
    /// <param name="archiveFolder">The archive folder.</param>
    public static IReadOnlyList<RunInfo> ListRuns(string archiveFolder)
    {
        if (!Directory.Exists(archiveFolder))
        {
            return [];
        }

        var runs = new List<RunInfo>();
        foreach (var folder in Directory.EnumerateDirectories(archiveFolder).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(folder).StartsWith('.') || !LibGit2Sharp.Repository.IsValid(folder))
            {
                continue;
            }

            try
            {
                using var run = ArchiveRun.Open(folder);
                var manifest = run.ReadManifest();
                var variants = run.ListVariants();
                runs.Add(new RunInfo(
                    Path.GetFileName(folder), folder, manifest.Domain, manifest.Seed, variants.Count,
                    variants.Count(v => v.Status.State == VariantState.Accepted), variants.FirstOrDefault(v => v.IsBest))
                {
                    IntegrityProblems = run.IntegrityProblems,
                });
            }
            catch (Exception e) when (e is ArchiveException or LibGit2Sharp.LibGit2SharpException)
            {
                // A git repository that is not a run is skipped.
            }
        }

        return runs;
    }
}
