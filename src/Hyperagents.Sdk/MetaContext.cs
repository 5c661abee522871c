using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>Everything <c>ModifySelf</c> may use: its own workspace, its lineage, the compiler, try-evaluation, a model,
/// the offline mutation toolkit, a seeded random source, a log and the budget.</summary>
/// <remarks>
/// A hyperagent declares its meta entry point as a public static method of a public class:
/// <code>public static Task ModifySelf(MetaContext context)</code>
/// The child is whatever the workspace holds when the method returns. The workspace holds this hyperagent's own files,
/// meta files included, so a meta agent can rewrite how it rewrites. Evaluators, domain data, budgets and policy are
/// not in it and cannot be reached.
/// </remarks>
public sealed class MetaContext
{
    private readonly IHostChannel _channel;

    internal MetaContext(MetaInvocation invocation, IHostChannel channel)
    {
        _channel = channel;
        Instruction = invocation.Instruction;
        ModelAvailable = invocation.ModelAvailable;
        Domains = invocation.Domains;
        Workspace = new Workspace(channel);
        Lineage = new Lineage(channel);
        Mutations = new MutationToolkit(channel);
        Chat = new Chat(channel, ChatRole.Meta);
        Random = new SeededRandom(invocation.Seed);
        Log = new AgentLog(channel);
        Budget = new Budget(channel);
    }

    /// <summary>The instruction from the run, e.g. "modify any part of the codebase".</summary>
    public string Instruction { get; }

    /// <summary>Whether a model is configured for the meta role; when not, use <see cref="Mutations"/>.</summary>
    public bool ModelAvailable { get; }

    /// <summary>The domains the run evaluates on, e.g. <c>circle-packing</c>.</summary>
    public IReadOnlyList<string> Domains { get; }

    /// <summary>This hyperagent's own files; the child is what it holds when <c>ModifySelf</c> returns.</summary>
    public Workspace Workspace { get; }

    /// <summary>A read-only view of this variant's ancestry with train-split evidence.</summary>
    public Lineage Lineage { get; }

    /// <summary>The offline mutation toolkit: seeded syntax mutations performed by the host.</summary>
    public MutationToolkit Mutations { get; }

    /// <summary>The language model configured for the meta role.</summary>
    public Chat Chat { get; }

    /// <summary>A random source seeded by the host.</summary>
    public SeededRandom Random { get; }

    /// <summary>The agent's log.</summary>
    public AgentLog Log { get; }

    /// <summary>What is left of this call's budget.</summary>
    public Budget Budget { get; }

    /// <summary>Compiles and gates the current workspace, as the host will compile the child.</summary>
    public ValueTask<CompileReport> CompileAsync() =>
        _channel.CallAsync(Capabilities.Compile, new Ack(), SdkJson.Default.Ack, SdkJson.Default.CompileReport);

    /// <summary>Scores the current workspace on training tasks in a fresh isolate; charged to the budget.</summary>
    /// <param name="maxTasks">How many training tasks to run at most.</param>
    /// <exception cref="HostCallException">The evaluation budget is spent (<c>budget-exhausted</c>).</exception>
    public ValueTask<EvaluationReport> TryEvaluateAsync(int maxTasks = 3) =>
        _channel.CallAsync(Capabilities.Evaluate, new EvaluateRequest(maxTasks), SdkJson.Default.EvaluateRequest, SdkJson.Default.EvaluationReport);

    /// <summary>The scratchpad: compiles a C# snippet with the same references and gate as an agent and runs it in a
    /// fresh isolate with a task's limits (its deadline capped at 10 s); charged to the budget.</summary>
    /// <param name="code">C# statements (script syntax: top-level statements, <c>await</c>, methods, types, <c>using</c>
    /// directives), optionally ending in an expression without <c>;</c> whose value is returned as text. Snippets chain
    /// as C# script submissions: one sees the variables, methods and types of the earlier snippets of this call that
    /// completed (they run again, quietly, before it). <c>context</c> is a <see cref="TaskContext"/>:
    /// <c>context.Random</c> and <c>context.Log</c> work; there is no task input and no model.</param>
    /// <returns>The outcome, the value, the console output and, when it did not compile, the diagnostics (lines are
    /// the snippet's).</returns>
    /// <exception cref="HostCallException">The snippet budget is spent (<c>budget-exhausted</c>).</exception>
    /// <example><code>var r = await context.RunSnippetAsync("Enumerable.Range(1, 10).Sum(i => i * i)"); // r.Value == "385"</code></example>
    public ValueTask<SnippetReport> RunSnippetAsync(string code) =>
        _channel.CallAsync(Capabilities.RunSnippet, new SnippetRequest(code), SdkJson.Default.SnippetRequest, SdkJson.Default.SnippetReport);
}

/// <summary>What a scratchpad snippet did.</summary>
/// <param name="Outcome">How the run ended: <c>completed</c>, <c>rejected</c> (did not compile or failed the gate; see
/// <paramref name="Diagnostics"/>), <c>compile-timeout</c>, or the failure, e.g. <c>deadline</c>, <c>out-of-fuel</c>,
/// <c>guest-exception</c>.</param>
/// <param name="Value">The trailing expression's value as invariant text, <c>""</c> when there is none;
/// <see langword="null"/> unless completed.</param>
/// <param name="Detail">For a failure: what happened (exception type and message, the limit that was hit).</param>
/// <param name="Output">The snippet's log lines (<c>context.Log</c>), capped; the console is not available to agents.</param>
/// <param name="Diagnostics">Compiler errors and gate violations, with snippet lines.</param>
/// <param name="Fuel">Fuel the run consumed in the sandbox; <see langword="null"/> in native mode.</param>
/// <param name="Milliseconds">Wall time of the run.</param>
public sealed record SnippetReport(string Outcome, string? Value, string? Detail, string Output, IReadOnlyList<CompileDiagnostic> Diagnostics, long? Fuel, double Milliseconds)
{
    /// <summary>Whether the snippet compiled, passed the gate and ran to completion.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Completed => Outcome == "completed";
}

/// <summary>The result of compiling and gating a hyperagent.</summary>
/// <param name="Success">Whether it compiled, passed the gate and has both entry points.</param>
/// <param name="Diagnostics">Errors and gate violations, each with file and line.</param>
public sealed record CompileReport(bool Success, IReadOnlyList<CompileDiagnostic> Diagnostics);

/// <summary>One compiler error or gate violation.</summary>
/// <param name="File">The file, relative to the hyperagent.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
/// <param name="Id">The diagnostic id, e.g. <c>CS0103</c> or <c>HA0001</c> for a gate violation.</param>
/// <param name="Message">The message.</param>
public sealed record CompileDiagnostic(string File, int Line, int Column, string Id, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}({Line},{Column}): {Id}: {Message}";
}

/// <summary>The result of a try-evaluation.</summary>
/// <param name="Score">The mean score over the tasks run, in [0, 1] after normalisation by the domain.</param>
/// <param name="Tasks">Per-task results.</param>
/// <param name="Compile">The compile report; when it failed, no task ran.</param>
public sealed record EvaluationReport(double Score, IReadOnlyList<TaskFeedback> Tasks, CompileReport Compile);

/// <summary>The evaluator's verdict on one task, as the meta agent may see it (train split only).</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Outcome">How the run ended, e.g. <c>completed</c>, <c>timeout</c>, <c>guest-exception</c>.</param>
/// <param name="Score">The normalised score.</param>
/// <param name="Feedback">The evaluator's feedback: validity, raw figures, what was wrong.</param>
public sealed record TaskFeedback(string TaskId, string Outcome, double Score, string Feedback);
