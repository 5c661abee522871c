using System.Text.Json;

namespace Hyperagents.Archive.Tests;

public sealed class ArchiveRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>After every test: git fsck is clean, plain git log shows each variant's parent, and verify passes.</summary>
    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(RunPath, "HEAD")))
            {
                Git.AssertFsckClean(RunPath);
                using var run = ArchiveRun.Open(RunPath, Some.FastOptions);
                var parents = Git.Out(RunPath, "log", "--branches", "--format=%H %P").Split('\n')
                    .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
                foreach (var v in run.ListVariants())
                {
                    Assert.Equal(v.Parent ?? run.ManifestId, parents[v.Id]);
                }

                var report = run.Verify();
                Assert.True(report.Ok, string.Join('\n', report.Problems));
            }
        }
        finally
        {
            _temp.Dispose();
        }
    }

    private string RunPath => _temp.Combine("archive", "demo");

    private ArchiveRun NewRun() => ArchiveRun.Create(RunPath, Some.Manifest(), Some.FastOptions);

    [Fact]
    public void Create_writes_the_manifest_as_the_root_commit_and_points_head_at_best()
    {
        using var run = NewRun();

        Assert.Equal("arithmetic", run.ReadManifest().Domain);
        Assert.Equal(3, run.ReadManifest().Config!.Value.GetProperty("generations").GetInt32());
        Assert.Equal("refs/heads/best", Git.Out(RunPath, "symbolic-ref", "HEAD"));
        Assert.Equal(run.ManifestId, Git.Out(RunPath, "rev-parse", "best"));
        Assert.Equal(run.ManifestId, Git.Out(RunPath, "log", "--format=%H %P"));
        Assert.Contains("\"domain\": \"arithmetic\"", Git.Out(RunPath, "show", "manifest:.hyperagent/manifest.json"));
        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void Create_refuses_a_folder_that_is_not_empty()
    {
        NewRun().Dispose();
        var e = Assert.Throws<ArchiveException>(() => ArchiveRun.Create(RunPath, Some.Manifest(), Some.FastOptions));
        Assert.Contains("already exists", e.Message);
    }

    [Fact]
    public void Open_of_a_missing_run_says_how_to_fix_it()
    {
        var e = Assert.Throws<ArchiveException>(() => ArchiveRun.Open(_temp.Combine("nope")));
        Assert.Contains("--archive", e.Message);
    }

    [Fact]
    public void Variant_commits_have_their_parent_variant_as_parent_commit()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var a = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Solve.cs", "class Solve { int Answer => 42; }\n"), seed));
        var b = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "meta/prompt.md", "Be bold.\n"), seed));
        var c = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "README.md", "grandchild\n"), a));

        var parents = Git.Out(RunPath, "log", "--branches", "--format=%H %P").Split('\n')
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        Assert.Equal(run.ManifestId, parents[seed]);
        Assert.Equal(seed, parents[a]);
        Assert.Equal(seed, parents[b]);
        Assert.Equal(a, parents[c]);
        Assert.Equal(c, Git.Out(RunPath, "rev-parse", "variants/" + c[..12]));
        var graph = Git.Out(RunPath, "log", "--graph", "--all", "--oneline");
        Assert.Contains("g2 accepted: 1 task, 0 meta, 1 other file(s) changed", graph);
        Assert.Contains("seed accepted", graph);
        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void Provenance_records_parent_generation_and_classified_changes_that_plain_git_agrees_with()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var files = Some.With(Some.SeedFiles(), "task/Solve.cs", "class Solve { int Answer => 42; }\n");
        files = Some.With(files, "meta/Tool.cs", "class Tool { }\n");
        files = Some.With(files, "README.md", null);
        var child = run.AddVariant(Some.Variant(files, seed));

        var p = run.ReadProvenance(child);
        Assert.Equal(seed, p.Parent);
        Assert.Equal(1, p.Generation);
        Assert.Equal(1, p.Sequence);
        Assert.Equal(
            ["deleted Other README.md", "added Meta meta/Tool.cs", "modified Task task/Solve.cs"],
            p.Changes.Select(c => $"{c.Change} {c.Kind} {c.Path}"));
        Assert.Equal("gate-abc", p.GatePolicyHash);
        Assert.Equal(30, p.Model!.InputTokens + p.Model.OutputTokens);
        Assert.Equal("50.0.1", p.Tools!.Wasmtime);
        Assert.Equal(3, p.Transcript!.Lines);

        // The agent tree is the commit's tree without .hyperagent/, as plain git builds it.
        var listing = Git.Out(RunPath, "ls-tree", child).Split('\n').Where(l => !l.EndsWith("\t.hyperagent", StringComparison.Ordinal));
        var scratch = _temp.Combine("scratch");
        Git.Out(_temp.Path, "init", "-q", "--bare", scratch);
        var (_, tree, _) = Git.RunWithInput(scratch, string.Join('\n', listing) + "\n", "mktree", "--missing");
        Assert.Equal(tree.Trim(), p.AgentTree);
        Assert.Contains("\"change\": \"modified\"", Git.Out(RunPath, "show", child + ":.hyperagent/provenance.json"));
        Assert.Contains("\"kind\": \"task\"", Git.Out(RunPath, "show", child + ":.hyperagent/provenance.json"));
        Git.AssertFsckClean(RunPath);
    }

    [Theory]
    [InlineData(".hyperagent/provenance.json")]
    [InlineData(".HyperAgent/x.cs")]
    [InlineData("../escape.cs")]
    [InlineData("/abs.cs")]
    [InlineData("a//b.cs")]
    [InlineData("task\\Solve.cs")]
    [InlineData("x/.git/config")]
    [InlineData("GIT~1/config")]
    [InlineData(".git\u200C/config")]
    [InlineData("task/Directory.Build.props")]
    [InlineData("task/eval/x.cs")]
    public void Agent_paths_that_could_collide_or_escape_are_refused(string path)
    {
        using var run = NewRun();
        var e = Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), path, "x"))));
        Assert.Contains(AgentFilePaths.Escape(path), e.Message);
        Assert.Empty(run.ListVariants());
    }

    [Fact]
    public void A_path_that_is_both_file_and_folder_is_refused()
    {
        using var run = NewRun();
        var files = Some.With(Some.With(Some.SeedFiles(), "lib.md", "x"), "lib.md/a.cs", "y");
        Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(files)));
    }

    [Fact]
    public void A_second_seed_and_an_unknown_parent_are_refused()
    {
        using var run = NewRun();
        run.AddVariant(Some.Variant(Some.SeedFiles()));
        Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.SeedFiles())));
        Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.SeedFiles(), new string('a', 40))));
    }

    [Fact]
    public void Rejected_and_failed_attempts_are_commits_with_their_reasons()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var rejected = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Bad.cs", "System.IO.File.Delete(\"x\");"), seed, VariantStatus.Rejected("gate: System.IO.File.Delete at task/Bad.cs:1")));
        var failed = run.AddVariant(Some.Variant(Some.SeedFiles(), seed, VariantStatus.Failed("ModifySelf timed out")));

        var list = run.ListVariants();
        Assert.Equal(VariantState.Rejected, list.Single(v => v.Id == rejected).Status.State);
        Assert.Equal("ModifySelf timed out", list.Single(v => v.Id == failed).Status.Reason);
        Assert.Contains("gate: System.IO.File.Delete", Git.Out(RunPath, "log", "-1", "--format=%B", rejected));
        Assert.Throws<ArchiveException>(() => run.AddVariant(Some.Variant(Some.SeedFiles(), seed, new VariantStatus(VariantState.Failed))));
        Assert.Throws<ArchiveException>(() => run.SetBest(rejected, 1));
    }

    [Fact]
    public void Evaluations_are_notes_that_append_without_changing_the_variant_id()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var tree = Git.Out(RunPath, "rev-parse", seed + "^{tree}");

        run.AttachEvaluation(seed, Some.Evaluation(0.25));
        run.AttachEvaluation(seed, Some.Evaluation(0.5, 0.4));

        Assert.Equal(seed, Git.Out(RunPath, "rev-parse", "variants/" + seed[..12]));
        Assert.Equal(tree, Git.Out(RunPath, "rev-parse", seed + "^{tree}"));
        var evaluations = run.GetEvaluations(seed);
        Assert.Equal([0.25, 0.5], evaluations.Select(e => e.Splits["train"].Score));
        Assert.Equal("fine", evaluations[0].Splits["train"].Tasks[0].Feedback);
        Assert.Equal(1_000_000, evaluations[1].Limits!["fuel"]);
        var summary = run.GetVariant(seed);
        Assert.Equal(2, summary.Evaluations);
        Assert.Equal(0.4, summary.Scores["val"]);

        // Plain git reads the note.
        var note = JsonDocument.Parse(Git.Out(RunPath, "notes", "--ref=hyperagents/evals", "show", seed)).RootElement;
        Assert.Equal(seed, note.GetProperty("variant").GetString());
        Assert.Equal(2, note.GetProperty("evaluations").GetArrayLength());
        Assert.Equal("2", Git.Out(RunPath, "rev-list", "--count", "refs/notes/hyperagents/evals"));
        Git.AssertFsckClean(RunPath);
    }

    [Fact]
    public void Listing_lineage_and_children_follow_the_tree()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var a = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        var b = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/B.cs", "b"), seed));
        var c = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/C.cs", "c"), a));
        run.AttachEvaluation(a, Some.Evaluation(0.7));

        var list = run.ListVariants();
        Assert.Equal([seed, a, b, c], list.Select(v => v.Id));
        Assert.Equal([2, 1, 0, 0], list.Select(v => v.Children));
        Assert.Equal([0, 1, 1, 2], list.Select(v => v.Generation));
        Assert.Equal(0.7, list[1].Scores["train"]);
        Assert.Empty(list[2].Scores);
        Assert.Equal([c, a, seed], run.GetLineage(c).Select(v => v.Id));
        Assert.Equal([a, b], run.GetChildren(seed));
    }

    [Fact]
    public void Files_read_back_exactly_as_added()
    {
        using var run = NewRun();
        var files = Some.With(Some.SeedFiles(), "task/deep/er/X.cs", "unicode: é ✓\n");
        var id = run.AddVariant(Some.Variant(files));

        Assert.Equal(files.OrderBy(f => f.Key, StringComparer.Ordinal), run.GetFiles(id));
        Assert.Equal("unicode: é ✓\n", run.GetFiles(id)["task/deep/er/X.cs"]);
        Assert.DoesNotContain(run.GetFiles(id).Keys, p => p.StartsWith(".hyperagent", StringComparison.Ordinal));
    }

    [Fact]
    public void Diff_against_the_parent_is_unified_per_file_with_its_kind()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var child = run.AddVariant(Some.Variant(Some.With(Some.With(Some.SeedFiles(), "task/Solve.cs", "class Solve\n{\n    int Answer => 42;\n}\n"), "meta/prompt.md", null), seed));

        var diff = run.GetDiff(child);
        Assert.Equal(["meta/prompt.md", "task/Solve.cs"], diff.Select(d => d.Path));
        Assert.Equal(FileKind.Meta, diff[0].Kind);
        Assert.Equal("deleted", diff[0].Change);
        Assert.Contains("-    int Answer => 41;", diff[1].Patch);
        Assert.Contains("+    int Answer => 42;", diff[1].Patch);
        Assert.Equal(4, run.GetDiff(seed).Count);
        Assert.All(run.GetDiff(seed), d => Assert.Equal("added", d.Change));
    }

    [Fact]
    public void Invalid_parent_marks_append_and_show_in_the_listing()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        run.MarkInvalidParent(seed, "ModifySelf threw");
        run.MarkInvalidParent(seed, "ModifySelf threw again");

        Assert.True(run.GetVariant(seed).InvalidParent);
        Assert.Equal(["ModifySelf threw", "ModifySelf threw again"], run.GetMarks(seed).Select(m => m.Reason));
        Assert.Contains("invalid-parent", Git.Out(RunPath, "notes", "--ref=hyperagents/marks", "show", seed));
        Assert.True(run.Verify().Ok);
    }

    [Fact]
    public void Best_moves_the_best_ref_and_plain_git_log_follows_its_lineage()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        run.SetBest(child, 0.9);

        Assert.Equal(child, run.Best);
        Assert.True(run.GetVariant(child).IsBest);
        Assert.Equal(child, Git.Out(RunPath, "rev-parse", "best"));
        Assert.Equal([child, seed, run.ManifestId], Git.Out(RunPath, "log", "--format=%H").Split('\n'));
    }

    [Fact]
    public void Resolve_accepts_prefixes_and_names()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        var child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        run.SetBest(seed, 0.1);

        Assert.Equal(child, run.Resolve(child[..8]));
        Assert.Equal(seed, run.Resolve("seed"));
        Assert.Equal(child, run.Resolve("latest"));
        Assert.Equal(seed, run.Resolve("best"));
        Assert.Throws<ArchiveException>(() => run.Resolve("zz"));
        Assert.Throws<ArchiveException>(() => run.Resolve("0000000"));
    }

    [Fact]
    public void The_run_keeps_working_after_plain_git_gc_packs_objects_and_refs()
    {
        string seed;
        using (var run = NewRun())
        {
            seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
            run.AttachEvaluation(seed, Some.Evaluation(0.3));
            run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/A.cs", "a"), seed));
        }

        Git.Out(RunPath, "gc", "--quiet");
        Assert.True(File.Exists(Path.Combine(RunPath, "packed-refs")));

        using var reopened = ArchiveRun.Open(RunPath, Some.FastOptions);
        var child = reopened.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/B.cs", "b"), seed));
        reopened.AttachEvaluation(seed, Some.Evaluation(0.4));
        Assert.Equal(3, reopened.ListVariants().Count);
        Assert.Equal(2, reopened.GetEvaluations(seed).Count);
        Assert.Equal("b", reopened.GetFiles(child)["task/B.cs"]);
        Assert.True(reopened.Verify().Ok);
    }

    [Fact]
    public void Parallel_threads_add_variants_safely()
    {
        using var run = NewRun();
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        using var second = ArchiveRun.Open(RunPath, Some.FastOptions);
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var target = i % 2 == 0 ? run : second;
            var id = target.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/N.cs", $"// {i}\n"), seed));
            target.AttachEvaluation(id, Some.Evaluation(i / 24.0));
            ids.Add(id);
        });

        var list = run.ListVariants();
        Assert.Equal(25, list.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), list.Select(v => v.Sequence));
        Assert.All(ids, id => Assert.Equal(1, run.GetVariant(id).Evaluations));
        Assert.Equal(24, second.ListVariants().Count(v => v.Parent == seed));
        Assert.Equal("24", Git.Out(RunPath, "rev-list", "--count", "refs/notes/hyperagents/evals"));
        var report = run.Verify();
        Assert.True(report.Ok, string.Join('\n', report.Problems));
        Git.AssertFsckClean(RunPath);
    }
}
