using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Archive;

/// <summary>What a run is: stored in the run's root commit as <c>.hyperagent/manifest.json</c>.</summary>
/// <param name="Name">The run's name; also its folder name under the archive.</param>
/// <param name="Domain">The domain the run searches on.</param>
/// <param name="Seed">The seed hyperagent's name.</param>
/// <param name="Config">The run configuration as given by the caller (any JSON object); <see langword="null"/> for none.</param>
public sealed record RunManifest(string Name, string Domain, string Seed, JsonElement? Config = null)
{
    /// <summary>The schema of the stored manifest.</summary>
    public string Schema { get; init; } = "hyperagents.manifest/1";

    /// <summary>The public key (OpenSSH form) every commit of the run is signed with; set by <see cref="ArchiveRun.Create"/>.</summary>
    public string? SigningKey { get; init; }

    /// <summary>The content hash of the domain package the run uses (<c>sha256:&lt;hex&gt;</c>), archived in the root
    /// commit under <c>.hyperagents/domain/&lt;hex&gt;/</c>; <see langword="null"/> for a built-in domain.</summary>
    public string? DomainPackage { get; init; }
}

/// <summary>Whether an attempt became a usable variant.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VariantState>))]
public enum VariantState
{
    /// <summary>Compiled, passed the gate and was evaluated: a candidate parent.</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,
    /// <summary>Refused by the compiler or the capability gate; the reason says why.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>The attempt failed (ModifySelf crashed, timed out, produced nothing); the reason says why.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>The status of a variant: accepted, or rejected/failed with a reason.</summary>
/// <param name="State">The state.</param>
/// <param name="Reason">Why it was rejected or failed; <see langword="null"/> when accepted.</param>
public sealed record VariantStatus(VariantState State, string? Reason = null)
{
    /// <summary>An accepted variant.</summary>
    public static VariantStatus Accepted { get; } = new(VariantState.Accepted);

    /// <summary>A variant refused by the compiler or the gate.</summary>
    /// <param name="reason">The diagnostic.</param>
    public static VariantStatus Rejected(string reason) => new(VariantState.Rejected, reason);

    /// <summary>An attempt that failed.</summary>
    /// <param name="reason">What went wrong.</param>
    public static VariantStatus Failed(string reason) => new(VariantState.Failed, reason);

    /// <inheritdoc/>
    public override string ToString() => Reason is null ? Label : $"{Label}: {Reason}";

    /// <summary>The lower-case state name.</summary>
    [JsonIgnore]
    public string Label => State switch
    {
        VariantState.Accepted => "accepted",
        VariantState.Rejected => "rejected",
        _ => "failed",
    };
}

/// <summary>The model used by the ModifySelf run and what it cost.</summary>
/// <param name="Provider">The provider (e.g. <c>openai</c>, <c>offline</c>).</param>
/// <param name="Model">The model name.</param>
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="Requests">Model requests made.</param>
/// <param name="CostUsd">Estimated cost, when known.</param>
public sealed record ModelUsage(string? Provider, string? Model, long InputTokens = 0, long OutputTokens = 0, int Requests = 0, decimal? CostUsd = null);

/// <summary>Versions of the tools that produced and judged a variant.</summary>
/// <param name="Hyperagents">The Hyperagents version.</param>
/// <param name="Dotnet">The .NET runtime version of the host.</param>
/// <param name="Roslyn">The Roslyn version.</param>
/// <param name="Wasmtime">The Wasmtime version.</param>
/// <param name="RuntimePack">The Mono browser-wasm runtime pack version.</param>
public sealed record ToolVersions(string? Hyperagents = null, string? Dotnet = null, string? Roslyn = null, string? Wasmtime = null, string? RuntimePack = null);

/// <summary>A variant to add: its files and what the caller knows about how it was produced.</summary>
public sealed record NewVariant
{
    /// <summary>The parent variant's id; <see langword="null"/> for the seed (the first variant of the run).</summary>
    public string? Parent { get; init; }

    /// <summary>The agent's files by relative path (forward slashes, UTF-8 text).</summary>
    /// <remarks>Paths under <c>.hyperagent/</c> are reserved for the archive and refused.</remarks>
    public required IReadOnlyDictionary<string, string> Files { get; init; }

