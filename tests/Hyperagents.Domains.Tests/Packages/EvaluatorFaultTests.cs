using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>One faulty evaluator, driven by the answer text, in one evaluator worker shared by the tests of this class.</summary>
public sealed class FaultyPackage : IDisposable
{
    public const string Evaluator = """
        public sealed class Faulty : IEvaluator
        {
            public EvaluationResult Evaluate(EvalInput input)
            {
                switch (input.Answer)
                {
                    case "throw": throw new InvalidOperationException("boom");
                    case "loop": while (true) { } 
                    case "nan": return EvaluationResult.Ok(double.NaN, "nan");
                    case "infinity": return EvaluationResult.Ok(double.PositiveInfinity);
                    case "flood": return EvaluationResult.Ok(1, new string('x', 5_000_000));
                    case "bomb":
                        var hoard = new List<long[]>();
                        while (true) { hoard.Add(new long[1 << 20]); }
                    case "recurse": return Recurse(0);
                    case "escape": return EvaluationResult.Ok(input.Data.ReadText("../../domain.json").Length);
                    case "null": return null!;
                    default: return EvaluationResult.Ok(input.Answer.Length, "ok");
                }
            }

            // The call is not in tail position, so no JIT can turn it into a loop (which would end after 2^31 steps).
            private static EvaluationResult Recurse(int depth)
            {
                var inner = Recurse(depth + 1);
                return depth == int.MinValue ? EvaluationResult.Ok(0) : inner;
            }
        }
        """;

    public FaultyPackage()
    {
        var manifest = """
            {
              "name": "faulty",
              "answer": "text",
              "score": { "normalise": "raw" },
              "limits": { "evaluationMilliseconds": 3000, "memoryMegabytes": 256, "feedbackChars": 200 },
              "tasks": [ { "id": "t", "split": "train" } ]
            }
            """;
        Domain = TestPackages.Open(TestPackages.Write(Evaluator, manifest));
        Task = TestPackages.Task(Domain, "t");
    }

    public PackageDomain Domain { get; }

    public TaskSpec Task { get; }

    public TaskScore Evaluate(string answer) => Domain.Evaluate(Task, answer);

    public void Dispose() => Domain.Dispose();
}

/// <summary>Evaluator faults are bounded, named and never a crash or a silent zero; the worker recovers for the next
/// answer.</summary>
public sealed class EvaluatorFaultTests(FaultyPackage package) : IClassFixture<FaultyPackage>
{
    [Fact]
    public void An_evaluator_that_throws_is_an_evaluation_failure_naming_the_exception()
    {
        var score = package.Evaluate("throw");
        Assert.False(score.Valid);
        Assert.Contains("InvalidOperationException: boom", score.Fault, StringComparison.Ordinal);
        Assert.Contains("evaluator failure in domain package 'faulty'", score.Feedback, StringComparison.Ordinal);
        Assert.True(package.Evaluate("fine").Valid);
    }

    [Fact]
    public void An_evaluator_that_never_returns_is_killed_at_its_deadline_and_the_next_answer_is_scored()
    {
        var score = package.Evaluate("loop");
        Assert.Contains("deadline", score.Fault, StringComparison.Ordinal);
        var next = package.Evaluate("fine");
        Assert.True(next.Valid, next.Feedback);
        Assert.Equal(4, next.Raw);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("infinity")]
    public void A_non_finite_figure_is_an_evaluation_failure_not_a_score(string answer)
    {
        var score = package.Evaluate(answer);
        Assert.Contains("finite", score.Fault, StringComparison.Ordinal);
        Assert.Equal(0, score.Score);
    }

    [Fact]
    public void Huge_feedback_is_cut_to_the_package_limit()
    {
        var score = package.Evaluate("flood");
        Assert.True(score.Valid);
        Assert.Null(score.Fault);
        Assert.InRange(score.Feedback.Length, 1, 200);
    }

    [Fact]
    public void A_memory_bomb_ends_at_the_package_memory_limit_and_the_next_answer_is_scored()
    {
        var score = package.Evaluate("bomb");
        Assert.Contains("memory", score.Fault, StringComparison.Ordinal);
        Assert.True(package.Evaluate("fine").Valid);
    }

    [Fact]
    public void Endless_recursion_ends_the_worker_not_the_host()
    {
        var score = package.Evaluate("recurse");
        Assert.NotNull(score.Fault);
        Assert.Contains("its stack overflowed (endless or very deep recursion in the evaluator)", score.Fault, StringComparison.Ordinal);
        Assert.True(package.Evaluate("fine").Valid);
    }

    [Fact]
    public void Package_data_is_reachable_by_package_path_only()
    {
        var score = package.Evaluate("escape");
        Assert.Contains("KeyNotFoundException", score.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_result_is_an_evaluation_failure()
    {
        Assert.Contains("null", package.Evaluate("null").Fault, StringComparison.Ordinal);
    }
}

/// <summary>The evaluator policy refuses what an evaluator has no business doing, before any answer is scored.</summary>
public sealed class EvaluatorPolicyTests
{
    [Fact]
    public void Files_environment_clock_threads_reflection_console_and_network_are_refused_when_the_package_loads()
    {
        var evaluator = TestPackages.EvaluatorWithBody("""
                    var a = System.IO.File.ReadAllText("/etc/hostname");
                    var b = Environment.GetEnvironmentVariable("HOME");
                    var c = DateTime.Now;
                    var d = new System.Threading.Thread(() => { });
                    var e = typeof(object).Assembly.GetTypes();
                    Console.WriteLine("x");
                    var f = System.Threading.Tasks.Task.Run(() => 1);
                    var g = new System.Net.Http.HttpClient();
                    var h = new Random();
                    return EvaluationResult.Ok(0);
            """);
        var ex = Assert.Throws<DomainPackageException>(() => TestPackages.Open(TestPackages.Write(evaluator)));
        foreach (var name in new[] { "System.IO.File", "System.Environment", "DateTime.Now", "System.Threading.Thread", "Assembly", "System.Console", "System.Threading.Tasks", "System.Net.Http", "System.Random" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_package_without_exactly_one_evaluator_class_is_refused_with_the_fix()
    {
        var ex = Assert.Throws<DomainPackageException>(() => TestPackages.Open(TestPackages.Write("public sealed class NotAnEvaluator { }")));
        Assert.Contains("define exactly one", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_evaluator_nested_too_deep_for_the_parser_is_refused_with_the_line_not_a_crashed_worker()
    {
        var deep = new string('(', 20_000) + "1" + new string(')', 20_000);
        var ex = Assert.Throws<DomainPackageException>(() => TestPackages.Open(TestPackages.Write(
            "public sealed class Evaluator : IEvaluator\n{\n    public EvaluationResult Evaluate(EvalInput input) => EvaluationResult.Ok(" + deep + ", \"\");\n}\n")));
        Assert.Contains("evaluator/Evaluator.cs(3,1): HA0021 Brackets nest more than 256 levels deep", ex.Message, StringComparison.Ordinal);
    }
}
