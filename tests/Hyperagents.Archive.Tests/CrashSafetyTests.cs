using System.Diagnostics;

namespace Hyperagents.Archive.Tests;

public sealed class CrashSafetyTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RunPath => _temp.Combine("run");

    private (ArchiveRun Run, string Seed, string Child) RunWithTwoVariants()
    {
        var run = ArchiveRun.Create(RunPath, Some.Manifest(), Some.FastOptions);
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        run.AttachEvaluation(child, Some.Evaluation(0.5));
        return (run, seed, child);
    }

    private string JournalPath => Path.Combine(RunPath, "hyperagents", "journal");

    [Fact]
    public void A_torn_journal_tail_is_cut_and_everything_before_it_kept()
    {
        var (run, seed, child) = RunWithTwoVariants();
        run.Dispose();
        var length = new FileInfo(JournalPath).Length;
        using (var stream = new FileStream(JournalPath, FileMode.Append))
        {
            stream.Write([0x30, 0, 0, 0, (byte)'{', (byte)'"', (byte)'t']);
        }

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Equal(length, new FileInfo(JournalPath).Length);
        Assert.Equal([seed, child], reopened.ListVariants().Select(v => v.Id));
        Assert.True(reopened.Verify().Ok);
        reopened.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/B.cs", "b"), seed));
        Assert.Equal(3, reopened.ListVariants().Count);
    }

    [Fact]
    public void A_corrupt_journal_record_fails_its_checksum_and_is_cut()
    {
        var (run, seed, _) = RunWithTwoVariants();
        run.Dispose();
        var bytes = File.ReadAllBytes(JournalPath);
        bytes[^40] ^= 0xFF; // inside the payload of the last record (the evaluation)
        File.WriteAllBytes(JournalPath, bytes);

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Equal(2, reopened.ListVariants().Count);

        // The evaluation's journal record was lost, but the note is in git: verify says so rather than hiding it.
        var report = reopened.Verify();
        Assert.Contains(report.Problems, p => p.Message.Contains("notes", StringComparison.Ordinal));
        Assert.Equal(seed, reopened.Resolve("seed"));
    }

    [Fact]
    public void Stale_lock_files_left_by_a_dead_writer_are_removed_on_open()
    {
        var (run, _, child) = RunWithTwoVariants();
        run.Dispose();
        var stale = new[]
        {
            Path.Combine(RunPath, "refs", "notes", "hyperagents", "evals.lock"),
            Path.Combine(RunPath, "refs", "heads", "variants", "0123456789ab.lock"),
            Path.Combine(RunPath, "packed-refs.lock"),
            Path.Combine(RunPath, "objects", "tmp_object_git2_XXXX"),
        };
        foreach (var file in stale)
        {
            File.WriteAllText(file, "junk");
        }

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.All(stale, f => Assert.False(File.Exists(f), f));
        reopened.AttachEvaluation(child, Some.Evaluation(0.6));
        Assert.Equal(2, reopened.GetVariant(child).Evaluations);
        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void A_write_cut_between_journal_and_ref_is_finished_on_open()
    {
        var (run, _, child) = RunWithTwoVariants();
        var notesTip = Git.Out(RunPath, "rev-parse", "refs/notes/hyperagents/evals");
        run.Dispose();

        // As if killed after the journal record and before the ref update: variant ref gone, notes ref one behind.
        Git.Out(RunPath, "update-ref", "-d", "refs/heads/variants/" + child[..12]);
        Git.Out(RunPath, "update-ref", "-d", "refs/notes/hyperagents/evals");

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Equal(notesTip, Git.Out(RunPath, "rev-parse", "refs/notes/hyperagents/evals"));
        Assert.Equal(2, reopened.ListVariants().Count);

        // Only the last write can be cut (writers hold the run lock), so the variant ref is not repaired: verify says so.
        var report = reopened.Verify();
        Assert.Contains(report.Problems, p => p.Variant == child && p.Message.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_write_cut_by_power_loss_before_its_flush_is_dropped_on_reopen()
    {
        var (run, seed, _) = RunWithTwoVariants();
        var lost = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Lost.cs", "lost"), seed));
        run.Dispose();

        // The flush never finished: the ref was not written yet and the commit's object file came back empty.
        Git.Out(RunPath, "update-ref", "-d", "refs/heads/variants/" + lost[..12]);
        var objectFile = Path.Combine(RunPath, "objects", lost[..2], lost[2..]);
        File.Delete(objectFile);
        File.WriteAllBytes(objectFile, []);

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.DoesNotContain(lost, reopened.ListVariants().Select(v => v.Id));
        Assert.Equal(2, reopened.ListVariants().Count);
        Assert.False(File.Exists(objectFile));
        Git.AssertFsckClean(RunPath);
        var report = reopened.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));
        reopened.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Again.cs", "again"), seed));
        Assert.Equal(3, reopened.ListVariants().Count);
    }

    [Fact]
    public void A_cloned_run_without_its_journal_fails_verify_and_refuses_writes_until_the_journal_is_rebuilt_on_purpose()
    {
        var (run, seed, child) = RunWithTwoVariants();
        run.MarkInvalidParent(seed, "broken");
        run.SetBest(child, 0.5);
        var before = run.ListVariants();
        run.Dispose();

        var clone = _temp.Combine("clone");
        Git.Out(_temp.Path, "clone", "-q", "--mirror", RunPath, clone);
        using var cloned = ArchiveRun.Open(clone, Some.FastOptions);

        // Readable from git alone, but unverified: a journal is not rebuilt from the data it protects.
        Assert.Equal(before, cloned.ListVariants(), new SummaryComparer());
        Assert.Contains(cloned.Verify().Problems, p => p.Variant is null && p.Message.Contains("journal (hyperagents/journal) is missing", StringComparison.Ordinal));
        Assert.Throws<ArchiveException>(() => cloned.AddVariant(Some.Variant(Some.SeedFiles(), seed)));
        Assert.False(File.Exists(Path.Combine(clone, "hyperagents", "journal")));

        Assert.Null(cloned.RebuildJournal());
        Assert.Equal(before, cloned.ListVariants(), new SummaryComparer());
        Assert.Equal(child, cloned.Best);
        var report = cloned.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));
        cloned.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/B.cs", "b"), seed));
        Assert.True(cloned.Verify().Ok);
    }

    [Fact]
    public void Verify_names_a_variant_whose_provenance_was_rewritten_with_plain_git()
    {
        var (run, seed, child) = RunWithTwoVariants();
        var rejected = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/X.cs", "x"), child, VariantStatus.Rejected("gate: System.IO")));
        run.AddVariant(Some.Variant(Some.SeedFiles(), child));
        Assert.True(run.Verify().Ok);
        run.Dispose();

        // Offline, with plain git: turn the rejected attempt into an accepted one and point its ref at the forgery.
        var provenance = Git.Out(RunPath, "show", rejected + ":.hyperagent/provenance.json")
            .Replace("\"rejected\"", "\"accepted\"", StringComparison.Ordinal)
            .Replace("\"reason\": \"gate: System.IO\"", "\"reason\": null", StringComparison.Ordinal);
        var blob = Git.RunWithInput(RunPath, provenance, "hash-object", "-w", "--stdin").Out.Trim();
        var reserved = Git.Out(RunPath, "ls-tree", rejected + ":.hyperagent").Split('\n')
            .Select(l => l.EndsWith("\tprovenance.json", StringComparison.Ordinal) ? $"100644 blob {blob}\tprovenance.json" : l);
        var reservedTree = Git.RunWithInput(RunPath, string.Join('\n', reserved) + "\n", "mktree").Out.Trim();
        var root = Git.Out(RunPath, "ls-tree", rejected).Split('\n')
            .Select(l => l.EndsWith("\t.hyperagent", StringComparison.Ordinal) ? $"040000 tree {reservedTree}\t.hyperagent" : l);
        var rootTree = Git.RunWithInput(RunPath, string.Join('\n', root) + "\n", "mktree").Out.Trim();
        var forged = Git.Out(RunPath, "commit-tree", rootTree, "-p", child, "-m", "g2 accepted");
        Git.Out(RunPath, "update-ref", "refs/heads/variants/" + rejected[..12], forged);
        Git.AssertFsckClean(RunPath);

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        var report = reopened.Verify();
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Variant == rejected);
        Assert.DoesNotContain(report.Problems, p => p.Variant == seed);
    }

    [Fact]
    public void Verify_names_a_variant_whose_files_no_longer_match_its_provenance()
    {
        var (run, seed, child) = RunWithTwoVariants();
        run.Dispose();

        // Rewrite the child in place of its ref with a changed task file but the original provenance.
        var blob = Git.RunWithInput(RunPath, "evil", "hash-object", "-w", "--stdin").Out.Trim();
        var taskTree = Git.Out(RunPath, "ls-tree", child + ":task").Split('\n')
            .Select(l => l.EndsWith("\tA.cs", StringComparison.Ordinal) ? $"100644 blob {blob}\tA.cs" : l);
        var newTask = Git.RunWithInput(RunPath, string.Join('\n', taskTree) + "\n", "mktree").Out.Trim();
        var root = Git.Out(RunPath, "ls-tree", child).Split('\n')
            .Select(l => l.EndsWith("\ttask", StringComparison.Ordinal) ? $"040000 tree {newTask}\ttask" : l);
        var rootTree = Git.RunWithInput(RunPath, string.Join('\n', root) + "\n", "mktree").Out.Trim();
        var forged = Git.Out(RunPath, "commit-tree", rootTree, "-p", seed, "-m", "g1 accepted");
        Git.Out(RunPath, "update-ref", "refs/heads/variants/" + child[..12], forged);

        // Even read from the forged git state alone (the journal deleted), the tree no longer hashes to the recorded agent tree.
        File.Delete(JournalPath);
        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        var report = reopened.Verify();
        Assert.Contains(report.Problems, p => p.Variant == forged && p.Message.Contains("agent tree", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_processes_write_the_same_run_in_parallel()
    {
        ArchiveRun.Create(RunPath, Some.Manifest(), Some.FastOptions).Dispose();
        using (var run = ArchiveRun.Open(RunPath, Some.FastOptions))
        {
            run.AddVariant(Some.Variant(Some.SeedFiles()));
        }

        var writers = new[] { KillWriter.Start(RunPath, 1, 8), KillWriter.Start(RunPath, 2, 8) };
        foreach (var w in writers)
        {
            Assert.True(w.Process.WaitForExit(60_000));
            Assert.Equal(0, w.Process.ExitCode);
        }

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        Assert.Equal(17, reopened.ListVariants().Count);
        Assert.All(writers.SelectMany(w => w.AckedVariants), id => reopened.GetVariant(id));
        var report = reopened.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));
        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void A_writer_killed_while_another_keeps_writing_loses_nothing()
    {
        var random = new Random(7);
        var acked = new HashSet<string>(StringComparer.Ordinal);
        var first = KillWriter.Start(RunPath, 100, 1);
        Assert.True(first.Process.WaitForExit(60_000));
        acked.UnionWith(first.AckedVariants);
        for (var round = 0; round < 3; round++)
        {
            var victim = KillWriter.Start(RunPath, 200 + round, int.MaxValue);
            var survivor = KillWriter.Start(RunPath, 300 + round, 12);
            Assert.True(victim.WaitForAcks(1 + random.Next(3), TimeSpan.FromMinutes(2)), "the victim acknowledged nothing: " + victim.Errors);
            Thread.Sleep(random.Next(0, 30));
            victim.Process.Kill();
            Assert.True(survivor.Process.WaitForExit(60_000));
            Assert.True(survivor.Process.ExitCode == 0, survivor.Errors);
            acked.UnionWith(victim.AckedVariants);
            acked.UnionWith(survivor.AckedVariants);
        }

        // Checked before any reopen: the survivor's own writes must have left the run whole.
        Git.AssertFsckClean(RunPath);
        using var run = ArchiveRun.Open(RunPath);
        var present = run.ListVariants().Select(v => v.Id).ToHashSet();
        Assert.All(acked, id => Assert.Contains(id, present));
        var report = run.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));
    }

    /// <summary>Threat rows C1, C3, C5, C6: SIGKILL a writer at 50 random points; nothing acknowledged is lost. Kills come by
    /// progress (after the writer's k-th acknowledgement, k seeded, plus a seeded step of up to 30 ms into the next write),
    /// never by wall clock alone, so how much each kill tests does not depend on how busy the machine is.</summary>
    [Fact]
    public void Writer_killed_at_50_random_points_loses_nothing_it_acknowledged()
    {
        var random = new Random(20261123);
        var acked = new HashSet<string>(StringComparer.Ordinal);
        var ackedEvaluations = new Dictionary<string, int>(StringComparer.Ordinal);
        var writer = KillWriter.Start(RunPath, 0, 1);
        Assert.True(writer.Process.WaitForExit(60_000));
        acked.UnionWith(writer.AckedVariants);

        for (var kill = 0; kill < 50; kill++)
        {
            writer = KillWriter.Start(RunPath, kill + 1, int.MaxValue);
            Assert.True(writer.WaitForAcks(1 + random.Next(4), TimeSpan.FromMinutes(2)), "the writer acknowledged nothing: " + writer.Errors);
            Thread.Sleep(random.Next(0, 30));
            writer.Process.Kill();
            writer.Process.WaitForExit();
            writer.Drain();
            acked.UnionWith(writer.AckedVariants);
            foreach (var (id, n) in writer.AckedEvaluations)
            {
                ackedEvaluations[id] = Math.Max(ackedEvaluations.GetValueOrDefault(id), n);
            }

            using var run = ArchiveRun.Open(RunPath);
            var present = run.ListVariants().ToDictionary(v => v.Id);
            Assert.All(acked, id => Assert.True(present.ContainsKey(id), $"kill {kill}: acknowledged variant {id} lost"));
            Assert.All(ackedEvaluations, e => Assert.True(present[e.Key].Evaluations >= e.Value, $"kill {kill}: evaluation of {e.Key} lost"));
            Git.AssertFsckClean(RunPath);
            var report = run.Verify();
            Assert.True(report.Ok, $"kill {kill}: " + string.Join('\n', report.Problems));
        }

        Assert.True(acked.Count >= 51, $"only {acked.Count} variants were acknowledged, though every kill waited for one");
    }

    private sealed class SummaryComparer : IEqualityComparer<VariantSummary>
    {
        public bool Equals(VariantSummary? x, VariantSummary? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Parent == y.Parent && x.Generation == y.Generation
            && x.Status == y.Status && x.Evaluations == y.Evaluations && x.Children == y.Children
            && x.InvalidParent == y.InvalidParent && x.Scores.OrderBy(s => s.Key).SequenceEqual(y.Scores.OrderBy(s => s.Key));

        public int GetHashCode(VariantSummary obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}

/// <summary>The kill-test writer process and what it acknowledged.</summary>
internal sealed class KillWriter
{
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _errors = new();
    private int _variantAcks;

    private KillWriter(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }

            if (e.Data.StartsWith("ACK V ", StringComparison.Ordinal))
            {
                lock (_lines)
                {
                    _variantAcks++;
                    Monitor.PulseAll(_lines);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static KillWriter Start(string runPath, int seed, int count)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Hyperagents.Archive.KillWriter.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(runPath);
        info.ArgumentList.Add(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (count != int.MaxValue)
        {
            info.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new KillWriter(Process.Start(info)!);
    }

    /// <summary>Waits until the writer has acknowledged <paramref name="count"/> variants (or exited, or the generous
    /// <paramref name="timeout"/> passed: a guard against a hung writer, not a measure of speed).</summary>
    /// <returns>Whether that many acknowledgements arrived.</returns>
    public bool WaitForAcks(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lines)
        {
            while (_variantAcks < count && !Process.HasExited && DateTime.UtcNow < deadline)
            {
                Monitor.Wait(_lines, TimeSpan.FromMilliseconds(100));
            }

            return _variantAcks >= count;
        }
    }

    /// <summary>Waits for the output stream to end after the process exited.</summary>
    public void Drain() => Process.WaitForExit();

    private List<string[]> Acks
    {
        get
        {
            Process.WaitForExit();
            lock (_lines)
            {
                // A line cut by the kill is not an acknowledgement: only whole 40-hex ids count.
                return _lines.Select(l => l.Split(' ')).Where(p => p.Length >= 3 && p[0] == "ACK" && p[2].Length == 40).ToList();
            }
        }
    }

    public IEnumerable<string> AckedVariants => Acks.Where(p => p[1] == "V").Select(p => p[2]);

    public IEnumerable<(string Id, int Count)> AckedEvaluations =>
        Acks.Where(p => p[1] == "E" && p.Length == 4).Select(p => (p[2], int.Parse(p[3], System.Globalization.CultureInfo.InvariantCulture)));
}
