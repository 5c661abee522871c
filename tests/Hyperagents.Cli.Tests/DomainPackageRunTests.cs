using Hyperagents.Archive;

namespace Hyperagents.Cli.Tests;

/// <summary>A domain package written from scratch runs end to end, and its run keeps the archived copy.</summary>
public sealed class DomainPackageRunTests : IDisposable
{
    private const string Manifest = """
        {
          "name": "close-to-target",
          "version": "1.0.0",
          "description": "Answer {\"x\": number} as close to the task's target as you can.",
          "answer": "json",
          "score": { "direction": "higher", "normalise": "reference" },
          "tasks": [
            { "id": "t1", "split": "train", "parameters": { "target": 3 }, "reference": 1 },
            { "id": "t2", "split": "train", "parameters": { "target": 4 }, "reference": 1 },
            { "id": "v1", "split": "val", "parameters": { "target": 2 }, "data": "data/v1.txt", "reference": 1 },
            { "id": "x1", "split": "test", "parameters": { "target": 9 }, "reference": 1 }
          ]
        }
        """;

    private const string Evaluator = """
        public sealed class CloseToTarget : IEvaluator
        {
            public EvaluationResult Evaluate(EvalInput input)
            {
                using var doc = JsonDocument.Parse(input.Answer);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("x", out var x) || x.ValueKind != JsonValueKind.Number)
                {
                    return EvaluationResult.Invalid("expected {\"x\": number}");
                }

                var target = double.Parse(input.Task.Parameters["target"], System.Globalization.CultureInfo.InvariantCulture);
                var bonus = input.Task.DataFile is { } file ? double.Parse(input.Data.ReadText(file), System.Globalization.CultureInfo.InvariantCulture) : 0;
                return EvaluationResult.Ok(1 / (1 + Math.Abs(x.GetDouble() - target)) + bonus, "ok");
            }
        }
        """;

    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_package_written_from_scratch_runs_resumes_replays_audits_and_verifies_and_replay_keeps_the_archived_copy_after_the_folder_changes()
    {
        var package = Path.Combine(_cli.Root, "close");
        Directory.CreateDirectory(Path.Combine(package, "evaluator"));
        Directory.CreateDirectory(Path.Combine(package, "data"));
        File.WriteAllText(Path.Combine(package, "domain.json"), Manifest);
        File.WriteAllText(Path.Combine(package, "evaluator", "CloseToTarget.cs"), Evaluator);
        File.WriteAllText(Path.Combine(package, "data", "v1.txt"), "0.25");
        var seed = CopySeedAnswering(Path.Combine(_cli.Root, "seed"), "{\"x\": 2.5}");

        var (exit, output) = _cli.Run("run", "--domain", package, "--generations", "1", "--isolation", "native", "--replicates", "1", "--name", "p", "--seed-agent", seed);
        Assert.True(exit == 0, output);
        var (resumeExit, resumed) = _cli.Run("resume", "p", "--generations", "2");
        Assert.True(resumeExit == 0, resumed);

        string hash;
        double seedVal;
        using (var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "p")))
        {
            var manifest = run.ReadManifest();
            Assert.Equal("close-to-target", manifest.Domain);
            hash = manifest.DomainPackage!;
            Assert.Equal(File.ReadAllBytes(Path.Combine(package, "data", "v1.txt")), run.ReadDomainPackage()!["data/v1.txt"]);
            var seedVariant = run.ListVariants().Single(v => v.Parent is null);
            Assert.Equal(hash, run.ReadProvenance(seedVariant.Id).EvaluatorHash);

            // x = 2.5 against target 2 scores 1/1.5, plus the 0.25 the val task's private data file adds.
            seedVal = run.GetEvaluations(seedVariant.Id)[0].Splits["val"].Tasks[0].Score;
            Assert.Equal(1 / 1.5 + 0.25, seedVal, 12);
        }

        // The user's folder changes (its evaluator would now give every val score 0.25 more): the run keeps its copy.
        File.WriteAllText(Path.Combine(package, "data", "v1.txt"), "0.5");
        var (editedExit, edited) = _cli.Run("replay", "p", "all");
        Assert.True(editedExit == 0, edited);
        Assert.Contains("replay matches", edited);
        Assert.DoesNotContain("mismatch", edited);

        var (auditExit, audit) = _cli.Run("audit", "p");
        Assert.True(auditExit == 0, audit);
        Assert.Contains("hashes: consistent", audit);
        var (verifyExit, verify) = _cli.Run("verify", "p");
        Assert.True(verifyExit == 0, verify);
    }

    /// <summary>The shipped seed, with its task agent answering <paramref name="answer"/> on domains it has no solver for.</summary>
    private static string CopySeedAnswering(string target, string answer)
    {
        foreach (var file in Directory.EnumerateFiles(CliProcess.SeedAgent, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(CliProcess.SeedAgent, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        var agent = Path.Combine(target, "task", "TaskAgent.cs");
        var text = File.ReadAllText(agent);
        var patched = text.Replace("return \"{}\";", "return \"" + answer.Replace("\"", "\\\"", StringComparison.Ordinal) + "\";", StringComparison.Ordinal);
        Assert.NotEqual(text, patched);
        File.WriteAllText(agent, patched);
        return target;
    }
}