    /// <summary>Accepted, or rejected/failed with the reason.</summary>
    public required VariantStatus Status { get; init; }

    /// <summary>The model and token usage of the ModifySelf run.</summary>
    public ModelUsage? Model { get; init; }

    /// <summary>Tool and runtime versions.</summary>
    public ToolVersions? Tools { get; init; }

    /// <summary>Hash of the capability-gate policy the variant was checked against.</summary>
    public string? GatePolicyHash { get; init; }

    /// <summary>Hash of the domain evaluator assembly.</summary>
    public string? EvaluatorHash { get; init; }

    /// <summary>Random seeds used to produce the variant, by purpose.</summary>
    public IReadOnlyDictionary<string, long>? Seeds { get; init; }

    /// <summary>The transcript of the ModifySelf run, as JSON lines (one model exchange or tool call per line).</summary>
    public string? Transcript { get; init; }

    /// <summary>How the search chose this attempt's parent and model, or <see langword="null"/> (the seed).</summary>
    public SearchRecord? Search { get; init; }
}

/// <summary>What the search decided for one attempt, kept in the child's provenance (docs/search.md).</summary>
/// <param name="Strategy">The parent-selection strategy's name, e.g. <c>pareto</c>.</param>
/// <param name="Detail">What the strategy based its choice on (island, rating, clade counts, tasks led), or
/// <see langword="null"/>.</param>
/// <param name="Arm">The meta model the UCB1 bandit chose for the attempt, <c>provider:model-id</c>, or
/// <see langword="null"/> when no bandit ran.</param>
public sealed record SearchRecord(string Strategy, string? Detail = null, string? Arm = null);

/// <summary>How a file changed from the parent variant.</summary>
/// <param name="Path">The relative path.</param>
/// <param name="Change"><c>added</c>, <c>modified</c> or <c>deleted</c>.</param>
/// <param name="Kind">Task, meta or other file, by folder.</param>
public sealed record ChangedFile(string Path, string Change, FileKind Kind);

/// <summary>Where the transcript is and what it holds.</summary>
/// <param name="Path">Its path in the variant's tree.</param>
/// <param name="Blob">Its git blob id.</param>
/// <param name="Lines">Its number of JSON lines.</param>
public sealed record TranscriptInfo(string Path, string Blob, int Lines);

/// <summary>The provenance of a variant, stored in its commit as <c>.hyperagent/provenance.json</c>.</summary>
/// <remarks>
/// Everything <c>verify</c> recomputes from git alone: the parent, the generation, the tree of the agent's files and the
/// changed-file list with its classification, and the transcript blob.
/// </remarks>
public sealed record Provenance
{
    /// <summary>The current schema.</summary>
    public const string CurrentSchema = "hyperagents.provenance/1";

    /// <summary>The schema of this record.</summary>
    public string Schema { get; init; } = CurrentSchema;

    /// <summary>The run's name.</summary>
    public required string Run { get; init; }

    /// <summary>The archive-wide ordinal of this attempt (0 for the seed); it keeps identical attempts distinct.</summary>
    public required long Sequence { get; init; }

    /// <summary>The parent variant's id; <see langword="null"/> for the seed.</summary>
    public string? Parent { get; init; }

    /// <summary>0 for the seed, the parent's plus one otherwise.</summary>
    public required int Generation { get; init; }

    /// <summary>The git tree id of the agent's files (the variant's tree without <c>.hyperagent/</c>).</summary>
    public required string AgentTree { get; init; }

    /// <summary>The files that differ from the parent, sorted by path.</summary>
    public required IReadOnlyList<ChangedFile> Changes { get; init; }

    /// <summary>Accepted, rejected or failed.</summary>
    public required VariantStatus Status { get; init; }

    /// <summary>The model and its usage.</summary>
    public ModelUsage? Model { get; init; }

    /// <summary>Tool and runtime versions.</summary>
    public ToolVersions? Tools { get; init; }

    /// <summary>Hash of the capability-gate policy.</summary>
    public string? GatePolicyHash { get; init; }

    /// <summary>Hash of the evaluator.</summary>
    public string? EvaluatorHash { get; init; }

    /// <summary>Random seeds by purpose.</summary>
    public IReadOnlyDictionary<string, long>? Seeds { get; init; }

    /// <summary>The transcript, when there is one.</summary>
    public TranscriptInfo? Transcript { get; init; }

