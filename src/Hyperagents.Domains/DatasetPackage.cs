using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hyperagents.Domains;

/// <summary>How a dataset answer is compared with the expected answer.</summary>
public enum DatasetMatch
{
    /// <summary>Equal after trimming surrounding whitespace (ordinal comparison).</summary>
    Exact,

    /// <summary>Equal after trimming, collapsing inner whitespace runs to one space, ignoring case.</summary>
    CaseInsensitive,

    /// <summary>Both parse as finite numbers (invariant culture) and |answer − expected| ≤ tolerance · max(1, |expected|).</summary>
    Numeric,
}

/// <summary>A line of a dataset file is malformed, or the file cannot be read.</summary>
public sealed class DatasetFormatException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The dataset file.</param>
    /// <param name="lineNumber">The 1-based line, or 0 for the file as a whole.</param>
    /// <param name="problem">What is wrong and how to fix it.</param>
    public DatasetFormatException(string path, int lineNumber, string problem)
        : base(lineNumber > 0 ? $"{path}:{lineNumber}: {problem}" : $"{path}: {problem}")
    {
        Path = path;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>The dataset file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line number, or 0 when the problem concerns the whole file.</summary>
    public int LineNumber { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}

/// <summary>A user-supplied question/answer dataset (JSONL), turned into a domain package at run start: the shipped
/// <c>dataset</c> evaluator, the user's file as <c>data/dataset.jsonl</c> and a task list derived from it. The package is
/// archived in the run like any other, so replay, verify and eval never read the user's file again.</summary>
/// <remarks>
/// <para>Each non-blank line is a JSON object: <c>{"input": "...", "expected": "...", "split": "train|val|test",
/// "id": "...", "match": "exact|case-insensitive|numeric"}</c>. <c>input</c> (string) and <c>expected</c> (string or
/// number) are required; <c>split</c> defaults to a deterministic assignment by SHA-256 of the input into 60 % train,
/// 20 % val, 20 % test; <c>id</c> defaults to <c>line-N</c>; <c>match</c> overrides the file-wide mode for that line.
/// Other fields are ignored.</para>
/// <para>The expected answer never appears in a task: a task's parameters are its line number, match mode and
/// tolerance. Feedback names the expected answer for train tasks only (train feedback is what agents learn from); val
/// and test feedback only says correct or incorrect.</para>
/// <para>Score: 1 when the answer matches, else 0. In numeric mode an answer that is not a number is invalid.</para>
/// </remarks>
public static class DatasetPackage
{
    /// <summary>The most examples a dataset may hold.</summary>
    public const int MaxExamples = 100_000;

    /// <summary>The default relative tolerance of <see cref="DatasetMatch.Numeric"/>.</summary>
    public const double DefaultTolerance = 1e-9;

    /// <summary>The generated package's copy of the user's file.</summary>
    public const string DataPath = "data/dataset.jsonl";

    /// <summary>Reads a JSONL dataset file and generates its package.</summary>
    /// <param name="path">The file.</param>
    /// <param name="evaluator">The shipped evaluator's files, by path relative to the package (<c>evaluator/...</c>).</param>
    /// <param name="match">The file-wide match mode.</param>
    /// <param name="tolerance">The relative tolerance of numeric matching.</param>
    /// <exception cref="DatasetFormatException">The file is missing, unreadable, empty or has a malformed line.</exception>
    /// <exception cref="DomainPackageException">The generated package is too large.</exception>
    public static DomainPackage Load(string path, IReadOnlyDictionary<string, byte[]> evaluator, DatasetMatch match = DatasetMatch.Exact, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DatasetFormatException(path, 0, $"cannot read the dataset file ({e.Message}); pass an existing JSONL file");
        }

        return Generate(path, bytes, evaluator, match, tolerance);
    }

    /// <summary>Generates the package of JSONL dataset bytes; <paramref name="path"/> is used for messages and the
    /// description only.</summary>
    /// <param name="path">Where the bytes came from.</param>
    /// <param name="bytes">The UTF-8 file content.</param>
    /// <param name="evaluator">The shipped evaluator's files, by path relative to the package (<c>evaluator/...</c>).</param>
    /// <param name="match">The file-wide match mode.</param>
    /// <param name="tolerance">The relative tolerance of numeric matching.</param>
    /// <exception cref="DatasetFormatException">The content is empty or has a malformed line.</exception>
    /// <exception cref="DomainPackageException">The generated package is too large.</exception>
    public static DomainPackage Generate(string path, byte[] bytes, IReadOnlyDictionary<string, byte[]> evaluator, DatasetMatch match = DatasetMatch.Exact, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(evaluator);
        var examples = Parse(path, bytes, match, tolerance);
        var tasks = new StringBuilder();
        foreach (var example in examples)
        {
            tasks.Append(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = example.Id,
                ["split"] = example.Split.ToString().ToLowerInvariant(),
                ["description"] = example.Description,
                ["input"] = example.Input,
                ["data"] = DataPath,
                ["parameters"] = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    ["line"] = example.Line.ToString(CultureInfo.InvariantCulture),
                    ["match"] = ModeName(example.Match),
                    ["tolerance"] = tolerance.ToString("R", CultureInfo.InvariantCulture),
                },
            })).Append('\n');
        }

        var manifest = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["schema"] = "hyperagents.domain/1",
            ["name"] = DomainCatalog.DatasetName,
            ["version"] = "1.0.0",
            ["description"] = $"Question/answer examples from {System.IO.Path.GetFileName(path)} ({examples.Count} examples), scored 1 for a matching answer, else 0.",
            ["answer"] = "text",
            ["rawFigure"] = "accuracy",
            ["score"] = new Dictionary<string, string> { ["direction"] = "higher", ["normalise"] = "raw" },
            ["tasks"] = "tasks.jsonl",
        }, new JsonSerializerOptions { WriteIndented = true });
        var files = new Dictionary<string, byte[]>(evaluator, StringComparer.Ordinal)
        {
            [DomainPackage.ManifestFile] = Encoding.UTF8.GetBytes(manifest + "\n"),
            ["tasks.jsonl"] = Encoding.UTF8.GetBytes(tasks.ToString()),
            [DataPath] = bytes,
        };
        return DomainPackage.FromFiles(files, $"generated from {path}");
    }

    private static List<Example> Parse(string path, byte[] bytes, DatasetMatch match, double tolerance)
    {
        if (!double.IsFinite(tolerance) || tolerance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The numeric tolerance must be a finite number >= 0.");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DatasetFormatException(path, 0, "the file is not valid UTF-8; save it as UTF-8 JSONL");
        }

        var examples = new List<Example>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (i == 0)
            {
                line = line.TrimStart('\uFEFF');
            }

            if (line.Length == 0)
            {
                continue;
            }

            var example = ParseLine(path, i + 1, line, match, tolerance);
            if (!ids.Add(example.Id))
            {
                throw new DatasetFormatException(path, i + 1, $"duplicate id \"{example.Id}\"; ids must be unique");
            }

            if (examples.Count == MaxExamples)
            {
                throw new DatasetFormatException(path, i + 1, $"more than {MaxExamples:N0} examples; split the file");
            }

            examples.Add(example);
        }

        if (examples.Count == 0)
        {
            throw new DatasetFormatException(path, 0,
                "the dataset has no examples; write one JSON object per line: {\"input\": \"...\", \"expected\": \"...\", \"split\": \"train\"}");
        }

        return examples;
    }

    /// <summary>The name of a match mode as written in files and on the command line.</summary>
    /// <param name="match">The mode.</param>
    public static string ModeName(DatasetMatch match) => match switch
    {
        DatasetMatch.CaseInsensitive => "case-insensitive",
        DatasetMatch.Numeric => "numeric",
        _ => "exact",
    };

    /// <summary>Parses a match mode name (<c>exact</c>, <c>case-insensitive</c>, <c>numeric</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="match">The mode.</param>
    public static bool TryParseMode(string? name, out DatasetMatch match)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "exact":
                match = DatasetMatch.Exact;
                return true;
            case "case-insensitive":
                match = DatasetMatch.CaseInsensitive;
                return true;
            case "numeric":
                match = DatasetMatch.Numeric;
                return true;
            default:
                match = DatasetMatch.Exact;
                return false;
        }
    }

    /// <summary>The split an input is assigned to when its line names none: SHA-256 of the UTF-8 input, first 8 bytes
    /// as a little-endian unsigned integer, modulo 100: below 60 train, below 80 val, else test.</summary>
    /// <param name="input">The example input.</param>
    public static Split AssignSplit(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(input));
        var bucket = BitConverter.ToUInt64(hash, 0) % 100;
        return bucket < 60 ? Split.Train : bucket < 80 ? Split.Val : Split.Test;
    }

    private static Example ParseLine(string path, int lineNumber, string line, DatasetMatch fileMatch, double tolerance)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException(path, lineNumber, $"not valid JSON ({e.Message.Split(". ")[0].TrimEnd('.')}); each line must be one JSON object");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetFormatException(path, lineNumber, "the line is not a JSON object; expected {\"input\": \"...\", \"expected\": \"...\"}");
            }

            var input = RequiredString(path, lineNumber, root, "input", allowNumber: false);
            var expected = RequiredString(path, lineNumber, root, "expected", allowNumber: true);

            var split = AssignSplit(input);
            if (root.TryGetProperty("split", out var splitElement))
            {
                split = splitElement.ValueKind == JsonValueKind.String ? splitElement.GetString() switch
                {
                    "train" => Split.Train,
                    "val" => Split.Val,
                    "test" => Split.Test,
                    _ => throw new DatasetFormatException(path, lineNumber, $"unknown split \"{splitElement.GetString()}\"; use \"train\", \"val\" or \"test\", or omit it"),
                }
                : throw new DatasetFormatException(path, lineNumber, "\"split\" must be a string: \"train\", \"val\" or \"test\"");
            }

            var id = $"line-{lineNumber}";
            if (root.TryGetProperty("id", out var idElement))
            {
                id = idElement.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(idElement.GetString())
                    ? idElement.GetString()!
                    : throw new DatasetFormatException(path, lineNumber, "\"id\" must be a non-empty string");
            }

            var match = fileMatch;
            if (root.TryGetProperty("match", out var matchElement)
                && (matchElement.ValueKind != JsonValueKind.String || !TryParseMode(matchElement.GetString(), out match)))
            {
                throw new DatasetFormatException(path, lineNumber, "\"match\" must be \"exact\", \"case-insensitive\" or \"numeric\"");
            }

            if (match == DatasetMatch.Numeric && !TryNumber(expected, out _))
            {
                throw new DatasetFormatException(path, lineNumber, $"numeric matching needs a numeric \"expected\", but it is {Quote(expected)}");
            }

            var description = string.Create(CultureInfo.InvariantCulture, $"""
                Answer the question or instruction given as the task input. Return only the answer text, nothing else.
                It is compared with the expected answer by {ModeName(match)} matching: {MatchProse(match, tolerance)}
                Score: 1 for a matching answer, 0 otherwise.
                """);
            return new Example(id, split, input, description, match, lineNumber);
        }
    }

    private static string RequiredString(string path, int lineNumber, JsonElement root, string name, bool allowNumber)
    {
        if (!root.TryGetProperty(name, out var element))
        {
            throw new DatasetFormatException(path, lineNumber, $"missing field \"{name}\"; every line needs \"input\" and \"expected\"");
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Number when allowNumber => element.GetRawText(),
            _ => throw new DatasetFormatException(path, lineNumber, $"field \"{name}\" must be a string{(allowNumber ? " or a number" : string.Empty)}"),
        };
    }

    private static string MatchProse(DatasetMatch match, double tolerance) => match switch
    {
        DatasetMatch.Numeric => $"your answer must be a number (e.g. 42 or -3.5) within a relative tolerance of {tolerance:0.###e0} of the expected value (|answer - expected| <= tolerance * max(1, |expected|)).",
        DatasetMatch.CaseInsensitive => "equal after trimming, collapsing whitespace and ignoring case.",
        _ => "equal after trimming surrounding whitespace; case and inner spacing matter.",
    };

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        private static string Quote(string text) => text.Length <= 200 ? $"\"{text}\"" : $"\"{text[..197]}...\"";

    private sealed record Example(string Id, Split Split, string Input, string Description, DatasetMatch Match, int Line);
}
