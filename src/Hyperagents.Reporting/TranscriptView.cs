using System.Text.Json;
using Hyperagents.Archive;

namespace Hyperagents.Reporting;

/// <summary>A variant's transcript as the report shows it: a conversation (who said what, which tools the model called
/// with which arguments, code as code), then the host calls, the log, the outcome and the diagnostics.</summary>
internal static class TranscriptView
{
    /// <summary>One block of the rendered transcript. The page sets every text with <c>textContent</c>, never as HTML.</summary>
    /// <param name="Kind">The block's role for styling: <c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>,
    /// <c>call</c>, <c>error</c>, <c>log</c>, <c>outcome</c>, <c>diagnostic</c>, <c>heading</c> or <c>raw</c>.</param>
    /// <param name="Title">Its heading line.</param>
    /// <param name="Parts">Its body: prose and code parts, in order.</param>
    public sealed record Block(string Kind, string Title, IReadOnlyList<Part> Parts);

    /// <summary>A run of text in a block.</summary>
    /// <param name="Code">Whether it is code (shown monospaced, as is).</param>
    /// <param name="Text">The text.</param>
    public sealed record Part(bool Code, string Text);

    /// <summary>The blocks of a transcript; <paramref name="safe"/> makes guest text displayable, and the whole is capped
    /// at <paramref name="maxChars"/> characters of text.</summary>
    public static IReadOnlyList<Block> Of(string? transcript, Func<string, string> safe, int maxChars)
    {
        var records = Transcript.Read(transcript);
        var blocks = new List<Block>();
        if (records.Count == 0)
        {
            blocks.Add(new Block("heading", "(no transcript)", []));
            return blocks;
        }

        var budget = maxChars;
        void Add(string kind, string title, params Part[] parts)
        {
            var kept = new List<Part>();
            foreach (var part in parts.Where(p => p.Text.Length > 0))
            {
                if (budget <= 0)
                {
                    break;
                }

                var text = safe(part.Text);
                kept.Add(part with { Text = text.Length <= budget ? text : text[..budget] + "\n… truncated; read the transcript with git." });
                budget -= text.Length;
            }

            blocks.Add(new Block(kind, safe(title), kept));
        }

        var exchanges = records.OfType<ModelRecordLine>().SelectMany(m => m.Read()).ToList();
        if (exchanges.Count > 0)
        {
            Add("heading", $"conversation: {exchanges.Count} model call{(exchanges.Count == 1 ? "" : "s")}");
        }

        // Each request repeats the conversation so far: show only the messages it adds, then the reply.
        var shown = new List<RecordedMessage>();
        foreach (var exchange in exchanges)
        {
            var common = 0;
            while (common < shown.Count && common < exchange.Messages.Count && SameMessage(shown[common], exchange.Messages[common]))
            {
                common++;
            }

            foreach (var message in exchange.Messages.Skip(common))
            {
                AddMessage(message, null);
            }

            shown = [.. exchange.Messages];
            if (exchange.Reply is { } reply)
            {
                AddMessage(reply, exchange.Model);
                shown.Add(reply);
            }
            else
            {
                Add("error", $"model call {exchange.Sequence} failed", new Part(false, exchange.Error ?? "no reply recorded"));
            }
        }

        var calls = records.OfType<CallRecord>().ToList();
        if (calls.Count > 0)
        {
            Add("heading", $"host calls: {calls.Count}");
        }

        foreach (var call in calls)
        {
            var title = $"{call.At:0.###} ms  {call.Capability ?? "?"}" + (call.Error is null ? string.Empty : "  refused");
            Add(call.Error is null ? "call" : "error", title,
                [.. Arguments(call.Request ?? string.Empty), new Part(false, call.Error ?? string.Empty), .. call.Reply is null ? [] : Arguments(call.Reply)]);
        }

        var log = records.OfType<LogRecord>().Select(l => l.Line ?? string.Empty).ToList();
        if (log.Count > 0)
        {
            Add("log", $"log: {log.Count} line{(log.Count == 1 ? "" : "s")}", new Part(true, string.Join("\n", log)));
        }

        foreach (var o in records.OfType<OutcomeRecord>())
        {
            var figures = string.Join(", ", new[]
            {
                o.Ms is { } ms ? $"{ms:0.###} ms" : null,
                o.Fuel is { } fuel ? $"fuel {fuel}" : null,
                o.HostCalls is { } hc ? $"{hc} host calls" : null,
                o.DroppedLogLines is > 0 ? $"{o.DroppedLogLines} log lines dropped" : null,
            }.OfType<string>());
            Add("outcome", $"outcome: {o.Outcome ?? "?"}" + (figures.Length > 0 ? $" ({figures})" : string.Empty),
                new Part(false, string.Join(": ", new[] { o.Exception, o.Detail }.Where(x => !string.IsNullOrEmpty(x)))),
                new Part(true, o.Output ?? string.Empty));
        }

        foreach (var d in records.OfType<DiagnosticRecord>())
        {
            Add("diagnostic", $"diagnostic {d.DiagnosticId ?? string.Empty}".TrimEnd(), new Part(true, d.Text));
        }

        foreach (var raw in records.OfType<UnreadLine>())
        {
            Add("raw", raw.Type is null ? "unreadable line" : $"line of type {raw.Type}", new Part(true, raw.Line));
        }

        return blocks;

        void AddMessage(RecordedMessage m, string? model)
        {
            var title = m.Role switch
            {
                "tool" => $"tool result{(m.ToolCallId is null ? "" : " · " + m.ToolCallId)}",
                "assistant" => model is null ? "assistant" : $"assistant · {model}",
                _ => m.Role,
            };
            var parts = new List<Part>(Prose(m.Text, code: m.Role == "tool"));
            foreach (var call in m.ToolCalls)
            {
                parts.Add(new Part(false, $"→ calls {call.Name}" + (call.Id is null ? string.Empty : $" ({call.Id})")));
                parts.AddRange(Arguments(call.ArgumentsJson));
            }

            Add(m.Role is "system" or "user" or "assistant" or "tool" ? m.Role : "raw", title, [.. parts]);
        }
    }

