using System.Text;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Domains.Tests.Packages;

namespace Hyperagents.Domains.Tests;

public sealed class DatasetDomainTests
{
    private static DomainPackage Parse(string text, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetPackage.DefaultTolerance) =>
        DatasetPackage.Generate("test.jsonl", Encoding.UTF8.GetBytes(text), DomainCatalog.DatasetEvaluator(), match, tolerance);

    [Fact]
    public void Shipped_example_file_loads_with_all_three_splits()
    {
        var package = DatasetPackage.Load(Some.DataPath("arithmetic.jsonl"), DomainCatalog.DatasetEvaluator());
        using var domain = EvaluatorWorker.Open(package, TestPackages.Launch);

        Assert.Equal(18, domain.GetTasks(Split.Train).Count);
        Assert.Equal(6, domain.GetTasks(Split.Val).Count);
        Assert.Equal(6, domain.GetTasks(Split.Test).Count);
        var first = domain.GetTasks(Split.Train)[0];
        Assert.Equal("line-1", first.Id);
        Assert.Equal("What is 17 + 25?", first.Input);
        Assert.Equal("numeric", first.Parameters["match"]);
        Assert.Equal(1, domain.Evaluate(first, " 42\n").Score);
        Assert.Equal(File.ReadAllBytes(Some.DataPath("arithmetic.jsonl")), package.Files[DatasetPackage.DataPath]);
    }

    [Fact]
    public void Expected_answers_never_appear_in_task_specs_or_any_package_file_but_the_data()
    {
        var package = Parse("""
            {"input": "q1", "expected": "SECRET-TRAIN", "split": "train"}
            {"input": "q2", "expected": "SECRET-VAL", "split": "val"}
            {"input": "q3", "expected": "SECRET-TEST", "split": "test"}
            """);

        foreach (var task in package.Tasks)
        {
            var visible = task.Description + task.Input + task.Id + string.Join(",", task.Parameters.Select(p => p.Key + p.Value));
            Assert.DoesNotContain("SECRET", visible, StringComparison.Ordinal);
        }

        Assert.Equal([DatasetPackage.DataPath], package.Files.Where(f => Encoding.UTF8.GetString(f.Value).Contains("SECRET", StringComparison.Ordinal)).Select(f => f.Key));
    }

    [Fact]
    public void Feedback_reveals_the_expected_answer_for_train_tasks_only()
    {
        var domain = DatasetDomains.Open("""
            {"input": "q1", "expected": "SECRET-TRAIN", "split": "train"}
            {"input": "q2", "expected": "SECRET-VAL", "split": "val"}
            {"input": "q3", "expected": "SECRET-TEST", "split": "test"}
            """);

        Assert.Contains("SECRET-TRAIN", domain.Evaluate(domain.GetTasks(Split.Train)[0], "wrong").Feedback, StringComparison.Ordinal);
        var val = domain.Evaluate(domain.GetTasks(Split.Val)[0], "wrong");
        var test = domain.Evaluate(domain.GetTasks(Split.Test)[0], "wrong");
        Assert.DoesNotContain("SECRET", val.Feedback + test.Feedback, StringComparison.Ordinal);
        Assert.Equal(0, test.Score);
        Assert.Equal(1, domain.Evaluate(domain.GetTasks(Split.Test)[0], "SECRET-TEST").Score);
    }

    [Fact]
    public void A_line_match_field_overrides_the_file_mode()
    {
        var domain = DatasetDomains.Open("""
            {"input": "a", "expected": "Paris", "split": "train", "match": "case-insensitive"}
            {"input": "b", "expected": "Paris", "split": "train"}
            """);

        Assert.Equal(1, domain.Evaluate(domain.GetTasks(Split.Train)[0], "PARIS").Score);
        Assert.Equal(0, domain.Evaluate(domain.GetTasks(Split.Train)[1], "PARIS").Score);
    }

