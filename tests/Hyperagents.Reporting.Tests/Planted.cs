using System.Text.Json;
using Hyperagents.Archive;

namespace Hyperagents.Reporting.Tests;

/// <summary>
/// A deterministic run built through the archive API with planted cases: an accepted task change, a child that rewrites
/// a meta file (and jumps in score, with a train/val gap), a protected-path attempt, a gate rejection for a forbidden
/// API, and two failed ModifySelf runs in a row from one parent.
/// </summary>
public sealed class PlantedRun
{
    public const string Name = "planted";

    public required string Folder { get; init; }

    public required string Seed { get; init; }

    public required string TaskChild { get; init; }

    public required string MetaChild { get; init; }

    public required string ProtectedAttempt { get; init; }

    public required string ForbiddenApi { get; init; }

    public required string FirstFailure { get; init; }

    public required string SecondFailure { get; init; }

    public IReadOnlyList<string> All => [Seed, TaskChild, MetaChild, ProtectedAttempt, ForbiddenApi, FirstFailure, SecondFailure];

    public static PlantedRun Create(string archiveFolder, string? evaluatorOverride = null)
    {
        var folder = System.IO.Path.Combine(archiveFolder, Name);
        var config = JsonDocument.Parse("""{"settings":{"domain":"arithmetic","generations":6,"parallel":1,"seed":1,"selection":"ScoreChildProp","baseline":"None","isolation":"Sandbox"},"modelFlags":[]}""").RootElement;
        var options = new ArchiveOptions { Durability = Durability.None, Clock = new FixedClock() };
        using var run = ArchiveRun.Create(folder, new RunManifest(Name, "arithmetic", "basic", config), options);
        var seedFiles = new Dictionary<string, string>
        {
            ["task/Solve.cs"] = "class Solve\n{\n    int Answer => 41;\n}\n",
            ["meta/Modify.cs"] = "class Modify\n{\n    int Effort => 1;\n}\n",
            ["README.md"] = "seed agent\n",
        };
        var seed = run.AddVariant(Variant(seedFiles, null, VariantStatus.Accepted, Transcript()));
        run.AttachEvaluation(seed, Evaluation(0.25, 0.25));

        var taskFiles = With(seedFiles, "task/Solve.cs", "class Solve\n{\n    int Answer => 42;\n}\n");
        var taskChild = run.AddVariant(Variant(taskFiles, seed, VariantStatus.Accepted, Transcript(("workspace.read", null), ("workspace.write", null), ("evaluate", null))));
        run.AttachEvaluation(taskChild, Evaluation(0.4, 0.35));

        var metaFiles = With(taskFiles, "meta/Modify.cs", "class Modify\n{\n    int Effort => 3;\n    int Retries => 2;\n}\n");
        var metaChild = run.AddVariant(Variant(metaFiles, taskChild, VariantStatus.Accepted,
            Transcript(("workspace.read", null), ("workspace.write", null), ("workspace.write", null)) + """{"type":"model","exchanges":[{"role":"meta"},{"role":"meta"}]}""" + "\n",
            new ModelUsage("openai", "gpt-test", 1200, 300, 2), evaluatorOverride));
        run.AttachEvaluation(metaChild, Evaluation(0.9, 0.6, evaluatorOverride));
        run.SetBest(metaChild, 0.6);

        var protectedAttempt = run.AddVariant(Variant(taskFiles, taskChild,
            VariantStatus.Rejected("protected-path attempt: eval/Evaluator.cs, sandbox/policy.txt"),
            Transcript(("workspace.write", "protected: eval/Evaluator.cs"), ("workspace.write", "protected: sandbox/policy.txt"))));

        var forbiddenFiles = With(taskFiles, "task/Solve.cs", "class Solve\n{\n    int Answer => System.IO.File.ReadAllText(\"/etc/passwd\").Length;\n}\n");
        var forbiddenApi = run.AddVariant(Variant(forbiddenFiles, taskChild,
            VariantStatus.Rejected("compile: task/Solve.cs(3,19): HA0001: 'System.IO.File.ReadAllText' is not allowed by the capability policy"),
            Transcript(("workspace.write", null)) + """{"type":"diagnostic","text":"task/Solve.cs(3,19): HA0001: 'System.IO.File.ReadAllText' is not allowed by the capability policy"}""" + "\n"));

        var firstFailure = run.AddVariant(Variant(metaFiles, metaChild, VariantStatus.Failed("ModifySelf ended out-of-fuel: fuel exhausted"), Transcript(("workspace.read", null)), outcome: "out-of-fuel"));
        run.MarkInvalidParent(metaChild, "ModifySelf ended out-of-fuel: fuel exhausted");
        var secondFailure = run.AddVariant(Variant(metaFiles, metaChild, VariantStatus.Failed("ModifySelf ended trap: unreachable"), Transcript(), outcome: "trap"));

        return new PlantedRun
        {
            Folder = folder,
            Seed = seed,
            TaskChild = taskChild,
            MetaChild = metaChild,
            ProtectedAttempt = protectedAttempt,
            ForbiddenApi = forbiddenApi,
            FirstFailure = firstFailure,
            SecondFailure = secondFailure,
        };
    }

    private static Dictionary<string, string> With(Dictionary<string, string> files, string path, string content) => new(files) { [path] = content };

    private static string Transcript(params (string Capability, string? Error)[] calls) => Transcript(calls, "completed");

    private static string Transcript((string Capability, string? Error)[] calls, string outcome)
    {
        var lines = calls.Select((c, i) => JsonSerializer.Serialize(new { type = "call", at = i * 1.5, capability = c.Capability, request = "{}", reply = c.Error is null ? "{}" : null, error = c.Error }))
            .Append(JsonSerializer.Serialize(new { type = "log", line = "planted" }))
            .Append(JsonSerializer.Serialize(new { type = "outcome", outcome, ms = 12.5 }));
        return string.Join("\n", lines) + "\n";
    }

    private static NewVariant Variant(Dictionary<string, string> files, string? parent, VariantStatus status, string transcript, ModelUsage? usage = null, string? evaluator = null, string? outcome = null) => new()
    {
        Parent = parent,
        Files = files,
        Status = status,
        Model = usage,
        Tools = new ToolVersions("0.1.0", "10.0", "5.12.0", "50.0.1", "10.0.0"),
        GatePolicyHash = "gate-policy-1",
        EvaluatorHash = evaluator ?? "evaluator-1",
        Seeds = new Dictionary<string, long> { ["meta"] = 7 },
        Transcript = outcome is null ? transcript : transcript.Replace("\"outcome\":\"completed\"", $"\"outcome\":\"{outcome}\"", StringComparison.Ordinal),
    };

    private static Evaluation Evaluation(double train, double val, string? evaluator = null) => new()
    {
        EvaluatorHash = evaluator ?? "evaluator-1",
        Splits = new Dictionary<string, SplitEvaluation>
        {
            ["train"] = new(train, [new TaskEvaluation("t1", train, "ok", null, 1000, 1.5, Raw: 40 * train)]),
            ["val"] = new(val, [new TaskEvaluation("v1", val, "ok", Raw: 40 * val)]),
        },
        RawFigure = "right of 40",
        At = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Milliseconds = 12.5,
    };
}
