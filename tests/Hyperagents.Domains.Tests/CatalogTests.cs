using System.Security.Cryptography;
using Hyperagents.Domains;
using Hyperagents.Testing;

namespace Hyperagents.Domains.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void Every_listed_name_creates_its_domain()
    {
        foreach (var name in DomainCatalog.Names)
        {
            var domain = DomainCatalog.Create(name, name == "dataset" ? Some.DataPath("arithmetic.jsonl") : null);
            Assert.Equal(name, domain.Name);
            Assert.True(domain.Deterministic);
        }

        Assert.Equal(DomainCatalog.Names.Take(4), DomainCatalog.CreateBuiltIn().Select(d => d.Name));
    }

    [Fact]
    public void Unknown_name_lists_the_valid_names()
    {
        var error = Assert.Throws<UnknownDomainException>(() => DomainCatalog.Create("circle-pack"));

        Assert.Contains("circle-pack", error.Message, StringComparison.Ordinal);
        foreach (var name in DomainCatalog.Names)
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dataset_without_a_file_says_how_to_pass_one()
    {
        var error = Assert.Throws<ArgumentException>(() => DomainCatalog.Create("dataset"));

        Assert.Contains("--dataset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Built_in_evaluator_hash_is_the_content_hash_of_the_domains_sources_not_of_the_compiled_assembly()
    {
        // Debug and Release builds of the same sources differ byte for byte; the recorded hash must not.
        var project = RepositoryRoot.Combine("src", "Hyperagents.Domains");
        var sources = Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(project, f).Replace('\\', '/'))
            .Where(p => !p.StartsWith("packages/", StringComparison.Ordinal) && !p.StartsWith("bin/", StringComparison.Ordinal) && !p.StartsWith("obj/", StringComparison.Ordinal))
            .ToDictionary(p => p, p => File.ReadAllBytes(Path.Combine(project, p)), StringComparer.Ordinal);

        Assert.Contains("CirclePackingDomain.cs", sources.Keys);
        Assert.Equal(DomainPackage.ComputeHash(sources), EvaluatorHash.BuiltIn);
        Assert.NotEqual("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(typeof(IDomain).Assembly.Location))), EvaluatorHash.BuiltIn);
        Assert.Equal(EvaluatorHash.BuiltIn, EvaluatorHash.For(new KissingNumberDomain()));
    }
}
