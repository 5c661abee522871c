using System.Collections.Concurrent;
using System.Diagnostics;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperagents.Engine;

/// <summary>What the loop needs from the outside world; the CLI composes it.</summary>
public sealed record RunServices
{
    /// <summary>The run's archive.</summary>
    public required ArchiveRun Archive { get; init; }

    /// <summary>The run's settings (as stored in its manifest).</summary>
    public required RunSettings Settings { get; init; }

    /// <summary>The domain.</summary>
    public required IDomain Domain { get; init; }

    /// <summary>The compiler and gate.</summary>
    public required AgentCompiler Compiler { get; init; }

    /// <summary>Where agent code runs.</summary>
    public required IAgentRunner Runner { get; init; }

    /// <summary>The language models, or <see cref="ModelAccess.None"/> for the offline engine.</summary>
    public IModelAccess Models { get; init; } = ModelAccess.None;

    /// <summary>The evaluator hash recorded in provenance.</summary>
    public required string EvaluatorHash { get; init; }

    /// <summary>Tool and runtime versions recorded in provenance.</summary>
    public ToolVersions? Tools { get; init; }

    /// <summary>Where the loop logs.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Receives every <see cref="RunEvent"/>; exceptions it throws are logged and ignored.</summary>
    public Action<RunEvent>? Listener { get; init; }

    /// <summary>The MAP-Elites features the domain declares (<see cref="SearchFeatures"/>), or <see langword="null"/>
    /// for the defaults.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Where the draws of the loop's evaluations run, or <see langword="null"/> for this process
    /// (<see cref="DgmhLoop.Evaluator"/>); a cluster's dispatcher runs them on its nodes.</summary>
    public IDrawExecutor? Draws { get; init; }

    /// <summary>Where the attempts' <c>ModifySelf</c> sessions run, or <see langword="null"/> for this process; a
    /// cluster's dispatcher runs them on its nodes. The loop compiles and gates every child itself either way.</summary>
    public IAttemptExecutor? Attempts { get; init; }
}

/// <summary>What one <c>ModifySelf</c> call produced.</summary>
/// <param name="Files">The child: the workspace when the call ended.</param>
/// <param name="Outcome">How the call ended.</param>
/// <param name="Transcript">Every capability request, log line and model exchange, in order.</param>
/// <param name="Workspace">The workspace, with its protected-path attempts.</param>
/// <param name="Usage">The model usage of the call, if any.</param>
/// <param name="ModelFailure">The first model failure the host refused the agent with (<c>model-failed</c>,
/// <c>budget-exhausted</c>), or <see langword="null"/>: a failure that is the model's or the budget's, not the agent's.</param>
public sealed record Modification(IReadOnlyDictionary<string, string> Files, AgentOutcome Outcome, IReadOnlyList<TranscriptRecord> Transcript, AgentWorkspace Workspace, ModelUsage? Usage, string? ModelFailure = null);

/// <summary>The end of a <see cref="DgmhLoop.RunAsync"/>.</summary>
/// <param name="Reason">Why it stopped.</param>
/// <param name="Complete">Whether every planned attempt is archived.</param>
/// <param name="Attempts">Attempts archived in total (all sessions of this run).</param>
/// <param name="Accepted">Accepted children in total.</param>
/// <param name="BestId">The best variant by selection score.</param>
/// <param name="BestScore">Its selection score.</param>
public sealed record RunSummary(string Reason, bool Complete, int Attempts, int Accepted, string? BestId, double? BestScore);

