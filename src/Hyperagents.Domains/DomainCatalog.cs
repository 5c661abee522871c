namespace Hyperagents.Domains;

/// <summary>The built-in domains by name.</summary>
public static class DomainCatalog
{
    /// <summary>The name of the dataset domain, which needs a JSONL file.</summary>
    public const string DatasetName = "dataset";

    /// <summary>Every domain name, in listing order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation", DatasetName];

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
        : base($"Unknown domain '{name}'. Valid domains: {string.Join(", ", DomainCatalog.Names)}.")
    {
        Name = name;
    }

    /// <summary>The unknown name.</summary>
    public string Name { get; }
}
