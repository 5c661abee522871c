using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Hyperagents.Coding;

/// <summary>One call of a problem's entry: its arguments and the value it must return, both as JSON text.</summary>
/// <param name="ArgsJson">A JSON array with one element per parameter.</param>
/// <param name="ExpectedJson">The expected return value.</param>
public sealed record CodingCase(string ArgsJson, string ExpectedJson);

/// <summary>What one call of the answer gave (the runner's report, in plain values).</summary>
/// <param name="Ok">Whether the call returned.</param>
/// <param name="OutputJson">The returned value as JSON when <paramref name="Ok"/>.</param>
/// <param name="Error">Why the call failed, when not <paramref name="Ok"/>.</param>
public sealed record CodingRun(bool Ok, string? OutputJson, string? Error);

/// <summary>The verdict on one answer.</summary>
/// <param name="Valid">Whether the answer compiled (and passed the gate).</param>
/// <param name="Score">Hidden tests passed ÷ hidden tests; 0 when not valid.</param>
/// <param name="Raw">Hidden tests passed.</param>
/// <param name="Feedback">What an agent may see: the compile or gate message, or the visible examples' results only.</param>
public sealed record CodingVerdict(bool Valid, double Score, double Raw, string Feedback);

/// <summary>A programming problem: the agent writes C# source defining <see cref="Signature"/> on a class
/// <see cref="TypeName"/>; the answer runs on the visible <see cref="Examples"/> and the hidden <see cref="Tests"/>.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Split">train, val or test.</param>
/// <param name="Difficulty">1 (easy) to 5 (hard).</param>
/// <param name="Title">Short title.</param>
/// <param name="Description">The statement.</param>
/// <param name="Signature">The C# signature the answer must define, e.g. <c>public static int[] TwoSum(int[] nums, int target)</c>.</param>
/// <param name="TypeName">The class that holds the method.</param>
/// <param name="MethodName">The method.</param>
/// <param name="ParameterTypes">C# parameter types, in order.</param>
/// <param name="ReturnType">C# return type.</param>
/// <param name="Examples">Visible cases (shown in the task and in feedback).</param>
/// <param name="Tests">Hidden cases (the score).</param>
/// <param name="Compare">How results compare: <c>exact</c>, <c>unordered</c> (top-level array as a multiset) or <c>tolerance:EPS</c>.</param>
public sealed record CodingProblem(
    string Id, string Split, int Difficulty, string Title, string Description, string Signature,
    string TypeName, string MethodName, IReadOnlyList<string> ParameterTypes, string ReturnType,
    IReadOnlyList<CodingCase> Examples, IReadOnlyList<CodingCase> Tests, string Compare);

/// <summary>Reads coding problems, builds what the agent sees and scores a run report. Uses the BCL and
/// <see cref="JsonDocument"/> only, so it can serve as a domain package's evaluator.</summary>
public static class CodingEvaluator
{
    /// <summary>The longest feedback written.</summary>
    public const int MaxFeedbackChars = 1000;

    /// <summary>Reads a JSONL file's text: one problem a line, blank lines skipped.</summary>
    /// <param name="jsonl">The file's text.</param>
    /// <exception cref="FormatException">A line is not a well-formed problem; the message names the line.</exception>
    public static IReadOnlyList<CodingProblem> ParseAll(string jsonl)
    {
        var problems = new List<CodingProblem>();
        var number = 0;
        foreach (var line in jsonl.Split('\n'))
        {
            number++;
            if (line.Trim().Length > 0)
            {
                try
                {
                    problems.Add(Parse(line));
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
                {
                    throw new FormatException($"Line {number} is not a coding problem: {ex.Message}", ex);
                }
            }
        }

        return problems;
    }

    /// <summary>Reads one problem.</summary>
    /// <param name="json">The problem's JSON object.</param>
    public static CodingProblem Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var entry = root.GetProperty("entry");
        var compare = root.TryGetProperty("compare", out var c) ? c.GetString() ?? "exact" : "exact";
        if (compare is not ("exact" or "unordered") && Tolerance(compare) is null)
        {
            throw new FormatException($"compare '{compare}' is not exact, unordered or tolerance:EPS.");
        }

        return new CodingProblem(
            root.GetProperty("id").GetString()!,
            root.GetProperty("split").GetString()!,
            root.GetProperty("difficulty").GetInt32(),
            root.GetProperty("title").GetString()!,
            root.GetProperty("description").GetString()!,
            root.GetProperty("signature").GetString()!,
            entry.GetProperty("type").GetString()!,
            entry.GetProperty("method").GetString()!,
            entry.GetProperty("parameters").EnumerateArray().Select(p => p.GetString()!).ToList(),
            entry.GetProperty("returns").GetString()!,
            Cases(root.GetProperty("examples")),
            Cases(root.GetProperty("tests")),
            compare);

        static List<CodingCase> Cases(JsonElement list) =>
            list.EnumerateArray().Select(e => new CodingCase(e.GetProperty("args").GetRawText(), e.GetProperty("expected").GetRawText())).ToList();
    }

