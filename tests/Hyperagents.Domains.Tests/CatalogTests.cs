using System.Security.Cryptography;
using Hyperagents.Domains;
using Hyperagents.Testing;

namespace Hyperagents.Domains.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void Every_listed_name_creates_its_domain_and_every_name_but_dataset_is_a_shipped_package()
    {
        var opened = new List<string>();
        foreach (var name in DomainCatalog.AllNames)
        {
            var domain = DomainCatalog.Create(name, package => { opened.Add(package.Name); return new FakePackageDomain(package); }, name == "dataset" ? Some.DataPath("arithmetic.jsonl") : null);
            Assert.Equal(name, domain.Name);
            Assert.True(domain.Deterministic);
        }

        Assert.Equal(DomainCatalog.PackageNames, opened);
        Assert.Equal(["dataset"], DomainCatalog.Names);
        Assert.Equal(Shipped.MathNames, DomainCatalog.PackageNames.Take(4));
    }

    [Fact]
    public void A_shipped_package_is_loaded_from_the_programs_domains_folder_like_any_folder()
    {
        var package = DomainCatalog.Shipped("circle-packing")!;

        Assert.Equal(DomainPackage.LoadFolder(Path.Combine(AppContext.BaseDirectory, "domains", "circle-packing")).Hash, package.Hash);
        Assert.Equal(DomainPackage.LoadFolder(RepositoryRoot.Combine("src", "Hyperagents.Domains", "packages", "circle-packing")).Hash, package.Hash);
        Assert.Null(DomainCatalog.Shipped("dataset"));
        Assert.Equal(2.635983, package.FindTask("n26")!.BestKnown);
        Assert.Equal(604, DomainCatalog.Shipped("kissing-number")!.FindTask("d11")!.BestKnown);
    }

    [Fact]
    public void Unknown_name_lists_the_valid_names()
    {
        var error = Assert.Throws<UnknownDomainException>(() => DomainCatalog.Create("circle-pack", NoPackage));

        Assert.Contains("circle-pack", error.Message, StringComparison.Ordinal);
        foreach (var name in DomainCatalog.AllNames)
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dataset_without_a_file_says_how_to_pass_one()
    {
        var error = Assert.Throws<ArgumentException>(() => DomainCatalog.Create("dataset", NoPackage));

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

        Assert.Contains("DatasetDomain.cs", sources.Keys);
        Assert.Equal(DomainPackage.ComputeHash(sources), EvaluatorHash.BuiltIn);
        Assert.NotEqual("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(typeof(IDomain).Assembly.Location))), EvaluatorHash.BuiltIn);
        Assert.Equal(DomainCatalog.Shipped("kissing-number")!.Hash, EvaluatorHash.For(Shipped.Domain("kissing-number")));
    }

    private static IDomain NoPackage(DomainPackage package) => throw new InvalidOperationException($"no package expected, got {package.Name}");

    /// <summary>A package's tasks without its evaluator: enough to see which package a name opened.</summary>
    private sealed class FakePackageDomain(DomainPackage package) : IDomain
    {
        public string Name => package.Name;

        public string Description => package.Description;

        public bool Deterministic => true;

        public bool HigherIsBetter => package.HigherIsBetter;

        public string? DefaultTaskId => package.DefaultTaskId;

        public IReadOnlyList<TaskSpec> GetTasks(Split split) => [];

        public double? GetReference(TaskSpec task) => null;

        public TaskScore Evaluate(TaskSpec task, string answer) => throw new NotSupportedException();
    }
}
