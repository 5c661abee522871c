using System.Reflection;
using System.Security.Cryptography;

namespace Hyperagents.Domains;

/// <summary>The evaluator hash recorded in provenance: which evaluator code (and, for the dataset domain, which data)
/// scored a run.</summary>
public static class EvaluatorHash
{
    private static readonly Lazy<string> AssemblyDigest = new(ComputeAssemblyHash);

    /// <summary>The SHA-256 of the <c>Hyperagents.Domains</c> assembly file, as <c>sha256:&lt;hex&gt;</c>.</summary>
    /// <remarks>When the assembly has no file (single-file publish), its module version id is used instead, as
    /// <c>mvid:&lt;guid&gt;</c>; builds are deterministic, so the id changes exactly when the code does.</remarks>
    public static string Assembly => AssemblyDigest.Value;

    /// <summary>The evaluator hash of a domain: for a domain package, the package's content hash
    /// (<see cref="DomainPackage.Hash"/>, the same for every build); otherwise <see cref="Assembly"/>, followed for the
    /// dataset domain by <c>+sha256:&lt;hex of the dataset file&gt;</c>.</summary>
    /// <param name="domain">The domain.</param>
    public static string For(IDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain switch
        {
            PackageDomain package => package.Package.Hash,
            TaskLimitedDomain limited => For(limited.Inner),
            DatasetDomain dataset => $"{Assembly}+sha256:{dataset.ContentHash}",
            _ => Assembly,
        };
    }

    private static string ComputeAssemblyHash()
    {
        var assembly = typeof(EvaluatorHash).Assembly;
        var location = assembly.Location;
        if (string.IsNullOrEmpty(location) || !File.Exists(location))
        {
            return $"mvid:{assembly.ManifestModule.ModuleVersionId:N}";
        }

        using var stream = File.OpenRead(location);
        return $"sha256:{Convert.ToHexStringLower(SHA256.HashData(stream))}";
    }
}
