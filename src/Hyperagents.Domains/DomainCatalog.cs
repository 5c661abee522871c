namespace Hyperagents.Domains;

/// <summary>The built-in domains by name. Every built-in is a domain package shipped next to the program (in
/// <c>domains/&lt;name&gt;/</c>, copied there from <c>src/Hyperagents.Domains/packages/</c> at build): it loads, runs and
/// is archived exactly as a user's package folder, so a name is only a way to find a folder. <c>dataset</c> ships only
/// its evaluator: its package is generated from the user's JSONL file (<see cref="DatasetPackage"/>).</summary>
public static class DomainCatalog
{
    /// <summary>The name of the dataset domain, which needs a JSONL file.</summary>
    public const string DatasetName = "dataset";

    /// <summary>The folder next to the program that holds the shipped packages.</summary>
    public const string ShippedFolderName = "domains";

    /// <summary>The built-in domains shipped as domain packages, in listing order.</summary>
    public static IReadOnlyList<string> PackageNames { get; } =
        ["circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation", "coding"];

    /// <summary>The built-in domains whose package is generated from a user's file: <c>dataset</c> only.</summary>
    public static IReadOnlyList<string> Names { get; } = [DatasetName];

    /// <summary>Every name <c>--domain</c> accepts besides a folder: <see cref="PackageNames"/>, then <see cref="Names"/>.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. PackageNames, .. Names];

    /// <summary>The shipped package of a built-in name, loaded from the program's <c>domains/</c> folder, or
    /// <see langword="null"/> when the name is not one of <see cref="PackageNames"/>.</summary>
    /// <param name="name">A built-in name.</param>
    /// <exception cref="DomainPackageException">The shipped package is missing or damaged.</exception>
    public static DomainPackage? Shipped(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!PackageNames.Contains(name, StringComparer.Ordinal))
        {
            return null;
        }

        var folder = Path.Combine(AppContext.BaseDirectory, ShippedFolderName, name);
        return DomainPackage.IsPackageFolder(folder)
            ? DomainPackage.LoadFolder(folder)
            : throw new DomainPackageException($"The built-in domain '{name}' is missing from this installation (no {Path.Combine(folder, DomainPackage.ManifestFile)}); reinstall the tool.");
    }

    /// <summary>Creates a built-in domain by name: its package (<see cref="Package"/>) opened through
    /// <paramref name="openPackage"/>, the composition root's way of running a package's evaluator, the same as for a
    /// user's folder.</summary>
    /// <param name="name">One of <see cref="AllNames"/>.</param>
    /// <param name="openPackage">Opens a package as a domain (its evaluator in an evaluator worker).</param>
    /// <param name="datasetPath">The JSONL file; required for <c>dataset</c>, ignored otherwise.</param>
    /// <param name="match">The dataset match mode; ignored for other domains.</param>
    /// <param name="tolerance">The dataset's numeric tolerance; ignored for other domains.</param>
    /// <exception cref="UnknownDomainException">No domain has that name.</exception>
    /// <exception cref="ArgumentException"><c>dataset</c> without a file.</exception>
    /// <exception cref="DatasetFormatException">The dataset file is missing or malformed.</exception>
    /// <exception cref="DomainPackageException">The shipped package is missing or its evaluator cannot load.</exception>
    public static IDomain Create(string name, Func<DomainPackage, IDomain> openPackage, string? datasetPath = null, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetPackage.DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(openPackage);
        return openPackage(Package(name, datasetPath, match, tolerance));
    }

    /// <summary>The package of a built-in name: the shipped one, or for <c>dataset</c> the package generated from the
    /// JSONL file (<see cref="DatasetPackage"/>).</summary>
    /// <param name="name">One of <see cref="AllNames"/>.</param>
    /// <param name="datasetPath">The JSONL file; required for <c>dataset</c>, ignored otherwise.</param>
    /// <param name="match">The dataset match mode; ignored for other domains.</param>
    /// <param name="tolerance">The dataset's numeric tolerance; ignored for other domains.</param>
    /// <exception cref="UnknownDomainException">No domain has that name.</exception>
    /// <exception cref="ArgumentException"><c>dataset</c> without a file.</exception>
    /// <exception cref="DatasetFormatException">The dataset file is missing or malformed.</exception>
    /// <exception cref="DomainPackageException">The shipped package is missing or damaged.</exception>
    public static DomainPackage Package(string name, string? datasetPath = null, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetPackage.DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Shipped(name) ?? name switch
        {
            DatasetName => datasetPath is null
                ? throw new ArgumentException("The dataset domain needs a JSONL file of {\"input\", \"expected\", \"split\"} lines; pass its path (--dataset <file>).", nameof(datasetPath))
                : DatasetPackage.Load(datasetPath, DatasetEvaluator(), match, tolerance),
            _ => throw new UnknownDomainException(name),
        };
    }

    /// <summary>The shipped <c>dataset</c> evaluator's files (<c>domains/dataset/evaluator/</c>), by package path.</summary>
    /// <exception cref="DomainPackageException">The evaluator is missing from this installation.</exception>
    public static IReadOnlyDictionary<string, byte[]> DatasetEvaluator()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, ShippedFolderName, DatasetName);
        var evaluator = Path.Combine(folder, "evaluator");
        if (!Directory.Exists(evaluator))
        {
            throw new DomainPackageException($"The built-in domain '{DatasetName}' is missing from this installation (no {evaluator}); reinstall the tool.");
        }

        return Directory.EnumerateFiles(evaluator, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal);
    }
}

/// <summary>A domain name that no domain has.</summary>
public sealed class UnknownDomainException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception; its message lists the valid names.</summary>
    /// <param name="name">The unknown name.</param>
    public UnknownDomainException(string name)
        : base($"Unknown domain '{name}'. Valid domains: {string.Join(", ", DomainCatalog.AllNames)}, or a domain package folder.")
    {
        Name = name;
    }

    /// <summary>The unknown name.</summary>
    public string Name { get; }
}
