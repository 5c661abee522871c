using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hyperagents.Domains;

/// <summary>What a domain package's answers are.</summary>
public enum AnswerKind
{
    /// <summary>One JSON value; an answer that does not parse is invalid before the evaluator sees it.</summary>
    Json,

    /// <summary>Free text, passed to the evaluator as is.</summary>
    Text,

    /// <summary>C# source defining the manifest's <c>entry</c> method; the runtime compiles it through the agent gate, calls
    /// it on each of the task's <c>calls</c> and gives the evaluator the runs.</summary>
    CSharp,
}

/// <summary>How a package's raw figure becomes the normalised, higher-is-better score.</summary>
public enum Normalisation
{
    /// <summary>Score = raw ÷ reference (higher is better) or reference ÷ raw (lower is better); every task needs a
    /// <c>reference</c>.</summary>
    Reference,

    /// <summary>Score = raw (the evaluator's figure is already a score, e.g. 0 or 1); only for higher-is-better.</summary>
    Raw,
}

/// <summary>Per-task bounds on a package's evaluator.</summary>
/// <param name="EvaluationMilliseconds">Wall-clock deadline of one evaluation; longer is an evaluator failure.</param>
/// <param name="MemoryMegabytes">GC heap limit of the evaluator worker process.</param>
/// <param name="FeedbackChars">Longest feedback kept; longer feedback is truncated.</param>
public sealed record PackageLimits(int EvaluationMilliseconds, int MemoryMegabytes, int FeedbackChars)
{
    /// <summary>The defaults: 10 s, 512 MiB, 1,024 characters.</summary>
    public static PackageLimits Default { get; } = new(10_000, 512, DomainLimits.MaxFeedbackChars);
}

/// <summary>One task of a package.</summary>
/// <param name="Id">The task id, unique in the package.</param>
/// <param name="Split">The split.</param>
/// <param name="Description">What the agent sees as the task description.</param>
/// <param name="Parameters">The parameters (shown to the agent).</param>
/// <param name="Input">The input text shown to the agent (from <c>input</c> or <c>inputFile</c>).</param>
/// <param name="DataFile">A package file only the evaluator reads (e.g. expected answers), or <see langword="null"/>.</param>
/// <param name="Reference">The raw figure at which the score is 1, or <see langword="null"/>.</param>
/// <param name="BestKnown">The best raw figure known anywhere (shown by <c>domains</c>), or <see langword="null"/>.</param>
/// <param name="Calls">Answer kind <c>csharp</c>: the arguments of each call, one JSON array each.</param>
public sealed record PackageTask(string Id, Split Split, string Description, IReadOnlyDictionary<string, string> Parameters, string? Input, string? DataFile, double? Reference, double? BestKnown, IReadOnlyList<string> Calls)
{
    /// <summary>Answer kind <c>csharp</c>: the method this task's answer defines, when the task declares its own
    /// <c>entry</c>; otherwise <see langword="null"/> and the manifest's <see cref="DomainPackage.Entry"/> applies.</summary>
    public CodeEntry? Entry { get; init; }
}

/// <summary>
/// A domain package: a folder with a manifest (<see cref="ManifestFile"/>), evaluator C# files under
/// <see cref="EvaluatorFolder"/> and any data files. Loaded into memory whole; its <see cref="Hash"/> is the SHA-256
/// of its paths and bytes, the evaluator hash of every run that uses it, whatever machine or build loads it.
/// </summary>
public sealed class DomainPackage
{
    /// <summary>The manifest's file name at the package root.</summary>
    public const string ManifestFile = "domain.json";

    /// <summary>The folder whose <c>.cs</c> files are the evaluator.</summary>
    public const string EvaluatorFolder = "evaluator";

    /// <summary>The manifest schema this version reads.</summary>
    public const string Schema = "hyperagents.domain/1";

    /// <summary>Most files in a package.</summary>
    public const int MaxFiles = 1_000;

    /// <summary>Most bytes in a package, all files together (64 MiB).</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    private static readonly JsonDocumentOptions ManifestOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private DomainPackage(IReadOnlyDictionary<string, byte[]> files, string origin)
    {
        Files = files;
        Origin = origin;
        Hash = ComputeHash(files);
    }

    /// <summary>Where the package was loaded from (a folder, or the run it is archived in), for messages.</summary>
    public string Origin { get; }