    /// <summary>How the search chose the parent and the model (absent in provenance written before it was recorded).</summary>
    public SearchRecord? Search { get; init; }
}

/// <summary>The result of one draw in an evaluation: one task run once with one seed.</summary>
/// <param name="Task">The task id.</param>
/// <param name="Score">Its score.</param>
/// <param name="Outcome">Its outcome label (e.g. <c>ok</c>, <c>wrong</c>, <c>out-of-fuel</c>, <c>trap</c>).</param>
/// <param name="Feedback">Evaluator feedback.</param>
/// <param name="Fuel">Wasmtime fuel consumed.</param>
/// <param name="Milliseconds">Wall time.</param>
/// <param name="Replicate">Which of the evaluation's replicates of the task this draw is (0-based); <see langword="null"/>
/// in notes written before replicates (one draw per task).</param>
/// <param name="Seed">The task seed the agent was given; <see langword="null"/> in older notes (their seed derives from
/// the evaluation's <c>tasks</c> seed).</param>
/// <param name="Answer">A hash of the answer text (16 hex digits of SHA-256), so two variants' answers on the same
/// draw compare without re-running; <see langword="null"/> when the call gave no answer, or in older notes.</param>
/// <param name="Raw">The domain's raw figure recomputed from the answer (Σr, |S|, C1, ...; see
/// <see cref="Evaluation.RawFigure"/>); <see langword="null"/> for an invalid answer, or in older notes.</param>
/// <param name="Text">The answer text itself, kept only for train draws of a run that shares answers (<c>--share-best</c>)
/// and only up to the share cap: the pool later attempts read; <see langword="null"/> otherwise.</param>
/// <param name="SharedBest">The hash (as <paramref name="Answer"/>) of the shared best answer the agent was served during
/// this draw, or <see langword="null"/> when it was served none: the audit's evidence and what <c>replay</c> serves again.</param>
public sealed record TaskEvaluation(string Task, double Score, string Outcome, string? Feedback = null, long? Fuel = null, double? Milliseconds = null,
    int? Replicate = null, long? Seed = null, string? Answer = null, double? Raw = null, string? Text = null, string? SharedBest = null);

/// <summary>The result on one split.</summary>
/// <param name="Score">The split's score: the mean over its draws (every task, every replicate).</param>
/// <param name="Tasks">Per-draw results, task by task, replicates of a task together.</param>
/// <param name="StdErr">The standard error of <paramref name="Score"/> (see <see cref="ScoreStatistics.StdErr"/>);
/// <see langword="null"/> in notes written before it was recorded, or with fewer than two draws.</param>
public sealed record SplitEvaluation(double Score, IReadOnlyList<TaskEvaluation> Tasks, double? StdErr = null);

/// <summary>One evaluation of a variant, stored as a git note: re-evaluations append, the variant id never changes.</summary>
public sealed record Evaluation
{
    /// <summary>Hash of the evaluator that produced it.</summary>
    public required string EvaluatorHash { get; init; }

    /// <summary>Results by split name (<c>train</c>, <c>val</c>, <c>test</c>).</summary>
    public required IReadOnlyDictionary<string, SplitEvaluation> Splits { get; init; }

    /// <summary>Random seeds by purpose.</summary>
    public IReadOnlyDictionary<string, long>? Seeds { get; init; }

    /// <summary>How many times each task was run, each time with its own seed; <see langword="null"/> in notes written
    /// before replicates (one draw per task).</summary>
    public int? Replicates { get; init; }

    /// <summary>The limits in force (fuel, memory, deadline, ...), by name.</summary>
    public IReadOnlyDictionary<string, long>? Limits { get; init; }

    /// <summary>When the evaluation finished, as the caller's clock said.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>The evaluation's wall time.</summary>
    public double? Milliseconds { get; init; }

    /// <summary>The short name of the domain's raw figure its draws record in <see cref="TaskEvaluation.Raw"/> (e.g.
    /// <c>Σr</c>, <c>|S|</c>, <c>C1</c>); <see langword="null"/> in older notes.</summary>
    public string? RawFigure { get; init; }