    [Fact]
    public void Missing_split_is_assigned_deterministically_by_hash_into_roughly_60_20_20()
    {
        var lines = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $$"""{"input": "question {{i}}", "expected": "{{i}}"}"""));

        var a = Parse(lines);
        var b = Parse(lines);

        Assert.Equal(a.Hash, b.Hash);
        Assert.InRange(a.Tasks.Count(t => t.Split == Split.Train), 540, 660);
        Assert.InRange(a.Tasks.Count(t => t.Split == Split.Val), 150, 250);
        Assert.InRange(a.Tasks.Count(t => t.Split == Split.Test), 150, 250);
        foreach (var task in a.Tasks)
        {
            Assert.Equal(DatasetPackage.AssignSplit(task.Input!), task.Split);
        }
    }

    [Theory]
    [InlineData("{\"input\": \"q\"}", 2, "missing field \"expected\"")]
    [InlineData("{\"expected\": \"a\"}", 2, "missing field \"input\"")]
    [InlineData("{\"input\": \"q\", \"expected\": \"a\"", 2, "not valid JSON")]
    [InlineData("[1, 2]", 2, "not a JSON object")]
    [InlineData("{\"input\": 5, \"expected\": \"a\"}", 2, "\"input\" must be a string")]
    [InlineData("{\"input\": \"q\", \"expected\": \"a\", \"split\": \"validation\"}", 2, "unknown split \"validation\"")]
    [InlineData("{\"input\": \"q\", \"expected\": \"a\", \"match\": \"fuzzy\"}", 2, "\"match\" must be")]
    [InlineData("{\"input\": \"q\", \"expected\": \"abc\", \"match\": \"numeric\"}", 2, "numeric matching needs a numeric")]
    [InlineData("{\"input\": \"q\", \"expected\": \"a\", \"id\": \"line-1\"}", 2, "duplicate id \"line-1\"")]
    public void Malformed_lines_are_reported_with_their_line_number(string badLine, int lineNumber, string problem)
    {
        var text = "{\"input\": \"ok\", \"expected\": \"ok\"}\n" + badLine + "\n";

        var error = Assert.Throws<DatasetFormatException>(() => Parse(text));

        Assert.Equal(lineNumber, error.LineNumber);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"test.jsonl:{lineNumber}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_lines_are_skipped_but_counted()
    {
        var error = Assert.Throws<DatasetFormatException>(() => Parse("\n\n{\"input\": \"q\", \"expected\": \"a\"}\n\n{oops}\n"));

        Assert.Equal(5, error.LineNumber);
    }

    [Fact]
    public void Empty_file_and_missing_file_are_clear_errors()
    {
        Assert.Contains("no examples", Assert.Throws<DatasetFormatException>(() => Parse("\n \n")).Message, StringComparison.Ordinal);

        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.jsonl");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetPackage.Load(missing, DomainCatalog.DatasetEvaluator()));
        Assert.Equal(0, error.LineNumber);
        Assert.Contains("cannot read the dataset file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generated_package_is_content_addressed_by_the_dataset_and_the_match_settings()
    {
        var a = Parse("{\"input\": \"q\", \"expected\": \"1\"}");

        Assert.Equal(a.Hash, Parse("{\"input\": \"q\", \"expected\": \"1\"}").Hash);
        Assert.NotEqual(a.Hash, Parse("{\"input\": \"q\", \"expected\": \"2\"}").Hash);
        Assert.NotEqual(a.Hash, Parse("{\"input\": \"q\", \"expected\": \"1\"}", DatasetMatch.Numeric).Hash);
        Assert.NotEqual(a.Hash, Parse("{\"input\": \"q\", \"expected\": \"1\"}", DatasetMatch.Numeric, 1e-3).Hash);
        Assert.Equal(DomainCatalog.DatasetEvaluator().Keys.Order(StringComparer.Ordinal), a.Files.Keys.Where(k => k.StartsWith("evaluator/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }
}
