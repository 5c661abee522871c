using Hyperagents.Domains;
using Hyperagents.Testing;

namespace Hyperagents.Domains.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void Every_listed_name_creates_its_domain_through_a_package_and_dataset_through_one_generated_from_its_file()
    {
        var opened = new List<string>();
        foreach (var name in DomainCatalog.AllNames)
        {
            var domain = DomainCatalog.Create(name, package => { opened.Add(package.Name); return new FakePackageDomain(package); }, name == "dataset" ? Some.DataPath("arithmetic.jsonl") : null);
            Assert.Equal(name, domain.Name);
            Assert.True(domain.Deterministic);
        }

        Assert.Equal([.. DomainCatalog.PackageNames, "dataset"], opened);
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
    public void The_math_packages_carry_one_and_the_same_answer_parser()
    {
        // Each shipped package is a complete folder (its hash is its bytes, and a user may copy one as a template), so
        // the answer parser the four math evaluators share is a file in each. This keeps the copies from drifting.
        var copies = Shipped.MathNames
            .Select(name => (name, bytes: File.ReadAllBytes(RepositoryRoot.Combine("src", "Hyperagents.Domains", "packages", name, "evaluator", "MathAnswers.cs"))))
            .ToList();

        var first = copies[0];
        foreach (var (name, bytes) in copies.Skip(1))
        {
            Assert.True(first.bytes.AsSpan().SequenceEqual(bytes), $"packages/{name}/evaluator/MathAnswers.cs differs from packages/{first.name}'s: edit one and copy it to every math package");
        }
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
    public void A_built_in_evaluator_hash_is_its_package_content_hash_not_the_compiled_assembly()
    {
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
