using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

/// <summary>Literal verdicts of the dataset domain (validity, score, feedback, exact re-check), captured from the
/// in-process evaluator it had before it became a package, checked against the package generated from a JSONL file
/// and evaluated by the shipped evaluator in an evaluator worker: the semantics of exact, case-insensitive and numeric
/// matching, the tolerance and the train-only reveal are pinned here, not re-derived.</summary>
public sealed class DatasetVerdictParityTests
{
    private static readonly Lazy<Dictionary<(DatasetMatch, double), PackageDomain>> Domains = new(() =>
        Rows.Select(r => ((string)r[0], (DatasetMatch)r[2], (double)r[3])).GroupBy(r => (r.Item2, r.Item3))
            .ToDictionary(g => g.Key, g => DatasetDomains.Open(string.Join('\n', g.Select(r => r.Item1).Distinct()), g.Key.Item1, g.Key.Item2)));

    private static TaskScore Verdict(string line, string answer, DatasetMatch match, double tolerance, bool exact)
    {
        var domain = Domains.Value.TryGetValue((match, tolerance), out var shared) && LineOf(shared, line) > 0 ? shared : DatasetDomains.Open(line, match, tolerance);
        var number = LineOf(domain, line);
        var task = domain.AllTasks().Single(t => t.Task.Id == $"line-{number}").Task;
        return exact ? domain.EvaluateExact(task, answer) : domain.Evaluate(task, answer);
    }

    private static int LineOf(PackageDomain domain, string line) =>
        Encoding.UTF8.GetString(domain.Package.Files[DatasetPackage.DataPath]).Split('\n').ToList().IndexOf(line) + 1;

