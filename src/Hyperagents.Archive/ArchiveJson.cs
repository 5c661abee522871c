using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Archive;

/// <summary>The JSON shape of everything the archive stores in git.</summary>
internal static class ArchiveJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter<FileKind>(JsonNamingPolicy.CamelCase) },
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null document");

    // The parsers below read what plain git can rewrite: a field missing or null is a JsonException, never a null
    // reference later.

    /// <summary>An evaluation note, every field the archive reads present.</summary>
    public static EvaluationNote EvaluationNote(string json)
    {
        var note = Deserialize<EvaluationNote>(json);
        return note.Schema is null || note.Variant is null || note.Evaluations is null
            || note.Evaluations.Any(e => e is null || e.Splits is null || e.Splits.Values.Any(s => s is null || s.Tasks is null || s.Tasks.Any(t => t is null)))
            ? throw new JsonException("not an evaluation note: a field is missing or null")
            : note;
    }

    /// <summary>A mark note, every field the archive reads present.</summary>
    public static MarkNote MarkNote(string json)
    {
        var note = Deserialize<MarkNote>(json);
        return note.Schema is null || note.Variant is null || note.Marks is null || note.Marks.Any(m => m is null)
            ? throw new JsonException("not a mark note: a field is missing or null")
            : note;
    }

    /// <summary>A provenance record, every field the archive reads present.</summary>
    public static Provenance Provenance(string json)
    {
        var provenance = Deserialize<Provenance>(json);
        return provenance.Schema is null || provenance.Status is null || provenance.Changes is null || provenance.AgentTree is null
            || provenance.Changes.Any(c => c is null)
            ? throw new JsonException("not a provenance record: a field is missing or null")
            : provenance;
    }
}

/// <summary>The note attached to a variant under <c>refs/notes/hyperagents/evals</c>.</summary>
internal sealed record EvaluationNote(string Schema, string Variant, List<Evaluation> Evaluations)
{
    public const string CurrentSchema = "hyperagents.evaluations/1";
}

/// <summary>The note attached to a variant under <c>refs/notes/hyperagents/marks</c>.</summary>
internal sealed record MarkNote(string Schema, string Variant, List<VariantMark> Marks)
{
    public const string CurrentSchema = "hyperagents.marks/1";
}
