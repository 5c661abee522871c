using Hyperagents.Archive;
using Hyperagents.Domains;

namespace Hyperagents.Cli.Tests;

/// <summary>A run archived before the math built-ins became shipped packages (tests/fixtures/old-builtin-run: made by
/// `hyperagents run --domain circle-packing --generations 1 --tasks 1 --replicates 1 --isolation native` at commit
/// a455665, its root commit holding no .hyperagents/domain/) still verifies, replays, audits and resumes: its built-in
/// name resolves to the shipped package, with a one-line note because the evaluator hash it recorded is another.</summary>
public sealed class OldBuiltInRunTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_built_in_run_archived_before_packages_verifies_replays_audits_and_resumes_on_the_shipped_package_with_a_note()
    {
        var run = Path.Combine(_cli.Archive, "old-builtin-run");
        CopyFixture(Path.Combine(CliProcess.RepoRoot, "tests", "fixtures", "old-builtin-run", "run"), run);
        using (var archive = ArchiveRun.Open(run))
        {
            Assert.Null(archive.ReadDomainPackage());
            Assert.Equal("circle-packing", archive.ReadManifest().Domain);
        }

        var (verifyExit, verify) = _cli.Run("verify", "old-builtin-run");
        Assert.True(verifyExit == 0, verify);

        var (replayExit, replay) = _cli.Run("replay", "old-builtin-run", "all");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("replay matches", replay);
        Assert.DoesNotContain("mismatch", replay);
        var note = Assert.Single(replay.Split('\n'), l => l.StartsWith("note: run 'old-builtin-run' predates", StringComparison.Ordinal));
        Assert.Contains(DomainCatalog.Shipped("circle-packing")!.Hash, note, StringComparison.Ordinal);

        var (auditExit, audit) = _cli.Run("audit", "old-builtin-run");
        Assert.True(auditExit == 0, audit);

        var (resumeExit, resumed) = _cli.Run("resume", "old-builtin-run", "--generations", "2");
        Assert.True(resumeExit == 0, resumed);
        using var after = ArchiveRun.Open(run);
        var newest = after.ListVariants().Last();
        Assert.Equal(DomainCatalog.Shipped("circle-packing")!.Hash, after.ReadProvenance(newest.Id).EvaluatorHash);
    }

    /// <summary>Copies the fixture's bare repository; git keeps no empty folders, so the ones a repository needs are made.</summary>
    private static void CopyFixture(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Directory.CreateDirectory(Path.Combine(to, "refs", "heads"));
        Directory.CreateDirectory(Path.Combine(to, "refs", "tags"));
    }
}