    /// <summary>The exact re-check run before this evaluation's variant could become the run's best (every tolerance
    /// of the evaluator at zero), or <see langword="null"/> when none ran (the variant never contended).</summary>
    public ExactRecheck? ExactCheck { get; init; }
}

/// <summary>What re-scoring a best-candidate's answers with no tolerance gave.</summary>
/// <param name="Split">The selection split re-checked.</param>
/// <param name="Result"><c>held</c> (it still beats the incumbent), <c>vanished</c> (its advantage does not survive
/// the exact check), <c>below-min-improvement</c> (exact gain under <c>--min-improvement</c>), <c>first</c> (no
/// incumbent to beat) or <c>not-offered</c> (the domain has no exact check; its verdicts were taken as they were).</param>
/// <param name="Draws">How many draws with an answer were re-scored.</param>
/// <param name="Changed">How many of them scored differently when exact.</param>
/// <param name="Score">The split's mean score under the exact check.</param>
/// <param name="Gain">The exact paired gain over the incumbent, when there was one.</param>
/// <param name="Exact">The split as the exact check scored it, when some draw <paramref name="Changed"/>; it stands
/// for this variant when a later child is compared with it.</param>
public sealed record ExactRecheck(string Split, string Result, int Draws, int Changed, double Score, double? Gain = null, SplitEvaluation? Exact = null)
{
    /// <summary>Whether the variant passed (it may become, or became, the best).</summary>
    public bool Passed => Result is "held" or "first" or "not-offered";
}

/// <summary>An append-only mark on a variant, e.g. that it is an invalid parent because its ModifySelf failed.</summary>
/// <param name="Kind">The mark, e.g. <c>invalid-parent</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="At">When, as the caller's clock said.</param>
public sealed record VariantMark(string Kind, string Reason, DateTimeOffset? At = null)
{
    /// <summary>The kind of mark <see cref="ArchiveRun.MarkInvalidParent"/> writes.</summary>
    public const string InvalidParent = "invalid-parent";
}

/// <summary>A variant as listed: enough to select parents and draw the tree.</summary>
/// <param name="Id">The variant id (its commit id).</param>
/// <param name="Parent">The parent's id; <see langword="null"/> for the seed.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="Sequence">Its ordinal in the run.</param>
/// <param name="Status">Accepted, rejected or failed.</param>
/// <param name="Scores">The score per split of the latest evaluation that holds the split (an evaluation of the test split
/// alone leaves train and val as they were); empty when not evaluated.</param>
/// <param name="Evaluations">How many evaluations are attached.</param>
/// <param name="Children">How many children it has (every attempt counts).</param>
/// <param name="InvalidParent">Whether it was marked an invalid parent.</param>
/// <param name="IsBest">Whether <c>best</c> points to it.</param>
public sealed record VariantSummary(
    string Id,
    string? Parent,
    int Generation,
    long Sequence,
    VariantStatus Status,
    IReadOnlyDictionary<string, double> Scores,
    int Evaluations,
    int Children,
    bool InvalidParent,
    bool IsBest)
{
    /// <summary>The 12-character short id used in ref names and output.</summary>
    public string ShortId => Id[..12];
}

/// <summary>The change of one file from the parent.</summary>
/// <param name="Path">The relative path.</param>
/// <param name="Change"><c>added</c>, <c>modified</c> or <c>deleted</c>.</param>
/// <param name="Kind">Task, meta or other.</param>
/// <param name="Patch">The unified diff of the file.</param>
public sealed record FileDiff(string Path, string Change, FileKind Kind, string Patch);

/// <summary>One problem <c>verify</c> found.</summary>
/// <param name="Variant">The variant (full id) or the ref it concerns; <see langword="null"/> for run-wide problems.</param>
/// <param name="Message">What is wrong.</param>
public sealed record VerifyProblem(string? Variant, string Message);

/// <summary>The result of <see cref="ArchiveRun.Verify"/>.</summary>
/// <param name="Variants">How many variants were checked.</param>
/// <param name="Notes">How many notes were checked.</param>
/// <param name="JournalHead">The hash-chain head of the journal; anchor it elsewhere to detect a rewritten journal.</param>
/// <param name="Problems">Everything found wrong; empty when the run verifies.</param>
public sealed record VerifyReport(int Variants, int Notes, string JournalHead, IReadOnlyList<VerifyProblem> Problems)
{
    /// <summary>Whether the run verified.</summary>
    public bool Ok => Problems.Count == 0;
}
