using Hyperagents.Archive;

namespace Hyperagents.Cli.Tests;

/// <summary>A dataset run archives the package generated from the user's file, so it replays and verifies after the file
/// is gone.</summary>
public sealed class DatasetRunTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_dataset_run_archives_its_generated_package_and_replays_and_verifies_after_the_users_file_is_gone()
    {
        var dataset = Path.Combine(_cli.Root, "sums.jsonl");
        File.WriteAllText(dataset, """
            {"input": "What is 2 + 3?", "expected": 5, "split": "train", "match": "numeric"}
            {"input": "What is 4 * 6?", "expected": "24", "split": "val"}
            {"input": "What is 10 - 7?", "expected": "3", "split": "test"}
            """);
        var bytes = File.ReadAllBytes(dataset);

        var (exit, output) = _cli.Run("run", "--domain", "dataset", "--dataset", dataset, "--generations", "1", "--isolation", "native", "--replicates", "1", "--name", "d");
        Assert.True(exit == 0, output);
        using (var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "d")))
        {
            var manifest = run.ReadManifest();
            Assert.Equal("dataset", manifest.Domain);
            Assert.Equal(bytes, run.ReadDomainPackage()!["data/dataset.jsonl"]);
            var seed = run.ListVariants().Single(v => v.Parent is null);
            Assert.Equal(manifest.DomainPackage, run.ReadProvenance(seed.Id).EvaluatorHash);
            Assert.Equal(1, run.GetEvaluations(seed.Id)[0].Splits["val"].Tasks[0].Score);
        }

        File.Delete(dataset);
        var (replayExit, replay) = _cli.Run("replay", "d", "all");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("replay matches", replay);
        var (verifyExit, verify) = _cli.Run("verify", "d");
        Assert.True(verifyExit == 0, verify);
    }
}
