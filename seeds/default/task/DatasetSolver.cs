// @domain dataset
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Answers a dataset example. With a model configured for the task role, asks it; without one, evaluates the input
/// as an arithmetic expression when it is one.
/// </summary>
internal static class DatasetSolver
{
    private const string Instructions =
        "Answer the question. Reply with the answer only: no explanation, no punctuation around it.";

    public static async Task<string> SolveAsync(TaskContext context)
    {
        var input = context.Task.Input ?? string.Empty;
        try
        {
            var reply = await context.Chat.CompleteAsync(new ChatRequest(
                [ChatMessage.System(Instructions), ChatMessage.User(input)],
                Temperature: 0));
            return reply.Text.Trim();
        }
        catch (HostCallException ex) when (ex.Code == "no-model")
        {
            return Arithmetic.TryEvaluate(input, out var value)
                ? value.ToString("R", CultureInfo.InvariantCulture)
                : string.Empty;
        }
    }
}

/// <summary>A small recursive-descent evaluator for + - * / and parentheses inside a question.</summary>
internal static class Arithmetic
{
    public static bool TryEvaluate(string text, out double value)
    {
        var tokens = Tokenize(text);
        var position = 0;
        value = 0;
        if (tokens.Count == 0)
        {
            return false;
        }

        try
        {
            value = Sum(tokens, ref position);
            return position == tokens.Count && !double.IsNaN(value) && !double.IsInfinity(value);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // Keeps numbers, operators and parentheses; words such as "What is" are dropped.
    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsDigit(c) || (c == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
                continue;
            }

            if ("+-*/()".IndexOf(c) >= 0)
            {
                tokens.Add(c.ToString());
            }

            i++;
        }

        return tokens;
    }

    private static double Sum(List<string> t, ref int p)
    {
        var value = Product(t, ref p);
        while (p < t.Count && (t[p] == "+" || t[p] == "-"))
        {
            var op = t[p++];
            var right = Product(t, ref p);
            value = op == "+" ? value + right : value - right;
        }

        return value;
    }

    private static double Product(List<string> t, ref int p)
    {
        var value = Atom(t, ref p);
        while (p < t.Count && (t[p] == "*" || t[p] == "/"))
        {
            var op = t[p++];
            var right = Atom(t, ref p);
            value = op == "*" ? value * right : value / right;
        }

        return value;
    }

    private static double Atom(List<string> t, ref int p)
    {
        if (p >= t.Count)
        {
            throw new FormatException("Unexpected end.");
        }

        var token = t[p++];
        if (token == "(")
        {
            var value = Sum(t, ref p);
            if (p >= t.Count || t[p++] != ")")
            {
                throw new FormatException("Missing ')'.");
            }

            return value;
        }

        if (token == "-")
        {
            return -Atom(t, ref p);
        }

        return double.Parse(token, CultureInfo.InvariantCulture);
    }
}
