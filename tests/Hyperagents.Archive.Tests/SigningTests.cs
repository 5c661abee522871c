using System.Security.Cryptography;

namespace Hyperagents.Archive.Tests;

public sealed class SigningTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CommitSigner _signer;

    public SigningTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _signer = CommitSigner.FromPem(key.ExportECPrivateKeyPem());
    }

    public void Dispose()
    {
        _signer.Dispose();
        _temp.Dispose();
    }

    private string RunPath => _temp.Combine("signed");

    private ArchiveOptions Options => new() { Durability = Durability.None, Signer = _signer };

    [Fact]
    public void Signed_commits_verify_with_plain_git_and_with_verify()
    {
        using var run = ArchiveRun.Create(RunPath, Some.Manifest(), Options);
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        run.AttachEvaluation(child, Some.Evaluation(0.5));

        Assert.Equal(_signer.PublicKey, run.ReadManifest().SigningKey);
        var report = run.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));

        var allowed = _temp.Combine("allowed_signers");
        File.WriteAllText(allowed, $"hyperagents@localhost {_signer.PublicKey}\n");
        foreach (var id in new[] { seed, child, run.ManifestId })
        {
            var (exit, _, err) = Git.Run(RunPath, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=" + allowed, "verify-commit", id);
            Assert.True(exit == 0, err);
            Assert.Contains("Good \"git\" signature", err);
        }

        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void A_forged_commit_fails_verify_even_when_the_journal_is_deleted_and_the_run_read_from_git()
    {
        string seed, child;
        using (var run = ArchiveRun.Create(RunPath, Some.Manifest(), Options))
        {
            seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
            child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        }

        // Same tree, same parent, unsigned: internally consistent, so only the signature gives it away.
        var forged = Git.Out(RunPath, "commit-tree", child + "^{tree}", "-p", seed, "-m", "forged");
        Git.Out(RunPath, "update-ref", "refs/heads/variants/" + child[..12], forged);
        File.Delete(Path.Combine(RunPath, "hyperagents", "journal"));

        using var reopened = ArchiveRun.Open(RunPath, Options);
        var report = reopened.Verify();
        Assert.Contains(report.Problems, p => p.Variant == forged && p.Message.Contains("not signed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_resigned_with_another_key_fails_against_the_trusted_key()
    {
        using var run = ArchiveRun.Create(RunPath, Some.Manifest(), Options);
        run.AddVariant(Some.Variant(Some.SeedFiles()));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherSigner = CommitSigner.FromPem(other.ExportECPrivateKeyPem());

        Assert.True(run.Verify(_signer.PublicKey).Ok);
        var report = run.Verify(otherSigner.PublicKey);
        Assert.Contains(report.Problems, p => p.Variant is null && p.Message.Contains("not the trusted key", StringComparison.Ordinal));
    }

    [Fact]
    public void A_signed_run_refuses_writes_without_its_key()
    {
        ArchiveRun.Create(RunPath, Some.Manifest(), Options).Dispose();
        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        var e = Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.SeedFiles())));
        Assert.Contains("signing key", e.Message);
    }

    [Fact]
    public void Keys_other_than_p256_are_refused_with_a_fix()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var e = Assert.Throws<ArchiveException>(() => CommitSigner.FromPem(p384.ExportECPrivateKeyPem()));
        Assert.Contains("P-256", e.Message);
        Assert.Throws<ArchiveException>(() => CommitSigner.FromPem("not a key"));
    }
}
