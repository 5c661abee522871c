namespace Hyperagents.Domains;

/// <summary>The behaviour descriptors the host measures on a variant, which a domain package may name in its manifest's
/// <c>features</c> for the MAP-Elites cells of the <c>islands</c> search (docs/search.md).</summary>
public static class DomainFeatures
{
    /// <summary>Characters of C# code in the agent's files.</summary>
    public const string CodeSize = "code-size";

    /// <summary>1 − the token similarity of the agent's code with the seed's.</summary>
    public const string Diversity = "diversity";

    /// <summary>The mean of the domain's raw figure over the selection split's draws.</summary>
    public const string Raw = "raw";

    /// <summary>The features used when the domain declares none (OpenEvolve's complexity and diversity).</summary>
    public static IReadOnlyList<string> Defaults { get; } = [CodeSize, Diversity];

    /// <summary>Every feature a domain may declare.</summary>
    public static IReadOnlyList<string> Known { get; } = [CodeSize, Diversity, Raw];
}
