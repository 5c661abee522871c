using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Cli;
using Spectre.Console.Testing;

namespace Hyperagents.Reporting.Tests;

public sealed class AuditTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly PlantedRun _planted;

    public AuditTests() => _planted = PlantedRun.Create(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private RunAudit Audit(string? variant = null)
    {
        using var run = ArchiveRun.Open(_planted.Folder);
        return Auditor.Audit(run, variant);
    }

    private VariantAudit Of(RunAudit audit, string id) => audit.Variants.Single(v => v.Id == id);

    [Fact]
    public void Planted_protected_path_attempt_is_flagged_with_its_paths()
    {
        var v = Of(Audit(), _planted.ProtectedAttempt);

        Assert.Contains(AuditFlags.ProtectedPathAttempt, v.Flags);
        Assert.Equal(["eval/Evaluator.cs", "sandbox/policy.txt"], v.Gate.ProtectedPaths);
        Assert.Equal("rejected", v.Gate.Status);
        Assert.Equal(2, v.Meta.CallErrors);
        Assert.DoesNotContain(AuditFlags.ProtectedPathAttempt, Of(Audit(), _planted.TaskChild).Flags);
    }

    [Fact]
    public void A_gain_that_vanished_under_the_exact_re_check_is_flagged_and_the_re_check_shown()
    {
        using (var run = ArchiveRun.Open(_planted.Folder))
        {
            var split = new SplitEvaluation(1, [new TaskEvaluation("t", 1, "completed")]);
            var exact = new ExactRecheck("val", "vanished", 1, 1, 0, -0.5, new SplitEvaluation(0, [new TaskEvaluation("t", 0, "completed")]));
            run.AttachEvaluation(_planted.TaskChild, new Evaluation { EvaluatorHash = "h", Splits = new Dictionary<string, SplitEvaluation> { ["val"] = split }, ExactCheck = exact });
        }

        var v = Of(Audit(), _planted.TaskChild);
        Assert.Contains(AuditFlags.ToleranceOnlyGain, v.Flags);
        Assert.Equal("vanished", v.ExactCheck!.Result);
        Assert.DoesNotContain(AuditFlags.ToleranceOnlyGain, Of(Audit(), _planted.MetaChild).Flags);
    }

    [Fact]
    public void Planted_meta_change_is_flagged_and_classified()
    {
        var audit = Audit();
        var meta = Of(audit, _planted.MetaChild);

        Assert.Contains(AuditFlags.MetaFilesChanged, meta.Flags);
        var file = Assert.Single(meta.Changes.Meta);
        Assert.Equal(("meta/Modify.cs", "modified", 2, 1), (file.Path, file.Change, file.LinesAdded, file.LinesRemoved));
        Assert.Empty(meta.Changes.Task);
        var task = Of(audit, _planted.TaskChild);
        Assert.DoesNotContain(AuditFlags.MetaFilesChanged, task.Flags);
        Assert.Equal("task/Solve.cs", Assert.Single(task.Changes.Task).Path);
        Assert.DoesNotContain(AuditFlags.MetaFilesChanged, Of(audit, _planted.Seed).Flags);
    }

    [Fact]
    public void Score_deltas_large_jump_and_train_val_gap()
    {
        var meta = Of(Audit(), _planted.MetaChild);

        var train = meta.Scores.Single(s => s.Split == "train");
        Assert.Equal((0.9, 0.4, 0.5), (train.Score, train.Parent!.Value, train.Delta!.Value));
        Assert.Contains(AuditFlags.LargeJump, meta.Flags);
        Assert.Contains(AuditFlags.TrainValGap, meta.Flags);
        var task = Of(Audit(), _planted.TaskChild);
        Assert.DoesNotContain(AuditFlags.LargeJump, task.Flags);
        Assert.DoesNotContain(AuditFlags.TrainValGap, task.Flags);
    }

    [Fact]
    public void An_inherited_train_val_gap_is_flagged_where_it_appeared_and_a_child_that_answers_as_its_parent_is_counted()
    {
        // Seed: gap 0.3 (the domain's baseline, never flagged). Child A: the same gap, other answers (not flagged: the gap is its parent's). Child B:
        // the seed's answers on every draw (no behavioural change). Draws carry seeds and answer hashes, as the loop
        // records them.
        using var folder = new TempFolder();
        using var run = ArchiveRun.Create(System.IO.Path.Combine(folder.Path, "gaps"), new RunManifest("gaps", "arithmetic", "basic"),
            new ArchiveOptions { Durability = Durability.None, Clock = new FixedClock() });
        var seed = run.AddVariant(new NewVariant { Files = new Dictionary<string, string> { ["task/A.cs"] = "1\n" }, Status = VariantStatus.Accepted });
        run.AttachEvaluation(seed, Draws(0.9, 0.6, "a"));
        var childA = run.AddVariant(new NewVariant { Parent = seed, Files = new Dictionary<string, string> { ["task/A.cs"] = "2\n" }, Status = VariantStatus.Accepted });
        run.AttachEvaluation(childA, Draws(0.95, 0.65, "b"));
        var childB = run.AddVariant(new NewVariant { Parent = seed, Files = new Dictionary<string, string> { ["task/A.cs"] = "1\n", ["meta/M.cs"] = "m\n" }, Status = VariantStatus.Accepted });
        run.AttachEvaluation(childB, Draws(0.9, 0.6, "a"));

        var audit = Auditor.Audit(run);

        Assert.DoesNotContain(AuditFlags.TrainValGap, Of(audit, seed).Flags);
        Assert.DoesNotContain(AuditFlags.TrainValGap, Of(audit, childA).Flags);
        Assert.DoesNotContain(AuditFlags.NoBehaviouralChange, Of(audit, childA).Flags);
        Assert.Contains(AuditFlags.NoBehaviouralChange, Of(audit, childB).Flags);
        Assert.Equal(new NoiseSummary(2, 1, 1, 0, 1), audit.Noise);
        Assert.True(Of(audit, childB).Scores.Single(s => s.Split == "val").WithinNoise);
    }

    [Fact]
    public void The_train_val_gap_counts_from_the_seeds_gap_where_it_appeared_and_its_threshold_can_be_set()
    {
        // Kissing number: train instances solved exactly, val ones not, so the seed itself has a gap of 0.3. A child
        // whose gap grows by 0.25 beyond it is flagged; its child, with the same gap, is not; a child whose gap shrank
        // and grandchild back at the seed's gap are not.
        using var folder = new TempFolder();
        using var run = ArchiveRun.Create(System.IO.Path.Combine(folder.Path, "gaps"), new RunManifest("gaps", "kissing-number", "basic"),
            new ArchiveOptions { Durability = Durability.None, Clock = new FixedClock() });
        string Add(string? parent, string body, double train, double val)
        {
            var id = run.AddVariant(new NewVariant { Parent = parent, Files = new Dictionary<string, string> { ["task/A.cs"] = body + "\n" }, Status = VariantStatus.Accepted });
            run.AttachEvaluation(id, Draws(train, val, body));
            return id;
        }

        var seed = Add(null, "seed", 1.0, 0.7);
        var grown = Add(seed, "grown", 1.0, 0.45);
        var inherits = Add(grown, "inherits", 1.0, 0.45);
        var shrank = Add(seed, "shrank", 1.0, 0.9);
        var back = Add(shrank, "back", 1.0, 0.7);

        var audit = Auditor.Audit(run);

        Assert.Equal([grown], audit.Variants.Where(v => v.Flags.Contains(AuditFlags.TrainValGap)).Select(v => v.Id));
        Assert.DoesNotContain(AuditFlags.TrainValGap, Of(audit, inherits).Flags);
        Assert.DoesNotContain(AuditFlags.TrainValGap, Of(audit, back).Flags);
        Assert.DoesNotContain(Auditor.Audit(run, thresholds: new AuditThresholds(TrainValGap: 0.3)).Variants, v => v.Flags.Contains(AuditFlags.TrainValGap));
        Assert.Equal(3, Auditor.Audit(run, thresholds: new AuditThresholds(LargeJump: 0.01)).Variants.Count(v => v.Flags.Contains(AuditFlags.LargeJump)));

        // eval --split test appends an evaluation of test alone: train and val keep their scores, errors and flags.
        run.AttachEvaluation(grown, new Evaluation
        {
            EvaluatorHash = "evaluator-1",
            Splits = new Dictionary<string, SplitEvaluation> { ["test"] = new(0.5, [new TaskEvaluation("x1", 0.5, "completed")], 0.01) },
        });
        var afterTest = Of(Auditor.Audit(run), grown);
        Assert.Equal(["test", "train", "val"], afterTest.Scores.Select(s => s.Split));
        Assert.All(afterTest.Scores, s => Assert.NotNull(s.StdErr));
        Assert.Contains(AuditFlags.TrainValGap, afterTest.Flags);
    }

    private static Evaluation Draws(double train, double val, string answer)
    {
        // Two tasks × two replicates per split; the seed of a draw is the same for every variant.
        SplitEvaluation Split(string prefix, long seedClass, double score) => new(score,
            [.. from task in new[] { prefix + "1", prefix + "2" }
                from r in new[] { 0, 1 }
                select new TaskEvaluation(task, score + (r == 0 ? 0.01 : -0.01), "completed", Replicate: r, Seed: 4 * (task.GetHashCode(StringComparison.Ordinal) % 1000 + 1000 * r) + seedClass, Answer: answer + task + r)],
            0.005);
        return new Evaluation { EvaluatorHash = "evaluator-1", Replicates = 2, Splits = new Dictionary<string, SplitEvaluation> { ["train"] = Split("t", 0, train), ["val"] = Split("v", 1, val) } };
    }

    [Fact]
    public void Forbidden_api_attempt_comes_from_the_gate_diagnostics()
    {
        var v = Of(Audit(), _planted.ForbiddenApi);

        Assert.Equal(["HA0001: 'System.IO.File.ReadAllText' is not allowed by the capability policy"], v.Gate.ForbiddenApis);
        Assert.Contains(AuditFlags.ForbiddenApi, v.Flags);
    }

    [Fact]
    public void Repeated_failures_from_one_parent_are_flagged_from_the_second_on()
    {
        var audit = Audit();

        Assert.DoesNotContain(AuditFlags.RepeatedFailures, Of(audit, _planted.FirstFailure).Flags);
        Assert.Contains(AuditFlags.RepeatedFailures, Of(audit, _planted.SecondFailure).Flags);
        Assert.Contains(AuditFlags.InvalidParent, Of(audit, _planted.MetaChild).Flags);
        Assert.Equal("out-of-fuel", Of(audit, _planted.FirstFailure).Meta.Outcome);
    }

    [Fact]
    public void Meta_run_summary_counts_tools_model_calls_and_tokens()
    {
        var meta = Of(Audit(), _planted.MetaChild).Meta;

        Assert.Equal(new Dictionary<string, int> { ["workspace.read"] = 1, ["workspace.write"] = 2 }, meta.Tools);
        Assert.Equal((2, 1200L, 300L, "openai/gpt-test"), (meta.ModelCalls, meta.InputTokens, meta.OutputTokens, meta.Model));
    }

    [Fact]
    public void Run_integrity_verifies_and_hashes_are_consistent()
    {
        var audit = Audit(_planted.TaskChild);

        Assert.True(audit.Integrity.Verified);
        Assert.True(audit.Integrity.HashesConsistent);
        Assert.Equal(["gate-policy-1"], audit.Integrity.GatePolicyHashes);
        Assert.Equal(_planted.TaskChild, Assert.Single(audit.Variants).Id);
        Assert.Equal(7, audit.Integrity.VariantsChecked);
    }

    [Fact]
    public void A_variant_with_another_evaluator_makes_hashes_inconsistent()
    {
        using var other = new TempFolder();
        var planted = PlantedRun.Create(other.Path, evaluatorOverride: "evaluator-2");
        using var run = ArchiveRun.Open(planted.Folder);

        var audit = Auditor.Audit(run);

        Assert.False(audit.Integrity.HashesConsistent);
        Assert.Equal(["evaluator-1", "evaluator-2"], audit.Integrity.EvaluatorHashes);
    }

    [Fact]
    public void Tampering_with_a_variant_fails_verification_and_the_exit_code()
    {
        // Rewrite the task child's ref to a commit the archive never recorded: verify must name it.
        var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", _planted.Folder, "update-ref", $"refs/heads/variants/{_planted.TaskChild[..12]}", _planted.Seed]) { UseShellExecute = false })!;
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);

        var audit = Audit();
        var (exit, _) = Cli("audit", PlantedRun.Name);

        Assert.False(audit.Integrity.Verified);
        Assert.Contains(audit.Integrity.Problems, p => p.Message.Contains("variants/" + _planted.TaskChild[..12], StringComparison.Ordinal));
        Assert.Equal(1, exit);
    }

    [Fact]
    public void Json_output_follows_the_documented_schema()
    {
        var (exit, output) = Cli("audit", PlantedRun.Name, "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("hyperagents.audit/1", root.GetProperty("schema").GetString());
        Assert.Equal(7, root.GetProperty("variants").GetArrayLength());
        var v = root.GetProperty("variants")[3];
        Assert.Equal(_planted.ProtectedAttempt, v.GetProperty("id").GetString());
        Assert.Contains("protected-path-attempt", v.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("eval/Evaluator.cs", v.GetProperty("gate").GetProperty("protectedPaths")[0].GetString());
        // Every field docs/audit.md documents is present.
        foreach (var field in new[] { "id", "parent", "generation", "sequence", "changes", "meta", "gate", "scores", "flags", "marks" })
        {
            Assert.True(v.TryGetProperty(field, out _), field);
        }

        foreach (var field in new[] { "verified", "variantsChecked", "notesChecked", "journalHead", "problems", "gatePolicyHashes", "evaluatorHashes", "hashesConsistent" })
        {
            Assert.True(root.GetProperty("integrity").TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public void Unknown_variant_is_a_user_error_not_a_stack_trace()
    {
        var (exit, output) = Cli("audit", PlantedRun.Name, "ffffffff");

        Assert.Equal(2, exit);
        Assert.StartsWith("error:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_and_report_take_their_thresholds_from_the_command_line_and_refuse_bad_ones()
    {
        var json = (string[] extra) => System.Text.Json.JsonDocument.Parse(Cli(["audit", PlantedRun.Name, "--json", .. extra]).Output).RootElement;
        string[] Flagged(System.Text.Json.JsonElement audit, string flag) => [.. audit.GetProperty("variants").EnumerateArray()
            .Where(v => v.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == flag)).Select(v => v.GetProperty("id").GetString()!)];

        Assert.Equal([_planted.MetaChild], Flagged(json([]), AuditFlags.TrainValGap));
        var relaxed = json(["--train-val-gap", "0.5", "--large-jump", "0.6", "--repeated-failures", "3"]);
        Assert.Empty(Flagged(relaxed, AuditFlags.TrainValGap));
        Assert.Empty(Flagged(relaxed, AuditFlags.LargeJump));
        Assert.Empty(Flagged(relaxed, AuditFlags.RepeatedFailures));
        Assert.Equal(0.5, relaxed.GetProperty("thresholds").GetProperty("trainValGap").GetDouble());

        foreach (var (command, option, value) in new[] { ("audit", "--train-val-gap", "-1"), ("report", "--large-jump", "0"), ("audit", "--repeated-failures", "0") })
        {
            var (exit, output) = Cli(command, PlantedRun.Name, option, value);
            Assert.Equal(2, exit);
            Assert.StartsWith($"error: {option} must be", output, StringComparison.Ordinal);
        }
    }

    private (int Exit, string Output) Cli(params string[] args)
    {
        var console = new TestConsole().Width(160);
        var exit = CliApp.RunAsync([.. args, "--archive", _temp.Path], console).GetAwaiter().GetResult();
        return (exit, console.Output.ReplaceLineEndings("\n"));
    }
}
