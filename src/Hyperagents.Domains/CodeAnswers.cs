namespace Hyperagents.Domains;

/// <summary>The method a C#-source answer must define: <c>public static</c> <see cref="MethodName"/> on <see cref="TypeName"/>.</summary>
/// <param name="TypeName">The class that holds the method, e.g. <c>Solution</c>.</param>
/// <param name="MethodName">The method tests call.</param>
/// <param name="ParameterTypes">C# type names of the parameters, in order (e.g. <c>int[]</c>, <c>string</c>).</param>
/// <param name="ReturnType">C# type name of the result.</param>
public sealed record CodeEntry(string TypeName, string MethodName, IReadOnlyList<string> ParameterTypes, string ReturnType);

/// <summary>What one call of the answer's entry method gave.</summary>
/// <param name="Ok">True when the call returned; false when it threw, ran out of time or memory, or its result could not be written.</param>
/// <param name="OutputJson">The returned value as JSON when <paramref name="Ok"/>.</param>
/// <param name="Error">Why the call failed, in one line, when not <paramref name="Ok"/>.</param>
public sealed record CodeRun(bool Ok, string? OutputJson, string? Error);

/// <summary>The outcome of compiling a C#-source answer and calling its entry once per input.</summary>
/// <param name="Compiled">False when the source did not compile or the capability gate refused it.</param>
/// <param name="CompileError">The compiler's or gate's message when not <paramref name="Compiled"/>.</param>
/// <param name="Runs">One run per input, in input order; empty when not <paramref name="Compiled"/>.</param>
public sealed record CodeRunReport(bool Compiled, string? CompileError, IReadOnlyList<CodeRun> Runs);

/// <summary>
/// Runs untrusted C#-source answers: compiles them through the same gate as agent code and calls the entry method in the
/// run's isolation tier, never in the host process. Domains whose answers are C# source receive the report and score it.
/// </summary>
public interface ICodeAnswerRunner
{
    /// <summary>Compiles <paramref name="source"/> and calls <paramref name="entry"/> once for each JSON array of arguments.</summary>
    /// <param name="source">The answer: C# source defining <see cref="CodeEntry.TypeName"/>.</param>
    /// <param name="entry">The method to call.</param>
    /// <param name="argumentsJson">One JSON array of arguments per call.</param>
    /// <param name="cancellationToken">Stops the runs.</param>
    /// <returns>The compile outcome and one run per input.</returns>
    Task<CodeRunReport> RunAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken);
}
