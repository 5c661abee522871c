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
