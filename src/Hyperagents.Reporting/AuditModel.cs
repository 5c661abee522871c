using System.Text.Json.Serialization;

namespace Hyperagents.Reporting;

/// <summary>The audit of a run (schema <c>hyperagents.audit/1</c>, documented in <c>docs/audit.md</c>).</summary>
public sealed record RunAudit
{
    /// <summary>The schema of this document.</summary>
    public const string CurrentSchema = "hyperagents.audit/1";

    /// <summary>The schema, <see cref="CurrentSchema"/>.</summary>
    public string Schema { get; init; } = CurrentSchema;

    /// <summary>The run's name.</summary>
    public required string Run { get; init; }

    /// <summary>The run's domain.</summary>
    public required string Domain { get; init; }

    /// <summary>The thresholds the flags used.</summary>
    public required AuditThresholds Thresholds { get; init; }

    /// <summary>Provenance and hash verification of the whole run.</summary>
    public required RunIntegrity Integrity { get; init; }

    /// <summary>The audited variants, in archive order (all of them, or the one asked for).</summary>
    public required IReadOnlyList<VariantAudit> Variants { get; init; }

    /// <summary>Accepted children against their parents, over the whole run: how many gains beat noise.</summary>
    public NoiseSummary? Noise { get; init; }
}

/// <summary>Every accepted, evaluated child of the run against its parent on the selection split (val, else train),
/// with <see cref="Archive.ScoreStatistics.Compare"/> (paired on identical draws when both record seeds).</summary>
/// <param name="Compared">Children compared (accepted, with the selection split, as has the parent).</param>
/// <param name="BeatsNoise">Children whose gain's one-sided lower bound is above zero.</param>
/// <param name="WithinNoise">Children whose difference is within noise either way (identical behaviour included).</param>
/// <param name="WorseBeyondNoise">Children worse than their parent beyond noise.</param>
/// <param name="NoBehaviouralChange">Accepted children that answered exactly as their parent on every draw.</param>
public sealed record NoiseSummary(int Compared, int BeatsNoise, int WithinNoise, int WorseBeyondNoise, int NoBehaviouralChange);

/// <summary>When a flag is raised.</summary>
/// <param name="LargeJump">A split's score changed by at least this much from the parent's.</param>
/// <param name="TrainValGap">A child's train−val gap exceeds by at least this much the larger of the seed's gap and its
/// nearest ancestor's (the seed is never flagged: its gap is the domain's baseline).</param>
/// <param name="RepeatedFailures">This many or more consecutive non-accepted attempts from one parent.</param>
public sealed record AuditThresholds(double LargeJump = 0.25, double TrainValGap = 0.2, int RepeatedFailures = 2);

/// <summary>Run-wide integrity.</summary>
/// <param name="Verified">Whether <c>verify</c> found nothing wrong (provenance against git, refs, notes, journal).</param>
/// <param name="VariantsChecked">Variants <c>verify</c> checked.</param>
/// <param name="NotesChecked">Notes <c>verify</c> checked.</param>
/// <param name="JournalHead">The journal's hash-chain head.</param>
/// <param name="Problems">What <c>verify</c> found wrong.</param>
/// <param name="GatePolicyHashes">Distinct gate-policy hashes over the variants' provenance.</param>
/// <param name="EvaluatorHashes">Distinct evaluator hashes over provenance and evaluation notes.</param>
/// <param name="HashesConsistent">Whether every variant used the same gate policy and the same evaluator.</param>
public sealed record RunIntegrity(
    bool Verified,
    int VariantsChecked,
    int NotesChecked,
    string JournalHead,
    IReadOnlyList<IntegrityProblem> Problems,
    IReadOnlyList<string> GatePolicyHashes,
    IReadOnlyList<string> EvaluatorHashes,
    bool HashesConsistent);

/// <summary>One problem found.</summary>
/// <param name="Variant">The variant it concerns, or <see langword="null"/> for the run.</param>
/// <param name="Message">What is wrong.</param>
public sealed record IntegrityProblem(string? Variant, string Message);

/// <summary>The audit of one variant.</summary>
public sealed record VariantAudit
{
    /// <summary>The variant's id (commit id).</summary>
    public required string Id { get; init; }

    /// <summary>The parent's id, <see langword="null"/> for the seed.</summary>
    public string? Parent { get; init; }

    /// <summary>Its generation.</summary>
    public required int Generation { get; init; }

    /// <summary>Its ordinal in the run.</summary>
    public required long Sequence { get; init; }

    /// <summary>The change from the parent, by kind.</summary>
    public required ChangeSummary Changes { get; init; }

    /// <summary>What the meta agent did to produce it.</summary>
    public required MetaRunSummary Meta { get; init; }

    /// <summary>What the gate and the loop decided.</summary>
    public required GateVerdict Gate { get; init; }

    /// <summary>Scores per split with the delta from the parent.</summary>
    public required IReadOnlyList<SplitScore> Scores { get; init; }

    /// <summary>The flags raised (see <see cref="AuditFlags"/>).</summary>
    public required IReadOnlyList<string> Flags { get; init; }

    /// <summary>Marks on the variant (e.g. <c>invalid-parent</c>).</summary>
    public required IReadOnlyList<string> Marks { get; init; }

    /// <summary>The exact re-check run when the variant contended for best (its latest), or <see langword="null"/>
    /// when it never contended.</summary>
    public Archive.ExactRecheck? ExactCheck { get; init; }
}

