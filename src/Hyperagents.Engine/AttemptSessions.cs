using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Engine;

/// <summary>Where an attempt's <c>ModifySelf</c> session runs: in this process (the loop's own code path when
/// <see cref="RunServices.Attempts"/> is <see langword="null"/>) or on a cluster's node. Whoever runs it, the loop
/// checks, compiles and gates the child itself.</summary>
public interface IAttemptExecutor
{
    /// <summary>Runs one session and returns what it produced.</summary>
    /// <param name="work">The session: the parent's files, the meta agent, the seed, the settings it needs.</param>
    /// <param name="cancellationToken">Stops the session: it then throws <see cref="OperationCanceledException"/>.</param>
    Task<SessionResult> ModifySelfAsync(SessionWork work, CancellationToken cancellationToken);
}

/// <summary>Everything one <c>ModifySelf</c> session needs, nothing of the archive but the parent's lineage as the
/// agent may read it. Model access is not in it: whoever runs the session uses its own.</summary>
public sealed record SessionWork
{
    /// <summary>The attempt number.</summary>
    public required int Attempt { get; init; }

    /// <summary>The parent variant.</summary>
    public required string ParentId { get; init; }

    /// <summary>The parent's files: the session's workspace.</summary>
    public required IReadOnlyDictionary<string, string> ParentFiles { get; init; }

    /// <summary>The compiled meta agent (the parent's own, or the seed's under <c>no-selfimprove</c>).</summary>
    public required CompiledAgent MetaAgent { get; init; }

    /// <summary>The meta seed: of the agent's random source and of its try-evaluations.</summary>
    public required ulong MetaSeed { get; init; }

    /// <summary>The model session id, unique per call.</summary>
    public required string Session { get; init; }

    /// <summary>The meta model the bandit chose, or <see langword="null"/>.</summary>
    public int? MetaArm { get; init; }

    /// <summary>The parent's lineage, parent first, up to the seed (<see cref="MetaTools.LineageOf"/>).</summary>
    public required IReadOnlyList<LineageEntry> Lineage { get; init; }

    /// <summary>The instruction the meta agent gets.</summary>
    public required string Instruction { get; init; }

    /// <summary>The limits of the session.</summary>
    public required RunLimits MetaLimits { get; init; }

    /// <summary>The limits of each try-evaluation's task call.</summary>
    public required RunLimits TaskLimits { get; init; }

    /// <summary>How many try-evaluations the session may make.</summary>
    public required int MaxTryEvaluations { get; init; }

    /// <summary>The deadline of each compile.</summary>
    public required TimeSpan CompileTimeout { get; init; }

    /// <summary>The run's tasks per split (<see cref="RunSettings.TasksPerSplit"/>), which the domain is limited to.</summary>
    public int? TasksPerSplit { get; init; }

    /// <summary>The run's model budgets and spend when a session is sent to run elsewhere (a cluster node), which its
    /// model calls must not exceed; <see langword="null"/> in the run's own process, whose ledger refuses the calls.</summary>
    public ModelBudget? Budget { get; init; }
}

/// <summary>What a <c>ModifySelf</c> session produced, as it travels: plain data.</summary>
/// <param name="Files">The child: the workspace when the call ended.</param>
/// <param name="Outcome">How the call ended.</param>
/// <param name="Transcript">The transcript text (<see cref="Archive.Transcript.Write"/>).</param>
/// <param name="ProtectedPathAttempts">The protected paths the agent reached for.</param>
/// <param name="Usage">The model usage of the session (the ledger entry of whoever made the calls).</param>
/// <param name="ModelFailure">The first model failure the host refused the agent with, or <see langword="null"/>.</param>
public sealed record SessionResult(IReadOnlyDictionary<string, string> Files, AgentOutcome Outcome, string Transcript, IReadOnlyList<string> ProtectedPathAttempts, ModelUsage? Usage, string? ModelFailure)
{
    /// <summary>The same as a <see cref="SessionResult"/>.</summary>
    /// <param name="modification">A session's result in this process.</param>
    public static SessionResult Of(Modification modification)
    {
        ArgumentNullException.ThrowIfNull(modification);
        return new(modification.Files, modification.Outcome, Archive.Transcript.Write(modification.Transcript), modification.Workspace.ProtectedPathAttempts, modification.Usage, modification.ModelFailure);
    }
}