    /// <summary>Every file by '/'-separated relative path, in ordinal order.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of the package's paths and contents: the evaluator hash of its runs.</summary>
    public string Hash { get; }

    /// <summary>The domain name.</summary>
    public string Name { get; private set; } = "";

    /// <summary>The package version (free text, e.g. <c>1.0.0</c>).</summary>
    public string Version { get; private set; } = "";

    /// <summary>One paragraph describing the problem family.</summary>
    public string Description { get; private set; } = "";

    /// <summary>What answers are.</summary>
    public AnswerKind Answer { get; private set; }

    /// <summary>The manifest's <c>answerFormat</c>: what a JSON answer looks like (e.g. <c>{"circles": [[x, y, r], ...]}</c>),
    /// appended as "; expected …" to the runtime's own rejection of an answer that is not JSON; <see langword="null"/>
    /// when the manifest gives none.</summary>
    public string? AnswerFormat { get; private set; }

    /// <summary>The manifest's <c>rawFigure</c>: the short name of the raw figure shown next to scores (e.g. <c>Σr</c>);
    /// <c>raw</c> when the manifest gives none.</summary>
    public string RawFigure { get; private set; } = "raw";

    /// <summary>Whether a larger raw figure is better.</summary>
    public bool HigherIsBetter { get; private set; } = true;

    /// <summary>How raw figures become scores.</summary>
    public Normalisation Normalise { get; private set; }

    /// <summary>The evaluator's bounds.</summary>
    public PackageLimits Limits { get; private set; } = PackageLimits.Default;

    /// <summary>The task <c>score</c> uses when none is named, or <see langword="null"/>.</summary>
    public string? DefaultTaskId { get; private set; }

    /// <summary>Answer kind <c>csharp</c>: the method answers define, for tasks that declare no <c>entry</c> of their own
    /// (<see langword="null"/> when every task declares one).</summary>
    public CodeEntry? Entry { get; private set; }

    /// <summary>Every task, in manifest order.</summary>
    public IReadOnlyList<PackageTask> Tasks { get; private set; } = [];

    /// <summary>The MAP-Elites features the manifest declares (<c>features</c>, names of <see cref="DomainFeatures.Known"/>),
    /// or <see langword="null"/> when it declares none (the search then uses <see cref="DomainFeatures.Defaults"/>).</summary>
    public IReadOnlyList<string>? Features { get; private set; }

    /// <summary>The evaluator's C# files, path to text.</summary>
    public IReadOnlyDictionary<string, string> EvaluatorSources =>
        Files.Where(f => f.Key.StartsWith(EvaluatorFolder + "/", StringComparison.Ordinal) && f.Key.EndsWith(".cs", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal);

    /// <summary>Whether <paramref name="path"/> is a folder holding a package manifest (how <c>--domain</c> tells a
    /// package from a built-in name).</summary>
    /// <param name="path">A command-line value.</param>
    public static bool IsPackageFolder(string path) =>
        !string.IsNullOrWhiteSpace(path) && Directory.Exists(path) && File.Exists(Path.Combine(path, ManifestFile));

    /// <summary>Whether <paramref name="value"/> looks like a path rather than a domain name.</summary>
    /// <param name="value">A command-line value.</param>
    public static bool LooksLikePath(string value) =>
        value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal) || value.StartsWith('.') || Directory.Exists(value);