/// <summary>Changed paths by kind.</summary>
/// <param name="Task">Changed <c>task/</c> files.</param>
/// <param name="Meta">Changed <c>meta/</c> files.</param>
/// <param name="Other">Every other changed file.</param>
public sealed record ChangeSummary(IReadOnlyList<FileChange> Task, IReadOnlyList<FileChange> Meta, IReadOnlyList<FileChange> Other);

/// <summary>One changed file.</summary>
/// <param name="Path">Its path.</param>
/// <param name="Change"><c>added</c>, <c>modified</c> or <c>deleted</c>.</param>
/// <param name="LinesAdded">Lines added by its diff.</param>
/// <param name="LinesRemoved">Lines removed by its diff.</param>
public sealed record FileChange(string Path, string Change, int LinesAdded, int LinesRemoved);

/// <summary>The meta run, from the transcript and provenance.</summary>
/// <param name="Tools">Capability calls by capability name.</param>
/// <param name="CallErrors">Capability calls that the host refused or that failed.</param>
/// <param name="ModelCalls">Model requests (provenance usage, else model exchanges in the transcript).</param>
/// <param name="InputTokens">Model input tokens.</param>
/// <param name="OutputTokens">Model output tokens.</param>
/// <param name="Model">Provider/model, when a model was used.</param>
/// <param name="Outcome">How <c>ModifySelf</c> ended (the transcript's outcome entry).</param>
/// <param name="TranscriptEntries">JSON lines in the transcript.</param>
public sealed record MetaRunSummary(
    IReadOnlyDictionary<string, int> Tools,
    int CallErrors,
    int ModelCalls,
    long InputTokens,
    long OutputTokens,
    string? Model,
    string? Outcome,
    int TranscriptEntries);

/// <summary>The verdict on the variant.</summary>
/// <param name="Status"><c>accepted</c>, <c>rejected</c> or <c>failed</c>.</param>
/// <param name="Reason">Why, when not accepted.</param>
/// <param name="ForbiddenApis">Capability-gate findings (HA0001-HA0008) the variant's code tripped, as <c>ID: message</c>.</param>
/// <param name="ProtectedPaths">Protected paths the meta agent tried to write.</param>
public sealed record GateVerdict(string Status, string? Reason, IReadOnlyList<string> ForbiddenApis, IReadOnlyList<string> ProtectedPaths);

/// <summary>A split's score.</summary>
/// <param name="Split">The split (<c>train</c>, <c>val</c>, <c>test</c>).</param>
/// <param name="Score">The variant's latest score (the mean over its draws).</param>
/// <param name="Parent">The parent's latest score, when it has one.</param>
/// <param name="Delta">Score minus parent score, when both exist.</param>
/// <param name="StdErr">The standard error of <paramref name="Score"/>, when the evaluation recorded one.</param>
/// <param name="DeltaStdErr">The standard error of the gain over the parent (paired on identical draws when both
/// record seeds), when it can be estimated.</param>
/// <param name="WithinNoise">Whether the gain over the parent is within noise either way; <see langword="null"/>
/// without a parent score.</param>
public sealed record SplitScore(string Split, double Score, double? Parent, double? Delta, double? StdErr = null, double? DeltaStdErr = null, bool? WithinNoise = null);

/// <summary>The flag names.</summary>
public static class AuditFlags
{
    /// <summary>The variant changed files under <c>meta/</c>: it rewrote its own improvement procedure.</summary>
    public const string MetaFilesChanged = "meta-files-changed";

    /// <summary>A split's score moved by at least <see cref="AuditThresholds.LargeJump"/> from the parent's.</summary>
    public const string LargeJump = "large-jump";

    /// <summary>A child's train−val gap exceeds by at least <see cref="AuditThresholds.TrainValGap"/> the larger of the
    /// seed's gap (the domain's baseline) and its nearest ancestor's: possible overfitting to train, flagged once, where
    /// it appeared. The seed is never flagged.</summary>
    public const string TrainValGap = "train-val-gap";

    /// <summary>The meta agent tried to write a protected path (evaluator, policy, archive metadata).</summary>
    public const string ProtectedPathAttempt = "protected-path-attempt";

    /// <summary>The variant tripped the capability gate (a forbidden API or construct).</summary>
    public const string ForbiddenApi = "forbidden-api";

    /// <summary>This is at least the <see cref="AuditThresholds.RepeatedFailures"/>-th consecutive failed or rejected attempt from its parent.</summary>
    public const string RepeatedFailures = "repeated-failures";

    /// <summary>The variant is marked as an invalid parent.</summary>
    public const string InvalidParent = "invalid-parent";

    /// <summary>An accepted child answered exactly as its parent on every draw: its change did not reach
    /// <c>SolveTask</c>'s behaviour (a meta-only change, or dead code), so its score is its parent's.</summary>
    public const string NoBehaviouralChange = "no-behavioural-change";

    /// <summary>The variant beat the best only inside its evaluator's tolerance: re-scored with no tolerance, its
    /// advantage vanished, so it did not become the best.</summary>
    public const string ToleranceOnlyGain = "tolerance-only-gain";

    /// <summary>The variant's task agent was served another variant's best train answer (<c>--share-best</c>) on at least
    /// one draw: its train score may be that answer's, copied; its val score never is.</summary>
    public const string SharedBest = "shared-best";
}

/// <summary>JSON options of the audit document.</summary>
public static class AuditJson
{
    /// <summary>camelCase, indented, nulls kept so every field documented is present.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Serialises an audit.</summary>
    /// <param name="audit">The audit.</param>
    public static string Serialize(RunAudit audit) => System.Text.Json.JsonSerializer.Serialize(audit, Options);
}
