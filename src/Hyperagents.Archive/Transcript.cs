using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Archive;

/// <summary>One line of a variant's transcript (<c>.hyperagent/transcript.jsonl</c>): a capability call, a log line, the
/// outcome of <c>ModifySelf</c>, a compile diagnostic of the child, or the model exchanges of the call. Written once by
/// <see cref="Transcript.Write"/>, read by <see cref="Transcript.Read"/> (audit, replay, show, report); every line of a
/// transcript written since runs have had transcripts reads back as one of these.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = false)]
[JsonDerivedType(typeof(CallRecord), "call")]
[JsonDerivedType(typeof(LogRecord), "log")]
[JsonDerivedType(typeof(OutcomeRecord), "outcome")]
[JsonDerivedType(typeof(DiagnosticRecord), "diagnostic")]
[JsonDerivedType(typeof(ModelRecordLine), "model")]
public abstract record TranscriptRecord;

/// <summary>A capability request the agent made and the host's reply or refusal.</summary>
/// <param name="At">Milliseconds since the call started.</param>
/// <param name="Capability">The capability, e.g. <c>workspace.write</c> or <c>chat</c>.</param>
/// <param name="Request">The request payload (JSON text, as the agent sent it).</param>
/// <param name="Reply">The reply payload, or <see langword="null"/> when refused.</param>
/// <param name="Error">The refusal as <c>code: message</c>, or <see langword="null"/>.</param>
public sealed record CallRecord(double At, string? Capability, string? Request, string? Reply, string? Error) : TranscriptRecord;

/// <summary>One line the agent logged.</summary>
/// <param name="Line">The line.</param>
public sealed record LogRecord(string? Line) : TranscriptRecord;

/// <summary>How the <c>ModifySelf</c> call ended.</summary>
/// <param name="Outcome">The outcome label, e.g. <c>completed</c>, <c>out-of-fuel</c>.</param>
/// <param name="Detail">What happened, when it did not complete.</param>
/// <param name="Exception">The guest exception type, if any.</param>
/// <param name="Ms">Wall time in milliseconds.</param>
/// <param name="Fuel">Fuel consumed (sandbox only).</param>
/// <param name="HostCalls">Capability requests made.</param>
/// <param name="Output">The captured console output.</param>
/// <param name="DroppedLogLines">Log lines over the cap, dropped.</param>
public sealed record OutcomeRecord(string? Outcome, string? Detail = null, string? Exception = null, double? Ms = null, long? Fuel = null,
    int? HostCalls = null, string? Output = null, int? DroppedLogLines = null) : TranscriptRecord;

/// <summary>A compile or capability-gate diagnostic of the child the call left.</summary>
/// <param name="Text">The diagnostic as <c>file(line,col): ID: message</c>.</param>
/// <param name="Id">The diagnostic id, e.g. <c>HA0001</c> or <c>CS1002</c>; recovered from <paramref name="Text"/> in
/// transcripts written before it was a field.</param>
/// <param name="Message">The message alone; recovered from <paramref name="Text"/> likewise.</param>
public sealed record DiagnosticRecord(
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null) : TranscriptRecord
{
    /// <summary>The id, from the field or else from the text.</summary>
    [JsonIgnore]
    public string? DiagnosticId => Id ?? Split().Id;

    /// <summary>The message, from the field or else from the text.</summary>
    [JsonIgnore]
    public string DiagnosticMessage => Message ?? Split().Message;

    // file(line,col): ID: message — the shape CompileDiagnostic.ToString() has always had.
    private (string? Id, string Message) Split()
    {
        var text = Text ?? string.Empty;
        var colon = text.IndexOf("): ", StringComparison.Ordinal);
        var rest = colon >= 0 ? text[(colon + 3)..] : text;
        var idEnd = rest.IndexOf(": ", StringComparison.Ordinal);
        return idEnd > 0 && !rest[..idEnd].Contains(' ', StringComparison.Ordinal) ? (rest[..idEnd], rest[(idEnd + 2)..]) : (null, rest);
    }
}

/// <summary>The model exchanges of the call, in order (the <c>Hyperagents.Models</c> exchange format, kept as written so a
/// replay serves them back exactly).</summary>
/// <param name="Exchanges">The exchanges, a JSON array.</param>
public sealed record ModelRecordLine(JsonElement Exchanges) : TranscriptRecord
{
    /// <summary>How many exchanges the line holds.</summary>
    [JsonIgnore]
    public int Count => Exchanges.ValueKind == JsonValueKind.Array ? Exchanges.GetArrayLength() : 0;

    /// <summary>The exchanges as conversation turns, for reading (the report, show). Fields a line lacks are left empty:
    /// a transcript is evidence, never trusted input.</summary>
    public IReadOnlyList<RecordedExchange> Read()
    {
        var result = new List<RecordedExchange>();
        if (Exchanges.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var e in Exchanges.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var messages = new List<RecordedMessage>();
            if (Get(e, "request") is { ValueKind: JsonValueKind.Object } request && Get(request, "messages") is { ValueKind: JsonValueKind.Array } list)
            {
                messages.AddRange(list.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object).Select(Message));
            }

            RecordedMessage? reply = Get(e, "reply") is { ValueKind: JsonValueKind.Object } r ? Message(r) with { Role = "assistant" } : null;
            var error = Get(e, "error") is { ValueKind: JsonValueKind.Object } err ? $"{Text(err, "code")}: {Text(err, "message")}" : null;
            result.Add(new RecordedExchange(Number(e, "sequence"), Text(e, "model"), messages, reply, error));
        }

        return result;

