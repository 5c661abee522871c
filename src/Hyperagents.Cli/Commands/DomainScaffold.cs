using Hyperagents.Domains;

namespace Hyperagents.Cli.Commands;

/// <summary>The files <c>hyperagents new domain</c> and <c>new agent</c> write.</summary>
internal static class DomainScaffold
{
    public static IEnumerable<(string Path, string Text)> Files(string name, string kind) => kind switch
    {
        "text" => Text(name),
        "csharp" => CSharp(name),
        _ => Json(name),
    };

    public static string SolverStub(string domain, AnswerKind kind)
    {
        var body = kind switch
        {
            AnswerKind.Text => "        return Task.FromResult(Guess.ToString(CultureInfo.InvariantCulture));",
            AnswerKind.CSharp => "        return Task.FromResult(\"public static class Solution { public static int Sum(int[] xs) { var s = 0; foreach (var x in xs) s += x; return s + \" + Guess.ToString(CultureInfo.InvariantCulture) + \"; } }\");",
            _ => "        return Task.FromResult(\"{\\\"x\\\": \" + Guess.ToString(\"R\", CultureInfo.InvariantCulture) + \"}\");",
        };
        // Not 0: the offline engine multiplies real literals by exp(N(0, scale)), which leaves 0 at 0.
        var constant = kind == AnswerKind.Json ? "private const double Guess = /*@range(-100, 100)*/ 1.0;" : "private const int Guess = /*@range(0, 100)*/ 1;";
        return $$"""
            {{OfflineTargets.DomainMarker}}{{domain}}
            using System.Globalization;
            using System.Threading.Tasks;
            using Hyperagents;

            namespace Seed.Solvers;

            /// <summary>The solver for domain '{{domain}}' ({{kind.ToString().ToLowerInvariant()}} answers). TaskAgent dispatches its tasks here and the
            /// offline engine mutates the marked constants of this file; replace the stub with a real solver.</summary>
            internal static class Solver
            {
                {{constant}}

                public static Task<string> SolveAsync(TaskContext context)
                {
                    // context.Task: Id, Description, Parameters (strings), Input; context.Random is seeded per task.
            {{body}}
                }
            }

            """;
    }

    private static IEnumerable<(string, string)> Json(string name)
    {
        yield return ("domain.json", $$"""
            {
              "schema": "hyperagents.domain/1",
              "name": "{{name}}",
              "version": "0.1.0",
              "description": "Answer {\"x\": number} as close to the task's target parameter as you can.",
              "answer": "json",
              "score": { "direction": "higher", "normalise": "reference" },
              "limits": { "evaluationMilliseconds": 10000, "memoryMegabytes": 512, "feedbackChars": 1024 },
              "defaultTask": "v1",
              "tasks": [
                { "id": "t1", "split": "train", "parameters": { "target": 3 }, "reference": 1 },
                { "id": "t2", "split": "train", "parameters": { "target": -4 }, "reference": 1 },
                { "id": "t3", "split": "train", "parameters": { "target": 10 }, "reference": 1 },
                { "id": "v1", "split": "val", "parameters": { "target": 7 }, "reference": 1 },
                { "id": "v2", "split": "val", "parameters": { "target": 0.5 }, "reference": 1 },
                { "id": "x1", "split": "test", "parameters": { "target": 42 }, "reference": 1 }
              ]
            }

            """);
        yield return ("evaluator/Evaluator.cs", """
            using System.Globalization;

            /// <summary>Raw figure 1 / (1 + |x − target|): 1 for an exact answer, towards 0 far away.</summary>
            public sealed class Evaluator : IEvaluator
            {
                public EvaluationResult Evaluate(EvalInput input)
                {
                    using var doc = JsonDocument.Parse(input.Answer);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("x", out var x) || x.ValueKind != JsonValueKind.Number)
                    {
                        return EvaluationResult.Invalid("expected {\"x\": number}");
                    }

                    var target = double.Parse(input.Task.Parameters["target"], CultureInfo.InvariantCulture);
                    var distance = Math.Abs(x.GetDouble() - target);
                    return double.IsFinite(distance)
                        ? EvaluationResult.Ok(1 / (1 + distance), $"|x - target| = {distance.ToString("R", CultureInfo.InvariantCulture)}")
                        : EvaluationResult.Invalid("x is too large");
                }
            }

            """);
        yield return ("README.md", Readme(name, "json", "`{\"x\": number}`; raw = 1 / (1 + |x − target|), score = raw ÷ reference (1)."));
    }

