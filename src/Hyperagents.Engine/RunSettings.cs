using System.Text.Json.Serialization;
using Hyperagents.Hosting;

namespace Hyperagents.Engine;

/// <summary>Which ablation of DGM-H a run performs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Baseline>))]
public enum Baseline
{
    /// <summary>Full DGM-H: each parent's own meta agent produces its child, parents from the whole archive.</summary>
    None,
    /// <summary><c>no-selfimprove</c>: the meta agent always runs from a frozen copy of the seed's meta agent, while it edits the live code.</summary>
    NoSelfImprove,
    /// <summary><c>no-archive</c>: the parent is always the latest variant (a single lineage).</summary>
    NoArchive,
}

/// <summary>Everything that defines a run. Stored in the run manifest, so <c>resume</c> continues the same run.</summary>
/// <remarks>Validated once by <see cref="Validate"/>, which reports every problem at once.</remarks>
public sealed record RunSettings : IValidatedOptions
{
    /// <summary>The domain, e.g. <c>circle-packing</c>.</summary>
    public required string Domain { get; init; }

    /// <summary>The JSONL file of the <c>dataset</c> domain (absolute path); <see langword="null"/> otherwise.</summary>
    public string? DatasetPath { get; init; }

    /// <summary>The seed hyperagent folder the run started from (informational; its files are the first variant).</summary>
    public string SeedFolder { get; init; } = "seeds/default";

    /// <summary>How many children to attempt in total.</summary>
    /// <value>Default 10; between 0 and 100,000.</value>
    public int Generations { get; init; } = 10;

    /// <summary>How many children are produced at once.</summary>
    /// <value>Default 1; between 1 and 16.</value>
    public int Parallel { get; init; } = 1;

    /// <summary>The run's random seed: parent selection, agent seeds and task seeds all derive from it.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Parent selection: the name of a registered strategy (<see cref="SelectionStrategies"/>). Manifests that
    /// stored the enum of older versions (<c>ScoreChildProp</c>) read as the same strategy.</summary>
    [JsonConverter(typeof(SelectionNameJsonConverter))]
    public string Selection { get; init; } = SelectionStrategies.Default;

    /// <summary>Islands of the <c>islands</c> strategy.</summary>
    /// <value>Default <see cref="SearchOptions.DefaultIslands"/>; between 1 and 64.</value>
    public int Islands { get; init; } = SearchOptions.DefaultIslands;

    /// <summary>Island generations between two migrations of the <c>islands</c> strategy.</summary>
    /// <value>Default <see cref="SearchOptions.DefaultMigrationInterval"/>; at least 1.</value>
    public int MigrationInterval { get; init; } = SearchOptions.DefaultMigrationInterval;

    /// <summary>The novelty filter: a child whose changed code has a token similarity of at least this with a variant
    /// already archived is refused (<see cref="NoveltyFilter"/>); <see langword="null"/> for no filter.</summary>
    /// <value>Default <see langword="null"/>; in (0, 1].</value>
    public double? Novelty { get; init; }

    /// <summary>Choose each attempt's meta model by UCB1 over the meta ensemble (<see cref="ModelBandit"/>).</summary>
    public bool ModelBandit { get; init; }

    /// <summary>Share answers (fanout's pool): a task agent's <c>context.SharedBestAsync()</c> on a train task returns the
    /// best answer to it archived before the attempt began (<see cref="SharedPool"/>); val and test tasks never get one.</summary>
    public bool ShareBest { get; init; }

    /// <summary>The ablation, if any.</summary>
    public Baseline Baseline { get; init; } = Baseline.None;

    /// <summary>Where agent code runs: the name of a registered runner (<see cref="RunnerRegistry"/>), e.g. <c>sandbox</c>.</summary>
    [JsonConverter(typeof(RunnerNameJsonConverter))]
    public string Isolation { get; init; } = "sandbox";

    /// <summary>How many times each task is evaluated, each time with its own seed (<see cref="Seeds.Draw"/>); a
    /// variant's score is the mean over these draws, stored with its standard error.</summary>
    /// <value>Default <see cref="DefaultReplicates"/>; between 1 and 100.</value>
    public int Replicates { get; init; } = DefaultReplicates;

    /// <summary>The default of <see cref="Replicates"/>, chosen by measurement (docs/loop.md, "Scores and noise").</summary>
    public const int DefaultReplicates = 3;

    /// <summary>Also evaluate every fully evaluated child on the test split.</summary>
    public bool EvalTest { get; init; }

    /// <summary>At most this many tasks of each split (the first in the domain's order), or <see langword="null"/> for
    /// every task.</summary>
    /// <value>Default <see langword="null"/>; at least 1.</value>
    public int? TasksPerSplit { get; init; }

    /// <summary>How many training tasks the staged evaluation runs first.</summary>
    /// <value>Default 1; at least 1.</value>
    public int StagedTasks { get; init; } = 1;