    private static bool SameMessage(RecordedMessage a, RecordedMessage b) =>
        a.Role == b.Role && a.Text == b.Text && a.ToolCallId == b.ToolCallId && a.ToolCalls.Count == b.ToolCalls.Count;

    /// <summary>Text with Markdown code fences split into code parts.</summary>
    private static IEnumerable<Part> Prose(string text, bool code)
    {
        if (code)
        {
            yield return new Part(true, text);
            yield break;
        }

        var segments = text.Split("```");
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (i % 2 == 1)
            {
                // Drop the fence's language tag (the rest of its first line).
                var newline = segment.IndexOf('\n');
                segment = newline >= 0 && !segment[..newline].Contains(' ', StringComparison.Ordinal) ? segment[(newline + 1)..] : segment;
            }

            yield return new Part(i % 2 == 1, segment.Trim('\n'));
        }
    }

    /// <summary>A JSON object (a tool call's arguments, a host call's request or reply): multi-line string values (code,
    /// file contents) as code of their own, the rest as indented JSON.</summary>
    private static IEnumerable<Part> Arguments(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return [new Part(true, json)];
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [new Part(true, Pretty(json))];
            }

            var parts = new List<Part>();
            var rest = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Contains('\n', StringComparison.Ordinal))
                {
                    parts.Add(new Part(false, property.Name + ":"));
                    parts.Add(new Part(true, property.Value.GetString()!));
                }
                else
                {
                    rest[property.Name] = property.Value.Clone();
                }
            }

            if (rest.Count > 0)
            {
                parts.Insert(0, new Part(true, JsonSerializer.Serialize(rest, Indented)));
            }

            return parts;
        }
    }

    // Set as textContent and escaped again in the page's data: the relaxed encoder keeps code readable (<, >, quotes).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON text indented, or the text as it is when it is not JSON.</summary>
    private static string Pretty(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return text ?? string.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
