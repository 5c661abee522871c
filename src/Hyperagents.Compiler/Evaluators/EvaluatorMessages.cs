using System.Text.Json.Serialization;

namespace Hyperagents.Compiler;

/// <summary>One request to an evaluator worker: load a package (<see cref="Load"/>), or score one answer with the
/// package loaded (<see cref="Evaluate"/>).</summary>
internal sealed record EvaluatorRequest(string Kind)
{
    public const string Load = "load";
    public const string Evaluate = "evaluate";

    /// <summary>Load: the evaluator policy text and its hash (the worker checks it).</summary>
    public string? Policy { get; init; }

    public string? PolicyHash { get; init; }

    /// <summary>Load: every file of the package.</summary>
    public Dictionary<string, byte[]>? Files { get; init; }

    /// <summary>Load: the package hash (the worker checks it).</summary>
    public string? PackageHash { get; init; }

    /// <summary>Load: the folder of the compiled-evaluator cache, or <see langword="null"/> for none.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>Load: the longest feedback the worker sends back.</summary>
    public int FeedbackChars { get; init; }

    public EvalTaskMessage? Task { get; init; }

    public string? Answer { get; init; }

    /// <summary>Evaluate: the exact re-check (<c>EvalInput.Exact</c>).</summary>
    public bool Exact { get; init; }

    public CodeRunsMessage? CodeRuns { get; init; }
}

internal sealed record EvalTaskMessage(string Id, string Split, Dictionary<string, string> Parameters, string? Input, string? DataFile, double? Reference);

internal sealed record CodeRunsMessage(bool Compiled, string? CompileError, List<string> Calls, List<CodeCallMessage> Runs);

internal sealed record CodeCallMessage(bool Ok, string? OutputJson, string? Error);

/// <summary>An evaluator worker's reply.</summary>
/// <param name="Outcome">One of the constants.</param>
/// <param name="Valid">Evaluate: the verdict.</param>
/// <param name="Raw">Evaluate: the raw figure (finite; the worker checks).</param>
/// <param name="Feedback">Evaluate: capped feedback.</param>
/// <param name="Detail">Rejected or fault: what went wrong.</param>
internal sealed record EvaluatorReply(string Outcome, bool Valid, double Raw, string? Feedback, string? Detail)
{
    public const string Loaded = "loaded";
    public const string Rejected = "rejected";
    public const string Ok = "ok";
    public const string Fault = "fault";
    public const string OutOfMemory = "out-of-memory";

    /// <summary>Loaded: what the compiled-evaluator cache did (an <see cref="EvaluatorCacheResult"/> name).</summary>
    public string? Cache { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(EvaluatorRequest))]
[JsonSerializable(typeof(EvaluatorReply))]
internal sealed partial class EvaluatorJson : JsonSerializerContext;