/// <summary>The DGM-H loop: select a parent, let the parent's own <c>ModifySelf</c> produce a child, gate, evaluate in
/// stages, archive every attempt. Resumable at any point: the archive is the only state.</summary>
/// <remarks>
/// Attempt <c>a</c> draws everything from <c>Seeds.Mix(runSeed, "attempt:a")</c>, and records <c>a</c> in its
/// provenance, so a resumed run knows which attempts are done and redoes only the missing ones: no duplicate, no loss.
/// A variant archived without its evaluation (killed in between) is evaluated again on resume with the same seeds.
/// Evaluation seeds belong to the evaluation, not to the code (<see cref="Seeds.Draw"/>): every variant runs the same
/// draws, so a child is compared with the best on identical draws and becomes the best only when its gain beats noise.
/// </remarks>
public sealed class DgmhLoop
{
    private readonly RunServices _s;
    private readonly RunSettings _settings;
    private readonly TaskEvaluator _evaluator;
    private readonly ConcurrentDictionary<string, CompileResult> _compiled = new();
    private readonly object _selectionGate = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SplitEvaluation, DrawAnswers> _answers = new();
    private readonly object _bestGate = new();
    private readonly ConcurrentDictionary<string, Provenance> _provenance = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Evaluations, IReadOnlyDictionary<string, double> Scores)> _taskScores = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dictionary<string, double>> _features = new(StringComparer.Ordinal);
    private Dictionary<string, int>? _seedBag;
    private CompiledAgent? _seedAgent;
    private bool _selectorAbsentSaid;

    /// <summary>Creates the loop.</summary>
    /// <param name="services">The run's services.</param>
    public DgmhLoop(RunServices services)
    {
        _s = services;
        _settings = services.Settings.Validate();
        _evaluator = new TaskEvaluator(services.Domain, services.Runner, services.Models, _settings.TaskLimits, services.Runner.Capacity);
    }

    /// <summary>The task evaluator (also used by <c>eval</c> and <c>replay</c>).</summary>
    public TaskEvaluator Evaluator => _evaluator;

    /// <summary>The run's services (<see cref="VariantReplay"/> re-runs what the loop recorded with them).</summary>
    internal RunServices Services => _s;

    /// <summary>Archives and evaluates the seed when the run is new, reconciles a stopped run, then makes the missing
    /// attempts until they are all done or a budget stops the run.</summary>
    /// <param name="seedFiles">The seed's files (used only when the run has no variant yet).</param>
    /// <param name="cancellationToken">Stops the run cleanly after the attempts in flight.</param>
    public async Task<RunSummary> RunAsync(IReadOnlyDictionary<string, string> seedFiles, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await EnsureSeedAsync(seedFiles, cancellationToken).ConfigureAwait(false);
        await ReconcileAsync(cancellationToken).ConfigureAwait(false);
        SaySelectorAbsent();

        var done = AttemptsDone();
        var pending = new Queue<int>(Enumerable.Range(1, _settings.Generations).Where(a => !done.Contains(a)));
        var running = new List<Task>();
        string? stop = null;
        while (pending.Count > 0 || running.Count > 0)
        {
            while (stop is null && pending.Count > 0 && running.Count < _settings.Parallel)
            {
                stop = StopReason(clock.Elapsed, cancellationToken);
                if (stop is null)
                {
                    running.Add(AttemptAsync(pending.Dequeue(), cancellationToken));
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var finished = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(finished);
            if (finished.IsFaulted || finished.IsCanceled)
            {
                // Let the attempts still in flight end (they see the same cancellation) before the caller disposes the
                // archive and the runner under them; then report the first failure.
                await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default))).ConfigureAwait(false);
            }

            await finished.ConfigureAwait(false);
        }

        var complete = AttemptsDone().Count >= _settings.Generations;
        var reason = stop ?? (complete ? $"all {_settings.Generations} generations done" : "stopped");
        Emit(new RunStopped(reason, complete));
        return Summarise(reason, complete);
    }

    /// <summary>Evaluates a variant on a split and attaches the evaluation to it.</summary>
    /// <param name="variantId">The variant.</param>
    /// <param name="splits">The splits to evaluate.</param>
    /// <param name="cancellationToken">Stops the evaluation.</param>
    public async Task<Evaluation> EvaluateVariantAsync(string variantId, IReadOnlyList<Split> splits, CancellationToken cancellationToken)
    {
        var compiled = Compile(_s.Archive.GetFiles(variantId));
        if (compiled.Agent is null)
        {
            throw new InvalidOperationException($"Variant {variantId[..12]} does not compile: {compiled.Report.Diagnostics.FirstOrDefault()}");
        }

        var result = new Dictionary<string, SplitEvaluation>();
        foreach (var split in splits)
        {
            var name = SplitNames.Of(split);
            result[name] = await EvaluateSplitAsync(compiled.Agent, name, _s.Domain.GetTasks(split), cancellationToken).ConfigureAwait(false);
        }

        var evaluation = NewEvaluation(result);
        _s.Archive.AttachEvaluation(variantId, evaluation);
        return evaluation;
    }

    private async Task EnsureSeedAsync(IReadOnlyDictionary<string, string> seedFiles, CancellationToken ct)
    {
        if (_s.Archive.ListVariants().Count > 0)
        {
            return;
        }

        var compiled = Compile(seedFiles);
        if (compiled.Agent is null)
        {
            var first = compiled.Report.Diagnostics.FirstOrDefault();
            throw new InvalidOperationException($"The seed does not compile: {first}. Run `hyperagents check <seed-folder>` for every diagnostic.");
        }

        var id = _s.Archive.AddVariant(NewVariant(null, seedFiles, VariantStatus.Accepted, new AttemptSeeds(0), null));
        var evaluation = await EvaluateFullAsync(compiled.Agent, ct, SharePool()).ConfigureAwait(false);
        AttachAndUpdateBest(id, evaluation);
        var selection = SelectionScore.SplitEvaluationOf(evaluation);
        Emit(new SeedEvaluated(id, selection?.Score ?? double.NaN, selection?.StdErr));
    }

    private async Task ReconcileAsync(CancellationToken ct)
    {
        foreach (var v in _s.Archive.ListVariants().Where(v => v.Status.State == VariantState.Accepted && v.Evaluations == 0))
        {
            _s.Logger.LogInformation("Evaluating {Variant}, archived before its evaluation was attached", v.ShortId);
            var compiled = Compile(_s.Archive.GetFiles(v.Id));
            if (compiled.Agent is null)
            {
                continue;
            }

            var evaluation = await EvaluateStagedThenFullAsync(compiled.Agent, ct, SharePool()).ConfigureAwait(false);
            AttachAndUpdateBest(v.Id, evaluation);
        }
    }

    private async Task AttemptAsync(int attempt, CancellationToken ct)
    {
        var random = new SeededRandom(Seeds.Mix(_settings.Seed, $"attempt:{attempt}"));

        // The shared pool is what was archived before this attempt began: what its child may read (--share-best).
        var pool = SharePool();
        var strategy = SelectionStrategies.Get(SelectionOf());
        SelectionResult selection;
        IReadOnlyList<SelectionCandidate> candidates;
        BanditChoice? arm = null;
        ParentChoice? choice = null;
        lock (_selectionGate)
        {
            candidates = Candidates();
            var view = SearchView(strategy.NeedsTaskScores, strategy.NeedsFeatures);
            selection = strategy.Select(new SelectionInput(view, candidates, attempt, SearchOptions()), random);
            if (strategy is AgentStrategy)
            {
                choice = AgentStrategy.View(view, candidates, attempt, Seeds.Mix(_settings.Seed, $"attempt:{attempt}:select"));
            }

            if (_settings.ModelBandit)
            {
                arm = ModelBandit.Choose(_s.Models.MetaModels, view, new SeededRandom(Seeds.Mix(_settings.Seed, $"attempt:{attempt}:bandit")));
            }
        }

        if (choice is not null)
        {
            selection = await SelectByAgentAsync(choice, candidates, selection, ct).ConfigureAwait(false);
        }

        var parentId = selection.Chosen.Id;
        Emit(new ParentSelected(attempt, parentId, selection) { Strategy = strategy.Name, Model = arm?.Name });
        _s.Logger.LogInformation("Attempt {Attempt}: parent {Parent} chosen by {Method} among {Count} (α {Alpha:0.####}, probability {Weight:0.###}{Detail}){Arm}",
            attempt, parentId[..12], strategy.Name, candidates.Count, selection.Chosen.Alpha, selection.Weights[IndexOf(candidates, selection.Chosen)],
            selection.Detail is null ? string.Empty : "; " + selection.Detail, arm is null ? string.Empty : $"; meta model {arm.Name} by UCB1 ({arm.Detail})");
        var search = new SearchRecord(strategy.Name, selection.Detail, arm?.Name);

        var parentFiles = _s.Archive.GetFiles(parentId);
        var metaAgent = _settings.Baseline == Baseline.NoSelfImprove ? SeedAgent() : Compile(parentFiles).Agent;
        var context = new AttemptContext(attempt, parentId, parentFiles, new AttemptSeeds(attempt, random.NextUInt64())) { Search = search };
        if (metaAgent is null)
        {
            Archive(context, new AttemptResult(parentFiles, VariantStatus.Failed("the parent no longer compiles"), null, null));
            _s.Archive.MarkInvalidParent(parentId, "does not compile");
            return;
        }

        var work = SessionFor(attempt, parentId, parentFiles, metaAgent, context.Seeds.Meta!.Value, $"attempt-{attempt}", arm?.Arm);
        SessionResult session;
        IReadOnlyList<TranscriptRecord> sessionTranscript;
        if (_s.Attempts is { } remote)
        {
            // On a node: the lineage and the run's model budget travel with the session (the archive never does); what
            // comes back was checked on arrival, and is compiled and gated below like a child made here. Its model
            // calls, made with the node's keys, are charged to the run's ledger now, once, before anything is archived.
            session = await remote.ModifySelfAsync(work with { Lineage = MetaTools.LineageOf(_s.Archive, parentId, int.MaxValue), Budget = _s.Models.Budget }, ct).ConfigureAwait(false);
            if (session.Usage is { } usage)
            {
                _s.Models.Charge(work.Session + "/meta", usage);
            }

            sessionTranscript = Transcript.Read(session.Transcript);
        }
        else
        {
            var modification = await ModifySessionAsync(work, ct).ConfigureAwait(false);
            (session, sessionTranscript) = (SessionResult.Of(modification), modification.Transcript);
        }

        var (child, outcome) = (session.Files, session.Outcome);
        AttemptResult Child(VariantStatus status, IEnumerable<TranscriptRecord>? more = null) =>
            new(child, status, more is null ? sessionTranscript : [.. sessionTranscript, .. more], session.Usage);

        // A reach for protected paths is recorded as such even when the agent then crashed on the refusal: the attempt
        // is the finding (threats I1, I8), and it is never compiled.
        if (session.ProtectedPathAttempts.Count > 0)
        {
            // The paths are escaped and capped by the workspace; their number is capped here, so the status stays short.
            var attempted = session.ProtectedPathAttempts.Distinct().ToList();
            var shown = string.Join(", ", attempted.Take(20)) + (attempted.Count > 20 ? $" (+{attempted.Count - 20} more)" : string.Empty);
            Archive(context, Child(VariantStatus.Rejected($"protected-path attempt: {shown}")));
            return;
        }

        if (!outcome.IsCompleted)
        {
            var reason = $"ModifySelf ended {outcome.Label}: {outcome.ExceptionType} {outcome.Detail}".Trim();
            if (session.ModelFailure is { } modelFailure)
            {
                // The model or the budget failed the agent, not its own code: the parent stays a valid parent.
                Archive(context, Child(VariantStatus.Failed($"model: {modelFailure}; {reason}")));
                return;
            }

            Archive(context, Child(VariantStatus.Failed(reason)));
            _s.Archive.MarkInvalidParent(parentId, reason);
            return;
        }

        if (SameFiles(parentFiles, child))
        {
            Archive(context, Child(VariantStatus.Rejected("no change")));
            return;
        }

        var compiled = Compile(child);
        if (compiled.Agent is null)
        {
            var diagnostics = compiled.Report.Diagnostics;
            var reason = $"compile: {diagnostics.FirstOrDefault()}" + (diagnostics.Count > 1 ? $" (+{diagnostics.Count - 1} more)" : string.Empty);
            Archive(context, Child(VariantStatus.Rejected(reason), TranscriptRecords.Of(compiled.Report)));
            return;
        }

        if (_settings.Novelty is { } threshold && TooClose(parentFiles, child, threshold) is { } refusal)
        {
            Archive(context, Child(VariantStatus.Rejected(refusal)));
            return;
        }

        if (Archive(context, Child(VariantStatus.Accepted)) is not { } childId)
        {
            return;
        }

        var evaluation = await EvaluateStagedThenFullAsync(compiled.Agent, ct, pool).ConfigureAwait(false);
        var (newBest, exact) = AttachAndUpdateBest(childId, evaluation);
        var same = ScoreStatistics.SameAnswers(evaluation, _s.Archive.GetEvaluations(parentId));
        var scored = SelectionScore.SplitEvaluationOf(evaluation);
        Emit(new AttemptArchived(attempt, childId, parentId, "accepted", scored?.Score, MetaChanged(parentFiles, child), scored?.StdErr, newBest, same) { ExactCheck = exact });
    }

    /// <summary>Lets the selector (<see cref="SelectorAgent"/>) choose among <paramref name="candidates"/>; when it cannot
    /// (no entry point, a throw, a timeout, a trap, an id that is not a candidate) <paramref name="fallback"/>, the
    /// default strategy's draw, stands, with the reason in its detail (the child's provenance) and in the live output.</summary>
    private async Task<SelectionResult> SelectByAgentAsync(ParentChoice choice, IReadOnlyList<SelectionCandidate> candidates, SelectionResult fallback, CancellationToken ct)
    {
        var (selectorId, agent) = SelectorAgent();
        AgentPick pick;
        if (agent is null)
        {
            pick = new AgentPick(null, $"the selector {selectorId[..12]} does not compile");
        }
        else if (!AgentStrategy.HasEntryPoint(agent.Image))
        {
            pick = new AgentPick(null, $"{selectorId[..12]} has no SelectParent entry point");
        }
        else
        {
            pick = await AgentPick.RunAsync(_s.Runner, agent, choice, _settings.TaskLimits, ct).ConfigureAwait(false);
        }

        if (pick.Id is { } id)
        {
            var chosen = candidates.First(c => c.Id == id);
            return new SelectionResult(chosen, candidates.Select(c => ReferenceEquals(c, chosen) ? 1.0 : 0.0).ToList(), null)
            {
                Detail = $"chosen by SelectParent of {selectorId[..12]}",
            };
        }

        var detail = $"{SelectionStrategies.Default} (SelectParent fallback: {pick.Failure})";
        // A variant without the entry point was said once at the start; every other failure is said when it happens.
        if (!(_selectorAbsentSaid && pick.Failure!.EndsWith("no SelectParent entry point", StringComparison.Ordinal)))
        {
            Emit(new SelectionNote(choice.Attempt, $"--selection agent fell back to {SelectionStrategies.Default}: {pick.Failure}"));
        }

        _s.Logger.LogInformation("Attempt {Attempt}: --selection agent fell back to {Default}: {Reason}", choice.Attempt, SelectionStrategies.Default, pick.Failure);
        return fallback with { Detail = fallback.Detail is null ? detail : $"{detail}; {fallback.Detail}" };
    }

    /// <summary>Whose <c>SelectParent</c> chooses: the current best variant's (the seed's under <c>no-selfimprove</c>).
    /// The parent-to-be is unknown while choosing it; the best is the code the run trusts most, and it changes only
    /// when a child beats it beyond noise, so the selector is stable and still evolves with the meta level.</summary>
    private (string Id, CompiledAgent? Agent) SelectorAgent()
    {
        var seedId = _s.Archive.ListVariants().OrderBy(v => v.Sequence).First().Id;
        var id = _settings.Baseline == Baseline.NoSelfImprove ? seedId : _s.Archive.Best ?? seedId;
        return (id, Compile(_s.Archive.GetFiles(id)).Agent);
    }

    /// <summary>Under <c>--selection agent</c>, says once, before the first attempt, when the selector has no
    /// <c>SelectParent</c> and the run therefore selects by the default strategy.</summary>
    private void SaySelectorAbsent()
    {
        if (SelectionOf() != AgentStrategy.StrategyName)
        {
            return;
        }

        var (id, agent) = SelectorAgent();
        if (agent is not null && !AgentStrategy.HasEntryPoint(agent.Image))
        {
            _selectorAbsentSaid = true;
            Emit(new SelectionNote(null, $"--selection agent: {id[..12]} has no SelectParent entry point (public static string SelectParent(ParentChoice) in meta/); parents are chosen by {SelectionStrategies.Default} until a best variant has one."));
        }
    }

    /// <summary>Runs a meta agent on a parent's files and returns the child it leaves in the workspace.</summary>
    /// <param name="parentId">The variant being modified: its files are the workspace, its lineage is what the agent sees.</param>
    /// <param name="metaAgent">The compiled meta agent (the parent's own, or the seed's under <c>no-selfimprove</c>).</param>
    /// <param name="metaSeed">The seed of the meta agent's random source and of its try-evaluations.</param>
    /// <param name="session">The model session id, unique per call.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <param name="metaArm">The meta model the bandit chose (an index in <see cref="IModelAccess.MetaModels"/>), or
    /// <see langword="null"/> for the ensemble's weighted draw.</param>
    /// <remarks>Deterministic for a given parent, agent, seed and model replies: <c>replay --modification</c> relies on it.</remarks>
    public Task<Modification> ModifyAsync(string parentId, CompiledAgent metaAgent, ulong metaSeed, string session, CancellationToken cancellationToken, int? metaArm = null) =>
        ModifySessionAsync(SessionFor(0, parentId, _s.Archive.GetFiles(parentId), metaAgent, metaSeed, session, metaArm), cancellationToken);

    /// <summary>A session in this process: the lineage read from the archive as the agent asks for it.</summary>
    private Task<Modification> ModifySessionAsync(SessionWork work, CancellationToken ct) =>
        ModifySelfSessions.RunAsync(work, _s.Compiler, _evaluator, _s.Runner, _s.Models, max => MetaTools.LineageOf(_s.Archive, work.ParentId, max), ct);

    private SessionWork SessionFor(int attempt, string parentId, IReadOnlyDictionary<string, string> parentFiles, CompiledAgent metaAgent, ulong metaSeed, string session, int? metaArm) => new()
    {
        Attempt = attempt,
        ParentId = parentId,
        ParentFiles = parentFiles,
        MetaAgent = metaAgent,
        MetaSeed = metaSeed,
        Session = session,
        MetaArm = metaArm,
        Lineage = [],
        Instruction = _settings.Instruction,
        MetaLimits = _settings.MetaLimits,
        TaskLimits = _settings.TaskLimits,
        MaxTryEvaluations = _settings.MaxTryEvaluations,
        CompileTimeout = _settings.CompileTimeout,
        TasksPerSplit = _settings.TasksPerSplit,
    };

    /// <summary>Compiles a variant's files (cached by content).</summary>
    /// <param name="variantId">The variant.</param>
    public CompileResult CompileVariant(string variantId) => Compile(_s.Archive.GetFiles(variantId));

    /// <summary>Archives an attempt's child.</summary>
    /// <returns>The child's id, or <see langword="null"/> when the archive refused the child (<see cref="ArchiveRefused"/>).</returns>
    private string? Archive(AttemptContext context, AttemptResult child)
    {
        string id;
        try
        {
            id = _s.Archive.AddVariant(NewVariant(context.ParentId, child.Files, child.Status, context.Seeds, child.Transcript) with { Model = child.Usage, Search = context.Search });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ArchiveRefused(context, child, ex);
        }

        if (child.Status.State != VariantState.Accepted)
        {
            _s.Logger.LogInformation("Attempt {Attempt}: {Status}", context.Attempt, child.Status);
            Emit(new AttemptArchived(context.Attempt, id, context.ParentId, child.Status.ToString(), null, MetaChanged(context.ParentFiles, child.Files)));
        }

        return id;
    }

    /// <summary>Whatever a child holds, its attempt is recorded: when the archive refuses the child or fails writing it,
    /// the attempt is archived as rejected with the reason, holding its parent's files (which the archive holds
    /// already), so the run goes on and a resume never retries an attempt that fails the same way every time. Only an
    /// archive that cannot take even that record stops the run.</summary>
    /// <returns>The id of the attempt's child when the failed write had become durable and accepted it, else <see langword="null"/>.</returns>
    private string? ArchiveRefused(AttemptContext context, AttemptResult child, Exception ex)
    {
        var (attempt, parentId) = (context.Attempt, context.ParentId);
        _s.Logger.LogWarning(ex, "Attempt {Attempt}: the archive refused the child; the attempt is recorded as rejected", attempt);
        var recorded = _s.Archive.ListVariants().LastOrDefault(v => AttemptSeeds.From(_s.Archive.ReadProvenance(v.Id).Seeds)?.Attempt == attempt);
        if (recorded is not null)
        {
            return recorded.Status.State == VariantState.Accepted ? recorded.Id : null;
        }

        // Parent files a newer path rule refuses are left out, so an archive written by an older version still takes it.
        var files = _s.Archive.GetFiles(parentId).Where(f => AgentFilePaths.Problem(f.Key) is null).ToDictionary(StringComparer.Ordinal);
        var status = VariantStatus.Rejected($"archive refused the child: {AgentFilePaths.Escape(ex.Message, 500)}");
        var id = _s.Archive.AddVariant(NewVariant(parentId, files, status, context.Seeds, child.Transcript) with { Model = child.Usage, Search = context.Search });
        _s.Logger.LogInformation("Attempt {Attempt}: {Status}", attempt, status);
        Emit(new AttemptArchived(attempt, id, parentId, status.ToString(), null, false));
        return null;
    }

    private SharedPool? SharePool() => _settings.ShareBest ? SharedPool.Of(_s.Archive) : null;

    private async Task<Evaluation> EvaluateStagedThenFullAsync(CompiledAgent agent, CancellationToken ct, SharedPool? pool)
    {
        var staged = _s.Domain.GetTasks(Split.Train).Take(_settings.StagedTasks).ToList();
        if (staged.Count == 0)
        {
            // A domain without train tasks has nothing to stage on; an empty staged score would stop every child here.
            return await EvaluateFullAsync(agent, ct, pool).ConfigureAwait(false);
        }

        var stagedResults = await EvaluateSplitAsync(agent, SplitNames.Staged, staged, ct, pool).ConfigureAwait(false);
        if (stagedResults.Score <= _settings.StagedGate)
        {
            return NewEvaluation(new Dictionary<string, SplitEvaluation> { [SplitNames.Staged] = stagedResults });
        }

        return await EvaluateFullAsync(agent, ct, pool).ConfigureAwait(false);
    }

    private async Task<Evaluation> EvaluateFullAsync(CompiledAgent agent, CancellationToken ct, SharedPool? pool)
    {
        var splits = new Dictionary<string, SplitEvaluation>();
        var wanted = _settings.EvalTest ? new[] { Split.Train, Split.Val, Split.Test } : [Split.Train, Split.Val];
        foreach (var split in wanted)
        {
            var tasks = _s.Domain.GetTasks(split);
            if (tasks.Count > 0)
            {
                splits[SplitNames.Of(split)] = await EvaluateSplitAsync(agent, SplitNames.Of(split), tasks, ct, pool).ConfigureAwait(false);
            }
        }

        return NewEvaluation(splits);
    }

    /// <summary>Runs every task of a split <see cref="RunSettings.Replicates"/> times, each draw with its own seed from
    /// <see cref="Seeds.Draw"/> (run seed, split, task, replicate: never the agent's image). With a shared pool, train
    /// draws are granted its answer and record their own; other splits are never granted one.</summary>
    private async Task<SplitEvaluation> EvaluateSplitAsync(CompiledAgent agent, string split, IReadOnlyList<TaskSpec> tasks, CancellationToken ct, SharedPool? pool = null)
    {
        var share = pool is not null && SharedPool.IsTrain(split) ? pool : null;
        var draws = tasks.SelectMany(t => Enumerable.Range(0, _settings.Replicates).Select(r => new TaskDraw(t, r, Seeds.Draw(_settings.Seed, split, t.Id, r), share?.GrantFor(t.Id)))).ToList();
        var results = await (_s.Draws ?? _evaluator).EvaluateDrawsAsync(agent, draws, ct).ConfigureAwait(false);
        var evaluation = ToSplit(results, share is not null);

        // The answers stay with the split (weakly: freed with it) for the exact re-check should it contend for best.
        _answers.AddOrUpdate(evaluation, new DrawAnswers(draws, results));
        return evaluation;
    }

    private Evaluation NewEvaluation(Dictionary<string, SplitEvaluation> splits)
    {
        var conditions = new EvaluationConditions(_settings.Seed, null, _settings.TaskLimits);
        return new Evaluation
        {
            EvaluatorHash = _s.EvaluatorHash,
            Splits = splits,
            RawFigure = _s.Domain.RawFigure,
            Seeds = conditions.SeedsForNote(),
            Replicates = _settings.Replicates,
            Limits = conditions.LimitsForNote(),
        };
    }

    private static SplitEvaluation ToSplit(IReadOnlyList<TaskResult> results, bool recordAnswers) => new(
        results.Count == 0 ? 0 : results.Average(r => r.Score),
        results.Select(r => new TaskEvaluation(r.TaskId, r.Score, r.Outcome, r.Feedback, r.Fuel, r.Milliseconds, r.Replicate, unchecked((long)r.Seed), r.AnswerHash, r.Raw,
            recordAnswers ? SharedPool.Recordable(r) : null, r.SharedBest)).ToList(),
        ScoreStatistics.StdErr(results.Select(r => (r.TaskId, r.Score)).ToList()));

    private NewVariant NewVariant(string? parent, IReadOnlyDictionary<string, string> files, VariantStatus status, AttemptSeeds seeds, IReadOnlyList<TranscriptRecord>? transcript) => new()
    {
        Parent = parent,
        Files = files,
        Status = status,
        Tools = _s.Tools,
        GatePolicyHash = _s.Compiler.GatePolicyHash,
        EvaluatorHash = _s.EvaluatorHash,
        Seeds = seeds.ToProvenance(),
        Transcript = transcript is null ? null : Transcript.Write(transcript),
    };

    private CompileResult Compile(IReadOnlyDictionary<string, string> files)
    {
        if (!AgentCompiles.TryLoad(files, out var source, out var failure))
        {
            return failure;
        }

        if (_compiled.TryGetValue(source.ContentHash, out var cached))
        {
            return cached;
        }

        // A timed-out compile or a compiler fault is not cached: it says nothing certain about the code, only about this attempt.
        var result = _s.Compiler.CompileWithin(source, _settings.CompileTimeout, CancellationToken.None);
        return AgentCompiles.IsTransient(result) ? result : _compiled.GetOrAdd(source.ContentHash, result);
    }

    private CompiledAgent SeedAgent()
    {
        if (_seedAgent is null)
        {
            var seed = _s.Archive.ListVariants().OrderBy(v => v.Sequence).First();
            _seedAgent = Compile(_s.Archive.GetFiles(seed.Id)).Agent
                ?? throw new InvalidOperationException("The run's seed no longer compiles; the compiler or policy changed since the run started.");
        }

        return _seedAgent;
    }

    private static int IndexOf(IReadOnlyList<SelectionCandidate> candidates, SelectionCandidate chosen)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (ReferenceEquals(candidates[i], chosen))
            {
                return i;
            }
        }

        return 0;
    }

    private string SelectionOf() => _settings.Baseline == Baseline.NoArchive ? "latest" : _settings.Selection;

    private SearchOptions SearchOptions() => new(_settings.Islands, _settings.MigrationInterval, _s.Features);

    /// <summary>Valid parents with an evaluation, with α as dgm-h.md defines it.</summary>
    internal IReadOnlyList<SelectionCandidate> Candidates()
    {
        var variants = _s.Archive.ListVariants();
        var seedId = variants.OrderBy(v => v.Sequence).First().Id;
        var candidates = new List<SelectionCandidate>();
        foreach (var v in variants)
        {
            if (IsValidParent(v))
            {
                candidates.Add(new SelectionCandidate(v.Id, AlphaOf(v, seedId), v.Children, (int)v.Sequence));
            }
        }

        if (candidates.Count == 0)
        {
            // Every variant is an invalid parent: fall back to the seed, as an archive can never be empty of parents.
            candidates.Add(new SelectionCandidate(seedId, 0, variants.Count(v => v.Parent == seedId), 0));
        }

        return candidates;
    }

    private static bool IsValidParent(VariantSummary v) => v.Status.State == VariantState.Accepted && !v.InvalidParent && v.Evaluations > 0;

    private double AlphaOf(VariantSummary v, string seedId)
    {
        var full = _s.Domain.GetTasks(Split.Train).Count + _s.Domain.GetTasks(Split.Val).Count;
        var split = SelectionScore.SplitOf(v.Scores.ContainsKey);
        var stagedOnly = split is null || !SelectionScore.IsFull(split);
        return ParentSelection.Alpha(split is null ? [] : [v.Scores[split]], stagedOnly || v.Id == seedId, _settings.StagedTasks, full);
    }

    /// <summary>The archive as the search strategies see it (<see cref="SearchArchive"/>): every attempt with its α,
    /// the attempt and model its provenance records and, when asked, its per-task scores and code features. What never
    /// changes for a variant is read once.</summary>
    internal SearchArchive SearchView(bool taskScores, bool features)
    {
        var variants = _s.Archive.ListVariants();
        var seed = variants.OrderBy(v => v.Sequence).First();
        var wanted = _s.Features is { Count: > 0 } declared ? declared : SearchFeatures.Defaults;
        var nodes = new List<SearchNode>(variants.Count);
        foreach (var v in variants)
        {
            var provenance = _provenance.GetOrAdd(v.Id, _s.Archive.ReadProvenance);
            var node = new SearchNode(v.Id, v.Parent, v.Sequence, AttemptSeeds.From(provenance.Seeds)?.Attempt ?? 0, v.Status,
                v.Evaluations > 0 ? AlphaOf(v, seed.Id) : null, IsValidParent(v))
            {
                Arm = provenance.Search?.Arm,
            };
            if (taskScores && v.Evaluations > 0)
            {
                node = node with { TaskScores = _taskScores.AddOrUpdate(v.Id, _ => TaskScoresOf(v), (_, old) => old.Evaluations == v.Evaluations ? old : TaskScoresOf(v)).Scores };
            }

            if (features && v.Status.State == VariantState.Accepted)
            {
                var code = _features.GetOrAdd(v.Id, id => SearchFeatures.OfCode(_s.Archive.GetFiles(id), SeedBag(seed.Id)));
                var all = new Dictionary<string, double>(code, StringComparer.Ordinal);
                if (wanted.Contains(SearchFeatures.Raw) && v.Evaluations > 0 && RawOf(v) is { } raw)
                {
                    all[SearchFeatures.Raw] = raw;
                }

                node = node with { Features = all.Where(f => wanted.Contains(f.Key)).ToDictionary(StringComparer.Ordinal) };
            }

            nodes.Add(node);
        }

        return new SearchArchive(nodes);
    }

    private (int Evaluations, IReadOnlyDictionary<string, double> Scores) TaskScoresOf(VariantSummary v)
    {
        // The latest evaluation of each visible split; the staged subset counts as train, a full train supersedes it.
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var evaluations = _s.Archive.GetEvaluations(v.Id);
        foreach (var (split, key) in new[] { ("staged", "train"), ("train", "train"), ("val", "val") })
        {
            if (evaluations.LastOrDefault(e => e.Splits.ContainsKey(split)) is { } latest)
            {
                foreach (var task in latest.Splits[split].Tasks.GroupBy(t => t.Task, StringComparer.Ordinal))
                {
                    scores[$"{key}/{task.Key}"] = task.Average(t => t.Score);
                }
            }
        }

        return (v.Evaluations, scores);
    }

    private double? RawOf(VariantSummary v)
    {
        var latest = _s.Archive.GetEvaluations(v.Id).LastOrDefault(e => SelectionScore.SplitOf(e) is not null);
        var raws = latest is null ? [] : SelectionScore.SplitEvaluationOf(latest)!.Tasks.Where(t => t.Raw is not null).Select(t => t.Raw!.Value).ToList();
        return raws.Count == 0 ? null : raws.Average();
    }

    private Dictionary<string, int> SeedBag(string seedId) =>
        _seedBag ??= CodeTokens.Bag(_s.Archive.GetFiles(seedId).Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)).Select(f => f.Value));

    /// <summary>The novelty filter's refusal of <paramref name="child"/>, or <see langword="null"/> when it is far enough
    /// from every accepted variant (<see cref="NoveltyFilter"/>).</summary>
    private string? TooClose(IReadOnlyDictionary<string, string> parentFiles, IReadOnlyDictionary<string, string> child, double threshold)
    {
        var others = _s.Archive.ListVariants().Where(v => v.Status.State == VariantState.Accepted)
            .Select(v => (v.Id, (IReadOnlyDictionary<string, string>)_s.Archive.GetFiles(v.Id)));
        var closest = NoveltyFilter.Closest(parentFiles, child, others);
        return closest is { } c && c.Similarity >= threshold
            ? NoveltyFilter.Reason(c.Id, c.Similarity, threshold, NoveltyFilter.ChangedPaths(parentFiles, child).Count)
            : null;
    }

    private HashSet<int> AttemptsDone()
    {
        var done = new HashSet<int>();
        foreach (var v in _s.Archive.ListVariants())
        {
            if (AttemptSeeds.From(_s.Archive.ReadProvenance(v.Id).Seeds) is { Attempt: > 0 } seeds)
            {
                done.Add(seeds.Attempt);
            }
        }

        return done;
    }

    private string? StopReason(TimeSpan elapsed, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return "cancelled";
        }

        if (_settings.WallClockBudget is { } wall && elapsed >= wall)
        {
            return $"wall-clock budget of {wall} spent";
        }

        return _s.Models.ExhaustedReason;
    }

    /// <summary>Attaches <paramref name="evaluation"/> to <paramref name="id"/> and makes it the best when there is none,
    /// or when its gain over the incumbent on the selection split beats noise (<see cref="ScoreComparison.BeatsNoise"/>,
    /// paired on identical draws) by at least <see cref="RunSettings.MinImprovement"/>, and still does when its answers
    /// are re-scored with no tolerance (<see cref="IExactCheck"/>). A child that only drew luckier seeds, answers
    /// exactly as the incumbent, or wins only inside an evaluator's tolerance never replaces it. The exact re-check,
    /// when it ran, is recorded in the evaluation note.</summary>
    /// <returns>Whether it became the best, and the exact re-check when one ran.</returns>
    private (bool NewBest, ExactRecheck? Exact) AttachAndUpdateBest(string id, Evaluation evaluation)
    {
        lock (_bestGate)
        {
            var (becomes, exact) = JudgeBest(evaluation);
            _s.Archive.AttachEvaluation(id, exact is null ? evaluation : evaluation with { ExactCheck = exact });
            if (!becomes)
            {
                return (false, exact);
            }

            var name = SelectionScore.SplitOf(evaluation);
            _s.Archive.SetBest(id, name is null ? double.NegativeInfinity : evaluation.Splits[name].Score);
            return (true, exact);
        }
    }

    private (bool Becomes, ExactRecheck? Exact) JudgeBest(Evaluation evaluation)
    {
        var best = _s.Archive.Best;
        var name = SelectionScore.SplitOf(evaluation);
        if (name is null)
        {
            return (best is null, null);
        }

        SplitEvaluation? incumbent = null;
        if (best is not null)
        {
            // Only a full evaluation competes: a staged score is on a subset of train, not on the incumbent's draws.
            if (!SelectionScore.IsFull(name))
            {
                return (false, null);
            }

            // The incumbent's latest evaluation of the same split (as its own exact re-check scored it, when that
            // differed); one without it (staged only) loses to any score.
            var latest = _s.Archive.GetEvaluations(best).LastOrDefault(e => e.Splits.ContainsKey(name));
            incumbent = latest is null ? null : latest.ExactCheck is { Split: var s, Exact: { } exactSplit } && s == name ? exactSplit : latest.Splits[name];
            if (incumbent is not null && !Beats(evaluation.Splits[name], incumbent, out _))
            {
                return (false, null);
            }
        }

        var exact = Recheck(name, evaluation.Splits[name], incumbent);
        return (exact.Passed, exact);
    }

    private bool Beats(SplitEvaluation challenger, SplitEvaluation incumbent, out double gain)
    {
        var comparison = ScoreStatistics.Compare(challenger, incumbent);
        gain = comparison.Gain;
        return comparison.BeatsNoise && comparison.Gain >= _settings.MinImprovement;
    }

    /// <summary>Re-scores the contender's answers on <paramref name="name"/> with every tolerance at zero and compares
    /// again with <paramref name="incumbent"/>.</summary>
    private ExactRecheck Recheck(string name, SplitEvaluation split, SplitEvaluation? incumbent)
    {
        if (_s.Domain is not IExactCheck check)
        {
            return new ExactRecheck(name, "not-offered", 0, 0, split.Score);
        }

        if (!_answers.TryGetValue(split, out var answers))
        {
            throw new InvalidOperationException("The answers of a best-candidate were not kept for its exact re-check.");
        }

        var tasks = split.Tasks.ToList();
        var (draws, changed) = (0, 0);
        for (var i = 0; i < tasks.Count; i++)
        {
            var drawn = answers.Results[i];
            if (drawn.Answer is null || drawn.Outcome != "completed")
            {
                continue;
            }

            draws++;
            var verdict = check.EvaluateExact(answers.Draws[i].Task, drawn.Answer);
            var score = verdict.Valid ? verdict.Score : 0;
            if (score != tasks[i].Score)
            {
                changed++;
                tasks[i] = tasks[i] with { Score = score, Outcome = verdict.Valid ? tasks[i].Outcome : "invalid-when-exact", Feedback = verdict.Feedback };
            }
        }

        var exactSplit = changed == 0 ? split : new SplitEvaluation(tasks.Average(t => t.Score), tasks,
            ScoreStatistics.StdErr(tasks.Select(t => (t.Task, t.Score)).ToList()));
        var kept = changed == 0 ? null : exactSplit;
        if (incumbent is null)
        {
            return new ExactRecheck(name, "first", draws, changed, exactSplit.Score, null, kept);
        }

        var held = Beats(exactSplit, incumbent, out var gain);
        var result = held ? "held" : ScoreStatistics.Compare(exactSplit, incumbent).BeatsNoise ? "below-min-improvement" : "vanished";
        if (!held)
        {
            _s.Logger.LogInformation("A best-candidate's advantage on {Split} did not survive the exact re-check ({Result}: {Changed} of {Draws} draws changed, exact gain {Gain})",
                name, result, changed, draws, gain);
        }

        return new ExactRecheck(name, result, draws, changed, exactSplit.Score, gain, kept);
    }

    private RunSummary Summarise(string reason, bool complete)
    {
        var variants = _s.Archive.ListVariants();
        var best = _s.Archive.Best;
        return new RunSummary(reason, complete, variants.Count - 1, variants.Count(v => v.Parent is not null && v.Status.State == VariantState.Accepted),
            best, best is null ? null : SelectionScore.Of(_s.Archive.GetVariant(best).Scores));
    }

    private static bool SameFiles(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool MetaChanged(IReadOnlyDictionary<string, string> parent, IReadOnlyDictionary<string, string> child) =>
        parent.Keys.Union(child.Keys).Any(path => FileKinds.Of(path) == FileKind.Meta
            && (!parent.TryGetValue(path, out var p) || !child.TryGetValue(path, out var c) || p != c));

    private void Emit(RunEvent e)
    {
        try
        {
            _s.Listener?.Invoke(e);
        }
        catch (Exception ex)
        {
            _s.Logger.LogWarning(ex, "A run listener failed on {Event}; the run goes on", e.GetType().Name);
        }
    }
}

