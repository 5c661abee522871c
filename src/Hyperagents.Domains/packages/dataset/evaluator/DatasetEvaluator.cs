using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using Hyperagents.Evaluators;

/// <summary>The dataset domain's evaluator: the answer to a task matches the <c>expected</c> field of the task's line of
/// <c>data/dataset.jsonl</c> (the user's file, copied as is into the package generated at run start). The task's
/// parameters say which line, how to match (<c>exact</c>: equal after trimming; <c>case-insensitive</c>: also with
/// whitespace runs collapsed and case ignored; <c>numeric</c>: finite invariant-culture numbers within
/// <c>tolerance · max(1, |expected|)</c>, no tolerance on the exact re-check) and with what tolerance. Raw figure: 1 for a
/// match, else 0. Feedback names the expected answer for train tasks only.</summary>
public sealed class DatasetEvaluator : IEvaluator
{
    private readonly Dictionary<string, string[]> _lines = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public EvaluationResult Evaluate(EvalInput input)
    {
        var task = input.Task;
        var dataFile = task.DataFile ?? throw new InvalidOperationException($"Task '{task.Id}' names no dataset file (\"data\").");
        if (!_lines.TryGetValue(dataFile, out var lines))
        {
            lines = input.Data.ReadText(dataFile).Split('\n');
            _lines[dataFile] = lines;
        }

        var number = int.Parse(task.Parameters["line"], NumberStyles.None, CultureInfo.InvariantCulture);
        var line = lines[number - 1].Trim();
        if (number == 1)
        {
            line = line.TrimStart('\uFEFF');
        }

        string expected;
        using (var document = JsonDocument.Parse(line))
        {
            var element = document.RootElement.GetProperty("expected");
            expected = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
        }

        var mode = task.Parameters["match"];
        var tolerance = input.Exact ? 0 : double.Parse(task.Parameters["tolerance"], NumberStyles.Float, CultureInfo.InvariantCulture);
        var answer = input.Answer;
        var got = Quote(answer.Trim());
        bool correct;
        switch (mode)
        {
            case "numeric":
                if (!TryNumber(answer, out var value))
                {
                    return EvaluationResult.Invalid($"invalid: the answer {got} is not a number; answer with a number only (e.g. 42 or -3.5)");
                }

                TryNumber(expected, out var target);
                correct = Math.Abs(value - target) <= tolerance * Math.Max(1, Math.Abs(target));
                break;
            case "case-insensitive":
                correct = string.Equals(Normalise(answer), Normalise(expected), StringComparison.OrdinalIgnoreCase);
                break;
            default:
                correct = string.Equals(answer.Trim(), expected.Trim(), StringComparison.Ordinal);
                break;
        }

        var feedback = correct
            ? $"correct ({mode} match)"
            : task.Split == "train"
                ? $"incorrect: expected {Quote(expected.Trim())}, got {got} ({mode} match)"
                : $"incorrect: got {got} ({mode} match; the expected answer of a {task.Split} task is not shown)";
        return EvaluationResult.Ok(correct ? 1 : 0, feedback);
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string Normalise(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string Quote(string text) => text.Length <= 200 ? $"\"{text}\"" : $"\"{text[..197]}...\"";
}