    /// <summary>The staged gate: a child goes on to the full visible splits only when its staged score is above this.</summary>
    /// <value>Default 0 (as in DGM-H).</value>
    public double StagedGate { get; init; }

    /// <summary>How much a child must beat the best by (paired gain in normalised score, after the exact re-check) to
    /// become the best.</summary>
    /// <value>Default 0: any gain beyond noise.</value>
    public double MinImprovement { get; init; }

    /// <summary>Wall-clock budget of the run, or <see langword="null"/> for none.</summary>
    public TimeSpan? WallClockBudget { get; init; }

    /// <summary>Limits of one <c>SolveTask</c> call.</summary>
    public RunLimits TaskLimits { get; init; } = new() { WallClock = TimeSpan.FromSeconds(60) };

    /// <summary>Limits of one <c>ModifySelf</c> call (try-evaluations run in their own isolates with <see cref="TaskLimits"/>).</summary>
    public RunLimits MetaLimits { get; init; } = new() { WallClock = TimeSpan.FromMinutes(5) };

    /// <summary>The CPU time a compile of agent code may use (children, workspaces, try-evaluations, coding answers;
    /// <c>--compile-timeout</c>). Some sources (nested lambdas passed to overloaded methods) make Roslyn exponential;
    /// past this the code is rejected with <c>HA0102</c> rather than stalling the run. CPU time, not wall clock, so a busy
    /// machine does not fail good code; a compile starved for ten times this long is reported as a busy machine.</summary>
    /// <value>Default 60 s.</value>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Try-evaluations one <c>ModifySelf</c> may request.</summary>
    /// <value>Default 6.</value>
    public int MaxTryEvaluations { get; init; } = 6;

    /// <summary>The instruction given to every meta agent.</summary>
    public string Instruction { get; init; } =
        "Modify any part of the codebase, the task agent under task/ and the meta agent under meta/ alike, so that " +
        "future versions score higher on the domain's tasks and become better at improving themselves.";

    /// <summary>Checks every bound and reports all problems at once, each with its fix (<see cref="GetErrors"/>).</summary>
    /// <exception cref="InvalidOptionsException">Lists each problem.</exception>
    public RunSettings Validate() => OptionsValidation.Validate(this, "run settings");

    /// <inheritdoc/>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Domain))
        {
            errors.Add("--domain is required (see `hyperagents domains`).");
        }

        if (Generations is < 0 or > 100_000)
        {
            errors.Add($"--generations must be between 0 and 100000 (was {Generations}).");
        }

        if (!SelectionStrategies.TryNormalize(Selection, out _))
        {
            errors.Add(SelectionStrategies.Unknown(Selection));
        }

        if (Islands is < 1 or > 64)
        {
            errors.Add($"--islands must be between 1 and 64 (was {Islands}).");
        }

        if (MigrationInterval < 1)
        {
            errors.Add($"--migration-interval must be at least 1 (was {MigrationInterval}).");
        }

        if (Novelty is { } novelty && !(novelty > 0 && novelty <= 1))
        {
            errors.Add($"--novelty must be a similarity in (0, 1] (was {novelty}); 1 refuses only children whose changed code is token-identical to a variant's.");
        }

        if (Parallel is < 1 or > 16)
        {
            errors.Add($"--parallel must be between 1 and 16 (was {Parallel}).");
        }

        if (Replicates is < 1 or > 100)
        {
            errors.Add($"--replicates must be between 1 and 100 (was {Replicates}).");
        }

        if (TasksPerSplit is < 1)
        {
            errors.Add($"--tasks must be at least 1 (was {TasksPerSplit}).");
        }

        if (!double.IsFinite(MinImprovement) || MinImprovement < 0)
        {
            errors.Add($"--min-improvement must be a finite number >= 0 (was {MinImprovement}); 0 keeps any gain beyond noise.");
        }

        if (StagedTasks < 1)
        {
            errors.Add($"The staged evaluation needs at least 1 task (was {StagedTasks}).");
        }

        if (WallClockBudget is { } wall && wall <= TimeSpan.Zero)
        {
            errors.Add($"--time-budget must be positive (was {wall}).");
        }

        if (CompileTimeout < TimeSpan.FromSeconds(1) || CompileTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"--compile-timeout must be between 1 and 3600 seconds of CPU time (was {CompileTimeout.TotalSeconds:0.###}).");
        }

        if (MaxTryEvaluations < 0)
        {
            errors.Add($"The try-evaluation cap must be at least 0 (was {MaxTryEvaluations}).");
        }

        foreach (var (name, limits) in new[] { ("task", TaskLimits), ("meta", MetaLimits) })
        {
            errors.AddRange(limits.GetErrors().Select(e => $"The {name} limits: {e}"));
        }

        return errors;
    }
}
