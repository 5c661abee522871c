using Hyperagents.Archive;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Engine;

/// <summary>The result of running one task: how the call ended and what the host evaluator made of the answer.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Outcome">The outcome label (<see cref="AgentOutcome.Label"/>), or <c>invalid-answer</c>.</param>
/// <param name="Score">The normalised score (0 unless the answer is valid).</param>
/// <param name="Raw">The raw figure recomputed by the evaluator, when valid.</param>
/// <param name="Feedback">The evaluator's feedback or the failure's detail.</param>
/// <param name="Seed">The task seed given to the agent.</param>
/// <param name="Fuel">Fuel consumed (sandbox).</param>
/// <param name="Milliseconds">Wall time of the call.</param>
/// <param name="Replicate">Which replicate of the task this draw is (0-based).</param>
/// <param name="AnswerHash">The hash of the answer text (<see cref="Archive.ScoreStatistics.AnswerHash"/>) when the call
/// completed with an answer.</param>
/// <param name="Answer">The answer text, kept in memory for the exact re-check of a best-candidate (archived only as the
/// shared pool of a <c>--share-best</c> run, <see cref="Archive.TaskEvaluation.Text"/>).</param>
/// <param name="SharedBest">The hash of the shared best answer the agent was served, or <see langword="null"/>.</param>
public sealed record TaskResult(string TaskId, string Outcome, double Score, double? Raw, string Feedback, ulong Seed, long? Fuel, double Milliseconds,
    int Replicate = 0, string? AnswerHash = null, string? Answer = null, string? SharedBest = null);

/// <summary>One draw of an evaluation: a task and the seed it runs with.</summary>
/// <param name="Task">The task.</param>
/// <param name="Replicate">Which replicate of the task (0-based).</param>
/// <param name="Seed">The task seed (see <see cref="Seeds.Draw"/>).</param>
/// <param name="Share">What <c>context.SharedBestAsync()</c> is served; <see langword="null"/> (not granted) for every
/// draw but a train draw of a <c>--share-best</c> run.</param>
public sealed record TaskDraw(TaskSpec Task, int Replicate, ulong Seed, SharedBestGrant? Share = null);

/// <summary>Runs the draws of an evaluation: in this process (<see cref="TaskEvaluator"/>) or elsewhere (a cluster's
/// nodes). Every implementation returns one result per draw, in draw order, each computed from the draw's own seed, so
/// where a draw ran never changes what it scored.</summary>
public interface IDrawExecutor
{
    /// <summary>Runs the agent on each draw and returns the results in draw order.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="draws">The draws: tasks with their replicate index and seed.</param>
    /// <param name="cancellationToken">Stops the evaluation: it then throws <see cref="OperationCanceledException"/>.</param>
    Task<IReadOnlyList<TaskResult>> EvaluateDrawsAsync(CompiledAgent agent, IReadOnlyList<TaskDraw> draws, CancellationToken cancellationToken);
}

/// <summary>Runs a compiled agent on domain tasks and scores the answers on the host. The agent's own word about its
/// score is never read: only the answer text reaches the evaluator.</summary>
public sealed class TaskEvaluator : IDrawExecutor
{
    private readonly IDomain _domain;
    private readonly IAgentRunner _runner;
    private readonly IModelAccess _models;
    private readonly RunLimits _limits;
    private readonly int _parallel;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="domain">The domain and its host-side evaluator.</param>
    /// <param name="runner">Where agent code runs.</param>
    /// <param name="models">The language models; a task session is opened per call.</param>
    /// <param name="limits">The limits of one task call.</param>
    /// <param name="parallel">How many tasks run at once.</param>
    public TaskEvaluator(IDomain domain, IAgentRunner runner, IModelAccess models, RunLimits limits, int parallel)
    {
        _domain = domain;
        _runner = runner;
        _models = models;
        _limits = limits;
        _parallel = Math.Max(1, parallel);
    }

    /// <summary>The domain.</summary>
    public IDomain Domain => _domain;

    /// <summary>The limits of one task call.</summary>
    public RunLimits Limits => _limits;

    /// <summary>Runs the agent on each task, at most <c>parallel</c> at once, and returns the results in task order.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="tasks">The tasks.</param>
    /// <param name="seedBase">Mixed with each task id into the task seed, so a replay gets the same seeds.</param>
    /// <param name="cancellationToken">Stops the evaluation.</param>
    public Task<IReadOnlyList<TaskResult>> EvaluateAsync(CompiledAgent agent, IReadOnlyList<TaskSpec> tasks, ulong seedBase, CancellationToken cancellationToken) =>
        EvaluateDrawsAsync(agent, tasks.Select(t => new TaskDraw(t, 0, Seeds.Mix(seedBase, t.Id))).ToList(), cancellationToken);

