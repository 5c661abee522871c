using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine;

/// <summary>The seeds a variant's provenance records: the attempt that made it (0 for the seed) and the seed its meta
/// agent ran with. The loop writes them, resume and <c>replay --modification</c> read them back.</summary>
/// <param name="Attempt">The attempt number, from 1; 0 for the run's seed variant.</param>
/// <param name="Meta">The meta agent's seed, or <see langword="null"/> when no meta agent ran (the seed variant, a
/// parent that no longer compiled).</param>
public sealed record AttemptSeeds(int Attempt, ulong? Meta = null)
{
    private const string AttemptKey = "attempt";
    private const string MetaKey = "meta";

    /// <summary>The provenance form (<c>attempt</c>, <c>meta</c>).</summary>
    public IReadOnlyDictionary<string, long> ToProvenance() => Meta is { } meta
        ? new Dictionary<string, long> { [AttemptKey] = Attempt, [MetaKey] = unchecked((long)meta) }
        : new Dictionary<string, long> { [AttemptKey] = Attempt };

    /// <summary>Reads the seeds of a provenance record; <see langword="null"/> when it records no attempt.</summary>
    /// <param name="seeds">The provenance's seeds.</param>
    public static AttemptSeeds? From(IReadOnlyDictionary<string, long>? seeds) =>
        seeds is not null && seeds.TryGetValue(AttemptKey, out var attempt) && attempt is >= 0 and <= int.MaxValue
            ? new AttemptSeeds((int)attempt, seeds.TryGetValue(MetaKey, out var meta) ? unchecked((ulong)meta) : null)
            : null;
}

/// <summary>What an evaluation records of how it ran: the run seed its draws derive from and the task limits.
/// <c>replay</c> re-runs an evaluation under these.</summary>
/// <param name="RunSeed">The run seed (<c>run</c>), when recorded.</param>
/// <param name="LegacyTaskSeed">The <c>tasks</c> seed of notes written before per-draw seeds: a draw's seed is then
/// <c>Seeds.Mix(tasks, taskId)</c>.</param>
/// <param name="Limits">The limits of one <c>SolveTask</c> call.</param>
public sealed record EvaluationConditions(ulong? RunSeed, ulong? LegacyTaskSeed, RunLimits Limits)
{
    private const string RunKey = "run";
    private const string LegacyTasksKey = "tasks";
    private const string WallClockKey = "wallClockMs";
    private const string FuelKey = "fuel";
    private const string MemoryKey = "memoryBytes";

    /// <summary>The seeds as an evaluation note stores them.</summary>
    public IReadOnlyDictionary<string, long> SeedsForNote()
    {
        var seeds = new Dictionary<string, long>();
        if (RunSeed is { } run)
        {
            seeds[RunKey] = unchecked((long)run);
        }

        if (LegacyTaskSeed is { } tasks)
        {
            seeds[LegacyTasksKey] = unchecked((long)tasks);
        }

        return seeds;
    }

    /// <summary>The limits as an evaluation note stores them.</summary>
    public IReadOnlyDictionary<string, long> LimitsForNote() => new Dictionary<string, long>
    {
        [WallClockKey] = (long)Limits.WallClock.TotalMilliseconds,
        [FuelKey] = Limits.Fuel,
        [MemoryKey] = Limits.MemoryBytes,
    };

    /// <summary>Reads what an evaluation recorded; limits it did not record are taken from <paramref name="defaults"/>.</summary>
    /// <param name="evaluation">The evaluation.</param>
    /// <param name="defaults">The run's task limits.</param>
    public static EvaluationConditions Of(Evaluation evaluation, RunLimits defaults)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(defaults);
        var limits = defaults;
        if (evaluation.Limits is { } l)
        {
            limits = limits with
            {
                WallClock = l.TryGetValue(WallClockKey, out var ms) ? TimeSpan.FromMilliseconds(ms) : limits.WallClock,
                Fuel = l.GetValueOrDefault(FuelKey, limits.Fuel),
                MemoryBytes = l.GetValueOrDefault(MemoryKey, limits.MemoryBytes),
            };
        }

        var seeds = evaluation.Seeds;
        return new EvaluationConditions(
            seeds?.TryGetValue(RunKey, out var run) == true ? unchecked((ulong)run) : null,
            seeds?.TryGetValue(LegacyTasksKey, out var tasks) == true ? unchecked((ulong)tasks) : null,
            limits);
    }
}

/// <summary>Builds the records of a <c>ModifySelf</c> call's transcript (<see cref="Transcript"/>).</summary>
internal static class TranscriptRecords
{
    /// <summary>The session's calls and log lines, then the outcome.</summary>
    public static List<TranscriptRecord> Of(AgentSession session, AgentOutcome outcome)
    {
        var records = new List<TranscriptRecord>();
        records.AddRange(session.Transcript.Select(entry => new CallRecord(
            Math.Round(entry.At.TotalMilliseconds, 3), entry.Capability, entry.Request, entry.Reply,
            entry.Error is null ? null : $"{entry.Error.Error}: {entry.Error.Message}")));
        records.AddRange(session.LogLines.Select(line => new LogRecord(line)));
        records.Add(new OutcomeRecord(outcome.Label, outcome.Detail, outcome.ExceptionType, Math.Round(outcome.Elapsed.TotalMilliseconds, 3),
            outcome.FuelConsumed, outcome.HostCalls, outcome.Output, session.DroppedLogLines));
        return records;
    }

    /// <summary>Every diagnostic of a compile, with its id and message as fields.</summary>
    public static IEnumerable<TranscriptRecord> Of(CompileReport report) =>
        report.Diagnostics.Select(d => new DiagnosticRecord(d.ToString(), d.Id, d.Message));
}
