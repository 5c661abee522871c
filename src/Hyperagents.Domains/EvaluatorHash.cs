namespace Hyperagents.Domains;

/// <summary>The evaluator hash recorded in provenance: which evaluator code and data scored a run. Every built-in is a
/// domain package (the dataset domain's generated from the user's file), so this is the package's content hash.</summary>
public static class EvaluatorHash
{
    /// <summary>The evaluator hash of a domain: for a domain package, the package's content hash
    /// (<see cref="DomainPackage.Hash"/>); for a domain implemented in code by an embedding program (which has no
    /// content to hash), <c>in-process:&lt;name&gt;</c>.</summary>
    /// <param name="domain">The domain.</param>
    public static string For(IDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain switch
        {
            PackageDomain package => package.Package.Hash,
            TaskLimitedDomain limited => For(limited.Inner),
            _ => $"in-process:{domain.Name}",
        };
    }
}
