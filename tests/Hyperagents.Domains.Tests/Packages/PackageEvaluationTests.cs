using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

public sealed class PackageEvaluationTests
{
    [Fact]
    public void A_package_written_from_scratch_scores_answers_through_its_evaluator_worker()
    {
        using var domain = TestPackages.Open(TestPackages.Write());
        Assert.Equal("close-to-target", domain.Name);
        Assert.Equal(["t1"], domain.GetTasks(Split.Train).Select(t => t.Id));
        Assert.Equal("target 3", domain.GetTasks(Split.Train)[0].Input);

        var exact = domain.Evaluate(TestPackages.Task(domain, "t1"), """{"x": 3}""");
        Assert.True(exact.Valid);
        Assert.Equal(1.0, exact.Score);

        // t3's reference is 0.5: raw 0.5 scores 1.
        var off = domain.Evaluate(TestPackages.Task(domain, "t3"), """{"x": 12}""");
        Assert.Equal(0.5, off.Raw);
        Assert.Equal(1.0, off.Score);

        // The val task reads its private data file through IPackageData.
        Assert.True(domain.Evaluate(TestPackages.Task(domain, "t2"), """{"x": 7}""").Valid);

        var malformed = domain.Evaluate(TestPackages.Task(domain, "t1"), "not json");
        Assert.False(malformed.Valid);
        Assert.Null(malformed.Fault);
        Assert.Contains("malformed JSON", malformed.Feedback, StringComparison.Ordinal);

        var wrongShape = domain.Evaluate(TestPackages.Task(domain, "t1"), """{"y": 1}""");
        Assert.False(wrongShape.Valid);
        Assert.Equal("expected {\"x\": number}", wrongShape.Feedback);
    }

    [Fact]
    public void The_evaluator_hash_is_the_hash_of_the_package_contents()
    {
        var folder = TestPackages.Write();
        var first = DomainPackage.LoadFolder(folder);
        Assert.Equal(first.Hash, DomainPackage.LoadFolder(folder).Hash);
        using (var domain = new PackageDomain(first, new NoEvaluator()))
        {
            Assert.Equal(first.Hash, EvaluatorHash.For(domain));
        }

        File.AppendAllText(Path.Combine(folder, "data", "t2.txt"), " ");
        Assert.NotEqual(first.Hash, DomainPackage.LoadFolder(folder).Hash);
    }

    [Fact]
    public void The_package_hash_is_the_same_for_two_copies_in_different_folders_with_different_times_and_changes_with_any_byte()
    {
        var a = TestPackages.Write();
        var b = TestPackages.Write();
        foreach (var file in Directory.EnumerateFiles(b, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        var hash = DomainPackage.LoadFolder(a).Hash;
        Assert.Equal(hash, DomainPackage.LoadFolder(b).Hash);

        // One byte each: a same-length change in the evaluator source and the data file, a trailing space in the manifest.
        foreach (var (path, index, value) in new[] { ("evaluator/Evaluator.cs", 0, (byte)'P'), ("data/t2.txt", 0, (byte)'S'), (DomainPackage.ManifestFile, -1, (byte)' ') })
        {
            var file = Path.Combine(b, path);
            var original = File.ReadAllBytes(file);
            File.WriteAllBytes(file, index < 0 ? [.. original, value] : [.. original[..index], value, .. original[(index + 1)..]]);
            Assert.NotEqual(hash, DomainPackage.LoadFolder(b).Hash);
            File.WriteAllBytes(file, original);
            Assert.Equal(hash, DomainPackage.LoadFolder(b).Hash);
        }
    }

    private sealed class NoEvaluator : IPackageEvaluator
    {
        public void Load()
        {
        }

        public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
