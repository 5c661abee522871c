using System.Text.Json;
using Hyperagents.Coding;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Engine.Tests;

/// <summary>The coding domain: C#-source answers compiled through the agent gate and run in the Wasmtime sandbox, one
/// call per input, against the problems in <c>packages/coding/data/problems.jsonl</c>.</summary>
[Collection("sandbox-runs")]
public sealed class CodingTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static readonly Lazy<IReadOnlyList<CodingProblem>> LazyProblems = new(() =>
        CodingEvaluator.ParseAll(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Coding", "Data", "problems.jsonl"))));

    private static IReadOnlyList<CodingProblem> Problems => LazyProblems.Value;

    private static CodingProblem Problem(string id) => Problems.Single(p => p.Id == id);

    private static string Reference(string id) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Coding", "Solutions", id + ".cs"));

    private static CodeEntry Entry(CodingProblem p) => new(p.TypeName, p.MethodName, p.ParameterTypes, p.ReturnType);

    private CodeAnswerRunner Runner(RunLimits? limits = null) =>
        new(TestRuns.Compiler, sandbox.Runner, limits is null ? new CodeAnswerRunnerOptions() : new CodeAnswerRunnerOptions { Limits = limits });

    private async Task<(CodeRunReport Report, CodingVerdict Verdict)> ScoreAsync(CodingProblem problem, string source, RunLimits? limits = null)
    {
        var report = await Runner(limits).RunAsync(source, Entry(problem), CodingEvaluator.Calls(problem), CancellationToken.None);
        return (report, CodingEvaluator.Score(problem, report.Compiled, report.CompileError, report.Runs.Select(r => new CodingRun(r.Ok, r.OutputJson, r.Error)).ToList()));
    }

    [Fact]
    public async Task A_correct_solution_scores_one()
    {
        var (report, verdict) = await ScoreAsync(Problem("two-sum"), Reference("two-sum"));

        Assert.True(report.Compiled, report.CompileError);
        Assert.True(verdict.Valid);
        Assert.Equal(1.0, verdict.Score);
        Assert.Equal(Problem("two-sum").Tests.Count, verdict.Raw);
        Assert.StartsWith("Compiled. Visible examples: 2 of 2 passed.", verdict.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partly_wrong_solution_scores_strictly_between_zero_and_one_and_its_feedback_shows_only_the_examples()
    {
        var problem = Problem("sum-of-evens");
        // Forgets the negative even numbers.
        var (report, verdict) = await ScoreAsync(problem, "public static class Solution { public static int SumEvens(int[] nums) => nums.Where(n => n > 0 && n % 2 == 0).Sum(); }");

        Assert.True(report.Compiled, report.CompileError);
        Assert.InRange(verdict.Score, 0.01, 0.99);
        Assert.Equal(verdict.Raw / problem.Tests.Count, verdict.Score);
        Assert.Contains("Visible examples: 2 of 2 passed.", verdict.Feedback, StringComparison.Ordinal);
        Assert.All(problem.Tests.Where(t => t.ArgsJson.Length > 8), t => Assert.DoesNotContain(t.ArgsJson, verdict.Feedback, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gate_violating_answer_is_refused_with_the_gates_own_message()
    {
        const string line = "    public static int SumEvens(int[] nums) => System.IO.File.ReadAllText(\"/etc/hostname\").Length;";
        var (report, verdict) = await ScoreAsync(Problem("sum-of-evens"), "public static class Solution\n{\n" + line + "\n}\n");

        // The same call in agent code: the gate's message must be the one the answer gets.
        var agent = TestRuns.Agent("Base");
        agent["task/Probe.cs"] = "public static class Probe\n{\n" + line + "\n}\n";
        var gate = TestRuns.Compiler.Compile(AgentSource.FromFiles(agent)).Report.Diagnostics.First(d => d.File == "task/Probe.cs");

        Assert.False(report.Compiled);
        Assert.Empty(report.Runs);
        Assert.StartsWith("HA", gate.Id, StringComparison.Ordinal);
        Assert.Contains($"answer(3,{gate.Column}): {gate.Id}: {gate.Message}", report.CompileError, StringComparison.Ordinal);
        Assert.False(verdict.Valid);
        Assert.Equal(0, verdict.Score);
        Assert.Contains(gate.Message, verdict.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("while (n == 9) { }", "out-of-fuel")]
    [InlineData("if (n == 9) return DigitSum(n + 0 * DigitSum(n));", "stack-overflow")]
    [InlineData("var keep = new List<long[]>(); while (n == 9) keep.Add(new long[1 << 20]);", "out-of-memory")]
    public async Task A_fault_in_one_input_is_bounded_and_the_other_inputs_keep_their_results(string fault, string label)
    {
        var problem = Problem("digit-sum");
        var source = $$"""
            public static class Solution
            {
                public static int DigitSum(long n)
                {
                    {{fault}}
                    var sum = 0;
                    for (var u = Math.Abs(n); u > 0; u /= 10) sum += (int)(u % 10);
                    return sum;
                }
            }
            """;
        var calls = new[] { "[123]", "[9]", "[-45]" };
        var limits = new CodeAnswerRunnerOptions().Limits with { Fuel = 200_000_000, WallClock = TimeSpan.FromMinutes(2), MemoryBytes = 128L * 1024 * 1024 };

        var report = await Runner(limits).RunAsync(source, Entry(problem), calls, CancellationToken.None);

        Assert.True(report.Compiled, report.CompileError);
        Assert.Equal(3, report.Runs.Count);
        Assert.Equal(new CodeRun(true, "6", null), report.Runs[0]);
        Assert.False(report.Runs[1].Ok);
        Assert.StartsWith(label, report.Runs[1].Error, StringComparison.Ordinal);
        Assert.Equal(new CodeRun(true, "9", null), report.Runs[2]);
    }

    [Fact]
    public async Task An_answer_cannot_replace_the_harness_with_its_own_entry_point()
    {
        var problem = Problem("sum-of-evens");
        const string source = """
            public static class Solution { public static int SumEvens(int[] nums) => 0; }
            public static class Forger
            {
                public static Task<string> SolveTask(TaskContext context) => Task.FromResult("6");
                public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
            }
            """;

        var report = await Runner().RunAsync(source, Entry(problem), CodingEvaluator.Calls(problem), CancellationToken.None);

        Assert.False(report.Compiled);
        Assert.Contains("SolveTask", report.CompileError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exception_in_one_input_fails_that_run_only()
    {
        var problem = Problem("second-largest");
        const string source = """
            public static class Solution
            {
                public static int SecondLargest(int[] nums) => nums.Distinct().OrderByDescending(x => x).ElementAt(1);
            }
            """;

        var report = await Runner().RunAsync(source, Entry(problem), ["[[4,1,3,4]]", "[[2,2]]", "[[5,9]]"], CancellationToken.None);

        Assert.True(report.Compiled, report.CompileError);
        Assert.Equal(new CodeRun(true, "3", null), report.Runs[0]);
        Assert.False(report.Runs[1].Ok);
        Assert.StartsWith("guest-exception: System.ArgumentOutOfRangeException", report.Runs[1].Error, StringComparison.Ordinal);
        Assert.Equal(new CodeRun(true, "5", null), report.Runs[2]);
    }

    [Fact]
    public async Task A_batch_of_inputs_gives_each_input_its_own_result_and_an_exception_fails_only_its_input()
    {
        var problem = Problem("second-largest");
        const string source = """
            public static class Solution
            {
                public static int SecondLargest(int[] nums) => nums.Distinct().OrderByDescending(x => x).ElementAt(1);
            }
            """;

        var report = await Runner().RunBatchAsync(source, Entry(problem), ["[[4,1,3,4]]", "[[2,2]]", "[[5,9]]"], CancellationToken.None);

        Assert.True(report.Compiled, report.CompileError);
        Assert.Equal(3, report.Runs.Count);
        Assert.Equal(new CodeRun(true, "3", null), report.Runs[0]);
        Assert.False(report.Runs[1].Ok);
        Assert.StartsWith("guest-exception: ", report.Runs[1].Error, StringComparison.Ordinal);
        Assert.Equal(new CodeRun(true, "5", null), report.Runs[2]);
    }

    [Fact]
    public async Task A_wrong_signature_gets_a_compile_error_that_names_the_expected_one()
    {
        var problem = Problem("two-sum");
        const string source = "public static class Solution { public static int[] TwoSum(List<int> nums, int target) => []; }";

        var report = await Runner().RunAsync(source, Entry(problem), CodingEvaluator.Calls(problem), CancellationToken.None);

        Assert.False(report.Compiled);
        Assert.Contains("The answer must define 'public static int[] TwoSum(int[], int)' in a public class 'Solution'", report.CompileError, StringComparison.Ordinal);
        Assert.DoesNotContain("AnswerHarness", report.CompileError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_reference_solution_passes_every_example_and_hidden_test_in_the_sandbox()
    {
        // One compile and one sandbox call per problem (all its inputs in one batch), against the same expected results
        // and comparison the evaluator uses; a wrong reference solution or a wrong hidden test fails it all the same.
        var failures = new List<string>();
        foreach (var problem in Problems)
        {
            var report = await Runner().RunBatchAsync(Reference(problem.Id), Entry(problem), CodingEvaluator.Calls(problem), CancellationToken.None);
            var verdict = CodingEvaluator.Score(problem, report.Compiled, report.CompileError, report.Runs.Select(r => new CodingRun(r.Ok, r.OutputJson, r.Error)).ToList());
            var examples = report.Runs.Take(problem.Examples.Count).Select((r, i) => CodingEvaluator.Passes(problem.Compare, problem.Examples[i].ExpectedJson, new CodingRun(r.Ok, r.OutputJson, r.Error)));
            if (!report.Compiled || verdict.Score != 1 || !examples.All(x => x))
            {
                failures.Add($"{problem.Id}: score {verdict.Score}; {verdict.Feedback}; {string.Join(" | ", report.Runs.Where(r => !r.Ok).Select(r => r.Error))}");
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void The_problems_are_at_least_forty_well_formed_and_split_from_easy_to_hard()
    {
        Assert.True(Problems.Count >= 40, $"{Problems.Count} problems");
        Assert.Equal(Problems.Count, Problems.Select(p => p.Id).Distinct().Count());
        Assert.True(Problems.Count(p => p.Split == "train") >= 24);
        Assert.True(Problems.Count(p => p.Split == "val") >= 8);
        Assert.True(Problems.Count(p => p.Split == "test") >= 8);
        Assert.Equal(Problems.Count, Problems.Count(p => p.Split is "train" or "val" or "test"));
        foreach (var split in new[] { "train", "val", "test" })
        {
            Assert.True(Problems.Where(p => p.Split == split).Select(p => p.Difficulty).Distinct().Count() >= 3, $"{split} spans too few difficulties");
        }

        Assert.All(Problems, p =>
        {
            Assert.InRange(p.Difficulty, 1, 5);
            Assert.True(p.Tests.Count >= 8, $"{p.Id} has {p.Tests.Count} hidden tests");
            Assert.NotEmpty(p.Examples);
            Assert.Contains($" {p.MethodName}(", p.Signature, StringComparison.Ordinal);
            Assert.All(p.ParameterTypes.Append(p.ReturnType), t => Assert.True(CodeHarness.IsSupported(t), $"{p.Id}: {t}"));
            Assert.All(p.Examples.Concat(p.Tests), c => Assert.Equal(p.ParameterTypes.Count, JsonDocument.Parse(c.ArgsJson).RootElement.GetArrayLength()));
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Coding", "Solutions", p.Id + ".cs")), $"{p.Id} has no reference solution");
        });
    }

    [Fact]
    public void No_constant_answer_passes_more_than_half_of_any_problems_hidden_tests()
    {
        // A stub returning a default value (0, false, "", []) is one constant; so is every expected value.
        Assert.All(Problems, p =>
        {
            var constants = p.Tests.Select(t => t.ExpectedJson).Concat(["0", "false", "true", "\"\"", "[]", "null"]).Distinct();
            foreach (var constant in constants)
            {
                var passed = p.Tests.Count(t => CodingEvaluator.Passes(p.Compare, t.ExpectedJson, new CodingRun(true, constant, null)));
                Assert.True(passed * 2 <= p.Tests.Count, $"{p.Id}: the constant {constant} passes {passed} of {p.Tests.Count} hidden tests");
            }
        });
    }

    [Fact]
    public async Task The_seed_answers_a_coding_task_offline_with_a_stub_that_compiles_and_scores_zero()
    {
        var seed = TestRuns.Compiler.Compile(AgentSource.FromDirectory(Path.Combine(AppContext.BaseDirectory, "seeds", "default")));
        Assert.True(seed.Success, string.Join("\n", seed.Report.Diagnostics));
        foreach (var id in new[] { "two-sum", "spiral-order", "word-break-count" })
        {
            var problem = Problem(id);
            var task = new TaskSpec("coding", problem.Id, CodingEvaluator.Prompt(problem), new Dictionary<string, string>(), CodingEvaluator.TaskInput(problem));
            var outcome = await sandbox.Runner.SolveTaskAsync(seed.Agent!, new TaskInvocation(task, 1), AgentSession.ForTask(null, new SessionOptions()), new RunLimits(), CancellationToken.None);
            Assert.True(outcome.IsCompleted, outcome.Detail);

            var (report, verdict) = await ScoreAsync(problem, CodingEvaluator.Source(outcome.Answer!));

            Assert.True(report.Compiled, report.CompileError);
            Assert.Equal(0, verdict.Score);
            Assert.All(report.Runs, r => Assert.Contains("NotImplementedException", r.Error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_task_input_shows_the_examples_but_never_the_hidden_tests()
    {
        var problem = Problem("merge-intervals");
        var input = CodingEvaluator.TaskInput(problem);
        var prompt = CodingEvaluator.Prompt(problem);

        using var document = JsonDocument.Parse(input);
        Assert.Equal(problem.Signature, document.RootElement.GetProperty("signature").GetString());
        Assert.Equal(problem.Examples.Count, document.RootElement.GetProperty("examples").GetArrayLength());
        Assert.False(document.RootElement.TryGetProperty("tests", out _));
        Assert.Contains(problem.Signature, prompt, StringComparison.Ordinal);
        Assert.All(problem.Tests.Where(t => t.ArgsJson.Length > 12), t =>
        {
            Assert.DoesNotContain(t.ArgsJson, input, StringComparison.Ordinal);
            Assert.DoesNotContain(t.ArgsJson, prompt, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_coding_packages_task_file_is_derived_from_its_problems_and_holds_no_expected_result()
    {
        // The package's tasks (data/tasks.jsonl) are what agents see (description, input) and what the runtime calls
        // (entry, calls); the expected results stay in data/problems.jsonl, which only the evaluator reads.
        // HYPERAGENTS_WRITE_CODING_TASKS=1 rewrites the file after the problems change.
        var package = Path.Combine(FindUp(Path.Combine("src", "Hyperagents.Domains", "packages", "coding")));
        var expected = TaskFile(CodingEvaluator.ParseAll(File.ReadAllText(Path.Combine(package, "data", "problems.jsonl"))));
        var path = Path.Combine(package, "data", "tasks.jsonl");
        if (Environment.GetEnvironmentVariable("HYPERAGENTS_WRITE_CODING_TASKS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.Equal(expected, File.ReadAllText(path));
        foreach (var line in expected.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var task = JsonDocument.Parse(line);
            Assert.Equal(["calls", "data", "description", "entry", "id", "input", "parameters", "split"], task.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            using var input = JsonDocument.Parse(task.RootElement.GetProperty("input").GetString()!);
            Assert.False(input.RootElement.TryGetProperty("tests", out _));
        }
    }

    private static string TaskFile(IReadOnlyList<CodingProblem> problems)
    {
        var text = new System.Text.StringBuilder();
        foreach (var p in problems)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("id", p.Id);
                w.WriteString("split", p.Split);
                w.WriteString("description", CodingEvaluator.Prompt(p));
                w.WriteString("input", CodingEvaluator.TaskInput(p));
                w.WriteStartObject("parameters");
                w.WriteString("title", p.Title);
                w.WriteString("difficulty", p.Difficulty.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
                CodingEvaluator.WriteEntry(w, p);
                w.WriteStartArray("calls");
                foreach (var call in CodingEvaluator.Calls(p))
                {
                    w.WriteRawValue(call);
                }

                w.WriteEndArray();
                w.WriteString("data", "data/problems.jsonl");
                w.WriteEndObject();
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }

        return text.ToString();
    }

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, relative)))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new DirectoryNotFoundException($"No '{relative}' above {AppContext.BaseDirectory}.");
    }
}