    /// <summary>Runs the agent on each draw, at most <c>parallel</c> at once, and returns the results in draw order.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="draws">The draws: tasks with their replicate index and seed.</param>
    /// <param name="cancellationToken">Stops the evaluation: it then throws <see cref="OperationCanceledException"/> and
    /// returns no partial result.</param>
    public async Task<IReadOnlyList<TaskResult>> EvaluateDrawsAsync(CompiledAgent agent, IReadOnlyList<TaskDraw> draws, CancellationToken cancellationToken)
    {
        var results = new TaskResult[draws.Count];
        using var slots = new SemaphoreSlim(_parallel);
        var work = draws.Select(async (draw, i) =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                results[i] = await EvaluateOneAsync(agent, draw.Task, draw.Seed, cancellationToken, draw.Share).ConfigureAwait(false) with { Replicate = draw.Replicate };
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(work).ConfigureAwait(false);

        // A call cut short by cancellation ends as an outcome, not an exception; its zero must never become a score.
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Runs and scores one task.</summary>
    /// <param name="agent">The compiled agent.</param>
    /// <param name="task">The task.</param>
    /// <param name="seed">The task seed.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <param name="share">What <c>context.SharedBestAsync()</c> is served, or <see langword="null"/> (not granted).</param>
    public async Task<TaskResult> EvaluateOneAsync(CompiledAgent agent, TaskSpec task, ulong seed, CancellationToken cancellationToken, SharedBestGrant? share = null)
    {
        var session = AgentSession.ForTask(_models.OpenTask($"task/{agent.Id[..12]}/{task.Id}/{seed:x16}"), new SessionOptions { WallClock = _limits.WallClock, MaxEvaluations = 0, SharedBest = share });
        var outcome = await _runner.SolveTaskAsync(agent, new TaskInvocation(task, seed), session, _limits, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var shared = session.SharedBestServed is { } served ? ScoreStatistics.AnswerHash(served) : null;
        var ms = outcome.Elapsed.TotalMilliseconds;
        if (!outcome.IsCompleted)
        {
            var detail = outcome.ExceptionType is null ? outcome.Detail : $"{outcome.ExceptionType}: {outcome.Detail}";
            return new TaskResult(task.Id, outcome.Label, 0, null, Cap(detail ?? outcome.Label), seed, outcome.FuelConsumed, ms, SharedBest: shared);
        }

        var score = _domain.Evaluate(task, outcome.Answer ?? string.Empty);
        return new TaskResult(task.Id, score.Fault is not null ? "evaluator-failed" : score.Valid ? "completed" : "invalid-answer", score.Valid ? score.Score : 0, score.Raw, score.Feedback, seed, outcome.FuelConsumed, ms,
            AnswerHash: ScoreStatistics.AnswerHash(outcome.Answer ?? string.Empty), Answer: outcome.Answer ?? string.Empty, SharedBest: shared);
    }

    /// <summary>Runs a scratchpad snippet (a script chain, <see cref="Transport.ScriptBundle"/>) with a task's runner and
    /// limits, no model and no domain: its answer is its value, never scored.</summary>
    /// <param name="agent">The compiled chain.</param>
    /// <param name="seed">The seed of its <c>context.Random</c>.</param>
    /// <param name="maxWallClock">The snippet's deadline, when shorter than a task's.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The outcome and the snippet's log lines.</returns>
    public async Task<(AgentOutcome Outcome, IReadOnlyList<string> Log)> RunSnippetAsync(CompiledAgent agent, ulong seed, TimeSpan maxWallClock, CancellationToken cancellationToken)
    {
        var limits = _limits with { WallClock = maxWallClock < _limits.WallClock ? maxWallClock : _limits.WallClock };
        var session = AgentSession.ForTask(null, new SessionOptions { WallClock = limits.WallClock, MaxEvaluations = 0 });
        var task = new TaskSpec("scratchpad", "snippet", "A meta agent's scratchpad snippet: no task input, no model.", new Dictionary<string, string>(), null);
        var outcome = await _runner.SolveTaskAsync(agent, new TaskInvocation(task, seed), session, limits, cancellationToken).ConfigureAwait(false);
        return (outcome, session.LogLines);
    }

    private static string Cap(string text) => text.Length <= 1000 ? text : text[..1000] + "…";
}

/// <summary>Deterministic seed derivation (SplitMix64 over FNV-1a of the label).</summary>
public static class Seeds
{
    /// <summary>Mixes a seed with a label into a new seed.</summary>
    /// <param name="seed">The base seed.</param>
    /// <param name="label">What the new seed is for, e.g. a task id or <c>attempt:7</c>.</param>
    public static ulong Mix(ulong seed, string label)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in label)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return Mix(seed, hash);
    }

    /// <summary>The seed of one evaluation draw: a function of the run seed, the split, the task and the replicate only
    /// (never of the agent's code), so variants that behave alike score alike and a child's draws are its parent's.</summary>
    /// <param name="runSeed">The run's seed.</param>
    /// <param name="split">The split's archive name; <c>staged</c> draws are <c>train</c> draws.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="replicate">The replicate index (0-based).</param>
    /// <remarks>The two low bits carry the split's class (train 0, val 1, test 2), so the three seed sets are disjoint
    /// by construction, and test seeds also come from their own key: no agent ever runs a test seed except when it is
    /// being tested (<c>eval --split test</c>, <c>--eval-test</c>), whose results never reach agents. Try-evaluations
    /// of meta agents draw train-class seeds (<see cref="Try"/>).</remarks>
    public static ulong Draw(ulong runSeed, string split, string taskId, int replicate)
    {
        var (key, cls) = split switch
        {
            "val" => ("draws:val", 1UL),
            "test" => ("draws:held-out-test", 2UL),
            _ => ("draws:train", 0UL),
        };
        return (Mix(Mix(runSeed, key), $"{taskId}#{replicate}") & ~3UL) | cls;
    }

    /// <summary>The seed of a meta agent's try-evaluation of a train task: train class, from the attempt's own key.</summary>
    /// <param name="trySeed">The attempt's try seed.</param>
    /// <param name="taskId">The task id.</param>
    public static ulong Try(ulong trySeed, string taskId) => Mix(trySeed, taskId) & ~3UL;

    /// <summary>Mixes two seeds.</summary>
    /// <param name="a">One seed.</param>
    /// <param name="b">Another seed.</param>
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a + 0x9E3779B97F4A7C15UL * (b + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
