namespace Hyperagents.Domains;

/// <summary>The evaluator hash recorded in provenance: which evaluator code (and, for the dataset domain, which data)
/// scored a run. Always a hash of contents (sources and data), never of a compiled binary, so that every build
/// configuration, machine and folder of the same code records the same hash.</summary>
public static class EvaluatorHash
{
    private const string SourcePrefix = "evaluator-source/";

    private static readonly Lazy<string> BuiltInDigest = new(ComputeBuiltInHash);

    /// <summary>The evaluator hash of the in-process built-in domains: <see cref="DomainPackage.ComputeHash"/> (sorted
    /// '/'-separated relative paths and raw bytes) over the C# sources of <c>Hyperagents.Domains</c>, which are embedded
    /// in the assembly at build time. A Debug and a Release build of the same sources give the same hash; a change of
    /// any source byte changes it.</summary>
    public static string BuiltIn => BuiltInDigest.Value;

    /// <summary>The evaluator hash of a domain: for a domain package, the package's content hash
    /// (<see cref="DomainPackage.Hash"/>); otherwise <see cref="BuiltIn"/>, followed for the dataset domain by
    /// <c>+sha256:&lt;hex of the dataset file&gt;</c>.</summary>
    /// <param name="domain">The domain.</param>
    public static string For(IDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain switch
        {
            PackageDomain package => package.Package.Hash,
            TaskLimitedDomain limited => For(limited.Inner),
            DatasetDomain dataset => $"{BuiltIn}+sha256:{dataset.ContentHash}",
            _ => BuiltIn,
        };
    }

    /// <summary>The built-in evaluator sources embedded in this assembly, by '/'-separated path relative to the project
    /// folder.</summary>
    internal static IReadOnlyDictionary<string, byte[]> BuiltInSources()
    {
        var assembly = typeof(EvaluatorHash).Assembly;
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(SourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[SourcePrefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        return files;
    }

    private static string ComputeBuiltInHash() => DomainPackage.ComputeHash(BuiltInSources());
}