/// <summary>Runs <c>ModifySelf</c> sessions: the one code path of the loop (in the orchestrator) and of a node.</summary>
public static class ModifySelfSessions
{
    /// <summary>Runs <paramref name="work"/> with this process's compiler, runner and models, on <paramref name="domain"/>.</summary>
    /// <param name="work">The session.</param>
    /// <param name="domain">The domain (try-evaluations run its train tasks).</param>
    /// <param name="compiler">The compiler the session's compiles use (advisory: the orchestrator gates the child).</param>
    /// <param name="runner">Where the meta agent and its try-evaluations run.</param>
    /// <param name="models">This process's model access, with its own keys.</param>
    /// <param name="cancellationToken">Stops the session.</param>
    public static async Task<SessionResult> RunAsync(SessionWork work, IDomain domain, AgentCompiler compiler, IAgentRunner runner, IModelAccess models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(runner);
        var evaluator = new TaskEvaluator(domain, runner, models, work.TaskLimits, runner.Capacity);
        var modification = await RunAsync(work, compiler, evaluator, runner, models, max => [.. work.Lineage.Take(max + 1)], cancellationToken).ConfigureAwait(false);
        return SessionResult.Of(modification);
    }

    internal static async Task<Modification> RunAsync(SessionWork work, AgentCompiler compiler, TaskEvaluator evaluator, IAgentRunner runner, IModelAccess models,
        Func<int, IReadOnlyList<LineageEntry>> lineage, CancellationToken cancellationToken)
    {
        var workspace = new AgentWorkspace(work.ParentFiles, new WorkspaceLimits());
        var tools = new MetaTools(compiler, evaluator, lineage, Seeds.Mix(work.MetaSeed, "try"), cancellationToken, compileTimeout: work.CompileTimeout);
        var meta = work.Session + "/meta";
        var chat = work.Budget is { } budget ? models.OpenMeta(meta, work.MetaArm, budget) : work.MetaArm is null ? models.OpenMeta(meta) : models.OpenMeta(meta, work.MetaArm);
        var agentSession = AgentSession.ForMeta(workspace, tools, chat, new SessionOptions
        {
            WallClock = work.MetaLimits.WallClock,
            MaxEvaluations = work.MaxTryEvaluations,
        });
        var invocation = new MetaInvocation(work.Instruction, work.MetaSeed, chat is not null, [evaluator.Domain.Name]);
        AgentOutcome outcome;
        try
        {
            outcome = await runner.ModifySelfAsync(work.MetaAgent, invocation, agentSession, work.MetaLimits, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            models.Close(meta);
            throw;
        }

        var model = models.Close(meta);

        // A ModifySelf cut short by the caller (Ctrl+C) is no verdict on the parent: nothing is archived, and resume
        // runs the attempt again with the same seeds.
        cancellationToken.ThrowIfCancellationRequested();
        var transcript = TranscriptRecords.Of(agentSession, outcome);
        if (model.Transcript is { } exchanges)
        {
            transcript.Add(exchanges);
        }

        var modelFailure = agentSession.Transcript
            .Where(e => e.Capability == Capabilities.Chat && e.Error is { Error: "model-failed" or "budget-exhausted" })
            .Select(e => $"{e.Error!.Error}: {e.Error.Message}")
            .FirstOrDefault();
        return new Modification(workspace.Snapshot(), outcome, transcript, workspace, model.Usage, modelFailure);
    }
}
