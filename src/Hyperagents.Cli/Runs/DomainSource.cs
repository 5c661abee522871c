using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;

namespace Hyperagents.Cli.Runs;

/// <summary>The one way every command turns <c>--domain</c> into a domain: a folder holding <c>domain.json</c> is a
/// domain package (its evaluator runs in an evaluator worker), anything else a built-in name (a package shipped in the
/// program's <c>domains/</c> folder, loaded the same way, or for <c>dataset</c> the package generated from its file). A run's domain comes from
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
    public static IDomain Open(string nameOrFolder, string? datasetPath = null, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetPackage.DefaultTolerance) =>
        DomainPackage.LooksLikePath(nameOrFolder)
            ? OpenPackage(DomainPackage.LoadFolder(nameOrFolder))
            : DomainCatalog.Create(nameOrFolder, OpenPackage, datasetPath, match, tolerance);

    /// <summary>The package a shipped built-in or a folder names, or <see langword="null"/> for <c>dataset</c> (whose package
    /// is generated from its file) and unknown names.</summary>
    /// <param name="nameOrFolder">The <c>--domain</c> value: a folder, or a built-in name shipped as a package
    /// (<see cref="DomainCatalog.PackageNames"/>), loaded from the program's <c>domains/</c> folder like any folder.</param>
    /// <exception cref="DomainPackageException">The folder is not a usable package, or the shipped one is missing.</exception>
    public static DomainPackage? PackageOf(string nameOrFolder) =>
        DomainPackage.LooksLikePath(nameOrFolder) ? DomainPackage.LoadFolder(nameOrFolder) : DomainCatalog.Shipped(nameOrFolder);

    /// <summary>Makes a package domain's C#-source answers run through a command's compiler and isolation tier, and lets
    /// as many of its evaluations run at once as the tier runs calls (nothing for any other domain).</summary>
    /// <param name="domain">The command's domain.</param>
    /// <param name="compiler">The command's compiler.</param>
    /// <param name="runner">The command's runner.</param>
    /// <param name="compileTimeout">The CPU time one answer's compile may use; the default when <see langword="null"/>.</param>
    public static void UseRunner(IDomain domain, AgentCompiler compiler, IAgentRunner runner, TimeSpan? compileTimeout = null)
    {
        if (domain is TaskLimitedDomain limited)
        {
            UseRunner(limited.Inner, compiler, runner, compileTimeout);
        }
        else if (domain is PackageDomain package)
        {
            // As many evaluations of the package at once as the tier runs agent calls at once.
            package.UseParallelism(runner.Capacity);
            (package.CodeRunner as CliCodeAnswers)?.Bind(compiler, runner, compileTimeout);
        }
    }

    /// <summary>The domain of a run: its archived package when it has one, else the built-in its settings name. A run
    /// archived before the built-ins became packages has no archived package: its built-in name resolves to the shipped
    /// package (for <c>dataset</c>, the package generated from the file its settings name), with a one-line note on
    /// standard error when the evaluator hash the run recorded differs.</summary>
    /// <param name="archive">The run.</param>
    /// <param name="settings">Its settings.</param>
    /// <exception cref="DomainPackageException">The archived package is damaged or its evaluator cannot load.</exception>
    public static IDomain ForRun(ArchiveRun archive, RunSettings settings)
    {
        if (archive.ReadDomainPackage() is not { } files)
        {
            if (settings.Domain == DomainCatalog.DatasetName && settings.DatasetPath is { } path && !File.Exists(path))
            {
                throw new DomainPackageException($"Run '{archive.ReadManifest().Name}' predates the dataset domain being a package, so it did not archive its dataset, and {path} is gone; put the file back there to verify, replay or evaluate it.");
            }

            var builtIn = DomainCatalog.Package(settings.Domain, settings.DatasetPath);
            if (ShippedNote(archive, settings.Domain, builtIn) is { } note)
            {
                Console.Error.WriteLine(note);
            }

            return OpenPackage(builtIn);
        }

        var expected = archive.ReadManifest().DomainPackage;
        var package = DomainPackage.FromFiles(files, $"archived in run '{archive.ReadManifest().Name}'");
        if (package.Hash != expected)
        {
            throw new DomainPackageException($"The domain package archived in run '{archive.ReadManifest().Name}' hashes to {package.Hash}, not the {expected} its manifest records; run 'hyperagents verify'.");
        }

        return OpenPackage(package);
    }

    /// <summary>For a run without an archived package, whose built-in domain is now a package: the note saying its
    /// scores came from another evaluator, when the hash its root variant recorded is not the package's; otherwise
    /// <see langword="null"/>.</summary>
    /// <param name="archive">The run.</param>
    /// <param name="name">The built-in name its settings record.</param>
    /// <param name="package">The package that name resolves to now.</param>
    internal static string? ShippedNote(ArchiveRun archive, string name, DomainPackage package)
    {
        var root = archive.ListVariants().FirstOrDefault(v => v.Parent is null);
        var recorded = root is null ? null : archive.ReadProvenance(root.Id).EvaluatorHash;
        return recorded is null || recorded == package.Hash
            ? null
            : $"note: run '{archive.ReadManifest().Name}' predates the built-in '{name}' being a package; it is evaluated with the {(name == DomainCatalog.DatasetName ? "package generated from its dataset file" : "shipped package")} {package.Hash} (the run recorded evaluator {recorded}).";
    }

    /// <summary>A package's domain: its evaluator in an evaluator worker and, for C#-source answers, a code runner
    /// (<see cref="UseRunner"/> binds it to a command's compiler and tier).</summary>
    internal static PackageDomain OpenPackage(DomainPackage package)
    {
        var answers = package.Answer == AnswerKind.CSharp ? new CliCodeAnswers() : null;
        try
        {
            return EvaluatorWorker.Open(package, Runners.WorkerLaunch(), answers);
        }
        catch
        {
            answers?.Dispose();
            throw;
        }
    }

    /// <summary>How headers name a domain: a package's name and version (not the folder it came from, which
    /// <c>status</c> shows), else the domain's name.</summary>
    /// <param name="domain">The domain.</param>
    public static string Label(IDomain domain) => domain switch
    {
        TaskLimitedDomain limited => Label(limited.Inner),
        PackageDomain package => $"{package.Package.Name} {package.Package.Version}",
        _ => domain.Name,
    };

    /// <summary>A short name for run names: the package folder's name, or the built-in name.</summary>
    /// <param name="nameOrFolder">The <c>--domain</c> value.</param>
    public static string ShortName(string nameOrFolder) =>
        DomainPackage.LooksLikePath(nameOrFolder) ? Path.GetFileName(Path.GetFullPath(nameOrFolder).TrimEnd('/', '\\')) : nameOrFolder;
}
