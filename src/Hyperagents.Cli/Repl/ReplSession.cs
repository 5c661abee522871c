using System.Globalization;
using System.Security.Cryptography;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Cli.Repl;

/// <summary>One C# session of <c>hyperagents repl</c>: every submission is compiled as the next submission of a script
/// chain (<see cref="ScriptCompiler"/>), gated like agent code, and run with the chain in a fresh isolate of the chosen
/// runner (<see cref="ScriptBundle"/>); nothing of it runs in this process.</summary>
internal sealed class ReplSession
{
    private readonly AgentCompiler _compiler;
    private readonly IAgentRunner _runner;
    private readonly IDomain? _domain;
    private readonly TaskSpec _task;
    private readonly byte[]? _agent;
    private readonly string? _agentType;
    private readonly RunLimits _limits;
    private readonly ulong _seed;
    private readonly List<(string Code, byte[] Image)> _chain = [];

    public ReplSession(AgentCompiler compiler, IAgentRunner runner, IDomain? domain, TaskSpec task, CompiledAgent? agent, string? agentType, RunLimits limits, ulong seed)
    {
        _compiler = compiler;
        _runner = runner;
        _domain = domain;
        _task = task;
        _agent = agent?.Image;
        _agentType = agentType;
        _limits = limits;
        _seed = seed;
    }

    /// <summary>The value of the last submission that completed with one.</summary>
    public string? LastValue { get; private set; }

    /// <summary>The task <c>context</c> stands for.</summary>
    public TaskSpec Task => _task;

    /// <summary>Compiles and runs one submission; what to print comes back as lines.</summary>
    public async Task<ReplResult> SubmitAsync(string code, CancellationToken cancellationToken)
    {
        var source = new ScriptSource([.. _chain.Select(c => c.Code), code], _agent is null ? [] : [_agent],
            _agentType is null ? [] : [_agentType], "repl");
        var compiled = _compiler.CompileScriptWithin(source, _limits.WallClock, cancellationToken);
        if (!compiled.Report.Success || compiled.Image is null)
        {
            return new ReplResult("rejected", null, compiled.Report.Diagnostics, string.Empty, null);
        }

        var bundle = ScriptBundle.Pack(_agent is null ? [] : [_agent], [.. _chain.Select(c => c.Image), compiled.Image]);
        var agent = new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(bundle)), "repl", bundle);
        var session = AgentSession.ForTask(null, new SessionOptions { WallClock = _limits.WallClock, MaxEvaluations = 0 });
        var outcome = await _runner.SolveTaskAsync(agent, new TaskInvocation(_task, _seed), session, _limits, cancellationToken).ConfigureAwait(false);
        var output = string.Join('\n', session.LogLines.Append(outcome.Output ?? string.Empty).Where(l => l.Length > 0));
        if (!outcome.IsCompleted)
        {
            var detail = outcome.ExceptionType is null ? outcome.Detail : $"{outcome.ExceptionType}: {outcome.Detail}";
            return new ReplResult(outcome.Label, null, [], output, detail);
        }

        _chain.Add((code, compiled.Image));
        var value = compiled.HasValue ? outcome.Answer ?? string.Empty : null;
        if (value is not null)
        {
            LastValue = value;
        }

        return new ReplResult("completed", value, [], output, null);
    }

    /// <summary>Scores the last value with the domain's host evaluator, as the loop scores an answer.</summary>
    public string Score()
    {
        if (_domain is null)
        {
            return "no domain: start the REPL with --domain <d> (or from a run) to score answers.";
        }

        if (LastValue is null)
        {
            return "nothing to score yet: end a submission with an expression (e.g. 'await SolveTask(context)').";
        }

        var score = _domain.Evaluate(_task, LastValue);
        var verdict = score.Fault is not null ? "evaluator-failed" : score.Valid ? "valid" : "invalid";
        return $"score {score.Score.ToString("0.000000", CultureInfo.InvariantCulture)} ({verdict}" +
               (score.Raw is { } raw ? $", raw {raw.ToString("G6", CultureInfo.InvariantCulture)}" : string.Empty) + ")" +
               (string.IsNullOrWhiteSpace(score.Feedback) ? string.Empty : ": " + score.Feedback);
    }
}

/// <summary>How one submission ended.</summary>
/// <param name="Outcome"><c>completed</c>, <c>rejected</c> (compile or gate), or the runner's outcome label.</param>
/// <param name="Value">The value shown, when the submission ended in an expression.</param>
/// <param name="Diagnostics">Compile and gate diagnostics, with the submission's line and column.</param>
/// <param name="Output">Log lines and console output.</param>
/// <param name="Detail">What ended the call, when it did not complete.</param>
internal sealed record ReplResult(string Outcome, string? Value, IReadOnlyList<CompileDiagnostic> Diagnostics, string Output, string? Detail);
