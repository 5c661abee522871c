using System.Text.Json.Serialization;
using Hyperagents.Transport;

namespace Hyperagents.Hosting.Native;

/// <summary>The worker announces itself.</summary>
internal sealed record WorkerHello(int Protocol, int ProcessId);

/// <summary>One entry-point call for the worker. The image travels after the JSON, in the same frame.</summary>
/// <param name="Entry"><c>solve</c> or <c>meta</c>.</param>
/// <param name="AssemblyName">The agent's assembly name, for the load context's name.</param>
/// <param name="MaxOutputChars">How many characters of console output the worker keeps.</param>
/// <param name="MaxMessageBytes">The answer cap; a larger answer is reported by size only.</param>
/// <param name="Task">The task invocation when <paramref name="Entry"/> is <c>solve</c>.</param>
/// <param name="Meta">The meta invocation when <paramref name="Entry"/> is <c>meta</c>.</param>
internal sealed record WorkerJob(string Entry, string AssemblyName, int MaxOutputChars, int MaxMessageBytes, TaskInvocation? Task, MetaInvocation? Meta)
{
    public const string Solve = "solve";
    public const string ModifySelf = "meta";
}

/// <summary>The end of a call as the worker reports it. The answer and output travel as raw UTF-8 after the JSON.</summary>
/// <param name="Result">The invocation result with <see cref="InvocationResult.Answer"/> left empty.</param>
/// <param name="OutputDropped">Characters of console output the worker dropped at its cap.</param>
/// <param name="AnswerBytes">Set instead of an answer when the answer exceeded the cap: its UTF-8 size.</param>
internal sealed record WorkerResult(InvocationResult Result, long OutputDropped, long? AnswerBytes);

/// <summary>A diagnostic question about the worker process (tests and health checks).</summary>
/// <param name="Name"><c>environment</c> or <c>ping</c>.</param>
internal sealed record WorkerProbe(string Name);

/// <summary>The answer to a <see cref="WorkerProbe"/>.</summary>
internal sealed record WorkerProbeReply(int ProcessId, IReadOnlyDictionary<string, string> Values);

/// <summary>Source-generated contracts of the worker protocol.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(WorkerHello))]
[JsonSerializable(typeof(WorkerJob))]
[JsonSerializable(typeof(WorkerResult))]
[JsonSerializable(typeof(WorkerProbe))]
[JsonSerializable(typeof(WorkerProbeReply))]
[JsonSerializable(typeof(HostError))]
internal sealed partial class WorkerJson : JsonSerializerContext;
