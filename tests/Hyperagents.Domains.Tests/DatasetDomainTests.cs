using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class DatasetDomainTests
{
    private static DatasetDomain Parse(string text, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetDomain.DefaultTolerance) =>
        DatasetDomain.Parse("test.jsonl", Encoding.UTF8.GetBytes(text), match, tolerance);

    [Fact]
    public void Shipped_example_file_loads_with_all_three_splits()
    {
        var domain = DatasetDomain.Load(Some.DataPath("arithmetic.jsonl"));

        Assert.Equal(18, domain.GetTasks(Split.Train).Count);
        Assert.Equal(6, domain.GetTasks(Split.Val).Count);
        Assert.Equal(6, domain.GetTasks(Split.Test).Count);
        var first = domain.GetTasks(Split.Train)[0];
        Assert.Equal("line-1", first.Id);
        Assert.Equal("What is 17 + 25?", first.Input);
        Assert.Equal("numeric", first.Parameters["match"]);
        Assert.Equal(1, domain.Evaluate(first, " 42\n").Score);
        Assert.Equal(64, domain.ContentHash.Length);
    }

    [Fact]
    public void Expected_answers_never_appear_in_task_specs()
    {
        var domain = Parse("""
            {"input": "q1", "expected": "SECRET-TRAIN", "split": "train"}
            {"input": "q2", "expected": "SECRET-VAL", "split": "val"}
            {"input": "q3", "expected": "SECRET-TEST", "split": "test"}
            """);

        foreach (var (_, task) in domain.AllTasks())
        {
            var visible = task.Description + task.Input + task.Id + string.Join(",", task.Parameters.Select(p => p.Key + p.Value));
            Assert.DoesNotContain("SECRET", visible, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Feedback_reveals_the_expected_answer_for_train_tasks_only()
    {
        var domain = Parse("""
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

    [Theory]
    [InlineData(DatasetMatch.Exact, "Paris", "  Paris \n", 1)]
    [InlineData(DatasetMatch.Exact, "Paris", "paris", 0)]
    [InlineData(DatasetMatch.CaseInsensitive, "New York", " new   YORK ", 1)]
    [InlineData(DatasetMatch.CaseInsensitive, "New York", "NewYork", 0)]
    [InlineData(DatasetMatch.Numeric, "42", "42.0", 1)]
    [InlineData(DatasetMatch.Numeric, "0.1", "0.1000000000001", 1)]
    [InlineData(DatasetMatch.Numeric, "42", "43", 0)]
    [InlineData(DatasetMatch.Numeric, "1e6", "1000000.0005", 1)]
    public void Match_modes(DatasetMatch match, string expected, string answer, double score)
    {
        var domain = Parse($$"""{"input": "q", "expected": "{{expected}}", "split": "train"}""", match);

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], answer);

        Assert.True(result.Valid);
        Assert.Equal(score, result.Score);
    }

    [Fact]
    public void Numeric_mode_rejects_a_non_number_as_invalid()
    {
        var domain = Parse("""{"input": "q", "expected": 42, "split": "train"}""", DatasetMatch.Numeric);

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], "forty-two");

        Assert.False(result.Valid);
        Assert.Contains("not a number", result.Feedback, StringComparison.Ordinal);
        Assert.False(domain.Evaluate(domain.GetTasks(Split.Train)[0], "NaN").Valid);
    }

    [Fact]
    public void A_line_match_field_overrides_the_file_mode()
    {
        var domain = Parse("""
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

        Assert.Equal(a.GetTasks(Split.Test).Select(t => t.Id), b.GetTasks(Split.Test).Select(t => t.Id));
        Assert.InRange(a.GetTasks(Split.Train).Count, 540, 660);
        Assert.InRange(a.GetTasks(Split.Val).Count, 150, 250);
        Assert.InRange(a.GetTasks(Split.Test).Count, 150, 250);
        foreach (var (split, task) in a.AllTasks())
        {
            Assert.Equal(DatasetDomain.AssignSplit(task.Input!), split);
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
        var error = Assert.Throws<DatasetFormatException>(() => DatasetDomain.Load(missing));
        Assert.Equal(0, error.LineNumber);
        Assert.Contains("cannot read the dataset file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluator_hash_includes_the_dataset_content()
    {
        var a = Parse("{\"input\": \"q\", \"expected\": \"a\"}");
        var b = Parse("{\"input\": \"q\", \"expected\": \"b\"}");

        Assert.StartsWith(EvaluatorHash.BuiltIn + "+sha256:", EvaluatorHash.For(a), StringComparison.Ordinal);
        Assert.NotEqual(EvaluatorHash.For(a), EvaluatorHash.For(b));
    }
}
