using System.Text.Json.Serialization;

namespace Hyperagents.Compiler;

/// <summary>One compile for a compile worker: the agent's files (all of them: the assembly name derives from their hash)
/// and the gate policy in force on the host.</summary>
/// <param name="Files">Relative path to content, as the host's <see cref="AgentSource"/> holds them.</param>
/// <param name="ContentHash">The host's <see cref="AgentSource.ContentHash"/>; the worker checks it.</param>
/// <param name="Policy">The gate policy text.</param>
/// <param name="PolicyHash">The host's <see cref="GatePolicy.Hash"/>; the worker checks it.</param>
/// <param name="Script">A script submission to compile instead of the files.</param>
internal sealed record CompileRequest(Dictionary<string, string> Files, string ContentHash, string Policy, string PolicyHash, ScriptRequest? Script = null);

/// <summary>A <see cref="ScriptSource"/> on the wire.</summary>
internal sealed record ScriptRequest(List<string> Submissions, List<byte[]> Libraries, List<string> Imports, string FilePath)
{
    public static ScriptRequest Of(ScriptSource source) => new([.. source.Submissions], [.. source.Libraries], [.. source.Imports], source.FilePath);

    public ScriptSource ToSource() => new(Submissions, Libraries, Imports, FilePath);
}

/// <summary>How a compile in a worker ended. The image, when there is one, follows the JSON in the same frame.</summary>
/// <param name="Outcome">One of the constants below.</param>
/// <param name="Success">The compile report's verdict (only with <see cref="Compiled"/>).</param>
/// <param name="Diagnostics">The compile report's diagnostics (only with <see cref="Compiled"/>).</param>
/// <param name="Detail">What went wrong, for the other outcomes.</param>
/// <param name="HasValue">For a script submission: whether it ends in an expression with a value.</param>
internal sealed record CompileReply(string Outcome, bool Success, List<CompileDiagnostic> Diagnostics, string? Detail, bool HasValue = false)
{
    /// <summary>The compiler ran to the end; the report says whether the agent passed.</summary>
    public const string Compiled = "compiled";

    /// <summary>The compiler ran out of the worker's memory; the worker exits after replying.</summary>
    public const string OutOfMemory = "out-of-memory";

    /// <summary>The compiler threw; the worker exits after replying.</summary>
    public const string Fault = "fault";
}

/// <summary>Source-generated contracts of the compile worker protocol.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CompileRequest))]
[JsonSerializable(typeof(CompileReply))]
internal sealed partial class CompileWorkerJson : JsonSerializerContext;