    /// <summary>The task statement the agent reads: title, description, the signature to define and the visible examples.</summary>
    /// <param name="problem">The problem.</param>
    public static string Prompt(CodingProblem problem)
    {
        var text = new StringBuilder();
        text.Append(problem.Title).Append("\n\n").Append(problem.Description).Append("\n\n");
        text.Append("Answer with C# source only: a public class ").Append(problem.TypeName).Append(" outside any namespace that defines\n    ")
            .Append(problem.Signature).Append("\nThe usual System, System.Collections.Generic, System.Linq and System.Text usings are in scope; ")
            .Append("files, network, reflection and threads are not available. Hidden tests call the method and compare the result")
            .Append(problem.Compare switch
            {
                "unordered" => " (the order of the returned elements does not matter)",
                _ when Tolerance(problem.Compare) is { } eps => $" (numbers within {eps.ToString("R", CultureInfo.InvariantCulture)})",
                _ => " exactly",
            })
            .Append("; the score is the fraction passed.\n\nExamples (arguments as a JSON array → expected result):\n");
        foreach (var example in problem.Examples)
        {
            text.Append("    ").Append(example.ArgsJson).Append(" → ").Append(example.ExpectedJson).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes the problem's <c>entry</c> object: type, method, parameter types and return type.</summary>
    public static void WriteEntry(Utf8JsonWriter w, CodingProblem problem)
    {
        w.WriteStartObject("entry");
        w.WriteString("type", problem.TypeName);
        w.WriteString("method", problem.MethodName);
        w.WriteStartArray("parameters");
        foreach (var type in problem.ParameterTypes)
        {
            w.WriteStringValue(type);
        }

        w.WriteEndArray();
        w.WriteString("returns", problem.ReturnType);
        w.WriteEndObject();
    }

    /// <summary>The task input: one JSON object with <c>title</c>, <c>description</c>, <c>signature</c>, <c>entry</c>
    /// (<c>type</c>, <c>method</c>, <c>parameters</c>, <c>returns</c>), <c>compare</c> and the visible <c>examples</c>
    /// (<c>args</c>, <c>expected</c>); never the hidden tests.</summary>
    /// <param name="problem">The problem.</param>
    public static string TaskInput(CodingProblem problem)
    {
        using var buffer = new System.IO.MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("title", problem.Title);
            w.WriteString("description", problem.Description);
            w.WriteString("signature", problem.Signature);
            WriteEntry(w, problem);
            w.WriteString("compare", problem.Compare);
            w.WriteStartArray("examples");
            foreach (var example in problem.Examples)
            {
                w.WriteStartObject();
                w.WritePropertyName("args");
                w.WriteRawValue(example.ArgsJson);
                w.WritePropertyName("expected");
                w.WriteRawValue(example.ExpectedJson);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The calls to run, in order: every visible example, then every hidden test. <see cref="Score"/> expects
    /// one run per call in this order.</summary>
    /// <param name="problem">The problem.</param>
    public static IReadOnlyList<string> Calls(CodingProblem problem) =>
        problem.Examples.Concat(problem.Tests).Select(c => c.ArgsJson).ToList();

    /// <summary>Extracts the C# source from an answer: the first fenced code block when there is one, else the whole text.</summary>
    /// <param name="answer">The agent's answer.</param>
    public static string Source(string answer)
    {
        var open = answer.IndexOf("```", StringComparison.Ordinal);
        if (open < 0)
        {
            return answer;
        }

        var start = answer.IndexOf('\n', open);
        var close = start < 0 ? -1 : answer.IndexOf("```", start, StringComparison.Ordinal);
        return close < 0 ? answer[(start < 0 ? open + 3 : start + 1)..] : answer[(start + 1)..close];
    }

    /// <summary>Scores the runs of an answer: score = hidden tests passed ÷ hidden tests, raw = hidden tests passed,
    /// feedback = the compile or gate message, or the visible examples' results only.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="compiled">Whether the answer compiled and passed the gate.</param>
    /// <param name="compileError">The compiler's or gate's message when not compiled.</param>
    /// <param name="runs">One run per call of <see cref="Calls"/>, in that order.</param>
    public static CodingVerdict Score(CodingProblem problem, bool compiled, string? compileError, IReadOnlyList<CodingRun> runs)
    {
        if (!compiled)
        {
            return new CodingVerdict(false, 0, 0, Cap("The answer did not compile: " + (compileError ?? "no message")));
        }

        var expectedRuns = problem.Examples.Count + problem.Tests.Count;
        if (runs.Count != expectedRuns)
        {
            return new CodingVerdict(false, 0, 0, $"The runner reported {runs.Count} runs for {expectedRuns} calls; the answer was not scored.");
        }

        var feedback = new StringBuilder();
        var shown = 0;
        for (var i = 0; i < problem.Examples.Count; i++)
        {
            if (Passes(problem.Compare, problem.Examples[i].ExpectedJson, runs[i]))
            {
                shown++;
            }
        }

        feedback.Append("Compiled. Visible examples: ").Append(shown).Append(" of ").Append(problem.Examples.Count).Append(" passed.");
        for (var i = 0; i < problem.Examples.Count; i++)
        {
            var example = problem.Examples[i];
            var run = runs[i];
            feedback.Append("\nExample ").Append(i + 1).Append(' ').Append(Clip(example.ArgsJson, 120)).Append(": ");
            if (Passes(problem.Compare, example.ExpectedJson, run))
            {
                feedback.Append("passed.");
            }
            else if (!run.Ok)
            {
                feedback.Append("failed: ").Append(Clip(run.Error ?? "no result", 200));
            }
            else
            {
                feedback.Append("expected ").Append(Clip(example.ExpectedJson, 120)).Append(", got ").Append(Clip(run.OutputJson ?? "null", 120)).Append('.');
            }
        }

        var passed = 0;
        for (var i = 0; i < problem.Tests.Count; i++)
        {
            if (Passes(problem.Compare, problem.Tests[i].ExpectedJson, runs[problem.Examples.Count + i]))
            {
                passed++;
            }
        }

        var score = problem.Tests.Count == 0 ? 0 : (double)passed / problem.Tests.Count;
        return new CodingVerdict(true, score, passed, Cap(feedback.ToString()));
    }

    /// <summary>Whether a run returned the expected value under a comparison mode.</summary>
    /// <param name="compare"><c>exact</c>, <c>unordered</c> or <c>tolerance:EPS</c>.</param>
    /// <param name="expectedJson">The expected value.</param>
    /// <param name="run">The run.</param>
    public static bool Passes(string compare, string expectedJson, CodingRun run)
    {
        if (!run.Ok || run.OutputJson is null)
        {
            return false;
        }

        JsonDocument actual;
        try
        {
            actual = JsonDocument.Parse(run.OutputJson);
        }
        catch (JsonException)
        {
            return false;
        }

        using (actual)
        using (var expected = JsonDocument.Parse(expectedJson))
        {
            var e = expected.RootElement;
            var a = actual.RootElement;
            if (compare == "unordered")
            {
                if (e.ValueKind != JsonValueKind.Array || a.ValueKind != JsonValueKind.Array || e.GetArrayLength() != a.GetArrayLength())
                {
                    return false;
                }

                var left = e.EnumerateArray().Select(Canonical).OrderBy(s => s, StringComparer.Ordinal);
                var right = a.EnumerateArray().Select(Canonical).OrderBy(s => s, StringComparer.Ordinal);
                return left.SequenceEqual(right, StringComparer.Ordinal);
            }

            try
            {
                return Equal(e, a, Tolerance(compare) ?? 0);
            }
            catch (FormatException)
            {
                return false; // a number beyond double's range
            }
        }
    }

    private static double? Tolerance(string compare) =>
        compare.StartsWith("tolerance:", StringComparison.Ordinal)
        && double.TryParse(compare["tolerance:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var eps) && eps >= 0 && double.IsFinite(eps)
            ? eps
            : null;

    private static bool Equal(JsonElement e, JsonElement a, double eps)
    {
        if (e.ValueKind != a.ValueKind)
        {
            return false;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                if (e.TryGetInt64(out var el) && a.TryGetInt64(out var al))
                {
                    return el == al || (eps > 0 && Close(el, al, eps));
                }

                return Close(e.GetDouble(), a.GetDouble(), eps);
            case JsonValueKind.String:
                return string.Equals(e.GetString(), a.GetString(), StringComparison.Ordinal);
            case JsonValueKind.Array:
                if (e.GetArrayLength() != a.GetArrayLength())
                {
                    return false;
                }

                using (var ea = e.EnumerateArray())
                using (var aa = a.EnumerateArray())
                {
                    while (ea.MoveNext() && aa.MoveNext())
                    {
                        if (!Equal(ea.Current, aa.Current, eps))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case JsonValueKind.Object:
                var expectedProperties = e.EnumerateObject().ToList();
                if (expectedProperties.Count != a.EnumerateObject().Count())
                {
                    return false;
                }

                return expectedProperties.All(p => a.TryGetProperty(p.Name, out var v) && Equal(p.Value, v, eps));
            default:
                return true; // true, false, null: the kinds already match
        }
    }

    /// <summary>Absolute within <paramref name="eps"/> near zero, relative beyond 1.</summary>
    private static bool Close(double expected, double actual, double eps) =>
        expected == actual || (double.IsFinite(actual) && Math.Abs(expected - actual) <= eps * Math.Max(1, Math.Abs(expected)));

    /// <summary>A text equal for equal values (numbers by value, whitespace ignored), to compare elements as a multiset.</summary>
    private static string Canonical(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : e.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => Quoted(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.String => Quoted(e.GetString()!),
        _ => e.GetRawText(),
    };

    /// <summary>A string, length-prefixed so that distinct strings never give the same text (no escaping needed, so no
    /// encoder: the evaluator policy's references do not include one).</summary>
    private static string Quoted(string text) => "\"" + text.Length.ToString(CultureInfo.InvariantCulture) + ":" + text + "\"";

    private static string Clip(string text, int max)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    private static string Cap(string text) => text.Length <= MaxFeedbackChars ? text : text[..(MaxFeedbackChars - 1)] + "…";
}