/// <summary>The draws of one split evaluation and what each gave, answers included, in the same order as its tasks.</summary>
internal sealed record DrawAnswers(IReadOnlyList<TaskDraw> Draws, IReadOnlyList<TaskResult> Results);

/// <summary>What an attempt is about: its number, its parent and the seeds it draws from.</summary>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="ParentId">The parent variant.</param>
/// <param name="ParentFiles">The parent's files.</param>
/// <param name="Seeds">The seeds recorded in the child's provenance.</param>
internal sealed record AttemptContext(int Attempt, string ParentId, IReadOnlyDictionary<string, string> ParentFiles, AttemptSeeds Seeds)
{
    /// <summary>How the search chose the parent and the model, recorded in the child's provenance.</summary>
    public SearchRecord? Search { get; init; }
}

/// <summary>The child an attempt archives and the verdict on it.</summary>
/// <param name="Files">The child's files.</param>
/// <param name="Status">Accepted, rejected or failed, with the reason.</param>
/// <param name="Transcript">The transcript of its <c>ModifySelf</c>, when one ran.</param>
/// <param name="Usage">The model usage of that call.</param>
internal sealed record AttemptResult(IReadOnlyDictionary<string, string> Files, VariantStatus Status, IReadOnlyList<TranscriptRecord>? Transcript, ModelUsage? Usage);
