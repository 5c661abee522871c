using Hyperagents;

namespace Hyperagents.Archive;

/// <summary>A run as listed by <see cref="ArchiveStore.ListRuns"/>.</summary>
/// <param name="Name">The run's folder name.</param>
/// <param name="Path">The run's folder.</param>
/// <param name="Domain">The manifest's domain.</param>
/// <param name="Seed">The manifest's seed.</param>
/// <param name="Variants">How many variants (every attempt).</param>
/// <param name="Accepted">How many accepted variants.</param>
/// <param name="Best">The best variant, when one was set.</param>
/// <param name="BestEvaluations">The best variant's evaluations, oldest first (standard errors and raw figures); empty without a best.</param>
public sealed record RunInfo(string Name, string Path, string Domain, string Seed, int Variants, int Accepted, VariantSummary? Best, IReadOnlyList<Evaluation>? BestEvaluations = null)
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

    /// <summary>The longest run name, in characters.</summary>
    public const int MaxRunNameLength = 100;

    /// <summary>Why <paramref name="name"/> cannot name a new run, or <see langword="null"/> when it can: a run name is one
    /// plain folder name (ASCII letters, digits, <c>-</c>, <c>_</c> and <c>.</c>; starting with a letter or digit; not
    /// ending with <c>.</c>; at most <see cref="MaxRunNameLength"/> characters; not a reserved device name such as
    /// <c>con</c> or <c>nul</c>; the same device rule as <see cref="AgentFilePaths"/>), so that it works on every file system and cannot point outside the archive folder.</summary>
    /// <param name="name">The candidate name.</param>
    /// <returns>What is wrong and how to fix it.</returns>
    public static string? RunNameProblem(string? name)
    {
        const string Fix = "use letters, digits, '-', '_' and '.', starting with a letter or digit, e.g. --name packing-try-2";
        if (string.IsNullOrEmpty(name))
        {
            return $"the run name is empty: {Fix}";
        }

        if (name.Length > MaxRunNameLength)
        {
            return $"the run name is {name.Length} characters long; the cap is {MaxRunNameLength}";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || name[^1] == '.')
        {
            return $"'{AgentFilePaths.Escape(name, 60)}' is not a plain run name (it must start with a letter or digit and not end with '.'): {Fix}";
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return $"'{AgentFilePaths.Escape(name, 60)}' is not a plain run name ('{AgentFilePaths.Escape(c.ToString())}' is not allowed; a run name is a folder "
                    + $"under the archive, not a path): {Fix}";
            }
        }

        var stem = name.Split('.')[0];
        if (AgentFilePaths.IsDeviceName(stem))
        {
            return $"'{name}' is a reserved device name on Windows: pick another --name";
        }

        return null;
    }

    /// <summary>Makes sure the archive folder exists and can be written, so that a bad <c>--archive</c> is one clear
    /// error before any work starts.</summary>
    /// <param name="archiveFolder">The resolved archive folder.</param>
    /// <exception cref="ArchiveException">The folder is a file, cannot be created, or cannot be written.</exception>
    public static void PrepareFolder(string archiveFolder)
    {
        const string Fix = "pass --archive <a writable folder> or set " + EnvironmentVariable;
        if (File.Exists(archiveFolder))
        {
            throw new ArchiveException($"The archive folder '{archiveFolder}' is a file, not a folder: {Fix}.");
        }

        try
        {
            Directory.CreateDirectory(archiveFolder);
            var probe = Path.Combine(archiveFolder, $".write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ArchiveException($"The archive folder '{archiveFolder}' cannot be used: {e.Message.TrimEnd('.')}. {char.ToUpperInvariant(Fix[0])}{Fix[1..]}.", e);
        }
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
                var best = variants.FirstOrDefault(v => v.IsBest);
                runs.Add(new RunInfo(
                    Path.GetFileName(folder), folder, manifest.Domain, manifest.Seed, variants.Count,
                    variants.Count(v => v.Status.State == VariantState.Accepted), best,
                    best is { Evaluations: > 0 } ? run.GetEvaluations(best.Id) : [])
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
