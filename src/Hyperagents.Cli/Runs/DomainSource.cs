using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;

namespace Hyperagents.Cli.Runs;

/// <summary>The one way every command turns <c>--domain</c> into a domain: a folder holding <c>domain.json</c> is a
/// domain package (its evaluator runs in an evaluator worker), anything else a built-in name. A run's domain comes from
/// the package archived in the run when there is one, so replay, eval and resume never read the user's folder again.</summary>
internal static class DomainSource
{
    /// <summary>Opens a domain named on the command line.</summary>
    /// <param name="nameOrFolder">A built-in name or a package folder.</param>
    /// <param name="datasetPath">The dataset file (built-in <c>dataset</c> only).</param>
    /// <param name="match">The dataset match mode.</param>
    /// <param name="tolerance">The dataset tolerance.</param>
    /// <exception cref="DomainPackageException">The folder is not a usable package.</exception>
    /// <exception cref="UnknownDomainException">No built-in has that name.</exception>
    public static IDomain Open(string nameOrFolder, string? datasetPath = null, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetDomain.DefaultTolerance) =>
        DomainPackage.LooksLikePath(nameOrFolder)
            ? EvaluatorWorker.Open(DomainPackage.LoadFolder(nameOrFolder), Runners.WorkerLaunch())
            : DomainCatalog.Create(nameOrFolder, datasetPath, match, tolerance);

    /// <summary>The package a new run will archive, or <see langword="null"/> for a built-in domain.</summary>
    /// <param name="nameOrFolder">The <c>--domain</c> value.</param>
    public static DomainPackage? PackageOf(string nameOrFolder) =>
        DomainPackage.LooksLikePath(nameOrFolder) ? DomainPackage.LoadFolder(nameOrFolder) : null;

    /// <summary>The domain of a run: its archived package when it has one, else the built-in its settings name.</summary>
    /// <param name="archive">The run.</param>
    /// <param name="settings">Its settings.</param>
    /// <exception cref="DomainPackageException">The archived package is damaged or its evaluator cannot load.</exception>
    public static IDomain ForRun(ArchiveRun archive, RunSettings settings)
    {
        if (archive.ReadDomainPackage() is not { } files)
        {
            return DomainCatalog.Create(settings.Domain, settings.DatasetPath);
        }

        var expected = archive.ReadManifest().DomainPackage;
        var package = DomainPackage.FromFiles(files, $"archived in run '{archive.ReadManifest().Name}'");
        if (package.Hash != expected)
        {
            throw new DomainPackageException($"The domain package archived in run '{archive.ReadManifest().Name}' hashes to {package.Hash}, not the {expected} its manifest records; run 'hyperagents verify'.");
        }

        return EvaluatorWorker.Open(package, Runners.WorkerLaunch());
    }

    /// <summary>A short name for run names and headers: the package folder's name, or the built-in name.</summary>
    /// <param name="nameOrFolder">The <c>--domain</c> value.</param>
    public static string ShortName(string nameOrFolder) =>
        DomainPackage.LooksLikePath(nameOrFolder) ? Path.GetFileName(Path.GetFullPath(nameOrFolder).TrimEnd('/', '\\')) : nameOrFolder;
}
