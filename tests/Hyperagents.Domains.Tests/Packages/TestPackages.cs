using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>Domain packages written from scratch into temporary folders, and the worker launch the tests use.</summary>
internal static class TestPackages
{
    public static NativeRunnerOptions Launch { get; } = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));

    /// <summary>An evaluator scoring <c>{"x": number}</c> by closeness to the task's <c>target</c> parameter:
    /// raw = 1 / (1 + |x − target|), valid for any finite x.</summary>
    public const string CloseToTarget = """
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
                if (input.Task.DataFile is { } file && input.Data.ReadText(file).Trim() != "secret")
                {
                    return EvaluationResult.Invalid("data file unreadable");
                }

                var raw = 1 / (1 + Math.Abs(x.GetDouble() - target));
                return EvaluationResult.Ok(raw, $"|x - target| = {Math.Abs(x.GetDouble() - target)}");
            }
        }
        """;

    public const string Manifest = """
        {
          "schema": "hyperagents.domain/1",
          "name": "close-to-target",
          "version": "1.0.0",
          "description": "Answer {\"x\": number} as close to the task's target as you can.",
          "answer": "json",
          "score": { "direction": "higher", "normalise": "reference" },
          "limits": { "evaluationMilliseconds": LIMIT_MS, "memoryMegabytes": 256 },
          "defaultTask": "t2",
          "tasks": [
            { "id": "t1", "split": "train", "parameters": { "target": 3 }, "input": "target 3", "reference": 1 },
            { "id": "t2", "split": "val", "parameters": { "target": 7 }, "data": "data/t2.txt", "reference": 1 },
            { "id": "t3", "split": "test", "parameters": { "target": 11 }, "reference": 0.5 }
          ]
        }
        """;

    /// <summary>Writes a package: the manifest, one evaluator file, data/t2.txt.</summary>
    public static string Write(string evaluator = CloseToTarget, string? manifest = null, int limitMs = 10_000)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ha-pkg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(folder, "evaluator"));
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, DomainPackage.ManifestFile), (manifest ?? Manifest).Replace("LIMIT_MS", limitMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(folder, "evaluator", "Evaluator.cs"), evaluator);
        File.WriteAllText(Path.Combine(folder, "data", "t2.txt"), "secret\n");
        return folder;
    }

    /// <summary>An evaluator whose Evaluate body is <paramref name="body"/>.</summary>
    public static string EvaluatorWithBody(string body) =>
        "public sealed class E : IEvaluator\n{\n    public EvaluationResult Evaluate(EvalInput input)\n    {\n" + body + "\n    }\n}\n";

    public static PackageDomain Open(string folder) => EvaluatorWorker.Open(DomainPackage.LoadFolder(folder), Launch);

    public static TaskSpec Task(IDomain domain, string id) => domain.FindTask(id)!.Value.Task;
}