    private static IEnumerable<(string, string)> Text(string name)
    {
        yield return ("domain.json", $$"""
            {
              "schema": "hyperagents.domain/1",
              "name": "{{name}}",
              "version": "0.1.0",
              "description": "Answer the question in the task input with a number, as plain text.",
              "answer": "text",
              "score": { "direction": "higher", "normalise": "raw" },
              "defaultTask": "v1",
              "tasks": [
                { "id": "t1", "split": "train", "input": "What is 2 + 3?", "data": "data/expected.json" },
                { "id": "t2", "split": "train", "input": "What is 7 * 6?", "data": "data/expected.json" },
                { "id": "t3", "split": "train", "input": "What is 10 - 4?", "data": "data/expected.json" },
                { "id": "v1", "split": "val", "input": "What is 9 + 9?", "data": "data/expected.json" },
                { "id": "v2", "split": "val", "input": "What is 3 * 3?", "data": "data/expected.json" },
                { "id": "x1", "split": "test", "input": "What is 100 - 1?", "data": "data/expected.json" }
              ]
            }

            """);
        yield return ("data/expected.json", """
            { "t1": "5", "t2": "42", "t3": "6", "v1": "18", "v2": "9", "x1": "99" }

            """);
        yield return ("evaluator/Evaluator.cs", """
            /// <summary>Raw figure 1 when the trimmed answer equals the expected one, else 0. Only train feedback shows the
            /// expected answer (val and test feedback never reaches agents anyway).</summary>
            public sealed class Evaluator : IEvaluator
            {
                public EvaluationResult Evaluate(EvalInput input)
                {
                    using var expected = JsonDocument.Parse(input.Data.ReadText(input.Task.DataFile!));
                    var want = expected.RootElement.GetProperty(input.Task.Id).GetString()!;
                    if (input.Answer.Trim() == want)
                    {
                        return EvaluationResult.Ok(1, "correct");
                    }

                    return EvaluationResult.Ok(0, input.Task.Split == "train" ? $"wrong: expected {want}" : "wrong");
                }
            }

            """);
        yield return ("README.md", Readme(name, "text", "plain text; raw = 1 when it equals the expected answer in `data/expected.json`, else 0; score = raw."));
    }

    private static IEnumerable<(string, string)> CSharp(string name)
    {
        yield return ("domain.json", $$"""
            {
              "schema": "hyperagents.domain/1",
              "name": "{{name}}",
              "version": "0.1.0",
              "description": "Write public static class Solution with public static int Sum(int[] xs) returning the sum of xs.",
              "answer": "csharp",
              "entry": { "type": "Solution", "method": "Sum", "parameters": ["int[]"], "returns": "int" },
              "score": { "direction": "higher", "normalise": "raw" },
              "defaultTask": "v1",
              "tasks": [
                { "id": "t1", "split": "train", "calls": [[[1, 2, 3]], [[5]]], "data": "data/t1.json" },
                { "id": "t2", "split": "train", "calls": [[[]], [[-1, 1]]], "data": "data/t2.json" },
                { "id": "v1", "split": "val", "calls": [[[10, 20]], [[7, 7, 7]]], "data": "data/v1.json" },
                { "id": "x1", "split": "test", "calls": [[[100]], [[2, 2]]], "data": "data/x1.json" }
              ]
            }

            """);
        yield return ("data/t1.json", "[6, 5]\n");
        yield return ("data/t2.json", "[0, 0]\n");
        yield return ("data/v1.json", "[30, 21]\n");
        yield return ("data/x1.json", "[100, 4]\n");
        yield return ("evaluator/Evaluator.cs", """
            /// <summary>Raw figure: the fraction of calls whose JSON result equals the expected one in the task's data file.</summary>
            public sealed class Evaluator : IEvaluator
            {
                public EvaluationResult Evaluate(EvalInput input)
                {
                    var runs = input.CodeRuns!;
                    if (!runs.Compiled)
                    {
                        return EvaluationResult.Invalid("does not compile: " + runs.CompileError);
                    }

                    using var expected = JsonDocument.Parse(input.Data.ReadText(input.Task.DataFile!));
                    var want = expected.RootElement.EnumerateArray().Select(e => e.GetRawText()).ToList();
                    var passed = 0;
                    for (var i = 0; i < want.Count && i < runs.Runs.Count; i++)
                    {
                        if (runs.Runs[i].Ok && runs.Runs[i].OutputJson == want[i])
                        {
                            passed++;
                        }
                    }

                    return EvaluationResult.Ok((double)passed / want.Count, $"{passed}/{want.Count} calls right");
                }
            }

            """);
        yield return ("README.md", Readme(name, "csharp", "C# source defining `Solution.Sum(int[])`; the runtime calls it on each task's `calls` and the evaluator compares the results with `data/<task>.json`; score = fraction right."));
    }

    private static string Readme(string name, string kind, string answer) => $"""
        # {name}

        A Hyperagents domain package ({kind} answers), written by `hyperagents new domain`. See docs/domains.md of
        Hyperagents for every manifest field and the evaluator API.

        - `domain.json`: name, score direction and normalisation, limits, tasks per split.
        - `evaluator/Evaluator.cs`: the one `IEvaluator`; compiled under the evaluator policy (no IO, clock, threads,
          reflection), run in a worker process with the limits above.
        - `data/`: files only the evaluator reads (agents never see them).

        Answers: {answer}

        ```sh
        hyperagents domains ./{name}
        hyperagents new agent {name}-agent --domain ./{name}
        hyperagents run --domain ./{name} --seed-agent {name}-agent --isolation native
        ```

        """;
}
