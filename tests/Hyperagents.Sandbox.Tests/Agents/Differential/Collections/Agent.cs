using System.IO;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

public static class CollectionsAgent
{
    // Exercises collection ordering, LINQ, regular expressions and JSON: results must not depend on the runtime.
    public static Task<string> SolveTask(TaskContext context)
    {
        var n = context.Task.GetInt("n");
        var words = Enumerable.Range(0, n * 5).Select(i => $"w{(i * 7919) % 97}x{i % 5}").ToList();
        var groups = words.GroupBy(w => w.Length).OrderBy(g => g.Key).Select(g => $"{g.Key}:{string.Join(",", g.Take(3))}");
        var dictionary = new Dictionary<string, int>();
        foreach (var w in words)
        {
            dictionary[w] = dictionary.GetValueOrDefault(w) + 1;
        }

        var set = new HashSet<int>(words.Select(w => w.Length * 31 + w[1]));
        var sorted = new SortedDictionary<string, int>(dictionary, StringComparer.Ordinal);
        var immutable = ImmutableArray.CreateRange(sorted.Keys.Take(5));
        var matches = Regex.Matches(string.Join(" ", words), @"w(\d+)x([0-4])").Take(4).Select(m => m.Groups[1].Value + m.Groups[2].Value);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("groups", string.Join(";", groups));
            writer.WriteString("first", string.Join(",", dictionary.Keys.Take(5)));
            writer.WriteString("set", string.Join(",", set));
            writer.WriteString("immutable", string.Join(",", immutable));
            writer.WriteString("matches", string.Join(",", matches));
            writer.WriteNumber("distinct", sorted.Count);
            writer.WriteString("upper", "straße ǅ".ToUpperInvariant());
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return Task.FromResult(document.RootElement.GetRawText());
    }

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
}
