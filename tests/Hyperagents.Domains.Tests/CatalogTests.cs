using System.Security.Cryptography;
using Hyperagents.Domains;

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
    public void Evaluator_hash_is_the_sha256_of_the_domains_assembly()
    {
        var bytes = File.ReadAllBytes(typeof(IDomain).Assembly.Location);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), EvaluatorHash.Assembly);
        Assert.Equal(EvaluatorHash.Assembly, EvaluatorHash.For(new KissingNumberDomain()));
    }
}
