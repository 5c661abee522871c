namespace Hyperagents.Archive.Tests;

/// <summary>
/// Threat rows C3 and C7: a run tampered with plain git or by editing its journal fails verification, names what it
/// found, never throws, and refuses writes on top; the journal is never rebuilt from the git data it protects.
/// </summary>
public sealed class TamperTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _seed;
    private readonly string _child;
    private readonly string _rejected;

    public TamperTests()
    {
        // Journal records: R, V seed, V child, E seed, E child, V rejected, M rejected, B child.
        using var run = ArchiveRun.Create(RunPath, Some.Manifest(), Some.FastOptions);
        _seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        _child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), _seed));
        run.AttachEvaluation(_seed, Some.Evaluation(0.25));
        run.AttachEvaluation(_child, Some.Evaluation(0.75));
        _rejected = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "meta/M.cs", "m"), _seed, VariantStatus.Rejected("gate: System.IO")));
        run.MarkInvalidParent(_rejected, "ModifySelf threw");
        run.SetBest(_child, 0.75);
        Assert.True(run.Verify().Ok);
        Assert.Empty(run.IntegrityProblems);
    }

    public void Dispose() => _temp.Dispose();

    private string RunPath => _temp.Combine("run");

    private string JournalPath => Path.Combine(RunPath, "hyperagents", "journal");

    private string Id(string name) => name switch { "seed" => _seed, "child" => _child, "rejected" => _rejected, _ => name };

    /// <summary>Where each journal record ends (after the 8-byte magic: u32 length, payload, 32-byte chain value).</summary>
    private static List<int> RecordEnds(byte[] journal)
    {
        var ends = new List<int>();
        for (var offset = 8; offset + 4 <= journal.Length;)
        {
            offset += 4 + BitConverter.ToInt32(journal, offset) + 32;
            ends.Add(offset);
        }

        return ends;
    }

    private static string Forged(string note) => note.Replace("0.75", "0.99", StringComparison.Ordinal);

    private void AssertFailsAndRefusesWrites(ArchiveRun run, string? variant, string contains)
    {
        var report = run.Verify();
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => (variant is null || p.Variant == Id(variant)) && p.Message.Contains(contains, StringComparison.Ordinal));
        Assert.NotEmpty(run.IntegrityProblems);
        var e = Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Z.cs", "z"), _seed)));
        Assert.Contains("fails verification", e.Message, StringComparison.Ordinal);
        Assert.Contains("--rebuild-journal", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArchiveException>(run.EnsureWritable);
    }

    [Fact]
    public void A_forged_score_fails_verify_once_the_journal_is_emptied()
    {
        File.WriteAllBytes(JournalPath, []);
        var note = Git.Out(RunPath, "notes", "--ref=hyperagents/evals", "show", _child);
        Git.Out(RunPath, "notes", "--ref=hyperagents/evals", "add", "-f", "-m", Forged(note), _child);

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);

        // Shown from git alone (the forged score included), but flagged, verified as failing, and never written down.
        Assert.Equal(0.99, run.GetVariant(_child).Scores["train"]);
        Assert.Contains("journal", run.IntegrityProblems[0].Message, StringComparison.Ordinal);
        AssertFailsAndRefusesWrites(run, null, "the journal (hyperagents/journal) is empty");
        Assert.Equal(0, new FileInfo(JournalPath).Length);
    }

    [Theory]
    [InlineData("deleted", "is missing, but git holds 3 variant ref(s)")]
    [InlineData("emptied", "is empty, but git holds")]
    [InlineData("magic only", "is empty, but git holds")]
    [InlineData("run record only", "a commit the archive never recorded")]
    [InlineData("cut after the child's evaluation", "a commit the archive never recorded")]
    [InlineData("cut by its last two records", "refs/notes/hyperagents/marks points to")]
    [InlineData("a middle record edited", "fails its checksum and")]
    [InlineData("a middle record's length edited", "fails its checksum and")]
    [InlineData("wrong magic", "magic bytes")]
    public void A_missing_cut_or_edited_journal_fails_verify_and_is_kept_as_evidence(string tamper, string contains)
    {
        var bytes = File.ReadAllBytes(JournalPath);
        var ends = RecordEnds(bytes);
        Assert.Equal(8, ends.Count);
        switch (tamper)
        {
            case "deleted": File.Delete(JournalPath); break;
            case "emptied": File.WriteAllBytes(JournalPath, []); break;
            case "magic only": File.WriteAllBytes(JournalPath, bytes[..8]); break;
            case "run record only": File.WriteAllBytes(JournalPath, bytes[..ends[0]]); break;
            case "cut after the child's evaluation": File.WriteAllBytes(JournalPath, bytes[..ends[4]]); break;
            case "cut by its last two records": File.WriteAllBytes(JournalPath, bytes[..ends[5]]); break;
            case "a middle record edited": bytes[ends[2] + 10] ^= 0x01; File.WriteAllBytes(JournalPath, bytes); break;
            case "a middle record's length edited": bytes[ends[2]] ^= 0x7F; File.WriteAllBytes(JournalPath, bytes); break;
            case "wrong magic": bytes[0] ^= 0xFF; File.WriteAllBytes(JournalPath, bytes); break;
        }

        var before = File.Exists(JournalPath) ? File.ReadAllBytes(JournalPath) : null;
        using (var run = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            AssertFailsAndRefusesWrites(run, null, contains);
        }

        // Neither opening nor the refused write rebuilt, cut or extended it.
        Assert.Equal(before, File.Exists(JournalPath) ? File.ReadAllBytes(JournalPath) : null);
    }

    [Theory]
    [InlineData("edited", "child", "its latest evaluations score train=0.99")]
    [InlineData("added", "rejected", "holds 1 evaluations, the journal 0")]
    [InlineData("removed", "seed", "is missing")]
    [InlineData("rolled back", "child", "is missing")]
    [InlineData("ref deleted", "child", "refs/notes/hyperagents/evals is missing")]
    [InlineData("mark edited", "rejected", "is not valid JSON: not a mark note")]
    public void Notes_changed_with_plain_git_fail_verify_name_the_variant_and_refuse_writes(string tamper, string variant, string contains)
    {
        const string evals = "--ref=hyperagents/evals";
        switch (tamper)
        {
            case "edited":
                Git.Out(RunPath, "notes", evals, "add", "-f", "-m", Forged(Git.Out(RunPath, "notes", evals, "show", _child)), _child);
                break;
            case "added":
                Git.Out(RunPath, "notes", evals, "add", "-m", Git.Out(RunPath, "notes", evals, "show", _child).Replace(_child, _rejected, StringComparison.Ordinal), _rejected);
                break;
            case "removed":
                Git.Out(RunPath, "notes", evals, "remove", _seed);
                break;
            case "rolled back":
                Git.Out(RunPath, "update-ref", "refs/notes/hyperagents/evals", "refs/notes/hyperagents/evals~1");
                break;
            case "ref deleted":
                Git.Out(RunPath, "update-ref", "-d", "refs/notes/hyperagents/evals");
                break;
            case "mark edited":
                Git.Out(RunPath, "notes", "--ref=hyperagents/marks", "add", "-f", "-m", "{}", _rejected);
                break;
        }

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Contains(run.IntegrityProblems, p => p.Message.Contains("notes", StringComparison.Ordinal));
        AssertFailsAndRefusesWrites(run, variant, contains);
    }

    [Theory]
    [InlineData("variant ref added", "a commit the archive never recorded", "git holds 4 variant ref(s) but the journal records 3")]
    [InlineData("variant ref deleted", "its ref variants/", "git holds 2 variant ref(s) but the journal records 3")]
    [InlineData("best moved", "not the recorded best", "not the recorded best")]
    public void Refs_changed_with_plain_git_fail_the_cheap_check_and_verify(string tamper, string contains, string cheap)
    {
        switch (tamper)
        {
            case "variant ref added":
                var forged = Git.Out(RunPath, "commit-tree", _child + "^{tree}", "-p", _seed, "-m", "g1 accepted");
                Git.Out(RunPath, "update-ref", "refs/heads/variants/" + forged[..12], forged);
                break;
            case "variant ref deleted":
                Git.Out(RunPath, "update-ref", "-d", "refs/heads/variants/" + _rejected[..12]);
                break;
            case "variant ref moved to another variant":
                Git.Out(RunPath, "update-ref", "refs/heads/variants/" + _rejected[..12], _child);
                break;
            case "best moved":
                Git.Out(RunPath, "update-ref", "refs/heads/best", _seed);
                break;
        }

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Contains(run.IntegrityProblems, p => p.Message.Contains(cheap, StringComparison.Ordinal));
        AssertFailsAndRefusesWrites(run, null, contains);
    }

    [Fact]
    public void A_variant_ref_moved_to_another_variant_fails_verify()
    {
        // Same number of refs, so the cheap check on open does not see it (it counts refs); verify compares each.
        Git.Out(RunPath, "update-ref", "refs/heads/variants/" + _rejected[..12], _child);
        Git.Out(RunPath, "pack-refs", "--all");

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Empty(run.IntegrityProblems);
        var report = run.Verify();
        Assert.Contains(report.Problems, p => p.Variant == _child && p.Message.Contains("which its name does not match", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Variant == _rejected && p.Message.Contains($"its ref variants/{_rejected[..12]} points to {_child} instead", StringComparison.Ordinal));
    }

    [Fact]
    public void The_cheap_check_counts_packed_and_loose_variant_refs_once()
    {
        Git.Out(RunPath, "pack-refs", "--all");
        using (var packed = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            Assert.Empty(packed.IntegrityProblems);
            packed.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/L.cs", "loose"), _seed));
        }

        var forged = Git.Out(RunPath, "commit-tree", _child + "^{tree}", "-p", _seed, "-m", "g1 accepted");
        Git.Out(RunPath, "update-ref", "refs/heads/variants/" + forged[..12], forged);
        Git.Out(RunPath, "pack-refs", "--all");
        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Contains(run.IntegrityProblems, p => p.Message.Contains("git holds 5 variant ref(s) but the journal records 4", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("commit", "child", "its commit")]
    [InlineData("root tree", "child", "its root tree")]
    [InlineData("folder tree", "child", "its folder task/")]
    [InlineData("agent file", "child", "its file task/A.cs")]
    [InlineData("provenance", "child", "its file .hyperagent/provenance.json")]
    [InlineData("parent commit", "seed", "its commit")]
    [InlineData("note blob", "child", "its note in refs/notes/hyperagents/evals (blob")]
    [InlineData("notes fanout tree", "child", "is missing")]
    [InlineData("notes tree", null, "of refs/notes/hyperagents/evals is missing")]
    [InlineData("notes commit", null, "(refs/notes/hyperagents/evals) is missing")]
    [InlineData("mark note blob", "rejected", "its note in refs/notes/hyperagents/marks (blob")]
    [InlineData("manifest commit", null, "the manifest commit")]
    public void A_deleted_loose_object_fails_verify_naming_the_variant_and_the_object(string what, string? variant, string contains)
    {
        string Rev(string spec) => Git.Out(RunPath, "rev-parse", spec);
        var oid = what switch
        {
            "commit" => _child,
            "root tree" => Rev(_child + "^{tree}"),
            "folder tree" => Rev(_child + ":task"),
            "agent file" => Rev(_child + ":task/A.cs"),
            "provenance" => Rev(_child + ":.hyperagent/provenance.json"),
            "parent commit" => _seed,
            "note blob" => Rev($"refs/notes/hyperagents/evals:{_child[..2]}/{_child[2..]}"),
            "notes fanout tree" => Rev($"refs/notes/hyperagents/evals:{_child[..2]}"),
            "notes tree" => Rev("refs/notes/hyperagents/evals^{tree}"),
            "notes commit" => Rev("refs/notes/hyperagents/evals"),
            "mark note blob" => Rev($"refs/notes/hyperagents/marks:{_rejected[..2]}/{_rejected[2..]}"),
            _ => Rev("refs/heads/manifest"),
        };
        File.Delete(Path.Combine(RunPath, "objects", oid[..2], oid[2..]));

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        var report = run.Verify();
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => (variant is null || p.Variant == Id(variant)) && p.Message.Contains(contains, StringComparison.Ordinal));
        if (what != "notes fanout tree")
        {
            Assert.Contains(report.Problems, p => p.Message.Contains(oid, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_damaged_loose_object_fails_verify_naming_its_variant()
    {
        var file = Path.Combine(RunPath, "objects", _child[..2], _child[2..]);
        File.SetAttributes(file, FileAttributes.Normal);
        File.WriteAllBytes(file, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        var report = run.Verify();
        Assert.Contains(report.Problems, p => p.Variant == _child && p.Message.Contains("git cannot read its objects", StringComparison.Ordinal));
    }

    [Fact]
    public void A_packed_run_verifies_and_a_deleted_pack_names_every_variant()
    {
        Git.Out(RunPath, "gc", "-q", "--prune=now");
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(RunPath, "objects")), d => Path.GetFileName(d).Length == 2);
        using (var packed = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            var ok = packed.Verify();
            Assert.True(ok.Ok, string.Join('\n', ok.Problems));
        }

        foreach (var pack in Directory.EnumerateFiles(Path.Combine(RunPath, "objects", "pack")))
        {
            File.SetAttributes(pack, FileAttributes.Normal);
            File.Delete(pack);
        }

        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        var report = run.Verify();
        Assert.All(new[] { _seed, _child, _rejected }, id =>
            Assert.Contains(report.Problems, p => p.Variant == id && p.Message.Contains($"its commit {id} is missing", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_acknowledged_write_whose_objects_were_deleted_afterwards_is_kept_and_named()
    {
        string last;
        using (var run = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            last = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Last.cs", "last"), _child));
        }

        // Its ref was written after its durable point, so this is damage, not a write cut by a crash.
        File.Delete(Path.Combine(RunPath, "objects", last[..2], last[2..]));
        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Contains(last, reopened.ListVariants().Select(v => v.Id));
        Assert.Contains(reopened.Verify().Problems, p => p.Variant == last && p.Message.Contains($"its commit {last} is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_journal_rewritten_to_match_forged_notes_is_caught_only_by_the_head_kept_outside()
    {
        string kept;
        using (var run = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            kept = run.Verify().JournalHead;
        }

        // A forger who can write the folder recomputes the journal's hash chain (it has no key) to match forged notes.
        Git.Out(RunPath, "notes", "--ref=hyperagents/evals", "add", "-f", "-m", Forged(Git.Out(RunPath, "notes", "--ref=hyperagents/evals", "show", _child)), _child);
        using var forged = ArchiveRun.Open(RunPath, Some.FastOptions);
        forged.RebuildJournal();

        Assert.True(forged.Verify().Ok);
        var report = forged.Verify(expectedHead: kept);
        Assert.Contains(report.Problems, p => p.Message.Contains($"does not contain the expected head {kept}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_expected_head_passes_when_it_is_the_head_and_counts_writes_made_after_it()
    {
        using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
        var kept = run.JournalHead;
        Assert.True(run.Verify(expectedHead: kept.ToUpperInvariant()).Ok);

        run.AttachEvaluation(_seed, Some.Evaluation(0.3));
        var report = run.Verify(expectedHead: kept);
        Assert.Contains(report.Problems, p => p.Message.Contains("1 record(s) written after the expected head", StringComparison.Ordinal));
        Assert.True(run.Verify(expectedHead: run.JournalHead).Ok);

        var e = Assert.Throws<ArchiveException>(() => run.Verify(expectedHead: "abc"));
        Assert.Contains("64 hex digits", e.Message, StringComparison.Ordinal);
    }
}