    public static TheoryData<string, string, DatasetMatch, double, bool, bool, double, string> Rows => new()
    {
        // Exact: trimmed, ordinal; case and inner spacing matter.
        { """{"input": "q", "expected": "Paris", "split": "train"}""", "  Paris\n", DatasetMatch.Exact, 1e-9, false, true, 1, "correct (exact match)" },
        { """{"input": "q", "expected": "Paris", "split": "train"}""", "paris", DatasetMatch.Exact, 1e-9, false, true, 0, "incorrect: expected \"Paris\", got \"paris\" (exact match)" },
        { """{"input": "q", "expected": " New  York ", "split": "train"}""", "New York", DatasetMatch.Exact, 1e-9, false, true, 0, "incorrect: expected \"New  York\", got \"New York\" (exact match)" },
        { """{"input": "q", "expected": "Paris", "split": "val"}""", "Lyon", DatasetMatch.Exact, 1e-9, false, true, 0, "incorrect: got \"Lyon\" (exact match; the expected answer of a val task is not shown)" },

        // Case-insensitive: trimmed, inner whitespace runs collapsed, case ignored.
        { """{"input": "q", "expected": "New  York", "split": "train"}""", " new\tyork ", DatasetMatch.CaseInsensitive, 1e-9, false, true, 1, "correct (case-insensitive match)" },
        { """{"input": "q", "expected": "Paris", "split": "test"}""", "London", DatasetMatch.CaseInsensitive, 1e-9, false, true, 0, "incorrect: got \"London\" (case-insensitive match; the expected answer of a test task is not shown)" },
        { """{"input": "q", "expected": "NewYork", "split": "train"}""", "new york", DatasetMatch.CaseInsensitive, 1e-9, false, true, 0, "incorrect: expected \"NewYork\", got \"new york\" (case-insensitive match)" },

        // Numeric: invariant-culture finite numbers, |a - e| <= tolerance * max(1, |e|).
        { """{"input": "q", "expected": 42, "split": "train"}""", " 42.0 ", DatasetMatch.Numeric, 1e-9, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": "1000", "split": "train"}""", "1e3", DatasetMatch.Numeric, 1e-9, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": 1000000, "split": "train"}""", "1000000.0005", DatasetMatch.Numeric, 1e-9, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": 1000000, "split": "train"}""", "1000000.0005", DatasetMatch.Numeric, 1e-9, true, true, 0, "incorrect: expected \"1000000\", got \"1000000.0005\" (numeric match)" },
        { """{"input": "q", "expected": 0.5, "split": "train"}""", "0.5000000009", DatasetMatch.Numeric, 1e-9, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": 0.5, "split": "train"}""", "0.500000002", DatasetMatch.Numeric, 1e-9, false, true, 0, "incorrect: expected \"0.5\", got \"0.500000002\" (numeric match)" },
        { """{"input": "q", "expected": 100, "split": "train"}""", "100.9", DatasetMatch.Numeric, 0.01, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": 100, "split": "train"}""", "101.1", DatasetMatch.Numeric, 0.01, false, true, 0, "incorrect: expected \"100\", got \"101.1\" (numeric match)" },
        { """{"input": "q", "expected": -3.5, "split": "val"}""", "-3.4", DatasetMatch.Numeric, 1e-9, false, true, 0, "incorrect: got \"-3.4\" (numeric match; the expected answer of a val task is not shown)" },
        { """{"input": "q", "expected": 42, "split": "train"}""", "forty-two", DatasetMatch.Numeric, 1e-9, false, false, 0, "invalid: the answer \"forty-two\" is not a number; answer with a number only (e.g. 42 or -3.5)" },
        { """{"input": "q", "expected": 1000, "split": "train"}""", "1,000", DatasetMatch.Numeric, 1e-9, false, false, 0, "invalid: the answer \"1,000\" is not a number; answer with a number only (e.g. 42 or -3.5)" },
        { """{"input": "q", "expected": 42, "split": "train"}""", "NaN", DatasetMatch.Numeric, 1e-9, false, false, 0, "invalid: the answer \"NaN\" is not a number; answer with a number only (e.g. 42 or -3.5)" },
        { """{"input": "q", "expected": 42, "split": "train"}""", "Infinity", DatasetMatch.Numeric, 1e-9, false, false, 0, "invalid: the answer \"Infinity\" is not a number; answer with a number only (e.g. 42 or -3.5)" },

        // A line's match field overrides the file-wide mode.
        { """{"input": "q", "expected": "7", "split": "train", "match": "numeric"}""", "7.000", DatasetMatch.Exact, 1e-9, false, true, 1, "correct (numeric match)" },
        { """{"input": "q", "expected": "Oslo", "split": "train", "match": "case-insensitive"}""", "OSLO", DatasetMatch.Exact, 1e-9, false, true, 1, "correct (case-insensitive match)" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Dataset_verdicts_match_the_captured_in_process_verdicts(string line, string answer, DatasetMatch match, double tolerance, bool exact, bool valid, double score, string feedback)
    {
        var verdict = Verdict(line, answer, match, tolerance, exact);

        Assert.Equal((valid, score, feedback), (verdict.Valid, verdict.Score, verdict.Feedback));
        Assert.Equal(valid ? score : null, verdict.Raw);
    }

    [Fact]
    public void A_long_answer_is_quoted_to_two_hundred_characters_in_feedback()
    {
        var verdict = Verdict("""{"input": "q", "expected": "a", "split": "train"}""", new string('x', 250), DatasetMatch.Exact, 1e-9, exact: false);

        Assert.Equal($"incorrect: expected \"a\", got \"{new string('x', 197)}...\" (exact match)", verdict.Feedback);
    }

    [Fact]
    public void Task_descriptions_state_the_match_mode_and_tolerance()
    {
        var domain = DatasetDomains.Open("""{"input": "What is 2+2?", "expected": 4, "split": "train", "id": "sum"}""", DatasetMatch.Numeric, 1e-9);
        var task = domain.GetTasks(Split.Train).Single();

        Assert.Equal(("dataset", "sum", "What is 2+2?", "numeric"), (task.Domain, task.Id, task.Input, task.Parameters["match"]));
        Assert.Equal(
            "Answer the question or instruction given as the task input. Return only the answer text, nothing else.\n"
            + "It is compared with the expected answer by numeric matching: your answer must be a number (e.g. 42 or -3.5) within a relative tolerance of 1e-9 of the expected value (|answer - expected| <= tolerance * max(1, |expected|)).\n"
            + "Score: 1 for a matching answer, 0 otherwise.",
            task.Description.ReplaceLineEndings("\n"));
    }
}
