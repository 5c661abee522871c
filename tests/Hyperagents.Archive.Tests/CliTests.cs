using Hyperagents.Cli;
using Spectre.Console.Testing;

namespace Hyperagents.Archive.Tests;

public sealed class CliTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _archive;
    private readonly string _seed;
    private readonly string _child;
    private readonly string _rejected;

    public CliTests()
    {
        _archive = _temp.Combine("archive");
        using var run = ArchiveRun.Create(Path.Combine(_archive, "demo"), Some.Manifest(), Some.FastOptions);
        _seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        _child = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "task/Solve.cs", "class Solve\n{\n    int Answer => 42;\n}\n"), _seed));
        _rejected = run.AddVariant(Some.Variant(Some.With(Some.SeedFiles(), "meta/Modify.cs", "class Modify { void X() { System.IO.File.Delete(\"[x]\"); } }\n"), _seed, VariantStatus.Rejected("gate: System.IO.File.Delete [line 1]")));
        run.AttachEvaluation(_seed, Some.Evaluation(0.25, 0.2));
        run.AttachEvaluation(_child, Some.Evaluation(0.75, 0.5));
        run.SetBest(_child, 0.5);
        run.MarkInvalidParent(_rejected, "ModifySelf crashed");
    }

    public void Dispose() => _temp.Dispose();

    private (int Exit, string Output) Cli(params string[] args)
    {
        var console = new TestConsole().Width(200);
        var exit = CliApp.RunAsync([.. args, "--archive", _archive], console).GetAwaiter().GetResult();
        return (exit, console.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Lineage_draws_the_tree_with_scores_and_statuses()
    {
        var (exit, output) = Cli("lineage", "demo");

        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{_seed[..12]} g0 accepted train=0.250 val=0.200", lines[0]);
        Assert.Equal($"├─ {_child[..12]} g1 accepted train=0.750 val=0.500 best", lines[1]);
        Assert.Equal($"└─ {_rejected[..12]} g1 rejected unscored invalid-parent (gate: System.IO.File.Delete [line 1])", lines[2]);
        Assert.Equal("3 variants, 2 accepted, 1 rejected or failed", lines[3]);
    }

    [Fact]
    public void Lineage_of_one_variant_shows_its_ancestry()
    {
        var (exit, output) = Cli("lineage", "demo", _child[..7]);

        Assert.Equal(0, exit);
        Assert.Equal([$"{_seed[..12]} g0 accepted train=0.250 val=0.200", $"└─ {_child[..12]} g1 accepted train=0.750 val=0.500 best"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Show_gives_provenance_scores_and_transcript_summary()
    {
        var (exit, output) = Cli("show", "demo", "best");

        Assert.Equal(0, exit);
        Assert.Contains(_child, output);
        Assert.Matches($"parent +{_seed}", output);
        Assert.Contains("1 task, 0 meta, 0 other", output);
        Assert.Contains("[task] modified task/Solve.cs", output);
        Assert.Contains("offline/mutation-toolkit: 10 in, 20 out, 1 requests", output);
        Assert.Contains("wasmtime 50.0.1", output);
        Assert.Contains("#1 train: 0.750 over 1 tasks (ok 1); evaluator eval-123", output);
        Assert.Contains("3 entries: request 1, response 1, tool 1", output);
    }

    [Fact]
    public void Diff_marks_task_and_meta_files()
    {
        var (exit, output) = Cli("diff", "demo", _child);

        Assert.Equal(0, exit);
        Assert.Contains("[task] modified task/Solve.cs", output);
        Assert.Contains("-    int Answer => 41;", output);
        Assert.Contains("+    int Answer => 42;", output);
        Assert.Contains("[meta] modified meta/Modify.cs", Cli("diff", "demo", _rejected).Output);
    }

    [Fact]
    public void Runs_lists_the_run()
    {
        var (exit, output) = Cli("runs");

        Assert.Equal(0, exit);
        Assert.Contains("demo", output);
        Assert.Contains("arithmetic", output);
        Assert.Contains($"{_child[..12]} train=0.750 val=0.500", output);
    }

    [Fact]
    public void Verify_passes_then_names_a_tampered_variant()
    {
        var (exit, output) = Cli("verify", "demo");
        Assert.Equal(0, exit);
        Assert.Contains("ok: 3 variants and 3 notes verified", output);

        var run = Path.Combine(_archive, "demo");
        var forged = Git.Out(run, "commit-tree", _rejected + "^{tree}", "-p", _seed, "-m", "forged");
        Git.Out(run, "update-ref", "refs/heads/variants/" + _rejected[..12], forged);

        (exit, output) = Cli("verify", "demo");
        Assert.Equal(1, exit);
        Assert.Contains($"FAIL variant {_rejected[..12]}", output);
    }

    [Fact]
    public void Status_lineage_and_show_warn_once_a_note_is_forged_and_verify_fails()
    {
        var clean = Cli("status", "demo");
        Assert.Equal(0, clean.Exit);
        Assert.DoesNotContain("warning", clean.Output, StringComparison.Ordinal);
        var run = Path.Combine(_archive, "demo");
        var note = Git.Out(run, "notes", "--ref=hyperagents/evals", "show", _child);
        Git.Out(run, "notes", "--ref=hyperagents/evals", "add", "-f", "-m", note.Replace("0.75", "0.99", StringComparison.Ordinal), _child);

        foreach (var command in new[] { new[] { "status", "demo" }, ["lineage", "demo"], ["show", "demo", "best"] })
        {
            var (exit, output) = Cli(command);
            Assert.Equal(0, exit);
            Assert.StartsWith("warning: run demo fails verification: refs/notes/hyperagents/evals points to", output, StringComparison.Ordinal);
            Assert.Contains("Run 'hyperagents verify demo'.", output, StringComparison.Ordinal);
        }

        Assert.Contains("warning: run demo fails verification (", Cli("runs").Output, StringComparison.Ordinal);
        var verify = Cli("verify", "demo");
        Assert.Equal(1, verify.Exit);
        Assert.Contains($"FAIL variant {_child[..12]}: its latest evaluations score train=0.99", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_and_status_print_the_journal_head_and_verify_checks_a_kept_head()
    {
        var (exit, output) = Cli("verify", "demo");
        Assert.Equal(0, exit);
        var head = System.Text.RegularExpressions.Regex.Match(output, "journal head ([0-9a-f]{64})").Groups[1].Value;
        Assert.Equal(64, head.Length);
        Assert.Contains(head, Cli("status", "demo").Output, StringComparison.Ordinal);
        Assert.Equal(0, Cli("verify", "demo", "--expect-head", head).Exit);

        // The journal emptied: the run is shown from git alone, with a warning, and fails against the kept head.
        File.WriteAllBytes(Path.Combine(_archive, "demo", "hyperagents", "journal"), []);
        Assert.Contains("warning: run demo fails verification: the journal (hyperagents/journal) is empty", Cli("status", "demo").Output, StringComparison.Ordinal);
        (exit, output) = Cli("verify", "demo", "--expect-head", head);
        Assert.Equal(1, exit);
        Assert.Contains($"FAIL run: the journal does not contain the expected head {head}", output, StringComparison.Ordinal);

        (exit, output) = Cli("verify", "demo", "--rebuild-journal");
        Assert.Equal(0, exit);
        Assert.Contains("rebuilt the journal from git as it is now", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_archive, "demo", "hyperagents", "journal")));
    }

    [Fact]
    public void Verify_names_the_variant_and_the_object_when_a_loose_object_is_deleted()
    {
        var run = Path.Combine(_archive, "demo");
        var blob = Git.Out(run, "rev-parse", _child + ":task/Solve.cs");
        File.Delete(Path.Combine(run, "objects", blob[..2], blob[2..]));

        var (exit, output) = Cli("verify", "demo");
        Assert.Equal(1, exit);
        Assert.Contains($"FAIL variant {_child[..12]}: its file task/Solve.cs (blob {blob}) is missing from the object database", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_runs_and_variants_are_errors_without_stack_traces()
    {
        var (exit, output) = Cli("show", "nope", "best");
        Assert.Equal(2, exit);
        Assert.Contains("There is no run at", output);
        Assert.DoesNotContain("   at ", output);

        (exit, output) = Cli("diff", "demo", "ffff");
        Assert.Equal(2, exit);
        Assert.Contains("No variant of this run starts with 'ffff'", output);
    }
}
