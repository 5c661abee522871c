namespace Hyperagents.Domains;

/// <summary>The built-in domains by name.</summary>
public static class DomainCatalog
{
    /// <summary>The name of the dataset domain, which needs a JSONL file.</summary>
    public const string DatasetName = "dataset";

    /// <summary>Every domain name, in listing order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation", DatasetName];

    /// <summary>The built-in domains shipped as domain packages (next to the program, in <c>domains/&lt;name&gt;/</c>):
    /// they load, run and are archived exactly as a user's package folder; <see cref="Create"/> does not make them.</summary>
    public static IReadOnlyList<string> PackageNames { get; } = ["coding"];

    /// <summary>Every name <c>--domain</c> accepts besides a folder: <see cref="Names"/>, then <see cref="PackageNames"/>.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, .. PackageNames];

    /// <summary>The best raw figure known for a built-in task where it beats the task's reference, or
    /// <see langword="null"/>. The references stay the published instances (AlphaEvolve's constructions, re-verified
    /// exactly); these are shown next to them by <c>domains</c>.</summary>
    /// <param name="domain">A built-in domain name.</param>
    /// <param name="taskId">A task id of that domain.</param>
    /// <remarks>Kissing number d = 11: 604 (June 2026, arXiv 2606.10402). Circle packing n = 26: about 2.635983, a
    /// ceiling several systems reached in 2026 (claims beyond it vanished when checked at tolerance 0).</remarks>
    public static double? BestKnown(string domain, string taskId) => (domain, taskId) switch
    {
        ("kissing-number", "d11") => 604,
        ("circle-packing", "n26") => 2.635983,
        _ => null,
    };

    /// <summary>Fresh instances of the four math domains (every domain but <c>dataset</c>).</summary>
    public static IReadOnlyList<IDomain> CreateBuiltIn() =>
        [new CirclePackingDomain(), new HeilbronnTriangleDomain(), new KissingNumberDomain(), new FirstAutocorrelationDomain()];

    /// <summary>Creates a domain by name.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="datasetPath">The JSONL file; required for <c>dataset</c>, ignored otherwise.</param>
    /// <param name="match">The dataset match mode; ignored for other domains.</param>
    /// <param name="tolerance">The dataset's numeric tolerance; ignored for other domains.</param>
    /// <exception cref="UnknownDomainException">No domain has that name.</exception>
    /// <exception cref="ArgumentException"><c>dataset</c> without a file.</exception>
    /// <exception cref="DatasetFormatException">The dataset file is missing or malformed.</exception>
    public static IDomain Create(string name, string? datasetPath = null, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetDomain.DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case "circle-packing":
                return new CirclePackingDomain();
            case "heilbronn-triangle":
                return new HeilbronnTriangleDomain();
            case "kissing-number":
                return new KissingNumberDomain();
            case "first-autocorrelation":
                return new FirstAutocorrelationDomain();
            case DatasetName:
                return datasetPath is null
                    ? throw new ArgumentException("The dataset domain needs a JSONL file of {\"input\", \"expected\", \"split\"} lines; pass its path (--dataset <file>).", nameof(datasetPath))
                    : DatasetDomain.Load(datasetPath, match, tolerance);
            default:
                throw new UnknownDomainException(name);
        }
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