        static RecordedMessage Message(JsonElement m)
        {
            var calls = Get(m, "toolCalls") is { ValueKind: JsonValueKind.Array } tc
                ? tc.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object)
                    .Select(c => new RecordedToolCall(Text(c, "id"), Text(c, "name") ?? "?", Text(c, "argumentsJson") ?? string.Empty)).ToList()
                : [];
            return new RecordedMessage((Text(m, "role") ?? "?").ToLowerInvariant(), Text(m, "text") ?? string.Empty, calls, Text(m, "toolCallId"));
        }
    }

    private static JsonElement? Get(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v : null;

    private static string? Text(JsonElement o, string name) => Get(o, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static int Number(JsonElement o, string name) => Get(o, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var n) ? n : 0;
}

/// <summary>A line that is not one of the known records (not JSON, an unknown <c>type</c>, or mistyped fields); kept as
/// it is, since a transcript is evidence.</summary>
/// <param name="Line">The raw line.</param>
/// <param name="Type">Its <c>type</c> (or <c>kind</c>) field when it has one.</param>
/// <param name="IsObject">Whether the line is a JSON object.</param>
public sealed record UnreadLine(string Line, string? Type, bool IsObject) : TranscriptRecord;

/// <summary>One model call read back from a transcript, as a conversation.</summary>
/// <param name="Sequence">The call's number in its session, from 1 (0 when not recorded).</param>
/// <param name="Model">The model spec that answered, when recorded.</param>
/// <param name="Messages">The conversation sent.</param>
/// <param name="Reply">The model's turn, or <see langword="null"/> when the call failed.</param>
/// <param name="Error">The failure as <c>code: message</c>, or <see langword="null"/>.</param>
public sealed record RecordedExchange(int Sequence, string? Model, IReadOnlyList<RecordedMessage> Messages, RecordedMessage? Reply, string? Error);

/// <summary>One message of a recorded conversation.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Text">Its text.</param>
/// <param name="ToolCalls">The tools an assistant turn called.</param>
/// <param name="ToolCallId">For a tool result, the call it answers.</param>
public sealed record RecordedMessage(string Role, string Text, IReadOnlyList<RecordedToolCall> ToolCalls, string? ToolCallId);

/// <summary>A tool call in a recorded conversation.</summary>
/// <param name="Id">The call id.</param>
/// <param name="Name">The tool.</param>
/// <param name="ArgumentsJson">Its arguments, a JSON object as text.</param>
public sealed record RecordedToolCall(string? Id, string Name, string ArgumentsJson);

/// <summary>Writes and reads transcripts: one <see cref="TranscriptRecord"/> a line.</summary>
public static class Transcript
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        AllowOutOfOrderMetadataProperties = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>The transcript text of <paramref name="records"/>, one JSON line each.</summary>
    /// <param name="records">The records, in order.</param>
    /// <exception cref="ArgumentException">An <see cref="UnreadLine"/>: only read transcripts hold those.</exception>
    public static string Write(IEnumerable<TranscriptRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sb = new StringBuilder();
        foreach (var record in records)
        {
            if (record is UnreadLine)
            {
                throw new ArgumentException("An unread line is never written to a transcript.", nameof(records));
            }

            sb.Append(JsonSerializer.Serialize(record, Json)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The <c>type</c> a record has on its line: <c>call</c>, <c>log</c>, <c>outcome</c>, <c>diagnostic</c>,
    /// <c>model</c>, or for an <see cref="UnreadLine"/> its own <c>type</c> (or <c>kind</c>) field, <c>entry</c> for an object
    /// without one, <c>unparsed</c> for a line that is not a JSON object.</summary>
    /// <param name="record">The record.</param>
    public static string TypeOf(TranscriptRecord record) => record switch
    {
        CallRecord => "call",
        LogRecord => "log",
        OutcomeRecord => "outcome",
        DiagnosticRecord => "diagnostic",
        ModelRecordLine => "model",
        UnreadLine u => u.Type ?? (u.IsObject ? "entry" : "unparsed"),
        _ => "entry",
    };

    /// <summary>Reads a transcript; <see langword="null"/> (no transcript) reads as no record. Blank lines are skipped;
    /// a line that is not a known record is an <see cref="UnreadLine"/>, never an exception.</summary>
    /// <param name="text">The transcript text.</param>
    public static IReadOnlyList<TranscriptRecord> Read(string? text)
    {
        var records = new List<TranscriptRecord>();
        foreach (var line in (text ?? string.Empty).Split('\n'))
        {
            if (line.Trim().Length > 0)
            {
                records.Add(ReadLine(line.TrimEnd('\r')));
            }
        }

        return records;
    }

    private static TranscriptRecord ReadLine(string line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return new UnreadLine(line, null, false);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new UnreadLine(line, null, false);
            }

            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()
                : null;
            try
            {
                return type is "call" or "log" or "outcome" or "diagnostic" or "model"
                    ? root.Deserialize<TranscriptRecord>(Json) is { } record && Complete(record) ? Clone(record) : new UnreadLine(line, type, true)
                    : new UnreadLine(line, type, true);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                return new UnreadLine(line, type, true);
            }
        }
    }

    private static bool Complete(TranscriptRecord record) => record switch
    {
        DiagnosticRecord d => d.Text is not null,
        ModelRecordLine m => m.Exchanges.ValueKind != JsonValueKind.Undefined,
        _ => true,
    };

    // The element must outlive the document it was read from.
    private static TranscriptRecord Clone(TranscriptRecord record) =>
        record is ModelRecordLine m ? new ModelRecordLine(m.Exchanges.Clone()) : record;
}