    /// <summary>Loads a package from its folder: every regular file under it except hidden ones and <c>bin/</c>, <c>obj/</c>.</summary>
    /// <param name="folder">The package folder.</param>
    /// <exception cref="DomainPackageException">The folder is not a valid package; the message says what to fix.</exception>
    public static DomainPackage LoadFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DomainPackageException($"Domain folder '{folder}' does not exist; create one with: hyperagents new domain {folder}");
        }

        if (!File.Exists(Path.Combine(root, ManifestFile)))
        {
            throw new DomainPackageException($"'{folder}' has no {ManifestFile}, so it is not a domain package; create one with: hyperagents new domain <folder>");
        }

        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        long total = 0;
        Walk(new DirectoryInfo(root), "");
        return FromFiles(files, root);

        void Walk(DirectoryInfo dir, string prefix)
        {
            foreach (var entry in dir.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry.Name.StartsWith('.') || (prefix.Length == 0 && entry.Name is "bin" or "obj"))
                {
                    continue;
                }

                var relative = prefix + entry.Name;
                if (entry.LinkTarget is not null)
                {
                    throw new DomainPackageException($"'{relative}' in domain folder '{folder}' is a symbolic link; a package holds regular files only: copy the file in.");
                }

                if (entry is DirectoryInfo sub)
                {
                    Walk(sub, relative + "/");
                    continue;
                }

                var file = (FileInfo)entry;
                total += file.Length;
                if (files.Count >= MaxFiles || total > MaxBytes)
                {
                    throw new DomainPackageException($"Domain folder '{folder}' holds more than {MaxFiles:N0} files or {MaxBytes / (1024 * 1024)} MiB; keep only the manifest, evaluator and data.");
                }

                files[relative] = File.ReadAllBytes(file.FullName);
            }
        }
    }

    /// <summary>Reads a package from its files (e.g. the copy archived in a run) and checks its manifest.</summary>
    /// <param name="files">Relative path to bytes.</param>
    /// <param name="origin">Where the files come from, for messages.</param>
    /// <exception cref="DomainPackageException">The manifest is missing or invalid.</exception>
    public static DomainPackage FromFiles(IReadOnlyDictionary<string, byte[]> files, string origin)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var path in files.Keys)
        {
            if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(p => p is "" or "." or ".."))
            {
                throw new DomainPackageException($"Package path '{path}' in {origin} is not a plain relative path.");
            }
        }

        var sorted = new SortedDictionary<string, byte[]>(files.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        var package = new DomainPackage(sorted, origin);
        package.ReadManifest();
        return package;
    }

    /// <summary>The hash of a set of package files: SHA-256 over each path and content, in ordinal path order.</summary>
    /// <param name="files">Relative path to bytes.</param>
    public static string ComputeHash(IReadOnlyDictionary<string, byte[]> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Schema + "\n"));
        foreach (var (path, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\0{bytes.Length.ToString(CultureInfo.InvariantCulture)}\0"));
            hash.AppendData(bytes);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The task with an id, or <see langword="null"/>.</summary>
    /// <param name="id">The task id.</param>
    public PackageTask? FindTask(string id) => Tasks.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.Ordinal));

    private void ReadManifest()
    {
        if (!Files.TryGetValue(ManifestFile, out var bytes))
        {
            throw Problem($"has no {ManifestFile}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, ManifestOptions);
        }
        catch (JsonException ex)
        {
            throw Problem($"{ManifestFile} is not valid JSON ({ex.Message.Split('.')[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Problem($"{ManifestFile} must hold one JSON object");
            }

            var schema = OptionalString(root, "schema") ?? Schema;
            if (schema != Schema)
            {
                throw Problem($"{ManifestFile} has schema '{schema}'; this version reads '{Schema}'");
            }

            Name = RequiredString(root, "name");
            if (!System.Text.RegularExpressions.Regex.IsMatch(Name, "^[a-z0-9][a-z0-9-]{0,63}$"))
            {
                throw Problem($"name '{Name}' must be 1–64 lower-case letters, digits and '-'");
            }

            Version = OptionalString(root, "version") ?? "0";
            Description = OptionalString(root, "description") ?? Name;
            Answer = (OptionalString(root, "answer") ?? "json") switch
            {
                "json" => AnswerKind.Json,
                "text" => AnswerKind.Text,
                "csharp" => AnswerKind.CSharp,
                var other => throw Problem($"answer '{other}' is not one of json, text, csharp"),
            };
            AnswerFormat = OptionalString(root, "answerFormat");
            RawFigure = OptionalString(root, "rawFigure") ?? "raw";
            ReadScore(root);
            ReadLimits(root);
            if (Answer == AnswerKind.CSharp && root.TryGetProperty("entry", out var entry))
            {
                Entry = ReadEntry(entry);
            }

            ReadTasks(root);
            Features = ReadFeatures(root);
            DefaultTaskId = OptionalString(root, "defaultTask");
            if (DefaultTaskId is not null && FindTask(DefaultTaskId) is null)
            {
                throw Problem($"defaultTask '{DefaultTaskId}' is not a task id");
            }

            if (EvaluatorSources.Count == 0)
            {
                throw Problem($"has no evaluator: add a .cs file under {EvaluatorFolder}/ with a class implementing Hyperagents.Evaluators.IEvaluator");
            }
        }
    }

    private void ReadScore(JsonElement root)
    {
        if (!root.TryGetProperty("score", out var score))
        {
            return;
        }

        HigherIsBetter = (OptionalString(score, "direction") ?? "higher") switch
        {
            "higher" => true,
            "lower" => false,
            var other => throw Problem($"score.direction '{other}' is not higher or lower"),
        };
        Normalise = (OptionalString(score, "normalise") ?? "reference") switch
        {
            "reference" => Normalisation.Reference,
            "raw" => Normalisation.Raw,
            var other => throw Problem($"score.normalise '{other}' is not reference or raw"),
        };
        if (Normalise == Normalisation.Raw && !HigherIsBetter)
        {
            throw Problem("score.normalise 'raw' needs direction 'higher' (scores are higher-is-better); use 'reference' for a lower-is-better figure");
        }
    }

    private void ReadLimits(JsonElement root)
    {
        if (!root.TryGetProperty("limits", out var limits))
        {
            return;
        }

        Limits = new PackageLimits(
            OptionalInt(limits, "evaluationMilliseconds", PackageLimits.Default.EvaluationMilliseconds, 10, 600_000),
            OptionalInt(limits, "memoryMegabytes", PackageLimits.Default.MemoryMegabytes, 128, 16_384),
            OptionalInt(limits, "feedbackChars", PackageLimits.Default.FeedbackChars, 16, 65_536));
    }

    /// <summary>The answer's method, in the manifest's or a task's <c>entry</c>.</summary>
    /// <param name="entry">The <c>entry</c> value.</param>
    private CodeEntry ReadEntry(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Problem("\"entry\" must be an object: {\"type\": \"Solution\", \"method\": \"Solve\", \"parameters\": [\"int[]\"], \"returns\": \"int\"}");
        }

        var parameters = entry.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw Problem("entry.parameters must be C# type names")).ToList()
            : [];
        return new CodeEntry(RequiredString(entry, "type"), RequiredString(entry, "method"), parameters, RequiredString(entry, "returns"));
    }

    private void ReadTasks(JsonElement root)
    {
        if (!root.TryGetProperty("tasks", out var tasks) || tasks.ValueKind is not (JsonValueKind.Array or JsonValueKind.String))
        {
            throw Problem("needs \"tasks\": a non-empty array of {\"id\", \"split\", ...}, or the path of a JSONL file with one such task a line");
        }

        var documents = new List<JsonDocument>();
        try
        {
            var elements = tasks.ValueKind == JsonValueKind.Array ? tasks.EnumerateArray().ToList() : ReadTaskFile(tasks.GetString()!, documents);
            if (elements.Count == 0)
            {
                throw Problem("\"tasks\" lists no task; add at least one {\"id\", \"split\", ...}");
            }

            ReadTaskList(elements);
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    /// <summary>The tasks of a JSONL task file: one task object a line, blank lines skipped.</summary>
    private List<JsonElement> ReadTaskFile(string path, List<JsonDocument> documents)
    {
        if (!Files.TryGetValue(path, out var bytes))
        {
            throw Problem($"tasks '{path}' is not a file of the package");
        }

        var elements = new List<JsonElement>();
        var number = 0;
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line, ManifestOptions);
            }
            catch (JsonException ex)
            {
                throw Problem($"line {number} of tasks file '{path}' is not JSON ({ex.Message.Split('.')[0]})");
            }

            documents.Add(document);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Problem($"line {number} of tasks file '{path}' must be one task object");
            }

            elements.Add(document.RootElement);
        }

        return elements;
    }

    private void ReadTaskList(List<JsonElement> tasks)
    {
        var list = new List<PackageTask>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            var id = RequiredString(task, "id");
            if (!ids.Add(id))
            {
                throw Problem($"task id '{id}' appears twice");
            }

            var split = RequiredString(task, "split") switch
            {
                "train" => Split.Train,
                "val" => Split.Val,
                "test" => Split.Test,
                var other => throw Problem($"task '{id}' has split '{other}'; use train, val or test"),
            };
            var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (task.TryGetProperty("parameters", out var ps))
            {
                if (ps.ValueKind != JsonValueKind.Object)
                {
                    throw Problem($"task '{id}': parameters must be an object");
                }

                foreach (var property in ps.EnumerateObject())
                {
                    parameters[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                }
            }

            var input = OptionalString(task, "input");
            if (OptionalString(task, "inputFile") is { } inputFile)
            {
                input = Encoding.UTF8.GetString(RequireFile(id, "inputFile", inputFile));
            }

            var data = OptionalString(task, "data");
            if (data is not null)
            {
                RequireFile(id, "data", data);
            }

            double? reference = OptionalNumber(task, "reference");
            if (Normalise == Normalisation.Reference && reference is not (> 0))
            {
                throw Problem($"task '{id}' needs a positive \"reference\" (score.normalise is 'reference'); or set score.normalise to 'raw'");
            }

            var calls = ReadCalls(task, id);
            var description = OptionalString(task, "description") ?? $"{Description} Task {id}.";
            CodeEntry? entry = null;
            if (task.TryGetProperty("entry", out var taskEntry))
            {
                entry = Answer == AnswerKind.CSharp ? ReadEntry(taskEntry) : throw Problem($"task '{id}' has an \"entry\", which only answer 'csharp' uses");
            }
            else if (Answer == AnswerKind.CSharp && Entry is null)
            {
                throw Problem($"answer 'csharp' needs an \"entry\" in the manifest or in task '{id}': {{\"type\": \"Solution\", \"method\": \"Solve\", \"parameters\": [\"int[]\"], \"returns\": \"int\"}}");
            }

            list.Add(new PackageTask(id, split, description, parameters, input, data, reference, OptionalNumber(task, "bestKnown"), calls) { Entry = entry });
        }

        Tasks = list;
    }

    private List<string> ReadCalls(JsonElement task, string id)
    {
        if (!task.TryGetProperty("calls", out var calls))
        {
            if (Answer == AnswerKind.CSharp)
            {
                throw Problem($"task '{id}' needs \"calls\" (answer 'csharp'): an array of argument arrays, or the path of a JSONL file with one argument array a line");
            }

            return [];
        }

        IEnumerable<string> lines = calls.ValueKind switch
        {
            JsonValueKind.Array => calls.EnumerateArray().Select(c => c.GetRawText()),
            JsonValueKind.String => Encoding.UTF8.GetString(RequireFile(id, "calls", calls.GetString()!)).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0),
            _ => throw Problem($"task '{id}': calls must be an array or a file path"),
        };
        var list = new List<string>();
        foreach (var line in lines)
        {
            try
            {
                using var call = JsonDocument.Parse(line);
                if (call.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw Problem($"task '{id}': each call must be a JSON array of arguments, not {line[..Math.Min(40, line.Length)]}");
                }
            }
            catch (JsonException)
            {
                throw Problem($"task '{id}': call '{line[..Math.Min(40, line.Length)]}' is not JSON");
            }

            list.Add(line);
        }

        return list;
    }

    private byte[] RequireFile(string id, string field, string path) =>
        Files.TryGetValue(path, out var bytes) ? bytes : throw Problem($"task '{id}': {field} '{path}' is not a file of the package");

    private static string RequiredString(JsonElement element, string name) =>
        OptionalString(element, name) is { Length: > 0 } value ? value : throw new DomainPackageException($"A required string \"{name}\" is missing from {ManifestFile}.");

    private static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new DomainPackageException($"\"{name}\" in {ManifestFile} must be a string.")
            : null;

    private static double? OptionalNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw new DomainPackageException($"\"{name}\" in {ManifestFile} must be a finite number.")
            : null;

    private int OptionalInt(JsonElement element, string name, int fallback, int min, int max)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) && i >= min && i <= max
            ? i
            : throw Problem($"limits.{name} must be an integer between {min} and {max}");
    }

    private DomainPackageException Problem(string what) => new($"Domain package {Origin}: {what}.");

    private IReadOnlyList<string>? ReadFeatures(JsonElement root)
    {
        if (!root.TryGetProperty("features", out var features))
        {
            return null;
        }

        var known = string.Join(", ", DomainFeatures.Known);
        if (features.ValueKind != JsonValueKind.Array || features.GetArrayLength() is 0 or > 4
            || features.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String))
        {
            throw Problem($"\"features\" in {ManifestFile} must be a list of 1 to 4 names among {known}");
        }

        var names = features.EnumerateArray().Select(f => f.GetString()!).ToList();
        if (names.FirstOrDefault(n => !DomainFeatures.Known.Contains(n)) is { } unknown)
        {
            throw Problem($"feature '{unknown}' is not one of {known}");
        }

        return names.Distinct(StringComparer.Ordinal).ToList();
    }
}

/// <summary>A domain package that cannot be used: the message names the problem and the fix.</summary>
public sealed class DomainPackageException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public DomainPackageException(string message)
        : base(message)
    {
    }
}
